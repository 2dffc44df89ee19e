"""Qualification match schedules (排位赛赛程) for any alliance size (issue 14 item 1; CONTRACT.md
"Robotics: matches"). Pure functions, no database.

Input: the teams, matches per team ``M``, teams per alliance ``A`` (1–3), two alliances per match,
fields in parallel, the minimum gap between a team's matches (``min_gap`` other matches, by
number) and a seed. Output: matches in play order, each with red and blue alliances and the
surrogate appearances (played, not counted).

Invariants (hard; tests check them over many random inputs):

- every team has exactly ``M`` counted appearances; when ``teams * M`` does not fill the last
  match, ``2A * matches - teams * M`` appearances are surrogates (a team plays at most one) so that
  every match is full (FRC's surrogate rule);
- a team is never twice in one match, nor in two matches played at the same time (the same wave
  of ``fields`` matches);
- between two matches of a team lie at least ``min_gap`` other matches;
- appearances are laid out round by round: in round ``r`` (the slots ``r*T .. r*T+T-1`` of the
  play order) every team appears once, not counting surrogate appearances, which join the last
  round.

Quality (soft), scored with the published penalties of Idle Loop's MatchRater (the FTC scheduler):
for each pair of teams, a repeated partner costs 5, doubling with each further repeat (partners
twice: 5, three times: 5 + 10, ...); a repeated opponent costs 1 per repeat; a repeated meeting
(partners or opponents) costs 1 per repeat. Red/blue balance (a team's red and blue appearances
differ by at most one) is a further soft goal, not part of the MatchRater figure; after the search,
whole matches swap red and blue while that evens colours out (free under every other rule).

Search: a seeded random start (one shuffled permutation of the teams per round), then simulated
annealing over swaps of two appearances within a round, with hard violations weighed 1,000 and
every move's cost change computed incrementally. Deterministic: the same inputs and seed give
the same schedule on any machine (the number of steps is fixed, not timed).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from typing import Hashable, Sequence

from judging.matches.rule_errors import RuleError

HARD = 1000
MAX_ALLIANCE = 3


class ScheduleError(RuleError):
    """Inputs no schedule can satisfy (see :class:`RuleError`)."""


@dataclass(frozen=True)
class Match:
    """One match: ``number`` (1-based play order), ``field`` (1-based), ``wave`` (0-based: matches of
    one wave are played at the same time), ``red``/``blue`` (teams), ``surrogates`` (teams whose
    appearance here is not counted)."""

    number: int
    field: int
    wave: int
    red: tuple[Hashable, ...]
    blue: tuple[Hashable, ...]
    surrogates: tuple[Hashable, ...]


@dataclass(frozen=True)
class Quality:
    """``penalty`` (MatchRater), ``min_gap`` (the smallest number of other matches between two
    matches of a team; ``None`` when nobody plays twice), ``repeated_partners`` and
    ``repeated_opponents`` (pairs meeting again beyond their first time, summed over pairs),
    ``colour_imbalance`` (teams whose red and blue counts differ by more than one) and
    ``hard_violations`` (0 for a valid schedule)."""

    penalty: int
    min_gap: int | None
    repeated_partners: int
    repeated_opponents: int
    colour_imbalance: int
    hard_violations: int


@dataclass(frozen=True)
class Schedule:
    seed: int
    matches: tuple[Match, ...]
    quality: Quality


def partner_penalty(times: int) -> int:
    """MatchRater: partners once is free; the 2nd time costs 5, each further time doubles
    (3 times: 5 + 10 = 15, 4 times: 5 + 10 + 20 = 35)."""
    return 5 * (2 ** (times - 1) - 1) if times > 1 else 0


def pair_penalty(partners: int, opponents: int) -> int:
    """MatchRater's cost of one pair of teams that were ``partners`` times partners and
    ``opponents`` times opponents."""
    return partner_penalty(partners) + max(opponents - 1, 0) + max(partners + opponents - 1, 0)


def check_inputs(teams: int, matches_per_team: int, teams_per_alliance: int, fields: int, min_gap: int) -> None:
    """Raise :class:`ScheduleError` for inputs no schedule can satisfy."""
    if not 1 <= teams_per_alliance <= MAX_ALLIANCE:
        raise ScheduleError("teams_per_alliance", "teams per alliance must be 1 to {max}", max=MAX_ALLIANCE)
    if matches_per_team < 1:
        raise ScheduleError("matches_per_team", "each team needs at least one match")
    if fields < 1:
        raise ScheduleError("fields", "at least one field is needed")
    if min_gap < 0:
        raise ScheduleError("min_gap", "the gap cannot be negative")
    per_match = 2 * teams_per_alliance
    if teams < per_match:
        raise ScheduleError(
            "teams", "a match needs {n} teams but only {teams} are registered", n=per_match, teams=teams
        )
    # every team plays once per round of T/(2A) matches: at most about that many matches apart
    per_round = teams // per_match
    if matches_per_team > 1 and min_gap > per_round - 1:
        raise ScheduleError(
            "min_gap",
            "with {teams} teams and {n} per match a round has {per_round} matches, so the gap can be at most {most}",
            teams=teams,
            n=per_match,
            per_round=per_round,
            most=max(per_round - 1, 0),
        )
    if fields > per_round:
        raise ScheduleError(
            "fields",
            "with {teams} teams and {n} per match at most {most} matches can be played at once",
            teams=teams,
            n=per_match,
            most=per_round,
        )


class _State:
    """The annealer's state: ``slots[s] = (team index, surrogate)``; match of slot ``s`` is
    ``s // per_match``, alliance ``(s % per_match) // A`` (0 red, 1 blue)."""

    def __init__(
        self,
        teams: int,
        per_alliance: int,
        fields: int,
        min_gap: int,
        slots: list[tuple[int, bool]],
        prior: Sequence[tuple[int, list[int], list[int]]] = (),
    ):
        """``prior``: matches already played, as ``(number relative to the first new match (<0),
        red team indexes, blue team indexes)``: they count for pairs, gaps and colours, never move."""
        self.n = teams
        self.a = per_alliance
        self.per_match = 2 * per_alliance
        self.fields = fields
        self.min_gap = min_gap
        self.slots = slots
        self.matches = len(slots) // self.per_match
        self.offset = -min((number for number, _r, _b in prior), default=0)  # played matches before ours
        size = teams * teams
        self.partners = [0] * size
        self.opponents = [0] * size
        self.team_matches: list[list[int]] = [[] for _ in range(teams)]
        self.red = [0] * teams
        for number, red, blue in prior:
            sides = [*red, *blue]
            for i, x in enumerate(sides):
                self.team_matches[x].append(number)
                if i < len(red):
                    self.red[x] += 1
                for j in range(i + 1, len(sides)):
                    y = sides[j]
                    if x == y:
                        continue
                    lo, hi = (x, y) if x < y else (y, x)
                    if (i < len(red)) == (j < len(red)):
                        self.partners[lo * teams + hi] += 1
                    else:
                        self.opponents[lo * teams + hi] += 1
        for m in range(self.matches):
            self._add_match(m, +1)
        for s, (t, _sur) in enumerate(slots):
            self.team_matches[t].append(s // self.per_match)
            if (s % self.per_match) < per_alliance:
                self.red[t] += 1
        for lst in self.team_matches:
            lst.sort()
        self.appearances = [len(lst) for lst in self.team_matches]

    # --- pairs ---
    def _teams_of(self, m: int) -> list[int]:
        base = m * self.per_match
        return [self.slots[base + i][0] for i in range(self.per_match)]

    def _match_pairs(self, m: int) -> list[tuple[int, bool]]:
        """``[(pair index, partners?)]`` of match ``m`` (a team twice in a match pairs with nobody twice)."""
        ts = self._teams_of(m)
        a = self.a
        out = []
        n = self.n
        for i in range(self.per_match):
            for j in range(i + 1, self.per_match):
                x, y = ts[i], ts[j]
                if x == y:
                    continue
                lo, hi = (x, y) if x < y else (y, x)
                out.append((lo * n + hi, (i < a) == (j < a)))
        return out

    def _add_match(self, m: int, sign: int) -> None:
        for p, partner in self._match_pairs(m):
            if partner:
                self.partners[p] += sign
            else:
                self.opponents[p] += sign

    def pair_cost(self, p: int) -> int:
        return pair_penalty(self.partners[p], self.opponents[p])

    def matchrater(self) -> int:
        return sum(
            pair_penalty(self.partners[p], self.opponents[p])
            for p in range(len(self.partners))
            if self.partners[p] or self.opponents[p]
        )

    # --- hard constraints and balance, per team ---
    def team_hard(self, t: int) -> int:
        """Violations of team ``t``: twice in a match, twice in a wave, a gap below ``min_gap``."""
        lst = self.team_matches[t]
        bad = 0
        for i in range(1, len(lst)):
            prev, cur = lst[i - 1], lst[i]
            if cur == prev:
                bad += 1
            elif (
                cur - prev - 1 < self.min_gap
                or (cur + self.offset) // self.fields == (prev + self.offset) // self.fields
            ):
                bad += 1
        return bad

    def team_balance(self, t: int) -> int:
        return max(abs(2 * self.red[t] - self.appearances[t]) - 1, 0)

    def hard(self) -> int:
        return sum(self.team_hard(t) for t in range(self.n))

    def balance(self) -> int:
        return sum(self.team_balance(t) for t in range(self.n))

    # --- a move: swap the appearances in slots s1 and s2 ---
    def swap_delta(self, s1: int, s2: int, w_hard: int, w_soft: int) -> int:
        """Swap the appearances in slots ``s1`` and ``s2`` and return the cost change. Swapping the
        same two slots again undoes it exactly (pair counts included)."""
        pm = self.per_match
        m1, m2 = s1 // pm, s2 // pm
        x, y = self.slots[s1][0], self.slots[s2][0]
        touched = (x,) if x == y else (x, y)
        before = sum(HARD * w_hard * self.team_hard(t) + self.team_balance(t) for t in touched)
        ms = (m1,) if m1 == m2 else (m1, m2)
        slots = self.slots
        if w_soft:
            old = [p for m in ms for p in self._match_pairs(m)]
            slots[s1], slots[s2] = slots[s2], slots[s1]
            new = [p for m in ms for p in self._match_pairs(m)]
            pairs = {p for p, _partner in old}
            pairs.update(p for p, _partner in new)
            before += w_soft * sum(pair_penalty(self.partners[p], self.opponents[p]) for p in pairs)
            partners, opponents = self.partners, self.opponents
            for p, partner in old:
                if partner:
                    partners[p] -= 1
                else:
                    opponents[p] -= 1
            for p, partner in new:
                if partner:
                    partners[p] += 1
                else:
                    opponents[p] += 1
        else:
            slots[s1], slots[s2] = slots[s2], slots[s1]
        if m1 != m2 and x != y:
            lx, ly = self.team_matches[x], self.team_matches[y]
            lx.remove(m1)
            lx.append(m2)
            lx.sort()
            ly.remove(m2)
            ly.append(m1)
            ly.sort()
        red1, red2 = (s1 % pm) < self.a, (s2 % pm) < self.a
        if red1 != red2 and x != y:
            shift = -1 if red1 else 1
            self.red[x] += shift
            self.red[y] -= shift
        after = sum(HARD * w_hard * self.team_hard(t) + self.team_balance(t) for t in touched)
        if w_soft:
            after += w_soft * sum(pair_penalty(self.partners[p], self.opponents[p]) for p in pairs)
        return after - before


def _rounds(slots: int, teams: int, rounds: int) -> list[tuple[int, int]]:
    """Slot ranges ``[start, end)`` of the rounds; the surrogate slots join the last round."""
    out = [(r * teams, (r + 1) * teams) for r in range(rounds)]
    out[-1] = (out[-1][0], slots)
    return out


def generate(
    teams: Sequence[Hashable],
    matches_per_team: int,
    teams_per_alliance: int,
    fields: int,
    min_gap: int,
    seed: int,
    *,
    steps: int | None = None,
    optimize: bool = True,
) -> Schedule:
    """A qualification schedule (see the module's docstring). ``steps``: annealing moves (default
    grows with the number of appearances); ``optimize=False`` stops at the first valid schedule
    (a "random valid schedule" to compare the penalty against). Raises :class:`ScheduleError`."""
    team_list = list(teams)
    if len(set(team_list)) != len(team_list):
        raise ScheduleError("teams", "a team is listed twice")
    check_inputs(len(team_list), matches_per_team, teams_per_alliance, fields, min_gap)
    needs = [matches_per_team] * len(team_list)
    return _search(team_list, needs, teams_per_alliance, fields, min_gap, seed, steps, optimize, ())


def regenerate(
    played: Sequence[Match],
    teams: Sequence[Hashable],
    matches_per_team: int,
    teams_per_alliance: int,
    fields: int,
    min_gap: int,
    seed: int,
    *,
    steps: int | None = None,
) -> Schedule:
    """The rest of a schedule after ``played`` (matches 1..P, kept as they are) for ``teams`` as
    they are now: a no-show left out gets no further match, a late team gets all ``matches_per_team``,
    everyone else what they still need. The new matches are numbered from P + 1 and keep the gap
    and the waves across the boundary; pairs already met count in the penalties. ``quality`` is
    that of the whole schedule, played matches included."""
    team_list = list(teams)
    if len(set(team_list)) != len(team_list):
        raise ScheduleError("teams", "a team is listed twice")
    per_match = 2 * teams_per_alliance
    if len(team_list) < per_match:
        raise ScheduleError(
            "teams", "a match needs {n} teams but only {teams} are registered", n=per_match, teams=len(team_list)
        )
    check_inputs(len(team_list), max(matches_per_team, 2), teams_per_alliance, fields, min_gap)
    index = {t: i for i, t in enumerate(team_list)}
    extra_names = [t for m in played for t in (*m.red, *m.blue) if t not in index]
    for t in extra_names:  # teams dropped since: in the history only
        index.setdefault(t, len(index))
    names = team_list + [t for t in index if t not in team_list]
    counted = [0] * len(names)
    prior = []
    first_new = len(played)
    for number, m in enumerate(played):
        for t in (*m.red, *m.blue):
            if t not in m.surrogates:
                counted[index[t]] += 1
        prior.append((number - first_new, [index[t] for t in m.red], [index[t] for t in m.blue]))
    needs = [max(matches_per_team - counted[i], 0) if i < len(team_list) else 0 for i in range(len(names))]
    return _search(names, needs, teams_per_alliance, fields, min_gap, seed, steps, True, prior, played=played)


def _search(
    names: list[Hashable],
    needs: list[int],
    teams_per_alliance: int,
    fields: int,
    min_gap: int,
    seed: int,
    steps: int | None,
    optimize: bool,
    prior: Sequence[tuple[int, list[int], list[int]]],
    played: Sequence[Match] = (),
) -> Schedule:
    n = len(names)
    per_match = 2 * teams_per_alliance
    total = sum(needs)
    count = -(-total // per_match)
    extra = count * per_match - total
    rng = random.Random(seed)
    slots: list[tuple[int, bool]] = []
    blocks: list[tuple[int, int]] = []
    for r in range(max(needs, default=0)):
        order = [t for t in range(n) if needs[t] > r]
        rng.shuffle(order)
        blocks.append((len(slots), len(slots) + len(order)))
        slots += [(t, False) for t in order]
    candidates = [t for t in range(n) if needs[t] > 0] or list(range(n))
    rng.shuffle(candidates)
    surrogates = (candidates * (extra // max(len(candidates), 1) + 1))[:extra]
    slots += [(t, True) for t in surrogates]
    if blocks:
        blocks[-1] = (blocks[-1][0], len(slots))
    if not slots:
        return Schedule(seed=seed, matches=(), quality=rate(played, min_gap, fields) if played else _EMPTY)
    state = _State(n, teams_per_alliance, fields, min_gap, slots, prior)
    steps = steps if steps is not None else max(10_000, 80 * len(slots))
    w_soft = 1 if optimize else 0
    cost = HARD * state.hard() + state.balance() + (state.matchrater() if optimize else 0)
    t_start, t_end = 3.0, 0.05
    for step in range(steps):
        if cost == 0 or (not optimize and cost < HARD):
            break  # nothing left to improve (or, for a random valid schedule, valid)
        start, end = blocks[rng.randrange(len(blocks))]
        s1 = rng.randrange(start, end)
        s2 = rng.randrange(start, end)
        if s1 // per_match == s2 // per_match and (s1 % per_match < teams_per_alliance) == (
            s2 % per_match < teams_per_alliance
        ):
            continue  # same alliance of the same match: nothing changes
        delta = state.swap_delta(s1, s2, 1, w_soft)
        temperature = t_start * (t_end / t_start) ** (step / steps)
        if delta <= 0 or rng.random() < math.exp(-delta / temperature):
            cost += delta
            continue
        state.swap_delta(s1, s2, 1, w_soft)  # refused: swap back
    final = _State(n, teams_per_alliance, fields, min_gap, state.slots, prior)  # counts rebuilt from the slots
    if _balance_colours(final, rng, blocks):
        final = _State(n, teams_per_alliance, fields, min_gap, final.slots, prior)
    if final.hard():
        raise _gap_error(names, needs, teams_per_alliance, fields, min_gap, seed, prior, played)
    return Schedule(seed=seed, matches=_matches(final, names), quality=quality_of(final))


def _balance_colours(state: _State, rng: random.Random, blocks: Sequence[tuple[int, int]]) -> bool:
    """Swap red and blue of whole matches to even out teams' colours. A swap keeps every partner,
    opponent, gap and wave, so it costs nothing under MatchRater or the hard rules, while the
    search's swaps of single appearances often leave a team on red four times in six. A short
    seeded walk over swaps that do not make colours worse (evening two teams out may need a chain of
    them) keeps the best it meets, then every swap that still helps is made. Deterministic for a
    seed. Only matches wholly inside one round's block of appearances swap (a match straddling two
    rounds keeps its order, so every round still has every team once). Returns whether anything
    changed."""
    a, pm = state.a, state.per_match
    if not state.matches:
        return False

    def flip(m: int) -> int:
        """Swap the colours of match ``m``; the change of the teams' imbalance."""
        base = m * pm
        red = [state.slots[base + i][0] for i in range(a)]
        blue = [state.slots[base + a + i][0] for i in range(a)]
        touched = set(red) | set(blue)
        before = sum(state.team_balance(t) for t in touched)
        for t in red:
            state.red[t] -= 1
        for t in blue:
            state.red[t] += 1
        state.slots[base : base + pm] = state.slots[base + a : base + pm] + state.slots[base : base + a]
        return sum(state.team_balance(t) for t in touched) - before

    inside = {m for start, end in blocks for m in range(-(-start // pm), end // pm) if (m + 1) * pm <= end}
    valid = [
        m
        for m in range(state.matches)
        if m in inside
        and not {state.slots[m * pm + i][0] for i in range(a)} & {state.slots[m * pm + a + i][0] for i in range(a)}
    ]
    if not valid:
        return False
    start = list(state.slots)
    total = best = state.balance()
    kept = list(state.slots)
    for _step in range(40 * len(valid)):
        if best == 0:
            break
        m = valid[rng.randrange(len(valid))]
        delta = flip(m)
        if delta > 0:
            flip(m)  # worse: undone
            continue
        total += delta
        if total < best:
            best, kept = total, list(state.slots)
    if kept != state.slots:
        for m in valid:  # back to the best colours met
            if state.slots[m * pm : m * pm + pm] != kept[m * pm : m * pm + pm]:
                flip(m)
    improved = True
    while improved:
        improved = False
        for m in valid:
            if flip(m) < 0:
                improved = True
            else:
                flip(m)
    return state.slots != start


def _gap_error(
    names: list[Hashable],
    needs: list[int],
    teams_per_alliance: int,
    fields: int,
    min_gap: int,
    seed: int,
    prior: Sequence[tuple[int, list[int], list[int]]],
    played: Sequence[Match],
) -> ScheduleError:
    """Why no schedule was found, with the arithmetic of the waves when it is the cause, and the
    largest smaller gap a quick search does find (``suggest``)."""
    suggest = None
    for gap in range(min_gap - 1, -1, -1):
        try:
            _search(names, needs, teams_per_alliance, fields, gap, seed, None, False, prior, played)
        except ScheduleError:
            continue
        suggest = gap
        break
    playing = sum(1 for x in needs if x > 0)
    used = fields * 2 * teams_per_alliance
    rest = playing - used
    params = {"gap": min_gap, "fields": fields}
    if suggest is None:
        return ScheduleError(
            "min_gap",
            "no schedule found that keeps {gap} matches between a team's matches on {fields} fields; "
            "lower the gap or use fewer fields",
            **params,
        )
    if fields > 1 and 0 <= rest < used:
        return ScheduleError(
            "min_gap",
            "on {fields} fields each wave plays {used} of {teams} teams and rests {rest}, so at least {repeat} "
            "teams play again in the next wave, at most {most} matches later and only from the first field to "
            "the last; a gap of {gap} would keep the same teams together: the largest gap found is {suggest}",
            teams=playing,
            used=used,
            rest=rest,
            repeat=used - rest,
            most=2 * fields - 2,
            suggest=suggest,
            **params,
        )
    return ScheduleError(
        "min_gap",
        "no schedule found that keeps {gap} matches between a team's matches on {fields} fields; "
        "the largest gap found is {suggest}",
        suggest=suggest,
        **params,
    )


_EMPTY = Quality(
    penalty=0, min_gap=None, repeated_partners=0, repeated_opponents=0, colour_imbalance=0, hard_violations=0
)


def _matches(state: _State, names: list[Hashable]) -> tuple[Match, ...]:
    out = []
    a, pm = state.a, state.per_match
    for m in range(state.matches):
        part = state.slots[m * pm : (m + 1) * pm]
        number = state.offset + m  # 0-based over the whole schedule
        out.append(
            Match(
                number=number + 1,
                field=number % state.fields + 1,
                wave=number // state.fields,
                red=tuple(names[t] for t, _s in part[:a]),
                blue=tuple(names[t] for t, _s in part[a:]),
                surrogates=tuple(names[t] for t, s in part if s),
            )
        )
    return tuple(out)


def quality_of(state: _State) -> Quality:
    gaps = [lst[i] - lst[i - 1] - 1 for lst in state.team_matches for i in range(1, len(lst)) if lst[i] != lst[i - 1]]
    return Quality(
        penalty=state.matchrater(),
        min_gap=min(gaps) if gaps else None,
        repeated_partners=sum(max(p - 1, 0) for p in state.partners),
        repeated_opponents=sum(max(o - 1, 0) for o in state.opponents),
        colour_imbalance=sum(1 for t in range(state.n) if state.team_balance(t) > 0),
        hard_violations=state.hard(),
    )


def rate(matches: Sequence[Match], min_gap: int = 0, fields: int = 1) -> Quality:
    """The quality of any schedule (for instance one stored, or edited on the day)."""
    names: dict[Hashable, int] = {}
    a = len(matches[0].red) if matches else 1
    slots: list[tuple[int, bool]] = []
    for match in matches:
        sur = list(match.surrogates)
        for team in (*match.red, *match.blue):
            index = names.setdefault(team, len(names))
            flagged = team in sur
            if flagged:
                sur.remove(team)
            slots.append((index, flagged))
    return quality_of(_State(len(names), a, fields, min_gap, slots))


# --- times on the day --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Adjustment:
    """A change to the remaining schedule from match ``from_match`` (1-based) on: ``kind`` ``delay``
    or ``break`` (``seconds`` added before that match's wave) or ``cycle`` (``seconds`` per wave from
    that wave on)."""

    from_match: int
    kind: str
    seconds: int


def timetable(
    count: int, fields: int, starts_at: dt.datetime, cycle_seconds: int, adjustments: Sequence[Adjustment] = ()
) -> list[dt.datetime]:
    """Start times of matches 1..``count``: the matches of one wave (``fields`` of them) start
    together; a wave starts one cycle after the previous one, plus any delay or break placed
    before it; a cycle change applies from its wave on. Timezone-aware as ``starts_at``.

    For example 5 matches on 2 fields from 09:00 with a 6-minute cycle and a 10-minute break
    before match 3 start at 09:00, 09:00, 09:16, 09:16, 09:22 (tests/judging/matches/test_schedule.py).
    """
    waves = -(-count // fields) if count else 0
    cycle = cycle_seconds  # how long the wave being laid out takes
    moment = starts_at
    starts: list[dt.datetime] = []
    for wave in range(waves):
        numbers = range(wave * fields + 1, wave * fields + fields + 1)
        if wave:
            moment = moment + dt.timedelta(seconds=cycle)  # the previous wave's cycle
        for adj in adjustments:
            if adj.from_match in numbers and adj.kind == "cycle":
                cycle = adj.seconds
            elif adj.from_match in numbers and adj.kind in ("delay", "break"):
                moment = moment + dt.timedelta(seconds=adj.seconds)
        starts += [moment] * min(fields, count - wave * fields)
    return starts


def behind_seconds(scheduled: dt.datetime, started: dt.datetime) -> int:
    """How far the field runs behind (positive) or ahead (negative) of its timetable, in whole
    seconds, from when a match was due and when it started."""
    return int((started - scheduled).total_seconds())
