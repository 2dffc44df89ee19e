"""The round state machine (judging/rounds/states.py): its transition table, and that the
publication services follow it."""

from __future__ import annotations

import pytest

from app.errors import Conflict
from judging.rounds.states import STATE_LABELS, TRANSITIONS, RoundAction, RoundState, allowed, transition

OPEN, PUBLISHED, FINALIZED = RoundState.OPEN, RoundState.PUBLISHED, RoundState.FINALIZED


def test_the_transition_table():
    table = {
        (action.value, state.value): (TRANSITIONS[action].target.value if allowed(action, state) else None)
        for action in RoundAction
        for state in RoundState
    }
    assert table == {
        ("publish", "open"): "published",
        ("publish", "published"): "published",
        ("publish", "finalized"): None,
        ("finalize", "open"): "finalized",
        ("finalize", "published"): "finalized",
        ("finalize", "finalized"): None,
        ("unlock", "open"): None,
        ("unlock", "published"): None,
        ("unlock", "finalized"): "published",
    }
    assert [a for a in RoundAction if TRANSITIONS[a].needs_reason] == [RoundAction.UNLOCK]
    assert {a: TRANSITIONS[a].audit_action for a in RoundAction} == {
        RoundAction.PUBLISH: "results.publish",
        RoundAction.FINALIZE: "results.finalize",
        RoundAction.UNLOCK: "results.unlock",
    }


@pytest.mark.parametrize(
    ("action", "state", "message"),
    [
        ("publish", "finalized", "结果已定稿，任何修改都会被拒绝；如确需修改，请组委会先解锁并说明理由。"),
        ("finalize", "finalized", "结果已经定稿。"),
        ("unlock", "open", "结果尚未定稿，无需解锁。"),
        ("unlock", "published", "结果尚未定稿，无需解锁。"),
    ],
)
def test_a_refused_transition_says_why(action, state, message):
    with pytest.raises(Conflict) as refused:
        transition(action, state)
    assert refused.value.message == message


def test_states_compare_with_the_stored_text():
    assert RoundState.of({"state": "published"}) is PUBLISHED and RoundState.of("open") is OPEN
    assert PUBLISHED == "published" and f"{FINALIZED}" == "finalized"
    assert [s.is_public for s in RoundState] == [False, True, True]
    assert [s.scores_locked for s in RoundState] == [False, True, True]
    assert {s.value: s.label for s in RoundState} == {"open": "评审中", "published": "公示中", "finalized": "已定稿"}
    assert set(STATE_LABELS) == set(RoundState)
    with pytest.raises(ValueError):
        RoundState.of("closed")
