"""Interviews of the talent programme scored with the judging machinery (issue 16, "Test and
interviews"): the event's rubric (:mod:`judging.scoring.rubric`; a talent event starts with the interview
criteria below, the office may change them with ``PUT /api/v1/events/{id}/rubric``), one judging
assignment per (applicant, interviewing mentor) made when the mentor opens the sheet, and the judge's
score sheet (:func:`judging.scoring.services.put_score`: versioned, idempotent, drafts kept). The
sheet's total once complete is copied to the interview (:func:`competitions.talent.services.
record_interview_score`), where it orders the applicants the mentor has not ranked by hand.

A mentor scores only its own interviews and sees the applicant without ID number, phone or birth date.
"""

from __future__ import annotations

from typing import Any

from app.db import write_transaction
from app.errors import Conflict
from app.i18n import _
from app.principal import Principal
from app.times import now
from competitions.registration.tables import EntryDocument
from competitions.talent import services as talent
from judging.rounds.services import current_round
from judging.scoring import services as scoring
from judging.scoring.rubric import get_rubric, set_rubric
from judging.scoring.tables import Assignment, Criterion, Score

INTERVIEW_CRITERIA = (
    {
        "code": "foundation",
        "name": "学科基础",
        "weight": "30",
        "max_points": "10",
        "description": "本学科的基础知识扎实，能用所学解释现象、解决问题。",
    },
    {
        "code": "potential",
        "name": "科研潜质",
        "weight": "30",
        "max_points": "10",
        "description": "好奇心强，能提出有价值的问题，有动手和探究的经历。",
    },
    {
        "code": "thinking",
        "name": "思维与表达",
        "weight": "20",
        "max_points": "10",
        "description": "思路清晰，推理严密，能把自己的想法讲清楚。",
    },
    {
        "code": "commitment",
        "name": "兴趣与毅力",
        "weight": "20",
        "max_points": "10",
        "description": "对本学科有持续兴趣，能保证一年的培养时间。",
    },
)


async def interview_rubric(event_id: int) -> list[dict[str, Any]]:
    """The event's interview rubric; a talent event without one gets :data:`INTERVIEW_CRITERIA` stored."""
    if not await Criterion.exists().where(Criterion.event == event_id):
        await set_rubric(None, event_id, [dict(c) for c in INTERVIEW_CRITERIA])  # type: ignore[arg-type]
    return await get_rubric(event_id)


async def _assignment(actor: Principal, application_id: int) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The mentor's own interview of the applicant and its judging assignment (made on first use)."""
    row, interview, mentor = await talent.interview_of(actor, application_id)
    await interview_rubric(row["event"])
    round_row = await current_round(row["event"])

    async def work() -> None:
        from competitions.registration.services import lock_event

        await lock_event(row["event"])
        exists = await Assignment.exists().where(
            (Assignment.round == round_row["id"]) & (Assignment.entry == row["entry"]) & (Assignment.judge == actor.id)
        )
        if not exists:
            await Assignment.insert(
                Assignment(round=round_row["id"], entry=row["entry"], judge=actor.id, created_at=now())
            )

    await write_transaction(work)
    return row, interview, mentor


async def get_sheet(actor: Principal, application_id: int) -> dict[str, Any]:
    """The mentor's interview sheet: the applicant (mentor's view) and its documents (申请材料), the
    interview, the rubric and its points so far (``{"applicant", "documents", "interview", "rubric",
    "criteria", "comment", "version", "total", "complete", "locked"}``)."""
    row, interview, _mentor = await _assignment(actor, application_id)
    sheet = await scoring.get_my_score(actor, row["entry"])
    settings = await talent.settings_of(row["event"])
    applicant = (await talent.mentor_view_rows(actor, row["event"], [row]))[0]
    documents = [
        {"id": d["id"], "filename": d["filename"], "kind": d["kind"], "size": d["size"]}
        for d in await EntryDocument.select().where(EntryDocument.entry == row["entry"]).order_by(EntryDocument.id)
    ]
    return {
        "documents": documents,
        **sheet,
        "applicant": applicant,
        "interview": {"id": interview["id"], "starts_at": interview["starts_at"], "place": interview["place"]},
        "locked": bool(sheet["locked"] or settings["matched_at"] is not None),
    }


async def put_sheet(
    actor: Principal,
    application_id: int,
    criteria: dict[str, Any],
    comment: str | None = None,
    version: int | None = None,
) -> dict[str, Any]:
    """The mentor records (or changes) its interview score; once the matching is applied it is locked
    (409). Returns the judging answer ``{"entry_id", "version", "total", "complete"}`` plus
    ``application_id``."""
    row, interview, mentor = await _assignment(actor, application_id)
    if (await talent.settings_of(row["event"]))["matched_at"] is not None:
        raise Conflict(_("匹配结果已经生效，面试分不能再改。"))
    saved = await scoring.put_score(actor, row["entry"], criteria, comment, version)

    async def work() -> None:
        await talent.record_interview_score(
            row["event"], application_id, mentor["id"], saved["total"] if saved["complete"] else None
        )

    await write_transaction(work)
    return {**saved, "application_id": application_id}


async def resync_interview_scores(event_id: int) -> int:
    """Copy every mentor's current sheet total to its interview again (after the office changed the
    rubric: the sheets were recomputed). Returns how many interviews have a score."""
    from competitions.talent.tables import Interview, Mentor

    mentors = {m["user"]: m["id"] for m in await Mentor.select(Mentor.id, Mentor.user).where(Mentor.event == event_id)}
    apps = {a["entry"]: a["id"] for a in await talent.application_rows(event_id)}
    round_row = await current_round(event_id)
    scored = 0

    async def work() -> None:
        nonlocal scored
        await Interview.update({Interview.score: None, Interview.scored_at: None}).where(Interview.event == event_id)
        for s in await Score.select(Score.entry, Score.judge, Score.total, Score.complete).where(
            Score.round == round_row["id"]
        ):
            if s["complete"] and s["judge"] in mentors and s["entry"] in apps:
                await talent.record_interview_score(event_id, apps[s["entry"]], mentors[s["judge"]], s["total"])
                scored += 1

    await write_transaction(work)
    return scored


async def on_rubric_changed(event_id: int, **_kwargs: Any) -> None:
    """A talent event's interview rubric changed: the interviews take their sheets' new totals."""
    from competitions.events.tables import Event

    row = await Event.select(Event.kind).where(Event.id == event_id).first()
    if row is not None and row["kind"] == "talent":
        await resync_interview_scores(event_id)
