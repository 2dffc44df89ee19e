"""Qualification rankings (judging/matches/rankings.py), computed by hand: ranking points with
a red card and a tie, tie-breaks with their reason, VEX IQ teamwork averages with a drop, surrogates."""

from __future__ import annotations

from decimal import Decimal as D

from judging.matches.rankings import MatchResult, Settings, rank_teams


def _by_team(lines):
    return {line.team: line for line in lines}


def test_ranking_points_with_a_red_card_and_a_tie():
    matches = [
        MatchResult(("A",), ("B",), D(50), D(30)),  # A wins: A +2
        MatchResult(("C",), ("D",), D(40), D(40)),  # tie: C +1, D +1
        MatchResult(("A",), ("C",), D(20), D(60)),  # C wins: C +2
        MatchResult(("B",), ("D",), D(70), D(10), red_card="red"),  # B outscores D but is disqualified: D wins
    ]
    lines = rank_teams(["A", "B", "C", "D"], matches)
    got = [(line.team, line.rank, line.ranking_points, line.played) for line in lines]
    # C 1 + 2 = 3, D 1 + 2 = 3, A 2 + 0 = 2, B 0 + 0 = 0; C and D tie on points:
    # average C (40 + 60) / 2 = 50 > D (40 + 10) / 2 = 25
    assert got == [("C", 1, D(3), 2), ("D", 2, D(3), 2), ("A", 3, D(2), 2), ("B", 4, D(0), 2)]
    team = _by_team(lines)
    # average alliance scores: C (40 + 60) / 2 = 50, B (30 + 70) / 2 = 50 (the red card keeps the score)
    assert (team["C"].average_score, team["B"].average_score) == (D("50.00"), D("50.00"))
    assert (team["B"].wins, team["B"].losses, team["C"].ties, team["D"].wins) == (0, 2, 1, 1)
    assert team["C"].explanation == "积分 3 = 3; 平均分 50.00 > 25.00"
    assert team["D"].explanation == "积分 3 > 2"


def test_tie_on_points_separated_then_shared():
    matches = [
        MatchResult(("A",), ("X",), D(50), D(10)),  # A +2, average 50 -> (50 + 40) / 2 = 45
        MatchResult(("A",), ("Y",), D(40), D(60)),  # Y +2
        MatchResult(("B",), ("X",), D(40), D(20)),  # B +2, average (40 + 40) / 2 = 40
        MatchResult(("B",), ("Y",), D(40), D(45)),  # Y +2
    ]
    lines = rank_teams(["A", "B", "X", "Y"], matches)
    team = _by_team(lines)
    assert (team["Y"].rank, team["A"].rank, team["B"].rank, team["X"].rank) == (1, 2, 3, 4)
    assert team["A"].explanation == "积分 2 = 2; 平均分 45.00 > 40.00"
    # equal on every key: the rank is shared (1, 1, 3)
    twins = [
        MatchResult(("P",), ("Z",), D(30), D(0)),
        MatchResult(("Q",), ("Z",), D(30), D(0)),
    ]
    lines = rank_teams(["P", "Q", "Z"], twins, Settings(tiebreaks=("average_score", "highest_score")))
    assert [(line.team, line.rank) for line in lines] == [("P", 1), ("Q", 1), ("Z", 3)]
    assert lines[0].explanation == "与下一名所有排名依据都相同，名次并列。"
    # a recorded draw separates them last
    lines = rank_teams(
        ["P", "Q", "Z"], twins, Settings(tiebreaks=("average_score", "draw")), draws={"P": D(3), "Q": D(7)}
    )
    assert [(line.team, line.rank) for line in lines] == [("Q", 1), ("P", 2), ("Z", 3)]


def test_teamwork_average_after_dropping_the_lowest():
    # VEX IQ teamwork: both teams share the alliance score; mean after dropping 1 lowest
    matches = [
        MatchResult(("A", "B"), ("C", "D"), D(30), D(44)),
        MatchResult(("A", "C"), ("B", "D"), D(50), D(20)),
        MatchResult(("A", "D"), ("B", "C"), D(40), D(41)),
    ]
    settings = Settings(rule="average_score", drop_lowest=1, tiebreaks=("highest_score",))
    team = _by_team(rank_teams(["A", "B", "C", "D"], matches, settings))
    # A: 30, 50, 40 -> drop 30 -> 45.00; B: 30, 20, 41 -> 35.50; C: 44, 50, 41 -> 47.00; D: 44, 20, 40 -> 42.00
    assert {t: line.average_score for t, line in team.items()} == {
        "A": D("45.00"),
        "B": D("35.50"),
        "C": D("47.00"),
        "D": D("42.00"),
    }
    assert [team[t].rank for t in "CADB"] == [1, 2, 3, 4]


def test_surrogate_appearances_do_not_count():
    matches = [
        MatchResult(("A",), ("B",), D(50), D(30)),
        MatchResult(("A",), ("C",), D(10), D(60), surrogates=("A",)),  # A's surrogate: not counted
    ]
    team = _by_team(rank_teams(["A", "B", "C"], matches))
    assert (team["A"].played, team["A"].ranking_points, team["A"].average_score) == (1, D(2), D("50.00"))
    assert (team["C"].played, team["C"].ranking_points) == (1, D(2))
    # C's opponent strength: A's 2 ranking points
    assert team["C"].keys["opponents_strength"] == D("2.00")


def test_a_red_card_is_given_to_a_team_and_its_partner_keeps_its_points():
    # VEX: a red card disqualifies the team that gets it, not its partner
    matches = [
        # A and B outscore C and D 50 to 30, but A is red-carded: the alliance still wins,
        # B earns the win's 2 points, A earns 0 and the match counts as a loss for A
        MatchResult(("A", "B"), ("C", "D"), D(50), D(30), cards={"A": "red"}),
        # C's yellow card is recorded only: C and D win 40 to 20 and earn 2 each
        MatchResult(("A", "B"), ("C", "D"), D(20), D(40), cards={"C": "yellow"}),
    ]
    assert [m.winner for m in matches] == ["red", "blue"]
    team = _by_team(rank_teams(["A", "B", "C", "D"], matches))
    got = {t: (line.ranking_points, line.wins, line.losses, line.played) for t, line in team.items()}
    assert got == {
        "A": (D(0), 0, 2, 2),
        "B": (D(2), 1, 1, 2),
        "C": (D(2), 1, 1, 2),
        "D": (D(2), 1, 1, 2),
    }
    # ranking points B 2 = C 2 = D 2: average alliance score B (50 + 20) / 2 = 35 = C = D (30 + 40) / 2
    assert team["A"].rank == 4 and team["A"].average_score == D("35.00")
    # VEX IQ teamwork: the red-carded team scores 0 for that match, its partner keeps the 50
    teamwork = _by_team(rank_teams(["A", "B", "C", "D"], matches, Settings(rule="average_score")))
    assert (teamwork["A"].average_score, teamwork["B"].average_score) == (D("10.00"), D("35.00"))


def test_a_whole_alliance_red_carded_is_disqualified_and_so_is_one_team_in_eliminations():
    every = MatchResult(("A", "B"), ("C", "D"), D(50), D(30), cards={"A": "red", "B": "red"})
    old_form = MatchResult(("A", "B"), ("C", "D"), D(50), D(30), red_card="red")  # the alliance's card
    assert every.winner == old_form.winner == "blue"
    assert [old_form.card_of(t) for t in "ABCD"] == ["red", "red", None, None]
    team = _by_team(rank_teams(["A", "B", "C", "D"], [old_form]))
    assert {t: line.ranking_points for t, line in team.items()} == {"A": D(0), "B": D(0), "C": D(2), "D": D(2)}
    # an elimination match: one team's red card disqualifies its alliance for that match
    final = MatchResult(("A", "B"), ("C", "D"), D(50), D(30), cards={"B": "red"}, elimination=True)
    assert final.winner == "blue"
    # both alliances disqualified: the score decides
    both = MatchResult(("A",), ("C",), D(10), D(30), cards={"A": "red", "C": "red"})
    assert both.winner == "blue"
    # a per-team card overrides nothing less severe: red beats the alliance's yellow
    mixed = MatchResult(("A", "B"), ("C", "D"), D(50), D(30), red_card="yellow", cards={"A": "red"})
    assert (mixed.card_of("A"), mixed.card_of("B"), mixed.winner) == ("red", "yellow", "red")
