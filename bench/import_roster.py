"""Benchmark: import a 5,000-row registration workbook through the service layer.

    python bench/import_roster.py [--rows 5000] [--runs 3] [--profile]

Sets up a temporary SQLite database (migrated, ~60 schools, an organizer, a 2026
innovation contest with its categories), builds a realistic roster with openpyxl (valid
GB 11643 ID numbers consistent with gender, grade and division; teams of 1–3 students
with 1–2 advisers, some advisers on two teams; some phones stored as numbers; a title
row above the header), then prints:

- openpyxl's own read of the file (read-only, every value of every row), best of runs;
- ``competitions.registration.roster.import_registrations`` on a fresh copy of the database, best of runs;
- their ratio (target: import <= 5 s and <= 3x openpyxl);
- peak memory: the process's peak RSS, and the peak of Python allocations during one
  import measured separately with tracemalloc (target < 300 MB).

With ``XINMIAO_BENCH_DATABASE_URL=postgresql://user@host:port/db`` the import is timed
on PostgreSQL as well (a scratch database is created on that server and dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PICCOLO_CONF", "app.piccolo_conf")

import openpyxl  # noqa: E402

from app.settings import Settings, set_settings  # noqa: E402

SECRET = "bench-secret-key"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢符云"
)
GIVEN = "子涵欣怡梓轩浩然雨桐思远一诺可馨宇航俊杰佳琪嘉怡诗涵博文明轩若曦梦瑶天佑晨曦志强海洋家豪婷婷文博亦菲"
MINORITY = ("阿依古丽·买买提", "热依拉·艾力", "古丽娜尔·吐尔逊", "艾克拜尔·热合曼", "迪丽努尔·阿不都")
ADDRESS_CODES = (
    "460105",
    "460106",
    "460107",
    "460108",
    "460202",
    "460203",
    "460204",
    "460400",
    "460321",
    "469001",
    "469002",
    "469005",
    "469006",
    "469007",
    "469021",
    "469022",
    "469023",
    "469024",
    "469025",
)
CITIES = (
    "海口市",
    "三亚市",
    "儋州市",
    "琼海市",
    "文昌市",
    "万宁市",
    "东方市",
    "五指山市",
    "定安县",
    "屯昌县",
    "澄迈县",
    "临高县",
)
GRADES = {
    "小学": ["三年级", "四年级", "五年级", "六年级"],
    "初中": ["初一", "初二", "初三"],
    "高中": ["高一", "高二", "高三"],
}
BIRTH_YEARS = {"小学": (2015, 2018), "初中": (2011, 2013), "高中": (2008, 2010)}
TOPICS = (
    "校园雨水花园",
    "红树林湿地",
    "椰子纤维",
    "台风路径",
    "海水淡化",
    "珊瑚白化",
    "槟榔病害",
    "智能浇灌",
    "垃圾分类",
    "太阳能小车",
    "火山岩",
    "橡胶林",
    "咖啡渣",
    "海洋塑料",
    "黎锦图案",
    "热带果蝇",
    "空气质量",
    "电动车电池",
)
SUFFIXES = ("的设计与监测", "的调查研究", "的实验探究", "装置的研制", "的数据分析", "对比实验", "的改进方案")


def check_character(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]


def make_id(rng: random.Random, used: set[str], year_range: tuple[int, int], gender: str) -> str:
    while True:
        year = rng.randint(*year_range)
        birth = f"{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        seq = rng.randrange(0, 100) * 10 + (
            rng.choice((1, 3, 5, 7, 9)) if gender == "男" else rng.choice((0, 2, 4, 6, 8))
        )
        first17 = f"{rng.choice(ADDRESS_CODES)}{birth}{seq:03d}"
        number = first17 + check_character(first17)
        if number not in used:
            used.add(number)
            return number


def person_name(rng: random.Random) -> str:
    if rng.random() < 0.02:
        return rng.choice(MINORITY)
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def build_roster(
    rows: int, schools: list[tuple[str, str]], categories: list[str], seed: int = 2026
) -> tuple[bytes, dict[str, int]]:
    """A workbook of exactly ``rows`` data rows and the expected counts."""
    rng = random.Random(seed)
    used: set[str] = set()
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("报名表")
    ws.append(["2026年海南省青少年科技创新大赛 报名表"])
    ws.append(
        [
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
    )
    written = entries = students = advisers = 0
    teachers: dict[str, list[tuple[str, str, str, str]]] = {}
    titles: set[tuple[str, str]] = set()
    while written < rows:
        code, name = rng.choice(schools)
        division = rng.choice(("小学", "初中", "初中", "高中", "高中"))
        category = rng.choice(categories)
        title = f"{rng.choice(TOPICS)}{rng.choice(SUFFIXES)}"
        n = 2
        while (code, title) in titles:
            title = f"{rng.choice(TOPICS)}{rng.choice(SUFFIXES)}（{n}）"
            n += 1
        titles.add((code, title))
        team = rng.choice((1, 1, 2, 2, 3))
        n_adv = rng.choice((1, 1, 2))
        left = rows - written
        if team + n_adv > left:
            team = min(team, left)
            n_adv = left - team
        school_cell = code if rng.random() < 0.5 else name
        for _ in range(team):
            gender = rng.choice("男女")
            phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
            ws.append(
                [
                    person_name(rng),
                    gender,
                    "居民身份证",
                    make_id(rng, used, BIRTH_YEARS[division], gender),
                    rng.choice(GRADES[division]),
                    school_cell,
                    int(phone) if rng.random() < 0.3 else phone,
                    "学生",
                    title,
                    category,
                    division,
                    rng.choice(("是", "否")),
                ]
            )
        pool = teachers.setdefault(code, [])
        chosen: list[tuple[str, str, str, str]] = []
        for _ in range(n_adv):
            if pool and rng.random() < 0.3 and len(chosen) < len(pool):
                teacher = rng.choice([t for t in pool if t not in chosen] or pool)
                if teacher in chosen:
                    continue
            else:
                gender = rng.choice("男女")
                teacher = (
                    person_name(rng),
                    gender,
                    make_id(rng, used, (1970, 1996), gender) if rng.random() < 0.5 else "",
                    f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
                )
                pool.append(teacher)
            chosen.append(teacher)
            ws.append(
                [
                    teacher[0],
                    teacher[1],
                    "",
                    teacher[2],
                    "",
                    school_cell,
                    teacher[3],
                    "辅导教师",
                    title,
                    category,
                    division,
                    "",
                ]
            )
        written += team + len(chosen)
        entries += 1
        students += team
        advisers += len(chosen)
        if len(chosen) < n_adv:  # a skipped duplicate teacher: fill the row budget with the next entry
            continue
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), {
        "rows": written,
        "entries_created": entries,
        "participants_created": students,
        "advisers_created": advisers,
    }


def openpyxl_read(data: bytes) -> tuple[float, float]:
    """Wall and CPU seconds for openpyxl alone: read-only, every value of every row."""
    start, cpu = time.perf_counter(), time.process_time()
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    cells = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            cells += len(row)
    wb.close()
    return time.perf_counter() - start, time.process_time() - cpu


async def prepare(url: str, data_dir: Path) -> dict:
    """Migrate and fill a database: schools, organizer, event. Returns ids and names."""
    from app import db
    from app.accounts import services as accounts
    from app.tables import School
    from competitions.events import services as events

    set_settings(Settings(data_dir=data_dir, database_url=url, secret_key=SECRET))
    db.configure_database(url)
    await db.start_pool()
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            await db.migrate()
        rng = random.Random(7)
        schools = []
        for i in range(60):
            city = CITIES[i % len(CITIES)]
            schools.append((f"S{i + 1:03d}", f"{city[:-1]}第{i + 1}中学", city))
        await School.insert(*[School(code=c, name=n, city=ci) for c, n, ci in schools])
        await accounts.create_user(
            None, username="org", password="bench-password-1", role="organizer", display_name="组委会"
        )
        org = await accounts.load_principal(1)
        event = await events.create_event(
            org, {"name": "2026年海南省青少年科技创新大赛", "kind": "innovation", "year": 2026}
        )
        categories = [c["name"] if rng.random() < 0.5 else c["code"] for c in await events.list_categories(event["id"])]
        return {"event_id": event["id"], "schools": [(c, n) for c, n, _ in schools], "categories": categories}
    finally:
        await db.close_pool()


async def timed_import(
    url: str, data_dir: Path, event_id: int, data: bytes, *, trace: bool = False, profile: bool = False
) -> tuple[tuple[float, float], dict, int]:
    from app import db
    from app.accounts.services import load_principal
    from competitions.registration.roster import import_registrations
    from competitions.registration.tables import Entry, Member

    set_settings(Settings(data_dir=data_dir, database_url=url, secret_key=SECRET))
    db.configure_database(url)
    await db.start_pool()
    try:
        org = await load_principal(1)
        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        if trace:
            tracemalloc.start()
        start, cpu = time.perf_counter(), time.process_time()
        result = await import_registrations(org, event_id, data)
        elapsed = (time.perf_counter() - start, time.process_time() - cpu)  # CPU of every thread of the process
        peak = 0
        if trace:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        if profiler:
            import pstats

            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        stored = {"entries": await Entry.count(), "members": await Member.count()}
        assert stored["entries"] == result["entries_created"], (stored, result)
        assert stored["members"] == result["participants_created"] + result["advisers_created"], (stored, result)
        return elapsed, result, peak
    finally:
        await db.close_pool()


def sqlite_runs(args, data: bytes, expected: dict, work: Path) -> list[tuple[float, float]]:
    base = work / "base.sqlite3"
    info = asyncio.run(prepare(f"sqlite:///{base}", work))
    times = []
    for run in range(args.runs + 1):
        path = work / f"run{run}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{base}{suffix}").exists():
                shutil.copy(f"{base}{suffix}", f"{path}{suffix}")
        trace = run == args.runs  # the last run measures memory (tracemalloc slows it down)
        elapsed, result, peak = asyncio.run(
            timed_import(
                f"sqlite:///{path}", work, info["event_id"], data, trace=trace, profile=args.profile and run == 0
            )
        )
        assert {k: result[k] for k in expected if k != "rows"} == {k: v for k, v in expected.items() if k != "rows"}, (
            result,
            expected,
        )
        if trace:
            sqlite_runs.peak = peak
        else:
            times.append(elapsed)
    return times


async def _pg_admin(url: str, sql: str) -> None:
    from urllib.parse import urlparse

    import asyncpg

    p = urlparse(url)
    conn = await asyncpg.connect(
        host=p.hostname or "127.0.0.1",
        port=p.port or 5432,
        user=p.username or "postgres",
        password=p.password,
        database=p.path.lstrip("/") or "postgres",
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def postgres_runs(args, url: str, data: bytes, work: Path) -> list[tuple[float, float]]:
    from urllib.parse import urlparse, urlunparse

    template = f"xm_bench_tpl_{uuid.uuid4().hex[:6]}"
    asyncio.run(_pg_admin(url, f'CREATE DATABASE "{template}"'))
    names = [template]
    try:
        info = asyncio.run(prepare(urlunparse(urlparse(url)._replace(path=f"/{template}")), work))
        times = []
        for run in range(args.runs):
            name = f"xm_bench_{run}_{uuid.uuid4().hex[:6]}"
            asyncio.run(_pg_admin(url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
            names.append(name)
            elapsed, _result, _peak = asyncio.run(
                timed_import(urlunparse(urlparse(url)._replace(path=f"/{name}")), work, info["event_id"], data)
            )
            times.append(elapsed)
        return times
    finally:
        for name in names:
            asyncio.run(_pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the first import")
    parser.add_argument(
        "--postgres", metavar="URL", help=argparse.SUPPRESS
    )  # internal: the PostgreSQL part, in its own process
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="xinmiao-bench-") as tmp:
        work = Path(tmp)
        set_settings(Settings(data_dir=work, database_url=f"sqlite:///{work / 'base.sqlite3'}", secret_key=SECRET))
        # schools and categories must match what prepare() creates
        schools = [(f"S{i + 1:03d}", f"{CITIES[i % len(CITIES)][:-1]}第{i + 1}中学") for i in range(60)]
        from competitions.events.kinds import DEFAULT_INNOVATION_CATEGORIES

        rng = random.Random(7)
        categories = [name if rng.random() < 0.5 else code for code, name in DEFAULT_INNOVATION_CATEGORIES]
        data, expected = build_roster(args.rows, schools, categories)

        def listing(times):
            return ", ".join(f"{w:.3f}" for w, _c in times)

        reads = [openpyxl_read(data) for _ in range(args.runs)]
        read, read_cpu = min(w for w, _c in reads), min(c for _w, c in reads)
        if args.postgres:
            pg = postgres_runs(args, args.postgres, data, work)
            pg_best = min(w for w, _c in pg)
            print(
                f"import, PostgreSQL (best of {args.runs}): {pg_best:.3f} s wall, {min(c for _w, c in pg):.3f} s CPU   "
                f"(all wall: {listing(pg)})"
            )
            print(
                f"ratio import/openpyxl on PostgreSQL: {pg_best / read:.2f} wall   (openpyxl in that process: {read:.3f} s)"
            )
            return

        print(
            f"roster: {expected['rows']} rows, {expected['entries_created']} entries, {expected['participants_created']} students, "
            f"{expected['advisers_created']} advisers, {len(data) / 1024:.0f} KiB"
        )
        imports = sqlite_runs(args, data, expected, work)
        best, best_cpu = min(w for w, _c in imports), min(c for _w, c in imports)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"openpyxl read (best of {args.runs}):      {read:.3f} s wall, {read_cpu:.3f} s CPU   (all wall: {listing(reads)})"
        )
        print(
            f"import, SQLite (best of {args.runs}):     {best:.3f} s wall, {best_cpu:.3f} s CPU   (all wall: {listing(imports)})"
        )
        print(
            f"ratio import/openpyxl:             {best / read:.2f} wall, {best_cpu / read_cpu:.2f} CPU   "
            f"(median wall {statistics.median(w for w, _c in imports) / statistics.median(w for w, _c in reads):.2f}; target <= 3)"
        )
        print(f"peak Python allocations in import: {sqlite_runs.peak / 1048576:.1f} MiB (tracemalloc)")
        print(f"peak RSS of the whole process:     {rss:.1f} MiB (target < 300)")
        print("targets met" if best <= 5 and best / read <= 3 and rss < 300 else "TARGETS MISSED")
    pg_url = os.environ.get("XINMIAO_BENCH_DATABASE_URL")
    if pg_url:
        # a fresh process: Piccolo binds tables defined inside migration modules to the engine of
        # the first migration run, so one process cannot migrate two databases
        import subprocess

        subprocess.run(
            [sys.executable, __file__, "--rows", str(args.rows), "--runs", str(args.runs), "--postgres", pg_url],
            check=True,
        )


sqlite_runs.peak = 0

if __name__ == "__main__":
    main()
