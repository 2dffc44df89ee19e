"""Schools: create, edit, list, and bulk import from a workbook (学校代码, 学校名称, 所属市县)."""

from __future__ import annotations

from typing import Any

from app import audit, times
from app.db import write_transaction
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.exports.workbook import clean_text, find_table, open_workbook
from app.i18n import _
from app.principal import Principal
from app.region_codes import REGION_NAMES, region_code_of
from app.regions.services import list_regions, match_region, region_error, resolve_region
from app.tables import School, User
from app.text import name_problem

# the 19 cities and counties of Hainan province (demo data and the city drop-down);
# codes and the rest live in app.region_codes
HAINAN_CITIES = REGION_NAMES
SCHOOL_COLUMNS = ("学校代码", "学校名称", "所属市县")


def _clean(data: dict[str, Any]) -> tuple[str, str, str]:
    code = clean_text(data.get("code")).upper()
    name = clean_text(data.get("name"))
    city = clean_text(data.get("city"))
    problems = []
    if not code or len(code) > 32:
        problems.append({"field": "code", "message": _("请填写学校代码（不超过 32 个字符）。")})
    if not name or len(name) > 200:
        problems.append({"field": "name", "message": _("请填写学校名称（不超过 200 个字符）。")})
    elif problem := name_problem(name, _("学校名称")):
        problems.append({"field": "name", "message": problem})
    if not city or len(city) > 64:
        problems.append({"field": "city", "message": _("请填写所属市县。")})
    if problems:
        raise ValidationFailed("；".join(p["message"] for p in problems), errors=problems)
    return code, name, city


async def check_city(city: str) -> dict[str, Any]:
    """A school's city must name one of the province's cities/counties (name, short name
    or code), so a typo cannot hide a school from its city association. Returns the
    region row; raises :class:`ValidationFailed` (field ``city``) listing the valid names."""
    return await resolve_region(city, field="city")


def city_condition(city: str):
    """A ``School`` filter for a city given as a region's name, short name or code (or,
    for schools left without a region, their old text)."""
    code = region_code_of(city)
    return (School.region == code) if code else (School.city == city.strip())


def school_out(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "code": row["code"],
        "name": row["name"],
        "city": row["city"],
        "region_code": row.get("region"),
    }


async def create_school(actor: Principal, data: dict[str, Any]) -> dict[str, Any]:
    """Create ``{"code", "name", "city"}``; returns ``{"id", "code", "name", "city"}``.
    Raises :class:`ValidationFailed` for blanks, :class:`Conflict` for a taken code."""
    if not actor.is_organizer:
        raise Forbidden(_("只有组委会可以添加学校。"))
    code, name, city = _clean(data)
    region = await check_city(city)
    city = region["name"]
    if await School.exists().where(School.code == code):
        raise Conflict(_("学校代码“{code}”已存在。", code=code))
    school = School(code=code, name=name, city=city, region=region["code"])
    await school.save()
    await audit.record(actor, "school.create", "school", school.id, school_id=school.id, summary=f"{code} {name}")
    return {"id": school.id, "code": code, "name": name, "city": city, "region_code": region["code"]}


async def update_school(actor: Principal, school_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Change a school's code, name or city (organizer only)."""
    if not actor.is_organizer:
        raise Forbidden(_("只有组委会可以修改学校。"))
    row = await School.select().where(School.id == school_id).first()
    if row is None:
        raise NotFound(_("学校不存在。"))
    code, name, city = _clean({**row, **{k: v for k, v in data.items() if v not in (None, "")}})
    region = await check_city(city)  # also for an unchanged city the old free text left without a region
    city = region["name"]
    if code != row["code"] and await School.exists().where(School.code == code):
        raise Conflict(_("学校代码“{code}”已存在。", code=code))
    await School.update(
        {
            School.code: code,
            School.name: name,
            School.city: city,
            School.region: region["code"],
            School.updated_at: times.now(),
        }
    ).where(School.id == school_id)
    await audit.record(
        actor,
        "school.update",
        "school",
        school_id,
        school_id=school_id,
        changes=audit.diff(
            {"code": row["code"], "name": row["name"], "city": row["city"]}, {"code": code, "name": name, "city": city}
        ),
    )
    return {"id": school_id, "code": code, "name": name, "city": city, "region_code": region["code"]}


async def get_school(actor: Principal, school_id: int) -> dict[str, Any]:
    row = await School.select().where(School.id == school_id).first()
    if row is None or not actor.can_see_school(row["id"], row["region"]):
        raise NotFound(_("学校不存在。"))
    return school_out(row)


async def list_schools(actor: Principal, city: str | None = None, q: str | None = None) -> list[dict[str, Any]]:
    """Schools the caller may see (organizer: all; city: its own; school: itself),
    optionally filtered by ``city`` (a region's name, short name or code) and a name/code
    search ``q``; sorted by region (the province's order), code."""
    query = School.select().order_by(School.region).order_by(School.city).order_by(School.code)
    where = None
    if actor.role == "city":
        if not actor.region_code:
            return []
        where = School.region == actor.region_code
    elif actor.role == "school":
        where = School.id == actor.school_id
    elif not actor.is_organizer:
        raise Forbidden(_("您的角色不能查看学校列表。"))
    if city:
        where = city_condition(city) if where is None else where & city_condition(city)
    if q:
        cond = School.name.like(f"%{q.strip()}%") | School.code.like(f"%{q.strip().upper()}%")
        where = cond if where is None else where & cond
    if where is not None:
        query = query.where(where)
    return [school_out(r) for r in await query]


async def import_schools(actor: Principal, data: bytes) -> dict[str, int]:
    """Import schools from a workbook with columns 学校代码, 学校名称, 所属市县 (header found
    by name, a title row above allowed). Existing codes are updated, new ones created.
    All-or-nothing: returns ``{"created", "updated"}`` or raises :class:`ValidationFailed`
    with ``errors = [{"row", "column", "message"}]`` and stores nothing."""
    if not actor.is_organizer:
        raise Forbidden(_("只有组委会可以导入学校。"))
    wb = open_workbook(data)
    try:
        table = find_table(wb, SCHOOL_COLUMNS)
        errors: list[dict[str, Any]] = []
        parsed: dict[str, tuple[int, str, str]] = {}
        regions = await list_regions()
        region_of: dict[str, str] = {}
        for number, values in table.rows:
            cell = lambda h: values[table.columns[h]] if table.columns[h] < len(values) else None  # noqa: E731
            code, name, city = (
                clean_text(cell("学校代码")).upper(),
                clean_text(cell("学校名称")),
                clean_text(cell("所属市县")),
            )
            for header, value in zip(SCHOOL_COLUMNS, (code, name, city)):
                if not value:
                    errors.append(
                        {
                            "row": number,
                            "column": header,
                            "message": _("第 {row} 行“{column}”为空，请填写。", row=number, column=header),
                        }
                    )
            if name and (problem := name_problem(name, _("学校名称"))):
                errors.append({"row": number, "column": "学校名称", "message": problem})
                name = ""
            if code and code in parsed:
                errors.append(
                    {
                        "row": number,
                        "column": "学校代码",
                        "message": _("学校代码“{code}”与第 {other} 行重复。", code=code, other=parsed[code][0]),
                    }
                )
            elif code and name and city:
                region = match_region(city, regions)
                if region is None:
                    errors.append(region_error(city, row=number, column="所属市县"))
                else:
                    parsed[code] = (number, name, region["name"])
                    region_of[code] = region["code"]
    finally:
        wb.close()
    errors.sort(key=lambda e: e["row"] or 0)
    if errors:
        raise ValidationFailed(
            _("学校名单有 {n} 处错误，未导入任何学校。请按提示修改后重新上传。", n=len(errors)), errors=errors
        )
    if not parsed:
        raise ValidationFailed(_("表中没有学校数据。"))

    async def work() -> dict[str, int]:
        existing = {
            r["code"]: r["id"]
            for r in await School.select(School.id, School.code).where(School.code.is_in(list(parsed)))
        }
        new = [
            School(code=c, name=n, city=ci, region=region_of[c])
            for c, (_row, n, ci) in parsed.items()
            if c not in existing
        ]
        if new:
            await School.insert(*new)
        for code, school_id in existing.items():
            _row, name, city = parsed[code]
            await School.update({School.name: name, School.city: city, School.region: region_of[code]}).where(
                School.id == school_id
            )
        await audit.record(
            actor,
            "school.import",
            "school",
            None,
            summary=_("导入学校：新增 {a}，更新 {b}", a=len(new), b=len(existing)),
        )
        return {"created": len(new), "updated": len(existing)}

    return await write_transaction(work)


async def cities() -> list[str]:
    """Cities that have schools, in the province's order first."""
    rows = await School.select(School.city).distinct()
    known = [c for c in HAINAN_CITIES if any(r["city"] == c for r in rows)]
    return known + sorted({r["city"] for r in rows} - set(known))


async def without_region() -> dict[str, list[dict[str, Any]]]:
    """Schools and city accounts whose ``city`` names no region (``region`` is NULL):
    ``{"schools": [{"code", "name", "city"}], "accounts": [{"username", "city"}]}``."""
    schools = (
        await School.select(School.code, School.name, School.city).where(School.region.is_null()).order_by(School.code)
    )
    accounts = (
        await User.select(User.username, User.city)
        .where((User.role == "city") & User.region.is_null())
        .order_by(User.username)
    )
    return {"schools": schools, "accounts": accounts}
