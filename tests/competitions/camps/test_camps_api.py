"""Camps through the JSON API: sites, the workbook with 志愿 columns, eligibility, one application per
student per year, city quotas, the lottery (recomputed here with hashlib), allocation preview and
apply, offers, declines and expiry promoting the next on the waiting list, access."""

from __future__ import annotations

import datetime as dt
import hashlib

from tests.competitions.camps.conftest import row, sid


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- sites


def test_sites_created_by_the_organizer_and_listed_for_everyone_logged_in(camp):
    site = camp.site("A", 15, reserves={"poverty": "0.1"}, starts_on="2027-07-10", ends_on="2027-07-16")
    assert site["reserves"] == {"poverty": "0.1"}
    assert site["reserved_seats"] == {"poverty": 2}  # 15 * 0.1 = 1.5 rounds half up to 2
    for user in ("org", "haikou", "hk01", "judge"):
        r = camp.client.get(f"/api/v1/events/{camp.id}/sites", headers=camp.h(user))
        assert r.status_code == 200 and [s["code"] for s in r.json()] == ["A"], (user, r.text)
    assert camp.client.get(f"/api/v1/events/{camp.id}/sites").status_code == 401
    r = camp.client.post(
        f"/api/v1/events/{camp.id}/sites", json={"code": "B", "name": "B", "capacity": 1}, headers=camp.h("hk01")
    )
    assert r.status_code == 403
    r = camp.client.post(
        f"/api/v1/events/{camp.id}/sites",
        json={"code": "B", "name": "B营", "capacity": 10, "reserves": {"poverty": "0.7", "rural": "0.4"}},
        headers=camp.h("org"),
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reserves", r.text
    r = camp.client.post(
        f"/api/v1/events/{camp.id}/sites", json={"code": "A", "name": "again", "capacity": 1}, headers=camp.h("org")
    )
    assert r.status_code == 422  # code taken
    # an innovation event has no sites
    assert camp.client.get(f"/api/v1/events/{camp.world.event_id}/sites", headers=camp.h("org")).status_code == 404


# --------------------------------------------------------------------------- the workbook


def test_workbook_with_preferences_creates_one_application_per_student(camp):
    camp.site("A", 2)
    camp.site("B", 2)
    r = camp.upload(
        [
            row("张三", 1, prefs=("A", "B营")),  # a site by its name
            row("李四", 2, school="SY01", prefs=("b",), group="建档立卡"),  # code in any case, group by label
        ]
    )
    assert r.status_code == 201, r.text
    assert r.json() == {"applications_created": 2}
    apps = camp.by_name()
    assert apps["张三"]["preferences"] == ["A", "B"] and apps["张三"]["school_code"] == "HK01"
    assert apps["李四"]["preferences"] == ["B"] and apps["李四"]["priority_group"] == "poverty"
    assert apps["张三"]["status"] == "applied" and apps["张三"]["review_status"] == "approved"  # organizer's: approved
    # the application is an entry with one student member
    entry = camp.client.get(f"/api/v1/entries/{apps['张三']['entry_id']}", headers=camp.h("org")).json()
    assert [(m["name"], m["role"]) for m in entry["members"]] == [("张三", "student")]


def test_workbook_errors_name_row_and_column_and_nothing_is_stored(camp):
    camp.site("A", 2)
    camp.site("B", 2, grades=["高二"])
    r = camp.upload(
        [
            row("王五", 3),  # row 2: fine
            row("赵六", 4, grade="初三"),  # row 3: grade not eligible
            row("钱七", 5, prefs=("A", "Z")),  # row 4: no site Z
            row("孙八", 6, prefs=("A", "A")),  # row 5: A twice
            row("周九", 7, prefs=(None, "A")),  # row 6: 志愿1 empty
            row("吴十", 8, prefs=("B",)),  # row 7: B takes only 高二
            row("郑一", 9, group="外星"),  # row 8: unknown group
            row("王五", 3),  # row 9: same student as row 2
        ]
    )
    assert r.status_code == 422, r.text
    found = {(e["row"], e["column"]) for e in r.json()["errors"]}
    assert found == {
        (3, "年级"),
        (4, "志愿2"),
        (5, "志愿2"),
        (6, "志愿1"),
        (7, "志愿1"),
        (8, "优先类别"),
        (9, "身份证号"),
    }, r.json()
    assert camp.applications() == []


def test_school_rows_for_another_school_are_errors(camp):
    camp.site("A", 2)
    r = camp.upload([row("张三", 1, school="SY01")], user="hk01")
    assert r.status_code == 422 and r.json()["errors"][0] == {
        "row": 2,
        "column": "学校",
        "message": r.json()["errors"][0]["message"],
    }


def test_one_application_per_student_per_year_across_camp_events(camp, world):
    from competitions.events import services as events

    camp.site("A", 2)
    assert camp.upload([row("张三", 1)], user="hk01").status_code == 201
    # the same school again in this event: its re-upload replaces its own application (finding 6)
    r = camp.upload([row("张三", 1)], user="hk01")
    assert r.status_code == 201 and r.json() == {"applications_created": 0, "applications_replaced": 1}, r.text
    # another camp event of the same year
    other = world.run(
        events.create_event(
            world.org,
            {
                "name": "另一个科学营",
                "kind": "camp",
                "year": 2026,
                "status": "open",
                "registration_closes_at": "2099-01-01T00:00:00+08:00",
            },
        )
    )
    world.run(
        __import__("competitions.camps.services", fromlist=["x"]).create_site(
            world.org, other["id"], {"code": "X", "name": "X营", "capacity": 3}
        )
    )
    from tests.competitions.camps.conftest import XLSX, workbook

    # the same school in another camp event of the year: told which application
    r = world.client.post(
        f"/api/v1/events/{other['id']}/registrations/import",
        files={"file": ("c.xlsx", workbook([row("张三", 1, prefs=("X",))]), XLSX)},
        headers=world.headers("hk01"),
    )
    assert r.status_code == 422 and r.json()["errors"][0]["row"] == 2, r.text
    assert "今年已申请过科学营" in r.json()["errors"][0]["message"]
    r = world.client.post(
        f"/api/v1/events/{other['id']}/registrations/import",
        files={"file": ("c.xlsx", workbook([row("张三", 1, school="HK02", prefs=("X",))]), XLSX)},
        headers=world.headers("hk02"),
    )
    # another school is answered as for any student (issue 15: no oracle); the organizer is told
    assert r.status_code == 201 and r.json() == {"applications_created": 1}, r.text
    from app.audit import AuditLog

    flagged = world.run(AuditLog.select().where(AuditLog.action == "camp.duplicate_elsewhere"))
    assert len(flagged) == 1
    # another year is fine
    next_year = world.run(
        events.create_event(
            world.org,
            {
                "name": "2027科学营",
                "kind": "camp",
                "year": 2027,
                "status": "open",
                "registration_closes_at": "2099-01-01T00:00:00+08:00",
            },
        )
    )
    world.run(
        __import__("competitions.camps.services", fromlist=["x"]).create_site(
            world.org, next_year["id"], {"code": "X", "name": "X营", "capacity": 3}
        )
    )
    r = world.client.post(
        f"/api/v1/events/{next_year['id']}/registrations/import",
        files={"file": ("c.xlsx", workbook([row("张三", 1, prefs=("X",))]), XLSX)},
        headers=world.headers("hk01"),
    )
    assert r.status_code == 201, r.text


def test_web_form_application_checks_like_the_workbook(camp):
    camp.site("A", 2)
    body = {
        "name": "张三",
        "gender": "男",
        "id_number": sid(1),
        "grade": "高二",
        "phone": "13812345678",
        "preferences": ["A"],
        "consent_participation": True,
    }
    r = camp.client.post(f"/api/v1/events/{camp.id}/applications", json=body, headers=camp.h("hk01"))
    assert r.status_code == 201, r.text
    assert r.json()["school_code"] == "HK01" and r.json()["review_status"] == "submitted"
    bad = {**body, "id_number": sid(2)[:-1] + ("0" if sid(2)[-1] != "0" else "1")}  # wrong check character
    r = camp.client.post(f"/api/v1/events/{camp.id}/applications", json=bad, headers=camp.h("hk01"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "id_number", r.text
    r = camp.client.post(
        f"/api/v1/events/{camp.id}/applications",
        json={**body, "id_number": sid(3), "grade": "高三"},
        headers=camp.h("hk01"),
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "grade"
    r = camp.client.post(
        f"/api/v1/events/{camp.id}/applications",
        json={**body, "id_number": sid(4), "consent_participation": False},
        headers=camp.h("hk01"),
    )
    assert r.status_code == 422


def test_city_recommends_within_its_quota(camp, world):
    camp.site("A", 5)
    r = camp.client.patch(f"/api/v1/events/{camp.id}", json={"city_review_required": True}, headers=camp.h("org"))
    assert r.status_code == 200, r.text
    assert camp.upload([row("张三", 1), row("李四", 2)], user="hk01").status_code == 201
    categories = camp.client.get(f"/api/v1/events/{camp.id}/categories", headers=camp.h("org")).json()
    r = camp.client.patch(
        f"/api/v1/events/{camp.id}/categories/{categories[0]['id']}", json={"city_quota": 1}, headers=camp.h("org")
    )
    assert r.status_code == 200, r.text
    apps = camp.by_name("haikou")
    first = camp.client.post(
        f"/api/v1/entries/{apps['张三']['entry_id']}/review", json={"decision": "approve"}, headers=camp.h("haikou")
    )
    assert first.status_code == 200 and first.json()["status"] == "recommended", first.text
    second = camp.client.post(
        f"/api/v1/entries/{apps['李四']['entry_id']}/review", json={"decision": "approve"}, headers=camp.h("haikou")
    )
    assert second.status_code == 422, second.text
    # the city checks the priority flag of its own schools only
    r = camp.client.post(
        f"/api/v1/applications/{apps['张三']['id']}/priority-check",
        json={"checked": True, "group": "rural"},
        headers=camp.h("haikou"),
    )
    assert r.status_code == 200 and r.json()["priority_checked"] and r.json()["priority_group"] == "rural", r.text
    r = camp.client.post(
        f"/api/v1/applications/{apps['张三']['id']}/priority-check", json={"checked": True}, headers=camp.h("sanya")
    )
    assert r.status_code == 404


# --------------------------------------------------------------------------- lottery


def test_lottery_commit_and_draw_recomputed_by_hand(camp):
    camp.site("A", 1)
    assert camp.upload([row("甲", 1), row("乙", 2), row("丙", 3)]).status_code == 201
    ids = sorted(a["id"] for a in camp.applications())
    r = camp.client.post(
        f"/api/v1/events/{camp.id}/lottery/commit",
        json={"public_source": "福彩双色球 2027080 期"},
        headers=camp.h("org"),
    )
    assert r.status_code == 201, r.text
    committed = r.json()
    assert committed["applications_hash"] == sha(",".join(str(i) for i in ids))
    assert committed["public_source"] == "福彩双色球 2027080 期"
    public = camp.client.get(f"/api/v1/events/{camp.id}/lottery").json()  # no log-in
    assert public["application_ids"] == ids and public["commitment"] == committed["commitment"]
    assert (
        public["seed"] is None
        and public["order"] is None
        and public["public_value"] is None
        and public["algorithm"] is None
    )
    # the list is frozen: later applications are refused
    assert camp.upload([row("丁", 4)]).status_code == 409
    assert (
        camp.client.post(
            f"/api/v1/events/{camp.id}/lottery/commit", json={"public_source": "x"}, headers=camp.h("org")
        ).status_code
        == 409
    )
    # the draw waits for applications to close
    r = camp.client.post(
        f"/api/v1/events/{camp.id}/lottery/draw", json={"public_value": "03 12 27"}, headers=camp.h("org")
    )
    assert r.status_code == 409
    camp.close()
    r = camp.client.post(
        f"/api/v1/events/{camp.id}/lottery/draw", json={"public_value": "０３ 12  27 "}, headers=camp.h("org")
    )
    assert r.status_code == 200, r.text
    drawn = r.json()
    assert drawn["public_value"] == "03 12 27"  # normalised once
    seed = drawn["seed"]
    assert sha(seed) == committed["commitment"]
    expected = sorted(ids, key=lambda i: sha(f"{seed}|03 12 27|{i}"))
    assert drawn["order"] == expected
    public = camp.client.get(f"/api/v1/events/{camp.id}/lottery").json()
    assert public["seed"] == seed and public["order"] == expected and public["algorithm"]
    numbers = {a["id"]: a["lottery_number"] for a in camp.applications()}
    assert numbers == {i: sha(f"{seed}|03 12 27|{i}") for i in ids}
    assert (
        camp.client.post(
            f"/api/v1/events/{camp.id}/lottery/draw", json={"public_value": "1"}, headers=camp.h("org")
        ).status_code
        == 409
    )
    for user, status in (("hk01", 403), ("haikou", 403)):
        assert (
            camp.client.post(
                f"/api/v1/events/{camp.id}/lottery/draw", json={"public_value": "1"}, headers=camp.h(user)
            ).status_code
            == status
        )


def _drawn(camp, rows, value="7"):
    assert camp.upload(rows).status_code == 201
    assert (
        camp.client.post(
            f"/api/v1/events/{camp.id}/lottery/commit", json={"public_source": "s"}, headers=camp.h("org")
        ).status_code
        == 201
    )
    camp.close()
    r = camp.client.post(f"/api/v1/events/{camp.id}/lottery/draw", json={"public_value": value}, headers=camp.h("org"))
    assert r.status_code == 200, r.text
    names = {a["id"]: a["name"] for a in camp.applications()}
    return [names[i] for i in r.json()["order"]]


# --------------------------------------------------------------------------- allocation


def test_allocation_preview_then_apply(camp):
    camp.site("A", 1)
    camp.site("B", 1)
    order = _drawn(camp, [row("甲", 1, prefs=("A", "B")), row("乙", 2, prefs=("A", "B")), row("丙", 3, prefs=("A",))])
    body = {"priority": "lottery", "apply": False}
    r = camp.client.post(f"/api/v1/events/{camp.id}/allocation", json=body, headers=camp.h("org"))
    assert r.status_code == 200, r.text
    preview = r.json()
    again = camp.client.post(f"/api/v1/events/{camp.id}/allocation", json=body, headers=camp.h("org")).json()
    assert again == preview  # same inputs, same result
    names = {a["id"]: a["name"] for a in camp.applications()}
    result = {
        names[a["application_id"]]: (a["status"], a["site_code"], a["preference_rank"]) for a in preview["assignments"]
    }
    # by hand: with one priority order deferred acceptance is serial dictatorship: in lottery order,
    # each takes its best preference with a free place
    free = {"A": 1, "B": 1}
    prefs = {"甲": ["A", "B"], "乙": ["A", "B"], "丙": ["A"]}
    expected = {}
    for n in order:
        expected[n] = ("waiting", None, None)
        for k, s in enumerate(prefs[n]):
            if free[s]:
                free[s] -= 1
                expected[n] = ("admitted", s, k + 1)
                break
    assert result == expected
    assert (preview["admitted"], preview["waiting"], preview["unplaced"]) == (2, 1, 0)
    second = next(a for a in preview["assignments"] if a["preference_rank"] == 2)
    assert "A营" in second["explanation"] and "B营" in second["explanation"], second
    # a preview stores nothing
    assert {a["status"] for a in camp.applications()} == {"applied"}
    body["apply"] = True
    r = camp.client.post(f"/api/v1/events/{camp.id}/allocation", json=body, headers=camp.h("org"))
    assert r.status_code == 200 and r.json()["applied"] is True, r.text
    apps = camp.by_name()
    offered = [n for n, a in apps.items() if a["status"] == "offered"]
    assert sorted(offered) == sorted(n for n, v in expected.items() if v[0] == "admitted")
    for n in offered:
        assert apps[n]["site_code"] == expected[n][1] and apps[n]["offer_expires_at"]
        expires = dt.datetime.fromisoformat(apps[n]["offer_expires_at"])
        assert dt.timedelta(hours=71) < expires - dt.datetime.now(dt.timezone.utc) <= dt.timedelta(hours=72)
    assert camp.client.post(f"/api/v1/events/{camp.id}/allocation", json=body, headers=camp.h("org")).status_code == 409


def test_allocation_by_ranking(camp):
    camp.site("A", 1)
    assert camp.upload([row("甲", 1, prefs=("A",)), row("乙", 2, prefs=("A",))]).status_code == 201
    r = camp.client.post(f"/api/v1/events/{camp.id}/allocation", json={"priority": "ranking"}, headers=camp.h("org"))
    assert r.status_code == 409  # no ranking yet
    apps = camp.by_name()
    r = camp.client.put(
        f"/api/v1/events/{camp.id}/ranking",
        json={"applications": [apps["乙"]["id"], apps["甲"]["entry_code"]]},
        headers=camp.h("org"),
    )
    assert r.status_code == 200 and r.json() == {"ranked": 2, "applications": 2}, r.text
    r = camp.client.post(f"/api/v1/events/{camp.id}/allocation", json={"priority": "ranking"}, headers=camp.h("org"))
    got = {a["application_id"]: a["status"] for a in r.json()["assignments"]}
    assert got == {apps["乙"]["id"]: "admitted", apps["甲"]["id"]: "waiting"}
    r = camp.client.put(f"/api/v1/events/{camp.id}/ranking", json={"applications": [99999]}, headers=camp.h("org"))
    assert r.status_code == 422


def _allocated(camp):
    """Sites A and B with one seat each; three students all listing A then B; applied by ranking
    甲, 乙, 丙: 甲 holds A, 乙 B, 丙 waits for both."""
    camp.site("A", 1)
    camp.site("B", 1)
    assert (
        camp.upload(
            [row("甲", 1, prefs=("A", "B")), row("乙", 2, prefs=("A", "B")), row("丙", 3, prefs=("A", "B"))]
        ).status_code
        == 201
    )
    apps = camp.by_name()
    camp.client.put(
        f"/api/v1/events/{camp.id}/ranking",
        json={"applications": [apps[n]["id"] for n in ("甲", "乙", "丙")]},
        headers=camp.h("org"),
    )
    r = camp.client.post(
        f"/api/v1/events/{camp.id}/allocation", json={"priority": "ranking", "apply": True}, headers=camp.h("org")
    )
    assert r.status_code == 200, r.text
    apps = camp.by_name()
    assert [(apps[n]["status"], apps[n]["site_code"]) for n in ("甲", "乙", "丙")] == [
        ("offered", "A"),
        ("offered", "B"),
        ("waiting", None),
    ]
    assert apps["丙"]["waiting_position"] == 2 and apps["丙"]["waiting_positions"] == {"A": 2, "B": 1}
    assert apps["乙"]["waiting_positions"] == {"A": 1}
    return apps


def test_decline_promotes_the_next_on_the_waiting_list(camp):
    apps = _allocated(camp)
    r = camp.client.post(f"/api/v1/applications/{apps['甲']['id']}/decline", headers=camp.h("hk01"))
    assert r.status_code == 200 and r.json()["status"] == "declined", r.text
    after = camp.by_name()
    # A freed: 乙 (best priority waiting for A) moves up; B freed by 乙 goes to 丙
    assert (after["乙"]["status"], after["乙"]["site_code"], after["乙"]["preference_rank"]) == ("offered", "A", 1)
    assert (after["丙"]["status"], after["丙"]["site_code"]) == ("offered", "B")
    assert after["丙"]["offer_expires_at"]
    assert (
        camp.client.post(f"/api/v1/applications/{apps['甲']['id']}/accept", headers=camp.h("hk01")).status_code == 409
    )
    r = camp.client.post(f"/api/v1/applications/{apps['丙']['id']}/accept", headers=camp.h("hk01"))
    assert r.status_code == 200 and r.json()["status"] == "accepted" and r.json()["waiting_positions"] == {}, r.text


def test_an_expired_offer_promotes_the_next(camp, world):
    from competitions.camps.tables import CampApplication

    apps = _allocated(camp)
    # 甲 accepts; 乙's offer runs out
    assert (
        camp.client.post(f"/api/v1/applications/{apps['甲']['id']}/accept", headers=camp.h("hk01")).status_code == 200
    )
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)
    world.run(
        CampApplication.update({CampApplication.offer_expires_at: past}).where(CampApplication.id == apps["乙"]["id"])
    )
    after = camp.by_name()  # any read processes expired offers
    assert after["乙"]["status"] == "expired" and after["乙"]["site_code"] is None
    assert (after["丙"]["status"], after["丙"]["site_code"]) == ("offered", "B")
    # processing again changes nothing: one promotion per freed seat
    from competitions.camps import services

    assert world.run(services.process_all_expired()) == 0
    assert sum(a["status"] == "offered" for a in camp.applications()) == 1
    assert (
        camp.client.post(f"/api/v1/applications/{apps['乙']['id']}/accept", headers=camp.h("hk01")).status_code == 409
    )


# --------------------------------------------------------------------------- access


def test_access_school_own_city_own_foreign_ids_404_wrong_role_403(camp):
    camp.site("A", 2)
    assert (
        camp.upload([row("张三", 1), row("李四", 2, school="HK02"), row("王五", 3, school="SY01")]).status_code == 201
    )
    assert {a["name"] for a in camp.applications("hk01")} == {"张三"}
    assert {a["name"] for a in camp.applications("haikou")} == {"张三", "李四"}
    assert {a["name"] for a in camp.applications("sanya")} == {"王五"}
    for user in ("judge", "staff", "referee"):
        assert camp.client.get(f"/api/v1/events/{camp.id}/applications", headers=camp.h(user)).status_code == 403
    assert camp.client.get(f"/api/v1/events/{camp.id}/applications").status_code == 401
    other = camp.by_name()["王五"]["id"]
    assert camp.client.get(f"/api/v1/applications/{other}", headers=camp.h("hk01")).status_code == 404
    assert camp.client.post(f"/api/v1/applications/{other}/accept", headers=camp.h("hk01")).status_code == 404
    assert camp.client.post(f"/api/v1/applications/{other}/accept", headers=camp.h("sanya")).status_code == 403
    assert camp.client.post("/api/v1/applications/999999/decline", headers=camp.h("org")).status_code == 404
    assert (
        camp.client.post(
            f"/api/v1/events/{camp.id}/allocation", json={"priority": "lottery"}, headers=camp.h("hk01")
        ).status_code
        == 403
    )
    assert camp.client.get("/api/v1/events/999999/lottery").status_code == 404


def test_openapi_declares_the_camp_operations(client):
    doc = client.get("/schema/openapi.json").json()
    paths = doc["paths"]
    for path, method in (
        ("/api/v1/events/{event_id}/sites", "post"),
        ("/api/v1/events/{event_id}/applications", "get"),
        ("/api/v1/events/{event_id}/lottery/commit", "post"),
        ("/api/v1/events/{event_id}/lottery/draw", "post"),
        ("/api/v1/events/{event_id}/allocation", "post"),
        ("/api/v1/applications/{application_id}/accept", "post"),
        ("/api/v1/applications/{application_id}/decline", "post"),
    ):
        responses = paths[path][method]["responses"]
        assert {"401", "403", "404"} <= set(responses), (path, sorted(responses))
    assert "401" not in paths["/api/v1/events/{event_id}/lottery"]["get"]["responses"]


def test_concurrent_expiry_processing_promotes_once_per_freed_seat(camp, world):
    import asyncio

    from app.audit import AuditLog
    from competitions.camps import services
    from competitions.camps.tables import CampApplication

    apps = _allocated(camp)
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)
    world.run(
        CampApplication.update({CampApplication.offer_expires_at: past}).where(CampApplication.id == apps["乙"]["id"])
    )

    async def together():
        return await asyncio.gather(*(services.process_expired(camp.id) for _ in range(4)))

    counts = world.run(together())
    assert sum(counts) == 1  # one caller expired the offer; the others found nothing left
    promotions = world.run(AuditLog.select().where(AuditLog.action == "camp.offer.promote"))
    assert [p["object_id"] for p in promotions] == [apps["丙"]["id"]]
    after = camp.by_name()
    assert (after["丙"]["status"], after["丙"]["site_code"]) == ("offered", "B")


def test_the_camp_template_filled_in_imports(camp):
    import io

    import openpyxl

    from tests.competitions.camps.conftest import XLSX

    camp.site("A", 2)
    r = camp.client.get(f"/api/v1/events/{camp.id}/registration-template", headers=camp.h("hk01"))
    assert r.status_code == 200, r.text
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    assert header[-5:] == ["志愿1", "志愿2", "志愿3", "优先类别", "同意公开姓名"]
    values = dict(row("张三", 1, group="农村"), 角色="学生")
    ws.append([values.get(h) for h in header])
    buf = io.BytesIO()
    wb.save(buf)
    r = camp.client.post(
        f"/api/v1/events/{camp.id}/registrations/import",
        files={"file": ("t.xlsx", buf.getvalue(), XLSX)},
        headers=camp.h("hk01"),
    )
    assert r.status_code == 201 and r.json() == {"applications_created": 1}, r.text
    assert camp.by_name("hk01")["张三"]["priority_group"] == "rural"


def test_the_repository_script_verifies_the_public_record(camp, tmp_path):
    import json
    import subprocess
    import sys

    from app.settings import PROJECT_ROOT

    camp.site("A", 1)
    _drawn(camp, [row("甲", 1), row("乙", 2), row("丙", 3)], value="05 09 13")
    record = camp.client.get(f"/api/v1/events/{camp.id}/lottery").json()
    path = tmp_path / "lottery.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    script = str(PROJECT_ROOT / "scripts" / "verify_camp_lottery.py")
    ok = subprocess.run([sys.executable, script, str(path)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    record["order"] = list(reversed(record["order"]))
    path.write_text(json.dumps(record), encoding="utf-8")
    assert subprocess.run([sys.executable, script, str(path)], capture_output=True, text=True).returncode == 1


# --------------------------------------------------------------------------- cross-school duplicates


def test_a_school_cannot_tell_whether_another_school_applied_for_a_student(camp):
    """Issue 15: a school's answer is identical whether or not another school applied for the
    student; the organizer sees the pair, the preview warns, applying the allocation is refused
    until one application is withdrawn."""
    camp.site("A", 2)
    assert camp.upload([row("张三", 1, school="HK01")]).status_code == 201  # HK01 (by the organizer)
    # HK02 uploads 张三 (already applied for by HK01) and, in a second upload, 李四 (nobody's)
    taken = camp.upload([row("张三", 1, school="HK02")], user="hk02")
    fresh = camp.upload([row("李四", 2, school="HK02")], user="hk02")
    assert (taken.status_code, taken.json()) == (fresh.status_code, fresh.json()) == (201, {"applications_created": 1})
    # the web form (API) too: same status, same keys, nothing about the other school
    form = {
        "gender": "男",
        "grade": "高一",
        "phone": "13812345678",
        "preferences": ["A"],
        "consent_participation": True,
    }
    a = camp.client.post(
        f"/api/v1/events/{camp.id}/applications",
        json={**form, "name": "王五", "id_number": row("x", 3)["身份证号"]},
        headers=camp.h("hk01"),
    )
    assert a.status_code == 201, a.text
    b = camp.client.post(
        f"/api/v1/events/{camp.id}/applications",
        json={**form, "name": "王五", "id_number": row("x", 3)["身份证号"]},
        headers=camp.h("hk02"),
    )
    c = camp.client.post(
        f"/api/v1/events/{camp.id}/applications",
        json={**form, "name": "赵六", "id_number": row("x", 4)["身份证号"]},
        headers=camp.h("hk02"),
    )
    assert b.status_code == c.status_code == 201, (b.text, c.text)
    strip = {"id", "entry_id", "entry_code", "name"}
    assert {k: v for k, v in b.json().items() if k not in strip} == {
        k: v for k, v in c.json().items() if k not in strip
    }
    assert "duplicate_of" not in b.json() and "海口市第一中学" not in b.text
    # the school's own list shows its applications only, with no duplicate marks
    own = camp.applications("hk02")
    assert sorted(x["name"] for x in own) == ["张三", "李四", "王五", "赵六"]
    assert all("duplicate_of" not in x for x in own)
    # the organizer sees the two pairs
    apps = camp.applications()
    ids = {(x["name"], x["school_code"]): x["id"] for x in apps}
    zs1, zs2 = ids[("张三", "HK01")], ids[("张三", "HK02")]
    ww1, ww2 = ids[("王五", "HK01")], ids[("王五", "HK02")]
    dup = {x["id"]: x["duplicate_of"] for x in apps}
    assert dup == {zs1: [zs2], zs2: [zs1], ids[("李四", "HK02")]: [], ww1: [ww2], ww2: [ww1], ids[("赵六", "HK02")]: []}
    # the preview warns, applying is refused naming the four applications
    r = camp.client.post(f"/api/v1/events/{camp.id}/allocation", json={"priority": "ranking"}, headers=camp.h("org"))
    camp.client.put(f"/api/v1/events/{camp.id}/ranking", json={"applications": sorted(dup)}, headers=camp.h("org"))
    r = camp.client.post(f"/api/v1/events/{camp.id}/allocation", json={"priority": "ranking"}, headers=camp.h("org"))
    assert r.status_code == 200, r.text
    assert r.json()["duplicates"] == sorted([zs1, zs2, ww1, ww2]) and len(r.json()["warnings"]) == 2
    # the duplicates first; then the schools' five applications still waiting for review
    assert r.json()["warnings"][1].startswith("5 份申请还没有通过审查（待审查 5）")
    body = {"priority": "ranking", "apply": True}
    r = camp.client.post(f"/api/v1/events/{camp.id}/allocation", json=body, headers=camp.h("org"))
    assert r.status_code == 409 and r.json()["extra"] == {"duplicates": sorted([zs1, zs2, ww1, ww2])}, r.text
    assert all(str(i) in r.json()["detail"] for i in (zs1, zs2, ww1, ww2))
    # the organizer withdraws one of each pair: then the allocation applies
    for i in (zs2, ww2):
        assert camp.client.post(f"/api/v1/applications/{i}/withdraw", headers=camp.h("org")).status_code == 200
    assert all(x["duplicate_of"] == [] for x in camp.applications())
    r = camp.client.post(f"/api/v1/events/{camp.id}/allocation", json=body, headers=camp.h("org"))
    assert r.status_code == 200 and r.json()["duplicates"] == [], r.text


def test_the_organizer_applications_page_lists_duplicate_pairs(camp, world, app):
    from litestar.testing import TestClient

    camp.site("A", 2)
    assert camp.upload([row("张三", 1, school="HK01")]).status_code == 201
    assert camp.upload([row("张三", 1, school="HK02")], user="hk02").status_code == 201
    with TestClient(app=app) as org:
        world.login_page("org", org)
        page = org.get(f"/camps/{camp.id}/applications")
        assert page.status_code == 200 and 'id="duplicates"' in page.text and "海南华侨中学" in page.text
        org.cookies.set("lang", "en")
        en = org.get(f"/camps/{camp.id}/applications")
        assert "Duplicate applications" in en.text
    with TestClient(app=app) as school:
        world.login_page("hk02", school)
        page = school.get(f"/camps/{camp.id}/applications")
        assert page.status_code == 200 and 'id="duplicates"' not in page.text and "张三" in page.text


def test_a_corrected_workbook_replaces_the_schools_own_editable_applications(camp, world):
    """Fresh user's finding 6: re-uploading gave 422 for every row although the template says a
    re-upload replaces earlier rows. Now it replaces (all or nothing), until reviewed or frozen."""
    camp.site("A", 5)
    camp.site("B", 5)
    assert camp.upload([row("甲", 1), row("乙", 2)], user="hk01").status_code == 201
    before = camp.by_name("hk01")
    # a bad row: nothing changes
    r = camp.upload([row("甲", 1, prefs=("B",)), row("丙", 3, grade="初三")], user="hk01")
    assert r.status_code == 422 and [e["row"] for e in r.json()["errors"]] == [3], r.text
    assert camp.by_name("hk01")["甲"]["preferences"] == ["A"]
    # the corrected workbook: 甲 changes 志愿 and group, 乙 unchanged, 丙 new
    r = camp.upload([row("甲", 1, prefs=("B", "A"), group="农村"), row("乙", 2), row("丙", 3)], user="hk01")
    assert r.status_code == 201 and r.json() == {"applications_created": 1, "applications_replaced": 2}, r.text
    after = camp.by_name("hk01")
    assert sorted(after) == ["丙", "乙", "甲"]
    assert after["甲"]["id"] == before["甲"]["id"] and after["甲"]["entry_id"] == before["甲"]["entry_id"]
    assert (after["甲"]["preferences"], after["甲"]["priority_group"]) == (["B", "A"], "rural")
    from app.tables import AuditLog

    assert world.run(AuditLog.count().where(AuditLog.action == "camp.apply.replace")) == 2
    # once the organizer approved 乙, the school cannot replace it by upload
    r = camp.client.post(
        f"/api/v1/entries/{after['乙']['entry_id']}/review", json={"decision": "approve"}, headers=camp.h("org")
    )
    assert r.status_code == 200, r.text
    r = camp.upload([row("乙", 2, prefs=("B",))], user="hk01")
    assert r.status_code == 422 and "不能再通过上传替换" in r.json()["errors"][0]["message"], r.text
    # after the commitment: refused, saying why
    r = camp.client.post(f"/api/v1/events/{camp.id}/lottery/commit", json={"public_source": "s"}, headers=camp.h("org"))
    assert r.status_code == 201
    r = camp.upload([row("甲", 1, prefs=("A",))], user="hk01")
    assert r.status_code == 409 and "不能再上传报名表新增或替换申请" in r.json()["detail"], r.text


def test_every_error_of_a_workbook_in_one_pass_with_the_same_student_twice(camp):
    """Fresh user's finding 10: rows naming the same student were reported only on the next upload
    when one of them had another error."""
    camp.site("A", 5)
    rows = [
        row("王五", 3),  # row 2: fine
        row("赵六", 4, grade="初三"),  # row 3: grade
        row("钱七", 5),  # row 4
        {**row("钱七", 5), "联系电话": "12"},  # row 5: same student as row 4, and a bad phone
    ]
    r = camp.upload(rows, user="hk01")
    assert r.status_code == 422, r.text
    got = [(e["row"], e["column"], e["message"]) for e in r.json()["errors"]]
    assert (3, "年级", "年级“初三”不能申请本次科学营：只招收高一、高二学生。") in got
    assert (5, "身份证号", "第 4 行和这一行是同一名学生，请删除其中一行。") in got
    assert any(g[0] == 5 and g[1] == "联系电话" for g in got)
    assert len(got) == 3


def test_the_city_corrects_or_refuses_a_priority_flag_with_a_reason_the_school_sees(camp, world, app):
    """Fresh user's finding 14: the city could only confirm a priority flag."""
    from litestar.testing import TestClient

    camp.site("A", 5, reserves={"poverty": "0.2"})
    assert camp.upload([row("甲", 1, group="建档立卡"), row("乙", 2, group="农村")], user="hk01").status_code == 201
    apps = camp.by_name()
    url = "/api/v1/applications/{}/priority-check"
    r = camp.client.post(url.format(apps["乙"]["id"]), json={"checked": False}, headers=camp.h("haikou"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = camp.client.post(
        url.format(apps["乙"]["id"]),
        json={"checked": False, "reason": "户籍在海口市区，不属农村"},
        headers=camp.h("haikou"),
    )
    assert r.status_code == 200, r.text
    assert (r.json()["priority_checked"], r.json()["priority_group"], r.json()["priority_note"]) == (
        False,
        "rural",
        "户籍在海口市区，不属农村",
    )
    # corrected: 建档立卡 is really 农村, and holds
    r = camp.client.post(
        url.format(apps["甲"]["id"]), json={"checked": True, "group": "农村"}, headers=camp.h("haikou")
    )
    assert (r.json()["priority_checked"], r.json()["priority_group"], r.json()["priority_note"]) == (True, "rural", "")
    with TestClient(app=app) as school:
        world.login_page("hk01", school)
        page = school.get(f"/camps/{camp.id}/applications").text
        assert "核实未通过" in page and "户籍在海口市区，不属农村" in page


def test_an_allocation_of_applications_still_under_review_is_refused_not_stored(camp):
    """A school's applications wait for review; an organizer who forgot to approve them got an empty
    allocation stored for good (a second apply is refused). The preview says how many wait, applying
    nobody is 409, and after the review the allocation runs."""
    camp.site("A", 2)
    assert camp.upload([row("甲", 1), row("乙", 2)], user="hk01").status_code == 201
    assert camp.upload([row("丙", 3)]).status_code == 201  # the organizer's own: approved at once
    apps = camp.by_name()
    url = f"/api/v1/events/{camp.id}/allocation"
    camp.client.put(
        f"/api/v1/events/{camp.id}/ranking", json={"applications": [apps["丙"]["id"]]}, headers=camp.h("org")
    )
    order = [apps[n]["id"] for n in ("甲", "乙", "丙")]
    r = camp.client.put(f"/api/v1/events/{camp.id}/ranking", json={"applications": order}, headers=camp.h("org"))
    assert r.status_code == 200, r.text
    preview = camp.client.post(url, json={"priority": "ranking", "apply": False}, headers=camp.h("org")).json()
    assert preview["admitted"] == 1
    assert "2 份申请还没有通过审查（待审查 2），不参加这次分配" in preview["warnings"][0]
    english = camp.client.post(
        url, json={"priority": "ranking", "apply": False}, headers={**camp.h("org"), "Accept-Language": "en"}
    ).json()
    assert english["warnings"][0].startswith("2 applications have not passed review (")
    # nobody approved: refused, nothing stored
    camp.client.post(
        f"/api/v1/applications/{apps['丙']['id']}/withdraw", json={"reason": "转学"}, headers=camp.h("org")
    )
    r = camp.client.post(url, json={"priority": "ranking", "apply": True}, headers=camp.h("org"))
    assert r.status_code == 409, r.text
    assert r.json()["detail"].startswith("没有可分配的申请") and "2 份申请还没有通过审查" in r.json()["detail"]
    assert r.json()["extra"] == {"awaiting_review": 2}
    assert camp.client.get(url, headers=camp.h("org")).json()["allocated_at"] is None
    assert {a["status"] for a in camp.applications()} >= {"applied"}
    for name in ("甲", "乙"):
        r = camp.client.post(
            f"/api/v1/entries/{apps[name]['entry_id']}/review", json={"decision": "approve"}, headers=camp.h("org")
        )
        assert r.status_code == 200, r.text
    r = camp.client.post(url, json={"priority": "ranking", "apply": True}, headers=camp.h("org"))
    assert r.status_code == 200 and r.json()["admitted"] == 2 and r.json()["warnings"] == [], r.text


def test_a_school_re_uploading_its_students_is_answered_alike_whether_or_not_another_school_applied_later(camp):
    """A school's re-upload replaces its own applications, and a second application for its own
    student is refused, whether or not another school applied for the student after it (issue 11
    re-test: only one application per student was looked at, so when the other school's came last
    the school's own was missed: the re-upload failed, and the answer told the school that someone
    else had applied for the student since)."""
    camp.site("A", 2)
    first = [row("张三", 1, school="HK02"), row("李四", 2, school="HK02")]
    assert camp.upload(first, user="hk02").status_code == 201
    assert camp.upload([row("张三", 1, school="HK01")], user="hk01").status_code == 201  # after HK02's
    again = camp.upload(first, user="hk02")  # the same workbook again: both rows replace HK02's own
    assert (again.status_code, again.json()) == (201, {"applications_created": 0, "applications_replaced": 2}), (
        again.text
    )
    assert sorted((a["name"], a["school_code"]) for a in camp.applications()) == [
        ("张三", "HK01"),
        ("张三", "HK02"),
        ("李四", "HK02"),
    ]
    # the web form (no replacing): both students are HK02's already, so both answers are the same refusal
    form = {
        "gender": "男",
        "grade": "高一",
        "phone": "13812345678",
        "preferences": ["A"],
        "consent_participation": True,
    }
    answers = [
        camp.client.post(
            f"/api/v1/events/{camp.id}/applications",
            json={**form, "name": name, "id_number": row("x", n)["身份证号"]},
            headers=camp.h("hk02"),
        )
        for name, n in (("张三", 1), ("李四", 2))
    ]
    assert [a.status_code for a in answers] == [422, 422], [a.text for a in answers]
    assert (
        answers[0].json()["errors"][0]["message"].replace("张三", "李四").split("申请编号")[0]
        == (answers[1].json()["errors"][0]["message"].split("申请编号")[0])
    )
