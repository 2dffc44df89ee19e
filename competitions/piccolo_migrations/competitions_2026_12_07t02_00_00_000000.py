"""Personal data over time: member.birth_date_enc (the birth date encrypted like the ID number),
event.finished_at (when the results became final: the personal-data retention period starts
there) and event.personal_data_purged_at (when an organizer purged the event's personal data)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text, Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-07T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "member.birth_date_enc; event.finished_at and event.personal_data_purged_at"


def _params(**extra):
    return {
        "null": True,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **extra,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="competitions", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Member",
        tablename="member",
        column_name="birth_date_enc",
        db_column_name="birth_date_enc",
        column_class_name="Text",
        column_class=Text,
        params=_params(default=None),
        schema=None,
    )
    for name in ("finished_at", "personal_data_purged_at"):
        manager.add_column(
            table_class_name="Event",
            tablename="event",
            column_name=name,
            db_column_name=name,
            column_class_name="Timestamptz",
            column_class=Timestamptz,
            params=_params(default=None),
            schema=None,
        )
    return manager
