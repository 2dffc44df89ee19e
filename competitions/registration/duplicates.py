"""Students registered by two schools of one event, and the silent count of a school's
uploads that hit other schools' students (issue 11, "ID numbers as an oracle").

A school's import and entry forms answer exactly as if other schools' registrations did not
exist: duplicates are looked for in the school's own entries only
(:func:`competitions.registration.services.duplicate_students`), and the database keeps a
student unique per (event, school), not per event. A student may therefore stand in entries
of two schools (he changed school, or both claim him). Those pairs are the organizers' to
settle: :func:`list_duplicates` lists them (organizers all of them, a city those with entries
of two of its own schools), :func:`entry_duplicates` names them on the entry page,
and review does not approve such an entry without the reviewer confirming it
(:func:`competitions.registration.services.review_entry`).

Every check of a school's upload or entry form is counted per school in 10-minute buckets
(:class:`CrossSchoolHit`): the same write whether or not anything matched, so the answer's
timing says nothing. More than :data:`ALERT_ROWS` matching rows within :data:`ALERT_WINDOW`
put an alert on the organizer's duplicates list and one audit row; the school is never told.
Imports are also limited per school account (:func:`check_import_rate`).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from typing import Any

from app import audit
from app.db import executemany, is_sqlite, joined, placeholders, write_transaction
from app.errors import Forbidden, TooManyRequests
from app.i18n import _, get_locale
from app.principal import Principal
from app.stores import increment
from app.tables import School
from app.times import now
from competitions.events.services import get_event_row
from competitions.registration.tables import ENTRY_STATUS_LABELS, CrossSchoolHit, Member

#: rows of a school's uploads/forms matching other schools' students, within ALERT_WINDOW, before organizers are alerted
ALERT_ROWS = 20
ALERT_WINDOW = dt.timedelta(hours=24)
BUCKET_MINUTES = 10
#: uploads per school account within IMPORT_WINDOW_SECONDS (then 429 with Retry-After)
IMPORT_LIMIT = 30
IMPORT_WINDOW_SECONDS = 600


# --------------------------------------------------------------------------- throttling


async def check_import_rate(actor: Principal) -> None:
    """At most :data:`IMPORT_LIMIT` workbook uploads per school account in
    :data:`IMPORT_WINDOW_SECONDS` (an atomic counter: in process, or in Redis when configured).
    Raises :class:`TooManyRequests` (429, ``Retry-After``) beyond that. Organizers are not limited."""
    if actor.role != "school":
        return
    count = await increment(f"registration-import:{actor.id}", IMPORT_WINDOW_SECONDS)
    if count > IMPORT_LIMIT:
        raise TooManyRequests(
            _(
                "上传过于频繁：每 {minutes} 分钟最多上传 {limit} 次报名表。请 {minutes} 分钟后再试。",
                minutes=IMPORT_WINDOW_SECONDS // 60,
                limit=IMPORT_LIMIT,
            ),
            retry_after=IMPORT_WINDOW_SECONDS,
        )


def _bucket(stamp: dt.datetime) -> dt.datetime:
    return stamp.replace(minute=stamp.minute - stamp.minute % BUCKET_MINUTES, second=0, microsecond=0)


async def note_checked(actor: Principal, event_id: int, hashes: Iterable[str | None]) -> None:
    """Count, silently, one check of a school's upload or entry form: how many of the
    students ``hashes`` other schools already registered in the event. The same query and
    the same write happen whether or not any matched (the answer's timing stays the same);
    only organizers ever see the result. Nothing happens for other roles."""
    if actor.role != "school" or actor.school_id is None:
        return
    keys = sorted({h for h in hashes if h})
    if not keys:
        return
    school_id = actor.school_id
    matched = 0
    for start in range(0, len(keys), 500):  # one number back, however many matched
        matched += await Member.count(distinct=[Member.student_key]).where(
            (Member.event == event_id)
            & Member.student_key.is_in(keys[start : start + 500])
            & (Member.school != school_id)
        )
    stamp = now()
    bucket = _bucket(stamp)
    hit_at = stamp if matched else None
    pg = not is_sqlite()
    marks = placeholders(7, pg)
    sql = (
        'INSERT INTO "cross_school_hit" ("event", "school", "bucket", "rows", "checks", "first_hit_at", '
        f'"last_hit_at", "last_actor") VALUES ({marks[0]}, {marks[1]}, {marks[2]}, {marks[3]}, 1, {marks[4]}, '
        f"{marks[5]}, {marks[6]}) "
        'ON CONFLICT ("event", "school", "bucket") DO UPDATE SET "rows" = "cross_school_hit"."rows" + excluded."rows", '
        '"checks" = "cross_school_hit"."checks" + 1, '
        '"first_hit_at" = COALESCE("cross_school_hit"."first_hit_at", excluded."first_hit_at"), '
        '"last_hit_at" = COALESCE(excluded."last_hit_at", "cross_school_hit"."last_hit_at"), '
        '"last_actor" = excluded."last_actor"'
    )

    async def work() -> None:
        await executemany(sql, [(event_id, school_id, bucket, matched, hit_at, hit_at, actor.id)])
        total = sum(
            r["rows"]
            for r in await CrossSchoolHit.select(CrossSchoolHit.rows).where(
                (CrossSchoolHit.event == event_id)
                & (CrossSchoolHit.school == school_id)
                & (CrossSchoolHit.bucket >= _bucket(stamp - ALERT_WINDOW))
            )
        )
        if total - matched <= ALERT_ROWS < total:  # this check crossed the line: one audit row
            school = await School.select(School.code, School.name).where(School.id == school_id).first()
            await audit.record(
                actor,
                "registration.cross_school_alert",
                "school",
                school_id,
                event_id=event_id,
                summary=_(
                    "{school}（{code}）在 {hours} 小时内上传了 {rows} 个已由其他学校报名的证件号码",
                    school=school["name"] if school else "",
                    code=school["code"] if school else "",
                    hours=int(ALERT_WINDOW.total_seconds() // 3600),
                    rows=total,
                ),
                changes={"rows": total, "threshold": ALERT_ROWS},
            )

    await write_transaction(work)


# --------------------------------------------------------------------------- what organizers see


def _may_list(actor: Principal) -> None:
    if actor.role not in ("organizer", "city"):
        raise Forbidden(_("只有组委会和市县科协可以查看跨校重复报名的学生。"))


_ROWS_SQL = """
SELECT m.student_key AS student_key, m.id AS member_id, m.name AS name, m.id_masked AS id_masked,
       e.id AS entry_id, e.code AS entry_code, e.title AS entry_title, e.status AS status,
       s.id AS school_id, s.code AS school_code, s.name AS school_name, s.city AS city, s.region AS region_code
FROM member m JOIN entry e ON e.id = m.entry JOIN school s ON s.id = e.school
WHERE m.event = {} AND m.student_key IS NOT NULL AND e.status <> 'withdrawn' AND m.student_key IN (
    SELECT m2.student_key FROM member m2 JOIN entry e2 ON e2.id = m2.entry
    WHERE m2.event = {} AND m2.student_key IS NOT NULL AND e2.status <> 'withdrawn'
    GROUP BY m2.student_key HAVING COUNT(DISTINCT e2.school) > 1
)
"""
# withdrawn entries never count, however they were withdrawn (the entry's own withdrawal also clears
# its members' student_key; a re-upload's retired duplicates and withdrawn camp applications do not)


async def _groups(actor: Principal, event_id: int, student_keys: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Students in entries of two or more schools, as ``actor`` (organizer or city) may see
    them: a city only entries of its own schools, and only students with entries of two of
    them (nothing about other cities' schools)."""
    rows = await Member.raw(_ROWS_SQL, event_id, event_id)
    if student_keys is not None:
        wanted = set(student_keys)
        rows = [r for r in rows if r["student_key"] in wanted]
    if actor.role == "city":
        rows = [r for r in rows if r["region_code"] and r["region_code"] == actor.region_code]
    elif not actor.is_organizer:
        return []
    by_key: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_key.setdefault(row["student_key"], []).append(row)
    groups = []
    for members in by_key.values():
        if len({m["school_id"] for m in members}) < 2:
            continue
        members.sort(key=lambda m: m["entry_code"])
        groups.append(
            {
                "id_masked": members[0]["id_masked"],
                "entries": [
                    {
                        "entry_id": m["entry_id"],
                        "entry_code": m["entry_code"],
                        "entry_title": m["entry_title"],
                        "status": m["status"],
                        "status_label": _(ENTRY_STATUS_LABELS.get(m["status"], m["status"])),
                        "school_code": m["school_code"],
                        "school_name": m["school_name"],
                        "city": m["city"],
                        "member_id": m["member_id"],
                        "name": m["name"],
                    }
                    for m in members
                ],
                "_key": members[0]["student_key"],
            }
        )
    groups.sort(key=lambda g: g["entries"][0]["entry_code"])
    return groups


def _public(group: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in group.items() if k != "_key"}


async def list_duplicates(actor: Principal, event_id: int) -> dict[str, Any]:
    """``{"duplicates": [{"id_masked", "entries": [{"entry_id", "entry_code", "entry_title",
    "status", "status_label", "school_code", "school_name", "city", "member_id", "name"}]}],
    "alerts": [...]}``: each student registered by two or more schools of the event (withdrawn
    entries left out), ID numbers masked as in every list. ``alerts`` (organizers only; a
    city gets ``[]``) name the schools whose uploads matched more than :data:`ALERT_ROWS` other
    schools' students within :data:`ALERT_WINDOW`: ``{"school_code", "school_name", "rows",
    "checks", "first_at", "last_at", "minutes", "message"}``.

    Raises :class:`Forbidden` for roles other than organizer and city, :class:`NotFound`
    for an event the caller cannot see."""
    _may_list(actor)
    await get_event_row(event_id, actor)
    groups = [_public(g) for g in await _groups(actor, event_id)]
    return {"duplicates": groups, "alerts": await alerts(actor, event_id) if actor.is_organizer else []}


@functools.cache
def _hit_columns() -> tuple[Any, ...]:
    """Made once (:func:`app.db.joined`): the organizer's entries page reads them on every view."""
    return (
        CrossSchoolHit.school,
        joined(CrossSchoolHit, "school.code").as_alias("school_code"),
        joined(CrossSchoolHit, "school.name").as_alias("school_name"),
        CrossSchoolHit.rows,
        CrossSchoolHit.checks,
        CrossSchoolHit.first_hit_at,
        CrossSchoolHit.last_hit_at,
    )


async def alerts(actor: Principal, event_id: int, at: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Schools whose uploads and entry forms matched more than :data:`ALERT_ROWS` students
    of other schools within :data:`ALERT_WINDOW` before ``at`` (now). Organizers only."""
    if not actor.is_organizer:
        return []
    stamp = at or now()
    rows = await CrossSchoolHit.select(*_hit_columns()).where(
        (CrossSchoolHit.event == event_id) & (CrossSchoolHit.bucket >= _bucket(stamp - ALERT_WINDOW))
    )
    by_school: dict[int, dict[str, Any]] = {}
    for row in rows:
        found = by_school.setdefault(
            row["school"],
            {
                "school_code": row["school_code"],
                "school_name": row["school_name"],
                "rows": 0,
                "checks": 0,
                "first_at": None,
                "last_at": None,
            },
        )
        found["rows"] += row["rows"]
        found["checks"] += row["checks"]
        if row["first_hit_at"] and (found["first_at"] is None or row["first_hit_at"] < found["first_at"]):
            found["first_at"] = row["first_hit_at"]
        if row["last_hit_at"] and (found["last_at"] is None or row["last_hit_at"] > found["last_at"]):
            found["last_at"] = row["last_hit_at"]
    out = []
    for found in by_school.values():
        if found["rows"] <= ALERT_ROWS:
            continue
        first, last = found["first_at"], found["last_at"]
        minutes = max(1, round((last - first).total_seconds() / 60)) if first and last else 1
        out.append(
            {
                **found,
                "first_at": first.isoformat() if first else None,
                "last_at": last.isoformat() if last else None,
                "minutes": minutes,
                "message": _(
                    "{school}（{code}）在 {minutes} 分钟内上传了 {rows} 个已由其他学校报名的证件号码（共检查 {checks} 次）。可能是有人在试探证件号码，请核实。",
                    school=found["school_name"],
                    code=found["school_code"],
                    minutes=minutes,
                    rows=found["rows"],
                    checks=found["checks"],
                ),
            }
        )
    out.sort(key=lambda a: -a["rows"])
    return out


async def duplicate_count(actor: Principal, event_id: int) -> int:
    """How many students :func:`list_duplicates` would list for ``actor`` (0 for other roles)."""
    if actor.role not in ("organizer", "city"):
        return 0
    return len(await _groups(actor, event_id))


async def entry_duplicates(actor: Principal, event_id: int, entry_id: int) -> list[dict[str, Any]]:
    """The other entries (other schools) in which students of ``entry_id`` are registered, as
    ``actor`` may see them: ``[{"name", "id_masked", "entry_id", "entry_code", "entry_title",
    "school_name", "school_code", "status", "status_label"}]``. Empty for schools and other roles:
    a school is never told of another school's registration."""
    if actor.role not in ("organizer", "city"):
        return []
    keys = [
        r["student_key"]
        for r in await Member.select(Member.student_key).where(
            (Member.entry == entry_id) & Member.student_key.is_not_null()
        )
    ]
    if not keys:
        return []
    out = []
    for group in await _groups(actor, event_id, keys):
        mine = next((e for e in group["entries"] if e["entry_id"] == entry_id), None)
        if mine is None:  # this entry is not visible to the caller (cannot happen: checked before)
            continue
        for other in group["entries"]:
            if other["entry_id"] != entry_id:
                out.append(
                    {**other, "name": mine["name"], "other_name": other["name"], "id_masked": group["id_masked"]}
                )
    return out


async def entries_with_other_schools(actor: Principal, event_id: int, entry_ids: Iterable[int]) -> set[int]:
    """Which of ``entry_ids`` have a student whom another school registered too, as ``actor`` may
    see it (:func:`entry_duplicates` for many entries at once: one query, for bulk review)."""
    wanted = set(entry_ids)
    return {e["entry_id"] for g in await _groups(actor, event_id) for e in g["entries"] if e["entry_id"] in wanted}


def duplicates_message(found: list[dict[str, Any]]) -> str:
    """The reviewer's warning: "学生“X”也在学校 Y 的作品“Z”（code）中报名。" for each pair."""
    return ("；" if get_locale() == "zh" else "; ").join(
        _(
            "学生“{name}”（{id}）也在{school}的作品“{title}”（{code}，{status}）中报名",
            name=d["name"],
            id=d["id_masked"],
            school=d["school_name"],
            title=d["entry_title"],
            code=d["entry_code"],
            status=d["status_label"],
        )
        for d in found
    )


__all__ = [
    "ALERT_ROWS",
    "ALERT_WINDOW",
    "IMPORT_LIMIT",
    "IMPORT_WINDOW_SECONDS",
    "alerts",
    "check_import_rate",
    "duplicate_count",
    "duplicates_message",
    "entry_duplicates",
    "list_duplicates",
    "note_checked",
]
