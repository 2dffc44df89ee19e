"""School pages: the list (organizers, cities), editing a school, the school workbook import."""

from __future__ import annotations

import base64
from typing import Any

from litestar import Controller, Request, get, post

from app.errors import ServiceError
from app.i18n import _
from app.schools import services as schools
from app.web import flash, form_bool, form_value, redirect, render, upload_bytes, user_of
from app.web.auth import organizer_only, requires
from app.web.pagination import Pager


class SchoolPages(Controller):
    path = "/schools"
    include_in_schema = False
    guards = [requires("organizer", "city")]

    @get("/")
    async def index(
        self,
        request: Request,
        city: str | None = None,
        q: str | None = None,
        page: str | None = None,
        size: str | None = None,
    ) -> Any:
        user = user_of(request)
        rows = await schools.list_schools(user, city=city or None, q=q or None)  # one query; a page is shown
        pager = Pager.from_query("/schools/", page, size, {"city": city or "", "q": q or ""})
        pager.total = len(rows)
        if pager.clamp():
            return redirect(pager.url())
        return render(
            request,
            "app/schools/list.html",
            schools=rows[pager.offset : pager.offset + pager.size],
            pager=pager,
            cities=schools.HAINAN_CITIES,
            city=city or "",
            q=q or "",
        )

    @post("/", guards=[organizer_only])
    async def create(self, request: Request) -> Any:
        form = await request.form()
        try:
            school = await schools.create_school(
                user_of(request), {k: form_value(form, k) for k in ("code", "name", "city", "rural")}
            )
        except ServiceError as exc:
            flash(request, exc.message, "error")
        else:
            flash(request, _("已添加学校 {name}。", name=school["name"]))
        return redirect("/schools/")

    @get("/{school_id:int}/edit", guards=[organizer_only])
    async def edit_form(self, request: Request, school_id: int) -> Any:
        school = await schools.get_school(user_of(request), school_id)
        return render(request, "app/schools/edit.html", school=school, cities=schools.HAINAN_CITIES)

    @post("/{school_id:int}/edit", guards=[organizer_only])
    async def edit(self, request: Request, school_id: int) -> Any:
        form = await request.form()
        data = {k: form_value(form, k) for k in ("code", "name", "city", "rural")}
        try:
            await schools.update_school(user_of(request), school_id, data)
        except ServiceError as exc:
            return render(
                request,
                "app/schools/edit.html",
                status_code=exc.status_code,
                school={"id": school_id, **data, "rural": schools.rural_value(data["rural"]) or False},
                cities=schools.HAINAN_CITIES,
                error=exc.message,
            )
        flash(request, _("学校信息已保存。"))
        return redirect("/schools/")

    @post("/import", guards=[organizer_only])
    async def import_(self, request: Request) -> Any:
        form = await request.form()
        try:
            result = await schools.import_schools(
                user_of(request), await upload_bytes(request), create_accounts=form_bool(form, "create_accounts")
            )
        except ServiceError as exc:
            rows = await schools.list_schools(user_of(request))
            return render(
                request,
                "app/schools/list.html",
                status_code=exc.status_code,
                schools=rows,
                cities=schools.HAINAN_CITIES,
                city="",
                q="",
                import_error=exc.message,
                import_errors=exc.errors,
            )
        message = _(
            "导入完成：新增 {created} 所，更新 {updated} 所。", created=result["created"], updated=result["updated"]
        )
        if not result["accounts"]:
            flash(request, message)
            return redirect("/schools/")
        # the initial passwords exist only in this answer: shown and printable once, never stored
        login_url = str(request.base_url).rstrip("/") + "/login"
        workbook = base64.b64encode(schools.handout_workbook(result["accounts"], login_url)).decode()
        return render(
            request,
            "app/schools/handout.html",
            message=message,
            accounts=result["accounts"],
            workbook=workbook,
            login_url=login_url,
        )


def page_routes() -> list[Any]:
    return [SchoolPages]
