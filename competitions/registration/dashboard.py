"""Registration's blocks of the home page: per event, the organizer's counts (status, category,
division, city), the city's entries waiting for its review, the school's entries and returned ones."""

from __future__ import annotations

from typing import Any

from app.i18n import _
from app.principal import Principal
from app.schools import services as schools
from competitions.events import services as events
from competitions.events.tables import DIVISIONS
from competitions.events.views import event_view
from competitions.registration import personal_data
from competitions.registration import services as registration

CITY_WAITING_SHOWN = 20  # the city's home page lists the first waiting entries; the list has all


def _city_order(city: str) -> tuple[int, str]:
    order = schools.HAINAN_CITIES
    return (order.index(city), city) if city in order else (len(order), city)


async def organizer_block(user: Principal) -> dict[str, Any]:
    blocks = []
    for listed, row in await events.list_event_rows(user):  # the rows passed on: not read again per event
        event = event_view(listed)
        counts = await registration.counts(user, event["id"], event_row=row)
        categories = await events.list_categories(event["id"])
        by_name = {c["name"]: c["code"] for c in categories}
        status_counts = counts["status"]
        blocks.append(
            {
                "event": event,
                "total": sum(n for s, n in status_counts.items() if s != "withdrawn"),
                "to_review": status_counts.get("submitted", 0) + status_counts.get("recommended", 0),
                "approved": status_counts.get("approved", 0),
                "returned": status_counts.get("returned", 0),
                "categories": [
                    (name, by_name.get(name, ""), n)
                    for name, n in sorted(
                        counts["category"].items(),
                        key=lambda kv: list(by_name).index(kv[0]) if kv[0] in by_name else 999,
                    )
                ],
                "divisions": [(d, counts["division"][d]) for d in DIVISIONS if d in counts["division"]],
                "cities": sorted(counts["city"].items(), key=lambda kv: _city_order(kv[0])),
                "statuses": [
                    (s, _(registration.STATUS_LABELS[s]), status_counts[s])
                    for s in registration.STATUS_LABELS
                    if s in status_counts
                ],
            }
        )
    return {"template": "competitions/registration/dashboard_organizer.html", "blocks": blocks}


async def purge_due_block(user: Principal) -> dict[str, Any] | None:
    """Finished events whose personal data is due to be purged (nothing when none is)."""
    due = await personal_data.due_events()
    if not due:
        return None
    from app.settings import get_settings
    from app.times import show_time

    return {
        "template": "competitions/registration/dashboard_purge_due.html",
        "blocks": [
            {
                **row,
                "finished_text": show_time(row["finished_at"]),
                "due_text": show_time(row["due_at"]),
                "retention_days": get_settings().personal_data_retention_days,
            }
            for row in due
        ],
    }


async def city_block(user: Principal) -> dict[str, Any]:
    blocks = []
    for listed, row in await events.list_event_rows(user):  # the rows passed on: not read again per event
        event = event_view(listed)
        waiting = await registration.entries_page(
            user, event["id"], {"status": "submitted"}, sort="code", limit=CITY_WAITING_SHOWN, event_row=row
        )
        counts = await registration.counts(user, event["id"], event_row=row)
        blocks.append(
            {
                "event": event,
                "waiting": waiting["entries"],
                "waiting_total": waiting["total"],
                "status": counts["status"],
                "total": sum(n for s, n in counts["status"].items() if s != "withdrawn"),
            }
        )
    return {
        "template": "competitions/registration/dashboard_city.html",
        "blocks": blocks,
        "status_labels": registration.STATUS_LABELS,
    }


async def school_block(user: Principal) -> dict[str, Any]:
    blocks = []
    for listed, row in await events.list_event_rows(user):  # the rows passed on: not read again per event
        event = event_view(listed)
        entries = (await registration.entries_page(user, event["id"], event_row=row))["entries"]
        blocks.append(
            {"event": event, "entries": entries, "returned": [e for e in entries if e["status"] == "returned"]}
        )
    return {"template": "competitions/registration/dashboard_school.html", "blocks": blocks}
