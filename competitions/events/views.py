"""How an event reads on pages (times in Asia/Shanghai, kind label, open or not); used by every programme's pages."""

from __future__ import annotations

from typing import Any

from app.i18n import _
from app.times import local_input, now, show_time
from competitions.events import lifecycle
from competitions.events.kinds import kind_labels


def event_view(event: dict[str, Any]) -> dict[str, Any]:
    """An event with its times ready for display and for datetime-local inputs, and its
    lifecycle stage (``stage`` as the services give it, else from status and dates alone)."""
    stage = lifecycle.Stage(event["stage"]) if event.get("stage") else lifecycle.window_stage(event)
    unlocked = stage in (lifecycle.Stage.OPEN, lifecycle.Stage.DRAFT)  # open, or not shown to schools at all
    closes = lifecycle.as_time(event.get("registration_closes_at"))
    passed = closes is not None and closes <= now()  # the deadline is named only when it is what closed registration
    return {
        **event,
        "kind_label": _(kind_labels().get(event["kind"], event["kind"])),
        # where schools apply, for kinds with applications (camps): the generic entry form is not theirs
        "apply_path": _apply_path(event),
        "opens_text": show_time(event.get("registration_opens_at")),
        "closes_text": show_time(event.get("registration_closes_at")),
        "opens_input": local_input(event.get("registration_opens_at")),
        "closes_input": local_input(event.get("registration_closes_at")),
        "stage": stage.value,
        "stage_label": _(stage.label),
        "is_open": stage is lifecycle.Stage.OPEN,
        "judging_begun": stage.judging_begun,
        # why schools cannot change entries now, and what they still can (None while open / draft)
        "closed_reason": None
        if unlocked
        else lifecycle.registration_closed_message(stage, show_time(closes) if passed else None),
        "closed_can": None if unlocked else lifecycle.school_can_still(stage),
    }


def _apply_path(event: dict[str, Any]) -> str:
    from competitions.events.kinds import kind_of

    try:
        kind = kind_of(event["kind"])
    except KeyError:
        return ""
    return kind.apply_path.format(id=event["id"]) if kind.apply_path else ""
