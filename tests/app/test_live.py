"""Live updates (app/live.py): coalesced publishing that never raises, keep-alive comments,
streams that end with the app, and two workers sharing Redis."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket

import pytest
from litestar.testing import TestClient

from app import live
from tests import factories
from tests.competitions.checkin.test_checkin import session, token_of
from tests.conftest import PASSWORD, skip_or_fail
from tests.sse import EventStream

REDIS_URL = "redis://127.0.0.1:6379/0"


def test_publish_coalesces_per_topic_and_never_raises(client, run, monkeypatch, caplog):
    async def scenario() -> list[dict]:
        plugin = live.current()
        assert isinstance(plugin, live.LoopChannels)
        received: list[bytes] = []
        subscriber = await plugin.subscribe(plugin.channel("t:1"))
        other = await plugin.subscribe(plugin.channel("t:2"))
        try:
            for n in range(5):  # a burst: the first goes at once, the rest wait for the next slot
                await live.publish("t:1", {"n": n})
            await live.publish("t:2", {"n": 99})  # another topic is not held back
            await live.publish("t:1", {"n": 5}, event="other")  # nor another event name
            await asyncio.sleep(live.COALESCE_SECONDS + 0.3)
            for _ in range(3):
                await live.publish("t:1", {"n": 10})
            await asyncio.sleep(live.COALESCE_SECONDS + 0.3)
            for sub in (subscriber, other):
                while sub.qsize:
                    received.append(await anext(sub.iter_events()))
        finally:
            await plugin.unsubscribe(subscriber)
            await plugin.unsubscribe(other)
        return [json.loads(r) for r in received]

    events = run(scenario())
    assert events == [
        {"event": "change", "data": {"n": 4, "changes": 5}},
        {"event": "other", "data": {"n": 5, "changes": 1}},
        {"event": "change", "data": {"n": 10, "changes": 3}},
        {"event": "change", "data": {"n": 99, "changes": 1}},
    ]

    # a backend that fails: logged and dropped, never raised into the caller
    async def broken(*_args, **_kwargs):
        raise ConnectionError("redis went away")

    async def failing() -> None:
        plugin = live.current()
        monkeypatch.setattr(plugin, "wait_published", broken)
        await live.publish("t:3", {"n": 1})
        await asyncio.sleep(0.1)

    run(failing())
    assert "dropped an event" in caplog.text

    # without a running plugin (the CLI calling a service): nothing happens
    asyncio.run(live.publish("t:4", {"n": 1}))


def test_keepalive_comment_and_streams_end_when_the_app_stops(world, app, monkeypatch):
    monkeypatch.setattr(live, "KEEPALIVE_SECONDS", 0.2)
    factories.entry(world, "HK01", students=["李明"])
    sid = session(world)
    with TestClient(app=app) as other:
        world.login_page("staff", other)
        stream = EventStream(other, f"/checkin/{sid}/live/events").__enter__()
        assert stream.next_event()["event"] == "state"
        assert stream.next_event(comments=True) == {"comment": "keep-alive"}
        assert stream.next_event(comments=True) == {"comment": "keep-alive"}
    # the TestClient's app stopped: the stream ended by itself
    with pytest.raises(EOFError):
        while True:
            stream.next_event(timeout=2, comments=True)


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def test_two_workers_sharing_redis_deliver_each_others_changes(world, settings):
    from app.factory import create_app

    if not _redis_up():
        skip_or_fail("needs Redis on 127.0.0.1:6379")
    member = factories.entry(world, "HK01", students=["李明", "王芳"])["member_ids"]
    sid = session(world)
    tokens = {name: token_of(world, member[name]) for name in member}
    shared = dataclasses.replace(settings, redis_url=REDIS_URL)
    worker_a, worker_b = create_app(shared), create_app(shared)
    with TestClient(app=worker_a) as a, TestClient(app=worker_b) as b:
        world.login_page("staff", b)
        token = a.post("/api/v1/auth/login", json={"username": "staff", "password": PASSWORD}).json()["access_token"]
        with EventStream(b, f"/checkin/{sid}/live/events") as stream:
            assert stream.next_event()["data"]["arrived"] == 0
            # a scan answered by worker A reaches the stream served by worker B
            response = a.post(
                "/api/v1/checkin/scan",
                json={"session_id": sid, "token": tokens["李明"]},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert response.json()["result"] == "checked_in"
            change = stream.next_event()
            assert change["event"] == "change"
            assert change["data"]["schools"] == [
                {"school_id": world.schools["HK01"]["id"], "expected": 2, "arrived": 1, "other": 0}
            ]
            assert (change["data"]["session_id"], change["data"]["scans"]) == (sid, 1)
            a.post(
                "/api/v1/checkin/scan",
                json={"session_id": sid, "token": tokens["王芳"]},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert stream.next_event()["data"]["arrived_expected"] == 2
        with EventStream(b, f"/checkin/{sid}/live/events") as stream:
            assert stream.next_event()["data"]["arrived"] == 2

        # channel names are namespaced by the database: another deployment on the same Redis
        # (another database) never hears this one
        async def channel() -> str:
            return live.current().channel("checkin:1")

        other = dataclasses.replace(shared, database_url=shared.database_url + "-elsewhere")
        assert a.blocking_portal.call(channel) == b.blocking_portal.call(channel)
        assert live.channels_plugin(other).channel("checkin:1") != a.blocking_portal.call(channel)


def test_a_client_going_away_leaves_no_pending_task(world, client, caplog):
    """Issue 13: "Task was destroyed but it is pending!" was logged (ERROR, asyncio) each time a
    live page was closed: the stream's pending queue read was never cancelled. It is now
    cancelled and awaited when the client goes away."""
    import gc
    import logging
    import time

    factories.entry(world, "HK01", students=["李明"])
    sid = session(world)
    world.login_page("staff", client)
    caplog.set_level(logging.DEBUG, logger="asyncio")
    for _ in range(3):
        with EventStream(client, f"/checkin/{sid}/live/events") as stream:
            assert stream.next_event()["event"] == "state"
            time.sleep(0.05)  # the stream now waits for the next change
        time.sleep(0.05)
        gc.collect()
    client.blocking_portal.call(asyncio.sleep, 0.1)  # let the loop run what the disconnect left
    gc.collect()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
