"""Shared set-up of the judging benchmarks (``bench/results.py``, ``bench/assign.py``).

Builds a temporary, migrated SQLite database (or a scratch PostgreSQL database when
``XINMIAO_BENCH_DATABASE_URL`` is set) holding one innovation contest of a province:
60 schools in 12 cities/counties, 3,000 approved entries over the 9 CASTIC categories and
3 divisions (one or two advisers each), and 150 judges, each judging 2–3 categories, each
from a school, some with declared conflicts (schools, advisers, entries). Rows are
bulk-inserted with Piccolo directly: the benchmarks time judging, not registration.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import random
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PICCOLO_CONF", "app.piccolo_conf")

from app.settings import Settings, set_settings  # noqa: E402

SECRET = "bench-secret-key"
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
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢符云"
)
GIVEN = "子涵欣怡梓轩浩然雨桐思远一诺可馨宇航俊杰佳琪嘉怡诗涵博文明轩若曦梦瑶天佑晨曦志强海洋家豪婷婷文博亦菲"
DIVISIONS = ("小学", "初中", "高中")
CHUNK = 500


def name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


class Database:
    """A scratch database for one benchmark run (context manager)."""

    def __init__(self) -> None:
        self.pg_url = os.environ.get("XINMIAO_BENCH_DATABASE_URL")
        self.tmp = Path(tempfile.mkdtemp(prefix="xinmiao-bench-"))
        self.pg_name: str | None = None

    def __enter__(self) -> "Database":
        from app import db

        if self.pg_url:
            self.pg_name = f"xm_bench_{uuid.uuid4().hex[:8]}"
            asyncio.run(self._pg(f'CREATE DATABASE "{self.pg_name}"'))
            from urllib.parse import urlparse, urlunparse

            url = urlunparse(urlparse(self.pg_url)._replace(path=f"/{self.pg_name}"))
        else:
            url = f"sqlite:///{self.tmp / 'bench.sqlite3'}"
        self.url = url
        set_settings(Settings(data_dir=self.tmp, database_url=url, secret_key=SECRET, database_pool=False))
        db.configure_database(url)
        with contextlib.redirect_stdout(io.StringIO()):
            asyncio.run(db.migrate())
        return self

    def __exit__(self, *exc: Any) -> None:
        import shutil

        if self.pg_name:
            asyncio.run(self._pg(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)'))
        shutil.rmtree(self.tmp, ignore_errors=True)

    async def _pg(self, sql: str) -> None:
        from urllib.parse import urlparse

        import asyncpg

        parsed = urlparse(self.pg_url)
        conn = await asyncpg.connect(
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 5432,
            user=parsed.username or "postgres",
            password=parsed.password,
            database="postgres",
        )
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    @property
    def engine_name(self) -> str:
        return "PostgreSQL" if self.pg_name else "SQLite"


async def _insert(table: Any, rows: list[Any]) -> None:
    for start in range(0, len(rows), CHUNK):
        await table.insert(*rows[start : start + CHUNK])


async def build(entries: int = 3000, judges: int = 150, seed: int = 2026) -> dict[str, Any]:
    """Fill the configured database; returns ``{"event_id", "organizer"}`` (a Principal)."""
    from app.principal import Principal
    from app.tables import School, User
    from competitions.events.kinds import DEFAULT_INNOVATION_CATEGORIES
    from competitions.events.tables import Category, Event
    from competitions.registration.tables import Entry, Member
    from judging.panels.tables import EventJudge

    rng = random.Random(seed)
    await School.insert(*[School(code=f"S{i:03d}", name=f"第{i}中学", city=CITIES[i % len(CITIES)]) for i in range(60)])
    schools = await School.select(School.id, School.city).order_by(School.id)
    await User.insert(User(username="org", password_hash="x", role="organizer", display_name="组委会"))
    organizer_id = (await User.select(User.id).where(User.username == "org").first())["id"]
    event = Event(name="2026年海南省青少年科技创新大赛（基准）", kind="innovation", year=2026)
    await event.save()
    await Category.insert(
        *[
            Category(event=event.id, code=code, name=label, position=i)
            for i, (code, label) in enumerate(DEFAULT_INNOVATION_CATEGORIES)
        ]
    )
    categories = (
        await Category.select(Category.id, Category.code).where(Category.event == event.id).order_by(Category.position)
    )
    adviser_pool = [name(rng) + "老师" for _ in range(600)]
    rows = []
    for i in range(entries):
        category = categories[i % len(categories)]
        division = DIVISIONS[(i // len(categories)) % 3]
        rows.append(
            Entry(
                event=event.id,
                code=f"{category['code']}-{division[0]}{i + 1:04d}",
                title=f"作品{i + 1}",
                school=rng.choice(schools)["id"],
                category=category["id"],
                division=division,
                status="approved",
            )
        )
    await _insert(Entry, rows)
    entry_ids = [r["id"] for r in await Entry.select(Entry.id).where(Entry.event == event.id).order_by(Entry.id)]
    members = []
    for entry_id in entry_ids:
        for adviser in rng.sample(adviser_pool, rng.choice((1, 1, 2))):
            members.append(Member(entry=entry_id, event=event.id, role="adviser", name=adviser))
    await _insert(Member, members)
    await _insert(
        User,
        [
            User(username=f"judge{i:03d}", password_hash="x", role="judge", display_name=f"评委{i:03d}")
            for i in range(judges)
        ],
    )
    users = await User.select(User.id).where(User.role == "judge").order_by(User.id)
    codes = [c["code"] for c in categories]
    panel = []
    for i, user in enumerate(users):
        school = rng.choice(schools)
        # every category is covered by enough judges: judge i takes category i % 9 and 1–2 more
        cats = {codes[i % len(codes)], *rng.sample(codes, rng.choice((1, 2)))}
        panel.append(
            EventJudge(
                event=event.id,
                user=user["id"],
                category_codes=sorted(cats),
                school=school["id"],
                city=school["city"],
                conflict_entries=rng.sample(entry_ids, 3) if rng.random() < 0.1 else [],
                conflict_schools=[s["id"] for s in rng.sample(schools, 2)] if rng.random() < 0.15 else [],
                conflict_advisers=rng.sample(adviser_pool, 3) if rng.random() < 0.15 else [],
            )
        )
    await _insert(EventJudge, panel)
    organizer = Principal(id=organizer_id, username="org", role="organizer", display_name="组委会")
    return {"event_id": event.id, "organizer": organizer}


async def complete_scores(event_id: int, seed: int = 7) -> int:
    """A complete score sheet (default CASTIC rubric) for every assignment of the current round;
    each judge has a personal leniency so normalization has something to do."""
    from judging.rounds.services import current_round
    from judging.scoring.rubric import get_rubric, rules_of
    from judging.scoring.rules import judge_score, plain
    from judging.scoring.tables import Assignment, Score

    rng = random.Random(seed)
    round_row = await current_round(event_id)
    rules = rules_of(await get_rubric(event_id))
    assignments = await Assignment.select(Assignment.id, Assignment.entry, Assignment.judge).where(
        Assignment.round == round_row["id"]
    )
    quality = {}
    leniency = {}
    rows = []
    for a in assignments:
        q = quality.setdefault(a["entry"], rng.uniform(4, 9))
        bias = leniency.setdefault(a["judge"], rng.uniform(-1.2, 1.2))
        points = {r.code: str(max(0, min(10, round(q + bias + rng.gauss(0, 0.8), 1)))) for r in rules}
        from decimal import Decimal

        total = plain(judge_score({k: Decimal(v) for k, v in points.items()}, rules))
        rows.append(
            Score(
                assignment=a["id"],
                round=round_row["id"],
                entry=a["entry"],
                judge=a["judge"],
                points=points,
                total=total,
                complete=True,
                version=1,
            )
        )
    await _insert(Score, rows)
    return len(rows)
