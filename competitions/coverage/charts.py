"""Server-rendered SVG for the coverage page: a choropleth of Hainan's cities and counties and
horizontal bar charts. Nothing is loaded from outside: the outlines come from ``hainan_map.json``
(built once by ``scripts/build_hainan_map.py`` from the MIT-licensed ``echarts-china-provinces-pypkg``).
Every chart is drawn beside a table of the same numbers (the templates do that); the SVG carries
``role="img"``, a label, and a ``<title>`` per shape for a pointer's tooltip."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from app.i18n import colon

MAP_FILE = Path(__file__).with_name("hainan_map.json")
SANSHA = "460300"
# sequential greens (ColorBrewer "Greens", 5 classes); no figure: grey
PALETTE = ("#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c")
NO_DATA = "#e3e3e3"
OTHER = "#f3f3f3"  # a region a city account does not see
SERIES = ("#2e7d32", "#90caf9")


@functools.cache
def hainan_map() -> dict[str, Any]:
    """The outlines: ``{"view_box", "inset", "regions": {code: {"name", "path", "label"}}}``."""
    return json.loads(MAP_FILE.read_text(encoding="utf-8"))


def _number(value: Any) -> float | None:
    if value is None:
        return None
    return float(value) if isinstance(value, (int, float, Decimal)) else None


def classes(values: Sequence[Any], n: int = len(PALETTE)) -> list[float]:
    """Upper bounds of ``n`` classes holding about as many regions each (quantiles of the values above
    zero), so one county far ahead does not leave every other one in the lightest class."""
    numbers = sorted(v for v in (_number(x) for x in values) if v is not None and v > 0)
    if not numbers:
        return [0.0] * n
    bounds: list[float] = []
    for i in range(1, n + 1):
        bound = numbers[max(0, -(-len(numbers) * i // n) - 1)]
        bounds.append(max(bound, bounds[-1] if bounds else 0.0))
    bounds[-1] = numbers[-1]
    return bounds


def colour(value: Any, bounds: Sequence[float]) -> str:
    number = _number(value)
    if number is None:
        return NO_DATA
    for bound, fill in zip(bounds, PALETTE):
        if number <= bound:
            return fill
    return PALETTE[-1]


def region_fill(value: Any, bounds: Sequence[float], seen: bool, single: bool) -> str:
    """A region's colour: its class; a city's own region (``single``) one strong green; a region the
    viewer may not see, plain."""
    if not seen:
        return OTHER
    if single:
        return PALETTE[3] if value is not None else NO_DATA
    return colour(value, bounds)


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, float):
        return f"{value:.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _text_width(text: str, size: float) -> float:
    """About how wide ``text`` draws at ``size``: CJK characters a full em, others a little over half."""
    return sum(size if ord(c) > 0x2E7F else size * 0.56 for c in text)


def _bound(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.2f}"


def legend(
    values: dict[str, Any], names: dict[str, str], *, no_data: str, visible: set[str] | None = None
) -> list[tuple[str, str]]:
    """The map's legend as ``(colour, text)``: one per class and one for "no figure"; a city's own map
    (one visible region) has one entry, its name and value."""
    if visible is not None and len(visible) == 1:
        code = next(iter(visible))
        return [(PALETTE[3], f"{names.get(code, code)}{colon()}{_fmt(values.get(code))}")]
    bounds = classes([v for c, v in values.items() if visible is None or c in visible])
    items, lower = [], 0.0
    for bound, fill in zip(bounds, PALETTE):
        items.append((fill, f"{_bound(lower)}–{_bound(bound)}"))
        lower = bound
    return [*items, (NO_DATA, no_data)]


def legend_html(items: list[tuple[str, str]]) -> Markup:
    """The legend as HTML under the map: it keeps its size on a phone, where the map is drawn small."""
    return Markup(
        '<ul class="map-legend">'
        + "".join(
            f'<li><span class="swatch" style="background:{fill}"></span>{escape(text)}</li>' for fill, text in items
        )
        + "</ul>"
    )


def choropleth(
    values: dict[str, Any],
    names: dict[str, str],
    *,
    title: str,
    no_data: str,
    short: dict[str, str] | None = None,
    visible: set[str] | None = None,
    link: str = "#region-{code}",
    with_legend: bool = True,
) -> Markup:
    """The county map coloured by ``values`` (``{code: number or None}``); ``names`` the regions' names,
    ``short`` the names written on the map; ``visible`` the regions whose values may be shown (a city
    account: its own; the others are drawn as plain outlines); each region links to ``link``. The
    legend is drawn under the map unless ``with_legend`` is false (a page puts :func:`legend_html` there).
    Names and values carry the classes ``map-name`` / ``map-value`` (a phone's style draws them larger)."""
    data = hainan_map()
    x0, y0, width, height = data["view_box"]
    shown = {c: v for c, v in values.items() if visible is None or c in visible}
    bounds = classes(list(shown.values()))
    single = visible is not None and len(visible) == 1  # a city's own map: one colour, no classes
    if single:
        bounds = [float("inf")] * len(PALETTE)
    short = short or {}
    parts = [
        f'<svg class="chart map" viewBox="{x0} {y0} {width} {height + (46 if with_legend else 0)}" role="img" aria-label="{escape(title)}" '
        'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">',
        f"<title>{escape(title)}</title>",
        f'<rect x="{x0}" y="{y0}" width="{width}" height="{height}" fill="#eef6fb" rx="8"/>',
    ]
    labels = []
    for code, region in data["regions"].items():
        seen = visible is None or code in visible
        value = shown.get(code)
        fill = region_fill(value, bounds, seen, single)
        name = names.get(code, region["name"])
        tip = f"{name}{colon()}{_fmt(value)}" if seen else name
        href = escape(link.format(code=code))
        if code == SANSHA:
            ix, iy, iw, ih = data["inset"]
            parts.append(
                f'<a href="{href}"><rect x="{ix}" y="{iy}" width="{iw}" height="{ih}" rx="6" fill="{fill}" '
                f'stroke="#607d8b" stroke-dasharray="4 3" data-code="{code}"><title>{escape(tip)}</title></rect></a>'
            )
            labels.append((ix + iw / 2, iy + ih / 2 - 4, short.get(code, name), value if seen else None, fill))
            continue
        parts.append(
            f'<a href="{href}"><path d="{region["path"]}" fill="{fill}" stroke="#ffffff" stroke-width="1.2" '
            f'data-code="{code}"><title>{escape(tip)}</title></path></a>'
        )
        lx, ly = region["label"]
        labels.append((lx, ly, short.get(code, name), value if seen else None, fill))
    for lx, ly, text, value, fill in labels:
        dark = fill in PALETTE[3:]
        # a halo in the region's own colour: a name reaching over a neighbour of another shade stays legible
        ink = "#ffffff" if dark else "#1b1b1b"
        halo = f'stroke="{fill}" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'

        parts.append(
            f'<text class="map-name" x="{lx:.1f}" y="{ly:.1f}" text-anchor="middle" font-size="14" fill="{ink}" '
            f'{halo} pointer-events="none">{escape(text)}</text>'
        )
        if value is not None:
            parts.append(
                f'<text class="map-value" x="{lx:.1f}" y="{ly:.1f}" dy="1.2em" text-anchor="middle" font-size="12.5" '
                f'font-weight="bold" fill="{ink}" {halo} pointer-events="none">{escape(_fmt(value))}</text>'
            )
    if not with_legend:
        parts.append("</svg>")
        return Markup("".join(parts))
    # the legend under the map
    ly = height + 14
    if single:
        code = next(iter(visible or ()), "")
        parts.append(
            f'<rect x="10" y="{ly}" width="18" height="14" fill="{PALETTE[3]}" stroke="#9e9e9e" stroke-width=".5"/>'
        )
        label = f"{names.get(code, code)}{colon()}{_fmt(shown.get(code))}"
        parts.append(f'<text x="32" y="{ly + 11}" font-size="12">{escape(label)}</text>')
        parts.append("</svg>")
        return Markup("".join(parts))
    step = (width - 20) / (len(PALETTE) + 1)
    lower = 0.0
    for i, (bound, fill) in enumerate(zip(bounds, PALETTE)):
        lx = 10 + i * step
        parts.append(
            f'<rect x="{lx:.1f}" y="{ly}" width="18" height="14" fill="{fill}" stroke="#9e9e9e" stroke-width=".5"/>'
        )
        parts.append(f'<text x="{lx + 22:.1f}" y="{ly + 11}" font-size="11">{_bound(lower)}–{_bound(bound)}</text>')
        lower = bound
    lx = 10 + len(PALETTE) * step
    parts.append(
        f'<rect x="{lx:.1f}" y="{ly}" width="18" height="14" fill="{NO_DATA}" stroke="#9e9e9e" stroke-width=".5"/>'
    )
    parts.append(f'<text x="{lx + 22:.1f}" y="{ly + 11}" font-size="11">{escape(no_data)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(
    rows: Sequence[tuple[str, Sequence[Any]]],
    series: Sequence[str],
    *,
    title: str,
    label_width: int = 110,
    width: int = 420,
) -> Markup:
    """Horizontal bars: one group per row (``(label, values)``), one bar per series, the value written
    beside each bar; a legend of ``series`` on top."""
    bar_h, gap = 14, 10
    group_h = bar_h * len(series) + gap
    # room for the longest label (English names are longer than the Chinese ones), at most 45 % of the width
    longest = max((_text_width(label, 12) for label, _values in rows), default=0.0)
    label_width = int(max(label_width, min(width * 0.45, longest + 12)))
    # the legend: items side by side, on a new line when the next would not fit
    legend: list[tuple[float, float, int, str]] = []
    x, y = float(label_width), 6.0
    for i, name in enumerate(series):
        item = 22 + _text_width(name, 12)
        if x + item > width and x > label_width:
            x, y = float(label_width), y + 18
        legend.append((x, y, i, name))
        x += item + 14
    top = int(y) + 22
    height = top + group_h * len(rows) + 4
    largest = max((v for _l, values in rows for v in (_number(x) for x in values) if v is not None), default=0.0)
    room = width - label_width - 44
    parts = [
        f'<svg class="chart bars" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for lx, ly, i, name in legend:
        parts.append(f'<rect x="{lx:.0f}" y="{ly:.0f}" width="12" height="12" fill="{SERIES[i % len(SERIES)]}"/>')
        parts.append(f'<text x="{lx + 16:.0f}" y="{ly + 10:.0f}" font-size="12">{escape(name)}</text>')
    for index, (label, values) in enumerate(rows):
        y = top + index * group_h
        parts.append(
            f'<text x="{label_width - 6}" y="{y + group_h / 2:.1f}" text-anchor="end" font-size="12" '
            f'dominant-baseline="middle">{escape(label)}</text>'
        )
        for i, value in enumerate(values):
            number = _number(value)
            length = 0.0 if not number or largest <= 0 else max(1.0, room * number / largest)
            by = y + i * bar_h
            parts.append(
                f'<rect x="{label_width}" y="{by}" width="{length:.1f}" height="{bar_h - 2}" '
                f'fill="{SERIES[i % len(SERIES)]}"><title>{escape(label)} · {escape(series[i])}{colon()}{escape(_fmt(value))}</title></rect>'
            )
            parts.append(
                f'<text x="{label_width + length + 4:.1f}" y="{by + bar_h - 4}" font-size="11">{escape(_fmt(value))}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))
