"""Elimination brackets (judging/matches/brackets.py): seeding order, byes to the top seeds, and the
structure of single and double elimination for every size from 2 to 16 alliances, played out with
random results until a champion is known."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from judging.matches.brackets import BracketError, build, resolve, seeding_order, series_winner


def test_seeding_order():
    assert seeding_order(8) == [1, 8, 4, 5, 2, 7, 3, 6]
    pairs16 = list(zip(seeding_order(16)[::2], seeding_order(16)[1::2]))
    assert pairs16 == [(1, 16), (8, 9), (4, 13), (5, 12), (2, 15), (7, 10), (3, 14), (6, 11)]


def test_series_winner_best_of_three():
    assert series_winner(["red"], 1) == "red"
    assert series_winner(["red", "blue"], 3) is None
    assert series_winner(["red", "tie", "blue", "red"], 3) == "red"  # a tie decides nothing
    assert series_winner(["blue", "blue"], 3) == "blue"


def _play(bracket, rng):
    """Play every series with random match results until the bracket is decided; returns
    (states, losses per alliance, appearances per round)."""
    games: dict[str, list[str]] = {}
    while True:
        states = resolve(bracket, games)
        open_series = [
            s for s in states if s.red_alliance and s.blue_alliance and s.winner is None and not s.bye and not s.void
        ]
        if not open_series:
            return states, games
        for s in open_series:
            games.setdefault(s.id, []).append(rng.choice(("red", "blue", "tie")))


@pytest.mark.parametrize("fmt", ["single", "double"])
@pytest.mark.parametrize("n", range(2, 17))
def test_every_size_plays_out_to_one_champion(n, fmt):
    bracket = build(n, fmt, best_of=3)
    size = 1 << (n - 1).bit_length()
    expected = size - 1 if fmt == "single" else (2 if size == 2 else 2 * size - 2)
    assert len(bracket.series) == expected
    first = resolve(bracket)
    byes = [s for s in first if s.stage == "U1" and s.bye]
    # the top seeds get the byes: seeds 1 .. size - n
    assert sorted(s.winner for s in byes) == list(range(1, size - n + 1))
    for trial in range(5):
        states, _games = _play(bracket, random.Random(n * 100 + trial))
        champion = states[-1].winner
        assert champion in range(1, n + 1)
        losses = Counter(s.loser for s in states if s.loser is not None)
        played = {a for s in states for a in (s.red_alliance, s.blue_alliance) if a and not s.bye}
        assert set(range(1, n + 1)) - {champion} <= played | {s.winner for s in byes}
        if fmt == "single":
            # everyone but the champion lost exactly once
            assert losses == Counter({a: 1 for a in range(1, n + 1) if a != champion})
        else:
            final = states[-1]
            for a in range(1, n + 1):
                if a == champion:
                    assert losses[a] <= 1
                elif a == final.loser:
                    assert losses[a] in (1, 2)  # the upper winner loses the final once: out (no reset)
                else:
                    assert losses[a] == 2, (a, losses)
        # nobody plays twice in one round
        per_round = Counter((s.round, a) for s in states if not s.bye for a in (s.red_alliance, s.blue_alliance) if a)
        assert max(per_round.values()) == 1


def test_eight_alliance_double_elimination_by_hand():
    bracket = build(8, "double")
    stages = [s.stage for s in bracket.series]
    assert stages == ["U1"] * 4 + ["L1"] * 2 + ["U2"] * 2 + ["L2"] * 2 + ["L3"] + ["U3"] + ["L4"] + ["F"]
    # the better seed wins every series: 1 beats 8, 4 beats 5, 2 beats 7, 3 beats 6 ...
    games: dict[str, list[str]] = {}
    for _ in range(len(bracket.series)):
        for s in resolve(bracket, games):
            if s.red_alliance and s.blue_alliance and s.winner is None:
                games.setdefault(s.id, []).append("red")
    states = {s.id: s for s in resolve(bracket, games)}
    assert (states["U1-1"].red_alliance, states["U1-1"].blue_alliance) == (1, 8)
    # L1 pairs the losers of U1: 8 v 5 and 7 v 6
    assert {(states["L1-1"].red_alliance, states["L1-1"].blue_alliance)} == {(5, 8)}
    # U2: 1 v 4 and 2 v 3; L2 sets L1 winners against the U2 losers in reverse order:
    # L1-1 winner 5 v loser of U2-2 (3), L1-2 winner 6 v loser of U2-1 (4)
    assert (states["L2-1"].red_alliance, states["L2-1"].blue_alliance) == (3, 5)
    assert (states["L2-2"].red_alliance, states["L2-2"].blue_alliance) == (4, 6)
    assert (states["F"].red_alliance, states["F"].blue_alliance, states["F"].winner) == (1, 2, 1)


def test_refusals_name_the_input():
    for args, field in (
        ((1, "single", 1), "alliances"),
        ((17, "single", 1), "alliances"),
        ((4, "swiss", 1), "format"),
        ((4, "single", 2), "best_of"),
    ):
        with pytest.raises(BracketError) as refused:
            build(*args)
        assert refused.value.field == field
