"""School requests (issue 17 item 2): a school requests a talk on a topic or a subject in preferred weeks at
least ``min_days_ahead`` days ahead (the year's setting); the division must suit the topic; each school
sees its own, each city its schools', and only the city (or the office) sets a priority."""

from __future__ import annotations

import datetime as dt

from tests.competitions.outreach.conftest import monday_in


def _topic(outreach):
    expert = outreach.expert("李航天")
    return outreach.topic(expert["id"], "火星探测的故事", divisions=["初中", "高中"])


def test_a_school_requests_a_topic_or_a_subject_in_weeks_far_enough_ahead(outreach):
    topic = _topic(outreach)
    # any day of a week is stored as that week's Monday; weeks sorted, repeats dropped
    wednesday = monday_in(5) + dt.timedelta(days=2)
    made = outreach.request(
        "hk01",
        topic_id=topic["id"],
        preferred_weeks=[wednesday.isoformat(), monday_in(4).isoformat(), monday_in(4).isoformat()],
        hall="报告厅（300 座）",
        equipment="投影仪、麦克风",
    )
    assert made["preferred_weeks"] == [monday_in(4).isoformat(), monday_in(5).isoformat()]
    assert made["status"] == "open" and made["priority"] == "normal" and made["school_code"] == "HK01"
    assert made["topic_title"] == "火星探测的故事" and made["subject"] == "航天" and made["year"] == monday_in(4).year
    by_subject = outreach.request("hk01", subject="海洋生物", division="小学", weeks=(3,))
    assert by_subject["topic_id"] is None and by_subject["subject"] == "海洋生物"
    # at least 14 days ahead (the default): the week that starts in under 14 days is refused
    soon = outreach.call(
        "POST",
        "/requests",
        user="hk01",
        json={
            "division": "初中",
            "audience_size": 50,
            "subject": "航天",
            "preferred_weeks": [monday_in(1).isoformat()],
        },
    )
    assert soon.status_code == 422 and soon.json()["errors"][0]["field"] == "preferred_weeks"
    assert "14" in soon.json()["detail"]
    # the setting of the year is what counts: with 0 days ahead next week is fine
    year = monday_in(1).year
    assert outreach.call("PUT", f"/settings/{year}", json={"min_days_ahead": 0}).status_code == 200
    if monday_in(1).year == year:
        assert outreach.request("hk01", subject="航天", weeks=(1,))["status"] == "open"
    # neither topic nor subject; a division the topic does not suit; no week; an audience of 0
    for body, field in (
        ({"division": "初中", "audience_size": 50, "preferred_weeks": [monday_in(4).isoformat()]}, "subject"),
        (
            {
                "division": "小学",
                "audience_size": 50,
                "topic_id": topic["id"],
                "preferred_weeks": [monday_in(4).isoformat()],
            },
            "division",
        ),
        ({"division": "初中", "audience_size": 50, "subject": "航天", "preferred_weeks": []}, "preferred_weeks"),
        (
            {"division": "初中", "audience_size": 0, "subject": "航天", "preferred_weeks": [monday_in(4).isoformat()]},
            "audience_size",
        ),
        (
            {"division": "大学", "audience_size": 10, "subject": "航天", "preferred_weeks": [monday_in(4).isoformat()]},
            "division",
        ),
        (
            {"division": "初中", "audience_size": 10, "topic_id": 99999, "preferred_weeks": [monday_in(4).isoformat()]},
            "topic_id",
        ),
    ):
        r = outreach.call("POST", "/requests", user="hk01", json=body)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, (field, r.text)
    # the office requests for a school by its code; other roles may not request
    office = outreach.request("org", subject="天文", school_code="SY01")
    assert office["school_code"] == "SY01"
    for user in ("haikou", "expert1", "judge"):
        assert outreach.call("POST", "/requests", user=user, json={}).status_code in (403, 400), user


def test_each_school_and_city_sees_its_own_and_the_city_sets_priority(outreach):
    hk01 = outreach.request("hk01", subject="航天")
    hk02 = outreach.request("hk02", subject="海洋")
    sy01 = outreach.request("sy01", subject="天文")
    ids = lambda user, **p: sorted(r["id"] for r in outreach.call("GET", "/requests", user=user, params=p).json())  # noqa: E731
    assert ids("hk01") == [hk01["id"]]
    assert ids("haikou") == sorted([hk01["id"], hk02["id"]])
    assert ids("sanya") == [sy01["id"]]
    assert ids("org") == sorted([hk01["id"], hk02["id"], sy01["id"]])
    assert ids("org", region="三亚") == [sy01["id"]]
    assert outreach.call("GET", f"/requests/{sy01['id']}", user="haikou").status_code == 404
    assert outreach.call("GET", f"/requests/{hk02['id']}", user="hk01").status_code == 404
    for user in ("expert1", "judge"):
        assert outreach.call("GET", "/requests", user=user).status_code == 403
    # the city sets its schools' priority; high ones come first in its list
    high = outreach.call("PUT", f"/requests/{hk02['id']}/priority", user="haikou", json={"priority": "high"})
    assert high.status_code == 200 and high.json()["priority"] == "high"
    assert [r["id"] for r in outreach.call("GET", "/requests", user="haikou").json()] == [hk02["id"], hk01["id"]]
    assert (
        outreach.call("PUT", f"/requests/{sy01['id']}/priority", user="haikou", json={"priority": "high"}).status_code
        == 404
    )
    assert (
        outreach.call("PUT", f"/requests/{hk01['id']}/priority", user="hk01", json={"priority": "high"}).status_code
        == 403
    )
    wrong = outreach.call("PUT", f"/requests/{hk01['id']}/priority", user="haikou", json={"priority": "urgent"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "priority"
    from app.tables import AuditLog

    audit = outreach.world.run(
        AuditLog.select().output(load_json=True).where(AuditLog.action == "outreach.request.priority").first()
    )
    assert audit["object_id"] == hk02["id"] and audit["changes"] == {"priority": ["normal", "high"]}
    # the school withdraws an open request; then it can neither be withdrawn again nor prioritised
    gone = outreach.call("POST", f"/requests/{hk01['id']}/withdraw", user="hk01")
    assert gone.status_code == 200 and gone.json()["status"] == "withdrawn"
    assert outreach.call("POST", f"/requests/{hk01['id']}/withdraw", user="hk01").status_code == 409
    assert (
        outreach.call("PUT", f"/requests/{hk01['id']}/priority", user="haikou", json={"priority": "low"}).status_code
        == 409
    )
    assert outreach.call("POST", f"/requests/{hk02['id']}/withdraw", user="haikou").status_code == 403


def test_a_week_more_than_a_year_ahead_is_refused_naming_the_field(outreach):
    """A week far ahead (two years; the year 2150, where no settings can exist) is bad input (422 naming
    preferred_weeks), not a missing page (it answered 404)."""
    for weeks in ([monday_in(104).isoformat()], ["2150-03-02"]):
        body = {"division": "初中", "audience_size": 50, "subject": "航天", "preferred_weeks": weeks}
        r = outreach.call("POST", "/requests", user="hk01", json=body)
        assert r.status_code == 422, (weeks, r.text)
        assert r.json()["errors"][0]["field"] == "preferred_weeks"
    assert outreach.request("hk01", subject="航天", weeks=(50,))["status"] == "open"  # within a year


def test_the_same_request_twice_is_refused(outreach):
    """A school that submits the same request twice (a double tap on a phone) gets 409 the second time,
    not a second request the planner would turn into a second identical talk. Another division, another
    topic or weeks that do not overlap are other requests; a withdrawn one does not count."""
    topic = _topic(outreach)
    first = outreach.request("hk01", topic_id=topic["id"], weeks=(4, 5))
    body = {
        "division": "初中",
        "audience_size": 80,
        "topic_id": topic["id"],
        "preferred_weeks": [monday_in(5).isoformat()],
    }
    again = outreach.call("POST", "/requests", user="hk01", json=body)
    assert again.status_code == 409, again.text
    assert "已经申请" in again.json()["detail"]
    assert outreach.call("POST", "/requests", user="hk01", json={**body, "division": "高中"}).status_code == 201
    later = {**body, "preferred_weeks": [monday_in(7).isoformat()]}
    assert outreach.call("POST", "/requests", user="hk01", json=later).status_code == 201
    assert outreach.call("POST", "/requests", user="hk02", json=body).status_code == 201  # another school
    by_subject = {
        "division": "小学",
        "audience_size": 80,
        "subject": "海洋",
        "preferred_weeks": body["preferred_weeks"],
    }
    assert outreach.call("POST", "/requests", user="hk01", json=by_subject).status_code == 201
    assert outreach.call("POST", "/requests", user="hk01", json=by_subject).status_code == 409
    assert outreach.call("POST", f"/requests/{first['id']}/withdraw", user="hk01").status_code == 200
    assert outreach.call("POST", "/requests", user="hk01", json=body).status_code == 201
