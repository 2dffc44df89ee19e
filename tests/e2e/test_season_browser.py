"""A season as the office lives it (issue 12, "Done when"): a draft invisible to a school, opened
with a deadline, closed, judged, published with a 公示期, finalized early only with a reason, and a
school that tries to add or resubmit afterwards is told why not. Pages in a real browser; the
entries and the judges' scores are made through the services (their own tests cover those pages)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from app.times import SHANGHAI, now
from competitions.events import services as events
from tests.competitions.registration.test_entries_api import student
from tests.conftest import PASSWORD
from tests.e2e.conftest import PHONE, TABLET
from tests.factories import competitions as competition_factories
from tests.factories import judging as judging_factories


def log_in(context, base: str, username: str):
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url
    return page


def move(page, label: str) -> None:
    """Tick "我已了解" in the lifecycle form of ``label`` and press it."""
    form = page.locator("#lifecycle form.move", has=page.locator(f"button:text-is('{label}')"))
    form.locator("input[name=confirm]").check()
    form.locator("button").click()
    page.wait_for_load_state()


def test_a_season_from_draft_to_final(world, live_server, browser):
    event = world.run(
        events.create_event(world.org, {"name": "2027年青少年科技创新大赛", "kind": "innovation", "year": 2027})
    )
    eid = event["id"]
    org_ctx = browser.new_context(viewport=TABLET, locale="zh-CN", timezone_id="Asia/Shanghai")
    school_ctx = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    org, school = log_in(org_ctx, live_server, "org"), log_in(school_ctx, live_server, "hk01")

    # a draft: the school does not see it
    school.goto(f"{live_server}/events/")
    assert "2027年青少年科技创新大赛" not in school.inner_text("main")
    assert school.goto(f"{live_server}/events/{eid}/entries").status == 404

    # the organizer opens it: first a deadline (never open forever), then the tick and the button
    org.goto(f"{live_server}/events/{eid}/settings")
    assert "草稿" in org.inner_text("#lifecycle")
    move(org, "开放报名")
    assert "开放报名前请先设置报名截止时间" in org.inner_text("main")
    closes = (now() + dt.timedelta(days=10)).astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")
    org.fill("input[name=registration_closes_at]", closes)
    org.click("form[action$='/settings'] button:text-is('保存设置')")
    org.wait_for_load_state()
    move(org, "开放报名")
    assert "赛事已改为“开放报名”。" in org.inner_text("main")

    # the school sees it open and registers; its entry is returned for a missing document
    school.goto(f"{live_server}/events/")
    assert "报名中" in school.inner_text("main")
    headers = world.headers("hk01")
    made = world.client.post(
        f"/api/v1/events/{eid}/entries",
        json={
            "title": "校园雨水花园",
            "category_code": "PH",
            "division": "初中",
            "members": [student("林一")],
            "submit": True,
        },
        headers=headers,
    )
    assert made.status_code == 201, made.text
    entry_id = made.json()["id"]
    returned = world.client.post(
        f"/api/v1/entries/{entry_id}/review",
        json={"decision": "return", "reason": "请补研究报告"},
        headers=world.headers("org"),
    )
    assert returned.json()["status"] == "returned"
    scope = SimpleNamespace(run=world.run, org=world.org, event_id=eid, principal=world.principal)
    approved = [
        competition_factories.entry(scope, school, students=1, category="MA") for school in ("HK01", "HK02", "SY01")
    ]

    # closed: the school cannot resubmit; then judging starts
    org.goto(f"{live_server}/events/{eid}/settings")
    move(org, "截止报名")
    assert "报名截止" in org.inner_text("#lifecycle")
    resubmit = world.client.post(f"/api/v1/entries/{entry_id}/submit", headers=headers)
    assert (
        resubmit.status_code == 409
        and resubmit.json()["detail"] == "报名已截止，学校不能再修改报名；如需更改请联系组委会。"
    )
    move(org, "开始评审")
    assert "评审已开始" in org.inner_text("#lifecycle")

    # judges score (services), the organizer publishes with a 公示期 on the page
    judging_factories.rubric(scope)
    judge_id = judging_factories.judge(scope, "judge", ["MA"])
    judging_factories.assign(scope, 1)
    for points, e in zip((90, 80, 70), approved):
        judging_factories.score(scope, "judge", e["id"], points)
    assert judge_id
    org.goto(f"{live_server}/events/{eid}/judging/publication")
    # the publish form stands open at the top of the page
    ends = (now() + dt.timedelta(days=7)).astimezone(SHANGHAI).strftime("%Y-%m-%d")
    org.fill("input[name=notice_ends_at]", ends)
    org.fill("form[action$='/publish'] input[name=objection_contact]", "0898-65331234")
    org.check("form[action$='/publish'] input[name=confirm]")
    org.click("form[action$='/publish'] button")
    org.wait_for_load_state()
    public = school_ctx.new_page()
    public.goto(f"{live_server}/results/{eid}")
    text = public.inner_text("main")
    assert "公示期" in text and ends in text and "0898-65331234" in text

    # finalizing inside the 公示期 is refused without a reason, then done with one
    early = world.client.post(f"/api/v1/events/{eid}/finalize", headers=world.headers("org"))
    assert early.status_code == 409
    final = world.client.post(
        f"/api/v1/events/{eid}/finalize",
        json={"override_notice_reason": "省赛推荐时间提前"},
        headers=world.headers("org"),
    )
    assert final.status_code == 200, final.text
    school.goto(f"{live_server}/events/")
    assert "已定稿" in school.inner_text("main")
    late = world.client.post(
        f"/api/v1/events/{eid}/entries",
        json={"title": "定稿后", "category_code": "PH", "division": "初中", "members": [student("林二")]},
        headers=headers,
    )
    assert late.status_code == 409 and late.json()["detail"] == "本赛事结果已定稿，报名、修改和重新提交都已关闭。"
    resubmit = world.client.post(f"/api/v1/entries/{entry_id}/submit", headers=headers)
    assert resubmit.status_code == 409 and resubmit.json()["detail"] == late.json()["detail"]
    school.goto(f"{live_server}/entries/{entry_id}")
    assert school.locator("form[action$='/submit']").count() == 0  # no button that cannot work
    org_ctx.close()
    school_ctx.close()
