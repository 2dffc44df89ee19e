"""Robotics live updates (app/live.py: state on connect, then one event per change).

- ``GET /standings/{event_id}/{code}/events`` — the public standings page's stream: on connect
  ``event: state`` ``{"event_id", "category_code", "version"}``, then ``event: change`` with the
  same keys each time the challenge's standings change (a run approved, an approved run corrected,
  the sheet changed). The page (``app/static/standings.js``) then fetches itself again.
- ``GET /api/v1/events/{event_id}/live`` (CONTRACT "Robotics: matches"): on connect ``event:
  state`` ``{"event_id", "challenges": [{"code", "name", "version", "standings"}]}`` (the public
  standings of every challenge with a sheet), then ``event: standings`` ``{"event_id",
  "category_code", "version"}`` per change of a challenge's standings (fetch
  ``.../categories/{code}/standings``). The matches work adds ``match`` and ``bracket`` events.

Events carry ids and versions only (``version`` changes whenever the standings do). The
signal :data:`app.signals.robotics_runs_changed` drives both (:func:`on_runs_changed`).

The state sent on connect is built once per change of the event and sent, as the same JSON text,
to every viewer connecting until the next change (:mod:`judging.robotics.livecache`: a connect
costs one fingerprint query, shared by viewers connecting together).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import get
from litestar.response import ServerSentEvent

from app import live
from app.errors import NotFound
from app.web.openapi import responses
from competitions.events.tables import Category
from judging.robotics import cache, livecache


def standings_topic(event_id: int, code: str) -> str:
    return f"robotics:{event_id}:standings:{code}"


def event_topic(event_id: int) -> str:
    return f"robotics:{event_id}:live"


async def on_runs_changed(*, event_id: int, category_code: str, **_kwargs: Any) -> None:
    """Receiver of :data:`app.signals.robotics_runs_changed`: tell the challenge's page streams
    and the event's API stream. Never raises (a live screen is not worth failing an approval)."""
    try:
        version = await cache.version(event_id, category_code)
    except Exception:  # noqa: BLE001 - a draft event, a challenge without a sheet: nothing shown
        return
    data = {"event_id": event_id, "category_code": category_code, "version": version}
    await live.publish(standings_topic(event_id, category_code), data)
    await live.publish(event_topic(event_id), data, event="standings", coalesce=category_code)


async def page_state(event_id: int, code: str) -> dict[str, Any]:
    return {"event_id": event_id, "category_code": code, "version": await cache.version(event_id, code)}


@get("/standings/{event_id:int}/{code:str}/events", include_in_schema=False)
async def standings_events(event_id: int, code: str) -> ServerSentEvent:
    """The public standings page's stream; 404 (before the stream starts) as the page."""
    code = str(code).strip().upper()
    await cache.category_standings(event_id, code)
    return live.event_stream(standings_topic(event_id, code), lambda: page_state(event_id, code))


#: more of an event's live state, from later capabilities (matches adds schedules, rankings and
#: brackets): ``provider(event_id) -> {key: value}`` merged into :func:`event_state`'s answer
state_providers: list[Callable[[int], Awaitable[dict[str, Any]]]] = []


def add_state_provider(provider: Callable[[int], Awaitable[dict[str, Any]]]) -> None:
    if provider not in state_providers:
        state_providers.append(provider)


async def event_state(event_id: int) -> dict[str, Any]:
    """Every challenge of the event with its public standings (``null`` before it has a sheet),
    and what the :data:`state_providers` add."""
    challenges = []
    rows = await Category.select(Category.code, Category.name).where(Category.event == event_id).order_by(Category.id)
    for row in rows:
        try:
            answer = await cache.category_standings(event_id, row["code"])
            version: str | None = await cache.version(event_id, row["code"])
        except NotFound:
            answer, version = None, None
        challenges.append({"code": row["code"], "name": row["name"], "version": version, "standings": answer})
    state: dict[str, Any] = {"event_id": event_id, "challenges": challenges}
    for provider in state_providers:
        state.update(await provider(event_id))
    return state


@get(
    "/api/v1/events/{event_id:int}/live",
    tags=["robotics"],
    summary="Live updates of a robotics event",
    responses=responses(404),
)
async def event_live(event_id: int) -> ServerSentEvent:
    """Public ``text/event-stream``: ``event: state`` with every challenge's standings on connect,
    then ``event: standings`` ``{"event_id", "category_code", "version"}`` per change. 404 for an
    unknown, draft or non-robotics event."""
    await livecache.public_event(event_id)
    return live.event_stream(event_topic(event_id), lambda: event_state_text(event_id))


async def event_state_text(event_id: int) -> str:
    """:func:`event_state` as the stream sends it, built once per change of the event (and language)."""

    async def build() -> str:
        return live.as_json(await event_state(event_id))

    return await livecache.cached(event_id, "state", build)


def routes() -> list[Any]:
    return [standings_events, event_live]
