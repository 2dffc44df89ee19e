"""Unique indexes Piccolo's auto migrations cannot express (multi-column)."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-29T17:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique indexes: one entry per student per event; category and entry codes per event"

UNIQUE_INDEXES = (
    # a student is in at most one entry per event (advisers have student_key NULL)
    "CREATE UNIQUE INDEX member_event_student_key_uq ON member (event, student_key)",
    "CREATE UNIQUE INDEX category_event_code_uq ON category (event, code)",
    "CREATE UNIQUE INDEX entry_event_code_uq ON entry (event, code)",
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
        for name in ("member_event_student_key_uq", "category_event_code_uq", "entry_event_code_uq"):
            await RawSQL.raw(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
