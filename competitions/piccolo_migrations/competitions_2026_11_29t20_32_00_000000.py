"""Check-in: the database refuses a second check-in of a member at one session."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-29T20:32:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique index: one check-in per member per check-in session"

UNIQUE_INDEXES = (
    "CREATE UNIQUE INDEX checkin_session_member_uq ON checkin (checkin_session, member)",
)


class RawSQL(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="competitions", description=DESCRIPTION)

    async def create_indexes():
        from piccolo.engine.finder import engine_finder

        RawSQL._meta.db = engine_finder()  # the database being migrated, not the first one used
        for sql in UNIQUE_INDEXES:
            await RawSQL.raw(sql)

    async def drop_indexes():
        from piccolo.engine.finder import engine_finder

        RawSQL._meta.db = engine_finder()
        await RawSQL.raw("DROP INDEX checkin_session_member_uq")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
