"""Benchmark: a registration workbook with 3 real rows whose formatting reaches the sheet's last
row (1,048,576), as a teacher colouring a whole column or WPS saving styles leaves it.

    python bench/styled_workbook.py [--runs 5]

Prints the file's size, then, best of runs:

- openpyxl's read-only ``iter_rows`` over the sheet (what the import did before: it fills every
  row missing from the file up to the sheet's dimension, and the import refused the file at
  20,000 rows);
- ``app.exports.workbook``: open, find the header, stream the rows with values;
- the whole import (``competitions.registration.roster.import_registrations``) on a fresh SQLite
  database (target: well under 3 s).
Also a variant whose styled empty cells are written out for 100,000 rows (each a ``<row>`` in the
file, the WPS case), streamed past by the same code.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PICCOLO_CONF", "app.piccolo_conf")

import openpyxl  # noqa: E402
from openpyxl.styles import PatternFill  # noqa: E402

from app.settings import Settings, set_settings  # noqa: E402

SECRET = "bench-secret-key"
HEADER = [
    "姓名",
    "性别",
    "证件类型",
    "身份证号",
    "年级",
    "学校",
    "联系电话",
    "角色",
    "作品名称",
    "类别",
    "组别",
    "同意公开姓名",
]


def check_character(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]


def build(styled_rows: int = 0) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    boy, girl = "46010220120315123", "46010220120315124"
    ws.append(
        [
            "李明",
            "男",
            "",
            boy + check_character(boy),
            "初二",
            "S001",
            "13812345678",
            "学生",
            "雨水花园",
            "PH",
            "初中",
            "是",
        ]
    )
    ws.append(
        [
            "王芳",
            "女",
            "",
            girl + check_character(girl),
            "初二",
            "S001",
            "13812345678",
            "学生",
            "雨水花园",
            "PH",
            "初中",
            "否",
        ]
    )
    ws.append(["张老师", "", "", "", "", "S001", "13900000001", "辅导教师", "雨水花园", "PH", "初中", ""])
    fill = PatternFill("solid", fgColor="FFFF00")
    for column in range(1, len(HEADER) + 1):
        ws.cell(row=1_048_576, column=column).fill = fill
    for row in range(4, 4 + styled_rows):
        ws.cell(row=row, column=3).fill = fill
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def best(function, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def openpyxl_iter_rows(data: bytes) -> int:
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    count = sum(1 for _ in wb.active.iter_rows(values_only=True))
    wb.close()
    return count


def ours(data: bytes) -> int:
    from app.exports.workbook import find_table, open_workbook

    wb = open_workbook(data)
    table = find_table(wb, HEADER)
    count = sum(1 for _ in table.rows)
    wb.close()
    return count


async def full_import(work: Path, data: bytes, runs: int) -> tuple[float, dict]:
    from app import db
    from app.accounts import services as accounts
    from app.tables import School
    from competitions.events import services as events
    from competitions.registration.roster import import_registrations
    from competitions.registration.tables import Entry, Member

    times, result = [], {}
    for run in range(runs):
        url = f"sqlite:///{work / f'run{run}.sqlite3'}"
        set_settings(Settings(data_dir=work, database_url=url, secret_key=SECRET))
        db.configure_database(url)
        with contextlib.redirect_stdout(io.StringIO()):
            await db.migrate()
        await School.insert(School(code="S001", name="海口市第一中学", city="海口市"))
        await accounts.create_user(None, username="org", password="bench-password-1", role="organizer")
        org = await accounts.load_principal(1)
        event = await events.create_event(org, {"name": "赛事", "kind": "innovation", "year": 2026})
        start = time.perf_counter()
        result = await import_registrations(org, event["id"], data)
        times.append(time.perf_counter() - start)
        assert (await Entry.count(), await Member.count()) == (1, 3)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="xinmiao-bench-") as tmp:
        work = Path(tmp)
        set_settings(Settings(data_dir=work, database_url=f"sqlite:///{work / 'x.sqlite3'}", secret_key=SECRET))
        data = build()
        print(f"workbook: header and 3 rows, formatting to row 1,048,576: {len(data):,} bytes")
        rows = openpyxl_iter_rows(data)
        print(
            f"openpyxl read-only iter_rows:   {best(lambda: openpyxl_iter_rows(data), args.runs):.3f} s ({rows:,} rows yielded)"
        )
        rows = ours(data)
        print(f"app.exports.workbook stream:    {best(lambda: ours(data), args.runs):.4f} s ({rows} rows with values)")
        elapsed, result = asyncio.run(full_import(work, data, args.runs))
        print(f"whole import (SQLite):          {elapsed:.3f} s  {result}")
        wps = build(styled_rows=100_000)
        print(f"variant: 100,000 styled empty rows written out: {len(wps):,} bytes")
        rows = ours(wps)
        print(
            f"app.exports.workbook stream:    {best(lambda: ours(wps), max(1, args.runs // 2)):.3f} s ({rows} rows with values)"
        )


if __name__ == "__main__":
    main()
