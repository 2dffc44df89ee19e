"""Rankings and awards of the current round, the judge consistency report and progress.

Follows CONTRACT.md "Scoring and award rules": judge scores are recomputed from the
points with the current rubric; an entry missing a complete score from any assigned
judge is ``incomplete`` (no rank, score or award, not counted in N); complete entries
are aggregated by the event's method, rounded half-up once, ranked within category and
division (ties share a rank) and given award tiers by quota cutoffs. An organizer's
award adjustment (with its reason) overrides the computed tier.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import msgspec

from app import audit, signals
from app.db import write_transaction
from app.errors import ValidationFailed
from app.i18n import _
from app.principal import Principal
from competitions.events.services import get_event_row
from competitions.registration.tables import Entry, Member
from judging.matches.services import match_places
from judging.results.tables import AwardAdjustment, Recommendation, UnrankedEntry
from judging.robotics.ranking import challenge_places
from judging.rounds.services import current_round, round_entry_ids
from judging.scoring.rubric import rubrics_by_category, rules_of
from judging.scoring.rules import (
    JudgeScorer,
    aggregate,
    award_cutoffs,
    award_for,
    competition_ranks,
    judge_scorer,
    mean,
    population_sd,
    round_half_up,
)
from judging.scoring.tables import Assignment

DIVISION_ORDER = {"小学": 0, "初中": 1, "高中": 2}
AWARD_LABELS = {"first": "一等奖", "second": "二等奖", "third": "三等奖"}


def mask_name(name: str) -> str:
    """A name for public pages without publication consent: the first character and two
    asterisks whatever the length, so the mask does not tell how long the name is
    (``张三丰`` -> ``张**``, ``李四`` -> ``李**``, ``阿依古丽·买买提`` -> ``阿**``)."""
    return name[:1] + "**" if name else ""


ENTRY_COLUMNS = (
    Entry.id,
    Entry.code,
    Entry.title,
    Entry.division,
    Entry.category,
    Entry.school,
    Entry.school.name.as_alias("school_name"),
    Entry.school.city.as_alias("city"),
    Entry.category.code.as_alias("category_code"),
    Entry.category.name.as_alias("category_name"),
    Entry.category.position.as_alias("category_position"),
)


async def _load(event_id: int, round_row: dict[str, Any]) -> dict[str, Any]:
    """The round's entries and every assignment with its judge's points (``None`` when no
    sheet is stored): ``{"entries": [...], "sheets": [(entry_id, judge_id, points | None)]}``.
    Three queries for a single or preliminary round, whatever the size."""
    if round_row["kind"] == "final":
        entry_ids = await round_entry_ids(round_row)
        entries = []
        for start in range(0, len(entry_ids), 900):
            entries += await Entry.select(*ENTRY_COLUMNS).where(Entry.id.is_in(entry_ids[start : start + 900]))
    else:
        entries = await Entry.select(*ENTRY_COLUMNS).where((Entry.event == event_id) & (Entry.status == "approved"))
    # an assignment is complete when its own sheet holds every criterion (a sheet belongs to
    # one assignment; assignments with a sheet are never moved or deleted)
    rows = await Assignment.raw(
        "SELECT a.entry AS entry, a.judge AS judge, s.points AS points FROM assignment a "
        "LEFT JOIN score s ON s.assignment = a.id WHERE a.round = {}",
        round_row["id"],
    )
    decode = msgspec.json.decode
    sheets = []
    for r in rows:
        points = r["points"]
        if isinstance(points, (str, bytes)):
            points = decode(points)
        sheets.append((r["entry"], r["judge"], points))
    return {"entries": entries, "sheets": sheets}


def judge_scores(
    data: dict[str, Any], rubrics: dict[int, list[dict[str, Any]]]
) -> tuple[dict[int, dict[int, Decimal]], set[int], dict[int, int]]:
    """``({entry_id: {judge_id: raw score}}, complete entry ids, {entry_id: assigned judges})``
    from :func:`_load`'s rows. Judge scores are recomputed from the points with the current
    rubric; a sheet lacking a criterion (a draft, or a criterion added since) is not a score."""
    category_of = {e["id"]: e["category"] for e in data["entries"]}
    # one scorer per distinct rubric; identical point sets are scored once
    scorers: dict[int, JudgeScorer] = {}
    by_rubric: dict[tuple, JudgeScorer] = {}
    for cid, criteria in rubrics.items():
        key = tuple((c["code"], c["weight"], c["max_points"]) for c in criteria)
        if key not in by_rubric:
            by_rubric[key] = judge_scorer(rules_of(criteria))
        scorers[cid] = by_rubric[key]
    assigned: dict[int, int] = defaultdict(int)
    pending: list[tuple[int, int, JudgeScorer, tuple[str, ...]]] = []
    for entry_id, judge_id, points in data["sheets"]:
        category = category_of.get(entry_id)
        if category is None:
            continue
        assigned[entry_id] += 1
        if not points:
            continue
        scorer = scorers[category]
        try:
            given = tuple([str(points[code]) for code in scorer.codes])
        except KeyError:
            continue  # a draft, or a criterion added since: not a score
        pending.append((entry_id, judge_id, scorer, given))
    values: dict[tuple[int, tuple[str, ...]], Decimal] = {}
    for scorer in {id(s): s for s in scorers.values()}.values():
        todo = list({given for _e, _j, s, given in pending if s is scorer})
        values.update(zip(((id(scorer), given) for given in todo), scorer.many(todo)))
    raw: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for entry_id, judge_id, scorer, given in pending:
        raw[entry_id][judge_id] = values[(id(scorer), given)]
    complete = {e for e, n in assigned.items() if n and len(raw.get(e, ())) == n}
    return raw, complete, assigned


async def compute_results(
    event_id: int,
    method: str | None = None,
    *,
    event: dict[str, Any] | None = None,
    round_row: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Results of the current round: ``{"event_id", "round", "method", "state",
    "entries": [{"entry_id", "code", "title", "school_name", "city", "category_code",
    "category_name", "division", "status", "rank", "score", "award", "computed_award",
    "adjustment_reason", "recommended", "judges", "scored", "unranked_reason"}]}`` sorted by
    category, division, then rank (incomplete entries last; ``unranked_reason`` is the organizer's
    reason when an incomplete entry was finalized as unranked). ``score`` is a string (``"85.60"``).
    ``method`` overrides the event's aggregation (for comparing methods). ``event`` and
    ``round_row``: the event and its current round when the caller has loaded them."""
    if event is None:
        event = await get_event_row(event_id)
    if round_row is None:
        round_row = await current_round(event_id)
    data = await _load(event_id, round_row)
    rubrics = await rubrics_by_category(event_id)
    raw, complete, assigned = judge_scores(data, rubrics)
    method = method or event["aggregation"]
    aggregated = aggregate(method, {e: raw[e] for e in complete}, event["trim_min_scores"])
    decimals = event["score_decimals"]
    rounded = {e: round_half_up(v, decimals) for e, v in aggregated.items()}
    # robotics challenges with a score sheet: counted (or combined) scores and ranks by their
    # standings and tie-breaks instead of the judges' scores (judging/robotics/ranking.py)
    places = await challenge_places(event_id, data["entries"], rounded, decimals) if event["kind"] == "robotics" else {}
    if event["kind"] == "robotics":  # match challenges place by their bracket and qualification ranking
        places.update(await match_places(event_id, data["entries"], decimals))
    for entry_id, place in places.items():
        if place.score is None:
            rounded.pop(entry_id, None)
        else:
            rounded[entry_id] = place.score
    quotas = {
        "first": Decimal(event["award_first"]),
        "second": Decimal(event["award_second"]),
        "third": Decimal(event["award_third"]),
    }
    min_score = Decimal(event["award_min_score"]) if event.get("award_min_score") else None
    adjustments = {}
    for adj in (
        await AwardAdjustment.select()
        .where(AwardAdjustment.round == round_row["id"])
        .order_by(AwardAdjustment.at)
        .order_by(AwardAdjustment.id)
    ):
        adjustments[adj["entry"]] = adj
    recommended = {
        r["entry"] for r in await Recommendation.select(Recommendation.entry).where(Recommendation.event == event_id)
    }
    unranked = {
        r["entry"]: r["reason"]
        for r in await UnrankedEntry.select(UnrankedEntry.entry, UnrankedEntry.reason).where(
            UnrankedEntry.round == round_row["id"]
        )
    }
    groups: dict[tuple[int, str], list[int]] = defaultdict(list)
    for e in data["entries"]:
        if e["id"] in rounded:
            groups[(e["category"], e["division"])].append(e["id"])
    ranks: dict[int, int] = {}
    awards: dict[int, str | None] = {}
    for ids in groups.values():
        if ids[0] in places:
            group_ranks = {i: places[i].rank for i in ids if places[i].rank is not None}
        else:
            group_ranks = competition_ranks([(i, rounded[i]) for i in ids])
        cutoffs = award_cutoffs(len(ids), quotas)
        for i, rank in group_ranks.items():
            ranks[i] = rank
            awards[i] = award_for(rank, cutoffs, rounded[i], min_score)
    rows = []
    for e in data["entries"]:
        done = e["id"] in rounded
        adjustment = adjustments.get(e["id"]) if done else None
        rows.append(
            {
                "entry_id": e["id"],
                "code": e["code"],
                "title": e["title"],
                "school_name": e["school_name"],
                "city": e["city"],
                "category_code": e["category_code"],
                "category_name": e["category_name"],
                "division": e["division"],
                "status": "complete" if done else "incomplete",
                "rank": ranks.get(e["id"]),
                "score": str(rounded[e["id"]]) if done else None,
                "award": (adjustment["award"] if adjustment else awards.get(e["id"])) if done else None,
                "computed_award": awards.get(e["id"]),
                "adjustment_reason": adjustment["reason"] if adjustment else None,
                "recommended": e["id"] in recommended,
                "judges": places[e["id"]].rounds if e["id"] in places else assigned.get(e["id"], 0),
                "scored": places[e["id"]].runs if e["id"] in places else len(raw.get(e["id"], ())),
                "explanation": places[e["id"]].explanation if e["id"] in places else None,
                "unranked_reason": None if done else unranked.get(e["id"]),
                "_sort": (
                    e["category_position"],
                    e["category_code"],
                    DIVISION_ORDER.get(e["division"], 9),
                    0 if done else 1,
                    ranks.get(e["id"], 0),
                    e["code"],
                ),
            }
        )
    rows.sort(key=lambda r: r.pop("_sort"))
    return {
        "event_id": event_id,
        "round": {"id": round_row["id"], "kind": round_row["kind"], "name": round_row["name"]},
        "method": method,
        "state": round_row["state"],
        "entries": rows,
    }


async def entries_without_students(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of ``entries`` (results rows of :func:`compute_results`) whose entry has no student:
    certificates go to students, so such an entry gets none, whatever its award. ``[{"entry_id",
    "code", "title", "school_name", "category_code", "division", "rank", "award"}]`` in the rows' order."""
    ids = [r["entry_id"] for r in entries]
    with_students: set[int] = set()
    for start in range(0, len(ids), 900):
        rows = await Member.select(Member.entry).where(
            Member.entry.is_in(ids[start : start + 900]) & (Member.role == "student")
        )
        with_students |= {r["entry"] for r in rows}
    keys = ("entry_id", "code", "title", "school_name", "category_code", "division", "rank", "award")
    return [{k: r.get(k) for k in keys} for r in entries if r["entry_id"] not in with_students]


def public_selection(entries: list[dict[str, Any]], mode: str) -> dict[str, Any]:
    """What the public sees of results rows (:func:`compute_results`'s ``entries``): with ``mode``
    ``winners`` (the default) the award winners only, with ``all`` every ranked (complete) entry;
    and the counts the public page states: ``{"entries", "ranked", "awarded", "not_ranked"}``
    (``not_ranked``: entries without a rank because their scoring is incomplete)."""
    ranked = [r for r in entries if r["status"] == "complete"]
    awarded = [r for r in ranked if r["award"]]
    return {
        "entries": awarded if mode != "all" else ranked,
        "ranked": len(ranked),
        "awarded": len(awarded),
        "not_ranked": len(entries) - len(ranked),
    }


async def public_results(event_id: int, mode: str = "winners") -> dict[str, Any]:
    """Results for the public page (:func:`public_selection` by ``mode``): ``{"rows", "ranked",
    "awarded", "not_ranked"}``; a row holds rank, award, entry title, school and students' names,
    each name masked unless the guardian consented to publication."""
    results = await compute_results(event_id)
    return await public_rows(public_selection(results["entries"], mode))


async def public_rows(selection: dict[str, Any]) -> dict[str, Any]:
    """:func:`public_results` of a :func:`public_selection` already made."""
    ids = [r["entry_id"] for r in selection["entries"]]
    names: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(ids), 900):
        for m in (
            await Member.select(Member.entry, Member.name, Member.consent_publication, Member.role)
            .where(Member.entry.is_in(ids[start : start + 900]) & (Member.role == "student"))
            .order_by(Member.position)
        ):
            names[m["entry"]].append(m["name"] if m["consent_publication"] else mask_name(m["name"]))
    rows = [
        {
            **{
                k: r[k]
                for k in (
                    "entry_id",
                    "code",
                    "title",
                    "school_name",
                    "category_code",
                    "category_name",
                    "division",
                    "rank",
                    "score",
                    "award",
                )
            },
            "students": names[r["entry_id"]],
            "explanation": r.get("explanation"),  # the reason line of robotics places (no personal data)
        }
        for r in selection["entries"]
    ]
    return {"rows": rows, **{k: selection[k] for k in ("ranked", "awarded", "not_ranked")}}


def filter_public_rows(
    rows: list[dict[str, Any]],
    q: str = "",
    category: str = "",
    division: str = "",
    award: str = "",
    school: str = "",
) -> list[dict[str, Any]]:
    """The public page's search and filters: ``category`` (code), ``division``, ``award`` (first,
    second, third) and ``school`` (its name) exact; each word of ``q`` (split at spaces, case
    ignored) found, in any order, in the title, the school or a student's name *as shown* (a name
    shown masked is only found as shown, so a search never reveals a masked name): "海口一中 李明"
    and "李明 海口一中" find the same rows. Rows may carry their search text as ``search``."""
    needles = [word.casefold() for word in (q or "").split()]

    def shown(row: dict[str, Any]) -> str:
        text = row.get("search")
        if text is None:
            text = "".join([row["title"], row["school_name"] or "", *row["students"]]).replace(" ", "").casefold()
        return str(text)

    selected = [
        r
        for r in rows
        if (not category or r["category_code"] == category)
        and (not division or r["division"] == division)
        and (not award or r["award"] == award)
        and (not school or r["school_name"] == school)
    ]
    for needle in needles:  # one word after the other, each on what the previous ones left
        selected = [r for r in selected if needle in shown(r)]
    return selected


def _share(value: Any, tier: str) -> Decimal:
    try:
        share = Decimal(str(value).strip())
    except (ArithmeticError, ValueError):
        share = Decimal(-1)
    if not share.is_finite() or share < 0 or share > 1:
        raise ValidationFailed(
            _("获奖比例“{name}”必须在 0 到 1 之间，现在是 {value}。", name=tier, value=value),
            errors=[{"field": f"award_{tier}", "message": _("必须在 0 到 1 之间。")}],
        )
    return share


def group_outcome(
    entries: list[dict[str, Any]], quotas: dict[str, Decimal], min_score: Decimal | None
) -> list[dict[str, Any]]:
    """Per category and division, what award settings give (before any manual adjustment):
    ``[{"category_code", "category_name", "division", "n", "cutoffs": {tier: rank}, "counts":
    {"first", "second", "third", "none"}, "below_min", "small"}]``. ``entries`` are
    :func:`compute_results` rows (ranks do not depend on the award settings); ``below_min`` counts
    entries within a cutoff but under ``min_score``; ``small`` marks groups of at most 3 ranked
    entries where someone gets an award (worth a look: a one-entry group's entry takes a 三等奖 at
    the default shares)."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for r in entries:
        if r["status"] != "complete":
            continue
        key = (r["category_code"], r["division"])
        group = groups.setdefault(
            key,
            {
                "category_code": r["category_code"],
                "category_name": r["category_name"],
                "division": r["division"],
                "rows": [],
            },
        )
        group["rows"].append(r)
    out = []
    for group in groups.values():
        rows = group.pop("rows")
        cutoffs = award_cutoffs(len(rows), quotas)
        counts = {"first": 0, "second": 0, "third": 0, "none": 0}
        below = 0
        for r in rows:
            award = award_for(r["rank"], cutoffs, Decimal(r["score"]), min_score)
            counts[award or "none"] += 1
            if award is None and award_for(r["rank"], cutoffs) is not None:
                below += 1
        awarded = len(rows) - counts["none"]
        out.append(
            {
                **group,
                "n": len(rows),
                "cutoffs": cutoffs,
                "counts": counts,
                "below_min": below,
                "small": len(rows) <= 3 and awarded > 0,
            }
        )
    return out


async def award_preview(
    event_id: int, shares: dict[str, Any] | None = None, min_score: Any = None, *, use_event_min: bool = True
) -> dict[str, Any]:
    """The per-group outcome (:func:`group_outcome`) of award settings, without storing them:
    ``shares`` (``{"first", "second", "third"}``, each 0..1, sum at most 1; missing tiers keep the
    event's) and ``min_score`` (``None``/``""``: none; the event's own when ``use_event_min``
    and ``min_score`` is ``None``). Returns ``{"quotas", "min_score", "groups"}`` (decimal strings).
    :class:`ValidationFailed` naming the field for a bad value."""
    event = await get_event_row(event_id)
    quotas = {tier: Decimal(event[f"award_{tier}"]) for tier in ("first", "second", "third")}
    for tier, value in (shares or {}).items():
        if value not in (None, ""):
            quotas[tier] = _share(value, tier)
    if sum(quotas.values()) > 1:
        raise ValidationFailed(
            _("一、二、三等奖比例之和不能超过 1，现在是 {total}。", total=sum(quotas.values())),
            errors=[{"field": "award_third", "message": _("三项之和不能超过 1。")}],
        )
    minimum: Decimal | None = None
    if min_score is None and use_event_min:
        minimum = Decimal(event["award_min_score"]) if event.get("award_min_score") else None
    elif min_score not in (None, ""):
        try:
            minimum = Decimal(str(min_score).strip())
        except (ArithmeticError, ValueError):
            minimum = Decimal(-1)
        if not minimum.is_finite() or minimum < 0 or minimum > 1000:
            raise ValidationFailed(
                _("获奖最低分必须是 0 到 1000 之间的数，留空表示不设最低分。"),
                errors=[{"field": "award_min_score", "message": _("必须是 0 到 1000 之间的数。")}],
            )
    results = await compute_results(event_id, event=event)
    return {
        "quotas": {tier: str(q) for tier, q in quotas.items()},
        "min_score": str(minimum) if minimum is not None else None,
        "groups": group_outcome(results["entries"], quotas, minimum),
    }


async def adjust_award(
    actor: Principal, event_id: int, entry_id: int, award: str | None, reason: str
) -> dict[str, Any]:
    """An organizer sets an entry's award by hand with a written reason (shown in the audit trail)."""
    from judging.rounds.services import require_not_finalized

    if award not in (None, "first", "second", "third"):
        raise ValidationFailed(_("奖项必须是 first、second、third 或空（无奖）。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("调整奖项必须写明理由。"))
    await get_event_row(event_id)
    round_row = await current_round(event_id)
    require_not_finalized(round_row)
    if not await Entry.exists().where((Entry.id == entry_id) & (Entry.event == event_id)):
        from app.errors import NotFound

        raise NotFound(_("作品不存在。"))
    current = next((r for r in (await compute_results(event_id))["entries"] if r["entry_id"] == entry_id), None)
    if current is None or current["status"] != "complete":
        raise ValidationFailed(_("只能调整本轮已完成评分的作品的奖项。"))

    async def work() -> None:
        await AwardAdjustment.insert(
            AwardAdjustment(round=round_row["id"], entry=entry_id, award=award, reason=reason, by=actor.id)
        )
        await audit.record(
            actor,
            "award.adjust",
            "entry",
            entry_id,
            event_id=event_id,
            entry_id=entry_id,
            summary=_(
                "奖项调整：{old} → {new}",
                old=_(AWARD_LABELS.get(current["award"] or "", "无")),
                new=_(AWARD_LABELS.get(award or "", "无")),
            ),
            changes={"award": [current["award"], award]},
            reason=reason,
        )

    await write_transaction(work)
    await signals.public_view_changed.send(event_id=event_id, what="award")
    return {"entry_id": entry_id, "award": award, "reason": reason}


async def consistency_report(event_id: int) -> dict[str, Any]:
    """Per judge: ``{"judge_id", "name", "scored", "mean", "sd", "panel_mean", "difference",
    "flags"}`` (decimal strings, 2 places) with flags ``all_equal`` (every score the same),
    ``far_from_panel`` (mean differs from the other judges on the same entries by at
    least one population SD of all scores) and ``few_scores`` (< 5, z-score unreliable);
    and ``rank_changes``: entries whose rank differs between raw mean and z-score."""
    from judging.panels.tables import EventJudge

    await get_event_row(event_id)
    round_row = await current_round(event_id)
    data = await _load(event_id, round_row)
    raw, _complete, _assigned = judge_scores(data, await rubrics_by_category(event_id))
    by_judge: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for entry_id, judges in raw.items():
        for judge_id, value in judges.items():
            by_judge[judge_id][entry_id] = value
    all_values = [v for js in raw.values() for v in js.values()]
    global_sd = population_sd(all_values) if all_values else Decimal(0)
    names = {
        r["user"]: r["name"] or r["username"]
        for r in await EventJudge.select(
            EventJudge.user,
            EventJudge.user.display_name.as_alias("name"),
            EventJudge.user.username.as_alias("username"),
        ).where(EventJudge.event == event_id)
    }
    two = lambda v: str(round_half_up(v, 2))  # noqa: E731
    judges = []
    for judge_id, entries in sorted(by_judge.items()):
        values = list(entries.values())
        others = [v for e in entries for j, v in raw[e].items() if j != judge_id]
        judge_mean = mean(values)
        panel_mean = mean(others) if others else None
        flags = []
        if len(values) >= 2 and len(set(values)) == 1:
            flags.append("all_equal")
        if panel_mean is not None and global_sd > 0 and abs(judge_mean - panel_mean) >= global_sd:
            flags.append("far_from_panel")
        if len(values) < 5:
            flags.append("few_scores")
        judges.append(
            {
                "judge_id": judge_id,
                "name": names.get(judge_id, str(judge_id)),
                "scored": len(values),
                "mean": two(judge_mean),
                "sd": two(population_sd(values)),
                "panel_mean": two(panel_mean) if panel_mean is not None else None,
                "difference": two(judge_mean - panel_mean) if panel_mean is not None else None,
                "flags": flags,
            }
        )
    by_mean = await compute_results(event_id, "mean")
    by_z = await compute_results(event_id, "zscore")
    z_rank = {r["entry_id"]: r for r in by_z["entries"]}
    changes = [
        {
            "entry_id": r["entry_id"],
            "code": r["code"],
            "title": r["title"],
            "category_code": r["category_code"],
            "division": r["division"],
            "rank_mean": r["rank"],
            "rank_zscore": z_rank[r["entry_id"]]["rank"],
            "score_mean": r["score"],
            "score_zscore": z_rank[r["entry_id"]]["score"],
        }
        for r in by_mean["entries"]
        if r["status"] == "complete" and r["rank"] != z_rank[r["entry_id"]]["rank"]
    ]
    return {"judges": judges, "rank_changes": changes}
