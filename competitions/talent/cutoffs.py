"""Aptitude test cut-offs (学科潜质测试分数线) of the talent programme (issue 16, "Test and interviews").
Pure functions, standard library only.

The office sets one cut-off per subject: an applicant passes when its score is at least the cut-off.
Before choosing, it sees how many would pass at each cut-off (:func:`preview`): the rows step down from
the best score by ``step`` points (a row for every distinct score when ``step`` is ``None``), each with
the number passing and how that compares with the mentors' seats in the subject.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

MAX_ROWS = 60


@dataclass(frozen=True)
class CutoffRow:
    """At ``cutoff``: ``passing`` applicants score at least it; ``ratio`` = passing per mentor seat
    (Decimal, 2 places, rounded down; ``None`` without seats)."""

    cutoff: Decimal
    passing: int
    ratio: Decimal | None


def passing(scores: Iterable[Decimal], cutoff: Decimal) -> int:
    """How many of ``scores`` are at least ``cutoff``."""
    return sum(1 for s in scores if s >= cutoff)


def preview(scores: Sequence[Decimal], seats: int = 0, step: Decimal | None = None) -> list[CutoffRow]:
    """Rows best cut-off first. With ``step`` (> 0): cut-offs from the best score rounded down to a
    multiple of ``step``, going down by ``step`` until every applicant passes (at most
    :data:`MAX_ROWS` rows); without: one row per distinct score. Empty without scores."""
    if not scores:
        return []
    if step is not None and step <= 0:
        raise ValueError("step must be positive")
    if step is None:
        cuts = sorted(set(scores), reverse=True)[:MAX_ROWS]
    else:
        top = (max(scores) / step).to_integral_value(rounding=ROUND_FLOOR) * step
        low = min(scores)
        cuts = []
        value = top
        while len(cuts) < MAX_ROWS:
            cuts.append(value)
            if value <= low:
                break
            value -= step
    rows = []
    for c in cuts:
        n = passing(scores, c)
        ratio = (Decimal(n) / Decimal(seats)).quantize(Decimal("0.01"), rounding=ROUND_FLOOR) if seats else None
        rows.append(CutoffRow(c, n, ratio))
    return rows
