"""Panel tables: the judges of an event with their categories and declared conflicts (回避)."""

from __future__ import annotations

from piccolo.columns import JSON, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.tables import School, User
from competitions.events.tables import Event


class EventJudge(Table, tablename="event_judge"):
    """A judge of an event: the categories they may judge, their school and city (for
    automatic conflicts) and declared conflicts (entry ids, school ids, adviser names)."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    category_codes = JSON(default=[])
    school = ForeignKey(references=School, null=True, default=None)
    city = Varchar(length=64, null=True, default=None)
    conflict_entries = JSON(default=[])
    conflict_schools = JSON(default=[])
    conflict_advisers = JSON(default=[])
    created_at = Timestamptz()
