"""Benchmark: qualification schedules (issue 14, "Speed").

    python bench/schedule.py [--teams 64] [--matches 6] [--alliance 2] [--fields 4] [--gap 3] [--seeds 3]

For each seed: the time to generate the schedule (``judging.matches.schedule.generate``; target
under 10 s for 64 teams x 6 matches, 2v2, 4 fields, gap 3) and its MatchRater penalty beside the
penalty of a random valid schedule from the same start (the search stopped at the first schedule
that keeps every hard rule). Lower is better.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from judging.matches.schedule import generate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=64)
    parser.add_argument("--matches", type=int, default=6)
    parser.add_argument("--alliance", type=int, default=2)
    parser.add_argument("--fields", type=int, default=4)
    parser.add_argument("--gap", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    teams = list(range(1, args.teams + 1))
    print(
        f"{args.teams} teams x {args.matches} matches, {args.alliance}v{args.alliance}, "
        f"{args.fields} fields, gap {args.gap}"
    )
    print(
        f"{'seed':>6} {'seconds':>8} {'matches':>8} {'penalty':>8} {'random':>8} {'min gap':>8} {'rep.partners':>13} {'rep.opponents':>14}"
    )
    for seed in range(1, args.seeds + 1):
        start = time.perf_counter()
        schedule = generate(teams, args.matches, args.alliance, args.fields, args.gap, seed)
        seconds = time.perf_counter() - start
        baseline = generate(teams, args.matches, args.alliance, args.fields, args.gap, seed, optimize=False)
        q = schedule.quality
        print(
            f"{seed:>6} {seconds:>8.2f} {len(schedule.matches):>8} {q.penalty:>8} {baseline.quality.penalty:>8} "
            f"{q.min_gap:>8} {q.repeated_partners:>13} {q.repeated_opponents:>14}"
        )


if __name__ == "__main__":
    main()
