"""The year of growth of the talent programme (issue 16, "A year of growth" and "Follow-up"): the
mentor's training plan per student, growth-log entries by the school (attachments stored as the entry's
documents), the mentor's comments, lab visits as check-in sessions, the mid-term review (pass or leave,
with a reason), the year-end review (优秀/合格/不合格 with the report and the mentor's assessment), who
gets the training certificate (培养证书: 优秀 and 合格 only, never a student who left at mid-term), the
reminder list of who is behind, and graduates' destinations (recorded only with consent).

Who does what: the school (or the office) writes its student's growth log, and so does the student
through its own link (:mod:`competitions.talent.links`: a :func:`student_actor`, entries marked
``by_student``); the student's mentor
writes the plan, comments, lab visits and both reviews (the office may too); the office records
destinations. A mentor reaches only its own students (:func:`_student`), never ID numbers, phones or
birth dates (views come from :func:`competitions.talent.services.mentor_view_rows`).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from decimal import Decimal
from typing import Any

from app import audit
from app.db import write_transaction
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.exports.workbook import clean_text
from app.files import private_dir, write_private
from app.i18n import _
from app.principal import Principal
from app.times import local_now, now
from competitions.checkin import services as checkin
from competitions.checkin.tables import Checkin, CheckinSession
from competitions.events.tables import Category
from competitions.registration import documents
from competitions.registration.services import lock_event
from competitions.registration.tables import Entry, EntryDocument
from competitions.talent import services as talent
from competitions.talent.tables import (
    FINAL_RESULTS,
    MIDTERM_RESULTS,
    GrowthLog,
    LabVisit,
    Mentor,
    StudentLink,
    TalentApplication,
)

MIDTERM_LABELS = {"pass": "中期通过", "leave": "退出培养"}
FINAL_LABELS = {"excellent": "优秀", "pass": "合格", "fail": "不合格"}
CERTIFIED = ("excellent", "pass")
MAX_HOURS_PER_ENTRY = Decimal("24")
MAX_ATTACHMENTS = 5
PLAN_DAYS = 30  # a student whose mentor has no plan this long after the start is behind


# --------------------------------------------------------------------------- who may do what

STUDENT_ROLE = "student"
_LINK_PREFIX = "student-link:"


def student_actor(link_id: int) -> Principal:
    """The actor of a student using its link (no account: ``id`` 0, recorded in the audit as the link)."""
    return Principal(id=0, username=f"{_LINK_PREFIX}{link_id}", role=STUDENT_ROLE, display_name="学生本人（学生链接）")


def link_of(actor: Principal) -> int | None:
    """The student link behind ``actor`` (:func:`student_actor`), ``None`` for an account."""
    if actor.role != STUDENT_ROLE or not actor.username.startswith(_LINK_PREFIX):
        return None
    return int(actor.username.removeprefix(_LINK_PREFIX))


async def _linked_student(actor: Principal, application_id: int) -> dict[str, Any]:
    """The application row of the student whose live link ``actor`` holds; 404 for any other."""
    link_id = link_of(actor)
    row = await talent.application_row(application_id) if link_id is not None else None
    if (
        row is None
        or row["status"] not in talent.IN_PROGRAMME
        or not await StudentLink.exists().where(
            (StudentLink.id == link_id) & (StudentLink.application == application_id) & StudentLink.revoked_at.is_null()
        )
    ):
        raise NotFound(_("页面不存在。"))
    return row


async def _student(actor: Principal, application_id: int) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """``(application row, the actor's mentor row or None)`` for a student in the programme the actor
    may see: the office, the student's city or school, or its own mentor. 404 otherwise."""
    row = await talent.visible_application(actor, application_id)
    mentor = None
    if actor.role == "mentor":
        mentor = await talent.own_mentor(actor, row["event"])
        if row["mentor"] != mentor["id"] or row["status"] not in talent.IN_PROGRAMME:
            raise NotFound(_("申请不存在或您无权查看。"))
    if row["status"] not in talent.IN_PROGRAMME:
        raise Conflict(_("这名学生没有进入培养阶段。"))
    return row, mentor


def _require_mentor_or_office(actor: Principal, row: dict[str, Any], mentor: dict[str, Any] | None) -> None:
    if actor.is_organizer:
        return
    if mentor is None or mentor["id"] != row["mentor"]:
        raise Forbidden(_("只有学生的导师或组委会可以进行此操作。"))


def _require_school_or_office(actor: Principal, row: dict[str, Any]) -> None:
    if actor.is_organizer or (actor.role == "school" and actor.school_id == row["school"]):
        return
    raise Forbidden(_("只有学生所在学校或组委会可以填写成长日志。"))


def _require_training(row: dict[str, Any]) -> None:
    if row["status"] != "matched":
        raise Conflict(_("学生状态为“{status}”，培养已结束。", status=_(talent.STATUS_LABELS[row["status"]])))


# --------------------------------------------------------------------------- plan and growth log


async def set_plan(actor: Principal, application_id: int, text: str) -> dict[str, Any]:
    """The student's mentor (or the office) writes the training plan (培养方案)."""
    row, mentor = await _student(actor, application_id)
    _require_mentor_or_office(actor, row, mentor)
    plan = str(text or "").strip()[:8000]

    async def work() -> None:
        await lock_event(row["event"])
        stamp = now()
        await TalentApplication.update(
            {
                TalentApplication.plan: plan,
                TalentApplication.plan_updated_at: stamp,
                TalentApplication.updated_at: stamp,
            }
        ).where(TalentApplication.id == application_id)
        await audit.record(
            actor,
            "talent.plan",
            "talent_application",
            application_id,
            event_id=row["event"],
            entry_id=row["entry"],
            school_id=row["school"],
            summary=plan[:80],
        )

    await write_transaction(work)
    return await student_record(actor, application_id)


def _log_out(r: dict[str, Any], docs: dict[int, dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": r["id"],
        "on": r["on"].isoformat() if isinstance(r["on"], dt.date) else r["on"],
        "activity": r["activity"],
        "hours": r["hours"],
        "reflection": r["reflection"],
        "attachments": [docs[d] for d in r["attachments"] or [] if d in docs],
        "created_at": r["created_at"],
        "mentor_comment": r["mentor_comment"],
        "comment_at": r["comment_at"],
        "by_student": bool(r["by_student"]),
    }


async def add_log(actor: Principal, application_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """The school (or the office), or the student through its link (:func:`student_actor`: the entry is
    marked ``by_student``), adds a growth-log entry: ``{"on": date, "activity", "hours",
    "reflection"?}``; hours a decimal above 0 and at most 24; the date not in the future."""
    link_id = link_of(actor)
    if link_id is not None:
        row = await _linked_student(actor, application_id)
    else:
        row, _mentor = await _student(actor, application_id)
        _require_school_or_office(actor, row)
    _require_training(row)
    errors: list[dict[str, Any]] = []
    on = None
    raw = data.get("on")
    if isinstance(raw, dt.date):
        on = raw
    else:
        try:
            on = dt.date.fromisoformat(str(raw or "").strip())
        except ValueError:
            errors.append({"field": "on", "message": _("日期格式应为 YYYY-MM-DD。")})
    if on is not None and on > local_now().date():
        errors.append({"field": "on", "message": _("日期不能晚于今天。")})
    activity = clean_text(data.get("activity"))
    if not activity:
        errors.append({"field": "activity", "message": _("请填写活动内容。")})
    elif len(activity) > 200:
        errors.append({"field": "activity", "message": _("活动内容最多 200 个字。")})
    hours = talent.decimal_text(data.get("hours"), "hours", errors, maximum=MAX_HOURS_PER_ENTRY)
    if hours is not None and hours <= 0:
        errors.append({"field": "hours", "message": _("时长须大于 0。")})
    reflection = str(data.get("reflection") or "").strip()
    if len(reflection) > 4000:
        errors.append({"field": "reflection", "message": _("心得最多 4000 个字。")})
    if errors:
        raise ValidationFailed(errors[0]["message"], errors=errors)
    assert on is not None and hours is not None

    async def work() -> int:
        await lock_event(row["event"])
        stamp = now()
        result = await GrowthLog.insert(
            GrowthLog(
                event=row["event"],
                application=application_id,
                on=on,
                activity=activity,
                hours=talent.plain(hours),
                reflection=reflection,
                created_by=actor.id or None,
                created_at=stamp,
                by_student=link_id is not None,
                student_link=link_id,
            )
        ).returning(GrowthLog.id)
        log_id = int(result[0]["id"])
        await audit.record(
            actor,
            "talent.log.add",
            "talent_growth_log",
            log_id,
            event_id=row["event"],
            entry_id=row["entry"],
            school_id=row["school"],
            summary=f"{on.isoformat()} {activity[:60]} {talent.plain(hours)}h",
        )
        return log_id

    log_id = await write_transaction(work)
    return {"id": log_id, "application_id": application_id, "on": on.isoformat(), "activity": activity,
            "hours": talent.plain(hours), "reflection": reflection, "attachments": [], "mentor_comment": "",
            "by_student": link_id is not None}  # fmt: skip


async def _log_row(actor: Principal, log_id: int) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]:
    log = await GrowthLog.select().output(load_json=True).where(GrowthLog.id == log_id).first()
    if log is None:
        raise NotFound(_("成长日志不存在。"))
    if link_of(actor) is not None:  # a student reaches only the entries it wrote itself
        if log["student_link"] is None:
            raise NotFound(_("成长日志不存在。"))
        return log, await _linked_student(actor, log["application"]), None
    try:
        row, mentor = await _student(actor, log["application"])
    except Conflict:
        raise NotFound(_("成长日志不存在。")) from None
    return log, row, mentor


async def delete_log(actor: Principal, log_id: int) -> None:
    """The school (or the office) deletes an entry the mentor has not commented on yet; so does the
    student through its link (:func:`student_actor`), its own entries only (:func:`_log_row`)."""
    log, row, _mentor = await _log_row(actor, log_id)
    if link_of(actor) is None:
        _require_school_or_office(actor, row)
    _require_training(row)
    if log["mentor_comment"] and not actor.is_organizer:
        raise Conflict(_("导师已点评这条日志，不能删除。"))

    async def work() -> None:
        await GrowthLog.delete().where(GrowthLog.id == log_id)
        await audit.record(
            actor,
            "talent.log.delete",
            "talent_growth_log",
            log_id,
            event_id=row["event"],
            entry_id=row["entry"],
            school_id=row["school"],
            summary=f"{log['on']} {log['activity'][:60]}",
        )

    await write_transaction(work)


async def comment(actor: Principal, log_id: int, text: str) -> dict[str, Any]:
    """The student's mentor (or the office) comments on a growth-log entry (replacing its comment)."""
    log, row, mentor = await _log_row(actor, log_id)
    _require_mentor_or_office(actor, row, mentor)
    body = str(text or "").strip()[:2000]

    async def work() -> None:
        await GrowthLog.update(
            {
                GrowthLog.mentor_comment: body,
                GrowthLog.comment_by: actor.id,
                GrowthLog.comment_at: now() if body else None,
            }
        ).where(GrowthLog.id == log_id)
        await audit.record(
            actor,
            "talent.log.comment",
            "talent_growth_log",
            log_id,
            event_id=row["event"],
            entry_id=row["entry"],
            school_id=row["school"],
            summary=body[:80],
        )

    await write_transaction(work)
    return {"id": log_id, "mentor_comment": body}


def check_attachment(data: bytes) -> tuple[str, str]:
    """``(document kind, content type)`` of a growth-log attachment, or :class:`ValidationFailed`
    naming ``file`` (PDF/Word, or JPEG/PNG as a photo; the registration's size limit)."""
    sniffed = documents.sniff_content_type(data)
    if data and sniffed not in (*documents.PHOTO_TYPES, *documents.DOCUMENT_TYPES):
        message = _(
            "成长日志的附件只接受 PDF、Word（.doc、.docx）文件或 JPEG、PNG 照片，这个文件是{what}。",
            what=documents._describe(data) if sniffed is None else documents.TYPE_NAMES[sniffed],
        )
        raise ValidationFailed(message, errors=[{"field": "file", "message": message}])
    kind = "photo" if sniffed in documents.PHOTO_TYPES else "other"
    return kind, documents._check_file(kind, data)


async def attach(actor: Principal, log_id: int, filename: str, data: bytes) -> dict[str, Any]:
    """The school (or the office) attaches a file to a growth-log entry: stored as a document of the
    student's entry (the registration's document rules: PDF/Word, or JPEG/PNG as a photo; size
    limit), at most :data:`MAX_ATTACHMENTS` per entry."""
    log, row, _mentor = await _log_row(actor, log_id)
    if link_of(actor) is None:
        _require_school_or_office(actor, row)
    if len(log["attachments"] or []) >= MAX_ATTACHMENTS:
        raise ValidationFailed(
            _("每条日志最多 {n} 个附件。", n=MAX_ATTACHMENTS), errors=[{"field": "file", "message": _("附件太多。")}]
        )
    kind, content_type = check_attachment(data)
    display = documents.sanitize_filename(filename, content_type)
    key = secrets.token_hex(16)
    path = documents.storage_path(key)
    private_dir(path.parent)
    temporary = path.with_name(path.name + ".part")
    write_private(temporary, data, sync=True)
    os.replace(temporary, path)

    async def work() -> int:
        stamp = now()
        result = await EntryDocument.insert(
            EntryDocument(
                entry=row["entry"],
                kind=kind,
                filename=display,
                content_type=content_type,
                size=len(data),
                storage_key=key,
                uploaded_by=actor.id or None,
                uploaded_at=stamp,
            )
        ).returning(EntryDocument.id)
        doc_id = int(result[0]["id"])
        current = (
            await GrowthLog.select(GrowthLog.attachments).output(load_json=True).where(GrowthLog.id == log_id).first()
        )
        await GrowthLog.update({GrowthLog.attachments: [*(current["attachments"] or []), doc_id]}).where(
            GrowthLog.id == log_id
        )
        await audit.record(
            actor,
            "document.upload",
            "document",
            doc_id,
            event_id=row["event"],
            entry_id=row["entry"],
            school_id=row["school"],
            summary=display,
            changes={
                "document": [None, {"kind": kind, "filename": display, "content_type": content_type, "size": len(data)}]
            },
        )
        return doc_id

    try:
        doc_id = await write_transaction(work)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return {"id": doc_id, "filename": display, "content_type": content_type, "size": len(data)}


async def open_attachment(actor: Principal, document_id: int) -> tuple[dict[str, Any], Any]:
    """A document of a student in the programme, for whoever may see the student (its mentor too)."""
    doc = await EntryDocument.select().where(EntryDocument.id == document_id).first()
    app_row = (
        await TalentApplication.select(TalentApplication.id).where(TalentApplication.entry == doc["entry"]).first()
        if doc
        else None
    )
    if doc is None or app_row is None:
        raise NotFound(_("文件不存在或您无权查看。"))
    try:
        await talent.visible_application(actor, app_row["id"])
    except NotFound:
        raise NotFound(_("文件不存在或您无权查看。")) from None
    path = documents.storage_path(doc["storage_key"])
    if not path.is_file():
        raise NotFound(_("文件“{filename}”已丢失，请重新上传。", filename=doc["filename"]))
    return doc, path


# --------------------------------------------------------------------------- lab visits (check-in sessions)


async def create_visit(actor: Principal, event_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """A lab visit of a mentor's students: a check-in session of the event linked to the mentor.
    A mentor makes its own; the office names ``mentor`` (a code). ``{"name", "starts_at"?,
    "ends_at"?, "location"?}``."""
    await talent.talent_event(event_id, actor)
    if actor.role == "mentor":
        mentor = await talent.own_mentor(actor, event_id)
    elif actor.is_organizer:
        mentor = (
            await Mentor.select()
            .where((Mentor.event == event_id) & (Mentor.code == clean_text(data.get("mentor"))))
            .first()
        )
        if mentor is None:
            raise ValidationFailed(_("导师不存在。"), errors=[{"field": "mentor", "message": _("导师不存在。")}])
    else:
        raise Forbidden(_("只有导师或组委会可以安排实验室活动。"))
    values = checkin._session_values(
        data.get("name") or "", data.get("starts_at") or None, data.get("ends_at") or None,
        data.get("location") or mentor["lab"] or "",
    )  # fmt: skip

    async def work() -> int:
        await lock_event(event_id)
        await checkin._refuse_duplicate_name(event_id, values["name"])
        stamp = now()
        row = await CheckinSession.insert(
            CheckinSession(event=event_id, created_by=actor.id, created_at=stamp, **values)
        ).returning(CheckinSession.id)
        session_id = int(row[0]["id"])
        await LabVisit.insert(
            LabVisit(event=event_id, mentor=mentor["id"], checkin_session=session_id, created_at=stamp)
        )
        await audit.record(
            actor, "talent.visit", "checkin_session", session_id, event_id=event_id, summary=values["name"]
        )
        return session_id

    session_id = await write_transaction(work)
    return {"session_id": session_id, "name": values["name"], "mentor": mentor["code"]}


async def list_visits(actor: Principal, event_id: int) -> list[dict[str, Any]]:
    """Lab visits (a mentor its own; the office all) with the mentor's students and who checked in."""
    await talent.talent_event(event_id, actor)
    where = LabVisit.event == event_id
    if actor.role == "mentor":
        where &= LabVisit.mentor == (await talent.own_mentor(actor, event_id))["id"]
    elif not actor.is_organizer:
        raise Forbidden(_("只有导师或组委会可以查看实验室活动。"))
    visits = (
        await LabVisit.select(
            LabVisit.id,
            LabVisit.mentor,
            LabVisit.checkin_session,
            LabVisit.mentor.name.as_alias("mentor_name"),
            LabVisit.checkin_session.name.as_alias("name"),
            LabVisit.checkin_session.starts_at.as_alias("starts_at"),
            LabVisit.checkin_session.location.as_alias("location"),
        )
        .where(where)
        .order_by(LabVisit.checkin_session.starts_at)
    )
    students = await _students_by_mentor(event_id)
    sessions = [v["checkin_session"] for v in visits]
    arrived: dict[int, set[int]] = {}
    if sessions:
        for c in await Checkin.select(Checkin.checkin_session, Checkin.member).where(
            Checkin.checkin_session.is_in(sessions)
        ):
            arrived.setdefault(c["checkin_session"], set()).add(c["member"])
    out = []
    for v in visits:
        people = [
            {**s, "attended": s["member_id"] in arrived.get(v["checkin_session"], set())}
            for s in students.get(v["mentor"], [])
        ]
        out.append(
            {
                "id": v["id"],
                "session_id": v["checkin_session"],
                "name": v["name"],
                "starts_at": v["starts_at"],
                "location": v["location"],
                "mentor_name": v["mentor_name"],
                "students": people,
                "attended": sum(1 for p in people if p["attended"]),
            }
        )
    return out


async def _students_by_mentor(event_id: int) -> dict[int, list[dict[str, Any]]]:
    rows = await talent.application_rows(event_id, TalentApplication.status == "matched")
    members = await talent._students([r["entry"] for r in rows])
    out: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        m = members.get(r["entry"], {})
        out.setdefault(r["mentor"], []).append(
            {"application_id": r["id"], "member_id": m.get("id"), "name": r["name"], "school_name": r["school_name"]}
        )
    return out


async def record_attendance(actor: Principal, visit_id: int, member_ids: list[int]) -> dict[str, Any]:
    """The visit's mentor (or the office) checks its students in by hand (the same check-in records a
    badge scan makes, method ``manual``); members who are not the mentor's students are refused (422)."""
    visit = await LabVisit.select().where(LabVisit.id == visit_id).first()
    if visit is None:
        raise NotFound(_("实验室活动不存在。"))
    if actor.role == "mentor":
        mentor = await talent.own_mentor(actor, visit["event"])
        if mentor["id"] != visit["mentor"]:
            raise NotFound(_("实验室活动不存在。"))
    elif not actor.is_organizer:
        raise Forbidden(_("只有导师或组委会可以记录签到。"))
    allowed = {s["member_id"] for s in (await _students_by_mentor(visit["event"])).get(visit["mentor"], [])}
    wrong = [m for m in member_ids if m not in allowed]
    if wrong:
        raise ValidationFailed(
            _("只能为本导师的学生签到。"), errors=[{"field": "member_ids", "message": _("不是本导师的学生。")}]
        )
    results = []
    for m in member_ids:
        answer = await checkin._record(
            actor, visit["checkin_session"], m, None, client_scan_id=None, scanned_at=None, device="", method="manual"
        )
        results.append({"member_id": m, "result": answer["result"]})
    return {"visit_id": visit_id, "results": results}


# --------------------------------------------------------------------------- reviews


async def midterm(actor: Principal, application_id: int, result: str, reason: str = "") -> dict[str, Any]:
    """Mid-term review (中期考核) by the student's mentor or the office: ``pass`` or ``leave`` (a reason
    is required; the student leaves the programme). Before the year-end review only."""
    row, mentor = await _student(actor, application_id)
    _require_mentor_or_office(actor, row, mentor)
    if result not in MIDTERM_RESULTS:
        raise ValidationFailed(
            _("中期考核结果须为 pass（通过）或 leave（退出）。"),
            errors=[{"field": "result", "message": _("结果无效。")}],
        )
    reason = str(reason or "").strip()[:2000]
    if result == "leave" and not reason:
        raise ValidationFailed(_("退出须说明理由。"), errors=[{"field": "reason", "message": _("请填写理由。")}])
    if row["final"] is not None:
        raise Conflict(_("结业考核已经完成，中期考核不能再改。"))

    async def work() -> None:
        await lock_event(row["event"])
        stamp = now()
        await TalentApplication.update(
            {
                TalentApplication.midterm: result,
                TalentApplication.midterm_reason: reason,
                TalentApplication.midterm_at: stamp,
                TalentApplication.status: "left" if result == "leave" else "matched",
                TalentApplication.updated_at: stamp,
            }
        ).where(TalentApplication.id == application_id)
        await audit.record(
            actor,
            "talent.midterm",
            "talent_application",
            application_id,
            event_id=row["event"],
            entry_id=row["entry"],
            school_id=row["school"],
            reason=reason,
            changes={"midterm": [row["midterm"], result]},
        )

    await write_transaction(work)
    return await student_record(actor, application_id)


async def final_review(
    actor: Principal, application_id: int, result: str, comment: str, report_document: int | None = None
) -> dict[str, Any]:
    """Year-end review (结业考核) by the student's mentor or the office: ``excellent`` (优秀), ``pass``
    (合格) or ``fail`` (不合格), with the mentor's assessment (required) and optionally the report (a
    document of the student's entry). Only after a passed mid-term (409 otherwise: a student who left
    cannot be reviewed, nor get a certificate)."""
    row, mentor = await _student(actor, application_id)
    _require_mentor_or_office(actor, row, mentor)
    if result not in FINAL_RESULTS:
        raise ValidationFailed(
            _("结业考核结果须为 excellent（优秀）、pass（合格）或 fail（不合格）。"),
            errors=[{"field": "result", "message": _("结果无效。")}],
        )
    assessment = str(comment or "").strip()[:4000]
    if not assessment:
        raise ValidationFailed(_("请填写导师评语。"), errors=[{"field": "comment", "message": _("请填写导师评语。")}])
    if row["midterm"] != "pass":
        raise Conflict(_("中期考核通过后才能进行结业考核。"))
    if report_document is not None and not await EntryDocument.exists().where(
        (EntryDocument.id == report_document) & (EntryDocument.entry == row["entry"])
    ):
        raise ValidationFailed(
            _("结题报告须为这名学生上传的文件。"), errors=[{"field": "report_document", "message": _("文件不存在。")}]
        )

    async def work() -> None:
        await lock_event(row["event"])
        stamp = now()
        await TalentApplication.update(
            {
                TalentApplication.final: result,
                TalentApplication.final_comment: assessment,
                TalentApplication.report_document: report_document,
                TalentApplication.final_at: stamp,
                TalentApplication.status: "completed" if result in CERTIFIED else "failed",
                TalentApplication.updated_at: stamp,
            }
        ).where(TalentApplication.id == application_id)
        await audit.record(
            actor,
            "talent.final",
            "talent_application",
            application_id,
            event_id=row["event"],
            entry_id=row["entry"],
            school_id=row["school"],
            changes={"final": [row["final"], result]},
        )

    await write_transaction(work)
    return await student_record(actor, application_id)


# --------------------------------------------------------------------------- a student's record


async def growth_log(application_id: int, entry_id: int) -> tuple[dict[int, dict[str, Any]], list[dict[str, Any]]]:
    """``(the entry's documents by id, the growth log newest first)`` of one student."""
    docs = {
        d["id"]: {"id": d["id"], "filename": d["filename"], "kind": d["kind"], "size": d["size"]}
        for d in await EntryDocument.select().where(EntryDocument.entry == entry_id).order_by(EntryDocument.id)
    }
    logs = [
        _log_out(r, docs)
        for r in await GrowthLog.select()
        .output(load_json=True)
        .where(GrowthLog.application == application_id)
        .order_by(GrowthLog.on, ascending=False)
        .order_by(GrowthLog.id, ascending=False)
    ]
    return docs, logs


async def student_record(actor: Principal, application_id: int) -> dict[str, Any]:
    """Everything of one student's year the caller may see: the application (a mentor's view has no
    personal data), the mentor, plan, growth log with comments and attachments, lab visits, reviews,
    destination (not for mentors), the entry's documents and what the caller may do."""
    row, mentor = await _student(actor, application_id)
    if actor.role == "mentor":
        view = (await talent.mentor_view_rows(actor, row["event"], [row]))[0]
    else:
        view = talent.application_view(row, (await talent._students([row["entry"]])).get(row["entry"]))
    view["event_id"] = row["event"]
    mentor_row = await talent.mentor_row(row["event"], row["mentor"]) if row["mentor"] else None
    docs, logs = await growth_log(application_id, row["entry"])
    hours = sum((Decimal(r["hours"]) for r in logs), Decimal(0))
    visits = []
    if mentor_row is not None:
        member = (await talent._students([row["entry"]])).get(row["entry"], {})
        for v in await LabVisit.select(
            LabVisit.checkin_session,
            LabVisit.checkin_session.name.as_alias("name"),
            LabVisit.checkin_session.starts_at.as_alias("starts_at"),
        ).where(LabVisit.mentor == row["mentor"]):
            attended = member.get("id") is not None and await Checkin.exists().where(
                (Checkin.checkin_session == v["checkin_session"]) & (Checkin.member == member["id"])
            )
            visits.append({"name": v["name"], "starts_at": v["starts_at"], "attended": attended})
    is_mentor = mentor is not None and mentor["id"] == row["mentor"]
    training = row["status"] == "matched"
    school_side = actor.is_organizer or (actor.role == "school" and actor.school_id == row["school"])
    return {
        "application": view,
        "mentor": talent.mentor_out(mentor_row) if mentor_row else None,
        "plan": row["plan"],
        "plan_updated_at": row["plan_updated_at"],
        "logs": logs,
        "hours": talent.plain(hours) if hours else "0",
        "visits": visits,
        "midterm": row["midterm"],
        "midterm_reason": row["midterm_reason"],
        "midterm_at": row["midterm_at"],
        "final": row["final"],
        "final_comment": row["final_comment"],
        "final_at": row["final_at"],
        "report": docs.get(row["report_document"]) if row["report_document"] else None,
        "documents": list(docs.values()),
        "destination": None
        if actor.role == "mentor"
        else {
            "consent": row["destination_consent"],
            "university": row["destination_university"],
            "major": row["destination_major"],
            "recorded_at": row["destination_recorded_at"],
        },
        "can": {
            "plan": (is_mentor or actor.is_organizer) and training,
            "log": school_side and training,
            "comment": is_mentor or actor.is_organizer,
            "midterm": (is_mentor or actor.is_organizer)
            and row["final"] is None
            and row["status"] in ("matched", "left"),
            "final": (is_mentor or actor.is_organizer)
            and row["midterm"] == "pass"
            and row["status"] in ("matched", "completed", "failed"),
            "destination": actor.is_organizer and row["status"] in ("completed", "failed"),
        },
    }


# --------------------------------------------------------------------------- the cohort and reminders


def _behind(row: dict[str, Any], logs: list[dict[str, Any]], settings: dict[str, Any], today: dt.date) -> list[str]:
    """Why a student in training is behind (untranslated message ids with their values), empty when not:
    no growth-log entry for ``log_interval_days`` (counted from the start when there is none), fewer
    hours than the yearly target pro rata up to ``log_interval_days`` ago (the running interval's hours
    are not due yet), no plan ``PLAN_DAYS`` after the start, a review overdue."""
    if row["status"] != "matched":
        return []
    reasons: list[str] = []
    start = settings["starts_on"]
    interval = dt.timedelta(days=settings["log_interval_days"])
    last = max((r["on"] for r in logs), default=None)
    since = last or start
    if since is not None and today - since > interval:
        days = (today - since).days
        reasons.append(_("已 {n} 天没有成长日志", n=days) if last else _("开始 {n} 天还没有成长日志", n=days))
    final_on = settings["final_on"]
    # hours: the yearly target pro rata up to one log interval ago (the hours of the interval still
    # running may be logged until it ends: a student logging on time is never behind on hours)
    due_by = min(today, final_on) - interval if final_on is not None else None
    if start is not None and final_on is not None and due_by is not None and final_on > start and due_by > start:
        elapsed = due_by - start
        expected = Decimal(settings["hours_target"]) * Decimal(elapsed.days) / Decimal((final_on - start).days)
        hours = sum((Decimal(r["hours"]) for r in logs), Decimal(0))
        if hours < expected.quantize(Decimal("0.1")):
            reasons.append(
                _(
                    "累计 {hours} 小时，少于进度要求的 {expected} 小时",
                    hours=talent.plain(hours),
                    expected=talent.plain(expected.quantize(Decimal("0.1"))),
                )
            )
    if start is not None and not row["plan"] and today - start > dt.timedelta(days=PLAN_DAYS):
        reasons.append(_("导师还没有填写培养方案"))
    if settings["midterm_on"] is not None and today > settings["midterm_on"] and row["midterm"] is None:
        reasons.append(_("中期考核逾期"))
    if final_on is not None and today > final_on and row["final"] is None:
        reasons.append(_("结业考核逾期"))
    return reasons


async def cohort(actor: Principal, event_id: int, today: dt.date | None = None) -> dict[str, Any]:
    """The programme's students in the year of growth (the office all; a city its schools'; a school
    its own; a mentor its own students): mentor, log entries and hours, last entry, reviews, and why
    each is behind; ``behind`` lists those who are (the reminder list)."""
    if actor.role not in ("organizer", "city", "school", "mentor"):
        raise Forbidden(_("您无权查看培养名单。"))
    await talent.talent_event(event_id, actor)
    settings = await talent.settings_of(event_id)
    today = today or local_now().date()
    rows = await talent.application_rows(event_id, TalentApplication.status.is_in(list(talent.IN_PROGRAMME)))
    if actor.role == "mentor":
        mentor = await talent.own_mentor(actor, event_id)
        rows = [r for r in rows if r["mentor"] == mentor["id"]]
    else:
        rows = [r for r in rows if talent._visible(actor, r)]
    logs: dict[int, list[dict[str, Any]]] = {}
    ids = [r["id"] for r in rows]
    for start in range(0, len(ids), 900):
        for g in await GrowthLog.select(GrowthLog.application, GrowthLog.on, GrowthLog.hours).where(
            GrowthLog.application.is_in(ids[start : start + 900])
        ):
            logs.setdefault(g["application"], []).append(g)
    students = []
    for r in rows:
        mine = logs.get(r["id"], [])
        hours = sum((Decimal(g["hours"]) for g in mine), Decimal(0))
        reasons = _behind(r, mine, settings, today)
        students.append(
            {
                "id": r["id"],
                "name": r["name"],
                "school_name": r["school_name"],
                "subject_name": r["subject_name"],
                "mentor_name": r["mentor_name"],
                "mentor_university": r["mentor_university"],
                "status": r["status"],
                "logs": len(mine),
                "hours": talent.plain(hours) if hours else "0",
                "last_log": max((g["on"] for g in mine), default=None),
                "plan": bool(r["plan"]),
                "midterm": r["midterm"],
                "final": r["final"],
                "behind": reasons,
                "destination": r["destination_university"] if r["destination_consent"] else "",
            }
        )
    return {
        "today": today,
        "students": students,
        "behind": [s for s in students if s["behind"]],
        "counts": {
            "training": sum(1 for s in students if s["status"] == "matched"),
            "left": sum(1 for s in students if s["status"] == "left"),
            "completed": sum(1 for s in students if s["status"] == "completed"),
            "failed": sum(1 for s in students if s["status"] == "failed"),
        },
    }


# --------------------------------------------------------------------------- certificates and follow-up


async def certificate_recipients(event_id: int) -> list[dict[str, Any]]:
    """Who gets the training certificate (培养证书), in the shape judging's certificates issue from:
    students whose year-end review is 优秀 or 合格 (status ``completed``). A student who left at the
    mid-term, or failed, never does."""
    rows = await talent.application_rows(
        event_id, (TalentApplication.status == "completed") & TalentApplication.final.is_in(list(CERTIFIED))
    )
    members = await talent._students([r["entry"] for r in rows])
    cats = {c["id"]: c for c in await Category.select().where(Category.event == event_id)}
    entries = {
        e["id"]: e
        for e in await Entry.select(Entry.id, Entry.division).where(Entry.id.is_in([r["entry"] for r in rows] or [0]))
    }
    out = []
    for r in rows:
        m = members.get(r["entry"])
        if m is None or r["midterm"] != "pass":
            continue
        cat = cats.get(r["subject"], {})
        out.append(
            {
                "member": m["id"],
                "entry": r["entry"],
                "school": r["school"],
                "school_code": r["school_code"],
                "school_name": r["school_name"],
                "category": r["subject"],
                "category_name": cat.get("name", ""),
                "category_position": cat.get("position", 0),
                "division": entries.get(r["entry"], {}).get("division", talent.DIVISION),
                "title": f"{r['mentor_name'] or ''}（{r['mentor_university'] or ''}）",
                "award": r["final"],
                "rank": None,
                "name": m["name"],
                "position": 0,
            }
        )
    return out


async def record_destination(actor: Principal, application_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """The office records where a graduate went next (university, major), only with the student's and
    guardian's consent (``consent``: without it nothing is kept and what was kept is cleared)."""
    talent.require_organizer(actor)
    row, _mentor = await _student(actor, application_id)
    if row["status"] not in ("completed", "failed"):
        raise Conflict(_("结业考核后才能记录毕业去向。"))
    consent = bool(data.get("consent"))
    university = clean_text(data.get("university"))[:100] if consent else ""
    major = clean_text(data.get("major"))[:100] if consent else ""
    if consent and not university:
        raise ValidationFailed(
            _("请填写去向高校。"), errors=[{"field": "university", "message": _("请填写去向高校。")}]
        )

    async def work() -> None:
        stamp = now()
        await TalentApplication.update(
            {
                TalentApplication.destination_consent: consent,
                TalentApplication.destination_university: university,
                TalentApplication.destination_major: major,
                TalentApplication.destination_recorded_at: stamp if consent else None,
                TalentApplication.updated_at: stamp,
            }
        ).where(TalentApplication.id == application_id)
        await audit.record(
            actor,
            "talent.destination",
            "talent_application",
            application_id,
            event_id=row["event"],
            entry_id=row["entry"],
            school_id=row["school"],
            changes={"destination": [row["destination_university"] or None, university or None]},
        )

    await write_transaction(work)
    return {"application_id": application_id, "consent": consent, "university": university, "major": major}


async def destinations(actor: Principal, event_id: int) -> list[dict[str, Any]]:
    """The office: graduates with a destination recorded (with consent)."""
    talent.require_organizer(actor)
    await talent.talent_event(event_id, actor)
    rows = await talent.application_rows(event_id, TalentApplication.destination_consent.eq(True))
    return [
        {
            "application_id": r["id"],
            "name": r["name"],
            "school_name": r["school_name"],
            "subject_name": r["subject_name"],
            "final": r["final"],
            "university": r["destination_university"],
            "major": r["destination_major"],
        }
        for r in rows
    ]
