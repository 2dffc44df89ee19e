"""JSON API of matches (CONTRACT.md "Robotics: matches"): schedule, matches, scoring and commit,
rankings, alliance selection and the elimination bracket. Thin: every handler calls one service."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, post, put

from app.web import user_of
from app.web.auth import organizer_only, requires
from app.web.openapi import responses
from app.web.schemas import answer
from judging.matches import board
from judging.matches import services as matches
from judging.matches.schemas import (
    AdjustIn,
    AdjustOut,
    BracketIn,
    BracketOut,
    InviteIn,
    MatchesOut,
    MatchOut,
    MatchVersionOut,
    RankingIn,
    RankingOut,
    RankingsOut,
    RegenerateIn,
    ScheduleIn,
    ScheduleOut,
    ScoreIn,
    ScoreOut,
    SelectionIn,
    SelectionOut,
    TeamMatchesOut,
)

referees_and_organizers = requires("referee", "organizer")


def _viewer(request: Request) -> Any:
    """The logged-in user on a public route, or ``None``."""
    return request.scope.get("user")


def _plain(data: msgspec.Struct) -> dict[str, Any]:
    return msgspec.to_builtins(data)  # type: ignore[no-any-return]


class ChallengeMatchesApi(Controller):
    path = "/api/v1/events/{event_id:int}/categories/{code:str}"
    tags = ["matches"]

    @post("/schedule", guards=[organizer_only], status_code=201, responses=responses(401, 403, 404, 409, 422))
    async def schedule(self, request: Request, event_id: int, code: str, data: ScheduleIn) -> ScheduleOut:
        """Generate the qualification schedule for the challenge's approved teams (MatchRater penalties,
        seeded search: the same inputs and seed give the same schedule)."""
        body = {k: v for k, v in _plain(data).items() if v is not None}
        return answer(ScheduleOut, await matches.create_schedule(user_of(request), event_id, code, body))

    @post(
        "/schedule/regenerate", guards=[organizer_only], status_code=200, responses=responses(401, 403, 404, 409, 422)
    )
    async def regenerate(self, request: Request, event_id: int, code: str, data: RegenerateIn) -> ScheduleOut:
        """Schedule again the matches not yet played: no-shows (``drop``) left out, late teams added."""
        body = {k: v for k, v in _plain(data).items() if v is not None}
        return answer(ScheduleOut, await matches.regenerate(user_of(request), event_id, code, body))

    @post("/schedule/adjust", guards=[organizer_only], status_code=200, responses=responses(401, 403, 404, 409, 422))
    async def adjust(self, request: Request, event_id: int, code: str, data: AdjustIn) -> AdjustOut:
        """Shift the rest of the day: a delay, a break or a new cycle time from a match on."""
        return answer(AdjustOut, await matches.adjust(user_of(request), event_id, code, _plain(data)))

    @get("/matches", responses=responses(404))
    async def matches(self, request: Request, event_id: int, code: str) -> MatchesOut:
        """Public: matches in play order; scores once committed."""
        return answer(MatchesOut, await matches.list_matches(event_id, code, _viewer(request)))

    @put("/ranking", guards=[organizer_only], responses=responses(401, 403, 404, 409, 422))
    async def set_ranking(self, request: Request, event_id: int, code: str, data: RankingIn) -> RankingOut:
        """The challenge's ranking rule (ranking points or VEX IQ-style average; tie-breaks)."""
        return answer(RankingOut, await matches.set_ranking(user_of(request), event_id, code, _plain(data)))

    @get("/rankings", responses=responses(404))
    async def rankings(self, request: Request, event_id: int, code: str) -> RankingsOut:
        """Public: qualification rankings from committed matches."""
        return answer(RankingsOut, await matches.rankings(event_id, code, _viewer(request)))

    @get("/teams/{entry_id:int}/matches", responses=responses(404))
    async def team_matches(self, event_id: int, code: str, entry_id: int) -> TeamMatchesOut:
        """Public: one team's matches (field, time, how far the day's changes moved it, alliance
        colour, partners, opponents, committed scores) with its rank and ranking points."""
        return answer(TeamMatchesOut, await board.team_matches(event_id, code, entry_id))

    @post("/alliance-selection", guards=[organizer_only], status_code=201, responses=responses(401, 403, 404, 409, 422))
    async def start_selection(self, request: Request, event_id: int, code: str, data: SelectionIn) -> SelectionOut:
        return answer(SelectionOut, await matches.start_selection(user_of(request), event_id, code, _plain(data)))

    @post(
        "/alliance-selection/invitations",
        guards=[organizer_only],
        status_code=200,
        responses=responses(401, 403, 404, 422),
    )
    async def invite(self, request: Request, event_id: int, code: str, data: InviteIn) -> SelectionOut:
        """Record an invitation of the alliance on turn and the answer (accepted or declined)."""
        return answer(SelectionOut, await matches.invite(user_of(request), event_id, code, _plain(data)))

    @get("/alliance-selection", responses=responses(404))
    async def selection(self, request: Request, event_id: int, code: str) -> SelectionOut:
        return answer(SelectionOut, await matches.selection_state(event_id, code, _viewer(request)))

    @post("/bracket", guards=[organizer_only], status_code=201, responses=responses(401, 403, 404, 409, 422))
    async def create_bracket(self, request: Request, event_id: int, code: str, data: BracketIn) -> BracketOut:
        """The elimination bracket (alliances in seed order, single or double, best of 1 or 3)."""
        return answer(BracketOut, await matches.create_bracket(user_of(request), event_id, code, _plain(data)))

    @get("/bracket", responses=responses(404))
    async def bracket(self, request: Request, event_id: int, code: str) -> BracketOut:
        return answer(BracketOut, await matches.bracket_state(event_id, code, _viewer(request)))


class MatchApi(Controller):
    path = "/api/v1/matches"
    tags = ["matches"]

    @put("/{match_id:int}/score", guards=[referees_and_organizers], responses=responses(401, 403, 404, 409, 422))
    async def score(self, request: Request, match_id: int, data: ScoreIn) -> ScoreOut:
        """Score both alliances on the challenge's score sheet (a referee of the challenge); a
        committed match only by its head referee or an organizer, with a ``reason``."""
        return answer(ScoreOut, await matches.score_match(user_of(request), match_id, _plain(data)))

    @post(
        "/{match_id:int}/commit",
        guards=[referees_and_organizers],
        status_code=200,
        responses=responses(401, 403, 404, 409),
    )
    async def commit(self, request: Request, match_id: int) -> MatchOut:
        """Commit a scored match (head referee, organizer): rankings, bracket and live screens update."""
        return answer(MatchOut, await matches.commit_match(user_of(request), match_id))

    @get("/{match_id:int}/history", guards=[referees_and_organizers], responses=responses(401, 403, 404))
    async def history(self, request: Request, match_id: int) -> list[MatchVersionOut]:
        return answer(list[MatchVersionOut], await matches.match_history(user_of(request), match_id))


def api_routes() -> list[Any]:
    return [ChallengeMatchesApi, MatchApi]
