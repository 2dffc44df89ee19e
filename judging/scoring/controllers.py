"""JSON API of scoring: the rubric, a judge's score sheet (PUT is idempotent and versioned), organizer corrections, score sheets and history."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, put

from app.errors import NotFound
from app.i18n import _
from app.web import user_of
from app.web.auth import organizer_only, requires
from app.web.openapi import responses
from app.web.schemas import answer
from competitions.events import services as events
from competitions.events.services import get_event_row
from competitions.registration.tables import Entry
from judging.scoring import rubric
from judging.scoring import services as scoring
from judging.scoring.schemas import (
    MyScoreOut,
    OrganizerScoreIn,
    RubricIn,
    RubricOut,
    ScoreChangeOut,
    ScoreIn,
    ScoreSavedOut,
    ScoreSheetOut,
)


class ScoringEventApi(Controller):
    path = "/api/v1/events/{event_id:int}"
    tags = ["judging"]
    guards = [organizer_only]

    @get("/rubric", responses=responses(401, 403, 404))
    async def get_rubric(self, event_id: int, category_code: str | None = None) -> RubricOut:
        await get_event_row(event_id)
        category_id = (
            (await events.category_ids(event_id)).get((category_code or "").upper()) if category_code else None
        )
        return answer(RubricOut, {"criteria": await rubric.get_rubric(event_id, category_id)})

    @put("/rubric", responses=responses(401, 403, 404, 409, 422))
    async def put_rubric(self, request: Request, event_id: int, data: RubricIn) -> RubricOut:
        """Replace the rubric (or a category override); never drops recorded scores."""
        criteria = [msgspec.structs.asdict(c) for c in data.criteria]
        return answer(
            RubricOut, {"criteria": await rubric.set_rubric(user_of(request), event_id, criteria, data.category_code)}
        )


class ScoringApi(Controller):
    path = "/api/v1"
    tags = ["judging"]

    @get("/entries/{entry_id:int}/scores", guards=[requires("judge")], responses=responses(401, 403, 404))
    async def my_score(self, request: Request, entry_id: int) -> MyScoreOut:
        return answer(MyScoreOut, await scoring.get_my_score(user_of(request), entry_id))

    @put("/entries/{entry_id:int}/scores", guards=[requires("judge")], responses=responses(401, 403, 404, 409, 422))
    async def put_score(self, request: Request, entry_id: int, data: ScoreIn) -> ScoreSavedOut:
        """Idempotent, versioned: a stale ``version`` answers 409 and never overwrites a newer edit."""
        return answer(
            ScoreSavedOut,
            await scoring.put_score(user_of(request), entry_id, data.criteria, data.comment, data.version),
        )

    @put("/scores/{score_id:int}", guards=[organizer_only], responses=responses(401, 403, 404, 409, 422))
    async def organizer_score(self, request: Request, score_id: int, data: OrganizerScoreIn) -> ScoreSavedOut:
        return answer(
            ScoreSavedOut, await scoring.organizer_change_score(user_of(request), score_id, data.criteria, data.reason)
        )

    @get("/entries/{entry_id:int}/score-sheets", guards=[organizer_only], responses=responses(401, 403, 404))
    async def score_sheets(self, entry_id: int) -> list[ScoreSheetOut]:
        """Every assigned judge's sheet for the entry in the current round, with the
        ``score_id`` an organizer's change (``PUT /scores/{score_id}``) needs."""
        return answer(list[ScoreSheetOut], await scoring.entry_scores(entry_id))

    @get("/entries/{entry_id:int}/score-history", guards=[organizer_only], responses=responses(401, 403, 404))
    async def score_history(self, entry_id: int) -> list[ScoreChangeOut]:
        if not await Entry.exists().where(Entry.id == entry_id):  # an unknown entry is 404, not an empty list
            raise NotFound(_("作品不存在。"))
        return answer(list[ScoreChangeOut], await scoring.score_history(entry_id))


def api_routes() -> list[Any]:
    return [ScoringEventApi, ScoringApi]
