"""Scoring, aggregation, ranking and award rules (CONTRACT.md, "Scoring and award rules").

Pure functions on :class:`decimal.Decimal`, no database. Intermediate values are exact
(or at :data:`PRECISION` significant digits where a division or square root does not
terminate); rounding half-up to the event's ``score_decimals`` happens once, at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from typing import Any, Iterable, Mapping, Sequence

PRECISION = 50
AWARD_TIERS = ("first", "second", "third")


@dataclass(frozen=True)
class CriterionRule:
    """A rubric criterion: ``weight`` and ``max_points`` are Decimals (> 0)."""

    code: str
    weight: Decimal
    max_points: Decimal


_CONTEXT = Context(prec=PRECISION, rounding=ROUND_HALF_UP)


def _ctx() -> Context:
    return _CONTEXT  # localcontext() works on a copy


def exact(value: Decimal | str | int | float) -> Decimal:
    """``value`` as the decimal it is written as: a float is read through its shortest
    repr (``0.15`` -> ``Decimal("0.15")``, not ``0.1499999999999999944...``)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value).strip() if isinstance(value, str) else value)


def plain(value: Decimal) -> str:
    """A decimal as plain text without exponent or trailing zeros: ``Decimal("40.000")``
    -> ``"40"`` (``str(Decimal("40.000").normalize())`` would give ``"4E+1"``)."""
    value = value.normalize()
    return "0" if value.is_zero() else format(value, "f")


class JudgeScorer:
    """:func:`judge_score` for one rubric, prepared once for many score sheets:
    ``sum(points_c / max_c * weight_c)`` is evaluated as ``sum(points_c * weight_c * (D / max_c)) / D``
    with ``D`` the product of the distinct maxima, so every step is an exact
    multiplication and the only division (the one that may not terminate) comes last,
    at :data:`PRECISION` digits."""

    def __init__(self, criteria: Sequence[CriterionRule]):
        with localcontext(_ctx()):
            denominator = Decimal(1)
            for maximum in sorted({c.max_points for c in criteria}):
                denominator *= maximum
            self.codes = tuple(c.code for c in criteria)
            self.factors = tuple(c.weight * (denominator / c.max_points) for c in criteria)
            self.denominator = denominator

    def __call__(self, points: Mapping[str, Decimal | str | int | float]) -> Decimal:
        """The score of ``{code: points}`` (every criterion code required, ``KeyError`` otherwise)."""
        return self.many([[exact(points[code]) for code in self.codes]])[0]

    def many(self, rows: Iterable[Sequence[Decimal | str]]) -> list[Decimal]:
        """Scores of many sheets, each given as its points in criterion order (Decimals
        or decimal strings, never floats), in one decimal context."""
        factors, denominator = self.factors, self.denominator
        out = []
        with localcontext(_ctx()):
            for row in rows:
                total = Decimal(0)
                for value, factor in zip(row, factors):
                    total += Decimal(value) * factor
                out.append(total / denominator)
        return out


def judge_scorer(criteria: Sequence[CriterionRule]) -> JudgeScorer:
    return JudgeScorer(criteria)


def judge_score(points: Mapping[str, Decimal], criteria: Sequence[CriterionRule]) -> Decimal:
    """One judge's score: ``sum(points_c / max_points_c * weight_c)`` over ``criteria``.

    ``points`` must hold every criterion code (``KeyError`` otherwise). With weights adding
    to 100 the result is out of 100. Not rounded (see :func:`judge_scorer`).
    """
    return JudgeScorer(criteria)({c.code: exact(points[c.code]) for c in criteria})


def round_half_up(value: Decimal, decimals: int) -> Decimal:
    """Round half-up to ``decimals`` places: ``round_half_up(Decimal("85.605"), 2)`` -> ``85.61``."""
    with localcontext(_ctx()):
        return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def score_text(value: Any, decimals: int) -> str:
    """A stored score (decimal text) as the API and the pages give it: half-up to ``decimals``
    places, always that many (``"72.5"``, 2 -> ``"72.50"``); ``""`` stays ``""`` (a sheet not
    complete has no total)."""
    if value in (None, ""):
        return ""
    return str(round_half_up(Decimal(str(value)), decimals))


def mean(values: Sequence[Decimal]) -> Decimal:
    with localcontext(_ctx()):
        return sum(values, Decimal(0)) / len(values)


def trimmed_mean(values: Sequence[Decimal], trim_min_scores: int) -> Decimal:
    """Drop exactly one highest and one lowest score when there are at least
    ``trim_min_scores`` (去掉最高分和最低分); otherwise the plain mean. A setting below 3
    is treated as 3 (trimming two scores must leave at least one)."""
    if len(values) >= max(trim_min_scores, 3):
        ordered = sorted(values)
        return mean(ordered[1:-1])
    return mean(values)


def population_sd(values: Sequence[Decimal]) -> Decimal:
    """Population standard deviation (divide by N)."""
    with localcontext(_ctx()):
        mu = mean(values)
        return (sum(((v - mu) ** 2 for v in values), Decimal(0)) / len(values)).sqrt()


def zscore_normalize(scores: Mapping[tuple[int, int], Decimal]) -> dict[tuple[int, int], Decimal]:
    """Per-judge z-score normalization of ``{(entry_id, judge_id): raw}`` (complete entries
    of one round): each judge's scores are standardized with that judge's mean and
    population SD, then mapped back onto the mean and population SD of all the raw scores:
    ``g_mean + (raw - j_mean) / j_sd * g_sd``. A judge whose scores are all equal
    contributes the global mean."""
    if not scores:
        return {}
    by_judge: dict[int, list[Decimal]] = {}
    for (_entry, judge), value in scores.items():
        by_judge.setdefault(judge, []).append(value)
    all_values = list(scores.values())
    with localcontext(_ctx()):
        g_mean, g_sd = mean(all_values), population_sd(all_values)
        # per judge: (mean, g_sd / sd) or None when the SD is 0
        scale: dict[int, tuple[Decimal, Decimal] | None] = {}
        for judge, values in by_judge.items():
            j_sd = population_sd(values)
            scale[judge] = None if j_sd == 0 else (mean(values), g_sd / j_sd)
        result = {}
        for key, value in scores.items():
            factor = scale[key[1]]
            result[key] = g_mean if factor is None else g_mean + (value - factor[0]) * factor[1]
        return result


def aggregate(method: str, scores: Mapping[int, Mapping[int, Decimal]], trim_min_scores: int = 5) -> dict[int, Decimal]:
    """Entry scores ``{entry_id: Decimal}`` (unrounded) from complete entries' judge scores
    ``{entry_id: {judge_id: raw}}`` by ``mean``, ``trimmed_mean`` or ``zscore``.
    Raises ``ValueError`` for another method."""
    if method == "mean":
        return {e: mean(list(js.values())) for e, js in scores.items()}
    if method == "trimmed_mean":
        return {e: trimmed_mean(list(js.values()), trim_min_scores) for e, js in scores.items()}
    if method == "zscore":
        flat = {(e, j): v for e, js in scores.items() for j, v in js.items()}
        normalized = zscore_normalize(flat)
        return {e: mean([normalized[(e, j)] for j in js]) for e, js in scores.items()}
    raise ValueError(f"unknown aggregation method {method!r}")


def competition_ranks(scored: Iterable[tuple[int, Decimal]]) -> dict[int, int]:
    """Standard competition ranking, highest first: equal scores share a rank and the next
    rank skips (1, 1, 3). ``scored`` is ``[(entry_id, rounded score)]``."""
    ordered = sorted(scored, key=lambda item: item[1], reverse=True)
    ranks: dict[int, int] = {}
    previous: Decimal | None = None
    rank = 0
    for position, (entry_id, score) in enumerate(ordered, start=1):
        if previous is None or score != previous:
            rank = position
            previous = score
        ranks[entry_id] = rank
    return ranks


def award_cutoffs(n: int, quotas: Mapping[str, Decimal]) -> dict[str, int]:
    """Rank cutoffs for a group of ``n`` ranked entries: ``round_half_up(n*first)``,
    ``round_half_up(n*(first+second))``, ``round_half_up(n*(first+second+third))``.
    Quotas are read exactly as written (see :func:`exact`), never through binary floats."""
    cumulative = Decimal(0)
    cutoffs = {}
    for tier in AWARD_TIERS:
        cumulative += exact(quotas[tier])
        cutoffs[tier] = int(round_half_up(Decimal(n) * cumulative, 0))
    return cutoffs


def award_for(
    rank: int, cutoffs: Mapping[str, int], score: Decimal | None = None, min_score: Decimal | None = None
) -> str | None:
    """The best tier whose cutoff is at least ``rank`` (so entries tied at a boundary all
    take the higher tier), or ``None``; nothing below ``min_score`` when one is set."""
    if min_score is not None and score is not None and score < min_score:
        return None
    for tier in AWARD_TIERS:
        if rank <= cutoffs[tier]:
            return tier
    return None
