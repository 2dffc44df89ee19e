"""What a match challenge's public screens and team views show, built once per change (issue 14,
"Speed"): :func:`challenge_view` reads the matches, rankings, timing, bracket and team names once
(:func:`judging.robotics.livecache.cached`: rebuilt when the event's fingerprint changes, whichever
worker made the change) and every screen page, every screen stream's state and every team view is
made from it. The ``version`` it carries changes whenever what the screens show does.

:func:`team_card` is one team's matches as a coach follows them on a phone (no log-in): number,
field, time (and how far the day's changes moved it from the planned time), alliance colour,
partners and opponents, the scores once committed, and the team's rank and ranking points."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from app import times
from app.errors import NotFound
from app.i18n import _
from judging.matches import rankings as ranking_rules
from judging.matches import services
from judging.robotics import livecache
from judging.robotics import services as robotics

SHIFT_SHOWN_SECONDS = 60  # a match moved by less than this is "as planned"


def clock(value: Any) -> str:
    """``09:05``: a time in Asia/Shanghai; ``""`` without one."""
    parsed = times.parse_time(value)
    return parsed.astimezone(times.SHANGHAI).strftime("%H:%M") if parsed else ""


def _version(matches: list[dict[str, Any]], teams: list[dict[str, Any]], bracket: Any, timing: Any) -> str:
    ranks = [(t["entry_id"], t["rank"], t["ranking_points"], t["played"], t["average_score"]) for t in teams]
    text = json.dumps([matches, ranks, bracket, timing], default=str, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


async def _build(event_id: int, code: str) -> dict[str, Any]:
    event = await robotics.robotics_event(event_id)
    challenge = next((c for c in await services.match_challenges(event_id) if c["code"] == code), None)
    if challenge is None:
        raise NotFound(_("赛项“{code}”还没有对抗赛赛程。", code=code))
    teams = await services.challenge_teams(event_id, code)
    matches = (await services.list_matches(event_id, code))["matches"]
    table = await services.rankings(event_id, code)
    timing = await services.timing(event_id, code)
    try:
        bracket: dict[str, Any] | None = await services.bracket_state(event_id, code)
    except NotFound:
        bracket = None
    return {
        "event": {k: event[k] for k in ("id", "name", "year", "status")},
        "challenge": challenge,
        "teams": [dict(t) for t in teams],
        "names": {t["id"]: t["title"] for t in teams},
        "matches": matches,
        "rule": table["rule"],
        "rankings": table["teams"],
        "behind_seconds": timing["behind_seconds"],
        "bracket": bracket,
        "planned": await services.planned_times(event_id, code),
        "version": _version(matches, table["teams"], bracket, timing),
    }


async def challenge_view(event_id: int, code: str) -> dict[str, Any]:
    """The public match challenge ``code`` as its screens show it, in the current language:
    ``{"event", "challenge", "teams", "names", "matches", "rule", "rankings", "behind_seconds",
    "bracket", "planned", "version"}``. 404 for an unknown, draft or non-robotics event and for a
    challenge without a schedule or bracket. Shared by many readers: never change what it answers."""
    code = str(code or "").strip().upper()

    async def build() -> dict[str, Any]:
        return await _build(event_id, code)

    return await livecache.cached(event_id, f"screens:{code}", build)


def find_teams(view: dict[str, Any], query: str) -> list[dict[str, Any]]:
    """The challenge's teams whose name or number (entry code, or id) contains ``query`` (case
    and surrounding spaces ignored), by name; every team for an empty query."""
    wanted = " ".join(str(query or "").split()).casefold()
    teams = view["teams"]
    if wanted:
        teams = [
            t
            for t in teams
            if wanted in str(t["title"]).casefold()
            or wanted in str(t.get("code") or "").casefold()
            or wanted == str(t["id"])
        ]
    return sorted(teams, key=lambda t: (str(t["title"]), t["id"]))


def shift_text(seconds: int | None) -> str:
    """How far the day's changes moved a match: ``推迟 10 分钟`` / ``提前 5 分钟``; ``""`` when it
    is (within a minute) as planned or has no planned time."""
    if seconds is None or abs(seconds) < SHIFT_SHOWN_SECONDS:
        return ""
    minutes = round(abs(seconds) / 60)
    return _("推迟 {m} 分钟", m=minutes) if seconds > 0 else _("提前 {m} 分钟", m=minutes)


def _decided_by_card(m: dict[str, Any], colour: str, card: str | None, winner: str | None) -> str | None:
    """Why a committed match went against its scores: ``"alliance"`` when the team's alliance
    lost (or failed to win) with at least the other side's score because a team of it was
    disqualified by a red card (in an elimination match one red card is enough; the team's own
    red card is said apart), ``"opponents"`` when it won without the higher score because the
    other alliance was; else ``None``."""
    if winner is None or winner == "tie" or card == "red":
        return None
    try:
        own, theirs = (
            Decimal(str(m[f"{colour}_score"])),
            Decimal(str(m["blue_score" if colour == "red" else "red_score"])),
        )
    except ArithmeticError:
        return None
    if winner != colour and own >= theirs:
        return "alliance"
    if winner == colour and own <= theirs:
        return "opponents"
    return None


def team_card(view: dict[str, Any], entry_id: int) -> dict[str, Any]:
    """One team's matches and standing from :func:`challenge_view`: ``{"team": {"entry_id",
    "code", "team_name", "school_name"}, "rank", "ranking_points", "played", "wins", "losses",
    "ties", "average_score", "behind_seconds", "matches": [{"id", "number", "field", "stage",
    "series", "game", "scheduled_at", "planned_at", "shift_seconds",
    "colour", "surrogate", "partners": [{"entry_id", "team_name"}], "opponents": [...], "status",
    "score", "opponent_score", "card", "result", "decided_by_card"}]}`` in play order (``score``, ``opponent_score``,
    the team's own ``card`` and ``result`` — win / loss / tie, a loss for a red-carded team — once
    committed; ``decided_by_card``: :func:`_decided_by_card`). 404 for a team not in the challenge."""
    team = next((t for t in view["teams"] if t["id"] == entry_id), None)
    if team is None:
        raise NotFound(_("本赛项没有这支队伍（编号 {id}）。", id=entry_id))
    names = view["names"]
    line = next((t for t in view["rankings"] if t["entry_id"] == entry_id), None)

    def named(ids: list[int]) -> list[dict[str, Any]]:
        return [{"entry_id": t, "team_name": names.get(t, str(t))} for t in ids if t != entry_id]

    matches = []
    for m in view["matches"]:
        if entry_id not in m["red"] and entry_id not in m["blue"]:
            continue
        colour = "red" if entry_id in m["red"] else "blue"
        other = "blue" if colour == "red" else "red"
        planned = view["planned"].get(m["number"]) if m["stage"] == "qualification" else None
        scheduled = times.parse_time(m["scheduled_at"])
        planned_at = times.parse_time(planned)
        shift = int((scheduled - planned_at).total_seconds()) if scheduled and planned_at else None
        committed = m["status"] == "committed"
        winner = m["winner"] if committed else None
        card = (m.get("cards") or {}).get(str(entry_id)) if committed else None
        result = None if winner is None else ranking_rules.team_outcome(winner, colour, card)
        matches.append(
            {
                "id": m["id"],
                "number": m["number"],
                "field": m["field"],
                "stage": m["stage"],
                "series": m["series"],
                "game": m["game"],
                "scheduled_at": m["scheduled_at"],
                "planned_at": planned,
                "shift_seconds": shift,
                "colour": colour,
                "surrogate": entry_id in m["surrogates"],
                "partners": named(m[colour]),
                "opponents": named(m[other]),
                "status": m["status"],
                "score": m[f"{colour}_score"] if committed else None,
                "opponent_score": m[f"{other}_score"] if committed else None,
                "card": card,
                "result": result,
                "decided_by_card": _decided_by_card(m, colour, card, winner),
            }
        )
    return {
        "team": {
            "entry_id": entry_id,
            "code": team.get("code") or "",
            "team_name": team["title"],
            "school_name": team["school_name"],
        },
        "rank": line["rank"] if line else None,
        "ranking_points": line["ranking_points"] if line else "0",
        "played": line["played"] if line else 0,
        "wins": line["wins"] if line else 0,
        "losses": line["losses"] if line else 0,
        "ties": line["ties"] if line else 0,
        "average_score": line["average_score"] if line else "0",
        "behind_seconds": view["behind_seconds"],
        "matches": matches,
    }


async def team_matches(event_id: int, code: str, entry_id: int) -> dict[str, Any]:
    """:func:`team_card` of team ``entry_id`` in challenge ``code`` (the public API and the team page)."""
    return team_card(await challenge_view(event_id, code), entry_id)


__all__ = ["challenge_view", "clock", "find_teams", "shift_text", "team_card", "team_matches"]
