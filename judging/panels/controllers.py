"""JSON API of panels: judges of an event, assignment generation and sheets, a judge's own assignments, moving an assignment."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, post

from app.web import user_of
from app.web.auth import organizer_only, requires
from app.web.openapi import responses
from app.web.schemas import answer
from competitions.events.services import get_event_row
from judging.panels import assignments
from judging.panels import services as panels
from judging.panels.schemas import (
    GenerateIn,
    GenerateOut,
    JudgeIn,
    JudgeOut,
    JudgeSheetOut,
    MovedOut,
    MoveIn,
    MyAssignmentOut,
)


class PanelEventApi(Controller):
    path = "/api/v1/events/{event_id:int}"
    tags = ["judging"]
    guards = [organizer_only]

    @post("/judges", status_code=201, responses=responses(401, 403, 404, 422))
    async def add_judge(self, request: Request, event_id: int, data: JudgeIn) -> JudgeOut:
        return answer(JudgeOut, await panels.add_judge(user_of(request), event_id, msgspec.structs.asdict(data)))

    @get("/judges", responses=responses(401, 403, 404))
    async def judges(self, event_id: int) -> list[JudgeOut]:
        await get_event_row(event_id)  # an unknown event is 404, not an empty list
        return answer(list[JudgeOut], await panels.list_judges(event_id))

    @post("/assignments/generate", status_code=200, responses=responses(401, 403, 404, 409, 422))
    async def generate(self, request: Request, event_id: int, data: GenerateIn) -> GenerateOut:
        """Give every approved entry k judges of its category, never a conflicted one; keeps scored assignments."""
        return answer(
            GenerateOut, await assignments.generate(user_of(request), event_id, data.judges_per_entry, data.seed)
        )

    @get("/assignments/sheets", responses=responses(401, 403, 404))
    async def sheets(self, event_id: int) -> list[JudgeSheetOut]:
        return answer(list[JudgeSheetOut], await assignments.judge_sheets(event_id))


class PanelApi(Controller):
    path = "/api/v1"
    tags = ["judging"]

    @get("/judging/assignments", guards=[requires("judge")], responses=responses(401, 403))
    async def my_assignments(self, request: Request) -> list[MyAssignmentOut]:
        return answer(list[MyAssignmentOut], await assignments.my_assignments(user_of(request)))

    @post(
        "/assignments/{assignment_id:int}/move",
        guards=[organizer_only],
        status_code=200,
        responses=responses(401, 403, 404, 409, 422),
    )
    async def move(self, request: Request, assignment_id: int, data: MoveIn) -> MovedOut:
        return answer(MovedOut, await assignments.move_assignment(user_of(request), assignment_id, data.judge_id))


def api_routes() -> list[Any]:
    return [PanelEventApi, PanelApi]
