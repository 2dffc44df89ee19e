"""Page sessions: Litestar's server-side sessions without fixation, with an absolute lifetime.

Litestar's :class:`ServerSideSessionBackend` stores a session under whatever id the
``xinmiao_session`` cookie names, so an id chosen by someone else (planted before log-in)
became the victim's logged-in session. :class:`IssuedSessionBackend` instead:

- uses a cookie's id only if the server issued it (a session is stored under it); any other
  value is ignored and the next stored session gets a fresh random id;
- issues a new id when :func:`begin` is called (log-in, password change) and deletes the old
  session, so an id known before log-in is worthless after it;
- ends a session :attr:`~app.settings.Settings.session_lifetime_seconds` after it began (the
  absolute lifetime, 12 hours by default) however often it is used, besides the idle timeout
  (``max_age``, renewed on use).

Writing a session costs a store round trip (a file written through a thread, or a Redis ``SET``),
and Litestar's backend wrote it twice on every page view (renewing its expiry when read, then
storing it again with the answer). Here a session is written only when its data changed, when a
new id is issued, or when it was last written :data:`RENEW_AFTER_SECONDS` (a minute) ago or more:
a session in use still idles out ``max_age`` after its last use, give or take that minute, and a
page view that changes nothing only reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Empty, Message, ScopeSession
from litestar.utils.dataclass import extract_dataclass_items

from app import stores

_ISSUED = "xinmiao.session_id"  # scope key: the id of a session the server issued and still holds
_BEGAN = "xinmiao.session_began"  # scope key: when that session began (epoch seconds)
_RENEW = "xinmiao.session_renew"  # scope key: issue a new id for this response (log-in, password change)
_FRESH = "xinmiao.session_fresh"  # scope key: the new id, once drawn
_STORED = "xinmiao.session_stored"  # scope key: the session's bytes as read from the store
BEGAN_FIELD = "_began"  # where the start time is kept inside the stored session
WRITTEN_FIELD = "_written"  # when the stored session was last written (epoch seconds)
RENEW_AFTER_SECONDS = 60  # an unchanged session is written again (its idle expiry renewed) this long after


def begin(request: Any, data: dict[str, Any]) -> None:
    """Start a new session holding ``data`` for ``request``'s response under a newly issued id
    (the old session, if any, is deleted). Call it at log-in and password change."""
    request.scope[_RENEW] = True
    request.set_session(data)


class IssuedSessionBackend(ServerSideSessionBackend):
    """Server-side sessions that only accept ids the server issued; see the module."""

    config: IssuedSessionConfig

    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        session_id = connection.cookies.get(self.config.key)
        if not session_id or session_id == "null":
            return {}
        store = self.config.get_store_from_app(connection.scope["app"])
        raw = await store.get(session_id)  # its expiry is renewed when it is written (store_in_message)
        if raw is None:
            return {}  # not issued by this server (or expired): ignored, never adopted
        data = self.deserialize_data(raw)
        began = data.pop(BEGAN_FIELD, None)
        if not isinstance(began, (int, float)) or stores.clock() - began >= self.config.absolute_lifetime:
            await self.delete(session_id, store=store)
            return {}
        written = data.pop(WRITTEN_FIELD, None)
        scope: Any = connection.scope
        scope[_ISSUED] = session_id
        scope[_BEGAN] = began
        if isinstance(written, (int, float)):
            scope[_STORED] = (raw, written)
        return data

    def get_session_id(self, connection: ASGIConnection) -> str:
        scope: Any = connection.scope
        issued = scope.get(_ISSUED)
        if issued and not scope.get(_RENEW):
            return str(issued)
        fresh = scope.get(_FRESH)
        if not fresh:
            fresh = scope[_FRESH] = self.generate_session_id()
        return str(fresh)

    async def store_in_message(self, scope_session: ScopeSession, message: Message, connection: ASGIConnection) -> None:
        scope: Any = connection.scope
        store = self.config.get_store_from_app(scope["app"])
        headers = MutableScopeHeaders.from_message(message)
        issued = scope.get(_ISSUED)
        if scope_session is Empty or not isinstance(scope_session, dict):
            if issued:
                await self.delete(issued, store=store)
            if connection.cookies.get(self.config.key, "null") != "null":  # nothing to clear otherwise
                cookie_params = self._cookie_params()
                cookie_params["max_age"] = 0  # Max-Age wins over Expires: without it the cookie stayed
                headers.add(
                    "Set-Cookie",
                    Cookie(value="null", key=self.config.key, expires=0, **cookie_params).to_header(header=""),
                )
            return
        renew = bool(scope.get(_RENEW)) or not issued
        session_id = self.get_session_id(connection)
        if renew and issued:
            await self.delete(issued, store=store)
        now = stores.clock()
        began = now if renew else scope.get(_BEGAN)
        stored = scope.get(_STORED)
        unchanged = (
            not renew
            and stored is not None
            and (0 <= now - stored[1] < RENEW_AFTER_SECONDS or not self.config.renew_on_access)
            and self.serialize_data({**scope_session, BEGAN_FIELD: began, WRITTEN_FIELD: stored[1]}, scope) == stored[0]
        )
        if not unchanged:
            data = self.serialize_data({**scope_session, BEGAN_FIELD: began, WRITTEN_FIELD: now}, scope)
            await self.set(session_id=session_id, data=data, store=store)
        headers.add(
            "Set-Cookie", Cookie(value=session_id, key=self.config.key, **self._cookie_params()).to_header(header="")
        )

    def _cookie_params(self) -> dict[str, Any]:
        return dict(extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys()))


@dataclass
class IssuedSessionConfig(ServerSideSessionConfig):
    """:class:`ServerSideSessionConfig` with :attr:`absolute_lifetime` (seconds from log-in)."""

    _backend_class = IssuedSessionBackend  # type: ignore[assignment]

    absolute_lifetime: int = field(default=12 * 3600)
