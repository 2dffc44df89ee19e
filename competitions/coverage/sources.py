"""Where the coverage report's numbers come from: a small source interface each programme fills, and
the sources of the programmes built so far (innovation and robotics entries, camps).

A programme that reaches students registers a :class:`ParticipationSource` (``competitions/plugin.py``
calls :func:`register_participation` in its ``setup()``)::

    async def talent_rows(period: SchoolYear) -> Iterable[Participation]:
        ...  # one row per student placed with a mentor (status "participant") or applying but not
             # placed ("applicant"), for the programme instances whose date lies in period.start <= d < period.end

    register_participation(ParticipationSource("talent", "后备人才培养计划", talent_rows, order=40))

and outreach registers a :class:`ReachSource` whose ``talks(period)`` gives one :class:`Talk` per talk
delivered in the period. The report never asks a programme anything else: adding one is one
registration. Rows carry the keyed hash of the student's ID number (``Member.id_hash``, the same key
registration and camps keep), never a name or number.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from app.db import busy_seconds, current_engine, is_sqlite
from app.times import SHANGHAI, UTC
from competitions.camps.tables import CampSite
from competitions.coverage.counting import APPLICANT, PARTICIPANT, Participation, SchoolYear, Talk
from competitions.events.tables import Event
from competitions.outreach import numbers as outreach_numbers

RowsFunction = Callable[[SchoolYear], Awaitable[Iterable[Participation]]]
TalksFunction = Callable[[SchoolYear], Awaitable[Iterable[Talk]]]
PersonsFunction = Callable[[SchoolYear], Awaitable[Iterable[str]]]
FingerprintFunction = Callable[[SchoolYear], Awaitable[Any]]


@dataclass(frozen=True)
class ParticipationSource:
    """A programme's participations: ``kind`` (innovation, robotics, camp, talent, ...), ``label`` (its
    name, a Chinese message id translated where shown), ``rows(period)`` the participations of the
    school year ``period`` (:class:`~competitions.coverage.counting.SchoolYear`), ``order`` where it is
    listed (smaller first). ``persons(period)``, optional, gives only the hashes of the students who
    took part (status participant): the year before the one computed needs no more (returning
    students), and a source that can answer it cheaply saves reading its rows; without it ``rows`` is used.
    ``fingerprint(period)``, optional, gives a small JSON-able value that changes whenever ``rows(period)``
    would (one aggregate query, no rows read): a stored snapshot whose fingerprint differs from today's
    says its figures are out of date. Without it the rows themselves are digested (exact, slower)."""

    kind: str
    label: str
    rows: RowsFunction
    order: int = 100
    persons: PersonsFunction | None = None
    fingerprint: FingerprintFunction | None = None


@dataclass(frozen=True)
class ReachSource:
    """Audiences reached without registering students (outreach talks): ``talks(period)`` gives one
    :class:`~competitions.coverage.counting.Talk` per talk of the school year ``period``."""

    kind: str
    label: str
    talks: TalksFunction
    order: int = 100
    fingerprint: FingerprintFunction | None = None


participation_sources: dict[str, ParticipationSource] = {}
reach_sources: dict[str, ReachSource] = {}


def register_participation(source: ParticipationSource) -> ParticipationSource:
    """Add (or replace, by ``kind``) a participation source."""
    participation_sources[source.kind] = source
    return source


def register_reach(source: ReachSource) -> ReachSource:
    """Add (or replace, by ``kind``) a reach source."""
    reach_sources[source.kind] = source
    return source


def ordered_participation_sources() -> list[ParticipationSource]:
    return sorted(participation_sources.values(), key=lambda s: (s.order, s.kind))


def ordered_reach_sources() -> list[ReachSource]:
    return sorted(reach_sources.values(), key=lambda s: (s.order, s.kind))


def programme_labels() -> dict[str, str]:
    """``{kind: label}`` of every registered source (message ids), in order."""
    return {
        s.kind: s.label
        for s in sorted([*participation_sources.values(), *reach_sources.values()], key=lambda s: (s.order, s.kind))
    }


# --------------------------------------------------------------------------- when an event took place


def local_day(value: Any) -> dt.date | None:
    """A stored time as its Asia/Shanghai calendar day (a date stays as it is)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(SHANGHAI).date()
    if isinstance(value, dt.date):
        return value
    return None


def event_day(event: dict[str, Any], first_site_day: dt.date | None = None) -> dt.date | None:
    """The day an event counts on for school years: a camp's first site day; otherwise the day its
    registration closed (the roster is then fixed), else the day it opened, else the day it was made."""
    for value in (first_site_day, event.get("registration_closes_at"), event.get("registration_opens_at")):
        day = local_day(value)
        if day is not None:
            return day
    return local_day(event.get("created_at"))


async def events_in(period: SchoolYear, kinds: tuple[str, ...]) -> list[int]:
    """Ids of the events of ``kinds`` whose day (:func:`event_day`) lies in ``period``."""
    events = await Event.select(
        Event.id, Event.kind, Event.registration_closes_at, Event.registration_opens_at, Event.created_at
    ).where(Event.kind.is_in(list(kinds)))
    first_site: dict[int, dt.date] = {}
    if any(e["kind"] == "camp" for e in events):
        for site in await CampSite.select(CampSite.event, CampSite.starts_on).where(CampSite.starts_on.is_not_null()):
            day = site["starts_on"]
            if site["event"] not in first_site or day < first_site[site["event"]]:
                first_site[site["event"]] = day
    return [
        e["id"]
        for e in events
        if (day := event_day(e, first_site.get(e["id"]) if e["kind"] == "camp" else None)) is not None
        and period.contains(day)
    ]


def _in_list(ids: list[int]) -> str:
    return ", ".join("{}" for _ in ids)


async def fetch_tuples(sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Rows of a read as tuples, in the column order of ``sql`` (``{}`` marks the parameters). On
    SQLite straight through ``sqlite3`` in a thread: Piccolo's reader turns each of tens of thousands of
    rows into a dict with a Python function first, which took most of the report's time."""
    engine = current_engine()
    if is_sqlite(engine):
        path = engine.connection_kwargs["database"]
        query = sql.replace("{}", "?")

        def read() -> list[tuple[Any, ...]]:
            connection = sqlite3.connect(path, timeout=busy_seconds())
            try:
                return connection.execute(query, args).fetchall()
            finally:
                connection.close()

        return await asyncio.to_thread(read)
    return [tuple(row.values()) for row in await Event.raw(sql, *args)]


# --------------------------------------------------------------------------- fingerprints: has anything changed?

# a row's gender and division as small numbers, weighted by the row's id in the sums below, so that one
# student's gender or one entry's division changing changes the sum
_GENDER_CODE = "CASE m.gender WHEN '男' THEN 1 WHEN '女' THEN 2 ELSE 3 END"
_DIVISION_CODE = "CASE e.division WHEN '小学' THEN 1 WHEN '初中' THEN 2 WHEN '高中' THEN 3 ELSE 4 END"


def _aggregates(row_id: str, person: str, school: str, status: str) -> str:
    """The select list of a fingerprint: how many rows, which (sum of ids), their status class, school,
    gender and division (each weighted by the row's id), and their persons' hashes (how many, the
    smallest and largest; a distinct count doubled the cost of the check). Portable between SQLite and PostgreSQL (products in 64 bits)."""
    row_id = f"CAST({row_id} AS BIGINT)"
    return _named(
        "count(*)",
        f"coalesce(sum({row_id}), 0)",
        f"coalesce(sum({row_id} * ({status})), 0)",
        f"coalesce(sum({row_id} * coalesce({school}, 0)), 0)",
        f"coalesce(sum({row_id} * ({_GENDER_CODE})), 0)",
        f"coalesce(sum({row_id} * ({_DIVISION_CODE})), 0)",
        f"count({person})",
        f"min({person})",
        f"max({person})",
    )


def _named(*expressions: str) -> str:
    """A select list whose columns have names of their own (``f0``, ``f1``, ...): rows read through
    Piccolo on PostgreSQL are dicts, where unnamed aggregates (``count``, ``coalesce``) overwrite
    each other."""
    return ", ".join(f"{e} AS f{i}" for i, e in enumerate(expressions))


def _plain(values: Iterable[Any]) -> list[Any]:
    """Aggregates as JSON-ready values (PostgreSQL answers sums as Decimals)."""
    return [v if v is None or isinstance(v, (int, str)) else str(v) for v in values]


async def schools_fingerprint() -> list[Any]:
    """Changes whenever a school is added or removed, or its region or town/country flag changes."""
    columns = _named(
        "count(*)",
        "coalesce(sum(id), 0)",
        "coalesce(sum(CASE WHEN rural THEN id ELSE 0 END), 0)",
        "coalesce(sum(CAST(id AS BIGINT) * CAST(coalesce(region, '0') AS BIGINT)), 0)",
    )
    rows = await fetch_tuples(f"SELECT {columns} FROM school")
    return _plain(rows[0])


# --------------------------------------------------------------------------- innovation and robotics entries

# entries that are registered: sent for review or approved (drafts, returned and withdrawn ones are not)
REGISTERED_STATUSES = ("submitted", "recommended", "approved")


async def entry_rows(kind: str, period: SchoolYear) -> list[Participation]:
    """Students (never advisers) of the registered entries of ``kind``'s events in ``period``."""
    event_ids = await events_in(period, (kind,))
    if not event_ids:
        return []
    statuses = ", ".join(f"'{s}'" for s in REGISTERED_STATUSES)
    rows = await fetch_tuples(
        "SELECT m.id_hash AS person, e.school AS school_id, s.region AS region, e.division AS division, "
        "m.gender AS gender, m.event AS event_id FROM member m JOIN entry e ON e.id = m.entry "
        "LEFT JOIN school s ON s.id = e.school "
        f"WHERE m.role = 'student' AND e.status IN ({statuses}) AND m.event IN ({_in_list(event_ids)})",
        *event_ids,
    )
    return [
        Participation(person or "", school_id, region, division or "", gender or "", kind, event_id, PARTICIPANT)
        for person, school_id, region, division, gender, event_id in rows
    ]


async def entry_persons(kind: str, period: SchoolYear) -> list[str]:
    """The hashes of the students of :func:`entry_rows` (no more)."""
    event_ids = await events_in(period, (kind,))
    if not event_ids:
        return []
    statuses = ", ".join(f"'{s}'" for s in REGISTERED_STATUSES)
    rows = await fetch_tuples(
        "SELECT DISTINCT m.id_hash FROM member m JOIN entry e ON e.id = m.entry "
        f"WHERE m.role = 'student' AND m.id_hash IS NOT NULL AND e.status IN ({statuses}) "
        f"AND m.event IN ({_in_list(event_ids)})",
        *event_ids,
    )
    return [r[0] for r in rows]


async def entry_fingerprint(kind: str, period: SchoolYear) -> list[Any]:
    """The fingerprint of :func:`entry_rows` (which events, and an aggregate of their rows)."""
    event_ids = await events_in(period, (kind,))
    if not event_ids:
        return []
    statuses = ", ".join(f"'{s}'" for s in REGISTERED_STATUSES)
    rows = await fetch_tuples(
        f"SELECT {_aggregates('m.id', 'm.id_hash', 'e.school', '1')} FROM member m JOIN entry e ON e.id = m.entry "
        f"WHERE m.role = 'student' AND e.status IN ({statuses}) AND m.event IN ({_in_list(event_ids)})",
        *event_ids,
    )
    return [sorted(event_ids), _plain(rows[0])]


def _status_class(placed: tuple[str, ...], applied: tuple[str, ...]) -> str:
    """1 for a placed application, 2 for an applicant, 0 for one left out."""
    return (
        f"CASE WHEN a.status IN ({', '.join(repr(s) for s in placed)}) THEN 1 "
        f"WHEN a.status IN ({', '.join(repr(s) for s in applied)}) THEN 2 ELSE 0 END"
    )


async def application_fingerprint(
    table: str, kind: str, placed: tuple[str, ...], applied: tuple[str, ...], period: SchoolYear
) -> list[Any]:
    """The fingerprint of the applications (camps, the talent programme) of ``kind``'s events in ``period``."""
    event_ids = await events_in(period, (kind,))
    if not event_ids:
        return []
    rows = await fetch_tuples(
        f"SELECT {_aggregates('a.id', 'a.student_hash', 'a.school', _status_class(placed, applied))} "
        f"FROM {table} a JOIN entry e ON e.id = a.entry "
        "LEFT JOIN member m ON m.entry = a.entry AND m.role = 'student' "
        f"WHERE a.event IN ({_in_list(event_ids)})",
        *event_ids,
    )
    return [sorted(event_ids), _plain(rows[0])]


# --------------------------------------------------------------------------- camps

# admitted at a site (offered a seat, or accepted it): taking part; applied, waiting, not placed, or an
# offer declined or expired: an applicant; withdrawn applications are left out
CAMP_PLACED = ("offered", "accepted")
CAMP_APPLIED = ("applied", "waiting", "unplaced", "declined", "expired")


async def camp_rows(period: SchoolYear) -> list[Participation]:
    """Students admitted at a camp site (participants) and applicants not placed, of the camp events in ``period``."""
    event_ids = await events_in(period, ("camp",))
    if not event_ids:
        return []
    rows = await fetch_tuples(
        "SELECT a.student_hash AS person, a.school AS school_id, s.region AS region, e.division AS division, "
        "m.gender AS gender, a.event AS event_id, a.status AS status FROM camp_application a "
        "JOIN entry e ON e.id = a.entry LEFT JOIN school s ON s.id = a.school "
        "LEFT JOIN member m ON m.entry = a.entry AND m.role = 'student' "
        f"WHERE a.event IN ({_in_list(event_ids)})",
        *event_ids,
    )
    out = []
    for person, school_id, region, division, gender, event_id, status in rows:
        kind = PARTICIPANT if status in CAMP_PLACED else APPLICANT if status in CAMP_APPLIED else None
        if kind is not None:
            out.append(
                Participation(person or "", school_id, region, division or "", gender or "", "camp", event_id, kind)
            )
    return out


# --------------------------------------------------------------------------- the talent programme

# matched with a mentor (in training, left at the mid-term, or reviewed at the year end): taking part;
# applied, invited, below the cut-off or not matched: an applicant; withdrawn applications are left out
TALENT_PLACED = ("matched", "left", "completed", "failed")
TALENT_APPLIED = ("applied", "invited", "not_invited", "unmatched")


async def talent_rows(period: SchoolYear) -> list[Participation]:
    """Students placed with a mentor (participants) and applicants not placed, of the talent programmes
    in ``period`` (a programme counts in the school year of its application deadline)."""
    event_ids = await events_in(period, ("talent",))
    if not event_ids:
        return []
    rows = await fetch_tuples(
        "SELECT a.student_hash AS person, a.school AS school_id, s.region AS region, e.division AS division, "
        "m.gender AS gender, a.event AS event_id, a.status AS status FROM talent_application a "
        "JOIN entry e ON e.id = a.entry LEFT JOIN school s ON s.id = a.school "
        "LEFT JOIN member m ON m.entry = a.entry AND m.role = 'student' "
        f"WHERE a.event IN ({_in_list(event_ids)})",
        *event_ids,
    )
    out = []
    for person, school_id, region, division, gender, event_id, status in rows:
        kind = PARTICIPANT if status in TALENT_PLACED else APPLICANT if status in TALENT_APPLIED else None
        if kind is not None:
            out.append(
                Participation(person or "", school_id, region, division or "", gender or "", "talent", event_id, kind)
            )
    return out


INNOVATION_SOURCE = ParticipationSource(
    "innovation",
    "科技创新大赛",
    partial(entry_rows, "innovation"),
    order=10,
    persons=partial(entry_persons, "innovation"),
    fingerprint=partial(entry_fingerprint, "innovation"),
)
ROBOTICS_SOURCE = ParticipationSource(
    "robotics",
    "机器人竞赛",
    partial(entry_rows, "robotics"),
    order=20,
    persons=partial(entry_persons, "robotics"),
    fingerprint=partial(entry_fingerprint, "robotics"),
)
CAMP_SOURCE = ParticipationSource(
    "camp",
    "高校科学营",
    camp_rows,
    order=30,
    fingerprint=partial(application_fingerprint, "camp_application", "camp", CAMP_PLACED, CAMP_APPLIED),
)
TALENT_SOURCE = ParticipationSource(
    "talent",
    "后备人才培养计划",
    talent_rows,
    order=40,
    fingerprint=partial(application_fingerprint, "talent_application", "talent", TALENT_PLACED, TALENT_APPLIED),
)
BUILT_IN = (INNOVATION_SOURCE, ROBOTICS_SOURCE, CAMP_SOURCE, TALENT_SOURCE)


async def outreach_talks(period: SchoolYear) -> list[Talk]:
    """大手拉小手 talks delivered (confirmed by their school) in the school year ``period``."""
    rows = await outreach_numbers.delivered_talks(period.start, period.end)
    return [Talk(r["date"], r["school_id"], r["region"], r["audience"], r["rural"]) for r in rows]


OUTREACH_SOURCE = ReachSource("outreach", "大手拉小手", outreach_talks, order=50)
REACH_BUILT_IN = (OUTREACH_SOURCE,)
