"""The elimination bracket drawn as SVG on the server (issue 14 item 5: "the bracket drawn as SVG and
updated live"): series boxes with each side's alliance seed, its teams and the games it won, the
winner highlighted, byes and sides still to be decided said in words; single elimination as
columns of rounds, double elimination as an upper band, a lower band and the grand final.

The drawing is a pure function of :func:`judging.matches.services.bracket_state` and the team
names; the screen shows the same numbers as a table beside it (DESIGN.md: charts come with
their table). Colours are presentation attributes, so the SVG looks the same on any page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from app.i18n import _
from judging.matches import brackets as bracket_rules

BOX_W = 232
MAX_BOX_W = 480
BOX_H = 60
COL_GAP = 44
ROW_GAP = 18
HEAD = 34  # room for the round headings above a band
BAND_GAP = 30
MARGIN = 10
FONT = 14

RED = "#c62828"
BLUE = "#1565c0"
WIN_FILL = "#fff3c4"
LINE = "#8a9a91"
TEXT = "#1b2a22"
MUTED = "#6b7a72"


@dataclass
class _Box:
    x: float
    y: float  # top
    series: dict[str, Any]


def _width(text: str) -> float:
    """The rough drawn width of ``text`` in ems: CJK characters one em, others a little over half."""
    return sum(1.0 if ord(ch) > 0x2E80 else 0.58 for ch in text)


def fit(text: str, ems: float) -> str:
    """``text`` cut to about ``ems`` ems, with an ellipsis when cut."""
    if _width(text) <= ems:
        return text
    out = ""
    for ch in text:
        if _width(out + ch) > ems - 1:
            break
        out += ch
    return out + "…"


def stage_name(stage: str, format: str, upper_rounds: int) -> str:
    """A round's heading: ``决赛``/``半决赛``/``四分之一决赛`` (single elimination) or ``胜者组第 n 轮``,
    ``败者组第 n 轮``, ``总决赛`` (double)."""
    if stage == "F":
        return _("总决赛")
    n = int(stage[1:])
    if stage.startswith("L"):
        return _("败者组第 {n} 轮", n=n)
    if format == "double":
        return _("胜者组第 {n} 轮", n=n)
    left = upper_rounds - n
    if left == 0:
        return _("决赛")
    if left == 1:
        return _("半决赛")
    if left == 2:
        return _("四分之一决赛")
    return _("第 {n} 轮", n=n)


def alliance_label(seed: int, alliances: list[list[int]], names: dict[int, str]) -> str:
    teams = alliances[seed - 1] if 1 <= seed <= len(alliances) else []
    return " · ".join(names.get(t, str(t)) for t in teams)


def box_width(alliances: list[list[int]], names: dict[int, str]) -> float:
    """A series box wide enough for the longest alliance's team names (``BOX_W`` at least, at most
    ``MAX_BOX_W``): the whole names show on a projector; the screen scales the drawing to fit."""
    longest = max((_width(alliance_label(i + 1, alliances, names)) for i in range(len(alliances))), default=0.0)
    return max(BOX_W, min(MAX_BOX_W, 70 + (longest + 1) * FONT))


def render(state: dict[str, Any], names: dict[int, str]) -> str:
    """The bracket as an ``<svg>`` element (text): ``state`` as :func:`services.bracket_state` answers."""
    shape = bracket_rules.build(len(state["alliances"]), state["format"], state["best_of"])
    box_w = box_width(state["alliances"], names)
    shown = {s["id"]: s for s in state["matches"]}
    upper = [s for s in shape.series if s.stage.startswith("U")]
    lower = [s for s in shape.series if s.stage.startswith("L")]
    final = [s for s in shape.series if s.stage == "F"]
    upper_rounds = max((int(s.stage[1:]) for s in upper), default=0)
    lower_rounds = max((int(s.stage[1:]) for s in lower), default=0)

    def per_stage(series: list[bracket_rules.Series]) -> dict[str, list[bracket_rules.Series]]:
        out: dict[str, list[bracket_rules.Series]] = {}
        for s in series:
            out.setdefault(s.stage, []).append(s)
        return out

    slot = BOX_H + ROW_GAP
    boxes: dict[str, _Box] = {}
    headings: list[tuple[float, float, str]] = []
    upper_stages = per_stage(upper)
    first_count = max((len(v) for v in upper_stages.values()), default=1)
    upper_top = MARGIN + HEAD
    upper_height = first_count * slot
    for stage, series in upper_stages.items():
        x = MARGIN + (int(stage[1:]) - 1) * (box_w + COL_GAP)
        headings.append((x, upper_top - 12, stage_name(stage, state["format"], upper_rounds)))
        for i, s in enumerate(series):
            cy = upper_top + (i + 0.5) * upper_height / len(series)
            boxes[s.id] = _Box(x, cy - BOX_H / 2, shown.get(s.id) or {"id": s.id, "void": True})
    bottom = upper_top + upper_height
    lower_stages = per_stage(lower)
    if lower_stages:
        lower_top = bottom + BAND_GAP + HEAD
        lower_count = max(len(v) for v in lower_stages.values())
        lower_height = lower_count * slot
        for stage, series in lower_stages.items():
            x = MARGIN + (int(stage[1:]) - 1) * (box_w + COL_GAP)
            headings.append((x, lower_top - 12, stage_name(stage, state["format"], upper_rounds)))
            for i, s in enumerate(series):
                cy = lower_top + (i + 0.5) * lower_height / len(series)
                boxes[s.id] = _Box(x, cy - BOX_H / 2, shown.get(s.id) or {"id": s.id, "void": True})
        bottom = lower_top + lower_height
    columns = max(upper_rounds, lower_rounds)
    for s in final:
        x = MARGIN + columns * (box_w + COL_GAP)
        cy = (upper_top + bottom) / 2
        headings.append((x, cy - BOX_H / 2 - 12, stage_name("F", state["format"], upper_rounds)))
        boxes[s.id] = _Box(x, cy - BOX_H / 2, shown.get(s.id) or {"id": s.id, "void": True})
        columns += 1
    width = MARGIN * 2 + columns * box_w + max(columns - 1, 0) * COL_GAP
    height = bottom + MARGIN

    parts: list[str] = []
    for s in shape.series:  # connectors: a winner moves right to the series it feeds
        target = boxes[s.id]
        if target.series.get("void"):
            continue
        for k, source in enumerate((s.red, s.blue)):
            if source.kind != "winner" or str(source.value) not in boxes:
                continue
            origin = boxes[str(source.value)]
            if origin.series.get("void"):
                continue
            x1, y1 = origin.x + box_w, origin.y + BOX_H / 2
            x2 = target.x
            y2 = target.y + BOX_H / 4 + k * BOX_H / 2
            xm = x2 - COL_GAP / 2
            parts.append(
                f'<path d="M{x1:.0f} {y1:.0f} H{xm:.0f} V{y2:.0f} H{x2:.0f}" fill="none" stroke="{LINE}" stroke-width="1.5"/>'
            )
    for x, y, text in headings:
        parts.append(
            f'<text x="{x:.0f}" y="{y:.0f}" font-size="{FONT}" font-weight="600" fill="{MUTED}">{escape(text)}</text>'
        )
    for box in boxes.values():
        if not box.series.get("void"):
            parts.append(_series_box(box, state, names, box_w))
    title = escape(_("淘汰赛对阵图"))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bracket-svg" role="img" aria-label="{title}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f"font-family=\"system-ui, 'Noto Sans SC', 'Noto Sans CJK SC', sans-serif\">"
        f"<title>{title}</title>"
        f'<rect width="100%" height="100%" fill="#ffffff"/>' + "".join(parts) + "</svg>"
    )


def _series_box(box: _Box, state: dict[str, Any], names: dict[int, str], box_w: float = BOX_W) -> str:
    s = box.series
    x, y = box.x, box.y
    half = BOX_H / 2
    out = [
        f'<g class="series" data-series="{escape(s["id"])}">',
        f'<rect x="{x:.0f}" y="{y:.0f}" width="{box_w:.0f}" height="{BOX_H}" rx="6" fill="#ffffff" stroke="{LINE}"/>',
    ]
    played = s["red_wins"] + s["blue_wins"] > 0
    for k, side in enumerate(("red", "blue")):
        top = y + k * half
        seed = s[f"{side}_alliance"]
        won = seed is not None and s["winner"] == seed
        colour = RED if side == "red" else BLUE
        if won:
            out.append(
                f'<rect x="{x + 1:.0f}" y="{top + 1:.0f}" width="{box_w - 2:.0f}" height="{half - 2:.0f}" fill="{WIN_FILL}"/>'
            )
        out.append(f'<rect x="{x:.0f}" y="{top:.0f}" width="5" height="{half:.0f}" fill="{colour}"/>')
        base = top + half / 2 + FONT * 0.36
        if seed is None:
            word = _("轮空") if s["bye"] else _("待定")
            out.append(
                f'<text x="{x + 14:.0f}" y="{base:.0f}" font-size="{FONT}" font-style="italic" fill="{MUTED}">{escape(word)}</text>'
            )
            continue
        weight = "700" if won else "400"
        out.append(
            f'<text x="{x + 12:.0f}" y="{base:.0f}" font-size="{FONT}" font-weight="700" fill="{colour}">{seed}</text>'
        )
        label = fit(alliance_label(seed, state["alliances"], names), (box_w - 70) / FONT)
        out.append(
            f'<text x="{x + 34:.0f}" y="{base:.0f}" font-size="{FONT}" font-weight="{weight}" fill="{TEXT}">{escape(label)}</text>'
        )
        if s["bye"] and won:
            wins = "✓"
        elif played or s["winner"] is not None:
            wins = str(s[f"{side}_wins"])
        else:
            wins = ""
        if wins:
            out.append(
                f'<text x="{x + box_w - 10:.0f}" y="{base:.0f}" font-size="{FONT + 2}" font-weight="{weight}" '
                f'text-anchor="end" fill="{TEXT}">{wins}</text>'
            )
    out.append(f'<line x1="{x:.0f}" y1="{y + half:.0f}" x2="{x + box_w:.0f}" y2="{y + half:.0f}" stroke="#d5ddd8"/>')
    out.append("</g>")
    return "".join(out)
