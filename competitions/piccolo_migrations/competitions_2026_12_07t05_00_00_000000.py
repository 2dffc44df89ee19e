"""Event lifecycle: ``event.status`` (draft | open | closed) and ``event.judging_started_at``.

New events start as drafts (CONTRACT.md "Event lifecycle"); the next migration opens the
events that exist already (Piccolo runs raw steps before added columns, hence two files)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-07T05:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "event.status and event.judging_started_at (event lifecycle)"


def _params(**extra):
    params = {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }
    params.update(extra)
    return params


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="competitions", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Event",
        tablename="event",
        column_name="status",
        db_column_name="status",
        column_class_name="Varchar",
        column_class=Varchar,
        params=_params(default="draft", length=16),
        schema=None,
    )
    manager.add_column(
        table_class_name="Event",
        tablename="event",
        column_name="judging_started_at",
        db_column_name="judging_started_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params=_params(default=None, null=True),
        schema=None,
    )
    return manager
