"""The allocation engine with a priority order of each site's own and refusals (the talent programme's
mentors, issue 16): stability and student-optimality against brute force written from the definitions,
refused applicants never admitted, explanations by hand; without own orders the camp result is unchanged."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from competitions.camps.allocation import AllocationError, Applicant, Site, allocate, blocking_pairs


def brute_blocking(applicants, sites, orders, matching):
    """(a, s) blocks when a lists s above its result, s finds a acceptable (a is in s's order) and s
    has a free seat or holds someone s ranks below a (a member missing from s's order ranks lowest)."""
    out = []
    for a in applicants:
        result = matching.get(a.id)
        better = a.preferences if result is None else a.preferences[: a.preferences.index(result)]
        for s in better:
            order = orders[s]
            if a.id not in order:
                continue
            site = next(x for x in sites if x.code == s)
            members = [i for i, c in matching.items() if c == s]
            if len(members) < site.capacity:
                out.append((a.id, s))
            elif any(m not in order or order.index(m) > order.index(a.id) for m in members):
                out.append((a.id, s))
    return sorted(out)


def acceptable_matchings(applicants, sites, orders):
    capacity = {s.code: s.capacity for s in sites}
    options = [(None, *[c for c in a.preferences if a.id in orders[c]]) for a in applicants]
    for combo in itertools.product(*options):
        counts: dict[str, int] = {}
        for c in combo:
            if c is not None:
                counts[c] = counts.get(c, 0) + 1
        if all(n <= capacity[c] for c, n in counts.items()):
            yield {a.id: c for a, c in zip(applicants, combo)}


def worth(a, site):
    return a.preferences.index(site) if site is not None else len(a.preferences)


@st.composite
def markets(draw):
    codes = ["A", "B", "C"][: draw(st.integers(1, 3))]
    sites = [Site(code, draw(st.integers(0, 2))) for code in codes]
    n = draw(st.integers(1, 5))
    applicants = [
        Applicant(i, tuple(draw(st.permutations(codes))[: draw(st.integers(0, len(codes)))])) for i in range(1, n + 1)
    ]
    ids = [a.id for a in applicants]
    orders = {}
    for code in codes:  # each site ranks its own way and leaves some out (refuses them)
        ranked = list(draw(st.permutations(ids)))
        orders[code] = ranked[: draw(st.integers(0, len(ranked)))]
    priority = list(draw(st.permutations(ids)))
    return applicants, sites, priority, orders


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markets())
def test_own_orders_give_the_student_optimal_stable_matching_and_never_admit_a_refused_applicant(market):
    applicants, sites, priority, orders = market
    allocation = allocate(applicants, sites, priority, orders)
    mine = {i: p.site_code for i, p in allocation.placements.items()}
    for i, code in mine.items():
        assert code is None or i in orders[code]  # refused = never admitted there
    stable = [
        m for m in acceptable_matchings(applicants, sites, orders) if not brute_blocking(applicants, sites, orders, m)
    ]
    assert mine in stable
    for other in stable:
        assert all(worth(a, mine[a.id]) <= worth(a, other[a.id]) for a in applicants)
    assert blocking_pairs(applicants, sites, priority, allocation.placements, orders) == []
    # capacities hold
    for s in sites:
        assert sum(1 for c in mine.values() if c == s.code) <= s.capacity
    # every reason is "refused" exactly where the site left the applicant out
    for p in allocation.placements.values():
        for r in p.reasons:
            assert (r.code == "refused") == (p.application_id not in orders[r.site_code])
            if r.code == "refused":
                assert r.waiting_position == 0 and r.site_code not in p.waiting_positions


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markets(), st.randoms(use_true_random=False))
def test_the_independent_check_agrees_with_brute_force_with_own_orders(market, rnd):
    applicants, sites, priority, orders = market
    matchings = list(acceptable_matchings(applicants, sites, orders))
    for m in rnd.sample(matchings, min(5, len(matchings))):
        assert blocking_pairs(applicants, sites, priority, m, orders) == brute_blocking(applicants, sites, orders, m)


def test_a_mentor_ranking_and_a_refusal_by_hand():
    """Two mentors with one seat each. 1 and 2 both want M first; M ranks 2 above 1 and refuses 3.
    N ranks 1, 3. DA: 1 -> M, 2 -> M, 3 -> M (refused) -> N; M keeps 2 (its own first), 1 -> N,
    N holds 3 and 1 and keeps 1 (ranked first); 3 has nothing left."""
    applicants = [Applicant(1, ("M", "N")), Applicant(2, ("M",)), Applicant(3, ("M", "N"))]
    sites = [Site("M", 1), Site("N", 1)]
    orders = {"M": [2, 1], "N": [1, 3]}
    allocation = allocate(applicants, sites, [3, 1, 2], orders)  # the common order only breaks nothing here
    got = {i: p.site_code for i, p in allocation.placements.items()}
    assert got == {1: "N", 2: "M", 3: None}
    one, three = allocation.placements[1], allocation.placements[3]
    assert [(r.site_code, r.code, r.higher_priority, r.waiting_position) for r in one.reasons] == [("M", "full", 1, 1)]
    assert [(r.site_code, r.code) for r in three.reasons] == [("M", "refused"), ("N", "full")]
    assert three.waiting_positions == {"N": 1}  # on N's waiting list, not M's (M refused it)
    assert allocation.waiting_lists == {"M": (1,), "N": (3,)}
    assert blocking_pairs(applicants, sites, [3, 1, 2], allocation.placements, orders) == []
    # had M not refused 3 and ranked it first, 3 would take M and 2 would be out
    other = allocate(applicants, sites, [3, 1, 2], {"M": [3, 2, 1], "N": [1, 3]})
    assert {i: p.site_code for i, p in other.placements.items()} == {1: "N", 2: None, 3: "M"}


def test_without_own_orders_the_result_is_the_camps_one():
    applicants = [Applicant(i, ("A", "B")[: 1 + i % 2]) for i in range(1, 7)]
    sites = [Site("A", 2), Site("B", 2)]
    priority = [6, 5, 4, 3, 2, 1]
    a = allocate(applicants, sites, priority)
    b = allocate(applicants, sites, priority, {})
    assert a == b
    # an own order equal to the common one gives the same seats as well
    c = allocate(applicants, sites, priority, {"A": priority, "B": priority})
    assert {i: p.site_code for i, p in c.placements.items()} == {i: p.site_code for i, p in a.placements.items()}


def test_bad_own_orders_are_refused_naming_the_input():
    applicants = [Applicant(1, ("A",))]
    with pytest.raises(AllocationError) as e:
        allocate(applicants, [Site("A", 1)], [1], {"Z": [1]})
    assert e.value.field == "sites"
    with pytest.raises(AllocationError) as e:
        allocate(applicants, [Site("A", 1)], [1], {"A": [1, 1]})
    assert e.value.field == "priority"
