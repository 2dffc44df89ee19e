"""Unique indexes of the match tables that Piccolo's auto migrations cannot express (multi-column)."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-07T15:00:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique indexes of the match tables: one plan, bracket and selection per challenge, one match number per challenge"

UNIQUE_INDEXES = {
    "match_plan_category_uq": "CREATE UNIQUE INDEX match_plan_category_uq ON match_plan (category)",
    "robotics_bracket_category_uq": "CREATE UNIQUE INDEX robotics_bracket_category_uq ON robotics_bracket (category)",
    "robotics_alliance_selection_category_uq": "CREATE UNIQUE INDEX robotics_alliance_selection_category_uq ON robotics_alliance_selection (category)",
    "robotics_match_category_number_uq": "CREATE UNIQUE INDEX robotics_match_category_number_uq ON robotics_match (category, number)",
    "robotics_match_version_match_version_uq": "CREATE UNIQUE INDEX robotics_match_version_match_version_uq ON robotics_match_version (match, version)",
}


class RawSQL(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="judging", description=DESCRIPTION)

    async def create_indexes():
        from piccolo.engine.finder import engine_finder

        RawSQL._meta.db = engine_finder()  # the database being migrated, not the first one used
        for sql in UNIQUE_INDEXES.values():
            await RawSQL.raw(sql)

    async def drop_indexes():
        from piccolo.engine.finder import engine_finder

        RawSQL._meta.db = engine_finder()
        for name in UNIQUE_INDEXES:
            await RawSQL.raw(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
