"""Referee tablets (issue 13 item 3): the captain's confirmation of a run (``robotics_run.confirmation``,
``confirmation_note``) and the draw recorded per challenge and round (``robotics_draw``); its unique
index follows in the next migration (Piccolo runs raw steps before added tables)."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-07T13:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "robotics: captain confirmation of a run; the draw of each round (robotics_draw)"


def _ref(name: str, tablename: str) -> type[Table]:
    return type(name, (Table,), {"id": Serial(primary_key=True)}, tablename=tablename)


Category = _ref("Category", "category")
Event = _ref("Event", "event")
User = _ref("User", "app_user")

_COMMON = {
    "primary_key": False,
    "unique": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}


def _fk(references: type[Table], null: bool, on_delete: OnDelete, index: bool) -> dict:
    return {
        **_COMMON,
        "references": references,
        "on_delete": on_delete,
        "on_update": OnUpdate.cascade,
        "target_column": None,
        "null": null,
        "index": index,
        "default": None,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="judging", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Run",
        tablename="robotics_run",
        column_name="confirmation",
        db_column_name="confirmation",
        column_class_name="Varchar",
        column_class=Varchar,
        params={**_COMMON, "length": 16, "default": None, "null": True, "index": False},
        schema=None,
    )
    manager.add_column(
        table_class_name="Run",
        tablename="robotics_run",
        column_name="confirmation_note",
        db_column_name="confirmation_note",
        column_class_name="Text",
        column_class=Text,
        params={**_COMMON, "default": "", "null": False, "index": False},
        schema=None,
    )

    manager.add_table(class_name="RoundDraw", tablename="robotics_draw", schema=None, columns=None)
    for name, references, null, on_delete, index in (
        ("event", Event, True, OnDelete.cascade, True),
        ("category", Category, True, OnDelete.cascade, True),
        ("drawn_by", User, True, OnDelete.cascade, False),
    ):
        manager.add_column(
            table_class_name="RoundDraw",
            tablename="robotics_draw",
            column_name=name,
            db_column_name=name,
            column_class_name="ForeignKey",
            column_class=ForeignKey,
            params=_fk(references, null, on_delete, index),
            schema=None,
        )
    manager.add_column(
        table_class_name="RoundDraw",
        tablename="robotics_draw",
        column_name="round",
        db_column_name="round",
        column_class_name="Integer",
        column_class=Integer,
        params={**_COMMON, "default": 0, "null": False, "index": False},
        schema=None,
    )
    manager.add_column(
        table_class_name="RoundDraw",
        tablename="robotics_draw",
        column_name="variant",
        db_column_name="variant",
        column_class_name="Varchar",
        column_class=Varchar,
        params={**_COMMON, "length": 32, "default": "", "null": False, "index": False},
        schema=None,
    )
    manager.add_column(
        table_class_name="RoundDraw",
        tablename="robotics_draw",
        column_name="drawn_at",
        db_column_name="drawn_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={**_COMMON, "default": TimestamptzNow(), "null": False, "index": False},
        schema=None,
    )
    return manager
