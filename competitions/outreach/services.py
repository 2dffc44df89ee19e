"""大手拉小手 outreach (issue 17): the programme's settings, experts (accounts with role ``expert`` or
records the office keeps), their availability windows and topics, and schools' talk requests with the
cities' priorities. One function per business action; pages and the JSON API call these. Tours are in
:mod:`competitions.outreach.tours`, delivery in :mod:`competitions.outreach.delivery`.

Who does what:

- the office (organizer): everything; keeps experts without a log-in;
- an expert: their own record, availability and topics (a record is made at their first visit);
- a school: browses topics, requests talks for itself, withdraws an open request;
- a city (市县科协): sees its schools' requests and sets their priority (high/normal/low).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from app import audit, times
from app.accounts.services import create_user
from app.db import write_transaction
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.exports.workbook import clean_text
from app.i18n import _, pgettext
from app.principal import Principal
from app.region_codes import REGIONS, find_region
from app.security import encrypt_pii, mask_phone
from app.tables import School, User
from app.text import name_problem
from competitions.events.tables import DIVISIONS
from competitions.outreach.tables import (
    DEFAULT_CONFIRM_WITHIN_DAYS,
    DEFAULT_MAX_TALKS_PER_DAY,
    DEFAULT_MIN_DAYS_AHEAD,
    PRIORITIES,
    REQUEST_STATUSES,
    Expert,
    ExpertAvailability,
    OutreachSettings,
    TalkRequest,
    Topic,
)

REGION_NAME = {r.code: r.name for r in REGIONS}
REQUEST_STATUS_LABELS = {
    "open": "待安排",
    "planned": "已排入巡讲草案",
    "scheduled": "已安排",
    "delivered": "已完成",
    "withdrawn": "已撤回",
}
PRIORITY_LABELS = {"high": "优先", "normal": "一般", "low": "暂缓"}
MAX_WEEKS = 8
MAX_DAYS_AHEAD = 366  # a request's weeks lie within a year: tours are planned for the coming months
MAX_AUDIENCE = 5000
_PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")


# --------------------------------------------------------------------------- small helpers


def require_organizer(actor: Principal) -> None:
    if not actor.is_organizer:
        raise Forbidden(_("只有组委会可以进行此操作。"))


def invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[{"field": field, "message": message}])


def parse_date(value: Any, field: str) -> dt.date:
    """A date from ``2026-03-02`` (or a date); 422 naming ``field`` otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(clean_text(value))
    except ValueError:
        raise invalid(field, _("“{value}”不是有效的日期（例如 2026-03-02）。", value=clean_text(value))) from None


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def today() -> dt.date:
    """Today in Asia/Shanghai (the programme's calendar)."""
    return times.local_now().date()


def _text(data: dict[str, Any], key: str, limit: int, label: str, *, required: bool = False) -> str:
    value = clean_text(data.get(key))
    if required and not value:
        raise invalid(key, _("请填写{label}。", label=label))
    if len(value) > limit:
        raise invalid(key, _("{label}不能超过 {n} 个字符。", label=label, n=limit))
    if value and (problem := name_problem(value, label)):
        raise invalid(key, problem)
    return value


def _int(data: dict[str, Any], key: str, label: str, low: int, high: int, default: int | None = None) -> int:
    raw = data.get(key)
    if raw in (None, ""):
        if default is not None:
            return default
        raise invalid(key, _("请填写{label}。", label=label))
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise invalid(key, _("{label}应为 {low}–{high} 之间的整数。", label=label, low=low, high=high)) from None
    if not low <= value <= high:
        raise invalid(key, _("{label}应为 {low}–{high} 之间的整数。", label=label, low=low, high=high))
    return value


def region_codes(values: Any, field: str = "regions") -> list[str]:
    """GB/T 2260 codes from names, short names or codes (a list, or text separated by commas or 、)."""
    if values in (None, ""):
        return []
    if isinstance(values, str):
        values = [v for v in re.split(r"[,，、;；\s]+", values) if v]
    codes: list[str] = []
    for value in values:
        region = find_region(value)
        if region is None:
            raise invalid(
                field,
                _(
                    "“{city}”不是海南省的市县。请填写以下之一（也可填简称或区划代码）：{names}。",
                    city=clean_text(value),
                    names="、".join(REGION_NAME.values()),
                ),
            )
        if region.code not in codes:
            codes.append(region.code)
    order = [r.code for r in REGIONS]
    return sorted(codes, key=order.index)


def region_names(codes: list[str]) -> list[str]:
    return [REGION_NAME.get(c, c) for c in codes or []]


# --------------------------------------------------------------------------- settings


async def settings_for(year: int) -> dict[str, Any]:
    """The settings of ``year`` (defaults where none were stored); 404 for a year outside 2000–2100."""
    if not 2000 <= year <= 2100:
        raise NotFound(_("没有 {year} 年度的科普报告计划。", year=year))
    row = await OutreachSettings.select().where(OutreachSettings.year == year).first()
    return {
        "year": year,
        "min_days_ahead": row["min_days_ahead"] if row else DEFAULT_MIN_DAYS_AHEAD,
        "confirm_within_days": row["confirm_within_days"] if row else DEFAULT_CONFIRM_WITHIN_DAYS,
        "max_talks_per_day": row["max_talks_per_day"] if row else DEFAULT_MAX_TALKS_PER_DAY,
    }


async def update_settings(actor: Principal, year: int, data: dict[str, Any]) -> dict[str, Any]:
    """Organizer: ``min_days_ahead`` (0..180), ``confirm_within_days`` (1..90), ``max_talks_per_day``
    (1..6) of a programme year."""
    require_organizer(actor)
    if not 2000 <= year <= 2100:
        raise invalid("year", _("年度应在 2000–2100 之间。"))
    old = await settings_for(year)
    new = {
        "min_days_ahead": _int(data, "min_days_ahead", _("提前申请天数"), 0, 180, old["min_days_ahead"]),
        "confirm_within_days": _int(
            data, "confirm_within_days", _("确认期限（天）"), 1, 90, old["confirm_within_days"]
        ),
        "max_talks_per_day": _int(data, "max_talks_per_day", _("每位专家每天最多场次"), 1, 6, old["max_talks_per_day"]),
    }

    async def work() -> None:
        if await OutreachSettings.exists().where(OutreachSettings.year == year):
            await OutreachSettings.update(
                {**{getattr(OutreachSettings, k): v for k, v in new.items()}, OutreachSettings.updated_at: times.now()}
            ).where(OutreachSettings.year == year)
        else:
            await OutreachSettings.insert(OutreachSettings(year=year, updated_at=times.now(), **new))
        await audit.record(
            actor,
            "outreach.settings",
            "outreach_settings",
            year,
            summary=str(year),
            changes=audit.diff({k: old[k] for k in new}, new),
        )

    await write_transaction(work)
    return {"year": year, **new}


# --------------------------------------------------------------------------- experts


def _windows_out(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"id": w["id"], "starts_on": w["starts_on"].isoformat(), "ends_on": w["ends_on"].isoformat(), "note": w["note"]}
        for w in sorted(rows, key=lambda w: (w["starts_on"], w["id"]))
    ]


def expert_out(row: dict[str, Any], windows: list[dict[str, Any]], topics: int = 0) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "affiliation": row["affiliation"],
        "title": row["title"],
        "bio": row["bio"],
        "username": row.get("username"),
        "phone_masked": row["phone_masked"],
        "regions": row["regions"] or [],
        "region_names": region_names(row["regions"] or []),
        "generally_available": row["generally_available"],
        "availability": _windows_out(windows),
        "active": row["active"],
        "topics": topics,
    }


async def _expert_rows(where: Any = None) -> list[dict[str, Any]]:
    query = Expert.select(Expert.all_columns(), Expert.user.username.as_alias("username")).output(load_json=True)
    if where is not None:
        query = query.where(where)
    rows = await query
    rows.sort(key=lambda r: (r["name"], r["id"]))  # code points on both engines (collations differ)
    return rows


async def _windows_of(expert_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    if expert_ids:
        for w in await ExpertAvailability.select().where(ExpertAvailability.expert.is_in(expert_ids)):
            out.setdefault(w["expert"], []).append(w)
    return out


async def _topic_counts(expert_ids: list[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    if expert_ids:
        for t in await Topic.select(Topic.expert).where(Topic.expert.is_in(expert_ids) & (Topic.active == True)):  # noqa: E712
            counts[t["expert"]] = counts.get(t["expert"], 0) + 1
    return counts


async def expert_id_of(actor: Principal, *, create: bool = True) -> int | None:
    """The expert record of an expert account: made from the account at its first visit (an account with
    role ``expert`` is an expert), or ``None`` for other roles."""
    if actor.role != "expert":
        return None
    row = await Expert.select(Expert.id).where(Expert.user == actor.id).first()
    if row is not None:
        return int(row["id"])
    if not create:
        return None

    async def work() -> int:
        again = await Expert.select(Expert.id).where(Expert.user == actor.id).first()
        if again is not None:
            return int(again["id"])
        stamp = times.now()
        result = await Expert.insert(
            Expert(
                user=actor.id,
                name=(actor.display_name or actor.username)[:64],
                created_at=stamp,
                updated_at=stamp,
            )
        ).returning(Expert.id)
        await audit.record(actor, "outreach.expert.create", "outreach_expert", result[0]["id"], summary=actor.username)
        return int(result[0]["id"])

    return await write_transaction(work)


async def _may_edit_expert(actor: Principal, expert_id: int) -> dict[str, Any]:
    """The expert row if ``actor`` is the office or this expert; 404 for an unknown id, 403 otherwise."""
    rows = await _expert_rows(Expert.id == expert_id)
    if not rows:
        raise NotFound(_("专家不存在（编号 {id}）。", id=expert_id))
    if actor.is_organizer:
        return rows[0]
    if actor.role == "expert" and rows[0]["user"] == actor.id:
        return rows[0]
    if actor.role == "expert":
        raise NotFound(_("专家不存在（编号 {id}）。", id=expert_id))
    raise Forbidden(_("只有组委会和专家本人可以修改专家信息。"))


def _expert_fields(data: dict[str, Any], partial: dict[str, Any] | None = None) -> dict[str, Any]:
    """The cleaned fields of an expert form; with ``partial`` (the stored row) only those given."""
    values: dict[str, Any] = {}
    given = (lambda k: k in data and data[k] is not None) if partial is not None else (lambda k: True)
    if given("name"):
        values["name"] = _text(data, "name", 64, _("姓名"), required=True)
    for key, limit, label in (
        ("affiliation", 200, _("单位")),
        ("title", 100, _("职称或头衔")),
    ):
        if given(key):
            values[key] = _text(data, key, limit, label)
    if given("bio"):
        bio = str(data.get("bio") or "").strip()
        if len(bio) > 2000:
            raise invalid("bio", _("{label}不能超过 {n} 个字符。", label=_("简介"), n=2000))
        values["bio"] = bio
    if given("phone"):
        phone = clean_text(data.get("phone")).replace(" ", "")
        if phone and not _PHONE.match(phone):
            raise invalid("phone", _("联系电话“{phone}”不是有效的手机号（11 位）或带区号的座机号。", phone=phone))
        values["phone_enc"] = encrypt_pii(phone) if phone else None
        values["phone_masked"] = mask_phone(phone)
    if given("regions"):
        values["regions"] = region_codes(data.get("regions"))
    if given("generally_available"):
        values["generally_available"] = bool(data.get("generally_available"))
    if given("active") and partial is not None:
        values["active"] = bool(data.get("active"))
    return values


async def create_expert(actor: Principal, data: dict[str, Any]) -> dict[str, Any]:
    """Organizer: an expert record. ``username`` links an account: an existing one with role ``expert``
    (not yet linked), or, with ``password``, a new expert account (changed at first log-in). Without
    ``username`` the office keeps the record (the expert does not log in)."""
    require_organizer(actor)
    values = _expert_fields(data)
    username = clean_text(data.get("username"))
    password = str(data.get("password") or "")

    async def work() -> dict[str, Any]:
        user_id = None
        if username:
            account = await User.select(User.id, User.role).where(User.username == username).first()
            if account is None:
                if not password:
                    raise invalid("username", _("没有用户名为“{u}”的账号；要新建账号请同时填写初始密码。", u=username))
                made = await create_user(
                    actor,
                    username=username,
                    password=password,
                    role="expert",
                    display_name=values["name"],
                    must_change_password=True,
                )
                user_id = made["id"]
            else:
                if account["role"] != "expert":
                    raise invalid("username", _("账号“{u}”不是专家账号。", u=username))
                if await Expert.exists().where(Expert.user == account["id"]):
                    raise Conflict(_("账号“{u}”已关联其他专家。", u=username))
                user_id = account["id"]
        stamp = times.now()
        result = await Expert.insert(Expert(user=user_id, created_at=stamp, updated_at=stamp, **values)).returning(
            Expert.id
        )
        expert_id = result[0]["id"]
        await audit.record(
            actor,
            "outreach.expert.create",
            "outreach_expert",
            expert_id,
            summary=f"{values['name']} {values.get('affiliation', '')}".strip(),
        )
        return expert_id

    expert_id = await write_transaction(work)
    return await get_expert(actor, expert_id)


async def update_expert(actor: Principal, expert_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """The office or the expert: any of name, affiliation, title, bio, phone, regions,
    generally_available (and ``active``, the office only)."""
    row = await _may_edit_expert(actor, expert_id)
    if not actor.is_organizer:
        data = {k: v for k, v in data.items() if k != "active"}
    values = _expert_fields(data, row)
    if not values:
        return await get_expert(actor, expert_id)

    async def work() -> None:
        await Expert.update(
            {**{getattr(Expert, k): v for k, v in values.items()}, Expert.updated_at: times.now()}
        ).where(Expert.id == expert_id)
        shown = {k: v for k, v in values.items() if k != "phone_enc"}
        await audit.record(
            actor,
            "outreach.expert.update",
            "outreach_expert",
            expert_id,
            summary=row["name"],
            changes=audit.diff({k: row.get(k) for k in shown}, shown),
        )

    await write_transaction(work)
    return await get_expert(actor, expert_id)


async def get_expert(actor: Principal, expert_id: int) -> dict[str, Any]:
    """One expert: the office and the expert see everything but the full phone; schools and cities see
    the public part (name, affiliation, title, bio, regions, availability, topics count)."""
    rows = await _expert_rows(Expert.id == expert_id)
    if not rows or (actor.role == "expert" and rows[0]["user"] != actor.id):
        raise NotFound(_("专家不存在（编号 {id}）。", id=expert_id))
    if actor.role not in ("organizer", "expert", "school", "city"):
        raise Forbidden(_("您的角色不能查看专家信息。"))
    row = rows[0]
    windows = (await _windows_of([expert_id])).get(expert_id, [])
    out = expert_out(row, windows, (await _topic_counts([expert_id])).get(expert_id, 0))
    if actor.role in ("school", "city"):
        if not row["active"]:
            raise NotFound(_("专家不存在（编号 {id}）。", id=expert_id))
        out["phone_masked"] = ""
        out["username"] = None
    return out


async def list_experts(actor: Principal, *, q: str | None = None, region: str | None = None) -> list[dict[str, Any]]:
    """Organizer: every expert (``q`` name or affiliation, ``region`` one that the expert travels to)."""
    require_organizer(actor)
    rows = await _expert_rows()
    if q:
        rows = [r for r in rows if q.strip() in r["name"] or q.strip() in r["affiliation"]]
    if region:
        code = find_region(region)
        if code is None:
            raise invalid("region", _("“{city}”不是海南省的市县。", city=region))
        rows = [r for r in rows if not r["regions"] or code.code in r["regions"]]
    ids = [r["id"] for r in rows]
    windows, counts = await _windows_of(ids), await _topic_counts(ids)
    return [expert_out(r, windows.get(r["id"], []), counts.get(r["id"], 0)) for r in rows]


async def add_window(actor: Principal, expert_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """The office or the expert: an availability window ``starts_on``..``ends_on`` (inclusive, at most a
    year long, not ended before today), with an optional ``note``."""
    row = await _may_edit_expert(actor, expert_id)
    starts = parse_date(data.get("starts_on"), "starts_on")
    ends = parse_date(data.get("ends_on") or data.get("starts_on"), "ends_on")
    if ends < starts:
        raise invalid("ends_on", _("结束日期不能早于开始日期。"))
    if (ends - starts).days > 366:
        raise invalid("ends_on", _("一段可安排时间最长一年。"))
    if ends < today():
        raise invalid("ends_on", _("这段时间已经过去。"))
    note = _text(data, "note", 200, _("备注"))

    async def work() -> int:
        result = await ExpertAvailability.insert(
            ExpertAvailability(expert=expert_id, starts_on=starts, ends_on=ends, note=note)
        ).returning(ExpertAvailability.id)
        await audit.record(
            actor,
            "outreach.availability.add",
            "outreach_expert",
            expert_id,
            summary=f"{row['name']} {starts.isoformat()}–{ends.isoformat()}",
        )
        return int(result[0]["id"])

    window_id = await write_transaction(work)
    return {"id": window_id, "starts_on": starts.isoformat(), "ends_on": ends.isoformat(), "note": note}


async def delete_window(actor: Principal, expert_id: int, window_id: int) -> None:
    row = await _may_edit_expert(actor, expert_id)
    window = (
        await ExpertAvailability.select()
        .where((ExpertAvailability.id == window_id) & (ExpertAvailability.expert == expert_id))
        .first()
    )
    if window is None:
        raise NotFound(_("这段可安排时间不存在。"))

    async def work() -> None:
        await ExpertAvailability.delete().where(ExpertAvailability.id == window_id)
        await audit.record(
            actor,
            "outreach.availability.delete",
            "outreach_expert",
            expert_id,
            summary=f"{row['name']} {window['starts_on'].isoformat()}–{window['ends_on'].isoformat()}",
        )

    await write_transaction(work)


def available_on(expert: dict[str, Any], windows: list[dict[str, Any]], day: dt.date) -> bool:
    """Whether the expert (a row or :func:`expert_out`) can give talks on ``day``."""
    if expert["generally_available"]:
        return True
    for w in windows:
        start, end = w["starts_on"], w["ends_on"]
        if isinstance(start, str):
            start, end = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        if start <= day <= end:
            return True
    return False


# --------------------------------------------------------------------------- topics


def topic_out(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "expert_id": row["expert"],
        "expert_name": row.get("expert_name") or "",
        "expert_affiliation": row.get("expert_affiliation") or "",
        "expert_title": row.get("expert_title") or "",
        "title": row["title"],
        "subject": row["subject"],
        "summary": row["summary"],
        "divisions": row["divisions"] or [],
        "duration_minutes": row["duration_minutes"],
        "equipment": row["equipment"],
        "active": row["active"],
    }


def _divisions(data: dict[str, Any]) -> list[str]:
    raw = data.get("divisions")
    if isinstance(raw, str):
        raw = [d for d in re.split(r"[,，、;；\s]+", raw) if d]
    values = [clean_text(d) for d in raw or []]
    wrong = [d for d in values if d not in DIVISIONS]
    if wrong or not values:
        raise invalid("divisions", _("请选择适合的组别（{names}）。", names="、".join(_(d) for d in DIVISIONS)))
    return [d for d in DIVISIONS if d in values]


def _topic_fields(data: dict[str, Any], partial: bool = False) -> dict[str, Any]:
    values: dict[str, Any] = {}

    def given(k: str) -> bool:
        return not partial or (k in data and data[k] is not None)

    if given("title"):
        values["title"] = _text(data, "title", 200, _("报告题目"), required=True)
    if given("subject"):
        values["subject"] = _text(data, "subject", 50, _("学科领域"))
    if given("summary"):
        summary = str(data.get("summary") or "").strip()
        if len(summary) > 2000:
            raise invalid("summary", _("{label}不能超过 {n} 个字符。", label=_("内容简介"), n=2000))
        values["summary"] = summary
    if given("divisions"):
        values["divisions"] = _divisions(data)
    if given("duration_minutes"):
        values["duration_minutes"] = _int(data, "duration_minutes", _("时长（分钟）"), 10, 480, 60)
    if given("equipment"):
        values["equipment"] = _text(data, "equipment", 300, _("所需设备"))
    if partial and given("active"):
        values["active"] = bool(data.get("active"))
    return values


async def create_topic(actor: Principal, expert_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """The office or the expert: a topic (title, subject, summary, divisions, duration, equipment)."""
    row = await _may_edit_expert(actor, expert_id)
    values = _topic_fields(data)

    async def work() -> int:
        result = await Topic.insert(Topic(expert=expert_id, created_at=times.now(), **values)).returning(Topic.id)
        await audit.record(
            actor,
            "outreach.topic.create",
            "outreach_topic",
            result[0]["id"],
            summary=f"{row['name']}：{values['title']}",
        )
        return int(result[0]["id"])

    topic_id = await write_transaction(work)
    return await get_topic(actor, topic_id)


async def _topic_row(topic_id: int) -> dict[str, Any]:
    row = (
        await Topic.select(
            Topic.all_columns(),
            Topic.expert.name.as_alias("expert_name"),
            Topic.expert.affiliation.as_alias("expert_affiliation"),
            Topic.expert.title.as_alias("expert_title"),
            Topic.expert.active.as_alias("expert_active"),
            Topic.expert.user.as_alias("expert_user"),
        )
        .output(load_json=True)
        .where(Topic.id == topic_id)
        .first()
    )
    if row is None:
        raise NotFound(_("报告主题不存在（编号 {id}）。", id=topic_id))
    return row


async def get_topic(actor: Principal, topic_id: int) -> dict[str, Any]:
    row = await _topic_row(topic_id)
    if actor.role == "expert" and row["expert_user"] != actor.id:
        raise NotFound(_("报告主题不存在（编号 {id}）。", id=topic_id))
    if actor.role in ("school", "city") and not (row["active"] and row["expert_active"]):
        raise NotFound(_("报告主题不存在（编号 {id}）。", id=topic_id))
    if actor.role not in ("organizer", "expert", "school", "city"):
        raise Forbidden(_("您的角色不能查看报告主题。"))
    return topic_out(row)


async def update_topic(actor: Principal, topic_id: int, data: dict[str, Any]) -> dict[str, Any]:
    row = await _topic_row(topic_id)
    await _may_edit_expert(actor, row["expert"])
    values = _topic_fields(data, partial=True)
    if values:

        async def work() -> None:
            await Topic.update({getattr(Topic, k): v for k, v in values.items()}).where(Topic.id == topic_id)
            await audit.record(
                actor,
                "outreach.topic.update",
                "outreach_topic",
                topic_id,
                summary=row["title"],
                changes=audit.diff({k: row[k] for k in values}, values),
            )

        await write_transaction(work)
    return await get_topic(actor, topic_id)


async def list_topics(
    actor: Principal,
    *,
    division: str | None = None,
    subject: str | None = None,
    q: str | None = None,
    expert_id: int | None = None,
    region: str | None = None,
) -> list[dict[str, Any]]:
    """Topics the caller may browse: schools and cities the active topics of active experts, an expert
    their own, the office all. Filters: ``division``, ``subject``, ``q`` (title, summary, expert),
    ``expert_id``, ``region`` (experts who travel there)."""
    if actor.role not in ("organizer", "expert", "school", "city"):
        raise Forbidden(_("您的角色不能查看报告主题。"))
    query = Topic.select(
        Topic.all_columns(),
        Topic.expert.name.as_alias("expert_name"),
        Topic.expert.affiliation.as_alias("expert_affiliation"),
        Topic.expert.title.as_alias("expert_title"),
        Topic.expert.active.as_alias("expert_active"),
        Topic.expert.regions.as_alias("expert_regions"),
    ).output(load_json=True)
    where = None
    if actor.role == "expert":
        mine = await expert_id_of(actor)
        where = Topic.expert == mine
    elif expert_id is not None:
        where = Topic.expert == expert_id
    if where is not None:
        query = query.where(where)
    rows = await query
    rows.sort(key=lambda r: (r["subject"], r["title"], r["id"]))  # code points on both engines
    if actor.role in ("school", "city"):
        rows = [r for r in rows if r["active"] and r["expert_active"]]
    if division:
        rows = [r for r in rows if division in (r["divisions"] or [])]
    if subject:
        rows = [r for r in rows if subject.strip() and subject.strip() in r["subject"]]
    if q:
        text = q.strip()
        rows = [r for r in rows if text in r["title"] or text in r["summary"] or text in r["expert_name"]]
    if region:
        found = find_region(region)
        if found is None:
            raise invalid("region", _("“{city}”不是海南省的市县。", city=region))
        rows = [r for r in rows if not r["expert_regions"] or found.code in r["expert_regions"]]
    return [topic_out(r) for r in rows]


async def subjects() -> list[str]:
    """The subjects of active topics, for filters and the request form."""
    rows = await Topic.select(Topic.subject).where(Topic.active == True).distinct()  # noqa: E712
    return sorted({r["subject"] for r in rows if r["subject"]})


# --------------------------------------------------------------------------- requests


async def _school_of(actor: Principal, data: dict[str, Any]) -> dict[str, Any]:
    if actor.role == "school":
        school = await School.select().where(School.id == actor.school_id).first()
    elif actor.is_organizer:
        code = clean_text(data.get("school_code")).upper()
        school = await School.select().where(School.code == code).first() if code else None
        if school is None:
            raise invalid("school_code", _("学校代码不存在。"))
    else:
        raise Forbidden(_("只有学校和组委会可以申请科普报告。"))
    if school is None:
        raise NotFound(_("学校不存在。"))
    return school


def request_out(row: dict[str, Any]) -> dict[str, Any]:
    weeks = row["preferred_weeks"] or []
    return {
        "id": row["id"],
        "school_id": row["school"],
        "school_code": row.get("school_code") or "",
        "school_name": row.get("school_name") or "",
        "region_code": row.get("region_code"),
        "region_name": REGION_NAME.get(row.get("region_code") or "", row.get("school_city") or ""),
        "rural": bool(row.get("school_rural")),
        "year": row["year"],
        "topic_id": row["topic"],
        "topic_title": row.get("topic_title") or "",
        "expert_name": row.get("topic_expert_name") or "",
        "subject": row["subject"],
        "preferred_weeks": weeks,
        "audience_size": row["audience_size"],
        "division": row["division"],
        "hall": row["hall"],
        "equipment": row["equipment"],
        "note": row["note"],
        "status": row["status"],
        "priority": row["priority"],
        "lapsed": row["status"] == "open"
        and bool(weeks)
        and dt.date.fromisoformat(max(weeks)) + dt.timedelta(days=6) < today(),
        "created_at": row["created_at"].isoformat()
        if isinstance(row["created_at"], dt.datetime)
        else row["created_at"],
    }


def _request_query():
    return TalkRequest.select(
        TalkRequest.all_columns(),
        TalkRequest.school.code.as_alias("school_code"),
        TalkRequest.school.name.as_alias("school_name"),
        TalkRequest.school.region.as_alias("region_code"),
        TalkRequest.school.city.as_alias("school_city"),
        TalkRequest.school.rural.as_alias("school_rural"),
        TalkRequest.topic.title.as_alias("topic_title"),
        TalkRequest.topic.expert.name.as_alias("topic_expert_name"),
    ).output(load_json=True)


async def create_request(actor: Principal, data: dict[str, Any]) -> dict[str, Any]:
    """A school (for itself) or the office (``school_code``): a talk on ``topic_id`` or a ``subject``,
    in ``preferred_weeks`` (any day of each week; stored as its Monday), for ``audience_size`` students
    of ``division``, with the ``hall`` and ``equipment`` the school has and a ``note``. Each week must
    start at least ``min_days_ahead`` days from today (the setting of its year)."""
    school = await _school_of(actor, data)
    topic = None
    if data.get("topic_id") not in (None, "", 0):
        try:
            topic_id = int(data["topic_id"])
            if not 0 < topic_id < 2**31:
                raise ValueError
        except (TypeError, ValueError):
            raise invalid("topic_id", _("请选择报告主题。")) from None
        topic = (
            await Topic.select(Topic.all_columns(), Topic.expert.active.as_alias("expert_active"))
            .output(load_json=True)
            .where(Topic.id == topic_id)
            .first()
        )
        if topic is None or not (topic["active"] and topic["expert_active"]):
            raise invalid("topic_id", _("所选报告主题不存在或已停用。"))
    subject = _text(data, "subject", 100, _("希望的主题或学科"))
    if topic is None and not subject:
        raise invalid("subject", _("请选择一个报告主题，或写明希望的主题或学科。"))
    division = clean_text(data.get("division"))
    if division not in DIVISIONS:
        raise invalid("division", _("请选择听众的组别（{names}）。", names="、".join(_(d) for d in DIVISIONS)))
    if topic is not None and division not in (topic["divisions"] or []):
        raise invalid(
            "division",
            _(
                "报告“{title}”适合{divisions}，不适合{division}。",
                title=topic["title"],
                divisions="、".join(_(d) for d in topic["divisions"] or []),
                division=_(division),
            ),
        )
    raw_weeks = data.get("preferred_weeks") or []
    if isinstance(raw_weeks, str):
        raw_weeks = [w for w in re.split(r"[,，、;；\s]+", raw_weeks) if w]
    weeks = sorted({monday(parse_date(w, "preferred_weeks")) for w in raw_weeks})
    if not weeks:
        raise invalid("preferred_weeks", _("请至少选择一个希望的周次。"))
    if len(weeks) > MAX_WEEKS:
        raise invalid("preferred_weeks", _("最多选择 {n} 个希望的周次。", n=MAX_WEEKS))
    latest = today() + dt.timedelta(days=MAX_DAYS_AHEAD)
    if weeks[-1] > latest:
        raise invalid(
            "preferred_weeks",
            _("只能申请一年之内的周次（最晚 {last} 起的一周）。", last=monday(latest).isoformat()),
        )
    year = weeks[0].year
    settings = await settings_for(year)
    earliest = today() + dt.timedelta(days=settings["min_days_ahead"])
    early = [w for w in weeks if w < earliest]
    if early:
        raise invalid(
            "preferred_weeks",
            _(
                "需提前 {n} 天申请：{weeks} 那一周开始得太早，最早可选 {first} 起的一周。",
                n=settings["min_days_ahead"],
                weeks="、".join(w.isoformat() for w in early),
                first=(earliest if earliest.weekday() == 0 else monday(earliest) + dt.timedelta(days=7)).isoformat(),
            ),
        )
    audience = _int(data, "audience_size", _("听众人数"), 1, MAX_AUDIENCE)
    hall = _text(data, "hall", 200, pgettext("hall", "场地"))
    equipment = _text(data, "equipment", 300, _("学校已有设备"))
    note = str(data.get("note") or "").strip()
    if len(note) > 1000:
        raise invalid("note", _("{label}不能超过 {n} 个字符。", label=_("备注"), n=1000))

    async def work() -> int:
        # the same request again (a double tap): same school, topic (or subject), division, a week in common
        for other in (
            await TalkRequest.select(TalkRequest.topic, TalkRequest.subject, TalkRequest.preferred_weeks)
            .output(load_json=True)
            .where(
                (TalkRequest.school == school["id"])
                & (TalkRequest.division == division)
                & TalkRequest.status.is_in(["open", "planned", "scheduled"])
            )
        ):
            same = other["topic"] == topic["id"] if topic else (not other["topic"] and other["subject"] == subject)
            if same and set(other["preferred_weeks"] or []) & {w.isoformat() for w in weeks}:
                raise Conflict(
                    _(
                        "本校已经申请过这个报告（{what}，{division}），还在安排中；如需更改请先撤回原申请。",
                        what=topic["title"] if topic else subject,
                        division=_(division),
                    )
                )
        stamp = times.now()
        result = await TalkRequest.insert(
            TalkRequest(
                school=school["id"],
                year=year,
                topic=topic["id"] if topic else None,
                subject=subject or (topic["subject"] if topic else ""),
                preferred_weeks=[w.isoformat() for w in weeks],
                audience_size=audience,
                division=division,
                hall=hall,
                equipment=equipment,
                note=note,
                status="open",
                priority="normal",
                created_by=actor.id,
                created_at=stamp,
                updated_at=stamp,
            )
        ).returning(TalkRequest.id)
        request_id = int(result[0]["id"])
        await audit.record(
            actor,
            "outreach.request.create",
            "outreach_request",
            request_id,
            school_id=school["id"],
            summary=(topic["title"] if topic else subject),
        )
        return request_id

    request_id = await write_transaction(work)
    return await get_request(actor, request_id)


async def _visible_request(actor: Principal, request_id: int) -> dict[str, Any]:
    row = await _request_query().where(TalkRequest.id == request_id).first()
    if row is None or not actor.can_see_school(row["school"], row["region_code"]):
        raise NotFound(_("申请不存在（编号 {id}）。", id=request_id))
    return row


async def get_request(actor: Principal, request_id: int) -> dict[str, Any]:
    return request_out(await _visible_request(actor, request_id))


async def list_requests(actor: Principal, filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Requests the caller may see (the office all, a city its schools', a school its own), newest first
    within priority; ``filters``: ``status``, ``region`` (name or code), ``year``, ``division``."""
    filters = filters or {}
    query = _request_query()
    if actor.role == "city":
        if not actor.region_code:
            return []
        query = query.where(TalkRequest.school.region == actor.region_code)
    elif actor.role == "school":
        query = query.where(TalkRequest.school == actor.school_id)
    elif not actor.is_organizer:
        raise Forbidden(_("您的角色不能查看科普报告申请。"))
    status = filters.get("status")
    if status:
        if status not in REQUEST_STATUSES:
            raise invalid("status", _("状态“{s}”无效。", s=status))
        query = query.where(TalkRequest.status == status)
    if filters.get("year"):
        try:
            year = int(filters["year"])
        except (TypeError, ValueError):
            raise invalid("year", _("年度应为四位数字。")) from None
        query = query.where(TalkRequest.year == year)
    if filters.get("division"):
        query = query.where(TalkRequest.division == filters["division"])
    if filters.get("region"):
        found = find_region(filters["region"])
        if found is None:
            raise invalid("region", _("“{city}”不是海南省的市县。", city=filters["region"]))
        query = query.where(TalkRequest.school.region == found.code)
    rows = await query
    order = {p: i for i, p in enumerate(PRIORITIES)}
    rows.sort(key=lambda r: (r["status"] != "open", order.get(r["priority"], 1), r["preferred_weeks"][:1], r["id"]))
    return [request_out(r) for r in rows]


async def withdraw_request(actor: Principal, request_id: int) -> dict[str, Any]:
    """The request's school or the office, while it is still open (not yet in a tour)."""
    row = await _visible_request(actor, request_id)
    if actor.role not in ("school", "organizer"):
        raise Forbidden(_("只有学校和组委会可以撤回申请。"))
    if row["status"] != "open":
        raise Conflict(
            _(
                "申请当前为“{status}”，不能撤回；如需取消请联系组委会。",
                status=pgettext("request", REQUEST_STATUS_LABELS.get(row["status"], row["status"])),
            )
        )

    async def work() -> None:
        await TalkRequest.update({TalkRequest.status: "withdrawn", TalkRequest.updated_at: times.now()}).where(
            (TalkRequest.id == request_id) & (TalkRequest.status == "open")
        )
        await audit.record(actor, "outreach.request.withdraw", "outreach_request", request_id, school_id=row["school"])

    await write_transaction(work)
    return await get_request(actor, request_id)


async def set_priority(actor: Principal, request_id: int, priority: str) -> dict[str, Any]:
    """The school's city (or the office): ``high`` | ``normal`` | ``low``, while the request is open or
    planned; the planner takes high ones first within a county."""
    if actor.role not in ("city", "organizer"):
        raise Forbidden(_("只有市县科协和组委会可以设置申请的优先级。"))
    row = await _visible_request(actor, request_id)
    if priority not in PRIORITIES:
        raise invalid("priority", _("优先级应为 high（优先）、normal（一般）或 low（暂缓）。"))
    if row["status"] not in ("open", "planned"):
        raise Conflict(
            _(
                "申请当前为“{status}”，不能再调整优先级。",
                status=pgettext("request", REQUEST_STATUS_LABELS.get(row["status"], row["status"])),
            )
        )

    async def work() -> None:
        await TalkRequest.update(
            {TalkRequest.priority: priority, TalkRequest.priority_by: actor.id, TalkRequest.updated_at: times.now()}
        ).where(TalkRequest.id == request_id)
        await audit.record(
            actor,
            "outreach.request.priority",
            "outreach_request",
            request_id,
            school_id=row["school"],
            changes={"priority": [row["priority"], priority]},
        )

    await write_transaction(work)
    return await get_request(actor, request_id)
