"""API bodies and answers of robotics: score sheets, referees, runs, run history, standings.

A score sheet travels as the JSON the organizer wrote (:mod:`judging.robotics.sheets` documents
it), so its body and answer are JSON objects checked by :func:`judging.robotics.sheets.parse_sheet`.
Item values and times may be JSON numbers or decimal strings; scores are answered as decimal strings."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec

from app.web.openapi import one_of


class RefereeIn(msgspec.Struct):
    username: str
    category_codes: list[str]
    head: bool = False


class RefereeOut(msgspec.Struct):
    """A referee of the event's challenges ``category_codes`` (``head``: head referee, 主裁判)."""

    event_id: int
    user_id: int
    username: str
    display_name: str | None
    category_codes: list[str]
    head: bool


class RefereeLineOut(msgspec.Struct):
    """One referee account of an event: its challenges ``category_codes``; ``head`` when it is head
    referee (主裁判) of at least one of them, ``head_category_codes`` those challenges."""

    user_id: int
    username: str
    display_name: str | None
    category_codes: list[str]
    head: bool
    head_category_codes: list[str]


class RunIn(msgspec.Struct):
    """A run: ``items`` ``{item code: value}`` (every item that applies, nothing defaults to zero),
    ``variant`` the task drawn for the round when the sheet has variants (现场抽签), ``client_run_id``
    the tablet's own id for the run (sending it again answers the stored run)."""

    entry_id: int
    category_code: str
    round: int
    items: dict[str, Any]
    time_seconds: int | float | str | None = None
    client_run_id: str | None = None
    variant: str | None = None
    confirmation: Annotated[str, one_of("confirmed", "refused")] | None = None
    confirmation_note: str | None = None


class RunCreatedOut(msgspec.Struct):
    id: int
    score: str
    status: Annotated[str, one_of("submitted", "approved")]


class ApprovedOut(msgspec.Struct):
    id: int
    status: Annotated[str, one_of("approved")]


class RunChangeIn(msgspec.Struct):
    """A correction: the items given replace the stored ones; ``reason`` is required once approved."""

    items: dict[str, Any] | None = None
    time_seconds: int | float | str | None = None
    variant: str | None = None
    reason: str = ""


class RunOut(msgspec.Struct):
    id: int
    entry_id: int
    round: int
    variant: str | None
    items: dict[str, Any]
    score: str
    time_seconds: str | None
    penalties: str
    status: Annotated[str, one_of("submitted", "approved")]
    version: int
    sheet_version: int
    confirmation: Annotated[str, one_of("confirmed", "refused")] | None = None
    confirmation_note: str = ""


class RunVersionOut(msgspec.Struct):
    """One version of a run (1: as submitted): ``by`` who stored it, ``reason`` why it changed."""

    version: int
    items: dict[str, Any]
    score: str
    by: str
    at: dt.datetime
    reason: str
    variant: str | None
    time_seconds: str | None
    sheet_version: int
    confirmation: Annotated[str, one_of("confirmed", "refused")] | None = None


class StandingRunOut(msgspec.Struct):
    """An approved run; ``confirmation``: the team captain confirmed it on the tablet, refused to, or null."""

    round: int
    score: str
    time_seconds: str | None
    status: Annotated[str, one_of("approved")]
    confirmation: Annotated[str, one_of("confirmed", "refused")] | None = None


class StandingTeamOut(msgspec.Struct):
    """A team's line: ``division`` and ``rank`` within that division (shared when equal on every
    key; null without an approved run; as results and awards rank), ``counted_score`` (decimal
    string) and ``explanation`` (why it ranks above the next team of its division). Lines come
    by division (小学, 初中, 高中), then rank."""

    entry_id: int
    team_name: str
    school_name: str | None
    division: str | None
    rank: int | None
    counted_score: str | None
    runs: list[StandingRunOut]
    explanation: str


class StandingsOut(msgspec.Struct):
    teams: list[StandingTeamOut]


class CombinationIn(msgspec.Struct):
    """A challenge ranked on runs and judging together: weights in percent adding to 100
    (numbers or decimal strings); both null clears the combination."""

    runs: str | int | None = None
    judged: str | int | None = None


class CombinationOut(msgspec.Struct):
    category_code: str
    runs: str | None
    judged: str | None
