"""Alliance selection (联盟选择) for the elimination bracket (issue 14 item 5). Pure functions.

The ranked teams (best first) form ``alliances`` alliances of ``size`` teams each (a captain and
``size - 1`` picks), FRC style:

- the captain of alliance ``i`` is the best-ranked team still free when alliance ``i`` first
  needs one (so when a captain-to-be is picked by a better alliance, the captains below move up);
- picks go round by round: ``straight`` order 1..N every round, ``serpentine`` 1..N then N..1;
- an invited team accepts or declines; a team that declined can no longer be picked (it may
  still become a captain); the inviting alliance then picks again;
- selection ends when every alliance is full or no free team is left.

``replay(ranked, alliances, size, order, events)`` replays the recorded invitations
``[(team, accepted)]`` and answers the state; ``seeded`` forms the alliances from the rankings
alone (every best free team accepts), for events that skip the selection.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Hashable, Sequence

from judging.matches.rule_errors import RuleError

ORDERS = ("serpentine", "straight")


class SelectionError(RuleError):
    """An invitation or setting the selection rules do not allow (see :class:`RuleError`)."""


@dataclass
class Selection:
    """``alliances[i]`` (captain first), ``turn`` (the alliance index choosing, or ``None`` when
    done), ``declined`` (in order), ``free`` (teams still on no alliance, in rank order)."""

    alliances: list[list[Hashable]]
    turn: int | None
    declined: list[Hashable] = field(default_factory=list)
    free: list[Hashable] = field(default_factory=list)

    @property
    def pickable(self) -> list[Hashable]:
        """Teams the alliance on turn may invite: free and never declined."""
        return [t for t in self.free if t not in self.declined]


def _turns(alliances: int, size: int, order: str) -> list[int]:
    out = []
    for r in range(size - 1):
        seq = list(range(alliances))
        if order == "serpentine" and r % 2 == 1:
            seq.reverse()
        out += seq
    return out


def replay(
    ranked: Sequence[Hashable],
    alliances: int,
    size: int,
    order: str = "serpentine",
    events: Sequence[tuple[Hashable, bool]] = (),
) -> Selection:
    """The selection after ``events`` (``(team invited, accepted?)`` in order). Raises
    :class:`SelectionError` for a wrong setting or an invitation the rules do not allow."""
    if order not in ORDERS:
        raise SelectionError("order", "the order must be serpentine or straight")
    if alliances < 2:
        raise SelectionError("alliances", "at least 2 alliances are needed")
    if not 1 <= size <= 4:
        raise SelectionError("size", "an alliance has 1 to 4 teams")
    if len(ranked) < alliances * size:
        raise SelectionError(
            "alliances",
            "{n} alliances of {size} need {need} teams; {have} are ranked",
            n=alliances,
            size=size,
            need=alliances * size,
            have=len(ranked),
        )
    teams: list[list[Hashable]] = [[] for _ in range(alliances)]
    free = list(ranked)
    declined: list[Hashable] = []
    turns = _turns(alliances, size, order)
    position = 0

    def current() -> int | None:
        nonlocal position
        while position < len(turns):
            i = turns[position]
            if not teams[i]:
                if not free:
                    return None
                teams[i].append(free.pop(0))  # the best free team becomes captain
            if any(t not in declined for t in free):
                return i
            return None
        return None

    for team, accepted in events:
        i = current()
        if i is None:
            raise SelectionError("team", "the selection is over")
        if team not in free:
            raise SelectionError("team", "team {team} is already on an alliance", team=team)
        if team in declined:
            raise SelectionError("team", "team {team} declined an invitation and cannot be picked", team=team)
        if accepted:
            free.remove(team)
            teams[i].append(team)
            position += 1
        else:
            declined.append(team)
    turn = current()
    if size == 1:  # captains only
        for i in range(alliances):
            if not teams[i] and free:
                teams[i].append(free.pop(0))
        turn = None
    return Selection(alliances=teams, turn=turn, declined=declined, free=free)


def seeded(ranked: Sequence[Hashable], alliances: int, size: int, order: str = "serpentine") -> Selection:
    """Alliances from the rankings alone: the top ``alliances`` teams are the captains, then every
    alliance in turn (``order``) takes the best team left."""
    replay(ranked, alliances, size, order)  # the same checks
    teams: list[list[Hashable]] = [[t] for t in ranked[:alliances]]
    rest = list(ranked[alliances:])
    for i in _turns(alliances, size, order):
        teams[i].append(rest.pop(0))
    return Selection(alliances=teams, turn=None, declined=[], free=rest)
