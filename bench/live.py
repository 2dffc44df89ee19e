"""Benchmark: live match screens under load (issue 14, "Speed": ``bench/live.py``).

    python bench/live.py [--viewers 500] [--commits 5] [--workers 1|2] [--engine sqlite|postgresql]

Builds a scratch database (as the other benchmarks: SQLite, or PostgreSQL from
``XINMIAO_BENCH_DATABASE_URL``) with a robotics event, a 2v2 challenge of 24 approved teams,
its score sheet, an organizer and a head referee. Starts the service as ``xinmiao serve`` does
(``--workers 2`` needs PostgreSQL and Redis: ``XINMIAO_REDIS_URL``, default
``redis://127.0.0.1:6379/0`` then), generates the schedule through the API, and opens
``--viewers`` Server-Sent-Events connections to the event's live stream
(``GET /api/v1/events/{id}/live``, raw asyncio sockets) that each wait for the state replayed on
connect. Then, ``--commits`` times: the head referee scores a match, (after the live stream's
coalescing window) commits it through the API, and every viewer's arrival of the
``event: match`` for that match is timed from the moment the commit request was sent.

Prints how long until all viewers had the state replayed on connect (in waves of ``--wave``) and
each viewer's connect time (connection opened -> state received: p50/p99/max; the state is built
once per change and sent to every viewer, judging/robotics/livecache.py; target: 500 viewers in a
few seconds), then per commit the time until the last viewer had the event, and over all
deliveries p50/p99/max (target: the last viewer under 1 s on one worker, and with two workers on Redis).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from judging_data import SECRET, Database  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-2026"
SHEET = {
    "items": [
        {"code": "goals", "name": "进球", "type": "count", "min": 0, "max": 20, "points": 5},
        {"code": "fouls", "name": "犯规", "type": "count", "min": 0, "max": 10, "points": -3},
    ],
    "rounds": 1,
    "counted": {"rule": "best"},
    "tiebreaks": [],
}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def build(teams: int) -> int:
    """Organizer ``org``, head referee ``head``, a robotics event (open) with challenge V of ``teams``
    approved teams and its sheet. Returns the event id."""
    from app import times
    from app.accounts import services as accounts
    from app.accounts.services import load_principal
    from app.tables import School, User
    from competitions.events.tables import Category, Event
    from competitions.registration.tables import Entry
    from judging.robotics import services as robotics

    await School.insert(*[School(code=f"S{i:03d}", name=f"第{i}中学", city="海口市") for i in range(12)])
    schools = [r["id"] for r in await School.select(School.id).order_by(School.id)]
    await accounts.create_user(None, username="org", password=PASSWORD, role="organizer", display_name="组委会")
    await accounts.create_user(None, username="head", password=PASSWORD, role="referee", display_name="主裁判")
    org = await load_principal((await User.select(User.id).where(User.username == "org").first())["id"])
    event = (await Event.insert(Event(name="机器人竞赛（基准）", kind="robotics", year=2026, status="open")))[0]["id"]
    category = (await Category.insert(Category(event=event, code="V", name="VEX 对抗赛", position=0)))[0]["id"]
    now = times.now()
    await Entry.insert(
        *[
            Entry(
                event=event,
                code=f"V-{i:03d}",
                title=f"V队{i}",
                school=schools[i % len(schools)],
                category=category,
                division="初中",
                status="approved",
                created_at=now,
                updated_at=now,
            )
            for i in range(teams)
        ]
    )
    await robotics.put_sheet(org, event, "V", SHEET)
    await robotics.add_referee(org, event, {"username": "head", "category_codes": ["V"], "head": True})
    return int(event)


def start(port: int, workers: int, env: dict[str, str]) -> subprocess.Popen:
    xinmiao = Path(sys.executable).with_name("xinmiao")
    command = [str(xinmiao), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                time.sleep(1.0 if workers > 1 else 0.2)  # let every worker start
                return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode() if process.stderr else "serve failed")
            time.sleep(0.1)
    raise RuntimeError("the service did not start")


class Viewer:
    """One SSE client on a raw socket: records when the state arrived and when each ``match`` event
    arrived (``(time, match_id)``)."""

    def __init__(self, port: int, path: str) -> None:
        self.port = port
        self.path = path
        self.state = asyncio.Event()
        self.started: float | None = None  # when the connection was opened
        self.stated: float | None = None  # when the state replayed on connect had arrived
        self.state_data: dict[str, Any] | None = None
        self.matches: list[tuple[float, int | None]] = []
        self.task: asyncio.Task | None = None
        self.error: str | None = None

    async def run(self) -> None:
        try:
            self.started = time.perf_counter()
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port, limit=2**22)
            writer.write(f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode())
            await writer.drain()
            status = await reader.readline()
            if b" 200 " not in status:
                raise RuntimeError(status.decode().strip())
            while (await reader.readline()).strip():
                pass  # headers
            chunked = True
            event, data = "", []
            while True:
                line = await reader.readline()
                if not line:
                    return
                text = line.decode("utf-8", "replace").rstrip("\r\n")
                if chunked and _is_chunk_size(text):
                    continue
                if text.startswith("event:"):
                    event = text[6:].strip()
                elif text.startswith("data:"):
                    data.append(text[5:].strip())
                elif text == "" and (event or data):
                    now = time.perf_counter()
                    if event == "state":
                        self.stated = now
                        try:
                            self.state_data = json.loads("".join(data))
                        except ValueError:
                            pass
                        self.state.set()
                    elif event == "match":
                        try:
                            self.matches.append((now, json.loads("".join(data)).get("match_id")))
                        except ValueError:
                            pass
                    event, data = "", []
        except Exception as exc:  # noqa: BLE001 - reported in the figures
            self.error = str(exc) or type(exc).__name__
            self.state.set()


def _committed(state: dict[str, Any] | None, match_id: int) -> bool:
    """Whether the live state shows match ``match_id`` committed."""
    for challenge in (state or {}).get("matches", []):
        for match in challenge.get("matches", []):
            if match.get("id") == match_id:
                return bool(match.get("status") == "committed")
    return False


def _is_chunk_size(text: str) -> bool:
    return bool(text) and len(text) <= 8 and all(c in "0123456789abcdefABCDEF" for c in text)


async def drive(port: int, event_id: int, viewers: int, commits: int, wave: int) -> dict[str, Any]:
    import httpx

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:

        async def token(username: str) -> dict[str, str]:
            r = await client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
            r.raise_for_status()
            return {"Authorization": f"Bearer {r.json()['access_token']}"}

        org, head = await token("org"), await token("head")
        made = await client.post(
            f"/api/v1/events/{event_id}/categories/V/schedule",
            json={"matches_per_team": 4, "teams_per_alliance": 2, "fields": 2, "min_gap": 2, "seed": 1},
            headers=org,
        )
        made.raise_for_status()
        matches = made.json()["matches"]
        crowd = [Viewer(port, f"/api/v1/events/{event_id}/live") for _ in range(viewers)]
        started = time.perf_counter()
        for i in range(0, viewers, wave):  # connect in waves, as a hall of phones would
            for v in crowd[i : i + wave]:
                v.task = asyncio.ensure_future(v.run())
            await asyncio.gather(*(v.state.wait() for v in crowd[i : i + wave]))
        connected = time.perf_counter() - started
        failed = [v.error for v in crowd if v.error]
        connects = [v.stated - v.started for v in crowd if v.stated is not None and v.started is not None]
        results = []
        for match in matches[:commits]:
            score = await client.put(
                f"/api/v1/matches/{match['id']}/score",
                json={"red": {"items": {"goals": 3, "fouls": 0}}, "blue": {"items": {"goals": 1, "fouls": 0}}},
                headers=head,
            )
            score.raise_for_status()
            await asyncio.sleep(1.5)  # past the stream's coalescing window (0.5 s): the commit is sent at once
            t0 = time.perf_counter()
            committed = await client.post(f"/api/v1/matches/{match['id']}/commit", headers=head)
            answered = time.perf_counter() - t0
            committed.raise_for_status()
            deadline = time.perf_counter() + 30
            while time.perf_counter() < deadline:
                if all(v.error or any(t >= t0 and m == match["id"] for t, m in v.matches) for v in crowd):
                    break
                await asyncio.sleep(0.01)
            delays = [
                min((t - t0 for t, m in v.matches if t >= t0 and m == match["id"]), default=float("inf"))
                for v in crowd
                if not v.error
            ]
            results.append({"answered": answered, "delays": delays})
        # viewers connecting right after the last commit (on any worker) get the committed match
        late = [Viewer(port, f"/api/v1/events/{event_id}/live") for _ in range(20)]
        for v in late:
            v.task = asyncio.ensure_future(v.run())
        await asyncio.gather(*(v.state.wait() for v in late))
        last_id = matches[: max(commits, 1)][-1]["id"] if commits else None
        fresh = sum(1 for v in late if last_id is not None and _committed(v.state_data, last_id))
        crowd += late
        for v in crowd:
            if v.task:
                v.task.cancel()
        await asyncio.gather(*(v.task for v in crowd if v.task), return_exceptions=True)
        return {
            "fresh": fresh,
            "late": len(late),
            "connected": connected,
            "connects": connects,
            "failed": failed,
            "results": results,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=int, default=500)
    parser.add_argument("--commits", type=int, default=5)
    parser.add_argument("--teams", type=int, default=24)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--wave", type=int, default=50, help="viewers opening their stream together")
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    if args.engine == "postgresql":
        os.environ.setdefault("XINMIAO_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    else:
        os.environ.pop("XINMIAO_BENCH_DATABASE_URL", None)
    if args.workers > 1 and args.engine != "postgresql":
        sys.exit("--workers 2 needs --engine postgresql (and Redis)")
    with Database() as database:
        event_id = asyncio.run(build(args.teams))
        env = {
            **os.environ,
            "XINMIAO_DATABASE_URL": database.url,
            "XINMIAO_DATA_DIR": str(database.tmp),
            "XINMIAO_SECRET_KEY": SECRET,
            "PYTHONPATH": str(ROOT),
        }
        if args.workers > 1:
            env.setdefault("XINMIAO_REDIS_URL", "redis://127.0.0.1:6379/0")
        port = free_port()
        server = start(port, args.workers, env)
        try:
            out = asyncio.run(drive(port, event_id, args.viewers, args.commits, args.wave))
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
    label = f"{database.engine_name}, {args.workers} worker{'s' if args.workers > 1 else ''}"
    if args.workers > 1:
        label += " + Redis"
    connects = out["connects"] or [float("inf")]
    print(
        f"{label}: {args.viewers} viewers connected (state replayed to each, waves of {args.wave}) in "
        f"{out['connected']:.2f} s; connect time p50 {percentile(connects, 50) * 1000:.0f} ms, "
        f"p99 {percentile(connects, 99) * 1000:.0f} ms, max {max(connects) * 1000:.0f} ms"
        f"; failed connections {len(out['failed'])}" + (f" (first: {out['failed'][0]})" if out["failed"] else "")
    )
    everything: list[float] = []
    lasts = []
    for i, r in enumerate(out["results"], start=1):
        delays = r["delays"]
        missing = sum(1 for d in delays if d == float("inf"))
        got = [d for d in delays if d != float("inf")]
        everything += got
        last = max(delays) if delays else float("inf")
        lasts.append(last)
        print(
            f"  commit {i}: API answered in {r['answered'] * 1000:.0f} ms; last viewer had the event after "
            f"{last * 1000:.0f} ms (p50 {percentile(got, 50) * 1000:.0f} ms){f'; {missing} never got it' if missing else ''}"
        )
    if everything:
        worst = max(lasts)
        print(
            f"  all deliveries ({len(everything)}): p50 {percentile(everything, 50) * 1000:.0f} ms, "
            f"p99 {percentile(everything, 99) * 1000:.0f} ms, max {max(everything) * 1000:.0f} ms; "
            f"last viewer per commit: worst {worst * 1000:.0f} ms (target < 1000 ms) -> "
            f"{'OK' if worst < 1.0 else 'MISSED'}"
        )
        print(
            f"  {out['late']} viewers connecting after the last commit: {out['fresh']} got a state with it committed"
            f" (the cached state is rebuilt after a change made through any worker)"
        )


if __name__ == "__main__":
    main()
