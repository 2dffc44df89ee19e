"""Rubrics (评分标准): criteria with code, name, weight, maximum points and a description
judges see; per event, with an optional override per category."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from app import audit, signals
from app.db import write_transaction
from app.errors import Conflict, ValidationFailed
from app.i18n import _
from app.principal import Principal
from competitions.events.services import get_event_row
from competitions.events.tables import Category
from judging.rounds.services import current_round
from judging.rounds.states import RoundState
from judging.scoring.rules import CriterionRule, judge_scorer, plain
from judging.scoring.tables import Criterion, Score

# CASTIC-style criteria offered for a new event (weights add to 100, 10 points each)
DEFAULT_CRITERIA = (
    {
        "code": "innovation",
        "name": "创新性",
        "weight": "40",
        "max_points": "10",
        "description": "选题新颖，研究方法或技术路线有独到之处，成果有新意。",
    },
    {
        "code": "scientific",
        "name": "科学性",
        "weight": "30",
        "max_points": "10",
        "description": "研究过程规范，数据真实可靠，结论有依据、推理严密。",
    },
    {
        "code": "practical",
        "name": "实用性",
        "weight": "30",
        "max_points": "10",
        "description": "成果有应用价值或推广前景，能解决实际问题。",
    },
)


def _decimal(value: Any, label: str, code: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("评分项“{code}”的{label}必须是正数。", code=code, label=label)) from None
    if not number.is_finite() or number <= 0:
        raise ValidationFailed(_("评分项“{code}”的{label}必须是正数。", code=code, label=label))
    # stored as NUMERIC(8, 3): more places would be rounded away by PostgreSQL (not by SQLite)
    if number >= 100000 or number != number.quantize(Decimal("0.001")):
        raise ValidationFailed(_("评分项“{code}”的{label}最多保留三位小数，且小于 100000。", code=code, label=label))
    return number


def criterion_out(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": row["code"],
        "name": row["name"],
        "description": row.get("description") or "",
        "weight": plain(Decimal(str(row["weight"]))),
        "max_points": plain(Decimal(str(row["max_points"]))),
    }


async def get_rubric(event_id: int, category_id: int | None = None) -> list[dict[str, Any]]:
    """Active criteria for a category (its override if it has one, else the event's),
    in order: ``[{"code", "name", "description", "weight", "max_points"}]`` (decimal strings).
    An event without a stored rubric gets :data:`DEFAULT_CRITERIA`."""
    rows = []
    if category_id is not None:
        rows = (
            await Criterion.select()
            .where((Criterion.event == event_id) & (Criterion.category == category_id) & (Criterion.active.eq(True)))
            .order_by(Criterion.position)
        )
    if not rows:
        rows = (
            await Criterion.select()
            .where((Criterion.event == event_id) & Criterion.category.is_null() & (Criterion.active.eq(True)))
            .order_by(Criterion.position)
        )
    if not rows:
        return [dict(c) for c in DEFAULT_CRITERIA]
    return [criterion_out(r) for r in rows]


def rules_of(criteria: list[dict[str, Any]]) -> list[CriterionRule]:
    return [CriterionRule(c["code"], Decimal(c["weight"]), Decimal(c["max_points"])) for c in criteria]


async def rubrics_by_category(event_id: int) -> dict[int, list[dict[str, Any]]]:
    """``{category_id: criteria}`` for every category of the event (one pair of queries)."""
    categories = await Category.select(Category.id).where(Category.event == event_id)
    rows = (
        await Criterion.select()
        .where((Criterion.event == event_id) & (Criterion.active.eq(True)))
        .order_by(Criterion.position)
    )
    base = [criterion_out(r) for r in rows if r["category"] is None] or [dict(c) for c in DEFAULT_CRITERIA]
    result = {}
    for cat in categories:
        override = [criterion_out(r) for r in rows if r["category"] == cat["id"]]
        result[cat["id"]] = override or base
    return result


async def set_rubric(
    actor: Principal, event_id: int, criteria: list[dict[str, Any]], category_code: str | None = None
) -> list[dict[str, Any]]:
    """Replace the event's rubric (or a category's override) with ``criteria``
    ``[{"code", "name", "weight", "max_points", "description"?}]``.

    Never drops recorded scores: criteria left out are deactivated, not deleted, and
    scores keep their points per criterion code; the current round's sheets get their
    total and completeness recomputed with the new rubric (a criterion added makes them
    drafts again, re-adding a dropped one restores them). Raises :class:`ValidationFailed`
    for an empty list, duplicate codes, blank names or non-positive numbers, and
    :class:`Conflict` once the current round's results are published or finalized (the
    rubric would silently change them).
    """
    await get_event_row(event_id)
    round_row = await current_round(event_id)
    if RoundState.of(round_row).scores_locked:
        raise Conflict(_("结果已公示或定稿，不能修改评分标准（否则会改变已公布的成绩）。"))
    category_id = None
    if category_code:
        category = (
            await Category.select(Category.id)
            .where((Category.event == event_id) & (Category.code == category_code.upper()))
            .first()
        )
        if category is None:
            raise ValidationFailed(_("类别“{code}”不存在。", code=category_code))
        category_id = category["id"]
    if not criteria:
        raise ValidationFailed(_("评分标准至少需要一个评分项。"))
    cleaned = []
    seen = set()
    for item in criteria:
        code = str(item.get("code") or "").strip()
        name = str(item.get("name") or "").strip()
        if not code or not name:
            raise ValidationFailed(_("每个评分项都需要代码和名称。"))
        if code in seen:
            raise ValidationFailed(_("评分项代码“{code}”重复。", code=code))
        seen.add(code)
        cleaned.append(
            {
                "code": code[:32],
                "name": name[:100],
                "description": str(item.get("description") or "")[:1000],
                "weight": _decimal(item.get("weight"), _("权重"), code),
                "max_points": _decimal(item.get("max_points"), _("满分"), code),
            }
        )
    total = sum((c["weight"] for c in cleaned), Decimal(0))
    if total != 100:
        raise ValidationFailed(
            _("评分项的权重之和必须是 100（百分制），现在是 {total}。", total=plain(total)),
            errors=[{"field": "criteria", "message": _("权重之和必须是 100，现在是 {total}。", total=plain(total))}],
        )
    scope = (Criterion.event == event_id) & (
        Criterion.category.is_null() if category_id is None else Criterion.category == category_id
    )

    async def work() -> None:
        existing = {r["code"]: r for r in await Criterion.select().where(scope)}
        for position, item in enumerate(cleaned):
            values = {
                Criterion.name: item["name"],
                Criterion.description: item["description"],
                Criterion.weight: item["weight"],
                Criterion.max_points: item["max_points"],
                Criterion.position: position,
                Criterion.active: True,
            }
            if item["code"] in existing:
                await Criterion.update(values).where(Criterion.id == existing[item["code"]]["id"])
            else:
                await Criterion.insert(
                    Criterion(
                        event=event_id,
                        category=category_id,
                        code=item["code"],
                        name=item["name"],
                        description=item["description"],
                        weight=item["weight"],
                        max_points=item["max_points"],
                        position=position,
                    )
                )
        dropped = [code for code in existing if code not in seen]
        if dropped:
            await Criterion.update({Criterion.active: False}).where(scope & Criterion.code.is_in(dropped))
        await audit.record(
            actor,
            "rubric.update",
            "event",
            event_id,
            event_id=event_id,
            summary=category_code or "",
            changes={"criteria": [sorted(existing), [c["code"] for c in cleaned]]},
        )
        await refresh_sheets(event_id, round_row["id"])

    await write_transaction(work)
    await signals.rubric_changed.send(event_id=event_id)
    return await get_rubric(event_id, category_id)


async def refresh_sheets(event_id: int, round_id: int) -> int:
    """Recompute ``total`` and ``complete`` of a round's score sheets with the current
    rubrics (points are never touched). Returns the number of sheets changed."""
    rubrics = await rubrics_by_category(event_id)
    scorers = {
        cid: (judge_scorer(rules_of(criteria)), [c["code"] for c in criteria]) for cid, criteria in rubrics.items()
    }
    rows = (
        await Score.select(
            Score.id, Score.points, Score.total, Score.complete, Score.entry.category.as_alias("category")
        )
        .where(Score.round == round_id)
        .output(load_json=True)
    )
    changed: dict[tuple[str, bool], list[int]] = {}
    for r in rows:
        scorer, codes = scorers[r["category"]]
        points = r["points"] or {}
        if all(code in points for code in codes):
            value = (plain(scorer({code: Decimal(str(points[code])) for code in codes})), True)
        else:
            value = ("", False)
        if value != (r["total"], r["complete"]):
            changed.setdefault(value, []).append(r["id"])
    for (total, complete), ids in changed.items():
        for start in range(0, len(ids), 500):
            await Score.update({Score.total: total, Score.complete: complete}).where(
                Score.id.is_in(ids[start : start + 500])
            )
    return sum(len(ids) for ids in changed.values())


async def stored_scopes(event_id: int) -> set[int | None]:
    """Which rubrics the event has stored: ``None`` for the event's own rubric, and the
    ids of categories with an override (the rubric editor shows which ones exist)."""
    rows = await Criterion.select(Criterion.category).where((Criterion.event == event_id) & (Criterion.active.eq(True)))
    return {r["category"] for r in rows}
