"""培养证书 at a school: once the office has issued the talent programme's training certificates (优秀
and 合格 of the year-end review), the school finds them under its 证书 menu and downloads a PDF with
its own students only; the public verification page says 培养证书 (优秀) and names the mentor."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.competitions.talent.conftest import Talent, row
from tests.judging.pages import text_of


@pytest.fixture
def talent(world):
    r = world.client.post(
        "/api/v1/events",
        json={
            "name": "2026年海南省中学生科技创新后备人才培养计划",
            "kind": "talent",
            "year": 2026,
            "status": "open",
            "registration_closes_at": "2099-01-01T00:00:00+08:00",
        },
        headers=world.headers("org"),
    )
    assert r.status_code == 201, r.text
    return Talent(world, r.json()["id"])


def _graduates(talent):
    """甲 (HK01) 优秀 and 乙 (HK01) 不合格 with zhang; 丙 (SY01) 合格 with wang; certificates issued."""
    talent.mentor("zhang", "PH", 2, display_name="张伟")
    talent.mentor("wang", "PH", 1, display_name="王芳", university="海南师范大学")
    rows = [
        row("学生甲", 1, prefs=("zhang",)),
        row("学生乙", 2, prefs=("zhang",)),
        row("学生丙", 3, school="SY01", prefs=("wang",)),
    ]
    assert talent.upload(rows).status_code == 201
    apps = talent.by_name()
    assert talent.scores([(a["id"], "90") for a in apps.values()]).status_code == 201
    talent.cutoffs(PH="60")
    talent.invite()
    talent.allocate(apply=True)
    base = "/api/v1/talent-applications"
    for name, mentor, result in (
        ("学生甲", "zhang", "excellent"),
        ("学生乙", "zhang", "fail"),
        ("学生丙", "wang", "pass"),
    ):
        a = apps[name]["id"]
        assert (
            talent.client.post(f"{base}/{a}/midterm", json={"result": "pass"}, headers=talent.h(mentor)).status_code
            == 200
        )
        r = talent.client.post(
            f"{base}/{a}/final", json={"result": result, "comment": "完成"}, headers=talent.h(mentor)
        )
        assert r.status_code == 200, r.text
    r = talent.client.post(
        f"/api/v1/events/{talent.id}/certificates/issue", params={"kind": "talent"}, headers=talent.h("org")
    )
    assert r.status_code == 200 and r.json()["issued"] == 2, r.text


def test_a_school_downloads_its_training_certificates_under_its_certificates_menu(talent, world):
    _graduates(talent)
    client = world.login_page("org")
    fresh = lambda: type(client)(app=client.app, raise_server_exceptions=False)  # noqa: E731
    school = world.login_page("hk01", client=fresh())
    with school:
        text = text_of(school.get("/certificates/"))
        assert "2026年海南省中学生科技创新后备人才培养计划" in text, text
        assert "培养证书" in text and "本校应得 1 张，可下载 1 张。" in text  # 甲 only: 乙 failed
        assert "本校申请 2 份" in text and "本校作品" not in text
        response = school.get(f"/certificates/{talent.id}/certificates.pdf?kind=talent")
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
        if shutil.which("pdftotext"):
            words = subprocess.run(
                ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
            ).stdout.decode()
            assert "学生甲" in words and "优秀" in words and "张伟" in words
            assert "学生丙" not in words and "学生乙" not in words
    school = world.login_page("sy01", client=fresh())
    with school:
        text = text_of(school.get("/certificates/"))
        assert "本校应得 1 张，可下载 1 张。" in text
    school = world.login_page("hk02", client=fresh())
    with school:
        assert "2026年海南省中学生科技创新后备人才培养计划" not in text_of(school.get("/certificates/"))


def test_the_verification_says_training_certificate_with_the_grade_and_the_mentor(talent, world):
    _graduates(talent)
    certs = talent.client.get(
        f"/api/v1/events/{talent.id}/certificates", params={"kind": "talent"}, headers=talent.h("org")
    ).json()
    number = next(c["number"] for c in certs if c["name"] == "学生甲")
    answer = talent.client.get(f"/api/v1/certificates/{number}").json()
    assert (answer["kind_label"], answer["award_label"], answer["title"]) == ("培养证书", "优秀", "张伟（海南大学）")
    text = text_of(talent.client.get(f"/verify/{number}"))
    assert "培养证书（优秀）" in text and "导师 张伟（海南大学）" in text.replace("\n", " "), text
    talent.client.cookies.set("lang", "en")
    text = text_of(talent.client.get(f"/verify/{number}"))
    assert "Training certificate (Excellent)" in text and "Mentor" in text, text


def test_the_certificate_names_the_mentor_on_a_line_of_its_own(talent, world, tmp_path):
    """培养证书: "导师：张伟（海南大学）", not "在张伟（海南大学）导师指导下" (a name and a university in
    brackets before 导师 reads badly); the English verification page: "Mentor 张伟 (海南大学)"."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is needed to read the PDF")
    _graduates(talent)
    response = talent.client.get(
        f"/api/v1/events/{talent.id}/certificates.pdf", params={"kind": "talent"}, headers=talent.h("org")
    )
    assert response.status_code == 200, response.text
    (tmp_path / "talent.pdf").write_bytes(response.content)
    words = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "talent.pdf"), "-"], capture_output=True, check=True
    ).stdout.decode()
    lines = [" ".join(line.split()) for line in words.splitlines() if line.strip()]
    assert "导师：张伟（海南大学）" in lines, lines
    assert "导师：王芳（海南师范大学）" in lines, lines
    assert not any("）导师" in line for line in lines), lines
    assert any(line.startswith("完成物理学科一年的培养，考核等级为") for line in lines), lines
    certs = talent.client.get(
        f"/api/v1/events/{talent.id}/certificates", params={"kind": "talent"}, headers=talent.h("org")
    ).json()
    number = next(c["number"] for c in certs if c["name"] == "学生甲")
    talent.client.cookies.set("lang", "en")
    text = " ".join(text_of(talent.client.get(f"/verify/{number}")).split())
    assert "Mentor 张伟 (海南大学)" in text and "（" not in text, text


def test_before_anyone_graduates_the_design_preview_shows_a_training_certificate(talent, world, tmp_path):
    """Mid-year nobody has a 培养证书 yet: the design preview shows a sample of this kind (a mentor and
    a grade), not a contest project's title after 导师."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is needed to read the PDF")
    client = world.login_page("org")
    response = client.get(f"/events/{talent.id}/judging/certificates/preview.pdf", params={"kind": "talent"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF"), response.text[:300]
    (tmp_path / "preview.pdf").write_bytes(response.content)
    words = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "preview.pdf"), "-"], capture_output=True, check=True
    ).stdout.decode()
    lines = [" ".join(line.split()) for line in words.splitlines() if line.strip()]
    assert "导师：陈思远（海南大学）" in lines and "优秀" in lines, lines
    # the programme's first subject (数学, as the event's subjects are ordered) in the sample
    assert any(line.startswith("完成数学学科一年的培养，考核等级为") for line in lines), lines
    assert "智能回收装置" not in words


def test_the_office_list_of_training_certificates_names_mentor_and_grade(talent, world):
    """The office's list of 培养证书: the column is the mentor (not 作品) and the grade shows (优秀, 合格)."""
    _graduates(talent)
    client = world.login_page("org")
    url = f"/events/{talent.id}/judging/certificates"
    html = client.get(url, params={"kind": "talent"}).text
    head = re.search(r"<th>证书编号</th>.*?</tr>", html, re.S).group(0)
    assert "<th>导师</th>" in head and "<th>作品</th>" not in head, head
    text = " ".join(text_of(client.get(url, params={"kind": "talent"})).split())
    assert "学生甲 海口市第一中学 张伟（海南大学） 物理 · 高中 优秀 有效" in text, text
    assert "学生丙 三亚市第一中学 王芳（海南师范大学） 物理 · 高中 合格 有效" in text, text
    client.cookies.set("lang", "en")
    text = " ".join(text_of(client.get(url, params={"kind": "talent"})).split())
    assert "Name School Mentor Award Status" in text, text
    assert "学生甲 海口市第一中学 张伟 (海南大学) 物理 · Senior secondary Excellent Valid" in text, text


def test_the_designer_names_the_fields_of_a_training_certificate(talent, world):
    """In a talent programme the title field is the mentor, the category the subject, the award the grade."""
    client = world.login_page("org")
    page = client.get(f"/events/{talent.id}/judging/certificates/design", params={"kind": "talent"})
    assert page.status_code == 200
    assert '<option value="title" >导师（姓名和高校）</option>' in page.text, page.text[:500]
    assert '<option value="category" >学科</option>' in page.text
    assert '<option value="award" >考核等级</option>' in page.text
    english = client.get(
        f"/events/{talent.id}/judging/certificates/design", params={"kind": "talent"}, headers={"Accept-Language": "en"}
    )
    assert '<option value="title" >Mentor (name and university)</option>' in english.text
