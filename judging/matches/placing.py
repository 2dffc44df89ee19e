"""Final places of a match challenge (issue 14; what results, awards and certificates use).
Pure functions.

Alliances in the elimination bracket place first, by how far they went: the champion 1st, then
the alliances knocked out in later rounds above those knocked out earlier; alliances knocked out
in the same round share the place (FRC and VEX award the finalists and semi-finalists alike).
Every team of an alliance takes its alliance's place. Teams on no alliance follow in their
qualification order. Without a bracket (or before it has a champion) the qualification ranking is
the order. Places are shared ranks counted in teams (1, 1, 3, 3, 5, 5, 5, 5, 9).
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


def _units(
    alliances: Sequence[Sequence[Hashable]],
    order: Sequence[tuple[int, int]],
    qualification: Sequence[Hashable],
) -> list[tuple[tuple[int, int], tuple[Hashable, ...]]]:
    """``[(key, teams)]`` best first: the bracket's alliances (key ``(0, alliance place)``: alliances
    out in the same round share a key), then every other team alone in qualification order (key
    ``(1, n)``)."""
    units: list[tuple[tuple[int, int], tuple[Hashable, ...]]] = []
    placed: set[Hashable] = set()
    for seed, place in order:
        members = tuple(alliances[seed - 1])
        units.append(((0, place), members))
        placed.update(members)
    for n, team in enumerate(t for t in qualification if t not in placed):
        units.append(((1, n), (team,)))
    return units


def _ranked(units: Sequence[tuple[tuple[int, int], Sequence[Hashable]]]) -> list[tuple[Hashable, int]]:
    """Competition ranking over teams (1, 1, 3): a team's place is 1 + the number of teams in units
    with a better key."""
    out: list[tuple[Hashable, int]] = []
    for key, teams in units:
        better = sum(len(other) for k, other in units if k < key)
        out.extend((team, better + 1) for team in teams)
    return out


def team_places(
    alliances: Sequence[Sequence[Hashable]],
    order: Sequence[tuple[int, int]],
    qualification: Sequence[Hashable],
) -> list[tuple[Hashable, int]]:
    """``[(team, place)]`` best first: the bracket's alliances (``order`` from :func:`alliance_order`,
    ``alliances`` by seed from 1; every team takes its alliance's place), then the other teams in
    ``qualification`` order. Places are shared ranks counted in teams, as every other ranking of the
    results (CONTRACT: 1, 1, 3): with 2-team alliances the champions are 1st, the finalists 3rd, the
    four semi-finalists 5th, the first team without an alliance 9th. (Counting alliances instead,
    1, 2, 3, 3, then 5 for the 9th team, gave twelve teams twelve awards: a fresh user's finding.)"""
    return _ranked(_units(alliances, order, qualification))


def division_places(
    alliances: Sequence[Sequence[Hashable]],
    order: Sequence[tuple[int, int]],
    qualification: Sequence[Hashable],
    division: Mapping[Hashable, str],
) -> dict[Hashable, int]:
    """``{team: place within its division}`` for a challenge whose teams come from several
    divisions (results and certificates rank per category and division, DESIGN "ranking is within
    category and division"): :func:`team_places` over the division's teams only (an alliance
    counts with its members of the division). With one division this equals :func:`team_places`; a
    senior team placed 8th across a mixed challenge whose better teams were all junior is the
    seniors' 1st. ``division`` maps every team to its division; teams missing from it get no place."""
    units = _units(alliances, order, qualification)
    out: dict[Hashable, int] = {}
    for name in sorted(set(division.values())):
        mine = [(key, tuple(t for t in teams if division.get(t) == name)) for key, teams in units]
        out.update(_ranked([(key, teams) for key, teams in mine if teams]))
    return out
