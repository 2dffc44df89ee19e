"""Robotics tables: score sheet versions per challenge, referees, runs and every version of a run.

Unique indexes (migration ``2026-12-07T06:00:01``): one sheet version number per challenge, one
referee row per challenge and account, one run per team, challenge and round, and one run per
referee and ``client_run_id`` (a tablet's outbox sends a run again after a dropped answer)."""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.tables import User
from competitions.events.tables import Category, Event
from competitions.registration.tables import Entry


class ScoreSheetVersion(Table, tablename="robotics_sheet"):
    """One version of a challenge's score sheet (记分表): the JSON as the organizer wrote it.
    A sheet is never edited: a change is a new version; runs name the version they were scored under."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    category = ForeignKey(references=Category, on_delete=OnDelete.cascade, index=True)
    version = Integer()
    sheet = JSON()
    created_by = ForeignKey(references=User, null=True, default=None)
    created_at = Timestamptz()


class Referee(Table, tablename="robotics_referee"):
    """A referee (裁判) of one challenge of an event; ``head`` for the head referee (主裁判)."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    category = ForeignKey(references=Category, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    head = Boolean(default=False)
    created_at = Timestamptz()


class Run(Table, tablename="robotics_run"):
    """A team's run in one round: the items as entered, the drawn ``variant`` (现场抽签), and the
    score under ``sheet_version`` (``score``, ``penalties`` and ``time_seconds`` as decimal text).
    ``status``: submitted -> approved (by a head referee or an organizer)."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    category = ForeignKey(references=Category, on_delete=OnDelete.cascade, index=True)
    entry = ForeignKey(references=Entry, on_delete=OnDelete.cascade, index=True)
    round = Integer()
    variant = Varchar(length=32, null=True, default=None)
    items = JSON(default={})
    time_seconds = Varchar(length=32, null=True, default=None)
    score = Varchar(length=32)
    penalties = Varchar(length=32, default="0")
    status = Varchar(length=16, default="submitted", index=True)
    sheet_version = Integer()
    version = Integer(default=1)
    recorded_by = ForeignKey(references=User, null=True, default=None)
    recorded_at = Timestamptz()
    approved_by = ForeignKey(references=User, null=True, default=None)
    approved_at = Timestamptz(null=True, default=None)
    client_run_id = Varchar(length=64, null=True, default=None)
    updated_at = Timestamptz()
    # the team captain's word on the tablet after the run: "confirmed", "refused" or None (not asked)
    confirmation = Varchar(length=16, null=True, default=None)
    confirmation_note = Text(default="")


class RunVersion(Table, tablename="robotics_run_version"):
    """Every version of a run (1 is the submission): what was entered, its score, who and why."""

    run = ForeignKey(references=Run, on_delete=OnDelete.cascade, index=True)
    version = Integer()
    items = JSON(default={})
    variant = Varchar(length=32, null=True, default=None)
    time_seconds = Varchar(length=32, null=True, default=None)
    score = Varchar(length=32)
    sheet_version = Integer()
    changed_by = ForeignKey(references=User, null=True, default=None)
    changed_at = Timestamptz()
    reason = Text(default="")


class Combination(Table, tablename="robotics_combination"):
    """A challenge ranked on runs and judging together (FLL's Champion's Award model): the weights
    in percent as decimal text (``runs`` + ``judged`` = 100). One row per challenge at most."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    category = ForeignKey(references=Category, on_delete=OnDelete.cascade, index=True, unique=True)
    runs = Varchar(length=16)
    judged = Varchar(length=16)


class RoundDraw(Table, tablename="robotics_draw"):
    """The task variant drawn on site (现场抽签) for one round of a challenge, recorded once by a
    referee of the challenge (unique per challenge and round, migration ``2026-12-07T13:00:01``):
    every run of that round is scored under it."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    category = ForeignKey(references=Category, on_delete=OnDelete.cascade, index=True)
    round = Integer()
    variant = Varchar(length=32)
    drawn_by = ForeignKey(references=User, null=True, default=None)
    drawn_at = Timestamptz()
