"""Home page blocks of the outreach programme (:class:`app.plugins.DashboardBlock`): what a school and an
expert must do next.

- a school: talks to confirm (their day has come; those past the year's ``confirm_within_days`` first,
  marked overdue), coming talks (date, topic, expert, hall), its requests still waiting for a tour,
  unread notices, and the way to request a talk;
- an expert: talks whose hours are still to be recorded, coming talks with the tour's itinerary, unread
  notices, and the way to their own page (availability, topics).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.principal import Principal
from competitions.outreach import delivery, notices
from competitions.outreach import services as outreach
from competitions.outreach.tables import OutreachNotice

COMING_SHOWN = 5  # coming talks listed on the home page (the rest on the programme's own pages)


async def _unread(actor: Principal) -> int:
    return int(await OutreachNotice.count().where((OutreachNotice.user == actor.id) & OutreachNotice.read_at.is_null()))


async def talks_to_confirm(actor: Principal, talks: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The school's scheduled talks whose day has come, overdue ones (past the year's
    ``confirm_within_days``) first, each with ``days_since`` and ``overdue``."""
    today = outreach.today()
    limits: dict[int, int] = {}
    out = []
    for t in talks if talks is not None else await delivery.list_talks(actor, {"status": "scheduled"}):
        day = dt.date.fromisoformat(t["on_date"])
        if t["status"] != "scheduled" or day > today:
            continue
        if day.year not in limits:
            limits[day.year] = (await outreach.settings_for(day.year))["confirm_within_days"]
        out.append({**t, "days_since": (today - day).days, "overdue": (today - day).days > limits[day.year]})
    out.sort(key=lambda t: (not t["overdue"], t["on_date"], t["id"]))
    return out


async def school_todo(actor: Principal) -> dict[str, Any]:
    """A school's next steps in the programme (see the module's docstring)."""
    today = outreach.today()
    talks = await delivery.list_talks(actor, {"status": "scheduled"})
    coming = [t for t in talks if t["on_date"] > today.isoformat()]
    waiting = [r for r in await outreach.list_requests(actor) if r["status"] in ("open", "planned")]
    return {
        "to_confirm": await talks_to_confirm(actor, talks),
        "coming": coming[:COMING_SHOWN],
        "more_coming": max(0, len(coming) - COMING_SHOWN),
        "waiting": waiting,
        "unread": await _unread(actor),
        "min_days_ahead": (await outreach.settings_for(today.year))["min_days_ahead"],
    }


async def expert_todo(actor: Principal) -> dict[str, Any]:
    """An expert's next steps in the programme (see the module's docstring)."""
    today = outreach.today().isoformat()
    expert_id = await outreach.expert_id_of(actor)
    talks = [t for t in await delivery.list_talks(actor) if t["status"] in ("scheduled", "delivered")]
    hours = sorted((t for t in talks if t["on_date"] <= today and t["hours"] is None), key=lambda t: t["on_date"])
    coming = [t for t in talks if t["on_date"] >= today and t["status"] == "scheduled"]
    tours = sorted({(t["tour_id"], t["tour_name"]) for t in coming})
    return {
        "expert_id": expert_id,
        "hours": hours,
        "coming": coming[:COMING_SHOWN],
        "more_coming": max(0, len(coming) - COMING_SHOWN),
        "tours": [{"id": i, "name": n} for i, n in tours],
        "unread": await _unread(actor),
        "notices": [n for n in await notices.list_notices(actor, limit=3) if not n["read"]],
    }


async def school_alert_block(actor: Principal) -> dict[str, Any] | None:
    """At the top of a school's home: the talks it must confirm (nothing when there are none)."""
    if actor.role != "school" or not actor.school_id:
        return None
    due = await talks_to_confirm(actor)
    return {"template": "competitions/outreach/dashboard_school_alert.html", "blocks": due} if due else None


async def school_block(actor: Principal) -> dict[str, Any] | None:
    if actor.role != "school" or not actor.school_id:
        return None
    return {"template": "competitions/outreach/dashboard_school.html", "blocks": [await school_todo(actor)]}


async def expert_block(actor: Principal) -> dict[str, Any] | None:
    if actor.role != "expert":
        return None
    return {"template": "competitions/outreach/dashboard_expert.html", "blocks": [await expert_todo(actor)]}
