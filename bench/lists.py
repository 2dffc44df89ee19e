"""Benchmark: organizer, city and school list pages with 3,000 entries, beside a bare Litestar page.

    python bench/lists.py [--entries 3000] [--duration 8] [--engine sqlite|postgresql|both]
                          [--port 8109] [--bare-port 8110]

Builds a scratch database (SQLite, and a scratch PostgreSQL database from
``XINMIAO_BENCH_DATABASE_URL``, default ``postgresql://postgres@127.0.0.1:5432/postgres``) with
the province of ``bench/judging_data.py`` (60 schools in 12 cities, ``--entries`` entries, one or
two advisers each) plus two students per entry, bulk-inserted; a third of the entries wait for
review, the event is open, and there are page log-ins for the organizer, the 海口 city association
and the school with the most entries. It counts the queries of one request of each list in
process (``app.db.count_queries``), then serves the database with ``xinmiao serve`` (one worker)
and a bare Litestar page (``bench/bare_page.py``, 50 rows of HTML) with uvicorn, and drives each
list with wrk on 127.0.0.1 from 1 connection (p50 alone) and from 8 (p50 and p99 under load).

Prints, per list: requests/s, p50 and p99 at 1 and 8 connections, queries per request, errors;
and the bare page's figures for scale. Targets (issue 19, 2-core machine): p50 under 50 ms alone
and under 200 ms at 8 connections. Needs ``wrk`` (Debian package ``wrk``).

The lists (``LISTS``) are the place to add other list pages; ``run_lists`` is meant to be folded
into ``bench/pages.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import http.cookiejar
import os
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

from judging_data import SECRET, Database, _insert, build, name  # noqa: E402

PASSWORD = "bench-lists-password-2026"
# (label, log-in, path with {event}); the organizer's list, its review queue, a later page and a
# filtered, sorted page; the city's list and queue; the school's list; the API's page and full list
LISTS = [
    ("organizer entries", "org", "/events/{event}/entries"),
    ("organizer review queue", "org", "/events/{event}/entries?status=submitted"),
    ("organizer page 30, sorted", "org", "/events/{event}/entries?page=30&sort=-title"),
    ("organizer city+search", "org", "/events/{event}/entries?city=海口市&q=作品1"),
    ("city entries", "haikou", "/events/{event}/entries"),
    ("city review queue", "haikou", "/events/{event}/entries?status=submitted"),
    ("school entries", "school", "/events/{event}/entries"),
    ("organizer home", "org", "/"),
    ("city home", "haikou", "/"),
    ("API page (limit=50)", "org", "/api/v1/events/{event}/entries?limit=50"),
    ("API full list (contract)", "org", "/api/v1/events/{event}/entries"),
]


async def populate(entries: int) -> dict[str, Any]:
    import random

    from app.region_codes import region_code_of
    from app.security import hash_password
    from app.tables import School, User
    from competitions.events.tables import Event
    from competitions.registration.tables import Entry, Member

    world = await build(entries=entries, judges=20)
    event_id = world["event_id"]
    await Event.update({Event.status: "open"}).where(Event.id == event_id)
    for school in await School.select(School.id, School.city):
        await School.update({School.region: region_code_of(school["city"])}).where(School.id == school["id"])
    rows = await Entry.select(Entry.id, Entry.school).where(Entry.event == event_id).order_by(Entry.id)
    rng = random.Random(9)
    await _insert(
        Member,
        [
            Member(
                entry=r["id"],
                event=event_id,
                role="student",
                name=name(rng),
                gender="男",
                grade="初二",
                id_masked="460*************3",
                phone_masked="138****0000",
                consent_participation=True,
                position=k,
            )
            for r in rows
            for k in range(2)
        ],
    )
    waiting = [r["id"] for r in rows[::3]]
    for start in range(0, len(waiting), 500):
        await Entry.update({Entry.status: "submitted"}).where(Entry.id.is_in(waiting[start : start + 500]))
    by_school: dict[int, int] = {}
    for r in rows:
        by_school[r["school"]] = by_school.get(r["school"], 0) + 1
    busiest = max(by_school, key=lambda s: by_school[s])
    digest = hash_password(PASSWORD)
    await User.update({User.password_hash: digest}).where(User.username == "org")
    await User.insert(
        User(username="haikou", password_hash=digest, role="city", city="海口市", region=region_code_of("海口市")),
        User(username="school", password_hash=digest, role="school", school=busiest),
    )
    return {"event_id": event_id, "school_entries": by_school[busiest]}


def queries_per_request(event_id: int) -> dict[str, int]:
    """One GET of each list in process (Litestar's test client), counting its statements."""
    from litestar.testing import TestClient

    from app.db import count_queries
    from app.factory import create_app

    counts = {}
    with TestClient(app=create_app(), base_url="http://testserver.local") as client:
        for label, username, path in LISTS:
            client.cookies.clear()
            client.get("/login")
            headers = {}
            if path.startswith("/api/"):
                token = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
                headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            else:
                csrf = client.cookies.get("xinmiao_csrf")
                form = {"username": username, "password": PASSWORD, "next": "/", "_csrf_token": csrf}
                assert client.post("/login", data=form, follow_redirects=False).status_code == 303
            url = path.format(event=event_id)
            client.get(url, headers=headers)  # warm
            with count_queries() as counter:
                response = client.get(url, headers=headers)
            assert response.status_code == 200, (label, response.status_code)
            counts[label] = counter.count
    return counts


def start(command: list[str], port: int, env: dict) -> subprocess.Popen:
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode())
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"{command} did not start")


def auth_header(port: int, username: str, api: bool) -> str:
    """``Cookie: ...`` of a page session, or ``Authorization: Bearer ...`` for the API."""
    base = f"http://127.0.0.1:{port}"
    if api:
        import json

        request = urllib.request.Request(
            f"{base}/api/v1/auth/login",
            data=json.dumps({"username": username, "password": PASSWORD}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request) as response:
            return f"Authorization: Bearer {json.loads(response.read())['access_token']}"
    jar = http.cookiejar.CookieJar()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    opener.open(f"{base}/login").read()
    csrf = next(c.value for c in jar if c.name == "xinmiao_csrf")
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD, "next": "/", "_csrf_token": csrf})
    try:
        opener.open(f"{base}/login", data=form.encode())
    except urllib.error.HTTPError as exc:  # the 303 after logging in
        if exc.code != 303:
            raise
    return "Cookie: " + "; ".join(f"{c.name}={c.value}" for c in jar)


def wrk(url: str, header: str, connections: int, duration: int) -> dict[str, float]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    if header:
        command += ["-H", header]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout

    def ms(value: str) -> float:
        number, suffix = re.match(r"([\d.]+)(\w+)", value).groups()
        return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[suffix]

    non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", output)) else 0
    socket_errors = (
        sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
        if "Socket errors" in output
        else 0
    )
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": ms(re.search(r"\s50%\s+(\S+)", output).group(1)),
        "p99": ms(re.search(r"\s99%\s+(\S+)", output).group(1)),
        "errors": non2xx + socket_errors,
    }


def run_lists(base: str, event_id: int, port: int, duration: int, queries: dict[str, int]) -> list[dict[str, Any]]:
    """wrk each of :data:`LISTS` at 1 and 8 connections; returns one row per list."""
    headers: dict[tuple[str, bool], str] = {}
    results = []
    for label, username, path in LISTS:
        api = path.startswith("/api/")
        if (username, api) not in headers:
            headers[username, api] = auth_header(port, username, api)
        url = base + urllib.parse.quote(path.format(event=event_id), safe="/?=&-")
        wrk(url, headers[username, api], 2, 1)  # warm
        alone = wrk(url, headers[username, api], 1, duration)
        loaded = wrk(url, headers[username, api], 8, duration)
        results.append({"label": label, "alone": alone, "loaded": loaded, "queries": queries.get(label)})
    return results


def run_engine(args: argparse.Namespace, engine: str) -> None:
    if engine == "postgresql":
        os.environ.setdefault("XINMIAO_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    else:
        os.environ.pop("XINMIAO_BENCH_DATABASE_URL", None)
    with Database() as database:
        started = time.perf_counter()
        data = asyncio.run(populate(args.entries))
        print(
            f"{database.engine_name}: {args.entries} entries seeded in {time.perf_counter() - started:.1f} s "
            f"(the school has {data['school_entries']})"
        )
        queries = queries_per_request(data["event_id"])
        env = {
            **os.environ,
            "XINMIAO_DATABASE_URL": database.url,
            "XINMIAO_DATA_DIR": str(database.tmp),
            "XINMIAO_SECRET_KEY": SECRET,
            "PYTHONPATH": str(ROOT),
        }
        xinmiao = str(Path(sys.executable).with_name("xinmiao"))
        service = start([xinmiao, "serve", "--host", "127.0.0.1", "--port", str(args.port)], args.port, env)
        bare = start(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bench.bare_page:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(args.bare_port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            args.bare_port,
            env,
        )
        try:
            rows = run_lists(f"http://127.0.0.1:{args.port}", data["event_id"], args.port, args.duration, queries)
            bare_url = f"http://127.0.0.1:{args.bare_port}/page"
            wrk(bare_url, "", 2, 1)
            rows.append(
                {
                    "label": "bare Litestar page",
                    "alone": wrk(bare_url, "", 1, args.duration),
                    "loaded": wrk(bare_url, "", 8, args.duration),
                    "queries": 0,
                }
            )
        finally:
            for process in (service, bare):
                process.terminate()
                process.wait(timeout=15)
    print(
        f"{'list':<28} {'queries':>7} | {'1 conn: req/s':>13} {'p50 ms':>7} {'p99 ms':>7} | "
        f"{'8 conn: req/s':>13} {'p50 ms':>7} {'p99 ms':>7} | errors  target"
    )
    for r in rows:
        a, b = r["alone"], r["loaded"]
        ok = a["p50"] < 50 and b["p50"] < 200 and not (a["errors"] or b["errors"])
        print(
            f"{r['label']:<28} {r['queries'] if r['queries'] is not None else '-':>7} | "
            f"{a['rps']:>13.1f} {a['p50']:>7.1f} {a['p99']:>7.1f} | {b['rps']:>13.1f} {b['p50']:>7.1f} {b['p99']:>7.1f} | "
            f"{a['errors'] + b['errors']:>6}  {'ok' if ok else 'MISSED'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=3000)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--port", type=int, default=8109)
    parser.add_argument("--bare-port", type=int, default=8110)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    for engine in ("sqlite", "postgresql") if args.engine == "both" else (args.engine,):
        run_engine(args, engine)


if __name__ == "__main__":
    main()
