"""How far judging has gone for an event, for the event lifecycle (competitions/events/lifecycle.py).

Registered by the judging plugin with :func:`competitions.events.lifecycle.register_judging_stage`:
the current round finalized -> ``final``, published -> ``published`` (公示), a score sheet saved
in any round, a robotics run recorded or a second round started -> ``judging``; otherwise ``None`` (judging has not begun).
"""

from __future__ import annotations

from competitions.events.lifecycle import Stage
from judging.robotics.tables import Run
from judging.rounds.states import RoundState
from judging.rounds.tables import Round
from judging.scoring.tables import Score


async def event_stage(event_id: int) -> Stage | None:
    rounds = await Round.select(Round.id, Round.state, Round.is_current).where(Round.event == event_id)
    current = next((r for r in rounds if r["is_current"]), None)
    if current is not None:
        state = RoundState.of(current)
        if state is RoundState.FINALIZED:
            return Stage.FINAL
        if state is RoundState.PUBLISHED:
            return Stage.PUBLISHED
    if len(rounds) > 1:
        return Stage.JUDGING
    if rounds and await Score.exists().where(Score.round.is_in([r["id"] for r in rounds])):
        return Stage.JUDGING
    if await Run.exists().where(Run.event == event_id):
        return Stage.JUDGING  # a robotics run recorded: the competition is under way
    return None
