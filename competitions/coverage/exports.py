"""The coverage report as a workbook (summary, by county, by programme, by school, schools without
activity, year over year) and as a printable A4 PDF for the annual report (summary, the county map,
the tables). Both are made from :func:`competitions.coverage.services.report`: a city account's
files hold its own city only. Counts only: no names of students, no ID numbers."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from fpdf import FPDF

from app.exports.workbook import add_sheet, append_row, new_workbook, workbook_bytes, write_table
from app.i18n import _, colon, paren
from app.pdf import default_font_path, missing_characters, register_fonts
from app.times import format_time
from competitions.coverage import charts
from competitions.coverage.counting import DIVISIONS


def rate(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def percent(value: Decimal | None) -> str:
    return "" if value is None else f"{value:+.1f}%"


def summary_rows(r: dict[str, Any], heading: bool = True) -> list[tuple[str, Any]]:
    """(label, value) lines of the summary, shared by the workbook and the PDF (whose title line says
    the scope, the school year and when: ``heading=False`` leaves those out)."""
    t = r["totals"]
    rows: list[tuple[str, Any]] = (
        [
            (_("范围"), r["scope"]["name"]),
            (_("学年"), f"{r['label']}{paren(r['period']['start'] + ' – ' + r['period']['end'])}"),
            (_("计算时间"), format_time(r["computed_at"])),
        ]
        if heading
        else []
    )
    rows += [
        (_("学生人数（去重）"), t["unique_students"]),
        (_("参与人次"), t["participations"]),
        (_("参与学校"), t["schools"]),
        (_("申请未录取"), t["applicants"]),
        (_("连续两年参与"), t["returning"]),
    ]
    if t.get("multi_programme") is not None:
        rows.append((_("参加两个及以上项目"), t["multi_programme"]))
    rows += [(_("科普报告场次"), t["talks"]), (_("报告听众人次"), t["audience"])]
    if t.get("enrolled"):
        rows.append((_("在校生数"), t["enrolled"]))
        rows.append((_("每千名在校生中的参与学生"), t["per_1000_enrolled"]))
    if r["scope"]["kind"] == "region" and r["province_per_1000"] is not None:
        rows.append((_("全省每千名在校生中的参与学生"), r["province_per_1000"]))
    if heading and r.get("stale"):
        rows.append((_("数据状态"), _("计算之后数据有变化，这些数字还不是最新的。")))
    return rows


def _fraction(percent_value: Decimal | None) -> Decimal | None:
    """A change in per cent as the fraction a spreadsheet shows with a % format (12.5 -> 0.125)."""
    return None if percent_value is None else percent_value / 100


def _number_formats(ws: Any, headers: list[str], formats: dict[str, str]) -> None:
    """Excel number formats for the columns named in ``formats`` (rates with two decimals, changes in %)."""
    for header, number_format in formats.items():
        if header in headers:
            column = headers.index(header) + 1
            for (cell,) in ws.iter_rows(min_row=2, min_col=column, max_col=column):
                cell.number_format = number_format


RATE_FORMAT = "0.00"
CHANGE_FORMAT = "+0.0%;-0.0%;0.0%"


def region_headers() -> list[str]:
    return [
        _("区划代码"),
        _("市县"),
        _("民族自治县"),
        _("学生人数（去重）"),
        _("参与人次"),
        _("参与学校"),
        _("申请未录取"),
        _("连续两年参与"),
        _("科普报告场次"),
        _("报告听众人次"),
        _("在校生数"),
        _("每千名在校生"),
        _("上一学年学生人数"),
        _("变化"),
        _("男"),
        _("女"),
        _("城镇"),
        _("农村"),
        *[_(d) for d in DIVISIONS],
    ]


def _split(row: dict[str, Any], name: str, key: str) -> int:
    return next((s["unique_students"] for s in row[name] if s["key"] == key), 0)


def region_values(row: dict[str, Any]) -> list[Any]:
    return [
        row["code"],
        row["name"],
        _("是") if row["autonomous"] else "",
        row["unique_students"],
        row["participations"],
        row["schools"],
        row["applicants"],
        row["returning"],
        row["talks"],
        row["audience"],
        row["enrolled"],
        row["per_1000_enrolled"],  # numbers in the workbook (formatted below), text in the PDF
        row["previous_unique_students"],
        _fraction(row["change_unique_students"]["percent"]),
        _split(row, "gender", "男"),
        _split(row, "gender", "女"),
        _split(row, "area", "urban"),
        _split(row, "area", "rural"),
        *[_split(row, "division", d) for d in DIVISIONS],
    ]


def workbook(r: dict[str, Any]) -> bytes:
    """The report as a workbook, every cell through the safe writer."""
    wb = new_workbook(_("汇总"))
    ws = wb.active
    write_table(ws, [_("指标"), _("数值")], summary_rows(r), widths={_("指标"): 30, _("数值"): 36})
    split_rows: list[list[Any]] = [[], [_("分组"), _("类别"), _("学生人数（去重）"), _("参与人次"), _("申请未录取")]]
    for title, items in (
        (_("性别"), r["by_gender"]),
        (_("学段"), r["by_division"]),
        (_("城乡"), r["by_area"]),
        (_("民族自治县"), r["by_autonomous"]),
    ):
        for item in items:
            split_rows.append(
                [title, item["label"], item["unique_students"], item["participations"], item["applicants"]]
            )

    for values in split_rows:
        append_row(ws, values)

    for (cell,) in ws.iter_rows(min_row=2, max_col=2, min_col=2):
        if isinstance(cell.value, Decimal):
            cell.number_format = RATE_FORMAT
    county = add_sheet(wb, _("按市县"))
    write_table(county, region_headers(), [region_values(x) for x in r["by_region"]], widths={_("市县"): 20})
    _number_formats(county, region_headers(), {_("每千名在校生"): RATE_FORMAT, _("变化"): CHANGE_FORMAT})
    write_table(
        add_sheet(wb, _("按项目")),
        [_("项目"), _("参与人次"), _("学生人数（去重）"), _("申请未录取"), _("参与学校")],
        [
            [p["label"], p["participations"], p["unique_students"], p["applicants"], p["schools"]]
            for p in r["by_programme"]
        ],
        widths={_("项目"): 22},
    )
    # students per programme; outreach talks are reach, counted per region, not per school's students
    kinds = [p["kind"] for p in r["programmes"] if p["kind"] not in r["reach_sources"]]
    labels = {p["kind"]: p["label"] for p in r["programmes"]}
    write_table(
        add_sheet(wb, _("按学校")),
        [
            _("学校代码"),
            _("学校名称"),
            _("市县"),
            _("城乡"),
            _("学生人数（去重）"),
            _("参与人次"),
            _("申请未录取"),
            *[labels[k] for k in kinds],
            _("科普报告场次"),
            _("报告听众人次"),
        ],
        [
            [
                s["code"],
                s["name"],
                s["region_name"],
                _("农村") if s["rural"] else _("城镇"),
                s["unique_students"],
                s["participations"],
                s["applicants"],
                *[next((p["participations"] for p in s["programme"] if p["kind"] == k), 0) for k in kinds],
                s["talks"],
                s["audience"],
            ]
            for s in r["by_school"]
        ],
        text_columns=[_("学校代码")],
        widths={_("学校名称"): 30},
    )
    write_table(
        add_sheet(wb, _("无活动的学校")),
        [_("学校代码"), _("学校名称"), _("市县"), _("城乡")],
        [
            [s["code"], s["name"], s["region_name"], _("农村") if s["rural"] else _("城镇")]
            for s in r["schools_without_activity"]
        ],
        text_columns=[_("学校代码")],
        widths={_("学校名称"): 30},
    )
    write_table(
        add_sheet(wb, _("只有科普报告的学校")),
        [_("学校代码"), _("学校名称"), _("市县"), _("城乡"), _("科普报告场次"), _("报告听众人次")],
        [
            [s["code"], s["name"], s["region_name"], _("农村") if s["rural"] else _("城镇"), s["talks"], s["audience"]]
            for s in r["schools_talks_only"]
        ],
        text_columns=[_("学校代码")],
        widths={_("学校名称"): 30},
    )
    write_table(
        add_sheet(wb, _("年度对比")),
        [
            _("学年"),
            _("学生人数（去重）"),
            _("参与人次"),
            _("参与学校"),
            _("申请未录取"),
            _("连续两年参与"),
            _("科普报告场次"),
            _("报告听众人次"),
            _("计算时间"),
        ],
        [
            [
                y["label"],
                *[
                    y.get(m)
                    for m in (
                        "unique_students",
                        "participations",
                        "schools",
                        "applicants",
                        "returning",
                        "talks",
                        "audience",
                    )
                ],
                format_time(y["computed_at"]) if y["computed"] else _("未计算"),
            ]
            for y in r["years"]
        ],
        widths={_("学年"): 18, _("计算时间"): 18},
    )
    return workbook_bytes(wb)


# --------------------------------------------------------------------------- the PDF

PAGE_W, PAGE_H, MARGIN = 210.0, 297.0, 15.0
_POINT = re.compile(r"(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)")


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


class _Report(FPDF):
    title_text = ""
    stamp = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("cov", size=8)
        self.set_text_color(120, 120, 120)
        self.cell(0, 5, f"{self.title_text} · {self.stamp} · {self.page_no()}", align="C")


MIN_SIZE = 5.5  # smallest type a table cell shrinks to before its text is cut with "…"


def _fitted(pdf: _Report, text: str, width: float, size: float) -> str:
    """Set the font size at which ``text`` fits in a cell ``width`` mm wide (``size`` or smaller, down to
    :data:`MIN_SIZE`); returns the text, cut with "…" if it does not fit even then. English names of
    counties and headers are longer than the Chinese ones the widths were chosen for."""
    room = width - 2 * pdf.c_margin
    pdf.set_font_size(size)
    if pdf.get_string_width(text) <= room:
        return text
    pdf.set_font_size(max(MIN_SIZE, size * room / pdf.get_string_width(text)))
    while pdf.get_string_width(text) > room and pdf.font_size_pt > MIN_SIZE:
        pdf.set_font_size(max(MIN_SIZE, pdf.font_size_pt - 0.25))
    while len(text) > 1 and pdf.get_string_width(text) > room:
        text = text[:-2] + "…"
    return text


def _county_name(pdf: _Report, row: dict[str, Any], width: float, size: float) -> str:
    """A county's name as it fits a PDF cell: the full name, else the short one (marked when the county is
    an ethnic autonomous one), so that English names stay readable instead of shrinking."""
    pdf.set_font_size(size)
    if pdf.get_string_width(row["name"]) <= width - 2 * pdf.c_margin:
        return str(row["name"])
    return f"{short_name(row['name'])} ({_('自治')})" if row["autonomous"] else short_name(row["name"])


def _table(pdf: _Report, headers: list[str], rows: list[list[Any]], widths: list[float], size: float = 8.5) -> None:
    line = 5.6

    def head() -> None:
        pdf.set_fill_color(221, 235, 247)
        pdf.set_text_color(20, 20, 20)
        for text, width in zip(headers, widths):
            pdf.cell(width, line + 1, _fitted(pdf, str(text), width, size), border=1, align="C", fill=True)
        pdf.set_font_size(size)
        pdf.ln(line + 1)

    head()
    for index, row in enumerate(rows):
        if pdf.get_y() + line > PAGE_H - 18:
            pdf.add_page()
            head()
        fill = index % 2 == 1
        pdf.set_fill_color(246, 248, 250)
        for i, (value, width) in enumerate(zip(row, widths)):
            text = (
                ""
                if value is None
                else (f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value))
            )
            align = "L" if i == 0 or not _numeric(text) else "R"
            pdf.cell(width, line, _fitted(pdf, text, width, size), border=1, align=align, fill=fill)
        pdf.set_font_size(size)
        pdf.ln(line)


def _numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[+\-]?[\d,]+(\.\d+)?%?", text))


def _heading(pdf: _Report, text: str) -> None:
    if pdf.get_y() > PAGE_H - 45:
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font_size(12.5)
    pdf.set_text_color(27, 94, 32)
    pdf.cell(0, 8, text)
    pdf.ln(9)
    pdf.set_text_color(20, 20, 20)


def _map(pdf: _Report, r: dict[str, Any], x: float, y: float, width: float) -> float:
    """The county map, coloured as on the page; returns its height in mm."""
    data = charts.hainan_map()
    _x0, _y0, vw, vh = data["view_box"]
    scale = width / vw
    values, visible = map_values(r)
    bounds = charts.classes([v for c, v in values.items() if visible is None or c in visible])
    single = visible is not None and len(visible) == 1
    pdf.set_draw_color(255, 255, 255)
    pdf.set_line_width(0.25)
    for code, region in data["regions"].items():
        seen = visible is None or code in visible
        fill = charts.region_fill(values.get(code), bounds, seen, single)
        pdf.set_fill_color(*_rgb(fill))
        if code == charts.SANSHA:
            ix, iy, iw, ih = data["inset"]
            pdf.set_draw_color(96, 125, 139)
            pdf.rect(x + ix * scale, y + iy * scale, iw * scale, ih * scale, style="DF")
            pdf.set_draw_color(255, 255, 255)
            continue
        for ring in region["path"].split("M")[1:]:
            points = [(x + float(a) * scale, y + float(b) * scale) for a, b in _POINT.findall(ring)]
            if len(points) > 2:
                pdf.polygon(points, style="DF")
    pdf.set_font_size(6.5)
    names = r["region_names"]
    for code, region in data["regions"].items():
        if code == charts.SANSHA:
            ix, iy, iw, ih = data["inset"]
            lx, ly = ix + iw / 2, iy + ih / 2
        else:
            lx, ly = region["label"]
        seen = visible is None or code in visible
        fill = charts.region_fill(values.get(code), bounds, seen, single)
        dark = fill in charts.PALETTE[3:]
        pdf.set_text_color(*((255, 255, 255) if dark else (30, 30, 30)))
        text = short_name(names.get(code) or region["name"])
        value = values.get(code) if seen else None
        pdf.set_xy(x + lx * scale - 12, y + ly * scale - 3)
        pdf.cell(24, 3, text, align="C")
        if value is not None:
            pdf.set_xy(x + lx * scale - 12, y + ly * scale)
            pdf.cell(24, 3, f"{value:.2f}" if isinstance(value, Decimal) else f"{value:,}", align="C")
    # legend
    pdf.set_text_color(40, 40, 40)
    ly = y + vh * scale + 2
    if single:
        code = next(iter(visible or ()), "")
        pdf.set_fill_color(*_rgb(charts.PALETTE[3]))
        pdf.rect(x, ly, 4, 3, style="DF")
        pdf.set_xy(x + 5, ly - 0.5)
        value = values.get(code)
        shown = "—" if value is None else f"{value:.2f}" if isinstance(value, Decimal) else f"{value:,}"
        pdf.cell(80, 4, f"{names.get(code, code)}{colon()}{shown}")
        return vh * scale + 7
    lower = 0.0
    for i, (bound, fill) in enumerate(zip(bounds, charts.PALETTE)):
        lx = x + i * 30
        pdf.set_fill_color(*_rgb(fill))
        pdf.set_draw_color(160, 160, 160)
        pdf.rect(lx, ly, 4, 3, style="DF")
        pdf.set_xy(lx + 5, ly - 0.5)
        pdf.cell(24, 4, f"{charts._bound(lower)}–{charts._bound(bound)}")
        lower = bound
    pdf.set_fill_color(*_rgb(charts.NO_DATA))
    pdf.rect(x + 150, ly, 4, 3, style="DF")
    pdf.set_xy(x + 155, ly - 0.5)
    pdf.cell(30, 4, _("无数据"))
    return vh * scale + 7


def short_name(name: str) -> str:
    """海口市 -> 海口, 白沙黎族自治县 -> 白沙; Baisha Li Autonomous County -> Baisha, Ding'an County -> Ding'an."""
    for suffix in (
        "黎族苗族自治县",
        "黎族自治县",
        "市",
        "县",
        " Li and Miao Autonomous County",
        " Li Autonomous County",
        " County",
    ):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def map_values(r: dict[str, Any]) -> tuple[dict[str, Any], set[str] | None]:
    """What the map shows per region: students per 1,000 enrolled where enrolment was imported,
    otherwise unique students; and the regions whose values are shown (a city: its own)."""
    use_rate = any(row["per_1000_enrolled"] is not None for row in r["by_region"])
    values = {row["code"]: (row["per_1000_enrolled"] if use_rate else row["unique_students"]) for row in r["by_region"]}
    visible = None if r["scope"]["kind"] == "province" else {r["scope"]["code"]}
    return values, visible


def map_measure(r: dict[str, Any]) -> str:
    use_rate = any(row["per_1000_enrolled"] is not None for row in r["by_region"])
    return _("每千名在校生中的参与学生") if use_rate else _("学生人数（去重）")


def pdf(r: dict[str, Any]) -> bytes:
    """The report as printable A4 pages."""
    title = _("青少年科技教育活动覆盖面报告")
    doc = _Report(orientation="P", unit="mm", format="A4")
    doc.title_text = f"{r['scope']['name']} {r['label']}"
    doc.stamp = _("计算于 {time}", time=format_time(r["computed_at"]))
    font = str(default_font_path("sans"))
    register_fonts(doc, [font], "cov")
    doc.set_title(title)
    doc.set_margins(MARGIN, MARGIN, MARGIN)
    doc.set_auto_page_break(True, 16)
    doc.add_page()
    doc.set_font("cov", size=18)
    doc.set_text_color(27, 94, 32)
    doc.cell(0, 10, title, align="C")
    doc.ln(11)
    doc.set_font_size(11)
    doc.set_text_color(60, 60, 60)
    doc.cell(
        0,
        6,
        f"{r['scope']['name']} · {r['label']}{paren(r['period']['start'] + ' – ' + r['period']['end'])} · {doc.stamp}",
        align="C",
    )
    doc.ln(9)
    if r.get("stale"):
        doc.set_font_size(9.5)
        doc.set_text_color(138, 90, 0)
        doc.cell(0, 5, _("计算之后数据有变化，这些数字还不是最新的。"), align="C")
        doc.ln(6)

    _heading(doc, _("总体情况"))
    rows = summary_rows(r, heading=False)
    half = (len(rows) + 1) // 2
    doc.set_font_size(9.5)
    for i in range(half):
        for label, value in (rows[i], rows[i + half] if i + half < len(rows) else ("", "")):
            doc.set_text_color(100, 100, 100)
            doc.cell(62, 6, f"{label}{colon()}" if label else "")
            doc.set_text_color(20, 20, 20)
            doc.cell(28, 6, f"{value:,}" if isinstance(value, int) else str(value))
        doc.ln(6)

    _heading(
        doc,
        _("各市县：{measure}", measure=map_measure(r))
        if r["scope"]["kind"] == "province"
        else f"{r['scope']['name']}{colon()}{map_measure(r)}",
    )
    height = _map(doc, r, MARGIN + 10, doc.get_y(), PAGE_W - 2 * MARGIN - 20)
    doc.set_y(doc.get_y() + height + 2)
    doc.set_font("cov", size=9)

    _heading(doc, _("按市县"))
    _table(
        doc,
        [
            _("市县"),
            _("学生"),
            _("人次"),
            _("学校"),
            _("申请未录取"),
            _("报告/听众"),
            _("在校生"),
            _("每千人"),
            _("较上年"),
        ],
        [
            [
                _county_name(doc, row, 34, 8.5),
                row["unique_students"],
                row["participations"],
                row["schools"],
                row["applicants"],
                f"{row['talks']}/{row['audience']:,}",
                row["enrolled"],
                rate(row["per_1000_enrolled"]),
                percent(row["change_unique_students"]["percent"]),
            ]
            for row in r["by_region"]
        ]
        + (
            [
                [
                    _("全省"),
                    r["totals"]["unique_students"],
                    r["totals"]["participations"],
                    r["totals"]["schools"],
                    r["totals"]["applicants"],
                    f"{r['totals']['talks']}/{r['totals']['audience']:,}",
                    r["totals"]["enrolled"],
                    rate(r["province_per_1000"]),
                    percent(r["change"]["unique_students"]["percent"]),
                ]
            ]
            if r["scope"]["kind"] == "province"
            else []
        ),
        [34, 18, 18, 16, 20, 22, 22, 15, 15],
    )
    _heading(doc, _("按项目"))
    _table(
        doc,
        [_("项目"), _("参与人次"), _("学生人数（去重）"), _("申请未录取"), _("参与学校")],
        [
            [p["label"], p["participations"], p["unique_students"], p["applicants"], p["schools"]]
            for p in r["by_programme"]
        ],
        [60, 30, 30, 30, 30],
    )
    _heading(doc, _("性别、学段、城乡"))
    split_rows = []
    for title_text, items in (
        (_("性别"), r["by_gender"]),
        (_("学段"), r["by_division"]),
        (_("城乡"), r["by_area"]),
        (_("民族自治县"), r["by_autonomous"]),
    ):
        for item in items:
            split_rows.append(
                [f"{title_text} · {item['label']}", item["unique_students"], item["participations"], item["applicants"]]
            )
    _table(doc, [_("分组"), _("学生人数（去重）"), _("参与人次"), _("申请未录取")], split_rows, [84, 32, 32, 32])
    _heading(doc, _("年度对比"))
    _table(
        doc,
        [_("学年"), _("学生人数（去重）"), _("参与人次"), _("参与学校"), _("连续两年参与"), _("报告听众人次")],
        [
            [
                y["label"],
                *(
                    y.get(m) if y["computed"] else _("未计算")
                    for m in ("unique_students", "participations", "schools", "returning", "audience")
                ),
            ]
            for y in r["years"]
        ],
        [40, 30, 30, 25, 30, 25],
    )
    if r["schools_without_activity"]:
        _heading(doc, _("本学年没有活动的学校（{n} 所）", n=len(r["schools_without_activity"])))
        _table(
            doc,
            [_("学校代码"), _("学校名称"), _("市县"), _("城乡")],
            [
                [s["code"], s["name"], s["region_name"], _("农村") if s["rural"] else _("城镇")]
                for s in r["schools_without_activity"]
            ],
            [25, 90, 45, 20],
        )
    if r["schools_talks_only"]:
        _heading(doc, _("只有科普报告、没有学生参与的学校（{n} 所）", n=len(r["schools_talks_only"])))
        _table(
            doc,
            [_("学校代码"), _("学校名称"), _("市县"), _("科普报告场次"), _("报告听众人次")],
            [[s["code"], s["name"], s["region_name"], s["talks"], s["audience"]] for s in r["schools_talks_only"]],
            [25, 75, 40, 20, 20],
        )
    texts = [
        f"{s['name']}{s['region_name']}"
        for s in (*r["by_school"], *r["schools_without_activity"], *r["schools_talks_only"])
    ]
    missing = missing_characters("".join(texts) + title, [font])
    if missing:  # the bundled font covers the names seen so far; a character it lacks would vanish silently
        doc.set_text_color(180, 0, 0)
        doc.multi_cell(0, 5, _("注意：字体缺少以下字符，打印时会空缺：{chars}", chars="".join(missing[:20])))
    return bytes(doc.output())
