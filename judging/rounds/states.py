"""The state of a round's results and the transitions between them, in one place.

A round is ``open`` (评审中: judges score) until its results are ``published`` (公示中: shown to
the public, judges' scores locked) and then ``finalized`` (已定稿: everything locked, award
certificates numbered). The organizer's actions move it:

====================  =====================  ===========  ==================
action                from                   to           needs a reason
====================  =====================  ===========  ==================
publish               open, published        published    no
finalize              open, published        finalized    no
unlock                finalized              published    yes
====================  =====================  ===========  ==================

Publishing again while published restarts the notice period (a new ``published_at``);
finalizing does not need a publication first. Nothing else changes the state of a round
(a new final round starts ``open``). The database stores the values as text; compare through
:class:`RoundState` (a ``StrEnum``, so ``RoundState.OPEN == "open"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.errors import Conflict
from app.i18n import _


class RoundState(StrEnum):
    OPEN = "open"
    PUBLISHED = "published"
    FINALIZED = "finalized"

    @classmethod
    def of(cls, round_row: dict[str, Any] | str) -> RoundState:
        """The state of a round row (or of its stored text)."""
        return cls(round_row if isinstance(round_row, str) else round_row["state"])

    @property
    def label(self) -> str:
        """The untranslated label (pass it through ``_()``)."""
        return STATE_LABELS[self]

    @property
    def is_public(self) -> bool:
        """Results are visible to the public (published or finalized)."""
        return self is not RoundState.OPEN

    @property
    def scores_locked(self) -> bool:
        """Judges' scores, the rubric and the assignments are locked (published or finalized)."""
        return self is not RoundState.OPEN


STATE_LABELS: dict[RoundState, str] = {
    RoundState.OPEN: "评审中",
    RoundState.PUBLISHED: "公示中",
    RoundState.FINALIZED: "已定稿",
}


class RoundAction(StrEnum):
    PUBLISH = "publish"
    FINALIZE = "finalize"
    UNLOCK = "unlock"


@dataclass(frozen=True)
class Transition:
    action: RoundAction
    sources: frozenset[RoundState]
    target: RoundState
    audit_action: str
    needs_reason: bool = False


TRANSITIONS: dict[RoundAction, Transition] = {
    RoundAction.PUBLISH: Transition(
        RoundAction.PUBLISH, frozenset({RoundState.OPEN, RoundState.PUBLISHED}), RoundState.PUBLISHED, "results.publish"
    ),
    RoundAction.FINALIZE: Transition(
        RoundAction.FINALIZE,
        frozenset({RoundState.OPEN, RoundState.PUBLISHED}),
        RoundState.FINALIZED,
        "results.finalize",
    ),
    RoundAction.UNLOCK: Transition(
        RoundAction.UNLOCK, frozenset({RoundState.FINALIZED}), RoundState.PUBLISHED, "results.unlock", needs_reason=True
    ),
}


def allowed(action: RoundAction | str, state: RoundState | str) -> bool:
    """Whether ``action`` may be taken on a round in ``state``."""
    return RoundState(state) in TRANSITIONS[RoundAction(action)].sources


def transition(action: RoundAction | str, state: RoundState | str) -> Transition:
    """The transition ``action`` takes from ``state``; :class:`app.errors.Conflict` (409) with the
    action's own explanation when it is not allowed."""
    step = TRANSITIONS[RoundAction(action)]
    if RoundState(state) in step.sources:
        return step
    if step.action is RoundAction.PUBLISH:
        raise Conflict(_("结果已定稿，任何修改都会被拒绝；如确需修改，请组委会先解锁并说明理由。"))
    if step.action is RoundAction.FINALIZE:
        raise Conflict(_("结果已经定稿。"))
    raise Conflict(_("结果尚未定稿，无需解锁。"))
