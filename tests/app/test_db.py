"""A busy SQLite database (another process holds the write lock): writes wait a bounded time
(``Settings.database_busy_seconds``, shortened to 1 s here), then the request answers 503 with a
translated "busy, try again" and ``Retry-After``, on the API and on pages, never 500 and never
SQLite's own "database is locked"; a lock released within the bound costs only the wait."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
import time

import pytest

from tests import factories
from tests.conftest import PASSWORD

BUSY_SECONDS = 1.0
BUSY_ZH = "系统繁忙，请 5 秒后重试。"
BUSY_EN = "The system is busy; please try again in 5 seconds."


@pytest.fixture
def settings(settings):
    return dataclasses.replace(settings, database_busy_seconds=BUSY_SECONDS)


@pytest.fixture
def sqlite_path(settings) -> str:
    if not settings.database_url.startswith("sqlite:///"):
        pytest.skip("SQLite only: PostgreSQL has no database-wide write lock")
    return settings.database_url[len("sqlite:///") :]


def hold_write_lock(path: str) -> sqlite3.Connection:
    """Another writer, as another process would be: a connection of its own in BEGIN IMMEDIATE."""
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("UPDATE school SET name = name")  # really writing, not just holding the lock
    return holder


def assert_busy(response, detail: str = BUSY_ZH) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "5"
    assert "locked" not in response.text and "OperationalError" not in response.text
    if response.headers["content-type"].startswith("application/json"):
        assert response.json() == {"status_code": 503, "detail": detail, "extra": {"retry_after": 5}}
    else:
        assert detail in response.text


def test_a_held_write_lock_answers_503_busy_then_recovers(world, sqlite_path):
    entry = factories.entry(world, "HK01", students=["李明"])
    session_id = factories.checkin_session(world)["id"]
    token = world.client.get(
        f"/api/v1/participants/{entry['member_ids']['李明']}/credential", headers=world.headers("org")
    ).headers["x-credential"]
    staff = world.headers("staff")
    scan = {"session_id": session_id, "token": token, "client_scan_id": "phone1-0001"}
    world.client.get("/login")
    csrf = world.client.cookies.get("xinmiao_csrf")

    holder = hold_write_lock(sqlite_path)
    try:
        started = time.monotonic()
        login = world.client.post("/api/v1/auth/login", json={"username": "org", "password": PASSWORD})
        waited = time.monotonic() - started
        assert_busy(login)
        assert BUSY_SECONDS <= waited < BUSY_SECONDS + 3  # waited the bound, not SQLite's default
        english = world.client.post(
            "/api/v1/auth/login",
            json={"username": "org", "password": PASSWORD},
            headers={"Accept-Language": "en"},
        )
        assert_busy(english, BUSY_EN)
        assert_busy(world.client.post("/api/v1/checkin/scan", json=scan, headers=staff))
        page = world.client.post(
            "/login",
            data={"username": "hk01", "password": PASSWORD, "next": "/", "_csrf_token": csrf},
            follow_redirects=False,
        )
        assert page.headers["content-type"].startswith("text/html")
        assert_busy(page)
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert world.client.post("/api/v1/auth/login", json={"username": "org", "password": PASSWORD}).status_code == 200
    answer = world.client.post("/api/v1/checkin/scan", json=scan, headers=staff)
    assert answer.status_code == 200 and answer.json()["result"] == "checked_in"


def test_a_lock_released_within_the_bound_costs_only_the_wait(world, sqlite_path):
    entry = factories.entry(world, "HK01", students=["王芳"])
    session_id = factories.checkin_session(world)["id"]
    token = world.client.get(
        f"/api/v1/participants/{entry['member_ids']['王芳']}/credential", headers=world.headers("org")
    ).headers["x-credential"]
    staff = world.headers("staff")
    for request in (
        lambda: world.client.post("/api/v1/auth/login", json={"username": "hk01", "password": PASSWORD}),
        lambda: world.client.post(
            "/api/v1/checkin/scan", json={"session_id": session_id, "token": token}, headers=staff
        ),
    ):
        holder = hold_write_lock(sqlite_path)
        threading.Timer(0.4, lambda h=holder: (h.execute("COMMIT"), h.close())).start()
        started = time.monotonic()
        response = request()
        assert response.status_code == 200, response.text
        assert 0.3 < time.monotonic() - started < BUSY_SECONDS + 1


def test_write_transaction_gives_up_after_the_bound(run, sqlite_path):
    """The service-level unit: ``write_transaction`` raises ``DatabaseUnavailable`` (never
    SQLite's error) once the bound has passed, and did not run the work."""
    from app.db import write_transaction
    from app.errors import DatabaseUnavailable
    from app.tables import School

    ran = []

    async def work():
        ran.append(1)
        await School.update({School.name: "x"}).where(School.id == -1)

    holder = hold_write_lock(sqlite_path)
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable):
            run(write_transaction(work))
        assert BUSY_SECONDS <= time.monotonic() - started < BUSY_SECONDS + 3
        assert ran == []  # BEGIN IMMEDIATE never got the lock
    finally:
        holder.execute("ROLLBACK")
        holder.close()
