"""Revocation (issue 11, item 4): a password change, an organizer's reset and deactivation end
every access token and page session of the account at once, checked without a database query
per request; across workers through Redis; deactivated accounts cannot log in."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
from pathlib import Path

from litestar.testing import TestClient

from tests.app.accounts.test_lockout import REDIS_URL, _redis_up
from tests.conftest import PASSWORD, TEST_SECRET, skip_or_fail

ROOT = Path(__file__).resolve().parents[3]


def login(client, username, password=PASSWORD):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def user_id(world, username: str) -> int:
    from app.tables import User

    return world.run(User.select(User.id).where(User.username == username).first())["id"]


def page_client(app, world, username: str, password: str = PASSWORD) -> TestClient:
    client = TestClient(app=app, raise_server_exceptions=False)
    client.__enter__()
    world.login_page(username, client)
    return client


def logged_out(client: TestClient, path: str = "/password") -> bool:
    response = client.get(path, follow_redirects=False)
    return response.status_code == 303 and response.headers["location"].startswith("/login")


def test_an_organizers_reset_ends_every_token_and_session_at_once(world, app):
    client = world.client
    tokens = [login(client, "hk01").json()["access_token"] for _ in range(2)]
    other = login(client, "hk02").json()["access_token"]
    browser = page_client(app, world, "hk01")
    try:
        for token in tokens:
            assert client.get("/api/v1/events", headers=bearer(token)).status_code == 200
        assert browser.get("/password").status_code == 200
        reset = client.post(f"/api/v1/users/{user_id(world, 'hk01')}/reset-password", headers=world.headers("org"))
        assert reset.status_code == 200
        for token in tokens:
            refused = client.get("/api/v1/events", headers=bearer(token))
            assert refused.status_code == 401 and refused.json()["detail"] == "请先登录。"
        assert logged_out(browser)
        assert client.get("/api/v1/events", headers=bearer(other)).status_code == 200  # others unaffected
    finally:
        browser.__exit__(None, None, None)


def test_a_password_change_ends_the_others_and_gives_the_caller_a_fresh_token(world, app):
    client = world.client
    first, second = (login(client, "sy01").json()["access_token"] for _ in range(2))
    browser = page_client(app, world, "sy01")
    try:
        changed = client.post(
            "/api/v1/auth/password",
            json={"current_password": PASSWORD, "new_password": "brand-new-pass-9"},
            headers=bearer(first),
        )
        assert changed.status_code == 200
        fresh = changed.json()["access_token"]
        assert client.get("/api/v1/events", headers=bearer(fresh)).status_code == 200
        assert client.get("/api/v1/events", headers=bearer(first)).status_code == 401
        assert client.get("/api/v1/events", headers=bearer(second)).status_code == 401
        assert logged_out(browser)
    finally:
        browser.__exit__(None, None, None)


def test_deactivation_ends_everything_refuses_log_in_and_is_audited(world, app):
    from app.tables import AuditLog

    client = world.client
    judge = user_id(world, "judge")
    token = login(client, "judge").json()["access_token"]
    browser = page_client(app, world, "judge")
    try:
        # only organizers, and not themselves
        assert client.post(f"/api/v1/users/{judge}/deactivate", headers=world.headers("hk01")).status_code == 403
        own = client.post(f"/api/v1/users/{world.org.id}/deactivate", headers=world.headers("org"))
        assert own.status_code == 422 and own.json()["errors"] == [
            {"field": "user_id", "message": "不能停用自己正在使用的账号。"}
        ]
        assert client.post("/api/v1/users/999999/deactivate", headers=world.headers("org")).status_code == 404

        done = client.post(
            f"/api/v1/users/{judge}/deactivate", json={"reason": "评委已离职"}, headers=world.headers("org")
        )
        assert done.status_code == 200 and done.json() == {"id": judge, "username": "judge", "is_active": False}
        assert client.get("/api/v1/events", headers=bearer(token)).status_code == 401
        assert logged_out(browser, "/events/")  # "/" itself sends visitors to the public results
        refused = login(client, "judge")
        assert refused.status_code == 403
        assert refused.json()["detail"] == "此账号已被组委会停用，不能登录；如有疑问请联系组委会。"
        english = client.post(
            "/api/v1/auth/login",
            json={"username": "judge", "password": PASSWORD},
            headers={"Accept-Language": "en"},
        )
        assert english.json()["detail"].startswith("This account has been deactivated")
        assert login(client, "judge", "wrong-password").status_code == 401  # a wrong password learns nothing
        listed = {u["username"]: u for u in client.get("/api/v1/users", headers=world.headers("org")).json()}
        assert listed["judge"]["is_active"] is False

        back = client.post(f"/api/v1/users/{judge}/reactivate", headers=world.headers("org"))
        assert back.status_code == 200 and back.json()["is_active"] is True
        assert client.get("/api/v1/events", headers=bearer(token)).status_code == 401  # old tokens stay revoked
        assert login(client, "judge").status_code == 200
        rows = world.run(
            AuditLog.select(AuditLog.action, AuditLog.reason, AuditLog.object_id)
            .where(AuditLog.action.is_in(["user.deactivate", "user.reactivate"]))
            .order_by(AuditLog.id)
        )
        assert rows == [
            {"action": "user.deactivate", "reason": "评委已离职", "object_id": judge},
            {"action": "user.reactivate", "reason": "", "object_id": judge},
        ]
    finally:
        browser.__exit__(None, None, None)


def test_the_users_page_deactivates_and_reactivates(world):
    client = world.login_page("org")
    staff = user_id(world, "staff")
    page = client.get("/users/")
    assert f'action="/users/{staff}/deactivate"' in page.text
    done = client.post(
        f"/users/{staff}/deactivate",
        data={"reason": "借用的手机已归还", "_csrf_token": client.cookies.get("xinmiao_csrf")},
        follow_redirects=True,
    )
    assert "账号已停用：该账号的所有登录已立即失效，且不能再登录。" in done.text
    assert "已停用" in done.text and f'action="/users/{staff}/reactivate"' in done.text
    assert login(world.client, "staff").status_code == 403
    again = client.post(
        f"/users/{staff}/reactivate", data={"_csrf_token": client.cookies.get("xinmiao_csrf")}, follow_redirects=True
    )
    assert "账号已重新启用。" in again.text
    assert login(world.client, "staff").status_code == 200


def test_tokens_are_checked_without_a_database_query_after_a_revocation(world, monkeypatch):
    """The worker that revoked knows the new version at once: neither the revoked token nor a
    fresh one costs a query."""
    from piccolo.engine.postgres import PostgresEngine
    from piccolo.engine.sqlite import SQLiteEngine

    client = world.client
    old = login(client, "hk01").json()["access_token"]
    client.post(f"/api/v1/users/{user_id(world, 'hk01')}/reset-password", headers=world.headers("org"))
    temporary_login = client.post(
        f"/api/v1/users/{user_id(world, 'hk02')}/reset-password", headers=world.headers("org")
    )
    fresh = login(client, "hk02", temporary_login.json()["temporary_password"]).json()["access_token"]

    def refuse(self, *args, **kwargs):
        raise AssertionError("no database query expected")

    for engine in (SQLiteEngine, PostgresEngine):
        monkeypatch.setattr(engine, "run_querystring", refuse)
    assert client.get("/api/v1/users", headers=bearer(old)).status_code == 401
    assert client.get("/api/v1/users", headers=bearer(fresh)).status_code == 403  # valid, wrong role: no query


def test_a_reset_in_another_process_reaches_this_one_through_redis(world, settings):
    """Two processes share Redis: a reset made by the other one (its own cache, its own
    connection) refuses this worker's cached token within a second."""
    from app import revocation
    from app.factory import create_app
    from app.settings import set_settings

    if not _redis_up():
        skip_or_fail("needs Redis on 127.0.0.1:6379")
    shared = dataclasses.replace(settings, redis_url=REDIS_URL)
    target = user_id(world, "hk01")
    try:
        with TestClient(app=create_app(shared), raise_server_exceptions=False) as worker:
            token = login(worker, "hk01").json()["access_token"]
            assert worker.get("/api/v1/events", headers=bearer(token)).status_code == 200  # cached as valid
            env = {
                **os.environ,
                "XINMIAO_DATABASE_URL": settings.database_url,
                "XINMIAO_DATA_DIR": str(settings.data_dir),
                "XINMIAO_SECRET_KEY": TEST_SECRET,
                "XINMIAO_REDIS_URL": REDIS_URL,
            }
            script = (
                "import asyncio\n"
                "from app import db\n"
                "from app.accounts.services import bump_token_version\n"
                "from app.settings import get_settings\n"
                "db.configure_database(get_settings().database_url)\n"
                f"print(asyncio.run(bump_token_version({target})).number)\n"
            )
            done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
            assert done.returncode == 0, done.stderr
            assert done.stdout.strip() == "1"
            bumped = time.monotonic()
            while worker.get("/api/v1/events", headers=bearer(token)).status_code == 200:
                assert time.monotonic() - bumped < 3, "the revocation did not reach this worker"
                time.sleep(0.05)
            # this worker trusts its cache for at most a second, then reads Redis
            assert time.monotonic() - bumped <= revocation.SHARED_CACHE_SECONDS + 0.5
    finally:
        set_settings(settings)
