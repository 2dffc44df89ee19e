"""Registration pages: the role dashboards, an event's entries, the entry form, entries and their members and documents, review, workbook template / import / export.

Thin controllers: parse the form, call the same services as the JSON API, render a template. What a page
*shows* is decided here; what is *allowed* is decided by the services, which check every action again."""

from __future__ import annotations

import asyncio
import mimetypes
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from litestar.response import File

from app.audit import entry_history
from app.errors import ServiceError, ValidationFailed
from app.i18n import _, colon, comma, get_locale, gettext_terms, pgettext_terms
from app.schools import services as schools
from app.settings import get_settings
from app.times import local_now, show_time
from app.web import (
    attempt,
    field_errors,
    flash,
    form_bool,
    form_value,
    redirect,
    render,
    size_text,
    user_of,
    xlsx_response,
)
from app.web.auth import organizer_only, requires
from app.web.pagination import Pager
from competitions.events import services as events
from competitions.events.kinds import offered_document_kinds
from competitions.events.views import event_view
from competitions.registration import documents as entry_documents
from competitions.registration import duplicates, personal_data, roster
from competitions.registration import services as registration
from competitions.registration.idnumbers import ID_TYPES
from competitions.registration.members import MemberInput

registrars = requires("organizer", "school")


viewers = requires("organizer", "city", "school")


GRADES = ("一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "初一", "初二", "初三", "高一", "高二", "高三")


MEMBER_FIELDS = ("name", "gender", "id_type", "id_number", "grade", "phone")


ENTRY_FIELDS = ("title", "category", "division", "summary", "school_code")


# audit trail: how actions and changed fields read on the entry page
ACTION_LABELS = {
    "entry.create": "创建作品",
    "entry.update": "已修改作品信息",
    "entry.submit": "已提交审查",
    "entry.withdraw": "作品已撤回",
    "entry.review.approve": "已通过审查",
    "entry.review.return": "退回修改",
    "entry.import": "通过 Excel 导入",
    "entry.import.replace": "重新上传 Excel 替换",
    "entry.import.held": "导入后因材料不全保存为草稿",
    "member.add": "添加成员",
    "member.update": "修改成员信息",
    "member.remove": "删除成员",
    "document.upload": "上传材料",
    "document.delete": "删除材料",
    "credential.reissue": "补发凭证（旧二维码作废）",
    "score.organizer_change": "组委会修改评分",
    "objection.record": "登记异议",
    "objection.resolve": "异议已处理",
    "award.adjust": "调整奖项",
    "assignment.move": "改派评委",
    "certificate.reissue": "补发证书",
    "certificate.revoke": "作废证书",
    "checkin.undo": "撤销签到",
    "robotics.run.submit": "提交比赛成绩",
    "robotics.run.change": "修改比赛成绩",
    "robotics.run.approve": "裁判长确认成绩",
}


CHANGE_LABELS = {
    "status": "状态",
    "title": "作品名称",
    "category": "类别",
    "division": "组别",
    "summary": "简介",
    "member": "成员",
    "members": "成员",
    "name": "姓名",
    "gender": "性别",
    "id_type": "证件类型",
    "id_masked": "证件号码",
    "grade": "年级",
    "phone_masked": "联系电话",
    "consent_participation": "监护人同意参赛",
    "consent_publication": "同意公开姓名",
    "role": "角色",
    "kind": "材料类型",
    "filename": "文件名",
    "document": "材料",
    "code": "编号",
    "size": "大小",
    "content_type": "文件类型",
    "points": "评分",
    "award": "奖项",
    "judge": "评委",
}


ROLE_LABELS = {"student": "学生", "adviser": "辅导教师"}


def history_action(action: str, kind: object) -> str:
    """An audited action as the entry's history names it, in the reader's language and the event
    kind's words (context ``history``: what happened, where a page's button says what to do)."""
    label = ACTION_LABELS.get(action)
    return pgettext_terms("history", label, kind) if label else action


async def _upload(request: Request, field: str = "file") -> tuple[str, bytes]:
    form = await request.form()
    upload = form.get(field)
    if upload is None or isinstance(upload, str) or not getattr(upload, "filename", ""):
        raise ValidationFailed(
            _("请先选择要上传的文件。"), errors=[{"field": field, "message": _("请先选择要上传的文件。")}]
        )
    return upload.filename, await upload.read()


def _value_text(key: str, value: Any, categories: dict[int, str], kind: str = "") -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if key == "status":
        return _(registration.STATUS_LABELS.get(value, value))
    if key == "category" and isinstance(value, int):
        return categories.get(value, str(value))
    if key == "role":
        return gettext_terms(ROLE_LABELS.get(value, value), kind)
    if key == "kind":
        docs = entry_documents
        return _(docs.DOCUMENT_KIND_LABELS.get(value, value)) if docs else str(value)
    if key == "size":
        return size_text(value)
    if isinstance(value, dict):
        if "name" in value:  # a member, shown as one line with masked personal data
            parts = [
                gettext_terms(ROLE_LABELS.get(value.get("role"), value.get("role") or ""), kind),
                value.get("name"),
                _(value["gender"]) if value.get("gender") else None,
                _(value["grade"]) if value.get("grade") else None,
                value.get("id_masked"),
                value.get("phone_masked"),
            ]
            return comma().join(str(p) for p in parts if p)
        return _clauses(
            f"{pgettext_terms('history', CHANGE_LABELS.get(k, k), kind)}{colon()}{_value_text(k, v, categories, kind)}"
            for k, v in value.items()
        )
    if isinstance(value, list):
        return _clauses(_value_text(key, v, categories, kind) for v in value) or "—"
    if key in ("gender", "grade", "division", "id_type") and isinstance(value, str):
        return _(value)  # 男, 初二, 初中 ... as the reader's language writes them
    return str(value)


def _clauses(parts: Any) -> str:
    """Items of a change, one after another: ``；`` in Chinese, ``; `` in English."""
    return ("；" if get_locale() == "zh" else "; ").join(parts)


def _document_summary(action: str, changes: Any) -> str:
    """A document's upload or removal as one sentence ("上传了 申报书（文件 申报书.pdf）")."""
    if action not in ("document.upload", "document.delete") or not isinstance(changes, dict):
        return ""
    pair = changes.get("document")
    if not isinstance(pair, list) or len(pair) != 2:
        return ""
    document = pair[1] if action == "document.upload" else pair[0]
    if not isinstance(document, dict):
        return ""
    kind = _value_text("kind", document.get("kind"), {})
    filename = document.get("filename") or ""
    if action == "document.upload":
        return _("上传了 {kind}（文件 {filename}）", kind=kind, filename=filename)
    return _("删除了 {kind}（文件 {filename}）", kind=kind, filename=filename)


def history_view(rows: list[dict[str, Any]], categories: dict[int, str], kind: str = "") -> list[dict[str, Any]]:
    """Audit rows as the entry page shows them (values were masked when recorded), in the words of
    the event's ``kind`` (a robotics event's 队伍 and 教练)."""
    result = []
    for row in rows:
        changes = row.get("changes") or {}
        if isinstance(changes, str):
            import json

            try:
                changes = json.loads(changes)
            except ValueError:
                changes = {}
        lines = []
        for key, value in changes.items() if isinstance(changes, dict) else []:
            if isinstance(value, list) and len(value) == 2:
                old, new = value
                lines.append(
                    {
                        "field": pgettext_terms("history", CHANGE_LABELS.get(key, key), kind),
                        "old": None if old is None else _value_text(key, old, categories, kind),
                        "new": None if new is None else _value_text(key, new, categories, kind),
                    }
                )
            else:
                lines.append(
                    {
                        "field": pgettext_terms("history", CHANGE_LABELS.get(key, key), kind),
                        "old": None,
                        "new": _value_text(key, value, categories, kind),
                    }
                )
        result.append(
            {
                "at": show_time(row["at"]),
                "actor": row.get("actor_name") or "",
                "action": history_action(row["action"], kind),
                "summary": _document_summary(row["action"], changes) or row.get("summary") or "",
                "reason": row.get("reason") or "",
                "changes": lines,
            }
        )
    return result


def entry_actions(user: Any, entry: dict[str, Any], event: dict[str, Any]) -> dict[str, bool]:
    """Which buttons the entry page offers (the services check every action again)."""
    status = entry["status"]
    manage = user.role in ("organizer", "school")  # a school sees only its own entries
    editable = (
        manage
        and status != "withdrawn"
        and not event["judging_begun"]
        and (user.is_organizer or (event["is_open"] and status in registration.SCHOOL_EDITABLE))
    )
    reviewing = not event["judging_begun"]
    city_reviews = user.role == "city" and event["city_review_required"]
    return {
        "edit": editable,
        "submit": editable and status in ("draft", "returned"),
        "withdraw": editable,
        "approve": reviewing
        and (
            (user.is_organizer and status in ("submitted", "recommended", "returned", "draft"))
            or (city_reviews and status == "submitted")
        ),
        "return": reviewing
        and (
            (user.is_organizer and status in ("submitted", "recommended", "approved"))
            or (city_reviews and status in ("submitted", "recommended"))
        ),
        "history": user.role in ("organizer", "city", "school"),
        "private": user.role in ("organizer", "city", "school"),
        "closed_for_school": user.role == "school" and not event["is_open"],
    }


async def _none() -> list[Any]:
    return []


def _filters_query(**filters: Any) -> str:
    return urlencode({k: v for k, v in filters.items() if v not in (None, "")})


def _asked(
    filters: dict[str, str], kind: str, categories: list[dict[str, Any]], school_options: list[dict[str, Any]]
) -> list[str]:
    """What an entry list was filtered by, in words (``["状态“已退回”", "搜索“林”"]``): an empty list
    says which filters left nothing."""
    parts: list[str] = []

    def part(label: str, value: str) -> None:
        parts.append(_("{label}“{value}”", label=label, value=value))

    if filters["category"]:
        names = {c["code"]: c["name"] for c in categories}
        part(_("类别"), names.get(filters["category"].upper(), filters["category"]))
    if filters["division"]:
        part(_("组别"), _(filters["division"]))
    if filters["city"]:
        part(_("市县"), filters["city"])
    if filters["school"]:
        part(_("学校"), next((s["name"] for s in school_options if s["code"] == filters["school"]), filters["school"]))
    if filters["status"]:
        part(_("状态"), _(registration.STATUS_LABELS.get(filters["status"], filters["status"])))
    if filters["q"]:
        part(_("搜索"), filters["q"])
    if filters["missing"]:
        parts.append(gettext_terms("只看缺少材料的作品", kind))
    return parts


class EventRegistrationPages(Controller):
    """An event's entries, the entry form, the registration workbook (template, import, export)."""

    path = "/events"
    include_in_schema = False

    @get("/{event_id:int}/entries", guards=[viewers])
    async def entries(
        self,
        request: Request,
        event_id: int,
        category: str | None = None,
        division: str | None = None,
        city: str | None = None,
        school: str | None = None,
        status: str | None = None,
        q: str | None = None,
        missing: str | None = None,
        sort: str | None = None,
        page: str | None = None,
        size: str | None = None,
    ) -> Any:
        user = user_of(request)
        row = await events.get_event_row(event_id, user)
        filters = {
            "category": category or "",
            "division": division or "",
            "city": city or "",
            "school": school or "",
            "status": status or "",
            "q": (q or "").strip(),
            "missing": "1" if missing else "",
        }
        sort = sort if sort and sort.lstrip("-") in registration.ENTRY_SORTS else ""
        pager = Pager.from_query(f"/events/{event_id}/entries", page, size, {**filters, "sort": sort})
        categories = await events.list_categories(event_id)
        # independent reads side by side: the event's stage, the page, the filter options
        every_school = user.is_organizer and not filters["city"]  # the city list is then the schools' cities
        event_full, listed, school_options, cities = await asyncio.gather(
            events.event_with_stage(row),
            registration.entries_page(
                user,
                event_id,
                filters,
                sort=sort,
                limit=pager.size,
                offset=pager.offset,
                event_row=row,
                categories=categories,
            ),
            schools.list_schools(user, city=filters["city"] or None) if user.role in ("organizer", "city") else _none(),
            schools.cities() if user.is_organizer and not every_school else _none(),
        )
        if every_school:
            cities = schools.cities_of(school_options)
        event = event_view(event_full)
        pager.total = listed["total"]
        if pager.clamp():  # a page past the end (entries reviewed away, a shorter filter): go to the last one
            return redirect(pager.url())
        rows = listed["entries"]
        for entry in rows:  # the students' and advisers' names, split here rather than per row in the template
            entry["student_names"] = [m["name"] for m in entry["members"] if m["role"] == "student"]
            entry["adviser_names"] = [m["name"] for m in entry["members"] if m["role"] == "adviser"]
        waiting = () if event["judging_begun"] else registration.awaiting_review(user, event)
        return render(
            request,
            "competitions/registration/entries.html",
            event=event,
            entries=rows,
            pager=pager,
            by_status=listed["by_status"],
            waiting_total=sum(listed["by_status"].get(s, 0) for s in waiting),
            filters=filters,
            sort=sort,
            categories=categories,
            cities=cities,
            school_options=school_options,
            statuses=registration.STATUS_LABELS,
            filtered=any(filters.values()),
            asked=_asked(filters, event["kind"], categories, school_options) if not rows else [],
            query=_filters_query(**filters),
            reviewable={e["id"] for e in rows if e["status"] in waiting},
            duplicate_count=await duplicates.duplicate_count(user, event_id),
            duplicate_alerts=len(await duplicates.alerts(user, event_id)),
        )

    @get("/{event_id:int}/duplicates", guards=[requires("organizer", "city")])
    async def duplicates_page(self, request: Request, event_id: int) -> Any:
        """Students registered by two or more schools (and, for organizers, schools whose
        uploads matched many other schools' students)."""
        user = user_of(request)
        event = event_view(await events.get_event(event_id, user))
        found = await duplicates.list_duplicates(user, event_id)
        for alert in found["alerts"]:
            alert["last_text"] = show_time(alert["last_at"])
        return render(
            request,
            "competitions/registration/duplicates.html",
            event=event,
            duplicates=found["duplicates"],
            alerts=found["alerts"],
        )

    @post("/{event_id:int}/entries/review", guards=[requires("organizer", "city")])
    async def review_many(self, request: Request, event_id: int) -> Any:
        """The list's bulk review: the ticked entries, or (``approve_all_shown``) every entry the
        list shows with its filters that is waiting for this reviewer."""
        user = user_of(request)
        form = await request.form()
        decision = form_value(form, "decision")
        query = form_value(form, "query")
        if decision == "approve_all_shown":  # every entry the list shows that waits for this reviewer
            decision = "approve"
            filters = dict(parse_qsl(query))
            event = await events.get_event(event_id, user)
            waiting = registration.awaiting_review(user, event)
            ids = [e["id"] for e in await registration.list_entries(user, event_id, filters) if e["status"] in waiting]
        else:
            ids = [int(v) for v in form.getall("entry_ids", []) if isinstance(v, str) and v.isdigit()]
        try:
            outcome = await registration.review_entries(user, event_id, ids, decision, form_value(form, "reason"))
        except ServiceError as exc:
            flash(request, exc.message, "error")
        else:
            done = len(outcome["reviewed"])
            kind = await _event_kind(event_id)
            message = (
                gettext_terms("已通过 {n} 个作品。", kind, n=done)
                if decision == "approve" and user.is_organizer
                else gettext_terms("已推荐 {n} 个作品。", kind, n=done)
                if decision == "approve"
                else gettext_terms("已退回 {n} 个作品。", kind, n=done)
            )
            flash(request, message)
            for item in outcome["skipped"]:
                flash(request, _("{code}：{detail}", code=item["code"], detail=item["detail"]), "error")
        return redirect(f"/events/{event_id}/entries" + (f"?{query}" if query else ""))

    async def _entry_form(self, request: Request, event_id: int, status_code: int = 200, **context: Any) -> Any:
        user = user_of(request)
        event = event_view(await events.get_event(event_id, user_of(request)))
        school_options = await schools.list_schools(user) if user.is_organizer else []
        return render(
            request,
            "competitions/registration/entry_form.html",
            status_code=status_code,
            event=event,
            categories=await events.list_categories(event_id),
            school_options=school_options,
            action=f"/events/{event_id}/entries/new",
            creating=True,
            **context,
        )

    @get("/{event_id:int}/entries/new", guards=[registrars])
    async def new_entry_form(self, request: Request, event_id: int, school: str | None = None) -> Any:
        if apply := await _apply_path(request, event_id):
            return redirect(apply)  # a camp: its application form (grade rule, 志愿) instead
        return await self._entry_form(request, event_id, form={"school_code": school or ""}, errors={})

    @post("/{event_id:int}/entries/new", guards=[registrars])
    async def create_entry(self, request: Request, event_id: int) -> Any:
        if apply := await _apply_path(request, event_id):
            return redirect(apply)
        form = await request.form()
        data = {k: form_value(form, k) for k in ENTRY_FIELDS}
        try:
            entry = await registration.create_entry(user_of(request), event_id, data)
        except ServiceError as exc:
            return await self._entry_form(
                request, event_id, status_code=exc.status_code, form=data, errors=field_errors(exc), error=exc.message
            )
        kind = await _event_kind(event_id)
        if entry["status"] == "approved" and not any(m["role"] == "student" for m in entry["members"]):
            flash(  # approved at once (CONTRACT): the organizer is told it has no student yet
                request,
                gettext_terms(
                    "作品“{title}”已创建（编号 {code}）并直接通过审查，但还没有学生：请在下面添加学生。",
                    kind,
                    title=entry["title"],
                    code=entry["code"],
                ),
                "warning",
            )
            return redirect(f"/entries/{entry['id']}")
        flash(
            request,
            gettext_terms(
                "作品“{title}”已创建（编号 {code}）。请添加学生和辅导教师，然后提交审查。",
                kind,
                title=entry["title"],
                code=entry["code"],
            )
            if entry["status"] == "draft"
            else gettext_terms("作品“{title}”已创建（编号 {code}）。", kind, title=entry["title"], code=entry["code"]),
        )
        return redirect(f"/entries/{entry['id']}")

    # ------------------------------------------------------------------ workbooks

    @get("/{event_id:int}/registration-template", guards=[registrars])
    async def template(self, request: Request, event_id: int) -> Response:
        event = await events.get_event(event_id, user_of(request))
        content = await roster.registration_template(user_of(request), event_id)
        return xlsx_response(content, f"registration-template-{event_id}.xlsx", f"{event['name']}-报名表.xlsx")

    async def _import_page(self, request: Request, event_id: int, status_code: int = 200, **context: Any) -> Any:
        event = event_view(await events.get_event(event_id, user_of(request)))
        return render(
            request,
            "competitions/registration/import.html",
            status_code=status_code,
            event=event,
            max_mb=get_settings().max_upload_bytes // 1048576,
            **context,
        )

    @get("/{event_id:int}/import", guards=[registrars])
    async def import_form(self, request: Request, event_id: int) -> Any:
        return await self._import_page(request, event_id)

    @post(
        "/{event_id:int}/import",
        guards=[registrars],
        request_max_body_size=get_settings().max_upload_bytes + 256 * 1024,
    )
    async def import_(self, request: Request, event_id: int) -> Any:
        try:
            filename, data = await _upload(request)
            result = await roster.import_registrations(user_of(request), event_id, data)
        except ServiceError as exc:
            page = await self._import_page(
                request,
                event_id,
                status_code=exc.status_code,
                error=exc.message,
                errors=[e for e in exc.errors if "row" in e or "column" in e],
            )
            if getattr(exc, "retry_after", None):  # too many uploads (429)
                page.headers["Retry-After"] = str(exc.retry_after)
            return page
        kind = await _event_kind(event_id)
        flash(
            request,
            gettext_terms(
                "导入完成：新增作品 {new} 个、替换原有作品 {replaced} 个；学生 {students} 名，辅导教师 {advisers} 名。",
                kind,
                new=result.get("entries_created", 0) - result.get("entries_replaced", 0),
                replaced=result.get("entries_replaced", 0),
                students=result.get("participants_created", 0),
                advisers=result.get("advisers_created", 0),
            ),
        )
        if user_of(request).is_organizer:
            flash(
                request,
                _("组织者导入的作品已由组织者直接批准，不经过学校提交和市级审查。"),
            )
        if result.get("entries_lacking"):
            flash(
                request,
                _(
                    "其中 {n} 个作品还缺少本赛事要求的材料（如申报书）或辅导教师：它们已批准，请补齐材料。",
                    n=result["entries_lacking"],
                ),
                "warning",
                link=(f"/events/{event_id}/entries?missing=1", _("查看这些作品")),
            )
        if result.get("entries_incomplete"):
            flash(
                request,
                gettext_terms(
                    "其中 {n} 个作品还缺少本赛事要求的材料或辅导教师，已保存为草稿：请在作品页面上传材料后提交审查。",
                    kind,
                    n=result["entries_incomplete"],
                ),
                "warning",
            )
        return redirect(f"/events/{event_id}/entries")

    @get("/{event_id:int}/export", guards=[organizer_only])
    async def export_form(self, request: Request, event_id: int) -> Any:
        event = event_view(await events.get_event(event_id, user_of(request)))
        return render(request, "competitions/registration/export.html", event=event, reason="")

    @post("/{event_id:int}/export", guards=[organizer_only], status_code=200)
    async def export(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        reason = form_value(form, "reason")
        event = await events.get_event(event_id, user_of(request))
        try:
            content = await roster.export_registrations(user_of(request), event_id, reason)
        except ServiceError as exc:
            return render(
                request,
                "competitions/registration/export.html",
                status_code=exc.status_code,
                event=event_view(event),
                reason=reason,
                error=exc.message,
            )
        stamp = local_now().strftime("%Y%m%d-%H%M")
        return xlsx_response(
            content, f"registrations-{event_id}-{stamp}.xlsx", f"{event['name']}-报名数据-{stamp}.xlsx"
        )


async def _event_kind(event_id: int) -> str:
    """The event's kind (for the kind's own words in messages: 队伍, 教练); "" if unknown."""
    try:
        return str((await events.get_event(event_id))["kind"])
    except ServiceError:
        return ""


async def _entry_kind(request: Request, entry_id: int) -> str:
    try:
        entry = await registration.get_entry(user_of(request), entry_id)
    except ServiceError:
        return ""  # the action itself says why
    return await _event_kind(entry["event_id"])


class EntryPages(Controller):
    path = "/entries"
    include_in_schema = False

    @get("/{entry_id:int}", guards=[requires("organizer", "city", "school", "judge")])
    async def detail(self, request: Request, entry_id: int) -> Any:
        user = user_of(request)
        entry = await registration.get_entry(user, entry_id)
        event = event_view(await events.get_event(entry["event_id"], user_of(request)))
        actions = entry_actions(user, entry, event)
        history: list[dict[str, Any]] = []
        if actions["history"]:
            categories = {c["id"]: f"{c['code']} {c['name']}" for c in await events.list_categories(event["id"])}
            history = history_view(
                await entry_history(entry_id, organizer=user.is_organizer), categories, event.get("kind", "")
            )
        docs = entry_documents
        documents: list[dict[str, Any]] = []
        kinds: dict[str, str] = {}
        if docs is not None:
            try:
                documents = [
                    {**d, "size_text": size_text(d.get("size")), "uploaded_text": show_time(d.get("uploaded_at"))}
                    for d in await docs.list_documents(user, entry_id)
                ]
                kept = [*(d.get("kind") for d in documents), *(event.get("required_documents") or [])]
                kinds = {
                    k: docs.DOCUMENT_KIND_LABELS[k]
                    for k in offered_document_kinds(event["kind"], [k for k in kept if isinstance(k, str)])
                }
            except NotImplementedError:
                docs = None
        students = [m for m in entry["members"] if m["role"] == "student"]
        advisers = [m for m in entry["members"] if m["role"] == "adviser"]
        return render(
            request,
            "competitions/registration/entry.html",
            entry=entry,
            event=event,
            can=actions,
            students=students,
            advisers=advisers,
            history=history,
            documents=documents,
            document_kinds=kinds,
            documents_enabled=docs is not None,
            updated_text=show_time(entry.get("updated_at")),
            max_document_mb=get_settings().max_document_bytes // 1048576,
        )

    async def _edit_page(self, request: Request, entry_id: int, status_code: int = 200, **context: Any) -> Any:
        user = user_of(request)
        entry = await registration.get_entry(user, entry_id)
        event = event_view(await events.get_event(entry["event_id"], user_of(request)))
        context.setdefault(
            "form",
            {
                "title": entry["title"],
                "category": entry["category_code"],
                "division": entry["division"],
                "summary": entry["summary"],
            },
        )
        return render(
            request,
            "competitions/registration/entry_form.html",
            status_code=status_code,
            event=event,
            entry=entry,
            categories=await events.list_categories(event["id"]),
            school_options=[],
            action=f"/entries/{entry_id}/edit",
            creating=False,
            **context,
        )

    @get("/{entry_id:int}/edit", guards=[registrars])
    async def edit_form(self, request: Request, entry_id: int) -> Any:
        return await self._edit_page(request, entry_id, errors={})

    @post("/{entry_id:int}/edit", guards=[registrars])
    async def edit(self, request: Request, entry_id: int) -> Any:
        form = await request.form()
        data = {k: form_value(form, k) for k in ("title", "category", "division", "summary")}
        try:
            await registration.update_entry(user_of(request), entry_id, data)
        except ServiceError as exc:
            return await self._edit_page(
                request, entry_id, status_code=exc.status_code, form=data, errors=field_errors(exc), error=exc.message
            )
        flash(request, gettext_terms("作品信息已保存。", await _entry_kind(request, entry_id)))
        return redirect(f"/entries/{entry_id}")

    @post("/{entry_id:int}/submit", guards=[registrars])
    async def submit(self, request: Request, entry_id: int) -> Any:
        try:
            entry = await registration.submit_entry(user_of(request), entry_id)
        except ServiceError as exc:
            flash(request, exc.message, "error")
        else:
            flash(request, _("已提交审查，当前状态：{status}。", status=entry["status_label"]))
        return redirect(f"/entries/{entry_id}")

    @post("/{entry_id:int}/withdraw", guards=[registrars])
    async def withdraw(self, request: Request, entry_id: int) -> Any:
        form = await request.form()
        done = gettext_terms("作品已撤回。其中的学生可以改报其他作品。", await _entry_kind(request, entry_id))
        await attempt(
            request, registration.withdraw_entry(user_of(request), entry_id, form_value(form, "reason")), done
        )
        return redirect(f"/entries/{entry_id}")

    @post("/{entry_id:int}/review", guards=[requires("organizer", "city")])
    async def review(self, request: Request, entry_id: int) -> Any:
        form = await request.form()
        decision = form_value(form, "decision")
        try:
            entry = await registration.review_entry(
                user_of(request),
                entry_id,
                decision,
                form_value(form, "reason"),
                confirm_duplicates=form_bool(form, "confirm_duplicates"),
            )
        except ServiceError as exc:
            flash(request, exc.message, "error")
            return redirect(f"/entries/{entry_id}")
        if form_bool(form, "next"):  # "save and review the next one": the message names the entry reviewed
            flash(
                request,
                _(
                    "《{title}》（{code}）的审查结果已保存，当前状态：{status}。",
                    title=entry["title"],
                    code=entry["code"],
                    status=entry["status_label"],
                ),
            )
        else:
            flash(request, _("审查结果已保存，当前状态：{status}。", status=entry["status_label"]))
        if form_bool(form, "next"):
            following = await registration.next_for_review(user_of(request), entry["event_id"], entry["code"])
            if following is None:
                flash(request, gettext_terms("没有其他待审查的作品了。", await _event_kind(entry["event_id"])))
                return redirect(f"/events/{entry['event_id']}/entries")
            return redirect(f"/entries/{following['id']}#review")
        return redirect(f"/entries/{entry_id}")

    # ------------------------------------------------------------------ members

    async def _member_page(
        self, request: Request, entry_id: int, role: str, status_code: int = 200, **context: Any
    ) -> Any:
        entry = await registration.get_entry(user_of(request), entry_id)
        context.setdefault("form", {"id_type": ID_TYPES[0]})
        context.setdefault("errors", {})
        return render(
            request,
            "competitions/registration/member_form.html",
            status_code=status_code,
            entry=entry,
            event=event_view(await events.get_event(entry["event_id"], user_of(request))),
            role=role,
            id_types=ID_TYPES,
            grades=GRADES,
            action=f"/entries/{entry_id}/members/new",
            **context,
        )

    @get("/{entry_id:int}/members/new", guards=[registrars])
    async def new_member_form(self, request: Request, entry_id: int, role: str = "student") -> Any:
        return await self._member_page(request, entry_id, "adviser" if role == "adviser" else "student")

    @post("/{entry_id:int}/members/new", guards=[registrars])
    async def add_member(self, request: Request, entry_id: int) -> Any:
        form = await request.form()
        role = "adviser" if form_value(form, "role") == "adviser" else "student"
        member = _member_input(form, role)
        try:
            added = await registration.add_member(user_of(request), entry_id, member)
        except ServiceError as exc:
            return await self._member_page(
                request,
                entry_id,
                role,
                status_code=exc.status_code,
                form=_typed(form),
                errors=field_errors(exc),
                error=exc.message,
            )
        role_label = gettext_terms(ROLE_LABELS[role], await _entry_kind(request, entry_id))
        flash(request, _("已添加{role}“{name}”。", role=role_label, name=added["name"]))
        return redirect(f"/entries/{entry_id}#members")

    # ------------------------------------------------------------------ documents

    @post(
        "/{entry_id:int}/documents",
        guards=[registrars],
        request_max_body_size=get_settings().max_document_bytes + 256 * 1024,
    )
    async def upload_document(self, request: Request, entry_id: int) -> Any:
        docs = entry_documents
        if docs is None:
            flash(request, _("材料上传功能尚未开放。"), "error")
            return redirect(f"/entries/{entry_id}")
        try:
            form = await request.form()
            filename, data = await _upload(request)
            document = await docs.upload_document(user_of(request), entry_id, form_value(form, "kind"), filename, data)
        except ServiceError as exc:
            flash(request, exc.message, "error")
        else:
            flash(request, _("已上传“{filename}”。", filename=document.get("filename", filename)))
        return redirect(f"/entries/{entry_id}#documents")


def _member_input(form: Any, role: str) -> MemberInput:
    return MemberInput(
        role=role,
        **{k: form_value(form, k) for k in MEMBER_FIELDS},
        consent_participation=form_bool(form, "consent_participation"),
        consent_publication=form_bool(form, "consent_publication"),
    )


def _typed(form: Any) -> dict[str, Any]:
    """The values the user typed, to show again with the error messages."""
    data: dict[str, Any] = {k: form_value(form, k) for k in MEMBER_FIELDS}
    data["consent_participation"] = form_bool(form, "consent_participation")
    data["consent_publication"] = form_bool(form, "consent_publication")
    return data


class MemberPages(Controller):
    path = "/members"
    include_in_schema = False
    guards = [registrars]

    async def _page(self, request: Request, member_id: int, status_code: int = 200, **context: Any) -> Any:
        member = await registration.member_for_edit(user_of(request), member_id)
        entry = await registration.get_entry(user_of(request), member["entry_id"])
        context.setdefault("form", member)
        context.setdefault("errors", {})
        return render(
            request,
            "competitions/registration/member_form.html",
            status_code=status_code,
            entry=entry,
            event=event_view(await events.get_event(entry["event_id"], user_of(request))),
            role=member["role"],
            member=member,
            id_types=ID_TYPES,
            grades=GRADES,
            action=f"/members/{member_id}/edit",
            **context,
        )

    @get("/{member_id:int}/edit")
    async def edit_form(self, request: Request, member_id: int) -> Any:
        return await self._page(request, member_id)

    @post("/{member_id:int}/edit")
    async def edit(self, request: Request, member_id: int) -> Any:
        form = await request.form()
        current = await registration.member_for_edit(user_of(request), member_id)
        try:
            await registration.update_member(user_of(request), member_id, _member_input(form, current["role"]))
        except ServiceError as exc:
            return await self._page(
                request,
                member_id,
                status_code=exc.status_code,
                form=_typed(form),
                errors=field_errors(exc),
                error=exc.message,
            )
        flash(request, _("“{name}”的信息已保存。", name=form_value(form, "name")))
        return redirect(f"/entries/{current['entry_id']}#members")

    @post("/{member_id:int}/remove")
    async def remove(self, request: Request, member_id: int) -> Any:
        current = await registration.member_for_edit(user_of(request), member_id)
        await attempt(
            request,
            registration.remove_member(user_of(request), member_id),
            _("已删除“{name}”。", name=current["name"]),
        )
        return redirect(f"/entries/{current['entry_id']}#members")


class DocumentPages(Controller):
    path = "/documents"
    include_in_schema = False

    @get("/{document_id:int}", guards=[requires("organizer", "city", "school", "judge")])
    async def download(self, request: Request, document_id: int) -> Any:
        docs = entry_documents
        if docs is None:
            from app.errors import NotFound

            raise NotFound(_("材料不存在或您无权查看。"))
        meta, path = await docs.open_document(user_of(request), document_id)
        filename = meta.get("filename") or path.name
        media_type = meta.get("content_type") or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        inline = media_type.startswith("image/") or media_type == "application/pdf"  # viewable on a tablet
        if hasattr(docs, "content_disposition"):
            disposition = docs.content_disposition(filename, inline=inline)
        else:
            disposition = f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{quote(filename)}"
        return File(
            path=path,
            media_type=media_type,
            headers={
                "content-disposition": disposition,
                "x-content-type-options": "nosniff",
                "content-security-policy": "sandbox",
                "cache-control": "private, no-store",
            },
        )

    @post("/{document_id:int}/delete", guards=[registrars])
    async def delete(
        self, request: Request, document_id: int, entry_id: int | None = Parameter(query="entry", default=None)
    ) -> Any:
        docs = entry_documents
        if docs is None:
            return redirect("/")
        await attempt(request, docs.delete_document(user_of(request), document_id), _("材料已删除。"))
        return redirect(f"/entries/{entry_id}#documents" if entry_id else "/")


class PersonalDataPages(Controller):
    """An event's personal data: what a purge would remove, and the purge (reason and confirmation)."""

    path = "/events"
    include_in_schema = False

    async def _page(
        self, request: Request, event_id: int, *, status_code: int = 200, reason: str = "", error: str = ""
    ) -> Any:
        preview = await personal_data.purge_preview(user_of(request), event_id)
        event = event_view(await events.get_event(event_id))
        kinds = [(key, _(label), preview["counts"][key]) for key, label in personal_data.KINDS.items()]
        return render(
            request,
            "competitions/registration/personal_data.html",
            status_code=status_code,
            event=event,
            preview=preview,
            kinds=kinds,
            kept=_(personal_data.KEPT),
            finished_text=show_time(preview["finished_at"]),
            due_text=show_time(preview["due_at"]),
            purged_text=show_time(preview["purged_at"]),
            retention_days=get_settings().personal_data_retention_days,
            reason=reason,
            error=error,
        )

    @get("/{event_id:int}/personal-data", guards=[organizer_only])
    async def show(self, request: Request, event_id: int) -> Any:
        return await self._page(request, event_id)

    @post("/{event_id:int}/personal-data/purge", guards=[organizer_only], status_code=200)
    async def purge(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        reason = form_value(form, "reason")
        if not form_bool(form, "confirm"):
            message = _("请勾选确认：清除后无法恢复。")
            return await self._page(request, event_id, status_code=422, reason=reason, error=message)
        try:
            result = await personal_data.purge_personal_data(user_of(request), event_id, reason)
        except ServiceError as exc:
            return await self._page(request, event_id, status_code=exc.status_code, reason=reason, error=exc.message)
        flash(request, _("已清除本赛事的个人信息（共 {n} 项），操作已记入日志。", n=result["total"]))
        return redirect(f"/events/{event_id}/personal-data")


def page_routes() -> list[Any]:
    return [EventRegistrationPages, EntryPages, MemberPages, DocumentPages, PersonalDataPages]


async def _apply_path(request: Request, event_id: int) -> str:
    """Where schools apply for an event of a kind with applications (camps), else ``""``."""
    return event_view(await events.get_event(event_id, user_of(request)))["apply_path"]
