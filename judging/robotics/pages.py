"""Referee tablet pages (issue 13 item 3), under ``/referee/``.

- ``/referee/``: the referee's challenges (organizers: every robotics challenge).
- ``/referee/{event}/{code}/``: the queue for the referee's table: approved teams by round,
  each round's drawn task (recorded here once), each team's run per round (not yet / submitted /
  approved), searchable by team name or code; runs waiting on the tablet are shown as unsent.
- ``/referee/{event}/{code}/run?entry=&round=``: the run form. Every item is answered actively
  (nothing defaults to zero), the live total is computed in the browser as
  :func:`judging.robotics.sheets.score_run` computes it (``app/static/referee.js``), the team
  captain confirms on the tablet (or the referee records that they refused), and the run goes
  through the shared offline outbox to ``POST /referee/runs`` (the same service as
  ``POST /api/v1/runs``).
- ``/referee/{event}/{code}/review``: the head referee's approval page (approve one or several).
- ``/referee/runs/{id}``: one run with every version; corrections (a reason once approved).
- ``/referee/sw.js``: the service worker (``app/static/referee-sw.js``) that opens the queue
  and the run form without the network once they were opened online.

Referees see team codes, team names and schools only (never members' personal data).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from litestar import Controller, Request, Response, get, post

from app.errors import ServiceError
from app.i18n import _
from app.web import flash, form_value, redirect, render, user_of, worker_script
from app.web.auth import requires
from judging.robotics import services as robotics
from judging.robotics import sheets
from judging.scoring.views import json_response

referees_and_organizers = requires("referee", "organizer")

STATUS_LABELS = {"none": "未记录", "submitted": "待审核", "approved": "已审核"}
CONFIRMATION_LABELS = {"confirmed": "队长已确认", "refused": "队长拒绝确认", None: "未请队长确认"}
TYPE_LABELS = {"count": "计数", "yesno": "是/否", "choice": "选择", "time": "用时"}


#: what other capabilities add to the challenges on the referee's home page (judging.matches: a
#: link to the match list); each provider gets the user and the challenges and adds keys to them
HomeProvider = Callable[[Any, list[dict[str, Any]]], Awaitable[None]]
_home_providers: list[HomeProvider] = []


def add_home_provider(provider: HomeProvider) -> None:
    if provider not in _home_providers:
        _home_providers.append(provider)


def _base(event_id: int, code: str) -> str:
    return f"/referee/{event_id}/{code}"


def _number_text(value: Any) -> str:
    """A sheet number as written, without trailing zeros (``"10.0"`` -> ``"10"``)."""
    number = sheets._number(value)
    if number is None:
        return ""
    text = format(number.normalize(), "f") if number == number.to_integral_value() else format(number, "f")
    return text


def item_views(sheet: sheets.Sheet) -> list[dict[str, Any]]:
    """What the run form draws for each item (in sheet order)."""
    views = []
    for item in sheet.items:
        limit = item.maximum if item.maximum is not None else sheet.time_limit
        views.append(
            {
                "code": item.code,
                "name": item.name,
                "type": item.type,
                "type_label": _(TYPE_LABELS[item.type]),
                "min": _number_text(item.minimum),
                "max": _number_text(item.maximum) if item.maximum is not None else "",
                "limit": _number_text(limit) if limit is not None else "",
                "points": _number_text(item.points),
                "penalty": item.points < 0,
                "options": [{"value": o.value, "name": o.name, "points": _number_text(o.points)} for o in item.options],
                "requires": {"item": item.requires[0], "at_least": _number_text(item.requires[1])}
                if item.requires
                else None,
                "requires_name": sheet.item(item.requires[0]).name if item.requires else "",
                "requires_type": sheet.item(item.requires[0]).type if item.requires else "",
                "variants": list(item.variants),
            }
        )
    return views


def referee_messages() -> dict[str, str]:
    return {
        "unanswered": _("还有 {n} 项未填写"),
        "answered": _("各项均已填写"),
        "needDraw": _("请先记录本轮抽到的方案"),
        "outOfRange": _("“{name}”的值 {value} 超出范围 {min}–{max}。"),
        "overLimit": _("“{name}”{value} 秒超过时间限制 {limit} 秒。"),
        "notNumber": _("“{name}”必须填写数字。"),
        "notInteger": _("“{name}”必须是整数。"),
        "notCounted": _("前提未满足，不计分"),
        "queued": _("未发送，联网后自动提交"),
        "sending": _("正在提交…"),
        "sent": _("已提交：{score} 分，等待主裁判审核"),
        "sentNow": _("已补发"),
        "conflict": _("冲突：{detail}"),
        "rejected": _("未被接受：{detail}"),
        "auth": _("登录已过期：成绩保存在本机，重新登录后自动提交"),
        "unsent": _("本机有 {n} 轮成绩未发送"),
        "allSent": _("本机成绩均已发送"),
        "discard": _("删除本机这一轮"),
        "discardConfirm": _("确定删除本机保存的这一轮成绩？它没有提交到服务器。"),
        "chooseTeam": _("请从队列中选择队伍和轮次。"),
        "alreadyRecorded": _("该队这一轮已有成绩。"),
        "recordedBy": _("{name} 记录"),
        "localWaiting": _("该队这一轮的成绩保存在本机，尚未发送，请回到队列查看。"),
        "seconds": _("{s} 秒"),
        "refused": _("被服务器拒绝：{detail}"),
        "refusedCount": _("本机有 {n} 轮成绩被拒绝，请查看原因后删除"),
        "unsentCount": _("本机有 {n} 轮成绩未发送"),
        "unsentAndRefused": _("本机有 {n} 轮成绩未发送，{m} 轮被拒绝"),
        "online": _("网络已恢复。"),
        "localRun": _("本机未发送"),
        "localConflict": _("冲突"),
        "noMatch": _("没有符合条件的队伍。"),
        "refusedNote": _("拒绝确认的说明（选填）"),
        "roundLabel": _("第 {round} 轮"),
        "rejectedShort": _("未被接受"),
    }


class RefereePages(Controller):
    path = "/referee"
    include_in_schema = False

    @get("/sw.js")
    async def service_worker(self) -> Response:
        """The referee pages' service worker (scope ``/referee/``). Public like ``/static``."""
        return worker_script("referee-sw.js")

    @get("/", guards=[referees_and_organizers])
    async def home(self, request: Request) -> Any:
        challenges = await robotics.my_challenges(user_of(request))
        for provider in _home_providers:
            await provider(user_of(request), challenges)
        events: dict[int, dict[str, Any]] = {}
        for c in challenges:
            events.setdefault(c["event_id"], {"id": c["event_id"], "name": c["event_name"], "challenges": []})[
                "challenges"
            ].append(c)
        return render(request, "judging/robotics/referee_home.html", events=list(events.values()))

    async def _queue_page(
        self, request: Request, event_id: int, code: str, status_code: int = 200, **extra: Any
    ) -> Any:
        user = user_of(request)
        queue = await robotics.referee_queue(user, event_id, code)
        sheet = sheets.parse_sheet({k: v for k, v in queue["sheet"].items() if k != "version"})
        base = _base(event_id, queue["challenge"]["code"])
        return render(
            request,
            "judging/robotics/referee_queue.html",
            status_code=status_code,
            queue=queue,
            base=base,
            variants=[{"code": c, "name": n} for c, n in sheet.variants],
            status_labels={k: _(v) for k, v in STATUS_LABELS.items()},
            data={
                "userId": user.id,
                "eventId": event_id,
                "code": queue["challenge"]["code"],
                "base": base,
                "messages": referee_messages(),
            },
            **extra,
        )

    @get("/{event_id:int}/{code:str}/", guards=[referees_and_organizers])
    async def queue(self, request: Request, event_id: int, code: str) -> Any:
        return await self._queue_page(request, event_id, code)

    @post("/{event_id:int}/{code:str}/draw", guards=[referees_and_organizers])
    async def draw(self, request: Request, event_id: int, code: str) -> Any:
        form = await request.form()
        round_text, variant = form_value(form, "round"), form_value(form, "variant")
        try:
            drawn = await robotics.record_draw(user_of(request), event_id, code, round_text, variant)
        except ServiceError as exc:
            return await self._queue_page(
                request,
                event_id,
                code,
                status_code=exc.status_code,
                draw_error={"round": round_text, "message": exc.message},
            )
        flash(request, _("第 {round} 轮抽签结果已记录：{variant}", round=drawn["round"], variant=drawn["variant"]))
        return redirect(_base(event_id, code.upper()) + "/")

    @get("/{event_id:int}/{code:str}/run", guards=[referees_and_organizers])
    async def run_form(self, request: Request, event_id: int, code: str) -> Any:
        """The run form. The team and round come from the query (``?entry=&round=``), read by the
        page script too: the service worker keeps one copy of this page per challenge, which then
        serves every team and round offline."""
        user = user_of(request)
        queue = await robotics.referee_queue(user, event_id, code)
        version = queue["sheet"]["version"]
        source = {k: v for k, v in queue["sheet"].items() if k != "version"}
        sheet = sheets.parse_sheet(source)
        base = _base(event_id, queue["challenge"]["code"])
        by_code = {i.code: i for i in sheet.items}
        status_labels = {k: _(v) for k, v in STATUS_LABELS.items()}

        def recorded(run: dict[str, Any]) -> dict[str, Any]:
            """A recorded run as the form shows it instead of an empty form."""
            return {
                "id": run["id"],
                "status": run["status"],
                "statusLabel": status_labels.get(run["status"], run["status"]),
                "by": run["by"],
                "score": run["score"],
                "time": _number_text(run["time_seconds"]) if run.get("time_seconds") else "",
                "confirmation": _(CONFIRMATION_LABELS.get(run["confirmation"], CONFIRMATION_LABELS[None])),
                "items": [
                    [by_code[c].name if c in by_code else c, shown_value(by_code.get(c), v)]
                    for c, v in (run.get("items") or {}).items()
                ],
            }

        teams = [
            {
                "entry_id": t["entry_id"],
                "code": t["code"],
                "title": t["title"],
                "school_name": t["school_name"],
                "runs": {str(r): recorded(run) for r, run in t["runs"].items()},
            }
            for t in queue["teams"]
        ]
        data = {
            "userId": user.id,
            "eventId": event_id,
            "code": queue["challenge"]["code"],
            "base": base,
            "submitUrl": "/referee/runs",
            "sheet": source,
            "sheetVersion": version,
            "draws": {str(r): d for r, d in queue["draws"].items()},
            "teams": teams,
            "messages": referee_messages(),
        }
        return render(
            request,
            "judging/robotics/referee_run.html",
            queue=queue,
            base=base,
            items=item_views(sheet),
            variants=[{"code": c, "name": n} for c, n in sheet.variants],
            time_limit=_number_text(sheet.time_limit) if sheet.time_limit is not None else "",
            restrictions=sheet.restrictions,
            bonuses=sheet.bonuses,
            data=data,
        )

    @post("/runs", guards=[requires("referee")])
    async def submit(self, request: Request) -> Response:
        """The run form's submission (session cookie and ``x-csrftoken``): the body of
        ``POST /api/v1/runs``, answered like it (201 ``{"id", "score", "status"}``, 200 for a repeated
        ``client_run_id``, 409 naming who recorded the round, 422 naming the item)."""
        try:
            body = await request.json()
        except Exception:  # noqa: BLE001 - any unreadable body
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("items"), dict):
            return json_response({"status_code": 400, "detail": _("请求格式不正确。"), "extra": None}, 400)
        entry_id, round_number = body.get("entry_id"), body.get("round")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (entry_id, round_number)):
            return json_response({"status_code": 400, "detail": _("请求格式不正确。"), "extra": None}, 400)
        text = {k: (str(body[k]) if body.get(k) is not None else None) for k in ("client_run_id", "variant")}
        try:
            stored, created = await robotics.submit_run(
                user_of(request),
                robotics.RunInput(
                    entry_id=entry_id,
                    category_code=str(body.get("category_code") or ""),
                    round=round_number,
                    items=body["items"],
                    time_seconds=body.get("time_seconds"),
                    client_run_id=text["client_run_id"],
                    variant=text["variant"],
                    confirmation=body.get("confirmation"),
                    confirmation_note=body.get("confirmation_note"),
                ),
            )
        except ServiceError as exc:
            extra = exc.extra if exc.extra is not None else ({"errors": exc.errors} if exc.errors else None)
            return json_response(
                {"status_code": exc.status_code, "detail": exc.message, "extra": extra}, exc.status_code
            )
        return json_response(stored, 201 if created else 200)

    @get("/{event_id:int}/{code:str}/review", guards=[referees_and_organizers])
    async def review(self, request: Request, event_id: int, code: str, status: str | None = None) -> Any:
        status = status if status in ("submitted", "approved", "all") else "submitted"
        found = await robotics.runs_for_review(user_of(request), event_id, code, None if status == "all" else status)
        items = items_of(found["sheet"])
        runs = [
            {
                **r,
                "item_rows": [
                    (items[c].name if c in items else c, shown_value(items.get(c), v)) for c, v in r["items"].items()
                ],
                "confirmation_label": _(CONFIRMATION_LABELS.get(r["confirmation"], CONFIRMATION_LABELS[None])),
                "status_label": _(STATUS_LABELS[r["status"]]),
            }
            for r in found["runs"]
        ]
        return render(
            request,
            "judging/robotics/referee_review.html",
            challenge=found["challenge"],
            base=_base(event_id, found["challenge"]["code"]),
            runs=runs,
            status=status,
        )

    @post("/{event_id:int}/{code:str}/review/approve", guards=[referees_and_organizers])
    async def approve(self, request: Request, event_id: int, code: str) -> Any:
        form = await request.form()
        ids = [int(v) for v in form.getall("run_id", []) if isinstance(v, str) and v.strip().isdigit()]
        base = _base(event_id, code.upper())
        if not ids:
            flash(request, _("请至少选择一轮成绩。"), "error")
            return redirect(base + "/review")
        user = user_of(request)
        category = await robotics.challenge(event_id, code, user)
        approved = 0
        for run_id in ids:
            try:
                run = await robotics.run_for_page(user, run_id)
                if run["category_code"] != category["code"]:
                    continue  # a run of another challenge is not approved from this page
                await robotics.approve_run(user, run_id)
                approved += 1
            except ServiceError as exc:
                flash(request, exc.message, "error")
        if approved:
            flash(request, _("已审核 {n} 轮成绩。", n=approved))
        return redirect(base + "/review")

    async def _run_page(self, request: Request, run_id: int, status_code: int = 200, **extra: Any) -> Any:
        user = user_of(request)
        run = await robotics.run_for_page(user, run_id)
        history = await robotics.run_history(user, run_id)
        sheet = sheets.parse_sheet(run["sheet"])
        names = {i.code: i.name for i in sheet.items}
        by_code = {i.code: i for i in sheet.items}
        versions = []
        previous: dict[str, Any] | None = None
        for v in history:
            changed = []
            if previous is not None:
                for code in dict.fromkeys([*previous["items"], *v["items"]]):
                    old, new = previous["items"].get(code), v["items"].get(code)
                    if value_text(old) != value_text(new):  # "1" (stored by older versions) is 1
                        item = by_code.get(code)
                        changed.append((names.get(code, code), shown_value(item, old), shown_value(item, new)))
            versions.append({**v, "changed": changed, "old_score": previous["score"] if previous else ""})
            previous = v
        playing = [i for i in item_views(sheet) if not i["variants"] or run["variant"] in i["variants"]]
        values = extra.pop("values", None) or {c: value_text(v) for c, v in run["items"].items()}
        can_edit = run["status"] != "approved" or run["head"]
        return render(
            request,
            "judging/robotics/referee_run_detail.html",
            status_code=status_code,
            run=run,
            versions=versions,
            items=playing,
            values=values,
            can_edit=can_edit,
            base=_base(run["event_id"], run["category_code"]),
            status_label=_(STATUS_LABELS[run["status"]]),
            confirmation_label=_(CONFIRMATION_LABELS.get(run["confirmation"], CONFIRMATION_LABELS[None])),
            **extra,
        )

    @get("/runs/{run_id:int}", guards=[referees_and_organizers])
    async def run_detail(self, request: Request, run_id: int) -> Any:
        return await self._run_page(request, run_id)

    @post("/runs/{run_id:int}", guards=[referees_and_organizers])
    async def correct(self, request: Request, run_id: int) -> Any:
        user = user_of(request)
        run = await robotics.run_for_page(user, run_id)
        form = await request.form()
        sheet = sheets.parse_sheet(run["sheet"])
        values: dict[str, str] = {}
        items: dict[str, Any] = {}
        for item in sheet.items:
            if item.variants and run["variant"] not in item.variants:
                continue
            text = form_value(form, f"item_{item.code}")
            values[item.code] = text
            if item.type == "yesno":
                items[item.code] = {"yes": True, "no": False}.get(text, text)
            else:
                items[item.code] = text
        reason = form_value(form, "reason")
        try:
            await robotics.change_run(user, run_id, {"items": items, "reason": reason})
        except ServiceError as exc:
            return await self._run_page(
                request,
                run_id,
                status_code=exc.status_code,
                values=values,
                reason=reason,
                error=exc.message,
                errors={str(e.get("field")): e.get("message") for e in exc.errors},
            )
        flash(request, _("成绩已更正，旧版本已保留。"))
        return redirect(f"/referee/runs/{run_id}")


def shown_value(item: sheets.Item | None, value: Any) -> str:
    """An item's recorded value as a referee reads it: 是/否 for yes/no items, the option's name
    for choices, seconds for the time; the raw value for an item the sheet no longer has."""
    if value is None:
        return ""
    if item is not None and item.type == "yesno":
        if value is True or value == "yes":
            return _("是")
        if value is False or value == "no":
            return _("否")
    if item is not None and item.type == "choice":
        option = next((o for o in item.options if o.value == value), None)
        if option is not None:
            return option.name or option.value
    if item is not None and item.type == "time":
        return _("{s} 秒", s=value_text(value))
    return value_text(value)


def items_of(sheet_source: dict[str, Any] | None) -> dict[str, sheets.Item]:
    """The sheet's items by code (none when the sheet cannot be read)."""
    if not sheet_source:
        return {}
    try:
        parsed = sheets.parse_sheet({k: v for k, v in sheet_source.items() if k != "version"})
    except Exception:  # noqa: BLE001 - an unreadable stored sheet shows raw values
        return {}
    return {i.code: i for i in parsed.items}


def value_text(value: Any) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if value is None:
        return ""
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    return str(value)


def page_routes() -> list[Any]:
    return [RefereePages]
