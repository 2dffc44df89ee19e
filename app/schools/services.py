"""Schools: create, edit, list, and bulk import from a workbook (学校代码, 学校名称, 所属市县; optionally
联系人, 联系电话, 城乡)."""

from __future__ import annotations

import asyncio
import re
import secrets
from typing import Any

from app import audit, times
from app.db import write_transaction
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.exports.workbook import (
    clean_text,
    find_table,
    new_workbook,
    open_workbook,
    phone_text,
    workbook_bytes,
    write_table,
)
from app.i18n import _
from app.principal import Principal
from app.region_codes import REGION_NAMES, region_code_of
from app.regions.services import list_regions, match_region, region_error, resolve_region
from app.security import encrypt_pii, hash_password, mask_phone
from app.tables import School, User
from app.text import name_problem

# the 19 cities and counties of Hainan province (demo data and the city drop-down);
# codes and the rest live in app.region_codes
HAINAN_CITIES = REGION_NAMES
SCHOOL_COLUMNS = ("学校代码", "学校名称", "所属市县")
CONTACT_COLUMNS = ("联系人", "联系电话")  # optional
RURAL_COLUMN = "城乡"  # optional: 城镇 (urban) or 农村 (rural)
# what people write in the 城乡 column (after NFKC, spaces removed, lower case)
RURAL_WORDS = {
    "城镇": False,
    "城市": False,
    "城区": False,
    "urban": False,
    "农村": True,
    "乡村": True,
    "rural": True,
}
# initial passwords printed on the handout: no 0/O, 1/l/I that a teacher could misread
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
INITIAL_PASSWORD_LENGTH = 10


def initial_password() -> str:
    """A random initial password for the handout (letters and digits, at least one of each)."""
    while True:
        value = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(INITIAL_PASSWORD_LENGTH))
        if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            return value


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


def rural_value(value: Any) -> bool | None:
    """``城镇`` (urban) -> ``False``, ``农村`` (rural) -> ``True`` (also 城市/城区, 乡村, urban/rural);
    ``None`` for text that is neither."""
    if isinstance(value, bool):
        return value
    return RURAL_WORDS.get(re.sub(r"\s+", "", clean_text(value)).lower())


def _rural_field(data: dict[str, Any]) -> bool | None:
    """The ``rural`` field of a body or form (a bool, or 城镇/农村 text), ``None`` when not given;
    raises :class:`ValidationFailed` (field ``rural``) for anything else."""
    value = data.get("rural")
    if value is None or value == "":
        return None
    found = rural_value(value)
    if found is None:
        message = _("城乡请填写“城镇”或“农村”。")
        raise ValidationFailed(message, errors=[{"field": "rural", "message": message}])
    return found


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
        "contact_name": row.get("contact_name") or "",
        "contact_phone_masked": row.get("contact_phone_masked") or "",
        "rural": bool(row.get("rural")),
    }


async def create_school(actor: Principal, data: dict[str, Any]) -> dict[str, Any]:
    """Create ``{"code", "name", "city"}``; returns ``{"id", "code", "name", "city"}``.
    Raises :class:`ValidationFailed` for blanks, :class:`Conflict` for a taken code."""
    if not actor.is_organizer:
        raise Forbidden(_("只有组委会可以添加学校。"))
    code, name, city = _clean(data)
    rural = bool(_rural_field(data))
    region = await check_city(city)
    city = region["name"]
    if await School.exists().where(School.code == code):
        raise Conflict(_("学校代码“{code}”已存在。", code=code))
    school = School(code=code, name=name, city=city, region=region["code"], rural=rural)
    await school.save()
    await audit.record(actor, "school.create", "school", school.id, school_id=school.id, summary=f"{code} {name}")
    return {"id": school.id, "code": code, "name": name, "city": city, "region_code": region["code"], "rural": rural}


async def update_school(actor: Principal, school_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Change a school's code, name or city (organizer only)."""
    if not actor.is_organizer:
        raise Forbidden(_("只有组委会可以修改学校。"))
    row = await School.select().where(School.id == school_id).first()
    if row is None:
        raise NotFound(_("学校不存在。"))
    code, name, city = _clean({**row, **{k: v for k, v in data.items() if v not in (None, "") and k != "rural"}})
    given_rural = _rural_field(data)
    rural = bool(row["rural"]) if given_rural is None else given_rural
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
            School.rural: rural,
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
            {"code": row["code"], "name": row["name"], "city": row["city"], "rural": bool(row["rural"])},
            {"code": code, "name": name, "city": city, "rural": rural},
        ),
    )
    return {"id": school_id, "code": code, "name": name, "city": city, "region_code": region["code"], "rural": rural}


async def get_school(actor: Principal, school_id: int) -> dict[str, Any]:
    row = await School.select().where(School.id == school_id).first()
    if row is None or not actor.can_see_school(row["id"], row["region"]):
        raise NotFound(_("学校不存在。"))
    return school_out(row)


async def list_schools(actor: Principal, city: str | None = None, q: str | None = None) -> list[dict[str, Any]]:
    """Schools the caller may see (organizer: all; city: its own; school: itself),
    optionally filtered by ``city`` (a region's name, short name or code) and a name/code
    search ``q``; sorted in the province's administrative order of regions (``Region.sort_order``,
    as the dashboard lists them), then code; schools without a region last, on both engines."""
    query = School.select(School.all_columns(), School.region.sort_order.as_alias("region_order"))
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
    rows = await query
    rows.sort(key=lambda r: (r["region_order"] is None, r["region_order"] or 0, r["city"] or "", r["code"]))
    return [school_out(r) for r in rows]


async def import_schools(actor: Principal, data: bytes, *, create_accounts: bool = False) -> dict[str, Any]:
    """Import schools from a workbook with columns 学校代码, 学校名称, 所属市县 and optionally
    联系人, 联系电话 and 城乡 (城镇 or 农村; blank leaves an existing school's flag as it is, a new
    school urban) (header found by name, a title row above allowed). Existing codes are
    updated, new ones created. With ``create_accounts`` every imported school that has no
    coordinator account gets one: user name = the school code in lower case, a random initial
    password (:func:`initial_password`) that must be changed at the first log-in.

    All-or-nothing: returns ``{"created", "updated", "accounts": [{"school_code",
    "school_name", "contact_name", "username", "password"}]}`` (the passwords exist only in
    this answer, for the handout; only their hashes are stored) or raises
    :class:`ValidationFailed` with ``errors = [{"row", "column", "message"}]`` and stores nothing."""
    if not actor.is_organizer:
        raise Forbidden(_("只有组委会可以导入学校。"))
    wb = open_workbook(data)
    try:
        table = find_table(wb, SCHOOL_COLUMNS, (*CONTACT_COLUMNS, RURAL_COLUMN))
        errors: list[dict[str, Any]] = []
        parsed: dict[str, tuple[int, str, str]] = {}
        contacts: dict[str, tuple[str, str]] = {}
        rural_of: dict[str, bool] = {}
        regions = await list_regions()
        region_of: dict[str, str] = {}
        for number, values in table.rows:

            def cell(h: str) -> Any:
                column = table.columns.get(h)
                return values[column] if column is not None and column < len(values) else None

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
                            "message": _("“{column}”为空，请填写。", column=table.headers.get(header, header)),
                        }
                    )
            if name and (problem := name_problem(name, _("学校名称"))):
                errors.append({"row": number, "column": "学校名称", "message": problem})
                name = ""
            contact = clean_text(cell("联系人"))[:50]
            phone = phone_text(cell("联系电话"))
            if phone and not re.fullmatch(r"1\d{10}|0\d{9,11}", phone):
                errors.append(
                    {
                        "row": number,
                        "column": "联系电话",
                        "message": _(
                            "联系电话“{phone}”不是有效的手机号（11 位）或带区号的座机号。",
                            phone=phone,
                        ),
                    }
                )
            rural_text = clean_text(cell(RURAL_COLUMN))
            rural = rural_value(rural_text) if rural_text else None
            if rural_text and rural is None:
                errors.append(
                    {
                        "row": number,
                        "column": RURAL_COLUMN,
                        "message": _("“{value}”不是城乡类别，请填写“城镇”或“农村”。", value=rural_text),
                    }
                )
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
                    contacts[code] = (contact, phone)
                    if rural is not None:
                        rural_of[code] = rural
    finally:
        wb.close()
    errors.sort(key=lambda e: e["row"] or 0)
    # the row is in "row" (never repeated in the message); "column" is the header as the file writes it
    errors = [{**e, "column": table.headers.get(e["column"], e["column"])} for e in errors]
    if errors:
        raise ValidationFailed(
            _("学校名单有 {n} 处错误，未导入任何学校。请按提示修改后重新上传。", n=len(errors)), errors=errors
        )
    if not parsed:
        raise ValidationFailed(_("表中没有学校数据。"))

    has_contacts = "联系人" in table.columns or "联系电话" in table.columns
    usernames = {code: code.lower() for code in parsed}
    accounts: list[dict[str, str]] = []
    hashes: dict[str, str] = {}
    if create_accounts:
        taken = {
            r["username"] for r in await User.select(User.username).where(User.username.is_in(list(usernames.values())))
        }
        covered = {
            r["code"]
            for r in await School.select(School.code).where(
                School.code.is_in(list(parsed))
                & School.id.is_in(
                    [
                        r["school"]
                        for r in await User.select(User.school).where(
                            (User.role == "school") & User.school.is_not_null()
                        )
                    ]
                    or [0]
                )
            )
        }
        clash = [c for c in parsed if c not in covered and usernames[c] in taken]
        if clash:
            raise ValidationFailed(
                _(
                    "用户名已被其他账号使用，未导入任何学校：{names}。请先改名或删除这些账号。",
                    names="、".join(usernames[c] for c in clash),
                ),
                errors=[
                    {"row": parsed[c][0], "column": "学校代码", "message": _("用户名“{u}”已被使用。", u=usernames[c])}
                    for c in clash
                ],
            )
        for code in parsed:
            if code not in covered:
                accounts.append(
                    {
                        "school_code": code,
                        "school_name": parsed[code][1],
                        "contact_name": contacts[code][0],
                        "username": usernames[code],
                        "password": initial_password(),
                    }
                )
        # argon2 releases the GIL: hash on both cores instead of one after another
        digests = await asyncio.gather(*(asyncio.to_thread(hash_password, a["password"]) for a in accounts))
        hashes = {a["username"]: d for a, d in zip(accounts, digests)}

    def contact_values(code: str) -> dict[Any, Any]:
        if not has_contacts:
            return {}
        name, phone = contacts[code]
        return {
            School.contact_name: name,
            School.contact_phone_enc: encrypt_pii(phone) if phone else None,
            School.contact_phone_masked: mask_phone(phone),
        }

    async def work() -> dict[str, Any]:
        existing = {
            r["code"]: r["id"]
            for r in await School.select(School.id, School.code).where(School.code.is_in(list(parsed)))
        }
        new = [
            School(
                code=c,
                name=n,
                city=ci,
                region=region_of[c],
                rural=rural_of.get(c, False),
                **{k._meta.name: v for k, v in contact_values(c).items()},
            )
            for c, (_row, n, ci) in parsed.items()
            if c not in existing
        ]
        if new:
            await School.insert(*new)
        for code, school_id in existing.items():
            _row, name, city = parsed[code]
            rural_values = {School.rural: rural_of[code]} if code in rural_of else {}
            await School.update(
                {
                    School.name: name,
                    School.city: city,
                    School.region: region_of[code],
                    **contact_values(code),
                    **rural_values,
                }
            ).where(School.id == school_id)
        if accounts:
            ids = {
                r["code"]: r["id"]
                for r in await School.select(School.id, School.code).where(
                    School.code.is_in([a["school_code"] for a in accounts])
                )
            }
            await User.insert(
                *[
                    User(
                        username=a["username"],
                        password_hash=hashes[a["username"]],
                        role="school",
                        display_name=a["school_name"][:100],
                        school=ids[a["school_code"]],
                        must_change_password=True,
                    )
                    for a in accounts
                ]
            )
        await audit.record(
            actor,
            "school.import",
            "school",
            None,
            summary=_(
                "导入学校：新增 {a}，更新 {b}，新建学校管理员账号 {c}", a=len(new), b=len(existing), c=len(accounts)
            ),
        )
        return {"created": len(new), "updated": len(existing), "accounts": accounts}

    return await write_transaction(work)


def handout_workbook(accounts: list[dict[str, str]], login_url: str = "") -> bytes:
    """The coordinator accounts of an import as a workbook for the office (学校代码, 学校名称,
    联系人, 用户名, 初始密码, 登录网址), every cell written by the safe writer."""
    wb = new_workbook("学校管理员账号")
    ws = wb.active
    headers = ["学校代码", "学校名称", "联系人", "用户名", "初始密码", "登录网址"]
    write_table(
        ws,
        headers,
        [
            [a["school_code"], a["school_name"], a["contact_name"], a["username"], a["password"], login_url]
            for a in accounts
        ],
        text_columns=headers,
        widths={"学校名称": 30, "登录网址": 36},
    )
    return workbook_bytes(wb)


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
