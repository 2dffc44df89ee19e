"""The pure assignment planner (judging.panels.assignments.plan_assignments): conflicts, k
judges per entry, reported shortfalls, kept pairs, and loads as even as eligibility
allows, checked against every possible assignment of small random panels."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest

from judging.panels.assignments import plan_assignments
from judging.panels.services import EntryProfile, JudgeProfile, conflict_reason


def entry(i: int, category: str = "MA", school: int = 1, city: str = "海口市", advisers=()) -> EntryProfile:
    return EntryProfile(i, f"{category}-J{i:04d}", category, school, city, set(advisers))


def judge(i: int, categories=("MA",), school: int | None = None, city: str | None = None, **conflicts) -> JudgeProfile:
    return JudgeProfile(i, f"评委{i}", set(categories), school, city, **{k: set(v) for k, v in conflicts.items()})


def loads(plan: dict[int, set[int]], judges: list[JudgeProfile]) -> Counter:
    count = Counter({j.user_id: 0 for j in judges})
    for judge_ids in plan.values():
        count.update(judge_ids)
    return count


def test_conflicts_and_shortfalls():
    entries = [
        entry(1, school=1, city="海口市", advisers=["王老师"]),
        entry(2, school=2, city="三亚市"),
        entry(3, "PH", school=3),
    ]
    judges = [
        judge(10, school=1),  # own school of entry 1
        judge(11, conflict_advisers=["王老师"]),  # adviser of entry 1
        judge(12, conflict_entries=[2]),  # declared entry 2
        judge(13, conflict_schools=[2]),  # declared school of entry 2
        judge(14, city="三亚市"),  # same city as entry 2 (only with city_conflict)
        judge(15, categories=("PH",)),
    ]
    plan, short = plan_assignments(entries, judges, 2)
    # entry 1: eligible 12, 13, 14; entry 2: 10, 11, 14; entry 3: 15 only -> reported
    assert plan[1] <= {12, 13, 14} and len(plan[1]) == 2
    assert plan[2] <= {10, 11, 14} and len(plan[2]) == 2
    assert plan[3] == {15}
    assert short == [{"entry_id": 3, "code": "PH-J0003", "assigned": 1, "needed": 2}]
    plan, short = plan_assignments(entries, judges, 2, city_conflict=True)
    assert plan[2] == {10, 11}
    plan, short = plan_assignments(entries, judges, 3, city_conflict=True)
    assert plan[2] == {10, 11} and plan[1] == {12, 13, 14}
    assert [(s["entry_id"], s["assigned"]) for s in short] == [(2, 2), (3, 1)]
    assert (
        conflict_reason(judges[4], entries[1], True) == "own_city"
        and conflict_reason(judges[4], entries[1], False) is None
    )


def test_kept_pairs_stay_and_count_in_the_loads():
    entries = [entry(i) for i in range(1, 7)]
    judges = [judge(10), judge(11), judge(12)]
    # judge 10 already scored 4 entries: they stay; the others go to 11 and 12 to even the loads
    kept = {1: {10}, 2: {10}, 3: {10}, 4: {10}}
    plan, short = plan_assignments(entries, judges, 1, kept=kept)
    assert short == []
    assert all(plan[e] == {10} for e in (1, 2, 3, 4))
    assert {next(iter(plan[5])), next(iter(plan[6]))} == {11, 12}


def test_chains_even_loads_across_categories():
    # 9 MA and 9 PH entries, k = 1; judge 1 judges MA only, judge 3 PH only, judge 2 both:
    # 18 assignments over 3 judges -> 6 each, which needs judge 2 to take from both sides
    entries = [entry(i, "MA") for i in range(1, 10)] + [entry(i, "PH") for i in range(10, 19)]
    judges = [judge(1, ("MA",)), judge(2, ("MA", "PH")), judge(3, ("PH",))]
    for seed in range(10):
        plan, _short = plan_assignments(entries, judges, 1, seed=seed)
        assert sorted(loads(plan, judges).values()) == [6, 6, 6]
    # uneven categories: 12 MA, 3 PH -> judge 3 can have at most 3; judges 1 and 2 share the rest: 6 each
    entries = [entry(i, "MA") for i in range(1, 13)] + [entry(i, "PH") for i in range(13, 16)]
    plan, _short = plan_assignments(entries, judges, 1)
    assert loads(plan, judges) == Counter({1: 6, 2: 6, 3: 3})


def _best_possible(entries, judges, k, city_conflict, kept):
    """Lowest possible highest load and highest possible lowest load over every assignment
    that gives each entry min(k, eligible) judges including its kept ones (dynamic programming
    over the reachable load vectors)."""
    ids = [j.user_id for j in judges]
    index = {j: n for n, j in enumerate(ids)}
    states = {tuple(0 for _ in ids)}
    for e in entries:
        eligible = [
            j.user_id
            for j in judges
            if e.category_code in j.category_codes and conflict_reason(j, e, city_conflict) is None
        ]
        fixed = kept.get(e.entry_id, set())
        free = [j for j in eligible if j not in fixed]
        size = max(0, min(k, len(eligible) + len(fixed - set(eligible))) - len(fixed))
        size = min(size, len(free))
        combos = [tuple(fixed) + c for c in itertools.combinations(free, size)]
        new = set()
        for state in states:
            for combo in combos:
                s = list(state)
                for j in combo:
                    s[index[j]] += 1
                new.add(tuple(s))
        states = new
    return min(max(s) for s in states), max(min(s) for s in states)


@pytest.mark.parametrize("seed", range(40))
def test_loads_are_as_even_as_eligibility_allows(seed):
    rng = random.Random(seed)
    n_entries, n_judges, k = rng.choice(((7, 4, 1), (6, 4, 2), (6, 5, 2), (5, 5, 3)))
    cities = ("海口市", "三亚市")
    entries = [
        entry(
            i,
            rng.choice(("MA", "PH")),
            school=rng.randint(1, 3),
            city=rng.choice(cities),
            advisers=[rng.choice(("王老师", "李老师", "赵老师"))],
        )
        for i in range(1, n_entries + 1)
    ]
    judges = []
    for j in range(100, 100 + n_judges):
        categories = rng.choice((("MA",), ("PH",), ("MA", "PH"), ("MA", "PH")))
        judges.append(
            judge(
                j,
                categories,
                school=rng.choice((None, 1, 2, 3)),
                city=rng.choice((None, *cities)),
                conflict_advisers=rng.sample(("王老师", "李老师", "赵老师"), rng.choice((0, 0, 1))),
                conflict_entries=rng.sample(range(1, n_entries + 1), rng.choice((0, 0, 1))),
            )
        )
    city_conflict = rng.random() < 0.3
    kept: dict[int, set[int]] = {}
    if rng.random() < 0.4:  # some pairs already scored
        for e in rng.sample(entries, 2):
            options = [
                j.user_id
                for j in judges
                if e.category_code in j.category_codes and conflict_reason(j, e, city_conflict) is None
            ]
            if options:
                kept[e.entry_id] = {rng.choice(options)}
    plan, short = plan_assignments(entries, judges, k, city_conflict=city_conflict, kept=kept, seed=seed)
    for e in entries:
        eligible = {
            j.user_id
            for j in judges
            if e.category_code in j.category_codes and conflict_reason(j, e, city_conflict) is None
        }
        assert plan[e.entry_id] <= eligible | kept.get(e.entry_id, set())
        assert kept.get(e.entry_id, set()) <= plan[e.entry_id]
        assert len(plan[e.entry_id]) == max(min(k, len(eligible)), len(kept.get(e.entry_id, ())))
    assert {s["entry_id"] for s in short} == {e.entry_id for e in entries if len(plan[e.entry_id]) < k}
    load = loads(plan, judges)
    lowest_max, highest_min = _best_possible(entries, judges, k, city_conflict, kept)
    assert max(load.values()) == lowest_max
    assert min(load.values()) == highest_min


def test_a_large_panel_is_balanced_to_within_one():
    # 900 entries over 9 categories, 45 judges with 2-3 categories each (every category
    # covered), 10% with declared conflicts, k = 5: 4,500 assignments -> 100 per judge
    rng = random.Random(11)
    codes = ["MA", "PH", "CH", "LS", "BM", "EV", "EN", "CS", "SB"]
    entries = [entry(i, codes[i % 9], school=rng.randint(1, 30), city=f"市{rng.randint(1, 12)}") for i in range(1, 901)]
    judges = []
    for j in range(45):
        categories = {codes[j % 9], *rng.sample(codes, rng.choice((1, 2)))}
        judges.append(
            judge(
                1000 + j,
                categories,
                school=rng.randint(1, 30),
                conflict_schools=rng.sample(range(1, 31), 2) if rng.random() < 0.1 else (),
            )
        )
    plan, short = plan_assignments(entries, judges, 5, seed=3)
    assert short == []
    load = loads(plan, judges)
    assert sum(load.values()) == 4500
    # a judge of one category loses that category's entries of their own school: such a judge
    # may sit below the others, but only at its cap (every eligible entry); the rest differ by <= 1
    cap = {
        j.user_id: sum(
            1 for e in entries if e.category_code in j.category_codes and conflict_reason(j, e, False) is None
        )
        for j in judges
    }
    top = max(load.values())
    capped = [j for j in load if load[j] < top - 1]
    assert all(load[j] == cap[j] for j in capped)
    assert len(capped) <= 3
    assert top - min(load[j] for j in load if j not in capped) <= 1
