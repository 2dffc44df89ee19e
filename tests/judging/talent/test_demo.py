"""``xinmiao demo``'s talent programme: 3 universities, 12 mentors, about 120 applications, interviews
scored, the matching applied (stable, within capacities), a cohort mid-year with logs, visits, the
mid-term held (one student left) and a reminder list."""

from __future__ import annotations

import time

from app.plugins import DEMO_PASSWORD
from competitions import demo
from competitions.events.tables import Event
from competitions.talent import growth
from competitions.talent import services as talent
from competitions.talent.tables import GrowthLog, Interview, Mentor, TalentApplication
from judging.talent import demo as talent_demo


def test_talent_demo(client, run):
    assert run(demo.build_demo())
    started = time.perf_counter()
    assert run(talent_demo.build_talent_demo(DEMO_PASSWORD))
    took = time.perf_counter() - started
    print(f"talent demo built in {took:.1f} s")
    assert not run(talent_demo.build_talent_demo(DEMO_PASSWORD))  # idempotent
    event = run(Event.select().where(Event.kind == "talent").first())
    mentors = run(Mentor.select().where(Mentor.event == event["id"]))
    assert len(mentors) == 12 and len({m["university"] for m in mentors}) == 3
    apps = run(TalentApplication.select().where(TalentApplication.event == event["id"]))
    assert len(apps) == 120
    statuses = {a["status"] for a in apps}
    assert {"not_invited", "matched", "unmatched", "left"} <= statuses, statuses
    for m in mentors:
        assert sum(1 for a in apps if a["mentor"] == m["id"] and a["status"] in talent.IN_PROGRAMME) <= m["capacity"]
    scored = run(Interview.count().where((Interview.event == event["id"]) & Interview.score.is_not_null()))
    assert scored > 50
    assert run(GrowthLog.count().where(GrowthLog.event == event["id"])) > 100
    from app.accounts import services as accounts
    from app.tables import User

    org = run(accounts.load_principal(run(User.select(User.id).where(User.username == "org").first())["id"]))
    cohort = run(growth.cohort(org, event["id"]))
    assert cohort["counts"]["left"] == 1 and cohort["behind"]
    # a realistic reminder list: a few students (behind on logs, plan or the mid-term), not half the
    # cohort; nobody logging on time is listed for hours alone
    training = [s for s in cohort["students"] if s["status"] == "matched"]
    assert len(cohort["behind"]) <= len(training) // 3, [(s["name"], s["behind"]) for s in cohort["behind"]]
    for s in cohort["behind"]:
        if any("小时" in b for b in s["behind"]):
            assert any("成长日志" in b for b in s["behind"]), s
    # interviews: nobody is in two rooms at once, and they start on the hour or every 20 minutes
    times: dict[int, list[object]] = {}
    for i in run(Interview.select().where(Interview.event == event["id"])):
        times.setdefault(i["application"], []).append(i["starts_at"])
        assert i["starts_at"].second == 0 and i["starts_at"].minute % 20 == 0
    assert all(len(t) == len(set(t)) for t in times.values())
    # the applied matching is stable by the independent check (the preview recomputes it from the
    # rankings and scores as they stand)
    preview = run(talent.run_allocation(org, event["id"], False))
    assert preview["blocking_pairs"] == []
