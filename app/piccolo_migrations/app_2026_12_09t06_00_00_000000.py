"""Schools: a rural flag (农村学校), set by the office, the school form and the school workbook (农村学校 是/否)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-09T06:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "school.rural: a rural school (农村学校), for outreach and the coverage report"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="app", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="School",
        tablename="school",
        column_name="rural",
        db_column_name="rural",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": False,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
