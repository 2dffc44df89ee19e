"""JSON API of events: create, list, read, change settings; categories."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, patch, post

from app.errors import ValidationFailed
from app.i18n import _
from app.web import user_of
from app.web.auth import logged_in, organizer_only
from app.web.openapi import body_operation, responses
from app.web.schemas import answer, given_fields, sent_fields
from competitions.events import services as events
from competitions.events.kinds import kind_codes
from competitions.events.schemas import (
    CategoryIn,
    CategoryOut,
    CategoryPatch,
    EventDetailOut,
    EventIn,
    EventOut,
    EventPatch,
)


class EventApi(Controller):
    path = "/api/v1/events"
    tags = ["events"]

    @post("/", guards=[organizer_only], status_code=201, responses=responses(401, 403, 409, 422))
    async def create(self, request: Request, data: EventIn) -> EventOut:
        """Create an event; innovation contests get CASTIC-style categories unless ``default_categories`` is false."""
        body = given_fields(data)
        default_categories = body.pop("default_categories", True)
        return answer(
            EventOut, await events.create_event(user_of(request), body, default_categories=default_categories)
        )

    @get("/", guards=[logged_in], responses=responses(401, 403))
    async def list(self, request: Request) -> list[EventOut]:
        """Events the caller may see: drafts only for organizers."""
        return answer(list[EventOut], await events.list_events(user_of(request)))

    @get("/{event_id:int}", guards=[logged_in], responses=responses(401, 403, 404))
    async def detail(self, request: Request, event_id: int) -> EventDetailOut:
        """One event with its categories; a draft is 404 for everyone but organizers."""
        event = await events.get_event(event_id, user_of(request))
        event["categories"] = await events.list_categories(event_id)
        return answer(EventDetailOut, event)

    @patch(
        "/{event_id:int}",
        guards=[organizer_only],
        responses=responses(401, 403, 404, 409, 422),
        operation_class=body_operation(EventPatch, enums={"kind": kind_codes}),
    )
    async def update(self, request: Request, event_id: int) -> EventOut:
        """Change settings; quotas in ``award_quotas`` are read exactly from the JSON text.
        ``status`` moves the lifecycle (draft -> open -> closed, closed -> open before judging,
        open -> draft without entries); 409 for any other move, or opening without a deadline."""
        import json
        from decimal import Decimal

        try:
            body = json.loads(await request.body(), parse_float=Decimal)
        except ValueError:
            raise ValidationFailed(_("请求正文不是有效的 JSON。")) from None
        if not isinstance(body, dict):
            raise ValidationFailed(_("请求正文必须是 JSON 对象。"))
        return answer(EventOut, await events.update_event(user_of(request), event_id, body))

    @post(
        "/{event_id:int}/categories",
        guards=[organizer_only],
        status_code=201,
        responses=responses(401, 403, 404, 409, 422),
    )
    async def add_category(self, request: Request, event_id: int, data: CategoryIn) -> CategoryOut:
        return answer(CategoryOut, await events.add_category(user_of(request), event_id, msgspec.structs.asdict(data)))

    @post(
        "/{event_id:int}/start-judging",
        guards=[organizer_only],
        status_code=200,
        responses=responses(401, 403, 404, 409),
    )
    async def start_judging(self, request: Request, event_id: int) -> EventOut:
        """Start judging: registration, resubmission and review close for good. 409 while
        registration is still open (close it first)."""
        return answer(EventOut, await events.start_judging(user_of(request), event_id))

    @get("/{event_id:int}/categories", guards=[logged_in], responses=responses(401, 403, 404))
    async def categories(self, request: Request, event_id: int) -> list[CategoryOut]:
        await events.get_event_row(event_id, user_of(request))  # unknown (or a draft to schools): 404
        return answer(list[CategoryOut], await events.list_categories(event_id))

    @patch(
        "/{event_id:int}/categories/{category_id:int}", guards=[organizer_only], responses=responses(401, 403, 404, 422)
    )
    async def update_category(
        self, request: Request, event_id: int, category_id: int, data: CategoryPatch
    ) -> CategoryOut:
        """Rename a category or change its quotas (``null`` or ``""`` = no limit)."""
        return answer(
            CategoryOut, await events.update_category(user_of(request), event_id, category_id, sent_fields(data))
        )


def api_routes() -> list[Any]:
    return [EventApi]
