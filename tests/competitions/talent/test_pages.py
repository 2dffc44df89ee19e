"""Talent programme pages for each role (office, city, school, mentor, public), in Chinese and in
English (no Chinese words of our own on an English page: Chinese that is data may appear), and the
page actions of a season: a school applies through the form, the office imports scores, previews
cut-offs, invites, previews and applies the matching, a mentor scores, ranks, plans and comments, the
school writes the growth log, the mentor reviews."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from litestar.testing import TestClient

from app.times import local_now
from tests.competitions.talent.conftest import XLSX, row, sid, workbook

CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff01-\uff0a\uff0c-\uff1f\uff5b-\uff65]+")


def _text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return html


def _own_chinese(html: str, data: list[str]) -> list[str]:
    text = _text(html)
    for piece in sorted(data, key=len, reverse=True):
        text = text.replace(piece, " ")
    return sorted(set(CHINESE.findall(text)))


def _data(world) -> list[str]:
    from app.regions.tables import Region
    from app.tables import School, User
    from competitions.checkin.tables import CheckinSession
    from competitions.events.tables import Category, Event
    from competitions.registration.tables import Entry, Member
    from competitions.talent.tables import GrowthLog, Mentor, TalentApplication
    from judging.scoring.tables import Criterion

    parts: set[str] = {"中文"}
    for table, columns in (
        (Event, ("name",)),
        (Entry, ("title", "summary")),
        (School, ("name", "city")),
        (Region, ("name", "short_name")),
        (Category, ("name",)),
        (User, ("display_name",)),
        (Member, ("name", "grade", "gender")),
        (Criterion, ("name", "description")),
        (Mentor, ("name", "university", "lab", "topics", "profile", "title")),
        (TalentApplication, ("statement", "plan", "final_comment", "midterm_reason", "adjusted_reason")),
        (GrowthLog, ("activity", "reflection", "mentor_comment")),
        (CheckinSession, ("name", "location")),
    ):
        for r in world.run(table.select(*(getattr(table, c) for c in columns))):
            for v in r.values():
                if v:
                    parts.update(str(v).split("\n"))
    parts.update(("高一", "高二", "男", "女", "高中"))
    return [p for p in parts if CHINESE.search(p)]


def _csrf(client) -> str:
    return client.cookies.get("xinmiao_csrf")


def _post(client, url, data=None, files=None, expect=(303,)):
    r = client.post(url, data={**(data or {}), "_csrf_token": _csrf(client)}, files=files, follow_redirects=False)
    assert r.status_code in expect, (url, r.status_code, re.findall(r"flash error[^<]*<?[^<]*", r.text)[:3])
    return r


def test_a_season_through_the_pages_in_both_languages(talent, world, app):
    m = talent.mentor("zhang", "PH", 2, display_name="张伟", lab="凝聚态物理实验室", topics="量子输运")
    talent.mentor("liu", "MA", 1, display_name="刘洋")
    assert (
        talent.upload(
            [row("学生甲", 1, prefs=("zhang",)), row("学生乙", 2, school="SY01", prefs=("zhang",))]
        ).status_code
        == 201
    )
    pages: dict[str, str] = {}

    with TestClient(app=app) as school:
        world.login_page("hk01", school)
        page = school.get(f"/talent/{talent.id}/applications")
        assert page.status_code == 200 and "学生甲" in page.text and "学生乙" not in page.text
        _post(
            school,
            f"/talent/{talent.id}/apply",
            {
                "name": "学生丙",
                "gender": "女",
                "id_number": sid(3, male=False),
                "grade": "高二",
                "phone": "13912345678",
                "subject": "PH",
                "pref1": "zhang",
                "statement": "做过单摆实验",
                "consent_participation": "1",
            },
        )
        bad = _post(
            school,
            f"/talent/{talent.id}/apply",
            {
                "name": "学生丁",
                "gender": "男",
                "id_number": "123",
                "grade": "高一",
                "phone": "1",
                "subject": "PH",
                "pref1": "zhang",
                "consent_participation": "1",
            },
            expect=(422,),
        )
        assert "身份证号" in bad.text  # the form again (422) with the errors
        # each message beside its own field, the consent still ticked
        start = bad.text.index(f'action="/talent/{talent.id}/apply"')
        form = bad.text[start : bad.text.index("</form>", start)]

        def after(name: str) -> str:
            at = form.index(f'name="{name}"')
            return form[at : form.index("<label", at)]

        assert "field-error" in after("id_number") and "field-error" in after("phone")
        assert "field-error" not in after("name") and "field-error" not in after("subject")
        assert 'name="consent_participation" value="1" required checked' in form
        pages["school applications"] = school.get(f"/talent/{talent.id}/applications").text
        pages["school overview"] = school.get(f"/talent/{talent.id}").text

    apps = talent.by_name()
    assert apps["学生丙"]["review_status"] == "submitted"
    with TestClient(app=app) as office:
        world.login_page("org", office)
        _post(office, f"/talent/{talent.id}/applications/{apps['学生丙']['id']}/approve")
        assert talent.by_name()["学生丙"]["review_status"] == "approved"
        scores = workbook(
            [{"申请编号": str(a["id"]), "分数": "80"} for a in talent.applications()], ["申请编号", "分数"]
        )
        _post(office, f"/talent/{talent.id}/selection/scores", files={"file": ("s.xlsx", scores, XLSX)})
        page = office.get(f"/talent/{talent.id}/selection?step=10")
        assert page.status_code == 200 and "≥ 80" in page.text
        _post(office, f"/talent/{talent.id}/selection/cutoffs", {"cutoff_PH": "75", "cutoff_MA": "75"})
        _post(office, f"/talent/{talent.id}/selection/invite", {"starts_at": "2027-03-01T09:00"})
        assert talent.by_name()["学生甲"]["status"] == "invited"
        pages["office overview"] = office.get(f"/talent/{talent.id}").text
        pages["office selection invited"] = office.get(f"/talent/{talent.id}/selection").text

    with TestClient(app=app) as mentor:
        world.login_page("zhang", mentor)
        home = mentor.get("/talent/", follow_redirects=True)
        assert home.status_code == 200 and "学生甲" in home.text
        ids = {n: a["id"] for n, a in talent.by_name().items()}
        sheet = mentor.get(f"/talent/{talent.id}/interviews/{ids['学生甲']}/score")
        assert sheet.status_code == 200 and "学科基础" in sheet.text
        pages["mentor score"] = sheet.text
        _post(
            mentor,
            f"/talent/{talent.id}/interviews/{ids['学生甲']}/score",
            {"version": "0", "c_foundation": "9", "c_potential": "9", "c_thinking": "8", "c_commitment": "8"},
        )
        _post(
            mentor,
            f"/talent/{talent.id}/mentor/ranking",
            {
                "application_id": [str(ids["学生甲"]), str(ids["学生乙"]), str(ids["学生丙"])],
                f"rank_{ids['学生丙']}": "1",
                f"refused_{ids['学生乙']}": "1",
            },
        )
        pages["mentor home before"] = mentor.get(f"/talent/{talent.id}/mentor").text

    with TestClient(app=app) as office:
        world.login_page("org", office)
        preview = office.get(f"/talent/{talent.id}/selection?preview=1")
        assert preview.status_code == 200 and "导师面试后没有接收" in preview.text
        # no waiting lists in this programme: the per-mentor count is of those who listed the mentor and
        # were not placed with it
        assert "候补" not in preview.text and "<th>未获名额</th>" in preview.text
        pages["office matching preview"] = preview.text
        _post(office, f"/talent/{talent.id}/selection/apply")
        apps = talent.by_name()
        assert (apps["学生丙"]["site_code"], apps["学生甲"]["site_code"], apps["学生乙"]["status"]) == (
            "zhang",
            "zhang",
            "unmatched",
        )
        pages["office selection matched"] = office.get(f"/talent/{talent.id}/selection").text

    with TestClient(app=app) as mentor:
        world.login_page("zhang", mentor)
        a = apps["学生甲"]["id"]
        _post(mentor, f"/talent/{talent.id}/students/{a}/plan", {"plan": "每月两次实验"})
        _post(mentor, f"/talent/{talent.id}/visits", {"name": "开放日", "starts_at": "2027-04-01T14:00"})
        pages["mentor visits"] = mentor.get(f"/talent/{talent.id}/visits").text

    with TestClient(app=app) as school:
        world.login_page("hk01", school)
        a = apps["学生甲"]["id"]
        yesterday = (local_now().date() - dt.timedelta(days=1)).isoformat()
        _post(
            school,
            f"/talent/{talent.id}/students/{a}/log",
            {"on": yesterday, "activity": "学习示波器", "hours": "2.5", "reflection": "学会了触发"},
        )
        pages["school student"] = school.get(f"/talent/{talent.id}/students/{a}").text
        assert "学习示波器" in pages["school student"] and "每月两次实验" in pages["school student"]
        pages["school cohort"] = school.get(f"/talent/{talent.id}/cohort").text

    with TestClient(app=app) as mentor:
        world.login_page("zhang", mentor)
        record = talent.client.get(f"/api/v1/talent-applications/{a}/record", headers=talent.h("zhang")).json()
        _post(
            mentor,
            f"/talent/{talent.id}/students/{a}/comment",
            {"log_id": str(record["logs"][0]["id"]), "comment": "很好"},
        )
        _post(mentor, f"/talent/{talent.id}/students/{a}/midterm", {"result": "pass", "reason": ""})
        _post(mentor, f"/talent/{talent.id}/students/{a}/final", {"result": "excellent", "comment": "课题完成得好"})
        page = mentor.get(f"/talent/{talent.id}/students/{a}")
        assert "很好" in page.text and sid(1) not in page.text
        pages["mentor student"] = page.text
        pages["mentor home after"] = mentor.get(f"/talent/{talent.id}/mentor").text

    with TestClient(app=app) as city:
        world.login_page("haikou", city)
        pages["city applications"] = city.get(f"/talent/{talent.id}/applications").text
        pages["city cohort"] = city.get(f"/talent/{talent.id}/cohort").text
    with TestClient(app=app) as office:
        world.login_page("org", office)
        pages["office cohort"] = office.get(f"/talent/{talent.id}/cohort").text
        pages["office student"] = office.get(f"/talent/{talent.id}/students/{a}").text
        pages["office visits"] = office.get(f"/talent/{talent.id}/visits").text
        pages["office index"] = office.get("/talent/").text
    with TestClient(app=app) as public:
        pages["public mentors"] = public.get(f"/talent/{talent.id}/mentors").text
        pages["public mentor"] = public.get(f"/talent/{talent.id}/mentors/{m['id']}").text

    # every page again in English: no Chinese of our own
    data = _data(world)
    found = {}
    for name, username in (
        ("school applications", "hk01"), ("school student", "hk01"), ("school cohort", "hk01"), ("school overview", "hk01"),
        ("office overview", "org"), ("office selection matched", "org"), ("office cohort", "org"), ("office student", "org"),
        ("office visits", "org"), ("office index", "org"), ("office matching preview", "org"),
        ("mentor home after", "zhang"), ("mentor student", "zhang"), ("mentor visits", "zhang"), ("mentor score", "zhang"),
        ("city applications", "haikou"), ("city cohort", "haikou"), ("public mentors", None), ("public mentor", None),
    ):  # fmt: skip
        with TestClient(app=app) as client:
            if username:
                world.login_page(username, client)
            client.cookies.set("lang", "en")
            url = _url_of(name, talent, m, apps)
            response = client.get(url)
            assert response.status_code == 200, (name, url, response.status_code)
            bad = _own_chinese(response.text, data)
            if bad:
                found[name] = bad
    assert found == {}
    for name, html in pages.items():
        assert "Traceback" not in html, name


def _url_of(name, talent, mentor, apps):
    a = apps["学生甲"]["id"]
    e = talent.id
    return {
        "school applications": f"/talent/{e}/applications",
        "school student": f"/talent/{e}/students/{a}",
        "school cohort": f"/talent/{e}/cohort",
        "school overview": f"/talent/{e}",
        "office overview": f"/talent/{e}",
        "office selection matched": f"/talent/{e}/selection",
        "office matching preview": f"/talent/{e}/selection",
        "office cohort": f"/talent/{e}/cohort",
        "office student": f"/talent/{e}/students/{a}",
        "office visits": f"/talent/{e}/visits",
        "office index": "/talent/",
        "mentor home after": f"/talent/{e}/mentor",
        "mentor student": f"/talent/{e}/students/{a}",
        "mentor visits": f"/talent/{e}/visits",
        "mentor score": f"/talent/{e}/interviews/{a}/score",
        "city applications": f"/talent/{e}/applications",
        "city cohort": f"/talent/{e}/cohort",
        "public mentors": f"/talent/{e}/mentors",
        "public mentor": f"/talent/{e}/mentors/{mentor['id']}",
    }[name]


def test_every_string_of_the_talent_code_has_an_english_translation():
    """Every Chinese literal passed to _() in competitions/talent, judging/talent and their templates,
    and every label translated where shown (statuses, reviews, audit actions), is in an English catalog."""
    from app.i18n import _catalog
    from competitions.talent import growth, pages, services

    root = Path(__file__).resolve().parents[3]
    sources = [
        *sorted((root / "competitions" / "talent").glob("*.py")),
        *sorted((root / "judging" / "talent").glob("*.py")),
        *sorted((root / "templates" / "competitions" / "talent").glob("*.html")),
        *sorted((root / "templates" / "judging" / "talent").glob("*.html")),
    ]
    literal = re.compile(r"""(?<![A-Za-z_])_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
    catalog = _catalog("en")
    missing = set()
    for path in sources:
        for a, b in literal.findall(path.read_text(encoding="utf-8")):
            message = a or b
            if re.search(r"[\u4e00-\u9fff（）]", message) and message not in catalog:
                missing.add(f"{path.name}: {message}")
    labels = [
        *services.STATUS_LABELS.values(),
        *pages.ACTION_LABELS.values(),
        *growth.MIDTERM_LABELS.values(),
        *growth.FINAL_LABELS.values(),
    ]
    missing |= {f"label: {m}" for m in labels if m not in catalog}
    assert not missing, sorted(missing)


def test_a_mentor_reads_grades_and_genders_in_english(talent, world):
    """The mentor's home and a student's page in English say "Grade 10" and "Male", not 高一 and 男."""
    from tests.competitions.talent.test_growth import _cohort

    ids = _cohort(talent)
    page = world.login_page("zhang")
    page.cookies.set("lang", "en")
    home = page.get(f"/talent/{talent.id}/mentor").text
    assert "Grade 10" in home and "高一" not in home
    student = page.get(f"/talent/{talent.id}/students/{ids['学生甲']}").text
    assert "Grade 10" in student and "高一" not in student
