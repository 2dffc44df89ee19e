"""Atomic counters (issue 11, item 5): concurrent increments each get their own count, in
process and in Redis; attempts reserved concurrently lock after exactly the free ones."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from tests.app.accounts.test_lockout import REDIS_URL, _redis_up
from tests.conftest import skip_or_fail


@pytest.fixture(params=["in-process", "redis"])
def backend(request, settings, run):
    from app.settings import set_settings

    if request.param == "redis":
        if not _redis_up():
            skip_or_fail("needs Redis on 127.0.0.1:6379")
        set_settings(dataclasses.replace(settings, redis_url=REDIS_URL))
    yield request.param
    set_settings(settings)


def test_three_hundred_concurrent_increments_give_three_hundred_counts(backend, run):
    from app import stores

    async def burst():
        return await asyncio.gather(*[stores.increment("burst", 60) for _ in range(300)])

    counts = run(burst())
    assert sorted(counts) == list(range(1, 301))
    assert run(stores.peek("burst")) == 300
    assert run(stores.peek("never-counted")) == 0


def test_a_counter_starts_again_after_its_window(run, monkeypatch):
    """In process (Redis expires keys by its own clock: ``EXPIRE`` on the first hit)."""
    from app import stores

    start = stores.clock()
    monkeypatch.setattr(stores, "clock", lambda: start)
    assert [run(stores.increment("window", 60)) for _ in range(3)] == [1, 2, 3]
    monkeypatch.setattr(stores, "clock", lambda: start + 60.5)
    assert run(stores.peek("window")) == 0
    assert run(stores.increment("window", 60)) == 1


def test_concurrent_reservations_lock_after_exactly_the_free_attempts(backend, run):
    from app import stores

    async def burst():
        return await asyncio.gather(
            *[stores.reserve_attempt("gate", free=5, base_delay=60, max_delay=300, window=3600) for _ in range(50)]
        )

    attempts = run(burst())
    assert sorted(a.number for a in attempts) == [0] * 45 + [1, 2, 3, 4, 5]
    assert all(55 < a.wait < 61 for a in attempts if a.number == 0)  # 60 s from the 5th, by each caller's clock
    assert [a.locked_until > 0 for a in sorted(attempts, key=lambda a: a.number)[45:]] == [False] * 4 + [True]
    run(stores.clear_attempts("gate"))
    assert run(stores.reserve_attempt("gate", free=5, base_delay=60, max_delay=300, window=3600)).number == 1


def test_without_an_answering_redis_counters_fall_back_to_this_process(settings, world, caplog, monkeypatch):
    """Redis configured but down (nothing listens on port 1): counts, log-in delays and token
    checks go on in process, logged, never a server error."""
    from app import stores
    from app.settings import set_settings
    from tests.conftest import PASSWORD

    monkeypatch.setattr(stores, "_last_warning", 0.0)  # the warning is logged at most once a minute
    set_settings(dataclasses.replace(settings, redis_url="redis://127.0.0.1:1/0"))
    try:

        async def burst():
            return await asyncio.gather(*[stores.increment("down", 60) for _ in range(20)])

        assert sorted(world.run(burst())) == list(range(1, 21))
        token = world.client.post("/api/v1/auth/login", json={"username": "hk01", "password": PASSWORD})
        assert token.status_code == 200
        events = world.client.get("/api/v1/events", headers={"Authorization": f"Bearer {token.json()['access_token']}"})
        assert events.status_code == 200
        assert "Redis unavailable" in caplog.text
    finally:
        set_settings(settings)
