"""The coverage report's arithmetic, pure (no database, no I/O): school years, and counting participations
into unique students, participations, applicants and schools per region, programme, gender, division,
town/country and autonomous county; penetration per 1,000 enrolled; year-over-year changes.

Definitions (CONTRACT.md "Coverage", issue 18):

- A **student** is one person across programmes: the keyed hash of the ID number (``person``). Rows
  without one (personal data purged from a finished event) each count as a person of their own
  (``unhashed`` says how many).
- A **participation** is one student taking part in one event or programme instance: rows of one person
  in one event (``event_id``) of one programme (``kind``) count once.
- An **applicant** applied in the scope (a camp, the talent programme) and took part in nothing of that
  scope: a camp applicant who also joined a contest is an applicant of camps but not of the province.
- A **school** of a scope has at least one participation in it.
- **Returning** students took part in the previous school year too; **multi-programme** students took
  part in two programmes or more this year.
- A student who took part from schools in two counties counts in each county once (and once in the
  province); the same goes for every other split.
- **Talks** (outreach) are reach, not students: a talk and its audience count per region and town/country.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

DIVISIONS = ("小学", "初中", "高中")
GENDERS = ("男", "女")
AREAS = ("urban", "rural")
PARTICIPANT = "participant"
APPLICANT = "applicant"
UNKNOWN = ""  # an unknown region, gender or division


class SchoolYear(NamedTuple):
    """School year ``year`` (the one starting in that calendar year): from ``start`` (inclusive) to
    ``end`` (exclusive, the start of the next one)."""

    year: int
    start: dt.date
    end: dt.date

    def contains(self, day: dt.date) -> bool:
        return self.start <= day < self.end


class Participation(NamedTuple):
    """One student's taking part (or applying) in one programme instance, as a source gives it.

    ``person``: the keyed hash of the ID number ("" when unknown); ``school_id``: the school's id;
    ``region``: the school's GB/T 2260 code ("" or ``None`` when unknown: the school's own is used);
    ``division``: 小学 / 初中 / 高中; ``gender``: 男 / 女; ``kind``: the programme (innovation,
    robotics, camp, talent); ``event_id``: the event or programme instance; ``status``:
    ``"participant"`` (registered, admitted, placed) or ``"applicant"`` (applied, not placed)."""

    person: str
    school_id: int | None
    region: str | None
    division: str
    gender: str
    kind: str
    event_id: int
    status: str


class Talk(NamedTuple):
    """One outreach talk (大手拉小手) given at a school: ``audience`` people heard it."""

    date: dt.date
    school_id: int | None
    region: str | None
    audience: int
    rural: bool | None


class SchoolInfo(NamedTuple):
    """What the report needs of a school."""

    id: int
    code: str
    name: str
    region: str | None
    rural: bool


class RegionInfo(NamedTuple):
    code: str
    name: str
    autonomous: bool


def valid_year_start(month: int, day: int) -> bool:
    """A start date that exists every year (29 February does not)."""
    if not 1 <= month <= 12 or day < 1:
        return False
    return day <= (dt.date(2001 if month != 12 else 2002, month % 12 + 1, 1) - dt.timedelta(days=1)).day


def school_year(year: int, start: tuple[int, int] = (9, 1)) -> SchoolYear:
    """School year ``year``: from ``start`` (month, day) of ``year`` to the day before it in ``year + 1``."""
    month, day = start
    return SchoolYear(year, dt.date(year, month, day), dt.date(year + 1, month, day))


def school_year_of(day: dt.date, start: tuple[int, int] = (9, 1)) -> int:
    """The school year ``day`` falls in: ``2026-08-31`` -> 2025, ``2026-09-01`` -> 2026 (start 1 September)."""
    return day.year if (day.month, day.day) >= start else day.year - 1


# --------------------------------------------------------------------------- counting


# the scopes (by their place in ``count``'s keys) whose schools are counted: all, programme, area,
# autonomous, region, region and programme, region and area
_SCHOOL_SCOPES = (0, 1, 4, 5, 6, 7, 10)


class _Scopes:
    """Per scope key: the persons taking part, those applying, participations, schools."""

    def __init__(self) -> None:
        self.participants: dict[tuple[Any, ...], set[object]] = defaultdict(set)
        self.applicants: dict[tuple[Any, ...], set[object]] = defaultdict(set)
        self.participations: dict[tuple[Any, ...], int] = defaultdict(int)
        self.schools: dict[tuple[Any, ...], set[int]] = defaultdict(set)

    def measures(self, key: tuple[Any, ...], previous: set[str]) -> dict[str, int]:
        people = self.participants.get(key, set())
        return {
            "unique_students": len(people),
            "participations": self.participations.get(key, 0),
            "applicants": len(self.applicants.get(key, set()) - people),
            "returning": sum(1 for p in people if p in previous),
        }


def count(
    rows: Iterable[Participation],
    *,
    schools: Mapping[int, SchoolInfo],
    regions: Iterable[RegionInfo],
    kinds: Iterable[str] = (),
    previous: Iterable[str] = (),
    talks: Iterable[Talk] = (),
) -> dict[str, Any]:
    """The report of one school year from its ``rows`` (every source's), ``talks`` and the persons who
    took part in the previous school year (``previous``). JSON-ready, counts only (no hashes):

    ``{"totals": {...}, "by_programme": {kind: {...}}, "by_gender": {g: {...}}, "by_division": {d: {...}},
    "by_area": {"urban"|"rural": {...}}, "by_autonomous": {"autonomous"|"other": {...}},
    "by_region": {code: {..., "schools", "talks", "audience", "gender": {g: {...}}, "division": {d: {...}},
    "area": {a: {...}}, "programme": {kind: {...}}, "schools_without_activity": [school ids]}},
    "by_school": {id: {"unique_students", "participations", "programme": {kind: participations}}},
    "regions_without_activity": [codes], "schools_without_activity": [ids]}``

    where ``{...}`` is ``{"unique_students", "participations", "applicants", "returning", "schools"?}``;
    totals add ``multi_programme``, ``talks``, ``audience``, ``unhashed``."""
    region_list = list(regions)
    autonomous = {r.code for r in region_list if r.autonomous}
    previous_set = set(previous)
    scopes = _Scopes()
    seen: set[tuple[object, str, int]] = set()
    kinds_of: dict[object, set[str]] = defaultdict(set)
    kind_order = list(dict.fromkeys(kinds))
    unhashed = 0
    for index, row in enumerate(rows):
        person: object = row.person
        if not person:
            person = ("~", index)  # no hash: a person of its own
            unhashed += 1
        school = schools.get(row.school_id) if row.school_id is not None else None
        region = row.region or (school.region if school else None) or UNKNOWN
        area = "rural" if school is not None and school.rural else "urban" if school is not None else UNKNOWN
        gender = row.gender if row.gender in GENDERS else UNKNOWN
        division = row.division if row.division in DIVISIONS else UNKNOWN
        kind = row.kind
        if kind not in kind_order:
            kind_order.append(kind)
        auto = "autonomous" if region in autonomous else "other"
        keys = (
            ("all",),
            ("kind", kind),
            ("gender", gender),
            ("division", division),
            ("area", area),
            ("auto", auto),
            ("region", region),
            ("region_kind", region, kind),
            ("region_gender", region, gender),
            ("region_division", region, division),
            ("region_area", region, area),
        )
        if row.status == PARTICIPANT:
            first = (person, kind, row.event_id) not in seen
            if first:
                seen.add((person, kind, row.event_id))
            kinds_of[person].add(kind)
            for key in keys:
                scopes.participants[key].add(person)
                if first:
                    scopes.participations[key] += 1
            if row.school_id is not None:
                for i in _SCHOOL_SCOPES:
                    scopes.schools[keys[i]].add(row.school_id)
                scopes.schools[("school", row.school_id)].add(row.school_id)
                scopes.participants[("school", row.school_id)].add(person)
                if first:
                    scopes.participations[("school", row.school_id)] += 1
                    scopes.participations[("school_kind", row.school_id, kind)] += 1
        elif row.status == APPLICANT:
            for key in keys:
                scopes.applicants[key].add(person)
            if row.school_id is not None:
                scopes.applicants[("school", row.school_id)].add(person)

    talk_count: dict[tuple[Any, ...], int] = defaultdict(int)
    audience: dict[tuple[Any, ...], int] = defaultdict(int)
    for talk in talks:
        school = schools.get(talk.school_id) if talk.school_id is not None else None
        region = talk.region or (school.region if school else None) or UNKNOWN
        rural = talk.rural if talk.rural is not None else (school.rural if school else None)
        area = UNKNOWN if rural is None else "rural" if rural else "urban"
        for key in (("all",), ("region", region), ("area", area), ("region_area", region, area)):
            talk_count[key] += 1
            audience[key] += max(0, int(talk.audience))

    def block(key: tuple[Any, ...], with_schools: bool = False, with_talks: bool = False) -> dict[str, int]:
        out = scopes.measures(key, previous_set)
        if with_schools:
            out["schools"] = len(scopes.schools.get(key, set()))
        if with_talks:
            out["talks"] = talk_count.get(key, 0)
            out["audience"] = audience.get(key, 0)
        return out

    def present(prefix: str, values: Iterable[str]) -> list[str]:
        """``values`` plus any other value met (unknown ones last)."""
        met = {k[1] for k in (*scopes.participants, *scopes.applicants, *talk_count) if k[0] == prefix}
        ordered = [v for v in values if v]
        return ordered + sorted(v for v in met if v not in ordered and v) + ([UNKNOWN] if UNKNOWN in met else [])

    active_schools = scopes.schools.get(("all",), set())
    idle_schools = sorted(
        (s for s in schools.values() if s.id not in active_schools), key=lambda s: (s.region or "~", s.code)
    )
    by_region: dict[str, Any] = {}
    region_codes = [r.code for r in region_list]
    for code in present("region", region_codes):
        kinds_here = [
            k
            for k in kind_order
            if ("region_kind", code, k) in scopes.participants or ("region_kind", code, k) in scopes.applicants
        ]
        by_region[code] = {
            **block(("region", code), with_schools=True, with_talks=True),
            "gender": {
                g: block(("region_gender", code, g))
                for g in present("gender", GENDERS)
                if _met(scopes, ("region_gender", code, g))
            },
            "division": {
                d: block(("region_division", code, d))
                for d in present("division", DIVISIONS)
                if _met(scopes, ("region_division", code, d))
            },
            "area": {
                a: {**block(("region_area", code, a), with_schools=True, with_talks=True)}
                for a in present("area", AREAS)
                if _met(scopes, ("region_area", code, a)) or talk_count.get(("region_area", code, a))
            },
            "programme": {k: block(("region_kind", code, k), with_schools=True) for k in kinds_here},
            "schools_without_activity": [s.id for s in idle_schools if (s.region or UNKNOWN) == code],
        }
    by_school = {
        str(s): {
            "unique_students": len(scopes.participants[("school", s)]),
            "participations": scopes.participations.get(("school", s), 0),
            "applicants": len(scopes.applicants.get(("school", s), set()) - scopes.participants[("school", s)]),
            "programme": {
                k: scopes.participations[("school_kind", s, k)]
                for k in kind_order
                if ("school_kind", s, k) in scopes.participations
            },
        }
        for s in sorted(active_schools)
    }
    totals = {
        **block(("all",), with_schools=True, with_talks=True),
        "multi_programme": sum(1 for kinds_met in kinds_of.values() if len(kinds_met) > 1),
        "unhashed": unhashed,
    }
    return {
        "totals": totals,
        "by_programme": {k: block(("kind", k), with_schools=True) for k in kind_order},
        "by_gender": {g: block(("gender", g)) for g in present("gender", GENDERS) if _met(scopes, ("gender", g))},
        "by_division": {
            d: block(("division", d)) for d in present("division", DIVISIONS) if _met(scopes, ("division", d))
        },
        "by_area": {
            a: block(("area", a), with_schools=True, with_talks=True)
            for a in present("area", AREAS)
            if _met(scopes, ("area", a)) or talk_count.get(("area", a))
        },
        "by_autonomous": {a: block(("auto", a), with_schools=True) for a in ("autonomous", "other")},
        "by_region": by_region,
        "by_school": by_school,
        "regions_without_activity": [
            code
            for code in region_codes
            if not scopes.participations.get(("region", code)) and not talk_count.get(("region", code))
        ],
        "schools_without_activity": [s.id for s in idle_schools],
    }


def _met(scopes: _Scopes, key: tuple[Any, ...]) -> bool:
    return key in scopes.participants or key in scopes.applicants


# --------------------------------------------------------------------------- penetration and changes


def per_1000(students: int, enrolled: int | None) -> Decimal | None:
    """Students reached per 1,000 enrolled, two decimals (half up); ``None`` without enrolment."""
    if not enrolled or enrolled <= 0:
        return None
    return (Decimal(students) * 1000 / Decimal(enrolled)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def change(current: int | None, earlier: int | None) -> dict[str, Any]:
    """``{"delta", "percent"}`` of ``current`` against ``earlier``: percent with one decimal (``None``
    when there was nothing before or either is unknown)."""
    if current is None or earlier is None:
        return {"delta": None, "percent": None}
    percent = (
        (Decimal(current - earlier) * 100 / Decimal(earlier)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        if earlier
        else None
    )
    return {"delta": current - earlier, "percent": percent}
