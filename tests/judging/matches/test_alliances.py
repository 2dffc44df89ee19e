"""Alliance selection (judging/matches/alliances.py) replayed by hand: captains moving up,
serpentine and straight order, a declined invitation, seeded alliances."""

from __future__ import annotations

import pytest

from judging.matches.alliances import SelectionError, replay, seeded

RANKED = [f"T{i}" for i in range(1, 13)]  # T1 ranked first


def test_seeded_serpentine_and_straight():
    # 4 alliances of 3, serpentine: captains T1..T4; round 1 picks T5 T6 T7 T8 (1..4),
    # round 2 in reverse: alliance 4 takes T9, 3 T10, 2 T11, 1 T12
    state = seeded(RANKED, 4, 3, "serpentine")
    assert state.alliances == [["T1", "T5", "T12"], ["T2", "T6", "T11"], ["T3", "T7", "T10"], ["T4", "T8", "T9"]]
    straight = seeded(RANKED, 4, 3, "straight")
    assert straight.alliances[0] == ["T1", "T5", "T9"]
    assert straight.turn is None


def test_a_captain_picked_moves_the_captains_up_and_a_decline_is_final():
    # alliance 1 (captain T1) invites T2, who accepts: T3 becomes captain of alliance 2
    state = replay(RANKED, 4, 2, "serpentine", [("T2", True)])
    assert state.alliances[:2] == [["T1", "T2"], ["T3"]]
    assert state.turn == 1
    # alliance 2 invites T5, who declines; alliance 2 picks again: T6 accepts
    state = replay(RANKED, 4, 2, "serpentine", [("T2", True), ("T5", False), ("T6", True)])
    assert state.alliances[1] == ["T3", "T6"] and state.declined == ["T5"]
    # T5 declined and cannot be picked ...
    with pytest.raises(SelectionError) as refused:
        replay(RANKED, 4, 2, "serpentine", [("T2", True), ("T5", False), ("T6", True), ("T5", True)])
    assert refused.value.field == "team"
    # ... but becomes the captain of alliance 4 when its turn comes (T4 captain of 3, T5 of 4)
    state = replay(RANKED, 4, 2, "serpentine", [("T2", True), ("T5", False), ("T6", True), ("T7", True)])
    assert state.alliances[2] == ["T4", "T7"] and state.alliances[3] == ["T5"]
    assert state.pickable[0] == "T8"


def test_settings_checked():
    with pytest.raises(SelectionError) as refused:
        replay(RANKED, 4, 4)  # 16 teams needed, 12 ranked
    assert refused.value.field == "alliances"
    with pytest.raises(SelectionError):
        replay(RANKED, 4, 2, "random")
