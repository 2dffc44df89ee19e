"""The pure scoring, aggregation, ranking and award rules (CONTRACT.md, "Scoring and award
rules"), every expected value computed by hand in the comments."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from judging.scoring.rules import (
    CriterionRule,
    aggregate,
    award_cutoffs,
    award_for,
    competition_ranks,
    judge_score,
    mean,
    population_sd,
    round_half_up,
    trimmed_mean,
    zscore_normalize,
)

DEFAULT_QUOTAS = {"first": D("0.15"), "second": D("0.25"), "third": D("0.35")}
CASTIC = [
    CriterionRule("innovation", D(40), D(10)),
    CriterionRule("scientific", D(30), D(10)),
    CriterionRule("practical", D(30), D(10)),
]


def r2(value: D) -> str:
    return str(round_half_up(value, 2))


# --------------------------------------------------------------------------- judge score


def test_judge_score_weights_40_30_30_out_of_10():
    # 8/10*40 + 7/10*30 + 9/10*30 = 32 + 21 + 27 = 80
    score = judge_score({"innovation": D(8), "scientific": D(7), "practical": D(9)}, CASTIC)
    assert score == 80
    assert r2(score) == "80.00"
    # 9.5/10*40 + 6.25/10*30 + 10/10*30 = 38 + 18.75 + 30 = 86.75
    assert r2(judge_score({"innovation": D("9.5"), "scientific": D("6.25"), "practical": D(10)}, CASTIC)) == "86.75"
    # all zero -> 0; all full -> 100
    assert judge_score({"innovation": D(0), "scientific": D(0), "practical": D(0)}, CASTIC) == 0
    assert judge_score({"innovation": D(10), "scientific": D(10), "practical": D(10)}, CASTIC) == 100


def test_judge_score_uneven_rubric_rounds_only_at_the_end():
    rubric = [CriterionRule("a", D(40), D(9)), CriterionRule("b", D(30), D(9)), CriterionRule("c", D(30), D(9))]
    # 7/9*40 + 8/9*30 + 5/9*30 = (280 + 240 + 150) / 9 = 670/9 = 74.444... -> "74.44"
    score = judge_score({"a": D(7), "b": D(8), "c": D(5)}, rubric)
    assert r2(score) == "74.44"
    # rounding every term first would give 31.11 + 26.67 + 16.67 = 74.45: wrong
    assert str(round_half_up(score, 40)) == "74." + "4" * 40  # exact to 40 places: nothing rounded on the way
    # 7/9*30 = 23.333...: a single uneven criterion weighted 30 with max 9
    single = [CriterionRule("a", D(30), D(9))]
    assert r2(judge_score({"a": D(7)}, single)) == "23.33"
    # 171.21/200*100 = 85.605 exactly -> half-up "85.61"
    assert r2(judge_score({"a": D("171.21")}, [CriterionRule("a", D(100), D(200))])) == "85.61"


def test_judge_score_needs_every_criterion():
    with pytest.raises(KeyError):
        judge_score({"innovation": D(8)}, CASTIC)


def test_round_half_up():
    assert str(round_half_up(D("85.605"), 2)) == "85.61"
    assert str(round_half_up(D("85.604999"), 2)) == "85.60"
    assert str(round_half_up(D("85.6"), 2)) == "85.60"  # strings always carry score_decimals places
    assert str(round_half_up(D("0.005"), 2)) == "0.01"
    assert str(round_half_up(D("2.5"), 0)) == "3"  # not banker's rounding (which gives 2)
    assert str(round_half_up(D("3.5"), 0)) == "4"
    assert str(round_half_up(D("85.6049"), 3)) == "85.605"
    assert str(round_half_up(D(80), 1)) == "80.0"
    assert str(round_half_up(D(670) / D(9), 4)) == "74.4444"


# --------------------------------------------------------------------------- mean, trimmed mean


def test_mean_and_population_sd():
    assert mean([D(90), D(80), D(70)]) == 80
    assert r2(mean([D(90), D(80), D(80)])) == "83.33"  # 250/3
    # the classic example: population SD of 2,4,4,4,5,5,7,9 is exactly 2 (sample SD would be 2.138)
    assert population_sd([D(v) for v in (2, 4, 4, 4, 5, 5, 7, 9)]) == 2
    assert population_sd([D(60)] * 4) == 0


def test_trimmed_mean_drops_exactly_one_highest_and_one_lowest_even_when_tied():
    # [90, 90, 80, 70, 70]: drop one 90 and one 70 -> mean(90, 80, 70) = 80 (not mean(80) = 80 by accident:
    # dropping every tied score would leave [80]; check a case where they differ too)
    assert trimmed_mean([D(90), D(90), D(80), D(70), D(70)], 5) == 80
    # [90, 90, 90, 70, 60]: drop one 90 and the 60 -> (90 + 90 + 70)/3 = 83.333...
    assert r2(trimmed_mean([D(90), D(90), D(90), D(70), D(60)], 5)) == "83.33"
    # order does not matter
    assert r2(trimmed_mean([D(60), D(90), D(70), D(90), D(90)], 5)) == "83.33"


def test_trimmed_mean_below_trim_min_scores_is_the_plain_mean():
    # 4 scores with trim_min_scores 5 -> plain mean (95 + 90 + 80 + 20)/4 = 71.25
    assert trimmed_mean([D(95), D(90), D(80), D(20)], 5) == D("71.25")
    # with trim_min_scores 4 the same scores are trimmed: (90 + 80)/2 = 85
    assert trimmed_mean([D(95), D(90), D(80), D(20)], 4) == 85


def test_trimmed_mean_with_trim_min_scores_3():
    # 3 scores: drop 100 and 50 -> 60
    assert trimmed_mean([D(100), D(50), D(60)], 3) == 60
    # 2 scores never trimmed: (100 + 50)/2 = 75
    assert trimmed_mean([D(100), D(50)], 3) == 75
    # a setting below 3 would trim everything away: treated as 3
    assert trimmed_mean([D(100), D(50)], 2) == 75


# --------------------------------------------------------------------------- z-score

# A small panel built so every number is exact:
#   judge A scores E1..E4 86, 86, 74, 74: mean 80, population SD 6  -> z = +1, +1, -1, -1
#   judge B scores E1..E4 78, 62, 78, 62: mean 70, population SD 8  -> z = +1, -1, +1, -1
#   judge C scores 60 everywhere: SD 0 -> contributes the global mean
# All twelve raw scores: sum 840, mean 70; squared deviations 2*16^2 + 2*4^2 + 4*8^2 + 4*10^2
#   = 512 + 32 + 256 + 400 = 1200, /12 = 100 -> population SD 10.
# Normalized: 70 + z*10 -> A: 80, 80, 60, 60; B: 80, 60, 80, 60; C: 70.
PANEL = {
    1: {"A": D(86), "B": D(78), "C": D(60)},
    2: {"A": D(86), "B": D(62), "C": D(60)},
    3: {"A": D(74), "B": D(78), "C": D(60)},
    4: {"A": D(74), "B": D(62), "C": D(60)},
}


def test_zscore_normalize_by_hand():
    flat = {(e, j): v for e, js in PANEL.items() for j, v in js.items()}
    normalized = {k: round_half_up(v, 10) for k, v in zscore_normalize(flat).items()}
    expected = {
        (1, "A"): 80,
        (2, "A"): 80,
        (3, "A"): 60,
        (4, "A"): 60,
        (1, "B"): 80,
        (2, "B"): 60,
        (3, "B"): 80,
        (4, "B"): 60,
        (1, "C"): 70,
        (2, "C"): 70,
        (3, "C"): 70,
        (4, "C"): 70,
    }
    assert normalized == {k: D(v) for k, v in expected.items()}
    assert zscore_normalize({}) == {}


def test_aggregate_each_method_on_the_panel():
    # mean: E1 (86+78+60)/3 = 224/3 = 74.67; E2 208/3 = 69.33; E3 212/3 = 70.67; E4 196/3 = 65.33
    assert {e: r2(v) for e, v in aggregate("mean", PANEL).items()} == {1: "74.67", 2: "69.33", 3: "70.67", 4: "65.33"}
    # zscore: E1 (80+80+70)/3 = 76.67; E2 (80+60+70)/3 = 70; E3 (60+80+70)/3 = 70; E4 (60+60+70)/3 = 63.33
    assert {e: r2(v) for e, v in aggregate("zscore", PANEL).items()} == {1: "76.67", 2: "70.00", 3: "70.00", 4: "63.33"}
    # trimmed_mean with 3 scores and trim_min_scores 5 = mean
    assert {e: r2(v) for e, v in aggregate("trimmed_mean", PANEL, 5).items()} == {
        1: "74.67",
        2: "69.33",
        3: "70.67",
        4: "65.33",
    }
    # trim_min_scores 3: the middle score: E1 78, E2 62, E3 74, E4 62
    assert {e: r2(v) for e, v in aggregate("trimmed_mean", PANEL, 3).items()} == {
        1: "78.00",
        2: "62.00",
        3: "74.00",
        4: "62.00",
    }
    with pytest.raises(ValueError):
        aggregate("median", PANEL)


def test_zscore_single_judge_keeps_raw_scores_and_all_equal_judges_get_global_mean():
    # one judge: standardized and mapped back onto its own mean and SD -> unchanged
    one = {1: {"A": D(90)}, 2: {"A": D(80)}, 3: {"A": D(70)}}
    assert {e: r2(v) for e, v in aggregate("zscore", one).items()} == {1: "90.00", 2: "80.00", 3: "70.00"}
    # two judges who give every entry the same score: global mean (50+50+90+90)/4 = 70 everywhere
    flat = {(1, "A"): D(50), (2, "A"): D(50), (1, "B"): D(90), (2, "B"): D(90)}
    assert set(zscore_normalize(flat).values()) == {D(70)}


# --------------------------------------------------------------------------- ranks and awards


def test_competition_ranks_share_and_skip():
    assert competition_ranks([(1, D(90)), (2, D(90)), (3, D(80))]) == {1: 1, 2: 1, 3: 3}
    assert competition_ranks([(1, D(80)), (2, D(90)), (3, D(90)), (4, D(70)), (5, D("70.00"))]) == {
        2: 1,
        3: 1,
        1: 3,
        4: 4,
        5: 4,
    }
    assert competition_ranks([(7, D("85.60"))]) == {7: 1}
    assert competition_ranks([]) == {}


# With the default quotas the cumulative shares are 0.15, 0.40, 0.75; cutoffs are
# round_half_up(N*share):
#   N=1: 0.15->0, 0.40->0, 0.75->1       N=2: 0.30->0, 0.80->1, 1.50->2
#   N=3: 0.45->0, 1.20->1, 2.25->2       N=4: 0.60->1, 1.60->2, 3.00->3
#   N=5: 0.75->1, 2.00->2, 3.75->4       N=6: 0.90->1, 2.40->2, 4.50->5 (half up)
#   N=7: 1.05->1, 2.80->3, 5.25->5       N=10: 1.50->2 (half up), 4.00->4, 7.50->8
CUTOFF_TABLE = {
    1: (0, 0, 1),
    2: (0, 1, 2),
    3: (0, 1, 2),
    4: (1, 2, 3),
    5: (1, 2, 4),
    6: (1, 2, 5),
    7: (1, 3, 5),
    10: (2, 4, 8),
}


@pytest.mark.parametrize("n", sorted(CUTOFF_TABLE))
def test_award_cutoffs_default_quotas(n):
    cutoffs = award_cutoffs(n, DEFAULT_QUOTAS)
    assert (cutoffs["first"], cutoffs["second"], cutoffs["third"]) == CUTOFF_TABLE[n]


def test_award_cutoffs_zero_entries():
    assert award_cutoffs(0, DEFAULT_QUOTAS) == {"first": 0, "second": 0, "third": 0}


def test_quotas_are_read_exactly_as_decimals():
    # 0.1/0.2/0.3: cumulative 0.1, 0.3, 0.6; N=5 -> 0.5->1, 1.5->2, 3.0->3
    assert award_cutoffs(5, {"first": D("0.1"), "second": D("0.2"), "third": D("0.3")}) == {
        "first": 1,
        "second": 2,
        "third": 3,
    }
    # first 0.3 with N=5: 1.5 -> 2. The binary float 0.3 is 0.29999999999999998889..., which would give 1.4999... -> 1;
    # strings and floats are both read as the decimal they are written as.
    assert award_cutoffs(5, {"first": D("0.3"), "second": D("0"), "third": D("0")})["first"] == 2
    assert award_cutoffs(5, {"first": "0.3", "second": "0", "third": "0"})["first"] == 2
    assert award_cutoffs(5, {"first": 0.3, "second": 0.0, "third": 0.0})["first"] == 2
    # 0.15 with N=10: exactly 1.5 -> 2 (the float 0.15 is 0.1499999...)
    assert award_cutoffs(10, {"first": 0.15, "second": 0.25, "third": 0.35}) == {"first": 2, "second": 4, "third": 8}


def test_award_for_takes_the_best_tier_whose_cutoff_covers_the_rank():
    cutoffs = award_cutoffs(7, DEFAULT_QUOTAS)  # (1, 3, 5)
    assert [award_for(rank, cutoffs) for rank in range(1, 8)] == [
        "first",
        "second",
        "second",
        "third",
        "third",
        None,
        None,
    ]
    # N=1: the single entry is third (cutoffs 0, 0, 1)
    assert award_for(1, award_cutoffs(1, DEFAULT_QUOTAS)) == "third"


def test_boundary_tie_all_take_the_higher_tier():
    # N=7 with two entries tied at rank 1 and first cutoff 1: both first; the next entry is rank 3 -> second (cutoff 3)
    scored = [(1, D(95)), (2, D(95)), (3, D(80)), (4, D(80)), (5, D(60)), (6, D(50)), (7, D(40))]
    ranks = competition_ranks(scored)
    cutoffs = award_cutoffs(len(scored), DEFAULT_QUOTAS)
    awards = {e: award_for(rank, cutoffs) for e, rank in ranks.items()}
    assert ranks == {1: 1, 2: 1, 3: 3, 4: 3, 5: 5, 6: 6, 7: 7}
    assert awards == {1: "first", 2: "first", 3: "second", 4: "second", 5: "third", 6: None, 7: None}


def test_minimum_score_for_any_award():
    cutoffs = {"first": 1, "second": 2, "third": 3}
    assert award_for(1, cutoffs, D("59.99"), D(60)) is None
    assert award_for(1, cutoffs, D("60.00"), D(60)) == "first"
    assert award_for(3, cutoffs, D("75"), D(60)) == "third"
    assert award_for(3, cutoffs, D("75"), None) == "third"


def test_mask_name_hides_the_length():
    from judging.results.services import mask_name

    assert [
        mask_name(n) for n in ("张三丰", "李四", "阿依古丽·买买提", "穆罕默德·阿卜杜拉·艾合买提江·买买提明", "")
    ] == ["张**", "李**", "阿**", "穆**", ""]
