"""Outreach pages (大手拉小手, zh/en): the office's overview, experts (with availability and topics),
topics to browse, requests (school: its own and the request form; city: its schools' with priority),
tours (plan, edit, confirm, itineraries), talks (delivery: the school's confirmation, photos, the
expert's hours, cancel or move), numbers per year, and the expert's own phone page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import File

from app.errors import ServiceError, ValidationFailed
from app.i18n import _, pgettext
from app.web import attempt, content_disposition, flash, form_bool, form_value, redirect, render, user_of, xlsx_response
from app.web.auth import organizer_only, requires
from competitions.events.tables import DIVISIONS
from competitions.outreach import delivery, itinerary, notices, numbers, tours, travel
from competitions.outreach import services as outreach
from competitions.outreach.services import PRIORITY_LABELS, REGION_NAME, REQUEST_STATUS_LABELS
from competitions.outreach.tours import TALK_STATUS_LABELS, TOUR_STATUS_LABELS

readers = requires("organizer", "expert", "school", "city")
ACTION_LABELS = {
    "outreach.settings": "修改科普报告设置",
    "outreach.expert.create": "新增专家",
    "outreach.expert.update": "修改专家信息",
    "outreach.availability.add": "新增专家可安排时间",
    "outreach.availability.delete": "删除专家可安排时间",
    "outreach.topic.create": "新增报告主题",
    "outreach.topic.update": "修改报告主题",
    "outreach.request.create": "申请科普报告",
    "outreach.request.withdraw": "撤回科普报告申请",
    "outreach.request.priority": "设置申请优先级",
    "outreach.tour.plan": "规划巡讲",
    "outreach.tour.confirm": "确认巡讲",
    "outreach.tour.cancel": "取消巡讲",
    "outreach.talk.move": "调整报告",
    "outreach.talk.remove": "从巡讲草案移除报告",
    "outreach.talk.assign": "人工安排报告",
    "outreach.talk.cancel": "取消报告",
    "outreach.talk.confirm": "学校确认报告",
    "outreach.talk.hours": "专家记录工作时长",
    "outreach.photo.upload": "上传报告照片",
    "outreach.photo.delete": "删除报告照片",
    "outreach.travel": "修改路程表",
}


def _labels() -> dict[str, Any]:
    return {
        "request_labels": {k: pgettext("request", v) for k, v in REQUEST_STATUS_LABELS.items()},
        "priority_labels": {k: _(v) for k, v in PRIORITY_LABELS.items()},
        "divisions": DIVISIONS,
        "regions": REGION_NAME,
        "talk_labels": {k: pgettext("talk", v) for k, v in TALK_STATUS_LABELS.items()},
        "tour_labels": {k: pgettext("tour", v) for k, v in TOUR_STATUS_LABELS.items()},
    }


def _expert_form(form: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        k: form_value(form, k) for k in ("name", "affiliation", "title", "bio", "phone", "username", "password")
    }
    data["regions"] = [v for v in form.getall("regions", [])] if hasattr(form, "getall") else []
    data["generally_available"] = form_bool(form, "generally_available")
    return data


def _topic_form(form: Any) -> dict[str, Any]:
    data: dict[str, Any] = {k: form_value(form, k) for k in ("title", "subject", "summary", "equipment")}
    data["duration_minutes"] = form_value(form, "duration_minutes") or None
    data["divisions"] = list(form.getall("divisions", [])) if hasattr(form, "getall") else []
    return data


def _back(form: Any, default: str) -> str:
    """Where a form sends the user back to: one of this programme's pages, else ``default`` (a page's
    ``back`` field never leads off the site)."""
    back = form_value(form, "back")
    return back if back.startswith("/outreach/") and "//" not in back and "\\" not in back else default


class OutreachPages(Controller):
    path = "/outreach"
    include_in_schema = False

    @get("/", guards=[readers])
    async def index(self, request: Request, year: int | None = None) -> Any:
        """The office's overview of a programme year (this one unless ``year``): its requests by status, the
        requests waiting in any year (in December the office plans January's tour), its settings."""
        user = user_of(request)
        if user.role == "expert":
            return redirect("/outreach/me")
        if user.role in ("school", "city"):
            return redirect("/outreach/requests")
        this_year = outreach.today().year
        year = year or this_year
        settings = await outreach.settings_for(year)  # 404 outside 2000–2100
        counts: dict[str, int] = {}
        for r in await outreach.list_requests(user, {"year": year}):
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        waiting: dict[int, int] = {}
        lapsed = 0
        for r in await outreach.list_requests(user, {"status": "open"}):
            if r["lapsed"]:
                lapsed += 1
            else:
                waiting[r["year"]] = waiting.get(r["year"], 0) + 1
        return render(
            request,
            "competitions/outreach/index.html",
            year=year,
            this_year=this_year,
            waiting=sorted(waiting.items()),
            lapsed=lapsed,
            counts=counts,
            experts=len(await outreach.list_experts(user)),
            topics=len(await outreach.list_topics(user)),
            settings=settings,
            overdue=len(await delivery.unconfirmed_talks(user)),
            **_labels(),
        )

    @post("/settings", guards=[organizer_only])
    async def settings(self, request: Request) -> Any:
        form = await request.form()
        try:
            year = int(form_value(form, "year"))
        except ValueError:
            year = outreach.today().year
        data = {k: form_value(form, k) for k in ("min_days_ahead", "confirm_within_days", "max_talks_per_day")}
        await attempt(request, outreach.update_settings(user_of(request), year, data), _("已保存。"))
        return redirect(f"/outreach/?year={year}" if 2000 <= year <= 2100 else "/outreach/")

    # ------------------------------------------------------------------ experts

    @get("/experts", guards=[organizer_only])
    async def experts(self, request: Request, q: str | None = None, region: str | None = None) -> Any:
        user = user_of(request)
        try:
            rows = await outreach.list_experts(user, q=q or None, region=region or None)
        except ServiceError as exc:
            flash(request, exc.message, "error")
            rows = await outreach.list_experts(user)
        return render(
            request, "competitions/outreach/experts.html", experts=rows, q=q or "", region=region or "", **_labels()
        )

    @post("/experts", guards=[organizer_only])
    async def add_expert(self, request: Request) -> Any:
        form = await request.form()
        data = _expert_form(form)
        try:
            expert = await outreach.create_expert(user_of(request), data)
        except ServiceError as exc:
            rows = await outreach.list_experts(user_of(request))
            return render(
                request,
                "competitions/outreach/experts.html",
                status_code=exc.status_code,
                experts=rows,
                q="",
                region="",
                error=exc.message,
                form=data,
                **_labels(),
            )
        flash(request, _("已新增专家 {name}。", name=expert["name"]))
        return redirect(f"/outreach/experts/{expert['id']}")

    async def _expert_page(self, request: Request, expert_id: int, status_code: int = 200, **extra: Any) -> Any:
        user = user_of(request)
        expert = await outreach.get_expert(user, expert_id)
        topics = await outreach.list_topics(user, expert_id=expert_id)
        return render(
            request,
            "competitions/outreach/expert.html",
            status_code=status_code,
            expert=expert,
            topics=topics,
            **_labels(),
            **extra,
        )

    @get("/experts/{expert_id:int}", guards=[requires("organizer", "expert")])
    async def expert(self, request: Request, expert_id: int) -> Any:
        return await self._expert_page(request, expert_id)

    @post("/experts/{expert_id:int}", guards=[requires("organizer", "expert")])
    async def edit_expert(self, request: Request, expert_id: int) -> Any:
        form = await request.form()
        data = _expert_form(form)
        data.pop("username", None)
        data.pop("password", None)
        if not data["phone"]:
            data.pop("phone")  # left empty: the stored phone stays
        if user_of(request).is_organizer:
            data["active"] = form_bool(form, "active")
        try:
            await outreach.update_expert(user_of(request), expert_id, data)
        except ServiceError as exc:
            return await self._expert_page(request, expert_id, exc.status_code, error=exc.message)
        flash(request, _("已保存。"))
        return redirect(self._back(request, expert_id))

    def _back(self, request: Request, expert_id: int) -> str:
        return "/outreach/me" if user_of(request).role == "expert" else f"/outreach/experts/{expert_id}"

    @post("/experts/{expert_id:int}/availability", guards=[requires("organizer", "expert")])
    async def add_window(self, request: Request, expert_id: int) -> Any:
        form = await request.form()
        data = {k: form_value(form, k) for k in ("starts_on", "ends_on", "note")}
        await attempt(request, outreach.add_window(user_of(request), expert_id, data), _("已添加可安排时间。"))
        return redirect(self._back(request, expert_id))

    @post("/experts/{expert_id:int}/availability/{window_id:int}/delete", guards=[requires("organizer", "expert")])
    async def delete_window(self, request: Request, expert_id: int, window_id: int) -> Any:
        await attempt(request, outreach.delete_window(user_of(request), expert_id, window_id), _("已删除。"))
        return redirect(self._back(request, expert_id))

    @post("/experts/{expert_id:int}/topics", guards=[requires("organizer", "expert")])
    async def add_topic(self, request: Request, expert_id: int) -> Any:
        form = await request.form()
        data = _topic_form(form)
        await attempt(
            request,
            outreach.create_topic(user_of(request), expert_id, data),
            _("已新增报告主题“{title}”。", title=data["title"]),
        )
        return redirect(self._back(request, expert_id))

    @post("/topics/{topic_id:int}", guards=[requires("organizer", "expert")])
    async def edit_topic(self, request: Request, topic_id: int) -> Any:
        form = await request.form()
        user = user_of(request)
        topic = await outreach.get_topic(user, topic_id)
        if form_value(form, "toggle"):
            data: dict[str, Any] = {"active": not topic["active"]}
        else:
            data = _topic_form(form)
        await attempt(request, outreach.update_topic(user, topic_id, data), _("已保存。"))
        return redirect(self._back(request, topic["expert_id"]))

    # ------------------------------------------------------------------ topics and requests

    @get("/topics", guards=[readers])
    async def topics(
        self,
        request: Request,
        division: str | None = None,
        subject: str | None = None,
        q: str | None = None,
        region: str | None = None,
    ) -> Any:
        user = user_of(request)
        filters = {"division": division or "", "subject": subject or "", "q": q or "", "region": region or ""}
        try:
            rows = await outreach.list_topics(
                user, division=division or None, subject=subject or None, q=q or None, region=region or None
            )
        except ServiceError as exc:
            flash(request, exc.message, "error")
            rows = await outreach.list_topics(user)
        return render(
            request,
            "competitions/outreach/topics.html",
            topics=rows,
            filters=filters,
            subjects=await outreach.subjects(),
            **_labels(),
        )

    async def _requests_page(self, request: Request, status_code: int = 200, **extra: Any) -> Any:
        user = user_of(request)
        q = request.query_params
        filters = {k: q.get(k) or "" for k in ("status", "region", "year", "division")}
        try:
            rows = await outreach.list_requests(user, {k: v for k, v in filters.items() if v})
        except ServiceError as exc:
            extra.setdefault("error", exc.message)
            rows = await outreach.list_requests(user)
        topics = await outreach.list_topics(user) if user.role in ("school", "organizer") else []
        year = outreach.today().year
        return render(
            request,
            "competitions/outreach/requests.html",
            status_code=status_code,
            requests=rows,
            filters=filters,
            topics=topics,
            settings=await outreach.settings_for(year),
            topic_id=q.get("topic") or "",
            **_labels(),
            **extra,
        )

    @get("/requests", guards=[requires("organizer", "city", "school")])
    async def requests(self, request: Request) -> Any:
        return await self._requests_page(request)

    @post("/requests", guards=[requires("organizer", "school")])
    async def add_request(self, request: Request) -> Any:
        form = await request.form()
        data: dict[str, Any] = {
            k: form_value(form, k)
            for k in ("topic_id", "subject", "division", "audience_size", "hall", "equipment", "note", "school_code")
        }
        data["preferred_weeks"] = [w for w in form.getall("preferred_weeks", []) if str(w).strip()]
        try:
            await outreach.create_request(user_of(request), data)
        except ServiceError as exc:
            return await self._requests_page(request, exc.status_code, error=exc.message, form=data)
        flash(request, _("已提交科普报告申请。"))
        return redirect("/outreach/requests")

    @post("/requests/{request_id:int}/withdraw", guards=[requires("organizer", "school")])
    async def withdraw(self, request: Request, request_id: int) -> Any:
        await attempt(
            request, outreach.withdraw_request(user_of(request), request_id), pgettext("request", "已撤回申请。")
        )
        return redirect("/outreach/requests")

    @post("/requests/{request_id:int}/priority", guards=[requires("organizer", "city")])
    async def priority(self, request: Request, request_id: int) -> Any:
        form = await request.form()
        await attempt(
            request,
            outreach.set_priority(user_of(request), request_id, form_value(form, "priority")),
            _("已设置优先级。"),
        )
        return redirect("/outreach/requests")

    # ------------------------------------------------------------------ the expert's own page

    @get("/me", guards=[requires("expert")])
    async def me(self, request: Request) -> Any:
        """The expert's phone page: notices, coming talks (with the itinerary), past talks (record hours),
        own record, availability and topics."""
        user = user_of(request)
        expert_id = await outreach.expert_id_of(user)
        assert expert_id is not None
        expert = await outreach.get_expert(user, expert_id)
        talks = await delivery.list_talks(user)
        today = outreach.today().isoformat()
        live = [t for t in talks if t["status"] in ("scheduled", "delivered")]
        return render(
            request,
            "competitions/outreach/me.html",
            expert=expert,
            topics=await outreach.list_topics(user),
            coming=[t for t in live if t["on_date"] >= today],
            past=sorted((t for t in live if t["on_date"] < today), key=lambda t: t["on_date"], reverse=True),
            cancelled=[t for t in talks if t["status"] == "cancelled" and t["on_date"] >= today],
            notices=await notices.list_notices(user, limit=10),
            tours=sorted({(t["tour_id"], t["tour_name"]) for t in live if t["on_date"] >= today}),
            today=today,
            **_labels(),
        )

    @post("/notices/read", guards=[requires("school", "expert")])
    async def read_notices(self, request: Request) -> Any:
        form = await request.form()
        await notices.mark_read(user_of(request))
        if form_value(form, "back") == "home":
            return redirect("/")
        return redirect("/outreach/me" if user_of(request).role == "expert" else "/outreach/talks")

    # ------------------------------------------------------------------ tours

    @get("/tours", guards=[organizer_only])
    async def tours_page(self, request: Request) -> Any:
        user = user_of(request)
        return render(
            request,
            "competitions/outreach/tours.html",
            tours=await tours.list_tours(user),
            form={},
            preview=None,
            **_labels(),
        )

    def _plan_form(self, form: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            k: form_value(form, k)
            for k in ("name", "starts_on", "ends_on", "max_talks_per_day", "max_day_travel_minutes", "note")
        }
        data["regions"] = list(form.getall("regions", [])) if hasattr(form, "getall") else []
        data["weekends"] = form_bool(form, "weekends")
        return data

    @post("/tours", guards=[organizer_only])
    async def plan(self, request: Request) -> Any:
        """``action=preview`` shows the proposal; ``action=create`` stores it as a draft."""
        form = await request.form()
        user = user_of(request)
        data = self._plan_form(form)
        try:
            if form_value(form, "action") == "create":
                tour = await tours.create_tour(user, data)
                flash(request, _("已生成巡讲草案“{name}”：{n} 场报告。", name=tour["name"], n=len(tour["talks"])))
                return redirect(f"/outreach/tours/{tour['id']}")
            preview = await tours.preview_tour(user, data)
        except ServiceError as exc:
            return render(
                request,
                "competitions/outreach/tours.html",
                status_code=exc.status_code,
                tours=await tours.list_tours(user),
                form=data,
                preview=None,
                error=exc.message,
                **_labels(),
            )
        return render(
            request,
            "competitions/outreach/tours.html",
            tours=await tours.list_tours(user),
            form=data,
            preview=preview,
            **_labels(),
        )

    # ------------------------------------------------------------------ the travel table

    async def _travel_page(self, request: Request, status_code: int = 200, **extra: Any) -> Any:
        return render(
            request,
            "competitions/outreach/travel.html",
            status_code=status_code,
            pairs=await travel.list_travel(user_of(request)),
            **_labels(),
            **extra,
        )

    @get("/travel", guards=[organizer_only])
    async def travel_page(self, request: Request) -> Any:
        return await self._travel_page(request)

    @post("/travel", guards=[organizer_only])
    async def travel_save(self, request: Request) -> Any:
        """``action=pair``: one pair added or changed; ``action=delete``: one removed; ``action=lines``:
        pasted lines (市县 市县 分钟) added or changed."""
        form = await request.form()
        user = user_of(request)
        action = form_value(form, "action")
        data = {k: form_value(form, k) for k in ("from", "to", "minutes", "lines")}
        try:
            if action == "lines":
                n = await travel.import_lines(user, str(form.get("lines") or ""))
                flash(request, _("已保存 {n} 项路程。", n=n))
            elif action == "delete":
                await travel.set_pair(user, {"from": data["from"], "to": data["to"], "minutes": ""})
                flash(request, _("已删除这两地的路程。"))
            else:
                if not data["minutes"]:
                    raise ValidationFailed(
                        _("请填写路程（分钟）。"), errors=[{"field": "minutes", "message": _("请填写路程（分钟）。")}]
                    )
                await travel.set_pair(user, data)
                flash(request, _("已保存。"))
        except ServiceError as exc:
            return await self._travel_page(request, exc.status_code, error=exc.message, form=data, errors=exc)
        return redirect("/outreach/travel")

    @get("/tours/{tour_id:int}", guards=[organizer_only])
    async def tour(self, request: Request, tour_id: int) -> Any:
        user = user_of(request)
        tour = await tours.get_tour(user, tour_id)
        days: dict[str, dict[int, list[dict[str, Any]]]] = {}
        for t in tour["talks"]:
            days.setdefault(t["on_date"], {}).setdefault(t["expert_id"], []).append(t)
        experts = [e for e in await outreach.list_experts(user) if e["active"]]
        return render(
            request,
            "competitions/outreach/tour.html",
            tour=tour,
            days=days,
            experts=experts,
            tour_days=[
                d.isoformat()
                for d in tours.tour_days(
                    dt.date.fromisoformat(tour["starts_on"]), dt.date.fromisoformat(tour["ends_on"]), True
                )
            ],
            open_requests=await outreach.list_requests(user, {"status": "open"}),
            **_labels(),
        )

    @post("/tours/{tour_id:int}/{action:str}", guards=[organizer_only])
    async def tour_action(self, request: Request, tour_id: int, action: str) -> Any:
        form = await request.form()
        user = user_of(request)
        if action == "confirm":
            await attempt(request, tours.confirm_tour(user, tour_id), _("巡讲已确认，已通知学校和专家。"))
        elif action == "cancel":
            await attempt(request, tours.cancel_tour(user, tour_id, form_value(form, "reason")), _("巡讲已取消。"))
        elif action == "assign":
            data = {k: form_value(form, k) for k in ("request_id", "expert_id", "on_date", "topic_id")}
            await attempt(request, tours.assign_talk(user, tour_id, data), _("已安排。"))
        return redirect(f"/outreach/tours/{tour_id}")

    @get("/tours/{tour_id:int}/experts/{expert_id:int}/itinerary.pdf", guards=[requires("organizer", "expert")])
    async def itinerary(self, request: Request, tour_id: int, expert_id: int) -> Response:
        content, name = await itinerary.itinerary_pdf(user_of(request), tour_id, expert_id)
        return Response(
            content,
            media_type="application/pdf",
            headers={"Content-Disposition": content_disposition(name, inline=True)},
        )

    # ------------------------------------------------------------------ talks

    @get("/talks", guards=[readers])
    async def talks(self, request: Request) -> Any:
        user = user_of(request)
        if user.role == "expert":
            return redirect("/outreach/me")
        q = request.query_params
        filters = {"status": q.get("status") or "", "unconfirmed": q.get("unconfirmed") or ""}
        try:
            if filters["unconfirmed"] and user.is_organizer:
                rows = await delivery.unconfirmed_talks(user)
            else:
                rows = await delivery.list_talks(user, {"status": filters["status"] or None})
        except ServiceError as exc:
            flash(request, exc.message, "error")
            rows = await delivery.list_talks(user)
        return render(
            request,
            "competitions/outreach/talks.html",
            talks=rows,
            filters=filters,
            today=outreach.today().isoformat(),
            notices=await notices.list_notices(user, limit=10) if user.role == "school" else [],
            **_labels(),
        )

    async def _talk_page(self, request: Request, talk_id: int, status_code: int = 200, **extra: Any) -> Any:
        user = user_of(request)
        talk = await delivery.get_talk(user, talk_id)
        experts = [e for e in await outreach.list_experts(user) if e["active"]] if user.is_organizer else []
        return render(
            request,
            "competitions/outreach/talk.html",
            status_code=status_code,
            talk=talk,
            photos=await delivery.list_photos(user, talk_id),
            experts=experts,
            today=outreach.today().isoformat(),
            is_mine=user.role == "school" and user.school_id == talk["school_id"],
            is_expert=user.role == "expert",
            **_labels(),
            **extra,
        )

    @get("/talks/{talk_id:int}", guards=[readers])
    async def talk(self, request: Request, talk_id: int) -> Any:
        return await self._talk_page(request, talk_id)

    @post("/talks/{talk_id:int}/confirm", guards=[requires("school", "organizer")])
    async def confirm(self, request: Request, talk_id: int) -> Any:
        form = await request.form()
        data = {k: form_value(form, k) for k in ("audience", "rating", "comment")}
        uploads = [u for u in (form.getall("photos", []) if hasattr(form, "getall") else []) if not isinstance(u, str)]
        try:
            photos = [(u.filename or "", await u.read()) for u in uploads]
            await delivery.confirm_with_photos(user_of(request), talk_id, data, photos)
        except ServiceError as exc:
            return await self._talk_page(request, talk_id, exc.status_code, error=exc.message, form=data)
        flash(request, _("已确认报告情况，谢谢！"))
        return redirect(f"/outreach/talks/{talk_id}")

    @post("/talks/{talk_id:int}/photos", guards=[requires("school", "organizer")])
    async def photo(self, request: Request, talk_id: int) -> Any:
        form = await request.form()
        upload = form.get("file")
        try:
            if upload is None or isinstance(upload, str):
                raise ValidationFailed(_("请选择照片。"))
            await delivery.add_photo(user_of(request), talk_id, upload.filename or "", await upload.read())
        except ServiceError as exc:
            flash(request, exc.message, "error")
        else:
            flash(request, _("照片已上传。"))
        return redirect(f"/outreach/talks/{talk_id}")

    @get("/photos/{photo_id:int}", guards=[readers])
    async def photo_file(self, request: Request, photo_id: int) -> File:
        meta, path = await delivery.open_photo(user_of(request), photo_id)
        return File(
            path=path,
            media_type=meta["content_type"],
            headers={"Content-Disposition": content_disposition(meta["filename"], inline=True)},
        )

    @post("/photos/{photo_id:int}/delete", guards=[requires("school", "organizer")])
    async def delete_photo(self, request: Request, photo_id: int) -> Any:
        form = await request.form()
        await attempt(request, delivery.delete_photo(user_of(request), photo_id), _("照片已删除。"))
        return redirect(_back(form, "/outreach/talks"))

    @post("/talks/{talk_id:int}/hours", guards=[requires("expert", "organizer")])
    async def hours(self, request: Request, talk_id: int) -> Any:
        form = await request.form()
        await attempt(
            request, delivery.record_hours(user_of(request), talk_id, form_value(form, "hours")), _("已记录工作时长。")
        )
        back = {"me": "/outreach/me", "home": "/"}.get(form_value(form, "back"))
        return redirect(back or f"/outreach/talks/{talk_id}")

    @post("/talks/{talk_id:int}/cancel", guards=[organizer_only])
    async def cancel(self, request: Request, talk_id: int) -> Any:
        form = await request.form()
        await attempt(
            request, delivery.cancel_talk(user_of(request), talk_id, form_value(form, "reason")), _("报告已取消。")
        )
        return redirect(_back(form, f"/outreach/talks/{talk_id}"))

    @post("/talks/{talk_id:int}/move", guards=[organizer_only])
    async def move(self, request: Request, talk_id: int) -> Any:
        form = await request.form()
        data = {k: form_value(form, k) for k in ("on_date", "expert_id", "reason")}
        await attempt(request, tours.move_talk(user_of(request), talk_id, data), _("已调整。"))
        return redirect(_back(form, f"/outreach/talks/{talk_id}"))

    @post("/talks/{talk_id:int}/remove", guards=[organizer_only])
    async def remove(self, request: Request, talk_id: int) -> Any:
        form = await request.form()
        await attempt(request, tours.remove_talk(user_of(request), talk_id), _("已从草案中移除，申请重新待安排。"))
        return redirect(_back(form, "/outreach/tours"))

    # ------------------------------------------------------------------ numbers

    @get("/numbers", guards=[requires("organizer", "city")])
    async def numbers_page(self, request: Request, year: int | None = None) -> Any:
        year = year or outreach.today().year
        figures = await numbers.year_numbers(user_of(request), year)
        return render(request, "competitions/outreach/numbers.html", n=figures, year=year, **_labels())

    @get("/numbers/{year:int}/workbook.xlsx", guards=[requires("organizer", "city")])
    async def numbers_workbook(self, request: Request, year: int) -> Response:
        content = await numbers.numbers_workbook(user_of(request), year)
        return xlsx_response(content, f"outreach-{year}.xlsx", f"大手拉小手-{year}.xlsx")


def page_routes() -> list[Any]:
    return [OutreachPages]
