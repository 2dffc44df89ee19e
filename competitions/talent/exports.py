"""The cohort workbook of the talent programme (培养名单): every student in the year of growth with the
mentor, plan, growth-log entries and hours, lab visits attended, the mid-term and year-end reviews, the
reminder reasons and (for the office, with consent) the destination; a second sheet lists the growth
log entry by entry with the mentor's comments and who wrote it (学生本人填写 for the student's link, as
the pages mark it; else 学校 or 组委会). Written through :mod:`app.exports.workbook`.

Who gets what: the same students :func:`competitions.talent.growth.cohort` shows the caller (the office
all, a city its schools', a school its own, a mentor its own students). No ID numbers, phones or birth
dates for anyone: the office's full export with personal data is the registration export.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from app.exports.workbook import add_sheet, new_workbook, workbook_bytes, write_table
from app.i18n import _
from app.principal import Principal
from competitions.checkin.tables import Checkin
from competitions.talent import growth
from competitions.talent import services as talent
from competitions.talent.tables import GrowthLog, LabVisit, TalentApplication


def _hours(text: str) -> Decimal:
    return Decimal(text or "0")


async def cohort_workbook(actor: Principal, event_id: int, today: dt.date | None = None) -> bytes:
    """The cohort as .xlsx bytes (see the module docstring); 403/404 as :func:`growth.cohort`."""
    data = await growth.cohort(actor, event_id, today=today)
    students = data["students"]
    ids = [s["id"] for s in students]
    wanted = set(ids)
    rows = {
        r["id"]: r
        for r in await talent.application_rows(event_id, TalentApplication.status.is_in(list(talent.IN_PROGRAMME)))
        if r["id"] in wanted
    }
    members = await talent._students([r["entry"] for r in rows.values()])
    # lab visits: each mentor's sessions, and which of them the student checked in to
    visits: dict[int, list[int]] = {}
    for v in await LabVisit.select(LabVisit.mentor, LabVisit.checkin_session).where(LabVisit.event == event_id):
        visits.setdefault(v["mentor"], []).append(v["checkin_session"])
    sessions = [s for group in visits.values() for s in group]
    attended: dict[int, set[int]] = {}
    if sessions:
        for c in await Checkin.select(Checkin.checkin_session, Checkin.member).where(
            Checkin.checkin_session.is_in(sessions)
        ):
            attended.setdefault(c["member"], set()).add(c["checkin_session"])
    office = actor.is_organizer
    midterm_words = {k: _(v) for k, v in growth.MIDTERM_LABELS.items()}
    final_words = {k: _(v) for k, v in growth.FINAL_LABELS.items()}
    header = [
        _("申请编号"),
        _("姓名"),
        _("性别"),
        _("年级"),
        _("学校"),
        _("学科"),
        _("导师"),
        _("导师所在高校"),
        _("状态"),
        _("培养方案"),
        _("成长日志（条）"),
        _("累计时长（小时）"),
        _("最近一条日志"),
        _("实验室活动（签到/场次）"),
        _("中期考核"),
        _("中期考核说明"),
        _("结业考核"),
        _("导师评语"),
        _("需要提醒"),
    ]
    if office:
        header.append(_("毕业去向"))
    table = []
    for s in students:
        r = rows[s["id"]]
        m = members.get(r["entry"], {})
        held = visits.get(r["mentor"], []) if r["mentor"] is not None else []
        came = attended.get(m.get("id"), set()) if m else set()
        line: list[Any] = [
            r["entry_code"],
            s["name"],
            _(m.get("gender", "")) if m.get("gender") else "",
            _(m.get("grade", "")) if m.get("grade") else "",
            s["school_name"],
            s["subject_name"],
            s["mentor_name"] or "",
            s["mentor_university"] or "",
            _(talent.STATUS_LABELS.get(s["status"], s["status"])),
            _("已填写") if s["plan"] else _("未填写"),
            s["logs"],
            _hours(s["hours"]),
            s["last_log"].isoformat() if isinstance(s["last_log"], dt.date) else (s["last_log"] or ""),
            f"{sum(1 for x in held if x in came)}/{len(held)}",
            midterm_words.get(r["midterm"] or "", ""),
            r["midterm_reason"] or "",
            final_words.get(r["final"] or "", ""),
            r["final_comment"] or "",
            "；".join(s["behind"]),
        ]
        if office:
            line.append(
                " ".join(x for x in (r["destination_university"], r["destination_major"]) if x)
                if r["destination_consent"]
                else ""
            )
        table.append(line)
    wb = new_workbook(_("培养名单"))
    write_table(
        wb.active,
        header,
        table,
        text_columns=[_("申请编号")],
        widths={_("学校"): 22, _("导师评语"): 40, _("需要提醒"): 40, _("中期考核说明"): 30},
    )
    log_header = [
        _("申请编号"),
        _("姓名"),
        _("日期"),
        _("活动内容"),
        _("时长（小时）"),
        _("心得"),
        _("导师点评"),
        _("填写人"),
    ]
    # who wrote an entry, as the pages mark it: the student through its link, else its school or the office
    writers = {"school": _("学校"), "organizer": _("组委会")}
    log_rows = []  # students in the order of the first sheet (application id), entries by date
    by_id = {s["id"]: s for s in students}
    for start in range(0, len(ids), 900):
        for g in (
            await GrowthLog.select(
                GrowthLog.application,
                GrowthLog.on,
                GrowthLog.activity,
                GrowthLog.hours,
                GrowthLog.reflection,
                GrowthLog.mentor_comment,
                GrowthLog.by_student,
                GrowthLog.created_by.role.as_alias("writer_role"),
            )
            .where(GrowthLog.application.is_in(ids[start : start + 900]))
            .order_by(GrowthLog.application)
            .order_by(GrowthLog.on)
            .order_by(GrowthLog.id)
        ):
            s = by_id[g["application"]]
            log_rows.append(
                [
                    rows[s["id"]]["entry_code"],
                    s["name"],
                    g["on"].isoformat() if isinstance(g["on"], dt.date) else g["on"],
                    g["activity"],
                    _hours(g["hours"]),
                    g["reflection"],
                    g["mentor_comment"],
                    _("学生本人填写") if g["by_student"] else writers.get(g["writer_role"] or "", ""),
                ]
            )
    write_table(
        add_sheet(wb, _("成长日志")),
        log_header,
        log_rows,
        text_columns=[_("申请编号"), _("日期")],
        widths={_("活动内容"): 30, _("心得"): 50, _("导师点评"): 40},
    )
    return workbook_bytes(wb)
