"""Talent programme, step 2: applications with 学科 and 导师志愿1–3 through the registration workbook and
the web form, eligibility (grade, one application per student per year, mentors of the subject), the
review (a school's applications wait; the city recommends; the office approves), the list per role."""

from __future__ import annotations

from tests.competitions.talent.conftest import HEADER, XLSX, row, sid, workbook


def test_the_workbook_creates_applications_with_subject_and_mentor_preferences(talent):
    talent.mentor("zhang", "PH", display_name="张伟")
    talent.mentor("wang", "PH", display_name="王芳")
    talent.mentor("liu", "MA", display_name="刘洋")
    r = talent.upload(
        [row("张三", 1, prefs=("zhang", "王芳")), row("李四", 2, school="SY01", subject="数学", prefs=("LIU",))]
    )
    assert r.status_code == 201, r.text
    assert r.json() == {"applications_created": 2}
    apps = talent.by_name()
    assert apps["张三"]["preferences"] == ["zhang", "wang"] and apps["张三"]["subject"] == "PH"
    assert apps["李四"]["preferences"] == ["liu"] and apps["李四"]["subject_name"] == "数学"
    assert apps["张三"]["status"] == "applied" and apps["张三"]["review_status"] == "approved"  # the office's
    assert apps["张三"]["statement"] == "喜欢做实验" and apps["张三"]["grade"] == "高一"
    # the application is an entry of the subject with the student as its one member
    entry = talent.client.get(f"/api/v1/entries/{apps['张三']['entry_id']}", headers=talent.h("org")).json()
    assert entry["category_code"] == "PH" and [(m["name"], m["role"]) for m in entry["members"]] == [
        ("张三", "student")
    ]
    # the registration template of a talent event has the talent columns
    import io

    import openpyxl

    t = talent.client.get(f"/api/v1/events/{talent.id}/registration-template", headers=talent.h("org"))
    header = [c.value for c in openpyxl.load_workbook(io.BytesIO(t.content)).worksheets[0][1]]
    assert header[-6:] == ["学科", "导师志愿1", "导师志愿2", "导师志愿3", "申请陈述", "同意公开姓名"]


def test_workbook_errors_name_row_and_column_and_nothing_is_stored(talent):
    talent.mentor("zhang", "PH", display_name="张伟")
    talent.mentor("liu", "MA", display_name="刘洋")
    r = talent.upload(
        [
            row("王五", 3),  # row 2: fine
            row("赵六", 4, grade="初三"),  # row 3: grade not eligible
            row("钱七", 5, prefs=("zhang", "nobody")),  # row 4: no such mentor
            row("孙八", 6, prefs=("liu",)),  # row 5: 刘洋 teaches 数学, not 物理
            row("周九", 7, subject="天文"),  # row 6: no such subject
            row("吴十", 8, prefs=(None, "zhang")),  # row 7: 导师志愿1 empty
            row("王五", 3),  # row 8: the student of row 2 again
        ]
    )
    assert r.status_code == 422, r.text
    got = [(e["row"], e["column"]) for e in r.json()["errors"]]
    assert got == [(3, "年级"), (4, "导师志愿2"), (5, "导师志愿1"), (6, "学科"), (7, "导师志愿1"), (8, "身份证号")]
    assert talent.applications() == []


def test_one_application_per_student_per_year(talent):
    talent.mentor("zhang", "PH")
    assert talent.upload([row("张三", 1)]).status_code == 201
    r = talent.upload([row("张三", 1, subject="PH")])
    assert r.status_code == 422 and r.json()["errors"][0]["column"] == "身份证号"
    assert "每名学生每年只能申请一次" in r.json()["errors"][0]["message"]
    # another school's application of the same student is not the school's to know: accepted, and
    # the pair is shown to the office
    r = talent.upload([row("张三", 1, school="SY01")], user="sy01")
    assert r.status_code == 201, r.text
    apps = talent.applications()
    assert sorted(len(a["duplicate_of"]) for a in apps) == [1, 1]
    assert "duplicate_of" not in talent.applications("sy01")[0]


def test_the_web_form_and_the_review_flow(talent):
    talent.world.run(_city_review(talent.id))
    talent.mentor("zhang", "PH")
    body = {
        "name": "陈晨",
        "gender": "女",
        "id_number": sid(11, male=False),
        "grade": "高二",
        "phone": "13912345678",
        "subject": "PH",
        "preferences": ["zhang"],
        "statement": "做过单摆实验",
        "consent_participation": True,
    }
    r = talent.client.post(f"/api/v1/events/{talent.id}/applications", json=body, headers=talent.h("hk01"))
    assert r.status_code == 201, r.text
    app = r.json()
    assert app["review_status"] == "submitted" and app["status"] == "applied" and app["statement"] == "做过单摆实验"
    bad = {**body, "id_number": sid(12), "gender": "男", "grade": "初二"}
    r = talent.client.post(f"/api/v1/events/{talent.id}/applications", json=bad, headers=talent.h("hk01"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "grade"
    # the school recommends by submitting; the city recommends; the office approves
    url = f"/api/v1/entries/{app['entry_id']}/review"
    assert talent.client.post(url, json={"decision": "approve"}, headers=talent.h("sanya")).status_code == 404
    r = talent.client.post(url, json={"decision": "approve"}, headers=talent.h("haikou"))
    assert r.status_code == 200 and r.json()["status"] == "recommended"
    r = talent.client.post(url, json={"decision": "approve"}, headers=talent.h("org"))
    assert r.status_code == 200 and r.json()["status"] == "approved"
    # who sees what
    assert [a["name"] for a in talent.applications("hk01")] == ["陈晨"]
    assert [a["name"] for a in talent.applications("haikou")] == ["陈晨"]
    assert talent.applications("sy01") == [] and talent.applications("sanya") == []
    r = talent.client.get(f"/api/v1/events/{talent.id}/applications", headers=talent.h("zhang"))
    assert r.status_code == 403


async def _city_review(event_id):
    from competitions.events.tables import Event

    await Event.update({Event.city_review_required: True}).where(Event.id == event_id)


def test_grade_and_role_errors_speak_of_the_programme(talent):
    """A junior-school grade is refused with the programme's eligible grades (not the contest's "作品报的
    是高中组"); an adviser's row is refused by its role alone, without a confusing grade error; a
    student whose ID number is wrong hears about the grade as well, in one upload."""
    talent.mentor("zhang", "PH", display_name="张伟")
    adviser = {**row("李老师", 9), "角色": "辅导教师"}
    bad_id = {**row("郑一", 10, grade="高三"), "身份证号": sid(10)[:-1] + ("0" if sid(10)[-1] != "0" else "1")}
    header = ["角色", *HEADER]
    r = talent.client.post(
        f"/api/v1/events/{talent.id}/registrations/import",
        files={"file": ("t.xlsx", workbook([row("赵六", 4, grade="初三"), adviser, bad_id], header), XLSX)},
        headers=talent.h("org"),
    )
    assert r.status_code == 422, r.text
    errors = [(e["row"], e["column"], e["message"]) for e in r.json()["errors"]]
    assert errors[0] == (2, "年级", "年级“初三”不能申请：本计划只招收高一、高二学生。")
    assert [(e[0], e[1]) for e in errors if e[0] == 3] == [(3, "角色")]
    assert {(e[0], e[1]) for e in errors if e[0] == 4} == {(4, "身份证号"), (4, "年级")}
    assert not any("作品" in e[2] for e in errors)
