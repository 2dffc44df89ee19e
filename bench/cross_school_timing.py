"""Benchmark: does a school's upload take longer when its ID numbers were registered by another school?

    python bench/cross_school_timing.py [--students 30] [--runs 40] [--swap]

Issue 11: the answer itself no longer says whether another school registered a student
(competitions/registration/duplicates.py); this checks that its timing does not either. A
temporary SQLite database (or ``XINMIAO_BENCH_DATABASE_URL``'s PostgreSQL server) holds two
open events; school B registered ``--students`` students in the "claimed" event and as many
other students in the "control" event. School A then uploads, alternately to each event, the
same workbook with B's claimed students' ID numbers plus one bad row (so nothing is stored and
every run is alike). Prints the median and 90th percentile of each, and their difference.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import io
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402

from app.settings import Settings, set_settings  # noqa: E402

SECRET = "bench-secret-key-bench-secret-key-0123456789"
HEADER = ["姓名", "性别", "证件类型", "身份证号", "年级", "学校", "联系电话", "角色", "作品名称", "类别", "组别"]
NAMES = "伟芳娜洋静帆磊丽杰敏浩超琳军平翔峰佳爽涛明雪梅兰竹菊松柏桃李杏"


def id_number(n: int) -> str:
    from competitions.registration.idnumbers import check_character

    first = f"46010220120315{n:03d}"
    return first + check_character(first)


def workbook(school: str, numbers: list[str], bad_row: bool) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for i, number in enumerate(numbers):
        gender = "男" if int(number[16]) % 2 else "女"
        name = "林" + NAMES[i % len(NAMES)] + NAMES[(i // len(NAMES)) % len(NAMES)]
        ws.append(
            [name, gender, "居民身份证", number, "初二", school, "13812345678", "学生", f"作品{i // 3}", "PH", "初中"]
        )
    if bad_row:
        ws.append(["坏行", "男", "居民身份证", "123", "初二", school, "13812345678", "学生", "作品X", "PH", "初中"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


async def main(url: str, data_dir: Path, students: int, runs: int, swap: bool = False) -> None:
    from app import db, times
    from app.accounts import services as accounts
    from app.errors import ValidationFailed
    from app.tables import School
    from competitions.events import services as events
    from competitions.registration import duplicates
    from competitions.registration.roster import import_registrations

    duplicates.IMPORT_LIMIT = 10**6  # the upload limit is not what is measured here
    set_settings(Settings(data_dir=data_dir, database_url=url, secret_key=SECRET))
    db.configure_database(url)
    await db.start_pool()
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            await db.migrate()
        await School.insert(
            School(code="A01", name="甲校", city="海口市"), School(code="B01", name="乙校", city="海口市")
        )
        for username, role, school in (("org", "organizer", None), ("a", "school", "A01"), ("b", "school", "B01")):
            await accounts.create_user(
                None, username=username, password="bench-password-1", role=role, school_code=school
            )
        org, school_a, school_b = [await accounts.load_principal(i) for i in (1, 2, 3)]
        closes = (times.now() + dt.timedelta(days=30)).isoformat()
        ids = []
        for name in ("claimed", "control"):
            event = await events.create_event(
                org,
                {"name": name, "kind": "innovation", "year": 2026, "status": "open", "registration_closes_at": closes},
            )
            ids.append(event["id"])
        claimed, control = reversed(ids) if swap else ids
        probes = [id_number(2 * i + 1) for i in range(students)]
        others = [id_number(2 * i + 1 + 2 * students) for i in range(students)]
        await import_registrations(school_b, claimed, workbook("B01", probes, False))
        await import_registrations(school_b, control, workbook("B01", others, False))
        data = workbook("A01", probes, True)
        times_by: dict[int, list[float]] = {claimed: [], control: []}
        cpu_by: dict[int, list[float]] = {claimed: [], control: []}
        for run in range(runs + 4):
            for event_id in (claimed, control) if run % 2 else (control, claimed):
                start, cpu = time.perf_counter(), time.process_time()
                try:
                    await import_registrations(school_a, event_id, data)
                except ValidationFailed:
                    pass
                if run >= 4:  # warm-up runs left out
                    times_by[event_id].append(time.perf_counter() - start)
                    cpu_by[event_id].append(time.process_time() - cpu)
        for label, event_id in (("claimed by school B", claimed), ("control (nobody)", control)):
            values = sorted(times_by[event_id])
            print(
                f"{label:22s} median {statistics.median(values) * 1000:7.2f} ms  "
                f"p90 {values[int(len(values) * 0.9) - 1] * 1000:7.2f} ms  "
                f"CPU median {statistics.median(cpu_by[event_id]) * 1000:7.2f} ms  n={len(values)}"
            )
        diff = statistics.median(times_by[claimed]) - statistics.median(times_by[control])
        spread = statistics.pstdev(times_by[control])
        cpu_diff = statistics.median(cpu_by[claimed]) - statistics.median(cpu_by[control])
        print(
            f"difference of medians {diff * 1000:+.2f} ms wall, {cpu_diff * 1000:+.2f} ms CPU; "
            f"standard deviation of one upload {spread * 1000:.2f} ms (wall time depends on the machine's load)"
        )
    finally:
        await db.close_pool()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--swap", action="store_true", help="the second event is the claimed one (order effects)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = os.environ.get("XINMIAO_BENCH_DATABASE_URL")
        scratch = None
        if base:
            from tests.conftest import _with_db, pg_exec

            scratch = f"xm_bench_{uuid.uuid4().hex[:8]}"
            pg_exec(base, f'CREATE DATABASE "{scratch}"')
            url = _with_db(base, scratch)
        else:
            url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        try:
            asyncio.run(main(url, Path(tmp), args.students, args.runs, args.swap))
        finally:
            if scratch:
                pg_exec(base, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
