"""Public standings of a challenge, kept computed in memory (issue 13 "Speed": recomputed after
each approval in under 50 ms for 400 teams x 3 rounds; ``bench/robotics_runs.py``).

:func:`category_standings` answers what :func:`judging.robotics.services.category_standings`
computes from scratch (the same lines, the same JSON), but keeps per challenge (and database)
the teams with their approved runs, each team's line before ranking
(:func:`judging.robotics.standings.line_of`) and the finished answer per language.

How a cached answer is known to be current, on every read, without trusting any one worker:

- One query reads the challenge, its event and current sheet **and a fingerprint of what the
  standings are made of**: the number of approved runs and the sum of their versions (approving
  adds a run, a correction or a rescore raises a version), the latest approval, the number of
  teams and their latest change. Equal fingerprint and sheet: the cached answer is returned
  (one query). Every worker sees a change made by any other, with or without Redis, and so
  does a change made from the command line.
- What changed: :data:`app.signals.robotics_runs_changed` (sent by the services after an
  approval, a correction of an approved run, a new sheet) names the team; this worker then
  reloads only that team's runs (one query) and recomputes only its line, then re-sorts. The
  fingerprint of the reloaded data must then equal the database's, otherwise (a change
  another worker made, a change without a signal) everything is reloaded.
- A full reload also happens when the sheet changes and at least every
  :data:`FULL_RELOAD_SECONDS` (a school renamed: not part of the fingerprint).
- Readers at the same moment share one read of that query (:func:`_shared_head`): at most one is
  under way per challenge in a worker, and a request arriving meanwhile takes its answer. Without it
  64 visitors at once queued for the 10 pooled PostgreSQL connections, and as asyncio's queue lets a
  newcomer take a connection a waiter was woken for, some waited 300-500 ms (p99 300 ms at a p50 of
  10 ms, ``bench/pages.py``). A change committed while a shared read runs shows from the next read.

Where the time goes (cProfile on ``bench/robotics_runs.py``): computed from scratch, every read
parsed 1,200 rows (``Decimal``, ``datetime``) and computed every team's line; with the team
reloaded alone, the rest was the reason lines (about 2,500 translation look-ups per answer:
now remembered by the two lines' key values, :func:`judging.robotics.standings.order`'s
``memo``) and the ranking itself (signatures now kept on the lines). What is left on SQLite is
mostly its connection per query (two queries per read).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import time
import weakref
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app import times
from app.errors import NotFound
from app.i18n import _, get_locale
from app.settings import get_settings
from competitions.events.tables import Category
from competitions.registration.tables import Entry
from judging.robotics import services, sheets, standings

FULL_RELOAD_SECONDS = 60.0
MAX_CACHED = 256  # challenges kept (per process); the least recently read go first

_HEAD = """
SELECT c.id AS category_id, ev.kind AS kind, ev.status AS status, rs.sheet AS sheet,
    (SELECT COUNT(*) FROM robotics_run r WHERE r.category = c.id AND r.status = 'approved') AS approved,
    (SELECT SUM(r.version) FROM robotics_run r WHERE r.category = c.id AND r.status = 'approved') AS versions,
    (SELECT MAX(r.approved_at) FROM robotics_run r WHERE r.category = c.id AND r.status = 'approved') AS last_approved,
    (SELECT COUNT(*) FROM entry e WHERE e.category = c.id) AS teams,
    (SELECT MAX(e.updated_at) FROM entry e WHERE e.category = c.id) AS teams_changed
FROM category c
JOIN event ev ON ev.id = c.event
LEFT JOIN robotics_sheet rs ON rs.category = c.id
    AND rs.version = (SELECT MAX(v.version) FROM robotics_sheet v WHERE v.category = c.id)
WHERE c.event = {} AND c.code = {}
"""

_TEAMS = """
SELECT e.id AS id, e.title AS title, e.status AS entry_status, e.updated_at AS updated_at,
    e.division AS division, s.name AS school_name, r.round AS round, r.score AS score, r.time_seconds AS time_seconds,
    r.penalties AS penalties, r.approved_at AS approved_at, r.version AS version, r.confirmation AS confirmation
FROM entry e
JOIN school s ON s.id = e.school
LEFT JOIN robotics_run r ON r.entry = e.id AND r.category = e.category AND r.status = 'approved'
WHERE e.category = {}
ORDER BY e.id, r.round
"""

_ONE_TEAM = """
SELECT r.round AS round, r.score AS score, r.time_seconds AS time_seconds, r.penalties AS penalties,
    r.approved_at AS approved_at, r.version AS version, r.confirmation AS confirmation
FROM robotics_run r
WHERE r.entry = {} AND r.category = {} AND r.status = 'approved'
ORDER BY r.round
"""


@dataclass(frozen=True)
class _Run(standings.Run):
    """An approved run with its score and time as stored (answered as is) and its version."""

    score_text: str = ""
    time_text: str | None = None
    version: int = 1
    confirmation: str | None = None  # the captain's word: confirmed | refused | None (not asked)


@dataclass
class _Team:
    row: dict[str, Any]  # id, title, entry_status, school_name, updated_at, division
    runs: list[_Run]
    line: standings.Line | None = None
    shown: dict[str, Any] | None = None  # the answer's fixed part: ids, names, runs
    out: dict[str, dict[str, Any]] = field(default_factory=dict)  # locale -> the team's last answer line


@dataclass
class _Cached:
    sheet_text: str
    sheet: sheets.Sheet
    teams: dict[int, _Team]
    fingerprint: tuple[Any, ...]
    loaded_at: float
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)  # locale -> answer
    reasons: dict[str, dict[Any, str]] = field(default_factory=dict)  # locale -> reason lines by key values
    used_at: float = 0.0


_cache: dict[tuple[str, int], _Cached] = {}
_dirty: dict[tuple[str, int], set[int] | None] = {}  # teams changed since the answer (None: all)


def _key(category_id: int) -> tuple[str, int]:
    return (get_settings().database_url, category_id)


async def on_runs_changed(*, category_id: int, entry_id: int | None = None, **_kwargs: Any) -> None:
    """Receiver of :data:`app.signals.robotics_runs_changed`: note which team changed."""
    key = _key(category_id)
    if key not in _cache:
        return
    if entry_id is None:
        _dirty[key] = None
    else:
        known = _dirty.get(key, set())
        if known is not None:
            known.add(entry_id)
            _dirty[key] = known


def clear() -> None:
    """Forget every cached standing (tests)."""
    _cache.clear()
    _dirty.clear()


def _when(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=times.UTC)
    return dt.datetime.fromisoformat(str(value))


def _stamp(value: Any) -> float | None:
    return None if value is None else _when(value).timestamp()


_decimals: dict[str, Decimal] = {}  # decimal text -> Decimal (scores repeat: parsed once)


def _decimal(text: str) -> Decimal:
    number = _decimals.get(text)
    if number is None:
        if len(_decimals) > 100_000:
            _decimals.clear()
        number = _decimals[text] = Decimal(text)
    return number


def _run(r: dict[str, Any]) -> _Run:
    time_text = r["time_seconds"]
    return _Run(
        round=r["round"],
        score=_decimal(r["score"]),
        time_seconds=_decimal(time_text) if time_text is not None else None,
        penalties=_decimal(r["penalties"]),
        approved_at=_when(r["approved_at"]),
        score_text=r["score"],
        time_text=time_text,
        version=r["version"],
        confirmation=r.get("confirmation"),
    )


def _fingerprint_of(teams: dict[int, _Team]) -> tuple[Any, ...]:
    """The fingerprint of the loaded data, as :data:`_HEAD` computes it in the database."""
    runs = [run for team in teams.values() for run in team.runs]
    changed = [team.row["updated_at"] for team in teams.values() if team.row.get("updated_at") is not None]
    return (
        len(runs),
        sum(run.version for run in runs),
        max((run.approved_at.timestamp() for run in runs), default=None),
        len(teams),
        max((_when(v).timestamp() for v in changed), default=None),
    )


def _fingerprint(head: dict[str, Any]) -> tuple[Any, ...]:
    return (
        int(head["approved"] or 0),
        int(head["versions"] or 0),
        _stamp(head["last_approved"]),
        int(head["teams"] or 0),
        _stamp(head["teams_changed"]),
    )


async def _load_all(category_id: int) -> dict[int, _Team]:
    teams: dict[int, _Team] = {}
    for r in await Entry.raw(_TEAMS, category_id):
        team = teams.get(r["id"])
        if team is None:
            row = {k: r[k] for k in ("id", "title", "entry_status", "school_name", "updated_at", "division")}
            team = teams[r["id"]] = _Team(row=row, runs=[])
        if r["score"] is not None:
            team.runs.append(_run(r))
    return teams


def _shown(team: _Team) -> dict[str, Any]:
    if team.shown is None:
        team.shown = {
            "entry_id": team.row["id"],
            "team_name": team.row["title"],
            "school_name": team.row["school_name"],
            "division": team.row["division"],
            "runs": [
                {
                    "round": run.round,
                    "score": run.score_text,
                    "time_seconds": run.time_text,
                    "status": "approved",
                    "confirmation": run.confirmation,
                }
                for run in team.runs
            ],
        }
    return team.shown


def _answer(cached: _Cached) -> dict[str, Any]:
    """The answer in the current language (made once per change and language)."""
    locale = get_locale()
    answer = cached.answers.get(locale)
    if answer is not None:
        return answer
    lines = []
    for team in cached.teams.values():
        if team.line is None:
            team.line = standings.line_of(cached.sheet, team, team.runs)
        if team.row["entry_status"] == "approved" or team.runs:
            lines.append(team.line)
    teams = []
    memo = cached.reasons.setdefault(locale, {})
    if len(memo) > 20_000:
        memo.clear()
    for line in standings.order_by_division(cached.sheet, lines, lambda line: line.team.row["division"], memo):
        team = line.team
        out = team.out.get(locale)
        if out is None or out["rank"] != line.rank or out["explanation"] != line.explanation:
            score = line.counted_score
            out = team.out[locale] = {
                **_shown(team),
                "rank": line.rank,
                "counted_score": services._text(score) if score is not None else None,
                "explanation": line.explanation,
            }
        teams.append(out)
    answer = cached.answers[locale] = {"teams": teams}
    return answer


_heads_under_way: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[tuple[str, int, str], asyncio.Future[Any]]
] = weakref.WeakKeyDictionary()


async def _shared_head(event_id: int, code: str) -> dict[str, Any]:
    """:func:`_head`, joining a read of the same challenge already under way in this worker (see the
    module). Only an answer is shared: when that read fails or is cancelled, each waiter reads for
    itself (its own error, in its own language)."""
    under_way = _heads_under_way.setdefault(asyncio.get_running_loop(), {})
    key = (get_settings().database_url, event_id, code)
    running = under_way.get(key)
    if running is not None:
        await asyncio.wait({running})  # this request's own cancellation still reaches it
        if not running.cancelled():
            shared: dict[str, Any] = running.result()
            return shared
        return await _head(event_id, code)
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    under_way[key] = future
    try:
        head = await _head(event_id, code)
    except BaseException:
        future.cancel()  # the waiters read for themselves
        raise
    else:
        future.set_result(head)
        return head
    finally:
        under_way.pop(key, None)


async def _head(event_id: int, code: str) -> dict[str, Any]:
    head = await Category.raw(_HEAD, event_id, code) if 1 <= event_id <= services.MAX_ID else []
    if not head or head[0]["kind"] != services.ROBOTICS or head[0]["status"] == "draft":
        await services.challenge(event_id, code)  # says which: unknown event, not robotics, unknown code
        raise NotFound(_("赛事不存在（编号 {id}）。", id=event_id))  # pragma: no cover
    if head[0]["sheet"] is None:
        raise NotFound(_("赛项“{code}”还没有记分表。", code=code))
    row: dict[str, Any] = head[0]
    return row


async def category_standings(event_id: int, code: str) -> dict[str, Any]:
    """Public standings of a challenge, as :func:`judging.robotics.services.category_standings`
    computes them: ``{"teams": [...]}`` in rank order, approved runs only. 404 as it does."""
    code = str(code or "").strip().upper()
    head = await _shared_head(event_id, code)
    key = _key(head["category_id"])
    sheet_text = head["sheet"] if isinstance(head["sheet"], str) else json.dumps(head["sheet"], sort_keys=True)
    wanted = _fingerprint(head)
    now = time.monotonic()
    cached = _cache.get(key)
    if cached is not None and (cached.sheet_text != sheet_text or now - cached.loaded_at > FULL_RELOAD_SECONDS):
        cached = None
    if cached is not None and cached.fingerprint != wanted:
        dirty = _dirty.pop(key, None)
        if dirty:  # this worker knows which teams changed: reload those
            await _reload_teams(head["category_id"], cached, dirty)
        if cached.fingerprint != wanted:
            cached = None
    if cached is None:
        _dirty.pop(key, None)
        teams = await _load_all(head["category_id"])
        cached = _Cached(
            sheet_text=sheet_text,
            sheet=services._parsed(head["sheet"]),
            teams=teams,
            fingerprint=_fingerprint_of(teams),
            loaded_at=now,
        )
        if len(_cache) >= MAX_CACHED:
            del _cache[min(_cache, key=lambda k: _cache[k].used_at)]
        _cache[key] = cached
    cached.used_at = now
    return _answer(cached)


async def _reload_teams(category_id: int, cached: _Cached, entry_ids: set[int]) -> None:
    """Read the approved runs of ``entry_ids`` again and update the fingerprint by the difference
    (approval times only grow: the latest approval is the larger of the two)."""
    count, versions, last, *rest = cached.fingerprint
    for entry_id in sorted(entry_ids):
        team = cached.teams.get(entry_id)
        if team is None:
            continue  # a team this cache does not know: the fingerprint will differ, all is reloaded
        runs = [_run(r) for r in await Entry.raw(_ONE_TEAM, entry_id, category_id)]
        count += len(runs) - len(team.runs)
        versions += sum(r.version for r in runs) - sum(r.version for r in team.runs)
        for run in runs:
            stamp = run.approved_at.timestamp()
            last = stamp if last is None or stamp > last else last
        team.runs = runs
        team.line = None
        team.shown = None
        team.out.clear()
    cached.answers.clear()
    cached.fingerprint = (count, versions, last, *rest)


async def version(event_id: int, code: str) -> str:
    """A short text that changes whenever the challenge's standings change (live pages compare it
    with what they show)."""
    answer = await category_standings(event_id, code)
    text = json.dumps(
        [(t["entry_id"], t["division"], t["rank"], t["counted_score"], t["runs"]) for t in answer["teams"]],
        separators=(",", ":"),
    )
    return hashlib.sha1(text.encode()).hexdigest()[:12]
