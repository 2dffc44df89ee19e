"""Unique indexes Piccolo's auto migrations cannot express (multi-column)."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-29T18:01:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique indexes: one assignment per judge and entry per round; one judge row per event"

UNIQUE_INDEXES = {
    "assignment_round_entry_judge_uq": "CREATE UNIQUE INDEX assignment_round_entry_judge_uq ON assignment (round, entry, judge)",
    "event_judge_event_user_uq": "CREATE UNIQUE INDEX event_judge_event_user_uq ON event_judge (event, \"user\")",
    "round_entry_round_entry_uq": "CREATE UNIQUE INDEX round_entry_round_entry_uq ON round_entry (round, entry)",
    "recommendation_event_entry_uq": "CREATE UNIQUE INDEX recommendation_event_entry_uq ON recommendation (event, entry)",
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
