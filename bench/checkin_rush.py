"""Benchmark: an 800-badge door rush while organizers watch the check-in live view (issue 19, items 3 and 4).

    python bench/checkin_rush.py [--engine sqlite|postgresql] [--workers 1|2] [--people 800] [--schools 60]
        [--devices 16] [--interval 0.5] [--watchers 10] [--pollers 10] [--code PATH] [--throughput 10]

Builds a scratch database (SQLite, or PostgreSQL from ``XINMIAO_BENCH_DATABASE_URL``) with one
contest of ``--people`` approved participants in ``--schools`` schools, a check-in session, staff
and organizer accounts. Starts the service as ``xinmiao serve --workers N`` does (two workers need
PostgreSQL and Redis: ``XINMIAO_REDIS_URL``, default ``redis://127.0.0.1:6379/0``) from the
source tree ``--code`` (default: this one; give another checkout to measure the code before a
change), then:

1. The rush: ``--watchers`` organizers open the live view and follow its stream the way the page's
   script does, ``--pollers`` organizers whose browsers have no EventSource poll it every 10 s, and
   ``--devices`` door devices scan every badge once through ``POST /api/v1/checkin/scan``, each
   device one badge every ``--interval`` seconds (about 32 scans/s for 16 devices at 0.5 s: a
   USB scanner at each of 16 desks). Before the deltas (a page without ``data-version``), a watcher
   fetched the whole page again after each change (at most every 2 s, as app/static/live.js did) and a
   poller fetched the whole page; with them, a watcher applies each delta and fetches the latest
   names at most every 5 s, and a poller asks for the changes since its version.
   Prints scan latency p50/p99/max, the first load's size, and the bytes sent to watchers and pollers.
2. ``--throughput`` seconds (0: skip) of scans as fast as wrk sends them (32 connections, first scans
   of distinct participants of a bigger second session), with the CPU used meanwhile by the server
   processes, PostgreSQL (or nothing: SQLite is in the server), Redis, wrk, and the whole machine
   (from /proc: this is a 2-core machine, and other work may share it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from judging_data import SECRET, Database, _insert, name  # noqa: E402

PASSWORD = "bench-password-2026"
TICK = os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- data


async def populate(people: int, schools: int, extra: int) -> dict[str, Any]:
    """Schools, one contest with ``people`` members of approved entries (3 per entry) in ``schools``
    schools and a session 报到; ``extra`` more members (another 3,000-entry block) for the throughput
    run at a second session; organizer ``org`` and staff ``door``."""
    import datetime as dt

    from app.accounts import services as accounts
    from app.tables import School
    from competitions.checkin.credentials import credential_for
    from competitions.checkin.tables import CheckinSession
    from competitions.events.tables import Category, Event
    from competitions.registration.tables import Entry, Member

    rng = random.Random(19)
    now = dt.datetime.now(dt.timezone.utc)
    await _insert(
        School, [School(code=f"S{i:03d}", name=f"海南省第{i}中学", city="海口市") for i in range(schools + 1)]
    )
    school_ids = [r["id"] for r in await School.select(School.id).order_by(School.id)]
    await accounts.create_user(None, username="org", password=PASSWORD, role="organizer", display_name="组委会")
    await accounts.create_user(None, username="door", password=PASSWORD, role="staff", display_name="门口")
    event = (await Event.insert(Event(name="创新大赛（基准）", kind="innovation", year=2026, status="open")))[0]["id"]
    category = (await Category.insert(Category(event=event, code="MA", name="数学")))[0]["id"]

    async def block(n: int, schools_of: list[int], prefix: str) -> list[int]:
        entries = (n + 2) // 3
        await _insert(
            Entry,
            [
                Entry(
                    event=event,
                    code=f"{prefix}{i:05d}",
                    title=f"校园节水装置的设计与实验{i}",
                    school=schools_of[i % len(schools_of)],
                    category=category,
                    division="初中",
                    status="approved",
                    created_at=now,
                    updated_at=now,
                )
                for i in range(entries)
            ],
        )
        entry_ids = [
            r["id"] for r in await Entry.select(Entry.id).where(Entry.code.like(f"{prefix}%")).order_by(Entry.id)
        ]
        await _insert(
            Member,
            [
                Member(entry=entry_ids[i // 3], event=event, role="student", name=name(rng), position=i % 3)
                for i in range(n)
            ],
        )
        return [
            r["id"]
            for r in await Member.select(Member.id).where(Member.entry.code.like(f"{prefix}%")).order_by(Member.id)
        ]

    rush = await block(people, school_ids[:schools], "R")
    more = await block(extra, school_ids[schools:], "T") if extra else []
    sessions = []
    for label in ("报到", "开幕式"):
        s = CheckinSession(event=event, name=label, created_at=now)
        await s.save()
        sessions.append(s.id)
    return {
        "session_id": sessions[0],
        "tokens": [credential_for(i, 1) for i in rush],
        "throughput_session": sessions[1],
        "throughput_tokens": [credential_for(i, 1) for i in rush + more],
    }


# --------------------------------------------------------------------------- processes and CPU


def start(port: int, workers: int, env: dict[str, str], code: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers)]
    process = subprocess.Popen(command, cwd=code, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                time.sleep(1.5 if workers > 1 else 0.3)  # let every worker start
                return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode() if process.stderr else "serve failed")
            time.sleep(0.1)
    raise RuntimeError("the service did not start")


def _children(pid: int) -> list[int]:
    found = [pid]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) in found:
                found.append(int(entry))
    return found


def _cpu_of(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / TICK


def _named(name: str) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(f"/proc/{entry}/comm").read_text().strip() == name:
                    pids.append(int(entry))
            except OSError:
                pass
    return pids


def _machine() -> tuple[float, float]:
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / TICK, sum(fields) / TICK


class CpuMeter:
    """CPU seconds used between start() and stop() by the server (its process tree), PostgreSQL,
    Redis, this load generator and an optional extra process (wrk), and the whole machine."""

    def __init__(self, server: subprocess.Popen) -> None:
        self.server = server

    def _sample(self, extra: int | None) -> dict[str, float]:
        busy, _total = _machine()
        sample = {
            "server": _cpu_of(_children(self.server.pid)),
            "postgres": _cpu_of(_named("postgres")),
            "redis": _cpu_of(_named("redis-server")),
            "load generator": _cpu_of([os.getpid()]) + (_cpu_of([extra]) if extra else 0.0),
            "machine": busy,
        }
        return sample

    def start(self, extra: int | None = None) -> None:
        self.extra = extra
        self.t0 = time.monotonic()
        self.s0 = self._sample(extra)

    def stop(self) -> dict[str, float]:
        s1 = self._sample(self.extra)
        wall = time.monotonic() - self.t0
        return {k: 100 * (s1[k] - self.s0[k]) / wall for k in s1}  # % of one core


def cpu_text(cpu: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.0f}%" for k, v in cpu.items()) + " (of one core; the machine has 2)"


# --------------------------------------------------------------------------- HTTP clients


class Http:
    """A tiny keep-alive HTTP/1.1 client on one connection, counting the bytes it receives."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.received = 0
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        try:
            return await self._request(method, path, body, headers)
        except (ConnectionError, IndexError, asyncio.IncompleteReadError):
            await self.close()  # the server closed an idle keep-alive connection: once more on a new one
            return await self._request(method, path, body, headers)

    async def _request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port, limit=2**24)
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        assert self.reader is not None
        status_line = await self.reader.readline()
        size = len(status_line)
        status = int(status_line.split()[1])
        answer: dict[str, str] = {}
        while True:
            line = await self.reader.readline()
            size += len(line)
            if not line.strip():
                break
            key, _, value = line.decode("latin-1").partition(":")
            key, value = key.strip().lower(), value.strip()
            if key == "set-cookie":
                cookie = value.split(";", 1)[0]
                k, _, v = cookie.partition("=")
                self.cookies[k] = v
            answer[key] = value
        if "content-length" in answer:
            data = await self.reader.readexactly(int(answer["content-length"]))
        elif answer.get("transfer-encoding") == "chunked":
            data = b""
            while True:
                head = await self.reader.readline()
                size += len(head)
                n = int(head.strip(), 16)
                chunk = await self.reader.readexactly(n + 2)
                data += chunk[:-2]
                if n == 0:
                    break
        else:
            data = b""
        self.received += size + len(data)
        if answer.get("connection") == "close":
            await self.close()
        return status, answer, data

    async def login_page(self, username: str) -> None:
        await self.request("GET", "/login")
        csrf = self.cookies.get("xinmiao_csrf", "")
        form = urlencode({"username": username, "password": PASSWORD, "next": "/", "_csrf_token": csrf}).encode()
        status, _h, _b = await self.request(
            "POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert status == 303, status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


class Organizer:
    """One organizer's live view, as the page's script behaves (see the module docstring)."""

    def __init__(self, port: int, session_id: int, streaming: bool) -> None:
        self.port = port
        self.sid = session_id
        self.streaming = streaming
        self.http = Http(port)
        self.first_load = 0
        self.stream_bytes = 0
        self.events = 0
        self.fetches = 0
        self.version = 0
        self.deltas = False
        self.arrived = -1
        self.stop = asyncio.Event()
        self.next_fetch = 0.0
        self.pending: asyncio.Task | None = None

    async def open(self) -> None:
        await self.http.login_page("org")
        before = self.http.received
        _s, _h, body = await self.http.request("GET", f"/checkin/{self.sid}/live")
        self.first_load = self.http.received - before
        match = re.search(rb'data-version="(\d+)"', body)
        self.deltas = match is not None
        self.version = int(match.group(1)) if match else 0
        self.received_before = self.http.received

    async def fetch(self) -> None:
        self.fetches += 1
        if self.deltas:
            _s, _h, body = await self.http.request(
                "GET", f"/checkin/{self.sid}/live/changes?recent=true&since={self.version}"
            )
            self.version = max(self.version, json.loads(body)["version"])
        else:
            await self.http.request("GET", f"/checkin/{self.sid}/live")

    def fetch_soon(self, gap: float) -> None:
        """At most one fetch every ``gap`` seconds, the last change always followed by one."""
        if self.pending is not None and not self.pending.done():
            return

        async def later() -> None:
            await asyncio.sleep(max(0.0, self.next_fetch - time.monotonic()))
            self.next_fetch = time.monotonic() + gap
            await self.fetch()

        self.pending = asyncio.ensure_future(later())

    async def follow(self) -> None:
        if not self.streaming:
            while not self.stop.is_set():
                try:
                    await asyncio.wait_for(self.stop.wait(), 10.0)
                except asyncio.TimeoutError:
                    await self.fetch()
            return
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port, limit=2**22)
        cookie = "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())
        writer.write(
            f"GET /checkin/{self.sid}/live/events HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
            "Accept: text/event-stream\r\n\r\n".encode()
        )
        await writer.drain()
        event = ""
        try:
            while not self.stop.is_set():
                try:
                    line = await asyncio.wait_for(reader.readline(), 0.5)
                except asyncio.TimeoutError:
                    continue
                if not line:
                    break
                self.stream_bytes += len(line)
                text = line.decode("utf-8", "replace").strip()
                if text.startswith("event:"):
                    event = text[6:].strip()
                elif text.startswith("data:") and event == "change":
                    self.events += 1
                    data = json.loads(text[5:])
                    if self.deltas:
                        self.version = max(self.version, data.get("version", 0))
                        if data.get("arrived_expected") != self.arrived:
                            self.arrived = data.get("arrived_expected")
                            self.fetch_soon(5.0)  # the latest names
                    else:
                        self.fetch_soon(2.0)  # the whole page again
        finally:
            writer.close()
        if self.pending is not None:
            await asyncio.gather(self.pending, return_exceptions=True)

    @property
    def fetched_bytes(self) -> int:
        return self.http.received - self.received_before


async def rush(args: argparse.Namespace, port: int, token: str, data: dict[str, Any], meter: CpuMeter) -> dict:
    watchers = [Organizer(port, data["session_id"], True) for _ in range(args.watchers)]
    pollers = [Organizer(port, data["session_id"], False) for _ in range(args.pollers)]
    for o in watchers + pollers:
        await o.open()
    following = [asyncio.ensure_future(o.follow()) for o in watchers + pollers]
    await asyncio.sleep(1.0)
    tokens = list(data["tokens"])
    random.Random(8).shuffle(tokens)
    latencies: list[float] = []
    results: dict[str, int] = {}

    async def device(i: int) -> None:
        http = Http(port)
        mine = tokens[i :: args.devices]
        rng = random.Random(i)
        next_at = time.monotonic() + rng.uniform(0, args.interval)
        for n, badge in enumerate(mine):
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            body = json.dumps({"session_id": data["session_id"], "token": badge, "device": f"门口{i}"}).encode()
            t0 = time.monotonic()
            status, _h, answer = await http.request(
                "POST",
                "/api/v1/checkin/scan",
                body,
                {"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            )
            latencies.append((time.monotonic() - t0) * 1000)
            result = json.loads(answer).get("result", str(status)) if status == 200 else str(status)
            results[result] = results.get(result, 0) + 1
            next_at += args.interval * rng.uniform(0.8, 1.2)
        await http.close()

    meter.start()
    started = time.monotonic()
    await asyncio.gather(*(device(i) for i in range(args.devices)))
    took = time.monotonic() - started
    await asyncio.sleep(6.0)  # the last deltas and name fetches
    cpu = meter.stop()
    for o in watchers + pollers:
        o.stop.set()
    await asyncio.gather(*following, return_exceptions=True)
    for o in watchers + pollers:
        await o.http.close()
    return {
        "latencies": latencies,
        "results": results,
        "took": took,
        "cpu": cpu,
        "first_load": (watchers or pollers)[0].first_load if watchers or pollers else 0,
        "deltas": (watchers or pollers)[0].deltas if watchers or pollers else None,
        "watch_stream": sum(o.stream_bytes for o in watchers),
        "watch_fetch": sum(o.fetched_bytes for o in watchers),
        "watch_events": sum(o.events for o in watchers),
        "watch_fetches": sum(o.fetches for o in watchers),
        "poll_bytes": sum(o.fetched_bytes for o in pollers),
        "poll_fetches": sum(o.fetches for o in pollers),
    }


LUA = r"""
local tokens = {}
local counter = 0
local session_id = 0
local auth = ""
function init(args)
  session_id = tonumber(args[1])
  auth = args[2]
  for line in io.lines(args[3]) do tokens[#tokens + 1] = line end
  counter = tonumber(args[4]) * 100000
end
function request()
  counter = counter + 1
  local token = tokens[((counter - 1) % #tokens) + 1]
  local body = '{"session_id":' .. session_id .. ',"token":"' .. token .. '","device":"bench"}'
  return wrk.format("POST", "/api/v1/checkin/scan", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. auth}, body)
end
"""


def throughput(args: argparse.Namespace, port: int, token: str, data: dict[str, Any], meter: CpuMeter) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="xinmiao-rush-"))
    try:
        (tmp / "tokens.txt").write_text("\n".join(data["throughput_tokens"]) + "\n")
        (tmp / "scan.lua").write_text(LUA)
        process = subprocess.Popen(
            ["wrk", "-t1", "-c32", f"-d{args.throughput}s", "--latency", "-s", str(tmp / "scan.lua")]
            + [f"http://127.0.0.1:{port}", "--", str(data["throughput_session"]), token, str(tmp / "tokens.txt"), "0"],
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(0.2)
        meter.start(extra=process.pid)
        time.sleep(max(0.0, args.throughput - 0.7))
        cpu = meter.stop()
        output = process.communicate()[0]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", output)) else 0
    p99 = re.search(r"\s99%\s+(\S+)", output).group(1)
    return {"rps": rps, "non2xx": non2xx, "p99": p99, "cpu": cpu}


def login_api(port: int) -> str:
    import urllib.request

    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/auth/login",
        method="POST",
        data=json.dumps({"username": "door", "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())["access_token"]


def kib(n: float) -> str:
    return f"{n / 1024:,.1f} KiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--people", type=int, default=800)
    parser.add_argument("--schools", type=int, default=60)
    parser.add_argument("--devices", type=int, default=16)
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--watchers", type=int, default=10)
    parser.add_argument("--pollers", type=int, default=10)
    parser.add_argument("--throughput", type=int, default=0, help="seconds of wrk scans after the rush (0: none)")
    parser.add_argument("--code", type=Path, default=ROOT, help="the source tree the server runs")
    args = parser.parse_args()
    if args.workers > 1 and args.engine != "postgresql":
        sys.exit("--workers 2 needs --engine postgresql (and Redis)")
    if args.engine == "postgresql":
        os.environ.setdefault("XINMIAO_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    else:
        os.environ.pop("XINMIAO_BENCH_DATABASE_URL", None)
    with Database() as database:
        data = asyncio.run(populate(args.people, args.schools, 30000 if args.throughput else 0))
        env = {
            **os.environ,
            "XINMIAO_DATABASE_URL": database.url,
            "XINMIAO_DATA_DIR": str(database.tmp),
            "XINMIAO_SECRET_KEY": SECRET,
            "PYTHONPATH": str(args.code.resolve()),
        }
        env.pop("XINMIAO_REDIS_URL", None)
        if args.workers > 1:
            env["XINMIAO_REDIS_URL"] = os.environ.get("XINMIAO_REDIS_URL", "redis://127.0.0.1:6379/0")
        port = free_port()
        server = start(port, args.workers, env, args.code.resolve())
        label = f"{database.engine_name}, {args.workers} worker{'s' if args.workers > 1 else ''}" + (
            " + Redis" if args.workers > 1 else ""
        )
        try:
            token = login_api(port)
            meter = CpuMeter(server)
            r = asyncio.run(rush(args, port, token, data, meter))
            lat = r["latencies"]
            kind = {True: "deltas", False: "whole page (before the deltas)", None: "nobody watching"}[r["deltas"]]
            print(
                f"{label}, live view by {kind}, code {args.code.resolve()}:\n"
                f"  rush: {len(lat)} scans by {args.devices} devices in {r['took']:.1f} s "
                f"({len(lat) / r['took']:.0f} scans/s), results {r['results']}\n"
                f"  scan latency p50 {statistics.median(lat):.1f} ms, p99 {percentile(lat, 99):.1f} ms, "
                f"max {max(lat):.1f} ms (target p99 < 50 ms)\n"
                f"  first load of the live view {kib(r['first_load'])} (target < 20 KiB)\n"
                f"  {args.watchers} watchers (SSE): stream {kib(r['watch_stream'])} in {r['watch_events']} events, "
                f"fetches {kib(r['watch_fetch'])} in {r['watch_fetches']}; "
                f"per watcher {kib((r['watch_stream'] + r['watch_fetch']) / max(1, args.watchers))}\n"
                f"  {args.pollers} pollers (10 s): {kib(r['poll_bytes'])} in {r['poll_fetches']} fetches\n"
                f"  CPU during the rush: {cpu_text(r['cpu'])}; load average {os.getloadavg()[0]:.1f}",
                flush=True,
            )
            if args.throughput:
                t = throughput(args, port, token, data, meter)
                print(
                    f"  throughput (wrk, 32 connections, {args.throughput} s): {t['rps']:.0f} scans/s, "
                    f"p99 {t['p99']}, non-2xx {t['non2xx']}\n  CPU meanwhile: {cpu_text(t['cpu'])}; "
                    f"load average {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    main()
