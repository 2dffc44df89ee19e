"""Benchmark: import an application workbook of a camp and of the talent programme through the service layer.

    python bench/import_applications.py [--rows 500] [--runs 3]

Sets up a temporary SQLite database (migrated, 60 schools, an organizer, a 2026 camp with five sites
and a 2026 talent programme with ten mentors (two per subject)), builds one workbook per programme of ``--rows``
students (valid GB 11643 ID numbers, every student distinct), then imports each into a fresh copy of
the database and prints the wall time (best and all runs) and the number of statements the database
ran (``app.db.count_queries``: bulk ``executemany`` calls count once per call, not per row).

With ``XINMIAO_BENCH_DATABASE_URL=postgresql://user@host:port/db`` the imports are timed on
PostgreSQL as well (scratch databases are created on that server and dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PICCOLO_CONF", "app.piccolo_conf")

import openpyxl  # noqa: E402

from app.settings import Settings, set_settings  # noqa: E402
from bench.import_roster import CITIES, SECRET, _pg_admin, make_id, person_name  # noqa: E402

SITES = ("BJ", "SH", "WH", "GZ", "XA")
SUBJECTS = ("MA", "PH", "CH", "BI", "CS")  # a talent event's default subjects (its categories)
GRADES = ("高一", "高二")


def student_cells(rng: random.Random, used: set[str]) -> list[str]:
    """A 高中 student's cells in the workbook's order: 姓名, 性别, 证件类型, 身份证号, 年级, 学校, 联系电话."""
    gender = rng.choice("男女")
    return [
        person_name(rng),
        gender,
        "居民身份证",
        make_id(rng, used, (2009, 2010), gender),
        rng.choice(GRADES),
        f"S{rng.randrange(60) + 1:03d}",
        f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
    ]


def camp_workbook(rows: int) -> bytes:
    rng = random.Random(2026)
    used: set[str] = set()
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("报名表")
    ws.append(
        ["姓名", "性别", "证件类型", "身份证号", "年级", "学校", "联系电话", "志愿1", "志愿2", "志愿3", "同意公开姓名"]
    )
    for _ in range(rows):
        prefs = rng.sample(SITES, 3)
        ws.append(
            [
                *student_cells(rng, used),
                *prefs,
                rng.choice(("是", "否")),
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def talent_workbook(rows: int, mentors: dict[str, list[str]]) -> bytes:
    rng = random.Random(2027)
    used: set[str] = set()
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("报名表")
    ws.append(
        [
            "姓名",
            "性别",
            "证件类型",
            "身份证号",
            "年级",
            "学校",
            "联系电话",
            "学科",
            "导师志愿1",
            "导师志愿2",
            "申请陈述",
        ]
    )
    for _ in range(rows):
        subject = rng.choice(SUBJECTS)
        prefs = rng.sample(mentors[subject], 2)
        ws.append(
            [
                *student_cells(rng, used),
                subject,
                *prefs,
                "我喜欢做实验，想在导师的实验室里学习科学研究的方法。",
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def mentor_names() -> dict[str, list[str]]:
    return {s: [f"m{s.lower()}{k}" for k in (1, 2)] for s in SUBJECTS}


async def prepare(url: str, data_dir: Path) -> dict[str, int]:
    from app import db
    from app.accounts import services as accounts
    from app.tables import School
    from competitions.camps import services as camps
    from competitions.events import services as events
    from competitions.talent import services as talent

    set_settings(Settings(data_dir=data_dir, database_url=url, secret_key=SECRET))
    db.configure_database(url)
    await db.start_pool()
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            await db.migrate()
        await School.insert(
            *[
                School(
                    code=f"S{i + 1:03d}",
                    name=f"{CITIES[i % len(CITIES)][:-1]}第{i + 1}中学",
                    city=CITIES[i % len(CITIES)],
                )
                for i in range(60)
            ]
        )
        await accounts.create_user(None, username="org", password="bench-password-1", role="organizer")
        org = await accounts.load_principal(1)
        common = {"year": 2026, "status": "open", "registration_closes_at": "2099-01-01T00:00:00+08:00"}
        camp = await events.create_event(org, {"name": "2026年高校科学营", "kind": "camp", **common})
        for code in SITES:
            await camps.create_site(
                org, camp["id"], {"code": code, "name": f"{code}营", "host": f"{code}大学", "capacity": 100}
            )
        programme = await events.create_event(org, {"name": "2026年后备人才培养计划", "kind": "talent", **common})
        for subject, names in mentor_names().items():
            for name in names:
                await accounts.create_user(None, username=name, password="bench-password-1", role="mentor")
                await talent.create_mentor(
                    org,
                    programme["id"],
                    {"username": name, "subject": subject, "capacity": 50, "university": "海南大学"},
                )
        return {"camp": camp["id"], "talent": programme["id"]}
    finally:
        await db.close_pool()


async def timed_import(url: str, data_dir: Path, kind: str, event_id: int, data: bytes) -> tuple[float, int, int]:
    from app import db
    from app.accounts.services import load_principal
    from competitions.camps import services as camps
    from competitions.talent import services as talent

    set_settings(Settings(data_dir=data_dir, database_url=url, secret_key=SECRET))
    db.configure_database(url)
    await db.start_pool()
    try:
        org = await load_principal(1)
        importer = camps.import_applications if kind == "camp" else talent.import_applications
        with db.count_queries() as counter:
            start = time.perf_counter()
            result = await importer(org, event_id, data)
            elapsed = time.perf_counter() - start
        return elapsed, result["applications_created"], counter.count
    finally:
        await db.close_pool()


def report(kind: str, engine: str, runs: list[tuple[float, int, int]]) -> None:
    walls = [w for w, _n, _q in runs]
    created, queries = runs[0][1], runs[0][2]
    listing = ", ".join(f"{w:.3f}" for w in walls)
    print(
        f"{kind:6} {engine:10}: {created} applications, best {min(walls):.3f} s (all: {listing}), {queries} statements"
    )


def sqlite_runs(args, books: dict[str, bytes], work: Path) -> None:
    base = work / "base.sqlite3"
    ids = asyncio.run(prepare(f"sqlite:///{base}", work))
    for kind, data in books.items():
        runs = []
        for run in range(args.runs):
            path = work / f"{kind}{run}.sqlite3"
            for suffix in ("", "-wal", "-shm"):
                if Path(f"{base}{suffix}").exists():
                    shutil.copy(f"{base}{suffix}", f"{path}{suffix}")
            runs.append(asyncio.run(timed_import(f"sqlite:///{path}", work, kind, ids[kind], data)))
        report(kind, "SQLite", runs)


def postgres_runs(args, url: str, books: dict[str, bytes], work: Path) -> None:
    from urllib.parse import urlparse, urlunparse

    def at(name: str) -> str:
        return urlunparse(urlparse(url)._replace(path=f"/{name}"))

    template = f"xm_bench_tpl_{uuid.uuid4().hex[:6]}"
    asyncio.run(_pg_admin(url, f'CREATE DATABASE "{template}"'))
    names = [template]
    try:
        ids = asyncio.run(prepare(at(template), work))
        for kind, data in books.items():
            runs = []
            for run in range(args.runs):
                name = f"xm_bench_{run}_{uuid.uuid4().hex[:6]}"
                asyncio.run(_pg_admin(url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
                names.append(name)
                runs.append(asyncio.run(timed_import(at(name), work, kind, ids[kind], data)))
            report(kind, "PostgreSQL", runs)
    finally:
        for name in names:
            asyncio.run(_pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", metavar="URL", help=argparse.SUPPRESS)  # internal: in its own process
    args = parser.parse_args()
    books = {"camp": camp_workbook(args.rows), "talent": talent_workbook(args.rows, mentor_names())}
    with tempfile.TemporaryDirectory(prefix="xinmiao-bench-") as tmp:
        work = Path(tmp)
        set_settings(Settings(data_dir=work, database_url=f"sqlite:///{work / 'base.sqlite3'}", secret_key=SECRET))
        if args.postgres:
            postgres_runs(args, args.postgres, books, work)
            return
        sqlite_runs(args, books, work)
    pg_url = os.environ.get("XINMIAO_BENCH_DATABASE_URL")
    if pg_url:
        # a fresh process: Piccolo binds tables of migration modules to the first engine migrated
        subprocess.run(
            [sys.executable, __file__, "--rows", str(args.rows), "--runs", str(args.runs), "--postgres", pg_url],
            check=True,
        )


if __name__ == "__main__":
    main()
