"""JSON shapes of the match API (CONTRACT.md "Robotics: matches"); decimals as strings, times ISO 8601."""

from __future__ import annotations

from typing import Any

import msgspec


class ScheduleIn(msgspec.Struct):
    matches_per_team: int | str
    teams_per_alliance: int | str
    fields: int | str = 1
    min_gap: int | str = 0
    seed: int | str | None = None
    starts_at: str | None = None
    cycle_seconds: int | str | None = None


class MatchOut(msgspec.Struct):
    """A match: ``red``/``blue``/``surrogates`` are entry ids; scores only once committed (public).
    ``cards``: the carded teams (entry id as text -> ``yellow``/``red``); ``red_card``/``blue_card``:
    the card every team of that alliance has, else null."""

    id: int
    number: int
    field: int
    stage: str
    red: list[int]
    blue: list[int]
    surrogates: list[int]
    scheduled_at: str | None
    status: str
    red_score: str | None
    blue_score: str | None
    winner: str | None
    series: str | None = None
    game: int | None = None
    red_card: str | None = None
    blue_card: str | None = None
    cards: dict[str, str] = msgspec.field(default_factory=dict)


class QualityOut(msgspec.Struct):
    """MatchRater ``penalty`` (lower is better), the smallest gap actually kept, repeats."""

    penalty: int
    min_gap: int | None
    repeated_partners: int
    repeated_opponents: int
    colour_imbalance: int = 0


class ScheduleOut(msgspec.Struct):
    seed: int
    matches: list[MatchOut]
    quality: QualityOut


class MatchesOut(msgspec.Struct):
    matches: list[MatchOut]


class RegenerateIn(msgspec.Struct):
    """``drop``: entry ids of no-shows; teams approved since join the rest of the schedule."""

    drop: list[int] = []
    seed: int | None = None
    fields: int | None = None
    min_gap: int | None = None


class AdjustIn(msgspec.Struct):
    kind: str
    from_match: int | str
    seconds: int | str


class AdjustOut(msgspec.Struct):
    matches: list[MatchOut]
    behind_seconds: int | None


class SideIn(msgspec.Struct):
    items: dict[str, Any]
    #: a card for every team of this alliance (the older form; ``cards`` of the body gives one per team)
    card: str | None = None
    #: the alliance captain's answer on the tablet: "confirmed" or "refused" (with a note)
    confirmation: str | None = None
    confirmation_note: str | None = None


class ScoreIn(msgspec.Struct):
    """Both alliances' items; cards per team in ``cards`` (``{"<entry id>": "yellow"|"red"|null}``),
    or a side's ``card`` for every team of that alliance (a team's own entry in ``cards`` wins)."""

    red: SideIn
    blue: SideIn
    cards: dict[str, str | None] | None = None
    reason: str | None = None
    #: the tablet's id of this score: sent again, it is stored once and answered the same
    client_score_id: str | None = None
    #: the match's ``version`` the tablet saw (0 unplayed): 409 naming who scored it meanwhile
    base_version: int | None = None


class ScoreOut(msgspec.Struct):
    red_score: str
    blue_score: str
    winner: str


class MatchVersionOut(msgspec.Struct):
    version: int
    red: dict[str, Any]
    blue: dict[str, Any]
    winner: str
    by: str
    at: str
    reason: str


class RankingIn(msgspec.Struct):
    rule: str = "ranking_points"
    win: int | str = 2
    tie: int | str = 1
    loss: int | str = 0
    drop_lowest: int = 0
    tiebreaks: list[str] = msgspec.field(
        default_factory=lambda: ["average_score", "highest_score", "opponents_strength", "draw"]
    )


class RankingOut(msgspec.Struct):
    rule: str
    win: str
    tie: str
    loss: str
    drop_lowest: int
    tiebreaks: list[str]


class TeamRankOut(msgspec.Struct):
    entry_id: int
    rank: int | None
    ranking_points: str
    played: int
    average_score: str
    team_name: str = ""
    school_name: str = ""
    wins: int = 0
    losses: int = 0
    ties: int = 0
    explanation: str = ""


class RankingsOut(msgspec.Struct):
    teams: list[TeamRankOut]
    rule: str = "ranking_points"


class SelectionIn(msgspec.Struct):
    """``confirm_unplayed``: start although qualification matches are unplayed or uncommitted (409 otherwise)."""

    alliances: int
    size: int
    order: str = "serpentine"
    confirm_unplayed: bool = False


class InviteIn(msgspec.Struct):
    entry_id: int
    accepted: bool


class SelectionOut(msgspec.Struct):
    alliances: list[list[int]]
    turn: int | None
    pickable: list[int]
    declined: list[int]
    events: list[list[Any]]
    order: str
    size: int
    no_shows: list[int] = []


class BracketIn(msgspec.Struct):
    """``alliances`` in seed order (entry ids); left out: the finished alliance selection's."""

    alliances: list[list[int]] | None = None
    format: str = "single"
    best_of: int = 1


class SeriesOut(msgspec.Struct):
    id: str
    round: int
    red_alliance: int | None
    blue_alliance: int | None
    bye: bool
    stage: str = ""
    red_wins: int = 0
    blue_wins: int = 0
    winner: int | None = None


class BracketOut(msgspec.Struct):
    rounds: int
    matches: list[SeriesOut]
    format: str = "single"
    best_of: int = 1
    alliances: list[list[int]] = []
    champion: int | None = None


class TeamRefOut(msgspec.Struct):
    entry_id: int
    team_name: str


class TeamOut(msgspec.Struct):
    entry_id: int
    code: str
    team_name: str
    school_name: str


class TeamMatchOut(msgspec.Struct):
    id: int
    number: int
    field: int
    stage: str
    series: str | None
    game: int | None
    scheduled_at: str | None
    planned_at: str | None
    shift_seconds: int | None
    colour: str
    surrogate: bool
    partners: list[TeamRefOut]
    opponents: list[TeamRefOut]
    status: str
    score: str | None
    opponent_score: str | None
    card: str | None
    result: str | None
    #: ``alliance``: the team's alliance was disqualified by a red card (it lost though it scored at
    #: least as much); ``opponents``: the other alliance was (a win without the higher score)
    decided_by_card: str | None = None


class TeamMatchesOut(msgspec.Struct):
    """One team's matches (a coach's "my matches"): its standing and every match it plays."""

    team: TeamOut
    rank: int | None
    ranking_points: str
    played: int
    wins: int
    losses: int
    ties: int
    average_score: str
    behind_seconds: int | None
    matches: list[TeamMatchOut]
