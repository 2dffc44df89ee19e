"""A camp's door and badges follow its offers (fresh user's finding 1): only students who accepted
their seat check in, at a site's activity only that site's; declined, expired and unconfirmed
offers are refused with the reason in words; badges (营员证) only for accepted students, per site."""

from __future__ import annotations

import datetime as dt

from competitions.checkin import services as checkin
from competitions.registration.tables import Member
from tests.competitions.camps.test_camps_api import _allocated
from tests.competitions.checkin.test_checkin import scan, token_of


def _member(world, entry_id: int) -> int:
    return world.run(Member.select(Member.id).where(Member.entry == entry_id).first())["id"]


def _link(camp, session_id: int, site: str | None, required: bool = True) -> None:
    r = camp.client.put(
        f"/api/v1/events/{camp.id}/camp-activities/{session_id}",
        json={"site_code": site, "required": required},
        headers=camp.h("org"),
    )
    assert r.status_code == 200, r.text


def test_only_accepted_students_check_in_and_only_at_their_own_site(camp, world):
    from competitions.camps.tables import CampApplication

    apps = _allocated(camp)  # 甲 offered A, 乙 offered B, 丙 waiting for both
    ok = camp.client.post(f"/api/v1/applications/{apps['甲']['id']}/accept", headers=camp.h("hk01"))
    assert ok.status_code == 200
    assert (
        camp.client.post(f"/api/v1/applications/{apps['乙']['id']}/decline", headers=camp.h("hk01")).status_code == 200
    )
    assert camp.by_name()["丙"]["status"] == "offered" and camp.by_name()["丙"]["site_code"] == "B"
    sessions = {
        n: world.run(checkin.create_session(world.org, camp.id, n))["id"] for n in ("A 开营", "B 开营", "集合出发")
    }
    _link(camp, sessions["A 开营"], "A")
    _link(camp, sessions["B 开营"], "B")
    token = {n: token_of(world, _member(world, apps[n]["entry_id"])) for n in ("甲", "乙", "丙")}

    # 甲 accepted A: green at A's session and at the province-wide one, red at B's naming both sites
    assert scan(world, sessions["A 开营"], token["甲"])["result"] == "checked_in"
    assert scan(world, sessions["集合出发"], token["甲"])["result"] == "checked_in"
    other = scan(world, sessions["B 开营"], token["甲"])
    assert (other["result"], other["reason"]) == ("revoked", "camp_other_site")
    assert other["message"] == "录取在A营，不是本场次的B营：不能在此签到"
    assert other["participant"]["name"] == "甲"
    # 乙 declined: never, not even at the unlinked session
    for s in ("B 开营", "集合出发"):
        declined = scan(world, sessions[s], token["乙"])
        assert (declined["result"], declined["reason"], declined["message"]) == (
            "revoked",
            "camp_declined",
            "已放弃录取（B营），不能签到",
        )
    # 丙 holds an unconfirmed offer at B: refused until the school confirms
    pending = scan(world, sessions["B 开营"], token["丙"])
    assert (pending["result"], pending["reason"]) == ("revoked", "camp_not_confirmed")
    assert pending["message"].startswith("录取（B营）尚未确认参营")
    # then the offer runs out: expired is refused for good
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)
    world.run(
        CampApplication.update({CampApplication.offer_expires_at: past}).where(CampApplication.id == apps["丙"]["id"])
    )
    assert camp.by_name()["丙"]["status"] == "expired"
    expired = scan(world, sessions["B 开营"], token["丙"])
    assert (expired["reason"], expired["message"]) == ("camp_expired", "录取逾期未确认（B营），已作废，不能签到")
    # nothing stored for the refused scans: only 甲's two check-ins exist
    from competitions.checkin.tables import Checkin

    stored = world.run(Checkin.select(Checkin.checkin_session, Checkin.member))
    assert sorted((c["checkin_session"], c["member"]) for c in stored) == sorted(
        [
            (sessions["A 开营"], _member(world, apps["甲"]["entry_id"])),
            (sessions["集合出发"], _member(world, apps["甲"]["entry_id"])),
        ]
    )
    # by name (lost QR) the same rule holds
    r = camp.client.post(
        "/api/v1/checkin/manual",
        json={"session_id": sessions["B 开营"], "member_id": _member(world, apps["乙"]["entry_id"])},
        headers=world.headers("staff"),
    )
    assert r.status_code == 200 and r.json()["reason"] == "camp_declined", r.text


def test_camp_badges_only_for_accepted_students_per_site(camp, world):
    from competitions.checkin import badges

    apps = _allocated(camp)
    assert (
        camp.client.post(f"/api/v1/applications/{apps['甲']['id']}/accept", headers=camp.h("hk01")).status_code == 200
    )
    # 乙 holds an unconfirmed offer, 丙 waits: neither gets a badge
    rows = world.run(badges.badge_rows(world.org, camp.id))
    assert [(r["name"], r["detail"], r["badge_label"]) for r in rows] == [("甲", "A营（A）", "营员证")]
    assert [r["name"] for r in world.run(badges.badge_rows(world.org, camp.id, site_code="A"))] == ["甲"]
    pdf = camp.client.get(f"/api/v1/events/{camp.id}/badges.pdf", params={"site_code": "B"}, headers=camp.h("org"))
    assert pdf.status_code == 404
    pdf = camp.client.get(f"/api/v1/events/{camp.id}/badges.pdf", params={"site_code": "A"}, headers=camp.h("org"))
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
    assert world.run(badges.badge_sites(camp.id)) == [{"code": "A", "name": "A营", "badges": 1}]
    # the school's own badges: the same rule
    assert [r["name"] for r in world.run(badges.badge_rows(world.principal("hk01"), camp.id))] == ["甲"]
