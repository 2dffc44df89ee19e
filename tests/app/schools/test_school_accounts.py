"""Schools imported with their contact and, in one go, their coordinator accounts (issue 12 item 4)."""

from __future__ import annotations

import base64
import io
import re

import openpyxl

from app.security import decrypt_pii
from app.tables import School, User
from tests.app.schools.test_schools import upload


def _workbook(rows) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["学校代码", "学校名称", "所属市县", "联系人", "联系电话"])
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


ROWS = [
    ("WC01", "文昌中学", "文昌市", "陈老师", 13876543210),  # Excel keeps the phone as a number
    ("DZ01", "儋州市第一中学", "儋州市", "林老师", "0898-2332 1234"),
    ("HK01", "海南省海口市第一中学", "海口市", "王老师", ""),  # already has the account hk01
]


def test_import_with_accounts_answers_initial_passwords_once_and_stores_hashes(world):
    response = world.client.post(
        "/api/v1/schools/import?create_accounts=true",
        files={"file": ("s.xlsx", _workbook(ROWS), "application/octet-stream")},
        headers=world.headers("org"),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["created"], body["updated"]) == (2, 1)
    accounts = {a["username"]: a for a in body["accounts"]}
    assert sorted(accounts) == ["dz01", "wc01"]  # HK01 had its coordinator already
    assert accounts["wc01"]["school_name"] == "文昌中学" and accounts["wc01"]["contact_name"] == "陈老师"
    for account in accounts.values():
        password = account["password"]
        assert len(password) == 10 and re.search(r"\d", password) and not set(password) & set("0O1lI")
    users = {u["username"]: u for u in world.run(User.select().where(User.username.is_in(["wc01", "dz01"])))}
    assert users["wc01"]["role"] == "school" and users["wc01"]["must_change_password"] is True
    assert accounts["wc01"]["password"] not in users["wc01"]["password_hash"]  # only the argon2 hash is kept
    # the new coordinator logs in with the printed password and must change it
    login = world.client.post("/api/v1/auth/login", json={"username": "dz01", "password": accounts["dz01"]["password"]})
    assert login.status_code == 200
    # contacts: the phone encrypted at rest, listed masked
    wc = world.run(School.select().where(School.code == "WC01").first())
    assert wc["contact_name"] == "陈老师" and wc["contact_phone_masked"] == "138****3210"
    assert (
        "13876543210" not in (wc["contact_phone_enc"] or "") and decrypt_pii(wc["contact_phone_enc"]) == "13876543210"
    )
    dz = world.run(School.select().where(School.code == "DZ01").first())
    assert decrypt_pii(dz["contact_phone_enc"]) == "089823321234"
    listed = {s["code"]: s for s in world.client.get("/api/v1/schools", headers=world.headers("org")).json()}
    assert listed["WC01"]["contact_phone_masked"] == "138****3210" and "contact_phone" not in listed["WC01"]
    # a second import makes no second account
    again = world.client.post(
        "/api/v1/schools/import?create_accounts=true",
        files={"file": ("s.xlsx", _workbook(ROWS), "application/octet-stream")},
        headers=world.headers("org"),
    )
    assert again.json()["accounts"] == []


def test_a_bad_phone_or_a_taken_user_name_stores_nothing(world):
    bad = upload(world, "org", _workbook([("WC01", "文昌中学", "文昌市", "陈老师", "12345")]))
    assert bad.status_code == 422
    assert bad.json()["errors"] == [
        {"row": 2, "column": "联系电话", "message": "联系电话“12345”不是有效的手机号（11 位）或带区号的座机号。"}
    ]
    world.client.post(
        "/api/v1/users",
        json={"username": "wc01", "password": "Zx9-kite-lamp", "role": "judge"},
        headers=world.headers("org"),
    )
    taken = world.client.post(
        "/api/v1/schools/import?create_accounts=true",
        files={"file": ("s.xlsx", _workbook(ROWS[:1]), "application/octet-stream")},
        headers=world.headers("org"),
    )
    assert taken.status_code == 422 and taken.json()["errors"][0]["message"] == "用户名“wc01”已被使用。"
    assert world.run(School.count().where(School.code == "WC01")) == 0


def test_the_import_page_prints_a_handout_with_a_workbook(world):
    client = world.login_page("org")
    answer = client.post(
        "/schools/import",
        data={"create_accounts": "on", "_csrf_token": client.cookies.get("xinmiao_csrf")},
        files={"file": ("s.xlsx", _workbook(ROWS[:2]), "application/octet-stream")},
    )
    assert answer.status_code == 200
    assert "初始密码只在本页显示这一次" in answer.text and answer.text.count('class="handout"') == 2
    encoded = re.search(r'base64,([A-Za-z0-9+/=]+)"', answer.text).group(1)
    sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(encoded))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("学校代码", "学校名称", "联系人", "用户名", "初始密码", "登录网址")
    assert [r[3] for r in rows[1:]] == ["wc01", "dz01"]
    assert {r[5] for r in rows[1:]} == {"http://testserver.local/login"}  # where to log in, on the slip too
    assert answer.text.count("<dd>http://testserver.local/login</dd>") == 2
    assert all(r[4] and r[4] in answer.text for r in rows[1:])  # the same passwords as the printed cards
