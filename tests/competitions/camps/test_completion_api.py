"""Camp activities (check-in sessions linked to sites), completion by the threshold worked by hand,
and camp completion certificates (结营证书) issued to completers only (through judging's
certificates capability)."""

from __future__ import annotations

from competitions.checkin import services as checkin
from competitions.registration.tables import Member
from tests.competitions.camps.test_camps_api import _allocated


def test_completion_by_required_activities_and_certificates_to_completers_only(camp, world):
    apps = _allocated(camp)  # 甲 offered A, 乙 offered B, 丙 waiting
    for n in ("甲", "乙"):
        assert (
            camp.client.post(f"/api/v1/applications/{apps[n]['id']}/accept", headers=camp.h("hk01")).status_code == 200
        )
    member = {
        n: world.run(Member.select(Member.id).where(Member.entry == apps[n]["entry_id"]).first())["id"]
        for n in ("甲", "乙")
    }
    base = f"/api/v1/events/{camp.id}"
    sessions = {
        name: world.run(checkin.create_session(world.org, camp.id, name))["id"]
        for name in ("A1 开营", "A2 实验", "A3 讲座", "A4 参观", "A5 结营", "A6 自由活动", "B1 开营")
    }
    for name, sid_ in sessions.items():
        site, required = ("A" if name.startswith("A") else "B"), name != "A6 自由活动"
        r = camp.client.put(
            f"{base}/camp-activities/{sid_}", json={"site_code": site, "required": required}, headers=camp.h("org")
        )
        assert r.status_code == 200 and r.json()["site_code"] == site, r.text
    assert (
        camp.client.put(
            f"{base}/camp-activities/{sessions['A1 开营']}", json={"site_code": "Z"}, headers=camp.h("org")
        ).status_code
        == 422
    )
    assert (
        camp.client.put(f"{base}/camp-activities/99999", json={"site_code": "A"}, headers=camp.h("org")).status_code
        == 404
    )
    assert camp.client.get(f"{base}/completion", headers=camp.h("hk01")).status_code == 403

    def attend(name, *session_names):
        for s in session_names:
            world.run(checkin.check_in_member(world.org, sessions[s], member[name]))

    # 甲: 3 of A's 5 required (60 %) plus the optional one; 80 % of 5 needs 4 -> short, missing A4 and A5
    attend("甲", "A1 开营", "A2 实验", "A3 讲座", "A6 自由活动")
    attend("乙", "B1 开营")  # 1 of 1
    report = camp.client.get(f"{base}/completion", headers=camp.h("org")).json()
    assert report["threshold"] == 80
    a, b = report["sites"]
    assert [x["name"] for x in a["required"]] == ["A1 开营", "A2 实验", "A3 讲座", "A4 参观", "A5 结营"]
    assert [x["name"] for x in a["optional"]] == ["A6 自由活动"] and a["needed"] == 4
    jia = a["students"][0]
    assert (jia["name"], jia["status"], jia["attended"], jia["share"], jia["missed"]) == (
        "甲",
        "short",
        3,
        "60.00",
        ["A4 参观", "A5 结营"],
    )
    assert "A4 参观" in jia["reason"] and "3/5" in jia["reason"]
    yi = b["students"][0]
    assert (yi["name"], yi["status"], yi["share"]) == ("乙", "completed", "100.00")
    # certificates: only 乙 completed
    r = camp.client.post(f"{base}/certificates/issue", params={"kind": "camp"}, headers=camp.h("org"))
    assert r.status_code == 200, r.text
    assert r.json()["issued"] == 1
    certs = camp.client.get(f"{base}/certificates", params={"kind": "camp"}, headers=camp.h("org")).json()
    assert [c["name"] for c in certs] == ["乙"]
    # 甲 attends A4: 4 of 5 = 80 % completes; issuing again adds 甲 only
    attend("甲", "A4 参观")
    a = camp.client.get(f"{base}/completion", headers=camp.h("org")).json()["sites"][0]
    assert (a["students"][0]["status"], a["students"][0]["missed"]) == ("completed", ["A5 结营"])
    r = camp.client.post(f"{base}/certificates/issue", params={"kind": "camp"}, headers=camp.h("org"))
    assert r.json()["issued"] == 1
    certs = camp.client.get(f"{base}/certificates", params={"kind": "camp"}, headers=camp.h("org")).json()
    assert sorted(c["name"] for c in certs) == ["乙", "甲"]
    # the PDF of the camp certificates (a camp has no results to finalize)
    pdf = camp.client.get(f"{base}/certificates.pdf", params={"kind": "camp"}, headers=camp.h("org"))
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF", pdf.text[:300]
    # threshold raised to 100: 甲 falls short again
    assert (
        camp.client.put(f"{base}/camp-settings", json={"completion_threshold": 100}, headers=camp.h("org")).status_code
        == 200
    )
    a = camp.client.get(f"{base}/completion", headers=camp.h("org")).json()["sites"][0]
    assert a["needed"] == 5 and a["students"][0]["status"] == "short"


def test_a_site_without_required_activities_decides_nothing(camp):
    apps = _allocated(camp)
    camp.client.post(f"/api/v1/applications/{apps['甲']['id']}/accept", headers=camp.h("hk01"))
    report = camp.client.get(f"/api/v1/events/{camp.id}/completion", headers=camp.h("org")).json()
    a = report["sites"][0]
    assert a["needed"] is None and a["students"][0]["status"] == "undecided"
    r = camp.client.post(f"/api/v1/events/{camp.id}/certificates/issue", params={"kind": "camp"}, headers=camp.h("org"))
    assert r.status_code == 200 and r.json()["issued"] == 0
