"""Final places of a match challenge (issue 14; what results, awards and certificates use).
Pure functions.

Alliances in the elimination bracket place first, by how far they went: the champion 1st, then
the alliances knocked out in later rounds above those knocked out earlier; alliances knocked out
in the same round share the place (FRC and VEX award the finalists and semi-finalists alike).
Every team of an alliance takes its alliance's place. Teams on no alliance follow in their
qualification order. Without a bracket (or before it has a champion) the qualification ranking is
the order. Places are shared ranks (1, 2, 3, 3, 5).
"""

from __future__ import annotations

from typing import Hashable, Mapping, Sequence

from judging.matches.brackets import Bracket, SeriesState


def alliance_order(bracket: Bracket, states: Sequence[SeriesState]) -> list[tuple[int, int]]:
    """``[(seed, place)]`` best first, once the bracket has a champion (else ``[]``)."""
    champion = states[-1].winner if states else None
    if champion is None:
        return []
    last_round: dict[int, int] = {}
    for s in states:
        if s.bye or s.void:
            continue
        for seed in (s.red_alliance, s.blue_alliance):
            if seed is not None:
                last_round[seed] = max(last_round.get(seed, 0), s.round)
    for s in states:  # an alliance that only had byes went out in round 0
        if s.bye and s.winner is not None:
            last_round.setdefault(s.winner, 0)
    others = sorted((seed for seed in last_round if seed != champion), key=lambda seed: -last_round[seed])
    out = [(champion, 1)]
    for i, seed in enumerate(others):
        same = i > 0 and last_round[others[i - 1]] == last_round[seed]
        out.append((seed, out[-1][1] if same else i + 2))
    return out


def team_places(
    alliances: Sequence[Sequence[Hashable]],
    order: Sequence[tuple[int, int]],
    qualification: Sequence[Hashable],
) -> list[tuple[Hashable, int]]:
    """``[(team, place)]`` best first: the bracket's alliances (``order`` from :func:`alliance_order`,
    ``alliances`` by seed from 1; every team takes its alliance's place, so places count
    alliances: champion 1, finalist 2, semi-finalists 3 and 3), then the other teams in
    ``qualification`` order, each a place of its own after the alliances (5, 6, ... after four)."""
    out: list[tuple[Hashable, int]] = []
    placed: set[Hashable] = set()
    for seed, place in order:
        for team in alliances[seed - 1]:
            out.append((team, place))
            placed.add(team)
    place = len(order)
    for team in qualification:
        if team not in placed:
            place += 1
            out.append((team, place))
    return out


def division_places(
    alliances: Sequence[Sequence[Hashable]],
    order: Sequence[tuple[int, int]],
    qualification: Sequence[Hashable],
    division: Mapping[Hashable, str],
) -> dict[Hashable, int]:
    """``{team: place within its division}`` for a challenge whose teams come from several
    divisions (results and certificates rank per category and division, DESIGN "ranking is within
    category and division").

    Places count units as :func:`team_places` does (an alliance in the bracket is one unit, every
    other team its own unit), but only the units with a team of the division: the division's
    place of a unit is 1 + the number of the division's units placed strictly better. With one
    division this equals :func:`team_places`; a senior team placed 8th across a mixed challenge
    whose better units were all junior is the seniors' 1st. ``division`` maps every team to its
    division; teams missing from ``qualification`` and the alliances get no place."""
    units: list[tuple[int, tuple[Hashable, ...]]] = []
    placed: set[Hashable] = set()
    for seed, place in order:
        members = tuple(alliances[seed - 1])
        units.append((place, members))
        placed.update(members)
    place = len(order)
    for team in qualification:
        if team not in placed:
            place += 1
            units.append((place, (team,)))
    out: dict[Hashable, int] = {}
    for name in sorted(set(division.values())):
        mine = [(p, [t for t in members if division.get(t) == name]) for p, members in units]
        kept = [(p, teams) for p, teams in mine if teams]
        for p, teams in kept:
            local = 1 + sum(1 for q, _ in kept if q < p)
            for team in teams:
                out[team] = local
    return out
