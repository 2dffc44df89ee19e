"""Completion certificates straight from the camp's completion page, with no results to finalize
(fresh user's finding 3), and completion that waits for activities to happen (finding 8)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

from litestar.testing import TestClient

from competitions.checkin import services as checkin
from competitions.registration.tables import Member
from tests.competitions.camps.test_camps_api import _allocated


def _accept(camp, apps, *names):
    for n in names:
        r = camp.client.post(f"/api/v1/applications/{apps[n]['id']}/accept", headers=camp.h("hk01"))
        assert r.status_code == 200, r.text


def _member(world, apps, name):
    return world.run(Member.select(Member.id).where(Member.entry == apps[name]["entry_id"]).first())["id"]


def _link(camp, session_id, site):
    r = camp.client.put(
        f"/api/v1/events/{camp.id}/camp-activities/{session_id}",
        json={"site_code": site, "required": True},
        headers=camp.h("org"),
    )
    assert r.status_code == 200, r.text


def test_completion_certificates_from_the_camp_page_without_results(camp, world, app):
    from judging.certificates.tables import Certificate

    apps = _allocated(camp)
    _accept(camp, apps, "甲", "乙")
    a1 = world.run(checkin.create_session(world.org, camp.id, "A 开营"))["id"]
    b1 = world.run(checkin.create_session(world.org, camp.id, "B 开营"))["id"]
    _link(camp, a1, "A")
    _link(camp, b1, "B")
    world.run(checkin.check_in_member(world.org, b1, _member(world, apps, "乙")))  # 乙 completes B; 甲 misses A
    with TestClient(app=app) as org:
        world.login_page("org", org)
        page = org.get(f"/camps/{camp.id}/completion")
        assert page.status_code == 200
        action = f"/events/{camp.id}/judging/certificates/issue?kind=camp"
        assert f'action="{action}"' in page.text and "颁发结营证书（1 人结营）" in page.text
        for _ in range(2):  # twice: idempotent
            r = org.post(action, data={"_csrf_token": org.cookies.get("xinmiao_csrf")}, follow_redirects=False)
            assert r.status_code == 303, r.text
        certs = world.run(Certificate.select(Certificate.name, Certificate.title, Certificate.status, Certificate.kind))
        assert certs == [{"name": "乙", "title": "B营", "status": "valid", "kind": "camp"}]
        overview = org.get(f"/events/{camp.id}/judging/certificates/")  # no kind: a camp's only kind
        assert overview.status_code == 200
        assert "结果定稿后才能生成证书" not in overview.text and "乙" in overview.text
        assert "公示与定稿" not in overview.text  # no contest tabs for a camp
        assert org.get(f"/events/{camp.id}/judging/certificates/?kind=award").status_code == 200
    # the school downloads it like any certificate; the text names the site
    assert (
        camp.client.post(
            f"/api/v1/events/{camp.id}/certificates/issue", params={"kind": "award"}, headers=camp.h("org")
        ).status_code
        == 422
    )
    pdf = camp.client.get(f"/api/v1/events/{camp.id}/certificates.pdf", params={"kind": "camp"}, headers=camp.h("hk01"))
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF", pdf.text[:200]
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True).stdout
        assert "2026年高校科学营B营" in text.decode().replace("\n", "").replace(" ", "")
    with TestClient(app=app) as school:
        world.login_page("hk01", school)
        mine = school.get("/certificates/")
        assert mine.status_code == 200 and "2026年高校科学营" in mine.text


def test_activities_count_once_started_and_completion_waits_for_the_last(camp, world):
    apps = _allocated(camp)
    _accept(camp, apps, "甲")
    now = dt.datetime.now(dt.timezone.utc)
    past = world.run(
        checkin.create_session(
            world.org,
            camp.id,
            "A 开营",
            starts_at=(now - dt.timedelta(hours=2)).isoformat(),
            ends_at=(now - dt.timedelta(hours=1)).isoformat(),
        )
    )["id"]
    future = world.run(
        checkin.create_session(world.org, camp.id, "A 结营", starts_at=(now + dt.timedelta(days=2)).isoformat())
    )["id"]
    for sid in (past, future):
        _link(camp, sid, "A")
    report = camp.client.get(f"/api/v1/events/{camp.id}/completion", headers=camp.h("org")).json()
    a = report["sites"][0]
    jia = a["students"][0]
    # 甲 missed the opening that happened; the closing has not happened: in progress, not "absent" from it
    assert (jia["status"], jia["attended"], jia["missed"]) == ("in_progress", 0, ["A 开营"])
    assert jia["reason"] == "进行中：已开始的必修活动出席 0/1（共 2 项，至少需要 2 次）；已缺席：A 开营"
    assert (a["decided"], a["in_progress"], a["completed"], a["short"]) == (False, 1, 0, 0)
    # no certificate while in progress
    r = camp.client.post(f"/api/v1/events/{camp.id}/certificates/issue", params={"kind": "camp"}, headers=camp.h("org"))
    assert r.status_code == 200 and r.json()["issued"] == 0
    # the closing took place (moved into the past): now decided, 0 of 2 -> short, both missed
    world.run(checkin.update_session(world.org, future, starts_at=(now - dt.timedelta(minutes=30)).isoformat()))
    a = camp.client.get(f"/api/v1/events/{camp.id}/completion", headers=camp.h("org")).json()["sites"][0]
    assert (a["decided"], a["students"][0]["status"], a["students"][0]["missed"]) == (
        True,
        "short",
        ["A 开营", "A 结营"],
    )
