"""The home page blocks of the outreach programme: what a school and an expert must do next.

A school sees its talks to confirm (overdue ones first and marked), its coming talks, its requests still
waiting, unread notices; an expert's home lists the talks whose hours are still to be recorded (saving
them there comes back home), the coming talks and the itinerary of their tour."""

from __future__ import annotations

import datetime as dt
import re

from litestar.testing import TestClient

from tests.competitions.outreach.conftest import monday_in


def _csrf(client) -> str:
    return client.cookies.get("xinmiao_csrf")


def _season(outreach):
    """A confirmed tour of 王海洋 (expert1) with talks at HK01 and HK02 four weeks ahead; HK01 also has an
    open request for week 6. Returns ``({school code: talk}, expert, tour)``."""
    import tests.competitions.outreach.test_delivery_api as delivery_tests

    talks, expert = delivery_tests._tour(outreach, "HK01", "HK02")
    topic = outreach.call("GET", "/topics").json()[0]
    outreach.request("hk01", weeks=(6,), topic_id=topic["id"])
    tour = outreach.call("GET", "/tours").json()[0]
    return talks, expert, tour


def _days_ago(outreach, talk_id, days):
    from app.times import local_now
    from competitions.outreach.tables import Talk

    outreach.world.run(
        Talk.update({Talk.on_date: local_now().date() - dt.timedelta(days=days)}).where(Talk.id == talk_id)
    )


def _block(html: str) -> str:
    """The outreach parts of the home page (the alert above the registration work and the block)."""
    main = html[html.find("<main") :]
    return " ".join(
        re.findall(r'<div class="reason-box.*?</div>|<section class="card outreach-home".*?</section>', main, re.S)
    )


def test_the_school_home_says_what_to_do_next(outreach, world, app):
    talks, _expert, _tour = _season(outreach)
    year = monday_in(0).year
    assert outreach.call("PUT", f"/settings/{year}", json={"confirm_within_days": 7}).status_code == 200
    with TestClient(app=app) as school:
        world.login_page("hk01", school)
        home = _block(school.get("/").text)
        # nothing to confirm yet: the coming talk, the waiting request, the notice of the tour
        assert "确认报告情况" not in home
        assert "即将到校的报告" in home and f'href="/outreach/talks/{talks["HK01"]["id"]}"' in home
        assert "等待安排的申请" in home and "待安排" in home
        assert "1 条新通知" in home
        assert "海南华侨中学" not in home  # another school's talk
        _days_ago(outreach, talks["HK01"]["id"], 10)  # 10 days ago, 7 allowed: overdue
        home = _block(school.get("/").text)
        assert f'href="/outreach/talks/{talks["HK01"]["id"]}#confirm"' in home
        assert "已逾期" in home and "报告日期已过 10 天。" in home and "即将到校的报告" not in home
        ok = school.post(
            f"/outreach/talks/{talks['HK01']['id']}/confirm",
            data={"audience": "120", "rating": "5", "_csrf_token": _csrf(school)},
            follow_redirects=False,
        )
        assert ok.status_code == 303
        home = _block(school.get("/").text)
        assert "确认报告情况" not in home and "已逾期" not in home
    with TestClient(app=app) as other:
        world.login_page("hk02", other)
        _days_ago(outreach, talks["HK02"]["id"], 0)  # today: to confirm, not overdue
        home = _block(other.get("/").text)
        assert "报告就在今天。" in home and "已逾期" not in home
        assert f'href="/outreach/talks/{talks["HK02"]["id"]}#confirm"' in home
        assert f"/outreach/talks/{talks['HK01']['id']}" not in home
    with TestClient(app=app) as english:
        world.login_page("hk02", english)
        english.cookies.set("lang", "en")
        home = _block(english.get("/").text)
        assert "the talk is today" in home.lower() and "Confirm the talk" in home


def test_the_expert_home_lists_hours_to_record_and_coming_talks(outreach, world, app):
    talks, expert, tour = _season(outreach)
    with TestClient(app=app) as client:
        world.login_page("expert1", client)
        page = client.get("/", follow_redirects=False)
        assert page.status_code == 200
        home = _block(page.text)
        # the tour's notice until it is marked read there
        assert "巡讲“巡讲”已确认" in home and 'action="/outreach/notices/read"' in home
        read = client.post(
            "/outreach/notices/read", data={"back": "home", "_csrf_token": _csrf(client)}, follow_redirects=False
        )
        assert read.status_code == 303 and read.headers["location"] == "/"
        home = _block(client.get("/").text)
        assert "巡讲“巡讲”已确认" not in home and 'action="/outreach/notices/read"' not in home
        assert "请记录工作时长" not in home
        assert "海口市第一中学" in home and "海南华侨中学" in home
        assert f"/outreach/tours/{tour['id']}/experts/{expert['id']}/itinerary.pdf" in home
        _days_ago(outreach, talks["HK01"]["id"], 1)
        home = _block(client.get("/").text)
        assert "请记录工作时长" in home and f'action="/outreach/talks/{talks["HK01"]["id"]}/hours"' in home
        saved = client.post(
            f"/outreach/talks/{talks['HK01']['id']}/hours",
            data={"hours": "2", "back": "home", "_csrf_token": _csrf(client)},
            follow_redirects=False,
        )
        assert saved.status_code == 303 and saved.headers["location"] == "/"
        assert outreach.call("GET", f"/talks/{talks['HK01']['id']}").json()["hours"] == "2"
        home = _block(client.get("/").text)
        assert "请记录工作时长" not in home
        assert client.get("/outreach/").headers.get("location", "") in ("", "/outreach/me")


def test_a_request_whose_weeks_are_over_is_shown_as_not_arranged(outreach, world, app):
    """A request no tour took before its weeks ended stayed 待安排 for ever, the school waiting and the
    office counting it; now it reads 'weeks over, not arranged' to both (``lapsed`` in the API)."""
    from app.times import local_now
    from competitions.outreach.tables import TalkRequest

    made = outreach.request("hk01", subject="海洋", weeks=(4,))
    assert made["lapsed"] is False
    monday = local_now().date() - dt.timedelta(days=local_now().date().weekday(), weeks=2)  # two weeks ago
    world.run(
        TalkRequest.update({TalkRequest.preferred_weeks: [monday.isoformat()]}).where(TalkRequest.id == made["id"])
    )
    got = outreach.call("GET", f"/requests/{made['id']}", user="hk01").json()
    assert (got["status"], got["lapsed"]) == ("open", True)
    with TestClient(app=app) as school:
        world.login_page("hk01", school)
        assert "希望的周次已过，未能安排" in _block(school.get("/").text)
        assert "希望的周次已过，未能安排" in school.get("/outreach/requests").text
    with TestClient(app=app) as org:
        world.login_page("org", org)
        page = org.get("/outreach/").text
        assert "1 个申请希望的周次都已过去" in page and "年度 1 个" not in page
