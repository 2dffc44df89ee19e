"""Competition factories: events, categories, entries with their members, check-in
sessions, built through the services (so registration rules apply: valid ID numbers,
team sizes, quotas, one entry per student).

``scope`` is the ``world`` fixture or anything with ``run``, ``org`` and ``event_id``
(see :mod:`tests.factories.app`).
"""

from __future__ import annotations

import itertools
from typing import Any, Iterable

from competitions.registration.members import MemberInput
from tests.conftest import gb11643

_seq = itertools.count(1)
_ids = itertools.count(1)
# 五指山市 (469001): a region no hand-written ID in the suite uses, so factory IDs never collide with them
ID_PREFIX = "469001"
BIRTH = {"小学": "20150601", "初中": "20120601", "高中": "20090601"}
GRADE = {"小学": "五年级", "初中": "初二", "高中": "高二"}
NUMERALS = "零一二三四五六七八九"


def chinese_number(i: int) -> str:
    """12 -> 一二 (names may not contain digits)."""
    return "".join(NUMERALS[int(d)] for d in str(i))


def new_id_number(*, male: bool = True, division: str = "初中") -> str:
    """A fresh valid resident ID (GB 11643): the 17th digit odd for boys, even for girls."""
    n = next(_ids)
    return gb11643(f"{ID_PREFIX}{BIRTH[division]}{(n * 2 + (1 if male else 0)) % 1000:03d}")


def student(
    name: str,
    *,
    gender: str = "男",
    id_number: str | None = None,
    grade: str = "初二",
    phone: str = "13800001111",
    consent: bool = True,
    publication: bool = False,
) -> MemberInput:
    """A student as a form would send it; a fresh valid ID number unless ``id_number`` is given."""
    return MemberInput(
        role="student",
        name=name,
        gender=gender,
        id_number=id_number or new_id_number(male=gender == "男"),
        grade=grade,
        phone=phone,
        consent_participation=consent,
        consent_publication=publication,
    )


def adviser(name: str, phone: str = "13900002222") -> MemberInput:
    return MemberInput(role="adviser", name=name, phone=phone)


def _members(
    students: int | Iterable[str | MemberInput], advisers: Iterable[str | MemberInput], division: str
) -> list[MemberInput]:
    if isinstance(students, int):
        students = [f"学生{chinese_number(next(_seq))}" for _ in range(students)]
    members = []
    for s in students:
        if isinstance(s, MemberInput):
            members.append(s)
        else:
            members.append(student(s, grade=GRADE[division], id_number=new_id_number(division=division)))
    members += [a if isinstance(a, MemberInput) else adviser(a) for a in advisers]
    return members


def event(
    scope, name: str | None = None, kind: str = "innovation", year: int = 2026, **settings: Any
) -> dict[str, Any]:
    """A new event (an innovation contest gets the CASTIC categories MA, PH, CH, ...), open for
    registration for 90 days unless ``status``/``registration_closes_at`` say otherwise."""
    import datetime as dt

    from app import times
    from competitions.events import services as events

    settings.setdefault("status", "open")
    if settings["status"] == "open":
        settings.setdefault("registration_closes_at", (times.now() + dt.timedelta(days=90)).isoformat())

    return scope.run(
        events.create_event(scope.org, {"name": name or f"赛事{next(_seq)}", "kind": kind, "year": year, **settings})
    )


def category(
    scope, code: str, name: str | None = None, *, event_id: int | None = None, **quotas: Any
) -> dict[str, Any]:
    """A category added to the event: ``{"id", "code", "name", "school_quota", "city_quota"}``."""
    from competitions.events import services as events

    return scope.run(
        events.add_category(scope.org, event_id or scope.event_id, {"code": code, "name": name or code, **quotas})
    )


def entry(
    scope,
    school: str = "HK01",
    *,
    students: int | Iterable[str | MemberInput] = (),
    advisers: Iterable[str | MemberInput] = (),
    title: str | None = None,
    category: str = "MA",
    division: str = "初中",
    summary: str = "",
    by: Any = None,
    event_id: int | None = None,
) -> dict[str, Any]:
    """An entry of ``school`` through ``registration.create_entry``: approved when the
    organizer creates it (the default), a draft when ``by`` is a school account (username
    or principal). ``students`` are names (a fresh valid ID and a grade of the division
    each), :class:`MemberInput` s, or a number of students to make up. Returns the
    service's entry dict plus ``"member_ids": {name: member id}``."""
    from competitions.registration.services import create_entry
    from tests.factories.app import principal

    actor = principal(scope, by) if isinstance(by, str) else (by or scope.org)
    data = {"title": title or f"作品{next(_seq)}", "category": category, "division": division, "school_code": school}
    if summary:
        data["summary"] = summary
    made = scope.run(create_entry(actor, event_id or scope.event_id, data, _members(students, advisers, division)))
    return {**made, "member_ids": {m["name"]: m["id"] for m in made["members"]}}


def entries(scope, n: int, *, schools: Iterable[str] = ("HK01", "HK02", "SY01"), **fields: Any) -> list[dict[str, Any]]:
    """``n`` approved entries, schools taken in turn (see :func:`entry` for ``fields``)."""
    codes = itertools.cycle(list(schools))
    return [entry(scope, next(codes), **fields) for _ in range(n)]


def checkin_session(scope, name: str = "报到", *, event_id: int | None = None, **fields: Any) -> dict[str, Any]:
    """A check-in session through the check-in service (``starts_at``, ``ends_at``, ``location``)."""
    from competitions.checkin import services as checkin

    return scope.run(checkin.create_session(scope.org, event_id or scope.event_id, name, **fields))
