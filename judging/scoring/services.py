"""Scores (评分): a judge's points per criterion for an assigned entry.

``PUT`` semantics: idempotent and versioned. A request carries the ``version`` it was
based on; a stale version (a late replay from a tablet that was offline) answers 409 and
never overwrites a newer edit, while a replay of exactly what is stored answers 200.
Judges change scores until results are published; after that only an organizer does,
citing the objection it answers; after finalization nothing changes (409).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from app import audit
from app.db import write_transaction
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.i18n import _
from app.principal import Principal
from app.signals import scores_changed
from app.times import now
from competitions.events.services import get_event_row
from competitions.registration.tables import Entry
from judging.rounds.services import current_round, require_not_finalized, require_open_for_judges
from judging.rounds.states import RoundState
from judging.rounds.tables import Round
from judging.scoring.rubric import get_rubric, rules_of
from judging.scoring.rules import judge_score, plain
from judging.scoring.tables import Assignment, Score, ScoreChange


def _points(criteria: list[dict[str, Any]], values: dict[str, Any]) -> dict[str, str]:
    """Validate points ``{code: number}`` against the rubric: known codes, 0..max_points,
    at most 2 decimal places. Returns ``{code: "decimal string"}``. Raises ValidationFailed (422)."""
    by_code = {c["code"]: c for c in criteria}
    unknown = [code for code in values if code not in by_code]
    if unknown:
        raise ValidationFailed(_("评分项不存在：{codes}。", codes="、".join(unknown)))
    cleaned = {}
    for code, raw in values.items():
        if raw is None or raw == "":
            continue
        if isinstance(raw, bool) or (isinstance(raw, str) and not re.fullmatch(r"\s*\d+(\.\d+)?\s*", raw)):
            raise ValidationFailed(_("“{name}”的分数必须是数字。", name=by_code[code]["name"]))
        try:
            value = Decimal(str(raw).strip())
        except (InvalidOperation, ValueError):
            raise ValidationFailed(_("“{name}”的分数必须是数字。", name=by_code[code]["name"])) from None
        maximum = Decimal(by_code[code]["max_points"])
        if not value.is_finite() or value < 0 or value > maximum:
            raise ValidationFailed(
                _(
                    "“{name}”的分数必须在 0 到 {max} 之间，现在是 {value}。",
                    name=by_code[code]["name"],
                    max=maximum,
                    value=raw,
                )
            )
        if value != value.quantize(Decimal("0.01")):
            raise ValidationFailed(_("“{name}”的分数最多保留两位小数。", name=by_code[code]["name"]))
        cleaned[code] = plain(value)  # canonical text: 8, 8.0 and "8.00" are the same points
    return cleaned


def total_of(criteria: list[dict[str, Any]], points: dict[str, str]) -> tuple[str, bool]:
    """``(total, complete)``: the weighted total as a decimal string when every criterion
    is scored, else ``("", False)``."""
    if all(c["code"] in points for c in criteria):
        return plain(judge_score({k: Decimal(v) for k, v in points.items()}, rules_of(criteria))), True
    return "", False


async def _assignment_for(actor: Principal, entry_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    entry = await Entry.select(Entry.id, Entry.event, Entry.category).where(Entry.id == entry_id).first()
    if entry is None:
        raise NotFound(_("作品不存在。"))
    round_row = await current_round(entry["event"])
    assignment = (
        await Assignment.select()
        .where((Assignment.round == round_row["id"]) & (Assignment.entry == entry_id) & (Assignment.judge == actor.id))
        .first()
    )
    if assignment is None:
        raise Forbidden(_("这个作品没有分配给您，不能评分。"))
    return assignment, {**round_row, "entry": entry}


async def get_my_score(actor: Principal, entry_id: int) -> dict[str, Any]:
    """The caller's score sheet for an assigned entry: ``{"criteria": {code: "points"},
    "comment", "version", "total", "complete", "rubric": [...], "locked"}``."""
    assignment, ctx = await _assignment_for(actor, entry_id)
    rubric = await get_rubric(ctx["event"], ctx["entry"]["category"])
    score = await Score.select().where(Score.assignment == assignment["id"]).output(load_json=True).first()
    return {
        "criteria": score["points"] if score else {},
        "comment": score["comment"] if score else "",
        "version": score["version"] if score else 0,
        "total": score["total"] if score else "",
        "complete": bool(score and score["complete"]),
        "rubric": rubric,
        "locked": RoundState.of(ctx["state"]).scores_locked,
    }


async def put_score(
    actor: Principal, entry_id: int, criteria: dict[str, Any], comment: str | None = None, version: int | None = None
) -> dict[str, Any]:
    """A judge records or changes their score for an assigned entry.

    Partial sheets are kept as drafts (``complete`` false). Returns ``{"entry_id",
    "version", "total", "complete"}``. Raises :class:`Forbidden` (403) when not assigned,
    :class:`Conflict` (409) once results are published/finalized or for a stale
    ``version``, :class:`ValidationFailed` (422) for points out of range.
    """
    if not isinstance(criteria, dict):
        raise ValidationFailed(_("criteria 必须是 {评分项代码: 分数} 的对象。"))
    assignment, ctx = await _assignment_for(actor, entry_id)
    require_open_for_judges(ctx)
    rubric = await get_rubric(ctx["event"], ctx["entry"]["category"])
    points = _points(rubric, criteria)
    given_comment = None if comment is None else comment.strip()[:2000]

    async def work() -> dict[str, Any]:
        # one writer per sheet at a time (a tablet's retry may race its first request), and the
        # lock state read again inside the transaction (publication may have just happened)
        await _lock_assignment(assignment["id"])
        require_open_for_judges(await Round.select().where(Round.id == assignment["round"]).first())
        existing = await Score.select().where(Score.assignment == assignment["id"]).output(load_json=True).first()
        # a request without a comment keeps the stored one (it only sends points)
        comment = given_comment if given_comment is not None else (existing["comment"] if existing else "")
        if existing is None:
            if version not in (None, 0):
                raise Conflict(_("评分版本已过期，请刷新后再提交。"), extra={"current_version": 0})
            total, complete = total_of(rubric, points)
            score = Score(
                assignment=assignment["id"],
                round=assignment["round"],
                entry=entry_id,
                judge=actor.id,
                points=points,
                total=total,
                comment=comment,
                complete=complete,
                version=1,
            )
            await score.save()
            await ScoreChange.insert(
                ScoreChange(score=score.id, changed_by=actor.id, new_points=points, new_total=total)
            )
            return {"entry_id": entry_id, "version": 1, "total": total, "complete": complete}
        merged = {**existing["points"], **points}
        if merged == existing["points"] and comment == existing["comment"]:
            return {
                "entry_id": entry_id,
                "version": existing["version"],
                "total": existing["total"],
                "complete": existing["complete"],
            }
        if version is not None and version != existing["version"]:
            raise Conflict(
                _(
                    "这份评分已在别处更新（当前版本 {current}），您的修改基于版本 {version}，未保存。请刷新后再改。",
                    current=existing["version"],
                    version=version,
                ),
                extra={"current_version": existing["version"]},
            )
        return await _write_change(actor, existing, rubric, merged, comment, "")

    saved = await write_transaction(work)
    await scores_changed.send(event_id=ctx["entry"]["event"], entry_id=entry_id)
    return saved


async def _lock_assignment(assignment_id: int) -> None:
    """Serialise writes to one score sheet. On SQLite ``BEGIN IMMEDIATE`` already does; on
    PostgreSQL this locks the assignment row until commit, so a concurrent first PUT waits
    and then sees the sheet the other one stored (instead of a unique-key error), and a
    regeneration of assignments cannot delete the row under a score being stored.
    Raises :class:`Forbidden` when the assignment is gone (moved or regenerated meanwhile)."""
    from app.db import is_sqlite

    query = Assignment.select(Assignment.id).where(Assignment.id == assignment_id)
    if not await (query if is_sqlite() else query.lock_rows()):
        raise Forbidden(_("这个作品已不再分配给您（评委分配刚刚调整），不能评分。"))


async def _write_change(
    actor: Principal,
    existing: dict[str, Any],
    rubric: list[dict[str, Any]],
    points: dict[str, str],
    comment: str,
    reason: str,
) -> dict[str, Any]:
    total, complete = total_of(rubric, points)
    new_version = existing["version"] + 1
    await Score.update(
        {
            Score.points: points,
            Score.total: total,
            Score.complete: complete,
            Score.comment: comment,
            Score.version: new_version,
            Score.updated_at: now(),
        }
    ).where(Score.id == existing["id"])
    await ScoreChange.insert(
        ScoreChange(
            score=existing["id"],
            changed_by=actor.id,
            old_points=existing["points"],
            new_points=points,
            old_total=existing["total"],
            new_total=total,
            reason=reason,
        )
    )
    return {"entry_id": existing["entry"], "version": new_version, "total": total, "complete": complete}


async def organizer_change_score(
    actor: Principal, score_id: int, criteria: dict[str, Any], reason: str
) -> dict[str, Any]:
    """After publication only an organizer changes a score, citing the objection (异议) it
    answers in ``reason``; after finalization this answers 409 too."""
    if not actor.is_organizer:
        raise Forbidden(_("只有组委会可以修改已锁定的评分。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("修改评分必须说明理由（对应的异议）。"))
    if not isinstance(criteria, dict):
        raise ValidationFailed(_("criteria 必须是 {评分项代码: 分数} 的对象。"))
    score = await Score.select().where(Score.id == score_id).output(load_json=True).first()
    if score is None:
        raise NotFound(_("评分不存在。"))
    require_not_finalized(await Round.select().where(Round.id == score["round"]).first())
    entry = await Entry.select(Entry.event, Entry.category).where(Entry.id == score["entry"]).first()
    rubric = await get_rubric(entry["event"], entry["category"])
    given = _points(rubric, criteria)

    async def work() -> dict[str, Any]:
        await _lock_assignment(score["assignment"])
        require_not_finalized(await Round.select().where(Round.id == score["round"]).first())
        current = await Score.select().where(Score.id == score_id).output(load_json=True).first()
        points = {**current["points"], **given}
        result = await _write_change(actor, current, rubric, points, current["comment"], reason)
        await audit.record(
            actor,
            "score.organizer_change",
            "score",
            score_id,
            event_id=entry["event"],
            entry_id=score["entry"],
            changes={"points": [current["points"], points]},
            reason=reason,
        )
        return result

    saved = await write_transaction(work)
    await scores_changed.send(event_id=entry["event"], entry_id=score["entry"])
    return saved


async def score_history(entry_id: int) -> list[dict[str, Any]]:
    """Every change of every score of an entry: ``[{"at", "judge", "changed_by", "old_total", "new_total", "old_points", "new_points", "reason"}]``."""
    rows = (
        await ScoreChange.select(
            ScoreChange.at,
            ScoreChange.old_points,
            ScoreChange.new_points,
            ScoreChange.old_total,
            ScoreChange.new_total,
            ScoreChange.reason,
            ScoreChange.score.judge.display_name.as_alias("judge"),
            ScoreChange.changed_by.display_name.as_alias("changed_by"),
        )
        .where(ScoreChange.score.entry == entry_id)
        .order_by(ScoreChange.at)
        .order_by(ScoreChange.id)
        .output(load_json=True)
    )
    return [{**r, "at": r["at"].isoformat()} for r in rows]


async def entry_scores(entry_id: int) -> list[dict[str, Any]]:
    """Every assigned judge's sheet for an entry in the current round (organizer view):
    ``[{"assignment_id", "judge_id", "judge", "score_id", "criteria", "total", "comment",
    "complete", "version", "updated_at"}]``; ``score_id`` is ``None`` for a judge who has
    not scored yet."""
    entry = await Entry.select(Entry.id, Entry.event).where(Entry.id == entry_id).first()
    if entry is None:
        raise NotFound(_("作品不存在。"))
    round_row = await current_round(entry["event"])
    rows = (
        await Assignment.select(
            Assignment.id,
            Assignment.judge,
            Assignment.judge.display_name.as_alias("name"),
            Assignment.judge.username.as_alias("username"),
        )
        .where((Assignment.round == round_row["id"]) & (Assignment.entry == entry_id))
        .order_by(Assignment.id)
    )
    sheets = {
        s["assignment"]: s
        for s in await Score.select()
        .where((Score.round == round_row["id"]) & (Score.entry == entry_id))
        .output(load_json=True)
    }
    result = []
    for a in rows:
        s = sheets.get(a["id"])
        result.append(
            {
                "assignment_id": a["id"],
                "judge_id": a["judge"],
                "judge": a["name"] or a["username"],
                "score_id": s["id"] if s else None,
                "criteria": s["points"] if s else {},
                "total": s["total"] if s else "",
                "comment": s["comment"] if s else "",
                "complete": bool(s and s["complete"]),
                "version": s["version"] if s else 0,
                "updated_at": s["updated_at"].isoformat() if s and s["updated_at"] else None,
            }
        )
    return result


async def progress(event_id: int) -> dict[str, Any]:
    """Scored / assigned per judge and per category for the current round."""
    await get_event_row(event_id)
    round_row = await current_round(event_id)
    rows = await Assignment.select(
        Assignment.id,
        Assignment.judge,
        Assignment.judge.display_name.as_alias("name"),
        Assignment.judge.username.as_alias("username"),
        Assignment.entry.category.code.as_alias("category_code"),
        Assignment.entry.category.name.as_alias("category_name"),
    ).where(Assignment.round == round_row["id"])
    done = {
        s["assignment"]
        for s in await Score.select(Score.assignment).where(
            (Score.round == round_row["id"]) & (Score.complete.eq(True))
        )
    }
    judges: dict[int, dict[str, Any]] = {}
    categories: dict[str, dict[str, Any]] = {}
    for r in rows:
        j = judges.setdefault(
            r["judge"], {"judge_id": r["judge"], "name": r["name"] or r["username"], "assigned": 0, "scored": 0}
        )
        c = categories.setdefault(
            r["category_code"],
            {"category_code": r["category_code"], "category_name": r["category_name"], "assigned": 0, "scored": 0},
        )
        for bucket in (j, c):
            bucket["assigned"] += 1
            bucket["scored"] += r["id"] in done
    return {
        "round_state": round_row["state"],
        "assigned": len(rows),
        "scored": len(done),
        "judges": sorted(
            judges.values(), key=lambda j: (j["scored"] / j["assigned"] if j["assigned"] else 1, j["name"])
        ),
        "categories": sorted(categories.values(), key=lambda c: c["category_code"]),
    }
