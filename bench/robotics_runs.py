"""Benchmark: robotics runs and standings (issue 13, "Speed").

    python bench/robotics_runs.py [--teams 400] [--rounds 3] [--referees 20] [--contest-teams 200]

1. Standings: a challenge with ``--teams`` approved teams and a run for every team in every
   round (400 x 3 = 1,200 runs, submitted), then every run approved one by one through
   ``judging.robotics.services.approve_run``; after each approval the public standings are
   read as the API and the pages read them (``judging.robotics.cache.category_standings``: the
   changed team reloaded, its line recomputed, all re-ranked, reason lines) and timed. Every
   fourth approval they are also computed from scratch (``services.category_standings``) for
   comparison, and must be equal. Prints p50/p99/max in ms (target: under 50 ms).
2. Concurrent referees: the app under uvicorn (``tests/server.py``'s LiveServer), ``--referees``
   referees each sending their queue over HTTP at the same time, all at once: every team of a
   second challenge is recorded by two referees (one of them gets 409) and every submission is
   sent twice with the same ``client_run_id`` (a tablet's outbox after a dropped answer; a 503
   "database busy" is sent again after ``Retry-After``, as the outbox does). Checks
   that exactly one run per team is stored (none lost, none duplicated), that every replay answered
   what its first send did, and prints the submissions' p50/p99 latency.

``XINMIAO_BENCH_DATABASE_URL`` (``postgresql://postgres@127.0.0.1:5432/postgres``) runs it on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from judging_data import Database

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PASSWORD = "bench-password-2026"
SHEET = {
    "items": [
        {"code": "m1", "name": "搬运能量块", "type": "count", "min": 0, "max": 6, "points": 10},
        {"code": "m2", "name": "开启闸门", "type": "yesno", "points": 25},
        {
            "code": "m3",
            "name": "停泊位置",
            "type": "choice",
            "options": [
                {"value": "none", "points": 0},
                {"value": "partial", "points": 10},
                {"value": "full", "points": 20},
            ],
        },
        {"code": "p1", "name": "触碰场地", "type": "count", "min": 0, "max": 5, "points": -5},
        {"code": "t", "name": "用时", "type": "time", "max": 120},
    ],
    "rounds": 3,
    "counted": {"rule": "best_sum", "k": 2},
    "tiebreaks": ["time_of_counted", "next_best", "round:1", "fewer_penalties", "earliest"],
}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def items(rng: random.Random) -> dict[str, Any]:
    # coarse values so that ties (and the tie-break chain) are common
    return {
        "m1": rng.randint(0, 6),
        "m2": rng.random() < 0.6,
        "m3": rng.choice(["none", "partial", "full"]),
        "p1": rng.randint(0, 2),
        "t": str(rng.randint(60, 120)),
    }


async def build(teams: int, contest_teams: int, referees: int) -> dict[str, Any]:
    """An organizer, ``referees`` referee accounts, a robotics event with challenges R1 (``teams``
    approved teams) and R2 (``contest_teams``), every referee on both, R1's sheet stored."""
    from app import times
    from app.accounts import services as accounts
    from app.tables import School, User
    from competitions.events.tables import Category, Event
    from competitions.registration.tables import Entry
    from judging.robotics import services as robotics

    await School.insert(*[School(code=f"S{i:03d}", name=f"第{i}中学", city="海口市") for i in range(40)])
    school_ids = [r["id"] for r in await School.select(School.id).order_by(School.id)]
    await User.insert(User(username="org", password_hash="x", role="organizer", display_name="组委会"))
    for i in range(referees):
        await accounts.create_user(
            None, username=f"ref{i:02d}", password=PASSWORD, role="referee", display_name=f"裁判{i}"
        )
    from app.accounts.services import load_principal

    org = await load_principal((await User.select(User.id).where(User.username == "org").first())["id"])
    event = (await Event.insert(Event(name="机器人竞赛", kind="robotics", year=2026, status="open")))[0]["id"]
    categories = {}
    for position, code in enumerate(("R1", "R2")):
        categories[code] = (await Category.insert(Category(event=event, code=code, name=code, position=position)))[0][
            "id"
        ]
    now = times.now()
    rows = []
    for code, n in (("R1", teams), ("R2", contest_teams)):
        for i in range(n):
            rows.append(
                Entry(
                    event=event,
                    code=f"{code}-{i:04d}",
                    title=f"{code}队{i}",
                    school=school_ids[i % len(school_ids)],
                    category=categories[code],
                    division="初中",
                    status="approved",
                    created_at=now,
                    updated_at=now,
                )
            )
    for start in range(0, len(rows), 500):
        await Entry.insert(*rows[start : start + 500])
    await robotics.put_sheet(org, event, "R1", SHEET)
    await robotics.put_sheet(org, event, "R2", SHEET)
    for i in range(referees):
        await robotics.add_referee(
            org, event, {"username": f"ref{i:02d}", "category_codes": ["R1", "R2"], "head": i == 0}
        )
    entries = {
        code: [
            r["id"] for r in await Entry.select(Entry.id).where(Entry.category == categories[code]).order_by(Entry.id)
        ]
        for code in categories
    }
    return {"event_id": event, "org": org, "categories": categories, "entries": entries}


async def standings_bench(world: dict[str, Any], rounds: int) -> list[float]:
    """Submit every R1 team's runs, approve them one by one; standings timed after each approval."""

    from piccolo.engine.postgres import PostgresEngine

    from app.db import current_engine

    engine = current_engine()
    if isinstance(engine, PostgresEngine):  # as the service runs (app.db.start_pool)
        await engine.start_connection_pool(min_size=1, max_size=10)
    try:
        return await _standings_bench(world, rounds)
    finally:
        if isinstance(engine, PostgresEngine):
            await engine.close_connection_pool()


async def _standings_bench(world: dict[str, Any], rounds: int) -> list[float]:
    from app.accounts.services import load_principal
    from app.tables import User
    from judging.robotics import services as robotics
    from judging.robotics.tables import Run

    rng = random.Random(13)
    referee = await load_principal((await User.select(User.id).where(User.username == "ref00").first())["id"])
    started = time.perf_counter()
    for round_number in range(1, rounds + 1):
        for entry_id in world["entries"]["R1"]:
            await robotics.submit_run(
                referee, robotics.RunInput(entry_id=entry_id, category_code="R1", round=round_number, items=items(rng))
            )
    print(f"  {await Run.count()} runs submitted through the service in {time.perf_counter() - started:.1f} s")
    run_ids = [
        r["id"] for r in await Run.select(Run.id).where(Run.category == world["categories"]["R1"]).order_by(Run.id)
    ]
    rng.shuffle(run_ids)
    # as the app does (judging/plugin.py): the cache learns which team an approval changed
    from app import signals
    from judging.robotics import cache

    signals.robotics_runs_changed.connect(cache.on_runs_changed)
    timings, approvals, cpu, scratch = [], [], [], []
    last: dict[str, Any] = {}
    await cache.category_standings(world["event_id"], "R1")  # the first read loads everything
    for n, run_id in enumerate(run_ids):
        start = time.perf_counter()
        await robotics.approve_run(world["org"], run_id)
        approvals.append((time.perf_counter() - start) * 1000)
        start, start_cpu = time.perf_counter(), time.process_time()
        last = await cache.category_standings(world["event_id"], "R1")
        timings.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        if n % 4 == 0 or n == len(run_ids) - 1:  # from scratch (the service without the cache), for comparison
            start = time.perf_counter()
            fresh = await robotics.category_standings(world["event_id"], "R1")
            scratch.append((time.perf_counter() - start) * 1000)
            assert fresh == last, "the cached standings differ from the ones computed from scratch"
    print(
        f"  from scratch (services.category_standings, every 4th approval, {len(scratch)} times): "
        f"p50 {percentile(scratch, 50):.1f} ms, p99 {percentile(scratch, 99):.1f} ms, max {max(scratch):.1f} ms"
    )
    ranks = Counter(t["rank"] for t in last["teams"])
    shared = sum(n for n in ranks.values() if n > 1)
    print(
        f"  approve_run: p50 {percentile(approvals, 50):.1f} ms, p99 {percentile(approvals, 99):.1f} ms; "
        f"final standings: {len(last['teams'])} teams, {shared} in shared ranks; "
        f"first line: {last['teams'][0]['counted_score']} - {last['teams'][0]['explanation']}"
    )
    print(
        f"  CPU time of a cached recomputation (this process, database threads included): "
        f"p50 {percentile(cpu, 50):.1f} ms, p99 {percentile(cpu, 99):.1f} ms"
    )
    return timings


def concurrency_bench(world: dict[str, Any], referees: int, url: str) -> dict[str, Any]:
    """``referees`` referees at once over HTTP: every R2 team by two referees, every send twice."""
    import httpx

    tokens = []
    with httpx.Client(base_url=url, timeout=60) as client:
        for i in range(referees):
            response = client.post("/api/v1/auth/login", json={"username": f"ref{i:02d}", "password": PASSWORD})
            response.raise_for_status()
            tokens.append({"Authorization": f"Bearer {response.json()['access_token']}"})
    rng = random.Random(20)
    teams = world["entries"]["R2"]
    queues: list[list[dict[str, Any]]] = [[] for _ in range(referees)]
    for n, entry_id in enumerate(teams):
        body = {"entry_id": entry_id, "category_code": "R2", "round": 1, "items": items(rng)}
        for referee in (n % referees, (n + 1) % referees):  # two tablets record the same team
            send = {**body, "client_run_id": f"tablet-{referee}-{entry_id}"}
            queues[referee] += [send, send]  # and each outbox sends its run twice
    for queue in queues:
        rng.shuffle(queue)
    latencies: list[float] = []
    busy: list[int] = []
    answers: dict[tuple[int, str], list[tuple[int, Any]]] = {}

    async def referee_loop(i: int, start: asyncio.Event) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=120, headers=tokens[i]) as client:
            await start.wait()
            for body in queues[i]:
                began = time.perf_counter()
                response = await client.post("/api/v1/runs", json=body)
                for _retry in range(10):  # as a tablet's outbox does: a 503 (database busy) is sent again
                    if response.status_code != 503:
                        break
                    busy.append(1)
                    await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
                    response = await client.post("/api/v1/runs", json=body)
                latencies.append((time.perf_counter() - began) * 1000)
                answers.setdefault((i, body["client_run_id"]), []).append(
                    (response.status_code, response.json().get("id") if response.status_code == 201 else None)
                )

    async def everyone() -> float:
        start = asyncio.Event()
        tasks = [asyncio.create_task(referee_loop(i, start)) for i in range(referees)]
        await asyncio.sleep(0.1)
        began = time.perf_counter()
        start.set()
        await asyncio.gather(*tasks)
        return time.perf_counter() - began

    elapsed = asyncio.run(everyone())
    statuses = Counter(status for sent in answers.values() for status, _id in sent)
    inconsistent = sum(1 for sent in answers.values() if len(set(sent)) != 1)
    return {
        "elapsed": elapsed,
        "requests": sum(len(q) for q in queues),
        "statuses": dict(statuses),
        "inconsistent_replays": inconsistent,
        "latencies": latencies,
        "busy_retries": len(busy),
        "created_ids": {i for sent in answers.values() for status, i in sent if status == 201},
    }


def main(args: argparse.Namespace) -> int:
    from app.settings import get_settings
    from judging.robotics.tables import Run

    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    world = asyncio.run(build(args.teams, args.contest_teams, args.referees))
    print(f"1. standings of {args.teams} teams x {args.rounds} rounds, recomputed after each approval")
    timings = asyncio.run(standings_bench(world, args.rounds))
    p50, p99 = percentile(timings, 50), percentile(timings, 99)
    print(
        f"  standings recomputation (judging.robotics.cache, as the API and pages): {len(timings)} times, p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
        f"max {max(timings):.1f} ms, mean {statistics.mean(timings):.1f} ms (target < 50 ms) "
        f"{'OK' if p99 < 50 else 'MISSED'}"
    )

    from app.factory import create_app
    from tests.server import LiveServer

    print(
        f"2. {args.referees} referees at once over HTTP, {args.contest_teams} teams each recorded by two, every send twice"
    )
    # the service as it runs: on PostgreSQL with its connection pool (started and closed by the app)
    with LiveServer(create_app(dataclasses.replace(get_settings(), database_pool=True))) as server:
        result = concurrency_bench(world, args.referees, server.url)

    async def stored() -> tuple[int, int, set[int]]:
        rows = await Run.select(Run.id, Run.entry).where(Run.category == world["categories"]["R2"])
        return len(rows), len({r["entry"] for r in rows}), {r["id"] for r in rows}

    runs, teams_with_run, ids = asyncio.run(stored())
    lost = len(world["entries"]["R2"]) - teams_with_run
    duplicated = runs - teams_with_run
    answered_not_stored = len(result["created_ids"] - ids)
    lat = result["latencies"]
    print(
        f"  {result['requests']} requests in {result['elapsed']:.1f} s ({result['requests'] / result['elapsed']:.0f}/s); "
        f"answers {result['statuses']} ({result['busy_retries']} sent again after 503 busy); submit p50 {percentile(lat, 50):.1f} ms, p99 {percentile(lat, 99):.1f} ms"
    )
    print(
        f"  stored {runs} runs for {len(world['entries']['R2'])} teams: lost {lost}, duplicated {duplicated}, "
        f"201 answers naming no stored run {answered_not_stored}, replays answered differently {result['inconsistent_replays']} "
        f"{'OK' if lost == duplicated == answered_not_stored == result['inconsistent_replays'] == 0 else 'FAILED'}"
    )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if lost == duplicated == answered_not_stored == result["inconsistent_replays"] == 0 else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teams", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--referees", type=int, default=20)
    parser.add_argument("--contest-teams", type=int, default=200)
    arguments = parser.parse_args()
    with Database() as database:
        print(f"database: {database.engine_name}")
        code = main(arguments)
    sys.exit(code)
