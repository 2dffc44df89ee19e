"""Camps (高校科学营): settings, sites (分营), applications, the public lottery, the allocation and the
offers with waiting lists. One function per business action; pages and the JSON API call these.

Design (issue 15): an application is an entry of the camp event with exactly one student member plus
one :class:`~competitions.camps.tables.CampApplication` row. So the student's personal data is
encrypted and masked as for registration, review goes through the existing review (city, then
organizer; the city's recommendations count against the camp category's ``city_quota``), and
consent, QR credentials, check-in and certificates work unchanged. Only approved entries take part
in the allocation.

Lottery: the commitment freezes the list of application ids; applications made after it are
refused (409), so every applicant of the allocation is in the published list. The draw needs
registration to be closed.

Offers: applying the allocation offers each admitted student its seat until ``offer_hours`` later.
Accepting confirms the seat (and takes the student off the waiting lists of the sites above it);
declining, or letting the offer expire, frees the seat and the engine's
:func:`~competitions.camps.allocation.next_offer` picks who is offered it next (one promotion per
freed seat; a promoted student holding an open offer at a lower site moves up and frees that one).
Expired offers are processed on every camp read and write and by a timer in the server
(:func:`process_expired`), under the event lock, so a seat is never offered twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Awaitable, Callable, Iterable

from app import audit, signals
from app.db import write_transaction
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.exports.workbook import clean_text, normalize_header, open_workbook
from app.i18n import _, get_locale, list_separator, semicolon
from app.principal import Principal
from app.tables import School
from app.times import format_time, now
from competitions.camps import allocation as engine
from competitions.camps import entries, lottery
from competitions.camps.tables import (
    DEFAULT_COMPLETION_THRESHOLD,
    DEFAULT_ELIGIBLE_GRADES,
    DEFAULT_LEADER_RATIO,
    DEFAULT_OFFER_HOURS,
    DEFAULT_PRIORITY_GROUPS,
    CampApplication,
    CampSettings,
    CampSite,
)
from competitions.events import lifecycle
from competitions.events.lifecycle import Stage
from competitions.events.services import get_event_row
from competitions.events.tables import Category
from competitions.registration import roster
from competitions.registration.idnumbers import InvalidIdNumber, normalize_id_type
from competitions.registration.members import CleanMember, MemberInput, clean_member
from competitions.registration.services import lock_event
from competitions.registration.tables import ENTRY_STATUS_LABELS, Entry, Member

log = logging.getLogger(__name__)

CAMP_CATEGORY = ("CAMP", "科学营营员")
CAMP_DIVISION = "高中"
PREFERENCE_COLUMNS = roster.PREFERENCES  # 志愿1–志愿3
PRIORITY_COLUMN = roster.PRIORITY_GROUP  # 优先类别
MAX_PREFERENCES = 3
STATUS_LABELS = {
    "applied": "已申请",
    "offered": "已录取待确认",
    "accepted": "已确认参营",
    "declined": "已放弃",
    "expired": "逾期未确认",
    "waiting": "候补",
    "unplaced": "未录取",
    "withdrawn": "已撤回",
}
HOLDING = ("offered", "accepted")
OUT = ("declined", "expired", "withdrawn")
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


# --------------------------------------------------------------------------- other programmes


@dataclass(frozen=True)
class Programme:
    """Another kind of event with applications that answers the camps' shared endpoints (CONTRACT: the
    talent programme's applications and allocation use the same paths): ``apply(actor, event_id,
    data)``, ``list_applications(actor, event_id, filters)`` and ``run_allocation(actor, event_id,
    apply_result)``. The capability owning the kind registers it in :data:`programmes`."""

    apply: Callable[[Principal, int, dict[str, Any]], Awaitable[dict[str, Any]]]
    list_applications: Callable[[Principal, int, dict[str, Any] | None], Awaitable[list[dict[str, Any]]]]
    run_allocation: Callable[[Principal, int, bool], Awaitable[dict[str, Any]]]


programmes: dict[str, Programme] = {}


async def programme_of(event_id: int) -> Programme | None:
    """The registered programme answering for the event's kind, or ``None`` (a camp, or no such event)."""
    if not programmes:
        return None
    from competitions.events.tables import Event

    row = await Event.select(Event.kind).where(Event.id == event_id).first()
    return programmes.get(row["kind"]) if row is not None else None


# --------------------------------------------------------------------------- events and settings


async def acting_school(actor: Principal, data: dict[str, Any], forbidden: str, missing: str | None = None) -> int:
    """The school a camp form acts for: a school account's own, or for an organizer the school named by
    ``data["school_code"]`` (422 on the field, with ``missing`` as the detail, when no such school).
    Raises :class:`Forbidden` with ``forbidden`` for other roles, and for a school account naming
    another school in ``school_code`` (rather than silently acting for its own)."""
    if actor.role == "school":
        code = clean_text(data.get("school_code"))
        if code:
            own = await School.select(School.code).where(School.id == actor.school_id).first()
            if own is None or code.upper() != own["code"].upper():
                raise Forbidden(_("学校管理员只能为本校操作：school_code“{code}”不是本校。", code=code))
        return int(actor.school_id)
    if not actor.is_organizer:
        raise Forbidden(forbidden)
    school = await School.select(School.id).where(School.code == clean_text(data.get("school_code"))).first()
    if school is None:
        raise ValidationFailed(
            missing or _("学校代码不存在。"), errors=[{"field": "school_code", "message": _("学校代码不存在。")}]
        )
    return int(school["id"])


async def camp_event(event_id: int, actor: Principal | None = None) -> dict[str, Any]:
    """The event row if it is a camp (404 otherwise, and for drafts ``actor`` may not see)."""
    event = await get_event_row(event_id, actor)
    if event["kind"] != "camp":
        raise NotFound(_("该活动不是科学营（编号 {id}）。", id=event_id))
    return event


def _require_organizer(actor: Principal) -> None:
    if not actor.is_organizer:
        raise Forbidden(_("只有组委会可以进行此操作。"))


async def settings_of(event_id: int) -> dict[str, Any]:
    """The camp settings row (defaults when none was stored yet), without the stored allocation
    rounds (every assignment of every round: read by :func:`stored_rounds` where they are shown)."""
    columns = [c for c in CampSettings.all_columns() if c._meta.name != "allocation_rounds"]
    row = await CampSettings.select(*columns).output(load_json=True).where(CampSettings.event == event_id).first()
    if row is not None:
        return row
    return {
        "id": None,
        "event": event_id,
        "priority_groups": [dict(g) for g in DEFAULT_PRIORITY_GROUPS],
        "eligible_grades": list(DEFAULT_ELIGIBLE_GRADES),
        "offer_hours": DEFAULT_OFFER_HOURS,
        "seed": None,
        "commitment": None,
        "applications_hash": None,
        "application_ids": None,
        "public_source": "",
        "committed_at": None,
        "public_value": None,
        "lottery_order": None,
        "drawn_at": None,
        "ranking": None,
        "ranking_updated_at": None,
        "allocated_at": None,
        "allocation_priority": None,
        "priority_order": None,
        "leader_ratio": DEFAULT_LEADER_RATIO,
        "completion_threshold": DEFAULT_COMPLETION_THRESHOLD,
    }


async def stored_rounds(event_id: int) -> list[dict[str, Any]]:
    """The applied allocation's rounds as stored (round 1, then each 补录 round)."""
    row = (
        await CampSettings.select(CampSettings.allocation_rounds)
        .output(load_json=True)
        .where(CampSettings.event == event_id)
        .first()
    )
    return list((row or {}).get("allocation_rounds") or [])


async def _store_settings(event_id: int, values: dict[str, Any]) -> None:
    """Upsert camp settings (inside a write transaction holding the event lock)."""
    exists = await CampSettings.exists().where(CampSettings.event == event_id)
    if exists:
        await CampSettings.update({getattr(CampSettings, k): v for k, v in values.items()}).where(
            CampSettings.event == event_id
        )
    else:
        await CampSettings.insert(CampSettings(event=event_id, **values))


def settings_out(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "priority_groups": row["priority_groups"],
        "eligible_grades": row["eligible_grades"],
        "offer_hours": row["offer_hours"],
        "committed": row["commitment"] is not None,
        "drawn": row["drawn_at"] is not None,
        "allocated": row["allocated_at"] is not None,
        "ranking_size": len(row["ranking"] or []),
        "leader_ratio": row.get("leader_ratio") or DEFAULT_LEADER_RATIO,
        "completion_threshold": row.get("completion_threshold") or DEFAULT_COMPLETION_THRESHOLD,
    }


async def template_details(event_id: int) -> dict[str, Any]:
    """What the registration workbook's instructions say of this camp (its eligible grades)."""
    return {"eligible_grades": list((await settings_of(event_id))["eligible_grades"])}


async def get_settings(actor: Principal, event_id: int) -> dict[str, Any]:
    await camp_event(event_id, actor)
    return settings_out(await settings_of(event_id))


async def update_settings(actor: Principal, event_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Organizer: ``priority_groups`` ``[{"code", "label"}]``, ``eligible_grades`` ``[...]``,
    ``offer_hours`` (1..720)."""
    _require_organizer(actor)
    await camp_event(event_id, actor)
    values: dict[str, Any] = {}
    errors: list[dict[str, str]] = []
    if data.get("priority_groups") is not None:
        groups, seen = [], set()
        for g in data["priority_groups"]:
            code, label = clean_text(g.get("code")), clean_text(g.get("label"))
            if not _CODE.match(code or ""):
                errors.append({"field": "priority_groups", "message": _("优先类别代码只能用字母、数字、- 和 _。")})
                continue
            if code in seen:
                errors.append({"field": "priority_groups", "message": _("优先类别代码“{code}”重复。", code=code)})
                continue
            seen.add(code)
            groups.append({"code": code, "label": (label or code)[:50]})
        values["priority_groups"] = groups
    if data.get("eligible_grades") is not None:
        grades = [clean_text(g) for g in data["eligible_grades"] if clean_text(g)]
        if not grades:
            errors.append({"field": "eligible_grades", "message": _("请至少填写一个可以申请的年级。")})
        values["eligible_grades"] = grades
    if data.get("offer_hours") is not None:
        hours = data["offer_hours"]
        if not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= 720:
            errors.append({"field": "offer_hours", "message": _("确认期限须为 1 到 720 小时。")})
        values["offer_hours"] = hours
    if data.get("leader_ratio") is not None:
        ratio = data["leader_ratio"]
        if not isinstance(ratio, int) or isinstance(ratio, bool) or not 1 <= ratio <= 100:
            errors.append({"field": "leader_ratio", "message": _("每名带队教师带的学生数须为 1 到 100。")})
        values["leader_ratio"] = ratio
    if data.get("completion_threshold") is not None:
        pct = data["completion_threshold"]
        if not isinstance(pct, int) or isinstance(pct, bool) or not 0 <= pct <= 100:
            errors.append({"field": "completion_threshold", "message": _("结营要求须为 0 到 100 的百分数。")})
        values["completion_threshold"] = pct
    if errors:
        raise ValidationFailed(errors[0]["message"], errors=errors)

    async def work() -> None:
        await lock_event(event_id)
        await _store_settings(event_id, values)
        await audit.record(actor, "camp.settings", "event", event_id, event_id=event_id, changes=_jsonable(values))

    await write_transaction(work)
    return settings_out(await settings_of(event_id))


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: [None, v if isinstance(v, (str, int, list, dict, type(None))) else str(v)] for k, v in values.items()}


def _group_codes(settings: dict[str, Any]) -> dict[str, str]:
    """Priority group code or label -> code."""
    out: dict[str, str] = {}
    for g in settings["priority_groups"]:
        out[g["code"]] = g["code"]
        out[g["code"].upper()] = g["code"]
        out.setdefault(g["label"], g["code"])
    return out


#: code -> label of the default groups (their labels are in the English catalogue, camps.po)
DEFAULT_GROUP_LABELS = {g["code"]: g["label"] for g in DEFAULT_PRIORITY_GROUPS}


def shown_label(group: dict[str, Any]) -> str:
    """A priority group's label as a page shows it: a default group whose label the organizer
    kept (:data:`DEFAULT_PRIORITY_GROUPS`) in the reader's language, an organizer's own label as written."""
    label = str(group["label"])
    return _(label) if DEFAULT_GROUP_LABELS.get(group["code"]) == label else label


def group_label(settings: dict[str, Any], code: str | None) -> str:
    for g in settings["priority_groups"]:
        if g["code"] == code:
            return shown_label(g)
    return code or ""


# --------------------------------------------------------------------------- sites


def _date(value: Any, field_name: str, errors: list[dict[str, str]]) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors.append({"field": field_name, "message": _("日期格式应为 YYYY-MM-DD。")})
        return None


def _shares(value: Any, settings: dict[str, Any], errors: list[dict[str, str]]) -> dict[str, str]:
    """Reserves ``{"<group code or label>": "<share>"}`` -> ``{code: share text}``, each 0..1, sum <= 1."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        errors.append({"field": "reserves", "message": _("预留名额的格式不对：应为每个优先类别对应一个比例。")})
        return {}
    codes = _group_codes(settings)
    out: dict[str, str] = {}
    total = Decimal(0)
    for group, share in value.items():
        code = codes.get(clean_text(group)) or codes.get(clean_text(group).upper())
        if code is None:
            errors.append({"field": "reserves", "message": _("优先类别“{group}”不存在。", group=group)})
            continue
        if isinstance(share, float) or isinstance(share, bool):
            errors.append({"field": "reserves", "message": _('比例请写成文本小数，如 "0.1"。')})
            continue
        try:
            d = Decimal(str(share).strip())
        except InvalidOperation:
            d = Decimal("NaN")
        if not d.is_finite() or d < 0 or d > 1:
            errors.append({"field": "reserves", "message": _("“{group}”的预留比例须在 0 到 1 之间。", group=group)})
            continue
        if d == 0:
            continue
        total += d
        out[code] = str(d)
    if total > 1:
        errors.append({"field": "reserves", "message": _("各类预留比例之和不能超过 1。")})
    return out


def site_out(row: dict[str, Any], counts: dict[str, int] | None = None) -> dict[str, Any]:
    shares = {g: Decimal(s) for g, s in (row["reserves"] or {}).items()}
    return {
        "id": row["id"],
        "code": row["code"],
        "name": row["name"],
        "host": row["host"],
        "city": row["city"],
        "starts_on": row["starts_on"].isoformat() if row["starts_on"] else None,
        "ends_on": row["ends_on"].isoformat() if row["ends_on"] else None,
        "capacity": row["capacity"],
        "reserves": dict(row["reserves"] or {}),
        "reserved_seats": engine.reserved_seats(row["capacity"], shares),
        "divisions": list(row["divisions"] or []),
        "grades": list(row["grades"] or []),
        "contact_name": row["contact_name"],
        "contact_phone": row["contact_phone"],
        "report_time": row.get("report_time") or "",
        "report_place": row.get("report_place") or "",
        "offered": (counts or {}).get("offered", 0),
        "accepted": (counts or {}).get("accepted", 0),
    }


async def _site_rows(event_id: int) -> list[dict[str, Any]]:
    return (
        await CampSite.select()
        .output(load_json=True)
        .where(CampSite.event == event_id)
        .order_by(CampSite.position)
        .order_by(CampSite.id)
    )


async def list_sites(actor: Principal, event_id: int) -> list[dict[str, Any]]:
    await camp_event(event_id, actor)
    rows = await _site_rows(event_id)
    counts: dict[str, dict[str, int]] = {}
    for a in (
        await CampApplication.select(CampApplication.site_code, CampApplication.status)
        .output(load_json=True)
        .where((CampApplication.event == event_id) & CampApplication.status.is_in(list(HOLDING)))
    ):
        c = counts.setdefault(a["site_code"], {})
        c[a["status"]] = c.get(a["status"], 0) + 1
    return [site_out(r, counts.get(r["code"])) for r in rows]


def _site_values(data: dict[str, Any], settings: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    errors: list[dict[str, str]] = []
    values: dict[str, Any] = {}

    def given(key: str) -> bool:
        return not partial or key in data

    if given("code"):
        code = clean_text(data.get("code"))
        if not _CODE.match(code):
            errors.append({"field": "code", "message": _("分营代码只能用字母、数字、- 和 _（最多 32 个字符）。")})
        values["code"] = code
    if given("name"):
        name = clean_text(data.get("name"))
        if not name or len(name) > 100:
            errors.append({"field": "name", "message": _("请填写分营名称（最多 100 个字符）。")})
        values["name"] = name
    for key, limit in (
        ("host", 100),
        ("city", 50),
        ("contact_name", 64),
        ("contact_phone", 32),
        ("report_time", 100),
        ("report_place", 200),
    ):
        if given(key):
            text = clean_text(data.get(key))
            if len(text) > limit:
                errors.append({"field": key, "message": _("内容过长（最多 {n} 个字符）。", n=limit)})
            values[key] = text
    if given("capacity"):
        cap = data.get("capacity")
        if isinstance(cap, str) and cap.strip().isdigit():
            cap = int(cap.strip())
        if not isinstance(cap, int) or isinstance(cap, bool) or cap < 0 or cap > 100000:
            errors.append({"field": "capacity", "message": _("名额须为 0 或正整数。")})
            cap = 0
        values["capacity"] = cap
    for key in ("starts_on", "ends_on"):
        if given(key):
            values[key] = _date(data.get(key), key, errors)
    if values.get("starts_on") and values.get("ends_on") and values["ends_on"] < values["starts_on"]:
        errors.append({"field": "ends_on", "message": _("结束日期不能早于开始日期。")})
    if given("reserves"):
        values["reserves"] = _shares(data.get("reserves"), settings, errors)
    for key in ("divisions", "grades"):
        if given(key):
            raw = data.get(key) or []
            if isinstance(raw, str):
                raw = re.split(r"[,，、\s]+", raw)
            values[key] = [clean_text(x) for x in raw if clean_text(x)]
    allowed = list(settings["eligible_grades"])
    if wrong := [g for g in values.get("grades") or [] if g not in allowed]:
        errors.append(
            {
                "field": "grades",
                "message": _(
                    "限招年级“{grades}”不是本次科学营可以申请的年级（{allowed}）：分营只能在其中限招。",
                    grades=list_separator().join(wrong),
                    allowed=list_separator().join(allowed),
                ),
            }
        )
    if errors:
        raise ValidationFailed(errors[0]["message"], errors=errors)
    return values


async def create_site(actor: Principal, event_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Organizer: a new site ``{"code", "name", "host", "capacity", "starts_on"?, "ends_on"?,
    "reserves"?, "city"?, "divisions"?, "grades"?, "contact_name"?, "contact_phone"?}``."""
    _require_organizer(actor)
    await camp_event(event_id, actor)
    settings = await settings_of(event_id)
    values = _site_values(data, settings, partial=False)

    async def work() -> int:
        await lock_event(event_id)
        if (await settings_of(event_id))["allocated_at"] is not None:
            raise Conflict(_("分配结果已经生效，不能再增加分营。"))
        if await CampSite.exists().where((CampSite.event == event_id) & (CampSite.code == values["code"])):
            raise ValidationFailed(
                _("分营代码“{code}”已存在。", code=values["code"]),
                errors=[{"field": "code", "message": _("分营代码重复。")}],
            )
        await _camp_category(event_id)  # so the organizer can set the city quota before the first application
        position = await CampSite.count().where(CampSite.event == event_id)
        row = CampSite(event=event_id, position=position, **values)
        await row.save()
        await audit.record(
            actor,
            "camp.site.create",
            "camp_site",
            row.id,
            event_id=event_id,
            summary=f"{values['code']} {values['name']}",
        )
        return int(row.id)

    site_id = await write_transaction(work)
    row = await CampSite.select().output(load_json=True).where(CampSite.id == site_id).first()
    return site_out(row)


async def update_site(actor: Principal, event_id: int, site_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Organizer: change a site (its code only before any application names it)."""
    _require_organizer(actor)
    await camp_event(event_id, actor)
    row = (
        await CampSite.select()
        .output(load_json=True)
        .where((CampSite.id == site_id) & (CampSite.event == event_id))
        .first()
    )
    if row is None:
        raise NotFound(_("分营不存在。"))
    values = _site_values(data, await settings_of(event_id), partial=True)

    async def work() -> None:
        await lock_event(event_id)
        if "code" in values and values["code"] != row["code"]:
            if await CampSite.exists().where((CampSite.event == event_id) & (CampSite.code == values["code"])):
                raise ValidationFailed(_("分营代码“{code}”已存在。", code=values["code"]))
            if await _site_named(event_id, row["code"]):
                raise Conflict(_("已有申请填报了这个分营，不能再改代码。"))
        if (await settings_of(event_id))["allocated_at"] is not None and "capacity" in values:
            if values["capacity"] < row["capacity"]:
                raise Conflict(_("分配结果已经生效，分营名额只能增加。"))
        await CampSite.update({getattr(CampSite, k): v for k, v in values.items()}).where(CampSite.id == site_id)
        await audit.record(
            actor,
            "camp.site.update",
            "camp_site",
            site_id,
            event_id=event_id,
            summary=row["code"],
            changes={k: [str(row.get(k)), str(v)] for k, v in values.items() if row.get(k) != v},
        )
        if "capacity" in values and values["capacity"] > row["capacity"]:
            await _fill(actor, event_id, values.get("code", row["code"]))

    await write_transaction(work)
    return site_out(await CampSite.select().output(load_json=True).where(CampSite.id == site_id).first())


async def _site_named(event_id: int, code: str) -> bool:
    rows = (
        await CampApplication.select(CampApplication.preferences)
        .output(load_json=True)
        .where(CampApplication.event == event_id)
    )
    return any(code in (r["preferences"] or []) for r in rows)


async def delete_site(actor: Principal, event_id: int, site_id: int) -> None:
    _require_organizer(actor)
    await camp_event(event_id, actor)
    row = (
        await CampSite.select()
        .output(load_json=True)
        .where((CampSite.id == site_id) & (CampSite.event == event_id))
        .first()
    )
    if row is None:
        raise NotFound(_("分营不存在。"))

    async def work() -> None:
        await lock_event(event_id)
        if await _site_named(event_id, row["code"]):
            raise Conflict(_("已有申请填报了这个分营，不能删除。"))
        await CampSite.delete().where(CampSite.id == site_id)
        await audit.record(actor, "camp.site.delete", "camp_site", site_id, event_id=event_id, summary=row["code"])

    await write_transaction(work)


# --------------------------------------------------------------------------- applications: checking


@dataclass
class ApplicantInput:
    """One application as typed in the form or a workbook row."""

    member: MemberInput
    school_id: int
    preferences: list[str]
    priority_group: str = ""
    row: int | None = None  # workbook row


@dataclass
class _Clean:
    member: CleanMember
    school_id: int
    preferences: list[str]
    priority_group: str | None
    row: int | None
    problems: list[dict[str, Any]] = field(default_factory=list)
    replaces: int | None = None  # a re-upload: the school's own still-editable application of the student


class _Sites:
    def __init__(self, sites: list[dict[str, Any]]):
        self.by_key: dict[str, dict[str, Any]] = {}
        for s in sites:
            for key in (s["code"].upper(), s["name"], normalize_header(s["name"])):
                self.by_key.setdefault(key, s)

    def find(self, text: str) -> dict[str, Any] | None:
        return self.by_key.get(text.upper()) or self.by_key.get(text) or self.by_key.get(normalize_header(text))


def _where(a: ApplicantInput, column: str, field_name: str) -> dict[str, Any]:
    return {"row": a.row, "column": column} if a.row is not None else {"field": field_name}


def _check_one(
    a: ApplicantInput, settings: dict[str, Any], sites: _Sites
) -> tuple[_Clean | None, list[dict[str, Any]]]:
    errors: list[dict[str, Any]] = []
    member, member_errors = clean_member(a.member, None)  # the camp's own grade rule below, in camp words
    columns = {
        "name": roster.NAME,
        "gender": roster.GENDER,
        "id_type": roster.ID_TYPE,
        "id_number": roster.ID_NUMBER,
        "grade": roster.GRADE,
        "phone": roster.PHONE,
        "role": roster.ROLE,
    }
    for f, m in member_errors:
        errors.append({**_where(a, columns.get(f, roster.NAME), f), "message": m})
    if member is not None and member.role != "student":
        errors.append({**_where(a, roster.ROLE, "role"), "message": _("科学营只接受学生的申请。")})
    if member is not None and member.grade not in settings["eligible_grades"]:
        errors.append(
            {
                **_where(a, roster.GRADE, "grade"),
                "message": _(
                    "年级“{grade}”不能申请本次科学营：只招收{grades}学生。",
                    grade=member.grade,
                    grades=list_separator().join(settings["eligible_grades"]),
                ),
            }
        )
    prefs: list[str] = []
    given = [clean_text(p) for p in a.preferences]
    while given and not given[-1]:
        given.pop()
    if not given or not given[0]:
        errors.append(
            {**_where(a, PREFERENCE_COLUMNS[0], "preferences"), "message": _("请填写志愿1（分营代码或名称）。")}
        )
    if len(given) > MAX_PREFERENCES:
        errors.append({**_where(a, PREFERENCE_COLUMNS[0], "preferences"), "message": _("最多填写 3 个志愿。")})
        given = given[:MAX_PREFERENCES]
    for k, text in enumerate(given):
        column = PREFERENCE_COLUMNS[k]
        if not text and k == 0:
            continue  # said above
        if not text:
            errors.append(
                {
                    **_where(a, column, "preferences"),
                    "message": _("志愿须按顺序填写：{column}不能空着。", column=column),
                }
            )
            continue
        site = sites.find(text)
        if site is None:
            errors.append({**_where(a, column, "preferences"), "message": _("没有名为“{value}”的分营。", value=text)})
            continue
        if site["code"] in prefs:
            errors.append(
                {**_where(a, column, "preferences"), "message": _("分营“{site}”填了两次。", site=site["name"])}
            )
            continue
        if member is not None and site["grades"] and member.grade not in site["grades"]:
            errors.append(
                {
                    **_where(a, column, "preferences"),
                    "message": _(
                        "分营“{site}”只招收{grades}学生。",
                        site=site["name"],
                        grades=list_separator().join(site["grades"]),
                    ),
                }
            )
            continue
        prefs.append(site["code"])
    group: str | None = None
    if clean_text(a.priority_group):
        group = _group_codes(settings).get(clean_text(a.priority_group))
        if group is None:
            errors.append(
                {
                    **_where(a, PRIORITY_COLUMN, "priority_group"),
                    "message": _(
                        "优先类别“{value}”不存在，可填：{groups}。",
                        value=clean_text(a.priority_group),
                        groups=list_separator().join(g["label"] for g in settings["priority_groups"]),
                    ),
                }
            )
    if errors or member is None:
        return None, errors
    return _Clean(member, a.school_id, prefs, group, a.row), []


async def _year_duplicates(year: int, hashes: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Applications of the year's camp events (not withdrawn) with these student hashes, every one of
    them per hash (a student two schools applied for has two)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for start in range(0, len(hashes), 500):
        chunk = hashes[start : start + 500]
        for r in (
            await CampApplication.select(
                CampApplication.id,
                CampApplication.student_hash,
                CampApplication.school,
                CampApplication.event,
                CampApplication.status,
                CampApplication.entry.status.as_alias("entry_status"),
                CampApplication.event.name.as_alias("event_name"),
                CampApplication.entry.title.as_alias("name"),
            )
            .output(load_json=True)
            .where(
                (CampApplication.year == year)
                & CampApplication.student_hash.is_in(chunk)
                & (CampApplication.status != "withdrawn")
            )
        ):
            found.setdefault(r["student_hash"], []).append(r)
    return found


REPLACEABLE_BY_SCHOOL = ("draft", "submitted", "returned")  # not yet recommended or approved


def _replaceable(actor: Principal, found: dict[str, Any]) -> bool:
    """A re-upload may replace this application: still "applied" (not allocated) and, for a school,
    not yet recommended by its city or approved by the organizer (the organizer may replace any)."""
    return found["status"] == "applied" and (actor.is_organizer or found["entry_status"] in REPLACEABLE_BY_SCHOOL)


async def _check_duplicates(
    actor: Principal, event: dict[str, Any], cleaned: list[_Clean], *, replace: bool = False
) -> list[dict[str, Any]]:
    """One application per student per year: students the same school (or, for an organizer, any
    school) already applied for. With ``replace`` (a workbook re-upload) a row naming a student the
    same school applied for in this event, while that application is still editable, replaces it
    (``c.replaces``) instead of being an error. Rows listing the same student twice are found by
    :func:`_same_student_rows` over every row, not here.

    A school's answer never depends on other schools' applications (issue 15, "ID numbers as an
    oracle"; as registration does since issue 11): a student another school already applied for is
    accepted like any other, and the pair is left to the organizer (:func:`duplicate_pairs`, shown
    on the applications page and in ``GET .../applications`` as ``duplicate_of``); the allocation
    is refused while such pairs stand. An audit row tells the organizer when it happens."""
    errors: list[dict[str, Any]] = []
    found = await _year_duplicates(event["year"], sorted({c.member.id_hash or "" for c in cleaned}))
    own_school = actor.school_id if actor.role == "school" else None
    for c in cleaned:
        c.replaces = None
        # another school's application is not the school's to know: its own only (every one of
        # them, whatever other schools applied since: looking at one row per student missed the
        # school's own when another school's came last, and that answer told)
        candidates = [
            f for f in found.get(c.member.id_hash or "", []) if own_school is None or f["school"] == own_school
        ]
        if not candidates:
            continue
        f = next((f for f in candidates if f["event"] == event["id"] and f["school"] == c.school_id), candidates[0])
        where = {"row": c.row, "column": roster.ID_NUMBER} if c.row else {"field": "id_number"}
        if replace and f["event"] == event["id"] and f["school"] == c.school_id:
            if _replaceable(actor, f):
                c.replaces = int(f["id"])
                continue
            errors.append(
                {
                    **where,
                    "message": _(
                        "学生“{name}”的申请（编号 {id}）已经由市县推荐或组委会审查通过（或已参加分配），不能再通过上传替换；如需更正请联系组委会。",
                        name=c.member.name,
                        id=f["id"],
                    ),
                }
            )
            continue
        errors.append(
            {
                **where,
                "message": _(
                    "学生“{name}”今年已申请过科学营（{event}，申请编号 {id}），每名学生每年只能申请一次。",
                    name=c.member.name,
                    event=f["event_name"],
                    id=f["id"],
                ),
            }
        )
    return errors


def _same_student_rows(inputs: list[ApplicantInput]) -> list[dict[str, Any]]:
    """Rows naming the same student (the same ID type and number as typed, spaces and case aside),
    whatever else is wrong with them: reported with every other problem in one pass."""
    errors: list[dict[str, Any]] = []
    seen: dict[str, int | None] = {}
    for a in inputs:
        number = re.sub(r"\s+", "", clean_text(a.member.id_number)).upper()
        if not number:
            continue
        try:
            id_type = normalize_id_type(clean_text(a.member.id_type))
        except InvalidIdNumber:
            id_type = clean_text(a.member.id_type)
        key = f"{id_type}:{number}"
        if key in seen:
            errors.append(
                {
                    **({"row": a.row, "column": roster.ID_NUMBER} if a.row else {"field": "id_number"}),
                    "message": _("第 {first} 行和这一行是同一名学生，请删除其中一行。", first=seen[key]),
                }
            )
        else:
            seen[key] = a.row
    return errors


async def _note_elsewhere(actor: Principal, event: dict[str, Any], cleaned: list[_Clean]) -> None:
    """After a school's applications are stored: one audit row for the organizer when some of them
    name students another school applied for this year (the school is not told)."""
    if actor.role != "school":
        return
    found = await _year_duplicates_all(event["year"], sorted({c.member.id_hash or "" for c in cleaned}))
    others = sorted(
        i for c in cleaned for i, school in found.get(c.member.id_hash or "", []) if school != actor.school_id
    )
    if others:
        await audit.record(
            actor,
            "camp.duplicate_elsewhere",
            "event",
            event["id"],
            event_id=event["id"],
            school_id=actor.school_id,
            summary=_("学校申请的学生已由其他学校申请本年度科学营"),
            changes={"applications": [None, others]},
        )


async def _year_duplicates_all(year: int, hashes: list[str]) -> dict[str, list[tuple[int, int]]]:
    """Every application (id, school) of the year, not withdrawn, with these student hashes."""
    found: dict[str, list[tuple[int, int]]] = {}
    for start in range(0, len(hashes), 500):
        chunk = hashes[start : start + 500]
        for r in await CampApplication.select(
            CampApplication.id, CampApplication.student_hash, CampApplication.school
        ).where(
            (CampApplication.year == year)
            & CampApplication.student_hash.is_in(chunk)
            & (CampApplication.status != "withdrawn")
        ):
            found.setdefault(r["student_hash"], []).append((r["id"], r["school"]))
    return found


async def duplicate_map(event_id: int) -> dict[int, list[int]]:
    """For each application of the event (not withdrawn) naming a student another application of the
    same year also names (any camp event, not withdrawn): the ids of those other applications."""
    event = await get_event_row(event_id)
    rows = await CampApplication.select(CampApplication.id, CampApplication.student_hash).where(
        (CampApplication.event == event_id) & (CampApplication.status != "withdrawn")
    )
    found = await _year_duplicates_all(event["year"], sorted({r["student_hash"] for r in rows}))
    out: dict[int, list[int]] = {}
    for r in rows:
        others = sorted(i for i, _school in found.get(r["student_hash"], []) if i != r["id"])
        if others:
            out[r["id"]] = others
    return out


async def duplicate_pairs(actor: Principal, event_id: int) -> list[dict[str, Any]]:
    """Organizer: the unresolved pairs (one application of this event, the other of any camp event
    of the year) naming the same student; withdrawing one resolves a pair."""
    _require_organizer(actor)
    dupes = await duplicate_map(event_id)
    ids = sorted({i for a, others in dupes.items() for i in (a, *others)})
    rows = {
        r["id"]: r
        for r in await CampApplication.select(
            *_application_columns(), CampApplication.event.name.as_alias("event_name")
        )
        .output(load_json=True)
        .where(CampApplication.id.is_in(ids or [0]))
    }
    pairs = []
    for a, others in sorted(dupes.items()):
        for b in others:
            if b in dupes and b < a:
                continue  # listed once, from the lower id
            pairs.append(
                {
                    "applications": [_pair_side(rows[a]), _pair_side(rows[b])],
                }
            )
    return pairs


def _pair_side(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "event_id": row["event"],
        "event_name": row["event_name"],
        "entry_code": row["entry_code"],
        "name": row["name"],
        "school_code": row["school_code"],
        "school_name": row["school_name"],
        "status": row["status"],
    }


async def _camp_category(event_id: int) -> dict[str, Any]:
    """The event's one category for camp entries (made on first use; its ``city_quota`` is how many
    applications each city/county may recommend)."""
    row = await Category.select().where(Category.event == event_id).order_by(Category.id).first()
    if row is not None:
        return row
    await Category.insert(Category(event=event_id, code=CAMP_CATEGORY[0], name=CAMP_CATEGORY[1]))
    return await Category.select().where(Category.event == event_id).order_by(Category.id).first()


async def _registration_open(actor: Principal, event: dict[str, Any]) -> None:
    """Schools apply while applications are open; organizers at any time before the commitment."""
    if actor.is_organizer:
        return
    stage = await lifecycle.stage_of(event)
    if stage is not Stage.OPEN:
        raise Conflict(_("科学营申请未开放或已截止（{stage}）。", stage=_(stage.label)))


async def _replace_applications(
    actor: Principal, replacing: list[tuple[_Clean, dict[str, Any]]], status: str, stamp: dt.datetime
) -> list[audit.AuditRecord]:
    """A re-upload's rows in place of the school's own still-editable applications of the students:
    the students' data, preferences and priority groups (a changed group needs checking again), with
    a fixed number of statements whatever the number of rows."""
    if not replacing:
        return []
    wanted = [int(c.replaces or 0) for c, _columns in replacing]
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(wanted), entries.CHUNK):
        for r in (
            await CampApplication.select(*_application_columns())
            .output(load_json=True)
            .where(CampApplication.id.is_in(wanted[start : start + entries.CHUNK]))
        ):
            found[r["id"]] = r
    olds = [found[i] for i in wanted]
    await entries.update_rows(
        Member,
        ("entry", "position"),
        [
            {
                **columns,
                "consent_recorded_by": actor.id,
                "consent_recorded_at": stamp,
                "entry": old["entry"],
                "position": 0,
            }
            for (_c, columns), old in zip(replacing, olds)
        ],
    )
    await entries.update_rows(
        Entry,
        ("id",),
        [
            {
                "title": c.member.name,
                "status": status,
                "updated_at": stamp,
                "submitted_at": stamp,
                "reviewed_at": stamp if status == "approved" else None,
                "id": old["entry"],
            }
            for (c, _columns), old in zip(replacing, olds)
        ],
    )
    application_rows = []
    for (c, _columns), old in zip(replacing, olds):
        same_group = old["priority_group"] == c.priority_group
        application_rows.append(
            {
                "preferences": c.preferences,
                "priority_group": c.priority_group,
                "priority_checked": bool(c.priority_group)
                and (actor.is_organizer or (same_group and old["priority_checked"])),
                "priority_note": old["priority_note"] if same_group else "",
                "student_hash": c.member.id_hash,
                "updated_at": stamp,
                "id": old["id"],
            }
        )
    await entries.update_rows(CampApplication, ("id",), application_rows)
    return [
        audit.AuditRecord(
            action="camp.apply.replace",
            object_type="camp_application",
            object_id=int(old["id"]),
            event_id=old["event"],
            entry_id=int(old["entry"]),
            school_id=c.school_id,
            summary=f"{old['entry_code']} {c.member.name}",
            changes={
                "preferences": [old["preferences"], c.preferences],
                "priority_group": [old["priority_group"], c.priority_group],
                "name": [old["name"], c.member.name],
            },
        )
        for (c, _columns), old in zip(replacing, olds)
    ]


async def _write_applications(
    actor: Principal, event: dict[str, Any], cleaned: list[_Clean], *, replace: bool = False
) -> tuple[list[int], int]:
    """Store clean applications in one transaction (entries, members, camp rows, audit); with
    ``replace`` (a workbook re-upload) rows of students the school already applied for replace those
    applications. Returns (ids of the new applications, how many were replaced)."""
    event_id = event["id"]
    status = entries.entry_status(actor)
    rows = await entries.personal_columns([c.member for c in cleaned])

    async def work() -> tuple[list[int], int]:
        await lock_event(event_id)
        if (await settings_of(event_id))["commitment"] is not None:
            raise Conflict(_frozen_message(replace))
        dupes = await _check_duplicates(actor, event, cleaned, replace=replace)  # again under the lock
        if dupes:
            raise ValidationFailed(_("有 {n} 处错误，没有保存任何申请。", n=len(dupes)), errors=dupes)
        stamp = now()
        records = await _replace_applications(
            actor, [(c, columns) for c, columns in zip(cleaned, rows) if c.replaces is not None], status, stamp
        )
        fresh = [(c, columns) for c, columns in zip(cleaned, rows) if c.replaces is None]
        category = await _camp_category(event_id)
        made = await entries.create_entries(
            actor,
            event_id,
            [entries.NewEntry(c.member, columns, c.school_id, category) for c, columns in fresh],
            division=CAMP_DIVISION,
            status=status,
            stamp=stamp,
        )
        ids = await entries.insert_per_entry(
            CampApplication,
            [
                {
                    "event": event_id,
                    "entry": entry.id,
                    "school": c.school_id,
                    "year": event["year"],
                    "student_hash": c.member.id_hash,
                    "preferences": c.preferences,
                    "priority_group": c.priority_group,
                    "priority_checked": bool(c.priority_group) and actor.is_organizer,
                    "status": "applied",
                    "created_at": stamp,
                    "updated_at": stamp,
                }
                for (c, _columns), entry in zip(fresh, made)
            ],
        )
        records += [
            audit.AuditRecord(
                action="camp.apply",
                object_type="camp_application",
                object_id=application_id,
                event_id=event_id,
                entry_id=entry.id,
                school_id=c.school_id,
                summary=f"{entry.code} {c.member.name}",
                changes={"preferences": [None, c.preferences], "priority_group": [None, c.priority_group]},
            )
            for (c, _columns), entry, application_id in zip(fresh, made, ids)
        ]
        await audit.record_many(actor, records, at=stamp)
        return ids, len(cleaned) - len(fresh)

    ids, replaced = await write_transaction(work)
    await _note_elsewhere(actor, event, cleaned)
    for i in ids:
        await signals.camp_application_changed.send(event_id=event_id, application_id=i, status="applied", actor=actor)
    return ids, replaced


def _frozen_message(replace: bool) -> str:
    if replace:
        return _("抽签承诺已经公布，申请名单已冻结：不能再上传报名表新增或替换申请。如需更正学生信息，请联系组委会。")
    return _("抽签承诺已经公布，申请名单已冻结，不能再提交新的申请。")


async def _check_all(
    actor: Principal, event: dict[str, Any], inputs: list[ApplicantInput], *, replace: bool = False
) -> tuple[list[_Clean], list[dict[str, Any]]]:
    """Every problem of every row in one pass: each row's own, rows naming the same student (even
    rows with other problems), and students already applied for."""
    settings = await settings_of(event["id"])
    if settings["commitment"] is not None:
        raise Conflict(_frozen_message(replace))
    sites = _Sites(await _site_rows(event["id"]))
    cleaned: list[_Clean] = []
    errors: list[dict[str, Any]] = []
    for a in inputs:
        c, problems = _check_one(a, settings, sites)
        errors += problems
        if c is not None:
            cleaned.append(c)
    errors += _same_student_rows(inputs)
    errors += await _check_duplicates(actor, event, cleaned, replace=replace)
    return cleaned, errors


async def apply(actor: Principal, event_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """A school (for its own student) or the organizer (``school_code``) applies through the web form:
    ``{"name", "gender", "id_type"?, "id_number", "grade", "phone", "preferences": [...],
    "priority_group"?, "consent_participation", "consent_publication"?, "school_code"?}``."""
    if (other := await programme_of(event_id)) is not None:
        return await other.apply(actor, event_id, data)
    event = await camp_event(event_id, actor)
    school_id = await acting_school(
        actor, data, _("只有学校管理员或组委会可以提交科学营申请。"), missing=_("请填写学校代码。")
    )
    await _registration_open(actor, event)
    if not data.get("consent_participation"):
        raise ValidationFailed(
            _("请确认已取得监护人同意参加科学营。"),
            errors=[{"field": "consent_participation", "message": _("需要监护人同意。")}],
        )
    member = entries.form_student(data)
    prefs = list(data.get("preferences") or [])
    cleaned, errors = await _check_all(
        actor, event, [ApplicantInput(member, school_id, prefs, str(data.get("priority_group") or ""))]
    )
    if errors:
        raise ValidationFailed(semicolon().join(e["message"] for e in errors), errors=errors)
    ids, _replaced = await _write_applications(actor, event, cleaned)
    return await get_application(actor, ids[0])


def _parse_workbook(
    data: bytes, schools: list[dict[str, Any]], actor: Principal
) -> tuple[list[ApplicantInput], list[dict[str, Any]], int]:
    required = [
        roster.NAME,
        roster.GENDER,
        roster.ID_NUMBER,
        roster.GRADE,
        roster.SCHOOL,
        roster.PHONE,
        PREFERENCE_COLUMNS[0],
    ]
    optional = [roster.ID_TYPE, roster.ROLE, *PREFERENCE_COLUMNS[1:], PRIORITY_COLUMN, roster.CONSENT]
    students, errors, count = entries.read_students(data, schools, actor, required, optional)
    inputs = [
        ApplicantInput(
            s.member,
            s.school_id,
            [clean_text(s.cell(c)) for c in PREFERENCE_COLUMNS],
            clean_text(s.cell(PRIORITY_COLUMN)),
            row=s.row,
        )
        for s in students
    ]
    return inputs, errors, count


async def import_applications(actor: Principal, event_id: int, data: bytes) -> dict[str, int]:
    """The registration workbook of a camp (CONTRACT: student columns + 志愿1–3, optional 优先类别 and
    同意公开姓名). All or nothing: every problem as ``{"row", "column", "message"}`` (422), else every
    row stored in one transaction. Returns ``{"applications_created"}``."""
    if actor.role not in ("organizer", "school"):
        raise Forbidden(_("只有学校管理员或组委会可以导入报名表。"))
    event = await camp_event(event_id, actor)
    await _registration_open(actor, event)
    schools = await School.select(School.id, School.code, School.name)
    inputs, errors, count = await asyncio.to_thread(_parse_workbook, data, schools, actor)
    if count == 0:
        raise entries.no_rows()
    cleaned, more = await _check_all(actor, event, inputs, replace=True)
    errors += more
    if errors:
        raise entries.row_errors("camp", errors)
    ids, replaced = await _write_applications(actor, event, cleaned, replace=True)
    return {"applications_created": len(ids), "applications_replaced": replaced}


# --------------------------------------------------------------------------- applications: reading


def _application_columns() -> list[Any]:
    return [
        CampApplication.all_columns(),
        CampApplication.entry.title.as_alias("name"),
        CampApplication.entry.code.as_alias("entry_code"),
        CampApplication.entry.status.as_alias("entry_status"),
        CampApplication.school.code.as_alias("school_code"),
        CampApplication.school.name.as_alias("school_name"),
        CampApplication.school.region.as_alias("region_code"),
        CampApplication.school.city.as_alias("city"),
    ]


def _visible(actor: Principal, row: dict[str, Any]) -> bool:
    return actor.can_see_school(row["school"], row["region_code"])


def _candidates(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Per site, the applications waiting for it now, best priority first (as the engine's
    next_offer sees them): taking part, not out, listing the site above the seat they hold, not
    holding an accepted seat below it."""
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r["priority_position"] is None or r["status"] in OUT or r["status"] == "accepted":
            continue
        prefs = r["preferences"] or []
        held = prefs.index(r["site_code"]) if r["site_code"] in prefs and r["status"] == "offered" else len(prefs)
        for code in prefs[:held]:
            out.setdefault(code, []).append(r)
    for lst in out.values():
        lst.sort(key=lambda r: r["priority_position"])
    return out


def _waiting_positions(rows: list[dict[str, Any]]) -> dict[int, dict[str, int]]:
    positions: dict[int, dict[str, int]] = {}
    for code, lst in _candidates(rows).items():
        for k, r in enumerate(lst, start=1):
            positions.setdefault(r["id"], {})[code] = k
    return positions


def _offer_view(row: dict[str, Any], positions: dict[str, int]) -> dict[str, Any]:
    prefs = row["preferences"] or []
    first_waiting = next((positions[c] for c in prefs if c in positions), None)
    return {
        "id": row["id"],
        "entry_id": row["entry"],
        "entry_code": row["entry_code"],
        "name": row["name"],
        "school_code": row["school_code"],
        "school_name": row["school_name"],
        "preferences": list(prefs),
        "priority_group": row["priority_group"],
        "priority_checked": row["priority_checked"],
        "review_status": row["entry_status"],
        "status": row["status"],
        "site_code": row["site_code"] if row["status"] in HOLDING else None,
        "preference_rank": row["preference_rank"] if row["status"] in HOLDING else None,
        "waiting_position": first_waiting,
        "waiting_positions": dict(positions),
        "offer_expires_at": row["offer_expires_at"] if row["status"] in ("offered", "expired") else None,
        "lottery_number": row["lottery_number"],
        "former_site_code": row["site_code"] if row["status"] in ("declined", "expired") else None,
        "allocation_round": row.get("allocation_round"),
        "offer_note": row.get("offer_note") or "",
        "priority_note": row.get("priority_note") or "",
    }


async def list_applications(
    actor: Principal, event_id: int, filters: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Applications the caller may see (organizer all; a city its schools'; a school its own)."""
    if (other := await programme_of(event_id)) is not None:
        return await other.list_applications(actor, event_id, filters)
    if actor.role not in ("organizer", "city", "school"):
        raise Forbidden(_("您无权查看科学营申请。"))
    await camp_event(event_id, actor)
    await process_expired(event_id)
    rows = (
        await CampApplication.select(*_application_columns())
        .output(load_json=True)
        .where(CampApplication.event == event_id)
        .order_by(CampApplication.id)
    )
    positions = _waiting_positions(rows)
    dupes = await duplicate_map(event_id) if actor.is_organizer else {}
    settings = await settings_of(event_id)
    sites = {s["code"]: s for s in await _site_rows(event_id)}
    filters = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    out = []
    for r in rows:
        if not _visible(actor, r):
            continue
        if "status" in filters and r["status"] != filters["status"]:
            continue
        if "site" in filters and filters["site"] not in (r["preferences"] or []) and r["site_code"] != filters["site"]:
            continue
        if "school" in filters and r["school_code"] != filters["school"]:
            continue
        if "group" in filters and r["priority_group"] != filters["group"]:
            continue
        if "q" in filters and filters["q"] not in r["name"] and filters["q"] not in r["entry_code"]:
            continue
        view = _offer_view(r, positions.get(r["id"], {}))
        view["explanation"] = explain(r, sites, settings, positions.get(r["id"], {}))
        if actor.is_organizer:
            view["duplicate_of"] = dupes.get(r["id"], [])
        out.append(view)
    return out


async def _visible_application(actor: Principal, application_id: int) -> dict[str, Any]:
    row = (
        await CampApplication.select(*_application_columns())
        .output(load_json=True)
        .where(CampApplication.id == application_id)
        .first()
    )
    if row is None or not _visible(actor, row):
        raise NotFound(_("申请不存在或您无权查看。"))
    return row


async def get_application(actor: Principal, application_id: int) -> dict[str, Any]:
    row = await _visible_application(actor, application_id)
    await camp_event(row["event"], actor)
    await process_expired(row["event"])
    rows = (
        await CampApplication.select(*_application_columns())
        .output(load_json=True)
        .where(CampApplication.event == row["event"])
    )
    row = next(r for r in rows if r["id"] == application_id)
    live = _waiting_positions(rows).get(application_id, {})
    view = _offer_view(row, live)
    settings = await settings_of(row["event"])
    sites = {s["code"]: s for s in await _site_rows(row["event"])}
    view["explanation"] = explain(row, sites, settings, live)
    return view


async def check_priority(
    actor: Principal, application_id: int, checked: bool, group: str | None = None, reason: str | None = None
) -> dict[str, Any]:
    """The city (for its schools) or the organizer decides an application's priority flag; only
    confirmed flags count for the reserves. ``checked``: confirm it (``group`` may correct the group
    first, e.g. 农村 instead of 建档立卡); not ``checked``: it does not hold, with a ``reason`` the
    school sees (422 naming ``reason`` without one; the group is kept, so the school sees what was
    refused). Before the allocation is applied (409 after)."""
    if actor.role not in ("organizer", "city"):
        raise Forbidden(_("只有市县科协或组委会可以核实优先类别。"))
    row = await _visible_application(actor, application_id)
    settings = await settings_of(row["event"])
    note = clean_text(reason)
    if not checked and (not note or len(note) > 200):
        raise ValidationFailed(
            _("不通过核实时请写明原因（最多 200 个字符），学校会看到。"),
            errors=[{"field": "reason", "message": _("请写明不通过的原因（最多 200 个字符）。")}],
        )
    values: dict[Any, Any] = {
        CampApplication.priority_checked: bool(checked),
        CampApplication.priority_note: "" if checked else note,
        CampApplication.updated_at: now(),
    }
    if group is not None:
        code = _group_codes(settings).get(clean_text(group)) if clean_text(group) else None
        if clean_text(group) and code is None:
            raise ValidationFailed(
                _("优先类别“{value}”不存在。", value=group),
                errors=[{"field": "group", "message": _("优先类别不存在。")}],
            )
        values[CampApplication.priority_group] = code
        if code is None:
            values[CampApplication.priority_checked] = False
    if checked and not values.get(CampApplication.priority_group, row["priority_group"]):
        raise ValidationFailed(
            _("这份申请没有填优先类别，没有可核实的。"), errors=[{"field": "group", "message": _("请选择优先类别。")}]
        )

    async def work() -> None:
        await lock_event(row["event"])
        if (await settings_of(row["event"]))["allocated_at"] is not None:
            raise Conflict(_("分配结果已经生效，优先类别不能再改。"))
        await CampApplication.update(values).where(CampApplication.id == application_id)
        await audit.record(
            actor,
            "camp.priority",
            "camp_application",
            application_id,
            event_id=row["event"],
            entry_id=row["entry"],
            school_id=row["school"],
            reason=note if not checked else "",
            changes={
                "priority_checked": [row["priority_checked"], bool(checked)],
                "priority_group": [
                    row["priority_group"],
                    values.get(CampApplication.priority_group, row["priority_group"]),
                ],
            },
        )

    await write_transaction(work)
    return await get_application(actor, application_id)


async def withdraw(actor: Principal, application_id: int) -> dict[str, Any]:
    """The school (or organizer) withdraws an application; a held seat is offered to the next."""
    row = await _visible_application(actor, application_id)
    if not (actor.is_organizer or (actor.role == "school" and actor.school_id == row["school"])):
        raise Forbidden(_("只有本校管理员或组委会可以撤回申请。"))
    return await _respond(actor, row, "withdrawn")


# --------------------------------------------------------------------------- lottery


async def _lottery_ids(event_id: int) -> list[int]:
    rows = (
        await CampApplication.select(CampApplication.id)
        .output(load_json=True)
        .where((CampApplication.event == event_id) & (CampApplication.status != "withdrawn"))
    )
    return sorted(r["id"] for r in rows)


async def commit_lottery(actor: Principal, event_id: int, public_source: str) -> dict[str, Any]:
    """Organizer, while applications are open: a new secret seed, its commitment and the frozen list of
    application ids (applications made later are refused)."""
    _require_organizer(actor)
    event = await camp_event(event_id, actor)
    source = clean_text(public_source)
    if not source or len(source) > 500:
        raise ValidationFailed(
            _("请说明将采用的公开数值（如某期福彩开奖号码）。"),
            errors=[{"field": "public_source", "message": _("请填写公开数值的来源（最多 500 个字符）。")}],
        )
    if await lifecycle.stage_of(event) is not Stage.OPEN:
        raise Conflict(_("抽签承诺须在申请截止前公布；现在申请不在进行中。"))
    seed = lottery.new_seed()

    async def work() -> dict[str, Any]:
        await lock_event(event_id)
        if (await settings_of(event_id))["commitment"] is not None:
            raise Conflict(_("抽签承诺已经公布过，不能重新生成。"))
        ids = await _lottery_ids(event_id)
        values = {
            "seed": seed,
            "commitment": lottery.commitment(seed),
            "applications_hash": lottery.applications_hash(ids),
            "application_ids": ids,
            "public_source": source,
            "committed_at": now(),
        }
        await _store_settings(event_id, values)
        await audit.record(
            actor,
            "camp.lottery.commit",
            "event",
            event_id,
            event_id=event_id,
            summary=values["commitment"],
            changes={"applications": [None, len(ids)], "public_source": [None, source]},
        )
        return values

    values = await write_transaction(work)
    return {k: values[k] for k in ("commitment", "applications_hash", "public_source")}


async def draw_lottery(actor: Principal, event_id: int, public_value: str) -> dict[str, Any]:
    """Organizer, after applications closed: the public value (normalised once), the seed revealed,
    every application's lottery number and the order."""
    _require_organizer(actor)
    event = await camp_event(event_id, actor)
    value = lottery.normalise_public_value(str(public_value or ""))
    if not value or len(value) > 500:
        raise ValidationFailed(
            _("请填写公开数值。"),
            errors=[{"field": "public_value", "message": _("请填写公开数值（最多 500 个字符）。")}],
        )
    if await lifecycle.stage_of(event) in (Stage.DRAFT, Stage.UPCOMING, Stage.OPEN):
        raise Conflict(_("申请截止后才能开奖：现在申请仍在进行中。"))

    async def work() -> dict[str, Any]:
        await lock_event(event_id)
        s = await settings_of(event_id)
        if s["commitment"] is None:
            raise Conflict(_("还没有公布抽签承诺，不能开奖。"))
        if s["drawn_at"] is not None:
            raise Conflict(_("已经开奖，不能再次开奖。"))
        ids = list(s["application_ids"] or [])
        order = lottery.draw_order(s["seed"], value, ids)
        await _store_settings(event_id, {"public_value": value, "lottery_order": order, "drawn_at": now()})
        for i in ids:
            await CampApplication.update(
                {CampApplication.lottery_number: lottery.lottery_number(s["seed"], value, i)}
            ).where(CampApplication.id == i)
        await audit.record(
            actor,
            "camp.lottery.draw",
            "event",
            event_id,
            event_id=event_id,
            summary=value,
            changes={"order": [None, len(order)]},
        )
        return {"seed": s["seed"], "public_value": value, "order": order}

    return await write_transaction(work)


async def public_lottery(event_id: int) -> dict[str, Any]:
    """The public record (CONTRACT ``GET .../lottery``); 404 before a commitment."""
    event = await camp_event(event_id)
    if event["status"] == "draft":
        raise NotFound(_("赛事不存在（编号 {id}）。", id=event_id))
    s = await settings_of(event_id)
    if s["commitment"] is None:
        raise NotFound(_("本次科学营还没有公布抽签承诺。"))
    drawn = s["drawn_at"] is not None
    return {
        "commitment": s["commitment"],
        "applications_hash": s["applications_hash"],
        "application_ids": list(s["application_ids"] or []),
        "public_source": s["public_source"],
        "public_value": s["public_value"] if drawn else None,
        "seed": s["seed"] if drawn else None,
        "order": list(s["lottery_order"] or []) if drawn else None,
        "algorithm": lottery.ALGORITHM_TEXT["zh" if get_locale() == "zh" else "en"] if drawn else None,
        "committed_at": s["committed_at"],
        "drawn_at": s["drawn_at"],
    }


# --------------------------------------------------------------------------- ranking


async def set_ranking(actor: Principal, event_id: int, items: Iterable[Any]) -> dict[str, Any]:
    """Organizer: the priority order for ``priority=ranking``: application ids or entry codes, best first."""
    _require_organizer(actor)
    await camp_event(event_id, actor)
    rows = (
        await CampApplication.select(CampApplication.id, CampApplication.entry.code.as_alias("entry_code"))
        .output(load_json=True)
        .where(CampApplication.event == event_id)
    )
    by_key = {str(r["id"]): r["id"] for r in rows} | {r["entry_code"].upper(): r["id"] for r in rows}
    ranking: list[int] = []
    errors: list[dict[str, Any]] = []
    for k, item in enumerate(items, start=1):
        text = clean_text(item)
        if not text:
            continue
        if text.endswith(".0") and text[:-2].isdigit():
            text = text[:-2]
        found = by_key.get(text) or by_key.get(text.upper())
        if found is None:
            errors.append(
                {"row": k, "column": "application", "message": _("“{value}”不是本次科学营的申请编号。", value=text)}
            )
        elif found in ranking:
            errors.append({"row": k, "column": "application", "message": _("“{value}”排了两次。", value=text)})
        else:
            ranking.append(found)
    if errors:
        raise ValidationFailed(_("排序名单有 {n} 处错误，没有保存。", n=len(errors)), errors=errors)
    if not ranking:
        raise ValidationFailed(
            _("排序名单是空的。"), errors=[{"field": "ranking", "message": _("请至少列出一份申请。")}]
        )

    async def work() -> None:
        await lock_event(event_id)
        if (await settings_of(event_id))["allocated_at"] is not None:
            raise Conflict(_("分配结果已经生效，排序不能再改。"))
        await _store_settings(event_id, {"ranking": ranking, "ranking_updated_at": now()})
        await audit.record(
            actor, "camp.ranking", "event", event_id, event_id=event_id, changes={"ranking": [None, len(ranking)]}
        )

    await write_transaction(work)
    return {"ranked": len(ranking), "applications": len(rows)}


def ranking_from_workbook(data: bytes) -> list[Any]:
    """The first column's values below a header row (application ids or codes, best first)."""
    wb = open_workbook(data)
    try:
        ws = wb.worksheets[0]
        values = [row[0] if row else None for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()
    if values and values[0] is not None and not str(values[0]).strip().isdigit() and "-" not in str(values[0]):
        values = values[1:]  # a header
    return [v for v in values if v is not None]


# --------------------------------------------------------------------------- allocation


async def _market(
    event_id: int, priority: str | None
) -> tuple[list[engine.Applicant], list[engine.Site], list[int], dict[str, Any]]:
    settings = await settings_of(event_id)
    if priority == "lottery":
        if settings["drawn_at"] is None:
            raise Conflict(_("还没有开奖，不能按抽签顺序分配。"))
        order = list(settings["lottery_order"] or [])
    elif priority == "ranking":
        if not settings["ranking"]:
            raise Conflict(_("还没有上传排序名单，不能按排序分配。"))
        order = list(settings["ranking"])
    else:
        raise ValidationFailed(
            _("priority 须为 lottery 或 ranking。"), errors=[{"field": "priority", "message": _("无效的优先顺序。")}]
        )
    rows = (
        await CampApplication.select(
            CampApplication.id,
            CampApplication.preferences,
            CampApplication.priority_group,
            CampApplication.priority_checked,
            CampApplication.status,
            CampApplication.entry.status.as_alias("entry_status"),
        )
        .output(load_json=True)
        .where(CampApplication.event == event_id)
    )
    in_order = set(order)
    sites = await _site_rows(event_id)
    site_codes = {s["code"] for s in sites}
    applicants = [
        engine.Applicant(
            r["id"],
            tuple(c for c in (r["preferences"] or []) if c in site_codes),
            r["priority_group"] if r["priority_checked"] else None,
        )
        for r in rows
        if r["id"] in in_order and r["entry_status"] == "approved" and r["status"] != "withdrawn"
    ]
    engine_sites = [
        engine.Site(
            s["code"],
            s["capacity"],
            engine.reserved_seats(s["capacity"], {g: Decimal(v) for g, v in (s["reserves"] or {}).items()}),
        )
        for s in sites
    ]
    taking_part = {a.id for a in applicants}
    return applicants, engine_sites, [i for i in order if i in taking_part], settings


def _reason_words(reason: dict[str, Any], sites: dict[str, dict[str, Any]], settings: dict[str, Any]) -> str:
    site = sites.get(reason["site_code"], {}).get("name", reason["site_code"])
    rank = reason["preference_rank"]
    if reason.get("waiting_position") is None:  # no longer on that site's waiting list: no place to name
        if reason["code"] == "no_seats":
            return (
                _("志愿{rank}“{site}”没有剩余名额。", rank=rank, site=site)
                if reason.get("remaining")
                else _("志愿{rank}“{site}”没有名额。", rank=rank, site=site)
            )
        if reason.get("remaining"):
            return _(
                "志愿{rank}“{site}”剩余的 {n} 个名额补录了优先顺序更靠前的学生。",
                rank=rank,
                site=site,
                n=reason["capacity"],
            )
        if reason["code"] == "full":
            return _(
                "志愿{rank}“{site}”已满：{n} 个名额都录取了优先顺序更靠前的学生。",
                rank=rank,
                site=site,
                n=reason["capacity"],
            )
        return _(
            "志愿{rank}“{site}”已满：{higher} 个名额录取了优先顺序更靠前的学生，其余为优先类别预留名额（{groups}）。",
            rank=rank,
            site=site,
            higher=reason["higher_priority"],
            groups=_reserved_groups(reason, settings) or "—",
        )
    if reason.get("remaining"):  # a 补录 round: the places that were left
        if reason["code"] == "no_seats":
            return _("志愿{rank}“{site}”没有剩余名额。", rank=rank, site=site)
        return _(
            "志愿{rank}“{site}”剩余的 {n} 个名额补录了优先顺序更靠前的学生；在该营候补第 {pos} 位。",
            rank=rank,
            site=site,
            n=reason["capacity"],
            pos=reason["waiting_position"],
        )
    if reason["code"] == "no_seats":
        return _("志愿{rank}“{site}”没有名额。", rank=rank, site=site)
    if reason["code"] == "full":
        return _(
            "志愿{rank}“{site}”已满：{n} 个名额都录取了优先顺序更靠前的学生；在该营候补第 {pos} 位。",
            rank=rank,
            site=site,
            n=reason["capacity"],
            pos=reason["waiting_position"],
        )
    groups = _reserved_groups(reason, settings)
    return _(
        "志愿{rank}“{site}”已满：{higher} 个名额录取了优先顺序更靠前的学生，其余为优先类别预留名额（{groups}）；在该营候补第 {pos} 位。",
        rank=rank,
        site=site,
        higher=reason["higher_priority"],
        groups=groups or "—",
        pos=reason["waiting_position"],
    )


def _reserved_groups(reason: dict[str, Any], settings: dict[str, Any]) -> str:
    return list_separator().join(
        _("{group} {n} 人", group=group_label(settings, g), n=n) for g, n in reason.get("reserved_by") or []
    )


def explain(
    row: dict[str, Any],
    sites: dict[str, dict[str, Any]],
    settings: dict[str, Any],
    positions: dict[str, int] | None = None,
) -> str:
    """The result of one application in words (current locale), from the engine's structured
    reasons: why each better preference did not take it, then where it stands now (with the
    deadline of an open or expired offer, and the reason of a seat offered by hand). For a seat held
    now only the preferences above it are explained; ``positions`` (the live waiting lists) replace
    the waiting positions of the allocation."""
    reasons = list(row.get("reasons") or [])
    rank = row.get("preference_rank")
    if row.get("status") in ("offered", "accepted", "admitted") and rank:
        reasons = [r for r in reasons if r["preference_rank"] < rank]  # a promotion took it past the others
    if positions is not None and row.get("priority_position") is not None:
        # today's waiting lists: a site it is no longer waiting for (it accepted a lower one) names no place
        reasons = [{**r, "waiting_position": positions.get(r["site_code"])} for r in reasons]
    words = [_reason_words(r, sites, settings) for r in reasons]
    prefix = ""
    if (row.get("allocation_round") or 1) > 1 and row.get("status") != "applied":
        prefix = _("补录（第 {n} 轮）：", n=row["allocation_round"]) + ("" if get_locale() == "zh" else " ")
    status = row["status"]
    site = sites.get(row.get("site_code") or "", {}).get("name", row.get("site_code"))
    note = row.get("offer_note") or ""
    if note and status in ("offered", "accepted"):
        words = [_("组委会录取到“{site}”（{reason}）。", site=site, reason=note)]
    elif status in ("admitted", "offered", "accepted"):
        if row.get("preference_rank"):
            words.append(_("录取到志愿{rank}“{site}”。", rank=row["preference_rank"], site=site))
        else:
            words.append(_("录取到“{site}”。", site=site))
    elif status == "waiting":
        words.append(_("暂未录取，在所填分营的候补名单上。"))
    elif status == "unplaced":
        words.append(_("没有可录取的志愿。"))
    elif status == "expired":
        expires = row.get("offer_expires_at")
        words.append(
            _("录取到“{site}”，但确认期限 {time} 已过，名额已转给候补。", site=site, time=format_time(expires))
            if expires
            else _("录取逾期未确认，名额已转给候补。")
        )
    elif status == "declined":
        words.append(_("录取到“{site}”后已放弃，名额已转给候补。", site=site) if site else _("已放弃。"))
    elif status == "applied":
        words = (
            [_("还没有参加分配（分配时未通过审查或不在排序名单中）；可以参加补录。")]
            if settings.get("allocated_at")
            else []
        )
    elif status in STATUS_LABELS:
        words.append(_(STATUS_LABELS[status]) + _("。"))
    if status == "offered" and row.get("offer_expires_at"):
        words.append(_("请在 {time} 前确认参营。", time=format_time(row["offer_expires_at"])))
    if note and status in ("offered", "accepted"):
        prefix = ""
    return prefix + " ".join(words)


def _round_answer(
    result: engine.Allocation,
    applicants: list[engine.Applicant],
    site_rows: dict[str, dict[str, Any]],
    capacities: dict[str, int],
    priority: str,
    round_number: int,
) -> dict[str, Any]:
    """A round's result as stored (no words: the reasons stay structured, rendered when shown)."""
    assignments = []
    per_site: dict[str, int] = {}
    per_group: dict[str, dict[str, int]] = {}
    groups = {a.id: a.group for a in applicants}
    for i in sorted(result.placements):
        p = result.placements[i]
        reasons = [asdict(r) | ({"remaining": True} if round_number > 1 else {}) for r in p.reasons]
        assignments.append(
            {
                "application_id": i,
                "site_code": p.site_code,
                "preference_rank": p.preference_rank,
                "status": p.status,
                "priority_position": p.priority_position,
                "reasons": reasons,
            }
        )
        if p.site_code:
            per_site[p.site_code] = per_site.get(p.site_code, 0) + 1
        g = groups.get(i) or ""
        per_group.setdefault(g, {"admitted": 0, "waiting": 0, "unplaced": 0})[p.status] += 1
    return {
        "round": round_number,
        "priority": priority,
        "admitted": result.admitted,
        "waiting": result.waiting,
        "unplaced": result.unplaced,
        "first_choice_share": str(result.first_choice_share),
        "per_site": [
            {
                "site_code": code,
                "capacity": capacities.get(code, site_rows[code]["capacity"]),
                "admitted": per_site.get(code, 0),
                "waiting": len(result.waiting_lists.get(code, ())),
            }
            for code in site_rows
        ],
        "per_group": [{"group": g or None, **c} for g, c in sorted(per_group.items())],
        "assignments": assignments,
    }


def _round_view(
    stored: dict[str, Any], site_rows: dict[str, dict[str, Any]], settings: dict[str, Any]
) -> dict[str, Any]:
    """A stored (or previewed) round with each assignment explained in the current locale."""
    out = {k: v for k, v in stored.items() if k != "assignments"}
    out["assignments"] = [
        {
            **{k: v for k, v in a.items() if k != "reasons"},
            "explanation": explain({**a, "allocation_round": stored.get("round", 1)}, site_rows, settings),
        }
        for a in stored["assignments"]
    ]
    return out


async def _awaiting_review(event_id: int) -> dict[str, int]:
    """Applications (not withdrawn) that take no part in an allocation because their review is not
    done: ``{entry status: count}`` (待审查, 市县已推荐, 已退回, 草稿)."""
    rows = await CampApplication.select(CampApplication.entry.status.as_alias("entry_status")).where(
        (CampApplication.event == event_id) & (CampApplication.status != "withdrawn")
    )
    counts: dict[str, int] = {}
    for r in rows:
        if r["entry_status"] not in ("approved", "withdrawn"):
            counts[r["entry_status"]] = counts.get(r["entry_status"], 0) + 1
    return counts


def _awaiting_sentence(counts: dict[str, int]) -> str:
    parts = list_separator().join(
        _("{label} {n}", label=_(ENTRY_STATUS_LABELS.get(status, status)), n=n) for status, n in sorted(counts.items())
    )
    return _(
        "{n} 份申请还没有通过审查（{parts}），不参加这次分配；请先在申请页审查通过，或在分配生效后通过补录安排。",
        n=sum(counts.values()),
        parts=parts,
    )


async def run_allocation(actor: Principal, event_id: int, priority: str | None, apply_result: bool) -> dict[str, Any]:
    """Organizer: deferred acceptance over the sites with the lottery order or the ranking. A preview
    unless ``apply_result``: then the result is stored and every admitted student is offered its seat
    until ``offer_hours`` from now (once: a second apply is 409; the places left later are filled by
    :func:`second_round`). After the allocation was applied a preview is computed from today's data
    and says so (``warnings``); the applied result is :func:`applied_rounds`. Another programme's event
    (the talent programme) is answered by its own rule (``priority`` is not used there)."""
    _require_organizer(actor)
    if (other := await programme_of(event_id)) is not None:
        return await other.run_allocation(actor, event_id, apply_result)
    await camp_event(event_id, actor)
    dupes = await duplicate_map(event_id)
    if apply_result and dupes:
        raise Conflict(_duplicates_sentence(dupes), extra={"duplicates": sorted(dupes)})
    applicants, sites, order, settings = await _market(event_id, priority)
    try:
        result = engine.allocate(applicants, sites, order)
    except engine.AllocationError as exc:
        raise ValidationFailed(str(exc), errors=[{"field": exc.field, "message": str(exc)}]) from None
    site_rows = {s["code"]: s for s in await _site_rows(event_id)}
    stored = _round_answer(result, applicants, site_rows, {}, priority, 1)
    answer = _round_view(stored, site_rows, settings)
    answer.update(applied=False, duplicates=sorted(dupes), warnings=[_duplicates_sentence(dupes)] if dupes else [])
    awaiting = await _awaiting_review(event_id) if settings["allocated_at"] is None else {}
    if awaiting:
        answer["warnings"].append(_awaiting_sentence(awaiting))
    if apply_result and not applicants:
        # an allocation of nobody would be stored for good (a second apply is refused): say why instead
        raise Conflict(
            _("没有可分配的申请：只有审查通过的申请参加分配。")
            + (" " + _awaiting_sentence(awaiting) if awaiting else ""),
            extra={"awaiting_review": sum(awaiting.values())},
        )
    if settings["allocated_at"] is not None and not apply_result:
        answer["warnings"].append(
            _("分配结果已经生效：这是按现在的数据重新计算的预览，不是已生效的结果。已生效的结果和补录见“抽签与分配”。")
        )
    if not apply_result:
        return answer

    async def work() -> None:
        await lock_event(event_id)
        if (await settings_of(event_id))["allocated_at"] is not None:
            raise Conflict(_("分配结果已经生效，不能重新分配；剩余名额可以补录。"))
        if again := await duplicate_map(event_id):
            raise Conflict(_duplicates_sentence(again), extra={"duplicates": sorted(again)})
        stamp = now()
        deadline = stamp + dt.timedelta(hours=settings["offer_hours"])
        for i, p in result.placements.items():
            status = {"admitted": "offered", "waiting": "waiting", "unplaced": "unplaced"}[p.status]
            await CampApplication.update(
                {
                    CampApplication.status: status,
                    CampApplication.site_code: p.site_code,
                    CampApplication.preference_rank: p.preference_rank,
                    CampApplication.priority_position: p.priority_position,
                    CampApplication.reasons: [asdict(r) for r in p.reasons],
                    CampApplication.offer_expires_at: deadline if status == "offered" else None,
                    CampApplication.offered_at: stamp if status == "offered" else None,
                    CampApplication.allocation_round: 1,
                    CampApplication.updated_at: stamp,
                }
            ).where(CampApplication.id == i)
        # applications that took no part (not approved, not in the list) stay as they are: "applied";
        # a 补录 round (second_round) places them later
        await _store_settings(
            event_id,
            {
                "allocated_at": stamp,
                "allocation_priority": priority,
                "priority_order": order,
                "allocation_rounds": [{**stored, "applied_at": stamp.isoformat()}],
            },
        )
        await audit.record(
            actor,
            "camp.allocation.apply",
            "event",
            event_id,
            event_id=event_id,
            summary=priority,
            changes={
                "admitted": [None, result.admitted],
                "waiting": [None, result.waiting],
                "unplaced": [None, result.unplaced],
            },
        )

    await write_transaction(work)
    await signals.camp_application_changed.send(event_id=event_id, application_id=None, status="allocated", actor=actor)
    answer["applied"] = True
    return answer


async def applied_rounds(actor: Principal, event_id: int) -> dict[str, Any]:
    """Organizer: the allocation as applied, round by round (round 1, then each 补录 round), with each
    assignment explained as it was decided: ``{"allocated_at", "priority", "rounds": [...]}``."""
    _require_organizer(actor)
    await camp_event(event_id, actor)
    settings = await settings_of(event_id)
    site_rows = {s["code"]: s for s in await _site_rows(event_id)}
    return {
        "allocated_at": settings["allocated_at"],
        "priority": settings["allocation_priority"],
        "rounds": [{**_round_view(r, site_rows, settings), "applied": True} for r in await stored_rounds(event_id)],
    }


# --------------------------------------------------------------------------- 补录: the places left


SECOND_ROUND_STATUSES = ("applied", "waiting", "unplaced")


def _full_order(settings: dict[str, Any]) -> list[int]:
    """The priority order the applied allocation used, over every application it lists (the whole
    lottery order, or the organizer's ranking), not only those that took part then."""
    if settings["allocation_priority"] == "ranking":
        return list(settings["ranking"] or [])
    return list(settings["lottery_order"] or [])


async def _second_market(
    event_id: int, settings: dict[str, Any]
) -> tuple[list[engine.Applicant], list[engine.Site], list[int], dict[str, int], list[int]]:
    """The 补录 market: the approved applications not placed (applied, waiting, unplaced) over each
    site's places left (capacity minus seats held, offered or accepted), with the reserves still
    unused (a group's reserved seats minus the seats its members hold there), in the applied
    allocation's priority order. Returns (applicants, sites, order, places left per site, ids left
    out because the priority order does not list them)."""
    rows = (
        await CampApplication.select(
            CampApplication.id,
            CampApplication.preferences,
            CampApplication.priority_group,
            CampApplication.priority_checked,
            CampApplication.status,
            CampApplication.site_code,
            CampApplication.entry.status.as_alias("entry_status"),
        )
        .output(load_json=True)
        .where(CampApplication.event == event_id)
    )
    site_rows = await _site_rows(event_id)
    codes = {s["code"] for s in site_rows}
    held: dict[str, int] = {}
    held_group: dict[tuple[str, str], int] = {}
    for r in rows:
        if r["status"] in HOLDING and r["site_code"]:
            held[r["site_code"]] = held.get(r["site_code"], 0) + 1
            if r["priority_checked"] and r["priority_group"]:
                key = (r["site_code"], r["priority_group"])
                held_group[key] = held_group.get(key, 0) + 1
    left: dict[str, int] = {}
    sites = []
    for s in site_rows:
        free = max(s["capacity"] - held.get(s["code"], 0), 0)
        reserved = engine.reserved_seats(s["capacity"], {g: Decimal(v) for g, v in (s["reserves"] or {}).items()})
        unused = {g: max(n - held_group.get((s["code"], g), 0), 0) for g, n in reserved.items()}
        while sum(unused.values()) > free:  # fewer places left than reserves unused: the largest gives way
            g = max(sorted(unused), key=lambda g: unused[g])
            unused[g] -= 1
        left[s["code"]] = free
        sites.append(engine.Site(s["code"], free, {g: n for g, n in unused.items() if n}))
    order = _full_order(settings)
    listed = set(order)
    taking = [r for r in rows if r["entry_status"] == "approved" and r["status"] in SECOND_ROUND_STATUSES]
    applicants = [
        engine.Applicant(
            r["id"],
            tuple(c for c in (r["preferences"] or []) if c in codes),
            r["priority_group"] if r["priority_checked"] else None,
        )
        for r in taking
        if r["id"] in listed
    ]
    ids = {a.id for a in applicants}
    return (
        applicants,
        sites,
        [i for i in order if i in ids],
        left,
        sorted(r["id"] for r in taking if r["id"] not in listed),
    )


async def _renumber(event_id: int, settings: dict[str, Any], also: Iterable[int] = ()) -> list[int]:
    """After a 补录 round or an offer by hand: the priority order the waiting lists and promotions
    follow, over everyone placed so far plus ``also``, in the applied allocation's order (anyone it
    does not list comes last, by id); stores it and each application's ``priority_position``.
    Inside a write transaction holding the event lock."""
    rows = await CampApplication.select(CampApplication.id, CampApplication.priority_position).where(
        CampApplication.event == event_id
    )
    taking = {r["id"] for r in rows if r["priority_position"] is not None} | set(also)
    order = [i for i in _full_order(settings) if i in taking]
    order += sorted(taking - set(order))
    position = {i: k for k, i in enumerate(order, start=1)}
    for r in rows:
        if r["id"] in position and r["priority_position"] != position[r["id"]]:
            await CampApplication.update({CampApplication.priority_position: position[r["id"]]}).where(
                CampApplication.id == r["id"]
            )
    await _store_settings(event_id, {"priority_order": order})
    return order


async def second_round(actor: Principal, event_id: int, apply_result: bool) -> dict[str, Any]:
    """Organizer, after the allocation was applied: a 补录 round over the places left. Deferred
    acceptance (the same rule and the same priority order as the applied allocation) over each
    site's free places for the approved applications not placed yet: those waiting or unplaced and
    those approved after the allocation (still "applied"). Everyone holding a seat keeps it; declined
    and expired applications take no part. A preview unless ``apply_result``: then the newly
    admitted are offered their seats until ``offer_hours`` from now, the others wait (on the waiting
    lists of the sites they listed) or stay unplaced, and the round is stored. Deterministic: the
    same data give the same result."""
    _require_organizer(actor)
    await camp_event(event_id, actor)
    await process_expired(event_id)
    settings = await settings_of(event_id)
    if settings["allocated_at"] is None:
        raise Conflict(_("分配结果还没有生效：补录只用于分配生效后剩余的名额。请先预览并使分配结果生效。"))

    async def compute() -> tuple[dict[str, Any], engine.Allocation, list[int]]:
        s = await settings_of(event_id)
        applicants, sites, order, left, unlisted = await _second_market(event_id, s)
        try:
            result = engine.allocate(applicants, sites, order)
        except engine.AllocationError as exc:
            raise ValidationFailed(str(exc), errors=[{"field": exc.field, "message": str(exc)}]) from None
        site_rows = {x["code"]: x for x in await _site_rows(event_id)}
        rounds = await stored_rounds(event_id)
        stored = _round_answer(result, applicants, site_rows, left, s["allocation_priority"], len(rounds) + 1)
        stored["unlisted"] = unlisted
        return stored, result, order

    stored, _result, _order = await compute()
    site_rows = {x["code"]: x for x in await _site_rows(event_id)}
    answer = _round_view(stored, site_rows, settings)
    answer.update(applied=False, duplicates=[], warnings=[])
    if stored["unlisted"]:
        answer["warnings"].append(
            _(
                "申请 {ids} 不在排序名单中，不参加补录（可以手动录取）。",
                ids=list_separator().join(str(i) for i in stored["unlisted"]),
            )
        )
    if not apply_result:
        return answer

    async def work() -> dict[str, Any]:
        await lock_event(event_id)
        again, result, order = await compute()  # under the lock: what is applied is what is computed now
        s = await settings_of(event_id)
        stamp = now()
        deadline = stamp + dt.timedelta(hours=s["offer_hours"])
        reasons = {a["application_id"]: a["reasons"] for a in again["assignments"]}
        for i, p in result.placements.items():
            status = {"admitted": "offered", "waiting": "waiting", "unplaced": "unplaced"}[p.status]
            await CampApplication.update(
                {
                    CampApplication.status: status,
                    CampApplication.site_code: p.site_code,
                    CampApplication.preference_rank: p.preference_rank,
                    CampApplication.reasons: reasons[i],
                    CampApplication.offer_expires_at: deadline if status == "offered" else None,
                    CampApplication.offered_at: stamp if status == "offered" else None,
                    CampApplication.allocation_round: again["round"],
                    CampApplication.updated_at: stamp,
                }
            ).where(CampApplication.id == i)
        await _renumber(event_id, s, result.placements)
        rounds = await stored_rounds(event_id) + [{**again, "applied_at": stamp.isoformat()}]
        await _store_settings(event_id, {"allocation_rounds": rounds})
        await audit.record(
            actor,
            "camp.allocation.second_round",
            "event",
            event_id,
            event_id=event_id,
            summary=_("补录第 {n} 轮", n=again["round"]),
            changes={
                "admitted": [None, result.admitted],
                "waiting": [None, result.waiting],
                "unplaced": [None, result.unplaced],
            },
        )
        return again

    applied = await write_transaction(work)
    await signals.camp_application_changed.send(event_id=event_id, application_id=None, status="allocated", actor=actor)
    answer = _round_view(applied, site_rows, settings)
    answer.update(applied=True, duplicates=[], warnings=[])
    return answer


def _reason_required(reason: str) -> str:
    text = clean_text(reason)
    if not text or len(text) > 200:
        raise ValidationFailed(
            _("请写明原因（最多 200 个字符），会记入操作日志。"),
            errors=[{"field": "reason", "message": _("请写明原因（最多 200 个字符）。")}],
        )
    return text


async def _seats_held(event_id: int, site_code: str) -> int:
    return await CampApplication.count().where(
        (CampApplication.event == event_id)
        & (CampApplication.site_code == site_code)
        & CampApplication.status.is_in(list(HOLDING))
    )


async def _offer_by_hand(
    actor: Principal, row: dict[str, Any], site: dict[str, Any], reason: str, action: str, allowed: tuple[str, ...]
) -> dict[str, Any]:
    event_id = row["event"]
    await process_expired(event_id)

    async def work() -> None:
        await lock_event(event_id)
        s = await settings_of(event_id)
        current = (
            await CampApplication.select(*_application_columns())
            .output(load_json=True)
            .where(CampApplication.id == row["id"])
            .first()
        )
        if current["status"] not in allowed:
            raise Conflict(_("这份申请现在是“{status}”，不能这样录取。", status=_(STATUS_LABELS[current["status"]])))
        if current["entry_status"] != "approved":
            raise Conflict(_("这份申请还没有通过审查，不能录取。"))
        held = await _seats_held(event_id, site["code"])
        if held >= site["capacity"]:
            raise Conflict(
                _(
                    "{site}已满（{held}/{capacity}），没有空余名额：可以先增加名额（增加的名额先给候补名单）或选择其他分营。",
                    site=site["name"],
                    held=held,
                    capacity=site["capacity"],
                )
            )
        stamp = now()
        prefs = current["preferences"] or []
        await CampApplication.update(
            {
                CampApplication.status: "offered",
                CampApplication.site_code: site["code"],
                CampApplication.preference_rank: prefs.index(site["code"]) + 1 if site["code"] in prefs else None,
                CampApplication.offer_expires_at: stamp + dt.timedelta(hours=s["offer_hours"]),
                CampApplication.offered_at: stamp,
                CampApplication.responded_at: None,
                CampApplication.offer_note: reason,
                CampApplication.updated_at: stamp,
            }
        ).where(CampApplication.id == row["id"])
        if current["priority_position"] is None:
            await _renumber(event_id, s, [row["id"]])  # holders take part in promotions: in the order
        await audit.record(
            actor,
            action,
            "camp_application",
            row["id"],
            event_id=event_id,
            entry_id=current["entry"],
            school_id=current["school"],
            summary=f"{site['code']} {current['name']}",
            reason=reason,
            changes={"status": [current["status"], "offered"], "site_code": [current["site_code"], site["code"]]},
        )

    await write_transaction(work)
    await signals.camp_application_changed.send(
        event_id=event_id, application_id=row["id"], status="offered", actor=actor
    )
    return await get_application(actor, row["id"])


async def offer_by_hand(actor: Principal, application_id: int, site_code: str, reason: str) -> dict[str, Any]:
    """Organizer, after the allocation was applied: offer an application not holding a seat
    (applied, waiting, unplaced, declined or expired) a free place at ``site_code`` (one it listed
    or not, within the site's grade limits) with a ``reason`` (audited, shown with its result).
    409 when the site is full or the application is not approved; 422 naming ``site_code`` or
    ``reason``."""
    _require_organizer(actor)
    row = await _visible_application(actor, application_id)
    await camp_event(row["event"], actor)
    if (await settings_of(row["event"]))["allocated_at"] is None:
        raise Conflict(_("分配结果生效后才能手动录取；在此之前请用分配。"))
    text = _reason_required(reason)
    site = next((s for s in await _site_rows(row["event"]) if s["code"] == clean_text(site_code)), None)
    if site is None:
        raise ValidationFailed(
            _("分营 {code} 不存在。", code=site_code), errors=[{"field": "site_code", "message": _("分营不存在。")}]
        )
    grade = await Member.select(Member.grade).where((Member.entry == row["entry"]) & (Member.position == 0)).first()
    if site["grades"] and grade and grade["grade"] not in site["grades"]:
        message = _("分营“{site}”只招收{grades}学生。", site=site["name"], grades=list_separator().join(site["grades"]))
        raise ValidationFailed(message, errors=[{"field": "site_code", "message": message}])
    return await _offer_by_hand(
        actor, row, site, text, "camp.offer.manual", ("applied", "waiting", "unplaced", "declined", "expired")
    )


async def reinstate(actor: Principal, application_id: int, reason: str) -> dict[str, Any]:
    """Organizer: offer a declined or expired application its former site again, with a new
    deadline and a ``reason`` (audited), when that site has a free place (409 otherwise: the seat
    may have gone to the waiting list meanwhile)."""
    _require_organizer(actor)
    row = await _visible_application(actor, application_id)
    await camp_event(row["event"], actor)
    text = _reason_required(reason)
    if row["status"] not in ("declined", "expired") or not row["site_code"]:
        raise Conflict(
            _("只有已放弃或逾期未确认的录取可以恢复（现在是“{status}”）。", status=_(STATUS_LABELS[row["status"]]))
        )
    site = next((s for s in await _site_rows(row["event"]) if s["code"] == row["site_code"]), None)
    if site is None:
        raise Conflict(_("原来的分营已经不存在。"))
    return await _offer_by_hand(actor, row, site, text, "camp.offer.reinstate", ("declined", "expired"))


def _duplicates_sentence(dupes: dict[int, list[int]]) -> str:
    return _(
        "有学生由两所学校重复申请（申请编号 {ids}），请先撤回其中一份再生效分配。",
        ids=list_separator().join(str(i) for i in sorted(dupes)),
    )


# --------------------------------------------------------------------------- offers


async def _promotion_inputs(
    event_id: int,
) -> tuple[list[engine.Applicant], list[engine.Site], list[int], engine.OfferState, dict[int, dict[str, Any]]]:
    settings = await settings_of(event_id)
    order = list(settings["priority_order"] or [])
    rows = (
        await CampApplication.select()
        .output(load_json=True)
        .where((CampApplication.event == event_id) & CampApplication.priority_position.is_not_null())
    )
    site_rows = await _site_rows(event_id)
    codes = {s["code"] for s in site_rows}
    applicants = [
        engine.Applicant(
            r["id"],
            tuple(c for c in (r["preferences"] or []) if c in codes),
            r["priority_group"] if r["priority_checked"] else None,
        )
        for r in rows
    ]
    sites = [
        engine.Site(
            s["code"],
            s["capacity"],
            engine.reserved_seats(s["capacity"], {g: Decimal(v) for g, v in (s["reserves"] or {}).items()}),
        )
        for s in site_rows
    ]
    holders: dict[str, set[int]] = {c: set() for c in codes}
    excluded: set[int] = set()
    declined: set[tuple[int, str]] = set()
    for r in rows:
        if r["status"] in HOLDING and r["site_code"] in holders:
            holders[r["site_code"]].add(r["id"])
        if r["status"] in OUT:
            excluded.add(r["id"])
        if r["status"] == "accepted":  # confirmed: off the waiting lists above
            prefs = r["preferences"] or []
            for c in prefs[: prefs.index(r["site_code"])] if r["site_code"] in prefs else prefs:
                declined.add((r["id"], c))
    ids = {r["id"] for r in rows}
    state = engine.OfferState({c: frozenset(s) for c, s in holders.items()}, frozenset(excluded), frozenset(declined))
    return applicants, sites, [i for i in order if i in ids], state, {r["id"]: r for r in rows}


async def _fill(actor: Principal | None, event_id: int, site_code: str) -> list[int]:
    """Offer free seats of ``site_code`` to the next on its waiting list, one at a time, following
    the seats promotions free. Inside a write transaction holding the event lock."""
    settings = await settings_of(event_id)
    if settings["allocated_at"] is None:
        return []
    promoted: list[int] = []
    queue = [site_code]
    guard = 0
    while queue and guard < 10000:
        guard += 1
        code = queue.pop(0)
        applicants, sites, order, state, rows = await _promotion_inputs(event_id)
        if code not in {s.code for s in sites}:
            continue
        chosen = engine.next_offer(code, applicants, sites, order, state)
        if chosen is None:
            continue
        row = rows[chosen]
        released = row["site_code"] if row["status"] == "offered" else None
        stamp = now()
        prefs = row["preferences"] or []
        await CampApplication.update(
            {
                CampApplication.status: "offered",
                CampApplication.site_code: code,
                CampApplication.preference_rank: prefs.index(code) + 1 if code in prefs else None,
                CampApplication.offer_expires_at: stamp + dt.timedelta(hours=settings["offer_hours"]),
                CampApplication.offered_at: stamp,
                CampApplication.updated_at: stamp,
            }
        ).where(CampApplication.id == chosen)
        await audit.record(
            actor,
            "camp.offer.promote",
            "camp_application",
            chosen,
            event_id=event_id,
            entry_id=row["entry"],
            school_id=row["school"],
            summary=code,
            changes={"status": [row["status"], "offered"], "site_code": [row["site_code"], code]},
        )
        promoted.append(chosen)
        queue.append(code)  # more free seats there?
        if released:
            queue.append(released)
    return promoted


async def _respond(actor: Principal, row: dict[str, Any], new_status: str) -> dict[str, Any]:
    event_id = row["event"]
    await process_expired(event_id)

    async def work() -> list[int]:
        await lock_event(event_id)
        current = await CampApplication.select().output(load_json=True).where(CampApplication.id == row["id"]).first()
        status = current["status"]
        if new_status == "accepted":
            if status != "offered":
                raise Conflict(_("这份申请没有待确认的录取（现在是“{status}”）。", status=_(STATUS_LABELS[status])))
            if current["offer_expires_at"] and current["offer_expires_at"] <= now():
                raise Conflict(_("确认期限已过。"))
        elif new_status == "declined":
            if status not in HOLDING:
                raise Conflict(_("这份申请没有可放弃的录取（现在是“{status}”）。", status=_(STATUS_LABELS[status])))
        elif new_status == "withdrawn" and status == "withdrawn":
            raise Conflict(_("申请已经撤回。"))
        stamp = now()
        await CampApplication.update(
            {
                CampApplication.status: new_status,
                CampApplication.responded_at: stamp,
                CampApplication.updated_at: stamp,
                CampApplication.offer_expires_at: current["offer_expires_at"] if new_status == "accepted" else None,
            }
        ).where(CampApplication.id == row["id"])
        if new_status == "withdrawn":
            await Entry.update({Entry.status: "withdrawn", Entry.updated_at: stamp}).where(Entry.id == current["entry"])
        await audit.record(
            actor,
            f"camp.offer.{new_status}" if new_status != "withdrawn" else "camp.withdraw",
            "camp_application",
            row["id"],
            event_id=event_id,
            entry_id=current["entry"],
            school_id=current["school"],
            summary=current["site_code"] or "",
            changes={"status": [status, new_status]},
        )
        promoted: list[int] = []
        if status in HOLDING and new_status in OUT and current["site_code"]:
            promoted = await _fill(actor, event_id, current["site_code"])
        if new_status == "accepted":  # lower-priority waiting lists may move: nothing frees, nothing to do
            pass
        return promoted

    promoted = await write_transaction(work)
    await signals.camp_application_changed.send(
        event_id=event_id, application_id=row["id"], status=new_status, actor=actor
    )
    for i in promoted:
        await signals.camp_application_changed.send(event_id=event_id, application_id=i, status="offered", actor=actor)
    return await get_application(actor, row["id"])


async def respond(actor: Principal, application_id: int, decision: str) -> dict[str, Any]:
    """The application's school or the organizer accepts or declines its offer."""
    row = await _visible_application(actor, application_id)
    if not (actor.is_organizer or (actor.role == "school" and actor.school_id == row["school"])):
        raise Forbidden(_("只有本校管理员或组委会可以确认或放弃录取。"))
    return await _respond(actor, row, "accepted" if decision == "accept" else "declined")


async def process_expired(event_id: int) -> int:
    """Offers of the event past their deadline become ``expired`` and their seats go to the next on
    the waiting list. Idempotent; under the event lock, so concurrent callers promote once per seat.
    Returns how many offers expired."""
    stamp = now()
    due = await CampApplication.count().where(
        (CampApplication.event == event_id)
        & (CampApplication.status == "offered")
        & (CampApplication.offer_expires_at < stamp)
    )
    if not due:
        return 0

    async def work() -> tuple[list[dict[str, Any]], list[int]]:
        await lock_event(event_id)
        rows = (
            await CampApplication.select()
            .output(load_json=True)
            .where(
                (CampApplication.event == event_id)
                & (CampApplication.status == "offered")
                & (CampApplication.offer_expires_at < now())
            )
        )
        promoted: list[int] = []
        for r in rows:
            await CampApplication.update({CampApplication.status: "expired", CampApplication.updated_at: now()}).where(
                (CampApplication.id == r["id"]) & (CampApplication.status == "offered")
            )
            await audit.record(
                None,
                "camp.offer.expired",
                "camp_application",
                r["id"],
                event_id=event_id,
                entry_id=r["entry"],
                school_id=r["school"],
                summary=r["site_code"] or "",
                changes={"status": ["offered", "expired"]},
            )
        for code in sorted({r["site_code"] for r in rows if r["site_code"]}):
            promoted += await _fill(None, event_id, code)
        return rows, promoted

    rows, promoted = await write_transaction(work)
    for r in rows:
        await signals.camp_application_changed.send(
            event_id=event_id, application_id=r["id"], status="expired", actor=None
        )
    for i in promoted:
        await signals.camp_application_changed.send(event_id=event_id, application_id=i, status="offered", actor=None)
    return len(rows)


async def process_all_expired() -> int:
    """Every camp event's expired offers (the server's timer)."""
    events = (
        await CampApplication.select(CampApplication.event)
        .output(load_json=True)
        .where((CampApplication.status == "offered") & (CampApplication.offer_expires_at < now()))
    )
    total = 0
    for event_id in sorted({r["event"] for r in events}):
        total += await process_expired(event_id)
    return total


_timer: asyncio.Task[None] | None = None
TIMER_SECONDS = 60


async def _tick() -> None:
    while True:
        await asyncio.sleep(TIMER_SECONDS)
        try:
            await process_all_expired()
        except Exception:  # noqa: BLE001 - the next read or tick tries again
            log.exception("processing expired camp offers failed")


async def start_timer() -> None:
    global _timer
    if _timer is None or _timer.done():
        _timer = asyncio.get_running_loop().create_task(_tick())


async def stop_timer() -> None:
    global _timer
    if _timer is not None:
        _timer.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await _timer
        _timer = None


# --------------------------------------------------------------------------- lists per site


async def offers_by_site(actor: Principal, event_id: int) -> list[dict[str, Any]]:
    """Organizer: per site, who holds a seat (offered/accepted, with deadline) and the waiting list."""
    _require_organizer(actor)
    await camp_event(event_id, actor)
    await process_expired(event_id)
    rows = (
        await CampApplication.select(*_application_columns())
        .output(load_json=True)
        .where(CampApplication.event == event_id)
    )
    candidates = _candidates(rows)
    out = []
    for s in await _site_rows(event_id):
        holders = sorted(
            (r for r in rows if r["status"] in HOLDING and r["site_code"] == s["code"]),
            key=lambda r: (r["status"] != "accepted", r["priority_position"] or 0),
        )
        out.append(
            {
                "site": site_out(
                    s,
                    {
                        "offered": sum(1 for r in holders if r["status"] == "offered"),
                        "accepted": sum(1 for r in holders if r["status"] == "accepted"),
                    },
                ),
                "holders": [_offer_view(r, {}) for r in holders],
                "waiting": [
                    _offer_view(r, {s["code"]: k}) for k, r in enumerate(candidates.get(s["code"], []), start=1)
                ],
            }
        )
    return out


async def counts(event_id: int) -> dict[str, int]:
    rows = (
        await CampApplication.select(CampApplication.status)
        .output(load_json=True)
        .where(CampApplication.event == event_id)
    )
    out: dict[str, int] = {}
    for r in rows:
        out[r["status"]] = out.get(r["status"], 0) + 1
    return out
