"""Scoring pages: the rubric (评分标准) editor per category."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post

from app.errors import ServiceError
from app.i18n import _
from app.web import flash, form_value, user_of
from app.web.auth import organizer_only
from competitions.events import services as events
from judging.scoring import rubric
from judging.scoring.views import back_to, judging_page, number_text


class ScoringPages(Controller):
    path = "/events/{event_id:int}/judging"
    include_in_schema = False
    guards = [organizer_only]

    async def _rubric_page(
        self, request: Request, event_id: int, category: str, status_code: int = 200, **context: Any
    ) -> Any:
        categories = await events.list_categories(event_id)
        ids = {c["code"]: c["id"] for c in categories}
        scopes = await rubric.stored_scopes(event_id)
        overrides = {c["code"]: c["id"] in scopes for c in categories}
        category = category.upper() if category.upper() in ids else ""
        criteria = (
            await rubric.get_rubric(event_id, ids.get(category)) if category else await rubric.get_rubric(event_id)
        )
        base_stored = None in scopes
        rows = context.pop("rows", None) or [
            {**c, "weight": number_text(c["weight"]), "max_points": number_text(c["max_points"])} for c in criteria
        ]
        return await judging_page(
            request,
            event_id,
            "scoring/rubric.html",
            "rubric",
            status_code=status_code,
            categories=categories,
            category=category,
            overrides=overrides,
            rows=rows,
            base_stored=base_stored,
            uses_base=bool(category) and not overrides.get(category),
            **context,
        )

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
            return await self._rubric_page(
                request, event_id, category, status_code=exc.status_code, rows=rows, error=exc.message
            )
        flash(
            request,
            _("评分标准已保存。已有的评分不会丢失。")
            if not category
            else _("类别 {code} 的评分标准已保存。已有的评分不会丢失。", code=category.upper()),
        )
        return back_to(event_id, "/rubric" + (f"?category={category.upper()}" if category else ""))


def page_routes() -> list[Any]:
    return [ScoringPages]
