"""Places left after the allocation can be filled again (fresh user's finding 2): a 补录 round over the
places left (same rule, same priority order, seats held kept, late approvals take part), an offer
by hand at a site with a free place, and reinstating a declined or expired offer, each with a
reason in the audit trail; the applied result is the stored one (finding 15)."""

from __future__ import annotations

from tests.competitions.camps.conftest import row


def _apply_by_ranking(camp, names):
    apps = camp.by_name()
    r = camp.client.put(
        f"/api/v1/events/{camp.id}/ranking",
        json={"applications": [apps[n]["id"] for n in names]},
        headers=camp.h("org"),
    )
    assert r.status_code == 200, r.text
    r = camp.client.post(
        f"/api/v1/events/{camp.id}/allocation", json={"priority": "ranking", "apply": True}, headers=camp.h("org")
    )
    assert r.status_code == 200, r.text
    return camp.by_name()


def _season(camp):
    """A: 2 places, B: 1. Ranking 甲 乙 丙 丁 戊. 丁 (school's, not yet approved) sits out round 1.
    Round 1 by hand: 甲 -> A, 乙 -> A, 丙 -> B (A full for nobody else: 戊 lists B only, and B is
    full of 丙 who ranks higher): 戊 waits for B."""
    camp.site("A", 2)
    camp.site("B", 1)
    assert (
        camp.upload(
            [
                row("甲", 1, prefs=("A",)),
                row("乙", 2, prefs=("A", "B")),
                row("丙", 3, prefs=("B",)),
                row("戊", 5, prefs=("B",)),
            ]
        ).status_code
        == 201
    )
    assert camp.upload([row("丁", 4, prefs=("A", "B"))], user="hk01").status_code == 201
    apps = _apply_by_ranking(camp, ["甲", "乙", "丙", "丁", "戊"])
    assert [(n, apps[n]["status"], apps[n]["site_code"]) for n in ("甲", "乙", "丙", "丁", "戊")] == [
        ("甲", "offered", "A"),
        ("乙", "offered", "A"),
        ("丙", "offered", "B"),
        ("丁", "applied", None),
        ("戊", "waiting", None),
    ]
    return apps


def _post(camp, path, body=None, user="org"):
    return camp.client.post(path, json=body or {}, headers=camp.h(user))


def test_second_round_fills_places_left_in_the_same_order_keeping_every_seat(camp):
    apps = _season(camp)
    # 甲 declines: nobody waits for A (乙 holds A, 丙 and 戊 did not list it): a place stays free
    assert _post(camp, f"/api/v1/applications/{apps['甲']['id']}/decline", user="hk01").status_code == 200
    after = camp.by_name()
    assert after["乙"]["site_code"] == "A" and after["戊"]["status"] == "waiting"
    # the first allocation cannot run twice
    again = _post(camp, f"/api/v1/events/{camp.id}/allocation", {"priority": "ranking", "apply": True})
    assert again.status_code == 409 and "补录" in again.json()["detail"]
    # the late approval
    r = _post(camp, f"/api/v1/entries/{apps['丁']['entry_id']}/review", {"decision": "approve"})
    assert r.status_code == 200, r.text
    url = f"/api/v1/events/{camp.id}/allocation/second-round"
    preview = _post(camp, url, {"apply": False})
    assert preview.status_code == 200, preview.text
    body = preview.json()
    names = {a["id"]: a["name"] for a in camp.applications()}
    # by hand: places left A 1, B 0; taking part 丁 (A, B) and 戊 (B), in ranking order 丁 then 戊
    result = {names[a["application_id"]]: (a["status"], a["site_code"]) for a in body["assignments"]}
    assert result == {"丁": ("admitted", "A"), "戊": ("waiting", None)}
    assert body["round"] == 2 and body["applied"] is False
    assert {s["site_code"]: s["capacity"] for s in body["per_site"]} == {"A": 1, "B": 0}
    assert _post(camp, url, {"apply": False}).json() == body  # deterministic, and a preview stores nothing
    assert camp.by_name()["丁"]["status"] == "applied"
    wu = next(a for a in body["assignments"] if names[a["application_id"]] == "戊")
    assert wu["explanation"].startswith("补录（第 2 轮）：志愿1“B营”没有剩余名额。")
    applied = _post(camp, url, {"apply": True})
    assert applied.status_code == 200 and applied.json()["applied"] is True, applied.text
    after = camp.by_name()
    assert (after["丁"]["status"], after["丁"]["site_code"], after["丁"]["allocation_round"]) == ("offered", "A", 2)
    assert after["丁"]["offer_expires_at"] is not None
    assert after["丁"]["explanation"].startswith("补录（第 2 轮）：录取到志愿1“A营”。")
    # seats held before are untouched; 戊 still waits for B, now behind nobody
    assert (after["乙"]["status"], after["乙"]["site_code"], after["丙"]["site_code"]) == ("offered", "A", "B")
    assert after["戊"]["waiting_positions"] == {"B": 1}
    # the stored rounds, as applied
    stored = camp.client.get(f"/api/v1/events/{camp.id}/allocation", headers=camp.h("org")).json()
    assert [(r["round"], r["admitted"], r["waiting"]) for r in stored["rounds"]] == [(1, 3, 1), (2, 1, 1)]
    assert stored["priority"] == "ranking"
    # 丙 declines: B goes to 戊 by the waiting list (promotions follow the renumbered order)
    assert _post(camp, f"/api/v1/applications/{apps['丙']['id']}/decline", user="hk01").status_code == 200
    assert (camp.by_name()["戊"]["status"], camp.by_name()["戊"]["site_code"]) == ("offered", "B")
    # the stored result is the organizer's
    assert camp.client.get(f"/api/v1/events/{camp.id}/allocation", headers=camp.h("hk01")).status_code == 403


def test_offer_by_hand_and_reinstate_need_a_free_place_and_a_reason(camp, world):
    from app.tables import AuditLog

    apps = _season(camp)
    ids = {n: apps[n]["id"] for n in apps}
    # no reason: 422 naming it; a full site: 409 saying so
    r = _post(camp, f"/api/v1/applications/{ids['戊']}/offer", {"site_code": "A", "reason": " "})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = _post(camp, f"/api/v1/applications/{ids['戊']}/offer", {"site_code": "B", "reason": "家长来电"})
    assert r.status_code == 409 and "已满（1/1）" in r.json()["detail"], r.text
    r = _post(camp, f"/api/v1/applications/{ids['戊']}/offer", {"site_code": "Z", "reason": "x"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "site_code"
    assert (
        _post(camp, f"/api/v1/applications/{ids['戊']}/offer", {"site_code": "A", "reason": "x"}, "hk01").status_code
        == 403
    )
    # 甲 lets A go: nobody waits for A, a place is free
    assert _post(camp, f"/api/v1/applications/{ids['甲']}/decline", user="hk01").status_code == 200
    r = _post(camp, f"/api/v1/applications/{ids['戊']}/offer", {"site_code": "A", "reason": "B营已满，家长同意去A营"})
    assert r.status_code == 200, r.text
    wu = r.json()
    assert (wu["status"], wu["site_code"], wu["preference_rank"]) == ("offered", "A", None)
    assert wu["explanation"].startswith("组委会录取到“A营”（B营已满，家长同意去A营）。")
    # 甲 would like A back: A is full again (乙, 戊) -> 409; after 戊 declines it can be reinstated
    r = _post(camp, f"/api/v1/applications/{ids['甲']}/reinstate", {"reason": "学校误点放弃"})
    assert r.status_code == 409 and "已满（2/2）" in r.json()["detail"]
    assert _post(camp, f"/api/v1/applications/{ids['戊']}/decline", user="hk01").status_code == 200
    r = _post(camp, f"/api/v1/applications/{ids['甲']}/reinstate", {"reason": "学校误点放弃"})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["site_code"], r.json()["offer_note"]) == ("offered", "A", "学校误点放弃")
    assert _post(camp, f"/api/v1/applications/{ids['乙']}/reinstate", {"reason": "x"}).status_code == 409  # not out
    audit = world.run(
        AuditLog.select(AuditLog.action, AuditLog.reason).where(
            AuditLog.action.is_in(["camp.offer.manual", "camp.offer.reinstate"])
        )
    )
    assert sorted((a["action"], a["reason"]) for a in audit) == [
        ("camp.offer.manual", "B营已满，家长同意去A营"),
        ("camp.offer.reinstate", "学校误点放弃"),
    ]
