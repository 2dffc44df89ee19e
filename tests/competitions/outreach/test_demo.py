"""``xinmiao demo``'s outreach: 10 experts, 40 topics, 60 requests, two tours (one delivered, one
confirmed ahead), open requests left to plan; idempotent (its build time is printed, not asserted)."""

from __future__ import annotations

import time

from competitions import demo
from competitions.outreach import demo as outreach_demo
from competitions.outreach.tables import Expert, Talk, TalkRequest, Topic, Tour


def test_outreach_demo(client, run):
    assert run(demo.build_demo())
    started = time.perf_counter()
    assert run(outreach_demo.build_outreach_demo())
    took = time.perf_counter() - started
    print(f"outreach demo built in {took:.2f} s")  # a figure, not a target: the machine may be busy
    assert not run(outreach_demo.build_outreach_demo())  # idempotent
    assert run(Expert.count()) == 10 and run(Expert.count().where(Expert.user.is_not_null())) == 3
    assert run(Topic.count()) == 40
    assert run(TalkRequest.count()) == 60
    tours = run(Tour.select().order_by(Tour.starts_on))
    assert [t["status"] for t in tours] == ["confirmed", "confirmed"]
    done, coming = tours
    talks = run(Talk.select(Talk.tour, Talk.status, Talk.audience, Talk.rating))
    past = [t for t in talks if t["tour"] == done["id"]]
    assert len(past) >= 10 and sum(1 for t in past if t["status"] == "delivered") == len(past) - 2
    assert all(t["audience"] > 0 and 1 <= t["rating"] <= 5 for t in past if t["status"] == "delivered")
    assert {t["status"] for t in talks if t["tour"] == coming["id"]} == {"scheduled"}
    assert run(TalkRequest.count().where(TalkRequest.status == "open")) >= 20  # left for a fresh user to plan
    # every school that asked for a talk has a contact teacher the expert's itinerary prints
    from app.tables import School

    asked = {r["school"] for r in run(TalkRequest.select(TalkRequest.school))}
    schools = run(
        School.select(School.id, School.contact_name, School.contact_phone_enc).where(School.id.is_in(list(asked)))
    )
    assert schools and all(s["contact_name"] and s["contact_phone_enc"] for s in schools)
