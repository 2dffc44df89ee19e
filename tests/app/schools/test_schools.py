"""Schools: create, edit, list (each role sees only what it may), bulk import from a workbook."""

from __future__ import annotations

import io

import openpyxl

ALL = ("org", "haikou", "sanya", "hk01", "hk02", "sy01", "judge", "referee", "staff", None)


def headers_for(world, username):
    return world.headers(username) if username else {}


def school_count(world) -> int:
    from app.tables import School

    return world.run(School.count())


def test_create_school_organizer_only(world):
    client = world.client
    body = {"code": "wc01", "name": " 文昌中学 ", "city": "文昌市"}
    for username in ALL[1:]:
        response = client.post("/api/v1/schools", json=body, headers=headers_for(world, username))
        assert response.status_code == (401 if username is None else 403), username
    assert school_count(world) == 3
    created = client.post("/api/v1/schools", json=body, headers=world.headers("org"))
    assert created.status_code == 201
    assert created.json() == {
        "id": created.json()["id"],
        "code": "WC01",
        "name": "文昌中学",
        "city": "文昌市",
        "region_code": "469005",
        "contact_name": "",
        "contact_phone_masked": "",
        "rural": False,
    }
    duplicate = client.post(
        "/api/v1/schools", json={"code": "WC01", "name": "另一所", "city": "文昌市"}, headers=world.headers("org")
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["detail"] == "学校代码“WC01”已存在。"
    blank = client.post("/api/v1/schools", json={"code": "", "name": "", "city": ""}, headers=world.headers("org"))
    assert blank.status_code == 422
    assert [e["field"] for e in blank.json()["errors"]] == ["code", "name", "city"]
    assert school_count(world) == 4


def test_school_list_shows_each_role_only_its_schools(world):
    client = world.client
    expected = {
        "org": ["HK01", "HK02", "SY01"],
        "haikou": ["HK01", "HK02"],
        "sanya": ["SY01"],
    }
    for username, codes in expected.items():
        response = client.get("/api/v1/schools", headers=world.headers(username))
        assert response.status_code == 200
        assert sorted(s["code"] for s in response.json()) == codes, username
    for username in ("hk01", "hk02", "sy01", "judge", "referee", "staff"):
        assert client.get("/api/v1/schools", headers=world.headers(username)).status_code == 403, username
    assert client.get("/api/v1/schools").status_code == 401
    # a city asking for another city's schools gets nothing, not the other city's list
    assert client.get("/api/v1/schools", params={"city": "三亚市"}, headers=world.headers("haikou")).json() == []
    assert [
        s["code"] for s in client.get("/api/v1/schools", params={"city": "三亚市"}, headers=world.headers("org")).json()
    ] == ["SY01"]
    assert [
        s["code"] for s in client.get("/api/v1/schools", params={"q": "华侨"}, headers=world.headers("org")).json()
    ] == ["HK02"]
    assert [
        s["code"] for s in client.get("/api/v1/schools", params={"q": "hk0"}, headers=world.headers("haikou")).json()
    ] == ["HK01", "HK02"]


def test_school_detail_access(world):
    client = world.client
    hk01 = world.schools["HK01"]["id"]
    expected = {
        "org": 200,
        "haikou": 200,
        "sanya": 404,
        "hk01": 200,
        "hk02": 404,
        "sy01": 404,
        "judge": 403,
        "referee": 403,
        "staff": 403,
        None: 401,
    }
    for username, status in expected.items():
        response = client.get(f"/api/v1/schools/{hk01}", headers=headers_for(world, username))
        assert response.status_code == status, username
        if status == 200:
            assert response.json() == {
                "id": hk01,
                "code": "HK01",
                "name": "海口市第一中学",
                "city": "海口市",
                "region_code": "460100",
                "contact_name": "",
                "contact_phone_masked": "",
                "rural": False,
            }
        if status == 404:
            assert "海口市第一中学" not in response.text
    assert client.get("/api/v1/schools/999999", headers=world.headers("org")).status_code == 404


def test_edit_school(world):
    client = world.client
    hk02 = world.schools["HK02"]["id"]
    for username in ALL[1:]:
        response = client.post(f"/api/v1/schools/{hk02}", json={"name": "改名"}, headers=headers_for(world, username))
        assert response.status_code == (401 if username is None else 403), username
    response = client.post(
        f"/api/v1/schools/{hk02}", json={"name": "海南华侨中学美舍校区"}, headers=world.headers("org")
    )
    assert response.status_code == 200
    assert response.json() == {
        "id": hk02,
        "code": "HK02",
        "name": "海南华侨中学美舍校区",
        "city": "海口市",
        "region_code": "460100",
        "contact_name": "",
        "contact_phone_masked": "",
        "rural": False,
    }
    taken = client.post(f"/api/v1/schools/{hk02}", json={"code": "HK01"}, headers=world.headers("org"))
    assert taken.status_code == 409 and taken.json()["detail"] == "学校代码“HK01”已存在。"
    moved = client.post(f"/api/v1/schools/{hk02}", json={"city": "三亚市"}, headers=world.headers("org"))
    assert moved.json()["city"] == "三亚市"
    # the school now belongs to Sanya: Haikou no longer sees it, Sanya does
    assert client.get(f"/api/v1/schools/{hk02}", headers=world.headers("haikou")).status_code == 404
    assert client.get(f"/api/v1/schools/{hk02}", headers=world.headers("sanya")).status_code == 200
    assert client.post("/api/v1/schools/999999", json={"name": "x"}, headers=world.headers("org")).status_code == 404


def school_workbook(rows, title=True) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "学校名单"
    if title:
        ws.append(["2026年海南省学校名单"])
    ws.append([" 学校代码", "学校名称 ", "所属市县"])  # surrounding spaces tolerated
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(world, username, data, name="schools.xlsx"):
    return world.client.post(
        "/api/v1/schools/import",
        files={"file": (name, data, "application/octet-stream")},
        headers=headers_for(world, username),
    )


def test_import_schools_creates_and_updates(world):
    data = school_workbook(
        [
            ("wc01", "文昌中学", "文昌市"),
            ("DZ01", "儋州市第一中学", "儋州市"),
            (None, None, None),  # blank rows are skipped
            ("HK01", "海南省海口市第一中学", "海口市"),  # existing code: updated
        ]
    )
    for username in ALL[1:]:
        response = upload(world, username, data)
        assert response.status_code == (401 if username is None else 403), username
    assert school_count(world) == 3
    response = upload(world, "org", data)
    assert response.status_code == 201
    assert response.json() == {"created": 2, "updated": 1, "accounts": []}
    listing = {s["code"]: s for s in world.client.get("/api/v1/schools", headers=world.headers("org")).json()}
    assert set(listing) == {"HK01", "HK02", "SY01", "WC01", "DZ01"}
    assert listing["HK01"]["name"] == "海南省海口市第一中学"
    assert listing["DZ01"]["city"] == "儋州市"


def test_import_schools_is_all_or_nothing_with_row_and_column(world):
    data = school_workbook(
        [
            ("WC01", "文昌中学", "文昌市"),  # row 3: fine
            ("WN01", "", "万宁市"),  # row 4: no name
            ("WC01", "文昌华侨中学", "文昌市"),  # row 5: code repeats row 3
            ("QH01", "琼海市嘉积中学", None),  # row 6: no city
        ]
    )
    response = upload(world, "org", data)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "学校名单有 3 处错误，未导入任何学校。请按提示修改后重新上传。"
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(4, "学校名称"), (5, "学校代码"), (6, "所属市县")]
    assert body["errors"][1]["message"] == "学校代码“WC01”与第 3 行重复。"
    assert body["errors"][0]["message"] == "“学校名称”为空，请填写。"
    assert school_count(world) == 3  # nothing stored


def test_import_schools_without_title_row_and_bad_files(world):
    response = upload(world, "org", school_workbook([("WC01", "文昌中学", "文昌市")], title=False))
    assert response.status_code == 201 and response.json() == {"created": 1, "updated": 0, "accounts": []}
    missing = openpyxl.Workbook()
    missing.active.append(["学校代码", "名称"])
    buffer = io.BytesIO()
    missing.save(buffer)
    response = upload(world, "org", buffer.getvalue())
    assert response.status_code == 422
    assert response.json()["errors"][0]["column"] == "学校名称"
    assert "缺少列" in response.json()["detail"]
    not_xlsx = upload(world, "org", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, name="schools.xls")
    assert not_xlsx.status_code == 422 and ".xls" in not_xlsx.json()["detail"]
    empty = upload(world, "org", school_workbook([]))
    assert empty.status_code == 422 and empty.json()["detail"] == "表中没有学校数据。"
    no_file = world.client.post("/api/v1/schools/import", data={"x": "1"}, headers=world.headers("org"))
    assert no_file.status_code == 422
    assert school_count(world) == 4


# --------------------------------------------------------------------------- pages


def browse_as(world, username):
    """The test client with a fresh cookie jar, logged in as ``username`` through the log-in page."""
    world.client.cookies.clear()
    return world.login_page(username, world.client)


def test_school_pages_access(world):
    hk01 = world.schools["HK01"]["id"]
    listing = {}
    for username in ("org", "haikou", "sanya", "hk01", "judge", "staff"):
        listing[username] = browse_as(world, username).get("/schools/")
    assert listing["org"].status_code == 200
    assert all(name in listing["org"].text for name in ("海口市第一中学", "海南华侨中学", "三亚市第一中学"))
    assert listing["haikou"].status_code == 200
    assert "海口市第一中学" in listing["haikou"].text and "三亚市第一中学" not in listing["haikou"].text
    assert "添加学校" not in listing["haikou"].text  # no create form for cities
    assert listing["sanya"].status_code == 200 and "海口市第一中学" not in listing["sanya"].text
    for username in ("hk01", "judge", "staff"):
        assert listing[username].status_code == 403, username
        assert "三亚市第一中学" not in listing[username].text
    # editing is for organizers
    assert browse_as(world, "org").get(f"/schools/{hk01}/edit").status_code == 200
    for username in ("haikou", "hk01", "judge"):
        assert browse_as(world, username).get(f"/schools/{hk01}/edit").status_code == 403, username
    # a city cannot create a school even with a valid CSRF token
    city = browse_as(world, "haikou")
    response = city.post(
        "/schools/",
        data={"code": "X1", "name": "冒充学校", "city": "海口市", "_csrf_token": city.cookies.get("xinmiao_csrf")},
        follow_redirects=False,
    )
    assert response.status_code == 403
    # the organizer creates one through the page; without the CSRF token the form is refused
    org = browse_as(world, "org")
    refused = org.post("/schools/", data={"code": "WC01", "name": "文昌中学", "city": "文昌市"}, follow_redirects=False)
    assert refused.status_code == 403
    created = org.post(
        "/schools/",
        data={"code": "WC01", "name": "文昌中学", "city": "文昌市", "_csrf_token": org.cookies.get("xinmiao_csrf")},
        follow_redirects=False,
    )
    assert created.status_code == 303 and created.headers["location"] == "/schools/"
    assert "已添加学校 文昌中学。" in org.get("/schools/").text
    assert school_count(world) == 4
    # anonymous visitors are sent to the log-in page
    world.client.cookies.clear()
    anonymous = world.client.get("/schools/", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login?next=/schools"


def test_school_city_must_be_a_city_of_the_province(world):
    response = world.client.post(
        "/api/v1/schools", json={"code": "MX01", "name": "火星中学", "city": "火星市"}, headers=world.headers("org")
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "city" and "火星市" in error["message"] and "琼中黎族苗族自治县" in error["message"]
    ok = world.client.post(
        "/api/v1/schools", json={"code": "WN01", "name": "万宁中学", "city": "万宁市"}, headers=world.headers("org")
    )
    assert ok.status_code == 201 and ok.json()["city"] == "万宁市"


def test_schools_are_listed_in_administrative_order_with_unmatched_ones_last(world):
    """Issue 12 item 11: the list follows the regions' order (海口 460100, 三亚 460200, then the
    county-level codes); a school whose old free-text city matched no region comes last on
    both engines (PostgreSQL sorts NULL last, SQLite first, so the order is not left to SQL)."""
    from app.tables import School

    for code, name, city in (("WC01", "文昌中学", "文昌市"), ("DZ01", "儋州一中", "儋州市")):
        world.client.post(
            "/api/v1/schools", json={"code": code, "name": name, "city": city}, headers=world.headers("org")
        )
    world.run(School.update({School.region: None, School.city: "海南某地"}).where(School.code == "HK02"))
    listed = [s["code"] for s in world.client.get("/api/v1/schools", headers=world.headers("org")).json()]
    assert listed == ["HK01", "SY01", "DZ01", "WC01", "HK02"]


def test_school_import_page_shows_the_errors_at_the_top_one_row_each_without_repeating_the_row(world):
    """A fresh user's finding: with ~60 schools listed, the import errors appeared at the bottom of a
    long page, and each message repeated the row already shown. Now the result comes first, as a table
    of row, column and message, and the message does not say the row again."""
    import html
    import re

    for i in range(30):  # a long list above the import form
        world.client.post(
            "/api/v1/schools",
            json={"code": f"L{i:02d}", "name": f"长列表学校{i}", "city": "海口市"},
            headers=world.headers("org"),
        )
    client = world.login_page("org")
    data = school_workbook([("WN01", "", "万宁市"), ("QH01", "琼海市嘉积中学", None)])
    page = client.post(
        "/schools/import",
        files={"file": ("schools.xlsx", data, "application/octet-stream")},
        data={"_csrf_token": client.cookies.get("xinmiao_csrf")},
    )
    assert page.status_code == 422
    body = page.text
    result, listing = body.index('id="import-result"'), body.index("长列表学校0")
    assert result < listing  # before the list of schools, not below it
    table = body[result : body.index("</table>", result)]
    cells = [
        [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r)]
        for r in re.findall(r"<tr>(.*?)</tr>", table)
    ]
    assert [c for c in cells if c] == [
        ["3", "学校名称", "“学校名称”为空，请填写。"],  # row 1 a title, row 2 the header
        ["4", "所属市县", "“所属市县”为空，请填写。"],
    ]
    assert "第 3 行" not in body and "第 4 行" not in body
