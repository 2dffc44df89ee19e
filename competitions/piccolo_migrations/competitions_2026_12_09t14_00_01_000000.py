"""Coverage: one enrolment figure per (year, region, division), a unique index Piccolo's auto migrations cannot express."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-09T14:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique index: coverage_enrolment (year, region, division)"


class RawSQL(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="competitions", description=DESCRIPTION)

    async def create_index():
        from piccolo.engine.finder import engine_finder

        RawSQL._meta.db = engine_finder()  # the database being migrated, not the first one used
        await RawSQL.raw(
            "CREATE UNIQUE INDEX coverage_enrolment_year_region_division_uq "
            "ON coverage_enrolment (year, region, division)"
        )

    async def drop_index():
        from piccolo.engine.finder import engine_finder

        RawSQL._meta.db = engine_finder()
        await RawSQL.raw("DROP INDEX coverage_enrolment_year_region_division_uq")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
