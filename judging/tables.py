"""Judging tables: rubric criteria, judges of an event, rounds, assignments, scores and
their change history, results state, award adjustments and objections."""
from __future__ import annotations

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Numeric, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.tables import School, User
from competitions.tables import Category, Entry, Event

ROUND_KINDS = ("single", "preliminary", "final")
RESULT_STATES = ("open", "published", "finalized")


class Criterion(Table, tablename="criterion"):
    """A rubric criterion of an event (``category`` NULL) or a category override.
    ``active`` is cleared instead of deleting, so recorded scores keep their meaning."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    category = ForeignKey(references=Category, null=True, default=None, on_delete=OnDelete.cascade)
    code = Varchar(length=32)
    name = Varchar(length=100)
    description = Text(default="")
    weight = Numeric(digits=(8, 3))
    max_points = Numeric(digits=(8, 3))
    position = Integer(default=0)
    active = Boolean(default=True)


class Round(Table, tablename="judging_round"):
    """A judging round: ``single`` (default), or ``preliminary`` (初评) then ``final`` (终评/答辩)."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=16, default="single")
    name = Varchar(length=50, default="")
    position = Integer(default=0)
    is_current = Boolean(default=True)
    state = Varchar(length=16, default="open")
    published_at = Timestamptz(null=True, default=None)
    finalized_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()


class RoundEntry(Table, tablename="round_entry"):
    """Entries advanced to a final round (a single or preliminary round takes every approved entry)."""

    round = ForeignKey(references=Round, on_delete=OnDelete.cascade, index=True)
    entry = ForeignKey(references=Entry, on_delete=OnDelete.cascade, index=True)


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


class Assignment(Table, tablename="assignment"):
    """Judge ``judge`` evaluates ``entry`` in ``round``."""

    round = ForeignKey(references=Round, on_delete=OnDelete.cascade, index=True)
    entry = ForeignKey(references=Entry, on_delete=OnDelete.cascade, index=True)
    judge = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    created_at = Timestamptz()


class Score(Table, tablename="score"):
    """A judge's score sheet for one assignment. ``points`` maps criterion code to the
    points as a decimal string; ``total`` is the weighted sum (unrounded decimal string);
    ``version`` increases with every change (optimistic concurrency for offline replays)."""

    assignment = ForeignKey(references=Assignment, on_delete=OnDelete.cascade, unique=True)
    round = ForeignKey(references=Round, on_delete=OnDelete.cascade, index=True)
    entry = ForeignKey(references=Entry, on_delete=OnDelete.cascade, index=True)
    judge = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    points = JSON(default={})
    total = Varchar(length=40, default="")
    comment = Text(default="")
    complete = Boolean(default=False)
    version = Integer(default=1)
    updated_at = Timestamptz()


class ScoreChange(Table, tablename="score_change"):
    """Every change of a score: who, when, old and new values, and the objection it answers
    (organizer changes after publication)."""

    score = ForeignKey(references=Score, on_delete=OnDelete.cascade, index=True)
    at = Timestamptz()
    changed_by = ForeignKey(references=User, null=True, default=None)
    old_points = JSON(default={})
    new_points = JSON(default={})
    old_total = Varchar(length=40, default="")
    new_total = Varchar(length=40, default="")
    reason = Text(default="")


class AwardAdjustment(Table, tablename="award_adjustment"):
    """An organizer's manual award for an entry, with the written reason."""

    round = ForeignKey(references=Round, on_delete=OnDelete.cascade, index=True)
    entry = ForeignKey(references=Entry, on_delete=OnDelete.cascade, index=True)
    award = Varchar(length=16, null=True, default=None)
    reason = Text()
    by = ForeignKey(references=User, null=True, default=None)
    at = Timestamptz()


class Recommendation(Table, tablename="recommendation"):
    """An entry recommended to the national contest."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    entry = ForeignKey(references=Entry, on_delete=OnDelete.cascade, index=True)
    by = ForeignKey(references=User, null=True, default=None)
    at = Timestamptz()


class Objection(Table, tablename="objection"):
    """An objection (异议) raised during the public notice period and how it was handled."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    entry = ForeignKey(references=Entry, null=True, default=None, on_delete=OnDelete.cascade)
    raised_by = Varchar(length=100, default="")
    content = Text()
    status = Varchar(length=16, default="open")
    handling = Text(default="")
    recorded_by = ForeignKey(references=User, null=True, default=None)
    created_at = Timestamptz()
    resolved_at = Timestamptz(null=True, default=None)
