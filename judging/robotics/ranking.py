"""Robotics challenges in the event's results (issue 13 items 4 and 5): what a team's line in the
results, awards, 公示 and certificates says for a challenge (赛项) with a score sheet.

A run challenge (a category with a score sheet and no combination) is ranked per category and
division by its standings (:func:`judging.robotics.standings.rank`: counted score, then the
sheet's tie-break chain; teams equal on every key share the rank). Its ``score`` is the counted
score; a team without an approved run is incomplete (no rank, no award), like an entry a judge
has not scored.

A combined challenge (FLL's Champion's Award model: robot game and judged project/robot design
together) also has a rubric and judges. Its combination states the weights in percent, e.g.
``runs 40, judged 60``. Each part is put on a 100-point scale within the category and division:
the judged part is the judges' aggregated score (a rubric whose weights add to 100 is out of
100); the run part is ``counted / best counted in the group * 100`` (the best team's robot game
scores 100, as FIRST scales robot game scores against the top score of the event). The
combined score is ``(runs * scaled run + judged * judged score) / (runs + judged)``, rounded
half-up to the event's ``score_decimals``; a team needs both parts to be ranked. Equal combined
scores share a rank.

Everything here reads; nothing is stored except the combination weights
(:func:`set_combination`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Iterable

from app import audit, times
from app.db import write_transaction
from app.errors import ValidationFailed
from app.i18n import _
from app.principal import Principal
from competitions.events.tables import Category
from judging.robotics import sheets, standings
from judging.robotics.services import challenge, get_sheet
from judging.robotics.tables import Combination, Run, ScoreSheetVersion

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Weights:
    """A combined challenge's weights in percent (``runs + judged`` > 0)."""

    runs: Decimal
    judged: Decimal


@dataclass
class Place:
    """A team's place in its challenge and division: ``score`` (counted or combined, ``None`` when
    incomplete), ``rank`` (``None`` when incomplete), ``explanation`` (words), ``runs`` (approved
    runs), ``rounds`` (the sheet's rounds) and, for a combined challenge, the parts."""

    score: Decimal | None
    rank: int | None
    explanation: str
    runs: int
    rounds: int
    parts: dict[str, str] = field(default_factory=dict)


def _quantize(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def combined_scores(
    counted: dict[int, Decimal], judged: dict[int, Decimal], weights: Weights, decimals: int
) -> dict[int, tuple[Decimal, Decimal]]:
    """``{team: (scaled run score, combined score)}`` for the teams of one group that have both
    parts. ``counted``: counted run scores; ``judged``: judges' aggregated scores (out of 100).
    The best counted score of the group scales to 100; when it is 0 or less every run part is 0.
    Both results are rounded half-up to ``decimals`` only at the end of each.

    >>> combined_scores({1: Decimal(160), 2: Decimal(120)}, {1: Decimal(80), 2: Decimal(90)},
    ...                 Weights(Decimal(40), Decimal(60)), 2)[2]
    (Decimal('75.00'), Decimal('84.00'))
    """
    both = [t for t in counted if t in judged]
    if not both:
        return {}
    best = max(counted[t] for t in both)
    total = weights.runs + weights.judged
    out = {}
    for t in both:
        scaled = counted[t] / best * HUNDRED if best > 0 else Decimal(0)
        value = (weights.runs * scaled + weights.judged * judged[t]) / total
        out[t] = (_quantize(scaled, decimals), _quantize(value, decimals))
    return out


# --- reading -------------------------------------------------------------------------------------

_SHEETS = """
SELECT rs.category AS category, rs.sheet AS sheet FROM robotics_sheet rs
WHERE rs.event = {} AND rs.version = (SELECT MAX(v.version) FROM robotics_sheet v WHERE v.category = rs.category)
"""

_RUNS = """
SELECT r.entry AS entry, r.category AS category, r.round AS round, r.score AS score,
    r.time_seconds AS time_seconds, r.penalties AS penalties, r.approved_at AS approved_at
FROM robotics_run r WHERE r.event = {} AND r.status = 'approved'
"""


def _sheet(value: Any) -> sheets.Sheet:
    return sheets.parse_sheet(json.loads(value) if isinstance(value, (str, bytes)) else value)


def _when(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=times.UTC)
    return dt.datetime.fromisoformat(str(value))


async def challenge_sheets(event_id: int) -> dict[int, sheets.Sheet]:
    """``{category id: current sheet}`` for the event's categories that have a score sheet."""
    return {r["category"]: _sheet(r["sheet"]) for r in await ScoreSheetVersion.raw(_SHEETS, event_id)}


async def combinations(event_id: int) -> dict[int, Weights]:
    rows = await Combination.select(Combination.category, Combination.runs, Combination.judged).where(
        Combination.event == event_id
    )
    return {r["category"]: Weights(Decimal(r["runs"]), Decimal(r["judged"])) for r in rows}


async def challenge_places(
    event_id: int, entries: Iterable[dict[str, Any]], judged: dict[int, Decimal], decimals: int
) -> dict[int, Place]:
    """Places of the ``entries`` (rows with ``id``, ``category``, ``division``) that belong to a
    challenge with a score sheet, per category and division; other entries are left out.
    ``judged``: the judges' aggregated, rounded scores of complete entries (for combined
    challenges). Three queries whatever the size."""
    found = await challenge_sheets(event_id)
    if not found:
        return {}
    weights = await combinations(event_id)
    groups: dict[tuple[int, str], list[int]] = defaultdict(list)
    category_of: dict[int, int] = {}
    for e in entries:
        if e["category"] in found:
            groups[(e["category"], e["division"])].append(e["id"])
            category_of[e["id"]] = e["category"]
    runs: dict[int, list[standings.Run]] = defaultdict(list)
    for r in await Run.raw(_RUNS, event_id):
        if category_of.get(r["entry"]) == r["category"]:
            runs[r["entry"]].append(
                standings.Run(
                    round=r["round"],
                    score=Decimal(r["score"]),
                    time_seconds=Decimal(r["time_seconds"]) if r["time_seconds"] is not None else None,
                    penalties=Decimal(r["penalties"]),
                    approved_at=_when(r["approved_at"]),
                )
            )
    places: dict[int, Place] = {}
    for (category, _division), ids in groups.items():
        sheet = found[category]
        lines = standings.rank(sheet, [(i, runs.get(i, [])) for i in ids])
        combine = weights.get(category)
        if combine is None:
            for line in lines:
                places[line.team] = Place(
                    score=_quantize(line.counted_score, decimals) if line.counted_score is not None else None,
                    rank=line.rank,
                    explanation=line.explanation,
                    runs=len(line.runs),
                    rounds=sheet.rounds,
                )
            continue
        counted = {line.team: line.counted_score for line in lines if line.counted_score is not None}
        scores = combined_scores(counted, judged, combine, decimals)
        order = sorted(scores, key=lambda t: scores[t][1], reverse=True)
        previous: Decimal | None = None
        rank = 0
        for position, team in enumerate(order, start=1):
            if scores[team][1] != previous:
                rank, previous = position, scores[team][1]
            places[team] = Place(
                score=scores[team][1],
                rank=rank,
                explanation=_(
                    "机器人比赛 {runs} 分（折算 {scaled}）× {wr}% + 评审 {judged} 分 × {wj}%，合计 {total} 分。",
                    runs=counted[team],
                    scaled=scores[team][0],
                    wr=combine.runs,
                    judged=judged[team],
                    wj=combine.judged,
                    total=scores[team][1],
                ),
                runs=len(runs.get(team, [])),
                rounds=sheet.rounds,
                parts={"runs": str(counted[team]), "scaled_runs": str(scores[team][0]), "judged": str(judged[team])},
            )
        for line in lines:
            if line.team not in places:
                missing = _("还没有通过审核的成绩。") if line.counted_score is None else _("评审还没有完成。")
                places[line.team] = Place(None, None, missing, len(line.runs), sheet.rounds)
    return places


# --- the combination setting -----------------------------------------------------------------------


def parse_weights(data: Any) -> Weights:
    """``{"runs", "judged"}`` as percent (numbers or decimal strings, each 0–100, adding to 100).
    Raises :class:`ValidationFailed` naming the field."""
    if not isinstance(data, dict):
        raise ValidationFailed(_("请给出机器人比赛和评审的权重。"))
    values = {}
    errors = []
    for key, label in (("runs", _("机器人比赛权重")), ("judged", _("评审权重"))):
        try:
            value = Decimal(str(data.get(key, "")).strip())
            if not value.is_finite() or value < 0 or value > HUNDRED:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors.append({"field": key, "message": _("{label}必须是 0 到 100 之间的数。", label=label)})
            continue
        values[key] = value
    if not errors and values["runs"] + values["judged"] != HUNDRED:
        errors.append(
            {
                "field": "judged",
                "message": _("两项权重之和必须是 100，现在是 {total}。", total=values["runs"] + values["judged"]),
            }
        )
    if errors:
        raise ValidationFailed(errors[0]["message"], errors=errors)
    return Weights(values["runs"], values["judged"])


async def get_combination(event_id: int, category_id: int) -> dict[str, Any] | None:
    row = (
        await Combination.select(Combination.runs, Combination.judged)
        .where((Combination.event == event_id) & (Combination.category == category_id))
        .first()
    )
    return {"runs": row["runs"], "judged": row["judged"]} if row else None


async def set_combination(actor: Principal, event_id: int, category_id: int, data: Any) -> dict[str, Any] | None:
    """Store (or with ``{"runs": null, "judged": null}`` / ``None`` remove) a challenge's
    combination; audited. Answers the stored weights as decimal strings (or ``None``)."""
    remove = data is None or (isinstance(data, dict) and data.get("runs") is None and data.get("judged") is None)
    weights = None if remove else parse_weights(data)

    async def work() -> dict[str, str] | None:
        old = await get_combination(event_id, category_id)
        await Combination.delete().where((Combination.event == event_id) & (Combination.category == category_id))
        new = None
        if weights is not None:
            new = {"runs": str(weights.runs), "judged": str(weights.judged)}
            await Combination.insert(
                Combination(event=event_id, category=category_id, runs=new["runs"], judged=new["judged"])
            )
        await audit.record(
            actor,
            "robotics.combination",
            "category",
            category_id,
            event_id=event_id,
            summary=_("机器人比赛与评审合并排名的权重"),
            changes={"old": old, "new": new},
        )
        return new

    return await write_transaction(work)


async def put_combination(actor: Principal, event_id: int, code: str, data: Any) -> dict[str, Any]:
    """Set or clear (both weights null) the combination of challenge ``code``: 404 for an unknown
    event/challenge or one without a score sheet yet, 422 naming the weight."""
    category = await challenge(event_id, code, actor)
    await get_sheet(event_id, category["code"], actor)  # 404: a combination needs the run part
    stored = await set_combination(actor, event_id, category["id"], data)
    return {"category_code": category["code"], "runs": stored and stored["runs"], "judged": stored and stored["judged"]}


async def read_combination(event_id: int, code: str, viewer: Principal | None) -> dict[str, Any]:
    category = await challenge(event_id, code, viewer)
    stored = await get_combination(event_id, category["id"])
    return {"category_code": category["code"], "runs": stored and stored["runs"], "judged": stored and stored["judged"]}


async def run_only_codes(event_id: int) -> set[str]:
    """Codes of the event's challenges scored by referees alone (a score sheet and no combination
    with judging): panels do not judge their teams (judging/panels/assignments.py ``not_judged``)."""
    found = await challenge_sheets(event_id)
    if not found:
        return set()
    combined = await combinations(event_id)
    rows = await Category.select(Category.id, Category.code).where(Category.event == event_id)
    return {r["code"] for r in rows if r["id"] in found and r["id"] not in combined}
