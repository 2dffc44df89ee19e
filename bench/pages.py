"""Benchmark: pages under load (issue 19), each beside a bare Litestar page served the same way.

    python bench/pages.py [--engine sqlite|postgresql|both] [--duration 10] [--only NAME]
                          [--connections N] [--no-workers] [--cpu 200 [--profile]]

Seeds a scratch database per engine (SQLite file; PostgreSQL from ``XINMIAO_BENCH_DATABASE_URL``,
default ``postgresql://postgres@127.0.0.1:5432/postgres``) once, with bulk inserts:

- the published (公示) 3,000-entry contest of ``bench/judging_data.py`` (60 schools in 12 cities,
  150 judges, 3 judges per entry, complete scores), one to three students per entry (about 60 %
  with the guardian's consent to publish the name): the public results pages;
- a robotics event with 150 teams x 2 approved runs on challenge R1: the public standings;
- 50 issued certificates of the contest: verification;
- a second, open 3,000-entry contest (two students per entry with masked ID numbers and phones,
  one or two advisers), a third of its entries waiting for review: the organizer's, the 海口 city
  association's and the busiest school's lists.

Then serves it with ``xinmiao serve`` (one worker; on PostgreSQL also ``--workers 2`` with Redis
from ``XINMIAO_BENCH_REDIS_URL``, default ``redis://127.0.0.1:6379/0``), and the bare app
(``bench/bare_app.py``, ``GET /page``) with uvicorn the same way (access log on, as ``xinmiao
serve`` has it), and drives every page of :data:`PAGES` with ``wrk`` from 127.0.0.1 at that page's
connection counts: the lists at 1 connection (a user alone) and 8, the public pages at 64 (the
province arriving at once). The bare page is measured at each of those counts in the same run.

Prints per page and connection count: requests/s, p50 and p99 latency, the ratio to the bare page
at the same count, the answer's status and size, the database queries of one request (the first
after start, then a later one; read from the ``X-Queries`` header of a second server that counts
them, ``bench/counting_app.py``), non-2xx/3xx answers and socket errors, and the verdict against
the page's target. Targets (issue 19): the public results page at least 500 requests/s on one
worker at 64 connections with p99 under 100 ms; the lists p50 under 50 ms alone and under 200 ms
at 8 connections. A page of more than 50 KB is also compared with a bare page of its size.

``--cpu N`` measures instead, in this process and without servers, the CPU time of N requests of
each page (``time.process_time``, so a busy machine hardly moves it), their wall time and queries;
``--profile`` adds a cProfile of them timed by CPU (the functions with the most CPU time of their own,
and the most in total).

**Adding pages.** :data:`PAGES` is a plain table: a name, a path (``{event_id}``, ``{open_id}``,
``{robotics_id}``, ``{certificate}``, ``{school}`` and ``{city}`` are filled from the seeded data;
add keys to :func:`seed`'s answer for more), who asks (``None`` anonymous; ``"page:USERNAME"`` a
page session of that account, ``"api:USERNAME"`` a bearer token; the accounts of :data:`ACCOUNTS`
get the password :data:`PASSWORD`), extra request headers, the connection counts, and the targets
by connection count (``rps`` at least, ``p50``/``p99`` under, in ms).
"""

from __future__ import annotations

import argparse
import asyncio
import http.cookiejar
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from judging_data import SECRET, Database, _insert, build, complete_scores, name  # noqa: E402

from app.cli import EVENT_LOOP  # noqa: E402  (the loop ``xinmiao serve`` runs)

PASSWORD = "bench-pages-password-2026"
ACCOUNTS = ("org", "haikou", "school")  # the organizer, the 海口 city association, the busiest school

PUBLIC = (64,)  # the province arriving at once
LISTS = (1, 8)  # a user alone; an office busy
RESULTS_TARGET = {64: {"rps": 500, "p99": 100}}
LIST_TARGET = {1: {"p50": 50}, 8: {"p50": 200}}

# one row per page; add rows freely (see the module's "Adding pages")
PAGES: list[dict[str, Any]] = [
    # the public pages, served from app.pubcache
    {"name": "public results page", "path": "/results/{event_id}", "connections": PUBLIC, "target": RESULTS_TARGET},
    {
        "name": "public results page, gzip",
        "path": "/results/{event_id}",
        "headers": {"Accept-Encoding": "gzip"},
        "connections": PUBLIC,
        "target": RESULTS_TARGET,
    },
    {
        "name": "public results page, If-None-Match (304)",
        "path": "/results/{event_id}",
        "headers": {"If-None-Match": "{etag}"},
        "connections": PUBLIC,
    },
    {"name": "public results search by school", "path": "/results/{event_id}?q={school}", "connections": PUBLIC},
    {"name": "public results API", "path": "/api/v1/events/{event_id}/results", "connections": PUBLIC},
    {"name": "public robotics standings page", "path": "/standings/{robotics_id}/R1", "connections": PUBLIC},
    {
        "name": "public robotics standings API",
        "path": "/api/v1/events/{robotics_id}/categories/R1/standings",
        "connections": PUBLIC,
    },
    # anonymous look-ups are limited to 30 a minute per address: the organizer's are not (the same
    # kept public answer)
    {
        "name": "certificate verification API",
        "path": "/api/v1/certificates/{certificate}",
        "who": "api:org",
        "connections": PUBLIC,
    },
    # the lists of the open contest (paginated on the server, 50 a page)
    {"name": "organizer entries", "path": "/events/{open_id}/entries", "who": "page:org", "target": LIST_TARGET},
    {
        "name": "organizer review queue",
        "path": "/events/{open_id}/entries?status=submitted",
        "who": "page:org",
        "target": LIST_TARGET,
    },
    {
        "name": "organizer page 30, sorted",
        "path": "/events/{open_id}/entries?page=30&sort=-title",
        "who": "page:org",
        "target": LIST_TARGET,
    },
    {
        "name": "organizer city + search",
        "path": "/events/{open_id}/entries?city={city}&q={title}",
        "who": "page:org",
        "target": LIST_TARGET,
    },
    {"name": "city entries", "path": "/events/{open_id}/entries", "who": "page:haikou", "target": LIST_TARGET},
    {
        "name": "city review queue",
        "path": "/events/{open_id}/entries?status=submitted",
        "who": "page:haikou",
        "target": LIST_TARGET,
    },
    {"name": "school entries", "path": "/events/{open_id}/entries", "who": "page:school", "target": LIST_TARGET},
    {"name": "organizer home", "path": "/", "who": "page:org", "target": LIST_TARGET},
    {"name": "city home", "path": "/", "who": "page:haikou", "target": LIST_TARGET},
    {"name": "entries API page (limit=50)", "path": "/api/v1/events/{open_id}/entries?limit=50", "who": "api:org"},
    {"name": "entries API full list", "path": "/api/v1/events/{open_id}/entries", "who": "api:org"},
]
for _page in PAGES:
    _page.setdefault("who", None)
    _page.setdefault("connections", LISTS)
    _page.setdefault("target", {})

SHEET = {
    "items": [
        {"code": "m1", "name": "任务一", "type": "count", "min": 0, "max": 6, "points": 10},
        {"code": "m2", "name": "任务二", "type": "yesno", "points": 20},
        {"code": "t", "name": "用时", "type": "time", "max": 120},
    ],
    "rounds": 2,
    "counted": {"rule": "best"},
    "tiebreaks": ["time_of_counted", "next_best"],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def seed_open_contest(entries: int, rng: random.Random) -> dict[str, Any]:
    """The open contest of the lists (see the module), on the schools :func:`build` made; the
    海口 city association and the busiest school's account."""
    import datetime as dt

    from judging_data import DIVISIONS

    from app.region_codes import region_code_of
    from app.security import hash_password
    from app.tables import School, User
    from competitions.events.kinds import DEFAULT_INNOVATION_CATEGORIES
    from competitions.events.tables import Category, Event
    from competitions.registration.tables import Entry, Member

    for city in {s["city"] for s in await School.select(School.city)}:
        await School.update({School.region: region_code_of(city)}).where(School.city == city)
    schools = [s["id"] for s in await School.select(School.id).order_by(School.id)]
    event = Event(name="2027年海南省青少年科技创新大赛（基准，报名中）", kind="innovation", year=2027, status="open")
    await event.save()
    await Category.insert(
        *[
            Category(event=event.id, code=code, name=label, position=i)
            for i, (code, label) in enumerate(DEFAULT_INNOVATION_CATEGORIES)
        ]
    )
    categories = [
        c["id"]
        for c in await Category.select(Category.id).where(Category.event == event.id).order_by(Category.position)
    ]
    codes = [code for code, _label in DEFAULT_INNOVATION_CATEGORIES]
    now = dt.datetime.now(dt.timezone.utc)
    rows = []
    for i in range(entries):
        division = DIVISIONS[(i // len(categories)) % 3]
        rows.append(
            Entry(
                event=event.id,
                code=f"{codes[i % len(codes)]}-{division[0]}{i + 1:04d}",
                title=f"作品{i + 1}",
                school=rng.choice(schools),
                category=categories[i % len(categories)],
                division=division,
                status="submitted" if i % 3 == 0 else "approved",
                created_at=now,
                updated_at=now,
                submitted_at=now,
            )
        )
    await _insert(Entry, rows)
    listed = await Entry.select(Entry.id, Entry.school).where(Entry.event == event.id).order_by(Entry.id)
    members = []
    for r in listed:
        for k in range(2):
            members.append(
                Member(
                    entry=r["id"],
                    event=event.id,
                    role="student",
                    name=name(rng),
                    gender="男" if rng.random() < 0.5 else "女",
                    grade="初二",
                    id_masked="460*************3",
                    phone_masked="138****0000",
                    consent_participation=True,
                    position=k,
                )
            )
        for k in range(rng.choice((1, 1, 2))):
            members.append(Member(entry=r["id"], event=event.id, role="adviser", name=name(rng) + "老师", position=k))
    await _insert(Member, members)
    by_school: dict[int, int] = {}
    for r in listed:
        by_school[r["school"]] = by_school.get(r["school"], 0) + 1
    busiest = max(by_school, key=lambda s: by_school[s])
    digest = hash_password(PASSWORD)
    await User.insert(
        User(username="haikou", password_hash=digest, role="city", city="海口市", region=region_code_of("海口市")),
        User(username="school", password_hash=digest, role="school", school=busiest),
    )
    return {"open_id": event.id, "school_entries": by_school[busiest]}


async def seed() -> dict[str, Any]:
    """Fill the configured database; returns the values :data:`PAGES` paths name."""
    import datetime as dt

    from app.accounts.services import load_principal
    from app.security import hash_password
    from app.tables import School, User
    from competitions.events.tables import Category, Event
    from competitions.registration.tables import Entry, Member
    from judging.certificates.services import new_number
    from judging.certificates.tables import Certificate
    from judging.panels import assignments
    from judging.results import publication
    from judging.robotics import services as robotics

    started = time.perf_counter()
    world = await build(entries=3000, judges=150)
    event_id = world["event_id"]
    organizer = await load_principal((await User.select(User.id).where(User.username == "org").first())["id"])
    await assignments.generate(organizer, event_id, 3)
    await complete_scores(event_id)
    rng = random.Random(19)
    entries = await Entry.select(Entry.id).where(Entry.event == event_id).order_by(Entry.id)
    students = [
        Member(
            entry=e["id"],
            event=event_id,
            role="student",
            name=name(rng),
            position=p,
            consent_publication=rng.random() < 0.6,
        )
        for e in entries
        for p in range(rng.choice((1, 1, 2, 3)))
    ]
    await _insert(Member, students)
    await Event.update({Event.status: "closed"}).where(Event.id == event_id)
    await publication.publish(organizer, event_id)
    school = (await School.select(School.name).where(School.code == "S007").first())["name"]

    # robotics: 150 teams, two approved runs each, through the services (scores as the sheet says)
    robotics_id = (await Event.insert(Event(name="机器人竞赛（基准）", kind="robotics", year=2026, status="open")))[0][
        "id"
    ]
    category = (await Category.insert(Category(event=robotics_id, code="R1", name="综合技能", position=0)))[0]["id"]
    schools = [r["id"] for r in await School.select(School.id).order_by(School.id)]
    now = dt.datetime.now(dt.timezone.utc)
    await _insert(
        Entry,
        [
            Entry(
                event=robotics_id,
                code=f"R1-{i:04d}",
                title=f"R1队{i}",
                school=schools[i % len(schools)],
                category=category,
                division="初中",
                status="approved",
                created_at=now,
                updated_at=now,
            )
            for i in range(150)
        ],
    )
    await robotics.put_sheet(organizer, robotics_id, "R1", SHEET)
    await User.insert(User(username="ref", password_hash="x", role="referee", display_name="裁判"))
    await robotics.add_referee(organizer, robotics_id, {"username": "ref", "category_codes": ["R1"], "head": True})
    referee = await load_principal((await User.select(User.id).where(User.username == "ref").first())["id"])
    team_ids = [r["id"] for r in await Entry.select(Entry.id).where(Entry.category == category).order_by(Entry.id)]
    for round_number in (1, 2):
        for entry_id in team_ids:
            items = {"m1": rng.randint(0, 6), "m2": rng.random() < 0.5, "t": str(rng.randint(60, 120))}
            run = await robotics.submit_run(
                referee,
                robotics.RunInput(entry_id=entry_id, category_code="R1", round=round_number, items=items),
            )
            await robotics.approve_run(organizer, run[0]["id"])

    # 50 issued certificates of the contest (numbers as the service makes them)
    awarded = await Member.select(Member.id, Member.entry, Member.name).where(Member.role == "student").limit(50)
    numbers = [new_number(2026) for _ in awarded]
    await _insert(
        Certificate,
        [
            Certificate(
                number=n, event=event_id, kind="award", member=m["id"], entry=m["entry"], name=m["name"], issued_at=now
            )
            for n, m in zip(numbers, awarded, strict=True)
        ],
    )

    opened = await seed_open_contest(3000, rng)
    await User.update({User.password_hash: hash_password(PASSWORD)}).where(User.username.is_in(list(ACCOUNTS)))
    from app.db import is_sqlite

    if not is_sqlite():  # planner statistics, as autovacuum gathers them within a minute of a bulk load
        await Event.raw("ANALYZE")
    print(
        f"  seeded in {time.perf_counter() - started:.0f} s: published contest of 3,000 entries "
        f"({len(students)} students), robotics 150 teams, open contest of 3,000 entries "
        f"(1,000 waiting for review; the school account's school has {opened['school_entries']})",
        flush=True,
    )
    return {
        "event_id": event_id,
        "open_id": opened["open_id"],
        "robotics_id": robotics_id,
        "certificate": numbers[0],
        "school": urllib.parse.quote(school),
        "city": urllib.parse.quote("海口市"),
        "title": urllib.parse.quote("作品1"),
    }


def start(target: str, port: int, env: dict[str, str], workers: int = 1, serve: bool = True) -> subprocess.Popen:
    """``xinmiao serve`` (``serve``) or uvicorn with the same options (the bare and counting apps)."""
    if serve:
        command = [str(Path(sys.executable).parent / "xinmiao"), "serve", "--host", "127.0.0.1", "--port", str(port)]
        command += ["--workers", str(workers)]
    else:
        command = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port)]
        command += ["--workers", str(workers), "--log-level", "info", "--no-proxy-headers", "--loop", EVENT_LOOP]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                return process
        except urllib.error.HTTPError:
            return process  # it answers
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"{target} did not start (exit {process.returncode})") from None
            time.sleep(0.2)
    raise RuntimeError(f"{target} did not start")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def credentials(port: int, who: str | None) -> dict[str, str]:
    """Request headers that make the request ``who``'s (see :data:`PAGES`)."""
    if not who:
        return {}
    kind, _sep, username = who.partition(":")
    if kind == "api":
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/auth/login",
            data=json.dumps({"username": username, "password": PASSWORD}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request) as answer:
            return {"Authorization": "Bearer " + json.loads(answer.read())["access_token"]}
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"http://127.0.0.1:{port}/login").read()
    csrf = next(c.value for c in jar if c.name == "xinmiao_csrf")
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD, "_csrf_token": csrf}).encode()
    opener.open(f"http://127.0.0.1:{port}/login", data=form).read()
    return {"Cookie": "; ".join(f"{c.name}={c.value}" for c in jar)}


def fetch(port: int, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], int]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}, len(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, len(exc.read())


def wrk(port: int, path: str, headers: dict[str, str], duration: int, connections: int) -> dict[str, Any]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    for key, value in headers.items():
        command += ["-H", f"{key}: {value}"]
    output = subprocess.run(
        command + [f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout

    def ms(value: str) -> float:
        number, suffix = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
        return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[suffix]

    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        "p50": ms(re.search(r"\s50%\s+(\S+)", output).group(1)),  # type: ignore[union-attr]
        "p99": ms(re.search(r"\s99%\s+(\S+)", output).group(1)),  # type: ignore[union-attr]
        "errors": int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", output)) else 0,
        "socket": sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
        if "Socket errors" in output
        else 0,
    }


def selected(args: argparse.Namespace) -> list[dict[str, Any]]:
    pages = [p for p in PAGES if not args.only or args.only in p["name"]]
    if args.connections:
        pages = [{**p, "connections": (args.connections,)} for p in pages]
    return pages


def url_path(page: dict[str, Any], values: dict[str, Any]) -> str:
    return page["path"].format(**values, etag="")


def run_engine(args: argparse.Namespace, engine: str) -> None:
    if engine == "postgresql":
        os.environ.setdefault("XINMIAO_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    else:
        os.environ.pop("XINMIAO_BENCH_DATABASE_URL", None)
    with Database() as database:
        print(f"{database.engine_name}:", flush=True)
        values = asyncio.run(seed())
        if args.cpu:
            asyncio.run(measure_in_process(args, values))
            return
        env = {
            **os.environ,
            "XINMIAO_DATABASE_URL": database.url,
            "XINMIAO_DATA_DIR": str(database.tmp),
            "XINMIAO_SECRET_KEY": SECRET,
            "PYTHONPATH": str(ROOT),
        }
        env.pop("XINMIAO_REDIS_URL", None)
        setups = [(1, False)] + ([(2, True)] if engine == "postgresql" and not args.no_workers else [])
        for workers, redis in setups:
            label = f"{database.engine_name}, {workers} worker{'s' if workers > 1 else ''}" + (
                " + Redis" if redis else ""
            )
            run_env = dict(env)
            if redis:
                run_env["XINMIAO_REDIS_URL"] = os.environ.get("XINMIAO_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
            measure(args, label, values, run_env, workers)


HEADER = (
    f"  {'page':42s} {'conn':>4s} {'req/s':>7s} {'p50 ms':>7s} {'p99 ms':>7s} {'x bare':>6s}  "
    f"{'status':>6s} {'bytes':>9s} {'queries':>8s} {'errors':>6s}  target"
)


def verdict(target: dict[str, float] | None, r: dict[str, Any]) -> str:
    if not target:
        return ""
    parts, ok = [], True
    if "rps" in target:
        parts.append(f">= {target['rps']:.0f} req/s")
        ok = ok and r["rps"] >= target["rps"]
    for key in ("p50", "p99"):
        if key in target:
            parts.append(f"{key} < {target[key]:.0f} ms")
            ok = ok and r[key] < target[key]
    ok = ok and not (r["errors"] or r["socket"])
    return f"{', '.join(parts)}: {'OK' if ok else 'MISSED'}"


def measure(args: argparse.Namespace, label: str, values: dict[str, Any], env: dict[str, str], workers: int) -> None:
    pages = selected(args)
    counts = sorted({c for p in pages for c in p["connections"]})
    service_port, bare_port, counting_port = free_port(), free_port(), free_port()
    service = start("xinmiao serve", service_port, env, workers)
    bare_server = start("bench.bare_app:app", bare_port, env, workers, serve=False)
    counting = start("bench.counting_app:app", counting_port, env, 1, serve=False)
    print(f"{label}: {args.duration} s per page and connection count, wrk on 127.0.0.1", flush=True)
    print(HEADER, flush=True)
    logins: dict[tuple[int, str | None], dict[str, str]] = {}

    def login(port: int, who: str | None) -> dict[str, str]:
        if (port, who) not in logins:
            logins[port, who] = credentials(port, who)
        return logins[port, who]

    def line(title: str, c: int, r: dict[str, Any], bare: float, rest: str) -> None:
        print(
            f"  {title:42s} {c:4d} {r['rps']:7.0f} {r['p50']:7.1f} {r['p99']:7.1f} {r['rps'] / bare:6.2f}  {rest}",
            flush=True,
        )

    try:
        bare: dict[int, dict[str, Any]] = {}
        for c in counts:
            wrk(bare_port, "/page", {}, 2, c)  # warm-up
            bare[c] = wrk(bare_port, "/page", {}, args.duration, c)
            line("bare Litestar page", c, bare[c], bare[c]["rps"], f"{200:>6d} {'':>9s} {0:>8d} {0:>6d}")
        for page in pages:
            auth = login(service_port, page["who"])
            path = url_path(page, values)
            status, answer_headers, size = fetch(service_port, path, auth)
            fill = {**values, "etag": answer_headers.get("etag", "")}
            headers = {**auth, **{k: v.format(**fill) for k, v in page.get("headers", {}).items()}}
            status, _h, size = fetch(service_port, path, headers)
            extra = {k: v for k, v in headers.items() if k not in auth}
            counting_auth = login(counting_port, page["who"])
            first = fetch(counting_port, path, {**counting_auth, **extra})[1].get("x-queries", "?")
            later = fetch(counting_port, path, {**counting_auth, **extra})[1].get("x-queries", "?")
            wrk(service_port, path, headers, 2, max(page["connections"]))  # warm-up (every worker)
            for c in page["connections"]:
                r = wrk(service_port, path, headers, args.duration, c)
                target = verdict(page["target"].get(c), r)
                line(
                    page["name"],
                    c,
                    r,
                    bare[c]["rps"],
                    f"{status:>6d} {size:>9,d} {first + '/' + later:>8s} {r['errors'] + r['socket']:>6d}  {target}",
                )
                if size > 50_000:  # as much to send: the bare app sending a page of that size, the same way
                    wrk(bare_port, f"/page?size={size}", {}, 2, c)
                    b = wrk(bare_port, f"/page?size={size}", {}, args.duration, c)
                    line("  bare page of the same size", c, b, bare[c]["rps"], "")
    finally:
        for process in (service, bare_server, counting):
            stop(process)


# ----------------------------------------------------------------------------------- in process


async def asgi_request(
    app: Any, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """One request straight into the ASGI app (no client library, no socket)."""
    raw_path, _sep, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": urllib.parse.unquote(raw_path),
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    sent = False
    answer: dict[str, Any] = {"status": 0, "headers": [], "body": []}

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
            answer["headers"] = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            answer["body"].append(message.get("body", b""))

    await app(scope, receive, send)
    return answer["status"], answer["headers"], b"".join(answer["body"])


async def in_process_login(app: Any, who: str | None) -> dict[str, str]:
    if not who:
        return {}
    kind, _sep, username = who.partition(":")
    if kind == "api":
        status, _h, body = await asgi_request(
            app,
            "POST",
            "/api/v1/auth/login",
            {"Content-Type": "application/json"},
            json.dumps({"username": username, "password": PASSWORD}).encode(),
        )
        return {"Authorization": "Bearer " + json.loads(body)["access_token"]}
    cookies: dict[str, str] = {}

    def keep(headers: list[tuple[bytes, bytes]]) -> None:
        for key, value in headers:
            if key.lower() == b"set-cookie":
                pair = value.decode("latin-1").split(";", 1)[0]
                cookie_name, _eq, cookie_value = pair.partition("=")
                cookies[cookie_name.strip()] = cookie_value

    keep((await asgi_request(app, "GET", "/login", {}))[1])
    form = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "next": "/", "_csrf_token": cookies["xinmiao_csrf"]}
    )
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    status, headers, _b = await asgi_request(
        app, "POST", "/login", {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}, form.encode()
    )
    assert status == 303, status
    keep(headers)
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}


async def measure_in_process(args: argparse.Namespace, values: dict[str, Any]) -> None:
    """``--cpu N``: N requests of each page straight into the app in this process (see the module)."""
    import cProfile
    import dataclasses
    import io
    import pstats

    from app.db import count_queries
    from app.factory import create_app
    from app.settings import get_settings

    app = create_app(dataclasses.replace(get_settings(), database_pool=True))
    lifespan: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    started = asyncio.Event()

    async def lifespan_send(message: dict[str, Any]) -> None:
        if message["type"].startswith("lifespan.startup"):
            started.set()

    running = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, lifespan.get, lifespan_send)
    )
    await lifespan.put({"type": "lifespan.startup"})
    await started.wait()
    print(f"  in process, {args.cpu} requests per page (CPU ms per request from time.process_time)", flush=True)
    print(f"  {'page':42s} {'CPU ms':>7s} {'wall ms':>7s} {'queries':>7s} {'status':>6s} {'bytes':>9s}", flush=True)
    try:
        for page in selected(args):
            headers = await in_process_login(app, page["who"])
            path = urllib.parse.quote(url_path(page, values), safe="/?=&-%")
            status, answer_headers, body = await asgi_request(app, "GET", path, headers)
            etag = next((v.decode() for k, v in answer_headers if k == b"etag"), "")
            fill = {**values, "etag": etag}
            headers = {**headers, **{k: v.format(**fill) for k, v in page.get("headers", {}).items()}}
            for _ in range(5):  # warm
                status, _h, body = await asgi_request(app, "GET", path, headers)
            with count_queries() as counter:
                await asgi_request(app, "GET", path, headers)
            profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not waiting
            cpu, wall = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            for _ in range(args.cpu):
                await asgi_request(app, "GET", path, headers)
            if profiler:
                profiler.disable()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            print(
                f"  {page['name']:42s} {cpu / args.cpu * 1000:7.2f} {wall / args.cpu * 1000:7.2f} "
                f"{counter.count:7d} {status:6d} {len(body):9,d}",
                flush=True,
            )
            if profiler:
                for order in ("tottime", "cumulative"):
                    out = io.StringIO()
                    pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(30)
                    print(out.getvalue(), flush=True)
    finally:
        await lifespan.put({"type": "lifespan.shutdown"})
        await running


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=0, help="every page at this count instead of its own")
    parser.add_argument("--only", default="", help="only the pages whose name holds this text")
    parser.add_argument("--no-workers", action="store_true", help="PostgreSQL: skip the 2 workers + Redis run")
    parser.add_argument("--cpu", type=int, default=0, help="in process: CPU time of this many requests per page")
    parser.add_argument("--profile", action="store_true", help="with --cpu: cProfile the requests")
    args = parser.parse_args()
    if not args.cpu and not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    for engine in ("sqlite", "postgresql") if args.engine == "both" else (args.engine,):
        run_engine(args, engine)


if __name__ == "__main__":
    main()
