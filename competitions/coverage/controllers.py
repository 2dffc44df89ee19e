"""JSON API of the coverage report (CONTRACT.md "Coverage"): the report of a school year, its workbook
and PDF, the school-year boundary, refreshing in the background, and the enrolment workbook."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post, put

from app.errors import NotFound
from app.i18n import _
from app.settings import get_settings
from app.web import content_disposition, upload_bytes, user_of
from app.web.auth import organizer_only, requires
from app.web.openapi import PDF, XLSX, file_operation, responses, upload_operation
from app.web.schemas import answer
from competitions.coverage import exports
from competitions.coverage import services as coverage
from competitions.coverage.schemas import (
    CoverageOut,
    CoverageSettingsIn,
    CoverageSettingsOut,
    EnrolmentImportOut,
    RefreshIn,
    RefreshOut,
)
from competitions.coverage.services import decimal_text

readers = requires("organizer", "city")


def api_answer(r: dict[str, Any]) -> dict[str, Any]:
    """The report (:func:`competitions.coverage.services.report`) in the API's shape."""
    t = r["totals"]

    def split(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: i[k] for k in ("key", "label", "unique_students", "participations", "applicants")} for i in items]

    return {
        "year": r["year"],
        "label": r["label"],
        "computed_at": r["computed_at"],
        "scope": r["scope"]["kind"],
        "scope_code": r["scope"]["code"],
        **{
            k: t[k]
            for k in ("unique_students", "participations", "schools", "applicants", "returning", "talks", "audience")
        },
        "multi_programme": t.get("multi_programme"),
        "enrolled": t.get("enrolled"),
        "per_1000_enrolled": decimal_text(t.get("per_1000_enrolled")),
        "province_per_1000_enrolled": decimal_text(r["province_per_1000"]),
        "by_region": [
            {
                **{
                    k: row[k]
                    for k in (
                        "code",
                        "name",
                        "autonomous",
                        "unique_students",
                        "participations",
                        "schools",
                        "applicants",
                        "returning",
                        "talks",
                        "audience",
                        "enrolled",
                    )
                },
                "per_1000_enrolled": decimal_text(row["per_1000_enrolled"]),
            }
            for row in r["by_region"]
        ],
        "by_programme": [
            {k: p[k] for k in ("kind", "label", "participations", "unique_students", "applicants", "schools")}
            for p in r["by_programme"]
        ],
        "by_gender": split(r["by_gender"]),
        "by_division": split(r["by_division"]),
        "by_area": split(r["by_area"]),
        "by_autonomous": split(r["by_autonomous"]),
        "regions_without_activity": [x["code"] for x in r["regions_without_activity"]],
        "schools_without_activity": [s["code"] for s in r["schools_without_activity"]],
        "schools_talks_only": [s["code"] for s in r["schools_talks_only"]],
        "data_changed": r["stale"],
        "years": [
            {
                k: y.get(k)
                for k in (
                    "year",
                    "label",
                    "computed",
                    "unique_students",
                    "participations",
                    "applicants",
                    "schools",
                    "talks",
                    "audience",
                    "returning",
                )
            }
            for y in r["years"]
        ],
    }


def xlsx_response(data: bytes, name: str) -> Response:
    return Response(data, media_type=XLSX, headers={"content-disposition": content_disposition(name)})


def pdf_response(data: bytes, name: str) -> Response:
    return Response(data, media_type=PDF, headers={"content-disposition": content_disposition(name, inline=True)})


def file_name(r: dict[str, Any], extension: str) -> str:
    return f"覆盖面报告-{r['scope']['name']}-{r['year']}.{extension}"


class CoverageApi(Controller):
    path = "/api/v1/coverage"
    tags = ["coverage"]

    @get("/", guards=[readers], responses=responses(401, 403, 422))
    async def report(self, request: Request, year: int | None = None) -> CoverageOut:
        """School year ``year`` (the one starting that year; default: the current one). Organizer: the
        province; a city association: its own city (and the provincial rate per 1,000 beside it)."""
        return answer(CoverageOut, api_answer(await coverage.report(user_of(request), year)))

    @get(
        "/settings",
        guards=[readers],
        responses=responses(401, 403),
    )
    async def settings(self, request: Request) -> CoverageSettingsOut:
        return answer(CoverageSettingsOut, await coverage.settings_out())

    @put("/settings", guards=[organizer_only], responses=responses(401, 403, 422))
    async def update_settings(self, request: Request, data: CoverageSettingsIn) -> CoverageSettingsOut:
        """The day school years start on (default 1 September); stored figures are computed again."""
        body = {"year_start_month": data.year_start_month, "year_start_day": data.year_start_day}
        return answer(CoverageSettingsOut, await coverage.update_settings(user_of(request), body))

    @post("/refresh", guards=[organizer_only], status_code=202, responses=responses(401, 403, 422))
    async def refresh(self, request: Request, data: RefreshIn | None = None) -> RefreshOut:
        """Recompute the figures of ``years`` (default: the five most recent school years) in the
        background; follow with ``GET /api/v1/coverage/refresh``. One refresh runs at a time: while one
        is queued or running, it is answered."""
        return answer(RefreshOut, await coverage.start_refresh(user_of(request), data.years if data else None))

    @get("/refresh", guards=[readers], responses=responses(401, 403, 404))
    async def refresh_status(self, request: Request) -> RefreshOut:
        """The latest refresh: ``done`` of ``total`` school years."""
        latest = await coverage.latest_refresh()
        if latest is None:
            raise NotFound(_("还没有重新计算过。"))
        return answer(RefreshOut, latest)

    @post(
        "/enrolment",
        guards=[organizer_only],
        status_code=201,
        request_max_body_size=get_settings().max_upload_bytes + 256 * 1024,
        responses=responses(401, 403, 413, 422),
        operation_class=upload_operation("The enrolment workbook (.xlsx): 市县 and 小学 / 初中 / 高中"),
    )
    async def import_enrolment(self, request: Request, year: int | None = None) -> EnrolmentImportOut:
        """Multipart field ``file``: a workbook with 市县 and 小学 / 初中 / 高中 (students enrolled) for
        school year ``year`` (required); replaces that year's figures. All or nothing; 422 lists every
        error with its row and column (a missing or wrong ``year`` names the field)."""
        coverage.organizer_only(user_of(request))
        coverage.check_year(year)
        data = await upload_bytes(request)
        return answer(EnrolmentImportOut, await coverage.import_enrolment(user_of(request), year, data))

    @get(
        "/enrolment.xlsx",
        guards=[organizer_only],
        responses=responses(401, 403, 422),
        operation_class=file_operation(
            XLSX, description="The enrolment workbook to fill in, with the figures imported (.xlsx)"
        ),
    )
    async def enrolment_template(self, request: Request, year: int | None = None) -> Response:
        return xlsx_response(await coverage.enrolment_workbook(user_of(request), year), "在校生数.xlsx")


class CoverageFileApi(Controller):
    path = "/api/v1"
    tags = ["coverage"]

    @get(
        "/coverage.xlsx",
        guards=[readers],
        responses=responses(401, 403, 422),
        operation_class=file_operation(
            XLSX,
            description="The report: summary, by county, by programme, by school, schools without activity, year over year (.xlsx)",
        ),
    )
    async def workbook(self, request: Request, year: int | None = None) -> Response:
        r = await coverage.report(user_of(request), year)
        return xlsx_response(exports.workbook(r), file_name(r, "xlsx"))

    @get(
        "/coverage.pdf",
        guards=[readers],
        responses=responses(401, 403, 422),
        operation_class=file_operation(PDF, description="The report for printing (A4 PDF)"),
    )
    async def pdf(self, request: Request, year: int | None = None) -> Response:
        r = await coverage.report(user_of(request), year)
        return pdf_response(exports.pdf(r), file_name(r, "pdf"))


def api_routes() -> list[type[Controller]]:
    return [CoverageApi, CoverageFileApi]
