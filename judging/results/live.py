"""评分进度's event stream (``GET /events/{event_id}/judging/progress/events``, organizers, like the
page): on connect ``event: state`` with ``{"event_id", "assigned", "scored", "judges", "judges_done"}``,
then ``event: change`` with a delta whenever score sheets are saved (:data:`app.signals.scores_changed`,
connected by the judging plugin): the totals and the judges and categories whose counts changed,
``{"event_id", "assigned", "scored", "judges", "judges_done", "rows": [{"judge_id" | "category_code",
"scored", "assigned"}]}``. Counts and ids only; the page (``app/static/progress.js``) applies them in
place. A save marks the event dirty; the counts are read at most once every
:data:`FLUSH_SECONDS` per event and worker, and each delta names only what changed since this
worker's previous one (counts are absolute, so deltas of two workers agree)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from litestar import get
from litestar.response import ServerSentEvent

from app import live
from app.web.auth import organizer_only
from competitions.events.services import get_event_row
from judging.scoring import services as scoring

log = logging.getLogger("xinmiao.judging.live")

FLUSH_SECONDS = 1.0


def progress_topic(event_id: int) -> str:
    return f"judging:{event_id}:progress"


class _Progress:
    def __init__(self) -> None:
        self.timer: asyncio.TimerHandle | None = None
        self.task: asyncio.Task | None = None
        self.last = float("-inf")
        self.rows: dict[tuple[str, Any], tuple[int, int]] = {}  # what this worker last published


_state: dict[tuple[int, int], _Progress] = {}  # (event loop id, event id)


async def publish_scores(*, event_id: int, **_kwargs: Any) -> None:
    """A score sheet was saved: the event's delta follows within :data:`FLUSH_SECONDS`. Never raises."""
    try:
        loop = asyncio.get_running_loop()
        key = (id(loop), event_id)
        state = _state.setdefault(key, _Progress())
        if state.timer is None:
            state.timer = loop.call_later(max(0.0, state.last + FLUSH_SECONDS - loop.time()), _flush, loop, key)
    except Exception:  # noqa: BLE001 - never worth failing a save for
        log.warning("judging progress: could not mark event %s", event_id, exc_info=True)


def _flush(loop: asyncio.AbstractEventLoop, key: tuple[int, int]) -> None:
    state = _state[key]
    state.timer = None
    if state.task is not None and not state.task.done():  # one read at a time, in order
        state.timer = loop.call_later(FLUSH_SECONDS / 5, _flush, loop, key)
        return
    state.last = loop.time()
    state.task = loop.create_task(_send(key[1], state))


def _rows(data: dict[str, Any]) -> dict[tuple[str, Any], tuple[int, int]]:
    rows = {("judge_id", j["judge_id"]): (j["scored"], j["assigned"]) for j in data["judges"]}
    rows.update({("category_code", c["category_code"]): (c["scored"], c["assigned"]) for c in data["categories"]})
    return rows


async def _send(event_id: int, state: _Progress) -> None:
    if live.current() is None:
        return
    try:
        data = await scoring.progress(event_id)
        rows = _rows(data)
        changed = [
            {kind: ident, "scored": counts[0], "assigned": counts[1]}
            for (kind, ident), counts in rows.items()
            if state.rows.get((kind, ident)) != counts
        ]
        state.rows = rows
        await live.publish(progress_topic(event_id), {**_totals(event_id, data), "rows": changed})
    except Exception:  # noqa: BLE001
        log.warning("judging progress: no delta for event %s", event_id, exc_info=True)


def _totals(event_id: int, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "assigned": data["assigned"],
        "scored": data["scored"],
        "judges": len(data["judges"]),
        "judges_done": sum(1 for j in data["judges"] if j["assigned"] and j["scored"] >= j["assigned"]),
    }


async def progress_counts(event_id: int) -> dict[str, Any]:
    """The stream's first event (totals). Also what this worker's next delta is compared with,
    when it has published none yet: a watcher starts from the counts it was given."""
    data = await scoring.progress(event_id)
    try:
        state = _state.setdefault((id(asyncio.get_running_loop()), event_id), _Progress())
        if not state.rows:
            state.rows = _rows(data)
    except RuntimeError:
        pass
    return _totals(event_id, data)


@get("/events/{event_id:int}/judging/progress/events", guards=[organizer_only], include_in_schema=False)
async def progress_events(event_id: int) -> ServerSentEvent:
    """评分进度's event stream; 404 for an unknown event (before the stream starts)."""
    await get_event_row(event_id)
    return live.event_stream(progress_topic(event_id), lambda: progress_counts(event_id))


def page_routes() -> list[Any]:
    return [progress_events]
