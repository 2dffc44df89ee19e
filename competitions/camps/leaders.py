"""Leading teachers (带队教师) for camp sites (issue 15, "Admission notices and leaders"). Pure
functions, standard library only.

The rule: a site with ``n`` admitted students needs ``ceil(n / ratio)`` leading teachers (the national
高校科学营 sends about one teacher per ten students: ``ratio`` 10). Teachers are proposed by schools;
each leads at most one site. Sites are served largest first; for each, the free teachers are taken in
this order:

1. teachers whose school sends the most students to the site (students know them);
2. then teachers of the city (region code) that sends the most students there;
3. then by the teacher's id (the order they were proposed: deterministic).

A teacher already placed on a site (``fixed``, e.g. chosen by the organizer) stays there and counts
towards its need. A site that cannot get enough teachers is reported with its shortfall.

Shapes: :class:`Teacher` and :class:`Student` in, :class:`Leaders` out. Errors: :class:`LeaderError`
(``field`` + English message with ``{placeholders}``) for a ratio below 1, duplicate teacher ids or a
fixed teacher on an unknown site.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from competitions.camps.rule_errors import CampRuleError

LeaderError = CampRuleError  # the one error of the camp rules (rule_errors.py)


@dataclass(frozen=True)
class Student:
    """An admitted student: the ``site`` code it was admitted to, its ``school`` and ``city`` (region
    code)."""

    site: str
    school: str
    city: str = ""


@dataclass(frozen=True)
class Teacher:
    """A teacher a school proposed as leader: ``id`` (proposal order), ``school``, ``city``."""

    id: int
    school: str
    city: str = ""


@dataclass(frozen=True)
class SiteLeaders:
    """One site: ``students`` admitted, ``needed`` = ceil(students / ratio), the ``teachers`` (ids, in
    the order taken) and ``shortfall`` = needed - len(teachers) when positive, else 0. ``why`` gives
    per teacher the reason it was taken: ``("fixed", None)``, ``("school", n)`` (its school sends n
    students here), ``("city", n)`` (its city sends n), ``("other", None)``."""

    site: str
    students: int
    needed: int
    teachers: tuple[int, ...]
    shortfall: int
    why: Mapping[int, tuple[str, int | None]]


@dataclass(frozen=True)
class Leaders:
    """Per site (in the order of the ``sites`` given), and the ``unused`` teacher ids."""

    sites: tuple[SiteLeaders, ...]
    unused: tuple[int, ...]


def needed(students: int, ratio: int = 10) -> int:
    """Teachers a site of ``students`` needs: ``ceil(students / ratio)`` (0 for no students)."""
    if ratio < 1:
        raise LeaderError("ratio", "The ratio of students per teacher must be at least 1 (got {ratio}).", ratio=ratio)
    return -(-students // ratio)


def assign_leaders(
    sites: Sequence[str],
    students: Sequence[Student],
    teachers: Sequence[Teacher],
    ratio: int = 10,
    fixed: Mapping[int, str] | None = None,
    unavailable: Mapping[int, Collection[str]] | None = None,
) -> Leaders:
    """Leading teachers for every site in ``sites`` by the module's rule. ``fixed`` maps teacher id ->
    site code for teachers the organizer placed by hand (kept; they count towards the need, even above
    it). ``unavailable`` maps teacher id -> sites the teacher cannot lead (e.g. its dates overlap a
    camp the same person already leads elsewhere): the rule passes over it there. Deterministic."""
    fixed = dict(fixed or {})
    unavailable = unavailable or {}
    ids = [t.id for t in teachers]
    if len(set(ids)) != len(ids):
        raise LeaderError("teachers", "A teacher is listed twice.")
    known = set(sites)
    by_id = {t.id: t for t in teachers}
    for tid, site in fixed.items():
        if site not in known:
            raise LeaderError("fixed", "Teacher {teacher} is placed on an unknown site {site}.", teacher=tid, site=site)
        if tid not in by_id:
            raise LeaderError("fixed", "Teacher {teacher} was not proposed.", teacher=tid)
    count = Counter(s.site for s in students)
    schools = {site: Counter(s.school for s in students if s.site == site) for site in sites}
    cities = {site: Counter(s.city for s in students if s.site == site and s.city) for site in sites}
    needs = {site: needed(count[site], ratio) for site in sites}
    taken: dict[str, list[int]] = {site: [tid for tid, at in sorted(fixed.items()) if at == site] for site in sites}
    why: dict[str, dict[int, tuple[str, int | None]]] = {
        site: {tid: ("fixed", None) for tid in taken[site]} for site in sites
    }
    free = [t for t in sorted(teachers, key=lambda t: t.id) if t.id not in fixed]
    order = sorted(sites, key=lambda site: (-count[site], list(sites).index(site)))
    for site in order:
        want = needs[site] - len(taken[site])
        if want <= 0:
            continue

        def rank(t: Teacher, site: str = site) -> tuple[int, int, int]:
            return (-schools[site][t.school], -cities[site][t.city] if t.city else 0, t.id)

        chosen = sorted((t for t in free if site not in unavailable.get(t.id, ())), key=rank)[:want]
        for t in chosen:
            taken[site].append(t.id)
            if schools[site][t.school]:
                why[site][t.id] = ("school", schools[site][t.school])
            elif t.city and cities[site][t.city]:
                why[site][t.id] = ("city", cities[site][t.city])
            else:
                why[site][t.id] = ("other", None)
        chosen_ids = {t.id for t in chosen}
        free = [t for t in free if t.id not in chosen_ids]
    return Leaders(
        sites=tuple(
            SiteLeaders(
                site=site,
                students=count[site],
                needed=needs[site],
                teachers=tuple(taken[site]),
                shortfall=max(needs[site] - len(taken[site]), 0),
                why=why[site],
            )
            for site in sites
        ),
        unused=tuple(t.id for t in free),
    )
