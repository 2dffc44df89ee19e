"""Unique indexes for certificates that Piccolo's auto migrations cannot express."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-29T20:34:19:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique indexes: one certificate template per event and kind; one valid certificate per event, kind and member"

UNIQUE_INDEXES = {
    "certificate_template_event_kind_uq": "CREATE UNIQUE INDEX certificate_template_event_kind_uq ON certificate_template (event, kind)",
    "certificate_valid_member_uq": "CREATE UNIQUE INDEX certificate_valid_member_uq ON certificate (event, kind, member) WHERE status = 'valid'",
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
