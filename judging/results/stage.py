"""How far judging has gone for events, for the event lifecycle (competitions/events/lifecycle.py).

Registered by the judging plugin with :func:`competitions.events.lifecycle.register_judging_stage`:
the current round finalized -> ``final``, published -> ``published`` (公示), a score sheet saved
in any round, a robotics run recorded or a second round started -> ``judging``; otherwise left out
(judging has not begun). At most three queries for any number of events (a list of events asks
for all of them at once).
"""

from __future__ import annotations

from competitions.events.lifecycle import Stage
from judging.robotics.tables import Run
from judging.rounds.states import RoundState
from judging.rounds.tables import Round


def _marks(n: int) -> str:
    return ", ".join("{}" for _ in range(n))


async def event_stages(event_ids: list[int]) -> dict[int, Stage]:
    """``{event_id: stage}`` of the events of ``event_ids`` where judging has begun."""
    found: dict[int, Stage] = {}
    if not event_ids:
        return found
    rounds = await Round.select(Round.id, Round.event, Round.state, Round.is_current).where(
        Round.event.is_in(list(event_ids))
    )
    by_event: dict[int, list[dict]] = {}
    for r in rounds:
        by_event.setdefault(r["event"], []).append(r)
    one_round: dict[int, int] = {}  # event -> its only round: judging if a score is saved in it
    for event_id in event_ids:
        held = by_event.get(event_id, [])
        current = next((r for r in held if r["is_current"]), None)
        if current is not None:
            state = RoundState.of(current)
            if state is RoundState.FINALIZED:
                found[event_id] = Stage.FINAL
                continue
            if state is RoundState.PUBLISHED:
                found[event_id] = Stage.PUBLISHED
                continue
        if len(held) > 1:
            found[event_id] = Stage.JUDGING
        elif held:
            one_round[event_id] = held[0]["id"]
    if one_round:
        ids = list(one_round.values())
        scored = await Round.raw(
            f"SELECT r.event AS event FROM judging_round r WHERE r.id IN ({_marks(len(ids))}) "
            "AND EXISTS (SELECT 1 FROM score s WHERE s.round = r.id)",
            *ids,
        )
        found.update({row["event"]: Stage.JUDGING for row in scored})
    rest = [i for i in event_ids if i not in found]
    if rest:  # a robotics run recorded: the competition is under way
        ran = await Run.raw(
            f"SELECT e.id AS event FROM event e WHERE e.id IN ({_marks(len(rest))}) "
            "AND EXISTS (SELECT 1 FROM robotics_run r WHERE r.event = e.id)",
            *rest,
        )
        found.update({row["event"]: Stage.JUDGING for row in ran})
    return found
