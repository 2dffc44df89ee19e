"""Benchmark: camp allocation (issue 15, "Speed").

    python bench/camp_allocation.py [--applications 20000] [--sites 60] [--seed 2026]

A seeded random market: ``--applications`` applications with 3 preferences each over ``--sites`` sites
(capacities 40-160; popularity skewed: site k drawn with weight 1/(k+1)^0.9 and the first three sites
five times more, so a few sites are heavily oversubscribed), 15 % of the applicants in group
``poor`` (建档立卡) and 10 % in ``remote``, each site reserving 15 % and 5 % of its seats for them
(``reserved_seats``), priority = the lottery order (``competitions.camps.lottery.draw_order``).

Prints the time of the lottery draw, of the allocation (``allocate``; target under 5 s), the number of
blocking pairs found by the independent check (``blocking_pairs``; must be 0) and its time, the share
admitted to their first choice, and for comparison the groups' admitted counts without reserves;
then the time of one ``next_offer`` (what a service calls after a decline).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from competitions.camps.allocation import (  # noqa: E402
    Applicant,
    OfferState,
    Site,
    allocate,
    blocking_pairs,
    next_offer,
    reserved_seats,
)
from competitions.camps.lottery import draw_order  # noqa: E402

SHARES = {"poor": Decimal("0.15"), "remote": Decimal("0.05")}


def market(n: int, n_sites: int, seed: int) -> tuple[list[Applicant], list[Site]]:
    rnd = random.Random(seed)
    sites = []
    for k in range(n_sites):
        capacity = rnd.randint(40, 160)
        sites.append(Site(f"S{k + 1:02d}", capacity, reserved_seats(capacity, SHARES)))
    weights = [(5.0 if k < 3 else 1.0) / (k + 1) ** 0.9 for k in range(n_sites)]
    codes = [s.code for s in sites]
    applicants = []
    for i in range(1, n + 1):
        prefs: list[str] = []
        while len(prefs) < 3:
            c = rnd.choices(codes, weights)[0]
            if c not in prefs:
                prefs.append(c)
        u = rnd.random()
        group = "poor" if u < 0.15 else ("remote" if u < 0.25 else None)
        applicants.append(Applicant(i, tuple(prefs), group))
    return applicants, sites


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=20000)
    parser.add_argument("--sites", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    applicants, sites = market(args.applications, args.sites, args.seed)
    seats = sum(s.capacity for s in sites)
    print(f"{len(applicants)} applications x 3 preferences over {len(sites)} sites, {seats} seats")

    t = time.perf_counter()
    priority = draw_order("bench-seed-" + str(args.seed), "03 12 27 28 30 33 + 07", [a.id for a in applicants])
    print(f"lottery draw:                {time.perf_counter() - t:7.3f} s")

    t = time.perf_counter()
    allocation = allocate(applicants, sites, priority)
    elapsed = time.perf_counter() - t
    print(f"allocation:                  {elapsed:7.3f} s  (target < 5 s)")

    t = time.perf_counter()
    pairs = blocking_pairs(applicants, sites, priority, allocation.placements)
    print(f"independent stability check: {time.perf_counter() - t:7.3f} s  blocking pairs: {len(pairs)} (must be 0)")

    first = sum(p.preference_rank == 1 for p in allocation.placements.values())
    print(
        f"admitted {allocation.admitted}, waiting {allocation.waiting}, unplaced {allocation.unplaced}; "
        f"admitted to first choice: {allocation.first_choice_share} of all applications, "
        f"{first / max(allocation.admitted, 1):.4f} of those admitted"
    )
    plain = allocate(applicants, [Site(s.code, s.capacity) for s in sites], priority)
    for g in SHARES:
        members = [a.id for a in applicants if a.group == g]
        with_r = sum(allocation.placements[i].status == "admitted" for i in members)
        without = sum(plain.placements[i].status == "admitted" for i in members)
        print(f"group {g:<7} {len(members):>6} applicants: admitted {with_r} with reserves, {without} without")

    state = OfferState.from_allocation(allocation)
    busiest = max(sites, key=lambda s: len(allocation.waiting_lists[s.code]))
    leaver = min(state.holders[busiest.code])
    state = OfferState({c: ids - {leaver} for c, ids in state.holders.items()}, frozenset({leaver}), frozenset())
    t = time.perf_counter()
    offered = next_offer(busiest.code, applicants, sites, priority, state)
    print(
        f"next_offer after a decline at {busiest.code} "
        f"({len(allocation.waiting_lists[busiest.code])} waiting): {time.perf_counter() - t:.3f} s -> {offered}"
    )
    if pairs:
        sys.exit(1)


if __name__ == "__main__":
    main()
