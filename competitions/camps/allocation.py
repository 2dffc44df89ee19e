"""Allocating camp applicants to sites (分营) (issue 15, "Allocation" and "Waiting lists and offers";
CONTRACT "Camps"). Pure functions, standard library only.

The rule: student-proposing deferred acceptance (Gale & Shapley 1962) over the sites' capacities with
ONE priority order (application ids best first: the lottery order or the organizer's ranking) and
minority reserves (Hafalir, Yenmez & Yildirim 2013, "Effective affirmative action in school choice",
Theoretical Economics 8(2); several groups as in Ehlers, Hafalir, Yenmez & Yildirim 2014, "School choice
with controlled choice constraints", JET 153). A site with capacity ``q`` and ``r_g`` seats reserved for
priority group ``g`` chooses from the applicants it holds plus its new proposers thus:

1. for each group ``g``: the best ``r_g`` members of ``g`` by priority (fewer if fewer applied);
2. then the remaining seats by priority from everyone not yet chosen (so reserved seats that no member
   of the group claims go to everyone).

The choice rule is substitutable and takes ``min(q, applicants)`` (law of aggregate demand), so the
result is the student-optimal stable matching: no applicant ``a`` prefers a site ``s`` whose choice
from its admitted set plus ``a`` would take ``a`` (without reserves: ``s`` is full of applicants with
higher priority than ``a``, the CONTRACT's sentence); and no applicant gains by misreporting its
preferences (Hatfield & Milgrom 2005, "Matching with contracts", AER 95(4)). Reserves, unlike quotas
on the others, never leave a seat empty and do better for the group (the paper's main result).

Statuses: ``admitted`` = has a site; ``waiting`` = not admitted anywhere but on the waiting list of
every site it listed; ``unplaced`` = listed no site (empty preferences, e.g. no eligible site).
An applicant admitted to a lower preference stays on the waiting lists of the sites it listed above
(:func:`next_offer` promotes it when a seat there frees; that keeps the matching stable).

Own priorities and refusals (the talent programme, issue 16): a site may be given its OWN priority
order (``site_priorities[code]``: application ids best first, e.g. a mentor's interview ranking), which
replaces the common order at that site; an applicant missing from a site's own order is refused there
(never admitted, on no waiting list of it; its reason says ``refused``). Deferred acceptance with
site-specific strict priorities and unacceptable applicants is still stable (no applicant prefers a site
that finds it acceptable and has a free seat or holds someone it ranks lower) and student-optimal
(Roth & Sotomayor 1990, "Two-sided matching", ch. 5). Without ``site_priorities`` nothing changes.

Errors: :class:`AllocationError` with ``field`` (the input: ``capacity``, ``reserves``, ``sites``,
``applicants``, ``preferences``, ``priority``), ``message`` (an English key with ``{placeholders}``
for the service to translate) and ``params``. Deterministic: the same inputs give the same result.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Literal

from competitions.camps.rule_errors import CampRuleError

Status = Literal["admitted", "waiting", "unplaced"]
ReasonCode = Literal["no_seats", "full", "reserved", "refused"]


AllocationError = CampRuleError  # the one error of the camp rules (rule_errors.py)


@dataclass(frozen=True)
class Site:
    """A camp site (分营): ``capacity`` seats (>= 0), ``reserves`` group -> seats reserved for it
    (each >= 0, together at most ``capacity``; :func:`reserved_seats` turns shares into seats)."""

    code: str
    capacity: int
    reserves: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Applicant:
    """An application: ``preferences`` eligible site codes best first (志愿1, 志愿2, ...; may be empty),
    ``group`` its priority group (优先类别) or ``None``."""

    id: int
    preferences: tuple[str, ...]
    group: str | None = None


@dataclass(frozen=True)
class Reason:
    """Why an applicant was not admitted at a site it listed above its result (structured; the
    service renders the words). ``code``:

    - ``no_seats``: the site has capacity 0;
    - ``full``: every admitted applicant there (``admitted`` = ``capacity``) has higher priority;
    - ``reserved``: the site is full; ``higher_priority`` of the admitted have higher priority and
      the other seats are reserved seats held by members of other groups (``reserved_by``:
      ``((group, seats held by members with LOWER priority than this applicant), ...)``);
    - ``refused``: the site has an own priority order that leaves the applicant out (``waiting_position``
      is 0: it is on no waiting list there).

    At a site with its own priority order, "priority" and positions are that order's.

    ``cutoff_position``: the 1-based priority position of the lowest-priority applicant admitted on
    an unreserved seat there (``None`` if none); ``group_reserved``/``group_higher``: seats reserved
    there for the applicant's own group and how many of its members (all with higher priority) hold
    them; ``waiting_position``: the applicant's 1-based place on that site's waiting list; ``position``:
    its 1-based place in the site's priority order (the site's own order where it has one; 0 when the
    site refused it), for programmes without waiting lists (the talent programme's mentors)."""

    preference_rank: int
    site_code: str
    code: ReasonCode
    capacity: int
    admitted: int
    higher_priority: int
    cutoff_position: int | None
    group_reserved: int
    group_higher: int
    reserved_by: tuple[tuple[str, int], ...]
    waiting_position: int
    position: int = 0


@dataclass(frozen=True)
class Placement:
    """One applicant's result. ``preference_rank`` is 1-based (``None`` unless admitted);
    ``priority_position`` its 1-based place in the priority order among the applicants allocated;
    ``reasons`` one per listed site above the result (every listed site when not admitted), best first;
    ``waiting_positions`` site code -> 1-based place on that site's waiting list, for the same sites
    (lists are in priority order; with reserves, a seat freed on a group's reserved seat goes to the
    group's best waiting member first, see :func:`next_offer`)."""

    application_id: int
    status: Status
    site_code: str | None
    preference_rank: int | None
    priority_position: int
    reasons: tuple[Reason, ...]
    waiting_positions: Mapping[str, int]


@dataclass(frozen=True)
class Allocation:
    """The result: ``placements`` by application id; ``waiting_lists`` site code -> application ids
    best priority first (everyone who listed the site above its result); counts; ``first_choice_share``
    = applicants admitted to their first preference / all applicants (Decimal, 4 places, half up;
    0 without applicants)."""

    placements: Mapping[int, Placement]
    waiting_lists: Mapping[str, tuple[int, ...]]
    admitted: int
    waiting: int
    unplaced: int
    first_choice_share: Decimal

    def holders(self) -> dict[str, tuple[int, ...]]:
        """Site code -> admitted application ids (ascending id), every site present."""
        out: dict[str, list[int]] = {code: [] for code in self.waiting_lists}
        for p in self.placements.values():
            if p.site_code is not None:
                out[p.site_code].append(p.application_id)
        return {code: tuple(sorted(ids)) for code, ids in out.items()}


# --- reserves -------------------------------------------------------------------------------------


def reserved_seats(capacity: int, shares: Mapping[str, Decimal]) -> dict[str, int]:
    """Shares of a site's capacity (group -> Decimal in [0, 1], together at most 1) as seats.

    Rounding (largest remainder, Hamilton): the total reserved is ``capacity x sum(shares)`` rounded
    half up; each group first gets ``floor(capacity x share)``, the seats left go one each to the
    groups with the largest fractional remainders (equal remainders: group name order). So each group
    gets its exact quota rounded down or up and the sum is never above ``capacity``.
    ``reserved_seats(15, {"rural": Decimal("0.1")})`` == ``{"rural": 2}`` (1.5 -> 2);
    ``reserved_seats(1, {"a": Decimal("0.5"), "b": Decimal("0.5")})`` == ``{"a": 1, "b": 0}``.

    Raises :class:`AllocationError`: ``capacity`` not a whole number >= 0; ``reserves`` a group name
    empty or a share not a finite number in [0, 1], or the shares add up to more than 1."""
    if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 0:
        raise AllocationError("capacity", "capacity must be a whole number of at least 0")
    total_share = Decimal(0)
    for group, share in shares.items():
        if not isinstance(group, str) or not group.strip():
            raise AllocationError("reserves", "a priority group needs a name")
        if not isinstance(share, Decimal) or not share.is_finite() or share < 0 or share > 1:
            raise AllocationError("reserves", "the share reserved for {group} must be between 0 and 1", group=group)
        total_share += share
    if total_share > 1:
        raise AllocationError("reserves", "the reserved shares add up to more than the whole capacity")
    exact = {g: Decimal(capacity) * s for g, s in shares.items()}
    seats = {g: int(q.to_integral_value(rounding=ROUND_FLOOR)) for g, q in exact.items()}
    total = min(capacity, int((Decimal(capacity) * total_share).to_integral_value(rounding=ROUND_HALF_UP)))
    left = total - sum(seats.values())
    for g in sorted(exact, key=lambda g: (-(exact[g] - seats[g]), g))[: max(left, 0)]:
        seats[g] += 1
    return dict(sorted(seats.items()))


# --- validation and the market --------------------------------------------------------------------


@dataclass(frozen=True)
class _Market:
    applicants: dict[int, Applicant]
    sites: dict[str, Site]
    rank: dict[int, int]  # application id -> 0-based priority position among the applicants
    order: list[int]  # application ids best priority first
    site_rank: dict[str, dict[int, int]] = field(default_factory=dict)  # sites with their own order

    def rank_at(self, code: str) -> dict[int, int]:
        """Application id -> 0-based priority position at site ``code`` (its own order, if it has one:
        applicants missing from it are refused there)."""
        return self.site_rank.get(code, self.rank)


def _own_orders(
    site_priorities: Mapping[str, Sequence[int]] | None, sites: Mapping[str, Site], applicants: Mapping[int, Applicant]
) -> dict[str, dict[int, int]]:
    out: dict[str, dict[int, int]] = {}
    for code, ids in (site_priorities or {}).items():
        if code not in sites:
            raise AllocationError("sites", "unknown site {site}", site=code)
        rank: dict[int, int] = {}
        for i in ids:
            if i in rank:
                raise AllocationError(
                    "priority", "application {id} appears twice in the priority order of site {site}", id=i, site=code
                )
            if i in applicants:
                rank[i] = len(rank)
        out[code] = rank
    return out


def _market(
    applicants: Sequence[Applicant],
    sites: Sequence[Site],
    priority: Sequence[int],
    site_priorities: Mapping[str, Sequence[int]] | None = None,
) -> _Market:
    site_map: dict[str, Site] = {}
    for s in sites:
        if not isinstance(s.code, str) or not s.code:
            raise AllocationError("sites", "a site needs a code")
        if s.code in site_map:
            raise AllocationError("sites", "site {site} appears twice", site=s.code)
        if isinstance(s.capacity, bool) or not isinstance(s.capacity, int) or s.capacity < 0:
            raise AllocationError(
                "capacity", "the capacity of site {site} must be a whole number of at least 0", site=s.code
            )
        for group, seats in s.reserves.items():
            if isinstance(seats, bool) or not isinstance(seats, int) or seats < 0:
                raise AllocationError(
                    "reserves", "the seats reserved for {group} at site {site} must be a whole number of at least 0",
                    group=group, site=s.code,
                )  # fmt: skip
        if sum(s.reserves.values()) > s.capacity:
            raise AllocationError("reserves", "site {site} reserves more seats than its capacity", site=s.code)
        site_map[s.code] = s
    applicant_map: dict[int, Applicant] = {}
    for a in applicants:
        if a.id in applicant_map:
            raise AllocationError("applicants", "application {id} appears twice", id=a.id)
        for code in a.preferences:
            if code not in site_map:
                raise AllocationError(
                    "preferences", "application {id} lists an unknown site {site}", id=a.id, site=code
                )
        if len(set(a.preferences)) != len(a.preferences):
            raise AllocationError("preferences", "application {id} lists a site twice", id=a.id)
        applicant_map[a.id] = a
    seen: set[int] = set()
    order: list[int] = []
    for i in priority:
        if i in seen:
            raise AllocationError("priority", "application {id} appears twice in the priority order", id=i)
        seen.add(i)
        if i in applicant_map:
            order.append(i)
    missing = sorted(set(applicant_map) - seen)
    if missing:
        raise AllocationError("priority", "application {id} is missing from the priority order", id=missing[0])
    return _Market(
        applicant_map,
        site_map,
        {i: k for k, i in enumerate(order)},
        order,
        _own_orders(site_priorities, site_map, applicant_map),
    )


def _choose(site: Site, candidates: list[int], m: _Market) -> tuple[list[int], list[int]]:
    """The site's choice rule (module docstring) on ``candidates`` sorted best priority first:
    (chosen, rejected), both in priority order."""
    if len(candidates) <= site.capacity:
        return candidates, []
    taken = [False] * len(candidates)
    count = 0
    if site.reserves:
        held: dict[str, int] = {}
        for k, a in enumerate(candidates):
            g = m.applicants[a].group
            if g is not None and held.get(g, 0) < site.reserves.get(g, 0):
                held[g] = held.get(g, 0) + 1
                taken[k] = True
                count += 1
    for k in range(len(candidates)):
        if count >= site.capacity:
            break
        if not taken[k]:
            taken[k] = True
            count += 1
    return [a for k, a in enumerate(candidates) if taken[k]], [a for k, a in enumerate(candidates) if not taken[k]]


def _deferred_acceptance(m: _Market) -> dict[str, list[int]]:
    """Site code -> admitted ids in priority order (rounds of simultaneous proposals)."""
    held: dict[str, list[int]] = {code: [] for code in m.sites}
    next_choice = {i: 0 for i in m.order}
    free = [i for i in m.order if m.applicants[i].preferences]
    while free:
        proposals: dict[str, list[int]] = {}
        for i in free:
            prefs = m.applicants[i].preferences
            if next_choice[i] < len(prefs):
                proposals.setdefault(prefs[next_choice[i]], []).append(i)
                next_choice[i] += 1
        free = []
        for code in sorted(proposals):
            rank = m.rank_at(code)
            free.extend(i for i in proposals[code] if i not in rank)  # refused there: on to the next
            candidates = sorted(held[code] + [i for i in proposals[code] if i in rank], key=rank.__getitem__)
            held[code], rejected = _choose(m.sites[code], candidates, m)
            free.extend(rejected)
        free.sort(key=m.rank.__getitem__)
    return held


def allocate(
    applicants: Sequence[Applicant],
    sites: Sequence[Site],
    priority: Sequence[int],
    site_priorities: Mapping[str, Sequence[int]] | None = None,
) -> Allocation:
    """Deferred acceptance with reserves (module docstring). ``priority``: application ids best first
    (ids of other applications, e.g. withdrawn ones in a lottery order, are ignored; every applicant
    must appear exactly once). ``site_priorities``: site code -> the site's own order (application ids
    best first; applicants left out are refused there; unknown ids ignored). Raises
    :class:`AllocationError` (module docstring)."""
    m = _market(applicants, sites, priority, site_priorities)
    held = _deferred_acceptance(m)
    site_of = {a: code for code, ids in held.items() for a in ids}

    waiting: dict[str, list[int]] = {code: [] for code in m.sites}
    above: dict[int, tuple[str, ...]] = {}
    for i in m.order:  # priority order, so each waiting list comes out sorted
        prefs = m.applicants[i].preferences
        code = site_of.get(i)
        above[i] = prefs[: prefs.index(code)] if code is not None else prefs
        for c in above[i]:
            if i in m.rank_at(c):  # a site never lists those it refused
                waiting[c].append(i)
    for code, own in m.site_rank.items():
        waiting[code].sort(key=own.__getitem__)
    position = {code: {a: k + 1 for k, a in enumerate(ids)} for code, ids in waiting.items()}

    profiles = {code: _profile(m.sites[code], ids, m) for code, ids in held.items()}
    placements: dict[int, Placement] = {}
    counts = {"admitted": 0, "waiting": 0, "unplaced": 0}
    first = 0
    for i in sorted(m.applicants):
        a = m.applicants[i]
        code = site_of.get(i)
        status: Status = "admitted" if code is not None else ("waiting" if a.preferences else "unplaced")
        counts[status] += 1
        rank = a.preferences.index(code) + 1 if code is not None else None
        first += rank == 1
        reasons = tuple(
            _reason(profiles[c], m.sites[c], a, k + 1, m.rank_at(c).get(i), position[c].get(i, 0))
            for k, c in enumerate(above[i])
        )
        waits = {c: position[c][i] for c in above[i] if i in position[c]}
        placements[i] = Placement(i, status, code, rank, m.rank[i] + 1, reasons, waits)
    share = (
        (Decimal(first) / Decimal(len(m.applicants))).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        if m.applicants
        else Decimal("0.0000")
    )
    return Allocation(
        placements,
        {code: tuple(ids) for code, ids in waiting.items()},
        counts["admitted"],
        counts["waiting"],
        counts["unplaced"],
        share,
    )


# --- explanations ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Profile:
    ranks: list[int]  # 0-based priority positions of the admitted, ascending
    reserved: dict[str, list[int]]  # group -> ranks of its members on reserved seats, ascending
    cutoff: int | None  # 0-based rank of the lowest-priority admitted on an unreserved seat


def _profile(site: Site, admitted: list[int], m: _Market) -> _Profile:
    rank = m.rank_at(site.code)
    reserved: dict[str, list[int]] = {}
    open_ranks: list[int] = []
    for a in admitted:  # priority order: a group's best members take its reserved seats
        g = m.applicants[a].group
        if g is not None and len(reserved.get(g, [])) < site.reserves.get(g, 0):
            reserved.setdefault(g, []).append(rank[a])
        else:
            open_ranks.append(rank[a])
    return _Profile([rank[a] for a in admitted], reserved, open_ranks[-1] if open_ranks else None)


def _reason(
    p: _Profile, site: Site, a: Applicant, preference_rank: int, rank: int | None, waiting_position: int
) -> Reason:
    """``rank``: the applicant's 0-based position in the site's order, ``None`` when the site refused it."""
    if rank is None:
        return Reason(
            preference_rank=preference_rank,
            site_code=site.code,
            code="refused",
            capacity=site.capacity,
            admitted=len(p.ranks),
            higher_priority=len(p.ranks),
            cutoff_position=p.cutoff + 1 if p.cutoff is not None else None,
            group_reserved=0,
            group_higher=0,
            reserved_by=(),
            waiting_position=0,
            position=0,
        )
    higher = bisect.bisect_left(p.ranks, rank)
    if site.capacity == 0:
        code: ReasonCode = "no_seats"
    elif higher >= site.capacity:
        code = "full"
    else:
        code = "reserved"
    reserved_by = tuple(
        (g, len(ranks) - bisect.bisect_right(ranks, rank))
        for g, ranks in sorted(p.reserved.items())
        if g != a.group and ranks and ranks[-1] > rank
    )
    own = p.reserved.get(a.group, []) if a.group is not None else []
    return Reason(
        preference_rank=preference_rank,
        site_code=site.code,
        code=code,
        capacity=site.capacity,
        admitted=len(p.ranks),
        higher_priority=higher,
        cutoff_position=p.cutoff + 1 if p.cutoff is not None else None,
        group_reserved=site.reserves.get(a.group, 0) if a.group is not None else 0,
        group_higher=bisect.bisect_left(own, rank),
        reserved_by=reserved_by,
        waiting_position=waiting_position,
        position=rank + 1,
    )


# --- the independent stability check ---------------------------------------------------------------


def blocking_pairs(
    applicants: Sequence[Applicant],
    sites: Sequence[Site],
    priority: Sequence[int],
    placements: Mapping[int, Placement] | Mapping[int, str | None],
    site_priorities: Mapping[str, Sequence[int]] | None = None,
) -> list[tuple[int, str]]:
    """Pairs ``(application id, site code)``, sorted, where the applicant lists the site above its
    result (or is not admitted) and the site's choice rule applied to its admitted set plus the
    applicant would take the applicant: a free seat, a reserved seat of the applicant's group held by
    fewer of its members with higher priority than it reserves, or an unreserved seat held by
    someone with lower priority. ``placements``: application id -> :class:`Placement` or site code
    (``None``/missing = not admitted). ``site_priorities`` as for :func:`allocate`: at such a site
    "priority" is its own order, and a pair with an applicant it refused never blocks (a member it
    refused, placed there by hand, counts as its lowest priority). Written apart from :func:`allocate`
    (counts and bisection per pair, no deferred acceptance), so it checks it independently; empty =
    stable."""
    common: dict[int, int] = {}
    for i in priority:
        common.setdefault(i, len(common))
    own: dict[str, dict[int, int]] = {}
    for site_code, ids in (site_priorities or {}).items():
        own[site_code] = {}
        for i in ids:
            own[site_code].setdefault(i, len(own[site_code]))
    lowest = len(common) + sum(len(r) for r in own.values())
    group = {a.id: a.group for a in applicants}
    members: dict[str, list[int]] = {s.code: [] for s in sites}
    result: dict[int, str | None] = {}
    for i, value in placements.items():
        code = value.site_code if isinstance(value, Placement) else value
        result[i] = code
        if code is not None and code in members:
            members[code].append(i)

    class _Seats:
        def __init__(self, site: Site) -> None:
            self.capacity = site.capacity
            self.full = len(members[site.code]) >= site.capacity
            self.rank = own.get(site.code, common)
            by_group: dict[str | None, list[int]] = {}
            for i in members[site.code]:
                by_group.setdefault(group.get(i), []).append(self.rank.get(i, lowest))
            self.group_ranks = {g: sorted(r) for g, r in by_group.items()}
            self.reserves = dict(site.reserves)
            unreserved: list[int] = []
            taken = 0
            for g, ranks in self.group_ranks.items():
                r = self.reserves.get(g, 0) if g is not None else 0
                taken += min(r, len(ranks))
                unreserved.extend(ranks[r:])
            self.open_ranks = sorted(unreserved)  # members not on a reserved seat of their group
            self.open_seats = site.capacity - taken

        def takes(self, g: str | None, r: int) -> bool:
            if not self.full:
                return True
            reserve = self.reserves.get(g, 0) if g is not None else 0
            if reserve and bisect.bisect_left(self.group_ranks.get(g, []), r) < reserve:
                return True  # one of the group's reserved seats, before a lower-priority member
            return bisect.bisect_left(self.open_ranks, r) < self.open_seats

    seats = {s.code: _Seats(s) for s in sites}
    out: list[tuple[int, str]] = []
    for a in applicants:
        code = result.get(a.id)
        listed = (
            a.preferences if code is None or code not in a.preferences else a.preferences[: a.preferences.index(code)]
        )
        for s in listed:
            if s not in seats or a.id not in seats[s].rank:
                continue  # unknown site, or one that refused the applicant
            if seats[s].takes(a.group, seats[s].rank[a.id]):
                out.append((a.id, s))
    return sorted(out)


# --- offers after the allocation --------------------------------------------------------------------


@dataclass(frozen=True)
class OfferState:
    """What :func:`next_offer` needs after the allocation was applied.

    ``holders``: site code -> applications holding a seat there now (an open offer or an accepted
    one). An applicant promoted from a lower seat holds both until it accepts the better one; accepting
    releases the lower seat (remove it there and call :func:`next_offer` for that site).
    ``excluded``: applications out of the process (declined, let an offer expire, withdrew): on no
    waiting list. ``declined``: ``(application, site)`` pairs where an applicant holding a lower seat
    declined (or let expire) an offer and keeps its lower seat: not offered that site again."""

    holders: Mapping[str, frozenset[int]]
    excluded: frozenset[int] = frozenset()
    declined: frozenset[tuple[int, str]] = frozenset()

    @classmethod
    def from_allocation(cls, allocation: Allocation) -> OfferState:
        """The state right after applying ``allocation``: every admitted applicant holds its seat."""
        return cls({code: frozenset(ids) for code, ids in allocation.holders().items()})


def next_offer(
    site_code: str,
    applicants: Sequence[Applicant],
    sites: Sequence[Site],
    priority: Sequence[int],
    state: OfferState,
) -> int | None:
    """Who gets the next offer at ``site_code`` when a seat is free there (a decline, an expired offer,
    a promoted holder's release), or ``None`` (no free seat, or nobody waiting).

    The candidates are the site's waiting list now: applicants not excluded, listing the site, not
    holding it, whose best held seat (if any) they list below it, and who did not decline it. The
    answer is the best-priority candidate the site's choice rule takes from its holders plus all
    candidates (without reserves, the highest-priority candidate; with reserves, a member of a group
    whose reserved seat freed comes first). The chosen set of a stable state stays chosen (the choice
    rule is substitutable and path independent), so promoting one by one keeps the matching stable:
    no applicant prefers a site that would take it. Pass every application still in the process
    (holders that are not among ``applicants`` are ignored, so their seats count as free). Raises :class:`AllocationError` for bad inputs
    (as :func:`allocate`) or an unknown ``site_code`` (field ``sites``)."""
    m = _market(applicants, sites, priority)
    site = m.sites.get(site_code)
    if site is None:
        raise AllocationError("sites", "unknown site {site}", site=site_code)
    holding = [a for a in state.holders.get(site_code, frozenset()) if a in m.rank and a not in state.excluded]
    if len(holding) >= site.capacity:
        return None
    best_held: dict[int, int] = {}
    for code, ids in state.holders.items():
        for a in ids:
            app = m.applicants.get(a)
            if app is not None and code in app.preferences:
                k = app.preferences.index(code)
                best_held[a] = min(best_held.get(a, k), k)
    held_set = set(holding)
    candidates = []
    for a in m.order:
        app = m.applicants[a]
        if a in state.excluded or a in held_set or (a, site_code) in state.declined or site_code not in app.preferences:
            continue
        if app.preferences.index(site_code) < best_held.get(a, len(app.preferences)):
            candidates.append(a)
    if not candidates:
        return None
    chosen, _ = _choose(site, sorted(holding + candidates, key=m.rank.__getitem__), m)
    new = [a for a in chosen if a not in held_set]
    return new[0] if new else None


@dataclass(frozen=True)
class Move:
    """One step of :func:`promote`: ``application_id`` offered ``site_code``, releasing ``released``
    (the lower seat it held, or ``None``)."""

    application_id: int
    site_code: str
    released: str | None


def promote(
    site_code: str,
    applicants: Sequence[Applicant],
    sites: Sequence[Site],
    priority: Sequence[int],
    state: OfferState,
) -> tuple[OfferState, list[Move]]:
    """Fill the free seats at ``site_code`` and, assuming every promoted applicant accepts, the seats
    their promotions release, until no free seat has a candidate: the chain of :func:`next_offer`
    calls a service makes one decision at a time (a preview; the service waits for each answer).
    Returns the new state (each promoted applicant holds only its new seat) and the moves in order."""
    holders = {code: set(ids) for code, ids in state.holders.items()}
    moves: list[Move] = []
    queue: list[tuple[int, str]] = [(0, site_code)]
    step = 0
    app_map = {a.id: a for a in applicants}
    while queue:
        _, code = heapq.heappop(queue)
        while True:
            current = OfferState({c: frozenset(ids) for c, ids in holders.items()}, state.excluded, state.declined)
            a = next_offer(code, applicants, sites, priority, current)
            if a is None:
                break
            released = next((c for c in app_map[a].preferences if a in holders.get(c, set())), None)
            if released is not None:
                holders[released].discard(a)
                step += 1
                heapq.heappush(queue, (step, released))
            holders.setdefault(code, set()).add(a)
            moves.append(Move(a, code, released))
    return OfferState({c: frozenset(ids) for c, ids in holders.items()}, state.excluded, state.declined), moves
