"""Page sessions (issue 11, item 3 and the absolute lifetime of item 4): a session id chosen by
the client is never adopted, log-in and password change issue a new id (the old one stops
working), and a session ends 12 hours after log-in however often it is used."""

from __future__ import annotations

import time

from litestar.testing import TestClient

from tests.conftest import PASSWORD

CHOSEN = "attacker-chosen-session-id-0123456789abcdef"


def page_login(client: TestClient, username: str, password: str = PASSWORD, plant: str | None = None):
    """Log in through the page; ``plant`` puts that session id in the cookie jar right before
    the form is sent (as a planted cookie with a narrower path or wider domain would be)."""
    client.get("/login")
    if plant:
        client.cookies.set("xinmiao_session", plant, domain="testserver.local")
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "next": "/",
            "_csrf_token": client.cookies.get("xinmiao_csrf"),
        },
        follow_redirects=False,
    )


def with_session(app, session_id: str) -> TestClient:
    client = TestClient(app=app, raise_server_exceptions=False)
    client.cookies.set("xinmiao_session", session_id, domain="testserver.local")
    return client


def test_a_session_id_chosen_by_the_client_is_never_adopted(world, app):
    client = world.client
    response = page_login(client, "org", plant=CHOSEN)
    assert response.status_code == 303
    issued = response.cookies.get("xinmiao_session")
    assert issued and issued != CHOSEN and len(issued) == 64  # 32 random bytes, hex
    assert client.get("/users/").status_code == 200  # the victim is logged in under the issued id
    # the attacker who planted the id gets nothing with it
    with with_session(app, CHOSEN) as attacker:
        refused = attacker.get("/users/", follow_redirects=False)
        assert refused.status_code == 303 and refused.headers["location"].startswith("/login")
    from app.stores import sessions

    assert world.run(sessions().get(CHOSEN)) is None


def test_log_in_issues_a_new_id_so_a_planted_real_id_is_worthless(world, app):
    """The attacker logs in with an account of their own, plants that (server-issued) id in
    the victim's browser and waits for the victim to log in."""
    with TestClient(app=app, raise_server_exceptions=False) as attacker:
        assert page_login(attacker, "hk01").status_code == 303
        planted = attacker.cookies.get("xinmiao_session")
        with TestClient(app=app, raise_server_exceptions=False) as victim:
            response = page_login(victim, "org", plant=planted)
            assert response.status_code == 303
            assert victim.cookies.get("xinmiao_session") != planted
            assert victim.get("/users/").status_code == 200
        # the planted id was the attacker's own session; it ended when the victim logged in with it
        refused = attacker.get("/users/", follow_redirects=False)
        assert refused.status_code == 303 and refused.headers["location"].startswith("/login")


def test_a_password_change_issues_a_new_id(world, app):
    client = world.client
    page_login(client, "hk02")
    before = client.cookies.get("xinmiao_session")
    changed = client.post(
        "/password",
        data={
            "current_password": PASSWORD,
            "new_password": "another-pass-77",
            "confirm_password": "another-pass-77",
            "_csrf_token": client.cookies.get("xinmiao_csrf"),
        },
        follow_redirects=False,
    )
    assert changed.status_code == 303 and changed.headers["location"] == "/"
    after = client.cookies.get("xinmiao_session")
    assert after and after != before
    assert client.get("/password").status_code == 200  # still logged in, under the new id
    with with_session(app, before) as old:
        assert old.get("/password", follow_redirects=False).status_code == 303


def test_a_session_ends_twelve_hours_after_log_in_even_when_used(world, monkeypatch):
    from app import stores

    start = time.time()
    clock = [start]
    monkeypatch.setattr(stores, "clock", lambda: clock[0])
    client = world.client
    page_login(client, "org")
    for hours in (3, 6, 9, 11.9):  # used every few hours: the idle timeout never runs out
        clock[0] = start + hours * 3600
        assert client.get("/users/").status_code == 200, hours
    clock[0] = start + 12 * 3600 + 1
    refused = client.get("/users/", follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"].startswith("/login")
    # logging in again starts a new 12 hours
    page_login(client, "org")
    assert client.get("/users/").status_code == 200


def test_an_anonymous_visit_stores_no_session(world, app):
    from app.stores import sessions

    client = world.client
    client.cookies.set("xinmiao_session", CHOSEN, domain="testserver.local")
    response = client.get("/login")
    assert response.status_code == 200
    assert world.run(sessions().get(CHOSEN)) is None
    assert client.cookies.get("xinmiao_session") in (None, "null")


def test_session_lifetimes_are_settings(tmp_path):
    import pytest

    from app.settings import load_settings

    base = {"XINMIAO_DATA_DIR": str(tmp_path), "XINMIAO_SECRET_KEY": "k"}
    default = load_settings(base)
    assert (default.session_lifetime_seconds, default.session_idle_seconds) == (12 * 3600, 4 * 3600)
    chosen = load_settings({**base, "XINMIAO_SESSION_HOURS": "8", "XINMIAO_SESSION_IDLE_HOURS": "0.5"})
    assert (chosen.session_lifetime_seconds, chosen.session_idle_seconds) == (28800, 1800)
    with pytest.raises(SystemExit) as refused:
        load_settings({**base, "XINMIAO_SESSION_HOURS": "twelve"})
    assert str(refused.value) == "XINMIAO_SESSION_HOURS must be a positive number of hours, not 'twelve'"


def test_an_unchanged_session_is_written_again_only_after_a_minute(world, monkeypatch):
    """A page view that changes nothing only reads the session: it is written when it changes or
    when its last write is a minute old (renewing its idle expiry), not on every view."""
    from app import stores
    from app.web.sessions import RENEW_AFTER_SECONDS

    start = time.time()
    clock = [start]
    monkeypatch.setattr(stores, "clock", lambda: clock[0])
    store = stores.sessions()
    writes: list[str] = []
    original = type(store).set

    async def counting(self, key, value, expires_in=None):
        writes.append(key)
        return await original(self, key, value, expires_in=expires_in)

    monkeypatch.setattr(type(store), "set", counting)
    client = world.client
    page_login(client, "org")
    session_id = client.cookies.get("xinmiao_session")
    assert writes == [session_id]  # the log-in stored it once
    for seconds in (0, 10, 59):
        clock[0] = start + seconds
        assert client.get("/users/").status_code == 200
    assert writes == [session_id]  # three views, nothing changed, under a minute: no write
    clock[0] = start + RENEW_AFTER_SECONDS
    assert client.get("/users/").status_code == 200
    assert writes == [session_id, session_id]  # a minute after the last write: written (expiry renewed)
    clock[0] = start + RENEW_AFTER_SECONDS + 30
    assert client.get("/users/").status_code == 200
    assert len(writes) == 2
    out = client.post("/logout", data={"_csrf_token": client.cookies.get("xinmiao_csrf")}, follow_redirects=False)
    assert out.status_code == 303
    assert world.run(store.get(session_id)) is None  # logging out still deletes it at once
