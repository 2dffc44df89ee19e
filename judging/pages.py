"""Judging web pages.

- Organizer pages under ``/events/{event_id}/judging/...``: overview, rubric editor, judges,
  assignments (generate, move, printable sheets), live progress, consistency report,
  results (methods compared, award adjustments, recommendations), one entry's score sheets,
  publication (公示, objections, finalize, unlock), results workbook.
- Judge pages under ``/judging/...``: the judge's entries with progress and the tablet
  scoring page. The page keeps unsent scores on the device (``app/static/judge.js``) and
  sends them with ``PUT /judging/entries/{id}/score`` (session cookie + ``x-csrftoken``),
  which calls :func:`judging.scoring.services.put_score`: idempotent and versioned, so a late
  replay never overwrites a newer edit (409 with the server's current sheet).
- The public results page ``/results/{event_id}`` (no log-in; only once published;
  names masked without the guardian's consent, by :func:`judging.results.services.public_results`).

Thin controllers: parse the form, call the judging services (the same ones the JSON API
calls), render a template. The services check every action again.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from litestar import Controller, MediaType, Request, Response, get, post, put

from app.accounts import services as accounts
from app.schools import services as schools
from app.web.auth import organizer_only, requires
from app.errors import Conflict, NotFound, ServiceError
from app.i18n import _
from app.web import flash, form_int, form_value, redirect, render, user_of
from competitions.events import services as events
from competitions.registration import services as registration
from competitions.pages import SHANGHAI, _attachment, _documents_module, event_view, show_time, size_text
from judging.panels import assignments
from judging.panels import services as panels
from judging.results import publication
from judging.results import services as results
from judging.scoring import rounds
from judging.scoring import rubric
from judging.scoring import services as scoring
from judging.scoring.rules import round_half_up

judge_only = requires("judge")

METHOD_LABELS = {
    "mean": "平均分",
    "trimmed_mean": "去掉最高分和最低分后的平均分",
    "zscore": "按评委标准化（Z 分数）",
}
FLAG_LABELS = {
    "all_equal": "所有评分都相同",
    "far_from_panel": "与同组评委差异大",
    "few_scores": "评分少于 5 个（标准化不可靠）",
}
SHEET_STATUS_LABELS = {"pending": "未评", "draft": "未完成", "scored": "已评"}
OBJECTION_STATUS_LABELS = {"open": "待处理", "resolved": "已处理", "rejected": "不予支持"}
ROUND_KIND_LABELS = {"single": "评审", "preliminary": "初评", "final": "终评（答辩）"}
TABS = (
    ("overview", "概览", ""),
    ("rubric", "评分标准", "/rubric"),
    ("judges", "评委", "/judges"),
    ("assignments", "分配", "/assignments"),
    ("progress", "评分进度", "/progress"),
    ("consistency", "一致性", "/consistency"),
    ("results", "结果", "/results"),
    ("publication", "公示与定稿", "/publication"),
    ("certificates", "证书", "/certificates/"),
)


# --------------------------------------------------------------------------- small helpers


def two(value: Any) -> str:
    """A score shown to two decimals, half-up (``""`` for none)."""
    if value in (None, ""):
        return ""
    try:
        return str(round_half_up(Decimal(str(value)), 2))
    except (InvalidOperation, ValueError):
        return str(value)


def number_text(value: Any) -> str:
    """A decimal without trailing zeros (``"10.0"`` -> ``"10"``)."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    text = format(number.normalize(), "f")
    return text


def point_buttons(max_points: Any) -> list[str]:
    """The big point buttons of a criterion: every whole point up to 10, else about ten
    evenly spaced values (the +/- buttons and the number field give the rest)."""
    maximum = Decimal(str(max_points))
    if maximum <= 10 and maximum == maximum.to_integral_value():
        return [str(i) for i in range(int(maximum) + 1)]
    if maximum <= 10:
        return [str(i) for i in range(int(maximum) + 1)] + [number_text(maximum)]
    values = []
    for i in range(11):
        value = number_text(round_half_up(maximum * i / 10, 0))
        if value not in values:
            values.append(value)
    return values


def split_list(text: str) -> list[str]:
    """Items typed in one field, separated by commas, 、, semicolons, spaces or lines."""
    return [part for part in re.split(r"[\s,，、;；]+", text or "") if part]


def share_text(value: Any) -> str:
    try:
        return f"{Decimal(str(value)) * 100:.0f}%"
    except (InvalidOperation, ValueError):
        return str(value)


def json_response(data: Any, status_code: int = 200) -> Response:
    return Response(data, status_code=status_code, media_type=MediaType.JSON, headers={"cache-control": "no-store"})


async def _event_context(event_id: int) -> dict[str, Any]:
    event = event_view(await events.get_event(event_id))
    round_row = await rounds.current_round(event_id)
    return {"event": event, "round": round_row, "state": round_row["state"],
            "state_label": _(rounds.STATE_LABELS.get(round_row["state"], round_row["state"])),
            "round_label": _(ROUND_KIND_LABELS[round_row["kind"]]) if round_row["kind"] in ("preliminary", "final") else "",
            "tabs": TABS, "base": f"/events/{event_id}/judging"}


async def _page(request: Request, event_id: int, template: str, tab: str, status_code: int = 200, **context: Any) -> Any:
    ctx = await _event_context(event_id)
    return render(request, f"judging/{template}", status_code=status_code, tab=tab, **ctx, **context)


def _back(event_id: int, path: str = "") -> Any:
    return redirect(f"/events/{event_id}/judging{path}")


# --------------------------------------------------------------------------- organizer pages


class JudgingPages(Controller):
    path = "/events/{event_id:int}/judging"
    include_in_schema = False
    guards = [organizer_only]

    # ------------------------------------------------------------------ overview

    @get("/")
    async def overview(self, request: Request, event_id: int) -> Any:
        board = await assignments.assignment_board(event_id)
        prog = await results.progress(event_id)
        stored = None in await rubric.stored_scopes(event_id)
        criteria = await rubric.get_rubric(event_id)
        judges = await panels.list_judges(event_id)
        objections = await publication.list_objections(event_id)
        return await _page(request, event_id, "overview.html", "overview", board=board, progress=prog, criteria=criteria,
                           rubric_stored=stored, judges=judges, open_objections=[o for o in objections if o["status"] == "open"])

    # ------------------------------------------------------------------ rubric

    async def _rubric_page(self, request: Request, event_id: int, category: str, status_code: int = 200, **context: Any) -> Any:
        categories = await events.list_categories(event_id)
        ids = {c["code"]: c["id"] for c in categories}
        scopes = await rubric.stored_scopes(event_id)
        overrides = {c["code"]: c["id"] in scopes for c in categories}
        category = category.upper() if category.upper() in ids else ""
        criteria = await rubric.get_rubric(event_id, ids.get(category)) if category else await rubric.get_rubric(event_id)
        base_stored = None in scopes
        rows = context.pop("rows", None) or [{**c, "weight": number_text(c["weight"]), "max_points": number_text(c["max_points"])}
                                             for c in criteria]
        return await _page(request, event_id, "scoring/rubric.html", "rubric", status_code=status_code, categories=categories, category=category,
                           overrides=overrides, rows=rows, base_stored=base_stored,
                           uses_base=bool(category) and not overrides.get(category), **context)

    @get("/rubric")
    async def rubric_form(self, request: Request, event_id: int, category: str | None = None) -> Any:
        return await self._rubric_page(request, event_id, category or "")

    @post("/rubric")
    async def rubric_save(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        category = form_value(form, "category")
        fields = ("code", "name", "weight", "max_points", "description")
        columns = {f: [v.strip() if isinstance(v, str) else "" for v in form.getall(f, [])] for f in fields}
        count = max((len(v) for v in columns.values()), default=0)
        rows = []
        for i in range(count):
            row = {f: (columns[f][i] if i < len(columns[f]) else "") for f in fields}
            if any(row.values()):
                rows.append(row)
        try:
            await rubric.set_rubric(user_of(request), event_id, rows, category or None)
        except ServiceError as exc:
            return await self._rubric_page(request, event_id, category, status_code=exc.status_code, rows=rows, error=exc.message)
        flash(request, _("评分标准已保存。已有的评分不会丢失。") if not category else
              _("类别 {code} 的评分标准已保存。已有的评分不会丢失。", code=category.upper()))
        return _back(event_id, "/rubric" + (f"?category={category.upper()}" if category else ""))

    # ------------------------------------------------------------------ judges

    @get("/judges")
    async def judges(self, request: Request, event_id: int, edit: int | None = None) -> Any:
        org = user_of(request)
        judges = await panels.list_judges(event_id)
        categories = await events.list_categories(event_id)
        school_rows = await schools.list_schools(org)
        school_codes = {s["id"]: s["code"] for s in school_rows}
        entry_codes = await _entry_codes(org, event_id)
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
            form = {"username": editing["username"], "category_codes": editing["category_codes"], "school_code": school_code,
                    "city": editing["city"] or "", "conflict_entries": "、".join(editing["conflict_entry_codes"]),
                    "conflict_schools": "、".join(editing["conflict_school_codes"]),
                    "conflict_advisers": "、".join(editing["conflict_advisers"] or [])}
        event_row = await events.get_event_row(event_id)
        return await _page(request, event_id, "panels/judges.html", "judges", judges=judges, categories=categories, schools=school_rows,
                           cities=schools.HAINAN_CITIES, judge_accounts=accounts_, on_event=on_event, form=form, editing=editing,
                           city_conflict=event_row["judge_city_conflict"])

    @post("/judges")
    async def add_judge(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        org = user_of(request)
        codes = split_list(form_value(form, "conflict_entries"))
        entry_codes = await _entry_codes(org, event_id) if codes else {}
        unknown = [c for c in codes if c.upper() not in entry_codes]
        if unknown:
            flash(request, _("找不到这些作品编号：{codes}。", codes="、".join(unknown)), "error")
            return _back(event_id, "/judges")
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
        return _back(event_id, "/judges")

    @post("/judges/{user_id:int}/remove")
    async def remove_judge(self, request: Request, event_id: int, user_id: int) -> Any:
        try:
            await panels.remove_judge(user_of(request), event_id, user_id)
        except ServiceError as exc:
            flash(request, exc.message, "error")
        else:
            flash(request, _("已将该评委移出本赛事。已有的分配和评分仍保留，请重新生成分配。"))
        return _back(event_id, "/judges")

    # ------------------------------------------------------------------ assignments

    @get("/assignments")
    async def assignments_page(self, request: Request, event_id: int, k: int | None = None, judge: int | None = None) -> Any:
        k = k if k and 1 <= k <= 20 else None
        board = await assignments.assignment_board(event_id, k)
        selected = next((j for j in board["judges"] if j["judge_id"] == judge), None)
        if selected is None and board["judges"]:
            selected = next((j for j in board["judges"] if j["assigned"]), None)
        rows = await assignments.judge_board(event_id, selected["judge_id"]) if selected else []
        return await _page(request, event_id, "panels/assignments.html", "assignments", board=board, k=k, selected=selected, rows=rows,
                           conflict_labels=assignments.CONFLICT_LABELS, status_labels=SHEET_STATUS_LABELS)

    @post("/assignments/generate")
    async def generate(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        k = form_int(form, "judges_per_entry")
        try:
            result = await assignments.generate(user_of(request), event_id, k if k is not None else 0)
        except ServiceError as exc:
            flash(request, exc.message, "error")
            return _back(event_id, "/assignments")
        short = len(result["unassigned_entries"])
        flash(request, _("已生成分配：共 {n} 条分配。", n=result["assignments"]) + (
            _("有 {u} 个作品评委不足，见下方说明。", u=short) if short else _("每个作品都有 {k} 位评委。", k=k)),
            "warning" if short else "success")
        return _back(event_id, f"/assignments?k={k}")

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
        return _back(event_id, "/assignments" + (back if back.startswith("?") else ""))

    @get("/assignments/print")
    async def print_sheets(self, request: Request, event_id: int, judge: int | None = None) -> Any:
        sheets = await assignments.judge_sheets(event_id)
        if judge is not None:
            sheets = [s for s in sheets if s["judge_id"] == judge]
        category_ids = await results.category_ids(event_id)
        rubrics = await rubric.rubrics_by_category(event_id)
        for sheet in sheets:
            groups: dict[str, dict[str, Any]] = {}
            for e in sheet["entries"]:
                group = groups.setdefault(e["category_code"], {"category_code": e["category_code"], "entries": [],
                                                               "criteria": rubrics.get(category_ids.get(e["category_code"]), [])})
                group["entries"].append(e)
            sheet["groups"] = list(groups.values())
        categories = {c["code"]: c["name"] for c in await events.list_categories(event_id)}
        ctx = await _event_context(event_id)
        return render(request, "judging/scoring/sheets.html", sheets=sheets, categories=categories,
                      printed_at=dt.datetime.now(SHANGHAI).strftime("%Y-%m-%d %H:%M"), number_text=number_text, **ctx)

    # ------------------------------------------------------------------ progress and consistency

    @get("/progress")
    async def progress(self, request: Request, event_id: int, partial: int | None = None) -> Any:
        data = await results.progress(event_id)
        now_text = dt.datetime.now(SHANGHAI).strftime("%H:%M:%S")
        if partial:
            ctx = await _event_context(event_id)
            return render(request, "judging/scoring/_progress.html", progress=data, updated_text=now_text, **ctx)
        return await _page(request, event_id, "scoring/progress.html", "progress", progress=data, updated_text=now_text)

    @get("/progress.json")
    async def progress_json(self, event_id: int) -> Response:
        return json_response(await results.progress(event_id))

    @get("/consistency")
    async def consistency(self, request: Request, event_id: int) -> Any:
        report = await results.consistency_report(event_id)
        return await _page(request, event_id, "scoring/consistency.html", "consistency", report=report, flag_labels=FLAG_LABELS)

    # ------------------------------------------------------------------ results

    @get("/results")
    async def results_page(self, request: Request, event_id: int, method: str | None = None, category: str | None = None,
                           division: str | None = None) -> Any:
        method = method if method in METHOD_LABELS else None
        data = await results.compute_results(event_id, method)
        rows = data["entries"]
        if category:
            rows = [r for r in rows if r["category_code"] == category.upper()]
        if division:
            rows = [r for r in rows if r["division"] == division]
        groups: list[dict[str, Any]] = []
        for r in rows:
            if not groups or (groups[-1]["category_code"], groups[-1]["division"]) != (r["category_code"], r["division"]):
                groups.append({"category_code": r["category_code"], "category_name": r["category_name"], "division": r["division"],
                               "rows": [], "ranked": 0, "incomplete": 0})
            groups[-1]["rows"].append(r)
            groups[-1]["ranked" if r["status"] == "complete" else "incomplete"] += 1
        event_row = await events.get_event_row(event_id)
        compare = None
        if method and method != event_row["aggregation"]:
            current = {r["entry_id"]: r for r in (await results.compute_results(event_id))["entries"]}
            compare = {eid: {"rank": r["rank"], "score": r["score"], "award": r["award"]} for eid, r in current.items()}
        return await _page(request, event_id, "results/results.html", "results", data=data, groups=groups, method=data["method"],
                           event_method=event_row["aggregation"], methods=METHOD_LABELS, award_labels=results.AWARD_LABELS,
                           compare=compare, categories=await events.list_categories(event_id), filters={"category": (category or "").upper(),
                           "division": division or ""}, event_row=event_row, share_text=share_text,
                           recommended=sum(1 for r in data["entries"] if r["recommended"]))

    @post("/settings")
    async def settings(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        data: dict[str, Any] = {k: form_value(form, k) for k in ("aggregation", "trim_min_scores", "score_decimals") if form_value(form, k)}
        quotas = {k: form_value(form, f"award_{k}") for k in ("first", "second", "third") if form_value(form, f"award_{k}")}
        if quotas:
            data["award_quotas"] = quotas
        try:
            await events.update_event(user_of(request), event_id, data)
        except ServiceError as exc:
            flash(request, exc.message, "error")
        else:
            flash(request, _("评审设置已保存，结果已按新设置重新计算。"))
        return _back(event_id, "/results")

    @post("/awards")
    async def adjust_award(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        entry_id = form_int(form, "entry_id")
        award = form_value(form, "award") or None
        try:
            if entry_id is None:
                raise NotFound(_("作品不存在。"))
            await results.adjust_award(user_of(request), event_id, entry_id, award, form_value(form, "reason"))
        except ServiceError as exc:
            flash(request, exc.message, "error")
        else:
            flash(request, _("奖项已调整，理由已记入审计记录。"))
        return _back(event_id, "/results" + (f"#entry-{entry_id}" if entry_id else ""))

    @post("/recommendations")
    async def recommend(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        ids = [int(v) for v in form.getall("entry_ids", []) if isinstance(v, str) and v.isdigit()]
        try:
            result = await publication.set_recommendations(user_of(request), event_id, ids)
        except ServiceError as exc:
            flash(request, exc.message, "error")
        else:
            flash(request, _("已保存推荐名单：{n} 个作品推荐参加全国大赛。", n=len(result["recommended"])))
        return _back(event_id, "/results")

    @get("/results.xlsx")
    async def workbook(self, event_id: int) -> Response:
        event = await events.get_event(event_id)
        content = await publication.results_workbook(event_id)
        stamp = dt.datetime.now(SHANGHAI).strftime("%Y%m%d-%H%M")
        return _attachment(content, f"results-{event_id}-{stamp}.xlsx", f"{event['name']}-评审结果-{stamp}.xlsx")

    # ------------------------------------------------------------------ one entry's score sheets

    @get("/entries/{entry_id:int}")
    async def entry_scores(self, request: Request, event_id: int, entry_id: int) -> Any:
        entry = await registration.get_entry(user_of(request), entry_id)
        if entry["event_id"] != event_id:
            raise NotFound(_("作品不存在。"))
        category_ids = await results.category_ids(event_id)
        criteria = await rubric.get_rubric(event_id, category_ids.get(entry["category_code"]))
        sheets = await scoring.entry_scores(entry_id)
        history = await scoring.score_history(entry_id)
        objections = [o for o in await publication.list_objections(event_id) if o["entry"] in (entry_id, None)]
        students = [m for m in entry["members"] if m["role"] == "student"]
        return await _page(request, event_id, "scoring/entry_scores.html", "results", entry=entry, criteria=criteria, sheets=sheets,
                           history=[{**h, "at_text": show_time(h["at"])} for h in history], objections=objections,
                           students=students, two=two, number_text=number_text)

    @post("/scores/{score_id:int}")
    async def change_score(self, request: Request, event_id: int, score_id: int) -> Any:
        form = await request.form()
        entry_id = form_int(form, "entry_id")
        criteria = {key[len("points_"):]: value.strip() for key, value in form.items()
                    if key.startswith("points_") and isinstance(value, str) and value.strip()}
        reason = form_value(form, "reason")
        objection = form_value(form, "objection")
        if objection:
            reason = f"{_('异议')} #{objection}：{reason}" if reason else f"{_('异议')} #{objection}"
        try:
            await scoring.organizer_change_score(user_of(request), score_id, criteria, reason)
        except ServiceError as exc:
            flash(request, exc.message, "error")
        else:
            flash(request, _("评分已修改，修改记录已保存。"))
        return _back(event_id, f"/entries/{entry_id}" if entry_id else "/results")

    # ------------------------------------------------------------------ publication

    @get("/publication")
    async def publication_page(self, request: Request, event_id: int) -> Any:
        objections = await publication.list_objections(event_id)
        prog = await results.progress(event_id)
        data = await results.compute_results(event_id)
        incomplete = sum(1 for r in data["entries"] if r["status"] != "complete")
        ctx = await _event_context(event_id)
        round_row = ctx["round"]
        return await _page(request, event_id, "results/publication.html", "publication", objections=[
            {**o, "created_text": show_time(o["created_at"]), "resolved_text": show_time(o["resolved_at"])} for o in objections],
            objection_labels=OBJECTION_STATUS_LABELS, progress=prog, incomplete=incomplete,
            published_text=show_time(round_row.get("published_at")), finalized_text=show_time(round_row.get("finalized_at")),
            entries=[{"entry_id": r["entry_id"], "code": r["code"], "title": r["title"]} for r in data["entries"]])

    async def _state_action(self, request: Request, event_id: int, action: str) -> Any:
        form = await request.form()
        if form_value(form, "confirm") != "yes":
            flash(request, _("请先勾选确认框。"), "error")
            return _back(event_id, "/publication")
        actor = user_of(request)
        try:
            if action == "publish":
                await publication.publish(actor, event_id)
                flash(request, _("结果已公示。公开页面已开放，评委评分已锁定。"))
            elif action == "finalize":
                await publication.finalize(actor, event_id)
                flash(request, _("结果已定稿，所有评分和奖项都已锁定。"))
            else:
                await publication.unlock(actor, event_id, form_value(form, "reason"))
                flash(request, _("已解锁定稿结果（回到公示状态），解锁理由已记入审计记录。"), "warning")
        except ServiceError as exc:
            flash(request, exc.message, "error")
        return _back(event_id, "/publication")

    @post("/publish")
    async def publish(self, request: Request, event_id: int) -> Any:
        return await self._state_action(request, event_id, "publish")

    @post("/finalize")
    async def finalize(self, request: Request, event_id: int) -> Any:
        return await self._state_action(request, event_id, "finalize")

    @post("/unlock")
    async def unlock(self, request: Request, event_id: int) -> Any:
        return await self._state_action(request, event_id, "unlock")

    @post("/objections")
    async def record_objection(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        code = form_value(form, "entry_code").upper()
        entry_id = None
        try:
            if code:
                entry_id = (await _entry_codes(user_of(request), event_id)).get(code)
                if entry_id is None:
                    raise NotFound(_("找不到这些作品编号：{codes}。", codes=code))
            await publication.record_objection(user_of(request), event_id, entry_id, form_value(form, "raised_by"),
                                               form_value(form, "content"))
        except ServiceError as exc:
            flash(request, exc.message, "error")
        else:
            flash(request, _("异议已登记。"))
        return _back(event_id, "/publication#objections")

    @post("/objections/{objection_id:int}/resolve")
    async def resolve_objection(self, request: Request, event_id: int, objection_id: int) -> Any:
        form = await request.form()
        try:
            await publication.resolve_objection(user_of(request), objection_id, form_value(form, "handling"),
                                                form_value(form, "status") or "resolved")
        except ServiceError as exc:
            flash(request, exc.message, "error")
        else:
            flash(request, _("处理情况已保存。"))
        return _back(event_id, "/publication#objections")

    @post("/advance")
    async def advance(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        top_n = form_int(form, "top_n")
        share_text_ = form_value(form, "top_share")
        try:
            share = None
            if share_text_:
                share = Decimal(share_text_.rstrip("%")) / (100 if share_text_.endswith("%") else 1)
            result = await publication.advance_to_final(user_of(request), event_id, top_n, share)
        except (InvalidOperation, ValueError):
            flash(request, _("晋级比例必须在 0 到 1 之间。"), "error")
        except ServiceError as exc:
            flash(request, exc.message, "error")
        else:
            flash(request, _("已进入终评：{n} 个作品晋级。请为终评分配评委。", n=result["advanced"]))
            return _back(event_id, "/assignments")
        return _back(event_id, "/publication")


async def _entry_codes(actor: Any, event_id: int) -> dict[str, int]:
    """``{entry code: entry id}`` of the event (as the organizer sees them)."""
    return {e["code"]: e["id"] for e in await registration.list_entries(actor, event_id)}


# --------------------------------------------------------------------------- judge pages


def _score_view(sheet: dict[str, Any]) -> dict[str, Any]:
    """What the page script needs of a score sheet (and what a 409 sends back)."""
    return {"criteria": sheet.get("criteria") or {}, "comment": sheet.get("comment") or "", "version": sheet.get("version") or 0,
            "total": sheet.get("total") or "", "complete": bool(sheet.get("complete")), "locked": bool(sheet.get("locked"))}


class JudgePages(Controller):
    path = "/judging"
    include_in_schema = False

    @get("/", guards=[requires("judge", "organizer")])
    async def index(self, request: Request) -> Any:
        user = user_of(request)
        if user.is_organizer:
            blocks = []
            for event in await events.list_events():
                if event["kind"] == "camp":
                    continue
                ctx = await _event_context(event["id"])
                blocks.append({"event": ctx["event"], "state": ctx["state"], "state_label": ctx["state_label"],
                               "round_label": ctx["round_label"], "progress": await results.progress(event["id"]),
                               "judges": len(await panels.list_judges(event["id"]))})
            return render(request, "judging/scoring/events.html", blocks=blocks)
        mine = await assignments.my_assignments(user)
        by_event: dict[int, dict[str, Any]] = {}
        for a in mine:
            block = by_event.get(a["event_id"])
            if block is None:
                event = await events.get_event(a["event_id"])
                block = by_event[a["event_id"]] = {"event": event, "entries": [], "scored": 0, "locked": a["round_state"] != "open",
                                                   "state": a["round_state"],
                                                   "state_label": _(rounds.STATE_LABELS.get(a["round_state"], a["round_state"]))}
            block["entries"].append({**a, "total_text": two(a["total"]), "status_label": _(SHEET_STATUS_LABELS[a["status"]])})
            block["scored"] += a["status"] == "scored"
        return render(request, "judging/scoring/my_entries.html", blocks=list(by_event.values()), status_labels=_status_labels())

    @get("/entries/{entry_id:int}", guards=[judge_only])
    async def entry(self, request: Request, entry_id: int) -> Any:
        user = user_of(request)
        entry = await registration.get_entry(user, entry_id)
        sheet = await scoring.get_my_score(user, entry_id)
        event = await events.get_event(entry["event_id"])
        mine = [a for a in await assignments.my_assignments(user) if a["event_id"] == entry["event_id"]]
        position = next((i for i, a in enumerate(mine) if a["entry_id"] == entry_id), 0)
        docs = _documents_module()
        documents: list[dict[str, Any]] = []
        if docs is not None:
            try:
                documents = [{**d, "size_text": size_text(d.get("size")), "kind_text": d.get("kind_label") or d.get("kind")}
                             for d in await docs.list_documents(user, entry_id)]
            except (NotImplementedError, ServiceError):
                documents = []
        criteria = [{**c, "buttons": point_buttons(c["max_points"]), "step": "0.5" if Decimal(c["max_points"]) <= 10 else "1",
                     "weight_text": number_text(c["weight"]), "max_text": number_text(c["max_points"])} for c in sheet["rubric"]]
        max_total = number_text(sum((Decimal(c["weight"]) for c in sheet["rubric"]), Decimal(0)))
        data = {
            "entryId": entry_id, "userId": user.id, "url": f"/judging/entries/{entry_id}/score",
            "rubric": [{"code": c["code"], "name": c["name"], "weight": number_text(c["weight"]), "max_points": number_text(c["max_points"])}
                       for c in sheet["rubric"]],
            "server": _score_view(sheet),
            "messages": _judge_messages(),
            "eventId": entry["event_id"],
        }
        return render(request, "judging/scoring/score.html", entry=entry, event=event, sheet=sheet, criteria=criteria, data=data,
                      round_state=(await rounds.current_round(entry["event_id"]))["state"],
                      max_total=max_total, total_text=two(sheet["total"]), documents=documents, documents_enabled=docs is not None,
                      students=[m for m in entry["members"] if m["role"] == "student"],
                      position=position + 1, count=len(mine), scored=sum(1 for a in mine if a["status"] == "scored"),
                      previous=mine[position - 1] if position > 0 else None,
                      next=mine[position + 1] if position + 1 < len(mine) else None)

    @get("/entries/{entry_id:int}/score", guards=[judge_only])
    async def get_score(self, request: Request, entry_id: int) -> Response:
        try:
            sheet = await scoring.get_my_score(user_of(request), entry_id)
        except ServiceError as exc:
            return json_response({"status_code": exc.status_code, "detail": exc.message, "extra": exc.extra}, exc.status_code)
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
            saved = await scoring.put_score(user, entry_id, body["criteria"], comment if isinstance(comment, str) else None, version)
        except ServiceError as exc:
            payload: dict[str, Any] = {"status_code": exc.status_code, "detail": exc.message, "extra": exc.extra}
            if isinstance(exc, Conflict):
                try:
                    payload["server"] = _score_view(await scoring.get_my_score(user, entry_id))
                    payload["progress"] = await _my_progress(user, entry_id)
                except ServiceError:
                    pass
            return json_response(payload, exc.status_code)
        saved["saved_at"] = dt.datetime.now(SHANGHAI).strftime("%H:%M:%S")
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
    return {"event_id": event_id, "scored": sum(1 for a in in_event if a["status"] == "scored"), "assigned": len(in_event)}


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
    }


# --------------------------------------------------------------------------- public results


class PublicResultsPages(Controller):
    path = "/results"
    include_in_schema = False

    @get("/{event_id:int}")
    async def public(self, request: Request, event_id: int) -> Any:
        event = await events.get_event(event_id)
        if not await publication.is_published(event_id):
            raise NotFound(_("结果尚未公示。"))
        rows = await results.public_results(event_id)
        groups: list[dict[str, Any]] = []
        for r in rows:
            if not groups or (groups[-1]["category_code"], groups[-1]["division"]) != (r["category_code"], r["division"]):
                groups.append({"category_code": r["category_code"], "category_name": r["category_name"], "division": r["division"], "rows": []})
            groups[-1]["rows"].append(r)
        round_row = await rounds.current_round(event_id)
        return render(request, "judging/results/public_results.html", event=event, groups=groups, award_labels=results.AWARD_LABELS,
                      state=round_row["state"], state_label=_(rounds.STATE_LABELS.get(round_row["state"], "")),
                      published_text=show_time(round_row.get("published_at")), finalized_text=show_time(round_row.get("finalized_at")),
                      objections_open=round_row["state"] == "published")


def page_routes() -> list[Any]:
    from judging.certificates.pages import certificate_page_routes

    return [JudgingPages, JudgePages, PublicResultsPages, *certificate_page_routes()]

