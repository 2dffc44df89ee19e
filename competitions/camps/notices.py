"""Admission notices (录取通知书) and leading teachers' notices (带队通知) of a camp, as A4 PDFs.

Who gets an admission notice: every application holding a seat, ``offered`` or ``accepted``
(an offered student needs the camp's details to decide; the notice of an offered student says by
when to confirm, and that an unconfirmed seat passes to the waiting list). Declined, expired,
waiting, unplaced and withdrawn applications get none.

One page per student: the event, the site's name, host university, city, dates, report time and
place, the leading teachers of the site once assigned (name and phone: the student needs to reach
them), the student's name and school, and the QR code of the student's check-in credential
(:mod:`competitions.checkin.credentials`: an opaque signed token, no personal data). No ID numbers.

The leading teacher's notice lists the site, its dates, report time and place, and the names and
schools of the site's admitted students (no ID numbers, no phones).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from fpdf import FPDF

from app.errors import Conflict, Forbidden, NotFound
from app.i18n import _, paren, semicolon
from app.pdf import default_font_path, register_fonts
from app.principal import Principal
from app.security import decrypt_pii
from app.tables import School
from app.times import local_time
from competitions.camps.tables import CampApplication, CampSite, CampTeacher
from competitions.checkin.badges import _qr, _wrap
from competitions.checkin.credentials import credential_for, qr_code
from competitions.events.tables import Event
from competitions.registration.tables import Member

NOTICE_STATUSES = ("offered", "accepted")
QR_SIZE = 42.0  # mm, quiet zone included


async def _event(event_id: int) -> dict[str, Any]:
    event = await Event.select(Event.id, Event.name, Event.kind).where(Event.id == event_id).first()
    if event is None or event["kind"] != "camp":
        raise NotFound(_("找不到这个科学营。"))
    return event


def site_dates(site: dict[str, Any]) -> str:
    start, end = site.get("starts_on"), site.get("ends_on")
    if start and end:
        return f"{start.isoformat()} — {end.isoformat()}"
    return start.isoformat() if start else ""


async def leaders_by_site(event_id: int) -> dict[str, list[dict[str, Any]]]:
    """The assigned leading teachers per site code: ``[{"id", "name", "phone", "school_name"}]``."""
    rows = (
        await CampTeacher.select(
            CampTeacher.id,
            CampTeacher.name,
            CampTeacher.phone_enc,
            CampTeacher.site_code,
            CampTeacher.school.name.as_alias("school_name"),
        )
        .where((CampTeacher.event == event_id) & CampTeacher.site_code.is_not_null())
        .order_by(CampTeacher.id)
    )
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r["site_code"], []).append(
            {
                "id": r["id"],
                "name": r["name"],
                "phone": decrypt_pii(r["phone_enc"]) or "",
                "school_name": r["school_name"],
            }
        )
    return out


async def notice_rows(
    actor: Principal, event_id: int, site_code: str | None = None, school_code: str | None = None
) -> list[dict[str, Any]]:
    """The admitted students to print notices for: the organizer all (or one site / one school);
    a school its own students only. Sorted by site, school, name."""
    if actor.role not in ("organizer", "school"):
        raise Forbidden(_("只有组委会和学校可以下载录取通知书。"))
    event = await _event(event_id)
    sites = {
        s["code"]: s
        for s in await CampSite.select()
        .output(load_json=True)
        .where(CampSite.event == event_id)
        .order_by(CampSite.position)
    }
    where = (CampApplication.event == event_id) & CampApplication.status.is_in(list(NOTICE_STATUSES))
    if site_code:
        if site_code not in sites:
            raise NotFound(_("分营 {code} 不存在。", code=site_code))
        where &= CampApplication.site_code == site_code
    if actor.role == "school":
        where &= CampApplication.school == actor.school_id
    elif school_code:
        school = await School.select(School.id).where(School.code == school_code.strip()).first()
        if school is None:
            raise NotFound(_("找不到学校 {code}。", code=school_code))
        where &= CampApplication.school == school["id"]
    apps = await CampApplication.select(
        CampApplication.id,
        CampApplication.entry,
        CampApplication.status,
        CampApplication.site_code,
        CampApplication.offer_expires_at,
        CampApplication.entry.title.as_alias("name"),
        CampApplication.school.code.as_alias("school_code"),
        CampApplication.school.name.as_alias("school_name"),
    ).where(where)
    members = {
        m["entry"]: m
        for m in await Member.select(Member.id, Member.entry, Member.credential_generation, Member.grade).where(
            Member.entry.is_in([a["entry"] for a in apps] or [0]) & (Member.position == 0)
        )
    }
    leaders = await leaders_by_site(event_id)
    rows = []
    for a in apps:
        m = members.get(a["entry"])
        if m is None:
            continue
        rows.append(
            {
                **a,
                "event_name": event["name"],
                "grade": m["grade"],
                "credential": credential_for(m["id"], m["credential_generation"]),
                "site": sites[a["site_code"]],
                "leaders": leaders.get(a["site_code"], []),
            }
        )
    order = list(sites)
    rows.sort(key=lambda r: (order.index(r["site_code"]), r["school_code"], r["name"], r["id"]))
    return rows


def _pdf(title: str) -> FPDF:
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(20, 20, 20)
    register_fonts(pdf, [str(default_font_path("sans"))], "notice")
    pdf.set_font("notice", size=11)
    pdf.set_title(title)
    return pdf


def _header(pdf: FPDF, event_name: str, title: str) -> float:
    pdf.set_fill_color(30, 110, 80)
    pdf.rect(0, 0, 210, 14, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_xy(20, 4)
    pdf.set_font_size(12)
    pdf.cell(170, 6, event_name, align="C")
    pdf.set_text_color(20, 20, 20)
    pdf.set_xy(20, 24)
    pdf.set_font_size(24)
    pdf.cell(170, 12, title, align="C")
    return 44.0


def _details(pdf: FPDF, y: float, items: list[tuple[str, str]], width: float = 170.0) -> float:
    """Label/value lines from ``y``; returns the y below them. The values start after the widest
    label (English labels such as "Leading teachers" are wider than the Chinese ones)."""
    pdf.set_font_size(11)
    column = max([32.0] + [pdf.get_string_width(label) + 4 for label, value in items if value])
    for label, value in items:
        if not value:
            continue
        pdf.set_xy(20, y)
        pdf.set_font_size(11)
        pdf.set_text_color(90, 90, 90)
        pdf.cell(column, 7, label)
        pdf.set_text_color(20, 20, 20)
        size, lines = _wrap(pdf, value, width - column, 12, lines=3, minimum=8, keep_all=True)
        for line in lines:
            pdf.set_xy(20 + column, y)
            pdf.set_font_size(size)
            pdf.cell(width - column, 7, line)
            y += 7
        y += 1
    return y


def deadline_text(value: dt.datetime) -> str:
    """The time to confirm by as the notice says it: a date in the language's words and the time of
    day, Beijing time said (a notice travels: the reader may be anywhere)."""
    t = local_time(value)
    return _("{y}年{m}月{d}日 {hm}（北京时间）", y=t.year, m=t.month, d=t.day, hm=f"{t:%H:%M}", iso=f"{t:%Y-%m-%d}")


def _leaders_text(leaders: list[dict[str, Any]]) -> str:
    if not leaders:
        return _("待定，确定后另行通知")
    return semicolon().join(f"{t['name']} {t['phone']}".strip() for t in leaders)


def render_admission_notices(rows: list[dict[str, Any]]) -> bytes:
    """One A4 page per row of :func:`notice_rows`."""
    pdf = _pdf(_("录取通知书"))
    for r in rows:
        pdf.add_page()
        site = r["site"]
        y = _header(pdf, r["event_name"], _("录取通知书"))
        pdf.set_xy(20, y)
        pdf.set_font_size(16)
        pdf.cell(120, 9, _("{name} 同学：", name=r["name"]))
        y += 12
        if r["status"] == "offered" and r["offer_expires_at"] is not None:
            # not yet a place: the deadline first, where it is read (the congratulations wait for the school's yes)
            body = _(
                "你已被{event}{site}（{host}承办）录取，录取待学校确认，确认期限 {deadline}，逾期视为放弃。确认后请按下列时间地点报到，报到时出示本通知书上的二维码。",
                event=r["event_name"],
                site=site["name"],
                host=site["host"] or "—",
                deadline=deadline_text(r["offer_expires_at"]),
            )
        else:
            body = _(
                "祝贺你被录取参加{event}{site}（{host}承办）。请按下列时间地点报到，报到时出示本通知书上的二维码。",
                event=r["event_name"],
                site=site["name"],
                host=site["host"] or "—",
            )
        size, lines = _wrap(pdf, body, 120, 12, lines=5, minimum=9, keep_all=True)
        for line in lines:
            pdf.set_xy(20, y)
            pdf.set_font_size(size)
            pdf.cell(120, 7, line)
            y += 7
        # QR code on the right, beside the greeting
        qx, qy = 190 - QR_SIZE, y - 7 * len(lines) - 14
        _qr(pdf, qr_code(r["credential"]).modules, qx, qy, QR_SIZE)
        pdf.set_font_size(7)
        pdf.set_xy(qx - 4, qy + QR_SIZE)
        pdf.cell(QR_SIZE + 8, 3.5, r["credential"], align="C")
        pdf.set_xy(qx - 4, qy + QR_SIZE + 3.5)
        pdf.cell(QR_SIZE + 8, 3.5, _("报到签到码"), align="C")
        y = max(y, qy + QR_SIZE + 10) + 4
        y = _details(
            pdf,
            y,
            [
                (_("学生"), r["name"]),
                (_("学校"), r["school_name"]),
                (_("分营"), site["name"] + paren(site["code"])),
                (_("承办高校"), site["host"]),
                (_("城市"), site["city"]),
                (_("营期"), site_dates(site)),
                (_("报到时间"), site.get("report_time") or ""),
                (_("报到地点"), site.get("report_place") or ""),
                (_("带队教师"), _leaders_text(r["leaders"])),
                (_("分营联系人"), f"{site['contact_name']} {site['contact_phone']}".strip()),
            ],
        )
        if r["status"] == "offered" and r["offer_expires_at"] is not None:
            y += 4
            text = _(
                "请于 {deadline}前由学校确认参营；逾期未确认视为放弃，名额转给候补学生。",
                deadline=deadline_text(r["offer_expires_at"]),
            )
            size, lines = _wrap(pdf, text, 170, 11, lines=3, minimum=8, keep_all=True)
            pdf.set_text_color(160, 40, 40)
            for line in lines:
                pdf.set_xy(20, y)
                pdf.set_font_size(size)
                pdf.cell(170, 6, line)
                y += 6
            pdf.set_text_color(20, 20, 20)
        pdf.set_xy(20, 270)
        pdf.set_font_size(9)
        pdf.set_text_color(110, 110, 110)
        pdf.cell(170, 5, _("本通知书不含身份证号等个人信息；二维码仅用于报到和活动签到。"), align="C")
        pdf.set_text_color(20, 20, 20)
    return bytes(pdf.output())


def render_teacher_notice(data: dict[str, Any]) -> bytes:
    """A leading teacher's notice (see :func:`competitions.camps.teachers.teacher_notice_rows`):
    the site's details and its students' names and schools, as many pages as the list needs."""
    pdf = _pdf(_("带队通知"))
    pdf.add_page()
    site = data["site"]
    y = _header(pdf, data["event_name"], _("带队通知"))
    pdf.set_xy(20, y)
    pdf.set_font_size(15)
    pdf.cell(170, 9, _("{name} 老师：", name=data["teacher"]["name"]))
    y += 11
    body = _(
        "感谢您担任{event}{site}（{host}承办）的带队教师。营期、报到安排和本分营营员名单如下。",
        event=data["event_name"],
        site=site["name"],
        host=site["host"] or "—",
    )
    size, lines = _wrap(pdf, body, 170, 12, lines=3, minimum=9)
    for line in lines:
        pdf.set_xy(20, y)
        pdf.set_font_size(size)
        pdf.cell(170, 7, line)
        y += 7
    y = _details(
        pdf,
        y + 3,
        [
            (_("分营"), site["name"] + paren(site["code"])),
            (_("承办高校"), site["host"]),
            (_("城市"), site["city"]),
            (_("营期"), site_dates(site)),
            (_("报到时间"), site.get("report_time") or ""),
            (_("报到地点"), site.get("report_place") or ""),
            (_("共同带队"), semicolon().join(f"{t['name']} {t['phone']}".strip() for t in data["co_leaders"])),
            (_("分营联系人"), f"{site['contact_name']} {site['contact_phone']}".strip()),
        ],
    )
    y += 4
    pdf.set_xy(20, y)
    pdf.set_font_size(13)
    pdf.cell(170, 8, _("营员名单（{n} 人）", n=len(data["students"])))
    y += 10
    for k, s in enumerate(data["students"], start=1):
        if y > 275:
            pdf.add_page()
            y = 20
        pdf.set_font_size(10.5)
        pdf.set_xy(20, y)
        pdf.cell(12, 6, str(k))
        pdf.set_xy(32, y)
        pdf.cell(45, 6, s["name"])
        pdf.set_xy(80, y)
        pdf.cell(110, 6, s["school_name"])
        y += 6.5
    return bytes(pdf.output())


async def admission_notices_pdf(
    actor: Principal, event_id: int, site_code: str | None = None, school_code: str | None = None
) -> tuple[bytes, str]:
    """The notices as one PDF and its file name; 409 when nobody holds a seat in the selection."""
    rows = await notice_rows(actor, event_id, site_code or None, school_code or None)
    if not rows:
        raise Conflict(_("没有可打印的录取通知书：只有已录取（待确认或已确认）的学生有录取通知书。"))
    data = await asyncio.to_thread(render_admission_notices, rows)
    suffix = "".join(
        f"-{x}" for x in (site_code, rows[0]["school_code"] if actor.role == "school" else school_code) if x
    )
    return data, f"admission-notices-{event_id}{suffix}.pdf"
