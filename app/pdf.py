"""PDF helpers shared by certificates and badges: fonts, glyph coverage and QR codes.

Text is checked against the fonts' character maps (:func:`missing_characters`) before anything is
printed, because fpdf2 only warns about a missing glyph and leaves it out. Default CJK fonts come with
``pip install`` (``pylopdf-fonts-zh-cn``). QR codes: fixed mask, level Q, one small raster per code.
Why: docs/decisions/0003-pdf-fonts-and-qr.md.
"""

from __future__ import annotations

import io
import os
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

import qrcode
from fontTools.ttLib import TTFont
from fpdf import FPDF
from PIL import Image
from qrcode.constants import ERROR_CORRECT_Q

__all__ = [
    "FontError",
    "cmap_of",
    "default_font_path",
    "font_info",
    "missing_characters",
    "qr_image",
    "qr_matrix",
    "qr_png",
    "register_fonts",
]

#: The mask pattern used for every QR code (0–7; any is valid for scanners).
QR_MASK_PATTERN = 2


class FontError(ValueError):
    """A font file that fontTools cannot read, or that has no Unicode character map."""


def default_font_path(style: str = "sans") -> Path:
    """Path of the bundled default CJK font.

    ``style`` is ``"sans"`` (Noto Sans SC Regular) or ``"serif"`` (Noto Serif SC
    Regular); both are OpenType (CFF) ``.otf`` files. Raises ``ValueError`` for any
    other style.
    """
    import pylopdf_fonts_zh_cn as fonts

    if style == "sans":
        return Path(fonts.sans_path())
    if style == "serif":
        return Path(fonts.serif_path())
    raise ValueError(f"unknown font style {style!r}: use 'sans' or 'serif'")


_cmap_cache: dict[tuple[str, int, int], frozenset[int]] = {}
_cmap_lock = threading.Lock()


def _cache_key(path: Path) -> tuple[str, int, int]:
    stat = os.stat(path)
    return (str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size)


def cmap_of(path: str | os.PathLike) -> frozenset[int]:
    """The set of Unicode code points the font at ``path`` maps to a glyph.

    Reads only the ``cmap`` table (fontTools, lazily: ~0.1 s for a CJK font) and
    caches the result by path, modification time and size, so a replaced file is
    read again. Raises ``FileNotFoundError`` if the file is missing and
    :class:`FontError` if it is not a TrueType/OpenType font with a Unicode cmap.
    """
    path = Path(path)
    key = _cache_key(path)
    cached = _cmap_cache.get(key)
    if cached is not None:
        return cached
    try:
        with TTFont(path, lazy=True) as font:
            best = font.getBestCmap()
    except FileNotFoundError:
        raise
    except Exception as exc:  # fontTools raises many kinds for damaged files
        raise FontError(f"not a readable TrueType/OpenType font: {path.name}") from exc
    if not best:
        raise FontError(f"font has no Unicode character map: {path.name}")
    codepoints = frozenset(best)
    with _cmap_lock:
        _cmap_cache[key] = codepoints
    return codepoints


def font_info(path: str | os.PathLike) -> dict:
    """Check an uploaded font file and describe it.

    Returns ``{"family": str, "glyphs": int (code points covered), "format": "ttf"|"otf"}``.
    Raises :class:`FontError` for anything that is not a single TrueType/OpenType
    font with a Unicode character map (collections ``.ttc`` and WOFF are refused:
    fpdf2 embeds plain TTF/OTF only).
    """
    path = Path(path)
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic == b"OTTO":
        fmt = "otf"
    elif magic in (b"\x00\x01\x00\x00", b"true"):
        fmt = "ttf"
    else:
        raise FontError(f"not a TrueType/OpenType font: {path.name}")
    codepoints = cmap_of(path)
    family = path.stem
    try:
        with TTFont(path, lazy=True) as font:
            name = font["name"].getDebugName(1)
            if name:
                family = name
    except Exception:  # the name table is optional for our purposes
        pass
    return {"family": family, "glyphs": len(codepoints), "format": fmt}


def missing_characters(text: str, font_paths: Sequence[str | os.PathLike]) -> list[str]:
    """Characters of ``text`` that none of ``font_paths`` can draw, in order of first use.

    Whitespace and control/format characters (e.g. zero-width joiners) are ignored;
    each missing character appears once. An empty ``font_paths`` means every
    printable character is missing. Fonts are tried in order, as fpdf2 does with a
    main font plus fallbacks. Raises like :func:`cmap_of` for unreadable fonts.
    """
    maps = [cmap_of(p) for p in font_paths]
    missing: list[str] = []
    seen: set[str] = set()
    for ch in text:
        if ch in seen or ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf"):
            continue
        seen.add(ch)
        cp = ord(ch)
        if not any(cp in m for m in maps):
            missing.append(ch)
    return missing


def register_fonts(pdf: FPDF, font_paths: Sequence[str | os.PathLike], family: str = "main") -> list[str]:
    """Add ``font_paths`` to ``pdf``: the first as ``family``, the rest as fallbacks.

    The fallbacks are named ``f"{family}-fb{i}"`` and set with fpdf2's
    ``set_fallback_fonts`` so characters missing from the main font are drawn from
    them (check with :func:`missing_characters` first: fpdf2 silently leaves out
    characters no font has). Fonts are embedded as subsets when the PDF is written.
    Returns the family names added, main first. Raises ``ValueError`` for an empty list.
    """
    if not font_paths:
        raise ValueError("at least one font is needed")
    names: list[str] = []
    for i, path in enumerate(font_paths):
        name = family if i == 0 else f"{family}-fb{i}"
        if name.lower() not in pdf.fonts:
            pdf.add_font(name, "", str(path))
        names.append(name)
    if len(names) > 1:
        pdf.set_fallback_fonts(names[1:], exact_match=False)
    return names


# --------------------------------------------------------------------------- QR codes
#
# QR codes come from the ``qrcode`` library with a fixed mask pattern (its automatic mask
# choice evaluates all eight masks, 5–7 ms per code; a fixed one about 1 ms) and are
# handed to fpdf2 as one small raster image each instead of one rectangle per module.


_qr_versions: dict[tuple, int] = {}


def _qr_modules(text: str) -> tuple[int, bytearray]:
    """``(size, modules)`` where ``modules`` is ``size*size`` bytes, 1 = dark, row by row.
    Error correction Q, smallest version that fits, fixed mask, qrcode's optimal segments.
    The smallest version is worked out once per shape of data (modes and lengths of the
    segments: every certificate's verification URL has the same shape)."""
    chunks = list(qrcode.util.optimal_data_chunks(text))
    key = tuple((chunk.mode, len(chunk)) for chunk in chunks)
    version = _qr_versions.get(key)
    code = qrcode.QRCode(version=version, error_correction=ERROR_CORRECT_Q, border=0, mask_pattern=QR_MASK_PATTERN)
    for chunk in chunks:
        code.add_data(chunk)
    code.make(fit=version is None)
    _qr_versions.setdefault(key, code.version)
    size = code.modules_count
    return size, bytearray(1 if dark else 0 for row in code.modules for dark in row)


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR modules for ``text`` (True = dark), without the quiet zone: error correction
    Q, the smallest version that fits, fixed mask pattern :data:`QR_MASK_PATTERN`.
    Raises ``qrcode.exceptions.DataOverflowError`` for text too long for any version."""
    size, modules = _qr_modules(text)
    return [[bool(v) for v in modules[r * size : (r + 1) * size]] for r in range(size)]


def qr_image(text: str, border: int = 4, scale: int = 1) -> Image.Image:
    """A QR code as a grayscale PIL image with ``scale`` pixels per module.

    ``border`` is the quiet zone in modules (4 is what the standard asks for). The
    image is (n + 2·border)·scale pixels square; place it in a PDF at the wanted size in
    mm. Some viewers and printers smooth a tiny image when they enlarge it, so for print
    use ``scale`` 4 or more (the edges then stay sharp). About 1 ms per code.
    """
    image = _qr_image(text, border)
    if scale > 1:
        image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    return image


def _qr_image(text: str, border: int) -> Image.Image:
    size, modules = _qr_modules(text)
    pixels = modules.translate(_PIXELS)
    full = size + 2 * border
    if not border:
        return Image.frombytes("L", (size, size), bytes(pixels))
    pad = b"\xff" * border
    blank_rows = b"\xff" * (full * border)
    rows = [blank_rows]
    for r in range(size):
        rows.append(pad + pixels[r * size : (r + 1) * size] + pad)
    rows.append(blank_rows)
    return Image.frombytes("L", (full, full), b"".join(rows))


_PIXELS = bytes.maketrans(b"\x00\x01", b"\xff\x00")


def qr_png(text: str, box_size: int = 10, border: int = 4) -> bytes:
    """A QR code as PNG bytes: ``box_size`` pixels per module, ``border`` modules of quiet zone."""
    img = qr_image(text, border=border)
    if box_size > 1:
        img = img.resize((img.width * box_size, img.height * box_size), Image.NEAREST)
    buf = io.BytesIO()
    img.convert("1").save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def drawable(texts: Iterable[str], font_paths: Sequence[str | os.PathLike]) -> bool:
    """True when every character of every text can be drawn by one of ``font_paths``."""
    return not any(missing_characters(t, font_paths) for t in texts)
