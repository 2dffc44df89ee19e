"""The check-in live view's event stream (到场情况, ``/checkin/{id}/live``), and the receiver
that feeds it.

``GET /checkin/{session_id}/live/events`` (organizers and staff, like the page) is a
``text/event-stream`` (:func:`app.live.event_stream`): on connect ``event: state`` with the
session's counts, then ``event: change`` each time a scan or check-in by name is answered
(at most twice a second per worker; ``changes`` counts the answers folded in). No names:
the page's script (``app/static/live.js``) fetches the page again to show them.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import ServerSentEvent

from app import live
from app.web import user_of
from app.web.auth import requires
from competitions.checkin import services as checkin


def topic(session_id: int) -> str:
    return f"checkin:{session_id}"


async def publish_checkin(*, session_id: int, result: str, **_kwargs: Any) -> None:
    """A repeated scan changes nothing the live view shows; everything else does (arrivals,
    refused scans, an undo)."""
    if result != "already_checked_in":
        await live.publish(topic(session_id), {"session_id": session_id, "result": result})


async def live_counts(actor: Any, session_id: int) -> dict[str, Any]:
    """The live view's numbers, as its page shows them: ``{"session_id", "expected",
    "arrived", "arrived_expected", "missing", "rejected"}`` (counts only)."""
    view = await checkin.live_view(actor, session_id)
    return {
        "session_id": session_id,
        "expected": view["expected"],
        "arrived": view["arrived"],
        "arrived_expected": view["arrived_expected"],
        "missing": len(view["missing"]),
        "rejected": sum(view["rejected"].values()),
    }


@get("/checkin/{session_id:int}/live/events", guards=[requires("organizer", "staff")], include_in_schema=False)
async def live_events(request: Request, session_id: int) -> ServerSentEvent:
    """The live view's event stream; 404 for an unknown session (before the stream starts)."""
    user = user_of(request)
    await checkin.get_session(user, session_id)
    return live.event_stream(topic(session_id), lambda: live_counts(user, session_id))
