"""Experts and topics (issue 17 item 1): the office keeps experts with or without a log-in; an expert
account edits its own record, availability and topics; schools and cities browse active topics only;
every other role is refused; bad input is 422 naming the field."""

from __future__ import annotations

import datetime as dt

from tests.competitions.outreach.conftest import monday_in


def test_office_keeps_experts_with_and_without_an_account(outreach):
    kept = outreach.expert("李航天", regions=["文昌", "469002"], phone="13800001111")
    assert kept["username"] is None and kept["regions"] == ["469002", "469005"]  # province order: 琼海 before 文昌
    assert kept["region_names"] == ["琼海市", "文昌市"] and kept["phone_masked"] == "138****1111"
    linked = outreach.expert("王海洋", username="expert1", generally_available=True)
    assert linked["username"] == "expert1" and linked["generally_available"] is True
    made = outreach.expert("陈科普", username="newexpert", password="Initial-pass-9")
    assert made["username"] == "newexpert"
    from app.tables import User

    account = outreach.world.run(User.select().where(User.username == "newexpert").first())
    assert account["role"] == "expert" and account["must_change_password"] is True
    # a taken link, a non-expert account, an unknown account without a password, a wrong region
    assert outreach.call("POST", "/experts", json={"name": "甲", "username": "expert1"}).status_code == 409
    wrong = outreach.call("POST", "/experts", json={"name": "乙", "username": "hk01"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "username"
    nobody = outreach.call("POST", "/experts", json={"name": "丙", "username": "nobody"})
    assert nobody.status_code == 422 and nobody.json()["errors"][0]["field"] == "username"
    region = outreach.call("POST", "/experts", json={"name": "丁", "regions": ["广州"]})
    assert region.status_code == 422 and region.json()["errors"][0]["field"] == "regions"
    assert outreach.call("POST", "/experts", json={"name": " "}).json()["errors"][0]["field"] == "name"
    listed = outreach.call("GET", "/experts").json()
    assert [e["name"] for e in listed] == sorted(["李航天", "王海洋", "陈科普"])
    # the experts who travel to 琼海: 李航天 (琼海, 文昌) and those who go anywhere
    assert {e["name"] for e in outreach.call("GET", "/experts", params={"region": "琼海"}).json()} == {
        "李航天",
        "王海洋",
        "陈科普",
    }
    assert {e["name"] for e in outreach.call("GET", "/experts", params={"region": "三亚"}).json()} == {
        "王海洋",
        "陈科普",
    }
    for user in ("hk01", "haikou", "expert1", "judge", "staff"):
        assert outreach.call("GET", "/experts", user=user).status_code == 403, user
        assert outreach.call("POST", "/experts", user=user, json={"name": "x"}).status_code == 403, user
    assert outreach.call("GET", "/experts", user=None).status_code == 401


def test_an_expert_account_keeps_its_own_record_availability_and_topics(outreach):
    me = outreach.call("GET", "/experts/me", user="expert1")
    assert me.status_code == 200 and me.json()["name"] == "王海洋"  # made from the account at the first visit
    mine = me.json()["id"]
    assert outreach.call("GET", "/experts/me", user="expert1").json()["id"] == mine  # once
    patched = outreach.call(
        "PATCH",
        f"/experts/{mine}",
        user="expert1",
        json={"affiliation": "海南大学", "regions": ["三亚"], "active": False},
    )
    assert patched.status_code == 200
    assert patched.json()["affiliation"] == "海南大学" and patched.json()["regions"] == ["460200"]
    assert patched.json()["active"] is True  # ``active`` is the office's
    start, end = monday_in(3), monday_in(3) + dt.timedelta(days=4)
    window = outreach.call(
        "POST",
        f"/experts/{mine}/availability",
        user="expert1",
        json={"starts_on": start.isoformat(), "ends_on": end.isoformat()},
    )
    assert window.status_code == 201 and window.json()["ends_on"] == end.isoformat()
    backwards = outreach.call(
        "POST",
        f"/experts/{mine}/availability",
        user="expert1",
        json={"starts_on": end.isoformat(), "ends_on": start.isoformat()},
    )
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "ends_on"
    garbage = outreach.call("POST", f"/experts/{mine}/availability", user="expert1", json={"starts_on": "next monday"})
    assert garbage.status_code == 422 and garbage.json()["errors"][0]["field"] == "starts_on"
    topic = outreach.topic(mine, "珊瑚礁的秘密", divisions=["小学", "初中"], user="expert1", subject="海洋")
    assert topic["divisions"] == ["小学", "初中"] and topic["expert_name"] == "王海洋"
    bad = outreach.call("POST", f"/experts/{mine}/topics", user="expert1", json={"title": "x", "divisions": ["大学"]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "divisions"
    # another expert's record and topics are not this expert's (404), nor are the office's lists
    other = outreach.expert("李航天")
    assert outreach.call("PATCH", f"/experts/{other['id']}", user="expert1", json={"name": "x"}).status_code == 404
    assert (
        outreach.call(
            "POST", f"/experts/{other['id']}/topics", user="expert1", json={"title": "x", "divisions": ["小学"]}
        ).status_code
        == 404
    )
    assert outreach.call("GET", "/experts/me", user="expert2").json()["id"] != mine
    assert [t["title"] for t in outreach.call("GET", "/topics", user="expert2").json()] == []
    assert outreach.call("PATCH", f"/experts/{mine}", user="hk01", json={"name": "x"}).status_code == 403
    removed = outreach.call("DELETE", f"/experts/{mine}/availability/{window.json()['id']}", user="expert1")
    assert removed.status_code == 204
    assert outreach.call("GET", f"/experts/{mine}", user="expert1").json()["availability"] == []


def test_schools_and_cities_browse_active_topics_of_active_experts(outreach):
    a = outreach.expert("李航天")
    b = outreach.expert("王海洋")
    mars = outreach.topic(a["id"], "火星探测的故事", divisions=["初中", "高中"], subject="航天")
    coral = outreach.topic(b["id"], "珊瑚礁的秘密", divisions=["小学"], subject="海洋")
    stars = outreach.topic(b["id"], "认识星空", divisions=["小学", "初中"], subject="天文")
    assert outreach.call("PATCH", f"/topics/{stars['id']}", json={"active": False}).json()["active"] is False
    titles = [t["title"] for t in outreach.call("GET", "/topics", user="hk01").json()]
    assert titles == ["珊瑚礁的秘密", "火星探测的故事"]  # by subject in code points: 海洋 (U+6D77) before 航天 (U+822A)
    assert [t["title"] for t in outreach.call("GET", "/topics", user="haikou", params={"division": "小学"}).json()] == [
        "珊瑚礁的秘密"
    ]
    assert [t["title"] for t in outreach.call("GET", "/topics", user="org").json()] == [
        "认识星空",  # 天文 (U+5929)
        "珊瑚礁的秘密",  # 海洋 (U+6D77)
        "火星探测的故事",  # 航天 (U+822A)
    ]
    assert outreach.call("GET", f"/topics/{stars['id']}", user="hk01").status_code == 404
    assert outreach.call("GET", f"/topics/{mars['id']}", user="hk01").json()["expert_name"] == "李航天"
    # a school sees an expert's public part only
    seen = outreach.call("GET", f"/experts/{a['id']}", user="hk01").json()
    assert seen["phone_masked"] == "" and seen["username"] is None
    assert outreach.call("PATCH", f"/experts/{b['id']}", json={"active": False}).status_code == 200
    assert [t["title"] for t in outreach.call("GET", "/topics", user="hk01").json()] == ["火星探测的故事"]
    assert outreach.call("GET", f"/topics/{coral['id']}", user="hk01").status_code == 404
    for user in ("judge", "referee", "staff"):
        assert outreach.call("GET", "/topics", user=user).status_code == 403
    assert outreach.call("PATCH", f"/topics/{mars['id']}", user="hk01", json={"title": "x"}).status_code == 403


def test_settings_per_year(outreach):
    year = monday_in(0).year
    assert outreach.call("GET", f"/settings/{year}", user="hk01").json() == {
        "year": year,
        "min_days_ahead": 14,
        "confirm_within_days": 7,
        "max_talks_per_day": 3,
    }
    stored = outreach.call("PUT", f"/settings/{year}", json={"min_days_ahead": 21, "max_talks_per_day": 2})
    assert (
        stored.status_code == 200
        and stored.json()["min_days_ahead"] == 21
        and stored.json()["confirm_within_days"] == 7
    )
    wrong = outreach.call("PUT", f"/settings/{year}", json={"max_talks_per_day": 9})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "max_talks_per_day"
    assert outreach.call("PUT", f"/settings/{year}", user="haikou", json={}).status_code == 403
    assert outreach.call("GET", "/settings/999999").status_code == 404
