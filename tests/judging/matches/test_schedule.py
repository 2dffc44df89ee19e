"""Qualification schedules (judging/matches/schedule.py): the invariants over many random inputs,
MatchRater's penalties by hand, determinism from the seed, and inputs no schedule can satisfy."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from judging.matches.schedule import Match, ScheduleError, generate, pair_penalty, partner_penalty, rate


def test_matchrater_penalties_by_hand():
    # partners: once free, twice 5, three times 5 + 10, four times 5 + 10 + 20
    assert [partner_penalty(n) for n in range(5)] == [0, 0, 5, 15, 35]
    # a pair twice partners and once opponents: partner 5 + opponent 0 + meetings (3 - 1) = 7
    assert pair_penalty(2, 1) == 7
    # opponents three times: opponent repeats 2 + meeting repeats 2 = 4
    assert pair_penalty(0, 3) == 4
    assert pair_penalty(1, 1) == 1  # met twice: one repeated meeting


def test_rate_of_a_hand_made_schedule():
    # 4 teams, 1v1 (alliances of one), three matches:
    #   1: a v b   2: c v d   3: a v b  -> a and b opponents twice: opponent 1 + meeting 1 = 2
    matches = [
        Match(1, 1, 0, ("a",), ("b",), ()),
        Match(2, 1, 1, ("c",), ("d",), ()),
        Match(3, 1, 2, ("a",), ("b",), ()),
    ]
    quality = rate(matches)
    assert (quality.penalty, quality.repeated_opponents, quality.repeated_partners) == (2, 1, 0)
    # a plays matches 1 and 3: one other match between them
    assert quality.min_gap == 1
    assert quality.hard_violations == 0
    # with a gap of 2 required, a and b each break it once
    assert rate(matches, min_gap=2).hard_violations == 2


def _check_invariants(schedule, teams, m, a, fields, gap):
    counted: Counter = Counter()
    played: dict = {t: [] for t in teams}
    surrogate_of: Counter = Counter()
    for match in schedule.matches:
        sides = (*match.red, *match.blue)
        assert len(match.red) == len(match.blue) == a
        assert len(set(sides)) == len(sides), f"a team twice in match {match.number}"
        assert match.field == (match.number - 1) % fields + 1
        for team in sides:
            played[team].append(match.number)
        for team in match.surrogates:
            surrogate_of[team] += 1
        for team in set(sides) - set(match.surrogates):
            counted[team] += 1
    assert all(counted[t] == m for t in teams), "every team exactly M counted matches"
    assert all(n == 1 for n in surrogate_of.values()), "a team plays at most one surrogate"
    assert sum(surrogate_of.values()) == len(schedule.matches) * 2 * a - len(teams) * m
    for numbers in played.values():
        for before, after in zip(numbers, numbers[1:]):
            assert after - before - 1 >= gap, "the gap holds"
            assert (before - 1) // fields != (after - 1) // fields, "never two matches at once"
    # round by round: every team once in each block of T appearances (surrogates aside)
    order = [(t, t in match.surrogates) for match in schedule.matches for t in (*match.red, *match.blue)]
    for r in range(m - 1):
        block = [t for t, _s in order[r * len(teams) : (r + 1) * len(teams)]]
        assert sorted(block, key=str) == sorted(teams, key=str), f"round {r + 1}"
    assert schedule.quality.hard_violations == 0
    assert _no_flip_evens_colours(schedule, len(teams))


def _imbalance(matches) -> int:
    red: Counter = Counter()
    played: Counter = Counter()
    for match in matches:
        red.update(match.red)
        played.update((*match.red, *match.blue))
    return sum(max(abs(2 * red[t] - played[t]) - 1, 0) for t in played)


def _no_flip_evens_colours(schedule, teams: int) -> bool:
    """Swapping red and blue of any one match that lies wholly inside a round (its appearances in
    one block of ``teams``; the last round runs to the end) leaves the teams' colours no more even.
    A swap costs nothing else: same partners, opponents, gaps."""
    matches = list(schedule.matches)
    per_match = 2 * len(matches[0].red) if matches else 1
    rounds = max(1, len(matches) * per_match // teams)
    now = _imbalance(matches)
    for i, match in enumerate(matches):
        first, last = i * per_match, (i + 1) * per_match - 1
        if min(first // teams, rounds - 1) != min(last // teams, rounds - 1):
            continue  # straddles two rounds: keeps its order
        flipped = Match(match.number, match.field, match.wave, match.blue, match.red, match.surrogates)
        if _imbalance([*matches[:i], flipped, *matches[i + 1 :]]) < now:
            return False
    return True


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(min_value=4, max_value=30),
    m=st.integers(min_value=1, max_value=6),
    a=st.integers(min_value=1, max_value=3),
    fields=st.integers(min_value=1, max_value=3),
    gap=st.integers(min_value=0, max_value=2),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_invariants_over_random_inputs(n, m, a, fields, gap, seed):
    teams = [f"T{i}" for i in range(n)]
    try:
        schedule = generate(teams, m, a, fields, gap, seed, steps=3_000)
    except ScheduleError as refused:
        per_round = n // (2 * a)
        # refused only when the inputs are impossible or too tight for the search
        assert refused.field in ("teams", "min_gap", "fields")
        assert n < 2 * a or fields > per_round or gap > per_round - 1 or refused.field == "min_gap"
        return
    _check_invariants(schedule, teams, m, a, fields, gap)


def test_the_benchmark_case_is_valid_and_good():
    # 64 teams x 6 matches, 2v2, 4 fields, gap 3 (bench/schedule.py measures its time)
    teams = list(range(1, 65))
    schedule = generate(teams, 6, 2, 4, 3, seed=2026)
    _check_invariants(schedule, teams, 6, 2, 4, 3)
    assert len(schedule.matches) == 96  # 64 * 6 / 4
    random_valid = generate(teams, 6, 2, 4, 3, seed=2026, optimize=False)
    assert schedule.quality.penalty < random_valid.quality.penalty
    assert schedule.quality.repeated_partners == 0


def test_colours_even_out_at_no_cost():
    """Swapping red and blue of a whole match changes no partner, opponent or gap, so it is free
    under every other rule. 10 teams x 4 matches, 2v2, one field, gap 1, seed 5: the search left 4
    steps of imbalance (a team on red three times in four counts 1; four such teams); swapping
    matches' colours brings it to 2, where no single swap helps any more."""
    teams = list(range(1, 11))
    schedule = generate(teams, 4, 2, 1, 1, seed=5)
    _check_invariants(schedule, teams, 4, 2, 1, 1)  # with: no swap inside a round evens colours further
    assert _imbalance(schedule.matches) == schedule.quality.colour_imbalance == 2
    assert rate(schedule.matches, 1, 1).penalty == schedule.quality.penalty


def test_surrogates_fill_the_last_match():
    # 13 teams x 4 matches, 2v2: 52 appearances -> 13 matches exactly, no surrogates;
    # 10 teams x 3, 2v2: 30 appearances -> 8 matches (32 slots): 2 surrogate appearances
    teams = [f"T{i}" for i in range(10)]
    schedule = generate(teams, 3, 2, 1, 1, seed=5)
    assert len(schedule.matches) == 8
    assert sum(len(m.surrogates) for m in schedule.matches) == 2
    _check_invariants(schedule, teams, 3, 2, 1, 1)


def test_same_seed_same_schedule():
    teams = [f"T{i}" for i in range(16)]
    first = generate(teams, 4, 2, 2, 1, seed=99)
    assert generate(teams, 4, 2, 2, 1, seed=99) == first
    assert generate(teams, 4, 2, 2, 1, seed=100).matches != first.matches


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((3, 2, 2, 1, 0), "teams"),  # 3 teams cannot fill a 2v2 match
        ((8, 4, 2, 1, 2), "min_gap"),  # 8 teams 2v2: 2 matches a round, the gap can be at most 1
        ((8, 4, 2, 3, 0), "fields"),  # 8 teams 2v2: at most 2 matches at once
        ((8, 4, 4, 1, 0), "teams_per_alliance"),
        ((8, 0, 2, 1, 0), "matches_per_team"),
    ],
)
def test_impossible_inputs_are_refused(args, field):
    n, m, a, fields, gap = args
    with pytest.raises(ScheduleError) as refused:
        generate(list(range(n)), m, a, fields, gap, seed=1)
    assert refused.value.field == field


def test_regenerate_after_a_no_show_and_a_late_team():
    from judging.matches.schedule import regenerate

    teams = [f"T{i}" for i in range(16)]
    schedule = generate(teams, 4, 2, 2, 1, seed=3)
    played = schedule.matches[:6]
    # T0 did not come: it gets no further match; L1 arrived late: it needs all 4
    now = [t for t in teams if t != "T0"] + ["L1"]
    rest = regenerate(played, now, 4, 2, 2, 1, seed=4)
    assert [m.number for m in rest.matches] == list(range(7, 7 + len(rest.matches)))
    assert all("T0" not in (*m.red, *m.blue) for m in rest.matches)
    whole = list(played) + list(rest.matches)
    counted: Counter = Counter()
    for m in whole:
        for t in (*m.red, *m.blue):
            if t not in m.surrogates:
                counted[t] += 1
    assert all(counted[t] == 4 for t in now), counted
    assert counted["L1"] == 4
    # the gap and the waves hold across the boundary between played and new matches
    for team in now:
        numbers = [m.number for m in whole if team in (*m.red, *m.blue)]
        for before, after in zip(numbers, numbers[1:]):
            assert after - before - 1 >= 1
            assert (before - 1) // 2 != (after - 1) // 2
    assert rest.quality.hard_violations == 0


def test_timetable_with_a_delay_a_break_and_a_new_cycle():
    import datetime as dt

    from judging.matches.schedule import Adjustment, behind_seconds, timetable

    t0 = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    # 2 fields, 6-minute cycle: waves at 9:00, 9:06, 9:12 ...; a 10-minute delay before match 3
    # (wave 2): 9:16; from match 5 (wave 3) the cycle is 5 minutes, wave 3 starts 6 min after wave 2:
    # 9:22, wave 4 at 9:27; a 30-minute lunch break before match 9 (wave 5): 9:32 + 30 = 10:02
    plan = timetable(
        9,
        2,
        t0,
        360,
        [Adjustment(3, "delay", 600), Adjustment(5, "cycle", 300), Adjustment(9, "break", 1800)],
    )
    assert [t.strftime("%H:%M") for t in plan] == [
        "09:00", "09:00", "09:16", "09:16", "09:22", "09:22", "09:27", "09:27", "10:02",
    ]  # fmt: skip
    assert plan[0].utcoffset() == dt.timedelta(hours=8)
    # match 3 due 9:16 started 9:20: four minutes behind
    assert behind_seconds(plan[2], plan[2] + dt.timedelta(minutes=4)) == 240


def test_a_gap_the_waves_cannot_give_explains_the_arithmetic_and_suggests_one():
    # 12 teams, 2v2 on 2 fields: a wave plays 8 teams and rests 4, so 4 teams of every wave play in
    # the next one too; two fields apart that is at most 2 * 2 - 2 = 2 matches later (first field,
    # then last): a gap of 2 would need the same four teams together in every match
    with pytest.raises(ScheduleError) as refused:
        generate(list(range(12)), 6, 2, 2, 2, 1)
    assert refused.value.field == "min_gap"
    params = refused.value.params
    assert (params["used"], params["rest"], params["repeat"], params["most"]) == (8, 4, 4, 2)
    assert params["suggest"] == 1
    made = generate(list(range(12)), 6, 2, 2, params["suggest"], 1)
    assert made.quality.min_gap is not None and made.quality.min_gap >= 1
