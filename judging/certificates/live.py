"""The certificate batches' event stream (``GET /events/{event_id}/judging/certificates/events``,
organizers, like the certificates page): on connect ``event: state`` with the event's batches
``{"batches": [{"id", "kind", "status", "done", "total", "percent", "stale"}]}``, then ``event: change``
with ``{"batch_id", "status", "done", "total"}`` as a batch advances (:data:`app.signals.batch_progressed`,
connected by the judging plugin). Counts and ids only."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import ServerSentEvent

from app import live
from app.web import user_of
from app.web.auth import organizer_only
from competitions.events.services import get_event_row
from judging.certificates import services as certificates


def batches_topic(event_id: int) -> str:
    return f"certificates:{event_id}:batches"


async def publish_batch(*, batch_id: int, event_id: int, state: str, done: int, total: int, **_kwargs: Any) -> None:
    await live.publish(batches_topic(event_id), {"batch_id": batch_id, "status": state, "done": done, "total": total})


async def batch_counts(actor: Any, event_id: int) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "batches": [
            {k: b[k] for k in ("id", "kind", "status", "done", "total", "percent", "stale")}
            for b in await certificates.list_batches(actor, event_id)
        ],
    }


@get("/events/{event_id:int}/judging/certificates/events", guards=[organizer_only], include_in_schema=False)
async def batch_events(request: Request, event_id: int) -> ServerSentEvent:
    """The certificate batches' event stream; 404 for an unknown event."""
    user = user_of(request)
    await get_event_row(event_id)
    return live.event_stream(batches_topic(event_id), lambda: batch_counts(user, event_id))


def page_routes() -> list[Any]:
    return [batch_events]
