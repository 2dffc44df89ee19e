"""Assignment of judges to entries (分配评委).

Every approved entry of the current round gets ``k`` judges of its category, never a
conflicted one (:func:`judging.panels.services.conflict_reason`). Entries are placed most
constrained first, each taking the eligible judges with the lowest load (ties broken
by a seeded shuffle so judges' sets of entries overlap, which per-judge normalization
needs); a repair pass then moves unscored assignments along chains of eligible judges
(X hands an entry to Y, Y another to Z) from busier to less busy judges until no such
chain can even the loads further: loads differ by at most one where conflicts allow.
Assignments that already have a score (or a draft) are always kept.
"""

from __future__ import annotations

import random
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from typing import Any

from app import audit, times
from app.db import is_sqlite, write_transaction
from app.errors import Conflict, NotFound, ValidationFailed
from app.i18n import _
from app.principal import Principal
from competitions.events.services import get_event_row
from competitions.registration.tables import Entry, Member
from judging.panels.services import EntryProfile, JudgeProfile, conflict_reason, eligible, judge_profiles
from judging.rounds.services import current_round, round_entry_ids
from judging.rounds.settings import blind_review
from judging.rounds.states import RoundState
from judging.scoring.rules import score_text
from judging.scoring.tables import Assignment, Score

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

    Every entry gets ``min(k, eligible judges)`` judges (judges have no capacity limit, so
    nothing is lost by the order of placement). Loads are then balanced by moving
    assignments that are not kept along "cost-reducing paths" (judge X hands an entry to
    Y, Y hands another to Z, ...) until no judge with load L can pass work to a judge with
    load <= L - 2 through such a chain; a balanced plan is then optimal: the highest load
    is as low and the lowest as high as the eligibility and conflicts allow.

    Returns the plan and the entries that could not get ``k`` judges as
    ``[{"entry_id", "code", "assigned", "needed"}]``. Pure function, no database.
    """
    rng = random.Random(seed)
    kept = kept or {}
    load: dict[int, int] = defaultdict(int)
    plan: dict[int, set[int]] = {}
    for judge in judges:
        load[judge.user_id] += 0
    for entry_id, judge_ids in kept.items():
        for judge_id in judge_ids:
            load[judge_id] += 1
    by_category: dict[str, list[JudgeProfile]] = defaultdict(list)
    for judge in judges:
        for code in judge.category_codes:
            by_category[code].append(judge)
    candidates: dict[int, list[int]] = {}
    for entry in entries:
        candidates[entry.entry_id] = [
            j.user_id
            for j in by_category.get(entry.category_code, ())
            if conflict_reason(j, entry, city_conflict) is None
        ]
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


def _balance(
    plan: dict[int, set[int]], candidates: dict[int, list[int]], kept: dict[int, set[int]], load: dict[int, int]
) -> None:
    """Even out ``load`` (changing ``plan`` in place) by cost-reducing paths: a chain of
    moves of non-kept assignments X -e1-> Y -e2-> Z ... that takes one assignment off a
    judge with load L and gives one to a judge with load <= L - 2 (every other judge on
    the chain gives one and takes one). Stops when no such chain exists from any load
    level, which makes the load vector optimal (no judge could be less loaded without
    another becoming more loaded than it)."""
    movable: dict[int, set[int]] = defaultdict(set)
    for entry_id, judge_ids in plan.items():
        fixed = kept.get(entry_id, set())
        for judge_id in judge_ids:
            if judge_id not in fixed:
                movable[judge_id].add(entry_id)
    _direct_moves(plan, candidates, movable, load)
    while True:
        levels = sorted(set(load.values()), reverse=True)
        if not levels or levels[0] - levels[-1] <= 1:
            return
        path = None
        for level in levels:
            if level - levels[-1] < 2:
                break
            path = _cost_reducing_path(
                plan, candidates, movable, load, [j for j, n in load.items() if n >= level], level - 2
            )
            if path:
                break
        if not path:
            return
        for giver, entry_id, taker in path:
            plan[entry_id].discard(giver)
            plan[entry_id].add(taker)
            movable[giver].discard(entry_id)
            movable[taker].add(entry_id)
        load[path[0][0]] -= 1
        load[path[-1][2]] += 1


def _direct_moves(
    plan: dict[int, set[int]], candidates: dict[int, list[int]], movable: dict[int, set[int]], load: dict[int, int]
) -> None:
    """The cheap first part of :func:`_balance`: chains of length one (a judge hands an
    entry straight to the least loaded eligible judge with at least two fewer)."""
    moved = True
    while moved:
        moved = False
        for giver in sorted(load, key=load.__getitem__, reverse=True):
            for entry_id in list(movable[giver]):
                on_entry = plan[entry_id]
                best = None
                lowest = load[giver] - 2
                for taker in candidates.get(entry_id, ()):
                    if load[taker] <= lowest and taker not in on_entry:
                        best, lowest = taker, load[taker] - 1
                if best is None:
                    continue
                on_entry.discard(giver)
                on_entry.add(best)
                movable[giver].discard(entry_id)
                movable[best].add(entry_id)
                load[giver] -= 1
                load[best] += 1
                moved = True


def _cost_reducing_path(
    plan: dict[int, set[int]],
    candidates: dict[int, list[int]],
    movable: dict[int, set[int]],
    load: dict[int, int],
    sources: list[int],
    limit: int,
) -> list[tuple[int, int, int]] | None:
    """Breadth-first search from ``sources`` for a judge with load <= ``limit`` reachable by
    handing entries on: ``[(giver, entry_id, taker), ...]`` or ``None``. Each entry is
    expanded once (the judges it can go to do not depend on who gives it)."""
    parent: dict[int, tuple[int, int] | None] = {j: None for j in sources}
    seen_entries: set[int] = set()
    queue = deque(sources)
    while queue:
        giver = queue.popleft()
        for entry_id in movable[giver]:
            if entry_id in seen_entries:
                continue
            seen_entries.add(entry_id)
            on_entry = plan[entry_id]
            for taker in candidates.get(entry_id, ()):
                if taker in parent or taker in on_entry:
                    continue
                parent[taker] = (giver, entry_id)
                if load[taker] <= limit:
                    path = []
                    node = taker
                    while parent[node] is not None:
                        previous, via = parent[node]
                        path.append((previous, via, node))
                        node = previous
                    return path[::-1]
                queue.append(taker)
    return None


#: categories no panel judges (a robotics challenge scored by referees' runs or matches alone),
#: registered by later capabilities: ``provider(event_id) -> {category code}``
not_judged: list[Callable[[int], Awaitable[set[str]]]] = []


def register_not_judged(provider: Callable[[int], Awaitable[set[str]]]) -> None:
    if provider not in not_judged:
        not_judged.append(provider)


async def judged_entries(event_id: int, round_row: dict[str, Any]) -> list[EntryProfile]:
    """The round's entries that panels judge: those of categories a registered provider says are
    scored otherwise (robotics runs, matches) are left out of assignments and shortfalls."""
    entries = await entry_profiles(await round_entry_ids(round_row))
    skip: set[str] = set()
    for provider in not_judged:
        skip |= await provider(event_id)
    return [e for e in entries if e.category_code not in skip] if skip else entries


async def entry_profiles(entry_ids: list[int]) -> list[EntryProfile]:
    """Entries as :class:`EntryProfile` with their advisers' names (two queries)."""
    if not entry_ids:
        return []
    rows = await Entry.select(
        Entry.id,
        Entry.code,
        Entry.school,
        Entry.school.city.as_alias("city"),
        Entry.category.code.as_alias("category_code"),
    ).where(Entry.id.is_in(entry_ids))
    advisers: dict[int, set[str]] = defaultdict(set)
    for m in await Member.select(Member.entry, Member.name).where(
        Member.entry.is_in(entry_ids) & (Member.role == "adviser")
    ):
        advisers[m["entry"]].add(m["name"])
    return [
        EntryProfile(r["id"], r["code"], r["category_code"], r["school"], r["city"], advisers[r["id"]]) for r in rows
    ]


async def generate(actor: Principal, event_id: int, judges_per_entry: int, seed: int = 0) -> dict[str, Any]:
    """``assignments/generate``: (re)assign judges for the current round. Keeps every
    assignment that already has a score; replaces the others. Returns
    ``{"assignments": n, "unassigned_entries": [{"entry_id", "code", "assigned", "needed", "reason"}],
    "unassigned": [{"entry_id", "code", "reason"}]}``: the entries left with fewer judges than asked
    and why, in words (:func:`shortfall_reason`, as on the assignment page).
    Raises :class:`ValidationFailed` for k < 1, :class:`Conflict` once results are published."""
    if not isinstance(judges_per_entry, int) or judges_per_entry < 1 or judges_per_entry > 20:
        raise ValidationFailed(_("每个作品的评委人数必须是 1 到 20 的整数。"))
    event = await get_event_row(event_id)
    round_row = await current_round(event_id)
    if RoundState.of(round_row).scores_locked:
        raise Conflict(_("结果已公示或定稿，不能重新分配评委。"))
    entries = await judged_entries(event_id, round_row)
    judges = await judge_profiles(event_id)
    scored = await Score.select(Score.assignment, Score.entry, Score.judge).where(Score.round == round_row["id"])
    kept: dict[int, set[int]] = defaultdict(set)
    kept_assignment_ids = set()
    for s in scored:
        kept[s["entry"]].add(s["judge"])
        kept_assignment_ids.add(s["assignment"])
    plan, unassigned = plan_assignments(
        entries,
        judges,
        judges_per_entry,
        city_conflict=event["judge_city_conflict"],
        kept=dict(kept),
        seed=seed or round_row["id"],
    )

    async def work() -> int:
        existing = await Assignment.select(Assignment.id, Assignment.entry, Assignment.judge).where(
            Assignment.round == round_row["id"]
        )
        wanted = {(e, j) for e, js in plan.items() for j in js}
        drop = [
            a["id"] for a in existing if (a["entry"], a["judge"]) not in wanted and a["id"] not in kept_assignment_ids
        ]
        if drop and not is_sqlite():
            # a judge's first PUT locks its assignment row too: whichever comes second waits
            for start in range(0, len(drop), 500):
                await Assignment.select(Assignment.id).where(Assignment.id.is_in(drop[start : start + 500])).lock_rows()
        # a sheet stored since the plan was made is kept as well (deleting the assignment would delete it)
        scored_now = {
            s["assignment"] for s in await Score.select(Score.assignment).where(Score.round == round_row["id"])
        }
        dropping = {i for i in drop if i not in scored_now}
        keep_pairs = {(a["entry"], a["judge"]) for a in existing if a["id"] in scored_now}
        present = {(a["entry"], a["judge"]) for a in existing if a["id"] not in dropping}
        ordered = sorted(dropping)
        for start in range(0, len(ordered), 500):
            await Assignment.delete().where(Assignment.id.is_in(ordered[start : start + 500]))
        await _insert_assignments(round_row["id"], sorted(wanted - present))
        total = len(wanted | keep_pairs)
        await audit.record(
            actor,
            "assignments.generate",
            "event",
            event_id,
            event_id=event_id,
            summary=_(
                "每个作品 {k} 位评委：共 {n} 条分配，{u} 个作品评委不足", k=judges_per_entry, n=total, u=len(unassigned)
            ),
        )
        return total

    total = await write_transaction(work)
    if unassigned:
        # why each entry is short, in the words the assignment page uses
        reasons = {
            s["entry_id"]: s["reason"] for s in (await assignment_board(event_id, judges_per_entry))["shortfall"]
        }
        for u in unassigned:
            u["reason"] = reasons.get(u["entry_id"]) or _(
                "只分配到 {m} 位评委，少于每个作品需要的 {k} 位。", m=u["assigned"], k=u["needed"]
            )
    return {
        "assignments": total,
        "unassigned_entries": unassigned,
        "unassigned": [{"entry_id": u["entry_id"], "code": u["code"], "reason": u["reason"]} for u in unassigned],
    }


async def _insert_assignments(round_id: int, pairs: list[tuple[int, int]]) -> None:
    """Insert ``(entry, judge)`` assignments of a round, 500 rows a statement (one
    multi-row INSERT: building 15,000 Piccolo row objects costs seconds)."""
    at = times.now()
    for start in range(0, len(pairs), 500):
        chunk = pairs[start : start + 500]
        values = ", ".join(["({}, {}, {}, {})"] * len(chunk))
        args = [value for entry_id, judge_id in chunk for value in (round_id, entry_id, judge_id, at)]
        await Assignment.raw(f'INSERT INTO assignment ("round", "entry", "judge", "created_at") VALUES {values}', *args)


async def move_assignment(actor: Principal, assignment_id: int, judge_user_id: int) -> dict[str, Any]:
    """Move one assignment to another judge by hand, with the same eligibility and
    conflict checks. A scored assignment cannot be moved (its score would be lost)."""
    row = await Assignment.select().where(Assignment.id == assignment_id).first()
    if row is None:
        raise NotFound(_("分配记录不存在。"))
    round_row = await current_round_for(row["round"])
    if RoundState.of(round_row).scores_locked:
        raise Conflict(_("结果已公示或定稿，不能改派评委。"))
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
    if await Assignment.exists().where(
        (Assignment.round == row["round"]) & (Assignment.entry == row["entry"]) & (Assignment.judge == judge_user_id)
    ):
        raise Conflict(_("该评委已分配到这个作品。"))

    async def work() -> None:
        # checked again under the row lock: the judge may be storing a first score right now
        query = Assignment.select(Assignment.id).where(Assignment.id == assignment_id)
        if not await (query if is_sqlite() else query.lock_rows()):
            raise NotFound(_("分配记录不存在。"))
        if await Score.exists().where(Score.assignment == assignment_id):
            raise Conflict(_("该评委已经评分，不能改派（否则会丢失评分）。"))
        await Assignment.update({Assignment.judge: judge_user_id}).where(Assignment.id == assignment_id)
        await audit.record(
            actor,
            "assignment.move",
            "assignment",
            assignment_id,
            event_id=round_row["event"],
            entry_id=row["entry"],
            changes={"judge": [row["judge"], judge_user_id]},
        )

    await write_transaction(work)
    return {"id": assignment_id, "entry_id": row["entry"], "judge_id": judge_user_id}


async def current_round_for(round_id: int) -> dict[str, Any]:
    from judging.rounds.tables import Round

    row = await Round.select().where(Round.id == round_id).first()
    if row is None:
        raise NotFound(_("评审轮次不存在。"))
    return row


async def is_assigned(judge_user_id: int, entry_id: int) -> bool:
    """True if the judge has this entry in any round (registration uses it for visibility)."""
    return await Assignment.exists().where((Assignment.judge == judge_user_id) & (Assignment.entry == entry_id))


async def assigned_entry_ids(judge_user_id: int, event_id: int) -> list[int]:
    rows = await Assignment.select(Assignment.entry).where(
        (Assignment.judge == judge_user_id) & (Assignment.round.event == event_id)
    )
    return sorted({r["entry"] for r in rows})


class JudgeEntryReader:
    """Registration's reader for judges: a judge reads the entries assigned to them (any round)."""

    role = "judge"

    async def can_read(self, actor: Principal, entry_id: int) -> bool:
        return await is_assigned(actor.id, entry_id)

    async def entry_ids(self, actor: Principal, event_id: int) -> list[int]:
        return await assigned_entry_ids(actor.id, event_id)

    async def view(self, actor: Principal, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Under blind review (the event's ``blind_review`` setting) judges see neither the school
        nor the city of an entry: ``school_code`` and ``school_name`` blank, ``city`` null."""
        blind = {e: await blind_review(e) for e in {entry["event_id"] for entry in entries}}
        return [{**e, **BLIND} if blind[e["event_id"]] else e for e in entries]


BLIND = {"school_code": "", "school_name": "", "city": None}
entry_access_for_judge = JudgeEntryReader()


async def my_assignments(actor: Principal) -> list[dict[str, Any]]:
    """The judge's assignments in current rounds: ``[{"entry_id", "event_id", "status",
    "code", "title", "category_code", "division", "version", "total", "score_decimals"}]``; ``status``
    is ``pending``, ``draft`` (some criteria scored) or ``scored``; ``total`` is the sheet's
    weighted sum as a decimal string with the event's ``score_decimals`` places (half-up), like
    every score the API gives."""
    rows = (
        await Assignment.select(
            Assignment.id,
            Assignment.entry,
            Assignment.round.event.as_alias("event_id"),
            Assignment.round.state.as_alias("round_state"),
            Assignment.entry.code.as_alias("code"),
            Assignment.entry.title.as_alias("title"),
            Assignment.entry.category.code.as_alias("category_code"),
            Assignment.entry.division.as_alias("division"),
            Assignment.round.event.score_decimals.as_alias("score_decimals"),
        )
        .where((Assignment.judge == actor.id) & (Assignment.round.is_current.eq(True)))
        .order_by(Assignment.entry.code)
    )
    scores = {
        s["assignment"]: s
        for s in await Score.select(Score.assignment, Score.complete, Score.version, Score.total).where(
            Score.judge == actor.id
        )
    }
    result = []
    for r in rows:
        score = scores.get(r["id"])
        status = "pending" if score is None else ("scored" if score["complete"] else "draft")
        result.append(
            {
                "entry_id": r["entry"],
                "event_id": r["event_id"],
                "status": status,
                "code": r["code"],
                "title": r["title"],
                "category_code": r["category_code"],
                "division": r["division"],
                "round_state": r["round_state"],
                "version": score["version"] if score else 0,
                "total": score_text(score["total"], r["score_decimals"]) if score else None,
                "score_decimals": r["score_decimals"],
            }
        )
    return result


async def judge_sheets(event_id: int) -> list[dict[str, Any]]:
    """Per judge, the entries to score in the current round (for printing):
    ``[{"judge_id", "name", "entries": [{"code", "title", "category_code", "division"}]}]``."""
    await get_event_row(event_id)
    round_row = await current_round(event_id)
    rows = await Assignment.select(
        Assignment.judge,
        Assignment.judge.display_name.as_alias("name"),
        Assignment.judge.username.as_alias("username"),
        Assignment.entry.code.as_alias("code"),
        Assignment.entry.title.as_alias("title"),
        Assignment.entry.category.code.as_alias("category_code"),
        Assignment.entry.division.as_alias("division"),
    ).where(Assignment.round == round_row["id"])
    sheets: dict[int, dict[str, Any]] = {}
    for r in rows:
        sheet = sheets.setdefault(
            r["judge"], {"judge_id": r["judge"], "name": r["name"] or r["username"], "entries": []}
        )
        sheet["entries"].append({k: r[k] for k in ("code", "title", "category_code", "division")})
    for sheet in sheets.values():
        sheet["entries"].sort(key=lambda e: e["code"])
    return sorted(sheets.values(), key=lambda s: s["name"])


# --------------------------------------------------------------------------- organizer assignment page


CONFLICT_COUNTS = {
    "own_school": "{n} 位与该作品同校",
    "own_city": "{n} 位与该作品同市县",
    "declared_school": "{n} 位申报回避该校",
    "declared_entry": "{n} 位申报回避该作品",
    "declared_adviser": "{n} 位申报回避该作品的辅导教师",
}
CONFLICT_ALL = {
    "own_school": "“{category}”的 {n} 位评委都来自该作品的学校（{school}），需要回避。",
    "own_city": "“{category}”的 {n} 位评委都来自该作品学校所在的市县（{city}），本赛事要求同市县回避。",
    "declared_school": "“{category}”的 {n} 位评委都申报回避该作品的学校（{school}）。",
    "declared_entry": "“{category}”的 {n} 位评委都申报回避该作品。",
    "declared_adviser": "“{category}”的 {n} 位评委都申报回避该作品的辅导教师。",
}


def shortfall_reason(
    *,
    category: str,
    school: str,
    city: str,
    needed: int,
    assigned: int,
    category_judges: int,
    eligible: int,
    conflicts: dict[str, int],
) -> str:
    """Why an entry has fewer judges than needed, in words a person understands (translated):
    no judge of the category; every judge of it conflicted for one reason ("all 3 judges of 物理
    are from this school's city") or several; or too few left for ``needed``."""
    if not category_judges:
        return _("还没有评审“{category}”的评委，请先在“评委”页添加。", category=category)
    parts = "，".join(_(CONFLICT_COUNTS[reason], n=n) for reason, n in sorted(conflicts.items()) if n)
    if not eligible:
        if len(conflicts) == 1:
            reason = next(iter(conflicts))
            return _(CONFLICT_ALL[reason], category=category, n=category_judges, school=school, city=city)
        return _("“{category}”的 {n} 位评委都需要回避：{parts}。", category=category, n=category_judges, parts=parts)
    if eligible < needed and eligible <= assigned:
        if parts:
            return _(
                "“{category}”共 {n} 位评委，其中 {parts}，只有 {m} 位可以评这个作品，少于每个作品需要的 {k} 位。",
                category=category,
                n=category_judges,
                parts=parts,
                m=eligible,
                k=needed,
            )
        return _("“{category}”只有 {m} 位评委，少于每个作品需要的 {k} 位。", category=category, m=eligible, k=needed)
    return _("有 {m} 位评委可以评这个作品，请重新生成分配。", m=eligible)


def k_in_use(per_entry: dict[int, int]) -> int | None:
    """The judges per entry the current assignments use: the most common count among entries
    that have judges (the larger on a tie), ``None`` before any assignment."""
    counts: dict[int, int] = defaultdict(int)
    for n in per_entry.values():
        if n:
            counts[n] += 1
    if not counts:
        return None
    return max(counts, key=lambda n: (counts[n], n))


async def assignment_board(event_id: int, k: int | None = None) -> dict[str, Any]:
    """What the organizer's assignment page shows for the current round:
    ``{"state", "total", "entries", "k_in_use", "needed", "judges": [{"judge_id", "name", "category_codes",
    "assigned", "scored"}], "shortfall": [{"entry_id", "code", "title", "category_code", "category_name",
    "division", "assigned", "needed", "category_judges", "eligible", "conflicts": {reason: n}, "reason"}]}``.

    ``shortfall`` lists the entries with fewer than ``k`` judges (without ``k``: fewer than the
    k in use, :func:`k_in_use`; with no judge at all before any assignment) and why, counted (how
    many judges judge the entry's category, how many are conflicted by :data:`CONFLICT_LABELS`
    reason, how many remain eligible) and in words (``reason``, :func:`shortfall_reason`)."""
    event = await get_event_row(event_id)
    round_row = await current_round(event_id)
    entries = await judged_entries(event_id, round_row)
    judges = await judge_profiles(event_id)
    rows = await Assignment.select(Assignment.id, Assignment.entry, Assignment.judge).where(
        Assignment.round == round_row["id"]
    )
    sheets = {
        s["assignment"]: s["complete"]
        for s in await Score.select(Score.assignment, Score.complete).where(Score.round == round_row["id"])
    }
    per_entry: dict[int, int] = defaultdict(int)
    load: dict[int, int] = defaultdict(int)
    scored: dict[int, int] = defaultdict(int)
    for a in rows:
        per_entry[a["entry"]] += 1
        load[a["judge"]] += 1
        scored[a["judge"]] += bool(sheets.get(a["id"]))
    in_use = k_in_use(per_entry)
    needed = k or in_use or 1
    short = [e for e in entries if per_entry[e.entry_id] < needed]
    titles = {}
    if short:
        ids = [e.entry_id for e in short]
        for start in range(0, len(ids), 900):
            for r in await Entry.select(
                Entry.id,
                Entry.title,
                Entry.division,
                Entry.category.name.as_alias("category_name"),
                Entry.school.name.as_alias("school_name"),
            ).where(Entry.id.is_in(ids[start : start + 900])):
                titles[r["id"]] = r
    shortfall = []
    for e in sorted(short, key=lambda e: e.code):
        of_category = [j for j in judges if e.category_code in j.category_codes]
        conflicts: dict[str, int] = defaultdict(int)
        for j in of_category:
            reason = conflict_reason(j, e, event["judge_city_conflict"])
            if reason:
                conflicts[reason] += 1
        info = titles.get(e.entry_id, {})
        eligible_n = len(of_category) - sum(conflicts.values())
        shortfall.append(
            {
                "entry_id": e.entry_id,
                "code": e.code,
                "title": info.get("title", ""),
                "division": info.get("division", ""),
                "category_code": e.category_code,
                "category_name": info.get("category_name") or e.category_code,
                "assigned": per_entry[e.entry_id],
                "needed": needed,
                "category_judges": len(of_category),
                "eligible": eligible_n,
                "conflicts": dict(conflicts),
                "reason": shortfall_reason(
                    category=info.get("category_name") or e.category_code,
                    school=info.get("school_name") or "",
                    city=e.city or "",
                    needed=needed,
                    assigned=per_entry[e.entry_id],
                    category_judges=len(of_category),
                    eligible=eligible_n,
                    conflicts=dict(conflicts),
                ),
            }
        )
    return {
        "state": round_row["state"],
        "total": len(rows),
        "entries": len(entries),
        "k_in_use": in_use,
        "needed": needed,
        "judges": sorted(
            (
                {
                    "judge_id": j.user_id,
                    "name": j.name,
                    "category_codes": sorted(j.category_codes),
                    "assigned": load[j.user_id],
                    "scored": scored[j.user_id],
                }
                for j in judges
            ),
            key=lambda j: j["name"],
        ),
        "shortfall": shortfall,
    }


async def judge_board(event_id: int, judge_user_id: int) -> list[dict[str, Any]]:
    """One judge's assignments in the current round, each with the judges it could be
    moved to (same category, no conflict, not already on the entry) and their loads:
    ``[{"assignment_id", "entry_id", "code", "title", "category_code", "division", "status",
    "options": [{"judge_id", "name", "load"}]}]``; ``status`` is pending, draft or scored
    (a judge's sheet exists: such an assignment cannot be moved)."""
    event = await get_event_row(event_id)
    round_row = await current_round(event_id)
    mine = (
        await Assignment.select(
            Assignment.id,
            Assignment.entry,
            Assignment.entry.code.as_alias("code"),
            Assignment.entry.title.as_alias("title"),
            Assignment.entry.division.as_alias("division"),
        )
        .where((Assignment.round == round_row["id"]) & (Assignment.judge == judge_user_id))
        .order_by(Assignment.entry.code)
    )
    if not mine:
        return []
    entry_ids = [a["entry"] for a in mine]
    profiles = {p.entry_id: p for p in await entry_profiles(entry_ids)}
    judges = await judge_profiles(event_id)
    everyone = await Assignment.select(Assignment.entry, Assignment.judge).where(Assignment.round == round_row["id"])
    load: dict[int, int] = defaultdict(int)
    on_entry: dict[int, set[int]] = defaultdict(set)
    for a in everyone:
        load[a["judge"]] += 1
        on_entry[a["entry"]].add(a["judge"])
    sheets = {
        s["assignment"]: s["complete"]
        for s in await Score.select(Score.assignment, Score.complete).where(
            Score.assignment.is_in([a["id"] for a in mine])
        )
    }
    result = []
    for a in mine:
        entry = profiles[a["entry"]]
        options = [
            {"judge_id": j.user_id, "name": j.name, "load": load[j.user_id]}
            for j in judges
            if j.user_id not in on_entry[a["entry"]] and eligible(j, entry, event["judge_city_conflict"])
        ]
        options.sort(key=lambda o: (o["load"], o["name"]))
        status = "pending" if a["id"] not in sheets else ("scored" if sheets[a["id"]] else "draft")
        result.append(
            {
                "assignment_id": a["id"],
                "entry_id": a["entry"],
                "code": a["code"],
                "title": a["title"],
                "category_code": entry.category_code,
                "division": a["division"],
                "status": status,
                "options": options,
            }
        )
    return result
