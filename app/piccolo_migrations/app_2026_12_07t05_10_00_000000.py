"""Schools: a contact person and phone (encrypted, with a masked copy for lists), from the school workbook."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-07T05:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "school.contact_name, school.contact_phone_enc, school.contact_phone_masked"


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
    manager = MigrationManager(migration_id=ID, app_name="app", description=DESCRIPTION)
    for name, cls, params in (
        ("contact_name", Varchar, _params(default="", length=50)),
        ("contact_phone_enc", Text, _params(default=None, null=True)),
        ("contact_phone_masked", Varchar, _params(default="", length=20)),
    ):
        manager.add_column(
            table_class_name="School",
            tablename="school",
            column_name=name,
            db_column_name=name,
            column_class_name=cls.__name__,
            column_class=cls,
            params=params,
            schema=None,
        )
    return manager
