"""Judges of an event (评委) and conflicts of interest (回避)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app import audit
from app.errors import Conflict, NotFound, ValidationFailed
from app.i18n import _
from app.principal import Principal
from app.regions.services import resolve_region
from app.tables import School, User
from competitions.events.services import get_event_row
from competitions.events.tables import Category
from judging.panels.tables import EventJudge


@dataclass
class JudgeProfile:
    """What assignment needs to know of a judge."""

    user_id: int
    name: str
    category_codes: set[str]
    school_id: int | None
    city: str | None
    conflict_entries: set[int] = field(default_factory=set)
    conflict_schools: set[int] = field(default_factory=set)
    conflict_advisers: set[str] = field(default_factory=set)


@dataclass
class EntryProfile:
    """What assignment needs to know of an entry."""

    entry_id: int
    code: str
    category_code: str
    school_id: int
    city: str
    advisers: set[str]


def conflict_reason(judge: JudgeProfile, entry: EntryProfile, city_conflict: bool) -> str | None:
    """Why ``judge`` may not score ``entry`` (回避), or ``None``: declared entry, own school,
    declared school, own city/county when the event extends conflicts to it, or a declared
    adviser of the entry."""
    if entry.entry_id in judge.conflict_entries:
        return "declared_entry"
    if judge.school_id is not None and judge.school_id == entry.school_id:
        return "own_school"
    if entry.school_id in judge.conflict_schools:
        return "declared_school"
    if city_conflict and judge.city and judge.city == entry.city:
        return "own_city"
    if judge.conflict_advisers & entry.advisers:
        return "declared_adviser"
    return None


def eligible(judge: JudgeProfile, entry: EntryProfile, city_conflict: bool) -> bool:
    return entry.category_code in judge.category_codes and conflict_reason(judge, entry, city_conflict) is None


async def add_judge(actor: Principal, event_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Add (or update) a judge of the event: ``{"username", "category_codes", "school_code"?,
    "city"?, "conflict_entries"?, "conflict_schools"? (codes), "conflict_advisers"? (names)}``.
    The user must exist with role judge. Raises :class:`ValidationFailed`, :class:`NotFound`."""
    await get_event_row(event_id)
    username = str(data.get("username") or "").strip()
    user = await User.select(User.id, User.role, User.display_name).where(User.username == username).first()
    if user is None:
        raise ValidationFailed(_("账号“{username}”不存在，请先创建评委账号。", username=username))
    if user["role"] != "judge":
        raise ValidationFailed(_("账号“{username}”不是评委账号。", username=username))
    codes = [str(c).strip().upper() for c in data.get("category_codes") or [] if str(c).strip()]
    known = {r["code"] for r in await Category.select(Category.code).where(Category.event == event_id)}
    unknown = [c for c in codes if c not in known]
    if not codes or unknown:
        raise ValidationFailed(_("请为评委选择本赛事的类别；不存在的类别：{codes}。", codes="、".join(unknown) or "-"))
    school_id, city = None, (str(data.get("city") or "").strip() or None)
    if city:  # the region's full name, as schools carry it, so 海口 and 海口市 are one city for conflicts
        city = (await resolve_region(city, field="city"))["name"]
    if data.get("school_code"):
        school = (
            await School.select(School.id, School.city)
            .where(School.code == str(data["school_code"]).strip().upper())
            .first()
        )
        if school is None:
            raise ValidationFailed(_("找不到代码为“{code}”的学校。", code=data["school_code"]))
        school_id, city = school["id"], city or school["city"]
    conflict_schools = []
    for code in data.get("conflict_schools") or []:
        school = await School.select(School.id).where(School.code == str(code).strip().upper()).first()
        if school is None:
            raise ValidationFailed(_("找不到代码为“{code}”的学校。", code=code))
        conflict_schools.append(school["id"])
    values = {
        "category_codes": codes,
        "school": school_id,
        "city": city,
        "conflict_entries": [int(e) for e in data.get("conflict_entries") or []],
        "conflict_schools": conflict_schools,
        "conflict_advisers": [str(a).strip() for a in data.get("conflict_advisers") or [] if str(a).strip()],
    }
    existing = (
        await EventJudge.select(EventJudge.id)
        .where((EventJudge.event == event_id) & (EventJudge.user == user["id"]))
        .first()
    )
    if existing:
        await EventJudge.update({getattr(EventJudge, k): v for k, v in values.items()}).where(
            EventJudge.id == existing["id"]
        )
        judge_id = existing["id"]
    else:
        row = EventJudge(event=event_id, user=user["id"], **values)
        await row.save()
        judge_id = row.id
    await audit.record(
        actor,
        "judge.add",
        "event_judge",
        judge_id,
        event_id=event_id,
        summary=username,
        changes={"category_codes": [None, codes]},
    )
    return {"id": judge_id, "user_id": user["id"], "username": username, "display_name": user["display_name"], **values}


async def remove_judge(actor: Principal, event_id: int, user_id: int) -> None:
    deleted = (
        await EventJudge.delete()
        .where((EventJudge.event == event_id) & (EventJudge.user == user_id))
        .returning(EventJudge.id)
    )
    if not deleted:
        raise NotFound(_("该评委不在本赛事中。"))
    await audit.record(actor, "judge.remove", "event_judge", deleted[0]["id"], event_id=event_id)


async def judge_profiles(event_id: int) -> list[JudgeProfile]:
    """Every judge of the event as :class:`JudgeProfile` (one query)."""
    rows = (
        await EventJudge.select(
            EventJudge.all_columns(),
            EventJudge.user.display_name.as_alias("name"),
            EventJudge.user.username.as_alias("username"),
        )
        .where(EventJudge.event == event_id)
        .order_by(EventJudge.id)
        .output(load_json=True)
    )
    return [
        JudgeProfile(
            user_id=r["user"],
            name=r["name"] or r["username"],
            category_codes=set(r["category_codes"] or []),
            school_id=r["school"],
            city=r["city"],
            conflict_entries=set(r["conflict_entries"] or []),
            conflict_schools=set(r["conflict_schools"] or []),
            conflict_advisers=set(r["conflict_advisers"] or []),
        )
        for r in rows
    ]


async def list_judges(event_id: int) -> list[dict[str, Any]]:
    rows = (
        await EventJudge.select(
            EventJudge.all_columns(),
            EventJudge.user.display_name.as_alias("display_name"),
            EventJudge.user.username.as_alias("username"),
            EventJudge.school.name.as_alias("school_name"),
        )
        .where(EventJudge.event == event_id)
        .order_by(EventJudge.id)
        .output(load_json=True)
    )
    return [
        {
            "id": r["id"],
            "user_id": r["user"],
            "username": r["username"],
            "display_name": r["display_name"],
            "category_codes": r["category_codes"],
            "school_name": r["school_name"],
            "city": r["city"],
            "conflict_entries": r["conflict_entries"],
            "conflict_schools": r["conflict_schools"],
            "conflict_advisers": r["conflict_advisers"],
        }
        for r in rows
    ]


def ensure(condition: bool, message: str) -> None:
    if not condition:
        raise Conflict(message)
