"""Talent programme pages (zh/en): the office's overview (settings, subjects, mentors), applications
(school: apply by form or workbook; city: recommend; office: check), selection (test scores, cut-off
preview, invitations, interviews, matching preview/apply, adjustments), the cohort's year of growth, a
student's page, the mentor's pages (laptop and phone) and the public mentor profiles (no log-in)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import File

from app.errors import NotFound, ServiceError, TooLarge, ValidationFailed
from app.i18n import _
from app.settings import get_settings
from app.times import format_time, local_now, now
from app.web import (
    attempt,
    client_address,
    field_errors,
    flash,
    form_bool,
    form_value,
    redirect,
    render,
    upload_bytes,
    user_of,
    xlsx_response,
)
from app.web.auth import organizer_only, requires
from competitions.events import services as events
from competitions.events.lifecycle import stage_of
from competitions.registration import services as registration
from competitions.registration.documents import content_disposition
from competitions.talent import exports, growth, links
from competitions.talent import services as talent

readers = requires("organizer", "city", "school")
everyone = requires("organizer", "city", "school", "mentor")
ACTION_LABELS = {
    "talent.settings": "修改培养计划设置",
    "talent.mentor.create": "新增导师",
    "talent.mentor.update": "修改导师",
    "talent.mentor.delete": "删除导师",
    "talent.apply": "提交培养计划申请",
    "talent.withdraw": "撤回培养计划申请",
    "talent.scores": "录入潜质测试成绩",
    "talent.cutoffs": "设定分数线",
    "talent.invite": "发出面试邀请",
    "talent.interview.move": "修改面试安排",
    "talent.ranking": "导师排序",
    "talent.match.apply": "匹配结果生效",
    "talent.match.adjust": "调整导师",
    "talent.plan": "修改培养方案",
    "talent.log.add": "填写成长日志",
    "talent.log.delete": "删除成长日志",
    "talent.log.comment": "导师点评",
    "talent.visit": "实验室活动",
    "talent.midterm": "中期考核",
    "talent.final": "结业考核",
    "talent.destination": "记录毕业去向",
    "talent.link.create": "生成学生链接",
    "talent.link.revoke": "撤销学生链接",
}


def status_labels() -> dict[str, str]:
    return {k: _(v) for k, v in talent.STATUS_LABELS.items()}


async def _context(request: Request, event_id: int) -> dict[str, Any]:
    user = user_of(request)
    event = await talent.talent_event(event_id, user)
    settings = await talent.settings_of(event_id)
    return {
        "event": event,
        "stage": (await stage_of(event)).value,
        "programme": talent.settings_out(settings),
        "status_labels": status_labels(),
        "review_labels": {k: _(v) for k, v in registration.STATUS_LABELS.items()},
        "format_time": format_time,
        "subjects": await talent.subjects(event_id),
        "midterm_labels": {k: _(v) for k, v in growth.MIDTERM_LABELS.items()},
        "final_labels": {k: _(v) for k, v in growth.FINAL_LABELS.items()},
        "today": local_now().date().isoformat(),  # the latest day a growth-log entry may have
    }


def _int(form: Any, key: str) -> Any:
    raw = form_value(form, key).strip()
    try:
        return int(raw)
    except ValueError:
        return raw


class TalentPages(Controller):
    path = "/talent"
    include_in_schema = False

    @get("/", guards=[everyone])
    async def index(self, request: Request) -> Any:
        """The talent events the caller may see; a mentor's home lists its programmes."""
        user = user_of(request)
        if user.role == "mentor":
            rows = await talent.mentor_events(user)
            if len(rows) == 1:
                return redirect(f"/talent/{rows[0]['event']}/mentor")
            return render(request, "competitions/talent/mentor_index.html", rows=rows)
        programmes = [e for e in await events.list_events(user) if e["kind"] == "talent"]
        for e in programmes:
            e["counts"] = await talent.counts(e["id"])
        return render(request, "competitions/talent/index.html", programmes=programmes, status_labels=status_labels())

    @get("/{event_id:int}", guards=[readers])
    async def overview(self, request: Request, event_id: int) -> Any:
        ctx = await _context(request, event_id)
        return render(
            request,
            "competitions/talent/overview.html",
            mentors=await talent.list_mentors(user_of(request), event_id),
            counts=await talent.counts(event_id),
            **ctx,
        )

    @post("/{event_id:int}/settings", guards=[organizer_only])
    async def settings(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        data: dict[str, Any] = {
            "eligible_grades": form_value(form, "eligible_grades").replace("，", ",").split(","),
            "interview_minutes": _int(form, "interview_minutes"),
            "log_interval_days": _int(form, "log_interval_days"),
            "hours_target": form_value(form, "hours_target"),
        }
        for key in ("starts_on", "midterm_on", "final_on"):
            data[key] = form_value(form, key) or None
        await attempt(request, talent.update_settings(user_of(request), event_id, data), _("已保存。"))
        return redirect(f"/talent/{event_id}")

    @post("/{event_id:int}/mentors", guards=[organizer_only])
    async def add_mentor(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        user = user_of(request)
        data = _mentor_form(form)
        data["username"] = form_value(form, "username").strip()
        password = form_value(form, "password")
        if form_bool(form, "create_account"):
            from app.accounts import services as accounts

            ok = await attempt(
                request,
                accounts.create_user(
                    user,
                    username=data["username"],
                    password=password,
                    role="mentor",
                    display_name=form_value(form, "display_name").strip() or None,
                    must_change_password=True,
                ),
                _("已创建导师账号“{username}”，首次登录须修改密码。", username=data["username"]),
            )
            if not ok:
                return redirect(f"/talent/{event_id}")
        await attempt(
            request,
            talent.create_mentor(user, event_id, data),
            _("已新增导师“{username}”。", username=data["username"]),
        )
        return redirect(f"/talent/{event_id}")

    @post("/{event_id:int}/mentors/{mentor_id:int}", guards=[requires("organizer", "mentor")])
    async def edit_mentor(self, request: Request, event_id: int, mentor_id: int) -> Any:
        form = await request.form()
        user = user_of(request)
        if form_bool(form, "delete"):
            await attempt(request, talent.delete_mentor(user, event_id, mentor_id), _("已删除导师。"))
        else:
            data = _mentor_form(form)
            data["public"] = form_bool(form, "public")
            await attempt(request, talent.update_mentor(user, event_id, mentor_id, data), _("已保存。"))
        return redirect(f"/talent/{event_id}/mentor" if user.role == "mentor" else f"/talent/{event_id}")

    # ----------------------------------------------------------------------- public mentor profiles

    @get("/{event_id:int}/mentors")
    async def public_mentors(self, request: Request, event_id: int) -> Any:
        event, mentors = await talent.public_mentors(event_id)
        by_subject: dict[str, list[dict[str, Any]]] = {}
        for m in mentors:
            by_subject.setdefault(m["subject_name"], []).append(m)
        return render(request, "competitions/talent/mentors_public.html", event=event, by_subject=by_subject)

    @get("/{event_id:int}/mentors/{mentor_id:int}")
    async def public_mentor(self, request: Request, event_id: int, mentor_id: int) -> Any:
        event, mentors = await talent.public_mentors(event_id)
        mentor = next((m for m in mentors if m["id"] == mentor_id), None)
        if mentor is None:
            raise NotFound(_("导师不存在。"))
        return render(request, "competitions/talent/mentor_public.html", event=event, mentor=mentor)

    # ----------------------------------------------------------------------- applications

    async def _applications(self, request: Request, event_id: int, status_code: int = 200, **extra: Any) -> Any:
        ctx = await _context(request, event_id)
        q = request.query_params
        filters = {k: q.get(k) for k in ("status", "site", "school", "subject", "q")}
        user = user_of(request)
        apps = await talent.list_applications(user, event_id, filters)
        mentors = await talent.list_mentors(user, event_id)
        return render(
            request,
            "competitions/talent/applications.html",
            status_code=status_code,
            applications=apps,
            mentors=mentors,
            mentor_names={m["code"]: m["name"] for m in mentors},
            filters=filters,
            **ctx,
            **extra,
        )

    @get("/{event_id:int}/applications", guards=[readers])
    async def applications(self, request: Request, event_id: int) -> Any:
        return await self._applications(request, event_id)

    @post("/{event_id:int}/apply", guards=[requires("organizer", "school")])
    async def apply(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        data: dict[str, Any] = {
            k: form_value(form, k)
            for k in ("name", "gender", "id_type", "id_number", "grade", "phone", "school_code", "subject", "statement")
        }
        data["preferences"] = [form_value(form, f"pref{i}") for i in (1, 2, 3)]
        data["consent_participation"] = form_bool(form, "consent_participation")
        data["consent_publication"] = form_bool(form, "consent_publication")
        try:
            await talent.apply(user_of(request), event_id, data)
        except ServiceError as exc:
            return await self._applications(
                request,
                event_id,
                exc.status_code,
                error=exc.message,
                import_errors=exc.errors,
                form=data,
                field_errors=field_errors(exc),
            )
        flash(request, _("已提交“{name}”的申请。", name=data["name"]))
        return redirect(f"/talent/{event_id}/applications")

    @post("/{event_id:int}/import", guards=[requires("organizer", "school")])
    async def import_(self, request: Request, event_id: int) -> Any:
        try:
            result = await talent.import_applications(user_of(request), event_id, await upload_bytes(request))
        except ServiceError as exc:
            return await self._applications(
                request, event_id, exc.status_code, error=exc.message, import_errors=exc.errors
            )
        flash(request, _("已导入 {n} 份申请。", n=result["applications_created"]))
        return redirect(f"/talent/{event_id}/applications")

    @post("/{event_id:int}/applications/{application_id:int}/{action:str}", guards=[readers])
    async def act(self, request: Request, event_id: int, application_id: int, action: str) -> Any:
        user = user_of(request)
        form = await request.form()
        if action == "withdraw":
            await attempt(request, talent.withdraw(user, application_id), _("已撤回申请。"))
        elif action in ("approve", "return"):
            row = await talent.visible_application(user, application_id)
            await attempt(
                request,
                registration.review_entry(user, row["entry"], action, form_value(form, "reason") or None),
                _("已保存。"),
            )
        elif action == "adjust":
            await attempt(
                request,
                talent.adjust(user, application_id, form_value(form, "mentor") or None, form_value(form, "reason")),
                _("已调整导师。"),
            )
            return redirect(f"/talent/{event_id}/selection#matching")
        return redirect(f"/talent/{event_id}/applications")

    # ----------------------------------------------------------------------- selection (office)

    @get("/{event_id:int}/selection", guards=[organizer_only])
    async def selection(self, request: Request, event_id: int) -> Any:
        ctx = await _context(request, event_id)
        user = user_of(request)
        step = request.query_params.get("step") or "5"
        error = None
        try:
            preview = await talent.cutoff_preview(user, event_id, step)
        except ServiceError as exc:
            error = exc.message
            preview = await talent.cutoff_preview(user, event_id, "5")
        matching = None
        if request.query_params.get("preview") and ctx["programme"]["invited"] and not ctx["programme"]["matched"]:
            try:
                matching = await talent.run_allocation(user, event_id, False)
            except ServiceError as exc:
                error = exc.message
        mentors = await talent.list_mentors(user, event_id)
        apps = await talent.list_applications(user, event_id)
        return render(
            request,
            "competitions/talent/selection.html",
            preview=preview,
            step=step,
            error=error,
            matching=matching,
            share_text=f"{Decimal(matching['first_choice_share']) * 100:.1f}%" if matching else "",
            mentors=mentors,
            mentor_map={m["code"]: m for m in mentors},
            applications={a["id"]: a for a in apps},
            matched=[a for a in apps if a["status"] in talent.IN_PROGRAMME or a["status"] == "unmatched"],
            interviews=await talent.interviews(user, event_id) if ctx["programme"]["invited"] else [],
            **ctx,
        )

    @post("/{event_id:int}/selection/{action:str}", guards=[organizer_only])
    async def selection_act(self, request: Request, event_id: int, action: str) -> Any:
        user = user_of(request)
        back = f"/talent/{event_id}/selection"
        if action == "scores":
            try:
                result = await talent.import_scores(user, event_id, await upload_bytes(request))
            except ServiceError as exc:
                lines = [exc.message] + [
                    (_("第 {row} 行", row=e["row"]) + " " + str(e.get("column") or "") + "：" if e.get("row") else "")
                    + e["message"]
                    for e in (exc.errors or [])[:20]
                ]
                flash(request, " ".join(lines), "error")
                return redirect(back)
            flash(request, _("已录入 {n} 条潜质测试成绩。", n=result["scores_recorded"]))
            return redirect(back)
        form = await request.form()
        if action == "cutoffs":
            values = {
                s["code"]: form_value(form, f"cutoff_{s['code']}") or None for s in await talent.subjects(event_id)
            }
            await attempt(request, talent.set_cutoffs(user, event_id, values), _("已保存分数线。"))
        elif action == "invite":
            data = {"starts_at": form_value(form, "starts_at"), "place": form_value(form, "place")}
            await attempt(request, talent.invite(user, event_id, data), _("已发出面试邀请。"))
        elif action == "interview":
            interview_id = int(form_value(form, "interview_id") or 0)
            data = {"starts_at": form_value(form, "starts_at") or None, "place": form_value(form, "place")}
            await attempt(request, talent.move_interview(user, interview_id, data), _("已保存。"))
            return redirect(back + "#interviews")
        elif action == "apply":
            await attempt(request, talent.run_allocation(user, event_id, True), _("匹配结果已生效。"))
            return redirect(back + "#matching")
        return redirect(back)

    # ----------------------------------------------------------------------- mentors (their own pages)

    @get("/{event_id:int}/mentor", guards=[requires("mentor")])
    async def mentor_home(self, request: Request, event_id: int) -> Any:
        ctx = await _context(request, event_id)
        home = await talent.mentor_applicants(user_of(request), event_id)
        progress = {s["id"]: s for s in (await growth.cohort(user_of(request), event_id))["students"]}
        return render(request, "competitions/talent/mentor_home.html", home=home, progress=progress, **ctx)

    @post("/{event_id:int}/mentor/ranking", guards=[requires("mentor")])
    async def mentor_ranking(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        items = []
        for raw in form.getall("application_id") if hasattr(form, "getall") else []:
            aid = int(raw)
            rank = form_value(form, f"rank_{aid}").strip()
            items.append(
                {
                    "application_id": aid,
                    "rank": int(rank) if rank.isdigit() else (rank or None),
                    "refused": form_bool(form, f"refused_{aid}"),
                    "note": form_value(form, f"note_{aid}"),
                }
            )
        await attempt(request, talent.set_choices(user_of(request), event_id, items), _("已保存排序。"))
        return redirect(f"/talent/{event_id}/mentor#ranking")

    # ----------------------------------------------------------------------- the year of growth

    @get("/{event_id:int}/cohort", guards=[readers])
    async def cohort(self, request: Request, event_id: int) -> Any:
        ctx = await _context(request, event_id)
        data = await growth.cohort(user_of(request), event_id)
        return render(request, "competitions/talent/cohort.html", cohort=data, **ctx)

    @get("/{event_id:int}/cohort.xlsx", guards=[everyone])
    async def cohort_workbook(self, request: Request, event_id: int) -> Any:
        content = await exports.cohort_workbook(user_of(request), event_id)
        return xlsx_response(content, f"talent-cohort-{event_id}.xlsx", _("培养名单-{id}.xlsx", id=event_id))

    @get("/{event_id:int}/students/{application_id:int}", guards=[everyone])
    async def student(self, request: Request, event_id: int, application_id: int) -> Any:
        user = user_of(request)
        ctx = await _context(request, event_id)
        record = await growth.student_record(user, application_id)
        if record["application"]["event_id"] != event_id:
            raise NotFound(_("申请不存在或您无权查看。"))
        link = await links.link_state(user, application_id) if record["can"]["log"] else None
        return render(request, "competitions/talent/student.html", record=record, student_link=link, **ctx)

    @get("/{event_id:int}/students/{application_id:int}/student-link", guards=[everyone])
    async def student_link(self, request: Request, event_id: int, application_id: int) -> Any:
        """The link just made, shown this once (kept in the maker's session until this page takes it);
        afterwards (a reload, another user) the page says it was shown and offers to make a new one."""
        user = user_of(request)
        state = await links.link_state(user, application_id)
        ctx = await _context(request, event_id)
        record = await growth.student_record(user, application_id)
        if record["application"]["event_id"] != event_id:
            raise NotFound(_("申请不存在或您无权查看。"))
        made = _take_new_link(request, application_id)
        url = svg = None
        if made is not None:
            import qrcode
            import qrcode.image.svg

            url = f"{str(request.base_url).rstrip('/')}{made['path']}"
            svg = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2).to_string(
                encoding="unicode"
            )
        page = render(
            request,
            "competitions/talent/student_link.html",
            made=made,
            url=url,
            svg=svg,
            state=state,
            student=record["application"],
            **ctx,
        )
        page.headers["cache-control"] = "no-store"
        return page

    @post("/{event_id:int}/students/{application_id:int}/student-link", guards=[everyone])
    async def make_student_link(self, request: Request, event_id: int, application_id: int) -> Any:
        """Make a new link (revoking the old) and redirect to the page that shows it once
        (POST-redirect-GET: reloading that page makes no other link)."""
        back = f"/talent/{event_id}/students/{application_id}"
        try:
            made = await links.create_link(user_of(request), application_id)
        except ServiceError as exc:
            flash(request, exc.message, "error")
            return redirect(back)
        _keep_new_link(request, made)
        return redirect(back + "/student-link")

    @post("/{event_id:int}/students/{application_id:int}/{action:str}", guards=[everyone])
    async def student_act(self, request: Request, event_id: int, application_id: int, action: str) -> Any:
        user = user_of(request)
        back = f"/talent/{event_id}/students/{application_id}"
        if action == "attach":
            log_id = int(request.query_params.get("log") or 0)
            form = await request.form()
            upload = form.get("file")
            if upload is None or not hasattr(upload, "read"):
                flash(request, _("请选择文件。"), "error")
                return redirect(back)
            data = await upload.read()
            await attempt(
                request, growth.attach(user, log_id, getattr(upload, "filename", "") or "", data), _("已上传附件。")
            )
            return redirect(back + "#log")
        form = await request.form()
        if action == "revoke-student-link":
            await attempt(request, links.revoke_link(user, application_id), _("已撤销学生链接。"))
            return redirect(back + "#student-link")
        if action == "plan":
            await attempt(
                request, growth.set_plan(user, application_id, form_value(form, "plan")), _("已保存培养方案。")
            )
        elif action == "log":
            data = {k: form_value(form, k) for k in ("on", "activity", "hours", "reflection")}
            await attempt(request, growth.add_log(user, application_id, data), _("已添加成长日志。"))
            return redirect(back + "#log")
        elif action == "comment":
            log_id = int(form_value(form, "log_id") or 0)
            await attempt(request, growth.comment(user, log_id, form_value(form, "comment")), _("已保存点评。"))
            return redirect(back + "#log")
        elif action == "delete-log":
            log_id = int(form_value(form, "log_id") or 0)
            await attempt(request, growth.delete_log(user, log_id), _("已删除。"))
            return redirect(back + "#log")
        elif action == "midterm":
            await attempt(
                request,
                growth.midterm(user, application_id, form_value(form, "result"), form_value(form, "reason")),
                _("已记录中期考核。"),
            )
        elif action == "final":
            report = form_value(form, "report_document")
            await attempt(
                request,
                growth.final_review(
                    user,
                    application_id,
                    form_value(form, "result"),
                    form_value(form, "comment"),
                    int(report) if report.isdigit() else None,
                ),
                _("已记录结业考核。"),
            )
        elif action == "destination":
            await attempt(
                request,
                growth.record_destination(
                    user,
                    application_id,
                    {
                        "consent": form_bool(form, "consent"),
                        "university": form_value(form, "university"),
                        "major": form_value(form, "major"),
                    },
                ),
                _("已记录毕业去向。"),
            )
        return redirect(back)

    @get("/documents/{document_id:int}", guards=[everyone])
    async def document(self, request: Request, document_id: int) -> Any:
        doc, path = await growth.open_attachment(user_of(request), document_id)
        return attachment_response(doc, path)

    @get("/{event_id:int}/visits", guards=[requires("organizer", "mentor")])
    async def visits(self, request: Request, event_id: int) -> Any:
        ctx = await _context(request, event_id)
        return render(
            request,
            "competitions/talent/visits.html",
            visits=await growth.list_visits(user_of(request), event_id),
            **ctx,
        )

    @post("/{event_id:int}/visits", guards=[requires("organizer", "mentor")])
    async def add_visit(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        data = {k: form_value(form, k) for k in ("name", "starts_at", "ends_at", "location", "mentor")}
        await attempt(request, growth.create_visit(user_of(request), event_id, data), _("已安排实验室活动。"))
        return redirect(f"/talent/{event_id}/visits")

    @post("/{event_id:int}/visits/{visit_id:int}/attend", guards=[requires("organizer", "mentor")])
    async def attend(self, request: Request, event_id: int, visit_id: int) -> Any:
        form = await request.form()
        ids = [int(x) for x in (form.getall("member_id") if hasattr(form, "getall") else []) if str(x).isdigit()]
        await attempt(request, growth.record_attendance(user_of(request), visit_id, ids), _("已记录签到。"))
        return redirect(f"/talent/{event_id}/visits")


def attachment_response(doc: dict[str, Any], path: Path) -> File:
    """A stored growth-log attachment, the same for the school, the mentor and the student's link:
    streamed from its place (never deleted after sending: it is the student's file), not kept by
    caches, never sniffed into something else, sandboxed where a browser shows it. A photo opens in the
    browser (a mentor's tablet, the student's phone); PDF and Word files are downloaded."""
    inline = str(doc["content_type"]).startswith("image/")
    return File(
        path=path,
        media_type=doc["content_type"],
        headers={
            "content-disposition": content_disposition(doc["filename"], inline=inline),
            "x-content-type-options": "nosniff",
            "content-security-policy": "sandbox",
            "cache-control": "private, no-store",
        },
    )


NEW_LINK_KEY = "talent_new_link"
NEW_LINK_SECONDS = 600  # a link made and not looked at within this is not shown any more


def _keep_new_link(request: Request, made: dict[str, Any]) -> None:
    """Keep the link just made in the maker's own session for the page that shows it once."""
    current = request.scope.get("session")
    session = dict(current) if isinstance(current, dict) else {}
    session[NEW_LINK_KEY] = {
        "application_id": made["application_id"],
        "path": made["path"],
        "created_at": made["created_at"].isoformat(),
    }
    request.set_session(session)


def _take_new_link(request: Request, application_id: int) -> dict[str, Any] | None:
    """The link kept by :func:`_keep_new_link` for this student, taken out of the session (so it is
    shown once); ``None`` when there is none, it is another student's, or it is too old."""
    import datetime as dt

    current = request.scope.get("session")
    if not isinstance(current, dict) or NEW_LINK_KEY not in current:
        return None
    session = dict(current)
    kept = session.get(NEW_LINK_KEY) or {}
    if kept.get("application_id") != application_id:
        return None  # another student's link stays for its own page
    session.pop(NEW_LINK_KEY)
    request.set_session(session)
    try:
        made_at = dt.datetime.fromisoformat(str(kept.get("created_at")))
    except ValueError:
        return None
    if (now() - made_at).total_seconds() > NEW_LINK_SECONDS:
        return None
    return {"application_id": application_id, "path": kept["path"], "created_at": made_at}


class StudentLinkPages(Controller):
    """The student's own page (``/talent/my/<token>``, no log-in, made for a phone)."""

    path = "/talent/my"
    include_in_schema = False

    async def _page(self, request: Request, token: str, status_code: int = 200, **extra: Any) -> Any:
        actor, row = await links.resolve(token, client_address(request))
        page = render(
            request,
            "competitions/talent/my.html",
            status_code=status_code,
            me=await links.student_page(actor, row),
            token=token,
            today=local_now().date().isoformat(),
            max_file_mb=get_settings().max_document_bytes // 1048576,
            **extra,
        )
        page.headers["cache-control"] = "no-store"
        return page

    @get("/{token:str}")
    async def show(self, request: Request, token: str) -> Any:
        return await self._page(request, token)

    @get("/{token:str}/files/{document_id:int}")
    async def attachment(self, request: Request, token: str, document_id: int) -> Any:
        """An attachment of the student's own growth log (404 for any other document)."""
        actor, row = await links.resolve(token, client_address(request))
        doc, path = await links.open_attachment(actor, row, document_id)
        return attachment_response(doc, path)

    @post("/{token:str}/logs/{log_id:int}/delete")
    async def delete_log(self, request: Request, token: str, log_id: int) -> Any:
        """The student deletes its own entry (a wrong date or hours) while the mentor has not commented."""
        actor, _row = await links.resolve(token, client_address(request))
        try:
            await growth.delete_log(actor, log_id)
        except ServiceError as exc:
            if isinstance(exc, NotFound):
                raise
            return await self._page(request, token, status_code=exc.status_code, problem=exc.message)
        flash(request, _("已删除。"))
        return redirect(links.link_path(token) + "#log")

    @post("/{token:str}", request_max_body_size=get_settings().max_document_bytes + 256 * 1024)
    async def add_log(self, request: Request, token: str) -> Any:
        """A growth-log entry by the student (the school's service and rules), with an optional file."""
        actor, row = await links.resolve(token, client_address(request))
        form = await request.form()
        data = {k: form_value(form, k) for k in ("on", "activity", "hours", "reflection")}
        upload = form.get("file")
        content = await upload.read() if upload is not None and hasattr(upload, "read") else b""
        try:
            if content:
                growth.check_attachment(content)
            made = await growth.add_log(actor, row["id"], data)
            if content:
                await growth.attach(actor, made["id"], getattr(upload, "filename", "") or "", content)
        except ServiceError as exc:
            errors = list(exc.errors or [])
            if not isinstance(exc, ValidationFailed):
                if not isinstance(exc, TooLarge):  # said on the page itself
                    return await self._page(request, token, status_code=exc.status_code, problem=exc.message)
                errors = [{"field": "file", "message": exc.message}]  # too large: the file field's error
            if content and not any(e.get("field") == "file" for e in errors):
                # a browser never fills a file field in again: say so where the student looks
                errors.append({"field": "file", "message": _("请重新选择附件：页面出错后，已选的文件不会保留。")})
            return await self._page(request, token, status_code=exc.status_code, errors=errors, values=data)
        flash(request, _("已添加成长日志。"))  # starts a session for the student (no log-in) to carry it
        return redirect(links.link_path(token) + "#log")


def _mentor_form(form: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        k: form_value(form, k) for k in ("subject", "university", "lab", "title", "topics", "profile")
    }
    data["capacity"] = _int(form, "capacity")
    return {k: v for k, v in data.items() if k in form}


def page_routes() -> list[Any]:
    return [TalentPages, StudentLinkPages]
