"""Camp completion (结营) by attendance (issue 15, "Attendance and completion"). Pure functions,
standard library only.

The rule: a site's required activities are check-in sessions; a student completes the camp when it
attended at least ``threshold`` percent of them: ``attended * 100 >= threshold * required``, computed
exactly in Decimal (no rounding: 80 % of 6 activities needs 5, since 4 of 6 is 66.7 %). Attendance at
activities that are not required counts for nothing. A site with no required activity cannot decide
completion (:class:`CompletionError`, field ``required``): the office must name them first, rather
than every student completing by default.

Shapes: ``required`` activity ids per site, ``attended`` ids per student; answer :class:`Completion`
per student with what it missed, so a list of who falls short says why.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal

from competitions.camps.rule_errors import CampRuleError

CompletionError = CampRuleError  # the one error of the camp rules (rule_errors.py)


@dataclass(frozen=True)
class Completion:
    """One student's result: ``attended`` of ``required`` required activities, ``share`` in percent
    (Decimal, two places, for display only: the decision uses exact counts), ``needed`` = the fewest
    required activities that complete it, ``completed``, and the ``missed`` activity ids in the order
    of the site's required list."""

    attended: int
    required: int
    share: Decimal
    needed: int
    completed: bool
    missed: tuple[int, ...]


def fewest_needed(required: int, threshold: Decimal) -> int:
    """The fewest of ``required`` activities that reach ``threshold`` percent: the smallest ``k`` with
    ``k * 100 >= threshold * required``."""
    if not Decimal(0) <= threshold <= Decimal(100):
        raise CompletionError(
            "threshold", "The threshold is a percentage from 0 to 100 (got {value}).", value=threshold
        )
    k = 0
    while k < required and Decimal(k) * 100 < threshold * required:
        k += 1
    return k


def completion(required: Iterable[int], attended: Collection[int], threshold: Decimal) -> Completion:
    """One student's completion: ``required`` activity ids of its site (order kept for ``missed``),
    ``attended`` the ids it checked in to (any activity), ``threshold`` percent (e.g. ``Decimal("80")``).
    Raises :class:`CompletionError` for no required activity or a threshold outside 0–100."""
    wanted = list(dict.fromkeys(required))
    if not wanted:
        raise CompletionError("required", "The site has no required activity: name them before deciding completion.")
    need = fewest_needed(len(wanted), threshold)
    went = [a for a in wanted if a in attended]
    share = (Decimal(len(went)) * 100 / Decimal(len(wanted))).quantize(Decimal("0.01"))
    return Completion(
        attended=len(went),
        required=len(wanted),
        share=share,
        needed=need,
        completed=len(went) >= need,
        missed=tuple(a for a in wanted if a not in attended),
    )
