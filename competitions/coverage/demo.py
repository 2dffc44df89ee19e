"""Demo data of the coverage report (``xinmiao demo``, after every programme's demo): the innovation
contests of the two school years before this one (closed; part of this year's students took part then
too, so year over year and returning students have something to show), students enrolled per county
and division (figures of the demo's own making, in the proportions of Hainan's counties), and the
report's snapshots for the five most recent school years. Deterministic and idempotent."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from app.accounts import services as accounts
from app.db import write_transaction
from app.region_codes import REGIONS
from app.tables import User
from app.times import now
from competitions.coverage import services as coverage
from competitions.coverage.tables import CoverageEnrolment
from competitions.events import services as events
from competitions.events.tables import Category, Event
from competitions.registration.tables import Entry, Member

# students enrolled per county, in thousands (demo figures, roughly in proportion to the counties' people)
ENROLMENT_THOUSANDS = {
    "460100": 420,
    "460200": 150,
    "460300": 1,
    "460400": 140,
    "469001": 16,
    "469002": 78,
    "469005": 80,
    "469006": 82,
    "469007": 68,
    "469021": 40,
    "469022": 38,
    "469023": 74,
    "469024": 64,
    "469025": 24,
    "469026": 34,
    "469027": 70,
    "469028": 56,
    "469029": 22,
    "469030": 26,
}
DIVISION_SHARE = {"小学": 0.58, "初中": 0.27, "高中": 0.15}
PAST_YEARS = ((1, 0.7), (2, 0.5))  # years back, share of this year's entries that took part then too
# schools that joined nothing yet: the report lists them (rural schools of three autonomous counties)
IDLE_SCHOOLS = (("469025", "白沙思源实验学校"), ("469030", "琼中思源实验学校"), ("469029", "保亭思源实验学校"))


async def build_coverage_demo(seed: int = 2026) -> bool:
    """Returns ``True`` if it created the data (skipped once any enrolment exists)."""
    if await CoverageEnrolment.exists():
        return False
    org_row = await User.select(User.id).where(User.username == "org").first()
    current = await Event.select().where(Event.kind == "innovation").order_by(Event.id).first()
    if org_row is None or current is None:
        return False
    org = await accounts.load_principal(org_row["id"])
    rng = random.Random(seed)
    this_year = await coverage.current_year()
    closes = current["registration_closes_at"] or now()
    categories = {
        c["code"]: c["id"]
        for c in await Category.select(Category.id, Category.code).where(Category.event == current["id"])
    }
    entries = await Entry.select().where((Entry.event == current["id"]) & Entry.status.is_in(["approved", "submitted"]))
    members = await Member.select().where((Member.event == current["id"]) & (Member.role == "student"))
    by_entry: dict[int, list[dict[str, Any]]] = {}
    for m in members:
        by_entry.setdefault(m["entry"], []).append(m)
    code_of = {v: k for k, v in categories.items()}
    for back, share in PAST_YEARS:
        past_closes = closes - dt.timedelta(days=365 * back)
        event = await events.create_event(
            org,
            {
                "name": f"{current['year'] - back}年海南省青少年科技创新大赛",
                "kind": "innovation",
                "year": current["year"] - back,
                "registration_opens_at": (past_closes - dt.timedelta(days=60)).isoformat(),
                "registration_closes_at": past_closes.isoformat(),
            },
        )
        past_categories = {
            c["code"]: c["id"]
            for c in await Category.select(Category.id, Category.code).where(Category.event == event["id"])
        }
        chosen = [e for e in entries if rng.random() < share]

        async def work(event_id: int = event["id"], chosen: list[dict[str, Any]] = chosen) -> None:
            await Event.update({Event.status: "closed"}).where(Event.id == event_id)
            rows = [
                Entry(
                    event=event_id,
                    code=e["code"],
                    title=e["title"],
                    school=e["school"],
                    category=past_categories[code_of[e["category"]]],
                    division=e["division"],
                    status="approved",
                    summary=e["summary"],
                    created_by=org.id,
                    submitted_at=past_closes,
                    reviewed_at=past_closes,
                )
                for e in chosen
            ]
            ids = [r["id"] for r in await Entry.insert(*rows).returning(Entry.id)] if rows else []
            copies = []  # the same students (their ID hash) in last years' entries: a member is copied whole
            for new_id, e in zip(ids, chosen):
                for m in by_entry.get(e["id"], []):
                    values = {k: v for k, v in m.items() if k not in ("id", "entry", "event")}
                    copies.append(Member(entry=new_id, event=event_id, **values))
            for start in range(0, len(copies), 300):
                await Member.insert(*copies[start : start + 300])

        await write_transaction(work)

    async def enrolment() -> None:
        at = now()
        rows = []
        for year, factor in ((this_year, 1.0), (this_year - 1, 0.98)):
            for region in REGIONS:
                total = ENROLMENT_THOUSANDS.get(region.code, 10) * 1000 * factor
                for division, part in DIVISION_SHARE.items():
                    rows.append(
                        CoverageEnrolment(
                            year=year,
                            region=region.code,
                            division=division,
                            enrolled=int(round(total * part, -1)),
                            imported_at=at,
                            imported_by=org.id,
                        )
                    )
        await CoverageEnrolment.insert(*rows)

    await write_transaction(enrolment)
    from app.tables import School

    for code, name in IDLE_SCHOOLS:
        region = next(r for r in REGIONS if r.code == code)
        school_code = f"{code[2:]}09"
        if not await School.exists().where(School.code == school_code):
            await School.insert(
                School(
                    code=school_code,
                    name=name,
                    city=region.name,
                    region=code,
                    rural=True,
                    created_at=now(),
                    updated_at=now(),
                )
            )
    await coverage.recompute(range(this_year - coverage.WINDOW + 1, this_year + 1), org)
    return True
