"""The coverage report (覆盖面和受益面): computing it per school year from every registered source,
storing a snapshot per year, refreshing in the background, enrolment for penetration, the school-year
boundary, and the report as a role may see it (the organizer the province, a city its own city).

The arithmetic is in :mod:`competitions.coverage.counting` (pure); the sources in
:mod:`competitions.coverage.sources`. Pages, the JSON API, the workbook and the PDF all read
:func:`report`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Iterable
from concurrent.futures.process import BrokenProcessPool
from decimal import Decimal
from typing import Any

from openpyxl.utils import get_column_letter

from app import audit, jobs
from app.db import write_transaction
from app.errors import Forbidden, ValidationFailed
from app.exports.workbook import (
    clean_text,
    find_table,
    new_workbook,
    normalize_header,
    open_workbook,
    sheet_rows,
    workbook_bytes,
    write_table,
)
from app.i18n import _
from app.principal import Principal
from app.regions.services import list_regions, match_region, region_error
from app.tables import School
from app.times import local_now, now
from competitions.coverage import counting
from competitions.coverage.counting import (
    DIVISIONS,
    Participation,
    RegionInfo,
    SchoolInfo,
    SchoolYear,
    Talk,
    change,
    per_1000,
    school_year,
    school_year_of,
)
from competitions.coverage.sources import (
    ordered_participation_sources,
    ordered_reach_sources,
    programme_labels,
    schools_fingerprint,
)
from competitions.coverage.tables import (
    DEFAULT_YEAR_START,
    CoverageEnrolment,
    CoverageRefresh,
    CoverageSettings,
    CoverageSnapshot,
)

log = logging.getLogger("xinmiao.coverage")

REFRESH_JOB = "coverage.refresh"
WINDOW = 5  # school years offered and refreshed together: this one and the four before it
MEASURES = ("unique_students", "participations", "applicants", "returning", "schools", "talks", "audience")
MEASURE_LABELS = {  # message ids
    "unique_students": "学生人数（去重）",
    "participations": "参与人次",
    "applicants": "申请未录取",
    "returning": "连续两年参与",
    "multi_programme": "参加两个及以上项目",
    "schools": "参与学校",
    "talks": "科普报告场次",
    "audience": "报告听众人次",
}
GENDER_LABELS = {"男": "男", "女": "女", "": "未填写"}
DIVISION_LABELS = {"小学": "小学", "初中": "初中", "高中": "高中", "": "其他"}
AREA_LABELS = {"urban": "城镇", "rural": "农村", "": "未知"}
AUTONOMOUS_LABELS = {"autonomous": "民族自治县", "other": "其他市县"}
UNKNOWN_REGION = "未知市县"
ENROLMENT_REGION_COLUMN = "市县"
ENROLMENT_REGION_ALIASES = ("所属市县", "市县名称")
ENROLMENT_COLUMNS = DIVISIONS  # 小学, 初中, 高中: students enrolled
MAX_ENROLLED = 5_000_000


def readers_only(actor: Principal) -> None:
    """The report is for the organizer and city associations (their own city)."""
    if actor.role == "organizer":
        return
    if actor.role == "city" and actor.region_code:
        return
    raise Forbidden(_("只有组委会和市县科协可以查看覆盖面报告。"))


def organizer_only(actor: Principal) -> None:
    if not actor.is_organizer:
        raise Forbidden(_("只有组委会可以进行此操作。"))


# --------------------------------------------------------------------------- the school-year boundary


async def year_start() -> tuple[int, int]:
    """(month, day) a school year starts on: the setting, 1 September by default."""
    row = await CoverageSettings.select().order_by(CoverageSettings.id).first()
    if row is None:
        return DEFAULT_YEAR_START
    return (row["year_start_month"], row["year_start_day"])


async def settings_out() -> dict[str, Any]:
    month, day = await year_start()
    return {"year_start_month": month, "year_start_day": day}


async def update_settings(actor: Principal, data: dict[str, Any]) -> dict[str, Any]:
    """Set the school-year boundary ``{"year_start_month", "year_start_day"}`` (organizer). Every stored
    snapshot is dropped when it changes (the years are cut differently): they are computed again."""
    organizer_only(actor)
    errors = []
    values: dict[str, int] = {}
    for field, low, high in (("year_start_month", 1, 12), ("year_start_day", 1, 31)):
        raw = data.get(field)
        try:
            value = int(raw) if raw is not None and str(raw).strip() != "" else None
        except (TypeError, ValueError):
            value = None
        if value is None or not low <= value <= high:
            errors.append({"field": field, "message": _("请填写 {low}–{high} 之间的整数。", low=low, high=high)})
        else:
            values[field] = value
    if not errors and not counting.valid_year_start(values["year_start_month"], values["year_start_day"]):
        errors.append({"field": "year_start_day", "message": _("这一天不是每年都有，请另选一天。")})
    if errors:
        raise ValidationFailed("；".join(e["message"] for e in errors), errors=errors)
    old = await year_start()
    new = (values["year_start_month"], values["year_start_day"])

    async def work() -> None:
        row = await CoverageSettings.select(CoverageSettings.id).order_by(CoverageSettings.id).first()
        columns = {
            CoverageSettings.year_start_month: new[0],
            CoverageSettings.year_start_day: new[1],
            CoverageSettings.updated_at: now(),
            CoverageSettings.updated_by: actor.id,
        }
        if row is None:
            await CoverageSettings.insert(CoverageSettings({k._meta.name: v for k, v in columns.items()}))
        else:
            await CoverageSettings.update(columns).where(CoverageSettings.id == row["id"])
        if new != old:
            await CoverageSnapshot.delete(force=True)
        await audit.record(
            actor,
            "coverage.settings",
            "coverage_settings",
            None,
            changes=audit.diff({"year_start": f"{old[0]}-{old[1]}"}, {"year_start": f"{new[0]}-{new[1]}"}),
        )

    await write_transaction(work)
    return await settings_out()


def year_label(year: int) -> str:
    return _("{a}–{b}学年", a=year, b=year + 1)


async def current_year() -> int:
    """The school year today falls in (Asia/Shanghai)."""
    return school_year_of(local_now().date(), await year_start())


async def year_options() -> list[int]:
    """The school years to choose from, newest first: this one and the four before it, and any
    earlier year with a stored snapshot or enrolment."""
    current = await current_year()
    years = set(range(current - WINDOW + 1, current + 1))
    years |= {r["year"] for r in await CoverageSnapshot.select(CoverageSnapshot.year)}
    years |= {r["year"] for r in await CoverageEnrolment.select(CoverageEnrolment.year).distinct()}
    return sorted((y for y in years if y <= current + 1), reverse=True)


def check_year(value: Any, field: str = "year") -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        year = 0
    if not 2000 <= year <= 2100:
        message = _("学年请填写 2000–2100 之间的年份（学年开始的年份）。")
        raise ValidationFailed(message, errors=[{"field": field, "message": message}])
    return year


# --------------------------------------------------------------------------- computing and storing


async def load_schools() -> dict[int, SchoolInfo]:
    rows = await School.select(School.id, School.code, School.name, School.region, School.rural)
    return {r["id"]: SchoolInfo(r["id"], r["code"], r["name"], r["region"], bool(r["rural"])) for r in rows}


async def load_regions() -> list[RegionInfo]:
    return [RegionInfo(r["code"], r["name"], bool(r["autonomous"])) for r in await list_regions()]


async def participation_rows(period: SchoolYear) -> list[Participation]:
    """Every registered source's participations of ``period``."""
    rows: list[Participation] = []
    for source in ordered_participation_sources():
        rows.extend(await source.rows(period))
    return rows


async def participant_persons(period: SchoolYear) -> set[str]:
    """The hashes of every student who took part in ``period`` (for returning students the next year)."""
    persons: set[str] = set()
    for source in ordered_participation_sources():
        if source.persons is not None:
            persons.update(p for p in await source.persons(period) if p)
        else:
            persons.update(r.person for r in await source.rows(period) if r.person and r.status == counting.PARTICIPANT)
    return persons


async def reach_rows(period: SchoolYear) -> list[Talk]:
    talks: list[Talk] = []
    for source in ordered_reach_sources():
        talks.extend(await source.talks(period))
    return talks


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


async def fingerprint(
    year: int, start: tuple[int, int] | None = None, memo: dict[tuple[str, int], Any] | None = None
) -> str:
    """What school year ``year``'s figures were computed from, in short: a digest of every source's
    fingerprint of this year and the year before (returning students), the talks of the year and the
    schools (regions, town/country). Cheap (aggregate queries, no rows read where a source can say it
    so); when it differs from a snapshot's, data changed after the snapshot was computed. ``memo`` keeps
    each source's part per school year across calls (several years computed together)."""
    start = start or await year_start()
    period, before = school_year(year, start), school_year(year - 1, start)
    memo = {} if memo is None else memo
    parts: dict[str, Any] = {"schools": await schools_fingerprint()}
    for source in ordered_participation_sources():
        for label, p in (("this", period), ("before", before)):
            key = (source.kind, p.year)
            if key not in memo:
                if source.fingerprint is not None:
                    memo[key] = await source.fingerprint(p)
                else:
                    memo[key] = _digest(sorted((list(r) for r in await source.rows(p)), key=repr))
            parts[f"{source.kind}:{label}"] = memo[key]
    for reach in ordered_reach_sources():
        if reach.fingerprint is not None:
            parts[reach.kind] = await reach.fingerprint(period)
        else:
            parts[reach.kind] = _digest(sorted((list(t) for t in await reach.talks(period)), key=repr))
    return _digest(parts)


async def compute(years: Iterable[int], start: tuple[int, int] | None = None) -> dict[int, dict[str, Any]]:
    """The report data of each of ``years`` (not stored): each year's rows are read once, also where they
    serve as the year before another (returning students)."""
    start = start or await year_start()
    schools = await load_schools()
    regions = await load_regions()
    kinds = [s.kind for s in ordered_participation_sources()]
    cache: dict[int, list[Participation]] = {}
    seen_parts: dict[tuple[str, int], Any] = {}  # each source's fingerprint per year, read once

    async def rows_of(year: int) -> list[Participation]:
        if year not in cache:
            cache[year] = await participation_rows(school_year(year, start))
        return cache[year]

    out: dict[int, dict[str, Any]] = {}
    for year in sorted(set(years)):
        began = time.perf_counter()
        period = school_year(year, start)
        seen = await fingerprint(year, start, seen_parts)  # before reading: a change meanwhile shows afterwards
        rows = await rows_of(year)
        if year - 1 in cache:  # computed just before: its rows are at hand
            previous = {r.person for r in cache[year - 1] if r.person and r.status == counting.PARTICIPANT}
        else:
            previous = await participant_persons(school_year(year - 1, start))
        data = counting.count(
            rows, schools=schools, regions=regions, kinds=kinds, previous=previous, talks=await reach_rows(period)
        )
        data["year"] = year
        data["period"] = {"start": period.start.isoformat(), "end": period.end.isoformat()}
        data["year_start"] = list(start)
        data["fingerprint"] = seen
        data["duration_ms"] = int((time.perf_counter() - began) * 1000)
        out[year] = data
        cache.pop(year - 1, None)  # not needed again: years go up
    return out


async def store(data: dict[int, dict[str, Any]], actor_id: int | None = None) -> list[int]:
    """Replace the snapshots of the years in ``data``; returns the years kept as they were instead: a
    year whose new figures hold more rows without an ID hash than its snapshot did (a finished event's
    personal data was purged since, so its students can no longer be told apart) keeps its snapshot."""
    at = now()
    before = await snapshots(data)
    kept = [
        year
        for year, values in data.items()
        if year in before
        and (before[year]["data"].get("totals") or {}).get("unhashed", 0) < values["totals"].get("unhashed", 0)
    ]
    fresh = {year: values for year, values in data.items() if year not in kept}

    async def work() -> None:
        # a kept snapshot takes the new fingerprint: the change (a purge) is known, its figures stay
        for year in kept:
            values = {**before[year]["data"], "fingerprint": data[year].get("fingerprint")}
            await CoverageSnapshot.update({CoverageSnapshot.data: values}).where(CoverageSnapshot.year == year)
        await CoverageSnapshot.delete().where(CoverageSnapshot.year.is_in(list(fresh) or [0]))
        if not fresh:
            return
        await CoverageSnapshot.insert(
            *[
                CoverageSnapshot(
                    year=year,
                    data=values,
                    computed_at=at,
                    duration_ms=values.get("duration_ms", 0),
                    computed_by=actor_id,
                )
                for year, values in fresh.items()
            ]
        )

    if data:
        await write_transaction(work)
    if kept:
        log.info("coverage: kept the snapshots of %s (personal data purged since they were computed)", kept)
    return kept


def _taken(exc: BaseException) -> bool:
    """A unique index refused the row (SQLite's IntegrityError, PostgreSQL's UniqueViolationError)."""
    text = f"{type(exc).__name__} {exc}".lower()
    return "unique" in text or "duplicate key" in text


async def recompute(years: Iterable[int], actor: Principal | None = None) -> None:
    """Compute ``years`` now and store their snapshots."""
    await store(await compute(years), actor.id if actor else None)


async def snapshots(years: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Stored snapshots of ``years``: ``{year: {"data", "computed_at", "duration_ms"}}``."""
    rows = (
        await CoverageSnapshot.select(
            CoverageSnapshot.year, CoverageSnapshot.data, CoverageSnapshot.computed_at, CoverageSnapshot.duration_ms
        )
        .where(CoverageSnapshot.year.is_in(list(years) or [0]))
        .output(load_json=True)
    )
    return {r["year"]: r for r in rows}


# --------------------------------------------------------------------------- refreshing in the background


def refresh_out(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "id": row["id"],
        "years": list(row["years"] or []),
        "status": row["status"],
        "done": row["done"],
        "total": row["total"],
        "error": _(row["error"]) if row["error"] else "",
        "requested_at": row["requested_at"],
        "finished_at": row["finished_at"],
    }


async def latest_refresh() -> dict[str, Any] | None:
    row = await CoverageRefresh.select().order_by(CoverageRefresh.id, ascending=False).first().output(load_json=True)
    return refresh_out(row)


async def start_refresh(actor: Principal, years: list[int] | None = None, also: int | None = None) -> dict[str, Any]:
    """Recompute ``years`` (default: the five most recent school years, and ``also``, the year a page
    shows) in another process; the page follows :func:`latest_refresh`. A refresh already queued or
    running is answered instead of a second."""
    organizer_only(actor)
    if years is None:
        current = await current_year()
        years = list(range(current - WINDOW + 1, current + 1)) + ([also] if also is not None else [])
    elif not years:
        message = _("请至少选择一个学年。")
        raise ValidationFailed(message, errors=[{"field": "years", "message": message}])
    years = sorted({check_year(y, "years") for y in years})

    async def work() -> tuple[int, bool]:
        running = (
            await CoverageRefresh.select(CoverageRefresh.id)
            .where(CoverageRefresh.status.is_in(["queued", "running"]))
            .first()
        )
        if running is not None:
            return running["id"], False
        row = CoverageRefresh(years=years, status="queued", total=len(years), requested_by=actor.id, requested_at=now())
        await row.save()
        return row.id, True

    refresh_id, new = await write_transaction(work)
    if new:

        async def crashed(exc: BaseException) -> None:
            error = (
                "重新计算中断（服务重启），请再试一次。"
                if isinstance(exc, BrokenProcessPool)
                else "重新计算失败，请稍后再试。"
            )
            await _finish(refresh_id, "failed", error)

        await jobs.submit(REFRESH_JOB, {"refresh_id": refresh_id}, crashed=crashed)
    row = await CoverageRefresh.select().where(CoverageRefresh.id == refresh_id).first().output(load_json=True)
    out = refresh_out(row)
    assert out is not None
    return out


async def _finish(refresh_id: int, status: str, error: str = "") -> None:
    async def work() -> None:
        await CoverageRefresh.update(
            {CoverageRefresh.status: status, CoverageRefresh.error: error, CoverageRefresh.finished_at: now()}
        ).where((CoverageRefresh.id == refresh_id) & CoverageRefresh.status.is_in(["queued", "running"]))

    await write_transaction(work)


async def refresh_job(refresh_id: int) -> dict[str, Any]:
    """The job (:data:`REFRESH_JOB`, in another process): recompute the refresh's years one by one,
    storing each snapshot and the progress as it goes."""
    row = await CoverageRefresh.select().where(CoverageRefresh.id == refresh_id).first().output(load_json=True)
    if row is None or row["status"] not in ("queued", "running"):
        return {"done": 0}
    years = sorted(row["years"] or [])

    async def started() -> None:
        await CoverageRefresh.update({CoverageRefresh.status: "running", CoverageRefresh.started_at: now()}).where(
            CoverageRefresh.id == refresh_id
        )

    await write_transaction(started)
    try:
        start = await year_start()
        for done, year in enumerate(years, start=1):
            await store(await compute([year], start), row["requested_by"])

            async def progress(done: int = done) -> None:
                await CoverageRefresh.update({CoverageRefresh.done: done}).where(CoverageRefresh.id == refresh_id)

            await write_transaction(progress)
    except BaseException:
        log.exception("coverage: refresh %s failed", refresh_id)
        await _finish(refresh_id, "failed", "重新计算失败，请稍后再试。")
        raise
    await _finish(refresh_id, "done")
    return {"done": len(years)}


# --------------------------------------------------------------------------- enrolment


async def enrolment(year: int) -> tuple[int | None, dict[str, dict[str, int]]]:
    """Enrolment for ``year``: the year's own figures, else the latest earlier year's (said on the page):
    ``(year of the figures or None, {region: {division: enrolled}})``."""
    row = (
        await CoverageEnrolment.select(CoverageEnrolment.year)
        .where(CoverageEnrolment.year <= year)
        .order_by(CoverageEnrolment.year, ascending=False)
        .first()
    )
    if row is None:
        return None, {}
    figures: dict[str, dict[str, int]] = {}
    for r in await CoverageEnrolment.select(
        CoverageEnrolment.region, CoverageEnrolment.division, CoverageEnrolment.enrolled
    ).where(CoverageEnrolment.year == row["year"]):
        figures.setdefault(r["region"], {})[r["division"]] = r["enrolled"]
    return row["year"], figures


async def enrolment_rows(actor: Principal, year: int) -> dict[str, Any]:
    """The enrolment table of ``year`` as the page lists it (a city: its own row)."""
    readers_only(actor)
    used, figures = await enrolment(year)
    regions = await load_regions()
    rows = [
        {
            "code": r.code,
            "name": r.name,
            **{d: figures.get(r.code, {}).get(d) for d in DIVISIONS},
            "total": sum(figures.get(r.code, {}).values()) if r.code in figures else None,
        }
        for r in regions
        if actor.is_organizer or r.code == actor.region_code
    ]
    return {"year": year, "figures_year": used, "rows": rows}


async def enrolment_workbook(actor: Principal, year: int | None = None) -> bytes:
    """The enrolment workbook of ``year`` to fill in (organizer), with the figures it would use now."""
    organizer_only(actor)
    year = await current_year() if year is None else check_year(year)
    _used, figures = await enrolment(year)
    return enrolment_template(year, await load_regions(), figures)


def enrolment_template(year: int, regions: list[RegionInfo], figures: dict[str, dict[str, int]] | None = None) -> bytes:
    """The enrolment workbook to fill in: 市县 (the 19 regions) and 小学 / 初中 / 高中, with the figures
    already imported, if any."""
    wb = new_workbook(_("在校生数"))
    headers = [ENROLMENT_REGION_COLUMN, *ENROLMENT_COLUMNS]
    figures = figures or {}
    write_table(
        wb.active,
        headers,
        [[r.name, *(figures.get(r.code, {}).get(d) for d in DIVISIONS)] for r in regions],
        widths={ENROLMENT_REGION_COLUMN: 22},
    )
    return workbook_bytes(wb)


def _repeated_columns(wb: Any, table: Any) -> list[dict[str, Any]]:
    """A column of the enrolment workbook that appears twice in the header row (two 小学 columns, or
    市县 and 所属市县): which one holds the figures is anybody's guess, so it is an error naming both."""
    names = {normalize_header(h): h for h in (ENROLMENT_REGION_COLUMN, *ENROLMENT_COLUMNS, *ENROLMENT_REGION_ALIASES)}
    header = next((values for number, values in sheet_rows(wb[table.title]) if number == table.header_row), ())
    first: dict[str, int] = {}
    errors = []
    for col, value in enumerate(header):
        name = names.get(normalize_header(value))
        if name is None:
            continue
        canonical = ENROLMENT_REGION_COLUMN if name in ENROLMENT_REGION_ALIASES else name
        if canonical in first:
            errors.append(
                {
                    "row": table.header_row,
                    "column": clean_text(value),
                    "message": _(
                        "“{column}”列重复：第 {a} 列和第 {b} 列，请只保留一列。",
                        column=clean_text(value),
                        a=get_column_letter(first[canonical] + 1),
                        b=get_column_letter(col + 1),
                    ),
                }
            )
        else:
            first[canonical] = col
    return errors


def _enrolled_value(value: Any) -> int | None | str:
    """A cell of students enrolled: an integer (``None`` when blank), or ``"bad"``."""
    if value is None or (isinstance(value, str) and not clean_text(value)):
        return None
    if isinstance(value, bool):
        return "bad"
    if isinstance(value, float):
        return int(value) if value.is_integer() and value >= 0 else "bad"
    if isinstance(value, int):
        return value if value >= 0 else "bad"
    text = clean_text(value).replace(",", "").replace("，", "").replace(" ", "")
    return int(text) if text.isdigit() else "bad"


async def import_enrolment(actor: Principal, year: int | None, data: bytes) -> dict[str, Any]:
    """Import students enrolled per county and division for school year ``year`` from a workbook with
    the columns 市县 and 小学 / 初中 / 高中 (any of them; a blank cell: no figure). Replaces the year's
    figures. All or nothing: every problem is reported with its row and column."""
    organizer_only(actor)
    year = check_year(year)
    wb = open_workbook(data)
    try:
        table = find_table(
            wb,
            (ENROLMENT_REGION_COLUMN,),
            ENROLMENT_COLUMNS,
            aliases={ENROLMENT_REGION_COLUMN: list(ENROLMENT_REGION_ALIASES)},
        )
        present = [d for d in ENROLMENT_COLUMNS if d in table.columns]
        errors: list[dict[str, Any]] = _repeated_columns(wb, table)
        if errors:
            raise ValidationFailed(
                _("在校生数表有 {n} 处错误，未导入任何数据。请按提示修改后重新上传。", n=len(errors)), errors=errors
            )
        if not present:
            message = _("工作表缺少在校生数列：请至少有“小学”“初中”“高中”中的一列。")
            raise ValidationFailed(message, errors=[{"row": table.header_row, "column": "小学", "message": message}])
        regions = await list_regions()
        figures: dict[str, dict[str, int]] = {}
        first_row: dict[str, int] = {}
        for number, values in table.rows:

            def cell(header: str) -> Any:
                column = table.columns.get(header)
                return values[column] if column is not None and column < len(values) else None

            name = clean_text(cell(ENROLMENT_REGION_COLUMN))
            if not name:
                errors.append(
                    {
                        "row": number,
                        "column": ENROLMENT_REGION_COLUMN,
                        "message": _("“{column}”为空，请填写。", column=ENROLMENT_REGION_COLUMN),
                    }
                )
                continue
            region = match_region(name, regions)
            if region is None:
                errors.append(region_error(name, row=number, column=ENROLMENT_REGION_COLUMN))
                continue
            code = region["code"]
            if code in first_row:
                errors.append(
                    {
                        "row": number,
                        "column": ENROLMENT_REGION_COLUMN,
                        "message": _("“{name}”与第 {other} 行重复。", name=region["name"], other=first_row[code]),
                    }
                )
                continue
            first_row[code] = number
            for division in present:
                value = _enrolled_value(cell(division))
                if value == "bad" or (isinstance(value, int) and value > MAX_ENROLLED):
                    errors.append(
                        {
                            "row": number,
                            "column": division,
                            "message": _(
                                "在校生数应为 0 到 {max} 之间的整数，这里是“{value}”。",
                                max=MAX_ENROLLED,
                                value=clean_text(cell(division)),
                            ),
                        }
                    )
                elif isinstance(value, int):
                    figures.setdefault(code, {})[division] = value
    finally:
        wb.close()
    errors = [{**e, "column": table.headers.get(e["column"], e["column"])} for e in errors]
    if errors:
        raise ValidationFailed(
            _("在校生数表有 {n} 处错误，未导入任何数据。请按提示修改后重新上传。", n=len(errors)), errors=errors
        )
    if not figures:
        raise ValidationFailed(_("表中没有在校生数。"))

    async def work() -> None:
        await CoverageEnrolment.delete().where(CoverageEnrolment.year == year)
        at = now()
        await CoverageEnrolment.insert(
            *[
                CoverageEnrolment(year=year, region=code, division=d, enrolled=n, imported_at=at, imported_by=actor.id)
                for code, by_division in figures.items()
                for d, n in by_division.items()
            ]
        )
        await audit.record(
            actor,
            "coverage.enrolment",
            "coverage_enrolment",
            None,
            summary=_("导入 {year} 学年在校生数：{n} 个市县", year=year, n=len(figures)),
        )

    await write_transaction(work)
    return {"year": year, "regions": len(figures), "enrolled": sum(sum(v.values()) for v in figures.values())}


# --------------------------------------------------------------------------- the report as a role sees it


def _named(key: str, labels: dict[str, str]) -> str:
    return _(labels.get(key, key))


async def report(actor: Principal, year: int | None = None) -> dict[str, Any]:
    """The report of school year ``year`` (default: the current one) as ``actor`` may see it: the
    organizer the whole province, a city association its own city (its region's numbers, its schools,
    and the provincial rate per 1,000 beside its own). Computed and stored first if the year has no
    snapshot yet; otherwise the snapshot, with when it was computed."""
    readers_only(actor)
    start = await year_start()
    year = await current_year() if year is None else check_year(year)
    stored = await snapshots([year])
    if year not in stored:
        try:
            await recompute([year], actor)
        except Exception as exc:  # noqa: BLE001 - another request stored this year's snapshot just now
            if not _taken(exc):
                raise
        stored = await snapshots([year])
    snap = stored[year]
    data = snap["data"]
    # data changed after the snapshot was computed (a snapshot from before fingerprints: unknown, so say so)
    stale = data.get("fingerprint") != await fingerprint(year, start)
    regions = await load_regions()
    region_names = {r.code: _(r.name) for r in regions}  # English: pinyin (app/locale/en/regions.po)
    autonomous = {r.code for r in regions if r.autonomous}
    labels = {**programme_labels()}
    city = None if actor.is_organizer else actor.region_code
    enrolment_year, figures = await enrolment(year)
    earlier = await snapshots(range(year - WINDOW + 1, year))
    previous = earlier.get(year - 1)
    previous_regions = previous["data"]["by_region"] if previous else {}

    def programme_list(block: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {"kind": k, "label": _(labels.get(k, k)), **v}
            for k, v in sorted(block.items(), key=lambda kv: list(labels).index(kv[0]) if kv[0] in labels else 99)
        ]

    def split(block: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
        return [{"key": k, "label": _named(k, names), **v} for k, v in block.items()]

    # penetration: per region, per division, and the provincial figure (the sum of the counties with enrolment)
    by_region = []
    for code in [r.code for r in regions] + [c for c in data["by_region"] if c not in region_names]:
        block = data["by_region"].get(code)
        enrolled_by_division = figures.get(code, {})
        enrolled = sum(enrolled_by_division.values()) if enrolled_by_division else None
        counts = block or {m: 0 for m in MEASURES}
        before = previous_regions.get(code)
        row = {
            "code": code,
            "name": region_names.get(code) or _(UNKNOWN_REGION),
            "autonomous": code in autonomous,
            **{m: counts.get(m, 0) for m in MEASURES},
            "enrolled": enrolled,
            "per_1000_enrolled": per_1000(counts.get("unique_students", 0), enrolled),
            "per_1000_by_division": {
                d: per_1000(
                    (counts.get("division", {}).get(d) or {}).get("unique_students", 0), enrolled_by_division.get(d)
                )
                for d in DIVISIONS
            },
            "gender": split(counts.get("gender", {}), GENDER_LABELS),
            "division": split(counts.get("division", {}), DIVISION_LABELS),
            "area": split(counts.get("area", {}), AREA_LABELS),
            "programme": programme_list(counts.get("programme", {})),
            "previous_unique_students": before["unique_students"] if before else None,
            "previous_participations": before["participations"] if before else None,
            "change_unique_students": change(counts.get("unique_students", 0), before["unique_students"])
            if before
            else change(None, None),
            "change_participations": change(counts.get("participations", 0), before["participations"])
            if before
            else change(None, None),
        }
        if code in region_names or block:
            by_region.append(row)
    with_enrolment = [r for r in by_region if r["enrolled"]]
    province_rate = per_1000(
        sum(r["unique_students"] for r in with_enrolment), sum(r["enrolled"] for r in with_enrolment)
    )
    division_rates = []
    for d in DIVISIONS:
        have = [(code, by_d[d]) for code, by_d in figures.items() if by_d.get(d)]
        reached = sum(
            ((data["by_region"].get(code) or {}).get("division", {}).get(d) or {}).get("unique_students", 0)
            for code, _n in have
        )
        total = sum(n for _c, n in have)
        division_rates.append(
            {
                "division": d,
                "label": _(d),
                "enrolled": total or None,
                "unique_students": reached,
                "per_1000_enrolled": per_1000(reached, total),
            }
        )
    missing_enrolment = [
        r["code"] for r in by_region if r["unique_students"] and not r["enrolled"] and r["code"] in region_names
    ]

    schools = await load_schools()
    school_rows = []
    for sid, values in data["by_school"].items():
        school = schools.get(int(sid))
        if school is None or (city and school.region != city):
            continue
        school_rows.append(
            {
                "id": school.id,
                "code": school.code,
                "name": school.name,
                "region": school.region,
                "region_name": region_names.get(school.region or "", _(UNKNOWN_REGION)),
                "rural": school.rural,
                **values,
                "talks": values.get("talks", 0),
                "audience": values.get("audience", 0),
                "programme": [
                    {"kind": k, "label": _(labels.get(k, k)), "participations": n}
                    for k, n in values["programme"].items()
                ],
            }
        )
    school_rows.sort(key=lambda s: (-s["unique_students"], s["code"]))

    def school_list(ids: list[int]) -> list[dict[str, Any]]:
        return [
            {
                "id": s.id,
                "code": s.code,
                "name": s.name,
                "region": s.region,
                "region_name": region_names.get(s.region or "", _(UNKNOWN_REGION)),
                "rural": s.rural,
                "talks": (data["by_school"].get(str(sid)) or {}).get("talks", 0),
                "audience": (data["by_school"].get(str(sid)) or {}).get("audience", 0),
            }
            for sid in ids
            if (s := schools.get(sid)) is not None and (not city or s.region == city)
        ]

    idle = school_list(data["schools_without_activity"])
    talks_only = school_list(data.get("schools_talks_only", []))

    history = []
    for y in range(year - WINDOW + 1, year + 1):
        snap_y = snap if y == year else earlier.get(y)
        if snap_y is None:
            history.append({"year": y, "label": year_label(y), "short_label": f"{y}–{y + 1}", "computed": False})
            continue
        block = snap_y["data"]["totals"] if not city else snap_y["data"]["by_region"].get(city) or {}
        history.append(
            {
                "year": y,
                "label": year_label(y),
                "short_label": f"{y}–{y + 1}",
                "computed": True,
                "computed_at": snap_y["computed_at"],
                **{m: block.get(m, 0) for m in MEASURES},
                "multi_programme": block.get("multi_programme") if not city else None,
            }
        )
    last = next((h for h in reversed(history[:-1]) if h["computed"]), None)
    measures_change = {
        m: change(history[-1].get(m), last.get(m) if last else None)
        for m in (*MEASURES, "multi_programme")
        if not (city and m == "multi_programme")
    }

    if city:
        own = next((r for r in by_region if r["code"] == city), None)
        totals = {m: own[m] for m in MEASURES} if own else {m: 0 for m in MEASURES}
        totals.update({"multi_programme": None, "unhashed": None})
        scope = {"kind": "region", "code": city, "name": region_names.get(city, city)}
        by_programme = own["programme"] if own else []
        by_gender = own["gender"] if own else []
        by_division = own["division"] if own else []
        by_area = own["area"] if own else []
        by_autonomous: list[dict[str, Any]] = []
        region_rows = [own] if own else []
        idle_regions = [c for c in data["regions_without_activity"] if c == city]
    else:
        totals = dict(data["totals"])
        scope = {"kind": "province", "code": "460000", "name": _("海南省")}
        by_programme = programme_list(data["by_programme"])
        by_gender = split(data["by_gender"], GENDER_LABELS)
        by_division = split(data["by_division"], DIVISION_LABELS)
        by_area = split(data["by_area"], AREA_LABELS)
        by_autonomous = split(data["by_autonomous"], AUTONOMOUS_LABELS)
        region_rows = by_region
        idle_regions = list(data["regions_without_activity"])
    own_enrolled = sum(r["enrolled"] or 0 for r in region_rows) if any(r["enrolled"] for r in region_rows) else None
    totals["enrolled"] = own_enrolled if city else (sum(r["enrolled"] for r in with_enrolment) or None)
    totals["per_1000_enrolled"] = (
        (region_rows[0]["per_1000_enrolled"] if region_rows else None) if city else province_rate
    )
    return {
        "year": year,
        "label": year_label(year),
        # the last day of the school year (the stored end is the next year's first day)
        "period": {
            "start": data["period"]["start"],
            "end": (dt.date.fromisoformat(data["period"]["end"]) - dt.timedelta(days=1)).isoformat(),
        },
        "year_start": list(start),
        "computed_at": snap["computed_at"],
        "duration_ms": snap["duration_ms"],
        "stale": stale,
        "scope": scope,
        "totals": totals,
        "province_per_1000": province_rate,
        "by_region": region_rows,
        "by_programme": by_programme,
        "by_gender": by_gender,
        "by_division": by_division,
        "by_area": by_area,
        "by_autonomous": by_autonomous,
        "penetration": {
            "enrolment_year": enrolment_year,
            "by_division": division_rates if not city else [],
            "province": province_rate,
            "missing_regions": [c for c in missing_enrolment if not city or c == city],
        },
        "by_school": school_rows,
        "schools_without_activity": idle,
        "schools_talks_only": talks_only,
        "regions_without_activity": [{"code": c, "name": region_names.get(c, c)} for c in idle_regions],
        "years": history,
        "change": measures_change,
        "programmes": [{"kind": k, "label": _(v)} for k, v in labels.items()],
        "region_names": region_names,  # every region's name (the map draws their outlines)
        "reach_sources": [s.kind for s in ordered_reach_sources()],
    }


def decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"
