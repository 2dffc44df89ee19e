"""Public robotics pages: an event's challenges (``/standings/{event_id}``) and a challenge's
standings (``/standings/{event_id}/{code}``; ``?display=1`` for a projector: large type, paged),
approved runs only, updated live (:mod:`judging.robotics.live`, ``app/static/standings.js``).

They show what the public JSON API answers (:func:`judging.robotics.cache.category_standings`):
rank, team, school, counted score, each round's score and time, and the reason line; ranked per
division (小学, 初中, 高中), with a heading per division."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get

from app import pubcache
from app.i18n import get_locale
from app.web import render, render_bytes
from judging.robotics import cache, services
from judging.rounds.services import current_round


def _rows(answer: dict[str, Any], rounds: int) -> list[dict[str, Any]]:
    """The answer's teams with their runs laid out by round (``None`` where a round has no approved
    run); ``division_head`` marks the first team of each division (the page shows a heading there:
    ranks are per division)."""
    rows = []
    previous: Any = object()
    for team in answer["teams"]:
        by_round: list[dict[str, Any] | None] = [None] * rounds
        for run in team["runs"]:
            if 1 <= run["round"] <= rounds:
                by_round[run["round"] - 1] = run
        rows.append({**team, "rounds": by_round, "division_head": team["division"] != previous})
        previous = team["division"]
    return rows


class PublicStandingsPages(Controller):
    path = "/standings"
    include_in_schema = False

    @get("/{event_id:int}")
    async def index(self, request: Request, event_id: int) -> Any:
        """An event's challenges, each linked to its standings (those with a score sheet)."""
        event = await services.robotics_event(event_id)
        return render(request, "judging/robotics/standings_index.html", event=event)

    @get("/{event_id:int}/{code:str}")
    async def standings(self, request: Request, event_id: int, code: str, display: int | None = None) -> Any:
        """A challenge's public standings; ``?display=1``: the big-screen layout. Anonymous visitors
        get the page rendered once per change and language (:mod:`app.pubcache`, ``ETag``/304)."""
        code = str(code).strip().upper()
        template = "judging/robotics/" + ("standings_display.html" if display else "standings.html")
        # the standings cache reads its fingerprint (one query) and answers the same object while
        # nothing changed (even a change made behind the services' back): the page is kept per object
        answer = await cache.category_standings(event_id, code)
        if pubcache.is_public_visit(request):

            async def make() -> pubcache.Answer:
                page = render_bytes(request, template, **await _context(event_id, code, display, answer))
                return pubcache.Answer(page, data=answer)  # data: keeps the object (and its id) alive

            key = ("standings-page", code, bool(display), get_locale(), id(answer))
            return pubcache.respond(request, await pubcache.cached(event_id, key, make))
        return render(request, template, **await _context(event_id, code, display, answer))


async def _context(event_id: int, code: str, display: int | None, answer: dict[str, Any]) -> dict[str, Any]:
    event = await services.robotics_event(event_id)
    sheet = await services.get_sheet(event_id, code)
    challenge = next(c for c in event["challenges"] if c["code"] == code)
    return {
        "event": event,
        "challenge": challenge,
        "rounds": int(sheet.get("rounds") or 1),
        "rows": _rows(answer, int(sheet.get("rounds") or 1)),
        "version": await cache.version(event_id, code),
        "display": bool(display),
        "final": (await current_round(event_id))["state"] == "finalized",
    }


def page_routes() -> list[Any]:
    return [PublicStandingsPages]
