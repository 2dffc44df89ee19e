"""Benchmark: drawing the badge PDF (参赛证) of a whole event.

    python bench/badges.py [--people 3303] [--profile]

Draws ``--people`` badges (random three-character names, 60 schools, long entry titles, one
credential QR code each) with :func:`competitions.checkin.badges.render_badges`, as the badge job
does in its process (no database: the drawing alone), and prints the time, the pages and the PDF's
size; ``--profile`` prints the 15 functions with the most cumulative time.
Measured (3,303 people, 413 sheets, 2 cores shared by several busy sessions, so compare CPU seconds):
8.6 s of CPU when each badge's QR code was a PIL image (``qrcode`` drawing it module by module, an
8-bit image scaled six times, embedded as an image of its own); 6.3 s with the QR modules drawn as
one vector path per code. What is left is fpdf2's own text cells (~1.7 s), the QR codes' Reed-Solomon
coding in ``qrcode`` (~1.5 s), fitting and wrapping text (~0.8 s) and writing the file (~0.8 s).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from batch_memory import GIVEN, SURNAMES  # noqa: E402

TITLES = (
    "基于物联网的校园垃圾分类智能回收装置的设计与实现",
    "红树林湿地鸟类多样性调查",
    "海南黎锦纹样的数学之美",
    "珊瑚白化与海水温度关系的观察研究",
)


def rows(people: int) -> list[dict]:
    from app.settings import Settings, set_settings
    from competitions.checkin.credentials import credential_for

    set_settings(Settings(data_dir=Path("/tmp"), database_url="sqlite:///:memory:", secret_key="bench-badges"))
    rng = random.Random(3)
    out = []
    for i in range(people):
        entry = i // 3
        out.append(
            {
                "id": i + 1,
                "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                "role": "student" if i % 3 else "adviser",
                "credential": credential_for(i + 1, 1),
                "entry_code": f"PH-J{entry + 1:04d}",
                "entry_title": TITLES[entry % len(TITLES)],
                "division": "初中",
                "category": "物理与天文学",
                "school_code": f"S{entry % 60:03d}",
                "school_name": f"海口市第{entry % 60 + 1}中学",
                "event_name": "2026年海南省青少年科技创新大赛",
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=3303)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    from competitions.checkin.badges import COLUMNS, ROWS, render_badges

    people = rows(args.people)
    render_badges(people[:8])  # fonts loaded, imports done: what every run pays once
    profile = cProfile.Profile() if args.profile else None
    start, cpu = time.perf_counter(), time.process_time()
    if profile:
        profile.enable()
    data, left_out = render_badges(people)
    if profile:
        profile.disable()
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    sheets = -(-(len(people) - len(left_out)) // (COLUMNS * ROWS))
    print(
        f"{len(people)} badges, {sheets} sheets: {took:.1f} s ({cpu:.1f} s of CPU, the figure to compare on a shared "
        f"machine), PDF {len(data) / 1e6:.1f} MB, {len(left_out)} left out"
    )
    if profile:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(15)
        print(out.getvalue())


if __name__ == "__main__":
    main()
