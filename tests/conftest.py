"""Test fixtures: every test gets its own database (a copy of a migrated SQLite file, or
a PostgreSQL database cloned from a migrated template when XINMIAO_TEST_DATABASE_URL is
set), its own data directory and a Litestar TestClient.

Service functions are called from tests through ``run(coro)``, which runs them on the
test client's event loop, so PostgreSQL connections are never shared across loops.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import uuid
from pathlib import Path
from typing import Any, Callable

import pytest

os.environ.setdefault("PICCOLO_CONF", "app.piccolo_conf")
os.environ.setdefault("XINMIAO_DATA_DIR", str(Path(__file__).parent / ".." / "xinmiao-data" / "pytest"))
os.environ.setdefault("XINMIAO_STRICT_ANSWERS", "1")  # answer Structs must hold every key a service returns

from litestar.testing import TestClient  # noqa: E402

from app.principal import Principal  # noqa: E402
from app.settings import Settings, set_settings  # noqa: E402

TEST_SECRET = "test-secret-key-not-for-production"
PG_URL = os.environ.get("XINMIAO_TEST_DATABASE_URL")
IN_CI = os.environ.get("CI", "").lower() == "true"
PASSWORD = "password-123"
_counter = itertools.count()


def skip_or_fail(reason: str) -> None:
    """Skip a test that lacks a tool; under CI=true a missing tool fails the run instead."""
    if IN_CI:
        pytest.fail(f"CI requires this test to run: {reason}")
    pytest.skip(reason)


def _pg_admin_conn_args(url: str) -> tuple[dict[str, Any], str]:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    return (
        {
            "host": parsed.hostname or "127.0.0.1",
            "port": parsed.port or 5432,
            "user": parsed.username or "postgres",
            "password": parsed.password,
            "database": "postgres",
        },
        parsed.path.lstrip("/") or "xinmiao_test",
    )


def pg_exec(url: str, *statements: str) -> None:
    """Run admin statements on PostgreSQL from sync code, even while another event loop
    (Playwright's) runs in this thread."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _pg_exec(url, *statements)).result()


async def _pg_exec(url: str, *statements: str) -> None:
    import asyncpg

    args, _name = _pg_admin_conn_args(url)
    conn = await asyncpg.connect(**args)
    try:
        for sql in statements:
            await conn.execute(sql)
    finally:
        await conn.close()


def _with_db(url: str, name: str) -> str:
    from urllib.parse import urlparse, urlunparse

    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


def _migrate(url: str, data_dir: Path) -> None:
    from app import db

    data_dir.mkdir(parents=True, exist_ok=True)
    set_settings(Settings(data_dir=data_dir, database_url=url, secret_key=TEST_SECRET))
    db.configure_database(url)
    import contextlib
    import io
    from concurrent.futures import ThreadPoolExecutor

    with contextlib.redirect_stdout(io.StringIO()), ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, db.migrate()).result()  # in a thread: Playwright may run a loop here


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """Argon2 at its default cost takes ~0.1 s a hash; tests create many accounts."""
    from argon2 import PasswordHasher

    from app import security

    monkeypatch.setattr(security, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory):
    """A migrated database to copy for each test: ("sqlite", path) or ("postgres", name)."""
    base = tmp_path_factory.mktemp("template")
    if PG_URL:
        name = f"xm_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        pg_exec(PG_URL, f'CREATE DATABASE "{name}"')
        _migrate(_with_db(PG_URL, name), base)
        yield ("postgres", name)
        pg_exec(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = base / "template.sqlite3"
        _migrate(f"sqlite:///{path}", base)
        yield ("sqlite", path)


@pytest.fixture
def settings(database_template, tmp_path: Path) -> Settings:
    """Fresh settings with a database of this test's own."""
    kind, source = database_template
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if kind == "sqlite":
        path = data_dir / "test.sqlite3"
        shutil.copy(source, path)
        url = f"sqlite:///{path}"
        drop = None
    else:
        name = f"xm_t_{os.getpid()}_{next(_counter)}_{uuid.uuid4().hex[:4]}"
        pg_exec(PG_URL, f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        url = _with_db(PG_URL, name)
        drop = name
    value = Settings(data_dir=data_dir, database_url=url, secret_key=TEST_SECRET, database_pool=False)
    yield value
    if drop:
        pg_exec(PG_URL, f'DROP DATABASE IF EXISTS "{drop}" WITH (FORCE)')


@pytest.fixture
def app(settings: Settings):
    from app.factory import create_app

    return create_app(settings)


@pytest.fixture
def client(app):
    with TestClient(app=app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def run(client) -> Callable[[Any], Any]:
    """Run a coroutine on the app's event loop: ``run(service(...))``."""

    def runner(coro):
        async def wrapper():
            return await coro

        return client.blocking_portal.call(wrapper)

    return runner


class World:
    """A small province: organizer, two cities, three schools, one innovation event,
    accounts for every role; ``token(username)`` gives API headers."""

    def __init__(self, client: TestClient, run: Callable[[Any], Any]):
        self.client = client
        self.run = run
        self._tokens: dict[str, dict[str, str]] = {}

    def headers(self, username: str) -> dict[str, str]:
        if username not in self._tokens:
            response = self.client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
            assert response.status_code == 200, response.text
            self._tokens[username] = {"Authorization": f"Bearer {response.json()['access_token']}"}
        return self._tokens[username]

    def principal(self, username: str) -> Principal:
        from app.accounts.services import load_principal
        from app.tables import User

        user_id = self.run(User.select(User.id).where(User.username == username).first())["id"]
        return self.run(load_principal(user_id))

    def login_page(self, username: str, client: TestClient | None = None) -> TestClient:
        """Log ``client`` in through the log-in page (session cookie + CSRF)."""
        client = client or self.client
        client.get("/login")
        csrf = client.cookies.get("xinmiao_csrf")
        response = client.post(
            "/login",
            data={"username": username, "password": PASSWORD, "next": "/", "_csrf_token": csrf},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        return client


@pytest.fixture
def world(client, run) -> World:
    import datetime as dt

    from app import times
    from app.accounts import services as accounts
    from app.schools import services as schools
    from competitions.events import services as events

    w = World(client, run)
    system = None
    run(accounts.create_user(system, username="org", password=PASSWORD, role="organizer", display_name="组委会"))
    org = w.principal("org")
    w.schools = {}
    for code, name, city in (
        ("HK01", "海口市第一中学", "海口市"),
        ("HK02", "海南华侨中学", "海口市"),
        ("SY01", "三亚市第一中学", "三亚市"),
    ):
        w.schools[code] = run(schools.create_school(org, {"code": code, "name": name, "city": city}))
    run(accounts.create_user(system, username="hk01", password=PASSWORD, role="school", school_code="HK01"))
    run(accounts.create_user(system, username="hk02", password=PASSWORD, role="school", school_code="HK02"))
    run(accounts.create_user(system, username="sy01", password=PASSWORD, role="school", school_code="SY01"))
    run(accounts.create_user(system, username="haikou", password=PASSWORD, role="city", city="海口市"))
    run(accounts.create_user(system, username="sanya", password=PASSWORD, role="city", city="三亚市"))
    for role in ("judge", "referee", "staff"):
        run(accounts.create_user(system, username=role, password=PASSWORD, role=role))
    w.event = run(
        events.create_event(
            org,
            {
                "name": "2026年海南省青少年科技创新大赛",
                "kind": "innovation",
                "year": 2026,
                "status": "open",  # open for registration (new events start as drafts)
                "registration_closes_at": (times.now() + dt.timedelta(days=90)).isoformat(),
            },
        )
    )
    w.event_id = w.event["id"]
    w.org = org
    return w


def gb11643(first17: str) -> str:
    """A valid 18-character ID number from 17 digits (test helper)."""
    from competitions.registration.idnumbers import check_character

    return first17 + check_character(first17)
