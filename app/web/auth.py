"""Authentication for pages (server-side session) and API (bearer token), and guards.

A single ASGI middleware puts the caller in ``scope["user"]``: a :class:`Principal` or
``None``. API paths (``/api/``) accept only ``Authorization: Bearer`` tokens, which are
signed and expiring and checked without a database query; pages accept only the session
cookie, so CSRF protection (Litestar's CSRF middleware) covers every page form. Both carry the
account's token version, checked against :mod:`app.revocation`'s cache: a password change or
reset, or deactivation, ends every token and session of that account at once.
"""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Empty, Receive, Scope, Send

from app import revocation
from app.i18n import _, negotiate_locale, set_locale
from app.principal import Principal
from app.security import read_access_token

SESSION_KEY = "principal"
# how roles read in messages (translated when shown)
ROLE_NAMES = {
    "organizer": "组委会",
    "city": "市县科协",
    "school": "学校管理员",
    "judge": "评委",
    "referee": "裁判",
    "staff": "签到员",
    "mentor": "导师",
    "expert": "专家",
}
# pages a user who must change their password may still open
PASSWORD_CHANGE_PATHS = ("/password", "/logout", "/static", "/lang", "/api/v1/auth")


class LocaleAndUserMiddleware(ASGIMiddleware):
    """Sets the request's locale (``lang`` cookie, then Accept-Language) and ``scope["user"]``."""

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        cookie_header = accept_language = authorization = ""
        for key, value in scope.get("headers", ()):  # only the three headers this needs
            if key == b"cookie":
                cookie_header = value.decode("latin-1")
            elif key == b"accept-language":
                accept_language = value.decode("latin-1")
            elif key == b"authorization":
                authorization = value.decode("latin-1")
        lang = None
        if "lang=" in cookie_header:
            for part in cookie_header.split(";"):
                name, _sep, value = part.strip().partition("=")
                if name == "lang":
                    lang = value
        set_locale(negotiate_locale(lang, accept_language))
        user = None
        if scope["path"].startswith("/api/"):
            if authorization[:7].lower() == "bearer ":
                claims = read_access_token(authorization[7:].strip())
                if claims:
                    principal = Principal.from_claims(claims)
                    if await revocation.valid(principal.id, principal.token_version):
                        user = principal
        else:
            session = scope.get("session")
            data = session.get(SESSION_KEY) if isinstance(session, dict) else None
            if data:
                principal = Principal.from_claims(data)
                if await revocation.valid(principal.id, principal.token_version):
                    user = principal
                else:  # revoked (password changed or reset, account deactivated): the session ends
                    session = {}
            if isinstance(session, dict) and not session:
                scope["session"] = Empty  # an anonymous visit stores no session on the server
        scope["user"] = user
        await next_app(scope, receive, send)


def current_user(connection: ASGIConnection) -> Principal | None:
    return connection.scope.get("user")


def check_access(connection: ASGIConnection, roles: tuple[str, ...] = ()) -> Principal:
    """The caller, if logged in and (when ``roles`` are given) holding one of them.

    Raises ``NotAuthorizedException`` (401) when nobody is logged in and
    ``PermissionDeniedException`` (403) for another role or a user who must first change
    their password. Guards use it; the check-in scan calls it directly because Litestar
    copies the route handler for every guard call, which the hottest path can do without."""
    user = current_user(connection)
    if user is None:
        raise NotAuthorizedException(_("请先登录。"))
    if user.must_change_password and not connection.scope["path"].startswith(PASSWORD_CHANGE_PATHS):
        raise PermissionDeniedException(_("请先修改初始密码后再继续。"))
    if roles and user.role not in roles:
        raise PermissionDeniedException(
            _("您的账号（{role}）无权进行此操作。", role=_(ROLE_NAMES.get(user.role, user.role)))
        )
    return user


def requires(*roles: str):
    """Guard factory: the caller must be logged in and, if ``roles`` are given, hold one
    of them. A user who must change their password is refused everything else."""

    async def guard(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
        # async on purpose: Litestar runs a sync guard in a worker thread on every request
        check_access(connection, roles)

    return guard


logged_in = requires()
organizer_only = requires("organizer")
