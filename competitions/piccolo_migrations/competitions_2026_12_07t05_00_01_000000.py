"""Event lifecycle: events that existed before ``event.status`` were open to schools."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-07T05:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "existing events are open (event lifecycle)"


class RawSQL(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="competitions", description=DESCRIPTION)

    async def existing_events_were_open():
        from piccolo.engine.finder import engine_finder

        RawSQL._meta.db = engine_finder()
        await RawSQL.raw("UPDATE event SET status = 'open'")

    manager.add_raw(existing_events_were_open)
    return manager
