"""Talent programme, step 5: the year of growth. The mentor's plan; growth-log entries by the school
(hours as decimals, attachments as the student's documents); the mentor's comments; lab visits as
check-in sessions; the mid-term (leave with a reason) and year-end reviews; the training certificate
(培养证书) for 优秀 and 合格 only, never for a student who left at the mid-term; the reminder list; what
each role reaches (a mentor only its own students, without ID numbers)."""

from __future__ import annotations

import datetime as dt
import re

from app.times import local_now
from tests.competitions.talent.conftest import row, sid

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _cohort(talent):
    """Four PH students matched: 甲 and 乙 with zhang, 丙 with wang, 丁 with zhang (3 seats); one MA
    student 戊 with liu."""
    talent.mentor("zhang", "PH", 3, display_name="张伟")
    talent.mentor("wang", "PH", 1, display_name="王芳")
    talent.mentor("liu", "MA", 1, display_name="刘洋")
    rows = [
        row("学生甲", 1, prefs=("zhang",)),
        row("学生乙", 2, prefs=("zhang",)),
        row("学生丙", 3, school="SY01", prefs=("wang",)),
        row("学生丁", 4, prefs=("zhang",)),
        row("学生戊", 5, subject="MA", prefs=("liu",)),
    ]
    assert talent.upload(rows).status_code == 201
    apps = talent.by_name()
    assert talent.scores([(a["id"], "90") for a in apps.values()]).status_code == 201
    talent.cutoffs(PH="60", MA="60")
    talent.invite()
    talent.allocate(apply=True)
    return {n: a["id"] for n, a in talent.by_name().items()}


def test_plan_log_comment_and_attachments_each_by_its_role(talent):
    ids = _cohort(talent)
    a = ids["学生甲"]
    base = "/api/v1/talent-applications"
    r = talent.client.put(
        f"{base}/{a}/plan", json={"plan": "每月两次实验室，课题：单摆的非线性"}, headers=talent.h("zhang")
    )
    assert r.status_code == 200 and r.json()["plan"].startswith("每月两次")
    assert talent.client.put(f"{base}/{a}/plan", json={"plan": "x"}, headers=talent.h("wang")).status_code == 404
    assert talent.client.put(f"{base}/{a}/plan", json={"plan": "x"}, headers=talent.h("hk01")).status_code == 403
    # the school writes the log; hours are decimals
    today = local_now().date()
    log = {
        "on": (today - dt.timedelta(days=3)).isoformat(),
        "activity": "学习示波器",
        "hours": "2.5",
        "reflection": "学会了触发",
    }
    r = talent.client.post(f"{base}/{a}/logs", json=log, headers=talent.h("hk01"))
    assert r.status_code == 201, r.text
    log_id = r.json()["id"]
    assert r.json()["hours"] == "2.5"
    talent.client.post(
        f"{base}/{a}/logs", json={**log, "hours": "1.25", "activity": "读文献"}, headers=talent.h("hk01")
    )
    for bad, field in (
        ({**log, "hours": "0"}, "hours"),
        ({**log, "hours": "24.5"}, "hours"),
        ({**log, "hours": "abc"}, "hours"),
        ({**log, "on": (today + dt.timedelta(days=2)).isoformat()}, "on"),
        ({**log, "activity": " "}, "activity"),
    ):
        r = talent.client.post(f"{base}/{a}/logs", json=bad, headers=talent.h("hk01"))
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, (bad, r.text)
    assert talent.client.post(f"{base}/{a}/logs", json=log, headers=talent.h("sy01")).status_code == 404
    assert talent.client.post(f"{base}/{a}/logs", json=log, headers=talent.h("zhang")).status_code == 403
    # an attachment, kept with the student's documents; the mentor may open it, another school not
    r = talent.client.post(
        f"/api/v1/talent-logs/{log_id}/attachments",
        files={"file": ("示波器.pdf", PDF, "application/pdf")},
        headers=talent.h("hk01"),
    )
    assert r.status_code == 201, r.text
    doc_id = r.json()["id"]
    # a program is refused in the growth log's own words (not "其他只接受 PDF 或 Word")
    r = talent.client.post(
        f"/api/v1/talent-logs/{log_id}/attachments",
        files={"file": ("setup.exe", b"MZ\x90\x00\x03binary", "application/octet-stream")},
        headers=talent.h("hk01"),
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file", r.text
    assert r.json()["detail"].startswith("成长日志的附件只接受 PDF、Word（.doc、.docx）文件或 JPEG、PNG 照片"), r.text
    talent.world.login_page("zhang")
    assert talent.client.get(f"/talent/documents/{doc_id}").content == PDF
    talent.client.cookies.clear()
    talent.world.login_page("sy01")
    assert talent.client.get(f"/talent/documents/{doc_id}").status_code == 404
    talent.client.cookies.clear()
    # the mentor comments; the school can then no longer delete the entry
    r = talent.client.put(
        f"/api/v1/talent-logs/{log_id}/comment", json={"comment": "很好，下次测相位"}, headers=talent.h("zhang")
    )
    assert r.status_code == 200
    assert (
        talent.client.put(
            f"/api/v1/talent-logs/{log_id}/comment", json={"comment": "x"}, headers=talent.h("wang")
        ).status_code
        == 404
    )
    assert talent.client.delete(f"/api/v1/talent-logs/{log_id}", headers=talent.h("hk01")).status_code == 409
    record = talent.client.get(f"{base}/{a}/record", headers=talent.h("hk01")).json()
    assert record["hours"] == "3.75"  # 2.5 + 1.25
    assert [(x["activity"], x["mentor_comment"]) for x in record["logs"]] == [
        ("读文献", ""),
        ("学习示波器", "很好，下次测相位"),
    ]
    assert record["logs"][1]["attachments"][0]["filename"] == "示波器.pdf"


def test_a_mentor_sees_only_its_own_students_and_never_id_numbers_or_phones(talent):
    ids = _cohort(talent)
    home = talent.client.get(f"/api/v1/events/{talent.id}/mentor/applicants", headers=talent.h("zhang")).json()
    assert sorted(s["name"] for s in home["students"]) == ["学生丁", "学生乙", "学生甲"]
    text = str(home)
    for k in range(1, 6):
        assert sid(k) not in text
    assert "13812345678" not in text and "2010-03-15" not in text and "20100315" not in text
    assert (
        talent.client.get(f"/api/v1/talent-applications/{ids['学生丙']}/record", headers=talent.h("zhang")).status_code
        == 404
    )
    record = talent.client.get(f"/api/v1/talent-applications/{ids['学生甲']}/record", headers=talent.h("zhang")).json()
    assert record["destination"] is None and "id_number" not in str(record) and sid(1) not in str(record)
    # pages too: the mentor's home and a student's page (phone-sized pages are the same HTML)
    talent.world.login_page("zhang")
    page = talent.client.get(f"/talent/{talent.id}/mentor").text
    assert "学生甲" in page and "学生丙" not in page and sid(1) not in page and "13812345678" not in page
    student = talent.client.get(f"/talent/{talent.id}/students/{ids['学生甲']}")
    assert (
        student.status_code == 200
        and sid(1) not in student.text
        # nothing that starts like a Hainan ID number (not even masked); random hex (the form's CSRF token,
        # asset hashes) is taken out first since "460" turns up in it by chance
        and "460" not in re.sub(r"[0-9a-f]{32,}", "", student.text.split("学生甲", 1)[1][:2000])
    )
    assert talent.client.get(f"/talent/{talent.id}/students/{ids['学生丙']}").status_code == 404
    assert talent.client.get(f"/talent/{talent.id}/applications").status_code in (401, 403)
    # the entry (with its masked ID) is not a mentor's to open
    assert talent.client.get(f"/entries/{talent.by_name()['学生甲']['entry_id']}").status_code in (401, 403, 404)


def test_lab_visits_are_check_in_sessions_for_the_mentors_students(talent):
    ids = _cohort(talent)
    r = talent.client.post(
        f"/api/v1/events/{talent.id}/lab-visits",
        json={"name": "实验室开放日（一）", "starts_at": "2027-04-01T14:00:00+08:00"},
        headers=talent.h("zhang"),
    )
    assert r.status_code == 201, r.text
    visits = talent.client.get(f"/api/v1/events/{talent.id}/lab-visits", headers=talent.h("zhang")).json()
    assert len(visits) == 1 and sorted(s["name"] for s in visits[0]["students"]) == ["学生丁", "学生乙", "学生甲"]
    members = {s["name"]: s["member_id"] for s in visits[0]["students"]}
    r = talent.client.post(
        f"/api/v1/lab-visits/{visits[0]['id']}/attendance",
        json={"member_ids": [members["学生甲"]]},
        headers=talent.h("zhang"),
    )
    assert r.status_code == 200 and r.json()["results"] == [{"member_id": members["学生甲"], "result": "checked_in"}]
    # wang's student is not zhang's to check in; wang does not see zhang's visit
    other = talent.client.get(f"/api/v1/talent-applications/{ids['学生丙']}/record", headers=talent.h("org")).json()
    r = talent.client.post(
        f"/api/v1/lab-visits/{visits[0]['id']}/attendance",
        json={"member_ids": [members["学生甲"] + 100]},
        headers=talent.h("zhang"),
    )
    assert r.status_code == 422
    assert talent.client.get(f"/api/v1/events/{talent.id}/lab-visits", headers=talent.h("wang")).json() == []
    assert other["visits"] == []
    # the session is an ordinary check-in session of the event
    sessions = talent.client.get(f"/api/v1/events/{talent.id}/checkin-sessions", headers=talent.h("org")).json()
    assert [s["name"] for s in sessions] == ["实验室开放日（一）"]
    record = talent.client.get(f"/api/v1/talent-applications/{ids['学生甲']}/record", headers=talent.h("hk01")).json()
    assert record["visits"] == [{"name": "实验室开放日（一）", "starts_at": "2027-04-01T06:00:00Z", "attended": True}]


def test_reviews_and_the_certificate_only_for_excellent_and_pass(talent):
    ids = _cohort(talent)
    base = "/api/v1/talent-applications"
    r = talent.client.post(f"{base}/{ids['学生丁']}/midterm", json={"result": "leave"}, headers=talent.h("zhang"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = talent.client.post(
        f"{base}/{ids['学生丁']}/midterm",
        json={"result": "leave", "reason": "课业负担重，自愿退出"},
        headers=talent.h("zhang"),
    )
    assert r.status_code == 200 and r.json()["application"]["status"] == "left"
    # a student who left cannot be reviewed at the year end
    r = talent.client.post(
        f"{base}/{ids['学生丁']}/final", json={"result": "pass", "comment": "x"}, headers=talent.h("zhang")
    )
    assert r.status_code == 409
    # no year-end review before a passed mid-term
    r = talent.client.post(
        f"{base}/{ids['学生甲']}/final", json={"result": "excellent", "comment": "x"}, headers=talent.h("zhang")
    )
    assert r.status_code == 409
    for name, mentor in (("学生甲", "zhang"), ("学生乙", "zhang"), ("学生丙", "wang"), ("学生戊", "liu")):
        r = talent.client.post(f"{base}/{ids[name]}/midterm", json={"result": "pass"}, headers=talent.h(mentor))
        assert r.status_code == 200, r.text
    assert (
        talent.client.post(
            f"{base}/{ids['学生丙']}/midterm", json={"result": "pass"}, headers=talent.h("zhang")
        ).status_code
        == 404
    )
    finals = {"学生甲": ("excellent", "zhang"), "学生乙": ("fail", "zhang"), "学生丙": ("pass", "wang")}
    for name, (result, mentor) in finals.items():
        r = talent.client.post(
            f"{base}/{ids[name]}/final", json={"result": result, "comment": "完成课题报告"}, headers=talent.h(mentor)
        )
        assert r.status_code == 200, r.text
    statuses = {n: a["status"] for n, a in talent.by_name().items()}
    assert statuses == {
        "学生甲": "completed",
        "学生乙": "failed",
        "学生丙": "completed",
        "学生丁": "left",
        "学生戊": "matched",
    }
    # the training certificates: 甲 (优秀) and 丙 (合格); not 乙 (不合格), 丁 (left), 戊 (not reviewed)
    r = talent.client.post(
        f"/api/v1/events/{talent.id}/certificates/issue", params={"kind": "talent"}, headers=talent.h("org")
    )
    assert r.status_code == 200, r.text
    assert r.json()["issued"] == 2
    certs = talent.client.get(
        f"/api/v1/events/{talent.id}/certificates", params={"kind": "talent"}, headers=talent.h("org")
    ).json()
    assert sorted((c["name"], c["award"]) for c in certs) == [("学生丙", "pass"), ("学生甲", "excellent")]
    number = next(c["number"] for c in certs if c["name"] == "学生甲")
    verified = talent.client.get(f"/api/v1/certificates/{number}").json()
    assert verified["valid"] is True and verified["name"] == "学生甲"
    # even if someone later marks the leaver's review by hand, no certificate: the mid-term decides
    from competitions.talent.tables import TalentApplication

    talent.world.run(
        TalentApplication.update({TalentApplication.final: "excellent", TalentApplication.status: "completed"}).where(
            TalentApplication.id == ids["学生丁"]
        )
    )
    again = talent.client.post(
        f"/api/v1/events/{talent.id}/certificates/issue", params={"kind": "talent"}, headers=talent.h("org")
    )
    assert again.json()["issued"] == 0 and again.json()["valid"] == 2
    # the office's certificate page lists them (no results to finalize in a talent programme)
    talent.world.login_page("org")
    page = talent.client.get(f"/events/{talent.id}/judging/certificates/?kind=talent")
    assert page.status_code == 200 and "学生甲" in page.text and "结果定稿后才能生成证书" not in page.text
    talent.client.cookies.clear()
    # award certificates are not for a talent programme
    r = talent.client.post(
        f"/api/v1/events/{talent.id}/certificates/issue", params={"kind": "camp"}, headers=talent.h("org")
    )
    assert r.status_code == 422


def test_the_reminder_list_names_who_is_behind_and_why(talent, run):
    ids = _cohort(talent)
    from competitions.talent import growth

    start = dt.date(2027, 1, 1)
    r = talent.client.put(
        f"/api/v1/events/{talent.id}/talent-settings",
        json={
            "starts_on": "2027-01-01",
            "midterm_on": "2027-06-30",
            "final_on": "2027-12-31",
            "hours_target": "120",
            "log_interval_days": 30,
        },
        headers=talent.h("org"),
    )
    assert r.status_code == 200, r.text
    from competitions.talent.tables import GrowthLog

    async def logs():
        for name, on, hours in (
            ("学生甲", start + dt.timedelta(days=50), "30"),
            ("学生乙", start + dt.timedelta(days=10), "2"),
        ):
            await GrowthLog.insert(
                GrowthLog(
                    event=talent.id,
                    application=ids[name],
                    on=on,
                    activity="实验",
                    hours=hours,
                    created_at=dt.datetime.now(dt.timezone.utc),
                )
            )

    run(logs())
    org = talent.world.principal("org")
    # on 2027-03-01 (59 days in; the year is 364 days), hours are due up to one log interval (30 days)
    # ago: 120 * 29 / 364 = 9.56 -> 9.6
    report = run(growth.cohort(org, talent.id, today=dt.date(2027, 3, 1)))
    behind = {s["name"]: s["behind"] for s in report["behind"]}
    assert behind["学生乙"] == [
        "已 49 天没有成长日志",
        "累计 2 小时，少于进度要求的 9.6 小时",
        "导师还没有填写培养方案",
    ]
    assert behind["学生丙"][0] == "开始 59 天还没有成长日志"
    assert behind["学生甲"] == ["导师还没有填写培养方案"]  # 30 hours, 9 days since the last entry
    assert report["counts"] == {"training": 5, "left": 0, "completed": 0, "failed": 0}
    # after the mid-term date, the review is overdue
    later = run(growth.cohort(org, talent.id, today=dt.date(2027, 7, 10)))
    assert all("中期考核逾期" in s["behind"] for s in later["behind"])
    # a school sees its own students only
    school = talent.client.get(f"/api/v1/events/{talent.id}/cohort", headers=talent.h("sy01")).json()
    assert [s["name"] for s in school["students"]] == ["学生丙"]


def test_a_student_logging_on_time_is_not_behind_on_hours(talent, run):
    """5 hours every two weeks (a 130-hour year against a 120-hour target): 13 days after the last entry
    the next is not due yet, so the student is not behind. Counting the hours pro rata up to today
    (120 * 55 / 364 = 18.1 > 15) flagged such students: half of the demo cohort."""
    ids = _cohort(talent)
    from competitions.talent import growth
    from competitions.talent.tables import GrowthLog

    start = dt.date(2027, 1, 1)
    r = talent.client.put(
        f"/api/v1/events/{talent.id}/talent-settings",
        json={"starts_on": "2027-01-01", "final_on": "2027-12-31", "hours_target": "120", "log_interval_days": 30},
        headers=talent.h("org"),
    )
    assert r.status_code == 200, r.text

    async def logs():
        for days in (14, 28, 42):
            await GrowthLog.insert(
                GrowthLog(
                    event=talent.id,
                    application=ids["学生甲"],
                    on=start + dt.timedelta(days=days),
                    activity="实验",
                    hours="5",
                    created_at=dt.datetime.now(dt.timezone.utc),
                )
            )

    run(logs())
    org = talent.world.principal("org")
    report = run(growth.cohort(org, talent.id, today=start + dt.timedelta(days=55)))
    first = next(s for s in report["students"] if s["name"] == "学生甲")
    assert first["hours"] == "15"
    assert not [b for b in first["behind"] if "小时" in b], first["behind"]
    # two months without an entry: behind on the log, and on hours (due through day 60: 120 * 60 / 364
    # = 19.78 -> 19.8)
    later = run(growth.cohort(org, talent.id, today=start + dt.timedelta(days=90)))
    first = next(s for s in later["students"] if s["name"] == "学生甲")
    assert first["behind"][:2] == ["已 48 天没有成长日志", "累计 15 小时，少于进度要求的 19.8 小时"]


def test_destinations_only_with_consent(talent):
    ids = _cohort(talent)
    base = "/api/v1/talent-applications"
    a = ids["学生甲"]
    talent.client.post(f"{base}/{a}/midterm", json={"result": "pass"}, headers=talent.h("zhang"))
    talent.client.post(f"{base}/{a}/final", json={"result": "pass", "comment": "好"}, headers=talent.h("zhang"))
    r = talent.client.put(
        f"{base}/{a}/destination",
        json={"consent": False, "university": "清华大学", "major": "物理学"},
        headers=talent.h("org"),
    )
    assert r.status_code == 200 and r.json() == {"application_id": a, "consent": False, "university": "", "major": ""}
    r = talent.client.put(
        f"{base}/{a}/destination",
        json={"consent": True, "university": "清华大学", "major": "物理学"},
        headers=talent.h("org"),
    )
    assert r.status_code == 200 and r.json()["university"] == "清华大学"
    grads = talent.client.get(f"/api/v1/events/{talent.id}/destinations", headers=talent.h("org")).json()
    assert [(g["name"], g["university"], g["major"]) for g in grads] == [("学生甲", "清华大学", "物理学")]
    assert (
        talent.client.put(
            f"{base}/{ids['学生乙']}/destination", json={"consent": True, "university": "x"}, headers=talent.h("org")
        ).status_code
        == 409
    )
    assert (
        talent.client.put(
            f"{base}/{a}/destination", json={"consent": True, "university": "x"}, headers=talent.h("hk01")
        ).status_code
        == 403
    )


def test_opening_an_attachment_keeps_it_for_the_next_reader(talent):
    """The school's (and mentor's) download streams the stored file; it must not delete it after
    sending (the first reader used to take the student's photo away from everyone after)."""
    ids = _cohort(talent)
    a = ids["学生甲"]
    on = (local_now().date() - dt.timedelta(days=1)).isoformat()
    r = talent.client.post(
        f"/api/v1/talent-applications/{a}/logs",
        json={"on": on, "activity": "学习示波器", "hours": "2"},
        headers=talent.h("hk01"),
    )
    log_id = r.json()["id"]
    r = talent.client.post(
        f"/api/v1/talent-logs/{log_id}/attachments",
        files={"file": ("示波器.pdf", PDF, "application/pdf")},
        headers=talent.h("hk01"),
    )
    doc_id = r.json()["id"]
    for user in ("hk01", "zhang", "zhang", "hk01"):
        talent.client.cookies.clear()
        talent.world.login_page(user)
        got = talent.client.get(f"/talent/documents/{doc_id}")
        assert got.status_code == 200 and got.content == PDF, (user, got.status_code)
        # a minor's file: not kept by caches, never sniffed into HTML, no script if opened
        assert got.headers["cache-control"] == "private, no-store"
        assert got.headers["x-content-type-options"] == "nosniff"
        assert got.headers["content-security-policy"] == "sandbox"
        assert got.headers["content-disposition"].startswith("attachment;")  # a PDF: downloaded
    talent.client.cookies.clear()
