"""Unique indexes of robotics that Piccolo's auto migrations cannot express (multi-column)."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-07T06:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "unique indexes: one sheet version number per challenge, one referee row per challenge and account, "
    "one run per team, challenge and round, one run per referee and client_run_id"
)

UNIQUE_INDEXES = {
    "robotics_sheet_category_version_uq": "CREATE UNIQUE INDEX robotics_sheet_category_version_uq ON robotics_sheet (category, version)",
    "robotics_referee_category_user_uq": "CREATE UNIQUE INDEX robotics_referee_category_user_uq ON robotics_referee (category, \"user\")",
    "robotics_run_entry_category_round_uq": "CREATE UNIQUE INDEX robotics_run_entry_category_round_uq ON robotics_run (entry, category, round)",
    "robotics_run_recorder_client_uq": "CREATE UNIQUE INDEX robotics_run_recorder_client_uq ON robotics_run (recorded_by, client_run_id)",
    "robotics_run_version_run_version_uq": "CREATE UNIQUE INDEX robotics_run_version_run_version_uq ON robotics_run_version (run, version)",
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
