"""How an event reads on pages (times in Asia/Shanghai, kind label, open or not); used by every programme's pages."""

from __future__ import annotations

from typing import Any

from app.i18n import _
from app.times import local_input, show_time
from competitions.events import services as events
from competitions.events.kinds import kind_labels


def event_view(event: dict[str, Any]) -> dict[str, Any]:
    """An event with its times ready for display and for datetime-local inputs."""
    return {
        **event,
        "kind_label": _(kind_labels().get(event["kind"], event["kind"])),
        "opens_text": show_time(event.get("registration_opens_at")),
        "closes_text": show_time(event.get("registration_closes_at")),
        "opens_input": local_input(event.get("registration_opens_at")),
        "closes_input": local_input(event.get("registration_closes_at")),
        "is_open": events.registration_is_open(event),
    }
