"""A JSON body the API can read but that is not what the operation takes (a field missing, of the
wrong type, unknown) is invalid input: 422 with ``errors`` naming each field, like every service's
refusal; only a body that is not JSON at all is 400 (fresh user's finding 13, camp applications)."""

from __future__ import annotations


def test_a_missing_field_is_422_naming_it_everywhere_in_the_api(world):
    from competitions.events import services as events

    camp = world.run(events.create_event(world.org, {"name": "科学营", "kind": "camp", "year": 2026}))
    org = world.headers("org")
    r = world.client.post(f"/api/v1/events/{camp['id']}/applications", json={"name": "周航"}, headers=org)
    assert r.status_code == 422, r.text
    fields = [e["field"] for e in r.json()["errors"]]
    assert fields and set(fields) <= {"gender", "id_number", "grade", "phone", "preferences", "consent_participation"}
    assert r.json()["errors"][0]["message"] == f"缺少必填字段 {fields[0]}。"
    # the same path for any body: a wrong type, an unknown field
    r = world.client.post(f"/api/v1/events/{world.event_id}/entries", json={"title": 5}, headers=org)
    assert r.status_code == 422 and r.json()["errors"][0] == {
        "field": "title",
        "message": "字段 title 的值类型或格式不对。",
    }, r.text
    r = world.client.post(
        f"/api/v1/events/{camp['id']}/sites", json={"code": "A", "name": "A营", "colour": "red"}, headers=org
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "colour", r.text
    # not JSON at all: 400
    r = world.client.post(
        f"/api/v1/events/{world.event_id}/entries",
        content=b"{not json",
        headers={**org, "content-type": "application/json"},
    )
    assert r.status_code == 400 and "errors" not in r.json()


def test_english_messages(world):
    org = {**world.headers("org"), "Accept-Language": "en"}
    r = world.client.post(f"/api/v1/events/{world.event_id}/entries", json={}, headers=org)
    assert r.status_code == 422
    assert r.json()["errors"][0]["message"].startswith("Required field ")
