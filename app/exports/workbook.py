"""Reading and writing untrusted workbooks (openpyxl + defusedxml).

Shared by every import (schools, registrations): recognising files that are not .xlsx,
refusing oversized or decompression-bomb files, finding the header row by name under
an optional title row, and cleaning what real rosters contain (full-width characters,
non-breaking and zero-width spaces, middle-dot look-alikes, numbers where text belongs).
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import WorkSheetParser

from app.errors import TooLarge, ValidationFailed
from app.i18n import DEFAULT_LOCALE, _, get_locale, list_separator
from app.settings import get_settings

if not openpyxl.DEFUSEDXML:  # pragma: no cover - guarded by the dependency list
    raise ImportError("defusedxml must be installed so openpyxl refuses XML entity expansion")

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_ROWS = 20000
MAX_COMPRESSION_RATIO = 200
HEADER_SCAN_ROWS = 10

# zero-width and invisible characters removed everywhere
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad"), None)
# characters people type where a name needs the middle dot U+00B7 (after NFKC)
_CJK = r"[\u3400-\u9fff\U00020000-\U0003134f]"
_MIDDLE_DOT_LOOKALIKES = re.compile(
    rf"[•‧∙⋅･●\u2027\u0387\u16eb\u2219\u22c5\u30fb\uff65\u00b7]|(?<={_CJK})\s*[.\uff0e]\s*(?={_CJK})"
)
_SPACE_BETWEEN_CJK = re.compile(rf"(?<={_CJK})\s+(?={_CJK})")
_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?E\+?\d+$", re.IGNORECASE)


def normalize_header(value: Any) -> str:
    """Header text for matching: NFKC (full-width -> half-width), invisible characters,
    BOM and every space removed. ``" 身份证号\ufeff"`` -> ``"身份证号"``."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).translate(_INVISIBLE)
    return re.sub(r"\s+", "", text)


# full-width letters, digits, "+" and "-" fold to ASCII; Chinese punctuation （）：，、 is kept
_FULLWIDTH_ALNUM = {
    cp: cp - 0xFEE0 for cp in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B), 0xFF0B, 0xFF0D]
}


def clean_text(value: Any) -> str:
    """A cell as clean text: full-width letters and digits folded to ASCII (Chinese
    punctuation such as （）：， kept as typed), invisible characters removed, every kind of
    space (including NBSP and the ideographic space) collapsed to one and trimmed.
    Integral floats print without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).translate(_FULLWIDTH_ALNUM).translate(_INVISIBLE)
    return re.sub(r"\s+", " ", text).strip()


def clean_name(value: Any) -> str:
    """A person's name: :func:`clean_text`, spaces between Chinese characters removed,
    and look-alike dots (``•``, ``・``, ``．``, ``‧`` ...) replaced by the middle dot ``·``
    with no spaces around it. ``" 阿依古丽 • 买买提\u200b"`` -> ``"阿依古丽·买买提"``."""
    text = clean_text(value)
    text = _SPACE_BETWEEN_CJK.sub("", text)
    text = _MIDDLE_DOT_LOOKALIKES.sub("·", text)
    return re.sub(r"\s*·\s*", "·", text).strip("·").strip() if "·" in text else text


class LostDigits(ValueError):
    """A number column that Excel stored as a number with digits lost (15 significant digits)."""


def digits_text(value: Any) -> str:
    """Text of an ID-number-like cell (``身份证号``): NFKC, all spaces removed, upper case.

    Numbers are accepted only while exact: an ``int``, or a float holding an integer below
    10**15. Raises :class:`LostDigits` for a float of 16+ digits or text in scientific
    notation (``4.60102E+17``): Excel already dropped digits and they must never be guessed.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        raise LostDigits(str(value))
    text = re.sub(r"\s+", "", clean_text(value)).upper()
    if _SCIENTIFIC.match(text):
        raise LostDigits(text)
    return text


def phone_text(value: Any) -> str:
    """A phone cell as digits: numbers (``13812345678`` or ``1.3812345678E10``) become
    their digits; spaces, hyphens and a leading ``+86`` are removed."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not value.is_integer():
            return clean_text(value)
        return str(int(value))
    text = re.sub(r"[\s\-()（）]", "", clean_text(value))
    if text.startswith("+86"):
        text = text[3:]
    return text


def _reject_not_xlsx(data: bytes) -> None:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if data.startswith(OLE2_MAGIC):
        raise ValidationFailed(
            _(
                "这是旧版 Excel（.xls）或 Word（.doc）文件，不是 .xlsx。请用 Excel 打开后“另存为”Excel 工作簿（*.xlsx），再上传。"
            )
        )
    if head.startswith((b"<!doctype", b"<html", b"<table", b"<?xml", b"<head", b"<meta", b"<")):
        raise ValidationFailed(
            _(
                "这是网页（HTML/XML）文件，只是扩展名被改成了 .xlsx。请用 Excel 打开后“另存为”Excel 工作簿（*.xlsx），再上传。"
            )
        )
    if data.startswith(b"%PDF"):
        raise ValidationFailed(
            _("这是 PDF 文件，不是 Excel 工作簿。请下载报名模板，在 Excel 中填写后上传 .xlsx 文件。")
        )
    if data.startswith(b"{\\rtf"):
        raise ValidationFailed(
            _("这是 RTF/Word 文档，不是 Excel 工作簿。请下载报名模板，在 Excel 中填写后上传 .xlsx 文件。")
        )
    raise ValidationFailed(
        _("无法识别的文件格式（可能是 CSV 或文本文件）。请用 Excel 打开后“另存为”Excel 工作簿（*.xlsx），再上传。")
    )


def open_workbook(data: bytes) -> openpyxl.Workbook:
    """Open uploaded bytes as a read-only workbook after checking what they are.

    Raises :class:`TooLarge` (413) over the upload limit or when the unpacked parts would
    exceed the uncompressed limit or compression ratio (a decompression bomb), and
    :class:`ValidationFailed` (422) for .xls, HTML, Word, PDF, CSV or corrupt files, each
    with a message that says how to save the file correctly.
    """
    settings = get_settings()
    if len(data) > settings.max_upload_bytes:
        raise TooLarge(
            _(
                "文件大小 {size} MB 超过上限 {limit} MB。请删除多余的工作表、图片和空行后再上传。",
                size=f"{len(data) / 1048576:.1f}",
                limit=f"{settings.max_upload_bytes / 1048576:g}",
            )
        )
    if not data:
        raise ValidationFailed(_("上传的文件是空的，请重新选择文件。"))
    if not data.startswith(b"PK\x03\x04"):
        _reject_not_xlsx(data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        infos = archive.infolist()
    except zipfile.BadZipFile:
        raise ValidationFailed(
            _("文件已损坏，无法作为 Excel 工作簿打开。请在 Excel 中重新保存为 .xlsx 后上传。")
        ) from None
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            raise ValidationFailed(
                _("这是 Word 文档（.docx），只是扩展名被改成了 .xlsx。请把名单复制到报名模板中，保存为 .xlsx 后上传。")
            )
        if any(n.startswith("ppt/") for n in names):
            raise ValidationFailed(
                _("这是 PowerPoint 文件，不是 Excel 工作簿。请下载报名模板，填写后上传 .xlsx 文件。")
            )
        raise ValidationFailed(_("这个压缩文件不是 Excel 工作簿。请下载报名模板，在 Excel 中填写后上传 .xlsx 文件。"))
    total = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    if (
        total > settings.max_workbook_uncompressed_bytes
        or total / packed > MAX_COMPRESSION_RATIO
        and total > 10 * 1048576
    ):
        raise TooLarge(
            _(
                "工作簿解压后有 {size} MB，超过上限 {limit} MB（可能含有大量空白格式或异常内容）。请只保留名单数据后另存为新文件再上传。",
                size=total // 1048576,
                limit=settings.max_workbook_uncompressed_bytes // 1048576,
            )
        )
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for malformed parts
        chain, seen = [], exc
        while seen is not None and len(chain) < 5:  # openpyxl wraps defusedxml's refusal in a ValueError
            chain.append(type(seen).__name__)
            seen = seen.__cause__ or seen.__context__
        if {"EntitiesForbidden", "DTDForbidden", "ExternalReferenceForbidden"} & set(chain):
            raise ValidationFailed(
                _("工作簿含有不安全的 XML 内容，已拒绝。请把数据复制到新的报名模板中再上传。")
            ) from None
        raise ValidationFailed(
            _("文件已损坏，无法作为 Excel 工作簿打开。请在 Excel 中重新保存为 .xlsx 后上传。")
        ) from None


@dataclass
class Sheet:
    """A located table: ``columns`` maps the canonical header to its 0-based index;
    ``rows`` yields ``(excel_row_number, values)`` below the header, skipping blank rows."""

    title: str
    header_row: int
    columns: dict[str, int]
    rows: Iterator[tuple[int, tuple[Any, ...]]]
    # canonical header -> the header text as the file has it (an alias such as 身份证号码 for 身份证号):
    # errors cite what the user sees in the file
    headers: dict[str, str] = field(default_factory=dict)


def column_list(columns: Iterable[str]) -> str:
    """Workbook headers named in a message: ``学校代码、学校名称`` in Chinese; in English each
    quoted (they are the file's Chinese headers): ``“学校代码”, “学校名称”``."""
    if get_locale() == DEFAULT_LOCALE:
        return "、".join(columns)
    return list_separator().join(f"“{c}”" for c in columns)


def find_table(
    wb: openpyxl.Workbook,
    required: Iterable[str],
    optional: Iterable[str] = (),
    aliases: Mapping[str, Iterable[str]] | None = None,
) -> Sheet:
    """Find the first sheet whose first :data:`HEADER_SCAN_ROWS` rows hold every ``required``
    header (matched with :func:`normalize_header`; ``aliases`` maps a header to the other
    texts people write for it, e.g. ``{"身份证号": ["身份证号码"]}``; the exact name wins when
    both are present). ``Sheet.columns`` is keyed by the canonical names. Raises
    :class:`ValidationFailed` naming the missing columns of the best candidate."""
    required = list(required)
    wanted = {normalize_header(alias): h for h, texts in (aliases or {}).items() for alias in texts}
    wanted.update({normalize_header(h): h for h in [*required, *optional]})
    exact = {normalize_header(h) for h in [*required, *optional]}
    best: tuple[int, str, list[str]] | None = None
    for ws in wb.worksheets:
        iterator = sheet_rows(ws)
        for index, values in iterator:
            if index > HEADER_SCAN_ROWS:
                break
            columns: dict[str, int] = {}
            by_alias: dict[str, int] = {}
            texts: dict[int, str] = {}
            for col, value in enumerate(values or ()):
                key = normalize_header(value)
                texts[col] = str(value).replace("\ufeff", "").strip() if value is not None else ""
                if key not in wanted:
                    continue
                found_in = columns if key in exact else by_alias
                if wanted[key] not in found_in:
                    found_in[wanted[key]] = col
            for name, col in by_alias.items():
                columns.setdefault(name, col)
            missing = [h for h in required if h not in columns]
            if not missing:
                headers = {  # an alias as written; the template's own name (spaces, BOM, full width aside) as is
                    name: texts[col]
                    if texts.get(col) and normalize_header(texts[col]) != normalize_header(name)
                    else name
                    for name, col in columns.items()
                }
                return Sheet(ws.title, index, columns, _data_rows(iterator, index), headers)
            found = len(required) - len(missing)
            if found and (best is None or found > best[0]):
                best = (found, ws.title, missing)
    if best:
        raise ValidationFailed(
            _(
                "工作表“{sheet}”缺少列：{columns}。请使用最新的报名模板，不要修改表头文字。",
                sheet=best[1],
                columns=column_list(best[2]),
            ),
            errors=[{"row": None, "column": c, "message": _("缺少“{column}”列。", column=c)} for c in best[2]],
        )
    raise ValidationFailed(
        _(
            "没有找到表头行（需要包含：{columns}）。请使用报名模板，表头放在前 {n} 行内。",
            columns=column_list(required),
            n=HEADER_SCAN_ROWS,
        )
    )


class _ValuesParser(WorkSheetParser):
    """openpyxl's sheet parser, reading values only: a row whose cells have no child elements
    (no ``<v>``, ``<is>`` or ``<f>``: styles only) is passed over without parsing its cells,
    and row formats are not collected."""

    def parse_row(self, row: Any) -> tuple[int, list[dict[str, Any]]]:
        number = row.get("r")
        if number is None:
            self.row_counter += 1
        else:
            self.row_counter = int(float(number))
        self.col_counter = 0
        if not any(len(cell) for cell in row):
            return self.row_counter, []
        return self.row_counter, [self.parse_cell(cell) for cell in row]


_VALUE_MARKS = (b"<v>", b"<v ", b"<is>", b"<is ", b"<f>", b"<f ")
_ROW_NUMBER = re.compile(rb'<row\b[^>]*?\sr="(\d+)"')
_SCAN_CHUNK = 1 << 20
_SCAN_OVERLAP = 1 << 16


def _last_value_row(ws: Any) -> int | None:
    """The number of the last row of a read-only sheet that holds a value, found by scanning the
    sheet's XML bytes (C-speed ``rfind``, 1 MB at a time) for the last ``<v>``/``<is>``/``<f>``
    element and the ``<row r="...">`` it sits in; ``None`` when that cannot be told (prefixed
    element names, rows without numbers, a row longer than 64 KB): then nothing is cut short."""
    last: int | None = None
    carry = b""
    with ws._get_source() as source:
        while True:
            chunk = source.read(_SCAN_CHUNK)
            if not chunk:
                return last
            text = carry + chunk
            at = max(text.rfind(mark) for mark in _VALUE_MARKS)
            if at >= 0:
                start = text.rfind(b"<row", 0, at)
                found = _ROW_NUMBER.match(text, start) if start >= 0 else None
                if found is None:
                    return None
                last = int(found.group(1))
            elif b":row" in text and b"<row" not in text:
                return None  # a namespace prefix on every element: not scanned
            carry = text[-_SCAN_OVERLAP:]


def sheet_rows(ws: Any) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """``(row number, values)`` of the rows a worksheet's file holds, in order, each up to its
    last cell with a value (a row of styled empty cells is ``()``).

    For a read-only worksheet (:func:`open_workbook`) the sheet's XML is parsed as a stream with
    openpyxl's own parser (defusedxml underneath), and rows the file does not hold are *not* made
    up: openpyxl's ``iter_rows`` fills every missing row up to the sheet's dimension, so a
    workbook with 3 filled rows and one styled cell at row 1,048,576 (a coloured column, WPS
    saving styles that far) would yield a million empty rows. Rows after the last one holding a
    value are not parsed at all (:func:`_last_value_row`): WPS writes each styled row out, and
    parsing a million of them takes seconds. Other worksheets use ``iter_rows``.
    """
    if not isinstance(ws, ReadOnlyWorksheet):
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            yield number, tuple(values)
        return
    wb = ws.parent
    last = _last_value_row(ws)  # rows of styles only after it (WPS writes them out) are not parsed
    with ws._get_source() as source:  # openpyxl 3.1: the sheet's XML part
        parser = _ValuesParser(
            source,
            ws._shared_strings,
            data_only=wb.data_only,
            epoch=wb.epoch,
            date_formats=wb._date_formats,
            timedelta_formats=wb._timedelta_formats,
        )
        for number, cells in parser.parse():
            if last is not None and number > last:
                return
            width = max((c["column"] for c in cells if c["value"] is not None), default=0)
            if not width:
                yield number, ()
                continue
            values: list[Any] = [None] * width
            for cell in cells:
                if cell["column"] <= width:
                    values[cell["column"] - 1] = cell["value"]
            yield number, tuple(values)


def _data_rows(
    iterator: Iterator[tuple[int, tuple[Any, ...]]], header_row: int
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Rows below the header that hold a value; at most :data:`MAX_ROWS` of them (rows that are
    empty but formatted are skipped and not counted)."""
    filled = 0
    for number, values in iterator:
        if not values or all(v is None or (isinstance(v, str) and not clean_text(v)) for v in values):
            continue
        filled += 1
        if filled > MAX_ROWS:
            raise TooLarge(_("工作表中填写了超过 {n} 行，请分成几个文件上传。", n=MAX_ROWS))
        yield number, values


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """An untrusted value cleaned for a cell: characters XML cannot hold are dropped. Text
    that looks like a formula is kept exactly; :func:`write_text_cell` stores it as text."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def write_text_cell(cell: Any, value: Any) -> None:
    """Write ``value`` into ``cell``; text starting with ``=``, ``+``, ``-``, ``@`` (or a tab
    or carriage return) is stored as a string cell with Excel's quote prefix, the same as
    typing ``'`` in front of it: the text shows unchanged and no spreadsheet evaluates it
    (OWASP "CSV/formula injection"; openpyxl would otherwise store ``=...`` as a formula)."""
    value = safe_cell(value)
    cell.value = value
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        cell.data_type = "s"
        cell.quotePrefix = True


def append_row(ws, row: Iterable[Any]) -> int:
    """Append ``row`` to ``ws`` through the safe writer (:func:`safe_cell`; formula-like text
    through :func:`write_text_cell`) and return its row number. Every row the service writes
    into a workbook goes through here (or :func:`write_table`, which calls it)."""
    values = [safe_cell(v) for v in row]
    ws.append([None if isinstance(v, str) and v[:1] in FORMULA_STARTS else v for v in values])
    # the row just appended: openpyxl's append keeps it in ``_current_row`` (``ws.max_row`` scans every
    # cell, which made a 8,000-row export quadratic: 64 s instead of 3 s)
    line = ws._current_row
    for index, v in enumerate(values):
        if isinstance(v, str) and v[:1] in FORMULA_STARTS:
            write_text_cell(ws.cell(row=line, column=index + 1), v)
    return line


def write_table(
    ws,
    headers: list[str],
    rows: Iterable[Iterable[Any]],
    *,
    text_columns: Iterable[str] = (),
    widths: dict[str, int] | None = None,
) -> None:
    """Write a header row (bold, frozen) and ``rows`` into ``ws``; ``text_columns`` are
    formatted as text (``@``) so IDs and phones stay exact; every value goes through
    :func:`append_row` (the safe writer)."""
    text_idx = {headers.index(h) for h in text_columns if h in headers}
    append_row(ws, headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center")
    for row in rows:
        append_row(ws, row)
    for idx in text_idx:
        letter = get_column_letter(idx + 1)
        for cell in ws[letter]:
            cell.number_format = "@"
    for idx, header in enumerate(headers):
        ws.column_dimensions[get_column_letter(idx + 1)].width = (widths or {}).get(
            header, max(10, len(header) * 2 + 4)
        )
    ws.freeze_panes = "A2"


_SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")


def safe_sheet_title(value: Any) -> str:
    """A worksheet title from untrusted text (a school's name): the characters Excel refuses in
    a title (``\\ / * ? : [ ]``) become ``_``, characters XML cannot hold are dropped, leading
    and trailing apostrophes go, at most 31 characters; empty -> ``"Sheet"``.
    ``"一中（初中/高中部）"`` -> ``"一中（初中_高中部）"``."""
    text = _SHEET_TITLE_FORBIDDEN.sub("_", safe_cell(str(value or ""))).strip().strip("'")
    return text[:31] or "Sheet"


def new_workbook(first_sheet_title: str | None = None) -> openpyxl.Workbook:
    """A new (writable) workbook, its first sheet titled through :func:`safe_sheet_title`.
    Every workbook the service writes starts here; values go in through :func:`append_row`,
    :func:`write_text_cell` or :func:`write_table` (the safe writer), never ``cell.value``."""
    wb = openpyxl.Workbook()
    if first_sheet_title is not None:
        wb.active.title = safe_sheet_title(first_sheet_title)
    return wb


def add_sheet(wb: openpyxl.Workbook, title: str, index: int | None = None) -> Any:
    """A new sheet of ``wb`` titled through :func:`safe_sheet_title`."""
    return wb.create_sheet(safe_sheet_title(title), index)


def workbook_bytes(wb: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
