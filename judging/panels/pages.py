"""Panel pages: an event's judges and conflicts, assignment board, printed score sheets; the judge's own tablet pages (my entries, an entry, the score form with its offline outbox)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from litestar import Controller, Request, Response, get, post, put

from app.accounts import services as accounts
from app.errors import Conflict, NotFound, ServiceError
from app.i18n import _, colon, list_separator
from app.schools import services as schools
from app.times import local_now
from app.web import attempt, flash, form_int, form_value, render, size_text, user_of, worker_script
from app.web.auth import organizer_only, requires
from competitions.events import services as events
from competitions.events.kinds import kind_of
from competitions.events.lifecycle import Stage
from competitions.registration import documents as entry_documents
from competitions.registration import services as registration
from judging.panels import assignments
from judging.panels import services as panels
from judging.rounds import services as rounds
from judging.rounds import settings as judging_settings
from judging.rounds.states import RoundState
from judging.scoring import rubric
from judging.scoring import services as scoring
from judging.scoring.rules import score_text
from judging.scoring.views import (
    SHEET_STATUS_LABELS,
    back_to,
    entry_ids_by_code,
    event_context,
    json_response,
    judge_only,
    judging_page,
    number_text,
    point_buttons,
    split_list,
)


def _judges_per_category(judges: list[dict[str, Any]]) -> str:
    """How many judges each category has, in words ("PH 2 位、EN 1 位"), in code order."""
    counts: dict[str, int] = {}
    for judge in judges:
        for code in judge["category_codes"]:
            counts[code] = counts.get(code, 0) + 1
    return list_separator().join(_("{code} {n} 位", code=code, n=n) for code, n in sorted(counts.items()))


class PanelPages(Controller):
    path = "/events/{event_id:int}/judging"
    include_in_schema = False
    guards = [organizer_only]

    @get("/judges")
    async def judges(self, request: Request, event_id: int, edit: int | None = None) -> Any:
        org = user_of(request)
        judges = await panels.list_judges(event_id)
        categories = await events.list_categories(event_id)
        school_rows = await schools.list_schools(org)
        school_codes = {s["id"]: s["code"] for s in school_rows}
        entry_codes = await entry_ids_by_code(org, event_id)
        code_of_entry = {v: k for k, v in entry_codes.items()}
        accounts_ = [u for u in await accounts.list_users() if u["role"] == "judge"]
        on_event = {j["user_id"] for j in judges}
        for j in judges:
            j["conflict_entry_codes"] = [code_of_entry.get(e, str(e)) for e in j["conflict_entries"] or []]
            j["conflict_school_codes"] = [school_codes.get(s, str(s)) for s in j["conflict_schools"] or []]
        form: dict[str, Any] = {"category_codes": []}
        editing = next((j for j in judges if j["user_id"] == edit), None)
        if editing:
            school_code = next((s["code"] for s in school_rows if s["name"] == editing["school_name"]), "")
            form = {
                "username": editing["username"],
                "category_codes": editing["category_codes"],
                "school_code": school_code,
                "city": editing["city"] or "",
                "conflict_entries": "、".join(editing["conflict_entry_codes"]),
                "conflict_schools": "、".join(editing["conflict_school_codes"]),
                "conflict_advisers": "、".join(editing["conflict_advisers"] or []),
            }
        event_row = await events.get_event_row(event_id)
        return await judging_page(
            request,
            event_id,
            "panels/judges.html",
            "judges",
            judges=judges,
            categories=categories,
            schools=school_rows,
            cities=schools.HAINAN_CITIES,
            judge_accounts=accounts_,
            on_event=on_event,
            form=form,
            editing=editing,
            city_conflict=event_row["judge_city_conflict"],
            blind_review=await judging_settings.blind_review(event_id),
        )

    @post("/judges/blind")
    async def blind(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        on = form_value(form, "blind_review") == "true"
        await attempt(
            request,
            judging_settings.update_settings(user_of(request), event_id, {"blind_review": on}),
            _("已开启盲评：评委看不到作品的学校和市县。") if on else _("已关闭盲评。"),
        )
        return back_to(event_id, "/judges")

    @post("/judges")
    async def add_judge(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        org = user_of(request)
        codes = split_list(form_value(form, "conflict_entries"))
        entry_codes = await entry_ids_by_code(org, event_id) if codes else {}
        unknown = [c for c in codes if c.upper() not in entry_codes]
        if unknown:
            flash(request, _("找不到这些作品编号：{codes}。", codes="、".join(unknown)), "error")
            return back_to(event_id, "/judges")
        data = {
            "username": form_value(form, "username"),
            "category_codes": [c for c in form.getall("category_codes", []) if isinstance(c, str)],
            "school_code": form_value(form, "school_code") or None,
            "city": form_value(form, "city") or None,
            "conflict_entries": [entry_codes[c.upper()] for c in codes],
            "conflict_schools": split_list(form_value(form, "conflict_schools")),
            "conflict_advisers": split_list(form_value(form, "conflict_advisers")),
        }
        try:
            judge = await panels.add_judge(org, event_id, data)
        except ServiceError as exc:
            flash(request, exc.message, "error")
        else:
            flash(request, _("评委 {name} 已保存。", name=judge["display_name"] or judge["username"]))
        return back_to(event_id, "/judges")

    @post("/judges/{user_id:int}/remove")
    async def remove_judge(self, request: Request, event_id: int, user_id: int) -> Any:
        await attempt(
            request,
            panels.remove_judge(user_of(request), event_id, user_id),
            _("已将该评委移出本赛事。已有的分配和评分仍保留，请重新生成分配。"),
        )
        return back_to(event_id, "/judges")

    @get("/assignments")
    async def assignments_page(
        self, request: Request, event_id: int, k: int | None = None, judge: int | None = None
    ) -> Any:
        k = k if k and 1 <= k <= 20 else None
        board = await assignments.assignment_board(event_id, k)
        selected = next((j for j in board["judges"] if j["judge_id"] == judge), None)
        if selected is None and board["judges"]:
            selected = next((j for j in board["judges"] if j["assigned"]), None)
        rows = await assignments.judge_board(event_id, selected["judge_id"]) if selected else []
        return await judging_page(
            request,
            event_id,
            "panels/assignments.html",
            "assignments",
            board=board,
            k=k,
            selected=selected,
            rows=rows,
            # before any assignment: how many judges each category has (the page invites to generate)
            judges_per_category=_judges_per_category(board["judges"]),
            # the shortfall follows the k in the form: before generating, only once a k is asked for
            show_shortfall=bool(board["shortfall"]) and bool(board["total"] or k),
            conflict_labels=assignments.CONFLICT_LABELS,
            status_labels=SHEET_STATUS_LABELS,
        )

    @post("/assignments/generate")
    async def generate(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        k = form_int(form, "judges_per_entry")
        try:
            result = await assignments.generate(user_of(request), event_id, k if k is not None else 0)
        except ServiceError as exc:
            flash(request, exc.message, "error")
            return back_to(event_id, "/assignments")
        short = len(result["unassigned_entries"])
        flash(
            request,
            _("已生成分配：共 {n} 条分配。", n=result["assignments"])
            + (_("有 {u} 个作品评委不足，见下方说明。", u=short) if short else _("每个作品都有 {k} 位评委。", k=k)),
            "warning" if short else "success",
        )
        return back_to(event_id, f"/assignments?k={k}")

    @post("/assignments/{assignment_id:int}/move")
    async def move(self, request: Request, event_id: int, assignment_id: int) -> Any:
        form = await request.form()
        target = form_int(form, "judge_id")
        back = form_value(form, "back")
        try:
            if target is None:
                raise NotFound(_("请选择要改派的评委。"))
            await assignments.move_assignment(user_of(request), assignment_id, target)
        except ServiceError as exc:
            flash(request, exc.message, "error")
        else:
            flash(request, _("已改派。"))
        return back_to(event_id, "/assignments" + (back if back.startswith("?") else ""))

    @get("/assignments/print")
    async def print_sheets(self, request: Request, event_id: int, judge: int | None = None) -> Any:
        sheets = await assignments.judge_sheets(event_id)
        if judge is not None:
            sheets = [s for s in sheets if s["judge_id"] == judge]
        category_ids = await events.category_ids(event_id)
        rubrics = await rubric.rubrics_by_category(event_id)
        for sheet in sheets:
            groups: dict[str, dict[str, Any]] = {}
            for e in sheet["entries"]:
                group = groups.setdefault(
                    e["category_code"],
                    {
                        "category_code": e["category_code"],
                        "entries": [],
                        "criteria": rubrics.get(category_ids.get(e["category_code"]), []),
                    },
                )
                group["entries"].append(e)
            sheet["groups"] = list(groups.values())
        categories = {c["code"]: c["name"] for c in await events.list_categories(event_id)}
        ctx = await event_context(event_id)
        return render(
            request,
            "judging/scoring/sheets.html",
            sheets=sheets,
            categories=categories,
            printed_at=local_now().strftime("%Y-%m-%d %H:%M"),
            number_text=number_text,
            **ctx,
        )


def _score_view(sheet: dict[str, Any]) -> dict[str, Any]:
    """What the page script needs of a score sheet (and what a 409 sends back)."""
    return {
        "criteria": sheet.get("criteria") or {},
        "comment": sheet.get("comment") or "",
        "version": sheet.get("version") or 0,
        "total": sheet.get("total") or "",
        "complete": bool(sheet.get("complete")),
        "locked": bool(sheet.get("locked")),
    }


class JudgePages(Controller):
    path = "/judging"
    include_in_schema = False

    @get("/sw.js")
    async def service_worker(self) -> Response:
        """The judge pages' service worker (``app/static/judge-sw.js``, scope ``/judging/``): the
        list and the entry pages open offline once the list was opened online. Public like ``/static``."""
        return worker_script("judge-sw.js")

    @get("/", guards=[requires("judge", "organizer")])
    async def index(self, request: Request) -> Any:
        user = user_of(request)
        if user.is_organizer:
            blocks = []
            for event in await events.list_events():
                if not kind_of(event["kind"]).judged:
                    continue
                ctx = await event_context(event["id"])
                blocks.append(
                    {
                        "event": ctx["event"],
                        "state": ctx["state"],
                        "state_label": ctx["state_label"],
                        "round_label": ctx["round_label"],
                        "progress": await scoring.progress(event["id"]),
                        "judges": len(await panels.list_judges(event["id"])),
                    }
                )
            return render(request, "judging/scoring/events.html", blocks=blocks)
        mine = await assignments.my_assignments(user)
        by_event: dict[int, dict[str, Any]] = {}
        for a in mine:
            block = by_event.get(a["event_id"])
            if block is None:
                event = await events.get_event(a["event_id"])
                block = by_event[a["event_id"]] = {
                    "event": event,
                    "entries": [],
                    "scored": 0,
                    "locked": RoundState.of(a["round_state"]).scores_locked,
                    "state": a["round_state"],
                    "state_label": _(Stage(event["stage"]).label),  # the event's real stage
                }
            block["entries"].append(
                {**a, "total_text": a["total"], "status_label": _(SHEET_STATUS_LABELS[a["status"]])}
            )
            block["scored"] += a["status"] == "scored"
        return render(
            request, "judging/scoring/my_entries.html", blocks=list(by_event.values()), status_labels=_status_labels()
        )

    @get("/entries/{entry_id:int}", guards=[judge_only])
    async def entry(self, request: Request, entry_id: int) -> Any:
        user = user_of(request)
        entry = await registration.get_entry(user, entry_id)
        sheet = await scoring.get_my_score(user, entry_id)
        event = await events.get_event(entry["event_id"])
        mine = [a for a in await assignments.my_assignments(user) if a["event_id"] == entry["event_id"]]
        position = next((i for i, a in enumerate(mine) if a["entry_id"] == entry_id), 0)
        docs = entry_documents
        documents: list[dict[str, Any]] = []
        if docs is not None:
            try:
                documents = [
                    {**d, "size_text": size_text(d.get("size")), "kind_text": d.get("kind_label") or d.get("kind")}
                    for d in await docs.list_documents(user, entry_id)
                ]
            except (NotImplementedError, ServiceError):
                documents = []
        criteria = [
            {
                **c,
                "buttons": point_buttons(c["max_points"]),
                "step": "0.5" if Decimal(c["max_points"]) <= 10 else "1",
                "weight_text": number_text(c["weight"]),
                "max_text": number_text(c["max_points"]),
            }
            for c in sheet["rubric"]
        ]
        max_total = number_text(sum((Decimal(c["weight"]) for c in sheet["rubric"]), Decimal(0)))
        data = {
            "entryId": entry_id,
            "userId": user.id,
            "url": f"/judging/entries/{entry_id}/score",
            "rubric": [
                {
                    "code": c["code"],
                    "name": c["name"],
                    "weight": number_text(c["weight"]),
                    "max_points": number_text(c["max_points"]),
                }
                for c in sheet["rubric"]
            ],
            "server": _score_view(sheet),
            "messages": _judge_messages(),
            "eventId": entry["event_id"],
            "decimals": event["score_decimals"],
        }
        return render(
            request,
            "judging/scoring/score.html",
            entry=entry,
            event=event,
            sheet=sheet,
            criteria=criteria,
            data=data,
            round_state=(await rounds.current_round(entry["event_id"]))["state"],
            max_total=max_total,
            total_text=score_text(sheet["total"], event["score_decimals"]),
            documents=documents,
            documents_enabled=docs is not None,
            students=[m for m in entry["members"] if m["role"] == "student"],
            position=position + 1,
            count=len(mine),
            scored=sum(1 for a in mine if a["status"] == "scored"),
            previous=mine[position - 1] if position > 0 else None,
            next=mine[position + 1] if position + 1 < len(mine) else None,
        )

    @get("/entries/{entry_id:int}/score", guards=[judge_only])
    async def get_score(self, request: Request, entry_id: int) -> Response:
        try:
            sheet = await scoring.get_my_score(user_of(request), entry_id)
        except ServiceError as exc:
            return json_response(
                {"status_code": exc.status_code, "detail": exc.message, "extra": exc.extra}, exc.status_code
            )
        return json_response(_score_view(sheet))

    @put("/entries/{entry_id:int}/score", guards=[judge_only])
    async def put_score(self, request: Request, entry_id: int) -> Response:
        """The scoring page's save: ``{"criteria": {code: points}, "comment", "version"}``
        (session cookie and ``x-csrftoken`` header). Answers like the JSON API; a 409 for
        a stale version carries the server's current sheet as ``server``."""
        user = user_of(request)
        try:
            body = await request.json()
        except Exception:  # noqa: BLE001 - any unreadable body
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("criteria"), dict):
            return json_response({"status_code": 400, "detail": _("请求格式不正确。"), "extra": None}, 400)
        version = body.get("version")
        if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
            return json_response({"status_code": 400, "detail": _("请求格式不正确。"), "extra": None}, 400)
        comment = body.get("comment")
        try:
            saved = await scoring.put_score(
                user, entry_id, body["criteria"], comment if isinstance(comment, str) else None, version
            )
        except ServiceError as exc:
            payload: dict[str, Any] = {"status_code": exc.status_code, "detail": exc.message, "extra": exc.extra}
            if isinstance(exc, Conflict):
                try:
                    payload["server"] = _score_view(await scoring.get_my_score(user, entry_id))
                    payload["progress"] = await _my_progress(user, entry_id)
                except ServiceError:
                    pass
            return json_response(payload, exc.status_code)
        saved["saved_at"] = local_now().strftime("%H:%M:%S")
        saved["progress"] = await _my_progress(user, entry_id)
        return json_response(saved)


async def _my_progress(user: Any, entry_id: int) -> dict[str, Any] | None:
    """The judge's progress in the entry's event after a save, so the pages update their
    "已评 x / y" counts from the answer: ``{"event_id", "scored", "assigned"}``."""
    mine = await assignments.my_assignments(user)
    event_id = next((a["event_id"] for a in mine if a["entry_id"] == entry_id), None)
    if event_id is None:
        return None
    in_event = [a for a in mine if a["event_id"] == event_id]
    return {
        "event_id": event_id,
        "scored": sum(1 for a in in_event if a["status"] == "scored"),
        "assigned": len(in_event),
    }


def _status_labels() -> dict[str, str]:
    return {key: _(label) for key, label in SHEET_STATUS_LABELS.items()}


def _judge_messages() -> dict[str, str]:
    return {
        "saved": _("已保存"),
        "savedAt": _("已保存 {time}"),
        "saving": _("正在保存…"),
        "pending": _("有改动，正在准备保存…"),
        "queued": _("未发送，联网后自动提交"),
        "queuedAuth": _("登录已过期：评分保存在本机，重新登录后自动提交"),
        "conflict": _("冲突：已在别处更新"),
        "serverVersion": _("服务器版本 {version}"),
        "conflictDetail": _("服务器上的版本 {version}，与您在本机的修改不同。请选择保留哪一份："),
        "useServer": _("使用服务器上的分数"),
        "keepMine": _("保留我的修改并重新提交"),
        "error": _("未保存"),
        "locked": _("评分已锁定"),
        "new": _("尚未评分"),
        "incomplete": _("还有 {n} 项未评"),
        "complete": _("各项均已评分"),
        "invalid": _("请输入 0 到 {max} 之间的数字，最多两位小数。"),
        "comment": _("评语"),
        "unsent": _("本机有未发送的评分"),
        "sentNow": _("已补发"),
        "conflictShort": _("冲突，请打开处理"),
        "login": _("重新登录"),
        "scoredCount": _("已评 {done}"),
        "unsentCount": _("（其中 {n} 个未发送）"),
        "colon": colon(),
        "paren": _("（{text}）"),
    }


def page_routes() -> list[Any]:
    return [PanelPages, JudgePages]
