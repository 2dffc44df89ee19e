"""An expert's printable itinerary (行程单) for a tour: A4 pages, one block per day (date, county) with
the day's talks in order: school, its city/county and whether it is rural, the topic and its length,
the audience (division and size), the hall and the equipment the school has, the school's contact
(an adult teacher; no students' data). Drawn with fpdf2 and the built-in CJK font (app/pdf.py);
characters the font cannot draw are reported before drawing instead of printed as boxes."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from fpdf import FPDF

from app.errors import Conflict, NotFound
from app.i18n import _
from app.pdf import default_font_path, missing_characters, register_fonts
from app.principal import Principal
from app.tables import School
from competitions.checkin.badges import _wrap
from competitions.outreach import tours
from competitions.outreach.services import REGION_NAME, expert_id_of, require_organizer
from competitions.outreach.tables import Expert, Talk

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


async def itinerary_rows(actor: Principal, tour_id: int, expert_id: int) -> dict[str, Any]:
    """What the itinerary prints: the office any expert's, an expert only their own (404 otherwise)."""
    if actor.role == "expert":
        if await expert_id_of(actor, create=False) != expert_id:
            raise NotFound(_("专家不存在（编号 {id}）。", id=expert_id))
    else:
        require_organizer(actor)
    tour = await tours._tour_row(tour_id)
    expert = await Expert.select().where(Expert.id == expert_id).first()
    if expert is None:
        raise NotFound(_("专家不存在（编号 {id}）。", id=expert_id))
    rows = await tours._talk_query().where(
        (Talk.tour == tour_id) & (Talk.expert == expert_id) & (Talk.status != "cancelled")
    )
    if actor.role == "expert":
        rows = [r for r in rows if r["status"] != "planned"]  # a draft is the office's
    if not rows:
        raise Conflict(_("这位专家在该巡讲中没有报告。"))
    schools = {
        s["id"]: s
        for s in await School.select(School.id, School.city, School.contact_name, School.contact_phone_enc).where(
            School.id.is_in([r["school"] for r in rows])
        )
    }
    talks = await tours.talks_out(rows)
    for t in talks:
        school = schools.get(t["school_id"], {})
        t["contact"] = tours.contact_of(school)
        t["equipment"] = next((r["school_equipment"] for r in rows if r["id"] == t["id"]), "") or ""
        t["topic_equipment"] = next((r["topic_equipment"] for r in rows if r["id"] == t["id"]), "") or ""
    return {"tour": tour, "expert": expert, "talks": talks}


def _line(pdf: FPDF, x: float, y: float, width: float, text: str, size: float, lines: int = 2) -> float:
    size, parts = _wrap(pdf, text, width, size, lines=lines, minimum=7)
    for part in parts:
        pdf.set_xy(x, y)
        pdf.set_font_size(size)
        pdf.cell(width, size * 0.5, part)
        y += size * 0.5
    return y


def render_itinerary(data: dict[str, Any]) -> bytes:
    """The itinerary as PDF bytes."""
    tour, expert, talks = data["tour"], data["expert"], data["talks"]
    font = str(default_font_path("sans"))
    texts = [tour["name"], expert["name"], expert["affiliation"], _("未登记，请向组委会询问")] + [
        f"{t['school_name']}{t['topic_title']}{t['hall']}{t['contact']}{t['equipment']}{t['topic_equipment']}"
        for t in talks
    ]
    missing = missing_characters("".join(texts), [font])
    if missing:
        raise Conflict(_("行程单字体无法显示这些字：{chars}", chars="".join(missing)))
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(18, 18, 18)
    register_fonts(pdf, [font], "itinerary")
    pdf.set_font("itinerary", size=11)
    pdf.set_title(_("巡讲行程单"))
    pdf.add_page()
    pdf.set_fill_color(30, 110, 80)
    pdf.rect(0, 0, 210, 12, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_xy(18, 3.5)
    pdf.set_font_size(11)
    pdf.cell(174, 5, _("大手拉小手科普报告"), align="C")
    pdf.set_text_color(20, 20, 20)
    y = _line(pdf, 18, 20, 174, _("巡讲行程单"), 20, 1) + 3
    y = _line(pdf, 18, y, 174, tour["name"], 13, 2) + 1
    who = f"{expert['name']}  {expert['title'] or ''}  {expert['affiliation'] or ''}".strip()
    y = _line(pdf, 18, y, 174, who, 11, 2)
    y = _line(
        pdf,
        18,
        y + 1,
        174,
        _("{a} 至 {b}，共 {n} 场报告", a=tour["starts_on"].isoformat(), b=tour["ends_on"].isoformat(), n=len(talks)),
        10,
        1,
    )
    y += 4
    days: dict[str, list[dict[str, Any]]] = {}
    for t in talks:
        days.setdefault(t["on_date"], []).append(t)
    for day, mine in days.items():
        need = 10 + 24 * len(mine)
        if y + min(need, 40) > 280:
            pdf.add_page()
            y = 18
        weekday = _(WEEKDAYS[dt.date.fromisoformat(day).weekday()])
        counties = "、".join(dict.fromkeys(REGION_NAME.get(t["region_code"] or "", "") for t in mine))
        pdf.set_fill_color(232, 245, 233)
        pdf.rect(18, y, 174, 7, style="F")
        _line(pdf, 20, y + 1.2, 170, f"{day} {weekday}  {counties}", 11.5, 1)
        y += 9
        for k, t in enumerate(mine, start=1):
            if y > 262:
                pdf.add_page()
                y = 18
            pdf.set_text_color(30, 110, 80)
            _line(pdf, 18, y, 8, str(k), 12, 1)
            pdf.set_text_color(20, 20, 20)
            rural = _("（农村学校）") if t["rural"] else ""
            y = _line(pdf, 26, y, 166, f"{t['school_name']}{rural}", 11.5, 1)
            y = _line(
                pdf,
                26,
                y + 0.5,
                166,
                _("报告：“{topic}”，{n} 分钟", topic=t["topic_title"], n=t["duration_minutes"] or "—"),
                10,
                2,
            )
            y = _line(
                pdf,
                26,
                y + 0.5,
                166,
                _(
                    "听众：{division} {n} 人；场地：{hall}",
                    division=_(t["division"] or "—"),
                    n=t["audience_size"] or "—",
                    hall=t["hall"] or "—",
                ),
                10,
                2,
            )
            if t["equipment"] or t["topic_equipment"]:
                y = _line(
                    pdf,
                    26,
                    y + 0.5,
                    166,
                    _(
                        "设备：学校已有 {have}；报告需要 {need}",
                        have=t["equipment"] or "—",
                        need=t["topic_equipment"] or "—",
                    ),
                    10,
                    2,
                )
            contact = t["contact"] or _("未登记，请向组委会询问")
            y = _line(pdf, 26, y + 0.5, 166, _("学校联系人：{contact}", contact=contact), 10, 1)
            y += 3
        y += 2
    pdf.set_xy(18, 285)
    pdf.set_font_size(8)
    pdf.set_text_color(110, 110, 110)
    pdf.cell(174, 4, _("报告结束后，请在“我的科普报告”中记录工作时长；学校会确认听众人数和反馈。"), align="C")
    return bytes(pdf.output())


async def itinerary_pdf(actor: Principal, tour_id: int, expert_id: int) -> tuple[bytes, str]:
    data = await itinerary_rows(actor, tour_id, expert_id)
    content = await asyncio.to_thread(render_itinerary, data)
    return content, f"itinerary-tour{tour_id}-expert{expert_id}.pdf"
