"""Public live screens of a match challenge (issue 14 item 6), each a URL a projector or a phone opens
without logging in, SRComp style: the page shows the current state, its stream
(``/screens/{event_id}/{code}/events``: ``event: state`` ``{"event_id", "category_code",
"version"}`` on connect, then ``event: match`` / ``event: bracket`` per change, from
:func:`judging.matches.live.challenge_topic`) tells it when to fetch itself again
(``app/static/matches.js`` over ``app/static/live.js``).

- ``/screens/{event_id}`` — the event's match challenges, each with its four screens;
- ``.../{code}/leaderboard`` — the audience leaderboard: rank, team, school, W-L-T, ranking
  points, average score and the reason line (:func:`services.rankings`);
- ``.../{code}/now`` — per field the match on it now and the next one, teams and scheduled
  times, and how far the day runs behind or ahead (:func:`services.timing`);
- ``.../{code}/queue`` — for the teams: the next matches per field, who must be where when;
- ``.../{code}/bracket`` — the elimination bracket as SVG (:mod:`.bracket_svg`) with its table.

What they show is what the public JSON API answers (committed scores only)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.params import Parameter
from litestar.response import ServerSentEvent

from app import live, times
from app.errors import NotFound
from app.i18n import _
from app.web import render
from judging.matches import bracket_svg, services
from judging.matches.live import challenge_topic
from judging.robotics import services as robotics

SCREENS = ("leaderboard", "now", "queue", "bracket")
SCREEN_TITLES = {"leaderboard": "排行榜", "now": "正在比赛 / 下一场", "queue": "候场", "bracket": "淘汰赛对阵"}
QUEUE_DEFAULT = 4


def clock(value: Any) -> str:
    """``09:05``: a match's scheduled time in Asia/Shanghai; ``""`` without one."""
    parsed = times.parse_time(value)
    return parsed.astimezone(times.SHANGHAI).strftime("%H:%M") if parsed else ""


def behind_text(seconds: int | None) -> str:
    """How the day runs, in words: ``落后 5 分钟`` / ``提前 2 分钟`` / ``准时`` (within a minute);
    ``""`` before any match started."""
    if seconds is None:
        return ""
    minutes = round(abs(seconds) / 60)
    if minutes == 0:
        return _("准时")
    return _("落后 {m} 分钟", m=minutes) if seconds > 0 else _("提前 {m} 分钟", m=minutes)


def stage_label(match: dict[str, Any]) -> str:
    if match["stage"] == "elimination":
        return _("淘汰赛 {series} 第 {game} 局", series=match["series"], game=match["game"])
    return _("排位赛")


def with_names(match: dict[str, Any], names: dict[int, str]) -> dict[str, Any]:
    """A match as screens show it: team names per side, surrogates marked, the time as ``HH:MM``."""
    surrogates = set(match["surrogates"])

    def side(ids: list[int]) -> list[dict[str, Any]]:
        return [{"id": t, "name": names.get(t, str(t)), "surrogate": t in surrogates} for t in ids]

    return {
        **match,
        "red_teams": side(match["red"]),
        "blue_teams": side(match["blue"]),
        "time": clock(match["scheduled_at"]),
        "stage_label": stage_label(match),
    }


def upcoming(matches: list[dict[str, Any]], per_field: int) -> list[dict[str, Any]]:
    """Per field (in field order) the first ``per_field`` matches not committed yet, in play order:
    ``[{"field", "matches": [...]}]``; a field with nothing left is listed empty."""
    fields = sorted({m["field"] for m in matches}) or [1]
    out = []
    for field in fields:
        left = [m for m in matches if m["field"] == field and m["status"] != "committed"]
        out.append({"field": field, "matches": left[:per_field]})
    return out


async def _challenge(event_id: int, code: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The public event and its match challenge ``code``; 404 for a challenge without a schedule or bracket."""
    event = await robotics.robotics_event(event_id)
    code = str(code).strip().upper()
    found = next((c for c in await services.match_challenges(event_id) if c["code"] == code), None)
    if found is None:
        raise NotFound(_("赛项“{code}”还没有对抗赛赛程。", code=code))
    return event, found


async def screen_state(event_id: int, code: str) -> dict[str, Any]:
    return {"event_id": event_id, "category_code": code, "version": await services.challenge_version(event_id, code)}


async def _names(event_id: int, code: str) -> dict[int, str]:
    return {t["id"]: t["title"] for t in await services.challenge_teams(event_id, code)}


class MatchScreens(Controller):
    path = "/screens"
    include_in_schema = False

    @get("/{event_id:int}")
    async def index(self, request: Request, event_id: int) -> Any:
        event = await robotics.robotics_event(event_id)
        challenges = await services.match_challenges(event_id)
        return render(
            request,
            "judging/matches/screens_index.html",
            event=event,
            challenges=challenges,
            screens=[(k, _(SCREEN_TITLES[k])) for k in SCREENS],
        )

    async def _page(self, request: Request, event_id: int, code: str, kind: str, **context: Any) -> Any:
        event, challenge = await _challenge(event_id, code)
        return render(
            request,
            "judging/matches/screen.html",
            event=event,
            challenge=challenge,
            kind=kind,
            title=_(SCREEN_TITLES[kind]),
            screens=[(k, _(SCREEN_TITLES[k])) for k in SCREENS],
            version=await services.challenge_version(event_id, challenge["code"]),
            **context,
        )

    @get("/{event_id:int}/{code:str}/leaderboard")
    async def leaderboard(self, request: Request, event_id: int, code: str) -> Any:
        await _challenge(event_id, code)
        table = await services.rankings(event_id, code)
        return await self._page(request, event_id, code, "leaderboard", rule=table["rule"], teams=table["teams"])

    @get("/{event_id:int}/{code:str}/now")
    async def now(self, request: Request, event_id: int, code: str) -> Any:
        await _challenge(event_id, code)
        names = await _names(event_id, code)
        matches = [with_names(m, names) for m in (await services.list_matches(event_id, code))["matches"]]
        timing = await services.timing(event_id, code)
        return await self._page(
            request,
            event_id,
            code,
            "now",
            fields=upcoming(matches, 2),
            behind=behind_text(timing["behind_seconds"]),
            behind_seconds=timing["behind_seconds"],
            last=next((m for m in reversed(matches) if m["status"] == "committed"), None),
        )

    @get("/{event_id:int}/{code:str}/queue")
    async def queue(
        self,
        request: Request,
        event_id: int,
        code: str,
        count: int = Parameter(query="n", default=QUEUE_DEFAULT, ge=1, le=12),
    ) -> Any:
        await _challenge(event_id, code)
        names = await _names(event_id, code)
        matches = [with_names(m, names) for m in (await services.list_matches(event_id, code))["matches"]]
        timing = await services.timing(event_id, code)
        return await self._page(
            request,
            event_id,
            code,
            "queue",
            fields=upcoming(matches, count),
            behind=behind_text(timing["behind_seconds"]),
        )

    @get("/{event_id:int}/{code:str}/bracket")
    async def bracket(self, request: Request, event_id: int, code: str) -> Any:
        await _challenge(event_id, code)
        names = await _names(event_id, code)
        try:
            state = await services.bracket_state(event_id, code)
        except NotFound:
            state = None
        context: dict[str, Any] = {"state": state}
        if state is not None:
            context["svg"] = bracket_svg.render(state, names)
            context["labels"] = {
                i + 1: bracket_svg.alliance_label(i + 1, state["alliances"], names)
                for i in range(len(state["alliances"]))
            }
            upper = max((int(s["stage"][1:]) for s in state["matches"] if s["stage"].startswith("U")), default=0)
            context["stages"] = {
                s["id"]: bracket_svg.stage_name(s["stage"], state["format"], upper) for s in state["matches"]
            }
        return await self._page(request, event_id, code, "bracket", **context)


@get("/screens/{event_id:int}/{code:str}/events", include_in_schema=False)
async def screen_events(event_id: int, code: str) -> ServerSentEvent:
    """The screens' stream: the challenge's version on connect, then ``match``/``bracket`` per change."""
    _event, challenge = await _challenge(event_id, code)
    return live.event_stream(
        challenge_topic(event_id, challenge["code"]), lambda: screen_state(event_id, challenge["code"])
    )


def page_routes() -> list[Any]:
    return [MatchScreens, screen_events]


__all__ = ["behind_text", "clock", "page_routes", "upcoming", "with_names"]
