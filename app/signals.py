"""Signals: how one capability reacts to another's business action without importing it.

A capability that acts *sends* a signal (``await results_finalized.send(event_id=..., actor=...)``);
another capability *connects* a receiver once, when its plugin is set up. The sender never
imports the receiver, so the dependency arrows keep pointing one way
(``app`` <- ``competitions`` <- ``judging``) while reactions may run either way.

Receivers are async callables taking keyword arguments. They run in connection order, inside
the caller's task (and inside its transaction, if the sender holds one); an exception in a
receiver propagates to the sender, because the reactions connected here are part of the
action (finalizing results *is* numbering the award certificates). Fire-and-forget work
(live screens) belongs in a receiver that swallows its own errors.

The catalogue of signals lives in this module so every capability can name them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

Receiver = Callable[..., Awaitable[Any]]


class Signal:
    """A named hook: ``connect(receiver)`` once, ``await send(**kwargs)`` per action."""

    def __init__(self, name: str, doc: str = "") -> None:
        self.name = name
        self.__doc__ = doc
        self._receivers: list[Receiver] = []

    def connect(self, receiver: Receiver) -> Receiver:
        """Add ``receiver`` (idempotent: the same function is connected once). Usable as a decorator."""
        if receiver not in self._receivers:
            self._receivers.append(receiver)
        return receiver

    def disconnect(self, receiver: Receiver) -> None:
        if receiver in self._receivers:
            self._receivers.remove(receiver)

    @property
    def receivers(self) -> tuple[Receiver, ...]:
        return tuple(self._receivers)

    async def send(self, **kwargs: Any) -> list[Any]:
        """Call every receiver with ``kwargs``; returns their results in connection order."""
        return [await receiver(**kwargs) for receiver in list(self._receivers)]

    def __repr__(self) -> str:
        return f"<Signal {self.name}: {len(self._receivers)} receiver(s)>"


# --------------------------------------------------------------------------- the catalogue

results_finalized = Signal(
    "results_finalized",
    "An event's results were finalized. kwargs: event_id (int), actor (Principal), round_id (int), event (dict: the "
    "event row, read once by the sender), round (dict: the finalized round row). "
    "Sent after the state change; a receiver's error reaches the organizer who finalized.",
)
results_unlocked = Signal(
    "results_unlocked",
    "An event's finalized results were unlocked again (back to the public notice). kwargs: event_id (int), "
    "actor (Principal). Sent after the state change.",
)
checkin_recorded = Signal(
    "checkin_recorded",
    "A scan or a manual check-in was answered. kwargs: event_id (int; None for a forged credential), session_id (int), "
    "result (str: checked_in | already_checked_in | revoked | wrong_event | forged | unknown | undone). Sent after the write.",
)
scores_changed = Signal(
    "scores_changed",
    "A judge's or organizer's score sheet was saved. kwargs: event_id (int), entry_id (int). Sent after the write.",
)
rubric_changed = Signal(
    "rubric_changed",
    "An event's rubric (or a category's) was replaced and the current round's sheets recomputed. kwargs: event_id (int). "
    "Sent after the write.",
)
batch_progressed = Signal(
    "batch_progressed",
    "A certificate batch advanced. kwargs: batch_id (int), event_id (int), state (str), done (int), total (int).",
)
matches_changed = Signal(
    "matches_changed",
    "A challenge's matches changed: a schedule made or shifted, a match scored or committed, a bracket made or advanced. "
    "kwargs: event_id (int), category_code (str), what (str: schedule | match | bracket), match_id (int | None). "
    "Sent after the write; receivers (live screens) never fail the action.",
)
robotics_runs_changed = Signal(
    "robotics_runs_changed",
    "A robotics challenge's standings may have changed: a run was approved or an approved run corrected, or the "
    "score sheet changed (every run rescored). kwargs: event_id (int), category_id (int), category_code (str), "
    "entry_id (int, or None when every team may have changed). Sent after the write.",
)
camp_application_changed = Signal(
    "camp_application_changed",
    "A camp application changed (applied, allocated, offered, accepted, declined, expired, withdrawn). kwargs: "
    "event_id (int), application_id (int; None for the whole allocation), status (str), actor (Principal or None for "
    "the expiry timer). Sent after the write.",
)
public_view_changed = Signal(
    "public_view_changed",
    "Something an event's public pages show changed through an organizer's action that no other signal announces: "
    "results published (公示), an award adjusted, an objection's outcome recorded, the notice settings changed, a final "
    "round opened, certificates issued, revoked or reissued. kwargs: event_id (int), what (str). Sent after the write; "
    "the public page cache (app.pubcache) drops what it holds for the event, on every worker.",
)
outreach_talks_changed = Signal(
    "outreach_talks_changed",
    "大手拉小手 talks changed in a way schools and experts must hear of: a tour confirmed, a scheduled talk moved, "
    "cancelled or added. kwargs: what (str: confirmed | moved | cancelled | added), tour_id (int), talk_ids (list[int]), "
    "actor (Principal), reason (str), previous_expert (int | None: the expert a moved talk was taken from). Sent inside "
    "the action's transaction (the notices are part of it).",
)
