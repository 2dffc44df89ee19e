"""The live state built once per change (judging/robotics/livecache.py): every viewer connecting
between two changes gets the same state from one build; a change (through the API, or written to
the database by another process without any signal) is seen by the next viewer; the screens'
pages read the same cache; two app instances sharing Redis see each other's changes."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from litestar.testing import TestClient

from app import times
from judging.matches import board
from judging.matches.tables import Match
from judging.robotics import livecache
from tests.app.test_live import REDIS_URL, _redis_up
from tests.conftest import skip_or_fail
from tests.judging.matches.test_api import Arena
from tests.sse import EventStream

GOALS3 = {"items": {"goals": 3, "fouls": 0}}
GOALS1 = {"items": {"goals": 1, "fouls": 0}}


@pytest.fixture
def arena(world):
    return Arena(world)


def state_of(client, event_id):
    with EventStream(client, f"/api/v1/events/{event_id}/live") as stream:
        assert stream.status == 200
        event = stream.next_event()
        assert event["event"] == "state"
        return event["data"]


def match_in(state, match_id):
    (challenge,) = state["matches"]
    return next(m for m in challenge["matches"] if m["id"] == match_id)


def test_state_is_built_once_per_change(arena, run):
    first, second = arena.schedule().json()["matches"][:2]
    livecache.clear()
    builds = livecache.stats["builds"]
    one, two = state_of(arena.client, arena.event_id), state_of(arena.client, arena.event_id)
    assert one == two and livecache.stats["builds"] == builds + 1  # the second viewer: no rebuild
    assert match_in(one, first["id"])["status"] == "scheduled"
    # scored, then committed through the API: the next viewer gets the new state (one more build)
    assert arena.score(first["id"], GOALS3, GOALS1).status_code == 200
    assert arena.commit(first["id"]).status_code == 200
    three = state_of(arena.client, arena.event_id)
    assert livecache.stats["builds"] == builds + 2
    shown = match_in(three, first["id"])
    assert (shown["status"], shown["red_score"], shown["blue_score"], shown["winner"]) == (
        "committed",
        "15",
        "5",
        "red",
    )
    ranks = {t["entry_id"]: t for t in three["matches"][0]["rankings"]}
    assert all(ranks[t]["ranking_points"] == "2" for t in first["red"])
    # a change written by another process, with no signal to this one: seen all the same
    now = times.now()
    run(
        Match.update(
            {
                Match.status: "committed",
                Match.red_score: "0",
                Match.blue_score: "10",
                Match.winner: "blue",
                Match.version: 1,
                Match.committed_at: now,
                Match.updated_at: now,
            }
        ).where(Match.id == second["id"])
    )
    four = state_of(arena.client, arena.event_id)
    assert match_in(four, second["id"])["status"] == "committed" and match_in(four, second["id"])["blue_score"] == "10"
    # an unknown or draft event: 404 before the stream starts, as before
    assert arena.client.get("/api/v1/events/999999/live").status_code == 404


def test_schedule_changes_and_ranking_rule_change_the_fingerprint(arena, run):
    arena.schedule(starts_at="2026-07-01T09:00", cycle_seconds=300)
    before = run(livecache.read_fingerprint(arena.event_id))
    delayed = arena.client.post(
        f"{arena.url}/schedule/adjust", json={"kind": "delay", "from_match": 3, "seconds": 600}, headers=arena.org
    )
    assert delayed.status_code == 200
    after_delay = run(livecache.read_fingerprint(arena.event_id))
    assert after_delay != before
    rule = arena.client.put(f"{arena.url}/ranking", json={"rule": "ranking_points", "win": 3}, headers=arena.org)
    assert rule.status_code == 200, rule.text
    assert run(livecache.read_fingerprint(arena.event_id)) != after_delay
    # and nothing else moves it
    assert run(livecache.read_fingerprint(arena.event_id)) == run(livecache.read_fingerprint(arena.event_id))


def test_screen_pages_and_their_stream_use_the_cached_view(arena):
    first = arena.schedule().json()["matches"][0]
    livecache.clear()
    builds = livecache.stats["builds"]
    pages = [arena.client.get(f"/screens/{arena.event_id}/V/{kind}") for kind in ("leaderboard", "now", "queue")]
    assert all(p.status_code == 200 for p in pages)
    with EventStream(arena.client, f"/screens/{arena.event_id}/V/events") as stream:
        version = stream.next_event()["data"]["version"]
    assert livecache.stats["builds"] == builds + 1  # one build for three pages and the stream (per language)
    assert all(f'data-version="{version}"' in p.text for p in pages)
    assert arena.score(first["id"], GOALS3, GOALS1).status_code == 200
    assert arena.commit(first["id"]).status_code == 200
    page = arena.client.get(f"/screens/{arena.event_id}/V/leaderboard").text
    assert f'data-version="{version}"' not in page and livecache.stats["builds"] == builds + 2
    names = {t: f"V队{i}" for i, t in enumerate(arena.teams)}
    top = page.split("</tr>")[1]
    assert any(names[t] in top for t in first["red"])  # a winner heads the leaderboard


def test_concurrent_viewers_share_one_build_and_one_fingerprint_read(arena, run, monkeypatch):
    arena.schedule()
    livecache.clear()
    reads = []
    real = livecache.read_fingerprint

    async def counted(event_id):
        reads.append(event_id)
        await asyncio.sleep(0.05)  # a slow database: readers pile up
        return await real(event_id)

    monkeypatch.setattr(livecache, "read_fingerprint", counted)
    builds = livecache.stats["builds"]

    async def many():
        return await asyncio.gather(*(board.challenge_view(arena.event_id, "V") for _ in range(50)))

    views = run(many())
    assert all(v is views[0] for v in views)
    assert livecache.stats["builds"] == builds + 1
    assert len(reads) <= 2  # the first reader's read, then one shared by everyone who came meanwhile


def test_two_app_instances_sharing_redis_see_each_others_changes(arena, settings):
    from app.factory import create_app

    if not _redis_up():
        skip_or_fail("needs Redis on 127.0.0.1:6379")
    first = arena.schedule().json()["matches"][0]
    assert arena.score(first["id"], GOALS3, GOALS1).status_code == 200
    head = arena.world.headers("vhead")
    shared = dataclasses.replace(settings, redis_url=REDIS_URL)
    with TestClient(app=create_app(shared)) as a, TestClient(app=create_app(shared)) as b:
        before = state_of(b, arena.event_id)  # worker B has built (and cached) the state
        assert match_in(before, first["id"])["status"] == "scored"
        with EventStream(b, f"/api/v1/events/{arena.event_id}/live") as stream:
            assert stream.next_event()["event"] == "state"
            assert a.post(f"/api/v1/matches/{first['id']}/commit", headers=head).status_code == 200
            change = stream.next_event()  # through Redis
            while change["event"] != "match":
                change = stream.next_event()
            assert change["data"]["match_id"] == first["id"]
        after = state_of(b, arena.event_id)  # a viewer connecting to B gets A's change
        assert match_in(after, first["id"])["status"] == "committed"
        team = first["red"][0]
        card = b.get(f"/api/v1/events/{arena.event_id}/categories/V/teams/{team}/matches").json()
        assert card["matches"][0]["result"] == "win" and card["ranking_points"] == "2"
