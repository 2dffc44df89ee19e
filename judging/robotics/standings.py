"""Robotics standings: a team's counted score from its runs, then an ordered tie-break chain
(CONTRACT.md "Robotics", issue 13 item 2). Pure functions on Decimals, no database.

Counted score (``counted.rule``):

- ``best``: the best run (VEX/WRO practice);
- ``best_sum``: the sum of the best ``k`` runs (fewer runs: the sum of those there are);
- ``mean_drop_lowest``: the mean after dropping the ``drop`` lowest runs (VEX IQ drops 1-4 by
  match count); with ``drop`` or fewer runs nothing is dropped below one run.

Runs of equal score are ordered by shorter time, then earlier approval, so a team's counted
run is the one that helps it most.

Tie-break keys, in the sheet's order, after the counted score (CONTRACT):

- ``time_of_counted``: lower first (for ``best_sum`` the sum of the counted runs' times; a run
  without a time is slower than any with one);
- ``next_best``: the best run not counted (for ``best`` the second best), higher first;
- ``round:N``: that round's score, higher first (no run in that round is lowest);
- ``fewer_penalties``: the counted runs' penalties (absolute points), lower first;
- ``earliest``: the counted score reached earlier (the latest approval among counted runs).

Teams equal on every key share the rank (1, 1, 3). A team without an approved run has no rank
and is listed last. Each line's ``explanation`` says, in words, what put it above the next team.

Public standings rank within each division, as results and awards do (:func:`order_by_division`):
the divisions in their order (小学, 初中, 高中), each ranked from 1, and a reason line compares a
team with the next team of its own division.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable, Sequence

from app.i18n import _
from app.times import SHANGHAI, UTC
from competitions.events.tables import DIVISIONS
from judging.robotics.sheets import Sheet

SCORE_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class Run:
    """An approved run: ``round`` (1-based), ``score``, ``time_seconds`` (or ``None``),
    ``penalties`` (absolute points) and ``approved_at`` (timezone-aware)."""

    round: int
    score: Decimal
    time_seconds: Decimal | None
    penalties: Decimal
    approved_at: dt.datetime


@dataclass
class Line:
    """One team's line: ``rank`` (``None`` without runs), ``counted_score``, the key values used
    and the ``explanation`` against the next team."""

    team: Any
    runs: list[Run]
    counted: list[Run]
    counted_score: Decimal | None
    keys: dict[str, Any]
    rank: int | None = None
    explanation: str = ""
    signature: tuple[Any, ...] = ()  # counted score then the tie-break keys (set by line_of)


_NO_TIME = Decimal("Infinity")
_LOWEST = Decimal("-Infinity")


def _order(runs: Sequence[Run]) -> list[Run]:
    """Best first: higher score, then shorter time, then earlier approval."""
    return sorted(
        runs, key=lambda r: (-r.score, r.time_seconds if r.time_seconds is not None else _NO_TIME, r.approved_at)
    )


def counted_runs(sheet: Sheet, runs: Sequence[Run]) -> tuple[list[Run], Decimal | None]:
    """The runs that count and the counted score (``None`` without runs), per ``sheet.counted_rule``."""
    ordered = _order(runs)
    if not ordered:
        return [], None
    if sheet.counted_rule == "best":
        return ordered[:1], ordered[0].score
    if sheet.counted_rule == "best_sum":
        chosen = ordered[: sheet.k]
        return chosen, sum((r.score for r in chosen), Decimal(0))
    keep = max(1, len(ordered) - sheet.drop)
    chosen = ordered[:keep]
    mean = sum((r.score for r in chosen), Decimal(0)) / Decimal(len(chosen))
    return chosen, mean.quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


def _key_value(key: str, line: Line) -> Any:
    """The value of tie-break ``key`` for ``line``, oriented so that larger is better."""
    if key == "time_of_counted":
        total = Decimal(0)
        for run in line.counted:
            if run.time_seconds is None:
                return -_NO_TIME
            total += run.time_seconds
        return -total
    if key == "next_best":
        rest = [r for r in _order(line.runs) if r not in line.counted]
        return rest[0].score if rest else _LOWEST
    if key.startswith("round:"):
        number = int(key[6:])
        scores = [r.score for r in line.runs if r.round == number]
        return max(scores) if scores else _LOWEST
    if key == "fewer_penalties":
        return -sum((r.penalties for r in line.counted), Decimal(0))
    if key == "earliest":
        reached = max(r.approved_at for r in line.counted)
        return -reached.timestamp()
    raise ValueError(key)


def _shown(key: str, value: Any) -> str:
    """A key's value as words for the explanation (the orientation undone)."""
    if key == "time_of_counted":
        return _("{s} 秒", s=-value) if value != -_NO_TIME else _("无用时")
    if key == "fewer_penalties":
        return _("罚分 {p}", p=-value)
    if key == "earliest":
        stamp = dt.datetime.fromtimestamp(-value, UTC).astimezone(SHANGHAI)
        return stamp.strftime("%H:%M:%S")
    if value == _LOWEST:
        return _("无成绩")
    return _("{n} 分", n=value)


_KEY_LABELS = {
    "time_of_counted": "用时",
    "next_best": "次好成绩",
    "fewer_penalties": "罚分",
    "earliest": "达到成绩的时间",
}


def _key_label(key: str) -> str:
    if key.startswith("round:"):
        return _("第 {n} 轮", n=key[6:])
    return _(_KEY_LABELS[key])


def rank(sheet: Sheet, teams: Sequence[tuple[Any, Sequence[Run]]]) -> list[Line]:
    """Standings of ``teams`` (``[(team, approved runs)]``) under ``sheet``: lines in rank order,
    ranked teams first (shared ranks for teams equal on every key), then teams without runs."""
    return order(sheet, [line_of(sheet, team, runs) for team, runs in teams])


def line_of(sheet: Sheet, team: Any, runs: Sequence[Run]) -> Line:
    """One team's line before ranking: counted runs, counted score and tie-break key values. It
    depends on the team's runs only, so a cache recomputes it for the teams whose runs changed."""
    counted, score = counted_runs(sheet, runs)
    line = Line(team=team, runs=list(runs), counted=counted, counted_score=score, keys={})
    if score is not None:
        line.keys = {key: _key_value(key, line) for key in sheet.tiebreaks}
        line.signature = _signature(line, sheet)
    return line


def order(sheet: Sheet, lines: Sequence[Line], memo: dict[Any, str] | None = None) -> list[Line]:
    """Rank ``lines`` (from :func:`line_of`): sets each line's ``rank`` and ``explanation`` and
    returns them in rank order, teams without runs last (in the order given). ``memo`` (kept by
    a caller across calls, per language) remembers reason lines by the two lines' key values:
    after one approval nearly every pair of neighbours is the same as before."""
    ranked = [line for line in lines if line.counted_score is not None]
    ranked.sort(key=lambda line: line.signature, reverse=True)
    for i, line in enumerate(ranked):
        previous = ranked[i - 1] if i else None
        same = previous is not None and previous.signature == line.signature
        line.rank = previous.rank if same and previous is not None else i + 1
    for i, line in enumerate(ranked):
        following = ranked[i + 1] if i + 1 < len(ranked) else None
        if memo is None:
            line.explanation = _explain(sheet, line, following)
            continue
        pair = (line.signature, following.signature if following is not None else None)
        text = memo.get(pair)
        if text is None:
            text = memo[pair] = _explain(sheet, line, following)
        line.explanation = text
    unranked = [line for line in lines if line.counted_score is None]
    for line in unranked:
        line.explanation = _("还没有通过审核的成绩。")
    return ranked + unranked


def division_key(division: Any) -> tuple[int, str]:
    """Divisions in their order (小学, 初中, 高中), any other (or none) after them."""
    return (DIVISIONS.index(division) if division in DIVISIONS else len(DIVISIONS), str(division or ""))


def order_by_division(
    sheet: Sheet, lines: Sequence[Line], division_of: Callable[[Line], Any], memo: dict[Any, str] | None = None
) -> list[Line]:
    """:func:`order` within each division (``division_of(line)``): the divisions in their order,
    each ranked from 1 with its own reason lines (the next team is the next of the division)."""
    groups: dict[Any, list[Line]] = {}
    for line in lines:
        groups.setdefault(division_of(line), []).append(line)
    out: list[Line] = []
    for division in sorted(groups, key=division_key):
        out.extend(order(sheet, groups[division], memo))
    return out


def _signature(line: Line, sheet: Sheet) -> tuple[Any, ...]:
    return (line.counted_score, *(line.keys[k] for k in sheet.tiebreaks))


def _explain(sheet: Sheet, line: Line, following: Line | None) -> str:
    """Why ``line`` ranks above ``following`` (the next line), in words."""
    if following is None:
        return ""
    if line.counted_score != following.counted_score:
        return _("{a} 分，高于下一名的 {b} 分。", a=line.counted_score, b=following.counted_score)
    for key in sheet.tiebreaks:
        ours, theirs = line.keys[key], following.keys[key]
        if ours != theirs:
            return _(
                "与下一名同为 {score} 分；{label}：{ours} 对 {theirs}。",
                score=line.counted_score,
                label=_key_label(key),
                ours=_shown(key, ours),
                theirs=_shown(key, theirs),
            )
    return _("与下一名同为 {score} 分，所有排名依据都相同，名次并列。", score=line.counted_score)
