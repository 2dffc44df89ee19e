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


# --------------------------------------------------------------------------- dropped PostgreSQL connections

# every backend of the service's database but our own; the victims are chosen first (MATERIALIZED):
# in a plain WHERE the planner may call the function before filtering, killing other databases' backends
KILL_SQL = (
    "WITH victims AS MATERIALIZED (SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid())"
    " SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM victims"
)
KILL_EVERY_SECONDS = 0.25


def test_killed_postgresql_backends_answer_200_or_503_never_500(world, settings, tmp_path):
    """A real service (its own asyncpg pools) under parallel traffic while its backends are
    terminated again and again (``pg_terminate_backend``, as a failover or restart does): every
    answer is 200/201 or 503 with ``Retry-After``, never 500; once the killing stops the next
    requests answer 200 (the pools recovered by themselves); check-ins stay exactly-once and a
    write that answered 201 exists exactly once."""
    import asyncio
    import collections
    from concurrent.futures import ThreadPoolExecutor

    import asyncpg
    import httpx

    from competitions.checkin.tables import Checkin, CheckinSession
    from tests.conftest import PG_URL, TEST_SECRET, _pg_admin_conn_args
    from tests.server import serve, server_env

    if not PG_URL:
        pytest.skip("PostgreSQL only (set XINMIAO_TEST_DATABASE_URL)")
    made = factories.entries(world, 6, students=3)
    members = [member_id for entry in made for member_id in entry["member_ids"].values()]
    session_id = factories.checkin_session(world)["id"]
    org = world.headers("org")
    tokens = [
        world.client.get(f"/api/v1/participants/{m}/credential", headers=org).headers["x-credential"] for m in members
    ]
    database = settings.database_url.rsplit("/", 1)[1]
    env = server_env(tmp_path / "server", settings.database_url, XINMIAO_SECRET_KEY=TEST_SECRET)

    with serve(env, tmp_path / "server.log") as base:
        http = httpx.Client(base_url=base, timeout=30)

        def bearer(username: str) -> dict[str, str]:
            answer = http.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
            assert answer.status_code == 200, answer.text
            return {"Authorization": f"Bearer {answer.json()['access_token']}"}

        org_h, staff_h = bearer("org"), bearer("staff")
        requests = []
        for round_ in range(4):
            for i, token in enumerate(tokens):
                scan = {"session_id": session_id, "token": token, "client_scan_id": f"d{i}-{round_}"}
                requests.append(("scan", "POST", "/api/v1/checkin/scan", scan, staff_h))
            for k in range(8):
                requests.append(("read", "GET", f"/api/v1/events/{world.event_id}/entries", None, org_h))
                requests.append(
                    (
                        "write",
                        "POST",
                        f"/api/v1/events/{world.event_id}/checkin-sessions",
                        {"name": f"会场{round_}-{k}"},
                        org_h,
                    )
                )
                requests.append(
                    ("login", "POST", "/api/v1/auth/login", {"username": "hk01", "password": PASSWORD}, None)
                )

        stop = threading.Event()
        killed = []

        async def kill_loop() -> None:
            admin_args, _name = _pg_admin_conn_args(PG_URL)
            admin = await asyncpg.connect(**admin_args)
            try:
                while not stop.is_set():
                    killed.append(await admin.fetchval(KILL_SQL, database))
                    await asyncio.sleep(KILL_EVERY_SECONDS)
            finally:
                await admin.close()

        async def kill_once(into: list) -> None:
            admin_args, _name = _pg_admin_conn_args(PG_URL)
            admin = await asyncpg.connect(**admin_args)
            try:
                into.append(await admin.fetchval(KILL_SQL, database))
            finally:
                await admin.close()

        def send(request):
            kind, method, path, body, headers = request
            with httpx.Client(base_url=base, timeout=30) as client:
                answer = client.request(method, path, json=body, headers=headers)
            return kind, body, answer

        killer = threading.Thread(target=lambda: asyncio.run(kill_loop()))
        killer.start()
        try:
            with ThreadPoolExecutor(max_workers=8) as pool:
                answers = list(pool.map(send, requests))
        finally:
            stop.set()
            killer.join()

        statuses = collections.Counter((kind, answer.status_code) for kind, _body, answer in answers)
        assert sum(killed) >= 20, killed  # the service's backends really were killed, repeatedly
        assert {status for _kind, status in statuses} <= {200, 201, 503}, (statuses, tmp_path / "server.log")
        for _kind, _body, answer in answers:
            if answer.status_code == 503:
                assert answer.headers["retry-after"] == "5" and answer.json()["detail"] == BUSY_ZH

        # the pools recovered by themselves: everything answers 200 again, also right after
        # every backend is terminated at once between requests (a restart, a failover)
        stop.clear()
        killed_between = []
        for _round in range(3):
            asyncio.run(kill_once(killed_between))
            burst = [
                ("read", "GET", f"/api/v1/events/{world.event_id}/entries", None, org_h),
                ("login", "POST", "/api/v1/auth/login", {"username": "hk01", "password": PASSWORD}, None),
                (
                    "write",
                    "POST",
                    f"/api/v1/events/{world.event_id}/checkin-sessions",
                    {"name": f"复会{_round}"},
                    org_h,
                ),
                *[
                    ("scan", "POST", "/api/v1/checkin/scan", {"session_id": session_id, "token": token}, staff_h)
                    for token in tokens
                ],
            ]
            with ThreadPoolExecutor(max_workers=8) as pool:
                after = list(pool.map(send, burst))
            for kind, _body, answer in after:
                assert answer.status_code in (200, 201), (kind, answer.text)
                if kind == "scan":
                    assert answer.json()["result"] in {"checked_in", "already_checked_in"}
        assert sum(killed_between) >= 3

    rows = world.run(Checkin.select(Checkin.member).where(Checkin.checkin_session == session_id))
    assert sorted(r["member"] for r in rows) == sorted(members)  # exactly one check-in per member
    created = [body["name"] for kind, body, answer in answers if kind == "write" and answer.status_code == 201]
    names = [r["name"] for r in world.run(CheckinSession.select(CheckinSession.name)) if r["name"].startswith("会场")]
    assert len(names) == len(set(names))  # no write ran twice
    assert set(created) <= set(names)  # every 201 was committed
    reasons = collections.Counter(
        line.rsplit(": ", 1)[-1].strip()
        for line in (tmp_path / "server.log").read_text(errors="replace").splitlines()
        if "database unavailable" in line
    )
    print(f"\nkilled {sum(killed)} backends; answers {dict(statuses)}; 503 because {dict(reasons)}")


def test_the_busy_bound_comes_from_the_environment(tmp_path):
    from app.settings import load_settings

    env = {"XINMIAO_DATA_DIR": str(tmp_path), "XINMIAO_SECRET_KEY": "k"}
    assert load_settings(env).database_busy_seconds == 10.0
    assert load_settings({**env, "XINMIAO_DATABASE_BUSY_SECONDS": "2.5"}).database_busy_seconds == 2.5
    for bad in ("abc", "0", "-1", "3600"):
        with pytest.raises(SystemExit, match="XINMIAO_DATABASE_BUSY_SECONDS"):
            load_settings({**env, "XINMIAO_DATABASE_BUSY_SECONDS": bad})
