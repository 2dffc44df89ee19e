"""Planning a 大手拉小手 tour (巡讲) from schools' requests (issue 17 item 3). Pure: no database, standard
library only; inputs are the dataclasses below, the service reads them from the tables.

The rule, greedy and explainable (each proposed talk says why this school and why this expert):

1. **Counties first that were reached least.** Requests are grouped by county (the school's GB/T 2260
   region) and the counties taken in ascending order of the talks delivered there before the tour, in
   earlier years and earlier this year (``History.county_talks``), then by code. A county's requests are all planned before the next
   county's, so when experts' days run out it is the better-served counties that wait.
2. **Within a county:** the city's priority first (high, normal, low: the city knows its schools), then
   schools reached least before (``History.school_talks``), rural schools before urban ones,
   the earliest preferred week, the request id.
3. **For each request** the candidates are (topic, day) pairs: the topic the school asked for, or else a
   topic whose subject matches the school's subject, or (no subject given) any topic for the division;
   the topic must suit the request's division. The day must be a tour day inside one of the preferred
   weeks (any tour day when none are given), a day the school has no other talk, and the topic's expert
   must travel to the county, be available that day (a window, or generally available), not be booked
   elsewhere (``Expert.booked``: days taken by other tours), have fewer than ``max_talks_per_day``
   talks that day, and be in no other county that day (one county per expert per day), unless a travel
   table says the two counties are at most ``max_day_travel_minutes`` apart.
4. **The best candidate:** the requested topic before a subject match before a division-only match;
   then an expert already in that county that day (talks cluster, less travel); then the expert with
   the fewest talks in this plan (the load is shared); then the earliest day; then ids.

A request no candidate fits stays unplaced with a reason: no topic; no tour day in its weeks; else the
furthest any candidate got (:data:`FUNNEL`): no expert who travels there, nobody available (or booked by
another tour), the expert's day in another county, the expert's day full.
Deterministic: the same inputs give the same plan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

PRIORITY_RANK = {"high": 0, "normal": 1, "low": 2}
Problem = Literal["no_topic", "division", "no_day", "no_travel", "not_available", "booked", "full", "other_county"]
# how far a (topic, day) candidate got: an unplaced request is told the furthest stage any candidate reached
# (every candidate failed on travel < on availability < on capacity: the expert's day was full or elsewhere)
FUNNEL: tuple[Problem, ...] = ("no_day", "no_travel", "booked", "not_available", "other_county", "full")


@dataclass(frozen=True)
class Request:
    """A school's open request: ``county`` the school's region code; ``weeks`` Mondays of the preferred
    weeks (empty: any tour day); ``topic_id`` the topic asked for, else ``subject`` (may be empty)."""

    id: int
    school_id: int
    county: str
    division: str
    weeks: tuple[dt.date, ...] = ()
    topic_id: int | None = None
    subject: str = ""
    rural: bool = False
    priority: str = "normal"


@dataclass(frozen=True)
class Topic:
    id: int
    expert_id: int
    divisions: frozenset[str]
    subject: str = ""
    title: str = ""


@dataclass(frozen=True)
class Expert:
    """``regions``: counties the expert travels to (empty: anywhere); ``windows``: inclusive date ranges
    when available (ignored when ``generally_available``); ``booked``: days already taken by other tours,
    with the county of that day (the expert gives no talk here on those days)."""

    id: int
    regions: frozenset[str] = frozenset()
    windows: tuple[tuple[dt.date, dt.date], ...] = ()
    generally_available: bool = False
    booked: Mapping[dt.date, str] = field(default_factory=dict)

    def travels_to(self, county: str) -> bool:
        return not self.regions or county in self.regions

    def available_on(self, day: dt.date) -> bool:
        if day in self.booked:
            return False
        return self.generally_available or any(a <= day <= b for a, b in self.windows)


@dataclass(frozen=True)
class History:
    """Talks delivered before the tour (earlier years and earlier this year), per county (region code) and
    per school id."""

    county_talks: Mapping[str, int] = field(default_factory=dict)
    school_talks: Mapping[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Rules:
    """``days``: the tour's days; ``travel_minutes``: ``{(county, county): minutes}`` (either order);
    two counties share an expert's day when the table gives at most ``max_day_travel_minutes``
    between them (without a table, or at 0: one county per day)."""

    days: tuple[dt.date, ...]
    max_talks_per_day: int = 3
    travel_minutes: Mapping[tuple[str, str], int] = field(default_factory=dict)
    max_day_travel_minutes: int = 0


@dataclass(frozen=True)
class Why:
    """One reason, structured (the service renders it in words): ``code`` and its numbers or words."""

    code: str
    params: tuple[tuple[str, str | int], ...] = ()

    def get(self, key: str) -> str | int | None:
        return dict(self.params).get(key)


@dataclass(frozen=True)
class Talk:
    request_id: int
    school_id: int
    county: str
    expert_id: int
    topic_id: int
    day: dt.date
    slot: int
    why_school: tuple[Why, ...]
    why_expert: tuple[Why, ...]


@dataclass(frozen=True)
class Unplaced:
    request_id: int
    reason: Problem


@dataclass(frozen=True)
class Plan:
    talks: tuple[Talk, ...]
    unplaced: tuple[Unplaced, ...]
    county_order: tuple[tuple[str, int], ...]  # (county, talks in earlier years), in planning order


def week_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def subject_matches(wanted: str, topic: Topic) -> bool:
    wanted = wanted.strip()
    if not wanted:
        return True
    return bool(topic.subject) and (wanted in topic.subject or topic.subject in wanted) or wanted in topic.title


def topic_choices(request: Request, topics: Iterable[Topic]) -> list[tuple[int, Topic]]:
    """``(quality, topic)`` that may serve ``request``: 0 the requested topic, 1 a subject match, 2 any
    topic for the division (no subject given). Every choice suits the request's division."""
    out: list[tuple[int, Topic]] = []
    for t in topics:
        if request.division not in t.divisions:
            continue
        if request.topic_id is not None:
            if t.id == request.topic_id:
                out.append((0, t))
        elif request.subject.strip():
            if subject_matches(request.subject, t):
                out.append((1, t))
        else:
            out.append((2, t))
    return sorted(out, key=lambda c: (c[0], c[1].id))


def request_days(request: Request, days: Sequence[dt.date]) -> list[dt.date]:
    if not request.weeks:
        return list(days)
    weeks = set(request.weeks)
    return [d for d in days if week_of(d) in weeks]


class DayBook:
    """Who is where on which day in a plan: an expert's counties and talks per day, a school's days."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.counties: dict[tuple[int, dt.date], list[str]] = {}
        self.talks: dict[tuple[int, dt.date], int] = {}
        self.school_days: set[tuple[int, dt.date]] = set()
        self.load: dict[int, int] = {}

    def travel(self, a: str, b: str) -> int | None:
        t = self.rules.travel_minutes
        return t.get((a, b), t.get((b, a)))

    def fits_county(self, expert_id: int, day: dt.date, county: str) -> bool:
        here = self.counties.get((expert_id, day), [])
        if not here or county in here:
            return True
        limit = self.rules.max_day_travel_minutes
        if limit <= 0:
            return False
        for other in here:
            minutes = self.travel(other, county)
            if minutes is None or minutes > limit:
                return False
        return True

    def add(self, expert_id: int, day: dt.date, county: str, school_id: int) -> int:
        key = (expert_id, day)
        if county not in self.counties.setdefault(key, []):
            self.counties[key].append(county)
        self.talks[key] = self.talks.get(key, 0) + 1
        self.school_days.add((school_id, day))
        self.load[expert_id] = self.load.get(expert_id, 0) + 1
        return self.talks[key]


def problems(
    request: Request,
    topic: Topic | None,
    expert: Expert,
    day: dt.date,
    book: DayBook,
) -> list[Problem]:
    """Why ``expert`` may not give ``topic`` for ``request`` on ``day`` given what ``book`` holds
    (empty: it may). Used by the planner and by the office's edits of a proposal."""
    found: list[Problem] = []
    if topic is None:
        found.append("no_topic")
    elif request.division not in topic.divisions:
        found.append("division")
    if (request.school_id, day) in book.school_days:
        found.append("no_day")
    if not expert.travels_to(request.county):
        found.append("no_travel")
    if day in expert.booked:
        found.append("booked")
    elif not expert.available_on(day):
        found.append("not_available")
    if book.talks.get((expert.id, day), 0) >= book.rules.max_talks_per_day:
        found.append("full")
    if not book.fits_county(expert.id, day, request.county):
        found.append("other_county")
    return found


def _request_key(r: Request, history: History) -> tuple[int, int, int, dt.date, int]:
    first_week = min(r.weeks) if r.weeks else dt.date.max
    return (
        PRIORITY_RANK.get(r.priority, 1),
        history.school_talks.get(r.school_id, 0),
        0 if r.rural else 1,
        first_week,
        r.id,
    )


def plan(
    requests: Sequence[Request],
    topics: Sequence[Topic],
    experts: Sequence[Expert],
    history: History,
    rules: Rules,
    book: DayBook | None = None,
) -> Plan:
    """Propose talks for ``requests`` over ``rules.days`` (see the module's docstring). ``book`` may hold
    talks already fixed (the office's own) that the proposal must respect."""
    book = book or DayBook(rules)
    by_id = {e.id: e for e in experts}
    usable = [t for t in topics if t.expert_id in by_id]
    counties = sorted({r.county for r in requests}, key=lambda c: (history.county_talks.get(c, 0), c))
    county_rank = {c: i + 1 for i, c in enumerate(counties)}
    talks: list[Talk] = []
    unplaced: list[Unplaced] = []
    for county in counties:
        mine = sorted((r for r in requests if r.county == county), key=lambda r: _request_key(r, history))
        for r in mine:
            choices = topic_choices(r, usable)
            days = [d for d in request_days(r, rules.days) if (r.school_id, d) not in book.school_days]
            if not choices:
                unplaced.append(Unplaced(r.id, "no_topic"))
                continue
            if not days:
                unplaced.append(Unplaced(r.id, "no_day"))
                continue
            best: tuple[tuple[int, int, int, dt.date, int, int], Topic, dt.date] | None = None
            furthest = -1  # how far the best failing candidate got through FUNNEL
            for quality, topic in choices:
                expert = by_id[topic.expert_id]
                for day in days:
                    found = problems(r, topic, expert, day, book)
                    if found:
                        furthest = max(furthest, min((FUNNEL.index(p) for p in found if p in FUNNEL), default=0))
                        continue
                    here = 0 if book.talks.get((expert.id, day), 0) else 1
                    key = (quality, here, book.load.get(expert.id, 0), day, expert.id, topic.id)
                    if best is None or key < best[0]:
                        best = (key, topic, day)
            if best is None:
                unplaced.append(Unplaced(r.id, FUNNEL[max(furthest, 0)]))
                continue
            (quality, here, load, _day, _e, _t), topic, day = best
            expert = by_id[topic.expert_id]
            others = book.talks.get((expert.id, day), 0)
            slot = book.add(expert.id, day, county, r.school_id)
            why_school = [
                Why(
                    "county_history",
                    (
                        ("talks", history.county_talks.get(county, 0)),
                        ("rank", county_rank[county]),
                        ("of", len(counties)),
                    ),
                ),
                Why("school_history", (("talks", history.school_talks.get(r.school_id, 0)),)),
            ]
            if r.rural:
                why_school.append(Why("rural"))
            if r.priority != "normal":
                why_school.append(Why("priority", (("level", r.priority),)))
            if r.weeks:
                why_school.append(Why("preferred_week", (("week", week_of(day).isoformat()),)))
            why_expert = [
                Why(
                    ("requested_topic", "subject_match", "division_match")[quality],
                    (("subject", r.subject or topic.subject), ("division", r.division)),
                ),
                Why("travels", (("anywhere", int(not expert.regions)),)),
                Why("available", (("general", int(expert.generally_available)),)),
            ]
            if here == 0:
                why_expert.append(Why("same_county_day", (("talks", others),)))
            why_expert.append(Why("load", (("talks", load),)))
            talks.append(
                Talk(r.id, r.school_id, county, expert.id, topic.id, day, slot, tuple(why_school), tuple(why_expert))
            )
    talks.sort(key=lambda t: (t.day, t.expert_id, t.slot))
    return Plan(
        tuple(talks),
        tuple(sorted(unplaced, key=lambda u: u.request_id)),
        tuple((c, history.county_talks.get(c, 0)) for c in counties),
    )
