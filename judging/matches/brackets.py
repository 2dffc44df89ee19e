"""Elimination brackets (淘汰赛) for 2–16 alliances (issue 14 item 5; CONTRACT.md "Robotics: matches").
Pure functions, no database.

Alliances are named by seed number (1 is the best). The bracket is sized to the next power of two
``P``; the top seeds get the byes (a seed above the number of alliances is a bye). First-round
pairs follow the standard seeding order, so seeds 1 and 2 can only meet in the final
(``P = 8``: 1–8, 4–5, 2–7, 3–6).

- ``single``: upper rounds ``U1 .. Uk`` (``k = log2 P``); the winner of ``Uk`` wins.
- ``double``: the same upper bracket; a series lost there drops the loser to the lower bracket:
  ``L1`` pairs the losers of ``U1``; then for each later upper round ``U(j+1)`` the lower round
  ``L(2j)`` sets the winners of ``L(2j-1)`` against the losers of ``U(j+1)`` (in reverse order, to
  avoid an immediate rematch), and ``L(2j+1)`` pairs the winners of ``L(2j)``; the lower final's
  winner meets the upper winner in the grand final ``F`` (no reset match: a single grand final
  series, as FRC's 2023 double-elimination bracket plays a best-of-3 final). ``2P - 2`` series in
  all for ``P >= 4``; with 2 alliances the final is the loser of ``U1`` against its winner.

A series is best of ``best_of`` (1 or 3) matches: the first alliance to win ``best_of // 2 + 1``
matches wins it; a tied match decides nothing (it is replayed). A series with one alliance (the
other side a bye, or a lower-bracket slot nobody drops into) is a bye: that alliance advances
without playing. Red is the side with the better (lower) seed where both are known.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from judging.matches.rule_errors import RuleError

FORMATS = ("single", "double")
BEST_OF = (1, 3, 5)
MIN_ALLIANCES, MAX_ALLIANCES = 2, 16


class BracketError(RuleError):
    """A bracket the rules cannot make (see :class:`RuleError`)."""


@dataclass(frozen=True)
class Source:
    """Where a side of a series comes from: ``kind`` ``seed`` (``value`` the seed number),
    ``winner`` or ``loser`` (``value`` a series id)."""

    kind: str
    value: int | str


@dataclass(frozen=True)
class Series:
    """One series of the bracket: ``id`` (``U1-1``, ``L2-1``, ``F``), ``round`` (play order, 1-based),
    ``stage`` (``U1``, ``L2``, ``F``) and where its two sides come from."""

    id: str
    round: int
    stage: str
    red: Source
    blue: Source


@dataclass(frozen=True)
class Bracket:
    alliances: int
    format: str
    best_of: int
    rounds: int
    series: tuple[Series, ...]


@dataclass(frozen=True)
class SeriesState:
    """A series as it stands: the alliances known on each side (``None`` while undecided or when
    nobody comes), ``bye``, ``wins`` per side, ``winner``/``loser`` seeds once decided, and
    ``void`` when neither side will ever have an alliance."""

    id: str
    round: int
    stage: str
    red_alliance: int | None
    blue_alliance: int | None
    bye: bool
    red_wins: int
    blue_wins: int
    winner: int | None
    loser: int | None
    void: bool


def seeding_order(size: int) -> list[int]:
    """Seeds in bracket order for a power of two ``size``: ``[1, 8, 4, 5, 2, 7, 3, 6]`` for 8."""
    order = [1]
    while len(order) < size:
        n = 2 * len(order)
        order = [x for seed in order for x in (seed, n + 1 - seed)]
    return order


def build(alliances: int, format: str = "single", best_of: int = 1) -> Bracket:
    """The bracket's series for ``alliances`` seeds. Raises :class:`BracketError` naming the input."""
    if not MIN_ALLIANCES <= alliances <= MAX_ALLIANCES:
        raise BracketError("alliances", "a bracket needs {lo} to {hi} alliances", lo=MIN_ALLIANCES, hi=MAX_ALLIANCES)
    if format not in FORMATS:
        raise BracketError("format", "the format must be single or double")
    if best_of not in BEST_OF:
        raise BracketError("best_of", "a series is best of 1, 3 or 5")
    size = 1
    while size < alliances:
        size *= 2
    k = size.bit_length() - 1
    upper: list[list[Series]] = []
    order = seeding_order(size)
    stages: list[list[Series]] = []
    first = [
        Series(f"U1-{i + 1}", 0, "U1", Source("seed", order[2 * i]), Source("seed", order[2 * i + 1]))
        for i in range(size // 2)
    ]
    upper.append(first)
    for r in range(2, k + 1):
        previous = upper[-1]
        upper.append(
            [
                Series(
                    f"U{r}-{i + 1}",
                    0,
                    f"U{r}",
                    Source("winner", previous[2 * i].id),
                    Source("winner", previous[2 * i + 1].id),
                )
                for i in range(len(previous) // 2)
            ]
        )
    if format == "single":
        stages = upper
    elif k == 1:
        final = Series("F", 0, "F", Source("winner", first[0].id), Source("loser", first[0].id))
        stages = [first, [final]]
    else:
        lower: list[Series] = [
            Series(f"L1-{i + 1}", 0, "L1", Source("loser", first[2 * i].id), Source("loser", first[2 * i + 1].id))
            for i in range(len(first) // 2)
        ]
        stages = [first, lower]
        number = 1
        for j in range(1, k):
            stages.append(upper[j])
            dropped = list(reversed(upper[j]))
            number += 1
            lower = [
                Series(
                    f"L{number}-{i + 1}",
                    0,
                    f"L{number}",
                    Source("winner", lower[i].id),
                    Source("loser", dropped[i].id),
                )
                for i in range(len(lower))
            ]
            stages.append(lower)
            if len(lower) > 1:
                number += 1
                lower = [
                    Series(
                        f"L{number}-{i + 1}",
                        0,
                        f"L{number}",
                        Source("winner", lower[2 * i].id),
                        Source("winner", lower[2 * i + 1].id),
                    )
                    for i in range(len(lower) // 2)
                ]
                stages.append(lower)
        stages.append([Series("F", 0, "F", Source("winner", upper[-1][0].id), Source("winner", lower[0].id))])
    numbered = tuple(
        Series(s.id, round_no, s.stage, s.red, s.blue) for round_no, stage in enumerate(stages, start=1) for s in stage
    )
    return Bracket(alliances=alliances, format=format, best_of=best_of, rounds=len(stages), series=numbered)


def series_winner(games: Sequence[str], best_of: int) -> str | None:
    """``red``/``blue`` once a side has ``best_of // 2 + 1`` wins among ``games`` (each ``red``,
    ``blue`` or ``tie``), else ``None``."""
    need = best_of // 2 + 1
    if games.count("red") >= need:
        return "red"
    if games.count("blue") >= need:
        return "blue"
    return None


_PENDING = object()  # a side whose source is not decided yet


def resolve(bracket: Bracket, games: Mapping[str, Sequence[str]] | None = None) -> list[SeriesState]:
    """Every series as it stands after the ``games`` played so far (``{series id: [winner of each
    game]}``, sides as shown in the series' state). Byes advance at once."""
    games = games or {}
    decided: dict[str, tuple[int | None, int | None]] = {}  # series -> (winner, loser); None = nobody
    states = []

    def side(source: Source) -> object:
        if source.kind == "seed":
            seed = int(source.value)
            return seed if seed <= bracket.alliances else None
        if source.value not in decided:
            return _PENDING
        winner, loser = decided[str(source.value)]
        return winner if source.kind == "winner" else loser

    for series in bracket.series:
        red, blue = side(series.red), side(series.blue)
        if isinstance(red, int) and isinstance(blue, int) and blue < red:
            red, blue = blue, red  # the better seed plays red
        played = list(games.get(series.id, ()))
        red_wins, blue_wins = played.count("red"), played.count("blue")
        winner = loser = None
        bye = void = False
        if red is None and blue is None:
            void = True
            decided[series.id] = (None, None)
        elif red is None or blue is None:
            known = red if red is not None else blue
            if known is not _PENDING:
                bye = True
                winner = known if isinstance(known, int) else None
                decided[series.id] = (winner, None)
        elif isinstance(red, int) and isinstance(blue, int):
            result = series_winner(played, bracket.best_of)
            if result is not None:
                winner, loser = (red, blue) if result == "red" else (blue, red)
                decided[series.id] = (winner, loser)
        states.append(
            SeriesState(
                id=series.id,
                round=series.round,
                stage=series.stage,
                red_alliance=red if isinstance(red, int) else None,
                blue_alliance=blue if isinstance(blue, int) else None,
                bye=bye,
                red_wins=red_wins,
                blue_wins=blue_wins,
                winner=winner,
                loser=loser,
                void=void,
            )
        )
    return states


def champion(bracket: Bracket, states: Sequence[SeriesState]) -> int | None:
    """The winning alliance's seed once the last series is decided."""
    last = states[-1] if states else None
    return last.winner if last is not None else None
