"""Badges (参赛证): one per participant and adviser, eight per A4 sheet with cut marks.

Each badge carries the event, the person's name and role, school, entry code and title,
category and division, and the QR code of the person's credential (see
:mod:`competitions.checkin.credentials`) with its text underneath for typing it in by hand. No ID
numbers or phones. Badges are sorted by school code, entry code and the member's position.

A badge whose text the font cannot draw (a character outside the font's character map,
for example 𠮷) is not printed with a box or a blank: it is left out and listed on a last
page by entry code and member number, so the office can print it by hand.
"""

from __future__ import annotations

import asyncio
import io
import re
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fpdf import FPDF

from app import jobs
from app.errors import Conflict, Forbidden, NotFound
from app.files import private_dir, write_private
from app.i18n import _, get_locale, set_locale
from app.pdf import default_font_path, missing_characters, register_fonts
from app.principal import Principal
from app.settings import get_settings
from app.tables import School
from competitions.checkin.credentials import credential_for, qr_code
from competitions.events.tables import Event
from competitions.registration.tables import Member

PAGE_W, PAGE_H = 210.0, 297.0  # A4 portrait, mm
COLUMNS, ROWS = 2, 4
BADGE_W, BADGE_H = 90.0, 62.0  # mm
MARGIN_X = (PAGE_W - COLUMNS * BADGE_W) / 2
MARGIN_Y = (PAGE_H - ROWS * BADGE_H) / 2
CUT_MARK = 5.0  # mm, drawn outside the badge grid
QR_SIZE = 30.0  # mm including the quiet zone
BADGE_STATUSES = ("approved",)
BADGES_IN_PROCESS = 400  # more badges than this (50 sheets) are drawn in another process
BADGE_JOB = "competitions.badges"
NO_LINE_START = set("）)」』】〕〉》，。、；：？！,.;:?!·")

#: Per event kind, who of an event's approved entries gets a badge, when not all of them: ``holders(event_id)``
#: answers ``{member id: {"site_code", "site_name", "site_position"}}`` (camps: students who accepted
#: their seat, printed per site; registered by competitions/plugin.py). Kinds without one: every
#: member of an approved entry.
badge_holders: dict[str, Callable[[int], Awaitable[dict[int, dict[str, Any]]]]] = {}


async def _holders(event: dict[str, Any]) -> dict[int, dict[str, Any]] | None:
    holders = badge_holders.get(event["kind"])
    return await holders(event["id"]) if holders is not None else None


async def badge_sites(event_id: int) -> list[dict[str, Any]]:
    """For an event whose kind prints badges per site (camps): ``[{"code", "name", "badges"}]`` in
    site order; ``[]`` for other kinds."""
    event = await Event.select(Event.id, Event.kind).where(Event.id == event_id).first()
    holders = await _holders(event) if event else None
    sites: dict[str, dict[str, Any]] = {}
    for h in sorted((holders or {}).values(), key=lambda h: h["site_position"]):
        sites.setdefault(h["site_code"], {"code": h["site_code"], "name": h["site_name"], "badges": 0})["badges"] += 1
    return list(sites.values())


async def schools_with_badges(event_id: int) -> list[dict[str, Any]]:
    """Schools that have approved entries in the event, by school code, for choosing one
    school's badges: ``[{"code", "name", "entries"}]``."""
    from competitions.registration.tables import Entry

    where = (Entry.event == event_id) & Entry.status.is_in(list(BADGE_STATUSES))
    event = await Event.select(Event.id, Event.kind).where(Event.id == event_id).first()
    holders = await _holders(event) if event else None
    if holders is not None:
        entries = [m["entry"] for m in await Member.select(Member.entry).where(Member.id.is_in(list(holders) or [0]))]
        where &= Entry.id.is_in(entries or [0])
    rows = (
        await Entry.select(Entry.school.code.as_alias("code"), Entry.school.name.as_alias("name"))
        .where(where)
        .order_by(Entry.school.code)
    )
    schools: dict[str, dict[str, Any]] = {}
    for r in rows:
        schools.setdefault(r["code"], {"code": r["code"], "name": r["name"], "entries": 0})["entries"] += 1
    return list(schools.values())


async def badge_rows(
    actor: Principal,
    event_id: int,
    school_code: str | None = None,
    member_id: int | None = None,
    site_code: str | None = None,
) -> list[dict[str, Any]]:
    """The people to print badges for: members of the event's approved entries, for the
    whole event (organizers) or one school (organizers with ``school_code``; a school
    coordinator always gets only its own school). Each row: ``{"id", "name", "role",
    "school_code", "school_name", "entry_code", "entry_title", "category", "division",
    "credential"}``; ``member_id`` narrows it to one person (a reissued badge). A kind with
    :data:`badge_holders` (camps) prints only those members, sorted by site first; ``site_code``
    narrows it to one site (404 for a site with no badges). Raises 404 for an unknown event or
    school, 403 for other roles."""
    if actor.role not in ("organizer", "school"):
        raise Forbidden(_("只有组委会和学校可以打印参赛证。"))
    event = await Event.select(Event.id, Event.name, Event.kind).where(Event.id == event_id).first()
    if event is None:
        raise NotFound(_("找不到这个赛事。"))
    holders = await _holders(event)
    where = (Member.event == event_id) & Member.entry.status.is_in(list(BADGE_STATUSES))
    if holders is not None:
        chosen = [m for m, h in holders.items() if not site_code or h["site_code"] == site_code]
        if site_code and not chosen:
            raise NotFound(_("分营 {code} 没有可打印的营员证。", code=site_code))
        where &= Member.id.is_in(chosen or [0])
    if actor.role == "school":
        where &= Member.entry.school == actor.school_id
    elif school_code:
        school = await School.select(School.id).where(School.code == school_code.strip()).first()
        if school is None:
            raise NotFound(_("找不到学校 {code}。", code=school_code))
        where &= Member.entry.school == school["id"]
    if member_id is not None:
        where &= Member.id == member_id
    rows = (
        await Member.select(
            Member.id,
            Member.name,
            Member.role,
            Member.credential_generation,
            Member.entry.code.as_alias("entry_code"),
            Member.entry.title.as_alias("entry_title"),
            Member.entry.division.as_alias("division"),
            Member.entry.category.name.as_alias("category"),
            Member.entry.school.code.as_alias("school_code"),
            Member.entry.school.name.as_alias("school_name"),
        )
        .where(where)
        .order_by(Member.entry.school.code)
        .order_by(Member.entry.code)
        .order_by(Member.role, ascending=False)
        .order_by(Member.position)
    )
    for r in rows:
        r["credential"] = credential_for(r["id"], r["credential_generation"])
        r["event_name"] = event["name"]
    if holders is not None:  # a camp: 营员证 naming the site, sorted by site, then school
        for r in rows:
            site = holders[r["id"]]
            r.update(badge_label=_("营员证"), detail=f"{site['site_name']}（{site['site_code']}）", entry_title="")
            r["site_position"] = site["site_position"]
        rows.sort(key=lambda r: r.pop("site_position"))  # stable: school order kept within a site
    return rows


def _fit(pdf: FPDF, text: str, width: float, size: float, minimum: float = 6.0) -> float:
    """The largest font size <= ``size`` (pt) at which ``text`` fits ``width`` mm."""
    pdf.set_font_size(size)
    while size > minimum and pdf.get_string_width(text) > width:
        size -= 0.5
        pdf.set_font_size(size)
    return size


# a run of Latin letters, digits and their punctuation (with the spaces after it) is one unit of a line;
# any other character (Chinese has no spaces) is a unit of its own
_UNIT = re.compile(r"[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]+\s*|\s+|.")


def _wrap(
    pdf: FPDF, text: str, width: float, size: float, lines: int = 2, minimum: float = 5.5, keep_all: bool = False
) -> tuple[float, list[str]]:
    """Break ``text`` into at most ``lines`` lines of ``width`` mm at the largest font size
    <= ``size`` (pt) that allows it: Chinese character by character, other scripts at spaces (a
    word longer than a line is broken where it must). At ``minimum`` what does not fit is cut off,
    unless ``keep_all`` (then every line is returned)."""
    while True:
        pdf.set_font_size(size)
        out, current = [], ""
        for unit in _UNIT.findall(text):
            # a word wider than a line is broken where it must, character by character
            for piece in unit if len(unit) > 1 and pdf.get_string_width(unit.rstrip()) > width else (unit,):
                # closing punctuation never starts a line (it hangs past the margin instead)
                if current and piece not in NO_LINE_START and pdf.get_string_width(current + piece.rstrip()) > width:
                    out.append(current.rstrip())
                    current = piece.lstrip()
                else:
                    current += piece
        out.append(current.rstrip())
        if len(out) <= lines or size <= minimum:
            return size, out if keep_all else out[:lines]
        size -= 0.5


def _cut_marks(pdf: FPDF) -> None:
    pdf.set_draw_color(120, 120, 120)
    pdf.set_line_width(0.2)
    xs = [MARGIN_X + i * BADGE_W for i in range(COLUMNS + 1)]
    ys = [MARGIN_Y + j * BADGE_H for j in range(ROWS + 1)]
    for x in xs:
        pdf.line(x, MARGIN_Y - CUT_MARK - 1, x, MARGIN_Y - 1)
        pdf.line(x, PAGE_H - MARGIN_Y + 1, x, PAGE_H - MARGIN_Y + CUT_MARK + 1)
    for y in ys:
        pdf.line(MARGIN_X - CUT_MARK - 1, y, MARGIN_X - 1, y)
        pdf.line(PAGE_W - MARGIN_X + 1, y, PAGE_W - MARGIN_X + CUT_MARK + 1, y)


def _badge(pdf: FPDF, row: dict[str, Any], x: float, y: float, role_names: dict[str, str]) -> None:
    pdf.set_draw_color(200, 200, 200)
    pdf.set_line_width(0.1)
    pdf.rect(x + 1, y + 1, BADGE_W - 2, BADGE_H - 2)
    # header band
    pdf.set_fill_color(30, 110, 80)
    pdf.rect(x + 1, y + 1, BADGE_W - 2, 10, style="F")
    pdf.set_text_color(255, 255, 255)
    text_w = BADGE_W - 8
    pdf.set_xy(x + 4, y + 2.5)
    _fit(pdf, row["event_name"], text_w, 10)
    pdf.cell(text_w, 4, row["event_name"], align="C")
    pdf.set_xy(x + 4, y + 6.6)
    pdf.set_font_size(7)
    pdf.cell(
        text_w,
        3.5,
        (row.get("badge_label") or _("参赛证")) + " · " + role_names.get(row["role"], row["role"]),
        align="C",
    )
    pdf.set_text_color(20, 20, 20)
    left_w = BADGE_W - QR_SIZE - 8
    # name
    pdf.set_xy(x + 4, y + 14)
    _fit(pdf, row["name"], left_w, 22, 10)
    pdf.cell(left_w, 10, row["name"])
    # school, entry, category
    lines = [
        (row["school_name"], 9.5),
        (row.get("detail") or f"{row['entry_code']}  {row['category']} · {row['division']}", 8),
    ]
    cy = y + 27
    for text, size in lines:
        pdf.set_xy(x + 4, cy)
        _fit(pdf, text, left_w, size, 5.5)
        pdf.cell(left_w, 5, text)
        cy += 6
    size, title_lines = _wrap(pdf, row["entry_title"], left_w, 8)
    for text in title_lines:
        pdf.set_xy(x + 4, cy)
        pdf.cell(left_w, size * 0.45, text)
        cy += size * 0.45 + 0.6
    # QR code (its dark modules as vector rectangles: sharp at any zoom) and its text
    qx, qy = x + BADGE_W - QR_SIZE - 3, y + 13
    _qr(pdf, qr_code(row["credential"]).modules, qx, qy, QR_SIZE)
    pdf.set_font_size(5.5)
    pdf.set_xy(qx - 2, qy + QR_SIZE + 0.5)
    text = row["credential"]
    pdf.cell(QR_SIZE + 4, 2.5, f"{text[:13]}", align="C")
    pdf.set_xy(qx - 2, qy + QR_SIZE + 3)
    pdf.cell(QR_SIZE + 4, 2.5, f"{text[13:]}", align="C")


QR_QUIET = 4  # modules of white around the code (qrcode's ``border``)


def _qr(pdf: FPDF, modules: list[list[bool | None]], x: float, y: float, size: float) -> None:
    """Draw a QR code's dark modules in the ``size`` mm square at (``x``, ``y``), quiet zone
    included, as one filled path of rectangles (a row's run of dark modules is one rectangle).

    A badge used to embed each code as an image of its own (qrcode drew it with PIL, one
    rectangle call per module, then fpdf2 encoded it): most of the time of a 3,000-badge PDF
    (``bench/badges.py``). The path is written straight into the page (``_out``: fpdf2 has no
    public call for many rectangles in one path) inside ``q``/``Q``, so the colours fpdf2
    tracks are untouched."""
    count = len(modules) + 2 * QR_QUIET
    unit = size / count * pdf.k  # points per module
    left, top = x * pdf.k, (pdf.h - y) * pdf.k  # PDF space: points from the page's bottom-left
    parts = []
    for r, line in enumerate(modules):
        bottom = top - (r + QR_QUIET + 1) * unit
        c, width = 0, len(line)
        while c < width:
            if line[c]:
                start = c
                while c < width and line[c]:
                    c += 1
                parts.append(
                    f"{left + (start + QR_QUIET) * unit:.2f} {bottom:.2f} {(c - start) * unit:.2f} {unit:.2f} re"
                )
            else:
                c += 1
    pdf._out("q 0 g " + " ".join(parts) + " f Q")


def render_badges(rows: list[dict[str, Any]], font_path: str | None = None) -> tuple[bytes, list[dict[str, Any]]]:
    """Render badges for ``rows`` (see :func:`badge_rows`) into A4 PDF bytes.

    Returns (pdf bytes, left_out) where ``left_out`` lists ``{"id", "entry_code",
    "characters"}`` for badges whose text the font cannot draw (listed on a last page
    instead of printed). The font (default Noto Sans SC) is embedded as a subset."""
    fonts = [str(font_path or default_font_path("sans"))]
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    register_fonts(pdf, fonts, "badge")
    pdf.set_font("badge", size=10)
    pdf.set_title(_("参赛证"))
    role_names = {"student": _("学生"), "adviser": _("辅导教师")}
    printable, left_out = [], []
    for row in rows:
        missing = missing_characters(
            "".join((row["name"], row["school_name"], row["entry_title"], row["category"], row["event_name"])), fonts
        )
        if missing:
            left_out.append({"id": row["id"], "entry_code": row["entry_code"], "characters": "".join(missing)})
        else:
            printable.append(row)
    per_page = COLUMNS * ROWS
    for start in range(0, len(printable), per_page):
        pdf.add_page()
        _cut_marks(pdf)
        for i, row in enumerate(printable[start : start + per_page]):
            col, line = i % COLUMNS, i // COLUMNS
            _badge(pdf, row, MARGIN_X + col * BADGE_W, MARGIN_Y + line * BADGE_H, role_names)
    if left_out or not printable:
        pdf.add_page()
        pdf.set_xy(15, 20)
        pdf.set_font_size(12)
        if not printable and not left_out:
            pdf.multi_cell(180, 7, _("没有可打印的参赛证：只有审核通过的作品才有参赛证。"))
        else:
            pdf.multi_cell(180, 7, _("以下参赛证的姓名或文字含有字体无法显示的字，未打印，请手工制作："))
            pdf.set_font_size(10)
            for item in left_out:
                pdf.set_x(15)
                pdf.cell(
                    180,
                    6,
                    _("作品 {code} · 人员编号 {id}", code=item["entry_code"], id=item["id"]),
                    new_x="LMARGIN",
                    new_y="NEXT",
                )
    out = io.BytesIO()
    pdf.output(out)
    return out.getvalue(), left_out


async def badges_pdf(
    actor: Principal,
    event_id: int,
    school_code: str | None = None,
    member_id: int | None = None,
    site_code: str | None = None,
) -> tuple[bytes | Path, str]:
    """Badges of an event, a school or one member as one PDF (see :func:`badge_rows` for who
    may print what). Returns (pdf, file name): the PDF's bytes, or for more than
    :data:`BADGES_IN_PROCESS` badges the path of a file drawn in another process
    (:func:`render_badges_job`; the caller streams it and deletes it). Raises 409 when there is
    nobody to print."""
    rows = await badge_rows(actor, event_id, school_code, member_id, site_code)
    if not rows:
        if rows == [] and await Event.exists().where((Event.id == event_id) & Event.kind.is_in(list(badge_holders))):
            raise Conflict(_("没有可打印的营员证：只有已确认参营的学生才有营员证。"))
        raise Conflict(_("没有可打印的参赛证：只有审核通过的作品才有参赛证。"))
    data: bytes | Path
    if len(rows) > BADGES_IN_PROCESS:
        data = Path(await jobs.call(BADGE_JOB, {"rows": rows, "locale": get_locale()}))
    else:
        data, _left_out = await asyncio.to_thread(render_badges, rows)
    suffix = f"-{rows[0]['school_code']}" if actor.role == "school" or school_code else ""
    if site_code:
        suffix = f"-{site_code}{suffix}"
    if member_id is not None:
        suffix = f"-{rows[0]['entry_code']}-{member_id}"
    return data, f"badges-{event_id}{suffix}.pdf"


async def render_badges_job(rows: list[dict[str, Any]], locale: str = "zh") -> str:
    """The badge job (:data:`BADGE_JOB`, run in another process by :func:`app.jobs.call`): draw
    ``rows`` and write the PDF under ``<data dir>/badges``; returns the file's path."""
    set_locale(locale)
    data, _left_out = render_badges(rows)
    path = private_dir(get_settings().data_dir / "badges") / f"{secrets.token_hex(16)}.pdf"
    write_private(path, data)
    return str(path)
