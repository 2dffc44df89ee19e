"""JSON API of events: create, list, read, change settings; categories."""
from __future__ import annotations


from typing import Any

import msgspec
from litestar import Controller, Request, get, patch, post

from app.web.auth import logged_in, organizer_only
from app.errors import ValidationFailed
from app.i18n import _
from app.web import user_of
from app.web.schemas import given_fields
from competitions.events import services as events
from competitions.events.schemas import CategoryIn, EventIn


class EventApi(Controller):
    path = "/api/v1/events"
    tags = ["events"]

    @post("/", guards=[organizer_only], status_code=201)
    async def create(self, request: Request, data: EventIn) -> dict[str, Any]:
        """Create an event; innovation contests get CASTIC-style categories unless ``default_categories`` is false."""
        body = given_fields(data)
        default_categories = body.pop("default_categories", True)
        return await events.create_event(user_of(request), body, default_categories=default_categories)

    @get("/", guards=[logged_in])
    async def list(self) -> list[dict[str, Any]]:
        return await events.list_events()

    @get("/{event_id:int}", guards=[logged_in])
    async def detail(self, event_id: int) -> dict[str, Any]:
        event = await events.get_event(event_id)
        event["categories"] = await events.list_categories(event_id)
        return event

    @patch("/{event_id:int}", guards=[organizer_only])
    async def update(self, request: Request, event_id: int) -> dict[str, Any]:
        """Change settings; quotas in ``award_quotas`` are read exactly from the JSON text."""
        import json
        from decimal import Decimal

        try:
            body = json.loads(await request.body(), parse_float=Decimal)
        except ValueError:
            raise ValidationFailed(_("请求正文不是有效的 JSON。")) from None
        if not isinstance(body, dict):
            raise ValidationFailed(_("请求正文必须是 JSON 对象。"))
        return await events.update_event(user_of(request), event_id, body)

    @post("/{event_id:int}/categories", guards=[organizer_only], status_code=201)
    async def add_category(self, request: Request, event_id: int, data: CategoryIn) -> dict[str, Any]:
        return await events.add_category(user_of(request), event_id, msgspec.structs.asdict(data))

    @get("/{event_id:int}/categories", guards=[logged_in])
    async def categories(self, event_id: int) -> list[dict[str, Any]]:
        return await events.list_categories(event_id)

    @patch("/{event_id:int}/categories/{category_id:int}", guards=[organizer_only])
    async def update_category(self, request: Request, event_id: int, category_id: int) -> dict[str, Any]:
        body = await request.json()
        return await events.update_category(user_of(request), event_id, category_id, body if isinstance(body, dict) else {})


def api_routes() -> list[Any]:
    return [EventApi]
