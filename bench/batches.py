"""Benchmark: the service's latency and memory while a big certificate batch is made.

    python bench/batches.py [--entries 2500] [--students 2] [--interval 0.05] [--engine sqlite|postgresql]

Builds a scratch database as ``bench/certificates.py`` does (``--entries`` approved entries with
``--students`` students each, results finalized, an A4 background image on the award template:
5,000 award certificates by default), starts the service the way ``xinmiao serve`` does (uvicorn,
one worker, ``app.main:app``), logs in as the organizer and starts a batch of every award
certificate (``POST /api/v1/events/{id}/certificate-batches``). While it runs, two clients poll
side by side, each as fast as it gets answers with a pause of ``--interval`` seconds:

- the batch's own status (``GET /api/v1/certificate-batches/{id}``, what the progress bar reads),
- another page of the service (``GET /api/v1/events/{id}``, the event as JSON),

first for ``--baseline`` seconds without a batch (the status of an unknown batch, 404, stands in for
the status poll: what the machine gives anyway), then during the batch; and the resident memory (VmRSS) of the server process and of its child processes (the batch
worker, when there is one) is sampled every 0.1 s. Prints per client the number of requests and
p50 / p99 / max latency, the server's RSS before, at its peak and after, the workers' peak RSS,
the batch's time and pages per second. Target (issue 11, item 13): p99 < 100 ms on both clients,
and the server's RSS growing by far less than the PDF it made.
``--engine postgresql`` uses ``XINMIAO_BENCH_DATABASE_URL`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``).

``--redis URL`` serves with ``XINMIAO_REDIS_URL`` and starts ``xinmiao worker`` beside the server:
the batch goes through the SAQ queue, and the worker's own RSS is printed before the batch, at its
peak and after it, with its job processes' peak. Measured (2 shared cores, 5,000 pages): when the
worker ran jobs in its own process it stayed at its peak after the batch (113 MB before, 262 MB
after); with a child process per job it is at 113 MB before and after, the child peaking at ~180 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from judging_data import SECRET, Database  # noqa: E402

from app.cli import EVENT_LOOP  # noqa: E402  (the loop ``xinmiao serve`` runs)

PASSWORD = "bench-organizer-2026"
TARGET_P99_MS = 100.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of one process in MB (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (the process pool's workers)."""
    out: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text().split()
            for child in map(int, text):
                out += [child, *children(child)]
    except OSError:
        pass
    return out


async def prepare(entries: int, students: int) -> int:
    from certificates import setup

    from app.security import hash_password
    from app.tables import User

    ns = argparse.Namespace(entries=entries, students=students)
    world = await setup(ns)
    await User.update({User.password_hash: hash_password(PASSWORD)}).where(User.username == "org")
    return world["event_id"]


def start_server(port: int, env: dict) -> subprocess.Popen:
    command = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", "1", "--log-level", "warning", "--no-access-log", "--loop", EVENT_LOOP]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode())
            time.sleep(0.1)
    raise RuntimeError("the service did not start")


class Client:
    """One keep-alive HTTP connection with the organizer's bearer token."""

    def __init__(self, port: int, token: str = "") -> None:
        self.port = port
        self.token = token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict, float]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        start = time.perf_counter()
        self.conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = self.conn.getresponse()
        raw = response.read()
        took = (time.perf_counter() - start) * 1000
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {}
        return response.status, data, took


def poller(port: int, token: str, path: str, interval: float, stop: threading.Event, out: dict) -> None:
    client = Client(port, token)
    latencies: list[float] = []
    errors = 0
    while not stop.is_set():
        status, data, took = client.call("GET", path)
        latencies.append(took)
        if status != 200:
            errors += 1
        out["last"] = data
        time.sleep(interval)
    out["latencies"] = latencies
    out["errors"] = errors


def sampler(pid: int, stop: threading.Event, out: dict) -> None:
    server: list[float] = []
    workers: list[float] = []
    while not stop.is_set():
        server.append(rss_mb(pid))
        workers.append(sum(rss_mb(c) for c in children(pid)))
        time.sleep(0.1)
    out["server"] = server
    out["workers"] = workers


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run(args: argparse.Namespace) -> None:
    if args.engine == "postgresql":
        os.environ.setdefault("XINMIAO_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    else:
        os.environ.pop("XINMIAO_BENCH_DATABASE_URL", None)
    with Database() as database:
        t0 = time.perf_counter()
        event_id = asyncio.run(prepare(args.entries, args.students))
        print(f"database: {database.engine_name}; set-up {time.perf_counter() - t0:.0f} s", flush=True)
        env = {
            **os.environ,
            "XINMIAO_DATABASE_URL": database.url,
            "XINMIAO_DATA_DIR": str(database.tmp),
            "XINMIAO_SECRET_KEY": SECRET,
            "PYTHONPATH": str(ROOT),
        }
        env.pop("XINMIAO_REDIS_URL", None)
        worker = None
        if args.redis:
            env["XINMIAO_REDIS_URL"] = args.redis
            worker = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "worker"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
            )
            print(worker.stdout.readline().strip(), flush=True)
            time.sleep(3)  # registered with the queue
        port = free_port()
        server = start_server(port, env)
        worker_memory: dict = {}
        try:
            status, login, _ = Client(port).call(
                "POST", "/api/v1/auth/login", {"username": "org", "password": PASSWORD}
            )
            assert status == 200, login
            token = login["access_token"]
            main = Client(port, token)
            # warm up both paths (first requests compile templates, open connections)
            for _ in range(5):
                main.call("GET", f"/api/v1/events/{event_id}")
            time.sleep(1)
            # the same two clients without a batch: what the machine gives anyway
            idle_stop = threading.Event()
            idle_polls: dict = {}
            idle_pages: dict = {}
            idle = [
                threading.Thread(
                    target=poller,
                    args=(port, token, "/api/v1/certificate-batches/0", args.interval, idle_stop, idle_polls),
                ),
                threading.Thread(
                    target=poller,
                    args=(port, token, f"/api/v1/events/{event_id}", args.interval, idle_stop, idle_pages),
                ),
            ]
            for t in idle:
                t.start()
            time.sleep(args.baseline)
            idle_stop.set()
            for t in idle:
                t.join()
            before = rss_mb(server.pid)
            stop = threading.Event()
            memory: dict = {}
            watch = threading.Thread(target=sampler, args=(server.pid, stop, memory), daemon=True)
            watch.start()
            watchers = [watch]
            if worker is not None:
                worker_memory["before"] = rss_mb(worker.pid)
                watchers.append(threading.Thread(target=sampler, args=(worker.pid, stop, worker_memory), daemon=True))
                watchers[-1].start()
            started = time.perf_counter()
            main = Client(port, token)  # the warm-up connection has been idle past the keep-alive
            status, batch, took = main.call("POST", f"/api/v1/events/{event_id}/certificate-batches", {})
            assert status == 202, batch
            print(f"batch {batch['id']} started in {took:.0f} ms", flush=True)
            polls: dict = {}
            pages: dict = {}
            threads = [
                threading.Thread(
                    target=poller,
                    args=(port, token, f"/api/v1/certificate-batches/{batch['id']}", args.interval, stop, polls),
                ),
                threading.Thread(
                    target=poller, args=(port, token, f"/api/v1/events/{event_id}", args.interval, stop, pages)
                ),
            ]
            for t in threads:
                t.start()
            final: dict = {}
            deadline = time.time() + args.timeout
            while time.time() < deadline:
                time.sleep(0.2)
                final = polls.get("last") or {}
                if final.get("status") in ("done", "failed", "cancelled"):
                    break
            elapsed = time.perf_counter() - started
            time.sleep(0.5)
            stop.set()
            for t in threads + watchers:
                t.join()
            after = rss_mb(server.pid)
            if worker is not None:
                time.sleep(3)
                worker_memory["after"] = rss_mb(worker.pid)
        finally:
            server.terminate()
            server.wait(timeout=20)
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=30)
    print(
        f"batch: {final.get('status')} {final.get('done')}/{final.get('total')} pages in {elapsed:.1f} s "
        f"-> {(final.get('done') or 0) / elapsed:.0f} pages/s; file {(final.get('size') or 0) / 1e6:.1f} MB"
    )
    ok = True
    for label, data in (
        ("no batch: status (404)", idle_polls),
        ("no batch: other page", idle_pages),
        ("status poll", polls),
        ("other page (event JSON)", pages),
    ):
        lat = data.get("latencies") or [0.0]
        p99 = pct(lat, 0.99)
        if not label.startswith("no batch"):
            ok = ok and p99 < TARGET_P99_MS
        print(
            f"{label:<24} {len(lat):5d} requests, errors {data.get('errors', 0)}: p50 {statistics.median(lat):7.1f} ms, "
            f"p99 {p99:7.1f} ms, max {max(lat):7.1f} ms (target p99 < {TARGET_P99_MS:.0f})"
        )
    server_peak = max(memory.get("server") or [0.0])
    workers_peak = max(memory.get("workers") or [0.0])
    print(
        f"server RSS: before {before:.0f} MB, peak {server_peak:.0f} MB (+{server_peak - before:.0f} MB), after "
        f"{after:.0f} MB; batch worker processes' peak RSS {workers_peak:.0f} MB"
    )
    if worker_memory:
        print(
            f"xinmiao worker RSS: before {worker_memory['before']:.0f} MB, peak {max(worker_memory['server']):.0f} MB, "
            f"3 s after the batch {worker_memory['after']:.0f} MB; its job processes' peak "
            f"{max(worker_memory['workers'] or [0.0]):.0f} MB"
        )
    print("-> " + ("OK" if ok else "MISSED"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=2500)
    parser.add_argument("--students", type=int, default=2)
    parser.add_argument("--interval", type=float, default=0.05)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--baseline", type=float, default=10, help="seconds of the same polling before the batch")
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--redis", default="", help="serve with this XINMIAO_REDIS_URL and a `xinmiao worker`")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
