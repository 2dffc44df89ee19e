"""The coverage charts and the PDF's tables read in English as in Chinese: a bar chart's labels fit left of
its bars whatever their length, the map's legend is HTML under the map (it keeps its size on a phone),
names on the map carry a halo, and a PDF table cell never draws text wider than itself."""

from __future__ import annotations

import re
from decimal import Decimal

from competitions.coverage import charts, exports


def test_bar_labels_fit_left_of_the_bars():
    labels = ["University science camps", "Robotics competition", "Talent programme"]
    svg = str(
        charts.bars([(label, [1, 2]) for label in labels], ["Students", "Participations"], title="t", label_width=120)
    )
    for x, label in re.findall(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="end"[^>]*>([^<]+)</text>', svg):
        assert float(x) - charts._text_width(label, 12) >= 0, f"{label} is cut off at the left"
    assert len(re.findall(r'text-anchor="end"', svg)) == 3
    # short Chinese labels keep the width asked for
    short = str(charts.bars([("海口", [1, 2])], ["本学年", "上一学年"], title="t", label_width=80))
    assert '<text x="74" ' in short


def test_the_map_legend_can_be_html_under_the_map():
    values = {"460100": 10, "460200": 20, "460300": None, "469001": 5, "469002": 40, "469005": 30}
    names = {code: code for code in values}
    svg = str(charts.choropleth(values, names, title="t", no_data="无数据", with_legend=False))
    assert 'viewBox="0 0 653 527"' in svg  # no room left for a legend inside
    assert 'class="map-name"' in svg and 'class="map-value"' in svg and 'dy="1.2em"' in svg
    assert 'paint-order="stroke"' in svg
    items = charts.legend(values, names, no_data="无数据")
    assert len(items) == len(charts.PALETTE) + 1 and items[-1] == (charts.NO_DATA, "无数据")
    html = str(charts.legend_html(items))
    assert html.count("<li>") == 6 and 'class="swatch"' in html
    assert charts.legend(values, {"460100": "海口市"}, no_data="无数据", visible={"460100"}) == [
        (charts.PALETTE[3], "海口市：10")
    ]
    with_legend = str(charts.choropleth(values, names, title="t", no_data="无数据"))
    assert 'viewBox="0 0 653 573"' in with_legend  # the standalone map keeps its own legend


def test_a_pdf_table_cell_never_draws_wider_than_itself():
    from app.pdf import default_font_path, register_fonts

    doc = exports._Report(orientation="P", unit="mm", format="A4")
    register_fonts(doc, [str(default_font_path("sans"))], "cov")
    doc.add_page()
    doc.set_font("cov", size=8.5)
    for text, width in (
        ("Qiongzhong Li and Miao Autonomous County", 34),
        ("Students (each counted once)", 30),
        ("Applied, not placed", 20),
        ("海口市", 34),
    ):
        shown = exports._fitted(doc, text, width, 8.5)
        assert doc.get_string_width(shown) <= width - 2 * doc.c_margin + 1e-6, (text, shown)
        assert doc.font_size_pt >= exports.MIN_SIZE
        if shown != text:
            assert shown.endswith("…") and text.startswith(shown[:-1])
    assert exports._fitted(doc, "海口市", 34, 8.5) == "海口市" and doc.font_size_pt == 8.5
    assert exports.rate(Decimal("0.5")) == "0.50"


def test_long_county_names_in_the_pdf_take_their_short_form():
    from app.i18n import set_locale
    from app.pdf import default_font_path, register_fonts

    doc = exports._Report(orientation="P", unit="mm", format="A4")
    register_fonts(doc, [str(default_font_path("sans"))], "cov")
    doc.add_page()
    doc.set_font("cov", size=8.5)
    chinese = {"name": "保亭黎族苗族自治县", "autonomous": True}
    assert exports._county_name(doc, chinese, 34, 8.5) == "保亭黎族苗族自治县"  # fits as it is
    token = set_locale("en")
    try:
        english = {"name": "Baoting Li and Miao Autonomous County", "autonomous": True}
        assert exports._county_name(doc, english, 34, 8.5) == "Baoting (Aut.)"
        assert exports._county_name(doc, {"name": "Ding'an County", "autonomous": False}, 34, 8.5) == "Ding'an County"
    finally:
        from app.i18n import _locale

        _locale.reset(token)
