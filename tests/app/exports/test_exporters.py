"""The exporter base class (app/exports/exporters.py): header and rows through the safe writer,
frozen header, filters, widths, text columns and number formats; several sheets in one workbook."""

from __future__ import annotations

import asyncio
import io

import openpyxl

from app.exports.exporters import ListExporter, workbook_of


class Scores(ListExporter):
    identifier = "scores"
    verbose_name = "得分"
    sheet_name = "得分"
    column_widths = {"作品名称": 40}
    text_columns = ("编号",)
    number_formats = {"得分": "0.00"}

    def header(self):
        return ["编号", "作品名称", "得分"]

    async def rows(self):
        yield ["0012", '=HYPERLINK("http://evil.example","点我")', 85.5]
        yield ["0013", "水\x07质", None]


def test_a_sheet_written_safely():
    wb = openpyxl.load_workbook(io.BytesIO(asyncio.run(Scores().workbook())))
    assert wb.sheetnames == ["得分"]
    ws = wb["得分"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["编号", "作品名称", "得分"],
        ["0012", '=HYPERLINK("http://evil.example","点我")', 85.5],
        ["0013", "水质", None],
    ]
    assert ws["B2"].data_type == "s" and ws["B2"].quotePrefix is True  # text, never a formula
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:C3"
    assert ws["A1"].font.bold and ws.column_dimensions["B"].width == 40 and ws.column_dimensions["A"].width == 10
    assert ws["A2"].number_format == "@" and ws["C2"].number_format == "0.00" and ws["C1"].number_format == "General"


def test_several_sheets_in_one_workbook():
    class Again(Scores):
        sheet_name = "再来一张表，名字长得超过了三十一个字符的限制，会被截断的"

    wb = openpyxl.load_workbook(io.BytesIO(asyncio.run(workbook_of(Scores(), Again()))))
    assert wb.sheetnames == ["得分", Again.sheet_name[:31]]


def test_export_files_left_over_are_removed_when_the_next_is_made(tmp_path, monkeypatch):
    """A file under <data dir>/exports older than an hour (a download dropped before it was sent)
    is removed when the next export is made; a recent one (being sent now) stays."""
    import os
    import time
    from types import SimpleNamespace

    from app.exports import exporters

    monkeypatch.setattr(exporters, "get_settings", lambda: SimpleNamespace(data_dir=tmp_path))
    folder = tmp_path / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    old, recent = folder / "old.xlsx", folder / "recent.xlsx"
    old.write_bytes(b"x")
    recent.write_bytes(b"y")
    past = time.time() - exporters.EXPORT_FILE_SECONDS - 5
    os.utime(old, (past, past))
    path = exporters.export_path()
    assert path.parent == folder and path.suffix == ".xlsx" and not path.exists()
    assert sorted(p.name for p in folder.iterdir()) == ["recent.xlsx"]
