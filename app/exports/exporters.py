"""Exporters: the workbooks the service writes, as small classes that yield a header and rows.

Modelled on pretix's ``ListExporter``: a capability subclasses :class:`ListExporter` with an
``identifier``, a ``verbose_name`` and a ``sheet_name``, says what its columns are
(:meth:`ListExporter.header`) and yields one list of values per row (:meth:`ListExporter.rows`,
async, so it may read the database). The base class writes the sheet through the one safe cell
writer (:func:`app.exports.workbook.write_table`: characters XML cannot hold dropped,
formula-like text stored as text), with a bold frozen header, filters on, column widths
(``column_widths``), text columns (``text_columns``, so ID numbers and codes stay exact) and
number formats per column (``number_formats``).

``await exporter.workbook()`` gives the .xlsx bytes of one sheet; :func:`workbook_of` puts
several exporters' sheets into one workbook (the results workbook: by rank, then by school).
Building the file runs in a worker thread.

Big exports (issue 11, item 13) are made off the request path: a capability registers a job
(:mod:`app.jobs`) that reads the rows and writes the workbook with :func:`workbook_file` to a file
under ``<data dir>/exports``; the request awaits it with :func:`app.jobs.call` and streams the file
from disk (:func:`app.web.download`, deleted once sent).

:func:`in_process` says when: more than :data:`ROWS_IN_PROCESS` rows. Below that the export stays
inline, because there the hand-off costs more than it saves: starting the job's process (spawned, every
programme imported) takes 1-3 s before any row is read, while an inline export of 1,000 rows takes
0.4-0.6 s of the server's time, most of it in a worker thread (``bench/exports.py``: 2,500-row results
workbook 1.4 s, 8,300-row registration export 3.3 s inline; through the process 5.1 s and 6.3 s, with
other requests' p99 under 70 ms meanwhile).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from openpyxl.utils import get_column_letter

from app.exports.workbook import add_sheet, new_workbook, workbook_bytes, write_table
from app.files import create_private, private_dir
from app.settings import get_settings

#: exports of more rows than this are made in another process (:func:`in_process`)
ROWS_IN_PROCESS = 1000


@dataclass
class SheetData:
    """What one exporter produced: a titled table and how to format it."""

    title: str
    header: list[str]
    rows: list[list[Any]]
    column_widths: dict[str, int] = field(default_factory=dict)
    text_columns: tuple[str, ...] = ()
    number_formats: dict[str, str] = field(default_factory=dict)
    filters: bool = True


class ListExporter:
    """One sheet: a header row and rows. Subclasses set the class attributes and implement
    :meth:`header` and :meth:`rows`; instances carry what the export is about (an event, a
    session). ``column_widths``/``text_columns``/``number_formats`` are keyed by header text and
    may be overridden per instance (a score format that depends on the event)."""

    identifier: ClassVar[str] = ""
    verbose_name: ClassVar[str] = ""
    sheet_name: ClassVar[str] = "Sheet"
    column_widths: dict[str, int] = {}
    text_columns: tuple[str, ...] = ()
    number_formats: dict[str, str] = {}
    filters: bool = True

    def header(self) -> list[str]:
        raise NotImplementedError

    async def rows(self) -> AsyncIterator[list[Any]]:
        raise NotImplementedError
        yield []  # pragma: no cover - makes this an async generator

    def sheet_title(self) -> str:
        """The sheet's name (Excel allows 31 characters)."""
        return self.sheet_name[:31]

    async def sheet(self) -> SheetData:
        """The header and every row, collected (the database is read here)."""
        header = list(self.header())
        rows = [list(row) async for row in self.rows()]
        return SheetData(
            self.sheet_title(),
            header,
            rows,
            dict(self.column_widths),
            tuple(self.text_columns),
            dict(self.number_formats),
            self.filters,
        )

    async def workbook(self) -> bytes:
        """The .xlsx bytes of this exporter's sheet."""
        return await workbook_of(self)


async def workbook_of(*exporters: ListExporter) -> bytes:
    """One workbook with a sheet per exporter, in the order given."""
    sheets = [await exporter.sheet() for exporter in exporters]
    return await asyncio.to_thread(build_workbook, sheets)


def build_workbook(sheets: list[SheetData]) -> bytes:
    """The .xlsx bytes of ``sheets``: titles through :func:`app.exports.workbook.safe_sheet_title`
    (a school's name may hold ``/`` or ``:``), every cell through the safe writer."""
    return workbook_bytes(_workbook(sheets))


def _workbook(sheets: list[SheetData]) -> Any:
    wb = new_workbook(sheets[0].title if sheets else None)
    for index, sheet in enumerate(sheets):
        ws = wb.active if index == 0 else add_sheet(wb, sheet.title)
        write_sheet(ws, sheet)
    return wb


def in_process(rows: int) -> bool:
    """Whether an export of about ``rows`` rows is made in another process (more than
    :data:`ROWS_IN_PROCESS`) rather than inline."""
    return rows > ROWS_IN_PROCESS


#: files under ``<data dir>/exports`` older than this are left-overs (a download dropped before it was
#: sent, a server stopped meanwhile) and are removed when the next export is made
EXPORT_FILE_SECONDS = 3600


def export_path(suffix: str = ".xlsx") -> Path:
    """A new file name under ``<data dir>/exports`` (the folder is made if needed); left-overs
    older than :data:`EXPORT_FILE_SECONDS` are removed on the way."""
    folder = private_dir(get_settings().data_dir / "exports")
    cutoff = time.time() - EXPORT_FILE_SECONDS
    for old in folder.iterdir():
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:  # taken by another process meanwhile
            pass
    return folder / f"{secrets.token_hex(16)}{suffix}"


async def workbook_file(*exporters: ListExporter) -> str:
    """In an export job: :func:`workbook_of` written to a new file under ``<data dir>/exports``
    (``.partial`` until complete); returns its path."""
    sheets = [await exporter.sheet() for exporter in exporters]
    path = export_path()
    partial = path.with_name(path.name + ".partial")

    def write() -> None:
        try:
            create_private(partial)
            _workbook(sheets).save(partial)
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)

    await asyncio.to_thread(write)
    return str(path)


def write_sheet(ws: Any, sheet: SheetData) -> None:
    """Write ``sheet`` into the worksheet ``ws``: header bold and frozen, every cell through the
    safe writer, formats per column, filters on."""
    write_table(ws, sheet.header, sheet.rows, text_columns=sheet.text_columns, widths=sheet.column_widths)
    for name, number_format in sheet.number_formats.items():
        if name in sheet.header:
            letter = get_column_letter(sheet.header.index(name) + 1)
            for cell in ws[letter][1:]:
                cell.number_format = number_format
    if sheet.filters:
        ws.auto_filter.ref = ws.dimensions
