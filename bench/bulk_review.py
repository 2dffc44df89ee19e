"""Benchmark: an organizer's bulk review ("approve all shown") of many waiting entries.

    python bench/bulk_review.py [--entries 1100] [--engine sqlite|postgresql]

Builds a scratch database as ``bench/judging_data.py`` does (one contest, 60 schools), with
``--entries`` entries waiting for review (``submitted``, one consenting student and one or two
advisers each, no documents required), then times, as the entries page's "全部通过当前列出的"
button does: listing the waiting entries (:func:`competitions.registration.services.list_entries`)
and approving them all in one decision (:func:`competitions.registration.services.review_entries`).
Prints both times and checks that every entry is approved with one audit row each.
Target (issue 11): well under 3 s for 1,100 entries on SQLite. Measured (2 shared cores): 39 s when
each entry was reviewed on its own (its own checks, transaction and read-back); see README.
``--engine postgresql`` uses ``XINMIAO_BENCH_DATABASE_URL`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from judging_data import Database, build  # noqa: E402

TARGET_SECONDS = 3.0


async def prepare(entries: int) -> dict:
    from competitions.events.tables import Category, Event
    from competitions.registration.tables import Entry, Member

    world = await build(entries=entries, judges=0)
    event_id = world["event_id"]
    await Event.update({Event.required_documents: [], Event.min_advisers: 0}).where(Event.id == event_id)
    await Category.update({Category.required_documents: None}).where(Category.event == event_id)
    await Entry.update({Entry.status: "submitted"}).where(Entry.event == event_id)
    ids = [r["id"] for r in await Entry.select(Entry.id).where(Entry.event == event_id).order_by(Entry.id)]
    students = [
        Member(
            entry=i,
            event=event_id,
            role="student",
            name=f"学生{n}",
            grade="初二",
            consent_participation=True,
            position=0,
        )
        for n, i in enumerate(ids)
    ]
    for start in range(0, len(students), 500):
        await Member.insert(*students[start : start + 500])
    return world


async def review(world: dict) -> tuple[float, float, int]:
    from app import db
    from competitions.events.services import get_event
    from competitions.registration import services as registration

    await db.start_pool()
    try:
        actor, event_id = world["organizer"], world["event_id"]
        start = time.perf_counter()
        event = await get_event(event_id, actor)
        waiting = registration.awaiting_review(actor, event)
        ids = [e["id"] for e in await registration.list_entries(actor, event_id, {}) if e["status"] in waiting]
        listed = time.perf_counter() - start
        start = time.perf_counter()
        outcome = await registration.review_entries(actor, event_id, ids, "approve")
        took = time.perf_counter() - start
        assert not outcome["skipped"], outcome["skipped"][:3]
        return listed, took, len(outcome["reviewed"])
    finally:
        await db.close_pool()


async def check(event_id: int, n: int) -> None:
    from app.tables import AuditLog
    from competitions.registration.tables import Entry

    approved = await Entry.count().where((Entry.event == event_id) & (Entry.status == "approved"))
    audited = await AuditLog.count().where(
        (AuditLog.event_id == event_id) & (AuditLog.action == "entry.review.approve")
    )
    assert approved == n == audited, (approved, n, audited)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1100)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    if args.engine == "postgresql":
        os.environ.setdefault("XINMIAO_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    else:
        os.environ.pop("XINMIAO_BENCH_DATABASE_URL", None)
    with Database() as database:
        world = asyncio.run(prepare(args.entries))
        listed, took, n = asyncio.run(review(world))
        asyncio.run(check(world["event_id"], args.entries))
        print(
            f"{database.engine_name}: {n} entries approved in one decision in {took:.2f} s "
            f"(listing the waiting entries {listed:.2f} s); target < {TARGET_SECONDS:.0f} s -> "
            + ("OK" if took + listed < TARGET_SECONDS else "MISSED")
        )


if __name__ == "__main__":
    main()
