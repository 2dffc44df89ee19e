"""app/pdf.py: bundled fonts, character coverage, font registration and QR codes."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
import qrcode
from fpdf import FPDF
from PIL import Image
from qrcode.constants import ERROR_CORRECT_Q

from app import pdf
from tests.conftest import skip_or_fail


def test_default_fonts_are_bundled_otf():
    sans = pdf.default_font_path()
    serif = pdf.default_font_path("serif")
    assert sans.name == "NotoSansSC-Regular.otf" and sans.is_file()
    assert serif.name == "NotoSerifSC-Regular.otf" and serif.is_file()
    assert sans.read_bytes()[:4] == b"OTTO"
    with pytest.raises(ValueError):
        pdf.default_font_path("comic")


def test_cmap_is_cached_and_covers_common_characters():
    sans = pdf.default_font_path()
    first = pdf.cmap_of(sans)
    assert pdf.cmap_of(sans) is first
    assert ord("王") in first and 0x00B7 in first and ord("A") in first
    assert 0x20BB7 not in first  # 𠮷, outside the BMP


def test_missing_characters_reports_rare_ones_once_in_order():
    sans = pdf.default_font_path()
    assert pdf.missing_characters("王·阿不都", [sans]) == []
    assert pdf.missing_characters("阿依古丽·买买提 Amy\t\n", [sans]) == []
    assert pdf.missing_characters("𠮷田𠮷\U0002a6a5", [sans]) == ["𠮷", "\U0002a6a5"]
    assert pdf.missing_characters("王 五", []) == ["王", "五"]
    assert pdf.missing_characters("a\u200db", []) == ["a", "b"]  # format characters ignored


def test_fallback_font_fills_gaps(tmp_path):
    # A Latin-only font from fpdf2's own test assets is not shipped; build one by subsetting.
    from fontTools import subset

    sans = pdf.default_font_path()
    latin = tmp_path / "latin.otf"
    options = subset.Options()
    font = subset.load_font(str(sans), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=range(0x20, 0x7F))
    subsetter.subset(font)
    subset.save_font(font, str(latin), options)
    assert pdf.missing_characters("Li 王", [latin]) == ["王"]
    assert pdf.missing_characters("Li 王", [latin, sans]) == []
    info = pdf.font_info(latin)
    assert info["format"] == "otf" and info["glyphs"] == 95


def test_font_info_refuses_non_fonts(tmp_path):
    bad = tmp_path / "x.ttf"
    bad.write_bytes(b"\x00\x01\x00\x00" + b"garbage" * 20)
    with pytest.raises(pdf.FontError):
        pdf.font_info(bad)
    png = tmp_path / "x.otf"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    with pytest.raises(pdf.FontError):
        pdf.font_info(png)


def test_register_fonts_embeds_subset_with_middle_dot(tmp_path):
    doc = FPDF()
    names = pdf.register_fonts(doc, [pdf.default_font_path(), pdf.default_font_path("serif")], family="cert")
    assert names == ["cert", "cert-fb1"]
    doc.add_page()
    doc.set_font("cert", size=20)
    doc.cell(text="王·阿不都")
    out = tmp_path / "t.pdf"
    doc.output(str(out))
    if not shutil.which("pdftotext"):
        skip_or_fail("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert text.strip() == "王·阿不都"
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    line = [row for row in fonts.splitlines() if "NotoSansSC" in row][0]
    assert line.split()[-5:-2] == ["yes", "yes", "yes"]  # emb, sub, uni


def _format_bits(matrix: list[list[bool]]) -> int:
    """The 5 format bits (EC level << 3 | mask) read back from a QR matrix."""
    n = len(matrix)
    bits = 0
    for i in range(15):
        if i < 6:
            bit = matrix[i][8]
        elif i < 8:
            bit = matrix[i + 1][8]
        else:
            bit = matrix[n - 15 + i][8]
        bits |= int(bit) << i
    return (bits ^ 0b101010000010010) >> 10


def test_qr_uses_fixed_mask_and_level_q_and_png_matches_matrix():
    text = "https://example.org/verify/XM2026-ABCD-EFGH-JKLM"
    matrix = pdf.qr_matrix(text)
    assert len(matrix) == 33  # version 4: "XM2026-ABCD-..." goes in alphanumeric mode
    reference = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=0, mask_pattern=pdf.QR_MASK_PATTERN)
    reference.add_data(text, optimize=4)
    reference.make(fit=True)
    assert matrix == reference.get_matrix()
    assert pdf.qr_matrix(text) == matrix  # the second time the remembered version is used
    assert _format_bits(matrix) == (0b11 << 3) | pdf.QR_MASK_PATTERN  # Q = 0b11 in the format field
    # finder pattern in the top-left corner: 7 dark modules on the top row, light separator after
    assert matrix[0][:8] == [True] * 7 + [False]
    png = pdf.qr_png(text, box_size=3, border=4)
    img = Image.open(io.BytesIO(png)).convert("L")
    assert img.size == ((33 + 8) * 3, (33 + 8) * 3)
    for r in range(33):
        for c in range(33):
            pixel = img.getpixel(((c + 4) * 3 + 1, (r + 4) * 3 + 1))
            assert (pixel == 0) == matrix[r][c]
    small = pdf.qr_image(text, border=2)
    assert small.size == (37, 37) and small.getpixel((0, 0)) == 255 and small.getpixel((2, 2)) == 0
    big = pdf.qr_image(text, border=2, scale=4)
    assert big.size == (148, 148) and big.resize((37, 37), Image.NEAREST).tobytes() == small.tobytes()
