"""Scoring tables: rubric criteria, assignments (a judge's sheet for an entry in a round), scores per sheet and their change history."""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Numeric, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.tables import User
from competitions.events.tables import Category, Event
from competitions.registration.tables import Entry
from judging.rounds.tables import Round


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
