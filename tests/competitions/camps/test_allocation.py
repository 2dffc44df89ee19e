"""Camp allocation (competitions/camps/allocation.py): deferred acceptance against brute force on
random small markets (stability, student-optimality, strategy-proofness), reserves, explanations and
waiting lists by hand, offers after declines."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from competitions.camps.allocation import (
    AllocationError,
    Applicant,
    Move,
    OfferState,
    Reason,
    Site,
    allocate,
    blocking_pairs,
    next_offer,
    promote,
    reserved_seats,
)

# --- brute force, written from the definitions (independent of the module) ------------------------


def choice(site: Site, candidates, rank, group):
    """The reserves choice rule as the brief words it: up to r_g of each group by priority, then the
    remaining seats by priority from everyone."""
    ordered = sorted(candidates, key=rank.__getitem__)
    chosen = []
    for g, r in sorted(site.reserves.items()):
        chosen += [a for a in ordered if group[a] == g][:r]
    rest = [a for a in ordered if a not in chosen]
    return set(chosen + rest[: site.capacity - len(chosen)])


def brute_blocking(applicants, sites, priority, matching):
    rank = {a: k for k, a in enumerate(priority)}
    group = {a.id: a.group for a in applicants}
    admitted = {s.code: {a for a, c in matching.items() if c == s.code} for s in sites}
    site = {s.code: s for s in sites}
    out = []
    for a in applicants:
        result = matching.get(a.id)
        better = a.preferences if result is None else a.preferences[: a.preferences.index(result)]
        for s in better:
            if a.id in choice(site[s], admitted[s] | {a.id}, rank, group):
                out.append((a.id, s))
    return sorted(out)


def all_matchings(applicants, sites):
    capacity = {s.code: s.capacity for s in sites}
    for combo in itertools.product(*[(None, *a.preferences) for a in applicants]):
        counts = {}
        for c in combo:
            if c is not None:
                counts[c] = counts.get(c, 0) + 1
        if all(n <= capacity[c] for c, n in counts.items()):
            yield {a.id: c for a, c in zip(applicants, combo)}


def worth(a: Applicant, site: str | None) -> int:
    """Smaller is better; not admitted is worst."""
    return a.preferences.index(site) if site is not None else len(a.preferences)


def result_of(allocation):
    return {i: p.site_code for i, p in allocation.placements.items()}


@st.composite
def markets(draw, reserves: bool):
    codes = ["A", "B", "C"][: draw(st.integers(1, 3))]
    sites = []
    for code in codes:
        capacity = draw(st.integers(0, 3))
        held = {}
        if reserves:
            g = draw(st.integers(0, capacity))
            h = draw(st.integers(0, capacity - g))
            held = {k: v for k, v in (("g", g), ("h", h)) if v}
        sites.append(Site(code, capacity, held))
    n = draw(st.integers(1, 5))
    applicants = []
    for i in range(1, n + 1):
        prefs = draw(st.permutations(codes))[: draw(st.integers(0, len(codes)))]
        group = draw(st.sampled_from([None, "g", "h"])) if reserves else None
        applicants.append(Applicant(i, tuple(prefs), group))
    priority = draw(st.permutations([a.id for a in applicants]))
    return applicants, sites, list(priority)


def check_student_optimal_stable(applicants, sites, priority):
    allocation = allocate(applicants, sites, priority)
    mine = result_of(allocation)
    stable = [m for m in all_matchings(applicants, sites) if not brute_blocking(applicants, sites, priority, m)]
    assert mine in stable
    for other in stable:  # every applicant weakly prefers the DA result to any stable matching
        assert all(worth(a, mine[a.id]) <= worth(a, other[a.id]) for a in applicants)
    assert blocking_pairs(applicants, sites, priority, allocation.placements) == []
    return allocation


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markets(reserves=False))
def test_da_is_the_student_optimal_stable_matching(market):
    applicants, sites, priority = market
    allocation = check_student_optimal_stable(applicants, sites, priority)
    # the CONTRACT's wording: a site listed above the result is full of applicants with higher priority
    rank = {a: k for k, a in enumerate(priority)}
    capacity = {s.code: s.capacity for s in sites}
    for p in allocation.placements.values():
        for r in p.reasons:
            holders = [i for i, q in allocation.placements.items() if q.site_code == r.site_code]
            assert len(holders) == capacity[r.site_code]
            assert all(rank[h] < rank[p.application_id] for h in holders)
            assert r.code in ("full", "no_seats") and r.higher_priority == capacity[r.site_code]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markets(reserves=True))
def test_with_reserves_da_is_stable_for_the_choice_rule_and_student_optimal(market):
    check_student_optimal_stable(*market)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markets(reserves=True), st.randoms(use_true_random=False))
def test_the_independent_check_agrees_with_brute_force_on_any_matching(market, rnd):
    applicants, sites, priority = market
    matchings = list(all_matchings(applicants, sites))
    for m in rnd.sample(matchings, min(5, len(matchings))):
        assert blocking_pairs(applicants, sites, priority, m) == brute_blocking(applicants, sites, priority, m)


def all_lists(codes):
    for k in range(len(codes) + 1):
        yield from itertools.permutations(codes, k)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markets(reserves=True))
def test_no_applicant_gains_by_misreporting(market):
    applicants, sites, priority = market
    truth = result_of(allocate(applicants, sites, priority))
    codes = [s.code for s in sites]
    for k, a in enumerate(applicants):
        for lie in all_lists(codes):
            others = applicants[:k] + [Applicant(a.id, lie, a.group)] + applicants[k + 1 :]
            got = result_of(allocate(others, sites, priority))[a.id]
            got_worth = worth(a, got) if got in a.preferences or got is None else len(a.preferences)
            assert got_worth >= worth(a, truth[a.id]), (a, lie)


# --- reserves by hand -----------------------------------------------------------------------------


def test_reserves_give_the_group_more_seats():
    # priority x1(1), x2(2), g1(3); site A has 2 seats, 1 reserved for group g; B has 1 seat
    applicants = [Applicant(1, ("A",)), Applicant(2, ("A", "B")), Applicant(3, ("A",), "g")]
    without = allocate(applicants, [Site("A", 2), Site("B", 1)], [1, 2, 3])
    assert result_of(without) == {1: "A", 2: "A", 3: None}  # group g: 0 seats
    with_reserve = allocate(applicants, [Site("A", 2, {"g": 1}), Site("B", 1)], [1, 2, 3])
    assert result_of(with_reserve) == {1: "A", 2: "B", 3: "A"}  # group g: 1 seat, and nobody left out
    assert with_reserve.first_choice_share == Decimal("0.6667")
    reason = with_reserve.placements[2].reasons[0]
    assert (reason.code, reason.higher_priority, reason.reserved_by, reason.cutoff_position) == (
        "reserved", 1, (("g", 1),), 1,
    )  # fmt: skip


def test_unclaimed_reserved_seats_go_to_everyone_and_several_groups():
    applicants = [Applicant(i, ("A",)) for i in (1, 2, 3)]
    assert result_of(allocate(applicants, [Site("A", 2, {"g": 1})], [3, 1, 2])) == {1: "A", 2: None, 3: "A"}
    # 3 seats, one each for g and h: g1 (priority 3) and h1 (4) take them, one open seat for x1 (1)
    applicants = [
        Applicant(1, ("A",)), Applicant(2, ("A",)), Applicant(3, ("A",), "g"),
        Applicant(4, ("A",), "h"), Applicant(5, ("A",), "g"),
    ]  # fmt: skip
    allocation = allocate(applicants, [Site("A", 3, {"g": 1, "h": 1})], [1, 2, 3, 4, 5])
    assert result_of(allocation) == {1: "A", 2: None, 3: "A", 4: "A", 5: None}
    two, five = allocation.placements[2].reasons[0], allocation.placements[5].reasons[0]
    assert (two.code, two.higher_priority, two.reserved_by, two.cutoff_position) == (
        "reserved",
        1,
        (("g", 1), ("h", 1)),
        1,
    )
    # g member 5: the g seat is held by a better g member, the open seat by 1; h's seat by 4 (better than 5)
    assert (five.code, five.higher_priority, five.group_reserved, five.group_higher, five.reserved_by) == (
        "full", 3, 1, 1, (),
    )  # fmt: skip


def test_reserved_seats_rounding():
    assert reserved_seats(15, {"rural": Decimal("0.1")}) == {"rural": 2}  # 1.5 -> 2 (half up)
    assert reserved_seats(14, {"rural": Decimal("0.1")}) == {"rural": 1}  # 1.4 -> 1
    assert reserved_seats(1, {"a": Decimal("0.5"), "b": Decimal("0.5")}) == {"a": 1, "b": 0}
    # 40 seats: 12.4 and 6.8 -> total 19.2 -> 19: floors 12 + 6 = 18, the larger remainder (b, .8) gets one
    assert reserved_seats(40, {"a": Decimal("0.31"), "b": Decimal("0.17")}) == {"a": 12, "b": 7}
    assert reserved_seats(10, {"a": Decimal("1")}) == {"a": 10}
    assert reserved_seats(0, {"a": Decimal("0.3")}) == {"a": 0}
    for capacity in range(0, 30):
        shares = {"a": Decimal("0.35"), "b": Decimal("0.35"), "c": Decimal("0.3")}
        seats = reserved_seats(capacity, shares)
        assert sum(seats.values()) == capacity
        assert all(abs(seats[g] - capacity * shares[g]) < 1 for g in shares)


@pytest.mark.parametrize(
    ("capacity", "shares", "field"),
    [
        (-1, {}, "capacity"),
        (True, {}, "capacity"),
        (10, {"a": Decimal("-0.1")}, "reserves"),
        (10, {"a": Decimal("1.1")}, "reserves"),
        (10, {"a": Decimal("0.6"), "b": Decimal("0.5")}, "reserves"),
        (10, {"a": Decimal("NaN")}, "reserves"),
        (10, {"": Decimal("0.1")}, "reserves"),
    ],
)
def test_reserved_seats_refuses(capacity, shares, field):
    with pytest.raises(AllocationError) as e:
        reserved_seats(capacity, shares)
    assert e.value.field == field


# --- explanations and waiting lists on a 6-applicant example, by hand --------------------------------

SITES = [Site("A", 2, {"r": 1}), Site("B", 2), Site("C", 1)]
SIX = [
    Applicant(11, ("A", "B")),
    Applicant(12, ("A", "C")),
    Applicant(13, ("A", "B")),
    Applicant(14, ("B", "A"), "r"),
    Applicant(15, ("A", "C"), "r"),
    Applicant(16, ("C", "A"), "r"),
    Applicant(17, ()),
]
PRIORITY = [11, 12, 13, 14, 15, 16, 17]
# Round 1: A gets 11, 12, 13, 15 and keeps 15 (r's reserved seat) and 11 (the open seat); B keeps 14;
# C keeps 16. Round 2: 12 -> C displaces 16; 13 -> B (B: 13, 14). Round 3: 16 -> A: r's seat is held by
# 15 (better), the open one by 11: rejected; 16 has no site left.


def test_six_applicants_results_and_explanations():
    allocation = allocate(SIX, SITES, PRIORITY)
    assert result_of(allocation) == {11: "A", 12: "C", 13: "B", 14: "B", 15: "A", 16: None, 17: None}
    p = allocation.placements
    assert [p[i].status for i in sorted(p)] == ["admitted"] * 5 + ["waiting", "unplaced"]
    assert (allocation.admitted, allocation.waiting, allocation.unplaced) == (5, 1, 1)
    assert allocation.first_choice_share == Decimal("0.4286")  # 11, 14, 15 of 7
    assert allocation.waiting_lists == {"A": (12, 13, 16), "B": (), "C": (16,)}
    assert (p[12].preference_rank, p[12].priority_position) == (2, 2)
    # the last number: the applicant's place in the (common) priority order: 12 is 2nd, 13 3rd, 16 6th
    # 12 at A: full; 1 admitted with higher priority (11, the open seat's cut-off at position 1), the
    # other seat reserved for r and held by 15 (lower priority)
    assert p[12].reasons == (
        Reason(1, "A", "reserved", 2, 2, 1, 1, 0, 0, (("r", 1),), 1, 2),
    )  # fmt: skip
    assert p[12].waiting_positions == {"A": 1}
    assert p[13].reasons == (Reason(1, "A", "reserved", 2, 2, 1, 1, 0, 0, (("r", 1),), 2, 3),)
    assert p[14].reasons == () and p[14].waiting_positions == {}
    # 16 (group r): C full with 1 of higher priority (12, position 2); A full with 2 of higher
    # priority, r's one reserved seat held by a better r member (15)
    assert p[16].reasons == (
        Reason(1, "C", "full", 1, 1, 1, 2, 0, 0, (), 1, 6),
        Reason(2, "A", "full", 2, 2, 2, 1, 1, 1, (), 3, 6),
    )  # fmt: skip
    assert p[16].waiting_positions == {"C": 1, "A": 3}
    assert p[17].reasons == () and p[17].site_code is None and p[17].preference_rank is None


def test_same_inputs_same_result_whatever_the_input_order():
    first = allocate(SIX, SITES, PRIORITY)
    assert allocate(list(reversed(SIX)), list(reversed(SITES)), PRIORITY) == first
    assert allocate(SIX, SITES, [99, *PRIORITY, 100]) == first  # ids of other applications are ignored


# --- offers after the allocation -----------------------------------------------------------------


def state_after(allocation, excluded=(), declined=()):
    holders = {c: set(ids) for c, ids in allocation.holders().items()}
    for c in holders:
        holders[c] -= set(excluded)
    return OfferState({c: frozenset(ids) for c, ids in holders.items()}, frozenset(excluded), frozenset(declined))


def test_no_free_seat_no_offer():
    state = OfferState.from_allocation(allocate(SIX, SITES, PRIORITY))
    assert [next_offer(c, SIX, SITES, PRIORITY, state) for c in "ABC"] == [None, None, None]


def test_decline_promotes_the_next_and_the_chain_follows_the_released_seat():
    allocation = allocate(SIX, SITES, PRIORITY)
    state = state_after(allocation, excluded=[11])  # 11 declines its seat at A
    # A's candidates: 12 (holds C, its 2nd), 13 (holds B, its 2nd), 16 (nothing); 15 keeps r's seat,
    # the open seat goes to the best candidate by priority: 12
    assert next_offer("A", SIX, SITES, PRIORITY, state) == 12
    after, moves = promote("A", SIX, SITES, PRIORITY, state)
    # 12 accepts A and releases C, whose waiting list has 16
    assert moves == [Move(12, "A", "C"), Move(16, "C", None)]
    assert after.holders == {"A": frozenset({12, 15}), "B": frozenset({13, 14}), "C": frozenset({16})}
    remaining = [a for a in SIX if a.id != 11]
    assert blocking_pairs(remaining, SITES, PRIORITY, {i: c for c, ids in after.holders.items() for i in ids}) == []


def test_a_freed_reserved_seat_goes_to_the_group_first():
    allocation = allocate(SIX, SITES, PRIORITY)
    state = state_after(allocation, excluded=[15])  # 15 (group r) declines A
    # candidates 12, 13 have higher priority but r's reserved seat is free: 16 (r) takes it
    assert next_offer("A", SIX, SITES, PRIORITY, state) == 16
    after, moves = promote("A", SIX, SITES, PRIORITY, state)
    assert moves == [Move(16, "A", None)]
    remaining = [a for a in SIX if a.id != 15]
    assert blocking_pairs(remaining, SITES, PRIORITY, {i: c for c, ids in after.holders.items() for i in ids}) == []


def test_a_declined_upgrade_keeps_the_lower_seat_and_skips_to_the_next():
    allocation = allocate(SIX, SITES, PRIORITY)
    state = state_after(allocation, excluded=[11], declined=[(12, "A")])
    assert next_offer("A", SIX, SITES, PRIORITY, state) == 13
    after, moves = promote("A", SIX, SITES, PRIORITY, state)
    # 13 releases B; nobody is waiting for B (11 is out, 16 did not list it): the seat stays free
    assert moves == [Move(13, "A", "B")]
    assert after.holders["B"] == frozenset({14}) and after.holders["C"] == frozenset({12})
    assert next_offer("B", SIX, SITES, PRIORITY, after) is None


def test_an_open_upgrade_offer_holds_both_seats_until_accepted():
    allocation = allocate(SIX, SITES, PRIORITY)
    state = state_after(allocation, excluded=[11])
    offered = OfferState({**state.holders, "A": state.holders["A"] | {12}}, state.excluded)
    # 12 holds A (open offer) and C: C has no free seat yet, A is full
    assert next_offer("C", SIX, SITES, PRIORITY, offered) is None
    assert next_offer("A", SIX, SITES, PRIORITY, offered) is None
    accepted = OfferState({**offered.holders, "C": frozenset()}, state.excluded)  # 12 accepts: C released
    assert next_offer("C", SIX, SITES, PRIORITY, accepted) == 16


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markets(reserves=True), st.randoms(use_true_random=False))
def test_promotions_after_declines_keep_the_matching_stable(market, rnd):
    applicants, sites, priority = market
    allocation = allocate(applicants, sites, priority)
    state = OfferState.from_allocation(allocation)
    out: set[int] = set()
    for _ in range(3):
        holding = sorted({i for ids in state.holders.values() for i in ids})
        if not holding:
            break
        leaver = rnd.choice(holding)
        out.add(leaver)
        code = next(c for c, ids in state.holders.items() if leaver in ids)
        state = OfferState({c: ids - {leaver} for c, ids in state.holders.items()}, frozenset(out), frozenset())
        state, _ = promote(code, applicants, sites, priority, state)
        remaining = [a for a in applicants if a.id not in out]
        matching = {i: c for c, ids in state.holders.items() for i in ids}
        assert all(len(ids) <= s.capacity for s in sites for c, ids in state.holders.items() if c == s.code)
        assert brute_blocking(remaining, sites, priority, matching) == []


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("applicants", "sites", "priority", "field"),
    [
        ([Applicant(1, ("X",))], [Site("A", 1)], [1], "preferences"),
        ([Applicant(1, ("A", "A"))], [Site("A", 1)], [1], "preferences"),
        ([Applicant(1, ("A",)), Applicant(1, ())], [Site("A", 1)], [1], "applicants"),
        ([Applicant(1, ("A",)), Applicant(2, ())], [Site("A", 1)], [1], "priority"),
        ([Applicant(1, ("A",))], [Site("A", 1)], [1, 1], "priority"),
        ([Applicant(1, ("A",))], [Site("A", -1)], [1], "capacity"),
        ([Applicant(1, ("A",))], [Site("A", 2, {"g": 2, "h": 1})], [1], "reserves"),
        ([Applicant(1, ("A",))], [Site("A", 2, {"g": -1})], [1], "reserves"),
        ([Applicant(1, ("A",))], [Site("A", 1), Site("A", 2)], [1], "sites"),
    ],
)
def test_bad_inputs_name_the_field(applicants, sites, priority, field):
    with pytest.raises(AllocationError) as e:
        allocate(applicants, sites, priority)
    assert e.value.field == field
    assert e.value.message.format(**e.value.params) == str(e.value)


def test_blocking_pairs_finds_each_kind():
    sites = [Site("A", 2, {"g": 1}), Site("B", 1)]
    applicants = [Applicant(1, ("A",)), Applicant(2, ("A", "B")), Applicant(3, ("A",), "g"), Applicant(4, ("B",))]
    priority = [1, 2, 3, 4]
    assert blocking_pairs(applicants, sites, priority, {1: "A", 2: "B", 3: "A", 4: None}) == []
    # a free seat at B that 4 wants
    assert blocking_pairs(applicants, sites, priority, {1: "A", 2: None, 3: "A", 4: None}) == [(2, "B"), (4, "B")]
    # A full with 2 (open seat) and 5 (g's seat): 1 outranks 2, and 3 is a better g member than 5
    applicants.append(Applicant(5, ("A",), "g"))
    matching = {1: None, 2: "A", 3: None, 4: "B", 5: "A"}
    assert blocking_pairs(applicants, sites, [1, 2, 3, 4, 5], matching) == [(1, "A"), (3, "A")]
    # 2 is not in g: A's g seat held by a worse g member is no use to it (1 holds the open seat), but
    # B is held by 4 with lower priority; 3 is a better g member than 5
    matching = {1: "A", 2: None, 3: None, 4: "B", 5: "A"}
    assert blocking_pairs(applicants, sites, [1, 2, 3, 4, 5], matching) == [(2, "B"), (3, "A")]


def test_random_larger_market_is_stable():
    rnd = random.Random(7)
    sites = [Site(f"S{k}", rnd.randint(0, 12), {"g": rnd.randint(0, 3)}) for k in range(8)]
    applicants = [
        Applicant(i, tuple(rnd.sample([s.code for s in sites], 3)), rnd.choice([None, None, "g"])) for i in range(300)
    ]
    priority = rnd.sample(range(300), 300)
    allocation = allocate(applicants, sites, priority)
    assert blocking_pairs(applicants, sites, priority, allocation.placements) == []
    assert brute_blocking(applicants, sites, priority, result_of(allocation)) == []
    assert (
        allocation.admitted == sum(s.capacity for s in sites)
        or allocation.waiting == 0
        or all(
            len(allocation.waiting_lists[s.code]) == 0 or allocation.holders()[s.code].__len__() == s.capacity
            for s in sites
        )
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markets(reserves=True))
def test_explanations_add_up_on_random_markets(market):
    applicants, sites, priority = market
    allocation = allocate(applicants, sites, priority)
    capacity = {s.code: s.capacity for s in sites}
    holders = allocation.holders()
    for p in allocation.placements.values():
        a = next(x for x in applicants if x.id == p.application_id)
        listed = a.preferences if p.site_code is None else a.preferences[: a.preferences.index(p.site_code)]
        assert [r.site_code for r in p.reasons] == list(listed)
        assert [r.preference_rank for r in p.reasons] == list(range(1, len(listed) + 1))
        for r in p.reasons:
            # full, and every admitted either outranks the applicant or holds another group's reserved seat
            assert r.admitted == len(holders[r.site_code]) == capacity[r.site_code] == r.capacity
            assert r.higher_priority + sum(n for _, n in r.reserved_by) == r.admitted
            assert (r.code == "full") == (r.higher_priority == r.capacity > 0)
            assert (r.code == "no_seats") == (r.capacity == 0)
            assert r.group_higher <= r.group_reserved
            assert allocation.waiting_lists[r.site_code][r.waiting_position - 1] == p.application_id
            assert p.waiting_positions[r.site_code] == r.waiting_position


def test_next_offer_for_an_unknown_site():
    state = OfferState.from_allocation(allocate(SIX, SITES, PRIORITY))
    with pytest.raises(AllocationError) as e:
        next_offer("Z", SIX, SITES, PRIORITY, state)
    assert e.value.field == "sites"
