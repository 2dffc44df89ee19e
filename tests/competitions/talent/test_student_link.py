"""Talent programme, step 5: the student's own link (``/talent/my/<token>``, no account). Made by the
student's school (or the office), shown once, only its hash kept; a new link revokes the old one; the
page shows the student's own name, mentor, plan, comments and log and nothing personal; an entry the
student adds goes through the school's service and rules and is marked as the student's."""

from __future__ import annotations

import datetime as dt
import re

from litestar.testing import TestClient

from app.security import keyed_hash
from app.tables import AuditLog
from app.times import local_now
from competitions.registration.tables import EntryDocument
from competitions.talent.tables import GrowthLog, StudentLink, TalentApplication
from tests.competitions.talent.conftest import row, sid
from tests.competitions.talent.test_growth import PDF

BASE = "/api/v1/talent-applications"
PHONE = "13812345678"  # every student's phone in the fixture's rows


def _matched(talent):
    """学生甲 (HK01) and 学生乙 (HK01) matched with 张伟; 学生丙 (SY01) with 王芳."""
    talent.mentor("zhang", "PH", 2, display_name="张伟")
    talent.mentor("wang", "PH", 1, display_name="王芳")
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
    return {n: a["id"] for n, a in talent.by_name().items()}


def _link(talent, application_id, user="hk01"):
    r = talent.client.post(f"{BASE}/{application_id}/student-link", headers=talent.h(user))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["path"] == f"/talent/my/{body['token']}" and len(body["token"]) >= 40
    return body["path"]


def _post(client, url, data, files=None):
    client.get(url)  # the CSRF cookie
    return client.post(
        url,
        data={**data, "_csrf_token": client.cookies.get("xinmiao_csrf")},
        files=files,
        follow_redirects=False,
    )


def test_the_link_shows_its_own_student_only_and_no_personal_data(talent, app):
    ids = _matched(talent)
    a = ids["学生甲"]
    talent.client.put(f"{BASE}/{a}/plan", json={"plan": "每周一次实验室：单摆"}, headers=talent.h("zhang"))
    path = _link(talent, a)
    token = path.rsplit("/", 1)[1]
    # only the keyed hash is stored, never the token
    stored = talent.world.run(StudentLink.select().where(StudentLink.application == a))
    assert [s["token_hash"] for s in stored] == [keyed_hash("talent-student-link:" + token)]
    # the school of another student, a mentor, and the school of another school may not make one
    assert talent.client.post(f"{BASE}/{a}/student-link", headers=talent.h("sy01")).status_code == 404
    assert talent.client.post(f"{BASE}/{a}/student-link", headers=talent.h("zhang")).status_code == 403
    with TestClient(app=app) as phone:
        page = phone.get(path)
        assert page.status_code == 200, page.text
        text = page.text
        assert "学生甲" in text and "张伟" in text and "每周一次实验室：单摆" in text
        assert "学生乙" not in text and "学生丙" not in text
        assert sid(1) not in text and PHONE not in text and "2010-03-15" not in text and "20100315" not in text
        assert "no-store" in page.headers["cache-control"]
        # the link is for its own student only: it cannot add to another student's log
        entry = {"on": local_now().date().isoformat(), "activity": "读文献", "hours": "1"}
        r = _post(phone, path, entry)
        assert r.status_code == 303, r.text
    logs = talent.world.run(GrowthLog.select(GrowthLog.application, GrowthLog.by_student))
    assert logs == [{"application": a, "by_student": True}]
    # an unknown token, and a wrong one of the right length, are plain 404 pages
    with TestClient(app=app) as phone:
        assert phone.get("/talent/my/nope").status_code == 404
        assert phone.get("/talent/my/" + "x" * len(token)).status_code == 404
        assert _post(phone, "/talent/my/" + "x" * len(token), entry).status_code == 404


def test_a_new_link_revokes_the_old_and_revoked_is_404_and_audited(talent, app):
    ids = _matched(talent)
    a = ids["学生甲"]
    first = _link(talent, a)
    second = _link(talent, a, user="org")
    with TestClient(app=app) as phone:
        assert phone.get(first).status_code == 404
        assert phone.get(second).status_code == 200
    state = talent.client.get(f"{BASE}/{a}/student-link", headers=talent.h("hk01")).json()
    assert state["active"] is True and "token" not in state
    assert talent.client.delete(f"{BASE}/{a}/student-link", headers=talent.h("hk01")).status_code == 204
    with TestClient(app=app) as phone:
        assert phone.get(second).status_code == 404
    assert talent.client.get(f"{BASE}/{a}/student-link", headers=talent.h("hk01")).json()["active"] is False
    actions = [
        r["action"]
        for r in talent.world.run(
            AuditLog.select(AuditLog.action).where(AuditLog.action.like("talent.link.%")).order_by(AuditLog.id)
        )
    ]
    # create, create (revoking the first), revoke
    assert actions == ["talent.link.create", "talent.link.create", "talent.link.revoke"]


def test_an_entry_by_the_link_is_marked_as_the_students_for_school_and_mentor(talent, world, app):
    ids = _matched(talent)
    a = ids["学生甲"]
    path = _link(talent, a)
    on = (local_now().date() - dt.timedelta(days=1)).isoformat()
    with TestClient(app=app) as phone:
        r = _post(
            phone,
            path,
            {"on": on, "activity": "学习示波器", "hours": "2.5", "reflection": "学会了触发"},
            files={"file": ("示波器.pdf", PDF, "application/pdf")},
        )
        assert r.status_code == 303, r.text
        page = phone.get(path).text
        assert "学习示波器" in page and "示波器.pdf" in page
    # the school also writes one; the record marks which is which
    talent.client.post(
        f"{BASE}/{a}/logs", json={"on": on, "activity": "读文献", "hours": "1"}, headers=talent.h("hk01")
    )
    for user in ("hk01", "zhang"):
        record = talent.client.get(f"{BASE}/{a}/record", headers=talent.h(user)).json()
        marks = {x["activity"]: x["by_student"] for x in record["logs"]}
        assert marks == {"学习示波器": True, "读文献": False}, user
        assert record["hours"] == "3.5"  # 2.5 + 1
        assert [d["filename"] for x in record["logs"] for d in x["attachments"]] == ["示波器.pdf"]
    for user in ("hk01", "zhang"):
        with TestClient(app=app) as browser:
            world.login_page(user, browser)
            html = browser.get(f"/talent/{talent.id}/students/{a}").text
            entry = re.search(r'<div class="log-entry">\s*<div>.*?学习示波器.*?</div>', html, re.S)
            assert entry and "学生本人填写" in entry.group(0), user
            other = re.search(r'<div class="log-entry">\s*<div>.*?读文献.*?</div>', html, re.S)
            assert other and "学生本人填写" not in other.group(0), user
    # the audit names the student's link as the actor
    audit = world.run(AuditLog.select().where(AuditLog.action == "talent.log.add").order_by(AuditLog.id).first())
    assert audit["actor"] is None and audit["actor_name"] == "学生本人（学生链接）"


def test_bad_input_by_the_link_is_422_naming_the_field_and_stores_nothing(talent, app):
    ids = _matched(talent)
    path = _link(talent, ids["学生甲"])
    today = local_now().date()
    good = {"on": today.isoformat(), "activity": "读文献", "hours": "1"}
    with TestClient(app=app) as phone:
        for bad, field, label in (
            ({**good, "hours": "两小时"}, "hours", "时长（小时）"),
            ({**good, "on": (today + dt.timedelta(days=1)).isoformat()}, "on", "日期"),
            ({**good, "activity": " "}, "activity", "活动"),
        ):
            r = _post(phone, path, bad)
            assert r.status_code == 422, (bad, r.status_code)
            assert f'name="{field}"' in r.text and 'aria-invalid="true"' in r.text
            assert re.search(rf"<li>{re.escape(label)}：", r.text), (field, r.text[:300])
        # a program as the attachment: 422 on the file and no entry half-stored
        r = _post(phone, path, good, files={"file": ("a.exe", b"MZ\x90\x00binary", "application/octet-stream")})
        assert r.status_code == 422 and "<li>附件：" in r.text
    assert talent.world.run(GrowthLog.count()) == 0


def test_the_student_page_in_english(talent, app):
    ids = _matched(talent)
    path = _link(talent, ids["学生甲"])
    with TestClient(app=app) as phone:
        page = phone.get(path, headers={"accept-language": "en"})
        assert page.status_code == 200
        assert "Growth log" in page.text or "growth log" in page.text
        assert "This link is yours alone" in page.text


def test_token_look_ups_are_rate_limited_per_address(talent, app, monkeypatch):
    from competitions.talent import links

    ids = _matched(talent)
    path = _link(talent, ids["学生甲"])
    monkeypatch.setattr(links, "LOOKUP_LIMIT_PER_MINUTE", 2)
    with TestClient(app=app) as phone:
        assert phone.get(path).status_code == 200
        assert phone.get("/talent/my/" + "y" * 43).status_code == 404  # unknown tokens count too
        assert phone.get(path).status_code == 429


def _school_log_with_file(talent, application_id, filename, content=PDF):
    on = (local_now().date() - dt.timedelta(days=2)).isoformat()
    r = talent.client.post(
        f"{BASE}/{application_id}/logs",
        json={"on": on, "activity": "学校记录", "hours": "1"},
        headers=talent.h("hk01"),
    )
    assert r.status_code == 201, r.text
    r = talent.client.post(
        f"/api/v1/talent-logs/{r.json()['id']}/attachments",
        files={"file": (filename, content, "application/pdf")},
        headers=talent.h("org"),
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_the_student_downloads_the_attachments_of_its_own_log_only(talent, app):
    ids = _matched(talent)
    a, b = ids["学生甲"], ids["学生乙"]
    path = _link(talent, a)
    on = (local_now().date() - dt.timedelta(days=1)).isoformat()
    photo = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"
    with TestClient(app=app) as phone:
        r = _post(
            phone,
            path,
            {"on": on, "activity": "测单摆", "hours": "1.5"},
            files={"file": ("单摆.jpg", photo, "image/jpeg")},
        )
        assert r.status_code == 303, r.text
    mine = talent.world.run(
        GrowthLog.select(GrowthLog.attachments).output(load_json=True).where(GrowthLog.application == a).first()
    )
    own = mine["attachments"][0]
    school_file = _school_log_with_file(talent, a, "学校记录.pdf")  # on the student's own log, by the school
    other = _school_log_with_file(talent, b, "别人的.pdf")  # another student's
    # the application's own documents (statement, report) are not log attachments: 404 too
    statement = talent.world.run(
        EntryDocument.insert(
            EntryDocument(
                entry=talent.world.run(
                    TalentApplication.select(TalentApplication.entry).where(TalentApplication.id == a).first()
                )["entry"],
                kind="other",
                filename="申请材料.pdf",
                content_type="application/pdf",
                size=len(PDF),
                storage_key="0" * 32,
                uploaded_at=local_now(),
            )
        ).returning(EntryDocument.id)
    )[0]["id"]
    with TestClient(app=app) as phone:
        page = phone.get(path).text
        assert f'href="{path}/files/{own}"' in page and f'href="{path}/files/{school_file}"' in page
        got = phone.get(f"{path}/files/{own}")
        assert got.status_code == 200 and got.content == photo
        assert got.headers["content-type"] == "image/jpeg"
        assert got.headers["cache-control"] == "private, no-store"
        assert got.headers["x-content-type-options"] == "nosniff"
        assert got.headers["content-security-policy"] == "sandbox"
        # a photo opens in the phone's browser; a PDF or Word file is downloaded (opened by a viewer app)
        assert got.headers["content-disposition"].startswith("inline;")
        assert "%E5%8D%95%E6%91%86.jpg" in got.headers["content-disposition"]  # 单摆.jpg
        assert phone.get(f"{path}/files/{own}").content == photo  # still there for the next look
        pdf = phone.get(f"{path}/files/{school_file}")
        assert pdf.content == PDF and pdf.headers["content-disposition"].startswith("attachment;")
        for doc in (other, statement, 999999):
            assert phone.get(f"{path}/files/{doc}").status_code == 404, doc
        # a wrong or revoked token reaches nothing
        assert phone.get(f"/talent/my/{'x' * 43}/files/{own}").status_code == 404
    other_path = _link(talent, b)
    with TestClient(app=app) as phone:
        assert phone.get(f"{other_path}/files/{own}").status_code == 404
        assert phone.get(f"{other_path}/files/{other}").status_code == 200
    _link(talent, a)  # a new link: the old one no longer opens the file
    with TestClient(app=app) as phone:
        assert phone.get(f"{path}/files/{own}").status_code == 404


def test_downloads_count_against_the_same_per_address_limit_as_the_page(talent, app, monkeypatch):
    from competitions.talent import links

    ids = _matched(talent)
    doc = _school_log_with_file(talent, ids["学生甲"], "记录.pdf")
    path = _link(talent, ids["学生甲"])
    monkeypatch.setattr(links, "LOOKUP_LIMIT_PER_MINUTE", 2)
    with TestClient(app=app) as phone:
        assert phone.get(f"{path}/files/{doc}").status_code == 200
        assert phone.get(path).status_code == 200
        assert phone.get(f"{path}/files/{doc}").status_code == 429


def _page_post(client, url, data=None):
    return client.post(
        url, data={**(data or {}), "_csrf_token": client.cookies.get("xinmiao_csrf")}, follow_redirects=False
    )


def test_the_page_shows_a_new_link_once_after_a_redirect_and_a_reload_makes_no_other(talent, world, app):
    """POST-redirect-GET: making the link answers with a redirect (no token in it); the GET shows the
    token once; reloading it shows no token, makes no new link and revokes nothing, and offers to make
    a new one."""
    ids = _matched(talent)
    a = ids["学生甲"]
    page = f"/talent/{talent.id}/students/{a}/student-link"
    with TestClient(app=app) as school:
        world.login_page("hk01", school)
        made = _page_post(school, page)
        assert made.status_code == 303 and made.headers["location"] == page, made.text[:300]
        shown = school.get(page)
        assert shown.status_code == 200 and "no-store" in shown.headers["cache-control"]
        token = re.search(r"/talent/my/([A-Za-z0-9_-]{40,})", shown.text).group(1)
        assert "<svg" in shown.text  # the QR code of the URL
        stored = talent.world.run(StudentLink.select().where(StudentLink.application == a))
        assert [s["token_hash"] for s in stored] == [keyed_hash("talent-student-link:" + token)]
        # the reload: said shown already, no token, nothing made or revoked, a way to make a new one
        again = school.get(page)
        assert again.status_code == 200 and token not in again.text and "/talent/my/" not in again.text
        assert "已经显示过" in again.text
        assert f'action="{page}"' in again.text and "重新生成链接" in again.text
        assert talent.world.run(StudentLink.count().where(StudentLink.application == a)) == 1
        assert talent.world.run(StudentLink.count().where(StudentLink.revoked_at.is_not_null())) == 0
        # another user (the office) opening the page sees no token either
        with TestClient(app=app) as office:
            world.login_page("org", office)
            seen = office.get(page)
            assert seen.status_code == 200 and token not in seen.text and "/talent/my/" not in seen.text
        # the link made works
        with TestClient(app=app) as phone:
            assert phone.get(f"/talent/my/{token}").status_code == 200
        # making another really makes another (and the first stops working)
        assert _page_post(school, page).status_code == 303
        second = re.search(r"/talent/my/([A-Za-z0-9_-]{40,})", school.get(page).text).group(1)
        assert second != token
        with TestClient(app=app) as phone:
            assert phone.get(f"/talent/my/{token}").status_code == 404
            assert phone.get(f"/talent/my/{second}").status_code == 200
    # a school of another city cannot open the page of this student
    with TestClient(app=app) as other:
        world.login_page("sy01", other)
        assert other.get(page).status_code == 404


def test_before_any_link_the_page_offers_to_make_one(talent, world, app):
    ids = _matched(talent)
    a = ids["学生甲"]
    page = f"/talent/{talent.id}/students/{a}/student-link"
    with TestClient(app=app) as school:
        world.login_page("hk01", school)
        text = school.get(page).text
        assert "还没有有效的学生链接。" in text and "生成学生链接" in text and "/talent/my/" not in text
    assert talent.world.run(StudentLink.count()) == 0


def test_the_student_sees_its_entry_added_message_once_on_the_next_page(talent, app):
    """The student's page (no log-in, no session before) answers an added entry with a redirect and a
    flashed message: the next page shows it beside the log, a reload does not (and adds nothing)."""
    ids = _matched(talent)
    path = _link(talent, ids["学生甲"])
    entry = {"on": local_now().date().isoformat(), "activity": "读文献", "hours": "1"}
    with TestClient(app=app) as phone:
        assert phone.get(path).status_code == 200
        assert phone.cookies.get("xinmiao_session") is None  # an anonymous visit: no session
        r = _post(phone, path, entry)
        assert r.status_code == 303 and r.headers["location"] == path + "#log", r.headers.get("location")
        page = phone.get(path).text
        log = page[page.index('id="log"') :]
        assert '<div class="flash success" role="status">已添加成长日志。</div>' in log
        assert "已添加成长日志。" not in phone.get(path).text
    assert talent.world.run(GrowthLog.count()) == 1


def test_a_mistake_keeps_what_the_student_typed_and_says_the_file_must_be_chosen_again(talent, app, settings):
    """After a mistake in another field the browser cannot keep the chosen file: the page says so at the
    file field. A file over the size limit (but inside the request limit) is the file field's error,
    with what was typed kept, not a bare message above an empty form."""
    ids = _matched(talent)
    path = _link(talent, ids["学生甲"])
    today = local_now().date()
    typed = {"on": today.isoformat(), "activity": "测单摆周期", "hours": "abc", "reflection": "误差变大"}
    with TestClient(app=app) as phone:
        r = _post(phone, path, typed, files={"file": ("单摆.pdf", PDF, "application/pdf")})
        assert r.status_code == 422
        assert re.search(r'name="hours"[^>]*value="abc"', r.text) and "误差变大</textarea>" in r.text
        assert re.search(r'name="file"[^>]*aria-invalid="true"', r.text), r.text[-3000:]
        assert "请重新选择附件" in r.text
        assert "附件（可选：PDF、Word 或照片，不超过 20 MB）" in r.text  # the limit, said before choosing
        # without a file sent, nothing is said about one
        r = _post(phone, path, typed)
        assert r.status_code == 422 and "请重新选择附件" not in r.text
        big = b"%PDF-1.4\n" + b"0" * settings.max_document_bytes
        r = _post(phone, path, {**typed, "hours": "2"}, files={"file": ("大.pdf", big, "application/pdf")})
        assert r.status_code == 413, r.status_code
        assert "<li>附件：文件大小 20.1 MB 超过上限 20 MB。" in r.text  # 9 bytes over: rounded up
        assert re.search(r'name="activity"[^>]*value="测单摆周期"', r.text) and "误差变大</textarea>" in r.text
        assert re.search(r'name="file"[^>]*aria-invalid="true"', r.text)
    assert talent.world.run(GrowthLog.count()) == 0


def test_the_date_pickers_offer_no_day_after_today(talent, world, app):
    ids = _matched(talent)
    a = ids["学生甲"]
    path = _link(talent, a)
    today = local_now().date().isoformat()
    with TestClient(app=app) as phone:
        assert re.search(rf'<input type="date" name="on"[^>]*max="{today}"', phone.get(path).text)
    with TestClient(app=app) as school:
        world.login_page("hk01", school)
        page = school.get(f"/talent/{talent.id}/students/{a}").text
        assert re.search(rf'<input type="date" name="on"[^>]*max="{today}"', page)


def test_the_student_deletes_its_own_entry_until_the_mentor_comments(talent, world, app):
    """A wrong date or hours typed on a phone: the student deletes its own entry (as its school could)
    while the mentor has not commented on it; never the school's entries or another student's."""
    ids = _matched(talent)
    a, b = ids["学生甲"], ids["学生乙"]
    path = _link(talent, a)
    today = local_now().date().isoformat()
    with TestClient(app=app) as phone:
        for activity in ("写错了的", "导师点评过的"):
            assert _post(phone, path, {"on": today, "activity": activity, "hours": "1"}).status_code == 303
    by_activity = {r["activity"]: r["id"] for r in talent.world.run(GrowthLog.select(GrowthLog.id, GrowthLog.activity))}
    wrong, commented = by_activity["写错了的"], by_activity["导师点评过的"]
    r = talent.client.put(f"/api/v1/talent-logs/{commented}/comment", json={"comment": "好"}, headers=talent.h("zhang"))
    assert r.status_code == 200
    school = talent.client.post(
        f"{BASE}/{a}/logs", json={"on": today, "activity": "学校写的", "hours": "1"}, headers=talent.h("hk01")
    ).json()["id"]
    other = talent.client.post(
        f"{BASE}/{b}/logs", json={"on": today, "activity": "别人的", "hours": "1"}, headers=talent.h("hk01")
    ).json()["id"]
    with TestClient(app=app) as phone:
        page = phone.get(path).text
        # a delete button on its own uncommented entry only
        assert f'action="{path}/logs/{wrong}/delete"' in page
        assert f"/logs/{commented}/delete" not in page and f"/logs/{school}/delete" not in page
        for log_id in (school, other, 999999):
            assert _post(phone, f"{path}/logs/{log_id}/delete", {}).status_code == 404, log_id
        r = _post(phone, f"{path}/logs/{commented}/delete", {})
        assert r.status_code == 409 and "导师已点评这条日志，不能删除。" in r.text
        r = _post(phone, f"{path}/logs/{wrong}/delete", {})
        assert r.status_code == 303 and r.headers["location"] == path + "#log"
        page = phone.get(path).text
        assert "已删除。" in page and "写错了的" not in page and "导师点评过的" in page
    left = sorted(r["activity"] for r in talent.world.run(GrowthLog.select(GrowthLog.activity)))
    assert left == ["别人的", "学校写的", "导师点评过的"]
    audit = world.run(AuditLog.select().where(AuditLog.action == "talent.log.delete").first())
    assert audit["object_id"] == str(wrong) or audit["object_id"] == wrong
    assert audit["actor"] is None and audit["actor_name"] == "学生本人（学生链接）"
