"""Referee tablet pages for matches (issue 14 item 3), beside the run pages under ``/referee/``
(:mod:`judging.robotics.pages`, whose item widgets, outbox and service worker they share):

- ``/referee/{event}/{code}/matches/``: the challenge's matches (number, field, time, red and
  blue teams with surrogates marked, status), the next unplayed first, filtered by field and
  searched by team; scores waiting on the tablet are shown as unsent.
- ``/referee/{event}/{code}/matches/score?match=``: the match form: both alliances side by side
  (red left, blue right, each named in words), every item of the sheet per alliance answered
  actively, the live totals (``app/static/sheet-score.js``, the port of ``score_run``), a card per
  team (VEX gives cards to teams), the winner preview, both captains' confirmation; sent through the offline outbox to
  ``POST /referee/matches/{id}/score`` (the service of ``PUT /api/v1/matches/{id}/score``) with a
  ``client_score_id`` and the ``base_version`` the tablet saw (409 naming who scored it meanwhile).
- ``/referee/{event}/{code}/matches/review``: the head referee's page: scored matches with both
  sides' items, totals, cards and recorder; commit one or several.
- ``/referee/matches/{id}``: one match with every version; corrections (a reason once committed).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from litestar import Controller, Request, Response, get, post

from app.errors import ServiceError
from app.i18n import _, list_separator
from app.web import flash, form_value, redirect, render, user_of
from app.web.auth import requires
from judging.matches import refereeing, services
from judging.robotics import pages as run_pages
from judging.robotics import sheets
from judging.scoring.views import json_response

referees_and_organizers = requires("referee", "organizer")

STATUS_LABELS = {"scheduled": "未进行", "scored": "待主裁判确认", "committed": "已确认"}
CARD_LABELS = {None: "无", "yellow": "黄牌", "red": "红牌"}
WINNER_LABELS = {"red": "红方胜", "blue": "蓝方胜", "tie": "平局"}
SIDES = ("red", "blue")


def _base(event_id: int, code: str) -> str:
    return f"/referee/{event_id}/{code}/matches/"


async def home_links(user: Any, challenges: list[dict[str, Any]]) -> None:
    """The referee's home page: a link to the match list of each challenge that has matches."""
    with_matches = await refereeing.has_schedule([c["id"] for c in challenges if "id" in c])
    for c in challenges:
        if c.get("id") in with_matches:
            c["matches_url"] = _base(c["event_id"], c["code"])


def _messages() -> dict[str, str]:
    return {
        **run_pages.referee_messages(),
        "red": _("红方"),
        "blue": _("蓝方"),
        "winner_red": _("红方胜"),
        "winner_blue": _("蓝方胜"),
        "winner_tie": _("平局"),
        "winnerPending": _("两方都填完后显示胜负"),
        "redCardLoses": _("（红牌判负）"),
        "redCardTeams": _("（{teams} 红牌：本场不得积分）"),
        "cardFor": _("{team} 的判罚"),
        "listSep": list_separator(),
        "chooseMatch": _("请从比赛列表中选择一场比赛。"),
        "sent": _("已提交：红 {red} : 蓝 {blue}，等待主裁判确认"),
        "localWaiting": _("这场比赛的成绩保存在本机，尚未发送，请回到比赛列表查看。"),
        "matchLabel": _("第 {n} 场"),
        "fieldLabel": _("{n} 号场地"),
        "unsentCount": _("本机有 {n} 场成绩未发送"),
        "refusedCount": _("本机有 {n} 场成绩被拒绝，请查看原因后删除"),
        "unsentAndRefused": _("本机有 {n} 场成绩未发送，{m} 场被拒绝"),
        "discardConfirm": _("确定删除本机保存的这一场成绩？它没有提交到服务器。"),
        "discard": _("删除本机这一场"),
        "noMatch": _("没有符合条件的比赛。"),
    }


def _team_names(teams: dict[int, dict[str, Any]], ids: list[int]) -> list[dict[str, Any]]:
    return [{"id": t, **teams.get(t, {"code": "", "title": str(t), "school_name": ""})} for t in ids]


def _list_rows(found: dict[str, Any]) -> list[dict[str, Any]]:
    """The matches as the list shows them: the matches to play first (in play order), then the
    played ones, the latest first."""
    teams = found["teams"]
    rows = []
    for m in found["matches"]:
        sides = {
            side: [{**t, "surrogate": t["id"] in m["surrogates"]} for t in _team_names(teams, m[side]["teams"])]
            for side in SIDES
        }
        words = " ".join(f"{t['code']} {t['title']}" for side in SIDES for t in sides[side]).lower()
        rows.append(
            {**m, "sides": sides, "search": f"{m['number']} {words}", "status_label": _(STATUS_LABELS[m["status"]])}
        )
    to_play = [r for r in rows if r["status"] == "scheduled"]
    played = sorted((r for r in rows if r["status"] != "scheduled"), key=lambda r: r["number"], reverse=True)
    return to_play + played


def _recorded_items(sheet_items: dict[str, sheets.Item], items: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (sheet_items[c].name if c in sheet_items else c, run_pages.shown_value(sheet_items.get(c), v))
        for c, v in (items or {}).items()
    ]


def _card_teams(
    teams: dict[int, dict[str, Any]], ids: list[int], surrogates: list[int], cards: dict[Any, str]
) -> list[dict[str, Any]]:
    """An alliance's teams with their own card (``cards``: entry id, or id as text, -> card)."""
    out = []
    for t in _team_names(teams, ids):
        card = cards.get(t["id"]) or cards.get(str(t["id"]))
        out.append(
            {**t, "surrogate": t["id"] in surrogates, "card": card, "card_label": _(CARD_LABELS[card]) if card else ""}
        )
    return out


def winner_label(winner: str | None, red_score: Any, blue_score: Any) -> str:
    """``红方胜`` / ``蓝方胜`` / ``平局``, with ``（红牌判负）`` when a disqualification decided it
    (the winner is not the side with the higher score)."""
    if not winner:
        return ""
    label = _(WINNER_LABELS.get(winner, winner))
    try:
        red, blue = Decimal(str(red_score)), Decimal(str(blue_score))
    except ArithmeticError:
        return label
    by_score = "red" if red > blue else "blue" if blue > red else "tie"
    return label + (_("（红牌判负）") if by_score != winner else "")


def _review_view(
    m: dict[str, Any], teams: dict[int, dict[str, Any]], sheet_items: dict[str, sheets.Item]
) -> dict[str, Any]:
    confirmation_labels = run_pages.CONFIRMATION_LABELS
    return {
        **m,
        "status_label": _(STATUS_LABELS[m["status"]]),
        "winner_label": winner_label(m["winner"], m["red"]["score"], m["blue"]["score"]),
        "sides": {
            side: {
                **m[side],
                "teams": _card_teams(teams, m[side]["teams"], m["surrogates"], m[side].get("cards") or {}),
                "card_label": _(CARD_LABELS.get(m[side]["card"], CARD_LABELS[None])),
                "item_rows": _recorded_items(sheet_items, m[side]["items"]),
                "confirmation_label": _(confirmation_labels.get(m[side]["confirmation"], confirmation_labels[None])),
            }
            for side in SIDES
        },
    }


class MatchRefereePages(Controller):
    path = "/referee"
    include_in_schema = False
    guards = [referees_and_organizers]

    @get("/{event_id:int}/{code:str}/matches/")
    async def matches(self, request: Request, event_id: int, code: str) -> Any:
        user = user_of(request)
        found = await refereeing.referee_matches(user, event_id, code)
        base = _base(event_id, found["challenge"]["code"])
        return render(
            request,
            "judging/matches/referee_matches.html",
            found=found,
            rows=_list_rows(found),
            base=base,
            data={
                "userId": user.id,
                "eventId": event_id,
                "code": found["challenge"]["code"],
                "base": base,
                "messages": _messages(),
            },
        )

    @get("/{event_id:int}/{code:str}/matches/score")
    async def score_form(self, request: Request, event_id: int, code: str) -> Any:
        """The match form. The match comes from the query (``?match=``), read by the page script:
        the service worker keeps one copy of this page per challenge for every match offline."""
        user = user_of(request)
        found = await refereeing.referee_matches(user, event_id, code)
        source = {k: v for k, v in found["sheet"].items() if k != "version"}
        sheet = sheets.parse_sheet(source)
        sheet_items = {i.code: i for i in sheet.items}
        base = _base(event_id, found["challenge"]["code"])
        teams = found["teams"]
        matches = []
        for m in found["matches"]:
            view = _review_view(m, teams, sheet_items)
            matches.append(
                {
                    "id": m["id"],
                    "number": m["number"],
                    "field": m["field"],
                    "scheduled_at": m["scheduled_at"],
                    "status": m["status"],
                    "stage": m["stage"],
                    "statusLabel": view["status_label"],
                    "version": m["version"],
                    "winnerLabel": view["winner_label"],
                    "by": m[
                        "scored_by"
                    ],  # who recorded the score (the head referee who committed it is not its recorder)
                    "sides": {
                        side: {
                            "teams": [
                                {"id": t["id"], "code": t["code"], "title": t["title"], "surrogate": t["surrogate"]}
                                for t in view["sides"][side]["teams"]
                            ],
                            "score": m[side]["score"],
                            "card": view["sides"][side]["card_label"],
                            "items": view["sides"][side]["item_rows"],
                        }
                        for side in SIDES
                    },
                }
            )
        data = {
            "userId": user.id,
            "eventId": event_id,
            "code": found["challenge"]["code"],
            "base": base,
            "sheet": source,
            "sheetVersion": found["sheet"]["version"],
            "matches": matches,
            "messages": _messages(),
        }
        return render(
            request,
            "judging/matches/referee_match.html",
            found=found,
            base=base,
            items=[i for i in run_pages.item_views(sheet) if not i["variants"]],
            bonuses=sheet.bonuses,
            data=data,
        )

    @post("/matches/{match_id:int}/score")
    async def submit(self, request: Request, match_id: int) -> Response:
        """The match form's submission (session cookie and ``x-csrftoken``): the body of ``PUT
        /api/v1/matches/{id}/score`` with ``client_score_id`` and ``base_version``, answered like
        it (200 ``{"red_score", "blue_score", "winner"}``; 409 naming who scored it, 422 naming the item)."""
        try:
            body = await request.json()
        except Exception:  # noqa: BLE001 - any unreadable body
            body = None
        if not isinstance(body, dict) or not all(isinstance(body.get(s), dict) for s in SIDES):
            return json_response({"status_code": 400, "detail": _("请求格式不正确。"), "extra": None}, 400)
        try:
            answer = await services.score_match(user_of(request), match_id, body)
        except ServiceError as exc:
            extra = exc.extra if exc.extra is not None else ({"errors": exc.errors} if exc.errors else None)
            return json_response(
                {"status_code": exc.status_code, "detail": exc.message, "extra": extra}, exc.status_code
            )
        return json_response(answer, 200)

    @get("/{event_id:int}/{code:str}/matches/review")
    async def review(self, request: Request, event_id: int, code: str, status: str | None = None) -> Any:
        status = status if status in ("scored", "committed", "all") else "scored"
        found = await refereeing.matches_for_review(
            user_of(request), event_id, code, None if status == "all" else status
        )
        sheet_items = run_pages.items_of(found["sheet"])
        return render(
            request,
            "judging/matches/referee_review.html",
            challenge=found["challenge"],
            base=_base(event_id, found["challenge"]["code"]),
            matches=[_review_view(m, found["teams"], sheet_items) for m in found["matches"]],
            status=status,
        )

    @post("/{event_id:int}/{code:str}/matches/review/commit")
    async def commit(self, request: Request, event_id: int, code: str) -> Any:
        form = await request.form()
        ids = [int(v) for v in form.getall("match_id", []) if isinstance(v, str) and v.strip().isdigit()]
        user = user_of(request)
        found = await refereeing.matches_for_review(user, event_id, code, "scored")
        base = _base(event_id, found["challenge"]["code"])
        if not ids:
            flash(request, _("请至少选择一场比赛。"), "error")
            return redirect(base + "review")
        waiting = {m["id"] for m in found["matches"]}
        committed = 0
        for match_id in ids:
            if match_id not in waiting:
                continue  # another challenge's match, or committed meanwhile
            try:
                await services.commit_match(user, match_id)
                committed += 1
            except ServiceError as exc:
                flash(request, exc.message, "error")
        if committed:
            flash(request, _("已确认 {n} 场比赛的成绩，排名已更新。", n=committed))
        return redirect(base + "review")

    async def _match_page(self, request: Request, match_id: int, status_code: int = 200, **extra: Any) -> Any:
        user = user_of(request)
        match = await refereeing.match_for_page(user, match_id)
        sheet_items = run_pages.items_of(match["sheet"])
        sheet = sheets.parse_sheet({k: v for k, v in (match["sheet"] or {}).items() if k != "version"})
        view = _review_view(match, match["teams"], sheet_items)
        versions = []
        for v in match["history"]:
            versions.append(
                {
                    **v,
                    "winner_label": winner_label(v["winner"], v["red"].get("score"), v["blue"].get("score")),
                    "sides": {
                        side: {
                            "score": v[side].get("score", ""),
                            "teams": _card_teams(
                                match["teams"],
                                match[side]["teams"],
                                match["surrogates"],
                                _version_cards(v, match, side),
                            ),
                            "item_rows": _recorded_items(sheet_items, v[side].get("items") or {}),
                        }
                        for side in SIDES
                    },
                }
            )
        values = extra.pop("values", None) or {
            side: {c: run_pages.value_text(v) for c, v in (match[side]["items"] or {}).items()} for side in SIDES
        }
        cards = extra.pop("cards", None) or {
            str(t): (match[side]["cards"].get(t) or "") for side in SIDES for t in match[side]["teams"]
        }
        can_edit = match["status"] != "committed" or match["head"]
        return render(
            request,
            "judging/matches/referee_match_detail.html",
            status_code=status_code,
            match=view,
            versions=versions,
            items=[i for i in run_pages.item_views(sheet) if not i["variants"]],
            values=values,
            cards=cards,
            can_edit=can_edit,
            base=_base(match["event_id"], match["category_code"]),
            **extra,
        )

    @get("/matches/{match_id:int}")
    async def detail(self, request: Request, match_id: int) -> Any:
        return await self._match_page(request, match_id)

    @post("/matches/{match_id:int}")
    async def correct(self, request: Request, match_id: int) -> Any:
        user = user_of(request)
        match = await refereeing.match_for_page(user, match_id)
        sheet = sheets.parse_sheet({k: v for k, v in (match["sheet"] or {}).items() if k != "version"})
        form = await request.form()
        values: dict[str, dict[str, str]] = {side: {} for side in SIDES}
        body: dict[str, Any] = {}
        cards = {str(t): form_value(form, f"card_{t}") for side in SIDES for t in match[side]["teams"]}
        for side in SIDES:
            items: dict[str, Any] = {}
            for item in sheet.items:
                if item.variants:
                    continue
                text = form_value(form, f"{side}_{item.code}")
                values[side][item.code] = text
                items[item.code] = {"yes": True, "no": False}.get(text, text) if item.type == "yesno" else text
            stored = match[side]
            body[side] = {
                "items": items,
                "confirmation": stored["confirmation"],
                "confirmation_note": stored["confirmation_note"],
            }
        body["cards"] = {team: card or None for team, card in cards.items()}
        reason = form_value(form, "reason")
        version_text = form_value(form, "base_version")
        body["reason"] = reason
        body["base_version"] = int(version_text) if version_text.isdigit() else None
        try:
            await services.score_match(user, match_id, body)
        except ServiceError as exc:
            return await self._match_page(
                request,
                match_id,
                status_code=exc.status_code,
                values=values,
                cards=cards,
                reason=reason,
                error=exc.message,
                errors={str(e.get("field")): e.get("message") for e in exc.errors},
            )
        flash(request, _("比赛成绩已更正，旧版本已保留。"))
        return redirect(f"/referee/matches/{match_id}")


def _version_cards(version: dict[str, Any], match: dict[str, Any], side: str) -> dict[Any, str]:
    """The cards one stored version gave the teams of ``side``: its per-team ``cards``, or (a
    version stored before per-team cards) its alliance ``card`` for every team."""
    stored = version[side]
    if "cards" in stored:
        return dict(stored["cards"] or {})
    card = stored.get("card")
    return {t: card for t in match[side]["teams"]} if card else {}


def page_routes() -> list[Any]:
    return [MatchRefereePages]
