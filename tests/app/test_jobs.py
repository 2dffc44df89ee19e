"""Jobs on Redis (issue 11, item 13): with ``XINMIAO_REDIS_URL`` a certificate batch goes on the SAQ
queue and ``xinmiao worker`` (another process, started here as an operator would) makes it; its
progress reaches the server's live channels through Redis. Without a worker serving the queue the
server runs the job in its own process pool instead of leaving it queued for ever."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app import jobs
from tests.conftest import TEST_SECRET, skip_or_fail
from tests.judging.api import ok
from tests.judging.certificates.test_batches import batch_files, start, wait_for
from tests.judging.certificates.test_certificates import awarded, org

REDIS_URL = os.environ.get("XINMIAO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[2]


def redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001
        return False


@pytest.fixture
def settings(settings):
    """The suite's per-test settings, with Redis."""
    if not redis_up():
        skip_or_fail(f"Redis is not reachable at {REDIS_URL}")
    return dataclasses.replace(settings, redis_url=REDIS_URL)


@pytest.fixture
def worker(settings):
    """``xinmiao worker`` on this test's database and Redis queue (a process group of its own, as
    under systemd), stopped (SIGTERM) afterwards."""
    env = {
        **os.environ,
        "XINMIAO_DATABASE_URL": settings.database_url,
        "XINMIAO_DATA_DIR": str(settings.data_dir),
        "XINMIAO_SECRET_KEY": TEST_SECRET,
        "XINMIAO_REDIS_URL": REDIS_URL,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    first = process.stdout.readline()
    assert "taking jobs from queue " + jobs.queue_name(settings) in first, first
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()


def registered_workers(run, settings) -> dict:
    async def info() -> dict:
        return (await jobs._queue(settings)).info()

    return run(_await(info))


async def _await(factory):
    return await (await factory())


def test_a_batch_goes_to_xinmiao_worker_over_redis(world, settings, worker, tmp_path):
    from app import signals

    awarded(world)
    # the worker registers with the queue (SAQ's worker info) within a moment
    deadline = time.monotonic() + 20
    while not registered_workers(world.run, settings).get("workers") and time.monotonic() < deadline:
        time.sleep(0.2)
    seen: list[str] = []

    async def receiver(*, state: str, **_kw) -> None:  # only the worker itself can send these here
        seen.append(state)

    signals.batch_progressed.connect(receiver)
    try:
        batch = start(world, {})
        done = wait_for(world, batch["id"], lambda s: s["status"] in ("done", "failed"))
    finally:
        signals.batch_progressed.disconnect(receiver)
    assert (done["status"], done["done"], done["total"]) == ("done", 4, 4)
    made_by = int(done["worker"].partition("@")[0])
    assert made_by not in (worker.pid, os.getpid())  # a child of the worker: its memory goes back after the job
    assert jobs._pool is None  # not the server's local pool either
    assert seen == []  # no follower in the server: the worker publishes to the live channels itself
    response = world.client.get(f"/api/v1/certificate-batches/{batch['id']}/file", headers=org(world))
    assert response.status_code == 200 and len(batch_files(world)) == 1


def test_the_worker_publishes_progress_to_the_live_stream(world, settings, worker):
    """The certificates page's event stream, served by the app, hears the worker's progress
    through Redis pub/sub (the same path a second web worker's streams take)."""
    from tests.sse import EventStream

    awarded(world)
    deadline = time.monotonic() + 20
    while not registered_workers(world.run, settings).get("workers") and time.monotonic() < deadline:
        time.sleep(0.2)
    client = world.login_page("org")
    with EventStream(client, f"/events/{world.event_id}/judging/certificates/events") as stream:
        assert stream.next_event()["event"] == "state"
        batch = start(world, {})
        seen = [stream.next_event(timeout=60)]
        while seen[-1]["data"]["status"] not in ("done", "failed"):
            seen.append(stream.next_event(timeout=60))
    assert all(e["event"] == "change" and e["data"]["batch_id"] == batch["id"] for e in seen)
    assert (seen[-1]["data"]["status"], seen[-1]["data"]["done"], seen[-1]["data"]["total"]) == ("done", 4, 4)


def test_without_a_worker_the_server_runs_the_batch_itself(world, settings):
    awarded(world)
    assert not registered_workers(world.run, settings).get("workers")
    batch = start(world, {})
    done = wait_for(world, batch["id"], lambda s: s["status"] in ("done", "failed"))
    assert done["status"] == "done"
    assert int(done["worker"].partition("@")[0]) != os.getpid()  # still another process: the local pool
    assert ok(world.client.get(f"/api/v1/certificate-batches/{batch['id']}", headers=org(world)))["percent"] == 100


def _parent_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("PPid:"):
            return int(line.split()[1])
    return 0


def _running(world, settings, n: int) -> tuple[dict, dict]:
    """A batch of ``n`` participation certificates on the queue, once ``xinmiao worker`` has made
    some of its pages: (the batch as started, its status then)."""
    from tests.judging.certificates.test_batches import participation_certificates

    participation_certificates(world, n)
    deadline = time.monotonic() + 20
    while not registered_workers(world.run, settings).get("workers") and time.monotonic() < deadline:
        time.sleep(0.2)
    batch = start(world, {"kind": "participation"})
    return batch, wait_for(
        world, batch["id"], lambda s: s["done"] > 0 or s["status"] not in ("queued", "running"), timeout=120
    )


def test_the_worker_runs_each_job_in_a_child_process(world, settings, worker):
    """A job runs in a child of ``xinmiao worker`` (spawned for it, gone after it): what a big
    batch used goes back to the system instead of staying in the long-lived worker."""
    batch, running = _running(world, settings, 1500)
    assert running["status"] == "running", running
    child = int(running["worker"].partition("@")[0])
    assert child != worker.pid and _parent_of(child) == worker.pid
    done = wait_for(world, batch["id"], lambda s: s["status"] in ("done", "failed"), timeout=180)
    assert (done["status"], done["done"]) == ("done", 1500)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(f"/proc/{child}").exists()  # the child ended with its job
    assert worker.poll() is None  # the worker goes on taking jobs


def test_stopping_the_worker_marks_its_running_batch_interrupted(world, settings, worker):
    """systemd (or Ctrl-C) stops the worker's whole process group: the job's child records the
    batch as interrupted, leaves no file, and the worker exits."""
    batch, running = _running(world, settings, 3000)
    assert running["status"] == "running" and running["done"] < 3000, running
    os.killpg(worker.pid, signal.SIGTERM)
    worker.wait(timeout=30)
    # the child (niced) may still be writing its record when the worker has gone: a deadline, not one look
    final = wait_for(world, batch["id"], lambda s: s["status"] != "running", timeout=30)
    assert (final["status"], final["error"]) == ("failed", "生成中断（服务重启），请重新生成。")
    assert batch_files(world) == []
