"""Camp pages (zh/en): the camp's overview with sites and settings, applications (school: apply by
form or workbook, accept/decline; city: recommend, check priority flags; organizer: all), the
organizer's selection page (lottery, ranking, allocation preview/apply), offers and waiting lists per
site, and the public lottery page (no log-in)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from litestar import Controller, Request, get, post

from app.errors import ServiceError
from app.i18n import _
from app.times import format_time
from app.web import attempt, field_errors, flash, form_bool, form_value, redirect, render, upload_bytes, user_of
from app.web.auth import organizer_only, requires
from competitions.camps import attendance, exports, lottery, notices, teachers
from competitions.camps import services as camps
from competitions.camps.controllers import pdf_response, xlsx_response
from competitions.events import services as events
from competitions.events.lifecycle import stage_of
from competitions.registration import services as registration

readers = requires("organizer", "city", "school")
ACTION_LABELS = {
    "camp.settings": "修改科学营设置",
    "camp.site.create": "新增分营",
    "camp.site.update": "修改分营",
    "camp.site.delete": "删除分营",
    "camp.apply": "提交科学营申请",
    "camp.apply.replace": "重新上传替换科学营申请",
    "camp.duplicate_elsewhere": "申请的学生已由其他学校申请",
    "camp.priority": "核实优先类别",
    "camp.withdraw": "撤回科学营申请",
    "camp.lottery.commit": "公布抽签承诺",
    "camp.lottery.draw": "抽签开奖",
    "camp.ranking": "上传排序名单",
    "camp.allocation.apply": "分配结果生效",
    "camp.offer.accepted": "确认参营",
    "camp.offer.declined": "放弃录取",
    "camp.offer.expired": "录取逾期未确认",
    "camp.offer.promote": "候补递补录取",
    "camp.offer.manual": "组委会手动录取",
    "camp.offer.reinstate": "组委会恢复录取",
    "camp.allocation.second_round": "补录结果生效",
}


async def _context(request: Request, event_id: int) -> dict[str, Any]:
    user = user_of(request)
    event = await camps.camp_event(event_id, user)
    settings = await camps.settings_of(event_id)
    return {
        "event": event,
        "stage": (await stage_of(event)).value,
        "camp": camps.settings_out(settings),
        "groups": {g["code"]: camps.shown_label(g) for g in settings["priority_groups"]},
        "status_labels": {k: _(v) for k, v in camps.STATUS_LABELS.items()},
        "review_labels": {k: _(v) for k, v in registration.STATUS_LABELS.items()},
        "format_time": format_time,
    }


class CampPages(Controller):
    path = "/camps"
    include_in_schema = False

    @get("/", guards=[readers])
    async def index(self, request: Request) -> Any:
        """The camp events the caller may see."""
        camps_list = [e for e in await events.list_events(user_of(request)) if e["kind"] == "camp"]
        for e in camps_list:
            e["counts"] = await camps.counts(e["id"])
        return render(
            request,
            "competitions/camps/index.html",
            camps=camps_list,
            status_labels={k: _(v) for k, v in camps.STATUS_LABELS.items()},
        )

    async def _overview(self, request: Request, event_id: int, status_code: int = 200, **extra: Any) -> Any:
        ctx = await _context(request, event_id)
        sites = await camps.list_sites(user_of(request), event_id)
        return render(
            request,
            "competitions/camps/overview.html",
            status_code=status_code,
            sites=sites,
            counts=await camps.counts(event_id),
            **ctx,
            **extra,
        )

    @get("/{event_id:int}", guards=[readers])
    async def overview(self, request: Request, event_id: int) -> Any:
        return await self._overview(request, event_id)

    @post("/{event_id:int}/sites", guards=[organizer_only])
    async def add_site(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        data = _site_form(form)
        try:
            await camps.create_site(user_of(request), event_id, data)
        except ServiceError as exc:  # the form again with what was typed, the problems by field
            return await self._overview(
                request,
                event_id,
                exc.status_code,
                site_error=exc.message,
                site_form={**data, "reserves": form_value(form, "reserves")},
                site_errors={e.get("field"): e["message"] for e in exc.errors or []},
            )
        flash(request, _("已新增分营“{name}”。", name=data["name"]))
        return redirect(f"/camps/{event_id}")

    @post("/{event_id:int}/sites/{site_id:int}", guards=[organizer_only])
    async def edit_site(self, request: Request, event_id: int, site_id: int) -> Any:
        form = await request.form()
        if form_bool(form, "delete"):
            await attempt(request, camps.delete_site(user_of(request), event_id, site_id), _("已删除分营。"))
            return redirect(f"/camps/{event_id}")
        data = _site_form(form)
        try:
            await camps.update_site(user_of(request), event_id, site_id, data)
        except ServiceError as exc:
            return await self._overview(
                request,
                event_id,
                exc.status_code,
                site_error=exc.message,
                edit_site=site_id,
                edit_form={**data, "reserves": form_value(form, "reserves")},
                site_errors={e.get("field"): e["message"] for e in exc.errors or []},
            )
        flash(request, _("已保存。"))
        return redirect(f"/camps/{event_id}")

    @post("/{event_id:int}/settings", guards=[organizer_only])
    async def settings(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        groups = []
        for line in form_value(form, "priority_groups").splitlines():
            if line.strip():
                code, _sep, label = line.partition("=")
                groups.append({"code": code.strip(), "label": label.strip()})
        data: dict[str, Any] = {
            "priority_groups": groups,
            "eligible_grades": [g for g in form_value(form, "eligible_grades").replace("，", ",").split(",")],
        }
        try:
            data["offer_hours"] = int(form_value(form, "offer_hours") or 0)
        except ValueError:
            data["offer_hours"] = 0
        for key in ("leader_ratio", "completion_threshold"):
            raw = form_value(form, key)
            if raw:
                data[key] = int(raw) if raw.strip().isdigit() else -1
        await attempt(request, camps.update_settings(user_of(request), event_id, data), _("已保存。"))
        return redirect(f"/camps/{event_id}")

    async def _applications(self, request: Request, event_id: int, status_code: int = 200, **extra: Any) -> Any:
        ctx = await _context(request, event_id)
        q = request.query_params
        filters = {k: q.get(k) for k in ("status", "site", "school", "group", "q")}
        apps = await camps.list_applications(user_of(request), event_id, filters)
        sites = await camps.list_sites(user_of(request), event_id)
        free_sites = [
            {**s, "free": s["capacity"] - s["offered"] - s["accepted"]}
            for s in sites
            if s["capacity"] > s["offered"] + s["accepted"]
        ]
        return render(
            request,
            "competitions/camps/applications.html",
            status_code=status_code,
            applications=apps,
            sites=sites,
            free_sites=free_sites,
            site_names={s["code"]: s["name"] for s in sites},
            filters=filters,
            duplicates=await camps.duplicate_pairs(user_of(request), event_id) if user_of(request).is_organizer else [],
            **ctx,
            **extra,
        )

    @get("/{event_id:int}/applications", guards=[readers])
    async def applications(self, request: Request, event_id: int) -> Any:
        return await self._applications(request, event_id)

    @post("/{event_id:int}/apply", guards=[requires("organizer", "school")])
    async def apply(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        data = {
            k: form_value(form, k)
            for k in ("name", "gender", "id_type", "id_number", "grade", "phone", "priority_group", "school_code")
        }
        data["preferences"] = [form_value(form, f"pref{i}") for i in (1, 2, 3)]
        data["consent_participation"] = form_bool(form, "consent_participation")
        data["consent_publication"] = form_bool(form, "consent_publication")
        try:
            await camps.apply(user_of(request), event_id, data)
        except ServiceError as exc:
            return await self._applications(
                request, event_id, exc.status_code, error=exc.message, form=data, field_errors=field_errors(exc)
            )
        flash(request, _("已提交“{name}”的申请。", name=data["name"]))
        return redirect(f"/camps/{event_id}/applications")

    @post("/{event_id:int}/import", guards=[requires("organizer", "school")])
    async def import_(self, request: Request, event_id: int) -> Any:
        try:
            result = await camps.import_applications(user_of(request), event_id, await upload_bytes(request))
        except ServiceError as exc:
            return await self._applications(
                request, event_id, exc.status_code, error=exc.message, import_errors=exc.errors
            )
        if result.get("applications_replaced"):
            flash(
                request,
                _(
                    "已导入 {n} 份新申请，替换了 {m} 份本校之前上传的申请。",
                    n=result["applications_created"],
                    m=result["applications_replaced"],
                ),
            )
        else:
            flash(request, _("已导入 {n} 份申请。", n=result["applications_created"]))
        return redirect(f"/camps/{event_id}/applications")

    @get("/{event_id:int}/applications/{application_id:int}/confirm-decline", guards=[requires("organizer", "school")])
    async def confirm_decline(self, request: Request, event_id: int, application_id: int) -> Any:
        """The confirm step of 放弃 (works without scripts): the site, and that the place goes to the
        next on its waiting list."""
        ctx = await _context(request, event_id)
        app = await camps.get_application(user_of(request), application_id)
        if app["status"] not in ("offered", "accepted"):
            flash(request, _("这份申请没有可放弃的录取。"), "error")
            return redirect(f"/camps/{event_id}/applications")
        sites = {s["code"]: s for s in await camps.list_sites(user_of(request), event_id)}
        return render(
            request,
            "competitions/camps/decline.html",
            application=app,
            site=sites.get(app["site_code"], {"name": app["site_code"], "code": app["site_code"]}),
            **ctx,
        )

    @post("/{event_id:int}/applications/{application_id:int}/{action:str}", guards=[readers])
    async def act(self, request: Request, event_id: int, application_id: int, action: str) -> Any:
        user = user_of(request)
        form = await request.form()
        done = _("已保存。")
        if action == "decline" and not form_bool(form, "confirmed"):
            return redirect(
                f"/camps/{event_id}/applications/{application_id}/confirm-decline"
            )  # the confirm step first
        if action in ("accept", "decline"):
            work = camps.respond(user, application_id, action)
            done = _("已确认参营。") if action == "accept" else _("已放弃录取，名额已转给候补。")
        elif action == "withdraw":
            work = camps.withdraw(user, application_id)
        elif action == "priority":
            work = camps.check_priority(
                user,
                application_id,
                form_bool(form, "checked"),
                form_value(form, "group") or None,
                form_value(form, "reason") or None,
            )
        elif action == "offer":
            work = camps.offer_by_hand(user, application_id, form_value(form, "site_code"), form_value(form, "reason"))
            done = _("已录取，并通知学校在期限内确认。")
        elif action == "reinstate":
            work = camps.reinstate(user, application_id, form_value(form, "reason"))
            done = _("已恢复录取，并给出新的确认期限。")
        elif action in ("approve", "return"):
            app = await camps.get_application(user, application_id)
            work = registration.review_entry(user, app["entry_id"], action, form_value(form, "reason") or None)
        else:
            return redirect(f"/camps/{event_id}/applications")
        await attempt(request, work, done)
        return redirect(f"/camps/{event_id}/applications")

    @get("/{event_id:int}/selection", guards=[organizer_only])
    async def selection(self, request: Request, event_id: int) -> Any:
        ctx = await _context(request, event_id)
        user = user_of(request)
        settings = await camps.settings_of(event_id)
        preview = None
        priority = request.query_params.get("priority")
        error = None
        applied = None
        if settings["allocated_at"] is not None:
            # applied: the stored rounds as decided; a preview only of a 补录 round over the places left
            applied = await camps.applied_rounds(user, event_id)
            for r in applied["rounds"]:
                r["applied_text"] = (
                    format_time(dt.datetime.fromisoformat(r["applied_at"])) if r.get("applied_at") else ""
                )
            if request.query_params.get("second") == "1":
                try:
                    preview = await camps.second_round(user, event_id, False)
                except ServiceError as exc:
                    error = exc.message
        elif priority in ("lottery", "ranking"):
            try:
                preview = await camps.run_allocation(user, event_id, priority, False)
            except ServiceError as exc:
                error = exc.message
        sites = await camps.list_sites(user, event_id)
        apps = {a["id"]: a for a in await camps.list_applications(user, event_id)}
        return render(
            request,
            "competitions/camps/selection.html",
            lottery_state=settings,
            preview=preview,
            applied=applied,
            share_text=_share,
            priority=priority,
            error=error,
            applications=apps,
            site_names={s["code"]: s["name"] for s in sites},
            **ctx,
        )

    @post("/{event_id:int}/selection/{action:str}", guards=[organizer_only])
    async def selection_act(self, request: Request, event_id: int, action: str) -> Any:
        user = user_of(request)
        if action == "ranking":
            try:
                items = camps.ranking_from_workbook(await upload_bytes(request))
            except ServiceError as exc:
                flash(request, exc.message, "error")
                return redirect(f"/camps/{event_id}/selection")
            await attempt(request, camps.set_ranking(user, event_id, items), _("已保存排序名单。"))
            return redirect(f"/camps/{event_id}/selection")
        form = await request.form()
        if action == "commit":
            await attempt(
                request, camps.commit_lottery(user, event_id, form_value(form, "public_source")), _("已公布抽签承诺。")
            )
        elif action == "draw":
            await attempt(request, camps.draw_lottery(user, event_id, form_value(form, "public_value")), _("已开奖。"))
        elif action == "ranking-text":
            items = form_value(form, "ranking").replace(",", "\n").split()
            await attempt(request, camps.set_ranking(user, event_id, items), _("已保存排序名单。"))
        elif action == "second-round":
            ok = await attempt(
                request,
                camps.second_round(user, event_id, True),
                _("补录结果已生效，已向补录的学生发出录取。"),
            )
            if ok:
                return redirect(f"/camps/{event_id}/selection#rounds")
        elif action == "apply":
            priority = form_value(form, "priority")
            ok = await attempt(
                request,
                camps.run_allocation(user, event_id, priority, True),
                _("分配结果已生效，已向录取学生发出录取。"),
            )
            if ok:
                return redirect(f"/camps/{event_id}/offers")
        return redirect(f"/camps/{event_id}/selection")

    @get("/{event_id:int}/admission-notices.pdf", guards=[requires("organizer", "school")])
    async def admission_notices(self, request: Request, event_id: int) -> Any:
        q = request.query_params
        try:
            data, name = await notices.admission_notices_pdf(
                user_of(request), event_id, q.get("site_code") or None, q.get("school_code") or None
            )
        except ServiceError as exc:
            flash(request, exc.message, "error")
            return redirect(f"/camps/{event_id}/applications")
        return pdf_response(data, name)

    @get("/{event_id:int}/leaders", guards=[requires("organizer", "school")])
    async def leaders(self, request: Request, event_id: int) -> Any:
        user = user_of(request)
        ctx = await _context(request, event_id)
        return render(
            request,
            "competitions/camps/leaders.html",
            overview=await teachers.overview(user, event_id) if user.is_organizer else None,
            teachers=await teachers.list_teachers(user, event_id),
            sites=await camps.list_sites(user, event_id),
            **ctx,
        )

    @post("/{event_id:int}/leaders/{action:str}", guards=[requires("organizer", "school")])
    async def leaders_act(self, request: Request, event_id: int, action: str) -> Any:
        user = user_of(request)
        form = await request.form()
        if action == "propose":
            data = {k: form_value(form, k) for k in ("name", "gender", "phone", "school_code")}
            await attempt(
                request, teachers.propose(user, event_id, data), _("已推荐带队教师“{name}”。", name=data["name"])
            )
        elif action == "assign":
            await attempt(request, teachers.assign(user, event_id), _("已按规则安排带队教师。"))
        elif action == "place":
            tid = int(form_value(form, "teacher_id") or 0)
            await attempt(request, teachers.place(user, tid, form_value(form, "site_code") or None), _("已保存。"))
        elif action == "remove":
            tid = int(form_value(form, "teacher_id") or 0)
            await attempt(request, teachers.remove(user, tid), _("已删除。"))
        return redirect(f"/camps/{event_id}/leaders")

    @get("/{event_id:int}/leaders/{teacher_id:int}/notice.pdf", guards=[requires("organizer", "school")])
    async def leader_notice(self, request: Request, event_id: int, teacher_id: int) -> Any:
        try:
            data, name = await teachers.teacher_notice_pdf(user_of(request), teacher_id)
        except ServiceError as exc:
            flash(request, exc.message, "error")
            return redirect(f"/camps/{event_id}/leaders")
        return pdf_response(data, name)

    @get("/{event_id:int}/site-roster.xlsx", guards=[organizer_only])
    async def site_roster(self, request: Request, event_id: int, site_code: str = "") -> Any:
        content = await exports.site_workbook(user_of(request), event_id, site_code)
        return xlsx_response(content, f"camp-site-{event_id}-{site_code}.xlsx")

    @post("/{event_id:int}/site-roster.xlsx", guards=[organizer_only])
    async def site_roster_personal(self, request: Request, event_id: int, site_code: str = "") -> Any:
        form = await request.form()
        try:
            content = await exports.site_workbook(
                user_of(request), event_id, site_code, personal=True, reason=form_value(form, "reason")
            )
        except ServiceError as exc:
            flash(request, exc.message, "error")
            return redirect(f"/camps/{event_id}/offers")
        return xlsx_response(content, f"camp-site-{event_id}-{site_code}-personal.xlsx")

    @get("/{event_id:int}/completion", guards=[organizer_only])
    async def completion(self, request: Request, event_id: int) -> Any:
        ctx = await _context(request, event_id)
        return render(
            request,
            "competitions/camps/completion.html",
            report=await attendance.completion_report(user_of(request), event_id),
            activities=await attendance.activities(event_id),
            sites=await camps.list_sites(user_of(request), event_id),
            **ctx,
        )

    @post("/{event_id:int}/completion/activity", guards=[organizer_only])
    async def link_activity(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        await attempt(
            request,
            attendance.link_activity(
                user_of(request),
                event_id,
                int(form_value(form, "session_id") or 0),
                form_value(form, "site_code") or None,
                form_bool(form, "required"),
            ),
            _("已保存。"),
        )
        return redirect(f"/camps/{event_id}/completion")

    @get("/{event_id:int}/offers", guards=[organizer_only])
    async def offers(self, request: Request, event_id: int) -> Any:
        ctx = await _context(request, event_id)
        return render(
            request,
            "competitions/camps/offers.html",
            by_site=await camps.offers_by_site(user_of(request), event_id),
            **ctx,
        )

    @get("/{event_id:int}/lottery")
    async def public_lottery(self, request: Request, event_id: int) -> Any:
        event = await camps.camp_event(event_id)
        try:
            record = await camps.public_lottery(event_id)
        except ServiceError:
            record = None
        return render(
            request,
            "competitions/camps/lottery.html",
            event=event,
            record=record,
            algorithm=lottery.ALGORITHM_TEXT,
            numbers=(
                {i: lottery.lottery_number(record["seed"], record["public_value"], i) for i in record["order"]}
                if record and record["order"] is not None
                else {}
            ),
            format_time=format_time,
        )


def _share(value: str) -> str:
    """A first-choice share (``"0.6667"``) as a percentage with one decimal (``"66.7%"``)."""
    return f"{Decimal(value) * 100:.1f}%"


def _site_form(form: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        k: form_value(form, k)
        for k in (
            "code",
            "name",
            "host",
            "city",
            "starts_on",
            "ends_on",
            "contact_name",
            "contact_phone",
            "report_time",
            "report_place",
            "grades",
        )
    }
    data["capacity"] = form_value(form, "capacity")
    reserves = {}
    for line in form_value(form, "reserves").replace("，", ",").replace(",", "\n").splitlines():
        if "=" in line:
            g, _sep, share = line.partition("=")
            reserves[g.strip()] = share.strip()
    data["reserves"] = reserves
    return data


def page_routes() -> list[Any]:
    return [CampPages]
