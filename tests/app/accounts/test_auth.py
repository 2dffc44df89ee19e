"""Accounts and authentication: argon2 hashes, log-in throttling (per account, loosely per
address), password resets that force a change, bearer tokens, users API and CLI."""

from __future__ import annotations

import io
import sys
import time

import jwt
import pytest

from tests.conftest import PASSWORD, TEST_SECRET

ROLE_USERS = ("org", "haikou", "sanya", "hk01", "hk02", "sy01", "judge", "referee", "staff")


def login(client, username, password=PASSWORD):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def user_id(world, username: str) -> int:
    from app.tables import User

    return world.run(User.select(User.id).where(User.username == username).first())["id"]


# --------------------------------------------------------------------------- passwords


def test_passwords_are_stored_as_argon2_hashes(world):
    from app.tables import User

    rows = world.run(User.select(User.username, User.password_hash))
    assert {r["username"] for r in rows} >= set(ROLE_USERS)
    for row in rows:
        assert row["password_hash"].startswith("$argon2id$"), row["username"]
        assert PASSWORD not in row["password_hash"]


def test_login_gives_bearer_token_with_claims(world):
    from app.security import read_access_token

    response = login(world.client, "hk01")
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["role"] == "school"
    assert body["must_change_password"] is False
    assert body["expires_in"] == 12 * 3600
    claims = read_access_token(body["access_token"])
    assert claims["username"] == "hk01"
    assert claims["role"] == "school"
    assert claims["school_id"] == world.schools["HK01"]["id"]
    assert claims["exp"] - claims["iat"] == 12 * 3600


def test_wrong_password_and_unknown_user_get_the_same_answer(world):
    wrong = login(world.client, "hk01", "not-the-password")
    unknown = login(world.client, "nobody", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"] == "用户名或密码不正确。"


# --------------------------------------------------------------------------- throttling


def test_five_wrong_passwords_lock_the_account_until_an_organizer_resets_it(world):
    from app.security import read_access_token

    client = world.client
    for attempt in range(5):
        response = login(client, "hk01", f"wrong-{attempt}")
        assert response.status_code == 401, (attempt, response.text)
    # locked from this address for 60 s: even the correct password is refused, with a message
    # that says how long to wait and what to do, and Retry-After
    locked = login(client, "hk01")
    assert locked.status_code == 429
    assert locked.headers["retry-after"] == "60"
    detail = locked.json()["detail"]
    assert detail == "密码连续输错次数过多，此账号在本网络地址上暂时不能登录，请 1 分钟后再试；忘记密码请组委会重置。"
    assert login(client, "hk01", "wrong-again").status_code == 429
    # other accounts are not affected
    assert login(client, "hk02").status_code == 200

    # the organizer resets the password: the lock is lifted and a change is forced
    reset = client.post(f"/api/v1/users/{user_id(world, 'hk01')}/reset-password", headers=world.headers("org"))
    assert reset.status_code == 200
    temporary = reset.json()["temporary_password"]
    assert len(temporary) >= 8
    assert login(client, "hk01").status_code == 401  # the old password no longer works
    response = login(client, "hk01", temporary)
    assert response.status_code == 200
    assert response.json()["must_change_password"] is True
    token = response.json()["access_token"]
    assert read_access_token(token)["must_change_password"] is True

    # every other endpoint refuses the token until the password is changed
    for method, path in (
        ("get", "/api/v1/events"),
        ("get", f"/api/v1/events/{world.event_id}/entries"),
        ("get", f"/api/v1/events/{world.event_id}"),
    ):
        refused = getattr(client, method)(path, headers=bearer(token))
        assert refused.status_code == 403, path
        assert refused.json()["detail"] == "请先修改初始密码后再继续。"

    same = client.post(
        "/api/v1/auth/password", json={"current_password": temporary, "new_password": temporary}, headers=bearer(token)
    )
    assert same.status_code == 422
    short = client.post(
        "/api/v1/auth/password", json={"current_password": temporary, "new_password": "short"}, headers=bearer(token)
    )
    assert short.status_code == 422 and "至少需要 8 个字符" in short.json()["detail"]
    changed = client.post(
        "/api/v1/auth/password",
        json={"current_password": temporary, "new_password": "new-password-456"},
        headers=bearer(token),
    )
    assert changed.status_code == 200
    fresh = changed.json()["access_token"]
    assert read_access_token(fresh)["must_change_password"] is False
    assert client.get("/api/v1/events", headers=bearer(fresh)).status_code == 200
    # and the next log-in carries no forced change
    again = login(client, "hk01", "new-password-456")
    assert again.status_code == 200 and again.json()["must_change_password"] is False


def test_a_lock_expires_and_success_resets_the_failure_count(world, monkeypatch):
    import time as time_module

    from app import stores
    from app.tables import User

    for attempt in range(4):
        assert login(world.client, "hk02", f"wrong-{attempt}").status_code == 401
    assert login(world.client, "hk02").status_code == 200  # 4 failures then success: counter cleared
    row = world.run(User.select(User.failed_logins, User.locked_until).where(User.username == "hk02").first())
    assert row == {"failed_logins": 0, "locked_until": None}
    for attempt in range(5):
        login(world.client, "hk02", f"wrong-{attempt}")
    assert login(world.client, "hk02").status_code == 429
    row = world.run(User.select(User.failed_logins, User.locked_until).where(User.username == "hk02").first())
    assert row["failed_logins"] == 5 and row["locked_until"] is not None  # the organizer's list shows it
    # the 60 s lock runs out
    start = time_module.time()
    monkeypatch.setattr(stores, "clock", lambda: start + 61)
    assert login(world.client, "hk02").status_code == 200


def test_many_users_failing_from_one_address_do_not_block_the_venue(world):
    """A whole venue shares one address: 10 users mistyping 4 times each (40 failures from
    one address) must not stop anyone from logging in."""
    from app.accounts import services as accounts

    org = world.principal("org")
    for i in range(10):
        world.run(accounts.create_user(org, username=f"venue{i}", password=PASSWORD, role="judge"))
    for i in range(10):
        for attempt in range(4):
            assert login(world.client, f"venue{i}", f"typo-{attempt}").status_code == 401
    for i in range(10):
        response = login(world.client, f"venue{i}")
        assert response.status_code == 200, response.text
    assert login(world.client, "hk01").status_code == 200


def test_a_noisy_address_tightens_each_account_but_never_refuses_a_right_password(world, monkeypatch):
    """Password spraying from one address (failures for many accounts) lowers what each account
    allows from there (2 failures instead of 5); colleagues at the same venue address who type
    their password right still log in."""
    from app.accounts import services as accounts

    assert accounts.ADDRESS_MAX_FAILURES >= 100
    monkeypatch.setattr(accounts, "ADDRESS_MAX_FAILURES", 6)
    for i in range(6):
        assert login(world.client, f"ghost{i}", "x").status_code == 401
    assert login(world.client, "hk01").status_code == 200  # right password from the noisy address
    assert [login(world.client, "hk02", "typo").status_code for _ in range(3)] == [401, 401, 429]
    assert login(world.client, "sy01").status_code == 200


# --------------------------------------------------------------------------- tokens


def test_forged_expired_and_garbage_tokens_are_refused(world):
    from app.security import derive_key, issue_access_token

    client = world.client
    good = login(client, "org").json()["access_token"]
    assert client.get("/api/v1/users", headers=bearer(good)).status_code == 200

    claims = world.principal("org").to_claims()
    expired = issue_access_token(claims, lifetime_seconds=-10)
    now = int(time.time())
    forged = jwt.encode(
        {**claims, "iat": now, "exp": now + 3600}, b"someone-elses-key-of-32-bytes!!!", algorithm="HS256"
    )
    unsigned = jwt.encode({**claims, "iat": now, "exp": now + 3600}, None, algorithm="none")
    # a school's token with its role changed to organizer: the signature no longer matches
    school_token = login(client, "hk01").json()["access_token"]
    header, payload, signature = school_token.split(".")
    import base64
    import json

    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    decoded["role"] = "organizer"
    tampered_payload = base64.urlsafe_b64encode(json.dumps(decoded).encode()).rstrip(b"=").decode()
    tampered = f"{header}.{tampered_payload}.{signature}"
    # signed with the right key but for another purpose (the CSRF key)
    wrong_purpose = jwt.encode({**claims, "iat": now, "exp": now + 3600}, derive_key("csrf"), algorithm="HS256")

    for name, headers in (
        ("none", {}),
        ("expired", bearer(expired)),
        ("forged", bearer(forged)),
        ("unsigned", bearer(unsigned)),
        ("tampered", bearer(tampered)),
        ("wrong purpose", bearer(wrong_purpose)),
        ("garbage", bearer("garbage")),
        ("empty", {"Authorization": "Bearer "}),
        ("basic", {"Authorization": "Basic b3JnOnBhc3N3b3JkLTEyMw=="}),
    ):
        response = client.get("/api/v1/users", headers=headers)
        assert response.status_code == 401, name
        assert response.json()["detail"] == "请先登录。", name


def test_session_cookie_does_not_authenticate_the_api(world):
    client = world.login_page("org")
    assert client.get("/api/v1/users").status_code == 401


def test_token_is_checked_without_a_database_query(world, monkeypatch):
    """Reading a token touches no database, and a guard refusal costs no query."""
    from piccolo.engine.postgres import PostgresEngine
    from piccolo.engine.sqlite import SQLiteEngine

    from app.security import read_access_token

    token = login(world.client, "hk01").json()["access_token"]
    queries: list[str] = []

    def refuse(self, *args, **kwargs):
        queries.append(str(args[0]) if args else "?")
        raise AssertionError("no database query expected")

    monkeypatch.setattr(SQLiteEngine, "run_querystring", refuse)
    monkeypatch.setattr(PostgresEngine, "run_querystring", refuse)
    monkeypatch.setattr(SQLiteEngine, "run_ddl", refuse)
    monkeypatch.setattr(PostgresEngine, "run_ddl", refuse)
    claims = read_access_token(token)
    assert claims["role"] == "school" and claims["username"] == "hk01"
    # the school is refused by the role guard before any handler runs: no query at all
    response = world.client.get("/api/v1/users", headers=bearer(token))
    assert response.status_code == 403
    assert response.json()["detail"] == "您的账号（学校管理员）无权进行此操作。"
    assert queries == []


def test_token_signing_key_is_derived_from_the_secret(world):
    from app.security import issue_access_token, read_access_token

    token = issue_access_token({"sub": "1", "username": "x", "role": "organizer"})
    assert read_access_token(token)["sub"] == "1"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, TEST_SECRET, algorithms=["HS256"])


# --------------------------------------------------------------------------- users API


def test_users_api_is_for_organizers_only(world):
    client = world.client
    body = {"username": "newjudge", "password": "long-password", "role": "judge"}
    target = user_id(world, "judge")
    for username in ROLE_USERS[1:]:
        headers = world.headers(username)
        assert client.post("/api/v1/users", json=body, headers=headers).status_code == 403, username
        assert client.get("/api/v1/users", headers=headers).status_code == 403, username
        assert client.post(f"/api/v1/users/{target}/reset-password", headers=headers).status_code == 403, username
    assert client.post("/api/v1/users", json=body).status_code == 401
    assert client.get("/api/v1/users").status_code == 401
    assert client.post(f"/api/v1/users/{target}/reset-password").status_code == 401
    assert login(client, "newjudge", "long-password").status_code == 401  # nothing was created


def test_organizer_creates_users_with_validation(world):
    client, headers = world.client, world.headers("org")
    created = client.post(
        "/api/v1/users",
        json={
            "username": "hk01b",
            "password": "long-password",
            "role": "school",
            "school_code": "HK01",
            "display_name": "一中教务处",
        },
        headers=headers,
    )
    assert created.status_code == 201
    assert created.json() == {
        "id": created.json()["id"],
        "username": "hk01b",
        "role": "school",
        "display_name": "一中教务处",
        "school_code": "HK01",
        "city": None,
        "region_code": None,
    }
    token = login(client, "hk01b", "long-password")
    assert token.status_code == 200 and token.json()["role"] == "school"

    no_school = client.post(
        "/api/v1/users", json={"username": "x1", "password": "long-password", "role": "school"}, headers=headers
    )
    assert no_school.status_code == 422
    assert no_school.json()["detail"] == "学校管理员账号必须指定学校代码。"
    unknown_school = client.post(
        "/api/v1/users",
        json={"username": "x1", "password": "long-password", "role": "school", "school_code": "NOPE"},
        headers=headers,
    )
    assert unknown_school.status_code == 422 and "NOPE" in unknown_school.json()["detail"]
    no_city = client.post(
        "/api/v1/users", json={"username": "x2", "password": "long-password", "role": "city"}, headers=headers
    )
    assert no_city.status_code == 422 and no_city.json()["detail"] == "市县科协账号必须指定所属市县。"
    bad_role = client.post(
        "/api/v1/users", json={"username": "x3", "password": "long-password", "role": "admin"}, headers=headers
    )
    assert bad_role.status_code == 422 and "admin" in bad_role.json()["detail"]
    weak = client.post("/api/v1/users", json={"username": "x4", "password": "short", "role": "judge"}, headers=headers)
    assert weak.status_code == 422 and weak.json()["detail"] == "密码至少需要 8 个字符。"
    duplicate = client.post(
        "/api/v1/users", json={"username": "hk01", "password": "long-password", "role": "judge"}, headers=headers
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["detail"] == "用户名“hk01”已被使用，请换一个。"

    listing = client.get("/api/v1/users", headers=headers).json()
    names = {u["username"]: u for u in listing}
    assert set(names) == {*ROLE_USERS, "hk01b"}
    assert names["hk01b"]["school_code"] == "HK01" and names["haikou"]["city"] == "海口市"
    assert all("password_hash" not in u for u in listing)


def test_cli_creates_a_user_from_stdin(world, settings, monkeypatch, capsys):
    from app import cli, db
    from app.settings import load_settings, set_settings

    monkeypatch.setenv("XINMIAO_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("XINMIAO_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("XINMIAO_SECRET_KEY", TEST_SECRET)
    set_settings(load_settings())
    try:
        monkeypatch.setattr(sys, "stdin", io.StringIO("cli-password-789\n"))
        cli.main(["users", "create", "clischool", "--role", "school", "--school", "HK02", "--password-stdin"])
        assert "created user clischool (school)" in capsys.readouterr().out
        monkeypatch.setattr(sys, "stdin", io.StringIO("cli-password-789\n"))
        with pytest.raises(SystemExit) as exc:
            cli.main(["users", "create", "clischool", "--role", "judge", "--password-stdin"])
        assert exc.value.code == "用户名“clischool”已被使用，请换一个。"
        monkeypatch.setattr(sys, "stdin", io.StringIO("cli-password-789\n"))
        with pytest.raises(SystemExit) as exc:
            cli.main(["users", "create", "nocity", "--role", "city", "--password-stdin"])
        assert exc.value.code == "市县科协账号必须指定所属市县。"
    finally:
        set_settings(settings)
        db.configure_database(settings.database_url)
    response = login(world.client, "clischool", "cli-password-789")
    assert response.status_code == 200
    assert response.json()["role"] == "school"
    from app.security import read_access_token

    assert read_access_token(response.json()["access_token"])["school_id"] == world.schools["HK02"]["id"]
    assert login(world.client, "nocity", "cli-password-789").status_code == 401


def test_login_page_sets_a_session_and_forced_change_redirects(world):
    client = world.client
    target = user_id(world, "sy01")
    temporary = client.post(f"/api/v1/users/{target}/reset-password", headers=world.headers("org")).json()[
        "temporary_password"
    ]
    client.get("/login")
    csrf = client.cookies.get("xinmiao_csrf")
    response = client.post(
        "/login",
        data={"username": "sy01", "password": temporary, "next": "/", "_csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/password"
    # without the CSRF token the log-in form is refused
    client.cookies.clear()
    refused = client.post("/login", data={"username": "sy01", "password": temporary}, follow_redirects=False)
    assert refused.status_code == 403


def test_users_page_is_for_organizers_and_forced_change_blocks_pages(world):
    client = world.client

    def browse_as(username, password=PASSWORD):
        client.cookies.clear()
        client.get("/login")
        response = client.post(
            "/login",
            data={
                "username": username,
                "password": password,
                "next": "/",
                "_csrf_token": client.cookies.get("xinmiao_csrf"),
            },
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        return response

    browse_as("org")
    page = client.get("/users/")
    assert page.status_code == 200 and "haikou" in page.text and "$argon2" not in page.text
    for username in ("haikou", "hk01", "judge", "referee", "staff"):
        browse_as(username)
        assert client.get("/users/").status_code == 403, username
    # a forced password change keeps the user on the password page
    temporary = client.post(
        f"/api/v1/users/{user_id(world, 'judge')}/reset-password", headers=world.headers("org")
    ).json()["temporary_password"]
    assert browse_as("judge", temporary).headers["location"] == "/password"
    assert client.get("/password").status_code == 200
    blocked = client.get("/users/", follow_redirects=False)  # every other page leads back to the password form
    assert blocked.status_code == 303 and blocked.headers["location"] == "/password"
    changed = client.post(
        "/password",
        data={
            "current_password": temporary,
            "new_password": "judge-new-pass",
            "confirm_password": "judge-new-pass",
            "_csrf_token": client.cookies.get("xinmiao_csrf"),
        },
        follow_redirects=False,
    )
    assert changed.status_code == 303
    after = client.get("/users/")
    assert (
        after.status_code == 403 and "请先修改初始密码" not in after.text
    )  # judges never see users; the forced change is gone
    client.cookies.clear()


def test_anonymous_password_change_is_refused(world):
    response = world.client.post("/api/v1/auth/password", json={"current_password": "a", "new_password": "b" * 10})
    assert response.status_code == 401


def test_cli_db_upgrade_says_what_it_did(settings, tmp_path, monkeypatch, capsys):
    """On an empty database it applies every migration and says how many; the second time it
    says there was nothing to do."""
    from pathlib import Path

    from app import cli, db
    from app.settings import load_settings, set_settings

    root = Path(__file__).resolve().parents[3]
    migrations = [
        p
        for app in ("app", "competitions", "judging")
        for p in (root / app / "piccolo_migrations").glob("*.py")
        if p.name != "__init__.py"
    ]
    monkeypatch.setenv("XINMIAO_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    monkeypatch.setenv("XINMIAO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("XINMIAO_SECRET_KEY", TEST_SECRET)
    set_settings(load_settings())
    try:
        cli.main(["db", "upgrade"])
        assert capsys.readouterr().out == f"Applied {len(migrations)} migrations; the database is up to date.\n"
        cli.main(["db", "upgrade"])
        assert capsys.readouterr().out == "The database was already up to date.\n"
    finally:
        set_settings(settings)
        db.configure_database(settings.database_url)
