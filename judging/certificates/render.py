"""Drawing certificates into one PDF with fpdf2 (no database here: plain data in, bytes out).

A :class:`CertificateRenderer` is built once per batch from a template (page size,
optional background image, fonts, fields in millimetres) and then draws certificates
page by page. It is fast because everything shared is prepared once: fonts are added
once (fpdf2 embeds one subset of each at the end), the background image is placed by
its file path (fpdf2 keeps one image object and reuses it on every page), each QR code
is one small image (four pixels per module, fixed mask pattern, see :mod:`app.pdf`), and
texts are measured once per text (cached); a text too wide for its box shrinks (not
below 9 pt or 60 % of its size) or, for title-like fields, wraps onto a second line, and
what still does not fit is reported by :meth:`CertificateRenderer.overflow`.

Coverage is checked before drawing (:meth:`CertificateRenderer.missing`): fpdf2 would
only warn when writing the file and leave the character out, so a certificate whose
texts a font cannot draw is never drawn at all.
"""

from __future__ import annotations

import logging
import re
import string
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fpdf import FPDF

from app.pdf import cmap_of, qr_image, register_fonts

# fpdf2 subsets fonts with fontTools, which logs every table it touches at INFO
logging.getLogger("fontTools").setLevel(logging.WARNING)

# page sizes in millimetres, portrait (width, height)
PAGE_SIZES = {"A4": (210.0, 297.0), "A5": (148.0, 210.0), "B5": (176.0, 250.0), "A3": (297.0, 420.0)}
TEXT_TYPES = (
    "name",
    "school",
    "title",
    "category",
    "division",
    "award",
    "event",
    "date",
    "number",
    "teammates",
    "advisers",
    "text",
)
FIELD_TYPES = TEXT_TYPES + ("qr",)
PT_TO_MM = 25.4 / 72
QR_BORDER = 4  # quiet zone in modules, as the QR standard asks
QR_SCALE = 4  # pixels per module: viewers and printers that smooth enlarged images keep the edges sharp


def page_size(page_format: str, orientation: str) -> tuple[float, float]:
    """(width, height) in mm of a page format (A4, A5, B5, A3) in orientation ``L`` or ``P``."""
    w, h = PAGE_SIZES[page_format]
    return (h, w) if orientation == "L" else (w, h)


def parse_color(value: str | None) -> tuple[int, int, int]:
    """``#RRGGBB`` -> (r, g, b); anything else is black."""
    text = (value or "").strip().lstrip("#")
    if len(text) == 6:
        try:
            return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)
        except ValueError:
            pass
    return (0, 0, 0)


#: the placeholders a free-text field may use (checked when a template is saved)
PLACEHOLDERS = (
    "name",
    "school",
    "title",
    "category",
    "division",
    "award",
    "event",
    "date",
    "number",
    "teammates",  # the other students of the holder's entry (a team's certificate names the whole team)
    "advisers",  # the entry's advisers (辅导教师)
    "rank",  # the place in the category and division (a number: "第{rank}名"; robotics challenges)
)
#: fields whose text may wrap onto a second line when it does not fit on one
WRAP_TYPES = ("title", "text", "event", "school", "category", "teammates", "advisers")
MIN_FIT_SIZE = 9.0  # pt: shrink-to-fit goes no smaller than this (or 60 % of the set size)
MIN_FIT_RATIO = 0.6
LINE_SPACING = 1.25


#: an optional part of a free text: ``[同队：{teammates}；]`` prints as ``同队：李明；`` when one of its
#: placeholders has a value and not at all when none has (brackets without a placeholder stay as written)
OPTIONAL_PART = re.compile(r"\[([^\[\]]*)\]")


def fill_placeholders(template: str, values: dict[str, str]) -> str:
    """``template`` with each ``{placeholder}`` of :data:`PLACEHOLDERS` replaced by its value;
    anything else (attribute access, conversions, unknown names) stays as written. Never
    calls ``str.format`` on organizer text.

    Labels around an empty value are not printed: a text whose placeholders are all empty
    prints nothing (``同队：{teammates}；`` on a one-student entry), and an optional part in
    square brackets (:data:`OPTIONAL_PART`, ``{name}同学[，同队：{teammates}]``) prints, without
    its brackets, only when one of its placeholders has a value."""
    names = _placeholder_names(template)
    if names and not any(values.get(name) for name in names):
        return ""
    out, position = [], 0
    for match in OPTIONAL_PART.finditer(template):
        inner = match.group(1)
        inner_names = _placeholder_names(inner)
        if not inner_names:
            continue  # plain brackets: text as written
        out.append(_fill(template[position : match.start()], values))
        if any(values.get(name) for name in inner_names):
            out.append(_fill(inner, values))
        position = match.end()
    out.append(_fill(template[position:], values))
    return "".join(out)


#: what ends the label of a segment of a free text (同队：{teammates}；指导教师：…)
SEGMENT_BREAKS = "；;，,。.、\n "


def empty_segments(template: str, values: dict[str, str]) -> list[tuple[str, str]]:
    """The segments of a free text that would print a label around an empty placeholder:
    ``[(segment as written, as it would print)]``, e.g. ``("同队：{teammates}；", "同队：；")`` for
    ``同队：{teammates}；指导教师：{advisers}`` on a one-student entry with an adviser. Wholly empty
    texts (nothing printed) and placeholders inside ``[ ]`` (:data:`OPTIONAL_PART`) never count."""
    names = _placeholder_names(template)
    if not names or not any(values.get(name) for name in names):
        return []
    optional = [m.span() for m in OPTIONAL_PART.finditer(template) if _placeholder_names(m.group(1))]
    found = []
    for match in re.finditer(r"\{(\w+)\}", template):
        if match.group(1) not in PLACEHOLDERS or values.get(match.group(1)):
            continue
        if any(a <= match.start() < b for a, b in optional):
            continue
        start = match.start()
        while start > 0 and template[start - 1] not in SEGMENT_BREAKS + "}]":
            start -= 1
        end = match.end()
        if end < len(template) and template[end] in SEGMENT_BREAKS:
            end += 1
        segment = template[start:end]
        printed = _fill(segment, values)
        if printed.strip():
            found.append((segment, printed))
    return found


def _placeholder_names(text: str) -> list[str]:
    """The :data:`PLACEHOLDERS` used in ``text`` (none when its braces do not pair up)."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return []
    return [name for _literal, name, spec, conv in parsed if name in PLACEHOLDERS and not spec and conv is None]


def _fill(template: str, values: dict[str, str]) -> str:
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return template
    out = []
    for literal, name, spec, conv in parsed:
        out.append(literal)
        if name is None:
            continue
        if name in PLACEHOLDERS and not spec and conv is None:
            out.append(values.get(name) or "")
        else:
            out.append("{" + name + ("!" + conv if conv else "") + (":" + spec if spec else "") + "}")
    return "".join(out)


def placeholder_errors(template: str) -> list[str]:
    """Problems of a free text's placeholders: ``["unbalanced"]`` for braces that do not
    pair up, else each placeholder that is not one of :data:`PLACEHOLDERS` (written as
    in the text, e.g. ``{name.__class__}``). ``[]`` when all is well."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return ["unbalanced"]
    bad = []
    for _literal, name, spec, conv in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conv is not None:
            bad.append("{" + name + ("!" + conv if conv else "") + (":" + spec if spec else "") + "}")
    return bad


def field_text(spec: dict[str, Any], values: dict[str, str]) -> str:
    """The text a field prints for one certificate (``""`` = nothing to draw).

    ``values`` holds ``name, school, title, category, division, award, event, date,
    number, teammates, advisers``; a ``text`` field fills those ``{placeholders}`` into its ``text``; other
    fields print their value with ``prefix``/``suffix`` around it (only when the value
    is not empty).
    """
    kind = spec["type"]
    if kind == "qr":
        return ""
    if kind == "text":
        return fill_placeholders(spec.get("text") or "", values)
    value = values.get(kind) or ""
    if not value:
        return ""
    return f"{spec.get('prefix') or ''}{value}{spec.get('suffix') or ''}"


def field_pieces(spec: dict[str, Any], values: dict[str, str]) -> list[tuple[str, str]]:
    """The parts a field prints, each with where it comes from: ``[(value key, text)]``
    for the values used and ``("template", text)`` for the field's own fixed text."""
    kind = spec["type"]
    if kind == "qr":
        return []
    if kind != "text":
        value = values.get(kind) or ""
        if not value:
            return []
        fixed = f"{spec.get('prefix') or ''}{spec.get('suffix') or ''}"
        return [(kind, value)] + ([("template", fixed)] if fixed else [])
    pieces: list[tuple[str, str]] = []
    try:
        parsed = list(string.Formatter().parse(spec.get("text") or ""))
    except ValueError:
        return [("template", spec.get("text") or "")]
    fixed = ""
    for literal, name, _spec, _conv in parsed:
        fixed += literal
        if name is None:
            continue
        if name in PLACEHOLDERS and name in values and not _spec and _conv is None:
            if values[name]:
                pieces.append((name, values[name]))
        else:
            fixed += "{" + name + "}"
    if fixed:
        pieces.append(("template", fixed))
    return pieces


def _missing(text: str, main: frozenset[int], fallback: frozenset[int] | None) -> list[str]:
    chars: list[str] = []
    for ch in text:
        cp = ord(ch)
        if cp in main or (fallback is not None and cp in fallback) or ch in chars or ch.isspace():
            continue
        if unicodedata.category(ch) in ("Cc", "Cf"):
            continue
        chars.append(ch)
    return chars


@dataclass
class RenderSettings:
    """Everything the renderer needs about a template, already resolved to files.

    ``fonts`` maps a font reference (``builtin:serif``, ``font:3``) to its file;
    ``font`` is the template's main reference, ``fallback`` an optional one;
    ``fields`` are dicts with ``type, x, y, w, h, size, align, shrink, font, color,
    prefix, suffix, text`` (mm, points for ``size``). ``frame`` draws a simple border
    when there is no background image.
    """

    page_format: str
    orientation: str
    fonts: dict[str, Path]
    font: str
    fields: list[dict[str, Any]]
    fallback: str = ""
    background: Path | None = None
    frame: bool = True
    verify_url: Callable[[str], str] = lambda number: number
    title: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class CertificateRenderer:
    """Draws certificates, one per page, into one PDF.

    Use :meth:`missing` to test a certificate first, :meth:`add` to draw a list of
    certificates (each a dict of field values, see :func:`field_text`), and
    :meth:`output` for the PDF bytes. Not thread-safe; one renderer per PDF.
    """

    def __init__(self, settings: RenderSettings):
        self.settings = settings
        self.width, self.height = page_size(settings.page_format, settings.orientation)
        # sizes in mm rather than fpdf2's format names (its A5 changed in 2.8.5 and it warns)
        pdf = FPDF(orientation=settings.orientation, unit="mm", format=PAGE_SIZES[settings.page_format])
        pdf.set_auto_page_break(False)
        pdf.set_margin(0)
        pdf.c_margin = 0
        pdf.set_creator("Xinmiao")
        if settings.title:
            pdf.set_title(settings.title)
        self.pdf = pdf
        self.families: dict[str, str] = {}
        fallback_families: list[str] = []
        refs = [settings.font] + [f.get("font") or settings.font for f in settings.fields]
        for ref in dict.fromkeys(refs):
            family = f"f{len(self.families)}"
            pdf.add_font(family, "", str(settings.fonts[ref]))
            self.families[ref] = family
        if settings.fallback:
            fallback_families = register_fonts(pdf, [settings.fonts[settings.fallback]], family="fallback")
        self._fallback_family = fallback_families[0] if fallback_families else None
        self._maps = {ref: cmap_of(path) for ref, path in settings.fonts.items()}
        self._fallback_map = self._maps.get(settings.fallback) if settings.fallback else None
        # per family: (cmap, advance widths in 1/1000 em) for measuring and splitting runs
        self._metrics: dict[str, tuple[frozenset[int], Any]] = {}
        for ref, family in self.families.items():
            self._metrics[family] = (self._maps[ref], pdf.fonts[family.lower()].cw)
        if self._fallback_family:
            self._metrics[self._fallback_family] = (self._fallback_map, pdf.fonts[self._fallback_family.lower()].cw)
        self.pages = 0
        self._run_cache: dict[tuple[str, str], list[tuple[str, str, float]]] = {}
        self._font_state: tuple[str, float] | None = None
        self._background = str(settings.background) if settings.background else None

    # ------------------------------------------------------------------ coverage

    def missing(self, values: dict[str, str]) -> list[dict[str, Any]]:
        """What the fonts (each field's font, then the fallback) cannot draw on one
        certificate: ``[{"field", "text", "characters"}]`` where ``field`` is the value
        that holds the characters (``name``, ``title``, ...; ``template`` for a field's
        own fixed text) and ``text`` is that value as stored, e.g. the name itself.
        ``[]`` when everything can be drawn."""
        problems: dict[tuple[str, str], list[str]] = {}
        for spec in self.settings.fields:
            if spec["type"] == "qr":
                continue
            main = self._maps[spec.get("font") or self.settings.font]
            for key, text in field_pieces(spec, values):
                chars = _missing(text, main, self._fallback_map)
                if chars:
                    found = problems.setdefault((key, text), [])
                    found += [c for c in chars if c not in found]
        return [{"field": key, "text": text, "characters": chars} for (key, text), chars in problems.items()]

    # ------------------------------------------------------------------ drawing

    def _runs(self, text: str, family: str) -> list[tuple[str, str, float]]:
        """``[(family, text, width in 1/1000 em)]``: the text split where a character has
        to come from the fallback font (fpdf2's ``text()`` knows no fallbacks)."""
        key = (family, text)
        cached = self._run_cache.get(key)
        if cached is not None:
            return cached
        if len(self._run_cache) > 50_000:
            self._run_cache.clear()
        cmap, widths = self._metrics[family]
        fallback = self._fallback_family
        if fallback is None or all(ord(ch) in cmap for ch in text):
            runs = self._run_cache[key] = [(family, text, sum(widths[ord(ch)] for ch in text))]
            return runs
        runs: list[tuple[str, str, float]] = []
        for ch in text:
            use = family if ord(ch) in cmap or ch.isspace() else fallback
            width = self._metrics[use][1][ord(ch)]
            if runs and runs[-1][0] == use:
                runs[-1] = (use, runs[-1][1] + ch, runs[-1][2] + width)
            else:
                runs.append((use, ch, width))
        self._run_cache[key] = runs
        return runs

    def _char_widths(self, text: str, family: str) -> list[float]:
        cmap, widths = self._metrics[family]
        fallback = self._fallback_family
        out = []
        for ch in text:
            use = family if ord(ch) in cmap or ch.isspace() or fallback is None else fallback
            out.append(self._metrics[use][1][ord(ch)])
        return out

    def _split(self, text: str, family: str) -> tuple[str, str]:
        """Two lines of about equal width, preferring a break at a space or after punctuation
        and never inside a Latin word or number when another break is possible."""
        widths = self._char_widths(text, family)
        total = sum(widths)
        best, best_score, left = 1, float("inf"), 0.0
        for i in range(1, len(text)):
            left += widths[i - 1]
            score = max(left, total - left)
            before, after = text[i - 1], text[i]
            if before.isascii() and after.isascii() and before.isalnum() and after.isalnum():
                score *= 1.5  # inside a word
            elif before in " ，,、。；;：:）)》」』" or after in " 《（(「『":
                score *= 0.9
            if score <= best_score:  # on a tie the first line is the longer one
                best, best_score = i, score
        return text[:best].rstrip(), text[best:].lstrip()

    def layout(
        self, spec: dict[str, Any], text: str
    ) -> tuple[float, list[tuple[list[tuple[str, str, float]], float]]] | None:
        """How a text field is set: ``(size in pt, [(runs, width in mm)])`` with one line, or
        two for title-like fields (:data:`WRAP_TYPES`) that do not fit on one; ``None``
        when the text does not fit its box even at the smallest size allowed (shrink-to-fit
        stops at :data:`MIN_FIT_SIZE` or 60 % of the set size)."""
        family = self.families[spec.get("font") or self.settings.font]
        set_size = float(spec.get("size") or 14)
        x = float(spec["x"])
        box = (float(spec.get("w") or 0) or (self.width - x)) + 0.01
        k = self.pdf.k
        runs = self._runs(text, family)
        em = sum(r[2] for r in runs) / 1000 / k  # mm per pt of size
        if em * set_size <= box:
            return set_size, [(runs, em * set_size)]
        floor = min(set_size, max(MIN_FIT_SIZE, set_size * MIN_FIT_RATIO))
        shrink = bool(spec.get("shrink"))
        if shrink and em and box / em * 0.99 >= floor:
            size = box / em * 0.99
            return size, [(runs, em * size)]
        if spec["type"] not in WRAP_TYPES or len(text) < 2:
            return None
        lines = [self._runs(part, family) for part in self._split(text, family)]
        longest = max(sum(r[2] for r in line) for line in lines) / 1000 / k
        size = set_size if longest * set_size <= box else (box / longest * 0.99 if shrink and longest else 0)
        if size < floor:
            return None
        height = float(spec.get("h") or 0) or set_size * PT_TO_MM * 1.4
        if float(spec["y"]) + height / 2 + size * PT_TO_MM * LINE_SPACING / 2 + 0.3 * size / k > self.height:
            return None  # the second line would leave the page
        return size, [(line, sum(r[2] for r in line) / 1000 / k * size) for line in lines]

    def overflow(self, values: dict[str, str]) -> list[dict[str, Any]]:
        """Texts of one certificate that do not fit their boxes (see :meth:`layout`):
        ``[{"field", "text"}]`` with the field type and the whole text as it would print.
        Check :meth:`missing` first: widths of characters no font has are unknown."""
        problems = []
        for spec in self.settings.fields:
            if spec["type"] == "qr":
                continue
            text = field_text(spec, values)
            if text and self.layout(spec, text) is None:
                problems.append({"field": spec["type"], "text": text})
        return problems

    def _draw_text(self, spec: dict[str, Any], text: str) -> None:
        """One text field: fitted into its box (shrunk or wrapped, see :meth:`layout`),
        aligned, vertically centred like an fpdf2 cell, drawn run by run with ``FPDF.text``
        (much cheaper than ``cell``: no line breaking, no markdown). A text that cannot fit
        is drawn at the smallest size (callers leave such certificates out)."""
        pdf = self.pdf
        set_size = float(spec.get("size") or 14)
        laid = self.layout(spec, text)
        if laid is None:
            family = self.families[spec.get("font") or self.settings.font]
            runs = self._runs(text, family)
            size = min(set_size, max(MIN_FIT_SIZE, set_size * MIN_FIT_RATIO)) if spec.get("shrink") else set_size
            laid = (size, [(runs, sum(r[2] for r in runs) * size / 1000 / pdf.k)])
        size, lines = laid
        box = float(spec.get("w") or 0) or (self.width - float(spec["x"]))
        align = spec.get("align") or "L"
        height = float(spec.get("h") or 0) or set_size * PT_TO_MM * 1.4
        centre = float(spec["y"]) + height / 2
        step = size * PT_TO_MM * LINE_SPACING
        first = centre - step * (len(lines) - 1) / 2
        for n, (runs, width) in enumerate(lines):
            x = float(spec["x"])
            if align == "C":
                x += (box - width) / 2
            elif align == "R":
                x += box - width
            baseline = first + n * step + 0.3 * size / pdf.k
            for run_family, run_text, run_width in runs:
                if (run_family, size) != self._font_state:
                    pdf.set_font(run_family, size=size)
                    self._font_state = (run_family, size)
                pdf.text(x, baseline, run_text)
                x += run_width * size / 1000 / pdf.k

    def add(self, certificates: Iterable[dict[str, str]], progress: Callable[[int], None] | None = None) -> int:
        """Draw each certificate on a new page; returns the number of pages drawn.

        Callers check :meth:`missing` first; this draws whatever it is given.
        """
        pdf = self.pdf
        s = self.settings
        count = 0
        current_color = (0, 0, 0)
        fields = [(spec, parse_color(spec.get("color"))) for spec in s.fields]
        for values in certificates:
            pdf.add_page()
            self._font_state = None  # a new page needs its font set again
            if self._background:
                pdf.image(self._background, 0, 0, self.width, self.height)
            elif s.frame:
                pdf.set_draw_color(178, 34, 34)
                pdf.set_line_width(1.6)
                pdf.rect(8, 8, self.width - 16, self.height - 16)
                pdf.set_draw_color(201, 162, 39)
                pdf.set_line_width(0.5)
                pdf.rect(12, 12, self.width - 24, self.height - 24)
            for spec, color in fields:
                if spec["type"] == "qr":
                    number = values.get("number") or ""
                    if number:
                        size = float(spec.get("w") or 25)
                        image = qr_image(s.verify_url(number), border=QR_BORDER, scale=QR_SCALE)
                        pdf.image(image, float(spec["x"]), float(spec["y"]), size, size)
                    continue
                text = field_text(spec, values)
                if not text:
                    continue
                if color != current_color:
                    pdf.set_text_color(*color)
                    current_color = color
                self._draw_text(spec, text)
            count += 1
            self.pages += 1
            if progress is not None:
                progress(1)
        return count

    def output(self) -> bytes:
        """The PDF (fonts embedded as subsets). An empty renderer gives a one-page PDF
        saying nothing is there to print, so a download never fails."""
        if self.pages == 0:
            self.pdf.add_page()
        return bytes(self.pdf.output())

    def write(self, path: Path) -> int:
        """Write the PDF (as :meth:`output`) straight into the file ``path``; its size in bytes.
        fpdf2 writes its buffer to the file, so the PDF is not also copied into a ``bytes``
        (about 80 MB less at the peak of a 20,000-page batch)."""
        if self.pages == 0:
            self.pdf.add_page()
        self.pdf.output(str(path))
        return path.stat().st_size


def render(settings: RenderSettings, certificates: Sequence[dict[str, str]]) -> bytes:
    """Draw ``certificates`` with ``settings`` and return the PDF (no coverage check)."""
    renderer = CertificateRenderer(settings)
    renderer.add(certificates)
    return renderer.output()
