"""Check-in pages: sessions list and forms, the scan page's JSON endpoints (session cookie
+ CSRF), the live view, badges and credentials from the entry page."""

from __future__ import annotations

from litestar.testing import TestClient

from tests import factories
from tests.competitions.checkin.test_checkin import token_of
from tests.competitions.checkin.test_credentials import forge


def csrf(client) -> str:
    return client.cookies.get("xinmiao_csrf")


def post_form(client, url: str, data: dict | None = None):
    return client.post(url, data={**(data or {}), "_csrf_token": csrf(client)}, follow_redirects=False)


def test_organizer_creates_sessions_and_staff_scans_through_the_page(world, app):
    entry = factories.entry(world, "HK01", students=["李明", "王芳"], title="校园雨水回收装置")
    org = world.login_page("org")
    response = post_form(
        org,
        f"/checkin/events/{world.event_id}/sessions",
        {"name": "报到", "starts_at": "2026-05-01T07:30", "ends_at": "2026-05-01T11:00", "location": "体育馆东门"},
    )
    assert response.status_code == 303
    page = org.get("/checkin/")
    assert page.status_code == 200
    assert "报到" in page.text and "2026-05-01 07:30 – 11:00" in page.text and "体育馆东门" in page.text
    bad = post_form(
        org,
        f"/checkin/events/{world.event_id}/sessions",
        {"name": "开幕式", "starts_at": "2026-05-01T10:00", "ends_at": "2026-05-01T09:00"},
    )
    assert bad.status_code == 303 and "结束时间必须晚于开始时间" in org.get("/checkin/").text
    from competitions.checkin.tables import CheckinSession

    sid = world.run(CheckinSession.select(CheckinSession.id).first())["id"]
    assert world.run(CheckinSession.count()) == 1

    with TestClient(app=app) as staff:
        world.login_page("staff", staff)
        home = staff.get("/", follow_redirects=False)
        assert home.status_code in (302, 303) and home.headers["location"] == "/checkin/"
        scan_page = staff.get(f"/checkin/{sid}/scan")
        assert scan_page.status_code == 200 and "报到" in scan_page.text
        token = token_of(world, entry["member_ids"]["李明"])
        no_csrf = staff.post(f"/checkin/{sid}/scan", json={"token": token})
        assert no_csrf.status_code == 403
        headers = {"x-csrftoken": csrf(staff)}
        first = staff.post(
            f"/checkin/{sid}/scan",
            json={"token": token.lower() + "\t", "client_scan_id": "p-1", "device": "门口1"},
            headers=headers,
        )
        assert first.status_code == 200 and first.json()["result"] == "checked_in"
        assert first.json()["participant"]["name"] == "李明"
        again = staff.post(f"/checkin/{sid}/scan", json={"token": token, "client_scan_id": "p-2"}, headers=headers)
        assert again.json()["result"] == "already_checked_in"
        forged = staff.post(f"/checkin/{sid}/scan", json={"token": forge(token)}, headers=headers)
        assert forged.status_code == 422 and forged.json()["detail"] == "凭证签名无效：此二维码是伪造或被改动过的。"
        found = staff.get(f"/checkin/{sid}/search?q=王芳").json()
        assert found["more"] is False
        found = found["results"]
        assert [m["name"] for m in found] == ["王芳"]
        manual = staff.post(
            f"/checkin/{sid}/manual", json={"member_id": found[0]["id"], "device": "服务台"}, headers=headers
        )
        assert manual.json()["result"] == "checked_in"
        live = staff.get(f"/checkin/{sid}/live")
        assert live.status_code == 200 and "2 / 2" in live.text and "全部到齐" in live.text
        # staff may not export or manage sessions
        assert staff.get(f"/checkin/{sid}/attendance.xlsx").status_code == 403
        assert post_form(staff, f"/checkin/{sid}/delete").status_code == 403
    export = org.get(f"/checkin/{sid}/attendance.xlsx")
    assert export.status_code == 200 and export.content[:2] == b"PK"


def test_pages_are_closed_to_other_roles(world, app):
    factories.entry(world, "HK01", students=["李明"])
    with TestClient(app=app) as judge:
        world.login_page("judge", judge)
        assert judge.get("/checkin/").status_code == 403
    with TestClient(app=app) as anonymous:
        response = anonymous.get("/checkin/", follow_redirects=False)
        assert response.status_code in (302, 303, 401)


def test_entry_page_shows_credentials_and_organizer_reissues(world, app):
    entry = factories.entry(world, "HK01", students=["李明"], advisers=["陈老师"])
    member_id = entry["member_ids"]["李明"]
    old = token_of(world, member_id)
    with TestClient(app=app) as school:
        world.login_page("hk01", school)
        page = school.get(f"/entries/{entry['id']}")
        assert page.status_code == 200
        assert f"/checkin/credentials/{member_id}?format=svg" in page.text
        assert "补发凭证" not in page.text  # organizers only
        svg = school.get(f"/checkin/credentials/{member_id}?format=svg")
        assert svg.status_code == 200 and b"<svg" in svg.content
        badges = school.get(f"/checkin/badges/{world.event_id}")
        assert badges.status_code == 200 and badges.content[:5] == b"%PDF-"
    with TestClient(app=app) as other:
        world.login_page("hk02", other)
        assert other.get(f"/checkin/credentials/{member_id}?format=svg").status_code == 404
    org = world.login_page("org")
    page = org.get(f"/entries/{entry['id']}")
    assert "补发凭证" in page.text
    response = post_form(
        org,
        f"/checkin/credentials/{member_id}/reissue",
        {"reason": "参赛证丢失", "next": f"/entries/{entry['id']}#credentials"},
    )
    assert response.status_code == 303 and response.headers["location"] == f"/entries/{entry['id']}#credentials"
    assert token_of(world, member_id) != old
    # an outside "next" is not followed
    response = post_form(
        org, f"/checkin/credentials/{member_id}/reissue", {"reason": "又丢了", "next": "//evil.example/"}
    )
    assert response.headers["location"] == "/checkin/"


def test_organizer_prints_one_schools_badges_from_the_sessions_page(world, app):
    import re
    import shutil
    import subprocess

    factories.entry(world, "HK01", students=["李明", "王芳"], title="校园雨水回收装置")
    factories.entry(world, "HK02", students=["阿依古丽·买买提"], title="椰子壳活性炭")
    org = world.login_page("org")
    page = org.get("/checkin/").text
    form = re.search(r'<form method="get" action="(/checkin/badges/\d+)".*?</form>', page, re.S)
    assert form and form.group(1) == f"/checkin/badges/{world.event_id}"
    options = re.findall(r'<option value="([^"]+)">([^<]+)</option>', form.group(0))
    assert [(code, text.split()[0]) for code, text in options] == [("HK01", "HK01"), ("HK02", "HK02")]
    assert "（1 个作品）" in options[0][1]
    pdf = org.get(f"{form.group(1)}?school_code=HK02")
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True
        ).stdout.decode()
        assert "阿依古丽·买买提" in text and "李明" not in text
