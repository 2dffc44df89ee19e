"""JSON API of panels: judges of an event, assignment generation and sheets, a judge's own assignments, moving an assignment."""
from __future__ import annotations


from typing import Any

import msgspec
from litestar import Controller, Request, get, post

from app.web.auth import organizer_only, requires
from app.web import user_of
from judging.panels import assignments
from judging.panels import services as panels
from judging.panels.schemas import GenerateIn, JudgeIn, MoveIn


class PanelEventApi(Controller):
    path = "/api/v1/events/{event_id:int}"
    tags = ["judging"]
    guards = [organizer_only]

    @post("/judges", status_code=201)
    async def add_judge(self, request: Request, event_id: int, data: JudgeIn) -> dict[str, Any]:
        return await panels.add_judge(user_of(request), event_id, msgspec.structs.asdict(data))

    @get("/judges")
    async def judges(self, event_id: int) -> list[dict[str, Any]]:
        return await panels.list_judges(event_id)

    @post("/assignments/generate", status_code=200)
    async def generate(self, request: Request, event_id: int, data: GenerateIn) -> dict[str, Any]:
        """Give every approved entry k judges of its category, never a conflicted one; keeps scored assignments."""
        return await assignments.generate(user_of(request), event_id, data.judges_per_entry, data.seed)

    @get("/assignments/sheets")
    async def sheets(self, event_id: int) -> list[dict[str, Any]]:
        return await assignments.judge_sheets(event_id)


class PanelApi(Controller):
    path = "/api/v1"
    tags = ["judging"]

    @get("/judging/assignments", guards=[requires("judge")])
    async def my_assignments(self, request: Request) -> list[dict[str, Any]]:
        return await assignments.my_assignments(user_of(request))

    @post("/assignments/{assignment_id:int}/move", guards=[organizer_only], status_code=200)
    async def move(self, request: Request, assignment_id: int, data: MoveIn) -> dict[str, Any]:
        return await assignments.move_assignment(user_of(request), assignment_id, data.judge_id)


def api_routes() -> list[Any]:
    return [PanelEventApi, PanelApi]
