"""Leading teachers (带队教师) of a camp: schools propose teachers, the organizer assigns them to sites
with :func:`competitions.camps.leaders.assign_leaders` (``leader_ratio`` students per teacher,
default 10) and can place a teacher by hand (kept by the rule), and each teacher gets a notice.

Proposed teachers are a small table per school and event (:class:`CampTeacher`), not adviser
members on applications: a teacher leads a site's students from several schools and is not tied to
one application. The teacher's phone is encrypted at rest and masked in lists; it is printed on the
admission notices of the site's students (so they can reach their teacher) and nowhere else.

Students counted per site are those holding a seat there (offered or accepted); a student's city is
the region code of its school.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from app import audit
from app.db import write_transaction
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.exports.workbook import clean_text
from app.i18n import _
from app.principal import Principal
from app.security import decrypt_pii, encrypt_pii, keyed_hash, mask_phone
from app.times import now
from competitions.camps import leaders as rule
from competitions.camps import notices
from competitions.camps import services as camps
from competitions.camps.tables import CampApplication, CampSite, CampTeacher
from competitions.registration.services import lock_event

PHONE = re.compile(r"^\+?[0-9][0-9 -]{5,18}[0-9]$")
HOLDING = ("offered", "accepted")


def phone_key(phone: str) -> str:
    """The keyed hash that makes one teacher one teacher (the same phone, however it was typed)."""
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return keyed_hash(f"camp-teacher:{digits}")


async def _fill_hashes(where: Any) -> None:
    """Teachers proposed before phones were hashed get their hash (from the encrypted phone)."""
    for r in await CampTeacher.select(CampTeacher.id, CampTeacher.phone_enc).where(
        where & CampTeacher.phone_hash.is_null() & CampTeacher.phone_enc.is_not_null()
    ):
        phone = decrypt_pii(r["phone_enc"])
        if phone:
            await CampTeacher.update({CampTeacher.phone_hash: phone_key(phone)}).where(CampTeacher.id == r["id"])


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two sites' dates overlap (a site without both dates may overlap anything: it is not known)."""
    if not (a.get("starts_on") and a.get("ends_on") and b.get("starts_on") and b.get("ends_on")):
        return True
    return a["starts_on"] <= b["ends_on"] and b["starts_on"] <= a["ends_on"]


async def _elsewhere(event_id: int, hashes: set[str]) -> dict[str, list[dict[str, Any]]]:
    """Per phone hash, the sites of other camp events the same teacher leads (with their dates)."""
    if not hashes:
        return {}
    rows = await CampTeacher.select(
        CampTeacher.phone_hash, CampTeacher.event, CampTeacher.site_code, CampTeacher.event.name.as_alias("event_name")
    ).where(
        (CampTeacher.event != event_id)
        & CampTeacher.phone_hash.is_in(sorted(hashes))
        & CampTeacher.site_code.is_not_null()
    )
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        site = (
            await CampSite.select(CampSite.code, CampSite.name, CampSite.starts_on, CampSite.ends_on)
            .where((CampSite.event == r["event"]) & (CampSite.code == r["site_code"]))
            .first()
        )
        if site is not None:
            out.setdefault(r["phone_hash"], []).append({**site, "event_name": r["event_name"]})
    return out


def why_text(why: list[Any] | None) -> str:
    """The rule's reason in words."""
    if not why:
        return ""
    kind, n = why[0], why[1] if len(why) > 1 else None
    if kind == "fixed":
        return _("组委会指定")
    if kind == "school":
        return _("本校有 {n} 名学生在这个分营", n=n)
    if kind == "city":
        return _("同一市县有 {n} 名学生在这个分营", n=n)
    return _("补足人数（没有本校或本市县学生）")


def _view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "gender": row["gender"],
        "school_code": row["school_code"],
        "school_name": row["school_name"],
        "phone_masked": row["phone_masked"],
        "site_code": row["site_code"],
        "fixed": row["fixed"],
        "why": why_text(row["why"]) if row["site_code"] else "",
    }


def _columns() -> list[Any]:
    return [
        CampTeacher.all_columns(),
        CampTeacher.school.code.as_alias("school_code"),
        CampTeacher.school.name.as_alias("school_name"),
        CampTeacher.school.region.as_alias("region_code"),
    ]


async def _teacher(actor: Principal, teacher_id: int) -> dict[str, Any]:
    row = await CampTeacher.select(*_columns()).output(load_json=True).where(CampTeacher.id == teacher_id).first()
    if row is None or not (actor.is_organizer or (actor.role == "school" and actor.school_id == row["school"])):
        raise NotFound(_("带队教师不存在或您无权查看。"))
    return row


async def propose(actor: Principal, event_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """A school proposes one of its teachers (the organizer for a school: ``school_code``):
    ``{"name", "gender"?, "phone", "school_code"?}``."""
    await camps.camp_event(event_id, actor)
    school_id = await camps.acting_school(actor, data, _("只有学校管理员或组委会可以推荐带队教师。"))
    name, phone, gender = clean_text(data.get("name")), clean_text(data.get("phone")), clean_text(data.get("gender"))
    errors = []
    if not name or len(name) > 64:
        errors.append({"field": "name", "message": _("请填写教师姓名（最多 64 个字符）。")})
    if not PHONE.match(phone):
        errors.append({"field": "phone", "message": _("请填写教师的联系电话。")})
    if gender not in ("", "男", "女"):
        errors.append({"field": "gender", "message": _("性别填“男”或“女”。")})
    if errors:
        raise ValidationFailed(errors[0]["message"], errors=errors)
    key = phone_key(phone)
    teacher = CampTeacher(
        event=event_id,
        school=school_id,
        name=name,
        gender=gender,
        phone_enc=encrypt_pii(phone),
        phone_masked=mask_phone(phone),
        phone_hash=key,
        created_at=now(),
    )

    async def work() -> None:
        await lock_event(event_id)
        await _fill_hashes(CampTeacher.event == event_id)
        same = (
            await CampTeacher.select(CampTeacher.name, CampTeacher.school.name.as_alias("school_name"))
            .where((CampTeacher.event == event_id) & (CampTeacher.phone_hash == key))
            .first()
        )
        if same is not None:  # one person, one proposal (the phone says who it is)
            message = _(
                "这位教师（联系电话 {phone}）已经被推荐为本次科学营的带队教师，不能重复推荐。", phone=mask_phone(phone)
            )
            if actor.is_organizer:
                message += _("（{name}，{school}）", name=same["name"], school=same["school_name"])
            raise ValidationFailed(message, errors=[{"field": "phone", "message": message}])
        await teacher.save()
        await audit.record(
            actor,
            "camp.teacher.propose",
            "camp_teacher",
            int(teacher.id),
            event_id=event_id,
            school_id=school_id,
            summary=name,
        )

    await write_transaction(work)
    return _view(await _teacher(actor, int(teacher.id)))


async def list_teachers(actor: Principal, event_id: int) -> list[dict[str, Any]]:
    """Organizer: every proposed teacher; a school: its own."""
    if actor.role not in ("organizer", "school"):
        raise Forbidden(_("只有学校管理员或组委会可以查看带队教师。"))
    await camps.camp_event(event_id, actor)
    where = CampTeacher.event == event_id
    if actor.role == "school":
        where &= CampTeacher.school == actor.school_id
    rows = await CampTeacher.select(*_columns()).output(load_json=True).where(where).order_by(CampTeacher.id)
    return [_view(r) for r in rows]


async def remove(actor: Principal, teacher_id: int) -> None:
    """The school (its own, while not assigned) or the organizer withdraws a proposed teacher."""
    row = await _teacher(actor, teacher_id)
    if actor.role == "school" and row["site_code"]:
        raise Conflict(_("这位教师已安排带队，请联系组委会调整。"))

    async def work() -> None:
        await CampTeacher.delete().where(CampTeacher.id == teacher_id)
        await audit.record(
            actor,
            "camp.teacher.remove",
            "camp_teacher",
            teacher_id,
            event_id=row["event"],
            school_id=row["school"],
            summary=row["name"],
        )

    await write_transaction(work)


async def _students(event_id: int) -> list[rule.Student]:
    rows = await CampApplication.select(
        CampApplication.site_code,
        CampApplication.school.code.as_alias("school_code"),
        CampApplication.school.region.as_alias("region_code"),
    ).where((CampApplication.event == event_id) & CampApplication.status.is_in(list(HOLDING)))
    return [rule.Student(r["site_code"], r["school_code"], r["region_code"] or "") for r in rows if r["site_code"]]


async def assign(actor: Principal, event_id: int) -> dict[str, Any]:
    """Organizer: run the rule over the sites' current admitted students; teachers placed by hand stay.
    Stores each teacher's site (or none) and reason; returns :func:`overview`."""
    camps._require_organizer(actor)
    await camps.camp_event(event_id, actor)
    settings = await camps.settings_of(event_id)

    async def work() -> None:
        await lock_event(event_id)
        sites = [
            s["code"]
            for s in await CampSite.select(CampSite.code)
            .where(CampSite.event == event_id)
            .order_by(CampSite.position)
            .order_by(CampSite.id)
        ]
        # one person once: a teacher proposed twice (before duplicates were refused) takes part once, and
        # never at a site whose dates overlap a camp the same person leads in another camp event
        await _fill_hashes(CampTeacher.event == event_id)
        rows = (
            await CampTeacher.select(*_columns())
            .output(load_json=True)
            .where(CampTeacher.event == event_id)
            .order_by(CampTeacher.id)
        )
        hashes = {r["id"]: r["phone_hash"] for r in rows}
        first_of: dict[str, int] = {}
        for r in rows:
            if hashes.get(r["id"]):
                first_of.setdefault(hashes[r["id"]], r["id"])
        rows = [r for r in rows if not hashes.get(r["id"]) or first_of[hashes[r["id"]]] == r["id"]]
        site_rows = {
            s["code"]: s
            for s in await CampSite.select(CampSite.code, CampSite.starts_on, CampSite.ends_on).where(
                CampSite.event == event_id
            )
        }
        busy = await _elsewhere(event_id, {h for h in hashes.values() if h})
        unavailable = {
            r["id"]: {
                code
                for code in sites
                if any(_overlap(site_rows[code], other) for other in busy.get(hashes.get(r["id"]) or "", []))
            }
            for r in rows
        }
        teachers = [rule.Teacher(r["id"], r["school_code"], r["region_code"] or "") for r in rows]
        fixed = {r["id"]: r["site_code"] for r in rows if r["fixed"] and r["site_code"] in sites}
        try:
            result = rule.assign_leaders(
                sites, await _students(event_id), teachers, settings["leader_ratio"], fixed, unavailable
            )
        except rule.LeaderError as exc:
            raise ValidationFailed(str(exc), errors=[{"field": exc.field, "message": str(exc)}]) from None
        placed = {tid: (s.site, list(s.why[tid])) for s in result.sites for tid in s.teachers}
        for tid, h in hashes.items():  # a second proposal of the same teacher leads nowhere
            if h and first_of.get(h) != tid:
                await CampTeacher.update(
                    {CampTeacher.site_code: None, CampTeacher.why: [], CampTeacher.fixed: False}
                ).where(CampTeacher.id == tid)
        for r in rows:
            site, why = placed.get(r["id"], (None, []))
            await CampTeacher.update(
                {CampTeacher.site_code: site, CampTeacher.why: why, CampTeacher.fixed: r["id"] in fixed}
            ).where(CampTeacher.id == r["id"])
        await audit.record(
            actor,
            "camp.leaders.assign",
            "event",
            event_id,
            event_id=event_id,
            changes={"placed": [None, {str(k): v[0] for k, v in placed.items()}]},
        )

    await write_transaction(work)
    return await overview(actor, event_id)


async def place(actor: Principal, teacher_id: int, site_code: str | None) -> dict[str, Any]:
    """Organizer: place a teacher on a site by hand (``fixed``: the rule keeps it), or with
    ``site_code`` null release it (not leading, free for the rule)."""
    camps._require_organizer(actor)
    row = await _teacher(actor, teacher_id)
    code = clean_text(site_code) or None
    if code is not None and not await CampSite.exists().where(
        (CampSite.event == row["event"]) & (CampSite.code == code)
    ):
        raise ValidationFailed(
            _("分营 {code} 不存在。", code=code), errors=[{"field": "site_code", "message": _("分营不存在。")}]
        )

    if code is not None:
        await _fill_hashes(CampTeacher.id == teacher_id)
        key = (await CampTeacher.select(CampTeacher.phone_hash).where(CampTeacher.id == teacher_id).first())[
            "phone_hash"
        ]
        site = (
            await CampSite.select(CampSite.code, CampSite.name, CampSite.starts_on, CampSite.ends_on)
            .where((CampSite.event == row["event"]) & (CampSite.code == code))
            .first()
        )
        for other in (await _elsewhere(row["event"], {key} if key else set())).get(key or "", []):
            if _overlap(site, other):
                message = _(
                    "{name} 已在{event}带队（{site}），日期与{this}重叠，同一位教师不能同时带两个营。",
                    name=row["name"],
                    event=other["event_name"],
                    site=other["name"],
                    this=site["name"],
                )
                raise ValidationFailed(message, errors=[{"field": "site_code", "message": message}])

    async def work() -> None:
        await CampTeacher.update(
            {
                CampTeacher.site_code: code,
                CampTeacher.fixed: code is not None,
                CampTeacher.why: ["fixed", None] if code else [],
            }
        ).where(CampTeacher.id == teacher_id)
        await audit.record(
            actor,
            "camp.leaders.place",
            "camp_teacher",
            teacher_id,
            event_id=row["event"],
            school_id=row["school"],
            summary=row["name"],
            changes={"site_code": [row["site_code"], code]},
        )

    await write_transaction(work)
    return _view(await _teacher(actor, teacher_id))


async def overview(actor: Principal, event_id: int) -> dict[str, Any]:
    """Organizer: per site the admitted students, teachers needed (ceil(students / ratio)), the
    teachers with their reasons, and the shortfall; and the teachers not leading."""
    camps._require_organizer(actor)
    await camps.camp_event(event_id, actor)
    settings = await camps.settings_of(event_id)
    ratio = settings["leader_ratio"]
    sites = (
        await CampSite.select(CampSite.code, CampSite.name)
        .where(CampSite.event == event_id)
        .order_by(CampSite.position)
        .order_by(CampSite.id)
    )
    counts: dict[str, int] = {}
    for s in await _students(event_id):
        counts[s.site] = counts.get(s.site, 0) + 1
    teachers = await list_teachers(actor, event_id)
    out = []
    for s in sites:
        mine = [t for t in teachers if t["site_code"] == s["code"]]
        need = rule.needed(counts.get(s["code"], 0), ratio)
        out.append(
            {
                "site_code": s["code"],
                "site_name": s["name"],
                "students": counts.get(s["code"], 0),
                "needed": need,
                "teachers": mine,
                "shortfall": max(need - len(mine), 0),
            }
        )
    return {"ratio": ratio, "sites": out, "unused": [t for t in teachers if not t["site_code"]]}


async def teacher_notice_rows(actor: Principal, teacher_id: int) -> dict[str, Any]:
    """What a teacher's notice shows: the teacher, the site, its co-leaders and the site's students
    holding a seat (names and schools only)."""
    row = await _teacher(actor, teacher_id)
    if not row["site_code"]:
        raise Conflict(_("这位教师还没有安排带队分营。"))
    event = await notices._event(row["event"])
    site = await CampSite.select().where((CampSite.event == row["event"]) & (CampSite.code == row["site_code"])).first()
    students = (
        await CampApplication.select(
            CampApplication.status,
            CampApplication.entry.title.as_alias("name"),
            CampApplication.school.code.as_alias("school_code"),
            CampApplication.school.name.as_alias("school_name"),
        )
        .where(
            (CampApplication.event == row["event"])
            & (CampApplication.site_code == row["site_code"])
            & CampApplication.status.is_in(list(HOLDING))
        )
        .order_by(CampApplication.school.code)
        .order_by(CampApplication.entry.title)
    )
    leaders = (await notices.leaders_by_site(row["event"])).get(row["site_code"], [])
    return {
        "teacher": {"id": row["id"], "name": row["name"], "school_name": row["school_name"]},
        "event_name": event["name"],
        "site": site,
        "co_leaders": [t for t in leaders if t["id"] != row["id"]],
        "students": students,
    }


async def teacher_notice_pdf(actor: Principal, teacher_id: int) -> tuple[bytes, str]:
    data = await teacher_notice_rows(actor, teacher_id)
    pdf = await asyncio.to_thread(notices.render_teacher_notice, data)
    return pdf, f"leader-notice-{teacher_id}.pdf"
