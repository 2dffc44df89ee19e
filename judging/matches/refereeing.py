"""What the referee's tablet and the head referee read about matches (issue 14 item 3): a challenge's
matches for scoring, the scored matches waiting for commit, one match with every version. Writing
goes through :func:`judging.matches.services.score_match` and ``commit_match`` (the JSON API's
services). Referees see team codes, names and schools only (never members' personal data)."""

from __future__ import annotations

from typing import Any

from app import times
from app.errors import NotFound
from app.i18n import _
from app.principal import Principal
from competitions.registration.tables import Entry
from judging.matches import services
from judging.matches.tables import Match, MatchPlan, MatchVersion
from judging.robotics import services as robotics

STATUSES = ("scheduled", "scored", "committed")


async def has_schedule(category_ids: list[int]) -> set[int]:
    """Which of these challenges have a match schedule (or matches of a bracket)."""
    if not category_ids:
        return set()
    planned = {
        r["category"] for r in await MatchPlan.select(MatchPlan.category).where(MatchPlan.category.is_in(category_ids))
    }
    played = {
        r["category"] for r in await Match.select(Match.category).where(Match.category.is_in(category_ids)).distinct()
    }
    return planned | played


async def _rights(actor: Principal, event_id: int, code: str, head: bool = False) -> tuple[dict[str, Any], bool]:
    category = await robotics.challenge(event_id, code, actor)
    rights = await robotics._referee_or_organizer(actor, category["id"], head=head)
    return category, bool(rights["head"])


async def _teams(category_id: int) -> dict[int, dict[str, Any]]:
    rows = await Entry.select(Entry.id, Entry.code, Entry.title, Entry.school.name.as_alias("school_name")).where(
        Entry.category == category_id
    )
    return {
        r["id"]: {"code": r["code"] or "", "title": r["title"], "school_name": r["school_name"] or ""} for r in rows
    }


async def _latest_versions(match_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Each match's latest stored version: ``{match id: {"data", "by", "at", "reason"}}``."""
    if not match_ids:
        return {}
    rows = await (
        MatchVersion.select(
            MatchVersion.match,
            MatchVersion.version,
            MatchVersion.data,
            MatchVersion.changed_at,
            MatchVersion.reason,
            MatchVersion.changed_by.display_name.as_alias("by_name"),
            MatchVersion.changed_by.username.as_alias("by_username"),
        )
        .where(MatchVersion.match.is_in(match_ids))
        .order_by(MatchVersion.version)
        .output(load_json=True)
    )
    latest: dict[int, dict[str, Any]] = {}
    for r in rows:
        latest[r["match"]] = {
            "version": r["version"],
            "data": r["data"] or {},
            "by": r["by_name"] or r["by_username"] or "",
            "at": services._iso(r["changed_at"]),
            "reason": r["reason"],
        }
    return latest


def _side(row: dict[str, Any], side: str, version: dict[str, Any] | None) -> dict[str, Any]:
    stored = (version or {}).get("data", {}).get(side, {}) if version else {}
    carded = services.team_cards(row)
    return {
        "teams": list(row[side]),
        "score": row[f"{side}_score"],
        "card": row[f"{side}_card"],
        "cards": {t: carded[t] for t in row[side] if t in carded},
        "items": row[f"{side}_items"] or {},
        "confirmation": stored.get("confirmation"),
        "confirmation_note": stored.get("confirmation_note", ""),
    }


def _match_view(row: dict[str, Any], version: dict[str, Any] | None, names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "number": row["number"],
        "field": row["field"],
        "stage": row["stage"],
        "series": row["series"],
        "game": row["game"],
        "scheduled_at": services._iso(row["scheduled_at"]),
        "clock": (services._iso(row["scheduled_at"]) or "")[11:16],  # HH:MM in Asia/Shanghai
        "surrogates": list(row["surrogates"]),
        "status": row["status"],
        "version": row["version"],
        "winner": row["winner"],
        "red": _side(row, "red", version),
        "blue": _side(row, "blue", version),
        "scored_by": version["by"] if version else "",
        "scored_at": version["at"] if version else None,
        "committed_by": names.get(row["committed_by"], "") if row["committed_by"] else "",
        "committed_at": services._iso(row["committed_at"]),
        "scored_at_text": times.show_time(version["at"]) if version else "",
        "committed_at_text": times.show_time(row["committed_at"]),
    }


async def _names(user_ids: set[int]) -> dict[int, str]:
    from app.tables import User

    if not user_ids:
        return {}
    rows = await User.select(User.id, User.display_name, User.username).where(User.id.is_in(sorted(user_ids)))
    return {r["id"]: r["display_name"] or r["username"] for r in rows}


async def _views(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    latest = await _latest_versions([r["id"] for r in rows if r["version"]])
    names = await _names({r["committed_by"] for r in rows if r["committed_by"]})
    return [_match_view(r, latest.get(r["id"]), names) for r in rows]


async def referee_matches(actor: Principal, event_id: int, code: str) -> dict[str, Any]:
    """A challenge's matches for a referee's tablet, in play order, and what the form needs:
    ``{"challenge", "head", "sheet": {"version", ...}, "teams": {entry id: {"code", "title",
    "school_name"}}, "fields": [numbers], "matches": [{"id", "number", "field", "scheduled_at",
    "status", "version", "winner", "red": {"teams", "score", "card" (every team's), "cards"
    ({entry id: card} per team), "items", "confirmation", "confirmation_note"}, "blue": {...}, "surrogates", "scored_by", "scored_at", "committed_by",
    "committed_at"}]}``. 404 when the challenge has no matches or the referee is not its referee."""
    category, head = await _rights(actor, event_id, code)
    latest = await robotics._latest_sheet_row(category["id"])
    if latest is None:
        raise NotFound(_("赛项“{code}”还没有记分表。", code=category["code"]))
    rows = await Match.select().where(Match.category == category["id"]).order_by(Match.number).output(load_json=True)
    if not rows:
        raise NotFound(_("赛项“{code}”还没有比赛赛程。", code=category["code"]))
    return {
        "challenge": category,
        "head": head,
        "sheet": {**latest["sheet"], "version": latest["version"]},
        "teams": await _teams(category["id"]),
        "fields": sorted({r["field"] for r in rows}),
        "matches": await _views(rows),
    }


async def matches_for_review(
    actor: Principal, event_id: int, code: str, status: str | None = "scored"
) -> dict[str, Any]:
    """The head referee's list (or an organizer's): the challenge's matches with ``status``
    (``scored``: waiting for commit; ``committed``; ``None``: both), in play order, each with both
    alliances' items, totals, cards and confirmations and who recorded it. 403 for a referee who
    is not the head referee. ``{"challenge", "sheet", "teams", "matches"}``."""
    category, _head = await _rights(actor, event_id, code, head=True)
    latest = await robotics._latest_sheet_row(category["id"])
    wanted = [status] if status in ("scored", "committed") else ["scored", "committed"]
    rows = await (
        Match.select()
        .where((Match.category == category["id"]) & Match.status.is_in(wanted))
        .order_by(Match.number)
        .output(load_json=True)
    )
    return {
        "challenge": category,
        "sheet": latest["sheet"] if latest else None,
        "teams": await _teams(category["id"]),
        "matches": await _views(rows),
    }


async def match_for_page(actor: Principal, match_id: int) -> dict[str, Any]:
    """One match for its page: the view of :func:`referee_matches` plus ``event_id``,
    ``category_code``, ``head`` (may commit and correct after commit), ``sheet`` (the current
    sheet's source), ``teams`` and ``history`` (every version, oldest first). 404 as the API."""
    row, referee = await services._match_for(actor, match_id)
    category = await robotics.challenge(row["event"], await services._code(row["category"]), actor)
    latest = await robotics._latest_sheet_row(category["id"])
    (view,) = await _views([row])
    return {
        **view,
        "event_id": row["event"],
        "category_code": category["code"],
        "challenge": category,
        "head": referee is None or bool(referee["head"]),
        "sheet": latest["sheet"] if latest else None,
        "teams": await _teams(category["id"]),
        "history": await services.match_history(actor, match_id),
    }
