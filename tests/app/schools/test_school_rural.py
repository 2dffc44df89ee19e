"""A school's urban/rural flag (``rural``: 农村, else 城镇): API, edit page and the workbook's 城乡 column."""

from __future__ import annotations

import io

import openpyxl


def _listing(world):
    return {s["code"]: s for s in world.client.get("/api/v1/schools", headers=world.headers("org")).json()}


def test_rural_flag_through_the_api(world):
    client, org = world.client, world.headers("org")
    created = client.post("/api/v1/schools", json={"code": "BS01", "name": "白沙中学", "city": "白沙"}, headers=org)
    assert created.status_code == 201 and created.json()["rural"] is False  # urban unless said
    rural = client.post(
        "/api/v1/schools", json={"code": "BS02", "name": "白沙思源学校", "city": "白沙", "rural": True}, headers=org
    )
    assert rural.status_code == 201 and rural.json()["rural"] is True
    school_id = created.json()["id"]
    changed = client.post(f"/api/v1/schools/{school_id}", json={"rural": True}, headers=org)
    assert changed.status_code == 200 and changed.json()["rural"] is True
    # a patch without rural keeps it; null keeps it too
    renamed = client.post(
        f"/api/v1/schools/{school_id}", json={"name": "白沙黎族自治县中学", "rural": None}, headers=org
    )
    assert renamed.json()["rural"] is True and renamed.json()["name"] == "白沙黎族自治县中学"
    back = client.post(f"/api/v1/schools/{school_id}", json={"rural": False}, headers=org)
    assert back.json()["rural"] is False
    wrong = client.post(f"/api/v1/schools/{school_id}", json={"rural": "maybe"}, headers=org)
    assert wrong.status_code == 400  # not a boolean: the body cannot be read
    assert client.get(f"/api/v1/schools/{school_id}", headers=org).json()["rural"] is False
    assert (
        client.post(f"/api/v1/schools/{school_id}", json={"rural": True}, headers=world.headers("haikou")).status_code
        == 403
    )


def test_rural_flag_on_the_edit_page(world):
    page = world.login_page("org")
    school_id = world.schools["HK02"]["id"]
    form = page.get(f"/schools/{school_id}/edit")
    assert form.status_code == 200 and 'name="rural"' in form.text
    csrf = page.cookies.get("xinmiao_csrf")
    saved = page.post(
        f"/schools/{school_id}/edit",
        data={"code": "HK02", "name": "海南华侨中学", "city": "海口市", "rural": "农村", "_csrf_token": csrf},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert _listing(world)["HK02"]["rural"] is True
    listing = page.get("/schools/")
    assert "农村" in listing.text
    bad = page.post(
        f"/schools/{school_id}/edit",
        data={"code": "HK02", "name": "海南华侨中学", "city": "海口市", "rural": "山区", "_csrf_token": csrf},
        follow_redirects=False,
    )
    assert bad.status_code == 422 and "城乡请填写“城镇”或“农村”。" in bad.text
    assert _listing(world)["HK02"]["rural"] is True  # unchanged


def _workbook(rows) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["学校代码", "学校名称", "所属市县", "城乡"])
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _upload(world, data):
    return world.client.post(
        "/api/v1/schools/import",
        files={"file": ("schools.xlsx", data, "application/octet-stream")},
        headers=world.headers("org"),
    )


def test_rural_column_of_the_school_workbook(world):
    world.client.post(
        f"/api/v1/schools/{world.schools['SY01']['id']}", json={"rural": True}, headers=world.headers("org")
    )
    response = _upload(
        world,
        _workbook(
            [
                ("QZ01", "琼中中学", "琼中", "农村"),
                ("QZ02", "琼中思源实验学校", "琼中", " 乡村 "),
                ("HK01", "海口市第一中学", "海口市", "城镇"),
                ("SY01", "三亚市第一中学", "三亚市", None),  # blank: keeps its flag (rural)
                ("WN01", "万宁中学", "万宁市", ""),  # blank and new: urban
            ]
        ),
    )
    assert response.status_code == 201, response.text
    listing = _listing(world)
    assert {c: listing[c]["rural"] for c in ("QZ01", "QZ02", "HK01", "SY01", "WN01")} == {
        "QZ01": True,
        "QZ02": True,
        "HK01": False,
        "SY01": True,
        "WN01": False,
    }
    wrong = _upload(world, _workbook([("LD01", "乐东中学", "乐东", "山区"), ("LD02", "乐东实验", "乐东", "农村")]))
    assert wrong.status_code == 422
    assert [(e["row"], e["column"]) for e in wrong.json()["errors"]] == [(2, "城乡")]
    assert wrong.json()["errors"][0]["message"] == "“山区”不是城乡类别，请填写“城镇”或“农村”。"
    assert "LD02" not in _listing(world)  # nothing stored
