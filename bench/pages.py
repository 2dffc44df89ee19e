"""Benchmark: pages under load (issue 19), each beside a bare Litestar page served the same way.

    python bench/pages.py [--engine sqlite|postgresql|both] [--duration 10] [--connections 64] [--only NAME]

Seeds a scratch database per engine (SQLite file; PostgreSQL from ``XINMIAO_BENCH_DATABASE_URL``,
default ``postgresql://postgres@127.0.0.1:5432/postgres``) with bulk inserts: the 3,000-entry
contest of ``bench/judging_data.py`` (60 schools, 150 judges, 3 judges per entry, complete
scores), one to three students per entry (about 60 % with the guardian's consent to publish the
name), published (公示); a robotics event with 150 teams x 2 approved runs on challenge R1; and 50
issued certificates. Then serves it with ``xinmiao serve`` (one worker; on PostgreSQL also
``--workers 2`` with Redis from ``XINMIAO_BENCH_REDIS_URL``, default ``redis://127.0.0.1:6379/0``),
and the bare app (``bench/bare_app.py``, ``GET /page``) with uvicorn the same way (access log on, as
``xinmiao serve`` has it), and drives every page of :data:`PAGES` with ``wrk`` from 127.0.0.1.

Prints per page: requests/s, p50 and p99 latency, non-2xx/3xx answers, the ratio to the bare page,
and the database queries of one request (first request after start, then a later one), read from
the ``X-Queries`` header of a second server that counts them (``bench/counting_app.py``: only the
benchmark serves it). Target (issue 19): the public results page at least 500 requests/s on one
worker at 64 connections, p99 under 100 ms.

**Adding pages.** :data:`PAGES` is a plain table: a name, a path (``{event_id}``, ``{robotics_id}``,
``{certificate}`` and ``{school}`` are filled from the seeded data; add keys to :func:`seed`'s
answer for more), who asks (``None`` anonymous; ``"page:USERNAME"`` a page session of that account,
``"api:USERNAME"`` a bearer token; accounts in :data:`ACCOUNTS` get the password
:data:`PASSWORD`), extra request headers, and a target (requests/s, p99 ms) or ``None``.
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

PASSWORD = "bench-pages-password-2026"
ACCOUNTS = {"org": "organizer"}  # username -> role; the benchmark sets their passwords

# name, path, who, headers, target (requests/s, p99 ms) -- one row per page; add rows freely
PAGES: list[dict[str, Any]] = [
    {"name": "public results page", "path": "/results/{event_id}", "who": None, "target": (500, 100)},
    {
        "name": "public results page, gzip",
        "path": "/results/{event_id}",
        "who": None,
        "headers": {"Accept-Encoding": "gzip"},
        "target": (500, 100),
    },
    {
        "name": "public results page, If-None-Match (304)",
        "path": "/results/{event_id}",
        "who": None,
        "headers": {"If-None-Match": "{etag}"},
        "target": None,
    },
    {"name": "public results search by school", "path": "/results/{event_id}?q={school}", "who": None, "target": None},
    {"name": "public results API", "path": "/api/v1/events/{event_id}/results", "who": None, "target": None},
    {"name": "public robotics standings page", "path": "/standings/{robotics_id}/R1", "who": None, "target": None},
    {
        "name": "public robotics standings API",
        "path": "/api/v1/events/{robotics_id}/categories/R1/standings",
        "who": None,
        "target": None,
    },
    # anonymous look-ups are limited to 30 a minute per address: the organizer's are not (the same
    # kept public answer; the page of a logged-in organizer is rendered each time, menu and all)
    {
        "name": "certificate verification API",
        "path": "/api/v1/certificates/{certificate}",
        "who": "api:org",
        "target": None,
    },
]

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
    await User.update({User.password_hash: hash_password(PASSWORD)}).where(User.username.is_in(list(ACCOUNTS)))
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
    print(
        f"  seeded in {time.perf_counter() - started:.0f} s: 3,000 entries, {len(students)} students, published",
        flush=True,
    )
    return {
        "event_id": event_id,
        "robotics_id": robotics_id,
        "certificate": numbers[0],
        "school": urllib.parse.quote(school),
    }


def start(target: str, port: int, env: dict[str, str], workers: int = 1, serve: bool = True) -> subprocess.Popen:
    """``xinmiao serve`` (``serve``) or uvicorn with the same options (the bare and counting apps)."""
    if serve:
        command = [str(Path(sys.executable).parent / "xinmiao"), "serve", "--host", "127.0.0.1", "--port", str(port)]
        command += ["--workers", str(workers)]
    else:
        command = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port)]
        command += ["--workers", str(workers), "--log-level", "info", "--no-proxy-headers"]
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
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
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


def run_engine(args: argparse.Namespace, engine: str) -> None:
    if engine == "postgresql":
        os.environ.setdefault("XINMIAO_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    else:
        os.environ.pop("XINMIAO_BENCH_DATABASE_URL", None)
    with Database() as database:
        values = asyncio.run(seed())
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


def measure(args: argparse.Namespace, label: str, values: dict[str, Any], env: dict[str, str], workers: int) -> None:
    service_port, bare_port, counting_port = free_port(), free_port(), free_port()
    service = start("xinmiao serve", service_port, env, workers)
    bare_server = start("bench.bare_app:app", bare_port, env, workers, serve=False)
    counting = start("bench.counting_app:app", counting_port, env, 1, serve=False)
    print(f"{label}: {args.connections} connections, {args.duration} s per page, wrk on 127.0.0.1", flush=True)
    try:
        wrk(bare_port, "/page", {}, 2, args.connections)  # warm-up
        bare = wrk(bare_port, "/page", {}, args.duration, args.connections)
        print(
            f"  {'bare Litestar page':44s} {bare['rps']:7.0f} req/s  p50 {bare['p50']:6.1f} ms  p99 {bare['p99']:6.1f} ms",
            flush=True,
        )
        for page in PAGES:
            if args.only and args.only not in page["name"]:
                continue
            auth = credentials(service_port, page["who"])
            path = page["path"].format(**values, etag="")
            status, answer_headers, size = fetch(service_port, path, auth)
            fill = {**values, "etag": answer_headers.get("etag", "")}
            headers = {**auth, **{k: v.format(**fill) for k, v in page.get("headers", {}).items()}}
            status, _h, size = fetch(service_port, path, headers)
            counting_auth = credentials(counting_port, page["who"])
            first = fetch(counting_port, path, {**counting_auth, **headers})[1].get("x-queries", "?")
            later = fetch(counting_port, path, {**counting_auth, **headers})[1].get("x-queries", "?")
            if page["who"] and page["who"].startswith("page:"):
                headers = {**headers, **auth}
            wrk(service_port, path, headers, 2, args.connections)  # warm-up (every worker)
            r = wrk(service_port, path, headers, args.duration, args.connections)
            target = page.get("target")
            verdict = ""
            if target:
                verdict = "OK" if r["rps"] >= target[0] and r["p99"] < target[1] else "MISSED"
                verdict = f"  target >= {target[0]} req/s, p99 < {target[1]} ms: {verdict}"
            same = ""
            if size > 50_000:  # as much to send: the bare app sending a page of that size, the same way
                wrk(bare_port, f"/page?size={size}", {}, 2, args.connections)
                b = wrk(bare_port, f"/page?size={size}", {}, args.duration, args.connections)
                same = (
                    f"; bare page of the same size {b['rps']:.0f} req/s, p50 {b['p50']:.1f} ms, p99 {b['p99']:.1f} ms"
                )
            print(
                f"  {page['name']:44s} {r['rps']:7.0f} req/s  p50 {r['p50']:6.1f} ms  p99 {r['p99']:6.1f} ms  "
                f"x{r['rps'] / bare['rps']:.2f} of bare  [{status}, {size:,} bytes, queries {first} then {later}, "
                f"errors {r['errors'] + r['socket']}]{verdict}{same}",
                flush=True,
            )
    finally:
        for process in (service, bare_server, counting):
            stop(process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--only", default="", help="only the pages whose name holds this text")
    parser.add_argument("--no-workers", action="store_true", help="PostgreSQL: skip the 2 workers + Redis run")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    for engine in ("sqlite", "postgresql") if args.engine == "both" else (args.engine,):
        run_engine(args, engine)


if __name__ == "__main__":
    main()
