"""The public page cache (app/pubcache.py, issue 19): conditional requests, versions shared
through Redis by separate server processes, no caching while Redis does not answer, and changes
no signal announced caught by revalidation."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from app import pubcache
from app.cli import EVENT_LOOP
from tests.conftest import PASSWORD, TEST_SECRET, skip_or_fail
from tests.judging.api import ev, ok, org
from tests.judging.certificates.test_certificates import awarded

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("XINMIAO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PORTS = (8107, 8108)  # this capability's ports for servers started by tests


class _Request:
    def __init__(self, headers: dict[str, str]) -> None:
        self.headers = {k.lower(): v for k, v in headers.items()}


def test_conditional_headers():
    answer = pubcache.Answer(b"<p>results</p>").seal("1", "3:1765000000000")
    assert answer.etag.startswith('"') and answer.last_modified == "Sat, 06 Dec 2025 05:46:40 GMT"
    assert pubcache.not_modified(_Request({"If-None-Match": answer.etag}), answer)
    assert pubcache.not_modified(_Request({"If-None-Match": f'"x", W/{answer.etag}'}), answer)
    assert pubcache.not_modified(_Request({"If-None-Match": "*"}), answer)
    assert not pubcache.not_modified(_Request({"If-None-Match": '"x"'}), answer)
    assert pubcache.not_modified(_Request({"If-Modified-Since": "Sat, 06 Dec 2025 05:46:40 GMT"}), answer)
    assert not pubcache.not_modified(_Request({"If-Modified-Since": "Sat, 06 Dec 2025 05:46:39 GMT"}), answer)
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)
    both = {"If-None-Match": '"x"', "If-Modified-Since": "Sat, 06 Dec 2025 05:46:40 GMT"}
    assert not pubcache.not_modified(_Request(both), answer)
    assert not pubcache.not_modified(_Request({"If-Modified-Since": "nonsense"}), answer)
    assert not pubcache.not_modified(_Request({"If-None-Match": answer.etag}), pubcache.Answer(b"", status_code=404))


def test_without_a_readable_version_nothing_is_kept(app, monkeypatch):
    made = []

    async def make() -> pubcache.Answer:
        made.append(1)
        return pubcache.Answer(f"page {len(made)}".encode())

    async def unknown(_event_id):
        return None

    async def scenario() -> list[bytes]:
        first = await pubcache.cached(7, ("t",), make)
        second = await pubcache.cached(7, ("t",), make)
        monkeypatch.setattr(pubcache, "version", unknown)  # Redis not answering
        third = await pubcache.cached(7, ("t",), make)
        fourth = await pubcache.cached(7, ("t",), make)
        return [first.body, second.body, third.body, fourth.body]

    pubcache.clear()
    assert asyncio.run(scenario()) == [b"page 1", b"page 1", b"page 2", b"page 3"]


def test_concurrent_requests_make_an_answer_once_and_a_bump_makes_it_again(app):
    made = []

    async def make() -> pubcache.Answer:
        made.append(1)
        await asyncio.sleep(0.05)
        return pubcache.Answer(f"page {len(made)}".encode())

    async def scenario() -> list[bytes]:
        answers = await asyncio.gather(*[pubcache.cached(8, ("t",), make) for _ in range(20)])
        await pubcache.bump(8)
        later = await pubcache.cached(8, ("t",), make)
        return [*{a.body for a in answers}, later.body]

    pubcache.clear()
    assert asyncio.run(scenario()) == [b"page 1", b"page 2"]


def test_a_change_no_signal_announced_is_caught_by_revalidation(app, monkeypatch):
    state = {"text": "old"}

    async def make() -> pubcache.Answer:
        return pubcache.Answer(state["text"].encode())

    async def scenario() -> list[bytes]:
        first = await pubcache.cached(9, ("t",), make)
        state["text"] = "new"  # e.g. a school renamed: no signal
        monkeypatch.setattr(pubcache, "REVALIDATE_SECONDS", 0.0)
        held = await pubcache.cached(9, ("t",), make)  # still the old one, revalidated in the background
        for _ in range(50):
            await asyncio.sleep(0.01)
            if not pubcache._revalidating:
                break
        after = await pubcache.cached(9, ("t",), make)
        return [first.body, held.body, after.body]

    pubcache.clear()
    assert asyncio.run(scenario()) == [b"old", b"old", b"new"]


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def _serve(port: int, settings) -> subprocess.Popen:
    env = {
        **os.environ,
        "XINMIAO_DATABASE_URL": settings.database_url,
        "XINMIAO_DATA_DIR": str(settings.data_dir),
        "XINMIAO_SECRET_KEY": TEST_SECRET,
        "XINMIAO_REDIS_URL": REDIS_URL,
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--loop", EVENT_LOOP]  # as ``xinmiao serve``
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode() if process.stderr else "did not start")
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")


def test_two_server_processes_sharing_redis_never_serve_a_stale_page(world, settings):
    """Two workers (separate processes, as ``xinmiao serve --workers 2`` runs them) on one database
    and one Redis: a change made through A is what B answers on its very next request."""
    if not _redis_up():
        skip_or_fail(f"needs Redis at {REDIS_URL}")
    awarded(world, finalize=False)
    ok(world.client.post(ev(world, "/publish"), headers=org(world)))
    a, b = (_serve(port, settings) for port in PORTS)
    try:
        with (
            httpx.Client(base_url=f"http://127.0.0.1:{PORTS[0]}") as on_a,
            httpx.Client(base_url=f"http://127.0.0.1:{PORTS[1]}") as on_b,
        ):
            token = on_a.post("/api/v1/auth/login", json={"username": "org", "password": PASSWORD}).json()
            auth = {"Authorization": f"Bearer {token['access_token']}"}
            url = f"/results/{world.event_id}"
            api = f"/api/v1/events/{world.event_id}/results"
            before = on_b.get(url)
            assert before.status_code == 200 and "红树林的秘密" in before.text
            assert on_b.get(url, headers={"If-None-Match": before.headers["etag"]}).status_code == 304  # kept on B
            listed = on_b.get(api).json()["entries"]
            second = next(e for e in listed if e["award"] == "second" and e["category_code"] == "MA")
            adjusted = on_a.post(
                f"/api/v1/events/{world.event_id}/awards/adjust",
                json={"entry_id": second["entry_id"], "award": None, "reason": "复核"},
                headers=auth,
            )
            assert adjusted.status_code == 200, adjusted.text
            after = on_b.get(url, headers={"If-None-Match": before.headers["etag"]})
            assert after.status_code == 200 and "红树林的秘密" not in after.text
            assert on_b.get(api).json()["awarded"] == 3

            # finalize through A (certificates numbered), verify through B, revoke through A
            assert on_a.post(f"/api/v1/events/{world.event_id}/finalize", headers=auth).status_code == 200
            assert "定稿于" in on_b.get(url).text
            certificates = on_a.get(f"/api/v1/events/{world.event_id}/certificates", headers=auth).json()
            cert = certificates[0]
            for _ in range(2):  # the second look-up is answered from B's cache
                assert on_b.get(f"/api/v1/certificates/{cert['number']}").json()["valid"] is True
            revoked = on_a.post(f"/api/v1/certificates/{cert['id']}/revoke", json={"reason": "有误"}, headers=auth)
            assert revoked.status_code == 200, revoked.text
            assert on_b.get(f"/api/v1/certificates/{cert['number']}").json()["valid"] is False
            assert "已作废" in on_b.get(f"/verify/{cert['number']}").text
    finally:
        for process in (a, b):
            process.terminate()
            process.wait(timeout=10)
