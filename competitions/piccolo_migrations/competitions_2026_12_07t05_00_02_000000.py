"""Requirements checked before review: ``event.min_advisers``, ``event.required_documents`` and
``category.required_documents`` (null: the event's)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-07T05:00:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "event.min_advisers, event.required_documents, category.required_documents"


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
    for table_class, tablename, name, cls, params in (
        ("Event", "event", "min_advisers", Integer, _params(default=0)),
        ("Event", "event", "required_documents", JSON, _params(default="[]")),
        ("Category", "category", "required_documents", JSON, _params(default=None, null=True)),
    ):
        manager.add_column(
            table_class_name=table_class,
            tablename=tablename,
            column_name=name,
            db_column_name=name,
            column_class_name=cls.__name__,
            column_class=cls,
            params=params,
            schema=None,
        )
    return manager
