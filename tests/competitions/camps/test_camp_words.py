"""A camp is not a contest (fresh user's finding 4 and 14): the generic entry form sends schools to the
camp's application form, the API refuses entries that skip it, and settings, the workbook's
instructions and home pages speak of applications (申请) and 营员, not 作品."""

from __future__ import annotations

import io

import openpyxl
from litestar.testing import TestClient


def test_the_entry_form_of_a_camp_is_its_application_form(camp, world, app):
    with TestClient(app=app) as school:
        world.login_page("hk01", school)
        r = school.get(f"/events/{camp.id}/entries/new", follow_redirects=False)
        assert r.status_code in (302, 303) and r.headers["location"] == f"/camps/{camp.id}/applications"
        r = school.post(
            f"/events/{camp.id}/entries/new",
            data={"title": "x", "_csrf_token": school.cookies.get("xinmiao_csrf")},
            follow_redirects=False,
        )
        assert r.status_code in (302, 303) and r.headers["location"] == f"/camps/{camp.id}/applications"
        home = school.get("/")
        assert f'href="/camps/{camp.id}/applications"' in home.text
        assert f'href="/events/{camp.id}/entries/new"' not in home.text
    r = camp.client.post(
        f"/api/v1/events/{camp.id}/entries",
        json={"title": "周航", "category_code": "CAMP", "division": "高中"},
        headers=camp.h("hk01"),
    )
    assert r.status_code == 409 and f"/camps/{camp.id}/applications" in r.json()["detail"], r.text
    from competitions.registration.tables import Entry

    assert world.run(Entry.count().where(Entry.event == camp.id)) == 0


def test_a_new_camp_has_its_category_and_settings_without_contest_fields(camp, world, app):
    cats = camp.client.get(f"/api/v1/events/{camp.id}/categories", headers=camp.h("org")).json()
    assert [(c["code"], c["name"]) for c in cats] == [("CAMP", "科学营营员")]
    camp.close()
    with TestClient(app=app) as org:
        world.login_page("org", org)
        page = org.get(f"/events/{camp.id}/settings").text
        for contest in ("作品最少学生数", "辅导教师数", "申报书", "开始评审", "提交前必须上传的材料"):
            assert contest not in page, contest
        assert "目前不能给各市县设不同的名额" in page
        overview = org.get(f"/camps/{camp.id}").text
        assert "“需要市县科协先审查推荐”" in overview and "“需市县推荐”" not in overview
        # saving the settings keeps the hidden team sizes
        before = camp.client.get(f"/api/v1/events/{camp.id}", headers=camp.h("org")).json()
        import re

        form = dict(re.findall(r'<input type="hidden" name="(m\w+)" value="([^"]*)"', page))
        r = org.post(
            f"/events/{camp.id}/settings",
            data={
                "name": before["name"],
                "kind": "camp",
                "year": "2026",
                "registration_closes_at": "2099-01-01T00:00",
                "divisions": "高中",
                **form,
                "_csrf_token": org.cookies.get("xinmiao_csrf"),
            },
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text


def test_the_camp_workbook_instructions_speak_of_students_and_the_camp_grades(camp):
    r = camp.client.put(
        f"/api/v1/events/{camp.id}/camp-settings", json={"eligible_grades": ["高一"]}, headers=camp.h("org")
    )
    assert r.status_code == 200
    data = camp.client.get(f"/api/v1/events/{camp.id}/registration-template", headers=camp.h("hk01"))
    assert data.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(data.content))
    text = "\n".join(str(c) for row in wb["填写说明"].iter_rows(values_only=True) for c in row if c)
    assert "只有这些年级可以申请：高一。" in text
    for contest in ("作品名称", "1–3 名", "初二", "辅导教师指导", "参赛同意"):
        assert contest not in text, contest
    assert "会被这一行替换" in text  # the re-upload note says what a re-upload does


def test_the_city_home_lists_camp_applications_in_camp_words(camp, world, app):
    from tests.competitions.camps.conftest import row

    r = camp.client.patch(f"/api/v1/events/{camp.id}", json={"city_review_required": True}, headers=camp.h("org"))
    assert r.status_code == 200, r.text
    camp.site("A", 2)
    assert camp.upload([row("甲", 1)], user="hk01").status_code == 201
    with TestClient(app=app) as city:
        world.login_page("haikou", city)
        home = city.get("/").text
        block = home[home.index("2026年高校科学营") :]
        block = block[: block.index("</section>")]
        assert "作品" not in block and "学生姓名" in block and "1 份申请" in block, block
        assert f'href="/camps/{camp.id}/applications"' in block


def test_site_grades_within_the_camps_grades_and_the_form_keeps_what_was_typed(camp, world, app):
    """Fresh user's finding 9: 限招年级 大一 was saved; a failed new-site form came back empty."""
    r = camp.client.post(
        f"/api/v1/events/{camp.id}/sites",
        json={"code": "SYU", "name": "三亚学院营", "capacity": 24, "grades": ["高二", "大一"]},
        headers=camp.h("org"),
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "grades", r.text
    assert "大一" in r.json()["errors"][0]["message"] and "高一、高二" in r.json()["errors"][0]["message"]
    ok = camp.site("A", 5, grades=["高二"])
    r = camp.client.patch(
        f"/api/v1/events/{camp.id}/sites/{ok['id']}", json={"grades": ["初三"]}, headers=camp.h("org")
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "grades"
    with TestClient(app=app) as org:
        world.login_page("org", org)
        r = org.post(
            f"/camps/{camp.id}/sites",
            data={
                "code": "SYU",
                "name": "三亚学院营",
                "host": "三亚学院",
                "capacity": "24",
                "grades": "大一",
                "report_place": "三亚学院图书馆",
                "_csrf_token": org.cookies.get("xinmiao_csrf"),
            },
        )
        assert r.status_code == 422
        assert 'value="三亚学院营"' in r.text and 'value="三亚学院图书馆"' in r.text and 'value="大一"' in r.text
        assert "限招年级“大一”不是本次科学营可以申请的年级" in r.text
    assert [s["code"] for s in camp.client.get(f"/api/v1/events/{camp.id}/sites", headers=camp.h("org")).json()] == [
        "A"
    ]
