"""Match services (issue 14; CONTRACT.md "Robotics: matches"): the qualification schedule and its
changes on the day, scoring and committing matches, rankings, the alliance selection and the
elimination bracket. The rules live in the pure modules beside this one (:mod:`.schedule`,
:mod:`.rankings`, :mod:`.alliances`, :mod:`.brackets`); a match's alliances are scored on the
challenge's score sheet (:mod:`judging.robotics.sheets`).

Who may do what: organizers plan (schedule, changes, bracket, selection) and commit; a referee of
the challenge scores its matches; its head referee also commits and corrects committed matches
(with a reason); the public reads matches (committed scores only), rankings and the bracket.
Generating a schedule runs in another process (:func:`app.jobs.call`): a search of several
seconds never holds the server's event loop.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

from app import audit, jobs, signals, times
from app.db import is_sqlite, write_transaction
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.i18n import _
from app.principal import Principal
from competitions.events.tables import Category
from competitions.registration.tables import Entry
from judging.matches import alliances as selection_rules
from judging.matches import brackets as bracket_rules
from judging.matches import placing
from judging.matches import rankings as ranking_rules
from judging.matches import schedule as schedule_rules
from judging.matches.rule_errors import RuleError
from judging.matches.tables import AllianceSelection, Bracket, Match, MatchPlan, MatchVersion
from judging.robotics import services as robotics
from judging.robotics import sheets
from judging.robotics.ranking import Place
from judging.scoring.rules import round_half_up

SCHEDULE_JOB = "matches.schedule"
PLAYED = ("scored", "committed")
CARDS = ("yellow", "red")
MAX_TEAMS_PER_ALLIANCE = schedule_rules.MAX_ALLIANCE

#: the pure modules' reasons (English keys) in the words users read
_REASONS = {
    "teams per alliance must be 1 to {max}": "每个联盟的队伍数必须是 1 到 {max}。",
    "each team needs at least one match": "每支队伍至少要有 1 场比赛。",
    "at least one field is needed": "至少需要 1 块场地。",
    "the gap cannot be negative": "间隔场次不能是负数。",
    "a match needs {n} teams but only {teams} are registered": "每场比赛需要 {n} 支队伍，但只有 {teams} 支队伍。",
    "with {teams} teams and {n} per match a round has {per_round} matches, so the gap can be at most {most}": (
        "{teams} 支队伍、每场 {n} 支时，每轮只有 {per_round} 场，间隔最多只能是 {most} 场。"
    ),
    "with {teams} teams and {n} per match at most {most} matches can be played at once": (
        "{teams} 支队伍、每场 {n} 支时，最多只能同时进行 {most} 场，请减少场地数。"
    ),
    "on {fields} fields each wave plays {used} of {teams} teams and rests {rest}, so at least {repeat} "
    "teams play again in the next wave, at most {most} matches later and only from the first field to "
    "the last; a gap of {gap} would keep the same teams together: the largest gap found is {suggest}": (
        "{fields} 块场地同时比赛时，每波有 {used} 支队伍上场，{teams} 支队伍中只有 {rest} 支休息，"
        "所以每波至少有 {repeat} 支队伍下一波又要上场；它们两场之间最多只隔 {most} 场，而且只有前一波在第 1 块场地、"
        "后一波在最后一块场地才隔得够。间隔 {gap} 场只能让同样的几支队伍一直在一起比赛。"
        "能排出的最大间隔是 {suggest} 场：请把间隔减小到 {suggest}，或减少场地。"
    ),
    "no schedule found that keeps {gap} matches between a team's matches on {fields} fields; "
    "the largest gap found is {suggest}": (
        "没有找到每队两场之间间隔 {gap} 场、{fields} 块场地同时进行的赛程；能排出的最大间隔是 {suggest} 场，"
        "请把间隔减小到 {suggest}，或减少场地。"
    ),
    "no schedule found that keeps {gap} matches between a team's matches on {fields} fields; lower the gap or use fewer fields": (
        "没有找到每队两场之间间隔 {gap} 场、{fields} 块场地同时进行的赛程，请减小间隔或减少场地。"
    ),
    "a team is listed twice": "有队伍重复。",
    "a bracket needs {lo} to {hi} alliances": "淘汰赛需要 {lo} 到 {hi} 个联盟。",
    "the format must be single or double": "赛制只能是 single（单败）或 double（双败）。",
    "a series is best of 1, 3 or 5": "每组对阵只能是 1、3 或 5 局。",
    "the order must be serpentine or straight": "选择顺序只能是 serpentine（蛇形）或 straight（顺序）。",
    "at least 2 alliances are needed": "至少需要 2 个联盟。",
    "an alliance has 1 to 4 teams": "每个联盟有 1 到 4 支队伍。",
    "{n} alliances of {size} need {need} teams; {have} are ranked": "{n} 个 {size} 队联盟需要 {need} 支队伍，现在只有 {have} 支有排名。",
    "the selection is over": "联盟选择已经结束。",
    "team {team} is already on an alliance": "队伍 {team} 已经在某个联盟中。",
    "team {team} declined an invitation and cannot be picked": "队伍 {team} 拒绝过邀请，不能再被选择。",
}


def _refused(error: RuleError) -> ValidationFailed:
    message = _(_REASONS.get(error.message, error.message), **error.params)
    return ValidationFailed(message, errors=[{"field": error.field, "message": message}])


def _int(data: dict[str, Any], key: str, label: str, default: int | None = None, lo: int = 0, hi: int = 10_000) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        if isinstance(value, str) and value.strip().isdigit() and lo <= int(value) <= hi:
            return int(value)
        message = _("{label}必须是 {lo} 到 {hi} 之间的整数。", label=label, lo=lo, hi=hi)
        raise ValidationFailed(message, errors=[{"field": key, "message": message}])
    return value


# --- reading ----------------------------------------------------------------------------------------


async def _teams(category_id: int) -> list[dict[str, Any]]:
    """The challenge's approved teams: ``[{"id", "code", "title", "school_name"}]`` by id."""
    return await (
        Entry.select(Entry.id, Entry.code, Entry.title, Entry.school.name.as_alias("school_name"))
        .where((Entry.category == category_id) & (Entry.status == "approved"))
        .order_by(Entry.id)
    )


async def _sheet(category: dict[str, Any]) -> sheets.Sheet:
    row = await robotics._latest_sheet_row(category["id"])
    if row is None:
        raise Conflict(_("赛项“{code}”还没有记分表，请先设置记分表。", code=category["code"]))
    return sheets.parse_sheet(row["sheet"])


def _iso(value: Any) -> str | None:
    """An ISO 8601 time with the Asia/Shanghai offset (``2026-07-01T09:00:00+08:00``)."""
    parsed = times.parse_time(value)
    return parsed.astimezone(times.SHANGHAI).isoformat() if parsed else None


def _match_answer(row: dict[str, Any], public: bool) -> dict[str, Any]:
    shown = row["status"] == "committed" or not public
    return {
        "id": row["id"],
        "number": row["number"],
        "field": row["field"],
        "stage": row["stage"],
        "series": row["series"],
        "game": row["game"],
        "red": list(row["red"]),
        "blue": list(row["blue"]),
        "surrogates": list(row["surrogates"]),
        "scheduled_at": _iso(row["scheduled_at"]),
        "status": row["status"],
        "red_score": row["red_score"] if shown else None,
        "blue_score": row["blue_score"] if shown else None,
        "red_card": row["red_card"] if shown else None,
        "blue_card": row["blue_card"] if shown else None,
        "cards": {str(t): c for t, c in team_cards(row).items()} if shown else {},
        "winner": row["winner"] if shown else None,
    }


def team_cards(row: dict[str, Any]) -> dict[int, str]:
    """The match's carded teams, ``{entry id: "yellow"|"red"}``: the per-team cards with an
    alliance's card (``red_card``/``blue_card``, all a match scored before per-team cards has)
    given to every team of it (the more severe card when both are set)."""
    own = {int(k): v for k, v in (row.get("cards") or {}).items() if v in CARDS}
    out: dict[int, str] = {}
    for side in ("red", "blue"):
        for team in row[side]:
            card = ranking_rules.worse(own.get(team), row.get(f"{side}_card"))
            if card:
                out[team] = card
    return out


async def _matches(category_id: int) -> list[dict[str, Any]]:
    return await Match.select().where(Match.category == category_id).order_by(Match.number).output(load_json=True)


async def list_matches(event_id: int, code: str, viewer: Principal | None = None) -> dict[str, Any]:
    """``{"matches": [...]}`` in play order; the public sees scores of committed matches only."""
    category = await robotics.challenge(event_id, code, viewer)
    public = viewer is None or viewer.role not in ("organizer", "referee")
    rows = await _matches(category["id"])
    return {"matches": [_match_answer(r, public) for r in rows]}


async def _plan(category_id: int) -> dict[str, Any] | None:
    return await MatchPlan.select().where(MatchPlan.category == category_id).first().output(load_json=True)


def _quality(q: schedule_rules.Quality) -> dict[str, Any]:
    return {
        "penalty": q.penalty,
        "min_gap": q.min_gap,
        "repeated_partners": q.repeated_partners,
        "repeated_opponents": q.repeated_opponents,
        "colour_imbalance": q.colour_imbalance,
    }


# --- the qualification schedule (run in another process) --------------------------------------------


async def schedule_job(
    *,
    teams: list[int],
    matches_per_team: int,
    teams_per_alliance: int,
    fields: int,
    min_gap: int,
    seed: int,
    played: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The job behind :data:`SCHEDULE_JOB`: a schedule (or, with ``played``, the rest of one) as
    JSON values: ``{"matches": [{"number", "field", "red", "blue", "surrogates"}], "quality"}`` or
    ``{"error": {"field", "message", "params"}}`` for inputs no schedule satisfies."""
    try:
        if played is None:
            result = schedule_rules.generate(teams, matches_per_team, teams_per_alliance, fields, min_gap, seed)
        else:
            history = [
                schedule_rules.Match(
                    number=m["number"],
                    field=m["field"],
                    wave=0,
                    red=tuple(m["red"]),
                    blue=tuple(m["blue"]),
                    surrogates=tuple(m["surrogates"]),
                )
                for m in played
            ]
            result = schedule_rules.regenerate(
                history, teams, matches_per_team, teams_per_alliance, fields, min_gap, seed
            )
    except schedule_rules.ScheduleError as error:
        return {"error": {"field": error.field, "message": error.message, "params": error.params}}
    return {
        "matches": [
            {
                "number": m.number,
                "field": m.field,
                "red": list(m.red),
                "blue": list(m.blue),
                "surrogates": list(m.surrogates),
            }
            for m in result.matches
        ],
        "quality": _quality(result.quality),
    }


async def _run_schedule_job(kwargs: dict[str, Any], in_process: bool = False) -> dict[str, Any]:
    result: dict[str, Any] = await (schedule_job(**kwargs) if in_process else jobs.call(SCHEDULE_JOB, kwargs))
    if "error" in result:
        error = result["error"]
        raise _refused(schedule_rules.ScheduleError(error["field"], error["message"], **error["params"]))
    return result


def _adjustments(plan: dict[str, Any]) -> list[schedule_rules.Adjustment]:
    return [
        schedule_rules.Adjustment(int(a["from_match"]), a["kind"], int(a["seconds"])) for a in plan["adjustments"] or []
    ]


def _times(plan: dict[str, Any], count: int) -> list[dt.datetime | None]:
    if plan["starts_at"] is None:
        return [None] * count
    start = times.parse_time(plan["starts_at"])
    assert start is not None
    return list(schedule_rules.timetable(count, plan["fields"], start, plan["cycle_seconds"], _adjustments(plan)))


def _starts_at(data: dict[str, Any]) -> dt.datetime | None:
    value = data.get("starts_at")
    if value in (None, ""):
        return None
    try:
        return times.from_local_input(str(value))
    except ValueError:
        message = _("开始时间格式不对，请写成 2026-07-01T09:00。")
        raise ValidationFailed(message, errors=[{"field": "starts_at", "message": message}]) from None


async def _insert_qualification(
    event_id: int, category_id: int, made: list[dict[str, Any]], starts: list[dt.datetime | None], now: dt.datetime
) -> None:
    """Store the schedule job's matches (``{"number", "field", "red", "blue", "surrogates"}``) as
    qualification matches; ``starts[number - 1]`` is each one's time (inside the caller's transaction)."""
    rows = [
        Match(
            event=event_id,
            category=category_id,
            number=m["number"],
            field=m["field"],
            stage="qualification",
            red=m["red"],
            blue=m["blue"],
            surrogates=m["surrogates"],
            scheduled_at=starts[m["number"] - 1],
            updated_at=now,
        )
        for m in made
    ]
    for i in range(0, len(rows), 200):
        await Match.insert(*rows[i : i + 200])


async def create_schedule(
    actor: Principal, event_id: int, code: str, data: dict[str, Any], *, in_process: bool = False
) -> dict[str, Any]:
    """Generate the challenge's qualification schedule from ``{"matches_per_team", "teams_per_alliance",
    "fields", "min_gap", "seed"?, "starts_at"?, "cycle_seconds"?}`` for its approved teams, replacing
    a schedule nobody has played yet. 409 once a qualification match is scored (change the rest
    with :func:`regenerate`), 422 naming the input no schedule can satisfy. Answers
    ``{"seed", "matches", "quality"}`` (CONTRACT). ``in_process``: search in this process (the
    demo's builder, where no request waits) instead of another one."""
    category = await robotics.challenge(event_id, code, actor)
    await _sheet(category)
    settings = {
        "matches_per_team": _int(data, "matches_per_team", _("每队场数"), None, 1, 50),
        "teams_per_alliance": _int(data, "teams_per_alliance", _("每个联盟的队伍数"), None, 1, MAX_TEAMS_PER_ALLIANCE),
        "fields": _int(data, "fields", _("场地数"), 1, 1, 20),
        "min_gap": _int(data, "min_gap", _("最小间隔场次"), 0, 0, 50),
        "seed": _int(data, "seed", _("随机种子"), secrets.randbelow(1_000_000), 0, 2**31 - 1),
        "cycle_seconds": _int(data, "cycle_seconds", _("每场用时（秒）"), 360, 30, 7200),
    }
    starts_at = _starts_at(data)
    existing = await _matches(category["id"])
    if any(m["status"] in PLAYED for m in existing):
        raise Conflict(_("已有比赛记录了成绩，不能重新生成整个赛程；请用“调整剩余赛程”只重排还没比的场次。"))
    teams = await _teams(category["id"])
    result = await _run_schedule_job(
        {
            "teams": [t["id"] for t in teams],
            **{k: settings[k] for k in ("matches_per_team", "teams_per_alliance", "fields", "min_gap", "seed")},
        },
        in_process,
    )

    async def work() -> None:
        now = times.now()
        await Match.delete().where(Match.category == category["id"])
        await MatchPlan.delete().where(MatchPlan.category == category["id"])
        plan = MatchPlan(
            event=event_id,
            category=category["id"],
            starts_at=starts_at,
            adjustments=[],
            quality=result["quality"],
            ranking={},
            draws={},
            created_by=actor.id,
            created_at=now,
            updated_at=now,
            **settings,
        )
        await MatchPlan.insert(plan)
        starts = _times({**settings, "starts_at": starts_at, "adjustments": []}, len(result["matches"]))
        await _insert_qualification(event_id, category["id"], result["matches"], starts, now)
        await audit.record(
            actor,
            "matches.schedule",
            "category",
            category["id"],
            event_id=event_id,
            summary=_(
                "赛项 {code} 排位赛赛程：{n} 场，种子 {seed}",
                code=category["code"],
                n=len(result["matches"]),
                seed=settings["seed"],
            ),
        )

    await write_transaction(work)
    await _changed(event_id, category["code"], "schedule")
    rows = await _matches(category["id"])
    return {"seed": settings["seed"], "matches": [_match_answer(r, False) for r in rows], "quality": result["quality"]}


async def regenerate(actor: Principal, event_id: int, code: str, data: dict[str, Any]) -> dict[str, Any]:
    """Schedule again the matches not yet played, for the teams as they are now: ``{"drop": [entry
    ids]}`` leaves no-shows out of the rest, teams approved since join with every match they need,
    matches up to the last one played are kept as they are (scores included). ``seed``, ``fields``
    and ``min_gap`` optional (fewer teams may need fewer fields)."""
    category = await robotics.challenge(event_id, code, actor)
    plan = await _plan(category["id"])
    if plan is None:
        raise Conflict(_("赛项“{code}”还没有赛程。", code=category["code"]))
    drop = {int(x) for x in data.get("drop") or [] if str(x).strip().isdigit()}
    seed = _int(data, "seed", _("随机种子"), secrets.randbelow(1_000_000), 0, 2**31 - 1)
    fields = _int(data, "fields", _("场地数"), plan["fields"], 1, 20)
    min_gap = _int(data, "min_gap", _("最小间隔场次"), plan["min_gap"], 0, 50)
    existing = [m for m in await _matches(category["id"]) if m["stage"] == "qualification"]
    last_played = max((m["number"] for m in existing if m["status"] in PLAYED), default=0)
    kept = [m for m in existing if m["number"] <= last_played]
    teams = [t["id"] for t in await _teams(category["id"]) if t["id"] not in drop]
    result = await _run_schedule_job(
        {
            "teams": teams,
            "matches_per_team": plan["matches_per_team"],
            "teams_per_alliance": plan["teams_per_alliance"],
            "fields": fields,
            "min_gap": min_gap,
            "seed": seed,
            "played": [{k: m[k] for k in ("number", "field", "red", "blue", "surrogates")} for m in kept],
        }
    )

    async def work() -> None:
        now = times.now()
        await Match.delete().where(
            (Match.category == category["id"]) & (Match.stage == "qualification") & (Match.number > last_played)
        )
        starts = _times(plan, last_played + len(result["matches"]))
        await _insert_qualification(event_id, category["id"], result["matches"], starts, now)
        await MatchPlan.update(
            {
                MatchPlan.quality: result["quality"],
                MatchPlan.fields: fields,
                MatchPlan.min_gap: min_gap,
                MatchPlan.updated_at: now,
            }
        ).where(MatchPlan.id == plan["id"])
        await audit.record(
            actor,
            "matches.regenerate",
            "category",
            category["id"],
            event_id=event_id,
            summary=_(
                "赛项 {code} 第 {n} 场之后重新排程（种子 {seed}）", code=category["code"], n=last_played, seed=seed
            ),
            changes={"drop": [None, sorted(drop)]},
        )

    await write_transaction(work)
    await _changed(event_id, category["code"], "schedule")
    rows = await _matches(category["id"])
    return {"seed": seed, "matches": [_match_answer(r, False) for r in rows], "quality": result["quality"]}


async def adjust(actor: Principal, event_id: int, code: str, data: dict[str, Any]) -> dict[str, Any]:
    """Shift the rest of the day: ``{"kind": "delay"|"break"|"cycle", "from_match", "seconds"}``.
    Matches not yet played get their new times; answers ``{"matches", "behind_seconds"}``
    (:func:`timing`: how far the last started match ran behind the time it was then due, negative
    when ahead)."""
    category = await robotics.challenge(event_id, code, actor)
    plan = await _plan(category["id"])
    if plan is None:
        raise Conflict(_("赛项“{code}”还没有赛程。", code=category["code"]))
    if plan["starts_at"] is None:
        raise Conflict(_("赛程没有开始时间，无法调整时间；请先设置开始时间。"))
    kind = data.get("kind")
    if kind not in ("delay", "break", "cycle"):
        message = _("调整方式只能是 delay（推迟）、break（插入休息）或 cycle（改变每场用时）。")
        raise ValidationFailed(message, errors=[{"field": "kind", "message": message}])
    rows = await _matches(category["id"])
    from_match = _int(data, "from_match", _("从第几场起"), None, 1, max(len(rows), 1))
    seconds = _int(data, "seconds", _("秒数"), None, 30 if kind == "cycle" else 0, 24 * 3600)
    adjustments = [*(plan["adjustments"] or []), {"from_match": from_match, "kind": kind, "seconds": seconds}]
    new_plan = {**plan, "adjustments": adjustments}
    starts = _times(new_plan, len(rows))

    async def work() -> None:
        await MatchPlan.update({MatchPlan.adjustments: adjustments, MatchPlan.updated_at: times.now()}).where(
            MatchPlan.id == plan["id"]
        )
        for row, start in zip(rows, starts):
            if row["status"] == "scheduled" and row["scheduled_at"] != start:
                await Match.update({Match.scheduled_at: start}).where(Match.id == row["id"])
        await audit.record(
            actor,
            "matches.adjust",
            "category",
            category["id"],
            event_id=event_id,
            summary=_(
                "赛项 {code} 赛程调整：第 {n} 场起 {kind} {s} 秒",
                code=category["code"],
                n=from_match,
                kind=kind,
                s=seconds,
            ),
        )

    await write_transaction(work)
    await _changed(event_id, category["code"], "schedule")
    return {
        "matches": [_match_answer(r, False) for r in await _matches(category["id"])],
        **await timing(event_id, code, actor),
    }


async def timing(event_id: int, code: str, viewer: Principal | None = None) -> dict[str, Any]:
    """``{"behind_seconds"}``: how far the field runs behind (negative: ahead) of the timetable in
    force: the last started qualification match's start against the time it was due when it
    started (its ``scheduled_at``, the day's changes included: after the organizer announces a
    delay, a field that keeps to the new times is on time). ``None`` before any match started.
    Elimination matches have no time on the timetable and do not count."""
    category = await robotics.challenge(event_id, code, viewer)
    plan = await _plan(category["id"])
    rows = [
        r
        for r in await _matches(category["id"])
        if r["started_at"] is not None and r["scheduled_at"] is not None and r["stage"] == "qualification"
    ]
    if plan is None or plan["starts_at"] is None or not rows:
        return {"behind_seconds": None}
    last = max(rows, key=lambda r: r["number"])
    due = times.parse_time(last["scheduled_at"])
    started = times.parse_time(last["started_at"])
    assert due is not None and started is not None
    return {"behind_seconds": schedule_rules.behind_seconds(due, started)}


async def planned_times(event_id: int, code: str, viewer: Principal | None = None) -> dict[int, str]:
    """The qualification timetable as first planned, without the day's changes: ``{match number:
    ISO time}`` (empty without a schedule or its start time); a match's ``scheduled_at`` against
    it says how far the day's changes moved that match."""
    category = await robotics.challenge(event_id, code, viewer)
    plan = await _plan(category["id"])
    if plan is None or plan["starts_at"] is None:
        return {}
    numbers = [
        r["number"]
        for r in await Match.select(Match.number).where(
            (Match.category == category["id"]) & (Match.stage == "qualification")
        )
    ]
    planned = _times({**plan, "adjustments": []}, max(numbers, default=0))
    return {n: iso for n in numbers if (iso := _iso(planned[n - 1])) is not None}


# --- scoring and committing --------------------------------------------------------------------------


async def _match_for(actor: Principal, match_id: int) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The match and the actor's referee row (``None`` for an organizer); 404 for anyone else."""
    if not 1 <= match_id <= robotics.MAX_ID:
        raise NotFound(_("比赛不存在（编号 {id}）。", id=match_id))
    row = await Match.select().where(Match.id == match_id).first().output(load_json=True)
    if row is None:
        raise NotFound(_("比赛不存在（编号 {id}）。", id=match_id))
    if actor.is_organizer:
        return row, None
    referee = await robotics._referee_of(actor.id, row["category"]) if actor.role == "referee" else None
    if referee is None:
        raise NotFound(_("比赛不存在（编号 {id}）。", id=match_id))
    return row, referee


def _side(sheet: sheets.Sheet, data: Any, side: str) -> tuple[Decimal, dict[str, Any], str | None]:
    label = {"red": _("红方"), "blue": _("蓝方")}[side]
    if not isinstance(data, dict) or not isinstance(data.get("items"), dict):
        message = _("请填写{side}的各项成绩（items）。", side=label)
        raise ValidationFailed(message, errors=[{"field": f"{side}.items", "message": message}])
    card = data.get("card")
    if card in ("", None):
        card = None
    elif card not in CARDS:
        message = _("{side}的判罚只能是 yellow（黄牌）或 red（红牌）。", side=label)
        raise ValidationFailed(message, errors=[{"field": f"{side}.card", "message": message}])
    try:
        result = sheets.score_run(sheet, data["items"])
    except ValidationFailed as refused:
        errors = [
            {**e, "field": f"{side}.{e.get('field', 'items')}", "message": f"{label}：{e['message']}"}
            for e in (refused.errors or [])
        ]
        raise ValidationFailed(errors[0]["message"] if errors else str(refused), errors=errors) from None
    except ArithmeticError:
        message = _("填写的数值过大，无法计分。")
        raise ValidationFailed(message, errors=[{"field": f"{side}.items", "message": message}]) from None
    return result.score, dict(data["items"]), card


def _cards(match: dict[str, Any], data: dict[str, Any], side_cards: dict[str, str | None]) -> dict[int, str]:
    """The cards of the match's teams from a score: an alliance's ``card`` goes to every team of
    it (the older per-alliance form), then ``cards`` (``{"<entry id>": "yellow"|"red"|null}``)
    sets each team's own (``null`` or ``""``: none). 422 naming ``cards.<id>`` for a team not in
    the match or an unknown card."""
    sides = {team: side for side in ("red", "blue") for team in match[side]}
    cards = {team: side_cards[side] for team, side in sides.items() if side_cards[side]}
    raw = data.get("cards")
    if raw is None:
        return {t: c for t, c in cards.items() if c}
    if not isinstance(raw, dict):
        message = _('cards 应为“队伍编号: yellow 或 red”的对象，例如 {"12": "red"}。')
        raise ValidationFailed(message, errors=[{"field": "cards", "message": message}])
    for key, value in raw.items():
        text = str(key).strip()
        team = int(text) if text.isdigit() and len(text) <= 12 else None
        if team is None or team not in sides:
            message = _("队伍 {team} 不在第 {n} 场比赛中，不能给它判罚。", team=text, n=match["number"])
            raise ValidationFailed(message, errors=[{"field": f"cards.{text}", "message": message}])
        if value in ("", None):
            cards.pop(team, None)
        elif value not in CARDS:
            message = _("队伍 {team} 的判罚只能是 yellow（黄牌）或 red（红牌）。", team=text)
            raise ValidationFailed(message, errors=[{"field": f"cards.{text}", "message": message}])
        else:
            cards[team] = value
    return {t: c for t, c in cards.items() if c}


async def _scored_by_words(match: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Who scored (or committed) ``match`` and when, in words for a 409, and the same as data."""
    committed = match["status"] == "committed"
    user_id = match["committed_by"] if committed else match["scored_by"]
    when = match["committed_at"] if committed else match["updated_at"]
    name = await robotics._recorder_name(user_id)
    parsed = times.parse_time(when)
    at = parsed.astimezone(times.SHANGHAI).strftime("%H:%M:%S") if parsed else ""
    words = {"n": match["number"], "name": name, "at": at, "red": match["red_score"], "blue": match["blue_score"]}
    if committed:
        message = _(
            "第 {n} 场已由 {name} 于 {at} 确认（红 {red} : 蓝 {blue}），不能再记录；如需更正请联系主裁判。", **words
        )
    else:
        message = _(
            "第 {n} 场已由 {name} 于 {at} 记录（红 {red} : 蓝 {blue}），等待主裁判确认；如需更正请打开该场成绩。",
            **words,
        )
    extra = {
        "match_id": match["id"],
        "status": match["status"],
        "version": match["version"],
        "by": name,
        "at": _iso(when),
    }
    return message, extra


def _base_version(data: dict[str, Any]) -> int | None:
    value = data.get("base_version")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        message = _("base_version 必须是不小于 0 的整数（平板打开时这场比赛的版本）。")
        raise ValidationFailed(message, errors=[{"field": "base_version", "message": message}])
    return value


async def _replayed_score(actor: Principal, match_id: int, client_score_id: str) -> dict[str, Any] | None:
    """The answer already given to this user's ``client_score_id`` (the same score sent twice)."""
    rows = await (
        MatchVersion.select(MatchVersion.data)
        .where((MatchVersion.match == match_id) & (MatchVersion.changed_by == actor.id))
        .order_by(MatchVersion.version, ascending=False)
        .output(load_json=True)
    )
    for row in rows:
        data = row["data"] or {}
        if data.get("client_score_id") == client_score_id:
            return {"red_score": data["red"]["score"], "blue_score": data["blue"]["score"], "winner": data["winner"]}
    return None


def _confirmation_of(data: Any, side: str) -> dict[str, Any]:
    """An alliance captain's answer as stored with the version: ``{"confirmation":
    "confirmed"|"refused"|None, "confirmation_note"}`` (422 naming ``<side>.confirmation``)."""
    if not isinstance(data, dict):
        return {"confirmation": None, "confirmation_note": ""}
    try:
        value, note = robotics._confirmation(data.get("confirmation"), data.get("confirmation_note"))
    except ValidationFailed as refused:
        errors = [{**e, "field": f"{side}.{e.get('field')}"} for e in refused.errors or []]
        raise ValidationFailed(refused.message, errors=errors) from None
    return {"confirmation": value, "confirmation_note": note}


async def _check_may_score(
    actor: Principal,
    referee: dict[str, Any] | None,
    match: dict[str, Any],
    base_version: int | None,
    reason: str,
) -> None:
    """409 naming who and when: the tablet saw another version (``base_version``); a referee (not
    the head referee) scores a match someone else already scored without having seen that score
    (no ``base_version``: two tablets on one match must not overwrite each other silently), or a
    committed match. 422 for a committed match corrected without a ``reason``."""
    if base_version is not None and base_version != match["version"]:
        message, extra = await _scored_by_words(match)
        raise Conflict(message, extra=extra)
    plain_referee = referee is not None and not referee["head"]
    if (
        plain_referee
        and base_version is None
        and match["status"] == "scored"
        and match["scored_by"] not in (None, actor.id)
    ):
        message, extra = await _scored_by_words(match)
        raise Conflict(message, extra=extra)
    if match["status"] == "committed":
        if plain_referee:
            message, extra = await _scored_by_words(match)
            raise Conflict(message, extra=extra)
        if not reason:
            message = _("更正已确认的比赛成绩时必须填写原因。")
            raise ValidationFailed(message, errors=[{"field": "reason", "message": message}])


async def score_match(actor: Principal, match_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Score both alliances on the challenge's sheet: ``{"red": {"items", "card"?, "confirmation"?,
    "confirmation_note"?}, "blue": {...}, "cards"?: {"<entry id>": "yellow"|"red"|null}, "reason"?,
    "client_score_id"?, "base_version"?}``. Cards are per team (:func:`_cards`; an alliance's
    ``card`` gives it to every team of the alliance); the winner follows :mod:`.rankings` (a team's
    red card disqualifies its alliance in an elimination match, in qualification only when every
    team of the alliance has one). A
    referee of the challenge scores a match not committed yet; a committed match is corrected by its
    head referee or an organizer with a ``reason``. Every version is kept, with both captains'
    answers (``confirmed`` or ``refused`` with a note) when the tablet asked them.

    ``client_score_id`` (the tablet's id of this score) makes a repeated request store nothing new
    and give the first answer again; ``base_version`` (the match's ``version`` the tablet saw, 0 for
    an unplayed match) turns a score entered meanwhile by someone else into a 409 naming who and
    when; without it, a referee's score of a match another user already scored is a 409 too (the
    head referee and organizers correct it; a referee who saw it sends ``base_version``). Answers ``{"red_score", "blue_score", "winner"}`` (CONTRACT)."""
    match, referee = await _match_for(actor, match_id)
    client_score_id = str(data.get("client_score_id") or "").strip()[:64] or None
    if client_score_id:
        replayed = await _replayed_score(actor, match_id, client_score_id)
        if replayed is not None:
            return replayed
    base_version = _base_version(data)
    await robotics.require_runs_open(actor, match["event"])
    reason = str(data.get("reason") or "").strip()
    await _check_may_score(actor, referee, match, base_version, reason)
    category = {"id": match["category"], "code": await _code(match["category"])}
    sheet = await _sheet(category)
    red_score, red_items, red_side_card = _side(sheet, data.get("red"), "red")
    blue_score, blue_items, blue_side_card = _side(sheet, data.get("blue"), "blue")
    cards = _cards(match, data, {"red": red_side_card, "blue": blue_side_card})
    red_card = ranking_rules.alliance_card(match["red"], cards)
    blue_card = ranking_rules.alliance_card(match["blue"], cards)
    confirmations = {side: _confirmation_of(data.get(side), side) for side in ("red", "blue")}
    result = ranking_rules.MatchResult(
        tuple(match["red"]),
        tuple(match["blue"]),
        red_score,
        blue_score,
        cards=cards,
        elimination=match["stage"] == "elimination",
    )
    answer = {
        "red_score": robotics._text(red_score),
        "blue_score": robotics._text(blue_score),
        "winner": result.winner,
    }

    async def work() -> None:
        now = times.now()
        query = Match.select().where(Match.id == match_id)
        current = await (query if is_sqlite() else query.lock_rows()).first()  # PostgreSQL: one scorer at a time
        await _check_may_score(actor, referee, current, base_version, reason)  # scored between two reads
        version = current["version"] + 1
        values = {
            Match.red_items: red_items,
            Match.blue_items: blue_items,
            Match.red_card: red_card,
            Match.blue_card: blue_card,
            Match.cards: {str(t): c for t, c in cards.items()},
            Match.red_score: answer["red_score"],
            Match.blue_score: answer["blue_score"],
            Match.winner: answer["winner"],
            Match.version: version,
            Match.scored_by: actor.id,
            Match.updated_at: now,
        }
        if current["status"] == "scheduled":
            values[Match.status] = "scored"
            values[Match.started_at] = now
        await Match.update(values).where(Match.id == match_id)
        stored: dict[str, Any] = {
            side: {
                "items": items,
                "card": card,
                "cards": {str(t): cards[t] for t in match[side] if t in cards},
                "score": answer[f"{side}_score"],
                **confirmations[side],
            }
            for side, items, card in (("red", red_items, red_card), ("blue", blue_items, blue_card))
        }
        stored["winner"] = answer["winner"]
        if client_score_id:
            stored["client_score_id"] = client_score_id
        await MatchVersion.insert(
            MatchVersion(
                match=match_id, version=version, data=stored, changed_by=actor.id, changed_at=now, reason=reason
            )
        )
        await audit.record(
            actor,
            "matches.score",
            "robotics_match",
            match_id,
            event_id=match["event"],
            summary=_(
                "第 {n} 场 红 {red} : 蓝 {blue}", n=match["number"], red=answer["red_score"], blue=answer["blue_score"]
            ),
            reason=reason,
        )

    await write_transaction(work)
    if match["status"] == "committed":
        await _after_commit(match, category["code"])
    else:
        await _changed(match["event"], category["code"], "match", match_id)  # now/next screens: scored
    return answer


async def _code(category_id: int) -> str:
    row = await Category.select(Category.code).where(Category.id == category_id).first()
    return str(row["code"]) if row else ""


async def commit_match(actor: Principal, match_id: int) -> dict[str, Any]:
    """Commit a scored match (the challenge's head referee or an organizer): it counts in the
    rankings or the bracket, and live screens update. Committing twice changes nothing."""
    match, referee = await _match_for(actor, match_id)
    if referee is not None and not referee["head"]:
        raise Forbidden(_("只有主裁判或组委会可以确认比赛成绩。"))
    await robotics.require_runs_open(actor, match["event"])
    if match["status"] == "scheduled":
        raise Conflict(_("第 {n} 场还没有记录成绩，不能确认。", n=match["number"]))
    if match["status"] != "committed":

        async def work() -> None:
            await Match.update(
                {Match.status: "committed", Match.committed_by: actor.id, Match.committed_at: times.now()}
            ).where((Match.id == match_id) & (Match.status == "scored"))
            await audit.record(
                actor,
                "matches.commit",
                "robotics_match",
                match_id,
                event_id=match["event"],
                summary=str(match["number"]),
            )

        await write_transaction(work)
        await _after_commit(match, await _code(match["category"]))
    row = await Match.select().where(Match.id == match_id).first().output(load_json=True)
    return {**_match_answer(row, False), "status": "committed"}


async def _after_commit(match: dict[str, Any], code: str) -> None:
    if match["stage"] == "elimination":
        await _advance(match["event"], match["category"])
        await _changed(match["event"], code, "bracket", match["id"])
    await _changed(match["event"], code, "match", match["id"])


async def _changed(event_id: int, code: str, what: str, match_id: int | None = None) -> None:
    await signals.matches_changed.send(event_id=event_id, category_code=code, what=what, match_id=match_id)


async def match_history(actor: Principal, match_id: int) -> list[dict[str, Any]]:
    """Every scored version of a match: ``[{"version", "red", "blue", "winner", "by", "at", "reason"}]``."""
    await _match_for(actor, match_id)
    rows = await (
        MatchVersion.select(
            MatchVersion.version,
            MatchVersion.data,
            MatchVersion.changed_at,
            MatchVersion.reason,
            MatchVersion.changed_by.display_name.as_alias("by"),
        )
        .where(MatchVersion.match == match_id)
        .order_by(MatchVersion.version)
        .output(load_json=True)
    )
    return [
        {
            "version": r["version"],
            "red": r["data"]["red"],
            "blue": r["data"]["blue"],
            "winner": r["data"]["winner"],
            "by": r["by"] or "",
            "at": _iso(r["changed_at"]) or "",
            "reason": r["reason"],
        }
        for r in rows
    ]


# --- rankings ---------------------------------------------------------------------------------------


def ranking_settings(plan: dict[str, Any] | None) -> ranking_rules.Settings:
    raw = (plan or {}).get("ranking") or {}
    return ranking_rules.Settings(
        rule=raw.get("rule", "ranking_points"),
        win=Decimal(str(raw.get("win", 2))),
        tie=Decimal(str(raw.get("tie", 1))),
        loss=Decimal(str(raw.get("loss", 0))),
        drop_lowest=int(raw.get("drop_lowest", 0)),
        tiebreaks=tuple(raw.get("tiebreaks", ("average_score", "highest_score", "opponents_strength", "draw"))),
    )


async def set_ranking(actor: Principal, event_id: int, code: str, data: dict[str, Any]) -> dict[str, Any]:
    """The challenge's ranking rule: ``{"rule": "ranking_points"|"average_score", "win", "tie",
    "loss", "drop_lowest", "tiebreaks"}`` (decimals as numbers or text); 422 naming the field."""
    category = await robotics.challenge(event_id, code, actor)
    plan = await _plan(category["id"])
    if plan is None:
        raise Conflict(_("赛项“{code}”还没有赛程。", code=category["code"]))
    rule = data.get("rule", "ranking_points")
    if rule not in ranking_rules.RULES:
        message = _("排名方式只能是 ranking_points（积分）或 average_score（平均分）。")
        raise ValidationFailed(message, errors=[{"field": "rule", "message": message}])
    values: dict[str, Any] = {"rule": rule}
    for key, default in (("win", 2), ("tie", 1), ("loss", 0)):
        try:
            number = Decimal(str(data.get(key, default)))
            if not number.is_finite() or number < 0 or number > 100:
                raise ValueError
        except (ArithmeticError, ValueError):
            message = _("{key} 的积分必须是 0 到 100 之间的数。", key=key)
            raise ValidationFailed(message, errors=[{"field": key, "message": message}]) from None
        values[key] = str(number)
    values["drop_lowest"] = _int(data, "drop_lowest", _("去掉最低场数"), 0, 0, 10)
    tiebreaks = data.get("tiebreaks", ["average_score", "highest_score", "opponents_strength", "draw"])
    if not isinstance(tiebreaks, list) or any(k not in ranking_rules.TIEBREAK_KEYS for k in tiebreaks):
        message = _("排名依据只能从 average_score、highest_score、opponents_strength、draw 中选择。")
        raise ValidationFailed(message, errors=[{"field": "tiebreaks", "message": message}])
    values["tiebreaks"] = list(dict.fromkeys(tiebreaks))

    async def work() -> None:
        draws = dict(plan["draws"] or {})
        if "draw" in values["tiebreaks"] and not draws:
            # the draw for the last tie-break, made once and recorded (kept when the rule changes)
            rng = secrets.SystemRandom()
            draws = {str(t["id"]): str(rng.randrange(1_000_000)) for t in await _teams(category["id"])}
        await MatchPlan.update(
            {MatchPlan.ranking: values, MatchPlan.draws: draws, MatchPlan.updated_at: times.now()}
        ).where(MatchPlan.id == plan["id"])
        await audit.record(
            actor,
            "matches.ranking",
            "category",
            category["id"],
            event_id=event_id,
            changes={"ranking": [plan["ranking"], values]},
        )

    await write_transaction(work)
    await _changed(event_id, category["code"], "match")
    return values


async def rankings(event_id: int, code: str, viewer: Principal | None = None) -> dict[str, Any]:
    """Qualification rankings from committed matches (CONTRACT): ``{"teams": [{"entry_id", "rank",
    "ranking_points", "played", "average_score", "team_name", "school_name", "wins", "losses",
    "ties", "explanation"}]}`` in rank order, teams without a committed match last."""
    category = await robotics.challenge(event_id, code, viewer)
    plan = await _plan(category["id"])
    settings = ranking_settings(plan)
    teams = await _teams(category["id"])
    rows = [r for r in await _matches(category["id"]) if r["stage"] == "qualification" and r["status"] == "committed"]
    results = [
        ranking_rules.MatchResult(
            tuple(r["red"]),
            tuple(r["blue"]),
            Decimal(r["red_score"]),
            Decimal(r["blue_score"]),
            r["red_card"],
            r["blue_card"],
            tuple(r["surrogates"]),
            cards=team_cards(r),
        )
        for r in rows
    ]
    draws = {int(k): Decimal(v) for k, v in ((plan or {}).get("draws") or {}).items()}
    words = {
        "points": _("积分"),
        "score": _("平均分"),
        "average_score": _("平均分"),
        "highest_score": _("最高分"),
        "opponents_strength": _("对手强度"),
        "draw": _("抽签"),
        "same": _("与下一名所有排名依据都相同，名次并列。"),
    }
    lines = ranking_rules.rank_teams([t["id"] for t in teams], results, settings, draws, words)
    by_id = {t["id"]: t for t in teams}
    return {
        "rule": settings.rule,
        "teams": [
            {
                "entry_id": line.team,
                "team_name": by_id[line.team]["title"],
                "school_name": by_id[line.team]["school_name"],
                "rank": line.rank,
                "ranking_points": robotics._text(line.ranking_points),
                "played": line.played,
                "wins": line.wins,
                "losses": line.losses,
                "ties": line.ties,
                "average_score": str(line.average_score),
                "explanation": line.explanation,
            }
            for line in lines
        ],
    }


# --- alliance selection -----------------------------------------------------------------------------


async def unfinished_qualification(category_id: int) -> dict[str, int]:
    """How many qualification matches are not yet final: ``{"unplayed", "uncommitted"}`` (scheduled,
    and scored but not committed by the head referee)."""
    rows = await Match.select(Match.status).where(
        (Match.category == category_id) & (Match.stage == "qualification") & (Match.status != "committed")
    )
    uncommitted = sum(1 for r in rows if r["status"] == "scored")
    return {"unplayed": len(rows) - uncommitted, "uncommitted": uncommitted}


async def no_shows(category_id: int) -> list[int]:
    """Teams dropped from the qualification schedule as no-shows: approved teams scheduled (counted
    appearances, played or not) for fewer than the plan's matches per team but at least once, or
    scheduled no more at all while the schedule has moved on (a team approved late and not yet
    scheduled is not one)."""
    plan = await _plan(category_id)
    if plan is None:
        return []
    counted: dict[int, int] = {}
    for m in await _matches(category_id):
        if m["stage"] != "qualification":
            continue
        for team in m["red"] + m["blue"]:
            if team not in (m["surrogates"] or []):
                counted[team] = counted.get(team, 0) + 1
    return [t["id"] for t in await _teams(category_id) if 0 < counted.get(t["id"], 0) < plan["matches_per_team"]]


def unfinished_text(counts: dict[str, int]) -> str:
    """The sentence naming the qualification matches not yet final (empty when all are)."""
    unplayed, uncommitted = counts["unplayed"], counts["uncommitted"]
    if unplayed and uncommitted:
        return _(
            "排位赛还有 {n} 场尚未比赛、{m} 场已记分但主裁判尚未确认，排名可能还会变化。", n=unplayed, m=uncommitted
        )
    if unplayed:
        return _("排位赛还有 {n} 场尚未比赛，排名可能还会变化。", n=unplayed)
    if uncommitted:
        return _("排位赛还有 {m} 场已记分但主裁判尚未确认，排名可能还会变化。", m=uncommitted)
    return ""


async def _check_finished(category_id: int, data: dict[str, Any]) -> None:
    """409 while qualification matches are unplayed or uncommitted, unless ``confirm_unplayed`` is true."""
    if data.get("confirm_unplayed") is True:
        return
    text = unfinished_text(await unfinished_qualification(category_id))
    if text:
        raise Conflict(text + _("确认仍要按当前排名进行时，请勾选“排位赛未结束也继续”（confirm_unplayed）。"))


async def start_selection(actor: Principal, event_id: int, code: str, data: dict[str, Any]) -> dict[str, Any]:
    """Start (or restart) the alliance selection from the current rankings: ``{"alliances",
    "size", "order"}``; answers the state (:func:`selection_state`)."""
    category = await robotics.challenge(event_id, code, actor)
    ranked = [t["entry_id"] for t in (await rankings(event_id, code, actor))["teams"] if t["rank"] is not None]
    count = _int(data, "alliances", _("联盟数"), None, 2, 16)
    size = _int(data, "size", _("每个联盟的队伍数"), None, 1, 4)
    order = data.get("order", "serpentine")
    try:
        selection_rules.replay(ranked, count, size, order)
    except selection_rules.SelectionError as error:
        raise _refused(error) from None
    await _check_finished(category["id"], data)

    async def work() -> None:
        now = times.now()
        await AllianceSelection.delete().where(AllianceSelection.category == category["id"])
        await AllianceSelection.insert(
            AllianceSelection(
                event=event_id,
                category=category["id"],
                alliances=count,
                size=size,
                order=order,
                ranked=ranked,
                events=[],
                created_at=now,
                updated_at=now,
            )
        )
        await audit.record(actor, "matches.selection.start", "category", category["id"], event_id=event_id)

    await write_transaction(work)
    return await selection_state(event_id, code, actor)


async def _selection(category_id: int) -> dict[str, Any]:
    row = (
        await AllianceSelection.select().where(AllianceSelection.category == category_id).first().output(load_json=True)
    )
    if row is None:
        raise NotFound(_("还没有开始联盟选择。"))
    return row


def _replayed(row: dict[str, Any], events: list[Any] | None = None) -> selection_rules.Selection:
    return selection_rules.replay(
        row["ranked"],
        row["alliances"],
        row["size"],
        row["order"],
        [(e[0], bool(e[1])) for e in (events if events is not None else row["events"])],
    )


async def selection_state(event_id: int, code: str, viewer: Principal | None = None) -> dict[str, Any]:
    """``{"alliances": [[entry ids]], "turn" (alliance number from 1, or null when done),
    "pickable": [entry ids], "declined": [entry ids], "events": [[entry id, accepted]]}``."""
    category = await robotics.challenge(event_id, code, viewer)
    row = await _selection(category["id"])
    state = _replayed(row)
    absent = set(await no_shows(category["id"]))
    return {
        "alliances": state.alliances,
        "turn": None if state.turn is None else state.turn + 1,
        "pickable": [t for t in state.pickable if t not in absent],
        "declined": state.declined,
        "no_shows": sorted(absent),
        "events": row["events"],
        "order": row["order"],
        "size": row["size"],
    }


async def invite(actor: Principal, event_id: int, code: str, data: dict[str, Any]) -> dict[str, Any]:
    """Record an invitation of the alliance on turn: ``{"entry_id", "accepted": true|false}``;
    422 when the rules do not allow it (the team is taken or declined before)."""
    category = await robotics.challenge(event_id, code, actor)
    entry_id = _int(data, "entry_id", _("队伍"), None, 1, robotics.MAX_ID)
    accepted = data.get("accepted") is True
    if entry_id in await no_shows(category["id"]):
        name = next((t["title"] for t in await _teams(category["id"]) if t["id"] == entry_id), entry_id)
        message = _("队伍 {team} 已作为缺席队伍从排位赛中取消，不能被邀请。", team=name)
        raise ValidationFailed(message, errors=[{"field": "entry_id", "message": message}])

    async def work() -> None:
        row = await _selection(category["id"])
        events = [*row["events"], [entry_id, accepted]]
        try:
            _replayed(row, events)
        except selection_rules.SelectionError as error:
            raise _refused(error) from None
        await AllianceSelection.update(
            {AllianceSelection.events: events, AllianceSelection.updated_at: times.now()}
        ).where(AllianceSelection.id == row["id"])
        await audit.record(
            actor,
            "matches.selection.invite",
            "category",
            category["id"],
            event_id=event_id,
            summary=_("邀请队伍 {id}：{answer}", id=entry_id, answer=_("接受") if accepted else _("拒绝")),
        )

    await write_transaction(work)
    return await selection_state(event_id, code, actor)


# --- the elimination bracket ------------------------------------------------------------------------


async def create_bracket(actor: Principal, event_id: int, code: str, data: dict[str, Any]) -> dict[str, Any]:
    """The elimination bracket from ``{"alliances": [[entry ids], ...] in seed order, "format":
    "single"|"double", "best_of": 1|3}`` (CONTRACT); ``alliances`` may be left out when an
    alliance selection is complete (its alliances are used). 409 once an elimination match is
    played. Answers :func:`bracket_state`."""
    category = await robotics.challenge(event_id, code, actor)
    alliances = data.get("alliances")
    if alliances is None:
        try:
            row = await _selection(category["id"])
        except NotFound:
            message = _("请给出各联盟的队伍（alliances），或先完成联盟选择。")
            raise ValidationFailed(message, errors=[{"field": "alliances", "message": message}]) from None
        state = _replayed(row)
        if state.turn is not None:
            raise Conflict(_("联盟选择还没有结束。"))
        alliances = state.alliances
    if not isinstance(alliances, list) or not all(isinstance(a, list) and a for a in alliances):
        message = _("alliances 必须是按种子顺序排列的联盟列表，每个联盟是队伍编号的列表。")
        raise ValidationFailed(message, errors=[{"field": "alliances", "message": message}])
    team_ids = {t["id"] for t in await _teams(category["id"])}
    flat = [x for a in alliances for x in a]
    for i, a in enumerate(alliances):
        for x in a:
            if not isinstance(x, int) or isinstance(x, bool) or x not in team_ids:
                message = _("第 {n} 个联盟中的队伍 {team} 不是本赛项已审核通过的队伍。", n=i + 1, team=x)
                raise ValidationFailed(message, errors=[{"field": f"alliances[{i}]", "message": message}])
    if len(set(flat)) != len(flat):
        message = _("同一支队伍不能在两个联盟中。")
        raise ValidationFailed(message, errors=[{"field": "alliances", "message": message}])
    fmt = data.get("format", "single")
    best_of = data.get("best_of", 1)
    try:
        bracket_rules.build(len(alliances), fmt, best_of if isinstance(best_of, int) else 0)
    except bracket_rules.BracketError as error:
        raise _refused(error) from None
    if await Match.exists().where(
        (Match.category == category["id"]) & (Match.stage == "elimination") & (Match.status.is_in(list(PLAYED)))
    ):
        raise Conflict(_("淘汰赛已经开始，不能重新生成对阵。"))

    async def work() -> None:
        await Match.delete().where((Match.category == category["id"]) & (Match.stage == "elimination"))
        await Bracket.delete().where(Bracket.category == category["id"])
        await Bracket.insert(
            Bracket(
                event=event_id,
                category=category["id"],
                alliances=alliances,
                format=fmt,
                best_of=best_of,
                created_by=actor.id,
                created_at=times.now(),
            )
        )
        await _advance(event_id, category["id"])
        await audit.record(
            actor,
            "matches.bracket",
            "category",
            category["id"],
            event_id=event_id,
            summary=_("赛项 {code} 淘汰赛：{n} 个联盟", code=category["code"], n=len(alliances)),
        )

    await write_transaction(work)
    await _changed(event_id, category["code"], "bracket")
    return await bracket_state(event_id, code, actor)


async def _bracket(category_id: int) -> dict[str, Any] | None:
    return await Bracket.select().where(Bracket.category == category_id).first().output(load_json=True)


def _games(rows: list[dict[str, Any]]) -> dict[str, list[str]]:
    games: dict[str, list[str]] = {}
    for r in rows:
        if r["stage"] == "elimination" and r["status"] == "committed" and r["series"]:
            games.setdefault(r["series"], []).append(r["winner"])
    return games


async def _advance(event_id: int, category_id: int) -> None:
    """Create the next game of every series that has both alliances and no winner yet (and no game
    waiting to be played). Elimination matches are numbered after every other match of the challenge."""
    bracket = await _bracket(category_id)
    if bracket is None:
        return
    shape = bracket_rules.build(len(bracket["alliances"]), bracket["format"], bracket["best_of"])
    rows = await _matches(category_id)
    states = bracket_rules.resolve(shape, _games(rows))
    waiting = {r["series"] for r in rows if r["stage"] == "elimination" and r["status"] != "committed"}
    number = max((r["number"] for r in rows), default=0)
    now = times.now()
    new = []
    for state in states:
        if state.winner is not None or state.bye or state.void or state.id in waiting:
            continue
        if state.red_alliance is None or state.blue_alliance is None:
            continue
        played = sum(1 for r in rows if r["series"] == state.id)
        number += 1
        new.append(
            Match(
                event=event_id,
                category=category_id,
                number=number,
                field=1,
                stage="elimination",
                series=state.id,
                game=played + 1,
                red=bracket["alliances"][state.red_alliance - 1],
                blue=bracket["alliances"][state.blue_alliance - 1],
                surrogates=[],
                updated_at=now,
            )
        )
    if new:
        await Match.insert(*new)


async def bracket_state(event_id: int, code: str, viewer: Principal | None = None) -> dict[str, Any]:
    """``{"format", "best_of", "rounds", "alliances", "matches": [{"id", "round", "stage",
    "red_alliance", "blue_alliance", "bye", "red_wins", "blue_wins", "winner"}], "champion"}``;
    404 before a bracket exists."""
    category = await robotics.challenge(event_id, code, viewer)
    bracket = await _bracket(category["id"])
    if bracket is None:
        raise NotFound(_("赛项“{code}”还没有淘汰赛对阵。", code=category["code"]))
    shape = bracket_rules.build(len(bracket["alliances"]), bracket["format"], bracket["best_of"])
    states = bracket_rules.resolve(shape, _games(await _matches(category["id"])))
    return {
        "format": bracket["format"],
        "best_of": bracket["best_of"],
        "rounds": shape.rounds,
        "alliances": bracket["alliances"],
        "matches": [
            {
                "id": s.id,
                "round": s.round,
                "stage": s.stage,
                "red_alliance": s.red_alliance,
                "blue_alliance": s.blue_alliance,
                "bye": s.bye,
                "red_wins": s.red_wins,
                "blue_wins": s.blue_wins,
                "winner": s.winner,
            }
            for s in states
            if not s.void
        ],
        "champion": bracket_rules.champion(shape, states),
    }


async def plan_state(event_id: int, code: str, viewer: Principal | None = None) -> dict[str, Any]:
    """The schedule's settings and quality for the organizer's page: ``{"plan": {...} | None}``."""
    category = await robotics.challenge(event_id, code, viewer)
    plan = await _plan(category["id"])
    if plan is None:
        return {"plan": None}
    return {
        "plan": {
            k: plan[k]
            for k in (
                "matches_per_team",
                "teams_per_alliance",
                "fields",
                "min_gap",
                "seed",
                "cycle_seconds",
                "adjustments",
                "quality",
                "ranking",
            )
        }
        | {"starts_at": _iso(plan["starts_at"])}
    }


# --- final places for the event's results ------------------------------------------------------------


async def match_places(event_id: int, entries: list[dict[str, Any]], decimals: int) -> dict[int, Place]:
    """Places of the ``entries`` (rows with ``id``, ``category``, ``division``) of the event's match
    challenges (those with a schedule), per category and division (:mod:`.placing`): the bracket's
    alliances first once it has a champion, then the qualification ranking. ``score`` is the team's
    ranking points (or average score under the ``average_score`` rule); a team without a committed
    match is incomplete. Other entries are left out."""
    with_matches = {
        r["category"] for r in await MatchPlan.select(MatchPlan.category).where(MatchPlan.event == event_id)
    }
    with_matches |= {r["category"] for r in await Bracket.select(Bracket.category).where(Bracket.event == event_id)}
    if not with_matches:
        return {}
    out: dict[int, Place] = {}
    codes = {
        r["id"]: r["code"] for r in await Category.select(Category.id, Category.code).where(Category.event == event_id)
    }
    for category_id in sorted(with_matches):
        mine = [e for e in entries if e["category"] == category_id]
        if not mine:
            continue
        table = await rankings(event_id, codes[category_id])
        lines = {t["entry_id"]: t for t in table["teams"]}
        qualification = [t["entry_id"] for t in table["teams"] if t["rank"] is not None]
        bracket = await _bracket(category_id)
        order: list[tuple[int, int]] = []
        alliances: list[list[int]] = []
        if bracket is not None:
            shape = bracket_rules.build(len(bracket["alliances"]), bracket["format"], bracket["best_of"])
            states = bracket_rules.resolve(shape, _games(await _matches(category_id)))
            order = placing.alliance_order(shape, states)
            alliances = bracket["alliances"]
        overall = dict(placing.team_places(alliances, order, qualification))
        by_division: dict[str, list[int]] = {}
        for e in mine:
            by_division.setdefault(e["division"], []).append(e["id"])
        # results rank per category and division: a mixed challenge's teams are placed within their division
        division_of = {e["id"]: e["division"] for e in mine}
        place_of = {
            t: p
            for t, p in placing.division_places(alliances, order, qualification, division_of).items()
            if t in overall
        }
        in_bracket = {t for a in alliances for t in a} if order else set()
        stage = {t: place for seed, place in order for t in alliances[seed - 1]}  # champion 1, finalist 2, semis 3
        for ids in by_division.values():
            for team in (i for i in ids if i in place_of):
                line = lines[team]
                value = line["ranking_points"] if table["rule"] == "ranking_points" else line["average_score"]
                why = (
                    _("淘汰赛第 {place} 名（联盟成绩）；排位赛第 {rank} 名。", place=stage[team], rank=line["rank"])
                    if team in in_bracket
                    else _("排位赛第 {rank} 名：{why}", rank=line["rank"], why=line["explanation"] or "-")
                )
                if len(by_division) > 1:
                    why += " " + _(
                        "（本组别第 {place} 名，全赛项第 {overall} 名）", place=place_of[team], overall=overall[team]
                    )
                out[team] = Place(
                    score=round_half_up(Decimal(value), decimals),
                    rank=place_of[team],  # within the division; units counted as in placing.py
                    explanation=why,
                    runs=line["played"],
                    rounds=line["played"],
                )
            for team in ids:
                if team not in place_of:
                    out[team] = Place(None, None, _("还没有确认成绩的比赛。"), 0, 0)
    return out


# --- reads for the organizer's pages and the public screens (judging/matches/pages.py, screens.py) ---


async def challenge_teams(event_id: int, code: str, viewer: Principal | None = None) -> list[dict[str, Any]]:
    """The challenge's approved teams ``[{"id", "title", "school_name"}]`` by id (names on pages
    and screens; no personal data)."""
    category = await robotics.challenge(event_id, code, viewer)
    return list(await _teams(category["id"]))


async def match_challenges(event_id: int, viewer: Principal | None = None) -> list[dict[str, Any]]:
    """The event's challenges played as matches (a schedule or a bracket): ``[{"id", "code", "name"}]``."""
    event = await robotics.robotics_event(event_id, viewer)
    ids = {r["category"] for r in await MatchPlan.select(MatchPlan.category).where(MatchPlan.event == event_id)}
    ids |= {r["category"] for r in await Bracket.select(Bracket.category).where(Bracket.event == event_id)}
    return [{"id": c["id"], "code": c["code"], "name": c["name"]} for c in event["challenges"] if c["id"] in ids]


async def seeded_alliances(
    event_id: int,
    code: str,
    count: Any,
    size: Any,
    order: str = "serpentine",
    viewer: Principal | None = None,
    confirm_unplayed: bool = False,
) -> list[list[int]]:
    """Alliances from the current rankings alone (no selection): the top ``count`` teams captain,
    then each alliance in turn takes the best team left (:func:`alliances.seeded`); 422 naming
    the field when there are not enough ranked teams; 409 while qualification matches are
    unplayed or uncommitted unless ``confirm_unplayed``."""
    count = _int({"alliances": count}, "alliances", _("联盟数"), None, 2, 16)
    size = _int({"size": size}, "size", _("每个联盟的队伍数"), None, 1, 4)
    ranked = [t["entry_id"] for t in (await rankings(event_id, code, viewer))["teams"] if t["rank"] is not None]
    try:
        chosen = selection_rules.seeded(ranked, count, size, order)
    except selection_rules.SelectionError as error:
        raise _refused(error) from None
    category = await robotics.challenge(event_id, code, viewer)
    await _check_finished(category["id"], {"confirm_unplayed": confirm_unplayed})
    return [[int(t) for t in a] for a in chosen.alliances]  # type: ignore[call-overload]


async def challenge_version(event_id: int, code: str) -> str:
    """A short fingerprint of what the challenge's screens show (matches, their times, scores and
    states, the ranking rule, the bracket): it changes whenever one of them does."""
    import hashlib
    import json

    category = await robotics.challenge(event_id, code)
    rows = (
        await Match.select(
            Match.id, Match.number, Match.field, Match.status, Match.version, Match.scheduled_at, Match.red, Match.blue
        )
        .where(Match.category == category["id"])
        .order_by(Match.id)
    )
    plan = (
        await MatchPlan.select(MatchPlan.updated_at, MatchPlan.ranking)
        .where(MatchPlan.category == category["id"])
        .first()
    )
    bracket = await Bracket.select(Bracket.id, Bracket.created_at).where(Bracket.category == category["id"]).first()
    text = json.dumps([rows, plan, bracket], default=str, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
