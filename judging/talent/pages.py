"""The mentor's interview sheet page (laptop and phone): the applicant (no personal data), the interview
time and place, the rubric with each criterion's description, points and a comment."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post

from app.errors import ServiceError
from app.i18n import _
from app.web import flash, form_value, redirect, render, user_of
from app.web.auth import requires
from competitions.talent import services as talent
from judging.talent import services as interviews


class InterviewPages(Controller):
    path = "/talent"
    include_in_schema = False

    @get("/{event_id:int}/interviews/{application_id:int}/score", guards=[requires("mentor")])
    async def sheet(self, request: Request, event_id: int, application_id: int) -> Any:
        event = await talent.talent_event(event_id, user_of(request))
        sheet = await interviews.get_sheet(user_of(request), application_id)
        return render(request, "judging/talent/score.html", event=event, sheet=sheet)

    @post("/{event_id:int}/interviews/{application_id:int}/score", guards=[requires("mentor")])
    async def save(self, request: Request, event_id: int, application_id: int) -> Any:
        form = await request.form()
        user = user_of(request)
        sheet = await interviews.get_sheet(user, application_id)
        points = {c["code"]: form_value(form, f"c_{c['code']}").strip() for c in sheet["rubric"]}
        version = form_value(form, "version")
        try:
            saved = await interviews.put_sheet(
                user,
                application_id,
                {k: v for k, v in points.items() if v},
                form_value(form, "comment"),
                int(version) if version.isdigit() else None,
            )
        except ServiceError as exc:
            flash(request, exc.message, "error")
            return redirect(f"/talent/{event_id}/interviews/{application_id}/score")
        if saved["complete"]:
            flash(request, _("已保存面试分 {total}。", total=saved["total"]))
            return redirect(f"/talent/{event_id}/mentor#interviews")
        flash(request, _("已保存草稿：还有评分项没有打分。"), "warning")
        return redirect(f"/talent/{event_id}/interviews/{application_id}/score")


def page_routes() -> list[Any]:
    return [InterviewPages]
