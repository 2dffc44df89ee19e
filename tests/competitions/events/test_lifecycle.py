"""The event lifecycle (issue 12, CONTRACT.md "Event lifecycle"): draft -> open -> closed ->
judging -> 公示 -> final, each an explicit organizer action, and what each step locks."""

from __future__ import annotations

import datetime as dt

import pytest

from app.times import UTC
from competitions.events import lifecycle
from competitions.events.lifecycle import Stage
from tests.competitions.api import call, hdr
from tests.competitions.registration.test_entries_api import student
from tests.factories import judging as judging_factories

FUTURE = "2099-01-01T00:00:00+08:00"


def _new_event(world, **body) -> dict:
    response = world.client.post(
        "/api/v1/events",
        json={"name": "2027年青少年科技创新大赛", "kind": "innovation", "year": 2027, **body},
        headers=hdr(world, "org"),
    )
    assert response.status_code == 201, response.text
    return response.json()


def _entry(world, username, event_id, title, name, *, expect=201, **extra) -> dict:
    body = {"title": title, "category_code": "PH", "division": "初中", "members": [student(name)], **extra}
    response = call(world, "POST", f"/api/v1/events/{event_id}/entries", username, json=body)
    assert response.status_code == expect, response.text
    return response.json()


def _status(world, event_id, status, expect=200) -> dict:
    response = call(world, "PATCH", f"/api/v1/events/{event_id}", "org", json={"status": status})
    assert response.status_code == expect, response.text
    return response.json()


def test_a_draft_is_invisible_to_schools_and_cities_until_opened(world):
    event = _new_event(world)
    eid = event["id"]
    assert (event["status"], event["stage"]) == ("draft", "draft")
    for username in ("hk01", "haikou"):
        assert call(world, "GET", f"/api/v1/events/{eid}", username).status_code == 404
        assert eid not in {e["id"] for e in call(world, "GET", "/api/v1/events", username).json()}
        assert call(world, "GET", f"/api/v1/events/{eid}/entries", username).status_code == 404
    assert call(world, "GET", f"/api/v1/events/{eid}/registration-template", "hk01").status_code == 404
    _entry(world, "hk01", eid, "草稿期作品", "王一", expect=404)
    # the organizer sets it up in peace, and may register entries already
    assert call(world, "GET", f"/api/v1/events/{eid}", "org").json()["stage"] == "draft"

    # never "open forever by accident": opening needs a deadline
    refused = _status(world, eid, "open", expect=409)
    assert refused["detail"] == "开放报名前请先设置报名截止时间，赛事不会“无限期报名”。"
    call(world, "PATCH", f"/api/v1/events/{eid}", "org", json={"registration_closes_at": FUTURE})
    opened = _status(world, eid, "open")
    assert (opened["status"], opened["stage"]) == ("open", "open")
    assert call(world, "GET", f"/api/v1/events/{eid}", "hk01").json()["stage"] == "open"
    assert _entry(world, "hk01", eid, "开放后作品", "王二")["status"] == "draft"
    # an open event's deadline cannot be cleared
    cleared = call(world, "PATCH", f"/api/v1/events/{eid}", "org", json={"registration_closes_at": None})
    assert cleared.status_code == 422 and cleared.json()["errors"][0]["field"] == "registration_closes_at"
    # back to draft only while it has no entries
    assert _status(world, eid, "draft", expect=409)["detail"] == "本赛事已有 1 个作品，不能退回草稿；可以改为报名截止。"


def test_creating_an_open_event_needs_a_deadline_in_the_future(world):
    no_deadline = world.client.post(
        "/api/v1/events",
        json={"name": "x", "kind": "innovation", "year": 2027, "status": "open"},
        headers=hdr(world, "org"),
    )
    assert no_deadline.status_code == 409
    past = world.client.post(
        "/api/v1/events",
        json={
            "name": "x",
            "kind": "innovation",
            "year": 2027,
            "status": "open",
            "registration_closes_at": "2020-01-01",
        },
        headers=hdr(world, "org"),
    )
    assert past.status_code == 409 and past.json()["detail"] == "报名截止时间已过，请先把截止时间改到将来再开放报名。"
    assert _new_event(world, status="open", registration_closes_at=FUTURE)["stage"] == "open"


def test_closing_stops_schools_and_reopening_lets_them_back(world):
    eid = world.event_id
    draft = _entry(world, "hk01", eid, "截止前", "李一")
    closed = _status(world, eid, "closed")
    assert (closed["status"], closed["stage"]) == ("closed", "closed")
    late = _entry(world, "hk01", eid, "截止后", "李二", expect=409)
    # closed by the organizer before the deadline: the deadline in the message would be wrong
    assert late["detail"] == "报名已截止，学校不能再修改报名；如需更改请联系组委会。"
    submit = call(world, "POST", f"/api/v1/entries/{draft['id']}/submit", "hk01")
    assert submit.status_code == 409 and submit.json()["detail"] == late["detail"]
    # the organizer still registers and reviews while registration is closed (形式审查 continues)
    assert _entry(world, "org", eid, "组委会代报", "李三", school_code="HK01")["status"] == "approved"
    reopened = _status(world, eid, "open")
    assert reopened["stage"] == "open"
    assert call(world, "POST", f"/api/v1/entries/{draft['id']}/submit", "hk01").status_code == 200


def test_start_judging_closes_registration_resubmission_and_review_for_good(world):
    eid = world.event_id
    returned = _entry(world, "hk01", eid, "被退回", "赵一", submit=True)
    pending = _entry(world, "hk01", eid, "待审查", "赵二", submit=True)
    review = call(
        world,
        "POST",
        f"/api/v1/entries/{returned['id']}/review",
        "org",
        json={"decision": "return", "reason": "缺研究报告"},
    )
    assert review.json()["status"] == "returned"

    early = call(world, "POST", f"/api/v1/events/{eid}/start-judging", "org")
    assert early.status_code == 409 and early.json()["detail"] == "请先截止报名（现在是“报名中”），再开始评审。"
    _status(world, eid, "closed")
    started = call(world, "POST", f"/api/v1/events/{eid}/start-judging", "org")
    assert started.status_code == 200
    assert (started.json()["stage"], started.json()["status"]) == ("judging", "closed")
    assert started.json()["judging_started_at"] is not None

    judging_message = "本赛事已开始评审，报名、修改和重新提交都已关闭。"
    resubmit = call(world, "POST", f"/api/v1/entries/{returned['id']}/submit", "hk01")
    assert resubmit.status_code == 409 and resubmit.json()["detail"] == judging_message
    by_org = _entry(world, "org", eid, "评审后代报", "赵三", school_code="HK01", expect=409)
    assert by_org["detail"] == judging_message
    approve = call(world, "POST", f"/api/v1/entries/{pending['id']}/review", "org", json={"decision": "approve"})
    assert approve.status_code == 409
    assert approve.json()["detail"] == "本赛事已开始评审（评审中），形式审查已结束，作品状态不能再改变。"
    assert _status(world, eid, "open", expect=409)["detail"] == "评审已经开始（评审中），不能再改变报名状态。"
    # audited
    from app.tables import AuditLog

    actions = world.run(AuditLog.select(AuditLog.action).where(AuditLog.event_id == eid))
    assert "event.judging_started" in {a["action"] for a in actions}


def test_after_finalization_schools_are_told_results_are_final(world):
    made = judging_factories.judged_event(world, entries=3, judges=1)
    eid = made.event_id
    assert call(world, "GET", f"/api/v1/events/{eid}", "hk01").json()["stage"] == "judging"  # scores exist
    assert call(world, "POST", f"/api/v1/events/{eid}/publish", "org").status_code == 200
    assert call(world, "GET", f"/api/v1/events/{eid}", "hk01").json()["stage"] == "published"
    published = _entry(world, "hk01", eid, "公示中报名", "钱一", expect=409)
    assert published["detail"] == "本赛事结果正在公示，报名、修改和重新提交都已关闭。"
    finalized = call(
        world, "POST", f"/api/v1/events/{eid}/finalize", "org", json={"override_notice_reason": "测试定稿"}
    )
    assert finalized.status_code == 200, finalized.text
    assert call(world, "GET", f"/api/v1/events/{eid}", "hk01").json()["stage"] == "final"
    late = _entry(world, "hk01", eid, "定稿后报名", "钱二", expect=409)
    assert late["detail"] == "本赛事结果已定稿，报名、修改和重新提交都已关闭。"
    assert _entry(world, "org", eid, "定稿后代报", "钱三", school_code="HK01", expect=409)["detail"] == late["detail"]


@pytest.mark.parametrize(
    ("status", "opens", "closes", "expected"),
    [
        ("draft", None, None, Stage.DRAFT),
        ("open", "2026-03-01T00:00:00+08:00", "2026-04-01T00:00:00+08:00", Stage.OPEN),
        ("open", "2026-03-20T00:00:00+08:00", "2026-04-01T00:00:00+08:00", Stage.UPCOMING),
        ("open", None, "2026-03-10T08:00:00+08:00", Stage.CLOSED),  # deadline passed: closed without a click
        ("open", None, "2026-03-10T08:00:01+08:00", Stage.OPEN),  # one second before the deadline
        ("closed", None, "2026-04-01T00:00:00+08:00", Stage.CLOSED),
    ],
)
def test_window_stage(status, opens, closes, expected):
    at = dt.datetime(2026, 3, 10, 0, 0, tzinfo=UTC)  # 08:00 Beijing time
    event = {"status": status, "registration_opens_at": opens, "registration_closes_at": closes}
    assert lifecycle.window_stage(event, at) is expected


def test_settings_page_moves_need_the_tick_and_say_what_they_lock(world):
    client = world.login_page("org")
    eid = world.event_id
    page = client.get(f"/events/{eid}/settings")
    assert "学校将不能再新增、修改或重新提交作品；形式审查可以继续。" in page.text  # open -> closed
    csrf = client.cookies.get("xinmiao_csrf")
    unticked = client.post(f"/events/{eid}/status", data={"target": "closed", "_csrf_token": csrf})
    assert "请先勾选“我已了解”" in unticked.text
    assert call(world, "GET", f"/api/v1/events/{eid}", "org").json()["status"] == "open"
    ticked = client.post(f"/events/{eid}/status", data={"target": "closed", "confirm": "on", "_csrf_token": csrf})
    assert "赛事已改为“报名截止”。" in ticked.text
    assert call(world, "GET", f"/api/v1/events/{eid}", "org").json()["status"] == "closed"
    judged = client.post(f"/events/{eid}/start-judging", data={"confirm": "on", "_csrf_token": csrf})
    assert "评审已开始：报名、修改、重新提交和形式审查已关闭。" in judged.text
    assert call(world, "GET", f"/api/v1/events/{eid}", "org").json()["stage"] == "judging"


def test_a_status_that_does_not_exist_is_invalid_input_not_a_conflict(world):
    """A fresh user's finding: {"status": "bogus"} answered 409; CONTRACT says invalid input is 422."""
    bogus = call(world, "PATCH", f"/api/v1/events/{world.event_id}", "org", json={"status": "bogus"})
    assert bogus.status_code == 422 and bogus.json()["errors"][0]["field"] == "status"
    # a move that exists as a word but not from here is still a conflict: closed -> draft
    _status(world, world.event_id, "closed")
    assert _status(world, world.event_id, "draft", expect=409)["detail"] == "赛事不能从“报名截止”改为“草稿”。"


def test_a_draft_without_a_deadline_does_not_say_registration_is_unlimited(world):
    """A fresh user's finding: a draft event read "报名时间不限" while opening it needs a deadline."""
    draft = _new_event(world)
    assert draft["status"] == "draft" and draft["registration_closes_at"] is None
    client = world.login_page("org")
    page = client.get("/")
    block = page.text[page.text.index(draft["name"]) :]
    assert "未设报名截止时间，开放报名前需设置" in block.split("</section>")[0]
    assert "报名时间不限" not in page.text


def test_the_draft_settings_page_shows_the_stage_badge_once(world):
    """A fresh user's finding: the status line ended "…开放报名前需设置 草稿", repeating the heading's badge."""
    draft = _new_event(world)
    client = world.login_page("org")
    page = client.get(f"/events/{draft['id']}/settings").text
    assert "未设报名截止时间，开放报名前需设置" in page
    assert page.count('class="badge stage-draft') == 1


def test_a_finalized_event_on_the_school_dashboard_links_results_and_certificates(world):
    """A fresh user's finding: the card said "您可以查看结果，并下载本校的获奖证书" and linked to neither,
    and still offered the registration template."""
    made = judging_factories.judged_event(world, entries=3, judges=1)
    eid = made.event_id
    assert call(world, "POST", f"/api/v1/events/{eid}/publish", "org").status_code == 200
    finalized = call(world, "POST", f"/api/v1/events/{eid}/finalize", "org", json={"override_notice_reason": "测试"})
    assert finalized.status_code == 200, finalized.text
    client = world.login_page("hk01")
    page = client.get("/").text
    block = page[page.index(f'href="/results/{eid}"') - 3000 :]
    assert "您可以查看结果，并下载本校的获奖证书。" in page
    assert f'href="/results/{eid}"' in page and 'href="/certificates/"' in page
    assert f"/events/{eid}/registration-template" not in page and block


def test_starting_judging_names_the_approved_entries_without_students(world):
    """The last moment students can be added: the settings page names approved entries that have
    none (they would be judged and then get no certificate); a robotics event says 队伍."""
    from tests.factories import competitions as factories

    eid = world.event_id
    empty = factories.entry(world, "HK01", title="没人的作品")  # the organizer's: approved at once
    factories.entry(world, "HK02", title="有人的作品", students=1)
    call(world, "PATCH", f"/api/v1/events/{eid}", "org", json={"status": "closed"})
    client = world.login_page("org")
    page = client.get(f"/events/{eid}/settings")
    box = page.text.split('id="no-students"')[1].split("</div>")[0]
    assert "1 个已通过审查的作品还没有学生：" in box and f'href="/entries/{empty["id"]}"' in box
    assert "没人的作品" in box and "有人的作品" not in box
    english = client.get(f"/events/{eid}/settings", headers={"Accept-Language": "en"})
    assert "Approved entries with no student yet (1):" in english.text
    robotics = factories.event(world, "机器人竞赛", kind="robotics")
    factories.category(world, "R1", "机器人综合技能", event_id=robotics["id"])
    factories.entry(world, "HK01", title="空队", category="R1", event_id=robotics["id"])
    call(world, "PATCH", f"/api/v1/events/{robotics['id']}", "org", json={"status": "closed"})
    assert "1 个已通过审查的队伍还没有学生：" in client.get(f"/events/{robotics['id']}/settings").text
    # once judging has started the move is gone, and so is the box
    client.post(
        f"/events/{eid}/start-judging", data={"confirm": "on", "_csrf_token": client.cookies.get("xinmiao_csrf")}
    )
    assert 'id="no-students"' not in client.get(f"/events/{eid}/settings").text
