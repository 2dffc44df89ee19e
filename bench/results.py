"""Benchmark: rankings and awards for 3,000 entries, 150 judges, 5 scores each.

    python bench/results.py [--entries 3000] [--judges 150] [--k 5] [--runs 3] [--profile]

Builds a temporary database (see ``bench/judging_data.py``), assigns k judges per entry,
stores a complete score sheet for every assignment, then times
``judging.results.services.compute_results`` with each aggregation method (mean, trimmed_mean,
zscore): loading, recomputing every judge score from the points, aggregating, rounding,
ranking per category and division, and award tiers. Prints the best time per method.
Target on a 2-core machine: under 1 s per method. ``XINMIAO_BENCH_DATABASE_URL`` runs it on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import time
from collections import Counter

from judging_data import Database, build, complete_scores

METHODS = ("mean", "trimmed_mean", "zscore")


async def main(args: argparse.Namespace) -> None:
    from judging.panels import assignments
    from judging.results.services import compute_results

    world = await build(args.entries, args.judges)
    event_id = world["event_id"]
    answer = await assignments.generate(world["organizer"], event_id, args.k)
    scores = await complete_scores(event_id)
    print(
        f"{args.entries} entries, {args.judges} judges, {answer['assignments']} assignments, {scores} complete score sheets, "
        f"{len(answer['unassigned_entries'])} entries short of k={args.k}"
    )
    worst = 0.0
    for method in METHODS:
        times, cpu = [], []
        for run in range(args.runs):
            profiler = cProfile.Profile() if args.profile and run == 0 else None
            start, start_cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            result = await compute_results(event_id, method)
            if profiler:
                profiler.disable()
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            if profiler:
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(20)
        rows = result["entries"]
        awards = Counter(r["award"] for r in rows)
        complete = sum(1 for r in rows if r["status"] == "complete")
        best = min(times)
        worst = max(worst, best)
        print(
            f"{method:13s} best {best:.3f} s of {args.runs} (median {statistics.median(times):.3f} s, CPU {min(cpu):.3f} s)  ({complete} ranked; first {awards['first']}, second {awards['second']}, "
            f"third {awards['third']}, none {awards[None]})"
        )
    print(f"compute_results: slowest method {worst:.3f} s (target < 1 s) {'OK' if worst < 1 else 'MISSED'}")


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
