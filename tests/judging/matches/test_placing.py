"""Final places of a match challenge (judging/matches/placing.py), by hand."""

from __future__ import annotations

from judging.matches.brackets import build, resolve
from judging.matches.placing import alliance_order, division_places, team_places


def test_four_alliances_single_elimination():
    bracket = build(4, "single")
    # U1-1: 1 v 4, red wins; U1-2: 2 v 3, blue (3) wins; final U2-1: 1 v 3, blue (3) wins
    states = resolve(bracket, {"U1-1": ["red"], "U1-2": ["blue"], "U2-1": ["blue"]})
    # champion 3, finalist 1, the semi-final losers 4 and 2 share third place
    assert alliance_order(bracket, states) == [(3, 1), (1, 2), (4, 3), (2, 3)]
    alliances = [["a1", "a2"], ["b1", "b2"], ["c1", "c2"], ["d1", "d2"]]
    places = team_places(alliances, alliance_order(bracket, states), ["a1", "b1", "x", "c1", "y"])
    # places counted in teams (1, 1, 3): champions 1, finalists 3, four semi-finalists 5, then 9 and 10
    assert places == [
        ("c1", 1), ("c2", 1), ("a1", 3), ("a2", 3), ("d1", 5), ("d2", 5), ("b1", 5), ("b2", 5), ("x", 9), ("y", 10),
    ]  # fmt: skip


def test_no_champion_yet_means_no_bracket_order():
    bracket = build(4, "single")
    assert alliance_order(bracket, resolve(bracket, {"U1-1": ["red"]})) == []


def test_three_alliances_with_a_bye():
    bracket = build(3, "single")
    # seed 1 has a bye; U1-2: 2 v 3, red (2) wins; final 1 v 2, red (1) wins
    states = resolve(bracket, {"U1-2": ["red"], "U2-1": ["red"]})
    assert alliance_order(bracket, states) == [(1, 1), (2, 2), (3, 3)]


def test_places_within_a_division_count_only_that_divisions_units():
    bracket = build(4, "single")
    states = resolve(bracket, {"U1-1": ["red"], "U1-2": ["blue"], "U2-1": ["blue"]})
    order = alliance_order(bracket, states)  # champion 3, finalist 1, semis 4 and 2
    alliances = [["a1", "a2"], ["b1", "b2"], ["c1", "c2"], ["d1", "d2"]]
    # juniors: c1 (champion), a2 (finalist), b1 (semi); seniors: c2, d1, d2, b2, a1; x junior, y senior
    division = {
        "c1": "J",
        "a2": "J",
        "b1": "J",
        "x": "J",
        "c2": "S",
        "d1": "S",
        "d2": "S",
        "b2": "S",
        "a1": "S",
        "y": "S",
    }
    places = division_places(alliances, order, ["a1", "b1", "x", "c1", "y"], division)
    # juniors, one team per unit: c1 (champions), a2 (finalists), b1 (semi), x (qualification) -> 1, 2, 3, 4
    assert {t: places[t] for t in ("c1", "a2", "b1", "x")} == {"c1": 1, "a2": 2, "b1": 3, "x": 4}
    # seniors: c2 (champions) 1, a1 (finalists) 2, d1 d2 b2 (semis) 3, then y after those five teams -> 6
    assert {t: places[t] for t in ("c2", "a1", "d1", "d2", "b2", "y")} == {
        "c2": 1, "a1": 2, "d1": 3, "d2": 3, "b2": 3, "y": 6,
    }  # fmt: skip


def test_one_division_gives_the_challenge_places():
    bracket = build(4, "single")
    states = resolve(bracket, {"U1-1": ["red"], "U1-2": ["blue"], "U2-1": ["blue"]})
    order = alliance_order(bracket, states)
    alliances = [["a1", "a2"], ["b1", "b2"], ["c1", "c2"], ["d1", "d2"]]
    qualification = ["a1", "b1", "x", "c1", "y"]
    everyone = {t: "S" for a in alliances for t in a} | {"x": "S", "y": "S"}
    assert division_places(alliances, order, qualification, everyone) == dict(
        team_places(alliances, order, qualification)
    )


def test_twelve_teams_four_alliances_leave_the_last_three_without_an_award_place():
    """The fresh user's tournament: 12 teams, four 2-team alliances. Counting alliances put the 9th
    team 5th and, with awards cut at ranks 2 / 5 / 9 (15/25/35 % of 12), every team won a prize."""
    bracket = build(4, "single")
    states = resolve(bracket, {"U1-1": ["red"], "U1-2": ["red"], "U2-1": ["red"]})  # seed 1 beats 2 in the final
    alliances = [["t1", "t2"], ["t3", "t4"], ["t5", "t6"], ["t7", "t8"]]
    qualification = [f"t{i}" for i in range(1, 13)]
    places = dict(team_places(alliances, alliance_order(bracket, states), qualification))
    assert [places[f"t{i}"] for i in range(1, 13)] == [1, 1, 3, 3, 5, 5, 5, 5, 9, 10, 11, 12]
    # awards as CONTRACT cuts them: first <= round(12*0.15)=2, second <= round(12*0.40)=5, third <= round(12*0.75)=9
    awarded = [t for t, p in places.items() if p <= 9]
    assert len(awarded) == 9 and {"t10", "t11", "t12"}.isdisjoint(awarded)


def test_without_a_bracket_a_division_is_ranked_by_qualification_order():
    places = division_places([], [], ["s1", "j1", "s2", "j2"], {"s1": "S", "s2": "S", "j1": "J", "j2": "J"})
    assert places == {"s1": 1, "s2": 2, "j1": 1, "j2": 2}
