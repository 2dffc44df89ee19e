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
- ``.../{code}/bracket`` — the elimination bracket as SVG (:mod:`.bracket_svg`) with its table;
- ``.../{code}/teams`` — "my matches" for teams and coaches: find a team by name or number, then
  ``.../{code}/teams/{entry_id}`` — its matches (field, time and how far the day's changes moved
  it, alliance colour, partners, opponents, scores once committed), rank and ranking points, with
  its address as a link and a QR code to keep; live like the screens.

Every page, and the stream's state, is made from :func:`judging.matches.board.challenge_view`,
built once per change of the event (not once per viewer).

What they show is what the public JSON API answers (committed scores only)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from litestar import Controller, Request, get
from litestar.params import Parameter
from litestar.response import ServerSentEvent

from app import live
from app.i18n import _
from app.web import render
from judging.matches import board, bracket_svg, services
from judging.matches.live import challenge_topic
from judging.robotics import services as robotics

SCREENS = ("leaderboard", "now", "queue", "bracket")
SCREEN_TITLES = {"leaderboard": "排行榜", "now": "正在比赛 / 下一场", "queue": "候场", "bracket": "淘汰赛对阵"}
QUEUE_DEFAULT = 4


clock = board.clock


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
    """A match as screens show it: team names per side, surrogates marked, each team's card
    (``None``, ``yellow`` or ``red``, once the match's score is shown), the time as ``HH:MM``."""
    surrogates = set(match["surrogates"])
    cards = match.get("cards") or {}

    def side(ids: list[int]) -> list[dict[str, Any]]:
        return [
            {"id": t, "name": names.get(t, str(t)), "surrogate": t in surrogates, "card": cards.get(str(t))}
            for t in ids
        ]

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


async def screen_state(event_id: int, code: str) -> dict[str, Any]:
    view = await board.challenge_view(event_id, code)
    return {"event_id": event_id, "category_code": view["challenge"]["code"], "version": view["version"]}


def _named(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [with_names(m, view["names"]) for m in view["matches"]]


@lru_cache(maxsize=512)
def qr_svg(url: str) -> str:
    """The QR code of ``url`` as inline SVG (made once per address: the team page is fetched again
    by every phone after each change)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return str(image.to_string(encoding="unicode"))


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

    def _page(self, request: Request, view: dict[str, Any], kind: str, title: str = "", **context: Any) -> Any:
        return render(
            request,
            "judging/matches/screen.html",
            event=view["event"],
            challenge=view["challenge"],
            kind=kind,
            title=title or _(SCREEN_TITLES[kind]),
            screens=[(k, _(SCREEN_TITLES[k])) for k in SCREENS],
            version=view["version"],
            **context,
        )

    @get("/{event_id:int}/{code:str}/leaderboard")
    async def leaderboard(self, request: Request, event_id: int, code: str) -> Any:
        view = await board.challenge_view(event_id, code)
        return self._page(request, view, "leaderboard", rule=view["rule"], teams=view["rankings"])

    @get("/{event_id:int}/{code:str}/now")
    async def now(self, request: Request, event_id: int, code: str) -> Any:
        view = await board.challenge_view(event_id, code)
        matches = _named(view)
        return self._page(
            request,
            view,
            "now",
            fields=upcoming(matches, 2),
            behind=behind_text(view["behind_seconds"]),
            behind_seconds=view["behind_seconds"],
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
        view = await board.challenge_view(event_id, code)
        return self._page(
            request,
            view,
            "queue",
            fields=upcoming(_named(view), count),
            behind=behind_text(view["behind_seconds"]),
        )

    @get("/{event_id:int}/{code:str}/bracket")
    async def bracket(self, request: Request, event_id: int, code: str) -> Any:
        view = await board.challenge_view(event_id, code)
        names = view["names"]
        state = view["bracket"]
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
        return self._page(request, view, "bracket", **context)

    @get("/{event_id:int}/{code:str}/teams")
    async def teams(
        self, request: Request, event_id: int, code: str, text: str = Parameter(query="q", default="", max_length=100)
    ) -> Any:
        """ "My matches": pick a team by name or number (a coach's phone, no log-in)."""
        view = await board.challenge_view(event_id, code)
        return self._page(request, view, "teams", title=_("我的比赛"), query=text, found=board.find_teams(view, text))

    @get("/{event_id:int}/{code:str}/teams/{entry_id:int}")
    async def team(self, request: Request, event_id: int, code: str, entry_id: int) -> Any:
        """One team's matches, rank and ranking points, following the screens' stream."""
        view = await board.challenge_view(event_id, code)
        card = board.team_card(view, entry_id)
        url = f"{str(request.base_url).rstrip('/')}/screens/{event_id}/{view['challenge']['code']}/teams/{entry_id}"
        return self._page(
            request,
            view,
            "team",
            title=card["team"]["team_name"],
            card=card,
            behind=behind_text(view["behind_seconds"]),
            behind_seconds=view["behind_seconds"],
            shift_text=board.shift_text,
            clock=board.clock,
            url=url,
            qr=qr_svg(url),
        )


@get("/screens/{event_id:int}/{code:str}/events", include_in_schema=False)
async def screen_events(event_id: int, code: str) -> ServerSentEvent:
    """The screens' stream: the challenge's version on connect, then ``match``/``bracket`` per change."""
    view = await board.challenge_view(event_id, code)
    code = view["challenge"]["code"]
    return live.event_stream(challenge_topic(event_id, code), lambda: screen_state(event_id, code))


def page_routes() -> list[Any]:
    return [MatchScreens, screen_events]


__all__ = ["behind_text", "clock", "page_routes", "upcoming", "with_names"]
