"""Long work off the request path: jobs that run in another process.

Certificate batches (thousands of PDF pages) used to run on the server's own event loop and
threads: requests waited behind them and the server's memory grew with the batch. A job now
runs in a process of its own, in one of two ways:

- **with** ``XINMIAO_REDIS_URL``: :func:`submit` puts the job on a SAQ queue in Redis (the queue
  is namespaced by the database, like the live channels) and a worker started by the operator
  with ``xinmiao worker`` (:func:`run_worker`) takes it and runs it in a child process of its own
  (:func:`run_in_child`: the worker's memory goes back down after each job); any number of web
  workers and job workers share the queue. When no job worker has registered with the queue (the operator has
  not started one), the job runs in the local pool below and a warning is logged, so nothing
  waits forever.
- **without** Redis: in a process pool of the server (``concurrent.futures.ProcessPoolExecutor``,
  spawned processes, at most :data:`LOCAL_PROCESSES` jobs at once, each process replaced after
  :data:`JOBS_PER_PROCESS` job so the memory a big batch used is returned). Nothing extra to start.

A job is a plain ``async def job(**kwargs)`` registered by a programme's plugin
(:meth:`app.plugins.ProgrammePlugin.jobs`) under a dotted name; its keyword arguments are JSON
values (usually one row id). The process running it has the configured settings and database,
every programme registered, and (with Redis) the live channels, so signals sent by the job reach
every web worker's live pages. It runs at a lower CPU priority (:data:`JOB_NICENESS`): on a machine
shared with the web server, requests come first. Progress and cancellation go through the job's own database rows,
the one place every process sees: the job writes its progress there and looks there, between
steps, for a cancellation. In the local pool the job cannot reach the server's in-process live
channels, so :func:`submit` takes a ``follow`` coroutine the server runs while the job runs (it
reads the rows and sends the signals), and a ``crashed`` coroutine run if the process dies.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import multiprocessing
import os
import signal
import socket
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import AsyncExitStack
from typing import Any

from app.plugins import registry
from app.settings import Settings, get_settings, set_settings

log = logging.getLogger("xinmiao.jobs")

JobFunction = Callable[..., Awaitable[Any]]
Bootstrap = Callable[[], None]

LOCAL_PROCESSES = 1  # batches are CPU-bound: one at a time leaves the other core to the server
JOBS_PER_PROCESS = 1  # a fresh process per job (~1 s to start): what a big batch used goes back to the system
JOB_TIMEOUT_SECONDS = 4 * 3600  # SAQ's default (10 s) would abort every real batch
FOLLOW_GRACE_SECONDS = 3.0  # after the job's process is done, how long ``follow`` may still run
JOB_NICENESS = 10  # job processes yield the CPU to the web server's requests (Unix ``nice``)
CHILD_STOP_SECONDS = 10.0  # a stopping ``xinmiao worker`` gives a job's child this long to record itself interrupted

_bootstrap: Bootstrap | None = None
_pool: ProcessPoolExecutor | None = None
_call_pool: ProcessPoolExecutor | None = None
_tasks: set[asyncio.Task[Any]] = set()
_queues: dict[int, Any] = {}


def configure(bootstrap: Bootstrap) -> None:
    """Called once by the composition root: ``bootstrap()`` registers every programme (and so
    every job) in a fresh process. A module-level function, so a spawned process can import it."""
    global _bootstrap
    _bootstrap = bootstrap


def worker_name() -> str:
    """``<pid>@<host>``: which process runs a job (shown on a batch, asserted by tests)."""
    return f"{os.getpid()}@{socket.gethostname()}"[:80]


def queue_name(settings: Settings) -> str:
    """The SAQ queue of this deployment: deployments sharing a Redis never take each other's jobs."""
    return "xinmiao-" + hashlib.sha256(str(settings.database_url).encode()).hexdigest()[:12]


# --------------------------------------------------------------------------- submitting


async def submit(
    name: str,
    kwargs: dict[str, Any],
    *,
    follow: Callable[[], Awaitable[Any]] | None = None,
    crashed: Callable[[BaseException], Awaitable[Any]] | None = None,
) -> str:
    """Start job ``name`` with ``kwargs`` in another process; returns at once with where it went
    (``"redis"`` or ``"local"``). ``follow`` (local pool only) runs in this server while the job
    runs and is cancelled :data:`FOLLOW_GRACE_SECONDS` after the job's process is done;
    ``crashed(exc)`` runs if the job raised or its process died. Raises ``KeyError`` for a job
    no plugin registered."""
    if name not in registry.jobs:
        raise KeyError(name)
    settings = get_settings()
    if settings.redis_url:
        queue = await _queue(settings)
        try:
            workers = (await queue.info()).get("workers") or {}
        except Exception:  # noqa: BLE001 - Redis unreachable: do the work here rather than lose it
            log.warning("jobs: the Redis queue cannot be read; running %s in a local process", name, exc_info=True)
            workers = None
        if workers:
            await queue.enqueue(name, timeout=JOB_TIMEOUT_SECONDS, retries=1, **kwargs)
            return "redis"
        if workers is not None:
            log.warning("jobs: no `xinmiao worker` serves the queue; running %s in a local process", name)
    loop = asyncio.get_running_loop()
    future = loop.run_in_executor(_local_pool(), _run_in_process, settings, _bootstrap, name, kwargs)
    task = loop.create_task(_watch(future, follow, crashed))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return "local"


async def _watch(
    future: Awaitable[Any],
    follow: Callable[[], Awaitable[Any]] | None,
    crashed: Callable[[BaseException], Awaitable[Any]] | None,
) -> None:
    follower = asyncio.ensure_future(follow()) if follow is not None else None
    try:
        try:
            await future
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            raise BrokenProcessPool("the job was dropped: the server stopped its processes") from None
    except asyncio.CancelledError:
        raise
    except BaseException as exc:  # noqa: BLE001 - the job's process died or the job raised
        log.error("jobs: a job failed in its process: %r", exc)
        if crashed is not None:
            try:
                await crashed(exc)
            except Exception:  # noqa: BLE001
                log.exception("jobs: could not record a failed job")
    finally:
        if follower is not None:
            try:
                await asyncio.wait_for(follower, FOLLOW_GRACE_SECONDS)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                pass
            except Exception:  # noqa: BLE001
                log.warning("jobs: following a job failed", exc_info=True)


async def call(name: str, kwargs: dict[str, Any]) -> Any:
    """Run job ``name`` in another process and wait for its result (a request that needs the
    answer, e.g. a big badge PDF: the drawing holds neither this server's event loop nor its
    memory). Uses a process pool of its own, so a request never waits behind a queued batch; the
    result must be small (a file's path, counts). Raises what the job raised, or
    ``BrokenProcessPool`` if its process died."""
    if name not in registry.jobs:
        raise KeyError(name)
    global _call_pool
    if _call_pool is None:
        _call_pool = _new_pool()
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_call_pool, _run_in_process, get_settings(), _bootstrap, name, kwargs)


def _new_pool() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=LOCAL_PROCESSES,
        mp_context=multiprocessing.get_context("spawn"),  # never fork a server with threads and a loop
        max_tasks_per_child=JOBS_PER_PROCESS,
    )


def _local_pool() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        _pool = _new_pool()
    return _pool


async def _queue(settings: Settings) -> Any:
    """This event loop's SAQ queue (Redis clients belong to one loop)."""
    loop_id = id(asyncio.get_running_loop())
    queue = _queues.get(loop_id)
    if queue is None:
        from saq import Queue

        queue = Queue.from_url(settings.redis_url or "", name=queue_name(settings))
        await queue.connect()
        _queues[loop_id] = queue
    return queue


async def shutdown() -> None:
    """When the app stops: stop the local pool's processes (a stopping server must not wait for a
    long batch; each job's ``crashed`` records it as interrupted) and close this loop's queue
    connection. Jobs on the Redis queue are not affected."""
    global _pool, _call_pool
    pools = [p for p in (_pool, _call_pool) if p is not None]
    _pool = _call_pool = None
    for pool in pools:
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
    if pools:
        mine = [t for t in _tasks if t.get_loop() is asyncio.get_running_loop()]
        if mine:
            await asyncio.wait(mine, timeout=FOLLOW_GRACE_SECONDS + 2)
    queue = _queues.pop(id(asyncio.get_running_loop()), None)
    if queue is not None:
        try:
            await queue.disconnect()
        except Exception:  # noqa: BLE001
            log.warning("jobs: could not close the queue connection", exc_info=True)


# --------------------------------------------------------------------------- running


_prepared_in: int | None = None


def _prepare_process(settings: Settings, bootstrap: Bootstrap | None, nice: bool = True) -> None:
    """Once per process: settings, database engine, every programme registered; a process that
    runs jobs (``nice``) lowers its CPU priority."""
    global _prepared_in
    from app import db

    if nice and _prepared_in != os.getpid() and hasattr(os, "nice"):
        try:
            os.nice(JOB_NICENESS)
        except OSError:  # not allowed here: run at the usual priority
            pass
    set_settings(settings)
    db.configure_database(settings.database_url)
    if _prepared_in != os.getpid():
        if bootstrap is not None:
            bootstrap()
        _prepared_in = os.getpid()


def _run_in_process(settings: Settings, bootstrap: Bootstrap | None, name: str, kwargs: dict[str, Any]) -> Any:
    """The local pools' entry point (a spawned process): run one job to its end; its result."""
    _prepare_process(settings, bootstrap)
    return asyncio.run(_run_with_database(name, kwargs))


async def _run_with_database(name: str, kwargs: dict[str, Any], channels: bool = False) -> Any:
    """Run one job with the database pool (and, with ``channels``, the live channels: on Redis a
    job's signals reach every web worker's live pages)."""
    from app import db, live

    await db.start_pool()
    try:
        async with AsyncExitStack() as stack:
            if channels:
                await stack.enter_async_context(live.channels_plugin(get_settings())._running())
            return await registry.jobs[name](**kwargs)
    finally:
        await db.close_pool()


async def run_worker(concurrency: int = 1, burst: bool = False) -> None:
    """``xinmiao worker``: take jobs from the Redis queue until stopped (SIGINT/SIGTERM).

    The worker itself only takes jobs: each job runs in a child process of its own
    (:func:`run_in_child`, spawned like the local pool's, one job each), so what a big batch used
    goes back to the system when the job ends and the worker stays small however long it runs.
    Live updates sent by a job go out from its child through the Redis channels, so every web
    worker's live pages follow them. ``burst`` stops once the queue is empty (tests, cron)."""
    from saq import Queue, Worker

    settings = get_settings()
    if not settings.redis_url:
        raise RuntimeError("XINMIAO_REDIS_URL is not set: without Redis the server runs jobs itself")
    _prepare_process(settings, _bootstrap, nice=False)  # the jobs' children lower their own priority

    def saq_function(name: str) -> tuple[str, Callable[..., Awaitable[Any]]]:
        async def run(_ctx: dict[str, Any], **kwargs: Any) -> Any:
            return await run_in_child(name, kwargs)

        return name, run

    queue = Queue.from_url(settings.redis_url, name=queue_name(settings))
    worker = Worker(
        queue,
        functions=[saq_function(name) for name in registry.jobs],
        concurrency=concurrency,
        burst=burst,
        dequeue_timeout=1.0 if burst else 0.0,
        shutdown_grace_period_s=10,
        cancellation_hard_deadline_s=CHILD_STOP_SECONDS + 1,  # a child records its job as interrupted
    )
    log.info("jobs: worker %s serving queue %s (%s)", worker_name(), queue.name, ", ".join(registry.jobs))
    try:
        await worker.start()
    finally:
        await queue.disconnect()


class JobInterrupted(RuntimeError):
    """The job's child process was told to stop (its worker stopping, SAQ's timeout) and did."""


async def run_in_child(name: str, kwargs: dict[str, Any]) -> Any:
    """Run job ``name`` in a child process of its own (spawned, with the live channels on Redis)
    and wait for its result. When this wait is cancelled (``xinmiao worker`` stopping, the job's
    timeout), the child gets SIGINT: ``asyncio.run`` there cancels the job, which records itself
    as interrupted (a certificate batch: "生成中断"), and the child gets :data:`CHILD_STOP_SECONDS`
    to end before it is killed. Raises what the job raised, ``BrokenProcessPool`` if the child
    died."""
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"), max_tasks_per_child=1)
    done = pool.submit(_run_in_child_process, get_settings(), _bootstrap, name, kwargs)
    try:
        return await asyncio.wrap_future(done)
    except asyncio.CancelledError:
        processes = list((getattr(pool, "_processes", None) or {}).values())
        for process in processes:
            if process.is_alive() and process.pid:
                os.kill(process.pid, signal.SIGINT)
        try:
            await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(done)), CHILD_STOP_SECONDS)
        except BaseException:  # noqa: BLE001 - JobInterrupted, a timeout: it is being stopped either way
            pass
        for process in processes:
            if process.is_alive():
                process.kill()
        raise
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _run_in_child_process(settings: Settings, bootstrap: Bootstrap | None, name: str, kwargs: dict[str, Any]) -> Any:
    """:func:`run_in_child`'s entry point in the child: run one job with the database and live
    channels. SIGINT or SIGTERM (its worker stopping it; Ctrl-C or systemd stopping the whole
    group) cancels the job, which ends as :class:`JobInterrupted`."""
    _prepare_process(settings, bootstrap)
    try:
        return asyncio.run(_run_stoppable(name, kwargs))
    except (KeyboardInterrupt, asyncio.CancelledError):
        raise JobInterrupted(name) from None


async def _run_stoppable(name: str, kwargs: dict[str, Any]) -> Any:
    job = asyncio.ensure_future(_run_with_database(name, kwargs, channels=True))
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, job.cancel)
    return await job
