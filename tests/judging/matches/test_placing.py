"""Final places of a match challenge (judging/matches/placing.py), by hand."""

from __future__ import annotations

from judging.matches.brackets import build, resolve
from judging.matches.placing import alliance_order, team_places


def test_four_alliances_single_elimination():
    bracket = build(4, "single")
    # U1-1: 1 v 4, red wins; U1-2: 2 v 3, blue (3) wins; final U2-1: 1 v 3, blue (3) wins
    states = resolve(bracket, {"U1-1": ["red"], "U1-2": ["blue"], "U2-1": ["blue"]})
    # champion 3, finalist 1, the semi-final losers 4 and 2 share third place
    assert alliance_order(bracket, states) == [(3, 1), (1, 2), (4, 3), (2, 3)]
    alliances = [["a1", "a2"], ["b1", "b2"], ["c1", "c2"], ["d1", "d2"]]
    places = team_places(alliances, alliance_order(bracket, states), ["a1", "b1", "x", "c1", "y"])
    assert places == [
        ("c1", 1), ("c2", 1), ("a1", 2), ("a2", 2), ("d1", 3), ("d2", 3), ("b1", 3), ("b2", 3), ("x", 5), ("y", 6),
    ]  # fmt: skip


def test_no_champion_yet_means_no_bracket_order():
    bracket = build(4, "single")
    assert alliance_order(bracket, resolve(bracket, {"U1-1": ["red"]})) == []


def test_three_alliances_with_a_bye():
    bracket = build(3, "single")
    # seed 1 has a bye; U1-2: 2 v 3, red (2) wins; final 1 v 2, red (1) wins
    states = resolve(bracket, {"U1-2": ["red"], "U2-1": ["red"]})
    assert alliance_order(bracket, states) == [(1, 1), (2, 2), (3, 3)]
