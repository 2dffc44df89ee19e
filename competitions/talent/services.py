"""The talent programme (中学生科技创新后备人才培养计划, issue 16): settings, subjects, mentors,
applications, aptitude test scores and cut-offs, interview invitations, mentors' rankings and refusals,
and the matching. One function per business action; pages and the JSON API call these. The year of
growth (plans, growth logs, lab visits, reviews, follow-up) is in :mod:`competitions.talent.growth`.

Design: as for camps (:mod:`competitions.camps.services`), an application is an entry of the talent
event with one student member plus one :class:`~competitions.talent.tables.TalentApplication`; the
entry's category is the subject (学科), so the school's submission (its recommendation), the city's
recommendation and the office's check go through the existing review, and personal data, consent,
documents, credentials and certificates carry over. Only approved applications are tested, invited
and matched.

Mentors (导师) are accounts of role ``mentor`` placed in an event with a subject and a capacity; an
application names up to three of them (``导师志愿1``–``3``, by username or name). A mentor sees only
the applicants who listed them (once invited) and their own students, never ID numbers, phones or
birth dates: every mentor view is built here from the name, gender, grade and school only.

The matching is the camps engine (:func:`competitions.camps.allocation.allocate`) with each mentor's
OWN priority order: the applicants the mentor ranked by hand first (rank 1, 2, ...), then the others
by the mentor's interview score (higher first), test score, application id; applicants the mentor
refused are left out of its order, so they are never matched with it. Student-proposing deferred
acceptance over the mentors' capacities gives the student-optimal stable matching; every student's
result is explained mentor by mentor. The office may then move a student with a reason (audited).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from app import audit
from app.db import write_transaction
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.exports.workbook import LostDigits, clean_text, digits_text, find_table, normalize_header, open_workbook
from app.i18n import _, paren
from app.principal import Principal
from app.security import keyed_hash
from app.tables import School, User
from app.times import now
from competitions.camps import allocation as engine
from competitions.camps import entries
from competitions.camps import services as camps
from competitions.events import lifecycle
from competitions.events.lifecycle import Stage
from competitions.events.services import get_event_row
from competitions.events.tables import Category
from competitions.registration import roster
from competitions.registration.idnumbers import ID_TYPES
from competitions.registration.members import CleanMember, MemberInput, clean_member, normalize_role
from competitions.registration.services import lock_event
from competitions.registration.tables import Entry, Member
from competitions.talent import cutoffs as cutoff_rules
from competitions.talent.tables import (
    DEFAULT_ELIGIBLE_GRADES,
    DEFAULT_HOURS_TARGET,
    DEFAULT_INTERVIEW_MINUTES,
    DEFAULT_LOG_INTERVAL_DAYS,
    Interview,
    Mentor,
    MentorChoice,
    TalentApplication,
    TalentSettings,
)

DIVISION = "高中"
SUBJECT_COLUMN = "学科"
PREFERENCE_COLUMNS = ("导师志愿1", "导师志愿2", "导师志愿3")
STATEMENT_COLUMN = "申请陈述"
MAX_PREFERENCES = 3
MAX_STATEMENT = 2000
STATUS_LABELS = {
    "applied": "已申请",
    "invited": "已邀请面试",
    "not_invited": "未达分数线",
    "matched": "培养中",
    "unmatched": "未匹配",
    "left": "中期退出",
    "completed": "已结业",
    "failed": "结业不合格",
    "withdrawn": "已撤回",
}
# those taking part in the year of growth
IN_PROGRAMME = ("matched", "left", "completed", "failed")
SCORE_COLUMNS = {"id": "证件号", "application": "申请编号", "score": "分数"}
SCORE_ALIASES = {
    "证件号": ("身份证号", "证件号码", "身份证号码", "身份证"),
    "申请编号": ("报名编号", "申请号", "编号"),
    "分数": ("成绩", "测试分数", "潜质测试成绩", "总分"),
}
MAX_SCORE = Decimal("1000")


# --------------------------------------------------------------------------- events and settings


async def talent_event(event_id: int, actor: Principal | None = None) -> dict[str, Any]:
    """The event row if it is a talent programme (404 otherwise, and for drafts ``actor`` may not see)."""
    event = await get_event_row(event_id, actor)
    if event["kind"] != "talent":
        raise NotFound(_("该活动不是后备人才培养计划（编号 {id}）。", id=event_id))
    return event


def require_organizer(actor: Principal) -> None:
    if not actor.is_organizer:
        raise Forbidden(_("只有组委会可以进行此操作。"))


async def settings_of(event_id: int) -> dict[str, Any]:
    """The programme settings row (defaults when none was stored yet)."""
    row = await TalentSettings.select().output(load_json=True).where(TalentSettings.event == event_id).first()
    if row is not None:
        return row
    return {
        "id": None,
        "event": event_id,
        "eligible_grades": list(DEFAULT_ELIGIBLE_GRADES),
        "cutoffs": {},
        "interview_minutes": DEFAULT_INTERVIEW_MINUTES,
        "invited_at": None,
        "matched_at": None,
        "starts_on": None,
        "midterm_on": None,
        "final_on": None,
        "log_interval_days": DEFAULT_LOG_INTERVAL_DAYS,
        "hours_target": DEFAULT_HOURS_TARGET,
    }


async def store_settings(event_id: int, values: dict[str, Any]) -> None:
    """Upsert the settings (inside a write transaction holding the event lock)."""
    if await TalentSettings.exists().where(TalentSettings.event == event_id):
        await TalentSettings.update({getattr(TalentSettings, k): v for k, v in values.items()}).where(
            TalentSettings.event == event_id
        )
    else:
        await TalentSettings.insert(TalentSettings(event=event_id, **values))


def _day(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else value


def settings_out(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "eligible_grades": row["eligible_grades"],
        "cutoffs": dict(row["cutoffs"] or {}),
        "interview_minutes": row["interview_minutes"],
        "invited": row["invited_at"] is not None,
        "matched": row["matched_at"] is not None,
        "starts_on": _day(row["starts_on"]),
        "midterm_on": _day(row["midterm_on"]),
        "final_on": _day(row["final_on"]),
        "log_interval_days": row["log_interval_days"],
        "hours_target": row["hours_target"],
    }


async def get_settings(actor: Principal, event_id: int) -> dict[str, Any]:
    await talent_event(event_id, actor)
    return settings_out(await settings_of(event_id))


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


def decimal_text(value: Any, field_name: str, errors: list[dict[str, Any]], *, maximum: Decimal) -> Decimal | None:
    """A non-negative decimal with at most 2 places up to ``maximum`` (floats refused: they are
    not exact); appends an error naming ``field_name`` and returns ``None`` when it is not one."""
    if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
        errors.append({"field": field_name, "message": _("请填写数字，最多两位小数。")})
        return None
    try:
        number = Decimal(str(int(value)) if isinstance(value, float) else str(value).strip())
    except (InvalidOperation, ValueError):
        errors.append({"field": field_name, "message": _("请填写数字，最多两位小数。")})
        return None
    if not number.is_finite() or number < 0 or number > maximum or number != number.quantize(Decimal("0.01")):
        errors.append({"field": field_name, "message": _("须为 0 到 {max} 之间的数，最多两位小数。", max=maximum)})
        return None
    return number.normalize() if number == number.to_integral_value() else number


def plain(value: Decimal) -> str:
    """Decimal text without exponent or trailing zeros (``85.50`` -> ``85.5``, ``80.00`` -> ``80``)."""
    text = format(value.normalize(), "f")
    return text


async def update_settings(actor: Principal, event_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Organizer: ``eligible_grades``, ``interview_minutes`` (5..240), ``starts_on``, ``midterm_on``,
    ``final_on`` (dates in order), ``log_interval_days`` (1..365), ``hours_target`` (decimal)."""
    require_organizer(actor)
    await talent_event(event_id, actor)
    values: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    if data.get("eligible_grades") is not None:
        grades = [clean_text(g) for g in data["eligible_grades"] if clean_text(g)]
        if not grades:
            errors.append({"field": "eligible_grades", "message": _("请至少填写一个可以申请的年级。")})
        values["eligible_grades"] = grades
    for key, low, high, message in (
        ("interview_minutes", 5, 240, _("每场面试的时长须为 5 到 240 分钟。")),
        ("log_interval_days", 1, 365, _("成长日志间隔须为 1 到 365 天。")),
    ):
        if data.get(key) is not None:
            n = data[key]
            if not isinstance(n, int) or isinstance(n, bool) or not low <= n <= high:
                errors.append({"field": key, "message": message})
            values[key] = n
    for key in ("starts_on", "midterm_on", "final_on"):
        if key in data:
            values[key] = _date(data[key], key, errors)
    if data.get("hours_target") is not None:
        hours = decimal_text(data["hours_target"], "hours_target", errors, maximum=Decimal("10000"))
        if hours is not None:
            values["hours_target"] = plain(hours)
    if not errors:
        current = await settings_of(event_id)
        days = [values.get(k, current[k]) for k in ("starts_on", "midterm_on", "final_on")]
        given = [d for d in days if d is not None]
        if given != sorted(given):
            errors.append({"field": "midterm_on", "message": _("日期须按 开始、中期考核、结业考核 的顺序。")})
    if errors:
        raise ValidationFailed(errors[0]["message"], errors=errors)

    async def work() -> None:
        await lock_event(event_id)
        await store_settings(event_id, values)
        await audit.record(
            actor, "talent.settings", "event", event_id, event_id=event_id, changes=camps._jsonable(values)
        )

    await write_transaction(work)
    return settings_out(await settings_of(event_id))


# --------------------------------------------------------------------------- subjects


async def subjects(event_id: int) -> list[dict[str, Any]]:
    """The event's subjects (its categories) in order: ``[{"id", "code", "name"}]``."""
    rows = (
        await Category.select(Category.id, Category.code, Category.name)
        .where(Category.event == event_id)
        .order_by(Category.position)
        .order_by(Category.id)
    )
    return list(rows)


def _subject_finder(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for s in rows:
        for key in (s["code"].upper(), s["name"], normalize_header(s["name"])):
            out.setdefault(key, s)
    return out


def _find_subject(finder: dict[str, dict[str, Any]], text: str) -> dict[str, Any] | None:
    return finder.get(text.upper()) or finder.get(text) or finder.get(normalize_header(text))


# --------------------------------------------------------------------------- mentors


def _mentor_columns() -> list[Any]:
    return [
        Mentor.all_columns(),
        Mentor.subject.code.as_alias("subject_code"),
        Mentor.subject.name.as_alias("subject_name"),
        Mentor.user.username.as_alias("username"),
    ]


async def mentor_rows(event_id: int) -> list[dict[str, Any]]:
    return list(
        await Mentor.select(*_mentor_columns())
        .where(Mentor.event == event_id)
        .order_by(Mentor.subject.position)
        .order_by(Mentor.position)
        .order_by(Mentor.id)
    )


async def _mentor_counts(event_id: int) -> dict[int, dict[str, int]]:
    """Per mentor id: applicants listing it (approved, not withdrawn) and students matched."""
    counts: dict[int, dict[str, int]] = {}
    rows = (
        await TalentApplication.select(
            TalentApplication.preferences, TalentApplication.mentor, TalentApplication.status
        )
        .where((TalentApplication.event == event_id) & (TalentApplication.status != "withdrawn"))
        .output(load_json=True)
    )
    codes = {m["code"]: m["id"] for m in await Mentor.select(Mentor.id, Mentor.code).where(Mentor.event == event_id)}
    for r in rows:
        for c in r["preferences"] or []:
            if c in codes:
                counts.setdefault(codes[c], {"applicants": 0, "students": 0})["applicants"] += 1
        if r["mentor"] is not None and r["status"] in IN_PROGRAMME:
            counts.setdefault(r["mentor"], {"applicants": 0, "students": 0})["students"] += 1
    return counts


def mentor_out(row: dict[str, Any], counts: dict[str, int] | None = None) -> dict[str, Any]:
    counts = counts or {}
    return {
        "id": row["id"],
        "event_id": row["event"],
        "code": row["code"],
        "username": row["username"],
        "name": row["name"],
        "title": row["title"],
        "subject": row["subject_code"],
        "subject_name": row["subject_name"],
        "capacity": row["capacity"],
        "university": row["university"],
        "lab": row["lab"],
        "topics": row["topics"],
        "profile": row["profile"],
        "public": row["public"],
        "applicants": counts.get("applicants", 0),
        "students": counts.get("students", 0),
    }


async def list_mentors(actor: Principal, event_id: int) -> list[dict[str, Any]]:
    """Every mentor of the event (logged-in users: schools choose from it)."""
    await talent_event(event_id, actor)
    counts = await _mentor_counts(event_id)
    return [mentor_out(r, counts.get(r["id"])) for r in await mentor_rows(event_id)]


async def public_mentors(event_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The public list (no log-in): the event and its public mentors (no counts, no accounts)."""
    event = await talent_event(event_id)
    if event["status"] == "draft":
        raise NotFound(_("该活动不是后备人才培养计划（编号 {id}）。", id=event_id))
    out = []
    for r in await mentor_rows(event_id):
        if r["public"]:
            view = mentor_out(r)
            view.pop("username")
            out.append(view)
    return event, out


async def mentor_row(event_id: int, mentor_id: int) -> dict[str, Any]:
    row = await Mentor.select(*_mentor_columns()).where((Mentor.id == mentor_id) & (Mentor.event == event_id)).first()
    if row is None:
        raise NotFound(_("导师不存在。"))
    return row


async def own_mentor(actor: Principal, event_id: int) -> dict[str, Any]:
    """The caller's mentor row in the event (404 for an unknown event, 403 for other roles, 404 when
    not a mentor there)."""
    await talent_event(event_id, actor)
    if actor.role != "mentor":
        raise Forbidden(_("只有导师可以进行此操作。"))
    row = await Mentor.select(*_mentor_columns()).where((Mentor.event == event_id) & (Mentor.user == actor.id)).first()
    if row is None:
        raise NotFound(_("您不是本计划的导师。"))
    return row


async def mentor_events(actor: Principal) -> list[dict[str, Any]]:
    """A mentor's programmes: ``[{"mentor": row, "event": row}]`` newest first."""
    rows = (
        await Mentor.select(
            *_mentor_columns(),
            Mentor.event.name.as_alias("event_name"),
            Mentor.event.year.as_alias("event_year"),
            Mentor.event.status.as_alias("event_status"),
        )
        .where(Mentor.user == actor.id)
        .order_by(Mentor.event, ascending=False)
    )
    return list(rows)


def _capacity(value: Any, errors: list[dict[str, Any]]) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 50:
        errors.append({"field": "capacity", "message": _("名额须为 0 到 50 的整数。")})
        return None
    return value


def _text(data: dict[str, Any], key: str, limit: int) -> str:
    return (
        clean_text(data.get(key))[:limit]
        if key != "topics" and key != "profile"
        else str(data.get(key) or "").strip()[:limit]
    )


async def _mentor_values(event_id: int, data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    errors: list[dict[str, Any]] = []
    values: dict[str, Any] = {}
    if not partial or "subject" in data:
        finder = _subject_finder(await subjects(event_id))
        subject = _find_subject(finder, clean_text(data.get("subject")))
        if subject is None:
            errors.append(
                {"field": "subject", "message": _("学科“{value}”不存在。", value=clean_text(data.get("subject")))}
            )
        else:
            values["subject"] = subject["id"]
    if not partial or "capacity" in data:
        capacity = _capacity(data.get("capacity", 0), errors)
        if capacity is not None:
            values["capacity"] = capacity
    if not partial or "university" in data:
        university = clean_text(data.get("university"))
        if not university:
            errors.append({"field": "university", "message": _("请填写导师所在高校。")})
        values["university"] = university[:100]
    for key, limit in (("lab", 200), ("title", 50), ("topics", 2000), ("profile", 2000)):
        if not partial or key in data:
            values[key] = _text(data, key, limit)
    if "public" in data and data["public"] is not None:
        values["public"] = bool(data["public"])
    if errors:
        raise ValidationFailed(errors[0]["message"], errors=errors)
    return values


async def create_mentor(actor: Principal, event_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Organizer: ``{"username", "subject", "capacity", "university", "lab"?, "title"?, "topics"?,
    "profile"?, "public"?}``; ``username`` names an existing account of role ``mentor``."""
    require_organizer(actor)
    await talent_event(event_id, actor)
    username = clean_text(data.get("username"))
    user = await User.select(User.id, User.role, User.display_name).where(User.username == username).first()
    if user is None:
        raise ValidationFailed(
            _("账号“{username}”不存在，请先创建导师账号。", username=username),
            errors=[{"field": "username", "message": _("账号不存在。")}],
        )
    if user["role"] != "mentor":
        raise ValidationFailed(
            _("账号“{username}”的角色不是导师。", username=username),
            errors=[{"field": "username", "message": _("账号的角色不是导师。")}],
        )
    values = await _mentor_values(event_id, data, partial=False)

    async def work() -> int:
        await lock_event(event_id)
        if await Mentor.exists().where((Mentor.event == event_id) & (Mentor.user == user["id"])):
            raise ValidationFailed(
                _("“{username}”已经是本计划的导师。", username=username),
                errors=[{"field": "username", "message": _("已经是本计划的导师。")}],
            )
        position = await Mentor.count().where(Mentor.event == event_id)
        row = await Mentor.insert(
            Mentor(
                event=event_id,
                user=user["id"],
                code=username,
                name=(user["display_name"] or username)[:64],
                position=position,
                created_at=now(),
                **values,
            )
        ).returning(Mentor.id)
        mentor_id = int(row[0]["id"])
        await audit.record(
            actor,
            "talent.mentor.create",
            "talent_mentor",
            mentor_id,
            event_id=event_id,
            summary=username,
            changes=camps._jsonable(values),
        )
        return mentor_id

    mentor_id = await write_transaction(work)
    return mentor_out(await mentor_row(event_id, mentor_id))


async def update_mentor(actor: Principal, event_id: int, mentor_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Organizer: any of the create fields but ``username``; the mentor itself (role ``mentor``, its
    own row): ``title``, ``lab``, ``topics``, ``profile``, ``public``. The subject cannot change once
    an application names the mentor, nor the capacity drop below the students matched with it (409)."""
    row = await mentor_row(event_id, mentor_id)
    await talent_event(event_id, actor)
    if actor.role == "mentor" and row["user"] == actor.id:
        data = {k: v for k, v in data.items() if k in ("title", "lab", "topics", "profile", "public")}
    elif not actor.is_organizer:
        raise Forbidden(_("只有组委会或导师本人可以修改导师信息。"))
    values = await _mentor_values(event_id, data, partial=True)

    async def work() -> None:
        await lock_event(event_id)
        if "subject" in values and values["subject"] != row["subject"] and await _mentor_named(event_id, row["code"]):
            raise Conflict(_("已有申请填报了这位导师，不能再改学科。"))
        if "capacity" in values:
            taken = await TalentApplication.count().where(
                (TalentApplication.mentor == mentor_id) & TalentApplication.status.is_in(list(IN_PROGRAMME))
            )
            if values["capacity"] < taken:
                raise Conflict(
                    _("导师“{name}”已有 {n} 名学生，名额不能少于 {n}。", name=row["name"], n=taken),
                    extra={"field": "capacity", "students": taken},
                )
        if values:
            await Mentor.update({getattr(Mentor, k): v for k, v in values.items()}).where(Mentor.id == mentor_id)
        await audit.record(
            actor,
            "talent.mentor.update",
            "talent_mentor",
            mentor_id,
            event_id=event_id,
            summary=row["code"],
            changes=camps._jsonable(values),
        )

    await write_transaction(work)
    counts = await _mentor_counts(event_id)
    return mentor_out(await mentor_row(event_id, mentor_id), counts.get(mentor_id))


async def _mentor_named(event_id: int, code: str) -> bool:
    rows = (
        await TalentApplication.select(TalentApplication.preferences)
        .where((TalentApplication.event == event_id) & (TalentApplication.status != "withdrawn"))
        .output(load_json=True)
    )
    return any(code in (r["preferences"] or []) for r in rows)


async def delete_mentor(actor: Principal, event_id: int, mentor_id: int) -> None:
    require_organizer(actor)
    row = await mentor_row(event_id, mentor_id)

    async def work() -> None:
        await lock_event(event_id)
        if await _mentor_named(event_id, row["code"]):
            raise Conflict(_("已有申请填报了这位导师，不能删除。"))
        await Mentor.delete().where(Mentor.id == mentor_id)
        await audit.record(
            actor, "talent.mentor.delete", "talent_mentor", mentor_id, event_id=event_id, summary=row["code"]
        )

    await write_transaction(work)


class _Mentors:
    """Mentors of an event found by username (any case) or by name (when no other mentor has it)."""

    def __init__(self, rows: list[dict[str, Any]]):
        self.by_code = {r["code"].upper(): r for r in rows}
        names: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            names.setdefault(r["name"], []).append(r)
        self.by_name = names

    def find(self, text: str) -> tuple[dict[str, Any] | None, bool]:
        """``(mentor, ambiguous)``."""
        row = self.by_code.get(text.upper())
        if row is not None:
            return row, False
        named = self.by_name.get(text, [])
        if len(named) > 1:
            return None, True
        return (named[0] if named else None), False


# --------------------------------------------------------------------------- applications: checking


@dataclass
class ApplicantInput:
    """One application as typed in the form or a workbook row."""

    member: MemberInput
    school_id: int
    subject: str
    preferences: list[str]
    statement: str = ""
    row: int | None = None  # workbook row


@dataclass
class _Clean:
    member: CleanMember
    school_id: int
    subject: dict[str, Any]
    preferences: list[str]
    statement: str
    row: int | None
    problems: list[dict[str, Any]] = field(default_factory=list)


def _where(a: ApplicantInput, column: str, field_name: str) -> dict[str, Any]:
    return {"row": a.row, "column": column} if a.row is not None else {"field": field_name}


MEMBER_COLUMNS = {
    "name": roster.NAME,
    "gender": roster.GENDER,
    "id_type": roster.ID_TYPE,
    "id_number": roster.ID_NUMBER,
    "grade": roster.GRADE,
    "phone": roster.PHONE,
    "role": roster.ROLE,
}


def _check_one(
    a: ApplicantInput, settings: dict[str, Any], finder: dict[str, dict[str, Any]], mentors: _Mentors
) -> tuple[_Clean | None, list[dict[str, Any]]]:
    errors: list[dict[str, Any]] = []
    # the grade is checked against the programme's eligible grades below, with the programme's words
    # (not the contest's "作品报的是高中组"), and only for students: an adviser's row is refused by role
    member, member_errors = clean_member(a.member, None)
    role = a.member.role if a.member.role in ("student", "adviser") else normalize_role(a.member.role)
    for f, m in member_errors:
        errors.append({**_where(a, MEMBER_COLUMNS.get(f, roster.NAME), f), "message": m})
    if role == "adviser":
        errors.append({**_where(a, roster.ROLE, "role"), "message": _("后备人才培养计划只接受学生的申请。")})
    grade = clean_text(a.member.grade)
    if role == "student" and grade and grade not in settings["eligible_grades"]:
        errors.append(
            {
                **_where(a, roster.GRADE, "grade"),
                "message": _(
                    "年级“{grade}”不能申请：本计划只招收{grades}学生。",
                    grade=grade,
                    grades="、".join(settings["eligible_grades"]),
                ),
            }
        )
    subject_text = clean_text(a.subject)
    subject = _find_subject(finder, subject_text) if subject_text else None
    if not subject_text:
        errors.append({**_where(a, SUBJECT_COLUMN, "subject"), "message": _("请填写学科。")})
    elif subject is None:
        errors.append(
            {**_where(a, SUBJECT_COLUMN, "subject"), "message": _("没有名为“{value}”的学科。", value=subject_text)}
        )
    given = [clean_text(p) for p in a.preferences]
    while given and not given[-1]:
        given.pop()
    if not given or not given[0]:
        errors.append(
            {**_where(a, PREFERENCE_COLUMNS[0], "preferences"), "message": _("请填写导师志愿1（导师账号或姓名）。")}
        )
    if len(given) > MAX_PREFERENCES:
        errors.append({**_where(a, PREFERENCE_COLUMNS[0], "preferences"), "message": _("最多填写 3 个导师志愿。")})
        given = given[:MAX_PREFERENCES]
    prefs: list[str] = []
    for k, text in enumerate(given):
        column = PREFERENCE_COLUMNS[k]
        if not text:
            if k:
                errors.append(
                    {
                        **_where(a, column, "preferences"),
                        "message": _("志愿须按顺序填写：{column}不能空着。", column=column),
                    }
                )
            continue
        mentor, ambiguous = mentors.find(text)
        if ambiguous:
            errors.append(
                {
                    **_where(a, column, "preferences"),
                    "message": _("有不止一位导师叫“{value}”，请填写导师账号。", value=text),
                }
            )
            continue
        if mentor is None:
            errors.append({**_where(a, column, "preferences"), "message": _("没有名为“{value}”的导师。", value=text)})
            continue
        if mentor["code"] in prefs:
            errors.append(
                {**_where(a, column, "preferences"), "message": _("导师“{name}”填了两次。", name=mentor["name"])}
            )
            continue
        if subject is not None and mentor["subject"] != subject["id"]:
            errors.append(
                {
                    **_where(a, column, "preferences"),
                    "message": _(
                        "导师“{name}”指导的学科是{mentor_subject}，不是{subject}。",
                        name=mentor["name"],
                        mentor_subject=mentor["subject_name"],
                        subject=subject["name"],
                    ),
                }
            )
            continue
        prefs.append(mentor["code"])
    statement = str(a.statement or "").strip()
    if len(statement) > MAX_STATEMENT:
        errors.append(
            {
                **_where(a, STATEMENT_COLUMN, "statement"),
                "message": _("申请陈述最多 {n} 个字。", n=MAX_STATEMENT),
            }
        )
    if errors or member is None or subject is None:
        return None, errors
    return _Clean(member, a.school_id, subject, prefs, statement, a.row), []


async def _year_applications(year: int, hashes: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Applications of the year's talent events (not withdrawn) naming these students."""
    found: dict[str, list[dict[str, Any]]] = {}
    for start in range(0, len(hashes), 500):
        chunk = hashes[start : start + 500]
        for r in await TalentApplication.select(
            TalentApplication.id,
            TalentApplication.student_hash,
            TalentApplication.school,
            TalentApplication.event.name.as_alias("event_name"),
            TalentApplication.entry.title.as_alias("name"),
        ).where(
            (TalentApplication.year == year)
            & TalentApplication.student_hash.is_in(chunk)
            & (TalentApplication.status != "withdrawn")
        ):
            found.setdefault(r["student_hash"], []).append(r)
    return found


async def _check_duplicates(actor: Principal, event: dict[str, Any], cleaned: list[_Clean]) -> list[dict[str, Any]]:
    """One application per student per year: rows naming the same student twice, and students the
    same school (an organizer: any school) already applied for this year. As for camps, a school's
    answer never depends on other schools' applications: those pairs go to the office
    (:func:`duplicate_map`)."""
    errors: list[dict[str, Any]] = []
    seen: dict[str, int | None] = {}
    for c in cleaned:
        h = c.member.id_hash or ""
        where = {"row": c.row, "column": roster.ID_NUMBER} if c.row else {"field": "id_number"}
        if h in seen:
            errors.append({**where, "message": _("第 {first} 行和这一行是同一名学生，请删除其中一行。", first=seen[h])})
        else:
            seen[h] = c.row
    found = await _year_applications(event["year"], sorted(seen))
    own_school = actor.school_id if actor.role == "school" else None
    for c in cleaned:
        for f in found.get(c.member.id_hash or "", []):
            if own_school is not None and f["school"] != own_school:
                continue
            errors.append(
                {
                    **({"row": c.row, "column": roster.ID_NUMBER} if c.row else {"field": "id_number"}),
                    "message": _(
                        "学生“{name}”今年已申请过后备人才培养计划（{event}，申请编号 {id}），每名学生每年只能申请一次。",
                        name=c.member.name,
                        event=f["event_name"],
                        id=f["id"],
                    ),
                }
            )
            break
    return errors


async def duplicate_map(event_id: int) -> dict[int, list[int]]:
    """For each application of the event (not withdrawn) naming a student another application of the
    same year names: the ids of the others."""
    event = await get_event_row(event_id)
    rows = await TalentApplication.select(TalentApplication.id, TalentApplication.student_hash).where(
        (TalentApplication.event == event_id) & (TalentApplication.status != "withdrawn")
    )
    found = await _year_applications(event["year"], sorted({r["student_hash"] for r in rows}))
    out: dict[int, list[int]] = {}
    for r in rows:
        others = sorted(f["id"] for f in found.get(r["student_hash"], []) if f["id"] != r["id"])
        if others:
            out[r["id"]] = others
    return out


async def _registration_open(actor: Principal, event: dict[str, Any]) -> None:
    """Schools apply while applications are open; the office until the interviews are invited."""
    if actor.is_organizer:
        if (await settings_of(event["id"]))["invited_at"] is not None:
            raise Conflict(_("面试邀请已经发出，不能再添加申请。"))
        return
    stage = await lifecycle.stage_of(event)
    if stage is not Stage.OPEN:
        raise Conflict(_("申请未开放或已截止（{stage}）。", stage=_(stage.label)))


async def _check_all(
    actor: Principal, event: dict[str, Any], inputs: list[ApplicantInput]
) -> tuple[list[_Clean], list[dict[str, Any]]]:
    settings = await settings_of(event["id"])
    finder = _subject_finder(await subjects(event["id"]))
    mentors = _Mentors(await mentor_rows(event["id"]))
    cleaned: list[_Clean] = []
    errors: list[dict[str, Any]] = []
    for a in inputs:
        c, problems = _check_one(a, settings, finder, mentors)
        errors += problems
        if c is not None:
            cleaned.append(c)
    errors += await _check_duplicates(actor, event, cleaned)
    return cleaned, errors


async def _write_applications(actor: Principal, event: dict[str, Any], cleaned: list[_Clean]) -> list[int]:
    """Store clean applications in one transaction (entries, members, talent rows, audit)."""
    event_id = event["id"]
    status = entries.entry_status(actor)
    rows = await entries.personal_columns([c.member for c in cleaned])

    async def work() -> list[int]:
        await lock_event(event_id)
        if actor.is_organizer and (await settings_of(event_id))["invited_at"] is not None:
            raise Conflict(_("面试邀请已经发出，不能再添加申请。"))
        dupes = await _check_duplicates(actor, event, cleaned)  # again under the lock
        if dupes:
            raise ValidationFailed(_("有 {n} 处错误，没有保存任何申请。", n=len(dupes)), errors=dupes)
        stamp = now()
        made = await entries.create_entries(
            actor,
            event_id,
            [
                entries.NewEntry(c.member, columns, c.school_id, c.subject, summary=c.statement[:2000])
                for c, columns in zip(cleaned, rows)
            ],
            division=DIVISION,
            status=status,
            stamp=stamp,
        )
        ids = await entries.insert_per_entry(
            TalentApplication,
            [
                {
                    "event": event_id,
                    "entry": entry.id,
                    "school": c.school_id,
                    "year": event["year"],
                    "student_hash": c.member.id_hash,
                    "subject": c.subject["id"],
                    "preferences": c.preferences,
                    "statement": c.statement,
                    "status": "applied",
                    "created_at": stamp,
                    "updated_at": stamp,
                }
                for c, entry in zip(cleaned, made)
            ],
        )
        records = [
            audit.AuditRecord(
                action="talent.apply",
                object_type="talent_application",
                object_id=application_id,
                event_id=event_id,
                entry_id=entry.id,
                school_id=c.school_id,
                summary=f"{entry.code} {c.member.name}",
                changes={"subject": [None, c.subject["code"]], "preferences": [None, c.preferences]},
            )
            for c, entry, application_id in zip(cleaned, made, ids)
        ]
        await audit.record_many(actor, records, at=stamp)
        return ids

    return await write_transaction(work)


async def apply(actor: Principal, event_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """A school (for its own student) or the office (``school_code``) applies through the web form:
    ``{"name", "gender", "id_type"?, "id_number", "grade", "phone", "subject", "preferences": [...],
    "statement"?, "consent_participation", "consent_publication"?, "school_code"?}``."""
    event = await talent_event(event_id, actor)
    school_id = await camps.acting_school(
        actor, data, _("只有学校管理员或组委会可以提交申请。"), missing=_("请填写学校代码。")
    )
    await _registration_open(actor, event)
    if not data.get("consent_participation"):
        raise ValidationFailed(
            _("请确认已取得监护人同意参加培养计划。"),
            errors=[{"field": "consent_participation", "message": _("需要监护人同意。")}],
        )
    inputs = [
        ApplicantInput(
            entries.form_student(data),
            school_id,
            str(data.get("subject") or ""),
            list(data.get("preferences") or []),
            str(data.get("statement") or ""),
        )
    ]
    cleaned, errors = await _check_all(actor, event, inputs)
    if errors:
        raise ValidationFailed("；".join(e["message"] for e in errors), errors=errors)
    ids = await _write_applications(actor, event, cleaned)
    return await get_application(actor, ids[0])


def _cell(values: tuple[Any, ...], index: int | None) -> Any:
    return values[index] if index is not None and index < len(values) else None


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
        SUBJECT_COLUMN,
        PREFERENCE_COLUMNS[0],
    ]
    optional = [roster.ID_TYPE, roster.ROLE, *PREFERENCE_COLUMNS[1:], STATEMENT_COLUMN, roster.CONSENT]
    aliases = {**roster.HEADER_ALIASES, SUBJECT_COLUMN: ("学科类别", "申请学科", "类别")}
    students, errors, count = entries.read_students(data, schools, actor, required, optional, aliases)
    inputs = [
        ApplicantInput(
            s.member,
            s.school_id,
            clean_text(s.cell(SUBJECT_COLUMN)),
            [clean_text(s.cell(c)) for c in PREFERENCE_COLUMNS],
            str(s.cell(STATEMENT_COLUMN) or ""),
            row=s.row,
        )
        for s in students
    ]
    return inputs, errors, count


async def import_applications(actor: Principal, event_id: int, data: bytes) -> dict[str, int]:
    """The registration workbook of a talent event (CONTRACT: student columns + 学科, 导师志愿1–3,
    optional 申请陈述 and 同意公开姓名). All or nothing: every problem as ``{"row", "column",
    "message"}`` (422), else every row stored in one transaction. Returns ``{"applications_created"}``."""
    if actor.role not in ("organizer", "school"):
        raise Forbidden(_("只有学校管理员或组委会可以导入报名表。"))
    event = await talent_event(event_id, actor)
    await _registration_open(actor, event)
    schools = await School.select(School.id, School.code, School.name)
    inputs, errors, count = await asyncio.to_thread(_parse_workbook, data, schools, actor)
    if count == 0:
        raise entries.no_rows()
    cleaned, more = await _check_all(actor, event, inputs)
    errors += more
    if errors:
        raise entries.row_errors("talent", errors)
    ids = await _write_applications(actor, event, cleaned)
    return {"applications_created": len(ids)}


# --------------------------------------------------------------------------- applications: reading


def _application_columns() -> list[Any]:
    return [
        TalentApplication.all_columns(),
        TalentApplication.entry.title.as_alias("name"),
        TalentApplication.entry.code.as_alias("entry_code"),
        TalentApplication.entry.status.as_alias("entry_status"),
        TalentApplication.school.code.as_alias("school_code"),
        TalentApplication.school.name.as_alias("school_name"),
        TalentApplication.school.region.as_alias("region_code"),
        TalentApplication.subject.code.as_alias("subject_code"),
        TalentApplication.subject.name.as_alias("subject_name"),
        TalentApplication.mentor.code.as_alias("mentor_code"),
        TalentApplication.mentor.name.as_alias("mentor_name"),
        TalentApplication.mentor.university.as_alias("mentor_university"),
    ]


async def application_rows(event_id: int, where: Any = None) -> list[dict[str, Any]]:
    query = TalentApplication.select(*_application_columns()).output(load_json=True)
    condition = TalentApplication.event == event_id
    if where is not None:
        condition &= where
    return list(await query.where(condition).order_by(TalentApplication.id))


async def _students(entry_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Entry id -> the student's name, gender, grade, member id and consent (never ID, phone or birth
    date: mentors see these views)."""
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(entry_ids), 900):
        part = entry_ids[start : start + 900]
        for m in await Member.select(
            Member.id, Member.entry, Member.name, Member.gender, Member.grade, Member.consent_publication
        ).where(Member.entry.is_in(part) & (Member.role == "student")):
            out[m["entry"]] = m
    return out


def application_view(row: dict[str, Any], student: dict[str, Any] | None = None) -> dict[str, Any]:
    """An application as the office, a city or a school lists it (CONTRACT's camp shape: ``preferences``
    are mentor codes, ``site_code`` the matched mentor's)."""
    student = student or {}
    matched = row["status"] in IN_PROGRAMME
    return {
        "id": row["id"],
        "entry_id": row["entry"],
        "entry_code": row["entry_code"],
        "name": row["name"],
        "school_code": row["school_code"],
        "school_name": row["school_name"],
        "preferences": list(row["preferences"] or []),
        "priority_group": None,
        "priority_checked": False,
        "review_status": row["entry_status"],
        "status": row["status"],
        "site_code": row["mentor_code"] if matched else None,
        "preference_rank": row["preference_rank"] if matched else None,
        "waiting_position": None,
        "waiting_positions": {},
        "offer_expires_at": None,
        "lottery_number": None,
        "subject": row["subject_code"],
        "subject_name": row["subject_name"],
        "grade": student.get("grade", ""),
        "gender": student.get("gender", ""),
        "test_score": row["test_score"],
        "mentor_name": row["mentor_name"] if matched else None,
        "statement": row["statement"],
    }


def _visible(actor: Principal, row: dict[str, Any]) -> bool:
    return actor.can_see_school(row["school"], row["region_code"])


async def list_applications(
    actor: Principal, event_id: int, filters: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Applications the caller may see (organizer all; a city its schools'; a school its own).
    ``filters``: ``status``, ``site`` (a mentor code listed or matched), ``school``, ``subject``, ``q``."""
    if actor.role not in ("organizer", "city", "school"):
        raise Forbidden(_("您无权查看申请。"))
    await talent_event(event_id, actor)
    rows = [r for r in await application_rows(event_id) if _visible(actor, r)]
    filters = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    out = []
    students = await _students([r["entry"] for r in rows])
    dupes = await duplicate_map(event_id) if actor.is_organizer else {}
    mentors = {m["code"]: m for m in await mentor_rows(event_id)}
    for r in rows:
        if "status" in filters and r["status"] != filters["status"]:
            continue
        if (
            "site" in filters
            and filters["site"] not in (r["preferences"] or [])
            and r["mentor_code"] != filters["site"]
        ):
            continue
        if "school" in filters and r["school_code"] != filters["school"]:
            continue
        if "subject" in filters and r["subject_code"] != filters["subject"]:
            continue
        if "q" in filters and filters["q"] not in r["name"] and filters["q"] not in r["entry_code"]:
            continue
        view = application_view(r, students.get(r["entry"]))
        view["explanation"] = explain(r, mentors)  # the matching in words, as one application's answer has it
        if actor.is_organizer:
            view["duplicate_of"] = dupes.get(r["id"], [])
        out.append(view)
    return out


async def application_row(application_id: int) -> dict[str, Any] | None:
    return (
        await TalentApplication.select(*_application_columns())
        .output(load_json=True)
        .where(TalentApplication.id == application_id)
        .first()
    )


async def visible_application(actor: Principal, application_id: int) -> dict[str, Any]:
    """The application row if the office, its city or school, or a mentor it listed (once invited) or
    is matched with may see it; else 404."""
    row = await application_row(application_id)
    if row is None:
        raise NotFound(_("申请不存在或您无权查看。"))
    if _visible(actor, row):
        return row
    if actor.role == "mentor":
        mentor = (
            await Mentor.select(Mentor.id, Mentor.code)
            .where((Mentor.event == row["event"]) & (Mentor.user == actor.id))
            .first()
        )
        if mentor is not None and mentor_may_see(mentor, row):
            return row
    raise NotFound(_("申请不存在或您无权查看。"))


def mentor_may_see(mentor: dict[str, Any], row: dict[str, Any]) -> bool:
    """A mentor sees its own students, and the applicants who listed it once they are invited."""
    if row["mentor"] == mentor["id"] and row["status"] in IN_PROGRAMME:
        return True
    return row["status"] not in ("applied", "not_invited", "withdrawn") and mentor["code"] in (row["preferences"] or [])


async def get_application(actor: Principal, application_id: int) -> dict[str, Any]:
    row = await visible_application(actor, application_id)
    if actor.role == "mentor":
        return (await mentor_view_rows(actor, row["event"], [row]))[0]
    students = await _students([row["entry"]])
    view = application_view(row, students.get(row["entry"]))
    mentors = {m["code"]: m for m in await mentor_rows(row["event"])}
    view["explanation"] = explain(row, mentors)
    return view


async def mentor_view_rows(actor: Principal, event_id: int, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a mentor sees of applications: name, gender, grade, school, subject, statement, test
    score, its own interview, its own ranking, status (for its own students the growth state). No
    ID numbers, phones or birth dates, no other mentor's scores or rankings."""
    mentor = await own_mentor(actor, event_id)
    ids = [r["id"] for r in rows]
    students = await _students([r["entry"] for r in rows])
    interviews = {
        i["application"]: i
        for i in await Interview.select().where(
            (Interview.mentor == mentor["id"]) & Interview.application.is_in(ids or [0])
        )
    }
    choices = {
        c["application"]: c
        for c in await MentorChoice.select().where(
            (MentorChoice.mentor == mentor["id"]) & MentorChoice.application.is_in(ids or [0])
        )
    }
    out = []
    for r in rows:
        s = students.get(r["entry"], {})
        i = interviews.get(r["id"])
        c = choices.get(r["id"])
        mine = r["mentor"] == mentor["id"] and r["status"] in IN_PROGRAMME
        prefs = r["preferences"] or []
        out.append(
            {
                "id": r["id"],
                "entry_id": r["entry"],
                "entry_code": r["entry_code"],
                "name": r["name"],
                "gender": s.get("gender", ""),
                "grade": s.get("grade", ""),
                "school_name": r["school_name"],
                "subject": r["subject_code"],
                "subject_name": r["subject_name"],
                "statement": r["statement"],
                "test_score": r["test_score"],
                "preference_rank": prefs.index(mentor["code"]) + 1 if mentor["code"] in prefs else None,
                "status": r["status"] if mine or r["status"] in ("invited", "applied") else "other",
                "student": mine,
                "interview_id": i["id"] if i else None,
                "interview_at": i["starts_at"] if i else None,
                "interview_place": i["place"] if i else "",
                "interview_score": i["score"] if i else None,
                "rank": c["rank"] if c else None,
                "refused": bool(c and c["refused"]),
                "note": c["note"] if c else "",
                "member_id": s.get("id") if mine else None,
            }
        )
    return out


async def mentor_applicants(actor: Principal, event_id: int) -> dict[str, Any]:
    """A mentor's page data: its row, the invited applicants who listed it (interview order) and its
    students."""
    mentor = await own_mentor(actor, event_id)
    rows = [r for r in await application_rows(event_id) if mentor_may_see(mentor, r)]
    views = await mentor_view_rows(actor, event_id, rows)
    applicants = sorted(
        (v for v in views if v["interview_id"] is not None or not v["student"]),
        key=lambda v: (v["interview_at"] is None, v["interview_at"].timestamp() if v["interview_at"] else 0, v["id"]),
    )
    return {
        "mentor": mentor_out(mentor),
        "applicants": applicants,
        "students": [v for v in views if v["student"]],
        "settings": settings_out(await settings_of(event_id)),
    }


async def withdraw(actor: Principal, application_id: int) -> dict[str, Any]:
    """The school (or the office) withdraws an application before the matching is applied."""
    row = await visible_application(actor, application_id)
    if not (actor.is_organizer or (actor.role == "school" and actor.school_id == row["school"])):
        raise Forbidden(_("只有本校管理员或组委会可以撤回申请。"))

    async def work() -> None:
        await lock_event(row["event"])
        current = await application_row(application_id)
        assert current is not None
        if current["status"] in IN_PROGRAMME or current["status"] == "withdrawn":
            raise Conflict(_("申请状态为“{status}”，不能撤回。", status=_(STATUS_LABELS[current["status"]])))
        stamp = now()
        await TalentApplication.update(
            {TalentApplication.status: "withdrawn", TalentApplication.updated_at: stamp}
        ).where(TalentApplication.id == application_id)
        await Entry.update({Entry.status: "withdrawn", Entry.updated_at: stamp}).where(Entry.id == row["entry"])
        await audit.record(
            actor,
            "talent.withdraw",
            "talent_application",
            application_id,
            event_id=row["event"],
            entry_id=row["entry"],
            school_id=row["school"],
            changes={"status": [current["status"], "withdrawn"]},
        )

    await write_transaction(work)
    return await get_application(actor, application_id)


async def counts(event_id: int) -> dict[str, int]:
    rows = await TalentApplication.select(TalentApplication.status).where(TalentApplication.event == event_id)
    out: dict[str, int] = {}
    for r in rows:
        out[r["status"]] = out.get(r["status"], 0) + 1
    return {k: out[k] for k in STATUS_LABELS if k in out}


# --------------------------------------------------------------------------- aptitude test scores


def _parse_scores(data: bytes) -> tuple[list[tuple[int, str, str, Any]], list[dict[str, Any]]]:
    """Rows ``(row number, id number, application ref, score cell)``; header problems raise."""
    wb = open_workbook(data)
    try:
        try:
            table = find_table(
                wb, [SCORE_COLUMNS["score"]], optional=[SCORE_COLUMNS["id"], SCORE_COLUMNS["application"]],
                aliases=SCORE_ALIASES,
            )  # fmt: skip
        except ValidationFailed:
            raise
        idx = table.columns
        if SCORE_COLUMNS["id"] not in idx and SCORE_COLUMNS["application"] not in idx:
            message = _("成绩表须有“证件号”或“申请编号”列。")
            raise ValidationFailed(message, errors=[{"row": None, "column": SCORE_COLUMNS["id"], "message": message}])
        out: list[tuple[int, str, str, Any]] = []
        errors: list[dict[str, Any]] = []
        for number, values in table.rows:
            if not any(clean_text(v) for v in values or ()):
                continue
            try:
                id_number = digits_text(_cell(values, idx.get(SCORE_COLUMNS["id"])))
            except LostDigits as exc:
                errors.append(
                    {
                        "row": number,
                        "column": SCORE_COLUMNS["id"],
                        "message": _("证件号被 Excel 当成数字保存，后几位已经丢失（现在是 {value}）。", value=str(exc)),
                    }
                )
                continue
            ref = clean_text(_cell(values, idx.get(SCORE_COLUMNS["application"])))
            out.append((number, id_number, ref, _cell(values, idx[SCORE_COLUMNS["score"]])))
        return out, errors
    finally:
        wb.close()


async def import_scores(actor: Principal, event_id: int, data: bytes) -> dict[str, Any]:
    """Office: the aptitude test scores (学科潜质测试) as a workbook with ``分数`` and ``证件号`` or
    ``申请编号`` (the application id or its entry code) per row. All or nothing (422 naming row and
    column). Only approved applications are tested. Returns ``{"scores_recorded"}``."""
    require_organizer(actor)
    await talent_event(event_id, actor)
    rows, errors = await asyncio.to_thread(_parse_scores, data)
    if not rows and not errors:
        raise ValidationFailed(_("成绩表中没有数据。"))
    apps = await application_rows(event_id, TalentApplication.status != "withdrawn")
    by_hash = {r["student_hash"]: r for r in apps}
    by_ref = {str(r["id"]): r for r in apps} | {r["entry_code"].upper(): r for r in apps}
    scores: dict[int, Decimal] = {}
    seen: dict[int, int] = {}
    for number, id_number, ref, cell in rows:
        target = None
        column = SCORE_COLUMNS["application"] if ref else SCORE_COLUMNS["id"]
        if ref:
            target = by_ref.get(ref.upper())
        elif id_number:
            for id_type in ID_TYPES:
                target = by_hash.get(keyed_hash(f"{id_type}:{id_number}"))
                if target is not None:
                    break
        else:
            errors.append({"row": number, "column": column, "message": _("请填写证件号或申请编号。")})
            continue
        if target is None:
            errors.append({"row": number, "column": column, "message": _("找不到这一行的申请。")})
            continue
        if target["entry_status"] != "approved":
            errors.append({"row": number, "column": column, "message": _("这份申请还没有通过审核，不能录入成绩。")})
            continue
        if target["id"] in seen:
            errors.append(
                {
                    "row": number,
                    "column": column,
                    "message": _("第 {first} 行已录入这份申请的成绩。", first=seen[target["id"]]),
                }
            )
            continue
        problems: list[dict[str, Any]] = []
        score = decimal_text(cell, "score", problems, maximum=MAX_SCORE) if cell not in (None, "") else None
        if score is None:
            errors.append(
                {
                    "row": number,
                    "column": SCORE_COLUMNS["score"],
                    "message": problems[0]["message"] if problems else _("请填写分数。"),
                }
            )
            continue
        seen[target["id"]] = number
        scores[target["id"]] = score
    if errors:
        raise ValidationFailed(
            _("成绩表有 {n} 处错误，没有导入任何成绩。", n=len(errors)),
            errors=sorted(errors, key=lambda e: e.get("row") or 0),
        )

    async def work() -> None:
        await lock_event(event_id)
        if (await settings_of(event_id))["invited_at"] is not None:
            raise Conflict(_("面试邀请已经发出，成绩不能再改。"))
        stamp = now()
        for i, score in scores.items():
            await TalentApplication.update(
                {
                    TalentApplication.test_score: plain(score),
                    TalentApplication.test_recorded_at: stamp,
                    TalentApplication.updated_at: stamp,
                }
            ).where(TalentApplication.id == i)
        await audit.record(
            actor,
            "talent.scores",
            "event",
            event_id,
            event_id=event_id,
            summary=_("录入潜质测试成绩 {n} 条", n=len(scores)),
        )

    await write_transaction(work)
    return {"scores_recorded": len(scores)}


async def _seats_by_subject(event_id: int) -> dict[int, int]:
    seats: dict[int, int] = {}
    for m in await Mentor.select(Mentor.subject, Mentor.capacity).where(Mentor.event == event_id):
        seats[m["subject"]] = seats.get(m["subject"], 0) + m["capacity"]
    return seats


async def cutoff_preview(actor: Principal, event_id: int, step: Any = None) -> dict[str, Any]:
    """Office: per subject, how many approved applicants with a score pass at each cut-off (rows
    stepping down by ``step`` points, default 5; ``step=0``: one row per distinct score), beside the
    mentors' seats, the cut-off set now and how many it passes."""
    require_organizer(actor)
    await talent_event(event_id, actor)
    errors: list[dict[str, Any]] = []
    step_value = Decimal(5) if step in (None, "") else decimal_text(step, "step", errors, maximum=MAX_SCORE)
    if errors or step_value is None:
        raise ValidationFailed(errors[0]["message"] if errors else _("步长无效。"), errors=errors)
    settings = await settings_of(event_id)
    apps = await application_rows(event_id, TalentApplication.status != "withdrawn")
    seats = await _seats_by_subject(event_id)
    out = []
    for s in await subjects(event_id):
        mine = [r for r in apps if r["subject"] == s["id"] and r["entry_status"] == "approved"]
        scores = [Decimal(r["test_score"]) for r in mine if r["test_score"] is not None]
        cut = settings["cutoffs"].get(s["code"])
        rows = cutoff_rules.preview(scores, seats.get(s["id"], 0), step_value or None)
        out.append(
            {
                "code": s["code"],
                "name": s["name"],
                "applicants": len(mine),
                "tested": len(scores),
                "seats": seats.get(s["id"], 0),
                "cutoff": cut,
                "passing": cutoff_rules.passing(scores, Decimal(cut)) if cut is not None else None,
                "rows": [
                    {
                        "cutoff": plain(r.cutoff),
                        "passing": r.passing,
                        "ratio": str(r.ratio) if r.ratio is not None else None,
                    }
                    for r in rows
                ],
            }
        )
    return {"step": plain(step_value), "subjects": out}


async def set_cutoffs(actor: Principal, event_id: int, values: dict[str, Any]) -> dict[str, Any]:
    """Office: the cut-off per subject code (``{"MA": "75"}``; ``null`` clears one), before invitations."""
    require_organizer(actor)
    await talent_event(event_id, actor)
    codes = {s["code"] for s in await subjects(event_id)}
    errors: list[dict[str, Any]] = []
    cleaned: dict[str, str | None] = {}
    for code, value in (values or {}).items():
        if code not in codes:
            errors.append({"field": "cutoffs", "message": _("学科“{value}”不存在。", value=code)})
            continue
        if value in (None, ""):
            cleaned[code] = None
            continue
        number = decimal_text(value, "cutoffs", errors, maximum=MAX_SCORE)
        if number is not None:
            cleaned[code] = plain(number)
    if errors:
        raise ValidationFailed(errors[0]["message"], errors=errors)

    async def work() -> None:
        await lock_event(event_id)
        settings = await settings_of(event_id)
        if settings["invited_at"] is not None:
            raise Conflict(_("面试邀请已经发出，分数线不能再改。"))
        merged = {k: v for k, v in {**(settings["cutoffs"] or {}), **cleaned}.items() if v is not None}
        await store_settings(event_id, {"cutoffs": merged})
        await audit.record(
            actor,
            "talent.cutoffs",
            "event",
            event_id,
            event_id=event_id,
            changes={"cutoffs": [settings["cutoffs"], merged]},
        )

    await write_transaction(work)
    return settings_out(await settings_of(event_id))


def _time(value: Any, field_name: str) -> dt.datetime:
    from competitions.checkin.services import parse_time

    try:
        parsed = parse_time(value, field_name)
    except ValidationFailed as exc:  # the API's errors list names the field (CONTRACT)
        raise ValidationFailed(exc.message, errors=[{"field": field_name, "message": exc.message}]) from None
    if parsed is None:
        raise ValidationFailed(
            _("请填写面试开始时间。"), errors=[{"field": field_name, "message": _("请填写面试开始时间。")}]
        )
    return parsed


async def invite(actor: Principal, event_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Office: with the cut-offs set for every subject, invite the approved applicants scoring at least
    their subject's cut-off to interviews with each mentor they listed: ``{"starts_at", "place"?}``;
    each mentor's interviews follow one another from ``starts_at`` every ``interview_minutes``
    (applicants by test score, best first), and no applicant has two interviews at the same time (an
    interview waits until both the mentor and the applicant are free). The others become
    ``not_invited``. Once (409 after)."""
    require_organizer(actor)
    await talent_event(event_id, actor)
    starts_at = _time(data.get("starts_at"), "starts_at")
    place = clean_text(data.get("place"))[:200]

    async def work() -> dict[str, int]:
        await lock_event(event_id)
        settings = await settings_of(event_id)
        if settings["invited_at"] is not None:
            raise Conflict(_("面试邀请已经发出。"))
        subject_rows = await subjects(event_id)
        missing = [s["name"] for s in subject_rows if s["code"] not in (settings["cutoffs"] or {})]
        apps = await application_rows(event_id, TalentApplication.status == "applied")
        taking = [r for r in apps if r["entry_status"] == "approved"]
        used = {r["subject"] for r in taking}
        missing = [s["name"] for s in subject_rows if s["id"] in used and s["code"] not in (settings["cutoffs"] or {})]
        if missing:
            raise Conflict(_("请先设定这些学科的分数线：{subjects}。", subjects="、".join(missing)))
        mentors = {m["code"]: m for m in await mentor_rows(event_id)}
        cut = {
            s["id"]: Decimal(settings["cutoffs"][s["code"]]) for s in subject_rows if s["code"] in settings["cutoffs"]
        }
        invited = [r for r in taking if r["test_score"] is not None and Decimal(r["test_score"]) >= cut[r["subject"]]]
        invited.sort(key=lambda r: (-Decimal(r["test_score"]), r["id"]))
        others = [r for r in taking if r not in invited]
        stamp = now()
        slot = dt.timedelta(minutes=settings["interview_minutes"])
        next_at: dict[str, dt.datetime] = {}
        interviews = []
        for r in invited:
            # a student is in one room at a time: each interview starts when both the mentor and the
            # student are free (the mentor with the earliest free slot first, then preference order)
            free_at = starts_at
            todo = [c for c in r["preferences"] or [] if c in mentors]
            while todo:
                code = min(todo, key=lambda c: (next_at.get(c, starts_at), todo.index(c)))
                todo.remove(code)
                m = mentors[code]
                at = max(next_at.get(code, starts_at), free_at)
                next_at[code] = at + slot
                free_at = at + slot
                interviews.append(
                    Interview(
                        event=event_id,
                        application=r["id"],
                        mentor=m["id"],
                        starts_at=at,
                        place=(m["lab"] or place)[:200] if not place else place,
                        created_at=stamp,
                    )
                )
        for start in range(0, len(interviews), 500):
            await Interview.insert(*interviews[start : start + 500])
        for status, group in (("invited", invited), ("not_invited", others)):
            ids = [r["id"] for r in group]
            for start in range(0, len(ids), 500):
                await TalentApplication.update(
                    {TalentApplication.status: status, TalentApplication.updated_at: stamp}
                ).where(TalentApplication.id.is_in(ids[start : start + 500]))
        await store_settings(event_id, {"invited_at": stamp})
        await audit.record(
            actor,
            "talent.invite",
            "event",
            event_id,
            event_id=event_id,
            summary=_("邀请面试 {n} 人，未达分数线 {m} 人", n=len(invited), m=len(others)),
            changes={"cutoffs": [None, settings["cutoffs"]]},
        )
        return {"invited": len(invited), "not_invited": len(others), "interviews": len(interviews)}

    return await write_transaction(work)


async def interviews(actor: Principal, event_id: int) -> list[dict[str, Any]]:
    """Office: every interview (mentor, applicant, time, place, score)."""
    require_organizer(actor)
    await talent_event(event_id, actor)
    rows = (
        await Interview.select(
            Interview.all_columns(),
            Interview.mentor.code.as_alias("mentor_code"),
            Interview.mentor.name.as_alias("mentor_name"),
            Interview.application.entry.title.as_alias("name"),
            Interview.application.entry.code.as_alias("entry_code"),
        )
        .where(Interview.event == event_id)
        .order_by(Interview.mentor)
        .order_by(Interview.starts_at)
    )
    return [
        {
            "id": r["id"],
            "application_id": r["application"],
            "name": r["name"],
            "entry_code": r["entry_code"],
            "mentor_code": r["mentor_code"],
            "mentor_name": r["mentor_name"],
            "starts_at": r["starts_at"],
            "place": r["place"],
            "score": r["score"],
        }
        for r in rows
    ]


async def move_interview(actor: Principal, interview_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """The office or the interviewing mentor changes an interview's time or place."""
    row = await Interview.select().where(Interview.id == interview_id).first()
    if row is None:
        raise NotFound(_("面试不存在。"))
    if actor.role == "mentor":
        mentor = await own_mentor(actor, row["event"])
        if mentor["id"] != row["mentor"]:
            raise NotFound(_("面试不存在。"))
    elif not actor.is_organizer:
        raise Forbidden(_("只有组委会或面试导师可以修改面试安排。"))
    values: dict[Any, Any] = {}
    if data.get("starts_at") not in (None, ""):
        values[Interview.starts_at] = _time(data["starts_at"], "starts_at")
    if data.get("place") is not None:
        values[Interview.place] = clean_text(data["place"])[:200]

    async def work() -> None:
        await lock_event(row["event"])
        if (await settings_of(row["event"]))["matched_at"] is not None:
            raise Conflict(_("匹配结果已经生效，面试安排不能再改。"))
        if values:
            await Interview.update(values).where(Interview.id == interview_id)
        await audit.record(
            actor,
            "talent.interview.move",
            "talent_interview",
            interview_id,
            event_id=row["event"],
            changes={"starts_at": [str(row["starts_at"]), str(values.get(Interview.starts_at, row["starts_at"]))]},
        )

    await write_transaction(work)
    updated = await Interview.select().where(Interview.id == interview_id).first()
    return {"id": interview_id, "starts_at": updated["starts_at"], "place": updated["place"]}


async def record_interview_score(event_id: int, application_id: int, mentor_id: int, total: str | None) -> None:
    """The interview's score as its judging score sheet now totals (``None``: not complete); called by
    :mod:`judging.talent` inside its write."""
    await Interview.update({Interview.score: total or None, Interview.scored_at: now() if total else None}).where(
        (Interview.event == event_id) & (Interview.application == application_id) & (Interview.mentor == mentor_id)
    )


async def interview_of(actor: Principal, application_id: int) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """For a mentor: ``(application row, interview row, mentor row)`` of its own interview (404 else)."""
    row = await visible_application(actor, application_id)
    mentor = await own_mentor(actor, row["event"])
    interview = (
        await Interview.select()
        .where((Interview.application == application_id) & (Interview.mentor == mentor["id"]))
        .first()
    )
    if interview is None:
        raise NotFound(_("您没有这位学生的面试。"))
    return row, interview, mentor


# --------------------------------------------------------------------------- mentors' rankings


async def set_choices(actor: Principal, event_id: int, items: list[dict[str, Any]]) -> dict[str, Any]:
    """A mentor ranks and refuses its interviewed applicants: ``[{"application_id", "rank"?, "refused"?,
    "note"?}]`` (ranks 1, 2, ... without repeats; a refused applicant has no rank). Replaces the word
    on the applicants given; others keep theirs. Before the matching is applied (409 after)."""
    mentor = await own_mentor(actor, event_id)
    errors: list[dict[str, Any]] = []
    mine = {
        i["application"] for i in await Interview.select(Interview.application).where(Interview.mentor == mentor["id"])
    }
    ranks: dict[int, int] = {}
    cleaned: list[dict[str, Any]] = []
    for k, item in enumerate(items or []):
        try:
            application_id = int(item.get("application_id"))
        except (TypeError, ValueError):
            errors.append({"field": f"items[{k}].application_id", "message": _("申请编号无效。")})
            continue
        if application_id not in mine:
            errors.append({"field": f"items[{k}].application_id", "message": _("您没有面试这位学生。")})
            continue
        refused = bool(item.get("refused"))
        rank = item.get("rank")
        if rank in ("", None) or refused:
            rank = None
        elif isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
            errors.append({"field": f"items[{k}].rank", "message": _("排名须为从 1 开始的整数。")})
            continue
        if rank is not None and rank in ranks.values():
            errors.append({"field": f"items[{k}].rank", "message": _("排名 {rank} 用了两次。", rank=rank)})
            continue
        if rank is not None:
            ranks[application_id] = rank
        cleaned.append(
            {
                "application": application_id,
                "rank": rank,
                "refused": refused,
                "note": str(item.get("note") or "").strip()[:500],
            }
        )
    if errors:
        raise ValidationFailed(errors[0]["message"], errors=errors)

    async def work() -> None:
        await lock_event(event_id)
        if (await settings_of(event_id))["matched_at"] is not None:
            raise Conflict(_("匹配结果已经生效，排名不能再改。"))
        stamp = now()
        existing = {c["application"]: c for c in await MentorChoice.select().where(MentorChoice.mentor == mentor["id"])}
        others = {a: c["rank"] for a, c in existing.items() if a not in ranks and c["rank"] is not None}
        for a, r in ranks.items():
            clash = [o for o, orank in others.items() if orank == r and o not in {c["application"] for c in cleaned}]
            if clash:
                raise ValidationFailed(
                    _("排名 {rank} 已给了另一位学生。", rank=r), errors=[{"field": "items", "message": _("排名重复。")}]
                )
        for c in cleaned:
            values = {
                MentorChoice.rank: c["rank"],
                MentorChoice.refused: c["refused"],
                MentorChoice.note: c["note"],
                MentorChoice.updated_at: stamp,
            }
            if c["application"] in existing:
                await MentorChoice.update(values).where(MentorChoice.id == existing[c["application"]]["id"])
            else:
                await MentorChoice.insert(
                    MentorChoice(
                        event=event_id,
                        mentor=mentor["id"],
                        application=c["application"],
                        rank=c["rank"],
                        refused=c["refused"],
                        note=c["note"],
                        updated_at=stamp,
                    )
                )
        await audit.record(
            actor,
            "talent.ranking",
            "talent_mentor",
            mentor["id"],
            event_id=event_id,
            summary=mentor["code"],
            changes={"choices": [None, [{k: c[k] for k in ("application", "rank", "refused")} for c in cleaned]]},
        )

    await write_transaction(work)
    return await mentor_order(event_id, mentor["id"])


async def _orders(event_id: int, mentors: list[dict[str, Any]], apps: list[dict[str, Any]]) -> dict[str, list[int]]:
    """Each mentor's own priority order over the applicants who listed it (module docstring): ranked
    first by rank, then by interview score (higher first), test score (higher first), id; refused
    applicants left out."""
    choices: dict[tuple[int, int], dict[str, Any]] = {
        (c["mentor"], c["application"]): c for c in await MentorChoice.select().where(MentorChoice.event == event_id)
    }
    scores: dict[tuple[int, int], Decimal | None] = {
        (i["mentor"], i["application"]): Decimal(i["score"]) if i["score"] else None
        for i in await Interview.select(Interview.mentor, Interview.application, Interview.score).where(
            Interview.event == event_id
        )
    }
    out: dict[str, list[int]] = {}
    for m in mentors:
        listing = [a for a in apps if m["code"] in (a["preferences"] or [])]
        keep = []
        for a in listing:
            c = choices.get((m["id"], a["id"]))
            if c is not None and c["refused"]:
                continue
            rank = c["rank"] if c is not None and c["rank"] is not None else None
            interview = scores.get((m["id"], a["id"]))
            test = Decimal(a["test_score"]) if a["test_score"] is not None else Decimal(-1)
            keep.append(
                (
                    0 if rank is not None else 1,
                    rank or 0,
                    -(interview if interview is not None else Decimal(-1)),
                    -test,
                    a["id"],
                )
            )
        out[m["code"]] = [k[-1] for k in sorted(keep)]
    return out


async def mentor_order(event_id: int, mentor_id: int) -> dict[str, Any]:
    """A mentor's order as the matching will use it: ``{"mentor", "order": [application ids],
    "refused": [ids]}``."""
    mentor = await mentor_row(event_id, mentor_id)
    apps = await _candidates(event_id)
    order = (await _orders(event_id, [mentor], apps))[mentor["code"]]
    refused = [
        c["application"]
        for c in await MentorChoice.select(MentorChoice.application).where(
            (MentorChoice.mentor == mentor_id) & MentorChoice.refused.eq(True)
        )
    ]
    return {"mentor": mentor["code"], "order": order, "refused": sorted(refused)}


# --------------------------------------------------------------------------- matching


async def _candidates(event_id: int) -> list[dict[str, Any]]:
    """Applications taking part in the matching: approved and invited."""
    rows = await application_rows(event_id, TalentApplication.status.is_in(["invited", "matched", "unmatched"]))
    return [r for r in rows if r["entry_status"] == "approved"]


def _reason_words(reason: dict[str, Any], mentors: dict[str, dict[str, Any]]) -> str:
    m = mentors.get(reason["site_code"], {})
    name = f"{m.get('name', reason['site_code'])}{paren(m.get('university', ''))}" if m else reason["site_code"]
    rank = reason["preference_rank"]
    if reason["code"] == "refused":
        return _("导师志愿{rank} {mentor}：导师面试后没有接收。", rank=rank, mentor=name)
    if reason["code"] == "no_seats":
        return _("导师志愿{rank} {mentor}：导师没有名额。", rank=rank, mentor=name)
    # the programme has no waiting list: where the student stood in the mentor's own order says it all
    if not reason.get("position"):  # matched before the order was kept with the reason
        return _(
            "导师志愿{rank} {mentor}：{n} 个名额都给了导师排在你前面的学生。",
            rank=rank,
            mentor=name,
            n=reason["capacity"],
        )
    return _(
        "导师志愿{rank} {mentor}：{n} 个名额都给了导师排在你前面的学生（你在该导师的排序中是第 {pos} 位）。",
        rank=rank,
        mentor=name,
        n=reason["capacity"],
        pos=reason["position"],
    )


def explain(row: dict[str, Any], mentors: dict[str, dict[str, Any]]) -> str:
    """One student's matching result in words (current locale), mentor by mentor."""
    words = [_reason_words(r, mentors) for r in row.get("reasons") or []]
    status = row["status"]
    code = row.get("mentor_code") or row.get("site_code")
    m = mentors.get(code or "", {})
    if status == "matched" or (status in IN_PROGRAMME and code):
        if row.get("adjusted_reason"):
            words.append(
                _("组委会调整到导师 {mentor}：{reason}", mentor=m.get("name", code), reason=row["adjusted_reason"])
            )
        else:
            words.append(
                _(
                    "匹配到导师志愿{rank} {mentor}（{university}）。",
                    rank=row.get("preference_rank"),
                    mentor=m.get("name", code),
                    university=m.get("university", ""),
                )
            )
    elif status == "unmatched":
        words.append(_("没有匹配到导师。"))
    elif status == "not_invited":
        words.append(_("潜质测试成绩未达到本学科分数线，没有进入面试。"))
    elif status in STATUS_LABELS:
        words.append(_(STATUS_LABELS[status]) + _("。"))
    return " ".join(words)


async def _market(event_id: int) -> tuple[list[engine.Applicant], list[engine.Site], list[int], dict[str, list[int]]]:
    mentors = await mentor_rows(event_id)
    apps = await _candidates(event_id)
    codes = {m["code"] for m in mentors}
    applicants = [engine.Applicant(a["id"], tuple(c for c in a["preferences"] or [] if c in codes)) for a in apps]
    sites = [engine.Site(m["code"], m["capacity"]) for m in mentors]
    # the common order only breaks nothing (every mentor has its own); test score, then id
    common = [
        a["id"]
        for a in sorted(apps, key=lambda a: (-(Decimal(a["test_score"]) if a["test_score"] else Decimal(-1)), a["id"]))
    ]
    return applicants, sites, common, await _orders(event_id, mentors, apps)


async def run_allocation(actor: Principal, event_id: int, apply_result: bool) -> dict[str, Any]:
    """Office: deferred acceptance of the invited applicants over the mentors' capacities with each
    mentor's own order and refusals. A preview unless ``apply_result``: then stored (status
    ``matched``/``unmatched``), once (409 after). The answer has the camps shape (CONTRACT), with
    ``site_code`` the mentor's code, plus ``blocking_pairs`` (an independent stability check: empty)."""
    require_organizer(actor)
    await talent_event(event_id, actor)
    settings = await settings_of(event_id)
    if settings["invited_at"] is None:
        raise Conflict(_("还没有发出面试邀请，不能匹配。"))
    dupes = await duplicate_map(event_id)
    if apply_result and dupes:
        raise Conflict(
            _(
                "有学生由两所学校重复申请（申请编号 {ids}），请先撤回其中一份再生效匹配。",
                ids="、".join(map(str, sorted(dupes))),
            ),
            extra={"duplicates": sorted(dupes)},
        )
    applicants, sites, common, orders = await _market(event_id)
    try:
        result = engine.allocate(applicants, sites, common, orders)
    except engine.AllocationError as exc:
        raise ValidationFailed(str(exc), errors=[{"field": exc.field, "message": str(exc)}]) from None
    blocking = engine.blocking_pairs(applicants, sites, common, result.placements, orders)
    mentors = {m["code"]: m for m in await mentor_rows(event_id)}
    assignments = []
    per_site: dict[str, int] = {}
    for i in sorted(result.placements):
        p = result.placements[i]
        view = {
            "status": "matched" if p.status == "admitted" else "unmatched",
            "mentor_code": p.site_code,
            "preference_rank": p.preference_rank,
            "reasons": [asdict(r) for r in p.reasons],
        }
        assignments.append(
            {
                "application_id": i,
                "site_code": p.site_code,
                "preference_rank": p.preference_rank,
                "status": "admitted" if p.status == "admitted" else "unplaced",
                "priority_position": p.priority_position,
                "explanation": explain(view, mentors),
            }
        )
        if p.site_code:
            per_site[p.site_code] = per_site.get(p.site_code, 0) + 1
    answer: dict[str, Any] = {
        "priority": "mentors",
        "admitted": result.admitted,
        "waiting": 0,
        "unplaced": result.waiting + result.unplaced,
        "first_choice_share": str(result.first_choice_share),
        "per_site": [
            {
                "site_code": code,
                "capacity": m["capacity"],
                "admitted": per_site.get(code, 0),
                "waiting": len(result.waiting_lists.get(code, ())),
            }
            for code, m in mentors.items()
        ],
        "per_group": [],
        "assignments": assignments,
        "applied": False,
        "duplicates": sorted(dupes),
        "warnings": [],
        "blocking_pairs": [[a, s] for a, s in blocking],
    }
    if not apply_result:
        return answer

    async def work() -> None:
        await lock_event(event_id)
        if (await settings_of(event_id))["matched_at"] is not None:
            raise Conflict(_("匹配结果已经生效，不能重新匹配。"))
        stamp = now()
        for i, p in result.placements.items():
            await TalentApplication.update(
                {
                    TalentApplication.status: "matched" if p.site_code else "unmatched",
                    TalentApplication.mentor: mentors[p.site_code]["id"] if p.site_code else None,
                    TalentApplication.preference_rank: p.preference_rank,
                    TalentApplication.reasons: [asdict(r) for r in p.reasons],
                    TalentApplication.matched_at: stamp if p.site_code else None,
                    TalentApplication.updated_at: stamp,
                }
            ).where(TalentApplication.id == i)
        await store_settings(event_id, {"matched_at": stamp})
        await audit.record(
            actor,
            "talent.match.apply",
            "event",
            event_id,
            event_id=event_id,
            changes={"matched": [None, result.admitted], "unmatched": [None, result.waiting + result.unplaced]},
        )

    await write_transaction(work)
    answer["applied"] = True
    return answer


async def adjust(actor: Principal, application_id: int, mentor_code: str | None, reason: str) -> dict[str, Any]:
    """Office, after the matching: place a student with another mentor (or with none) with a reason
    (audited). The mentor must teach the student's subject and have a free seat (409 otherwise)."""
    require_organizer(actor)
    row = await visible_application(actor, application_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("调整须说明理由。"), errors=[{"field": "reason", "message": _("请填写理由。")}])
    target = None
    if mentor_code:
        target = (
            await Mentor.select(*_mentor_columns())
            .where((Mentor.event == row["event"]) & (Mentor.code == clean_text(mentor_code)))
            .first()
        )
        if target is None:
            raise ValidationFailed(
                _("导师“{value}”不存在。", value=mentor_code),
                errors=[{"field": "mentor", "message": _("导师不存在。")}],
            )
        if target["subject"] != row["subject"]:
            raise ValidationFailed(
                _("导师“{name}”不指导{subject}。", name=target["name"], subject=row["subject_name"]),
                errors=[{"field": "mentor", "message": _("学科不符。")}],
            )

    async def work() -> None:
        await lock_event(row["event"])
        if (await settings_of(row["event"]))["matched_at"] is None:
            raise Conflict(_("匹配结果生效后才能调整。"))
        current = await application_row(application_id)
        assert current is not None
        if current["status"] not in ("matched", "unmatched"):
            raise Conflict(_("申请状态为“{status}”，不能调整导师。", status=_(STATUS_LABELS[current["status"]])))
        if target is not None:
            taken = await TalentApplication.count().where(
                (TalentApplication.mentor == target["id"])
                & TalentApplication.status.is_in(list(IN_PROGRAMME))
                & (TalentApplication.id != application_id)
            )
            if taken >= target["capacity"]:
                raise Conflict(_("导师“{name}”的 {n} 个名额已满。", name=target["name"], n=target["capacity"]))
        prefs = current["preferences"] or []
        stamp = now()
        await TalentApplication.update(
            {
                TalentApplication.mentor: target["id"] if target else None,
                TalentApplication.status: "matched" if target else "unmatched",
                TalentApplication.preference_rank: prefs.index(target["code"]) + 1
                if target and target["code"] in prefs
                else None,
                TalentApplication.matched_at: stamp if target else None,
                TalentApplication.adjusted_reason: reason[:500],
                TalentApplication.updated_at: stamp,
            }
        ).where(TalentApplication.id == application_id)
        await audit.record(
            actor,
            "talent.match.adjust",
            "talent_application",
            application_id,
            event_id=row["event"],
            entry_id=row["entry"],
            school_id=row["school"],
            reason=reason,
            changes={"mentor": [current["mentor_code"], target["code"] if target else None]},
        )

    await write_transaction(work)
    return await get_application(actor, application_id)
