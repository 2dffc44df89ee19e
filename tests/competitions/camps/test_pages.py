"""Camp pages for each role, in Chinese and in English (no Chinese words of our own in English),
and the page actions: a school applies through the form and accepts; the organizer commits, draws,
previews and applies; the public lottery page needs no log-in."""

from __future__ import annotations

import re

from litestar.testing import TestClient

from tests.competitions.camps.conftest import row, sid

CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff01-\uff0a\uff0c-\uff1f\uff5b-\uff65]+")


def _text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<p lang="zh">.*?</p>', " ", html, flags=re.S)  # the algorithm is shown in both languages
    html = re.sub(r"<[^>]+>", " ", html)
    return html


def _csrf(client) -> str:
    return client.cookies.get("xinmiao_csrf")


def _own_chinese(html: str, data: list[str]) -> list[str]:
    text = _text(html)
    for piece in sorted(data, key=len, reverse=True):
        text = text.replace(piece, " ")
    return sorted(set(CHINESE.findall(text)))


def test_camp_season_through_the_pages(camp, world, app):
    camp.site("A", 1, reserves={"poverty": "0.5"})
    camp.site("B", 1)
    assert (
        camp.upload([row("甲", 1, prefs=("A", "B")), row("乙", 2, prefs=("A", "B"), school="SY01")]).status_code == 201
    )

    with TestClient(app=app) as school:
        world.login_page("hk01", school)
        page = school.get(f"/camps/{camp.id}/applications")
        assert page.status_code == 200 and "甲" in page.text and "乙" not in page.text
        r = school.post(
            f"/camps/{camp.id}/apply",
            data={
                "name": "丙",
                "gender": "男",
                "id_number": sid(3),
                "grade": "高二",
                "phone": "13812345678",
                "pref1": "B",
                "consent_participation": "1",
                "_csrf_token": _csrf(school),
            },
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        bad = school.post(
            f"/camps/{camp.id}/apply",
            data={
                "name": "丁",
                "gender": "男",
                "id_number": sid(4),
                "grade": "初三",
                "phone": "13812345678",
                "pref1": "B",
                "consent_participation": "1",
                "_csrf_token": _csrf(school),
            },
        )
        assert bad.status_code == 422 and "初三" in bad.text
    names = camp.by_name()
    assert names["丙"]["review_status"] == "submitted"

    with TestClient(app=app) as org:
        world.login_page("org", org)
        for path in ("", "/applications", "/selection", "/offers", "/lottery", "/leaders", "/completion"):
            assert org.get(f"/camps/{camp.id}{path}").status_code == 200, path
        r = org.post(
            f"/camps/{camp.id}/applications/{names['丙']['id']}/approve",
            data={"_csrf_token": _csrf(org)},
            follow_redirects=False,
        )
        assert r.status_code == 303
        r = org.post(
            f"/camps/{camp.id}/selection/commit",
            data={"public_source": "福彩 2027080 期", "_csrf_token": _csrf(org)},
            follow_redirects=False,
        )
        assert r.status_code == 303
        camp.close()
        r = org.post(
            f"/camps/{camp.id}/selection/draw",
            data={"public_value": "01 02 03", "_csrf_token": _csrf(org)},
            follow_redirects=False,
        )
        assert r.status_code == 303
        preview = org.get(f"/camps/{camp.id}/selection?priority=lottery")
        assert preview.status_code == 200 and "录取 2 人" in preview.text or "录取 3 人" in preview.text
        r = org.post(
            f"/camps/{camp.id}/selection/apply",
            data={"priority": "lottery", "_csrf_token": _csrf(org)},
            follow_redirects=False,
        )
        assert r.status_code == 303 and r.headers["location"].endswith("/offers")
        offers = org.get(f"/camps/{camp.id}/offers")
        assert "候补名单" in offers.text

    with TestClient(app=app) as public:
        page = public.get(f"/camps/{camp.id}/lottery")
        assert page.status_code == 200 and "01 02 03" in page.text and "verify_camp_lottery.py" in page.text

    offered = [a for a in camp.applications("hk01") if a["status"] == "offered"]
    with TestClient(app=app) as school:
        world.login_page("hk01", school)
        for a in offered:
            r = school.post(
                f"/camps/{camp.id}/applications/{a['id']}/accept",
                data={"_csrf_token": _csrf(school)},
                follow_redirects=False,
            )
            assert r.status_code == 303
    assert all(a["status"] == "accepted" for a in camp.applications("hk01") if a["id"] in {o["id"] for o in offered})


def test_pages_in_english_have_no_chinese_of_their_own(camp, world, app):
    from app.tables import School

    camp.site("A", 1, reserves={"poverty": "0.5"})
    assert camp.upload([row("甲", 1), row("乙", 2, school="SY01")]).status_code == 201
    data = [
        "甲",
        "乙",
        "中文",
        "A营",
        "A大学",
        "2026年高校科学营",
        "科学营营员",
        "志愿1",
        "志愿2",
        "志愿3",
        "优先类别",
    ]
    data += [s["name"] for s in world.run(School.select(School.name))]
    # the default priority groups (建档立卡, 农村, 边远地区) are ours, so English pages translate them
    data += ["男", "女", "海口市", "三亚市", "李老师"]
    r = camp.client.post(
        f"/api/v1/events/{camp.id}/camp-teachers",
        json={"name": "李老师", "phone": "13900001111"},
        headers=camp.h("hk01"),
    )
    assert r.status_code == 201, r.text
    pages = {
        "org": [
            "",
            "/applications",
            "/selection",
            "/selection?priority=ranking",
            "/offers",
            "/lottery",
            "/leaders",
            "/completion",
        ],
        "haikou": ["", "/applications"],
        "hk01": ["", "/applications", "/leaders"],
    }
    for user, paths in pages.items():
        with TestClient(app=app) as client:
            world.login_page(user, client)
            client.cookies.set("lang", "en")
            for path in paths:
                page = client.get(f"/camps/{camp.id}{path}")
                assert page.status_code == 200, (user, path)
                body = page.text[page.text.find("<main") :] if "<main" in page.text else page.text
                # the settings form edits the labels as stored (poverty=建档立卡): data, not our words
                body = re.sub(r'<textarea name="priority_groups".*?</textarea>', "", body, flags=re.S)
                assert _own_chinese(body, data) == [], (user, path, _own_chinese(body, data))
                if (user, path) == ("org", ""):  # the sites table: site A reserves half its place for 建档立卡
                    assert "Registered low-income family 1" in body


def test_pages_refuse_roles_and_foreign_events(camp, world, app):
    with TestClient(app=app) as judge:
        world.login_page("judge", judge)
        assert judge.get(f"/camps/{camp.id}/applications").status_code in (403, 404)
    with TestClient(app=app) as school:
        world.login_page("hk01", school)
        assert school.get(f"/camps/{camp.id}/selection").status_code == 403
        assert school.get(f"/camps/{world.event_id}").status_code == 404  # not a camp


def test_pages_after_the_allocation_in_english_have_no_chinese_of_their_own(camp, world, app):
    """The pages the fresh user's findings changed, in English: explanations, the decline step, the
    stored rounds and a 补录 preview, completion in progress, camp certificates, badges per site,
    camp settings and home pages."""
    import datetime as dt

    from app.tables import School
    from competitions.checkin import services as checkin
    from tests.competitions.camps.test_camps_api import _allocated

    apps = _allocated(camp)
    assert (
        camp.client.post(f"/api/v1/applications/{apps['甲']['id']}/accept", headers=camp.h("hk01")).status_code == 200
    )
    later = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)).isoformat()
    session = world.run(checkin.create_session(world.org, camp.id, "A 结营", starts_at=later))["id"]
    r = camp.client.put(
        f"/api/v1/events/{camp.id}/camp-activities/{session}", json={"site_code": "A"}, headers=camp.h("org")
    )
    assert r.status_code == 200
    data = ["甲", "乙", "丙", "A营", "B营", "A大学", "B大学", "2026年高校科学营", "科学营营员", "A 结营"]
    data += ["志愿1", "志愿2", "志愿3", "优先类别", "高一", "高二", "建档立卡", "农村", "边远地区", "男", "女"]
    data += [s["name"] for s in world.run(School.select(School.name))] + ["海口市", "三亚市", "海口", "三亚"]
    from competitions.events.tables import Event

    data += [e["name"] for e in world.run(Event.select(Event.name))]
    pages = {
        "org": [
            f"/camps/{camp.id}/applications",
            f"/camps/{camp.id}/selection",
            f"/camps/{camp.id}/selection?second=1",
            f"/camps/{camp.id}/completion",
            f"/camps/{camp.id}",
            f"/events/{camp.id}/settings",
            f"/events/{camp.id}/judging/certificates/",
            "/checkin/",
        ],
        "hk01": [
            f"/camps/{camp.id}/applications",
            f"/camps/{camp.id}/applications/{apps['乙']['id']}/confirm-decline",
            "/",
        ],
        "haikou": ["/"],
    }
    for user, paths in pages.items():
        with TestClient(app=app) as client:
            world.login_page(user, client)
            client.cookies.set("lang", "en")
            for path in paths:
                page = client.get(path)
                assert page.status_code == 200, (user, path)
                body = page.text[page.text.find("<main") :] if "<main" in page.text else page.text
                own = _own_chinese(body, data)
                assert own == [], (user, path, own)


def test_selection_preview_names_applications_waiting_for_review(camp, world, app):
    camp.site("A", 2)
    assert camp.upload([row("甲", 1)], user="hk01").status_code == 201  # a school's: waits for review
    assert camp.upload([row("乙", 2)]).status_code == 201
    r = camp.client.post(
        f"/api/v1/events/{camp.id}/lottery/commit", json={"public_source": "福彩"}, headers=camp.h("org")
    )
    assert r.status_code == 201, r.text
    camp.close()
    r = camp.client.post(
        f"/api/v1/events/{camp.id}/lottery/draw", json={"public_value": "1 2 3"}, headers=camp.h("org")
    )
    assert r.status_code == 200, r.text
    with TestClient(app=app) as org:
        world.login_page("org", org)
        page = org.get(f"/camps/{camp.id}/selection?priority=lottery")
        assert page.status_code == 200
        assert "1 份申请还没有通过审查（待审查 1），不参加这次分配" in page.text
        assert f'<a href="/camps/{camp.id}/applications">查看申请</a>' in page.text and "查看重复申请" not in page.text


def test_the_web_form_says_each_problem_beside_its_field_and_keeps_what_was_chosen(camp, world, app):
    """A teacher's form with a wrong ID number, an unknown phone and 志愿2 without 志愿1: each message
    beside its own field (they were only in one box above the form), the priority group and the
    publication consent still chosen, nothing stored."""
    camp.site("A", 2)
    before = len(camp.by_name())
    with TestClient(app=app) as school:
        world.login_page("hk01", school)
        bad = school.post(
            f"/camps/{camp.id}/apply",
            data={
                "name": "戊",
                "gender": "女",
                "id_number": "460100201001011234",  # check digit wrong
                "grade": "高一",
                "phone": "12345",
                "pref1": "",
                "pref2": "A",
                "priority_group": "rural",
                "consent_participation": "1",
                "consent_publication": "1",
                "_csrf_token": _csrf(school),
            },
        )
    assert bad.status_code == 422
    start = bad.text.index(f'action="/camps/{camp.id}/apply"')
    form = bad.text[start : bad.text.index("</form>", start)]

    def after(name: str) -> str:
        """The form's text from field ``name`` to the next label."""
        start = form.index(f'name="{name}"')
        return form[start : form.index("<label", start)]

    id_error = re.search(r'<span class="field-error" role="alert">([^<]+)</span>', after("id_number"))
    assert id_error and "校验位" in id_error.group(1)
    assert "field-error" in after("phone") and "手机" in after("phone")
    assert "志愿1" in after("pref3") and "field-error" in after("pref3")
    assert "field-error" not in after("name") and "field-error" not in after("grade")
    assert re.search(r'<option value="rural" selected>', form)
    assert re.search(r'name="consent_publication" value="1" checked', form)
    assert len(camp.by_name()) == before
