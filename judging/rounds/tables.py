"""Round tables: an event's judging rounds (single, or preliminary then final) with their state (open / published / finalized), and which entries each round judges."""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from competitions.events.tables import Event
from competitions.registration.tables import Entry
from judging.rounds.states import RoundState

ROUND_KINDS = ("single", "preliminary", "final")


RESULT_STATES = tuple(state.value for state in RoundState)


class Round(Table, tablename="judging_round"):
    """A judging round: ``single`` (default), or ``preliminary`` (初评) then ``final`` (终评/答辩)."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=16, default="single")
    name = Varchar(length=50, default="")
    position = Integer(default=0)
    is_current = Boolean(default=True)
    state = Varchar(length=16, default=RoundState.OPEN.value)
    published_at = Timestamptz(null=True, default=None)
    finalized_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    # the end of the public notice period (公示期) set when publishing; it starts at ``published_at``
    notice_ends_at = Timestamptz(null=True, default=None)


class RoundEntry(Table, tablename="round_entry"):
    """Entries advanced to a final round (a single or preliminary round takes every approved entry)."""

    round = ForeignKey(references=Round, on_delete=OnDelete.cascade, index=True)
    entry = ForeignKey(references=Entry, on_delete=OnDelete.cascade, index=True)


PUBLIC_RESULTS = ("winners", "all")


class JudgingSettings(Table, tablename="judging_settings"):
    """An event's judging settings that are not the event's own columns (one row per event,
    made on first change): who the public results list (``winners`` only, or ``all`` ranked
    entries), the contact for objections (异议) during the 公示期, and blind review (judges do
    not see school and city)."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, unique=True, index=True)
    public_results = Varchar(length=16, default="winners")
    objection_contact = Text(default="")
    blind_review = Boolean(default=False)
    updated_at = Timestamptz()
