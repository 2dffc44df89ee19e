"""Result tables: award adjustments (with reasons), city recommendations, objections (异议) during the public notice."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.tables import User
from competitions.events.tables import Event
from competitions.registration.tables import Entry
from judging.rounds.tables import Round


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


class UnrankedEntry(Table, tablename="unranked_entry"):
    """An entry of a round the organizer finalized without complete scores: it ends as
    未获奖 (no rank, no award), with the written reason."""

    round = ForeignKey(references=Round, on_delete=OnDelete.cascade, index=True)
    entry = ForeignKey(references=Entry, on_delete=OnDelete.cascade, index=True)
    reason = Text()
    by = ForeignKey(references=User, null=True, default=None)
    at = Timestamptz()
