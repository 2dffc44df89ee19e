"""Qualification rankings from committed matches (issue 14 item 4; CONTRACT.md "Robotics: matches").
Pure functions on Decimals, no database.

Two rules, chosen per challenge as a setting (not code):

- ``ranking_points`` (VEX V5 / FTC style): a win earns ``win`` ranking points (default 2), a tie
  ``tie`` (1), a loss ``loss`` (0). Ranked by total ranking points, then the tie-break chain.
- ``average_score`` (VEX IQ teamwork style): both teams of an alliance share its score; a team's
  score is the mean of its alliance scores after dropping its ``drop_lowest`` lowest (never below
  one match). Ranked by that mean, then the tie-break chain.

Cards are given to a team, not to its alliance (VEX: a yellow card is a warning, a red card a
disqualification). A team with a red card is disqualified from that match: it earns 0 ranking
points (0 as its score under ``average_score``) and the match counts as a loss for it, while its
partner keeps what the alliance earned. An alliance is disqualified as a whole, and loses to an
alliance that is not, when every team of it has a red card (the card an older client gives "to the
alliance" means exactly that) or, in an elimination match, when any team of it has one (VEX: a
team disqualified in an elimination match disqualifies its alliance for that match). Two
disqualified alliances are decided by score. A yellow card is recorded only.

Only counted appearances count (a surrogate appearance is played, not counted). Tie-break keys, in
the setting's order (each higher first):

- ``average_score``: the mean alliance score of the team's counted matches (after the drop for
  ``average_score`` rankings);
- ``highest_score``: the team's highest alliance score;
- ``opponents_strength``: the mean ranking points (or mean score) of the opponents it met, each
  opponent counted once per meeting (a strength-of-schedule figure, FTC's idea of rewarding a
  harder schedule);
- ``draw``: a number drawn once per team and recorded (``draws``), so the order is reproducible.

Teams equal on every key share the rank (1, 1, 3); ``explanation`` says which key separated a
team from the next one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Hashable, Mapping, Sequence

PLACES = Decimal("0.01")
RULES = ("ranking_points", "average_score")
TIEBREAK_KEYS = ("average_score", "highest_score", "opponents_strength", "draw")


@dataclass(frozen=True)
class Settings:
    """How a challenge ranks its qualification matches (see the module's docstring)."""

    rule: str = "ranking_points"
    win: Decimal = Decimal(2)
    tie: Decimal = Decimal(1)
    loss: Decimal = Decimal(0)
    drop_lowest: int = 0
    tiebreaks: tuple[str, ...] = ("average_score", "highest_score", "opponents_strength")


CARDS = ("yellow", "red")
_SEVERITY = {None: 0, "yellow": 1, "red": 2}


def worse(a: str | None, b: str | None) -> str | None:
    """The more severe of two cards (red over yellow over none)."""
    return a if _SEVERITY.get(a, 0) >= _SEVERITY.get(b, 0) else b


def alliance_card(teams: Sequence[Hashable], cards: Mapping[Hashable, str | None]) -> str | None:
    """The card every team of an alliance has (what an older client calls the alliance's card),
    else ``None``: one team's card is not the alliance's."""
    given = {cards.get(t) for t in teams}
    return next(iter(given)) if len(given) == 1 and teams else None


def team_outcome(winner: str, colour: str, card: str | None) -> str:
    """``win``/``loss``/``tie`` for a team of alliance ``colour`` in a match ``winner`` won: a
    team with a red card is disqualified from it (a loss), whatever its partner did."""
    if card == "red":
        return "loss"
    return "tie" if winner == "tie" else "win" if winner == colour else "loss"


@dataclass(frozen=True)
class MatchResult:
    """A committed match: alliances, their scores, the surrogate appearances and the cards:
    ``cards`` per team (``{team: "yellow"|"red"}``) and ``red_card``/``blue_card`` for every team
    of that alliance (the older per-alliance form; a team's card is the more severe of the two).
    ``elimination``: an elimination match (one red card disqualifies the alliance)."""

    red: tuple[Hashable, ...]
    blue: tuple[Hashable, ...]
    red_score: Decimal
    blue_score: Decimal
    red_card: str | None = None
    blue_card: str | None = None
    surrogates: tuple[Hashable, ...] = ()
    cards: Mapping[Hashable, str] = field(default_factory=dict)
    elimination: bool = False

    def card_of(self, team: Hashable) -> str | None:
        """The card of ``team`` in this match (``None``, ``"yellow"`` or ``"red"``)."""
        own = self.cards.get(team)
        if team in self.red:
            return worse(own, self.red_card)
        if team in self.blue:
            return worse(own, self.blue_card)
        return own

    def disqualified(self, side: str) -> bool:
        """Alliance ``side`` is disqualified: every team of it has a red card, or (elimination)
        any team has one."""
        teams = self.red if side == "red" else self.blue
        reds = [t for t in teams if self.card_of(t) == "red"]
        if self.elimination:
            return bool(reds)
        return bool(teams) and len(reds) == len(teams)

    @property
    def winner(self) -> str:
        """``red``, ``blue`` or ``tie``: a disqualified alliance loses to one that is not;
        otherwise the higher score wins."""
        red_out, blue_out = self.disqualified("red"), self.disqualified("blue")
        if red_out != blue_out:
            return "blue" if red_out else "red"
        if self.red_score > self.blue_score:
            return "red"
        if self.blue_score > self.red_score:
            return "blue"
        return "tie"


@dataclass
class TeamLine:
    """A team's line: ``rank`` (``None`` before its first counted match), ``ranking_points``,
    ``played`` (counted matches), ``wins``/``losses``/``ties``, ``average_score``, the key values
    and ``explanation``."""

    team: Hashable
    played: int = 0
    wins: int = 0
    losses: int = 0
    ties: int = 0
    ranking_points: Decimal = Decimal(0)
    scores: list[Decimal] = field(default_factory=list)
    opponents: list[Hashable] = field(default_factory=list)
    average_score: Decimal = Decimal(0)
    ranked_score: Decimal = Decimal(0)
    keys: dict[str, Decimal] = field(default_factory=dict)
    rank: int | None = None
    explanation: str = ""


def _mean(values: Sequence[Decimal]) -> Decimal:
    if not values:
        return Decimal(0)
    return (sum(values, Decimal(0)) / Decimal(len(values))).quantize(PLACES, rounding=ROUND_HALF_UP)


def rank_teams(
    teams: Sequence[Hashable],
    matches: Sequence[MatchResult],
    settings: Settings = Settings(),
    draws: Mapping[Hashable, Decimal] | None = None,
    label: Mapping[str, str] | None = None,
) -> list[TeamLine]:
    """Lines for ``teams`` in rank order (teams without a counted match last, unranked).
    ``label``: words for the explanation (``{"points", "score", key: name}``), Chinese by default."""
    words = {
        "points": "积分",
        "score": "平均分",
        "average_score": "平均分",
        "highest_score": "最高分",
        "opponents_strength": "对手强度",
        "draw": "抽签",
        "same": "与下一名所有排名依据都相同，名次并列。",
        **(label or {}),
    }
    lines = {t: TeamLine(team=t) for t in teams}
    for match in matches:
        winner = match.winner
        for side, own in (("red", match.red_score), ("blue", match.blue_score)):
            members = match.red if side == "red" else match.blue
            rivals = match.blue if side == "red" else match.red
            for team in members:
                line = lines.get(team)
                if line is None or team in match.surrogates:
                    continue
                card = match.card_of(team)
                outcome = team_outcome(winner, side, card)
                line.played += 1
                if outcome == "win":
                    line.wins += 1
                elif outcome == "loss":
                    line.losses += 1
                else:
                    line.ties += 1
                if card != "red":
                    line.ranking_points += {"win": settings.win, "loss": settings.loss, "tie": settings.tie}[outcome]
                line.scores.append(Decimal(0) if card == "red" and settings.rule == "average_score" else own)
                line.opponents.extend(rivals)
    for line in lines.values():
        kept = sorted(line.scores, reverse=True)
        if settings.rule == "average_score" and settings.drop_lowest:
            kept = kept[: max(1, len(kept) - settings.drop_lowest)]
        line.average_score = _mean(kept if settings.rule == "average_score" else line.scores)
        line.ranked_score = line.ranking_points if settings.rule == "ranking_points" else line.average_score
    strength = {
        t: (line.ranking_points if settings.rule == "ranking_points" else line.average_score)
        for t, line in lines.items()
    }
    for line in lines.values():
        line.keys = {
            "average_score": line.average_score,
            "highest_score": max(line.scores) if line.scores else Decimal(0),
            "opponents_strength": _mean([strength[o] for o in line.opponents if o in strength]),
            "draw": Decimal((draws or {}).get(line.team, 0)),
        }
    ranked = [line for line in lines.values() if line.played]
    ranked.sort(key=lambda line: (line.ranked_score, *(line.keys[k] for k in settings.tiebreaks)), reverse=True)

    def signature(line: TeamLine) -> tuple[Decimal, ...]:
        return (line.ranked_score, *(line.keys[k] for k in settings.tiebreaks))

    for i, line in enumerate(ranked):
        same = i > 0 and signature(ranked[i - 1]) == signature(line)
        line.rank = ranked[i - 1].rank if same else i + 1
        following = ranked[i + 1] if i + 1 < len(ranked) else None
        line.explanation = _explain(line, following, settings, words)
    return ranked + [line for line in lines.values() if not line.played]


def _explain(line: TeamLine, following: TeamLine | None, settings: Settings, words: Mapping[str, str]) -> str:
    if following is None:
        return ""
    first = words["points"] if settings.rule == "ranking_points" else words["score"]
    if line.ranked_score != following.ranked_score:
        return f"{first} {line.ranked_score} > {following.ranked_score}"
    for key in settings.tiebreaks:
        if line.keys[key] != following.keys[key]:
            return f"{first} {line.ranked_score} = {following.ranked_score}; {words[key]} {line.keys[key]} > {following.keys[key]}"
    return words["same"]
