"""Publication (公示), objections (异议), finalization and unlocking; advancing entries
to a final round; recommendations to the national contest; the results workbook."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from app import audit, jobs, signals
from app.db import write_transaction
from app.errors import Conflict, NotFound, ValidationFailed
from app.exports.exporters import ListExporter, in_process, workbook_file, workbook_of
from app.i18n import _, get_locale, set_locale
from app.principal import Principal
from app.times import SHANGHAI, UTC, format_time, now
from competitions.events import lifecycle
from competitions.events.services import get_event_row
from competitions.registration.tables import Entry, Member
from judging.results.services import AWARD_LABELS, compute_results, entries_without_students
from judging.results.tables import Objection, Recommendation, UnrankedEntry
from judging.rounds.services import current_round, require_not_finalized
from judging.rounds.settings import get_settings, store_settings, validated
from judging.rounds.states import RoundAction, RoundState, transition
from judging.rounds.tables import Round, RoundEntry
from judging.scoring.rules import round_half_up


async def _set_state(
    actor: Principal,
    event_id: int,
    action: RoundAction,
    reason: str = "",
    *,
    round_row: dict[str, Any] | None = None,
    extra_values: dict[Any, Any] | None = None,
    also: Callable[[], Awaitable[None]] | None = None,
) -> dict[str, Any]:
    """Take the transition ``action`` on the current round (``round_row`` when the caller has
    loaded it) and audit it; ``extra_values`` are more round columns to store and ``also`` more
    work done in the same transaction. Returns the round row as it now is."""
    round_row = round_row if round_row is not None else await current_round(event_id)
    old = RoundState.of(round_row)
    step = transition(action, old)
    if step.needs_reason and not reason.strip():
        raise ValidationFailed(_("解锁定稿结果必须写明理由。"))
    target = step.target
    stamp = now()
    values: dict[Any, Any] = {Round.state: target.value, **(extra_values or {})}
    changed: dict[str, Any] = {"state": target.value, **{c._meta.name: v for c, v in (extra_values or {}).items()}}
    if target is RoundState.PUBLISHED and action is RoundAction.PUBLISH:
        values[Round.published_at] = changed["published_at"] = stamp
    if target is RoundState.FINALIZED:
        values[Round.finalized_at] = changed["finalized_at"] = stamp

    async def work() -> None:
        await Round.update(values).where(Round.id == round_row["id"])
        await audit.record(
            actor,
            step.audit_action,
            "event",
            event_id,
            event_id=event_id,
            changes={"state": [old.value, target.value]},
            reason=reason,
        )
        if also is not None:
            await also()

    await write_transaction(work)
    return {**round_row, **changed}


def _state_out(event_id: int, round_row: dict[str, Any]) -> dict[str, Any]:
    return {"event_id": event_id, "round_id": round_row["id"], "state": round_row["state"]}


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, dt.datetime) else (value or None)


def notice_end(value: Any) -> dt.datetime | None:
    """The end of the 公示期 from the API or a form: ISO 8601 with or without offset (a wall time
    without offset is Asia/Shanghai); a bare date (``2026-12-14``) means the end of that day
    (23:59:59 in Asia/Shanghai). ``None``/``""`` -> ``None``; 422 naming ``notice_ends_at`` otherwise."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=SHANGHAI).astimezone(UTC)
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed(
            _("公示截止时间的格式不正确，请写成 2026-12-14 或 2026-12-14 18:00。"),
            errors=[{"field": "notice_ends_at", "message": _("格式不正确。")}],
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=SHANGHAI)
    return parsed.astimezone(UTC)


def notice_running(round_row: dict[str, Any], at: dt.datetime | None = None) -> bool:
    """A 公示期 runs: the round is published and its notice end lies in the future."""
    ends = round_row.get("notice_ends_at")
    return RoundState.of(round_row) is RoundState.PUBLISHED and ends is not None and ends > (at or now())


async def unranked_decisions(round_id: int) -> dict[int, dict[str, Any]]:
    """``{entry_id: {"reason", "at"}}``: incomplete entries of the round finalized as unranked."""
    rows = (
        await UnrankedEntry.select(UnrankedEntry.entry, UnrankedEntry.reason, UnrankedEntry.at)
        .where(UnrankedEntry.round == round_id)
        .order_by(UnrankedEntry.id)
    )
    return {r["entry"]: {"reason": r["reason"], "at": r["at"]} for r in rows}


async def incomplete_entries(
    event_id: int, *, event: dict[str, Any] | None = None, round_row: dict[str, Any] | None = None
) -> list[int]:
    """Entries of the current round lacking a score from one of their judges (ascending ids)."""
    results = await compute_results(event_id, event=event, round_row=round_row)
    return sorted(r["entry_id"] for r in results["entries"] if r["status"] != "complete")


async def notice(event_id: int, round_row: dict[str, Any] | None = None) -> dict[str, Any]:
    """The 公示 of the current round: ``{"notice_starts_at", "notice_ends_at", "objection_contact",
    "notice_running"}`` (times ISO 8601 or null)."""
    round_row = round_row if round_row is not None else await current_round(event_id)
    contact = (await get_settings(event_id))["objection_contact"]
    published = RoundState.of(round_row).is_public
    return {
        "notice_starts_at": _iso(round_row.get("published_at")) if published else None,
        "notice_ends_at": _iso(round_row.get("notice_ends_at")) if published else None,
        "objection_contact": contact,
        "notice_running": notice_running(round_row),
    }


async def publish(
    actor: Principal,
    event_id: int,
    notice_ends_at: Any = None,
    objection_contact: str | None = None,
) -> dict[str, Any]:
    """Publish results for the public notice period (公示): visible to the public, judges'
    scores locked. ``notice_ends_at`` ends the 公示期 (it starts now; it must end later; left out,
    a 公示期 already set is kept), ``objection_contact`` is where objections go (stored per event).
    Answers the state with the notice and the entries still incomplete (``incomplete``: they show
    as not ranked until scored or finalized as unranked). Raises :class:`Conflict` once finalized."""
    event = await get_event_row(event_id)
    round_row = await current_round(event_id)
    transition(RoundAction.PUBLISH, RoundState.of(round_row))
    lifecycle.require_registration_over(await lifecycle.stage_of(event))
    ends = notice_end(notice_ends_at)
    if ends is not None and ends <= now():
        raise ValidationFailed(
            _("公示截止时间必须晚于现在。"),
            errors=[{"field": "notice_ends_at", "message": _("必须晚于现在。")}],
        )
    contact = validated({"objection_contact": objection_contact}) if objection_contact is not None else {}
    extra = {Round.notice_ends_at: ends} if ends is not None else {}

    async def store_contact() -> None:
        if contact:
            await store_settings(actor, event_id, contact)

    round_row = await _set_state(
        actor, event_id, RoundAction.PUBLISH, round_row=round_row, extra_values=extra, also=store_contact
    )
    await signals.public_view_changed.send(event_id=event_id, what="publish")
    decided = await unranked_decisions(round_row["id"])
    incomplete = [i for i in await incomplete_entries(event_id, round_row=round_row) if i not in decided]
    return {**_state_out(event_id, round_row), **await notice(event_id, round_row), "incomplete": incomplete}


async def finalize(
    actor: Principal,
    event_id: int,
    *,
    override_notice_reason: str | None = None,
    incomplete_as_unranked: bool = False,
    reason: str | None = None,
) -> dict[str, Any]:
    """Finalize: everything locked (any score change answers 409). Publishing first is not required.

    Refused (409) while objections are open; while the 公示期 runs, unless
    ``override_notice_reason`` says why (audited); and while entries of the round lack scores
    (``extra`` ``{"incomplete": [entry ids]}``), unless ``incomplete_as_unranked`` with a
    ``reason``: those entries then end as 未获奖 (no rank, no award), the decision audited. The
    answer's ``without_students`` names the entries that have no student: they get no certificate.
    The event and its current round are read once here and handed on (to the state change and to
    the receivers of :data:`app.signals.results_finalized`)."""
    event = await get_event_row(event_id)
    round_row = await current_round(event_id)
    transition(RoundAction.FINALIZE, RoundState.of(round_row))
    lifecycle.require_registration_over(await lifecycle.stage_of(event), finalizing=True)
    override = (override_notice_reason or "").strip()
    reason = (reason or "").strip()
    if incomplete_as_unranked and not reason:
        raise ValidationFailed(
            _("把评分未完成的作品定为不排名（未获奖）必须写明理由。"),
            errors=[{"field": "reason", "message": _("请写明理由。")}],
        )
    open_objections = await Objection.count().where((Objection.event == event_id) & (Objection.status == "open"))
    if open_objections:
        raise Conflict(_("还有 {n} 条异议未处理，请先记录处理结果再定稿。", n=open_objections))
    if notice_running(round_row) and not override:
        raise Conflict(
            _(
                "公示期到 {time} 才结束，现在还不能定稿。如确需在公示期结束前定稿，请写明提前定稿的理由（会记入审计记录）。",
                time=format_time(round_row["notice_ends_at"]),
            ),
            extra={"notice_ends_at": _iso(round_row["notice_ends_at"]), "field": "override_notice_reason"},
        )
    decided = await unranked_decisions(round_row["id"])
    computed = (await compute_results(event_id, event=event, round_row=round_row))["entries"]
    incomplete = sorted(r["entry_id"] for r in computed if r["status"] != "complete" and r["entry_id"] not in decided)
    if incomplete and not incomplete_as_unranked:
        raise Conflict(
            _(
                "还有 {n} 个作品评分未完成。请先补齐评分，或写明理由把它们定为不排名（未获奖）后再定稿。",
                n=len(incomplete),
            ),
            extra={"incomplete": incomplete},
        )
    early = notice_running(round_row)

    async def record_decisions() -> None:
        if early:
            await audit.record(
                actor,
                "results.notice_override",
                "event",
                event_id,
                event_id=event_id,
                summary=_("公示期结束前定稿（公示截止 {time}）", time=format_time(round_row["notice_ends_at"])),
                reason=override,
            )
        if incomplete:
            stamp = now()
            await UnrankedEntry.insert(
                *[
                    UnrankedEntry(round=round_row["id"], entry=i, reason=reason, by=actor.id, at=stamp)
                    for i in incomplete
                ]
            )
            await audit.record(
                actor,
                "results.unranked",
                "event",
                event_id,
                event_id=event_id,
                summary=_("{n} 个评分未完成的作品定为不排名（未获奖）", n=len(incomplete)),
                changes={"unranked": [None, incomplete]},
                reason=reason,
            )

    round_row = await _set_state(
        actor, event_id, RoundAction.FINALIZE, override, round_row=round_row, also=record_decisions
    )
    # reactions (award certificates are numbered from finalization on) are connected by their plugins
    await signals.results_finalized.send(
        event_id=event_id, actor=actor, round_id=round_row["id"], event=event, round=round_row
    )
    # entries without a student get no certificate: the answer names them (the organizer must hear it)
    without = await entries_without_students(computed)
    return {**_state_out(event_id, round_row), "unranked": sorted([*decided, *incomplete]), "without_students": without}


async def unlock(actor: Principal, event_id: int, reason: str) -> dict[str, Any]:
    """Unlock finalized results back to the public-notice state; needs a reason, audited."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("解锁定稿结果必须写明理由。"))
    await get_event_row(event_id)
    round_row = await current_round(event_id)
    round_row = await _set_state(actor, event_id, RoundAction.UNLOCK, reason, round_row=round_row)
    await signals.results_unlocked.send(event_id=event_id, actor=actor)  # the event is no longer finished
    return _state_out(event_id, round_row)


async def is_published(event_id: int) -> bool:
    """True once the current round is published or finalized; :class:`NotFound` for an unknown event."""
    await get_event_row(event_id)
    round_row = await current_round(event_id)
    return RoundState.of(round_row).is_public


async def record_objection(
    actor: Principal, event_id: int, entry_id: int | None, raised_by: str, content: str
) -> dict[str, Any]:
    """Record an objection (异议) received during the notice period."""
    content = (content or "").strip()
    if not content:
        raise ValidationFailed(_("请填写异议内容。"))
    await get_event_row(event_id)
    if RoundState.of(await current_round(event_id)) is RoundState.FINALIZED:
        raise Conflict(_("结果已定稿，不能再登记异议；如确需处理，请组委会先解锁并说明理由。"))
    if entry_id is not None and not await Entry.exists().where((Entry.id == entry_id) & (Entry.event == event_id)):
        raise NotFound(_("作品不存在。"))
    row = Objection(
        event=event_id, entry=entry_id, raised_by=(raised_by or "").strip()[:100], content=content, recorded_by=actor.id
    )
    await row.save()
    await audit.record(
        actor, "objection.record", "objection", row.id, event_id=event_id, entry_id=entry_id, summary=content[:200]
    )
    return {"id": row.id, "entry_id": entry_id, "status": "open", "content": content}


async def resolve_objection(
    actor: Principal, objection_id: int, handling: str, status: str = "resolved"
) -> dict[str, Any]:
    """Record how an objection was handled (``resolved`` or ``rejected``)."""
    if status not in ("resolved", "rejected"):
        raise ValidationFailed(_("处理结果必须是 resolved（已处理）或 rejected（不予支持）。"))
    handling = (handling or "").strip()
    if not handling:
        raise ValidationFailed(_("请填写处理情况。"))
    row = await Objection.select().where(Objection.id == objection_id).first()
    if row is None:
        raise NotFound(_("异议不存在。"))
    await Objection.update(
        {Objection.status: status, Objection.handling: handling, Objection.resolved_at: now()}
    ).where(Objection.id == objection_id)
    await audit.record(
        actor,
        "objection.resolve",
        "objection",
        objection_id,
        event_id=row["event"],
        entry_id=row["entry"],
        changes={"status": [row["status"], status]},
        reason=handling,
    )
    await signals.public_view_changed.send(event_id=row["event"], what="objection")
    return {"id": objection_id, "status": status, "handling": handling}


async def list_objections(event_id: int) -> list[dict[str, Any]]:
    rows = (
        await Objection.select(Objection.all_columns(), Objection.entry.code.as_alias("entry_code"))
        .where(Objection.event == event_id)
        .order_by(Objection.created_at)
    )
    return [
        {
            **r,
            "created_at": r["created_at"].isoformat(),
            "resolved_at": r["resolved_at"].isoformat() if r["resolved_at"] else None,
        }
        for r in rows
    ]


async def advance_to_final(
    actor: Principal, event_id: int, top_n: int | None = None, top_share: Any = None
) -> dict[str, Any]:
    """Close the current (preliminary) round and open a final round (终评/答辩) with the top
    ``top_n`` or top ``top_share`` (cutoff ``round_half_up(N*share)``) complete entries of each
    category and division; entries tied at the cutoff all advance."""
    if (top_n is None) == (top_share is None):
        raise ValidationFailed(_("请只填写一项：晋级名额（每组前 N 名）或晋级比例。"))
    await get_event_row(event_id)
    round_row = await current_round(event_id)
    if round_row["kind"] == "final":
        raise Conflict(_("已经是终评轮次。"))
    require_not_finalized(round_row)
    if top_share is not None:
        try:
            share = Decimal(repr(top_share) if isinstance(top_share, float) else str(top_share).strip())
        except (ArithmeticError, ValueError):
            share = Decimal(0)
        if not share.is_finite() or share <= 0 or share > 1:
            raise ValidationFailed(_("晋级比例必须在 0 到 1 之间。"))
    elif not isinstance(top_n, int) or isinstance(top_n, bool) or top_n < 1:
        raise ValidationFailed(_("晋级名额必须是正整数。"))
    results = await compute_results(event_id)
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in results["entries"]:
        if r["status"] == "complete":
            groups.setdefault((r["category_code"], r["division"]), []).append(r)
    advancing = []
    for rows in groups.values():
        cutoff = top_n if top_n is not None else int(round_half_up(Decimal(len(rows)) * share, 0))
        advancing += [r["entry_id"] for r in rows if r["rank"] <= cutoff]

    async def work() -> int:
        await Round.update({Round.is_current: False, Round.kind: "preliminary", Round.name: "初评"}).where(
            Round.id == round_row["id"]
        )
        final = Round(event=event_id, kind="final", name="终评", position=round_row["position"] + 1, is_current=True)
        await final.save()
        if advancing:
            await RoundEntry.insert(*[RoundEntry(round=final.id, entry=e) for e in advancing])
        await audit.record(
            actor,
            "round.advance",
            "event",
            event_id,
            event_id=event_id,
            summary=_("{n} 个作品晋级终评", n=len(advancing)),
        )
        return final.id

    final_id = await write_transaction(work)
    await signals.public_view_changed.send(event_id=event_id, what="round")
    return {"round_id": final_id, "advanced": len(advancing), "entry_ids": sorted(advancing)}


async def set_recommendations(actor: Principal, event_id: int, entry_ids: list[int]) -> dict[str, Any]:
    """Mark the entries recommended to the national contest (replacing the previous set),
    within the event's ``national_quota``; only complete, awarded entries qualify."""
    event = await get_event_row(event_id)
    ids = sorted(set(int(i) for i in entry_ids))
    if event.get("national_quota") is not None and len(ids) > event["national_quota"]:
        raise ValidationFailed(_("推荐名额为 {quota} 个，现在选了 {n} 个。", quota=event["national_quota"], n=len(ids)))
    results = {r["entry_id"]: r for r in (await compute_results(event_id))["entries"]}
    bad = [i for i in ids if i not in results or results[i]["status"] != "complete"]
    if bad:
        raise ValidationFailed(_("只能推荐已完成评分的作品。"))
    unawarded = [results[i]["code"] for i in ids if not results[i]["award"]]
    if unawarded:
        raise ValidationFailed(_("只能推荐获奖作品；未获奖：{codes}。", codes="、".join(unawarded)))

    async def work() -> None:
        await Recommendation.delete().where(Recommendation.event == event_id)
        if ids:
            await Recommendation.insert(*[Recommendation(event=event_id, entry=i, by=actor.id, at=now()) for i in ids])
        await audit.record(
            actor, "recommendation.set", "event", event_id, event_id=event_id, changes={"entries": [None, ids]}
        )

    await write_transaction(work)
    return {"recommended": ids}


RESULT_COLUMNS = [
    "类别",
    "组别",
    "名次",
    "作品编号",
    "作品名称",
    "学校",
    "市县",
    "学生",
    "辅导教师",
    "得分",
    "奖项",
    "推荐全国赛",
    "状态",
]
RESULT_WIDTHS = {"作品名称": 40, "学校": 24, "学生": 24, "辅导教师": 18, "类别": 16, "市县": 14}


class ResultsExporter(ListExporter):
    """The organizer's results, in results order (category, division, rank): no ID numbers.
    With ``school_code`` only that school's entries, on a sheet named after the school."""

    identifier = "results"
    verbose_name = "评审结果"
    sheet_name = "评审结果"
    column_widths = RESULT_WIDTHS

    def __init__(self, event_id: int, school_code: str | None = None) -> None:
        self.event_id = event_id
        self.school_code = school_code
        self.school_name: str | None = None
        self.number_formats = {}
        self._rows: list[list[Any]] | None = None

    def header(self) -> list[str]:
        return list(RESULT_COLUMNS)

    def sheet_title(self) -> str:
        return self.sheet_name if self.school_name is None else self.school_name[:31]

    async def rows(self) -> AsyncIterator[list[Any]]:
        for row in await self.load():
            yield row

    async def load(self) -> list[list[Any]]:
        """The rows (read once; :class:`ResultsBySchoolExporter` reuses them)."""
        if self._rows is not None:
            return self._rows
        event = await get_event_row(self.event_id)
        self.number_formats = {"得分": "0." + "0" * event["score_decimals"] if event["score_decimals"] else "0"}
        entries = (await compute_results(self.event_id, event=event))["entries"]
        if self.school_code:
            from app.tables import School

            school = (
                await School.select(School.id, School.name)
                .where(School.code == self.school_code.strip().upper())
                .first()
            )
            if school is None:
                raise NotFound(_("学校不存在：{code}", code=self.school_code))
            self.school_name = school["name"]
            ids_of_school = {
                e["id"]
                for e in await Entry.select(Entry.id).where(
                    (Entry.event == self.event_id) & (Entry.school == school["id"])
                )
            }
            entries = [r for r in entries if r["entry_id"] in ids_of_school]
        ids = [r["entry_id"] for r in entries]
        people: dict[int, dict[str, list[str]]] = {}
        for start in range(0, len(ids), 900):
            for m in (
                await Member.select(Member.entry, Member.name, Member.role)
                .where(Member.entry.is_in(ids[start : start + 900]))
                .order_by(Member.position)
            ):
                people.setdefault(m["entry"], {"student": [], "adviser": []})[m["role"]].append(m["name"])
        rows = []
        for r in entries:
            names = people.get(r["entry_id"], {"student": [], "adviser": []})
            rows.append(
                [
                    r["category_name"],
                    r["division"],
                    r["rank"],
                    r["code"],
                    r["title"],
                    r["school_name"],
                    r["city"],
                    "、".join(names["student"]),
                    "、".join(names["adviser"]),
                    Decimal(r["score"]) if r["score"] is not None else None,
                    AWARD_LABELS.get(r["award"] or "", ""),
                    "是" if r["recommended"] else "",
                    "评分完成"
                    if r["status"] == "complete"
                    else (f"不排名（未获奖）：{r['unranked_reason']}" if r.get("unranked_reason") else "评分未完成"),
                ]
            )
        self._rows = rows
        return rows


class ResultsBySchoolExporter(ListExporter):
    """The same results in school order (city, school, award, category, entry code), for
    sending each school its results; the 学校 and 市县 columns come first."""

    identifier = "results_by_school"
    verbose_name = "评审结果（按学校）"
    sheet_name = "按学校"
    column_widths = RESULT_WIDTHS
    AWARD_ORDER = {"一等奖": 0, "二等奖": 1, "三等奖": 2}

    def __init__(self, results: ResultsExporter) -> None:
        self.results = results

    def header(self) -> list[str]:
        return ["学校", "市县", *[c for c in RESULT_COLUMNS if c not in ("学校", "市县")]]

    async def rows(self) -> AsyncIterator[list[Any]]:
        rows = await self.results.load()
        self.number_formats = self.results.number_formats
        index = {c: i for i, c in enumerate(RESULT_COLUMNS)}
        ordered = sorted(
            rows,
            key=lambda row: (
                row[index["市县"]] or "",
                row[index["学校"]] or "",
                self.AWARD_ORDER.get(row[index["奖项"]], 3),
                row[index["类别"]] or "",
                row[index["作品编号"]] or "",
            ),
        )
        columns = self.header()
        for row in ordered:
            yield [row[index[c]] for c in columns]


RESULTS_JOB = "judging.results_workbook"  # a big event's results workbook, made in another process


def _results_exporters(event_id: int, school_code: str | None) -> list[ListExporter]:
    results = ResultsExporter(event_id, school_code)
    return [results] if school_code else [results, ResultsBySchoolExporter(results)]


async def results_workbook(event_id: int, school_code: str | None = None) -> bytes | Path:
    """The organizer's results workbook: frozen header, filters, sized columns, no ID numbers,
    every text cell written so no spreadsheet treats it as a formula. The first sheet
    is in results order (category, division, rank, :class:`ResultsExporter`); the second, ``按学校``,
    in school order (:class:`ResultsBySchoolExporter`), for sending each school its results. With
    ``school_code`` only that school's entries are included (one sheet).

    Returns the bytes, or for more than :data:`app.exports.exporters.ROWS_IN_PROCESS` entries the
    path of a file made in another process (:func:`results_workbook_job`; the caller streams it
    and deletes it): results of thousands of entries are computed and written there, not here."""
    await get_event_row(event_id)
    count = Entry.count().where(Entry.event == event_id)
    if school_code:
        from app.tables import School

        if not await School.exists().where(School.code == school_code.strip().upper()):
            raise NotFound(_("学校不存在：{code}", code=school_code))
        count = count.where(Entry.school.code == school_code.strip().upper())
    if in_process(await count):
        kwargs = {"event_id": event_id, "school_code": school_code, "locale": get_locale()}
        return Path(await jobs.call(RESULTS_JOB, kwargs))
    return await workbook_of(*_results_exporters(event_id, school_code))


async def results_workbook_job(event_id: int, school_code: str | None = None, locale: str = "zh") -> str:
    """The job :data:`RESULTS_JOB` (run by :func:`app.jobs.call` in another process): the results
    workbook written to a file under ``<data dir>/exports``; returns its path."""
    set_locale(locale)
    return await workbook_file(*_results_exporters(event_id, school_code))
