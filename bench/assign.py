"""Benchmark: judge assignment for 3,000 entries and 150 judges with conflicts.

    python bench/assign.py [--entries 3000] [--judges 150] [--k 5] [--runs 3] [--profile]

Builds a temporary database (see ``bench/judging_data.py``), then times
``judging.panels.assignments.generate`` (k judges per entry, every conflict checked, loads
balanced) and prints, per run: seconds, the number of assignments, the load spread
(max - min over judges) and the number of entries that could not get k judges.
Target on a 2-core machine: under 10 s. ``XINMIAO_BENCH_DATABASE_URL`` runs it on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import time
from collections import Counter

from judging_data import Database, build


async def main(args: argparse.Namespace) -> None:
    from competitions.events.services import get_event_row
    from judging.panels import assignments
    from judging.panels.services import conflict_reason, judge_profiles
    from judging.scoring.tables import Assignment

    world = await build(args.entries, args.judges)
    event_id, organizer = world["event_id"], world["organizer"]
    times = []
    for run in range(args.runs):
        profiler = cProfile.Profile() if args.profile and run == 0 else None
        start, start_cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        answer = await assignments.generate(organizer, event_id, args.k, seed=run + 1)
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - start_cpu
        times.append(elapsed)
        rows = await Assignment.select(Assignment.entry, Assignment.judge)
        load = Counter(r["judge"] for r in rows)
        print(
            f"run {run + 1}: {elapsed:6.2f} s (CPU {cpu:.2f} s)  assignments {answer['assignments']}  "
            f"load min {min(load.values())} max {max(load.values())} spread {max(load.values()) - min(load.values())}  "
            f"unassigned entries {len(answer['unassigned_entries'])}"
        )
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    # check the result once: k distinct judges per entry, every judge eligible
    event = await get_event_row(event_id)
    judges = {j.user_id: j for j in await judge_profiles(event_id)}
    entries = {e.entry_id: e for e in await assignments.entry_profiles([r["entry"] for r in rows])}
    per_entry = Counter(r["entry"] for r in rows)
    bad = [
        r
        for r in rows
        if entries[r["entry"]].category_code not in judges[r["judge"]].category_codes
        or conflict_reason(judges[r["judge"]], entries[r["entry"]], event["judge_city_conflict"])
    ]
    print(
        f"checked: {len(rows)} assignments, {len(per_entry)} entries, "
        f"{sum(1 for n in per_entry.values() if n == args.k)} with k={args.k} judges, conflicted or ineligible: {len(bad)}"
    )
    best = min(times)
    print(
        f"assignments.generate ({args.entries} entries, {args.judges} judges, k={args.k}): best {best:.2f} s "
        f"(target < 10 s) {'OK' if best < 10 else 'MISSED'}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=3000)
    parser.add_argument("--judges", type=int, default=150)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    arguments = parser.parse_args()
    with Database() as database:
        print(f"database: {database.engine_name}")
        asyncio.run(main(arguments))
