"""The school coordinator's home page block of match challenges: per robotics event, the school's
teams that play matches, each linked to its "my matches" view (``/screens/{event}/{code}/teams/{id}``,
public, no log-in: a coach keeps the link on a phone)."""

from __future__ import annotations

from typing import Any

from app.principal import Principal
from competitions.registration.tables import Entry
from judging.matches.tables import Bracket, MatchPlan


async def school_block(user: Principal) -> dict[str, Any] | None:
    """``{"template", "blocks": [{"event": {"id", "name"}, "teams": [{"id", "title", "code",
    "category_code", "category_name"}]}]}`` for the user's school; ``None`` when no team of it
    plays matches in an event the public may see."""
    if user.school_id is None:
        return None
    played = {r["category"] for r in await MatchPlan.select(MatchPlan.category)}
    played |= {r["category"] for r in await Bracket.select(Bracket.category)}
    if not played:
        return None
    rows = await (
        Entry.select(
            Entry.id,
            Entry.title,
            Entry.code,
            Entry.event,
            Entry.event.name.as_alias("event_name"),
            Entry.category.code.as_alias("category_code"),
            Entry.category.name.as_alias("category_name"),
        )
        .where(
            (Entry.school == user.school_id)
            & (Entry.status == "approved")
            & Entry.category.is_in(sorted(played))
            & (Entry.event.status != "draft")
        )
        .order_by(Entry.event, ascending=False)
        .order_by(Entry.category)
        .order_by(Entry.title)
    )
    blocks: list[dict[str, Any]] = []
    for r in rows:
        if not blocks or blocks[-1]["event"]["id"] != r["event"]:
            blocks.append({"event": {"id": r["event"], "name": r["event_name"]}, "teams": []})
        blocks[-1]["teams"].append({k: r[k] for k in ("id", "title", "code", "category_code", "category_name")})
    if not blocks:
        return None
    return {"template": "judging/matches/dashboard_school.html", "blocks": blocks}
