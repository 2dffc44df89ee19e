"""The draw of a round is recorded once: one ``robotics_draw`` row per challenge and round."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-07T13:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique index: one draw per challenge and round"

UNIQUE_INDEXES = {
    "robotics_draw_category_round_uq": "CREATE UNIQUE INDEX robotics_draw_category_round_uq ON robotics_draw (category, round)",
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
