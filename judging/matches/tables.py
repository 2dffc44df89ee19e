"""Match tables (issue 14; CONTRACT.md "Robotics: matches"): a challenge's qualification plan
(settings, seed, quality, ranking rule, changes on the day), its matches (qualification and
elimination games) with every scored version, the elimination bracket and the alliance selection.

Unique indexes (migration ``2026-12-07T15:00:02``): one plan, one bracket and one selection per
challenge; one match number per challenge."""

from __future__ import annotations

from piccolo.columns import JSON, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.tables import User
from competitions.events.tables import Category, Event


class MatchPlan(Table, tablename="match_plan"):
    """A challenge's qualification schedule: the inputs (``matches_per_team``, ``teams_per_alliance``,
    ``fields``, ``min_gap``, ``seed``, ``starts_at``, ``cycle_seconds``), the changes made on the day
    (``adjustments``: ``[{"from_match", "kind": "delay"|"break"|"cycle", "seconds"}]``), the schedule's
    ``quality`` and the ``ranking`` rule (``{"rule", "win", "tie", "loss", "drop_lowest", "tiebreaks"}``,
    decimals as text); ``draws``: a number drawn per team for the last tie-break (entry id -> text)."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    category = ForeignKey(references=Category, on_delete=OnDelete.cascade, index=True)
    matches_per_team = Integer()
    teams_per_alliance = Integer()
    fields = Integer()
    min_gap = Integer()
    seed = Integer()
    starts_at = Timestamptz(null=True, default=None)
    cycle_seconds = Integer(default=360)
    adjustments = JSON(default=[])
    quality = JSON(default={})
    ranking = JSON(default={})
    draws = JSON(default={})
    created_by = ForeignKey(references=User, null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Match(Table, tablename="robotics_match"):
    """A match: ``number`` in play order within the challenge, ``field``, ``stage`` (``qualification``
    or ``elimination``; an elimination game belongs to bracket ``series`` as game ``game``), the
    alliances (``red``/``blue``: entry ids) and ``surrogates`` (appearances not counted).
    ``status``: scheduled -> scored (a referee entered both alliances) -> committed (a head referee
    or organizer: it counts). Scores as decimal text. Cards are given to teams: ``cards`` maps a
    team's entry id (as text) to ``yellow`` or ``red``; ``red_card``/``blue_card`` is the card every
    team of that alliance has (``None`` when they differ), what older clients read as the alliance's
    card (matches scored before per-team cards have only these: then they apply to every team)."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    category = ForeignKey(references=Category, on_delete=OnDelete.cascade, index=True)
    number = Integer()
    field = Integer(default=1)
    stage = Varchar(length=16, default="qualification")
    series = Varchar(length=16, null=True, default=None)
    game = Integer(null=True, default=None)
    red = JSON(default=[])
    blue = JSON(default=[])
    surrogates = JSON(default=[])
    scheduled_at = Timestamptz(null=True, default=None)
    started_at = Timestamptz(null=True, default=None)
    status = Varchar(length=16, default="scheduled", index=True)
    red_items = JSON(null=True, default=None)
    blue_items = JSON(null=True, default=None)
    red_card = Varchar(length=8, null=True, default=None)
    blue_card = Varchar(length=8, null=True, default=None)
    cards = JSON(default={})
    red_score = Varchar(length=32, null=True, default=None)
    blue_score = Varchar(length=32, null=True, default=None)
    winner = Varchar(length=8, null=True, default=None)
    version = Integer(default=0)
    scored_by = ForeignKey(references=User, null=True, default=None)
    committed_by = ForeignKey(references=User, null=True, default=None)
    committed_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz()


class MatchVersion(Table, tablename="robotics_match_version"):
    """Every scored version of a match: what was entered for both alliances and the result, who and why."""

    match = ForeignKey(references=Match, on_delete=OnDelete.cascade, index=True)
    version = Integer()
    data = JSON(default={})
    changed_by = ForeignKey(references=User, null=True, default=None)
    changed_at = Timestamptz()
    reason = Text(default="")


class Bracket(Table, tablename="robotics_bracket"):
    """A challenge's elimination bracket: ``alliances`` (lists of entry ids, in seed order),
    ``format`` (single|double) and ``best_of``."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    category = ForeignKey(references=Category, on_delete=OnDelete.cascade, index=True)
    alliances = JSON(default=[])
    format = Varchar(length=8, default="single")
    best_of = Integer(default=1)
    created_by = ForeignKey(references=User, null=True, default=None)
    created_at = Timestamptz()


class AllianceSelection(Table, tablename="robotics_alliance_selection"):
    """An alliance selection under way: ``alliances`` and ``size`` wanted, the ``order``
    (serpentine|straight), the ranked teams frozen at its start (``ranked``: entry ids) and every
    invitation in order (``events``: ``[[entry id, accepted]]``)."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    category = ForeignKey(references=Category, on_delete=OnDelete.cascade, index=True)
    alliances = Integer()
    size = Integer()
    order = Varchar(length=16, default="serpentine")
    ranked = JSON(default=[])
    events = JSON(default=[])
    created_at = Timestamptz()
    updated_at = Timestamptz()
