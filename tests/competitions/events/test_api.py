"""Events and their categories through the JSON API: who may create and change them, and the
validation of every setting (award quotas read exactly as decimals)."""

from __future__ import annotations

from tests.competitions.api import EVERYONE, category_id, check_matrix

# --------------------------------------------------------------------------- events


def test_event_endpoints_access(world):
    client = world.client
    eid = world.event_id
    body = {"name": "2026年海南省青少年机器人竞赛", "kind": "robotics", "year": 2026}
    check_matrix(world, "POST", "/api/v1/events", {u: (401 if u is None else 403) for u in EVERYONE[1:]}, json=body)
    created = check_matrix(world, "POST", "/api/v1/events", {"org": 201}, json=body)["org"].json()
    assert created["kind"] == "robotics" and created["name"] == body["name"]

    every_role = {u: (401 if u is None else 200) for u in EVERYONE}
    listing = check_matrix(world, "GET", "/api/v1/events", every_role)
    assert created["status"] == "draft" and created["stage"] == "draft"  # CONTRACT: new events start as drafts
    assert {e["id"] for e in listing["org"].json()} == {eid, created["id"]}
    assert {e["id"] for e in listing["hk01"].json()} == {eid}  # a draft is the organizers' alone
    detail = check_matrix(world, "GET", f"/api/v1/events/{eid}", every_role)
    assert [c["code"] for c in detail["sy01"].json()["categories"]] == [
        "MA",
        "PH",
        "CH",
        "LS",
        "BM",
        "EV",
        "EN",
        "CS",
        "SB",
    ]
    check_matrix(world, "GET", f"/api/v1/events/{eid}/categories", every_role)
    assert client.get("/api/v1/events/999999", headers=world.headers("org")).status_code == 404

    not_org = {u: (401 if u is None else 403) for u in EVERYONE[1:]}
    check_matrix(world, "PATCH", f"/api/v1/events/{eid}", not_org, json={"name": "改名"})
    check_matrix(world, "POST", f"/api/v1/events/{eid}/categories", not_org, json={"code": "RB", "name": "机器人"})
    cid = category_id(world, "PH")
    check_matrix(world, "PATCH", f"/api/v1/events/{eid}/categories/{cid}", not_org, json={"school_quota": 0})
    check_matrix(world, "POST", f"/api/v1/events/{eid}/registrations/export", not_org, json={"reason": "核对"})
    # the workbook template and import are for organizers and schools only
    for path, method in (
        (f"/api/v1/events/{eid}/registration-template", "GET"),
        (f"/api/v1/events/{eid}/registrations/import", "POST"),
    ):
        check_matrix(
            world, method, path, {"haikou": 403, "sanya": 403, "judge": 403, "referee": 403, "staff": 403, None: 401}
        )
    assert client.get(f"/api/v1/events/{eid}", headers=world.headers("org")).json()["name"] == world.event["name"]

    added = check_matrix(
        world,
        "POST",
        f"/api/v1/events/{eid}/categories",
        {"org": 201},
        json={"code": "rb", "name": "机器人", "school_quota": 2},
    )
    assert added["org"].json() == {
        "id": added["org"].json()["id"],
        "code": "RB",
        "name": "机器人",
        "school_quota": 2,
        "city_quota": None,
        "required_documents": None,
    }
    duplicate = client.post(
        f"/api/v1/events/{eid}/categories", json={"code": "RB", "name": "重复"}, headers=world.headers("org")
    )
    assert duplicate.status_code == 409 and duplicate.json()["detail"] == "本赛事已有代码为“RB”的类别。"
    changed = client.patch(
        f"/api/v1/events/{eid}/categories/{cid}",
        json={"school_quota": 3, "city_quota": ""},
        headers=world.headers("org"),
    )
    assert changed.status_code == 200 and changed.json()["school_quota"] == 3 and changed.json()["city_quota"] is None
    negative = client.patch(
        f"/api/v1/events/{eid}/categories/{cid}", json={"school_quota": -1}, headers=world.headers("org")
    )
    assert negative.status_code == 422 and negative.json()["detail"] == "每校名额必须是非负整数，留空表示不限。"


def test_event_creation_validation(world):
    client, org = world.client, world.headers("org")
    bad_kind = client.post("/api/v1/events", json={"name": "x", "kind": "olympiad", "year": 2026}, headers=org)
    assert bad_kind.status_code == 422 and "innovation" in bad_kind.json()["detail"]
    bad_year = client.post("/api/v1/events", json={"name": "x", "kind": "camp", "year": 26}, headers=org)
    assert bad_year.status_code == 422 and bad_year.json()["detail"] == "年份必须是四位数字，例如 2026。"
    bad_time = client.post(
        "/api/v1/events",
        json={"name": "x", "kind": "camp", "year": 2026, "registration_closes_at": "下周五"},
        headers=org,
    )
    assert bad_time.status_code == 422 and "报名截止时间" in bad_time.json()["detail"]
    order = client.post(
        "/api/v1/events",
        json={
            "name": "x",
            "kind": "camp",
            "year": 2026,
            "registration_opens_at": "2026-04-01T00:00",
            "registration_closes_at": "2026-03-01T00:00",
        },
        headers=org,
    )
    assert order.status_code == 422 and order.json()["detail"] == "报名截止时间必须晚于开始时间。"
    # a time without an offset is Beijing time
    camp = client.post(
        "/api/v1/events",
        json={"name": "高校科学营", "kind": "camp", "year": 2026, "registration_closes_at": "2026-03-31 18:00"},
        headers=org,
    )
    assert camp.status_code == 201
    assert camp.json()["registration_closes_at"] == "2026-03-31T10:00:00+00:00"


def test_patch_event_settings_validation(world):
    client, org, eid = world.client, world.headers("org"), world.event_id
    cases = [
        ({"award_quotas": {"first": 0.5, "second": 0.6}}, "一、二、三等奖比例之和不能超过 1，现在是 1.45。"),
        ({"award_quotas": {"first": -0.1}}, "获奖比例“first”必须在 0 到 1 之间，现在是 -0.1。"),
        ({"award_quotas": {"first": 1.5}}, "获奖比例“first”必须在 0 到 1 之间，现在是 1.5。"),
        ({"award_quotas": {"first": "多"}}, "获奖比例“first”必须是 0 到 1 之间的小数。"),
        ({"award_quotas": {"fourth": 0.1}}, "获奖比例只能设置 first、second、third。"),
        ({"aggregation": "median"}, "汇总方法必须是 mean、trimmed_mean 或 zscore。"),
        ({"trim_min_scores": 2}, "去掉最高分和最低分所需的最少评分数必须是不小于 3 的整数。"),
        ({"score_decimals": 5}, "分数保留的小数位数必须是 0 到 4 的整数。"),
        ({"max_team_size": 0}, "人数限制 0 超出范围 1–10。"),
        ({"name": "  "}, "请填写赛事名称。"),
    ]
    for body, message in cases:
        response = client.patch(f"/api/v1/events/{eid}", json=body, headers=org)
        assert response.status_code == 422, body
        assert response.json()["detail"] == message, body
    not_json = client.patch(
        f"/api/v1/events/{eid}", content=b"{not json", headers={**org, "Content-Type": "application/json"}
    )
    assert not_json.status_code == 422 and not_json.json()["detail"] == "请求正文不是有效的 JSON。"
    # nothing was changed by the refused requests
    event = client.get(f"/api/v1/events/{eid}", headers=org).json()
    assert event["award_quotas"] == {"first": "0.15", "second": "0.25", "third": "0.35"}
    assert (event["aggregation"], event["trim_min_scores"], event["score_decimals"]) == ("mean", 5, 2)

    ok = client.patch(
        f"/api/v1/events/{eid}",
        json={"aggregation": "trimmed_mean", "trim_min_scores": 3, "score_decimals": 1},
        headers=org,
    )
    assert ok.status_code == 200
    assert (ok.json()["aggregation"], ok.json()["trim_min_scores"], ok.json()["score_decimals"]) == (
        "trimmed_mean",
        3,
        1,
    )


def test_award_quotas_are_read_exactly_as_decimals(world):
    client, eid = world.client, world.event_id
    headers = {**world.headers("org"), "Content-Type": "application/json"}
    raw = b'{"award_quotas": {"first": 0.1, "second": 0.2, "third": 0.3}}'
    response = client.patch(f"/api/v1/events/{eid}", content=raw, headers=headers)
    assert response.status_code == 200
    assert response.json()["award_quotas"] == {"first": "0.1", "second": "0.2", "third": "0.3"}
    from competitions.events.tables import Event

    stored = world.run(
        Event.select(Event.award_first, Event.award_second, Event.award_third).where(Event.id == eid).first()
    )
    assert stored == {"award_first": "0.1", "award_second": "0.2", "award_third": "0.3"}
    # 0.33 + 0.56 + 0.11 is exactly 1 (as floats it is 1.0000000000000002): allowed
    exact = client.patch(
        f"/api/v1/events/{eid}",
        content=b'{"award_quotas": {"first": 0.33, "second": 0.56, "third": 0.11}}',
        headers=headers,
    )
    assert exact.status_code == 200, exact.text
    assert exact.json()["award_quotas"] == {"first": "0.33", "second": "0.56", "third": "0.11"}
    # trailing zeros are kept as written
    written = client.patch(
        f"/api/v1/events/{eid}",
        content=b'{"award_quotas": {"first": 0.150, "second": 0.25, "third": 0.35}}',
        headers=headers,
    )
    assert written.json()["award_quotas"]["first"] == "0.150"
    over = client.patch(
        f"/api/v1/events/{eid}",
        content=b'{"award_quotas": {"first": 0.34, "second": 0.56, "third": 0.11}}',
        headers=headers,
    )
    assert over.status_code == 422 and over.json()["detail"] == "一、二、三等奖比例之和不能超过 1，现在是 1.01。"


def test_private_use_characters_refused_in_event_and_category_names(world):
    """Issue 11 item 1: event and category names are printed on certificates."""
    org = world.headers("org")
    client = world.client
    event = client.post("/api/v1/events", json={"name": "大赛\ue000", "kind": "camp", "year": 2026}, headers=org)
    assert event.status_code == 422, event.text
    assert event.json()["errors"][0]["field"] == "name" and "U+E000" in event.json()["detail"]
    patched = client.patch(f"/api/v1/events/{world.event_id}", json={"name": "大赛\uf8ff"}, headers=org)
    assert patched.status_code == 422 and "U+F8FF" in patched.json()["detail"]
    category = client.post(
        f"/api/v1/events/{world.event_id}/categories", json={"code": "ZZ", "name": "生\U00100000物"}, headers=org
    )
    assert category.status_code == 422, category.text
    assert category.json()["errors"] == [
        {
            "field": "name",
            "message": "类别名称含有私用区字符（U+100000）：这是输入法或字体自造的字，证书字体里没有，会印成空白。"
            "请改用标准汉字（生僻字请用输入法的 Unicode 标准字形，或联系组委会）。",
        }
    ]
