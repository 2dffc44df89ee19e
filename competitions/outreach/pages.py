"""Outreach pages (大手拉小手, zh/en): the office's overview, experts (with availability and topics),
topics to browse, requests (school: its own and the request form; city: its schools' with priority),
tours (plan, edit, confirm, itineraries), talks (delivery: the school's confirmation, photos, the
expert's hours, cancel or move), numbers per year, and the expert's own phone page."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post

from app.errors import ServiceError
from app.i18n import _
from app.web import attempt, flash, form_bool, form_value, redirect, render, user_of
from app.web.auth import organizer_only, requires
from competitions.events.tables import DIVISIONS
from competitions.outreach import services as outreach
from competitions.outreach.services import PRIORITY_LABELS, REGION_NAME, REQUEST_STATUS_LABELS

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
}


def _labels() -> dict[str, Any]:
    return {
        "request_labels": {k: _(v) for k, v in REQUEST_STATUS_LABELS.items()},
        "priority_labels": {k: _(v) for k, v in PRIORITY_LABELS.items()},
        "divisions": DIVISIONS,
        "regions": REGION_NAME,
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


class OutreachPages(Controller):
    path = "/outreach"
    include_in_schema = False

    @get("/", guards=[readers])
    async def index(self, request: Request) -> Any:
        user = user_of(request)
        if user.role == "expert":
            return redirect("/outreach/me")
        if user.role in ("school", "city"):
            return redirect("/outreach/requests")
        year = outreach.today().year
        requests = await outreach.list_requests(user, {"year": year})
        counts: dict[str, int] = {}
        for r in requests:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        return render(
            request,
            "competitions/outreach/index.html",
            year=year,
            counts=counts,
            experts=len(await outreach.list_experts(user)),
            topics=len(await outreach.list_topics(user)),
            settings=await outreach.settings_for(year),
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
        return redirect("/outreach/")

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
        await attempt(request, outreach.withdraw_request(user_of(request), request_id), _("已撤回申请。"))
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
        user = user_of(request)
        expert_id = await outreach.expert_id_of(user)
        assert expert_id is not None
        expert = await outreach.get_expert(user, expert_id)
        return render(
            request,
            "competitions/outreach/me.html",
            expert=expert,
            topics=await outreach.list_topics(user),
            **_labels(),
        )


def page_routes() -> list[Any]:
    return [OutreachPages]
