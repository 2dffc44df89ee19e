"""``xinmiao demo``'s camp: 6 sites, 300 applications in every state, teachers, activities."""

from __future__ import annotations

import time

from competitions import demo
from competitions.camps import attendance
from competitions.camps.tables import CampApplication, CampSite, CampTeacher
from competitions.events.tables import Event


def test_camp_demo(client, run):
    assert run(demo.build_demo())
    started = time.perf_counter()
    assert run(demo.build_camp_demo())
    took = time.perf_counter() - started
    print(f"camp demo built in {took:.1f} s")
    assert not run(demo.build_camp_demo())  # idempotent
    event = run(Event.select().where(Event.kind == "camp").first())
    sites = run(CampSite.select().where(CampSite.event == event["id"]))
    assert len(sites) == 6
    apps = run(
        CampApplication.select(CampApplication.status, CampApplication.site_code).where(
            CampApplication.event == event["id"]
        )
    )
    assert len(apps) == 300
    statuses = {a["status"] for a in apps}
    assert {"offered", "accepted", "declined", "expired", "waiting"} <= statuses, statuses
    capacity = {s["code"]: s["capacity"] for s in sites}
    for code, cap in capacity.items():  # never more seats held than the site has
        assert sum(1 for a in apps if a["site_code"] == code and a["status"] in ("offered", "accepted")) <= cap
    assert run(CampTeacher.count().where((CampTeacher.event == event["id"]) & CampTeacher.site_code.is_not_null())) > 0
    report = run(attendance._report(event["id"]))
    hnu = next(s for s in report["sites"] if s["site_code"] == "HNU")
    assert len(hnu["required"]) == 3 and hnu["completed"] + hnu["short"] == len(hnu["students"]) > 0
    zju = next(s for s in report["sites"] if s["site_code"] == "ZJU")  # its last activity is tomorrow
    assert not zju["decided"] and zju["in_progress"] == len(zju["students"]) > 0
