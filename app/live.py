"""Live updates: one Server-Sent Events mechanism on Litestar channels.

A page that updates by itself has an event stream beside its route. On connect the stream
sends one event with the page's current state (``event: state``, from an async snapshot the
page gives), then one event per change (``event: change`` unless the publisher names
another), SRComp style: state replayed on connect, then streamed. A comment every
:data:`KEEPALIVE_SECONDS` keeps proxies from closing an idle stream. Events carry counts
and ids, never personal data: the page's script fetches what it shows through the page's
own (guarded) route.

- :func:`channels_plugin` builds the plugin ``create_app`` installs. Each start of the app
  (each event loop) runs Litestar's ``ChannelsPlugin`` (:class:`LoopChannels`): in process by
  default (one backend shared by the process's event loops, like Litestar's
  ``MemoryChannelsBackend`` but not tied to one loop), Redis pub/sub
  (``RedisChannelsPubSubBackend``) when ``XINMIAO_REDIS_URL`` is set, so that a change made
  through one worker reaches the streams of every worker. Channel names are namespaced by
  the database, so deployments sharing a Redis never see each other's events.
- :func:`publish` is what receivers of :mod:`app.signals` call. It never raises and never
  waits for the network: events are coalesced per topic and event name (at most one every
  :data:`COALESCE_SECONDS`, the last data wins, ``changes`` counts what was folded in) and
  sent by a task of their own, which logs and drops what the backend refuses. The check-in
  scan path (thousands of scans a second) pays a dictionary look-up and, at most twice a
  second per session, a timer.
- :func:`event_stream` is the response a page's stream endpoint returns.

Channels belong to the event loop they were started on (tests run an app on several loops);
:func:`publish` finds them through the running loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any, ClassVar

from litestar.channels import ChannelsPlugin
from litestar.channels.backends.base import ChannelsBackend
from litestar.plugins import InitPlugin
from litestar.response import ServerSentEvent
from litestar.response.sse import ServerSentEventMessage

log = logging.getLogger("xinmiao.live")

COALESCE_SECONDS = 0.5  # at most one event per topic (and event name) this often, per worker
KEEPALIVE_SECONDS = 15.0  # a comment on an idle stream this often
MAX_STREAM_SECONDS = 600.0  # then the stream ends and the browser reconnects (a fresh snapshot)
RETRY_MS = 3000  # the browser's reconnection delay, sent with the first event
PUBLISH_TIMEOUT = 2.0  # a publish the backend has not taken by then is dropped
UNSUBSCRIBE_TIMEOUT = 5.0
SUBSCRIBER_BACKLOG = 200  # events held for one slow stream; older ones are dropped first
STREAM_QUEUE = 100

Snapshot = Callable[[], Awaitable[dict[str, Any] | str]]  # a dict, or its JSON text made once for many streams


class LoopChannels(ChannelsPlugin):
    """Litestar's channels, as run on one event loop, with what live pages need around them:
    a per-topic coalescing publisher, channel names in the deployment's namespace, an event
    that ends open streams when the app stops, and a subscription worker that survives a
    Redis hiccup."""

    def __init__(self, backend: ChannelsBackend, *, namespace: str) -> None:
        super().__init__(
            backend=backend,
            arbitrary_channels_allowed=True,
            subscriber_max_backlog=SUBSCRIBER_BACKLOG,
            subscriber_backlog_strategy="dropleft",
        )
        self.namespace = namespace
        self.closing = asyncio.Event()
        self.publisher = _Publisher(self, asyncio.get_running_loop())

    def channel(self, topic: str) -> str:
        return f"xinmiao:{self.namespace}:{topic}"

    async def _sub_worker(self) -> None:
        """Litestar's worker stops at the first backend error (Redis restarted); this one
        logs it and starts again, so streams resume once the backend is back."""
        delay = 0.5
        while True:
            try:
                async for channel, payload in self._backend.stream_events():
                    delay = 0.5
                    for subscriber in list(self._channels.get(channel, ())):
                        subscriber.put_nowait(payload)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001
                log.warning("live updates: channels backend failed; retrying in %.1f s", delay, exc_info=True)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)

    def subscriber_count(self, topic: str) -> int:
        return len(self._channels.get(self.channel(topic), ()))


class LiveChannels(InitPlugin):
    """The plugin ``create_app`` installs. Each start of the app (each event loop: a worker,
    or in tests the TestClient and a browser test's server sharing one app) gets channels of
    its own (:class:`LoopChannels`), found by :func:`current`; Redis clients and asyncio
    queues belong to one loop."""

    def __init__(self, *, namespace: str, redis_url: str | None = None) -> None:
        self.namespace = namespace
        self.redis_url = redis_url

    def channel(self, topic: str) -> str:
        return f"xinmiao:{self.namespace}:{topic}"

    def on_app_init(self, app_config: Any) -> Any:
        app_config.lifespan.append(lambda _app: self._running())
        return app_config

    @asynccontextmanager
    async def _running(self) -> AsyncIterator[LoopChannels]:
        loop_id = id(asyncio.get_running_loop())
        redis = None
        if self.redis_url:
            from litestar.channels.backends.redis import RedisChannelsPubSubBackend
            from redis.asyncio import Redis

            redis = Redis.from_url(self.redis_url, socket_connect_timeout=2, health_check_interval=30)
            backend: ChannelsBackend = RedisChannelsPubSubBackend(redis=redis, stream_sleep_no_subscriptions=100)
        else:
            backend = _ProcessBackend()
        channels = LoopChannels(backend, namespace=self.namespace)
        await channels.__aenter__()
        _active[loop_id] = channels
        try:
            yield channels
        finally:
            if _active.get(loop_id) is channels:
                del _active[loop_id]
            channels.closing.set()  # open streams end
            await channels.publisher.close()
            try:
                await channels.__aexit__(None, None, None)
            except Exception:  # noqa: BLE001 - shutting down: a Redis gone away must not stop the rest
                log.warning("live updates: channels backend did not shut down cleanly", exc_info=True)
            if redis is not None:
                try:
                    await redis.aclose()
                except Exception:  # noqa: BLE001
                    log.warning("live updates: could not close the Redis client", exc_info=True)


class _ProcessBackend(ChannelsBackend):
    """In-process channels shared by every event loop of the process (Litestar's memory
    backend serves one loop): one worker without Redis, and tests, where the TestClient's
    loop and a browser test's server loop run the same app."""

    _hub: ClassVar[set[_ProcessBackend]] = set()
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self) -> None:
        self._channels: set[str] = set()
        self._queue: asyncio.Queue[tuple[str, bytes]] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def on_startup(self) -> None:
        self._queue = asyncio.Queue()
        self._loop = asyncio.get_running_loop()
        with self._lock:
            self._hub.add(self)

    async def on_shutdown(self) -> None:
        with self._lock:
            self._hub.discard(self)
        self._queue = None

    async def publish(self, data: bytes, channels: Iterable[str]) -> None:
        channels = list(channels)
        with self._lock:
            members = list(self._hub)
        for member in members:
            member._offer(data, channels)

    def _offer(self, data: bytes, channels: list[str]) -> None:
        wanted = [c for c in channels if c in self._channels]
        if not wanted or self._queue is None or self._loop is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._put(wanted, data)
        else:
            try:
                self._loop.call_soon_threadsafe(self._put, wanted, data)
            except RuntimeError:  # that loop has closed
                pass

    def _put(self, channels: list[str], data: bytes) -> None:
        if self._queue is not None:
            for channel in channels:
                self._queue.put_nowait((channel, data))

    async def subscribe(self, channels: Iterable[str]) -> None:
        self._channels.update(channels)

    async def unsubscribe(self, channels: Iterable[str]) -> None:
        self._channels.difference_update(channels)

    async def stream_events(self) -> AsyncGenerator[tuple[str, Any], None]:
        if self._queue is None:
            raise RuntimeError("not started")
        while True:
            channel, message = await self._queue.get()
            if channel in self._channels:
                yield channel, message

    async def get_history(self, channel: str, limit: int | None = None) -> list[bytes]:
        return []


_active: dict[int, LoopChannels] = {}


def _namespace(settings: Any) -> str:
    return hashlib.sha256(str(settings.database_url).encode()).hexdigest()[:12]


def channels_plugin(settings: Any) -> LiveChannels:
    """The live-updates plugin for ``settings``: Redis pub/sub when ``settings.redis_url`` is
    set (several workers share it), else in process."""
    return LiveChannels(namespace=_namespace(settings), redis_url=settings.redis_url or None)


def current() -> LoopChannels | None:
    """The channels started on the running event loop, if any."""
    try:
        return _active.get(id(asyncio.get_running_loop()))
    except RuntimeError:
        return None


# --------------------------------------------------------------------------- publishing


class _Publisher:
    """Trailing-edge coalescing: the first change of a quiet topic is sent at once, later
    ones at most every :data:`COALESCE_SECONDS` with the last data and how many changes it
    stands for. Sending runs in tasks of its own; failures are logged and dropped."""

    def __init__(self, plugin: LoopChannels, loop: asyncio.AbstractEventLoop) -> None:
        self.plugin = plugin
        self.loop = loop
        self.pending: dict[tuple[str, str, str], list[Any]] = {}
        self.last: dict[tuple[str, str, str], float] = {}
        self.timers: dict[tuple[str, str, str], asyncio.TimerHandle] = {}
        self.tasks: set[asyncio.Task] = set()
        self.closed = False

    def publish(self, channel: str, event: str, data: dict[str, Any], coalesce: str = "") -> None:
        if self.closed:
            return
        key = (channel, event, coalesce)
        entry = self.pending.get(key)
        if entry is not None:  # already scheduled: fold this change in
            entry[0] = data
            entry[1] += 1
            return
        self.pending[key] = [data, 1]
        delay = self.last.get(key, float("-inf")) + COALESCE_SECONDS - self.loop.time()
        self.timers[key] = self.loop.call_later(max(0.0, delay), self._flush, key)

    def _flush(self, key: tuple[str, str, str]) -> None:
        self.timers.pop(key, None)
        entry = self.pending.pop(key, None)
        if entry is None or self.closed:
            return
        now = self.loop.time()
        self.last[key] = now
        if len(self.last) > 4096:  # forget quiet topics
            self.last = {k: t for k, t in self.last.items() if now - t < COALESCE_SECONDS}
        channel, event, _coalesce = key
        message = {"event": event, "data": {**entry[0], "changes": entry[1]}}
        task = self.loop.create_task(self._send(channel, message))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _send(self, channel: str, message: dict[str, Any]) -> None:
        try:
            await asyncio.wait_for(self.plugin.wait_published(message, channel), PUBLISH_TIMEOUT)
        except Exception:  # noqa: BLE001 - a live update is never worth failing anything for
            log.warning("live updates: dropped an event for %s", channel, exc_info=True)

    async def close(self) -> None:
        """Send what is still pending (the last change of a topic: a job's process ending right
        after its final progress must not drop it), then refuse new changes."""
        for timer in self.timers.values():
            timer.cancel()
        self.timers.clear()
        for key in list(self.pending):
            self._flush(key)
        self.closed = True
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=PUBLISH_TIMEOUT)


async def publish(topic: str, data: dict[str, Any], *, event: str = "change", coalesce: str = "") -> None:
    """Tell the streams of ``topic`` that something changed (``data``: counts and ids, never
    personal data). Returns at once and never raises: without a running plugin (a service
    called from the CLI) it does nothing; a backend failure is logged and the event dropped.
    Changes are coalesced per topic, event name and ``coalesce`` (one topic carrying several
    things, e.g. an event's challenges, names the thing so that none is folded into another)."""
    try:
        plugin = current()
        if plugin is not None:
            plugin.publisher.publish(plugin.channel(topic), event, data, coalesce)
    except Exception:  # noqa: BLE001
        log.warning("live updates: could not publish to %s", topic, exc_info=True)


def subscriber_count(topic: str) -> int:
    """How many streams of this worker listen to ``topic`` (tests, diagnostics)."""
    plugin = current()
    return plugin.subscriber_count(topic) if plugin is not None else 0


# --------------------------------------------------------------------------- streams


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)


def as_json(data: Any) -> str:
    """``data`` as a stream sends it: a snapshot function may return this text, made once and sent
    to every stream connecting while it holds (an event's state, hundreds of viewers)."""
    return _json(data)


def event_stream(
    topic: str,
    snapshot: Snapshot,
    *,
    snapshot_event: str = "state",
    keepalive: float | None = None,
    max_seconds: float | None = None,
) -> ServerSentEvent:
    """The response of a page's event stream: ``event: <snapshot_event>`` with ``await
    snapshot()`` on connect, then each event published to ``topic`` (``event: change``
    unless the publisher named another; ``data:`` JSON), a comment every ``keepalive``
    seconds. The subscription is made before the snapshot is read, so no change falls
    between them, and is dropped when the client goes away, the stream reaches
    ``max_seconds`` (the browser reconnects) or the app stops. ``snapshot`` may answer the JSON
    text itself (:func:`as_json`), sent as it is. Without a channels plugin (or
    when the backend refuses the subscription) the stream sends the snapshot and ends; the
    browser reconnects after :data:`RETRY_MS` and gets a fresh one."""
    return ServerSentEvent(
        _events(
            topic,
            snapshot,
            snapshot_event,
            KEEPALIVE_SECONDS if keepalive is None else keepalive,
            MAX_STREAM_SECONDS if max_seconds is None else max_seconds,
        ),
        headers={"Cache-Control": "no-store"},
    )


async def _events(topic: str, snapshot: Snapshot, snapshot_event: str, keepalive: float, max_seconds: float):
    plugin = current()
    subscriber = None
    pump: asyncio.Task | None = None
    waiting: list[asyncio.Future[Any]] = []  # the queue read and the app's closing, while waited on
    inbox: asyncio.Queue[bytes] = asyncio.Queue(maxsize=STREAM_QUEUE)
    channel = plugin.channel(topic) if plugin is not None else ""
    try:
        if plugin is not None:
            try:
                subscriber = await plugin.subscribe(channel)
            except Exception:  # noqa: BLE001
                log.warning("live updates: could not subscribe to %s", channel, exc_info=True)
        state = await snapshot()
        yield ServerSentEventMessage(
            event=snapshot_event, data=state if isinstance(state, str) else _json(state), retry=RETRY_MS
        )
        if plugin is None or subscriber is None:
            return

        async def forward() -> None:
            async for raw in subscriber.iter_events():
                if inbox.full():  # a stalled client: the oldest change goes, the page refetches anyway
                    inbox.get_nowait()
                inbox.put_nowait(raw)

        pump = asyncio.ensure_future(forward())
        closing = asyncio.ensure_future(plugin.closing.wait())
        waiting.append(closing)
        ends = time.monotonic() + max_seconds
        while True:
            left = ends - time.monotonic()
            if left <= 0:
                return
            getter = asyncio.ensure_future(inbox.get())
            waiting.append(getter)  # cancelled and awaited in _cleanup if the client goes away now
            done, _pending = await asyncio.wait(
                {getter, closing, pump}, timeout=min(keepalive, left), return_when=asyncio.FIRST_COMPLETED
            )
            waiting.remove(getter)
            if getter not in done:
                getter.cancel()
                if closing in done or pump in done:
                    return
                if left > keepalive:
                    yield ServerSentEventMessage(comment="keep-alive", data=None)
                continue
            yield _change(getter.result())
    finally:
        await _cleanup(plugin, subscriber, channel, [*([pump] if pump is not None else []), *waiting])


def _change(raw: bytes) -> ServerSentEventMessage:
    try:
        message = json.loads(raw)
        return ServerSentEventMessage(
            event=str(message.get("event") or "change"), data=_json(message.get("data") or {})
        )
    except (ValueError, AttributeError):
        return ServerSentEventMessage(event="change", data="{}")


async def _cleanup(
    plugin: LoopChannels | None, subscriber: Any, channel: str, tasks: list[asyncio.Future[Any]]
) -> None:
    """Drop the subscription even while the response is being cancelled (the client went
    away): shielded, and bounded in time. ``tasks`` (the pump, a pending queue read, the wait
    for the app's closing) are cancelled and awaited, so none is left pending ("Task was
    destroyed but it is pending!" once per closed page, issue 13)."""
    import anyio

    with anyio.CancelScope(shield=True):
        for task in tasks:
            task.cancel()
        if tasks:
            with anyio.move_on_after(UNSUBSCRIBE_TIMEOUT):
                await asyncio.gather(*tasks, return_exceptions=True)
        if plugin is None or subscriber is None:
            return
        with anyio.move_on_after(UNSUBSCRIBE_TIMEOUT):
            try:
                await plugin.unsubscribe(subscriber, channel)
            except Exception:  # noqa: BLE001
                log.warning("live updates: could not unsubscribe from %s", channel, exc_info=True)


__all__ = [
    "LiveChannels",
    "LoopChannels",
    "as_json",
    "channels_plugin",
    "current",
    "event_stream",
    "publish",
    "subscriber_count",
]
