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

import datetime as dt
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from app.times import SHANGHAI, UTC
from competitions.camps.tables import CampApplication, CampSite
from competitions.coverage.counting import APPLICANT, PARTICIPANT, Participation, SchoolYear, Talk
from competitions.events.tables import Event

RowsFunction = Callable[[SchoolYear], Awaitable[Iterable[Participation]]]
TalksFunction = Callable[[SchoolYear], Awaitable[Iterable[Talk]]]


@dataclass(frozen=True)
class ParticipationSource:
    """A programme's participations: ``kind`` (innovation, robotics, camp, talent, ...), ``label`` (its
    name, a Chinese message id translated where shown), ``rows(period)`` the participations of the
    school year ``period`` (:class:`~competitions.coverage.counting.SchoolYear`), ``order`` where it is
    listed (smaller first)."""

    kind: str
    label: str
    rows: RowsFunction
    order: int = 100


@dataclass(frozen=True)
class ReachSource:
    """Audiences reached without registering students (outreach talks): ``talks(period)`` gives one
    :class:`~competitions.coverage.counting.Talk` per talk of the school year ``period``."""

    kind: str
    label: str
    talks: TalksFunction
    order: int = 100


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


# --------------------------------------------------------------------------- innovation and robotics entries

# entries that are registered: sent for review or approved (drafts, returned and withdrawn ones are not)
REGISTERED_STATUSES = ("submitted", "recommended", "approved")


async def entry_rows(kind: str, period: SchoolYear) -> list[Participation]:
    """Students (never advisers) of the registered entries of ``kind``'s events in ``period``."""
    from competitions.registration.tables import Member

    event_ids = await events_in(period, (kind,))
    if not event_ids:
        return []
    statuses = ", ".join(f"'{s}'" for s in REGISTERED_STATUSES)
    rows = await Member.raw(
        "SELECT m.id_hash AS person, e.school AS school_id, s.region AS region, e.division AS division, "
        "m.gender AS gender, m.event AS event_id FROM member m JOIN entry e ON e.id = m.entry "
        "LEFT JOIN school s ON s.id = e.school "
        f"WHERE m.role = 'student' AND e.status IN ({statuses}) AND m.event IN ({_in_list(event_ids)})",
        *event_ids,
    )
    return [
        Participation(
            r["person"] or "",
            r["school_id"],
            r["region"],
            r["division"] or "",
            r["gender"] or "",
            kind,
            r["event_id"],
            PARTICIPANT,
        )
        for r in rows
    ]


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
    rows = await CampApplication.raw(
        "SELECT a.student_hash AS person, a.school AS school_id, s.region AS region, e.division AS division, "
        "m.gender AS gender, a.event AS event_id, a.status AS status FROM camp_application a "
        "JOIN entry e ON e.id = a.entry LEFT JOIN school s ON s.id = a.school "
        "LEFT JOIN member m ON m.entry = a.entry AND m.role = 'student' "
        f"WHERE a.event IN ({_in_list(event_ids)})",
        *event_ids,
    )
    out = []
    for r in rows:
        status = PARTICIPANT if r["status"] in CAMP_PLACED else APPLICANT if r["status"] in CAMP_APPLIED else None
        if status is None:
            continue
        out.append(
            Participation(
                r["person"] or "",
                r["school_id"],
                r["region"],
                r["division"] or "",
                r["gender"] or "",
                "camp",
                r["event_id"],
                status,
            )
        )
    return out


INNOVATION_SOURCE = ParticipationSource("innovation", "科技创新大赛", partial(entry_rows, "innovation"), order=10)
ROBOTICS_SOURCE = ParticipationSource("robotics", "机器人竞赛", partial(entry_rows, "robotics"), order=20)
CAMP_SOURCE = ParticipationSource("camp", "高校科学营", camp_rows, order=30)
BUILT_IN = (INNOVATION_SOURCE, ROBOTICS_SOURCE, CAMP_SOURCE)
