"""Event pages: the list, creating an event, its settings and categories."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post

from app.errors import ServiceError
from app.i18n import _
from app.times import local_now
from app.web import attempt, flash, form_bool, form_value, redirect, render, user_of
from app.web.auth import logged_in, organizer_only
from competitions.events import lifecycle
from competitions.events import services as events
from competitions.events.kinds import kind_codes, kind_labels, offered_document_kinds
from competitions.events.tables import DIVISIONS, DOCUMENT_KIND_LABELS
from competitions.events.views import event_view


class EventPages(Controller):
    path = "/events"
    include_in_schema = False

    async def _list_page(self, request: Request, status_code: int = 200, **context: Any) -> Any:
        all_events = [event_view(e) for e in await events.list_events(user_of(request))]
        context.setdefault("form", {"kind": "innovation", "year": str(local_now().year)})
        return render(
            request,
            "competitions/events/events.html",
            status_code=status_code,
            events=all_events,
            kinds=kind_codes(),
            kind_labels=kind_labels(),
            **context,
        )

    @get("/", guards=[logged_in])
    async def index(self, request: Request) -> Any:
        return await self._list_page(request)

    @post("/", guards=[organizer_only])
    async def create(self, request: Request) -> Any:
        form = await request.form()
        data = {
            k: form_value(form, k) for k in ("name", "kind", "year", "registration_opens_at", "registration_closes_at")
        }
        data["city_review_required"] = form_bool(form, "city_review_required")
        try:
            event = await events.create_event(user_of(request), data)
        except ServiceError as exc:
            return await self._list_page(request, status_code=exc.status_code, form=data, error=exc.message)
        flash(request, _("已创建赛事“{name}”。请检查类别、组别和名额设置。", name=event["name"]))
        return redirect(f"/events/{event['id']}/settings")

    async def _settings_page(self, request: Request, event_id: int, status_code: int = 200, **context: Any) -> Any:
        event = event_view(await events.get_event(event_id))
        categories = await events.list_categories(event_id)
        moves = _moves(event)
        # the last moment to add students: name the approved entries that have none
        no_students = (
            await events.approved_without_students(event_id)
            if any(m["action"] == "start-judging" for m in moves)
            else []
        )
        return render(
            request,
            "competitions/events/settings.html",
            status_code=status_code,
            event=event,
            moves=moves,
            no_students=no_students,
            stages=[(stage.value, _(stage.label)) for stage in TRACK],
            stage_index=TRACK.index(lifecycle.Stage(event["stage"]))
            if event["stage"] != lifecycle.Stage.UPCOMING
            else TRACK.index(lifecycle.Stage.OPEN),
            categories=context.pop("category_rows", None) or categories,
            kinds=kind_codes(),
            kind_labels=kind_labels(),
            divisions=DIVISIONS,
            document_kinds=[
                (k, _(DOCUMENT_KIND_LABELS[k]))
                for k in offered_document_kinds(event["kind"], (context.get("form") or event).get("required_documents"))
            ],
            form=context.pop("form", None) or event,
            **context,
        )

    @get("/{event_id:int}/settings", guards=[organizer_only])
    async def settings_form(self, request: Request, event_id: int) -> Any:
        return await self._settings_page(request, event_id)

    @post("/{event_id:int}/settings", guards=[organizer_only])
    async def settings(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        data: dict[str, Any] = {
            k: form_value(form, k)
            for k in (
                "name",
                "kind",
                "year",
                "registration_opens_at",
                "registration_closes_at",
                "min_team_size",
                "max_team_size",
                "max_advisers",
                "min_advisers",
            )
        }
        data["required_documents"] = [d for d in form.getall("required_documents", []) if isinstance(d, str)]
        if data["min_advisers"] in (None, ""):  # left blank: as it was
            data.pop("min_advisers")
        data["city_review_required"] = form_bool(form, "city_review_required")
        data["divisions"] = [d for d in form.getall("divisions", []) if isinstance(d, str)]
        try:
            await events.update_event(user_of(request), event_id, data)
        except ServiceError as exc:
            typed = {
                **data,
                "opens_input": data["registration_opens_at"],
                "closes_input": data["registration_closes_at"],
            }
            return await self._settings_page(
                request, event_id, status_code=exc.status_code, form=typed, error=exc.message
            )
        flash(request, _("赛事设置已保存。"))
        return redirect(f"/events/{event_id}/settings")

    @post("/{event_id:int}/status", guards=[organizer_only])
    async def move_status(self, request: Request, event_id: int) -> Any:
        """A lifecycle move of the settings page (``target``: draft/open/closed), ticked as read."""
        form = await request.form()
        if not _confirmed(form):
            flash(request, _("请先勾选“我已了解”，确认这一步会锁定或开放的内容。"), "error")
        else:
            target = form_value(form, "target") or ""
            label = (
                _(lifecycle.STATUS_NAMES.get(lifecycle.EventStatus(target), target))
                if target in ("draft", "open", "closed")
                else target
            )
            await attempt(
                request,
                events.set_status(user_of(request), event_id, target),
                _("赛事已改为“{status}”。", status=label),
            )
        return redirect(f"/events/{event_id}/settings")

    @post("/{event_id:int}/start-judging", guards=[organizer_only])
    async def start_judging(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        if not _confirmed(form):
            flash(request, _("请先勾选“我已了解”，确认这一步会锁定或开放的内容。"), "error")
        else:
            await attempt(
                request,
                events.start_judging(user_of(request), event_id),
                _("评审已开始：报名、修改、重新提交和形式审查已关闭。"),
            )
        return redirect(f"/events/{event_id}/settings")

    @post("/{event_id:int}/categories", guards=[organizer_only])
    async def add_category(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        data = {k: form_value(form, k) for k in ("code", "name", "school_quota", "city_quota")}
        try:
            category = await events.add_category(user_of(request), event_id, data)
        except ServiceError as exc:
            return await self._settings_page(
                request, event_id, status_code=exc.status_code, category_form=data, category_error=exc.message
            )
        flash(request, _("已添加类别 {code} {name}。", code=category["code"], name=category["name"]))
        return redirect(f"/events/{event_id}/settings#categories")

    @post("/{event_id:int}/categories/all", guards=[organizer_only])
    async def update_categories(self, request: Request, event_id: int) -> Any:
        """The one form of the categories table: every row's name and quotas saved together."""
        form = await request.form()
        changes: dict[int, dict[str, Any]] = {}
        for key in form:
            field, _sep, cid = str(key).rpartition("_")
            if field in ("name", "school_quota", "city_quota") and cid.isdigit():
                changes.setdefault(int(cid), {})[field] = form_value(form, key)
        try:
            await events.update_categories(user_of(request), event_id, changes)
        except ServiceError as exc:
            typed = [
                {**c, **changes.get(c["id"], {})} for c in await events.list_categories(event_id)
            ]  # what was typed stays in the form
            return await self._settings_page(
                request,
                event_id,
                status_code=exc.status_code,
                category_rows=typed,
                category_error=exc.message,
                category_errors={e["field"]: e["message"] for e in (exc.errors or [])},
            )
        flash(request, _("类别和名额已保存。"))
        return redirect(f"/events/{event_id}/settings#categories")

    @post("/{event_id:int}/categories/{category_id:int}", guards=[organizer_only])
    async def update_category(self, request: Request, event_id: int, category_id: int) -> Any:
        form = await request.form()
        data = {k: form_value(form, k) for k in ("name", "school_quota", "city_quota")}
        try:
            category = await events.update_category(user_of(request), event_id, category_id, data)
        except ServiceError as exc:
            flash(request, exc.message, "error")
        else:
            flash(request, _("类别 {code} 已保存。", code=category["code"]))
        return redirect(f"/events/{event_id}/settings#categories")


TRACK = [s for s in lifecycle.Stage if s is not lifecycle.Stage.UPCOMING]  # the steps shown in a row


def _moves(event: dict[str, Any]) -> list[dict[str, str]]:
    """The lifecycle actions the settings page offers now: ``[{"action", "target", "label", "effect"}]``,
    each confirmed by a tick that the effect was read (the service checks the move again)."""
    if event["judging_begun"]:
        return []
    status = lifecycle.EventStatus(event["status"])
    labels = {
        (lifecycle.EventStatus.DRAFT, lifecycle.EventStatus.OPEN): _("开放报名"),
        (lifecycle.EventStatus.OPEN, lifecycle.EventStatus.CLOSED): _("截止报名"),
        (lifecycle.EventStatus.CLOSED, lifecycle.EventStatus.OPEN): _("重新开放报名"),
        (lifecycle.EventStatus.OPEN, lifecycle.EventStatus.DRAFT): _("退回草稿"),
    }
    moves = [
        {
            "action": "status",
            "target": target.value,
            "label": labels[(source, target)],
            "effect": _(lifecycle.move_effect(source, target)),
        }
        for source, target in sorted(lifecycle.STATUS_MOVES)
        if source == status
    ]
    if event["stage"] == lifecycle.Stage.CLOSED:
        moves.append(
            {
                "action": "start-judging",
                "target": "",
                "label": _("开始评审"),
                "effect": _("报名、修改、重新提交和形式审查将全部关闭，且不能撤销；评委按已通过审查的作品评分。"),
            }
        )
    return moves


def _confirmed(form: Any) -> bool:
    return form_bool(form, "confirm")


def page_routes() -> list[Any]:
    return [EventPages]
