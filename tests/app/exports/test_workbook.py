"""The workbook helpers (app/exports/workbook.py): rows streamed as the file holds them, empty
styled rows neither made up nor counted, and every workbook the service writes going through
the safe writer."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import PatternFill

from app.errors import TooLarge
from app.exports import workbook as wbk
from app.exports.exporters import SheetData, build_workbook

ROOT = Path(__file__).resolve().parents[3]
LAST_ROW = 1_048_576  # the last row of an .xlsx sheet


def styled_to_the_last_row(rows: list[list], *, gap_styles: bool = False) -> bytes:
    """``rows`` (header first), and a coloured cell at the sheet's last row, as a teacher who
    coloured a whole column or WPS saving styles leaves it; ``gap_styles`` also styles rows
    100..199 without values."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    fill = PatternFill("solid", fgColor="FFFF00")
    ws.cell(row=LAST_ROW, column=1).fill = fill
    if gap_styles:
        for number in range(100, 200):
            ws.cell(row=number, column=3).fill = fill
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_sheet_rows_yields_only_the_rows_the_file_holds():
    data = styled_to_the_last_row([["学校代码", "学校名称", "所属市县"], ["HK01", "一中", "海口市"]])
    wb = wbk.open_workbook(data)
    assert wb.worksheets[0].max_row == LAST_ROW  # openpyxl's iter_rows would fill 1,048,574 empty rows
    assert list(wbk.sheet_rows(wb.worksheets[0])) == [
        (1, ("学校代码", "学校名称", "所属市县")),
        (2, ("HK01", "一中", "海口市")),
    ]  # the styled cell at the last row holds no value: not even parsed


def test_sheet_rows_passes_styled_rows_and_finds_values_after_them():
    """Rows of styles only (written out, as WPS does) between values: skipped, the value after them found."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["学校代码", "学校名称", "所属市县"])
    fill = PatternFill("solid", fgColor="FFFF00")
    for number in range(2, 3000):
        ws.cell(row=number, column=2).fill = fill
    wbk.write_text_cell(ws.cell(row=3000, column=3), "三亚市")
    ws.cell(row=LAST_ROW, column=1).fill = fill
    out = io.BytesIO()
    wb.save(out)
    rows = [(n, v) for n, v in wbk.sheet_rows(wbk.open_workbook(out.getvalue()).worksheets[0]) if v]
    assert rows == [(1, ("学校代码", "学校名称", "所属市县")), (3000, (None, None, "三亚市"))]


def test_empty_styled_rows_do_not_count_towards_the_row_limit(monkeypatch):
    """3 rows with values under the header pass a limit of 3 whatever the styles; a 4th is refused."""
    monkeypatch.setattr(wbk, "MAX_ROWS", 3)
    rows = [["学校代码", "学校名称", "所属市县"], *[[f"S{i}", f"学校{i}", "海口市"] for i in range(3)]]
    table = wbk.find_table(wbk.open_workbook(styled_to_the_last_row(rows, gap_styles=True)), rows[0])
    assert [number for number, _values in table.rows] == [2, 3, 4]
    table = wbk.find_table(wbk.open_workbook(styled_to_the_last_row([*rows, ["S9", "学校9", "三亚市"]])), rows[0])
    with pytest.raises(TooLarge) as refused:
        list(table.rows)
    assert refused.value.message == "工作表中填写了超过 3 行，请分成几个文件上传。"


def test_sheet_titles_are_made_safe():
    """A school named with characters a sheet title cannot hold (results by school) is written."""
    data = build_workbook([SheetData("海口一中（初中/高中部）[本部]:*?", ["a"], [["=1+1"]])])
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["海口一中（初中_高中部）_本部____"]
    assert wb.active["A2"].value == "=1+1" and wb.active["A2"].data_type == "s"
    assert wbk.safe_sheet_title("") == "Sheet" and wbk.safe_sheet_title("'x'") == "x"
    assert len(wbk.safe_sheet_title("长" * 40)) == 31


SHEET_NAMES = ("ws", "worksheet", "lists")  # what the code calls worksheets ("sheet" is a dict in places)


def _raw_writes(path: Path) -> list[str]:
    """Where a module writes into a workbook without the safe writer: ``openpyxl.Workbook(...)``,
    ``<sheet>.append(...)``, ``<cell>.value = ...`` and ``<sheet>[...] = ...``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            func = node.func
            if func.attr == "Workbook" and isinstance(func.value, ast.Name) and func.value.id == "openpyxl":
                found.append(f"{path.name}:{node.lineno} openpyxl.Workbook()")
            if func.attr == "append" and isinstance(func.value, ast.Name) and func.value.id in SHEET_NAMES:
                found.append(f"{path.name}:{node.lineno} {func.value.id}.append")
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr == "value":
                    found.append(f"{path.name}:{node.lineno} .value =")
                if (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Name)
                    and target.value.id in SHEET_NAMES
                ):
                    found.append(f"{path.name}:{node.lineno} {target.value.id}[...] =")
    return found


def test_every_workbook_is_written_through_the_safe_writer():
    """No module of app/, competitions/, judging/ but app/exports/workbook.py creates a workbook
    or puts a value into a cell: they call new_workbook, append_row, write_text_cell,
    write_table or an exporter."""
    writer = ROOT / "app" / "exports" / "workbook.py"
    offenders = [
        hit
        for package in ("app", "competitions", "judging")
        for path in (ROOT / package).rglob("*.py")
        if path != writer and "piccolo_migrations" not in path.parts
        for hit in _raw_writes(path)
    ]
    assert offenders == []
    # the check finds what it looks for
    probe = ROOT / "tests" / "app" / "exports" / "_probe.py"
    probe.write_text("import openpyxl\nwb = openpyxl.Workbook()\nws.append([1])\nws['A1'] = 1\nc.value = 2\n")
    try:
        assert len(_raw_writes(probe)) == 4
    finally:
        probe.unlink()


def test_appending_rows_never_scans_the_sheet(monkeypatch):
    """append_row knows the row it wrote without ``ws.max_row`` (which walks every cell: an
    8,000-row export took 64 s instead of 3 s, issue 11 item 13); formula-like text still lands
    in its own row as text."""
    from openpyxl.worksheet.worksheet import Worksheet

    ws = openpyxl.Workbook().active
    assert wbk.append_row(ws, ["a", 1]) == 1
    monkeypatch.setattr(Worksheet, "max_row", property(lambda self: pytest.fail("max_row scans every cell")))
    lines = [wbk.append_row(ws, [f"r{i}", "=1+1" if i == 3 else i]) for i in range(2, 6)]
    assert lines == [2, 3, 4, 5]
    assert ws["B3"].value == "=1+1" and ws["B3"].data_type == "s" and ws["B4"].value == 4
