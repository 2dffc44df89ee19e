"""Matches on the event's live stream (CONTRACT.md: ``GET /api/v1/events/{event_id}/live``, built
by judging/robotics/live.py): on connect the state adds ``"matches"``, per match challenge its
matches, rankings and bracket; then ``event: match`` ``{"event_id", "category_code", "match_id",
"what"}`` after a match is scored or committed or the schedule changes, and ``event: bracket``
``{"event_id", "category_code"}`` when the bracket is made or advances. Screens fetch what they show."""

from __future__ import annotations

import logging
from typing import Any

from app import live
from app.errors import NotFound
from competitions.events.tables import Category
from judging.matches import services
from judging.matches.tables import Bracket, MatchPlan
from judging.robotics.live import event_topic

log = logging.getLogger("xinmiao.matches")


#: what the event's live state and the screens are made of, beside robotics' own
#: (:func:`judging.robotics.livecache.add_fingerprint_columns`): scoring raises a match's version,
#: committing counts and dates it, a regenerated schedule or a new elimination game adds matches,
#: the day's changes and the ranking rule touch the plan, a new bracket replaces the bracket.
FINGERPRINT = (
    "(SELECT COUNT(*) FROM robotics_match m WHERE m.event = ev.id) AS matches",
    "(SELECT MAX(m.id) FROM robotics_match m WHERE m.event = ev.id) AS last_match",
    "(SELECT SUM(m.version) FROM robotics_match m WHERE m.event = ev.id) AS match_versions",
    "(SELECT MAX(m.updated_at) FROM robotics_match m WHERE m.event = ev.id) AS matches_changed",
    "(SELECT COUNT(*) FROM robotics_match m WHERE m.event = ev.id AND m.status = 'committed') AS committed",
    "(SELECT MAX(m.committed_at) FROM robotics_match m WHERE m.event = ev.id) AS last_committed",
    "(SELECT COUNT(*) FROM match_plan p WHERE p.event = ev.id) AS plans",
    "(SELECT MAX(p.id) FROM match_plan p WHERE p.event = ev.id) AS last_plan",
    "(SELECT MAX(p.updated_at) FROM match_plan p WHERE p.event = ev.id) AS plans_changed",
    "(SELECT COUNT(*) FROM robotics_bracket b WHERE b.event = ev.id) AS brackets",
    "(SELECT MAX(b.id) FROM robotics_bracket b WHERE b.event = ev.id) AS last_bracket",
)


def challenge_topic(event_id: int, code: str) -> str:
    """The stream of one match challenge's screens (leaderboard, now/next, queue, bracket)."""
    return f"matches:{event_id}:{code}"


async def on_matches_changed(
    *, event_id: int, category_code: str, what: str, match_id: int | None = None, **_: Any
) -> None:
    """Receiver of :data:`app.signals.matches_changed`; never raises (a screen is not worth failing a commit)."""
    try:
        data = {"event_id": event_id, "category_code": category_code, "match_id": match_id, "what": what}
        kind = "bracket" if what == "bracket" else "match"
        await live.publish(event_topic(event_id), data, event=kind, coalesce=f"{kind}:{category_code}")
        await live.publish(challenge_topic(event_id, category_code), data, event=kind)
    except Exception:  # noqa: BLE001
        log.exception("live update of matches failed")


async def challenge_state(event_id: int, code: str) -> dict[str, Any]:
    """One match challenge as its screens need it: matches, rankings and (if any) the bracket."""
    state: dict[str, Any] = {
        "code": code,
        "matches": (await services.list_matches(event_id, code))["matches"],
        "rankings": (await services.rankings(event_id, code))["teams"],
        "bracket": None,
    }
    try:
        state["bracket"] = await services.bracket_state(event_id, code)
    except NotFound:
        pass
    return state


async def matches_state(event_id: int) -> dict[str, Any]:
    """The ``matches`` part of the event's live state: ``{"matches": [challenge states]}``."""
    ids = {r["category"] for r in await MatchPlan.select(MatchPlan.category).where(MatchPlan.event == event_id)}
    ids |= {r["category"] for r in await Bracket.select(Bracket.category).where(Bracket.event == event_id)}
    if not ids:
        return {"matches": []}
    rows = await Category.select(Category.id, Category.code).where(Category.id.is_in(sorted(ids))).order_by(Category.id)
    return {"matches": [await challenge_state(event_id, r["code"]) for r in rows]}
