"""Judging rounds: one ``single`` round by default, or a preliminary round (初评) followed
by a final round (终评/答辩) with the entries advanced to it. The current round is the one
the judging, results, publication and finalization endpoints act on."""

from __future__ import annotations

from typing import Any

from app.errors import Conflict
from app.i18n import _
from competitions.registration.tables import Entry
from judging.rounds.states import STATE_LABELS as STATE_LABELS  # the labels, for older callers
from judging.rounds.states import RoundState
from judging.rounds.tables import Round, RoundEntry


async def current_round(event_id: int) -> dict[str, Any]:
    """The event's current round, creating the default ``single`` round on first use."""
    row = await Round.select().where((Round.event == event_id) & (Round.is_current.eq(True))).first()
    if row is not None:
        return row
    from app.db import write_transaction
    from competitions.registration.services import lock_event

    async def create() -> dict[str, Any]:
        await lock_event(event_id)  # two first requests at once must not create two rounds
        existing = await Round.select().where((Round.event == event_id) & (Round.is_current.eq(True))).first()
        if existing is None:
            await Round.insert(Round(event=event_id, kind="single", name="评审", position=0, is_current=True))
            existing = await Round.select().where((Round.event == event_id) & (Round.is_current.eq(True))).first()
        return existing

    return await write_transaction(create)


async def round_entry_ids(round_row: dict[str, Any]) -> list[int]:
    """Entries judged in a round: every approved entry of the event for a single or
    preliminary round; the advanced entries for a final round."""
    if round_row["kind"] == "final":
        rows = await RoundEntry.select(RoundEntry.entry).where(RoundEntry.round == round_row["id"])
        ids = [r["entry"] for r in rows]
        if not ids:
            return []
        approved = await Entry.select(Entry.id).where(Entry.id.is_in(ids) & (Entry.status == "approved"))
        return [r["id"] for r in approved]
    rows = await Entry.select(Entry.id).where((Entry.event == round_row["event"]) & (Entry.status == "approved"))
    return [r["id"] for r in rows]


def require_open_for_judges(round_row: dict[str, Any]) -> None:
    """Judges change scores only while the round is open (before publication)."""
    state = RoundState.of(round_row)
    if state is RoundState.FINALIZED:
        raise Conflict(_("结果已定稿，评分已锁定，不能再修改。"))
    if state is RoundState.PUBLISHED:
        raise Conflict(_("结果已公示，评委评分已锁定；如需更改请联系组委会。"))


def require_not_finalized(round_row: dict[str, Any]) -> None:
    if RoundState.of(round_row) is RoundState.FINALIZED:
        raise Conflict(_("结果已定稿，任何修改都会被拒绝；如确需修改，请组委会先解锁并说明理由。"))
