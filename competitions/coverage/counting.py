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


Key = tuple[Any, ...]
# a row as the counting sees it: (school id, region, programme, gender, division, area, autonomous)
Cell = tuple[Any, ...]


def _cell(
    school_id: int | None,
    region: str | None,
    kind: str,
    gender: str,
    division: str,
    schools: Mapping[int, SchoolInfo],
    autonomous: set[str],
) -> Cell:
    """A row's cell: the school's region when the row gives none, its area, the values the report knows."""
    school = schools.get(school_id) if school_id is not None else None
    region = region or (school.region if school else None) or UNKNOWN
    area = "rural" if school is not None and school.rural else "urban" if school is not None else UNKNOWN
    return (
        school_id,
        region,
        kind,
        gender if gender in GENDERS else UNKNOWN,
        division if division in DIVISIONS else UNKNOWN,
        area,
        "autonomous" if region in autonomous else "other",
    )


def _cell_keys(cell: Cell) -> tuple[Key, ...]:
    """The scopes a participation of ``cell`` counts in."""
    school, region, kind, gender, division, area, auto = cell
    keys: tuple[Key, ...] = (
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
    if school is not None:
        keys += (("school", school), ("school_kind", school, kind))
    return keys


# the scopes (by their place in :func:`_cell_keys`) whose schools are counted: all, programme, area,
# autonomous, region, region and programme, region and area
_SCHOOL_SCOPES = (0, 1, 4, 5, 6, 7, 10)


class _Counts:
    """Per scope key: students (unique), participations, applicants (not placed in the scope), returning
    students, schools; and every key met (for the splits that list only what occurs)."""

    def __init__(self) -> None:
        self.unique: dict[Key, int] = defaultdict(int)
        self.participations: dict[Key, int] = defaultdict(int)
        self.applicants: dict[Key, int] = defaultdict(int)
        self.returning: dict[Key, int] = defaultdict(int)
        self.schools: dict[Key, set[int]] = defaultdict(set)
        self.met: set[Key] = set()

    def measures(self, key: Key) -> dict[str, int]:
        return {
            "unique_students": self.unique.get(key, 0),
            "participations": self.participations.get(key, 0),
            "applicants": self.applicants.get(key, 0),
            "returning": self.returning.get(key, 0),
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
    "by_school": {id: {"unique_students", "participations", "applicants", "programme": {kind: participations},
    "talks", "audience"}}, "regions_without_activity": [codes], "schools_without_activity": [ids],
    "schools_talks_only": [ids]}``

    A region or school **without activity** had neither a student taking part nor an outreach talk
    (applicants who were not placed are no activity); schools whose only activity was a talk are
    ``schools_talks_only`` (reached, no student took part) and are in ``by_school`` with their talks.

    where ``{...}`` is ``{"unique_students", "participations", "applicants", "returning", "schools"?}``;
    totals add ``multi_programme``, ``talks``, ``audience``, ``unhashed``.

    How (fast enough for 40,000 rows a year in plain Python): each row becomes a small *cell* (school,
    region, programme, gender, division, area); each person the set of cells they took part in (their
    *profile*). Persons sharing a profile are counted together, so the scopes are walked once per
    distinct profile (a few thousand), not once per row."""
    region_list = list(regions)
    autonomous = {r.code for r in region_list if r.autonomous}
    previous_set = set(previous)
    kind_order = list(dict.fromkeys(kinds))
    taking_part: dict[object, set[Cell]] = {}
    applying: dict[object, set[Cell]] = {}
    participation_cells: dict[tuple[object, str, int], Cell] = {}
    unhashed = 0
    cells: dict[tuple[Any, ...], Cell] = {}
    person: object
    for index, (person, school_id, region, division, gender, kind, event_id, status) in enumerate(rows):
        if not person:
            person = ("~", index)  # no hash: a person of its own
            unhashed += 1
        raw = (school_id, region, kind, gender, division)
        cell = cells.get(raw)
        if cell is None:
            cell = cells[raw] = _cell(school_id, region, kind, gender, division, schools, autonomous)
            if kind not in kind_order:
                kind_order.append(kind)
        if status == PARTICIPANT:
            found = taking_part.get(person)
            if found is None:
                taking_part[person] = {cell}
            else:
                found.add(cell)
            once = (person, kind, event_id)
            if once not in participation_cells:
                participation_cells[once] = cell
        elif status == APPLICANT:
            found = applying.get(person)
            if found is None:
                applying[person] = {cell}
            else:
                found.add(cell)

    counts = _Counts()
    keys_of: dict[Cell, tuple[Key, ...]] = {}

    def cell_keys(cell: Cell) -> tuple[Key, ...]:
        keys = keys_of.get(cell)
        if keys is None:
            keys = keys_of[cell] = _cell_keys(cell)
        return keys

    def profile_keys(profile: frozenset[Cell]) -> set[Key]:
        keys: set[Key] = set()
        for cell in profile:
            keys.update(cell_keys(cell))
        return keys

    # students and returning students: persons grouped by profile
    profiles: dict[frozenset[Cell], list[int]] = {}
    for person, person_cells in taking_part.items():
        tally = profiles.setdefault(frozenset(person_cells), [0, 0])
        tally[0] += 1
        if person in previous_set:
            tally[1] += 1
    multi_programme = 0
    for profile, (n, back) in profiles.items():
        profile_scopes = profile_keys(profile)
        for key in profile_scopes:
            counts.unique[key] += n
            if back:
                counts.returning[key] += back
        counts.met.update(profile_scopes)
        if len({cell[2] for cell in profile}) > 1:
            multi_programme += n
    # applicants: applied in a scope and took part in nothing of it
    applicant_profiles: dict[tuple[frozenset[Cell], frozenset[Cell]], int] = defaultdict(int)
    for person, person_cells in applying.items():
        applicant_profiles[(frozenset(person_cells), frozenset(taking_part.get(person, ())))] += 1
    for (applied, took_part), n in applicant_profiles.items():
        applied_scopes = profile_keys(applied)
        counts.met.update(applied_scopes)
        for key in applied_scopes - profile_keys(took_part):
            counts.applicants[key] += n
    # participations (one per person and event) and schools
    per_cell: dict[Cell, int] = defaultdict(int)
    for cell in participation_cells.values():
        per_cell[cell] += 1
    for cell, n in per_cell.items():
        keys = cell_keys(cell)
        for key in keys:
            counts.participations[key] += n
        if cell[0] is not None:
            for i in _SCHOOL_SCOPES:
                counts.schools[keys[i]].add(cell[0])

    talk_count: dict[Key, int] = defaultdict(int)
    audience: dict[Key, int] = defaultdict(int)
    school_talks: dict[int, list[int]] = {}  # school id: [talks, audience]
    for talk in talks:
        school = schools.get(talk.school_id) if talk.school_id is not None else None
        if talk.school_id is not None:
            tally = school_talks.setdefault(talk.school_id, [0, 0])
            tally[0] += 1
            tally[1] += max(0, int(talk.audience))
        region = talk.region or (school.region if school else None) or UNKNOWN
        rural = talk.rural if talk.rural is not None else (school.rural if school else None)
        area = UNKNOWN if rural is None else "rural" if rural else "urban"
        talk_keys: tuple[Key, ...] = (("all",), ("region", region), ("area", area), ("region_area", region, area))
        for talk_key in talk_keys:
            talk_count[talk_key] += 1
            audience[talk_key] += max(0, int(talk.audience))

    def block(key: Key, with_schools: bool = False, with_talks: bool = False) -> dict[str, int]:
        out = counts.measures(key)
        if with_schools:
            out["schools"] = len(counts.schools.get(key, set()))
        if with_talks:
            out["talks"] = talk_count.get(key, 0)
            out["audience"] = audience.get(key, 0)
        return out

    def present(prefix: str, values: Iterable[str]) -> list[str]:
        """``values`` plus any other value met (unknown ones last)."""
        met = {k[1] for k in (*counts.met, *talk_count) if k[0] == prefix}
        ordered = [v for v in values if v]
        return ordered + sorted(v for v in met if v not in ordered and v) + ([UNKNOWN] if UNKNOWN in met else [])

    def met(key: Key) -> bool:
        return key in counts.met

    active_schools = counts.schools.get(("all",), set())
    # a school is without activity when no student of it took part and it had no outreach talk; a school
    # whose only activity was a talk is listed apart (reached, but no student took part)
    idle_schools = sorted(
        (s for s in schools.values() if s.id not in active_schools and s.id not in school_talks),
        key=lambda s: (s.region or "~", s.code),
    )
    talk_only = sorted(
        (s for s in schools.values() if s.id not in active_schools and s.id in school_talks),
        key=lambda s: (s.region or "~", s.code),
    )
    genders, divisions, areas = present("gender", GENDERS), present("division", DIVISIONS), present("area", AREAS)
    by_region: dict[str, Any] = {}
    region_codes = [r.code for r in region_list]
    for code in present("region", region_codes):
        by_region[code] = {
            **block(("region", code), with_schools=True, with_talks=True),
            "gender": {g: block(("region_gender", code, g)) for g in genders if met(("region_gender", code, g))},
            "division": {
                d: block(("region_division", code, d)) for d in divisions if met(("region_division", code, d))
            },
            "area": {
                a: block(("region_area", code, a), with_schools=True, with_talks=True)
                for a in areas
                if met(("region_area", code, a)) or talk_count.get(("region_area", code, a))
            },
            "programme": {
                k: block(("region_kind", code, k), with_schools=True)
                for k in kind_order
                if met(("region_kind", code, k))
            },
            "schools_without_activity": [s.id for s in idle_schools if (s.region or UNKNOWN) == code],
            "schools_talks_only": [s.id for s in talk_only if (s.region or UNKNOWN) == code],
        }
    by_school = {
        str(s): {
            "unique_students": counts.unique.get(("school", s), 0),
            "participations": counts.participations.get(("school", s), 0),
            "applicants": counts.applicants.get(("school", s), 0),
            "programme": {
                k: counts.participations[("school_kind", s, k)]
                for k in kind_order
                if counts.participations.get(("school_kind", s, k))
            },
            "talks": school_talks.get(s, [0, 0])[0],
            "audience": school_talks.get(s, [0, 0])[1],
        }
        for s in sorted(active_schools | {t for t in school_talks if t in schools})
    }
    totals = {
        **block(("all",), with_schools=True, with_talks=True),
        "multi_programme": multi_programme,
        "unhashed": unhashed,
    }
    return {
        "totals": totals,
        "by_programme": {k: block(("kind", k), with_schools=True) for k in kind_order},
        "by_gender": {g: block(("gender", g)) for g in genders if met(("gender", g))},
        "by_division": {d: block(("division", d)) for d in divisions if met(("division", d))},
        "by_area": {
            a: block(("area", a), with_schools=True, with_talks=True)
            for a in areas
            if met(("area", a)) or talk_count.get(("area", a))
        },
        "by_autonomous": {a: block(("auto", a), with_schools=True) for a in ("autonomous", "other")},
        "by_region": by_region,
        "by_school": by_school,
        "regions_without_activity": [
            code
            for code in region_codes
            if not counts.participations.get(("region", code)) and not talk_count.get(("region", code))
        ],
        "schools_without_activity": [s.id for s in idle_schools],
        "schools_talks_only": [s.id for s in talk_only],
    }


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
