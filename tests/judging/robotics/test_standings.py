"""Standings (issue 13 item 2): counted score by rule, the tie-break chain, shared ranks and the
reason line. Every expected value is worked out by hand in the comments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from app.times import UTC
from judging.robotics.sheets import parse_sheet
from judging.robotics.standings import Run, counted_runs, rank

T0 = dt.datetime(2026, 7, 20, 1, 0, tzinfo=UTC)  # 09:00 Beijing time


def run(round_, score, time=None, penalties=0, minutes=0):
    return Run(
        round=round_,
        score=Decimal(str(score)),
        time_seconds=None if time is None else Decimal(str(time)),
        penalties=Decimal(str(penalties)),
        approved_at=T0 + dt.timedelta(minutes=minutes),
    )


def sheet(rule="best", tiebreaks=(), **counted):
    return parse_sheet(
        {
            "items": [{"code": "a", "type": "count", "points": 1}],
            "rounds": 4,
            "counted": {"rule": rule, **counted},
            "tiebreaks": list(tiebreaks),
        }
    )


def test_counted_score_by_each_rule():
    runs = [run(1, 80, 90), run(2, 120, 100), run(3, 95, 80), run(4, 120, 95)]
    best, score = counted_runs(sheet("best"), runs)
    assert score == Decimal("120") and best == [runs[3]]  # two 120s: the faster (95 s) counts
    chosen, score = counted_runs(sheet("best_sum", k=2), runs)
    assert score == Decimal("240") and chosen == [runs[3], runs[1]]
    chosen, score = counted_runs(sheet("best_sum", k=3), runs[:2])
    assert score == Decimal("200")  # fewer runs than k: the sum of those there are
    kept, score = counted_runs(sheet("mean_drop_lowest", drop=1), runs)
    assert score == Decimal("111.67") and runs[0] not in kept  # (120 + 120 + 95) / 3 = 111.666... -> 111.67
    _kept, score = counted_runs(sheet("mean_drop_lowest", drop=3), runs[:2])
    assert score == Decimal("120")  # 2 runs, drop 3: one run is always kept
    assert counted_runs(sheet("best"), []) == ([], None)


def test_three_way_tie_resolved_at_the_third_key_and_one_left_shared():
    rules = sheet("best", tiebreaks=["time_of_counted", "next_best", "fewer_penalties"])
    teams = [
        # all best 145 in 87.4 s; next best decides between A and the others
        ("A", [run(1, 145, "87.4", penalties=5), run(2, 130, 90)]),
        ("B", [run(1, 145, "87.4", penalties=0), run(2, 120, 88)]),
        ("C", [run(1, 145, "87.4", penalties=10), run(2, 120, 70)]),
        ("D", [run(1, 145, "91.2"), run(2, 140, 80)]),  # slower counted run: below A, B, C
        ("E", [run(2, 100, 60)]),
        ("F", [run(1, 100, 60)]),  # the same as E on every key: shared rank
        ("G", []),
    ]
    lines = rank(rules, teams)
    assert [(line.team, line.rank) for line in lines] == [
        ("A", 1),  # next best 130 beats 120
        ("B", 2),  # B and C: same time, same next best (120); penalties 0 < 10
        ("C", 3),
        ("D", 4),
        ("E", 5),
        ("F", 5),
        ("G", None),
    ]
    reasons = [line.explanation for line in lines]
    assert reasons[0] == "与下一名同为 145 分；次好成绩：130 分 对 120 分。"
    assert reasons[1] == "与下一名同为 145 分；罚分：罚分 0 对 罚分 10。"
    assert reasons[2] == "与下一名同为 145 分；用时：87.4 秒 对 91.2 秒。"
    assert reasons[3] == "145 分，高于下一名的 100 分。"
    assert reasons[4] == "与下一名同为 100 分，所有排名依据都相同，名次并列。"
    assert reasons[5] == "" and reasons[6] == "还没有通过审核的成绩。"


def test_round_key_earliest_and_best_sum_times():
    rules = sheet("best_sum", tiebreaks=["time_of_counted", "round:2", "earliest"], k=2)
    teams = [
        ("X", [run(1, 100, 50, minutes=30), run(2, 60, 70, minutes=40)]),  # 160 in 120 s
        ("Y", [run(1, 60, 60, minutes=5), run(2, 100, 60, minutes=10)]),  # 160 in 120 s, round 2: 100
        ("Z", [run(1, 60, 60, minutes=1), run(2, 100, 60, minutes=2)]),  # as Y, reached earlier
    ]
    lines = rank(rules, teams)
    assert [line.team for line in lines] == ["Z", "Y", "X"]
    assert lines[0].explanation == "与下一名同为 160 分；达到成绩的时间：09:02:00 对 09:10:00。"
    assert lines[1].explanation == "与下一名同为 160 分；第 2 轮：100 分 对 60 分。"


def test_a_run_without_time_is_slower_than_any_with_one():
    rules = sheet("best", tiebreaks=["time_of_counted"])
    lines = rank(rules, [("slow", [run(1, 50)]), ("timed", [run(1, 50, 119)])])
    assert [line.team for line in lines] == ["timed", "slow"]
    assert lines[0].explanation == "与下一名同为 50 分；用时：119 秒 对 无用时。"
