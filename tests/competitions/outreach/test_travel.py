"""The office's travel table (路程表): kept through the API and its page, used by tours planned with a
longest same-day trip, copied into each tour.

The case: one tour day (the Monday four weeks ahead), expert 李航天 travels to 海口 and 三亚, generally
available, three talks a day; HK01 (海口) and SY01 (三亚) ask for his topic. 海口 goes first (by code).
One county a day: SY01 is left out (other_county). With 海口—三亚 at 180 minutes and a longest same-day
trip of 200: both on Monday; at 150: SY01 left out again, the reason naming the 150 minutes."""

from __future__ import annotations

import datetime as dt

from litestar.testing import TestClient

from tests.competitions.outreach.conftest import monday_in


def _case(outreach):
    li = outreach.expert("李航天", regions=["海口", "三亚"], generally_available=True)
    space = outreach.topic(li["id"], "火箭是怎样飞上天的", divisions=["初中", "高中"], subject="航天")
    outreach.request("hk01", weeks=(4,), topic_id=space["id"])
    sy01 = outreach.request("sy01", weeks=(4,), division="高中", topic_id=space["id"])
    monday = monday_in(4)
    return monday, li, sy01


def _day(monday, **extra):
    return {"starts_on": monday.isoformat(), "ends_on": monday.isoformat(), **extra}


def test_the_table_through_the_api(outreach):
    assert outreach.call("GET", "/travel").json() == {"pairs": []}
    body = {
        "pairs": [{"from": "三亚", "to": "海口市", "minutes": 180}, {"from": "460100", "to": "文昌", "minutes": 60}]
    }
    r = outreach.call("PUT", "/travel", json=body)
    assert r.status_code == 200, r.text
    # each pair once, the two counties in the regions' order (海口 460100 before 三亚 460200, 文昌 469005)
    assert [(p["from"], p["to"], p["minutes"]) for p in r.json()["pairs"]] == [
        ("460100", "460200", 180),
        ("460100", "469005", 60),
    ]
    assert r.json()["pairs"][0]["from_name"] == "海口市" and r.json()["pairs"][0]["to_name"] == "三亚市"
    for pairs, field in (
        ([{"from": "海口", "to": "火星", "minutes": 10}], "pairs[0].to"),
        ([{"from": "海口", "to": "海口市", "minutes": 10}], "pairs[0].to"),
        ([{"from": "海口", "to": "三亚", "minutes": 1441}], "pairs[0].minutes"),
        ([{"from": "海口", "to": "三亚", "minutes": -1}], "pairs[0].minutes"),
        ([{"from": "海口", "to": "三亚", "minutes": 1}, {"from": "三亚", "to": "海口", "minutes": 2}], "pairs[1]"),
    ):
        bad = outreach.call("PUT", "/travel", json={"pairs": pairs})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == field, (pairs, bad.text)
    assert len(outreach.call("GET", "/travel").json()["pairs"]) == 2  # nothing stored by the refusals
    assert outreach.call("GET", "/travel", user="hk01").status_code == 403
    assert outreach.call("PUT", "/travel", user="haikou", json=body).status_code == 403
    assert outreach.call("PUT", "/travel", json={"pairs": []}).json() == {"pairs": []}


def test_a_tour_uses_the_table_and_keeps_its_copy(outreach):
    monday, li, sy01 = _case(outreach)
    one = outreach.call("POST", "/tours/preview", json=_day(monday)).json()
    assert [t["school_name"] for t in one["talks"]] == ["海口市第一中学"]
    assert [(u["request_id"], u["reason"]) for u in one["unplaced"]] == [(sy01["id"], "other_county")]
    assert (
        outreach.call("PUT", "/travel", json={"pairs": [{"from": "海口", "to": "三亚", "minutes": 180}]}).status_code
        == 200
    )
    two = outreach.call("POST", "/tours/preview", json=_day(monday, max_day_travel_minutes=200)).json()
    assert [(t["school_name"], t["on_date"]) for t in two["talks"]] == [
        ("海口市第一中学", monday.isoformat()),
        ("三亚市第一中学", monday.isoformat()),
    ]
    far = outreach.call("POST", "/tours/preview", json=_day(monday, max_day_travel_minutes=150)).json()
    assert [u["reason"] for u in far["unplaced"]] == ["other_county"]
    assert "150 分钟" in far["unplaced"][0]["words"]
    # a table given in the body wins over the office's (an empty one: one county a day)
    own = outreach.call("POST", "/tours/preview", json=_day(monday, max_day_travel_minutes=200, travel_minutes=[]))
    assert [u["reason"] for u in own.json()["unplaced"]] == ["other_county"]
    # the stored tour (Monday and Tuesday) keeps the table it was planned with
    body = {**_day(monday, name="两日巡讲", max_day_travel_minutes=200)}
    body["ends_on"] = (monday + dt.timedelta(days=1)).isoformat()
    tour = outreach.call("POST", "/tours", json=body).json()
    assert [(t["school_code"], t["on_date"]) for t in tour["talks"]] == [
        ("HK01", monday.isoformat()),
        ("SY01", monday.isoformat()),
    ]
    assert tour["max_day_travel_minutes"] == 200
    assert [(p["from"], p["to"], p["minutes"]) for p in tour["travel_minutes"]] == [("460100", "460200", 180)]
    assert outreach.call("PUT", "/travel", json={"pairs": []}).status_code == 200
    assert outreach.call("GET", f"/tours/{tour['id']}").json()["travel_minutes"] == tour["travel_minutes"]
    # an edit is checked with the tour's copy: the 三亚 talk moves to Tuesday and back to Monday
    sy_talk = next(t for t in tour["talks"] if t["school_code"] == "SY01")
    tuesday = (monday + dt.timedelta(days=1)).isoformat()
    assert outreach.call("PATCH", f"/talks/{sy_talk['id']}", json={"on_date": tuesday}).status_code == 200
    assert outreach.call("PATCH", f"/talks/{sy_talk['id']}", json={"on_date": monday.isoformat()}).status_code == 200
    # a tour planned now, with the table emptied, keeps one county a day
    later = outreach.call("POST", "/tours/preview", json=_day(monday, max_day_travel_minutes=200)).json()
    assert later["talks"] == []  # both requests are in the stored tour


def _csrf(client) -> str:
    return client.cookies.get("xinmiao_csrf")


def test_the_travel_page(outreach, world, app):
    with TestClient(app=app) as org:
        world.login_page("org", org)
        page = org.get("/outreach/travel")
        assert page.status_code == 200 and "还没有填写路程" in page.text
        saved = org.post(
            "/outreach/travel",
            data={"action": "pair", "from": "460100", "to": "460200", "minutes": "180", "_csrf_token": _csrf(org)},
            follow_redirects=False,
        )
        assert saved.status_code == 303
        bad = org.post(
            "/outreach/travel",
            data={"action": "pair", "from": "460100", "to": "460100", "minutes": "5", "_csrf_token": _csrf(org)},
        )
        assert bad.status_code == 422 and "路程表的两个市县不能相同。" in bad.text
        lines = org.post(
            "/outreach/travel",
            data={"action": "lines", "lines": "海口 文昌 60\n三亚\t陵水\t50\n", "_csrf_token": _csrf(org)},
            follow_redirects=False,
        )
        assert lines.status_code == 303
        wrong = org.post(
            "/outreach/travel",
            data={"action": "lines", "lines": "海口 文昌 60\n海口 月球 5\n琼海 万宁", "_csrf_token": _csrf(org)},
        )
        assert wrong.status_code == 422
        assert "第 2 行：“月球”不是海南省的市县。" in wrong.text and "第 3 行应为“市县 市县 分钟”三项" in wrong.text
        pairs = outreach.call("GET", "/travel").json()["pairs"]
        assert [(p["from_name"], p["to_name"], p["minutes"]) for p in pairs] == [
            ("海口市", "三亚市", 180),
            ("海口市", "文昌市", 60),
            ("三亚市", "陵水黎族自治县", 50),
        ]
        gone = org.post(
            "/outreach/travel",
            data={"action": "delete", "from": "460200", "to": "460100", "_csrf_token": _csrf(org)},
            follow_redirects=False,
        )
        assert gone.status_code == 303 and len(outreach.call("GET", "/travel").json()["pairs"]) == 2
        org.cookies.set("lang", "en")
        english = org.get("/outreach/travel")
        assert english.status_code == 200 and "Travel table" in english.text
    with TestClient(app=app) as school:
        world.login_page("hk01", school)
        assert school.get("/outreach/travel").status_code == 403
