"""Assignment of judges to entries (分配评委).

Every approved entry of the current round gets ``k`` judges of its category, never a
conflicted one (:func:`judging.panels.conflict_reason`). Entries are placed most
constrained first, each taking the eligible judges with the lowest load (ties broken
by a seeded shuffle so judges' sets of entries overlap, which per-judge normalization
needs); a repair pass then moves unscored assignments from the busiest to the least
busy eligible judge until loads differ by at most one where conflicts allow.
Assignments that already have a score are always kept.
"""
from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

from app import audit
from app.db import write_transaction
from app.errors import Conflict, NotFound, ValidationFailed
from app.i18n import _
from app.principal import Principal
from competitions.events import get_event_row
from competitions.tables import Entry, Member
from judging.panels import EntryProfile, JudgeProfile, conflict_reason, eligible, judge_profiles
from judging.rounds import current_round, require_not_finalized, round_entry_ids
from judging.tables import Assignment, Score

CONFLICT_LABELS = {
    "declared_entry": "评委申报回避该作品",
    "own_school": "评委与作品同校",
    "declared_school": "评委申报回避该校",
    "own_city": "评委与作品同市县（本赛事要求同市县回避）",
    "declared_adviser": "评委申报回避该辅导教师",
}


def plan_assignments(
    entries: list[EntryProfile],
    judges: list[JudgeProfile],
    k: int,
    *,
    city_conflict: bool = False,
    kept: dict[int, set[int]] | None = None,
    seed: int = 0,
) -> tuple[dict[int, set[int]], list[dict[str, Any]]]:
    """Plan ``{entry_id: {judge_id, ...}}`` with ``k`` judges each, keeping ``kept`` pairs.

    Returns the plan and the entries that could not get ``k`` judges as
    ``[{"entry_id", "code", "assigned", "needed"}]``. Pure function, no database.
    """
    rng = random.Random(seed)
    kept = kept or {}
    load: dict[int, int] = defaultdict(int)
    plan: dict[int, set[int]] = {}
    for entry_id, judge_ids in kept.items():
        for judge_id in judge_ids:
            load[judge_id] += 1
    candidates: dict[int, list[int]] = {}
    for entry in entries:
        candidates[entry.entry_id] = [j.user_id for j in judges if eligible(j, entry, city_conflict)]
    order = sorted(entries, key=lambda e: (len(candidates[e.entry_id]), rng.random()))
    unassigned = []
    for entry in order:
        chosen = set(kept.get(entry.entry_id, set()))
        pool = [j for j in candidates[entry.entry_id] if j not in chosen]
        rng.shuffle(pool)
        pool.sort(key=lambda j: load[j])
        for judge_id in pool[: max(0, k - len(chosen))]:
            chosen.add(judge_id)
            load[judge_id] += 1
        plan[entry.entry_id] = chosen
        if len(chosen) < k:
            unassigned.append({"entry_id": entry.entry_id, "code": entry.code, "assigned": len(chosen), "needed": k})
    _balance(plan, candidates, kept, load)
    return plan, sorted(unassigned, key=lambda u: u["code"])


def _balance(plan: dict[int, set[int]], candidates: dict[int, list[int]], kept: dict[int, set[int]], load: dict[int, int]) -> None:
    """Move movable assignments from overloaded to underloaded eligible judges until no
    move lowers the spread (max - min <= 1 where conflicts allow)."""
    entries_of: dict[int, set[int]] = defaultdict(set)
    for entry_id, judge_ids in plan.items():
        for judge_id in judge_ids:
            entries_of[judge_id].add(entry_id)
    eligible_judges: dict[int, set[int]] = {e: set(c) for e, c in candidates.items()}
    for judge_ids in eligible_judges.values():
        for judge_id in judge_ids:
            load.setdefault(judge_id, 0)
    for _pass in range(200):
        moved = False
        for heavy in sorted(load, key=lambda j: -load[j]):
            for entry_id in list(entries_of[heavy]):
                if heavy in kept.get(entry_id, set()):
                    continue
                options = [j for j in eligible_judges.get(entry_id, ()) if j not in plan[entry_id] and load[j] < load[heavy] - 1]
                if not options:
                    continue
                light = min(options, key=lambda j: load[j])
                plan[entry_id].discard(heavy)
                plan[entry_id].add(light)
                entries_of[heavy].discard(entry_id)
                entries_of[light].add(entry_id)
                load[heavy] -= 1
                load[light] += 1
                moved = True
                break
            if moved:
                break
        if not moved:
            return


async def entry_profiles(entry_ids: list[int]) -> list[EntryProfile]:
    """Entries as :class:`EntryProfile` with their advisers' names (two queries)."""
    if not entry_ids:
        return []
    rows = await Entry.select(Entry.id, Entry.code, Entry.school, Entry.school.city.as_alias("city"),
                              Entry.category.code.as_alias("category_code")).where(Entry.id.is_in(entry_ids))
    advisers: dict[int, set[str]] = defaultdict(set)
    for m in await Member.select(Member.entry, Member.name).where(Member.entry.is_in(entry_ids) & (Member.role == "adviser")):
        advisers[m["entry"]].add(m["name"])
    return [EntryProfile(r["id"], r["code"], r["category_code"], r["school"], r["city"], advisers[r["id"]]) for r in rows]


async def generate(actor: Principal, event_id: int, judges_per_entry: int, seed: int = 0) -> dict[str, Any]:
    """``assignments/generate``: (re)assign judges for the current round. Keeps every
    assignment that already has a score; replaces the others. Returns
    ``{"assignments": n, "unassigned_entries": [{"entry_id", "code", "assigned", "needed"}]}``.
    Raises :class:`ValidationFailed` for k < 1, :class:`Conflict` once results are published."""
    if not isinstance(judges_per_entry, int) or judges_per_entry < 1 or judges_per_entry > 20:
        raise ValidationFailed(_("每个作品的评委人数必须是 1 到 20 的整数。"))
    event = await get_event_row(event_id)
    round_row = await current_round(event_id)
    if round_row["state"] != "open":
        raise Conflict(_("结果已公示或定稿，不能重新分配评委。"))
    entries = await entry_profiles(await round_entry_ids(round_row))
    judges = await judge_profiles(event_id)
    scored = await Score.select(Score.assignment, Score.entry, Score.judge).where(Score.round == round_row["id"])
    kept: dict[int, set[int]] = defaultdict(set)
    kept_assignment_ids = set()
    for s in scored:
        kept[s["entry"]].add(s["judge"])
        kept_assignment_ids.add(s["assignment"])
    plan, unassigned = plan_assignments(entries, judges, judges_per_entry, city_conflict=event["judge_city_conflict"],
                                        kept=dict(kept), seed=seed or round_row["id"])

    async def work() -> int:
        existing = await Assignment.select(Assignment.id, Assignment.entry, Assignment.judge).where(Assignment.round == round_row["id"])
        keep_pairs = {(a["entry"], a["judge"]) for a in existing if a["id"] in kept_assignment_ids}
        wanted = {(e, j) for e, js in plan.items() for j in js}
        drop = [a["id"] for a in existing if (a["entry"], a["judge"]) not in wanted and a["id"] not in kept_assignment_ids]
        present = {(a["entry"], a["judge"]) for a in existing if a["id"] not in drop}
        for start in range(0, len(drop), 500):
            await Assignment.delete().where(Assignment.id.is_in(drop[start:start + 500]))
        new = [Assignment(round=round_row["id"], entry=e, judge=j) for e, j in sorted(wanted - present - keep_pairs)]
        for start in range(0, len(new), 500):
            await Assignment.insert(*new[start:start + 500])
        total = len(wanted | keep_pairs)
        await audit.record(actor, "assignments.generate", "event", event_id, event_id=event_id,
                           summary=_("每个作品 {k} 位评委：共 {n} 条分配，{u} 个作品评委不足", k=judges_per_entry, n=total, u=len(unassigned)))
        return total

    total = await write_transaction(work)
    return {"assignments": total, "unassigned_entries": unassigned}


async def move_assignment(actor: Principal, assignment_id: int, judge_user_id: int) -> dict[str, Any]:
    """Move one assignment to another judge by hand, with the same eligibility and
    conflict checks. A scored assignment cannot be moved (its score would be lost)."""
    row = await Assignment.select().where(Assignment.id == assignment_id).first()
    if row is None:
        raise NotFound(_("分配记录不存在。"))
    round_row = await current_round_for(row["round"])
    require_not_finalized(round_row)
    if await Score.exists().where(Score.assignment == assignment_id):
        raise Conflict(_("该评委已经评分，不能改派（否则会丢失评分）。"))
    event = await get_event_row(round_row["event"])
    entry = (await entry_profiles([row["entry"]]))[0]
    judges = {j.user_id: j for j in await judge_profiles(round_row["event"])}
    judge = judges.get(judge_user_id)
    if judge is None:
        raise ValidationFailed(_("该用户不是本赛事的评委。"))
    if entry.category_code not in judge.category_codes:
        raise ValidationFailed(_("评委{name}不评审“{category}”类别。", name=judge.name, category=entry.category_code))
    reason = conflict_reason(judge, entry, event["judge_city_conflict"])
    if reason:
        raise ValidationFailed(_("不能分配：{reason}。", reason=_(CONFLICT_LABELS[reason])))
    if await Assignment.exists().where((Assignment.round == row["round"]) & (Assignment.entry == row["entry"]) & (Assignment.judge == judge_user_id)):
        raise Conflict(_("该评委已分配到这个作品。"))
    await Assignment.update({Assignment.judge: judge_user_id}).where(Assignment.id == assignment_id)
    await audit.record(actor, "assignment.move", "assignment", assignment_id, event_id=round_row["event"], entry_id=row["entry"],
                       changes={"judge": [row["judge"], judge_user_id]})
    return {"id": assignment_id, "entry_id": row["entry"], "judge_id": judge_user_id}


async def current_round_for(round_id: int) -> dict[str, Any]:
    from judging.tables import Round

    row = await Round.select().where(Round.id == round_id).first()
    if row is None:
        raise NotFound(_("评审轮次不存在。"))
    return row


async def is_assigned(judge_user_id: int, entry_id: int) -> bool:
    """True if the judge has this entry in any round (registration uses it for visibility)."""
    return await Assignment.exists().where((Assignment.judge == judge_user_id) & (Assignment.entry == entry_id))


async def assigned_entry_ids(judge_user_id: int, event_id: int) -> list[int]:
    rows = await Assignment.select(Assignment.entry).where((Assignment.judge == judge_user_id) & (Assignment.round.event == event_id))
    return sorted({r["entry"] for r in rows})


async def my_assignments(actor: Principal) -> list[dict[str, Any]]:
    """The judge's assignments in current rounds: ``[{"entry_id", "event_id", "status",
    "code", "title", "category_code", "division", "version", "total"}]``; ``status`` is
    ``pending``, ``draft`` (some criteria scored) or ``scored``."""
    rows = await Assignment.select(
        Assignment.id, Assignment.entry, Assignment.round.event.as_alias("event_id"), Assignment.round.state.as_alias("round_state"),
        Assignment.entry.code.as_alias("code"), Assignment.entry.title.as_alias("title"),
        Assignment.entry.category.code.as_alias("category_code"), Assignment.entry.division.as_alias("division"),
    ).where((Assignment.judge == actor.id) & (Assignment.round.is_current == True)).order_by(Assignment.entry.code)  # noqa: E712
    scores = {s["assignment"]: s for s in await Score.select(Score.assignment, Score.complete, Score.version, Score.total).where(
        Score.judge == actor.id)}
    result = []
    for r in rows:
        score = scores.get(r["id"])
        status = "pending" if score is None else ("scored" if score["complete"] else "draft")
        result.append({"entry_id": r["entry"], "event_id": r["event_id"], "status": status, "code": r["code"], "title": r["title"],
                       "category_code": r["category_code"], "division": r["division"], "round_state": r["round_state"],
                       "version": score["version"] if score else 0, "total": score["total"] if score else None})
    return result


async def judge_sheets(event_id: int) -> list[dict[str, Any]]:
    """Per judge, the entries to score in the current round (for printing):
    ``[{"judge_id", "name", "entries": [{"code", "title", "category_code", "division"}]}]``."""
    round_row = await current_round(event_id)
    rows = await Assignment.select(
        Assignment.judge, Assignment.judge.display_name.as_alias("name"), Assignment.judge.username.as_alias("username"),
        Assignment.entry.code.as_alias("code"), Assignment.entry.title.as_alias("title"),
        Assignment.entry.category.code.as_alias("category_code"), Assignment.entry.division.as_alias("division"),
    ).where(Assignment.round == round_row["id"])
    sheets: dict[int, dict[str, Any]] = {}
    for r in rows:
        sheet = sheets.setdefault(r["judge"], {"judge_id": r["judge"], "name": r["name"] or r["username"], "entries": []})
        sheet["entries"].append({k: r[k] for k in ("code", "title", "category_code", "division")})
    for sheet in sheets.values():
        sheet["entries"].sort(key=lambda e: e["code"])
    return sorted(sheets.values(), key=lambda s: s["name"])
