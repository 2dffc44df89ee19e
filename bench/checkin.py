"""Benchmark: check-in scans per second against a bare Litestar endpoint.

    python bench/checkin.py [--members 60000] [--duration 10] [--connections 32] [--engine sqlite|postgresql|both]

Builds a scratch database (SQLite file, and a scratch PostgreSQL database from
``XINMIAO_BENCH_DATABASE_URL``, default ``postgresql://postgres@127.0.0.1:5432/postgres``)
with one contest, 3,000 approved entries and ``--members`` participants, a check-in session
and a staff account. Then, per engine, it starts the service with uvicorn (one worker, the
way ``xinmiao serve`` does: ``app.main:app``, access log off) and, served the same way,
a bare Litestar app with one JSON endpoint (``bench/bare_app.py``), and drives each with
wrk from ``--connections`` concurrent connections on 127.0.0.1: the service with
``POST /api/v1/checkin/scan`` carrying the staff access token (obtained by logging in) and
first scans of distinct participants, the bare app with a JSON POST of the same size.

Prints scans per second, the ratio to the bare endpoint, p50/p99 latency, errors (non-2xx,
socket errors, and any scan whose check-in is missing from the database afterwards).
Targets (issue 4, 2-core machine): ratio >= 0.4 on SQLite, >= 0.25 on PostgreSQL, p99 under
50 ms, zero errors. Needs ``wrk`` (Debian package ``wrk``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from judging_data import SECRET, Database, _insert, build, name  # noqa: E402

from app.cli import EVENT_LOOP  # noqa: E402  (the loop ``xinmiao serve`` runs)

STAFF_PASSWORD = "bench-staff-password-2026"
LUA = r"""
local tokens = {}
local counter = 0
local session_id = 0
local offset = 0
local path = "/scan"
local auth = ""

function init(args)
  session_id = tonumber(args[1])
  offset = tonumber(args[2])
  path = args[3]
  auth = args[4] or ""
  for line in io.lines(args[5]) do tokens[#tokens + 1] = line end
end

function request()
  local i = offset + counter + 1
  counter = counter + 1
  local token = tokens[((i - 1) % #tokens) + 1]
  local body = '{"session_id":' .. session_id .. ',"token":"' .. token .. '","device":"bench"}'
  local headers = {["Content-Type"] = "application/json"}
  if auth ~= "" then headers["Authorization"] = "Bearer " .. auth end
  return wrk.format("POST", path, headers, body)
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def populate(members: int) -> dict:
    """Contest, entries (from judging_data.build), ``members`` students, a session, a staff user."""
    import datetime as dt
    import random

    from app.security import hash_password
    from app.tables import User
    from competitions.checkin.credentials import credential_for
    from competitions.checkin.tables import CheckinSession
    from competitions.registration.tables import Entry, Member

    world = await build(entries=3000, judges=1)
    event_id = world["event_id"]
    entry_ids = [r["id"] for r in await Entry.select(Entry.id).where(Entry.event == event_id).order_by(Entry.id)]
    rng = random.Random(4)
    rows = [
        Member(
            entry=entry_ids[i % len(entry_ids)],
            event=event_id,
            role="student",
            name=name(rng),
            position=i // len(entry_ids),
        )
        for i in range(members)
    ]
    await _insert(Member, rows)
    ids = [r["id"] for r in await Member.select(Member.id).where(Member.role == "student").order_by(Member.id)]
    await User.insert(
        User(username="door", password_hash=hash_password(STAFF_PASSWORD), role="staff", display_name="门口")
    )
    now = dt.datetime.now(dt.timezone.utc)
    session = CheckinSession(event=event_id, name="报到", created_at=now)
    await session.save()
    return {"session_id": session.id, "tokens": [credential_for(i, 1) for i in ids]}


def start_server(target: str, port: int, env: dict) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
        "--no-access-log",
        "--loop",
        EVENT_LOOP,
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode())
            time.sleep(0.1)
    raise RuntimeError(f"{target} did not start")


def login(port: int) -> str:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/auth/login",
        method="POST",
        data=json.dumps({"username": "door", "password": STAFF_PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())["access_token"]


def wrk(
    port: int,
    path: str,
    session_id: int,
    offset: int,
    token: str,
    tokens_file: Path,
    duration: int,
    connections: int,
    script: Path,
) -> dict:
    output = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
            "--",
            str(session_id),
            str(offset),
            path,
            token,
            str(tokens_file),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def unit(value: str) -> float:
        number, suffix = re.match(r"([\d.]+)(\w+)", value).groups()
        return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[suffix]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    p50 = unit(re.search(r"\s50%\s+(\S+)", output).group(1))
    p99 = unit(re.search(r"\s99%\s+(\S+)", output).group(1))
    non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", output)) else 0
    socket_errors = (
        sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
        if "Socket errors" in output
        else 0
    )
    return {"rps": rps, "total": total, "p50": p50, "p99": p99, "non2xx": non2xx, "socket_errors": socket_errors}


async def count_checkins(session_id: int) -> int:
    from competitions.checkin.tables import Checkin

    return await Checkin.count().where(Checkin.checkin_session == session_id)


def run_engine(args: argparse.Namespace, engine: str) -> dict:
    if engine == "postgresql":
        os.environ["XINMIAO_BENCH_DATABASE_URL"] = os.environ.get(
            "XINMIAO_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        )
    else:
        os.environ.pop("XINMIAO_BENCH_DATABASE_URL", None)
    with Database() as database:
        data = asyncio.run(populate(args.members))
        tmp = Path(tempfile.mkdtemp(prefix="xinmiao-bench-wrk-"))
        tokens_file = tmp / "tokens.txt"
        tokens_file.write_text("\n".join(data["tokens"]) + "\n")
        script = tmp / "scan.lua"
        script.write_text(LUA)
        env = {
            **os.environ,
            "XINMIAO_DATABASE_URL": database.url,
            "XINMIAO_DATA_DIR": str(database.tmp),
            "XINMIAO_SECRET_KEY": SECRET,
            "PYTHONPATH": str(ROOT),
        }
        service_port, bare_port = free_port(), free_port()
        service = start_server("app.main:app", service_port, env)
        bare = start_server("bench.bare_app:app", bare_port, env)
        try:
            token = login(service_port)
            warm = min(2000, len(data["tokens"]) // 10)
            # warm-up: both servers, the service with its own slice of tokens
            wrk(
                service_port,
                "/api/v1/checkin/scan",
                data["session_id"],
                0,
                token,
                tokens_file,
                2,
                args.connections,
                script,
            )
            warmed = asyncio.run(count_checkins(data["session_id"]))
            wrk(bare_port, "/scan", data["session_id"], 0, "", tokens_file, 2, args.connections, script)
            scan_result = wrk(
                service_port,
                "/api/v1/checkin/scan",
                data["session_id"],
                max(warm, warmed),
                token,
                tokens_file,
                args.duration,
                args.connections,
                script,
            )
            bare_result = wrk(
                bare_port, "/scan", data["session_id"], 0, "", tokens_file, args.duration, args.connections, script
            )
        finally:
            for process in (service, bare):
                process.terminate()
                process.wait(timeout=10)
            shutil.rmtree(tmp, ignore_errors=True)
        stored = asyncio.run(count_checkins(data["session_id"])) - warmed
        missing = scan_result["total"] - stored
        if scan_result["total"] > len(data["tokens"]) - max(warm, warmed):
            print(f"  warning: {scan_result['total']} scans but only {len(data['tokens'])} tokens: raise --members")
        return {
            "engine": database.engine_name,
            "scan": scan_result,
            "bare": bare_result,
            "missing": max(missing, 0),
            "stored": stored,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=60000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    engines = ("sqlite", "postgresql") if args.engine == "both" else (args.engine,)
    targets = {"SQLite": 0.4, "PostgreSQL": 0.25}
    for engine in engines:
        r = run_engine(args, engine)
        s, b = r["scan"], r["bare"]
        ratio = s["rps"] / b["rps"] if b["rps"] else 0.0
        errors = s["non2xx"] + s["socket_errors"] + r["missing"]
        target = targets[r["engine"]]
        print(
            f"{r['engine']}: {s['rps']:.0f} scans/s ({s['total']} first scans, {r['stored']} check-ins stored), "
            f"bare Litestar {b['rps']:.0f} req/s, ratio {ratio:.2f} (target >= {target}); "
            f"scan latency p50 {s['p50']:.1f} ms, p99 {s['p99']:.1f} ms (target < 50); "
            f"errors {errors} (non-2xx {s['non2xx']}, socket {s['socket_errors']}, missing check-ins {r['missing']})"
            f" -> {'OK' if ratio >= target and s['p99'] < 50 and errors == 0 else 'MISSED'}",
            flush=True,
        )


if __name__ == "__main__":
    main()
