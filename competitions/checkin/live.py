"""The check-in live view's event stream (到场情况, ``/checkin/{id}/live``), and the receiver
that feeds it with deltas.

``GET /checkin/{session_id}/live/events`` (organizers and staff, like the page) is a
``text/event-stream`` (:func:`app.live.event_stream`): on connect ``event: state`` with the
session's totals and version (:func:`competitions.checkin.services.live_totals`), then
``event: change`` with a delta (:func:`competitions.checkin.services.session_changes`): the
totals and the counts of the schools where someone arrived, ``{"version", "expected",
"arrived", "arrived_expected", "missing", "rejected", "rejected_by", "schools": [{"school_id",
"expected", "arrived", "other"}], "scans" (answers it stands for), "changes"}``. Counts and ids only, never a name.

The scan path pays next to nothing for it: a scan's signal marks its session dirty (a
dictionary look-up) and, when the session was clean, sets a timer. The timer's flush reads
the counts once (four aggregate queries) and publishes one delta for every watcher, at most
once every :data:`FLUSH_SECONDS` per session and worker, however many scans arrived and
however many organizers watch. Watchers cost the stream's fan-out only; nothing is
recomputed per watcher or per scan. Several workers each flush their own scans; a delta's
counts are absolute (read from the database), so deltas from two workers agree.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from litestar import Request, get
from litestar.response import ServerSentEvent

from app import live
from app.times import now
from app.web import user_of
from app.web.auth import requires
from competitions.checkin import services as checkin

log = logging.getLogger("xinmiao.checkin.live")

FLUSH_SECONDS = 1.0  # at most one delta per session this often, per worker


def topic(session_id: int) -> str:
    return f"checkin:{session_id}"


@dataclass
class _Dirty:
    since: int  # the version the next delta reports changes since
    all_schools: bool = False  # an undo: a school lost an arrival, which "changed since" cannot see
    changes: int = 0
    timer: asyncio.TimerHandle | None = None
    last: float = float("-inf")  # loop time of the last flush
    tasks: set[asyncio.Task] = field(default_factory=set)


_dirty: dict[tuple[int, int], _Dirty] = {}  # (event loop id, session id)


async def publish_checkin(*, session_id: int, result: str, **_kwargs: Any) -> None:
    """A repeated scan changes nothing the live view shows; everything else does (arrivals,
    refused scans, an undo). Marks the session dirty; the delta follows within
    :data:`FLUSH_SECONDS`. Never raises."""
    if result == "already_checked_in":
        return
    try:
        loop = asyncio.get_running_loop()
        key = (id(loop), session_id)
        state = _dirty.get(key)
        if state is None:
            state = _dirty[key] = _Dirty(since=checkin.version_of(now()))
        state.changes += 1
        if result == "undone":
            state.all_schools = True
        if state.timer is None:
            delay = max(0.0, state.last + FLUSH_SECONDS - loop.time())
            state.timer = loop.call_later(delay, _flush, loop, key)
    except Exception:  # noqa: BLE001 - a live view is never worth failing a scan for
        log.warning("check-in live view: could not mark session %s", session_id, exc_info=True)


def _flush(loop: asyncio.AbstractEventLoop, key: tuple[int, int]) -> None:
    state = _dirty.get(key)
    if state is None:
        return
    state.timer = None
    if state.tasks:  # the last delta is still being read: this one follows it, never overtakes it
        state.timer = loop.call_later(FLUSH_SECONDS / 5, _flush, loop, key)
        return
    state.last = loop.time()
    task = loop.create_task(_send(key, state, state.since, state.all_schools, state.changes))
    state.all_schools, state.changes = False, 0
    state.tasks.add(task)
    task.add_done_callback(state.tasks.discard)


async def _send(key: tuple[int, int], state: _Dirty, since: int, all_schools: bool, changes: int) -> None:
    session_id = key[1]
    if live.current() is None:
        return
    try:
        session = await checkin.session_row(session_id)
        if session is None:
            _dirty.pop(key, None)
            return
        delta = await checkin.session_changes(session, None if all_schools else since)
        state.since = max(state.since, delta["version"])
        await live.publish(topic(session_id), {"session_id": session_id, **delta, "scans": changes})
    except Exception:  # noqa: BLE001
        log.warning("check-in live view: no delta for session %s", session_id, exc_info=True)


async def live_state(actor: Any, session_id: int) -> dict[str, Any]:
    """The stream's first event: the live view's totals and version (counts only)."""
    return await checkin.live_totals(actor, session_id)


@get("/checkin/{session_id:int}/live/events", guards=[requires("organizer", "staff")], include_in_schema=False)
async def live_events(request: Request, session_id: int) -> ServerSentEvent:
    """The live view's event stream; 404 for an unknown session (before the stream starts)."""
    user = user_of(request)
    await checkin.get_session(user, session_id)
    return live.event_stream(topic(session_id), lambda: live_state(user, session_id))
