"""Benchmark: the service's latency and memory while big exports are made.

    python bench/exports.py [--entries 2500] [--students 2] [--interval 0.05] [--engine sqlite|postgresql]
                            [--no-pdf]

Builds the scratch database of ``bench/batches.py`` (``--entries`` approved entries with ``--students``
students each, results finalized: 2,500 entries and 5,000 people by default), then measures in this
process what an export costs inline (the results workbook and the full registration export, built as
the server would below :data:`app.exports.exporters.ROWS_IN_PROCESS` rows: the figure behind that
threshold). Then it starts the service as ``xinmiao serve`` does and, for each big export in turn --

- ``GET /api/v1/events/{id}/results.xlsx`` (2,500 entries: results computed, two sheets),
- ``POST /api/v1/events/{id}/registrations/export`` (5,000 rows, ID numbers decrypted),
- ``GET /api/v1/events/{id}/certificates.pdf`` (5,000 pages; ``--no-pdf`` leaves it out),

-- downloads it once while two clients poll side by side as fast as they get answers (with a pause of
``--interval`` seconds): another page (``GET /api/v1/events/{id}``, the event as JSON) and a status poll
(``GET /api/v1/certificate-batches/0``, 404: what a progress bar's poll costs). Prints per export its
time and size, per client p50 / p99 / max latency during it (target p99 < 100 ms, issue 11 item 13),
and the server's RSS before and at its peak (the export's process is a child: its peak is printed
apart). The same polling without any export runs first as the machine's baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from batches import PASSWORD, Client, free_port, pct, poller, prepare, rss_mb, sampler, start_server  # noqa: E402
from judging_data import SECRET, Database  # noqa: E402

TARGET_P99_MS = 100.0


async def inline_costs(event_id: int) -> list[tuple[str, int, float]]:
    """(export, rows, seconds) of the exports made inline, in this process."""
    from app.exports.exporters import workbook_of
    from competitions.events.services import get_event_row
    from competitions.registration import roster
    from judging.results import publication

    out = []
    start = time.perf_counter()
    exporters = publication._results_exporters(event_id, None)
    await workbook_of(*exporters)
    rows = len(await exporters[0].load())  # type: ignore[attr-defined]
    out.append(("results workbook", rows, time.perf_counter() - start))
    start = time.perf_counter()
    exporter = await roster._registrations_exporter(await get_event_row(event_id))
    await exporter.workbook()
    out.append(("registration export", exporter.row_count, time.perf_counter() - start))
    return out


class Download(threading.Thread):
    def __init__(self, port: int, token: str, method: str, path: str, body: dict | None) -> None:
        super().__init__()
        self.args_ = (port, token, method, path, body)
        self.result: tuple[int, int, float] = (0, 0, 0.0)

    def run(self) -> None:
        import http.client
        import json

        port, token, method, path, body = self.args_
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        start = time.perf_counter()
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = conn.getresponse()
        size = len(response.read())
        self.result = (response.status, size, time.perf_counter() - start)


def polled(port: int, token: str, event_id: int, interval: float, during) -> tuple[dict, dict, dict]:
    """Run the two pollers and the memory sampler while ``during()`` runs; their figures."""
    stop = threading.Event()
    pages: dict = {}
    polls: dict = {}
    memory: dict = {}
    threads = [
        threading.Thread(target=poller, args=(port, token, f"/api/v1/events/{event_id}", interval, stop, pages)),
        threading.Thread(target=poller, args=(port, token, "/api/v1/certificate-batches/0", interval, stop, polls)),
    ]
    for t in threads:
        t.start()
    watch = threading.Thread(target=sampler, args=(during.server_pid, stop, memory), daemon=True)
    watch.start()
    during()
    stop.set()
    for t in threads + [watch]:
        t.join()
    return pages, polls, memory


def run(args: argparse.Namespace) -> None:
    if args.engine == "postgresql":
        os.environ.setdefault("XINMIAO_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    else:
        os.environ.pop("XINMIAO_BENCH_DATABASE_URL", None)
    ok = True
    with Database() as database:
        t0 = time.perf_counter()
        event_id = asyncio.run(prepare(args.entries, args.students))
        print(f"database: {database.engine_name}; set-up {time.perf_counter() - t0:.0f} s", flush=True)
        from app.exports.exporters import ROWS_IN_PROCESS

        for label, rows, seconds in asyncio.run(inline_costs(event_id)):
            print(
                f"inline {label:<20} {rows:5d} rows in {seconds * 1000:6.0f} ms "
                f"({seconds * 1000 * 1000 / max(rows, 1):4.0f} ms per 1,000 rows; threshold {ROWS_IN_PROCESS} rows)"
            )
        env = {
            **os.environ,
            "XINMIAO_DATABASE_URL": database.url,
            "XINMIAO_DATA_DIR": str(database.tmp),
            "XINMIAO_SECRET_KEY": SECRET,
            "PYTHONPATH": str(ROOT),
        }
        env.pop("XINMIAO_REDIS_URL", None)
        port = free_port()
        server = start_server(port, env)
        try:
            status, login, _ = Client(port).call(
                "POST", "/api/v1/auth/login", {"username": "org", "password": PASSWORD}
            )
            assert status == 200, login
            token = login["access_token"]
            warm = Client(port, token)
            for _ in range(5):
                warm.call("GET", f"/api/v1/events/{event_id}")

            def idle() -> None:
                time.sleep(args.baseline)

            idle.server_pid = server.pid  # type: ignore[attr-defined]
            pages, polls, _memory = polled(port, token, event_id, args.interval, idle)
            report("no export", pages, polls)
            exports = [
                ("results.xlsx", "GET", f"/api/v1/events/{event_id}/results.xlsx", None),
                (
                    "registrations export",
                    "POST",
                    f"/api/v1/events/{event_id}/registrations/export",
                    {"reason": "bench"},
                ),
            ]
            if not args.no_pdf:
                exports.append(("certificates.pdf", "GET", f"/api/v1/events/{event_id}/certificates.pdf", None))
            for label, method, path, body in exports:
                before = rss_mb(server.pid)
                download = Download(port, token, method, path, body)

                def during(download: Download = download) -> None:
                    download.start()
                    download.join()
                    time.sleep(0.3)

                during.server_pid = server.pid  # type: ignore[attr-defined]
                pages, polls, memory = polled(port, token, event_id, args.interval, during)
                code, size, seconds = download.result
                print(f"{label}: {code}, {size / 1e6:.1f} MB in {seconds:.1f} s", flush=True)
                ok = report(label, pages, polls) and ok
                server_peak = max(memory.get("server") or [0.0])
                print(
                    f"  server RSS before {before:.0f} MB, peak {server_peak:.0f} MB (+{server_peak - before:.0f} MB); "
                    f"export process peak {max(memory.get('workers') or [0.0]):.0f} MB"
                )
        finally:
            server.terminate()
            server.wait(timeout=20)
    print("-> " + ("OK" if ok else "MISSED"))


def report(label: str, pages: dict, polls: dict) -> bool:
    fine = True
    for client, data in (("other page", pages), ("status poll", polls)):
        lat = data.get("latencies") or [0.0]
        p99 = pct(lat, 0.99)
        fine = fine and (label == "no export" or p99 < TARGET_P99_MS)
        print(
            f"  {label:<20} {client:<12} {len(lat):5d} requests: p50 {statistics.median(lat):6.1f} ms, "
            f"p99 {p99:6.1f} ms, max {max(lat):6.1f} ms (target p99 < {TARGET_P99_MS:.0f})",
            flush=True,
        )
    return fine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=2500)
    parser.add_argument("--students", type=int, default=2)
    parser.add_argument("--interval", type=float, default=0.05)
    parser.add_argument("--baseline", type=float, default=5, help="seconds of polling before any export")
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--no-pdf", action="store_true", help="leave out the 5,000-page certificates.pdf")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
