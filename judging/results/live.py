"""评分进度's event stream (``GET /events/{event_id}/judging/progress/events``, organizers, like the
page): on connect ``event: state`` with ``{"event_id", "assigned", "scored", "judges", "judges_done"}``,
then ``event: change`` whenever a score sheet is saved (:data:`app.signals.scores_changed`, connected by
the judging plugin). Counts only; the page's script (``app/static/live.js``) fetches what it shows."""

from __future__ import annotations

from typing import Any

from litestar import get
from litestar.response import ServerSentEvent

from app import live
from app.web.auth import organizer_only
from competitions.events.services import get_event_row
from judging.scoring import services as scoring


def progress_topic(event_id: int) -> str:
    return f"judging:{event_id}:progress"


async def publish_scores(*, event_id: int, **_kwargs: Any) -> None:
    await live.publish(progress_topic(event_id), {"event_id": event_id})


async def progress_counts(event_id: int) -> dict[str, Any]:
    data = await scoring.progress(event_id)
    return {
        "event_id": event_id,
        "assigned": data["assigned"],
        "scored": data["scored"],
        "judges": len(data["judges"]),
        "judges_done": sum(1 for j in data["judges"] if j["assigned"] and j["scored"] >= j["assigned"]),
    }


@get("/events/{event_id:int}/judging/progress/events", guards=[organizer_only], include_in_schema=False)
async def progress_events(event_id: int) -> ServerSentEvent:
    """评分进度's event stream; 404 for an unknown event (before the stream starts)."""
    await get_event_row(event_id)
    return live.event_stream(progress_topic(event_id), lambda: progress_counts(event_id))


def page_routes() -> list[Any]:
    return [progress_events]
