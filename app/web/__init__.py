"""Web helpers shared by page controllers: rendering with the common context,
form parsing, redirects with flash messages."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import MediaType, Request
from litestar.response import Redirect, Template

from app.i18n import _, get_locale
from app.principal import Principal


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Template:
    """Render ``template`` with ``user``, ``lang``, ``flash`` messages and ``request``."""
    flashes = []
    session = request.scope.get("session")
    if isinstance(session, dict) and session.get("flash"):
        flashes = session.pop("flash")
        request.set_session(session)
    return Template(
        template_name=template,
        context={"user": request.scope.get("user"), "lang": get_locale(), "flashes": flashes, "request": request, **context},
        status_code=status_code,
        media_type=MediaType.HTML,  # handlers annotated ``-> Any`` would otherwise answer application/json
    )


def flash(request: Request, message: str, category: str = "success") -> None:
    """Queue a message shown on the next rendered page."""
    session = dict(request.scope.get("session") or {})
    session.setdefault("flash", []).append({"category": category, "message": message})
    request.set_session(session)


def redirect(path: str) -> Redirect:
    return Redirect(path=path, status_code=303)


def user_of(request: Request) -> Principal:
    user = request.scope.get("user")
    assert user is not None, "route must be guarded"
    return user


def form_value(form: Any, key: str, default: str = "") -> str:
    """A text form field, stripped; empty fields arrive as ``""`` and stay ``""``."""
    value = form.get(key, default)
    if value is None or not isinstance(value, str):
        return default
    return value.strip()


def form_bool(form: Any, key: str) -> bool:
    """A checkbox: present with any of on/1/true/yes means checked."""
    return form_value(form, key).lower() in {"on", "1", "true", "yes", "是"}


def form_int(form: Any, key: str) -> int | None:
    text = form_value(form, key)
    try:
        return int(text) if text else None
    except ValueError:
        return None


def error_message(exc: Exception) -> str:
    return getattr(exc, "message", None) or str(exc) or _("操作失败，请重试。")


def content_disposition(filename: str, *, fallback: str | None = None, inline: bool = False) -> str:
    """``Content-Disposition`` value: ``fallback`` (or ``filename`` with non-ASCII and
    header-breaking characters replaced by ``_``) as the plain ``filename``, and the exact
    name as RFC 5987 ``filename*=UTF-8''...`` for browsers that read it."""
    plain = fallback or filename
    plain = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\%;' else "_" for ch in plain)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"
