"""JSON API of the outreach programme (大手拉小手) under ``/api/v1/outreach/``: settings, experts (with
availability windows), topics, school requests, tours, talks (delivery), numbers and notices."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, delete, get, patch, post, put

from app.web import user_of
from app.web.auth import organizer_only, requires
from app.web.openapi import responses
from app.web.schemas import answer, given_fields
from competitions.outreach import services as outreach
from competitions.outreach.schemas import (
    ExpertIn,
    ExpertOut,
    ExpertPatch,
    PriorityIn,
    RequestIn,
    RequestOut,
    RequestStatus,
    SettingsIn,
    SettingsOut,
    TopicIn,
    TopicOut,
    TopicPatch,
    WindowIn,
    WindowOut,
)

readers = requires("organizer", "expert", "school", "city")
office_or_expert = requires("organizer", "expert")


class OutreachSettingsApi(Controller):
    path = "/api/v1/outreach/settings"
    tags = ["outreach"]

    @get("/{year:int}", guards=[readers], responses=responses(401, 403, 404))
    async def settings(self, year: int) -> SettingsOut:
        """The settings of a programme year (defaults until the office stores some)."""
        return answer(SettingsOut, await outreach.settings_for(year))

    @put("/{year:int}", guards=[organizer_only], responses=responses(401, 403, 404, 422))
    async def update(self, request: Request, year: int, data: SettingsIn) -> SettingsOut:
        """Days a request must be made ahead, days a school has to confirm a talk, talks per expert per day."""
        return answer(SettingsOut, await outreach.update_settings(user_of(request), year, given_fields(data)))


class ExpertApi(Controller):
    path = "/api/v1/outreach/experts"
    tags = ["outreach"]

    @post("/", guards=[organizer_only], status_code=201, responses=responses(401, 403, 409, 422))
    async def create(self, request: Request, data: ExpertIn) -> ExpertOut:
        return answer(ExpertOut, await outreach.create_expert(user_of(request), msgspec.structs.asdict(data)))

    @get("/", guards=[organizer_only], responses=responses(401, 403, 422))
    async def list(self, request: Request, q: str | None = None, region: str | None = None) -> list[ExpertOut]:
        """Every expert (the office); ``region``: those who travel there."""
        return answer(list[ExpertOut], await outreach.list_experts(user_of(request), q=q, region=region))

    @get("/me", guards=[requires("expert")], responses=responses(401, 403))
    async def me(self, request: Request) -> ExpertOut:
        """The calling expert's own record (made from the account at the first call)."""
        user = user_of(request)
        expert_id = await outreach.expert_id_of(user)
        assert expert_id is not None
        return answer(ExpertOut, await outreach.get_expert(user, expert_id))

    @get("/{expert_id:int}", guards=[readers], responses=responses(401, 403, 404))
    async def detail(self, request: Request, expert_id: int) -> ExpertOut:
        return answer(ExpertOut, await outreach.get_expert(user_of(request), expert_id))

    @patch("/{expert_id:int}", guards=[office_or_expert], responses=responses(401, 403, 404, 422))
    async def update(self, request: Request, expert_id: int, data: ExpertPatch) -> ExpertOut:
        """The office or the expert; ``active`` the office only."""
        return answer(ExpertOut, await outreach.update_expert(user_of(request), expert_id, given_fields(data)))

    @post(
        "/{expert_id:int}/availability",
        guards=[office_or_expert],
        status_code=201,
        responses=responses(401, 403, 404, 422),
    )
    async def add_window(self, request: Request, expert_id: int, data: WindowIn) -> WindowOut:
        """A window of days (inclusive) when the expert can give talks."""
        return answer(WindowOut, await outreach.add_window(user_of(request), expert_id, msgspec.structs.asdict(data)))

    @delete(
        "/{expert_id:int}/availability/{window_id:int}",
        guards=[office_or_expert],
        status_code=204,
        responses=responses(401, 403, 404),
    )
    async def delete_window(self, request: Request, expert_id: int, window_id: int) -> None:
        await outreach.delete_window(user_of(request), expert_id, window_id)

    @post(
        "/{expert_id:int}/topics", guards=[office_or_expert], status_code=201, responses=responses(401, 403, 404, 422)
    )
    async def create_topic(self, request: Request, expert_id: int, data: TopicIn) -> TopicOut:
        return answer(TopicOut, await outreach.create_topic(user_of(request), expert_id, msgspec.structs.asdict(data)))


class TopicApi(Controller):
    path = "/api/v1/outreach/topics"
    tags = ["outreach"]

    @get("/", guards=[readers], responses=responses(401, 403, 422))
    async def list(
        self,
        request: Request,
        division: str | None = None,
        subject: str | None = None,
        q: str | None = None,
        expert_id: int | None = None,
        region: str | None = None,
    ) -> list[TopicOut]:
        """Topics to browse: schools and cities the active ones, an expert their own, the office all."""
        return answer(
            list[TopicOut],
            await outreach.list_topics(
                user_of(request), division=division, subject=subject, q=q, expert_id=expert_id, region=region
            ),
        )

    @get("/{topic_id:int}", guards=[readers], responses=responses(401, 403, 404))
    async def detail(self, request: Request, topic_id: int) -> TopicOut:
        return answer(TopicOut, await outreach.get_topic(user_of(request), topic_id))

    @patch("/{topic_id:int}", guards=[office_or_expert], responses=responses(401, 403, 404, 422))
    async def update(self, request: Request, topic_id: int, data: TopicPatch) -> TopicOut:
        """The office or the topic's expert; ``active: false`` withdraws it from the list schools browse."""
        return answer(TopicOut, await outreach.update_topic(user_of(request), topic_id, given_fields(data)))


class RequestApi(Controller):
    path = "/api/v1/outreach/requests"
    tags = ["outreach"]

    @post(
        "/",
        guards=[requires("organizer", "school")],
        status_code=201,
        responses=responses(401, 403, 422),
    )
    async def create(self, request: Request, data: RequestIn) -> RequestOut:
        """A school's request (the office names ``school_code``); 422 when a week starts sooner than the
        year's ``min_days_ahead``."""
        return answer(RequestOut, await outreach.create_request(user_of(request), msgspec.structs.asdict(data)))

    @get("/", guards=[requires("organizer", "city", "school")], responses=responses(401, 403, 422))
    async def list(
        self,
        request: Request,
        status: RequestStatus | None = None,
        region: str | None = None,
        year: int | None = None,
        division: str | None = None,
    ) -> list[RequestOut]:
        """The office all, a city its schools', a school its own."""
        filters: dict[str, Any] = {"status": status, "region": region, "year": year, "division": division}
        return answer(list[RequestOut], await outreach.list_requests(user_of(request), filters))

    @get("/{request_id:int}", guards=[requires("organizer", "city", "school")], responses=responses(401, 403, 404))
    async def detail(self, request: Request, request_id: int) -> RequestOut:
        return answer(RequestOut, await outreach.get_request(user_of(request), request_id))

    @post(
        "/{request_id:int}/withdraw",
        guards=[requires("organizer", "school")],
        status_code=200,
        responses=responses(401, 403, 404, 409),
    )
    async def withdraw(self, request: Request, request_id: int) -> RequestOut:
        """While the request is open (not yet in a tour)."""
        return answer(RequestOut, await outreach.withdraw_request(user_of(request), request_id))

    @put(
        "/{request_id:int}/priority",
        guards=[requires("organizer", "city")],
        responses=responses(401, 403, 404, 409, 422),
    )
    async def priority(self, request: Request, request_id: int, data: PriorityIn) -> RequestOut:
        """The school's city (or the office): high / normal / low."""
        return answer(RequestOut, await outreach.set_priority(user_of(request), request_id, data.priority))


def api_routes() -> list[Any]:
    return [OutreachSettingsApi, ExpertApi, TopicApi, RequestApi]
