"""The coverage page (zh/en): key figures with the change on last year, the county map beside the
table of the same numbers, year-over-year and per-county bar charts each beside their table, the
splits, penetration, schools and counties without activity; the organizer also sets the school-year
boundary, imports enrolment and starts a refresh (the page follows its progress)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post

from app.errors import ServiceError
from app.i18n import _
from app.times import format_time
from app.web import attempt, flash, form_value, redirect, render, upload_bytes, user_of
from app.web.auth import organizer_only, requires
from competitions.coverage import charts, exports
from competitions.coverage import services as coverage
from competitions.coverage.controllers import file_name, pdf_response, xlsx_response
from competitions.coverage.counting import DIVISIONS

readers = requires("organizer", "city")
MONTHS = list(range(1, 13))


def _year(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    return coverage.check_year(value)


def page_context(r: dict[str, Any]) -> dict[str, Any]:
    """Charts and helpers the template draws from the report."""
    values, visible = exports.map_values(r)
    names = dict(r["region_names"])
    short = {code: exports.short_name(name) for code, name in names.items()}
    measure = exports.map_measure(r)
    history = [y for y in r["years"] if y["computed"]]
    year_chart = charts.bars(
        [(y["short_label"], [y["unique_students"], y["participations"]]) for y in history],
        [_("学生人数（去重）"), _("参与人次")],
        title=_("年度对比"),
        label_width=90,
    )
    regions_chart = charts.bars(
        [
            (
                short[row["code"]] if row["code"] in short else row["name"],
                [row["unique_students"], row["previous_unique_students"]],
            )
            for row in r["by_region"]
        ],
        [_("本学年"), _("上一学年")],
        title=_("各市县学生人数：本学年与上一学年"),
        label_width=80,
    )
    programme_chart = charts.bars(
        [(p["label"], [p["unique_students"], p["participations"]]) for p in r["by_programme"]],
        [_("学生人数（去重）"), _("参与人次")],
        title=_("按项目"),
        label_width=120,
    )
    return {
        "map_svg": charts.choropleth(
            values, names, title=measure, no_data=_("无数据"), short=short, visible=visible, with_legend=False
        ),
        "map_legend": charts.legend_html(charts.legend(values, names, no_data=_("无数据"), visible=visible)),
        "map_measure": measure,
        "map_values": values,
        "year_chart": year_chart,
        "regions_chart": regions_chart,
        "programme_chart": programme_chart,
        "rate": exports.rate,
        "percent": exports.percent,
        "format_time": format_time,
        "divisions": DIVISIONS,
        "short_name": exports.short_name,
    }


class CoveragePages(Controller):
    path = "/coverage"
    include_in_schema = False

    @get("/", guards=[readers])
    async def index(self, request: Request, year: str | None = None) -> Any:
        try:
            chosen = _year(year)
        except ServiceError as exc:
            flash(request, exc.message, "error")
            return redirect("/coverage/")
        return await self._page(request, chosen)

    async def _page(self, request: Request, year: int | None, status_code: int = 200, **extra: Any) -> Any:
        user = user_of(request)
        r = await coverage.report(user, year)
        refresh = await coverage.latest_refresh()
        running = refresh is not None and refresh["status"] in ("queued", "running")
        if user.is_organizer:
            extra["enrolment"] = await coverage.enrolment_rows(user, r["year"])
            extra["settings"] = await coverage.settings_out()
        return render(
            request,
            "competitions/coverage/index.html",
            status_code=status_code,
            r=r,
            years=await coverage.year_options(),
            refresh=refresh,
            running=running,
            months=MONTHS,
            **page_context(r),
            **extra,
        )

    @get("/report.xlsx", guards=[readers])
    async def workbook(self, request: Request, year: str | None = None) -> Any:
        r = await coverage.report(user_of(request), _year(year))
        return xlsx_response(exports.workbook(r), file_name(r, "xlsx"))

    @get("/report.pdf", guards=[readers])
    async def pdf(self, request: Request, year: str | None = None) -> Any:
        r = await coverage.report(user_of(request), _year(year))
        return pdf_response(exports.pdf(r), file_name(r, "pdf"))

    @get("/enrolment.xlsx", guards=[organizer_only])
    async def enrolment_template(self, request: Request, year: str | None = None) -> Any:
        return xlsx_response(await coverage.enrolment_workbook(user_of(request), _year(year)), "在校生数.xlsx")

    @post("/refresh", guards=[organizer_only])
    async def refresh(self, request: Request) -> Any:
        form = await request.form()
        year = form_value(form, "year")
        shown = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else None
        await attempt(
            request,
            coverage.start_refresh(user_of(request), also=shown),
            _("已开始重新计算，完成后本页显示新的数字。"),
        )
        return redirect(f"/coverage/?year={year}" if year.isdigit() else "/coverage/")

    @post("/settings", guards=[organizer_only])
    async def settings(self, request: Request) -> Any:
        form = await request.form()
        data = {k: form_value(form, k) for k in ("year_start_month", "year_start_day")}
        await attempt(
            request, coverage.update_settings(user_of(request), data), _("已保存学年起始日，各学年的数字将重新计算。")
        )
        return redirect("/coverage/")

    @post("/enrolment", guards=[organizer_only])
    async def enrolment(self, request: Request) -> Any:
        form = await request.form()
        year_text = form_value(form, "year")
        try:
            year = coverage.check_year(year_text)
            result = await coverage.import_enrolment(user_of(request), year, await upload_bytes(request))
        except ServiceError as exc:
            year_value = int(year_text) if year_text.isdigit() and 2000 <= int(year_text) <= 2100 else None
            return await self._page(
                request,
                year_value,
                status_code=exc.status_code,
                import_error=exc.message,
                import_errors=exc.errors or [],
            )
        flash(
            request,
            _(
                "已导入 {year} 学年在校生数：{n} 个市县，共 {total} 人。",
                year=result["year"],
                n=result["regions"],
                total=f"{result['enrolled']:,}",
            ),
        )
        return redirect(f"/coverage/?year={year}#enrolment")


def page_routes() -> list[type[Controller]]:
    return [CoveragePages]
