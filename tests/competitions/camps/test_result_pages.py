"""What schools and the office see of results on the pages: each application's result explained
(finding 11), a decline confirmed in a step of its own (finding 7), and the applied allocation shown
as stored, a preview only of a 补录 round (finding 15)."""

from __future__ import annotations

import datetime as dt
import re

from litestar.testing import TestClient

from tests.competitions.camps.test_camps_api import _allocated


def _csrf(client) -> str:
    return client.cookies.get("xinmiao_csrf")


def test_the_school_sees_why_and_until_when(camp, world, app):
    from competitions.camps.tables import CampApplication

    apps = _allocated(camp)  # 甲 offered A, 乙 offered B (A full of 甲), 丙 waiting for both
    past = dt.datetime(2026, 7, 1, 4, 0, tzinfo=dt.timezone.utc)  # 12:00 in Asia/Shanghai
    world.run(
        CampApplication.update({CampApplication.offer_expires_at: past}).where(CampApplication.id == apps["乙"]["id"])
    )
    with TestClient(app=app) as school:
        world.login_page("hk01", school)
        page = school.get(f"/camps/{camp.id}/applications").text
        explanations = re.findall(r'<p class="small muted explanation">([^<]*)</p>', page)
        # 乙 expired (its seat went to 丙), 甲 holds A, 丙 now holds B
        assert "录取到志愿1“A营”。 请在" in page
        by_start = {e.split("。")[0]: e for e in explanations}
        # 乙: why not A, and that B's offer ran out and when
        assert (
            "志愿1“A营”已满：1 个名额都录取了优先顺序更靠前的学生。 "  # out of the process: on no list now
            "录取到“B营”，但确认期限 2026-07-01 12:00 已过，名额已转给候补。" in explanations
        ), explanations
        # 丙 (promoted to B): why not A (its place on A's list now), and no stale word about B
        bing = [e for e in explanations if "录取到志愿2“B营”。" in e]
        assert len(bing) == 1 and bing[0].startswith(
            "志愿1“A营”已满：1 个名额都录取了优先顺序更靠前的学生；在该营候补第 1 位。"
        )
        assert "志愿2“B营”已满" not in bing[0], by_start
        assert "确认期限 2026-07-01 12:00 已过" in page
    api = camp.by_name("hk01")
    assert api["乙"]["status"] == "expired" and api["乙"]["offer_expires_at"].startswith("2026-07-01T")
    # once 丙 accepts B it waits for A no more: the explanation names no place on A's list
    r = camp.client.post(f"/api/v1/applications/{apps['丙']['id']}/accept", headers=camp.h("hk01"))
    assert r.json()["explanation"] == "志愿1“A营”已满：1 个名额都录取了优先顺序更靠前的学生。 录取到志愿2“B营”。", (
        r.text
    )


def test_declining_takes_a_confirm_step_naming_the_site_and_the_waiting_list(camp, world, app):
    apps = _allocated(camp)
    with TestClient(app=app) as school:
        world.login_page("hk01", school)
        page = school.get(f"/camps/{camp.id}/applications").text
        link = f"/camps/{camp.id}/applications/{apps['甲']['id']}/confirm-decline"
        assert f'href="{link}"' in page  # a link, not a one-tap form
        # a post without the confirmation (an old page, a double tap) only opens the confirm step
        r = school.post(
            f"/camps/{camp.id}/applications/{apps['甲']['id']}/decline",
            data={"_csrf_token": _csrf(school)},
            follow_redirects=False,
        )
        assert r.status_code == 303 and r.headers["location"] == link
        assert camp.by_name()["甲"]["status"] == "offered"
        confirm = school.get(link)
        assert confirm.status_code == 200
        assert "放弃“A营”的录取（已录取待确认）？" in confirm.text
        assert "名额会立即转给“A营”候补名单上的下一位学生。" in confirm.text
        assert 'name="confirmed" value="1"' in confirm.text
        r = school.post(
            f"/camps/{camp.id}/applications/{apps['甲']['id']}/decline",
            data={"_csrf_token": _csrf(school), "confirmed": "1"},
            follow_redirects=False,
        )
        assert r.status_code == 303
    after = camp.by_name()
    assert after["甲"]["status"] == "declined" and after["乙"]["site_code"] == "A"


def test_the_applied_allocation_is_shown_as_stored_and_only_a_second_round_is_previewed(camp, world, app):
    apps = _allocated(camp)
    # data changes after the allocation: 甲 declines (乙 moves up to A, 丙 to B)
    assert (
        camp.client.post(f"/api/v1/applications/{apps['甲']['id']}/decline", headers=camp.h("hk01")).status_code == 200
    )
    with TestClient(app=app) as org:
        world.login_page("org", org)
        page = org.get(f"/camps/{camp.id}/selection?priority=ranking").text
        assert "分配结果已于" in page and "第 1 轮：分配" in page
        assert "预览：按抽签顺序" not in page and "使分配结果生效并发出录取" not in page
        # the stored round: 甲 admitted to A, 乙 to B, 丙 waiting, as applied (not as the data is now)
        assert "录取 2 人，候补 1 人，未录取 0 人" in page
        second = org.get(f"/camps/{camp.id}/selection?second=1").text
        assert "预览：第 2 轮补录" in second and "没有申请参加这一轮。" in second
