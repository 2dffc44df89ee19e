"""JSON API of the talent programme's interviews: a mentor's interview sheet (rubric, points, total)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, put

from app.web import user_of
from app.web.auth import requires
from app.web.openapi import responses
from app.web.schemas import answer
from judging.talent import services as interviews
from judging.talent.schemas import InterviewSavedOut, InterviewScoreIn, InterviewSheetOut

office_or_mentor = requires("organizer", "mentor")  # the office gets a 404 or 403 from the service


class InterviewScoreApi(Controller):
    path = "/api/v1/talent-applications"
    tags = ["talent"]

    @get("/{application_id:int}/interview-score", guards=[office_or_mentor], responses=responses(401, 403, 404))
    async def sheet(self, request: Request, application_id: int) -> InterviewSheetOut:
        """The calling mentor's sheet for its interview of the applicant (404 when it has none)."""
        return answer(InterviewSheetOut, await interviews.get_sheet(user_of(request), application_id))

    @put(
        "/{application_id:int}/interview-score",
        guards=[office_or_mentor],
        responses=responses(401, 403, 404, 409, 422),
    )
    async def score(self, request: Request, application_id: int, data: InterviewScoreIn) -> InterviewSavedOut:
        """Points per criterion (``{"<code>": points}``), optional comment and ``version`` (409 when stale,
        or once the matching is applied; 422 out of range)."""
        saved = await interviews.put_sheet(
            user_of(request), application_id, dict(data.criteria), data.comment, data.version
        )
        return answer(InterviewSavedOut, saved)


def api_routes() -> list[Any]:
    return [InterviewScoreApi]
