"""Web helpers shared by page controllers: rendering with the common context,
form parsing, redirects with flash messages."""

from __future__ import annotations

import functools
import hashlib
import ipaddress
from collections.abc import Awaitable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.background_tasks import BackgroundTask
from litestar.response import File, Redirect, Template

from app.errors import ServiceError, ValidationFailed
from app.i18n import _, get_locale
from app.principal import Principal
from app.settings import STATIC_DIR


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Template:
    """Render ``template`` with ``user``, ``lang``, ``flash`` messages and ``request``."""
    flashes = []
    session = request.scope.get("session")
    if isinstance(session, dict) and session.get("flash"):
        flashes = session.pop("flash")
        request.set_session(session)
    return Template(
        template_name=template,
        context={
            "user": request.scope.get("user"),
            "lang": get_locale(),
            "flashes": flashes,
            "request": request,
            **context,
        },
        status_code=status_code,
        media_type=MediaType.HTML,  # handlers annotated ``-> Any`` would otherwise answer application/json
    )


def render_bytes(request: Request, template: str, **context: Any) -> bytes:
    """``template`` rendered as :func:`render` would send it, as UTF-8 bytes (pages kept by
    :mod:`app.pubcache`: rendered once, sent many times)."""
    page = render(request, template, **context)
    engine = request.app.template_engine
    assert engine is not None, "templates are configured by create_app()"
    return engine.get_template(template).render(**page.create_template_context(request)).encode("utf-8")


def flash(request: Request, message: str, category: str = "success", link: tuple[str, str] | None = None) -> None:
    """Queue a message shown on the next rendered page; ``link`` (href, text) follows the message."""
    current = request.scope.get("session")
    # an anonymous visit has no session (``Empty``, see app.web.auth); the message starts one
    session = dict(current) if isinstance(current, dict) else {}
    item = {"category": category, "message": message}
    if link is not None:
        item["href"], item["link_text"] = link
    session.setdefault("flash", []).append(item)
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


def field_errors(exc: Any) -> dict[str, list[str]]:
    """``{field: [message, ...]}`` from a :class:`~app.errors.ServiceError`'s ``errors`` (those
    naming a ``field``), for messages shown beside their form fields."""
    result: dict[str, list[str]] = {}
    for error in getattr(exc, "errors", None) or []:
        if error.get("field"):
            result.setdefault(error["field"], []).append(error.get("message", ""))
    return result


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


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def size_text(size: Any) -> str:
    try:
        n = int(size)
    except (TypeError, ValueError):
        return ""
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / 1048576:.1f} MB"


def download(data: bytes | Path, media_type: str, headers: dict[str, str]) -> Response:
    """A file to download: bytes as they are, or a file made in another process
    (:mod:`app.jobs`) streamed from disk and deleted once sent."""
    if isinstance(data, Path):
        return File(
            path=data, media_type=media_type, headers=headers, background=BackgroundTask(data.unlink, missing_ok=True)
        )
    return Response(data, media_type=media_type, headers=headers)


def xlsx_response(content: bytes | Path, ascii_name: str, display_name: str) -> Response:
    return download(content, XLSX, {"Content-Disposition": content_disposition(display_name, fallback=ascii_name)})


async def upload_bytes(request: Request, field: str = "file") -> bytes:
    form = await request.form()
    upload = form.get(field)
    if upload is None or isinstance(upload, str):
        raise ValidationFailed(_("请选择要上传的文件（表单字段 {field}）。", field=field))
    return await upload.read()


def client_address(request: Request) -> str:
    """The peer address of ``request`` (``"-"`` when unknown): the key of per-address rate limits
    (log-in delays, password changes, certificate look-ups). An IPv6 client is keyed by its /64
    network: one home or phone gets a whole /64 and can send each request from another address of it
    (per-address limits would not hold); an IPv4 address written as IPv6 (``::ffff:a.b.c.d``) is the
    IPv4 address."""
    return address_key(request.client.host if request.client else "-")


def address_key(host: str) -> str:
    """``host`` as the key of per-address limits (see :func:`client_address`)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


async def attempt(request: Request, action: Awaitable[Any], success: str) -> bool:
    """Run a page's business action: on success flash ``success``, on a :class:`ServiceError` flash
    its message as an error (the page then redirects either way). Returns whether it succeeded."""
    try:
        await action
    except ServiceError as exc:
        flash(request, exc.message, "error")
        return False
    flash(request, success)
    return True


def worker_script(filename: str) -> Response:
    """A service worker script from ``app/static`` (served under the path it controls, so its
    scope can be that path), with ``__ASSETS_VERSION__`` replaced by a digest of the static
    files: a new deployment installs a new worker, which replaces the cached assets."""
    return Response(
        (STATIC_DIR / filename).read_text(encoding="utf-8").replace("__ASSETS_VERSION__", assets_version()),
        media_type="application/javascript",
        headers={"Cache-Control": "no-cache"},
    )


@functools.cache
def assets_version() -> str:
    """16 hex digits of SHA-256 over every file under ``app/static`` (names and contents),
    worked out once per process (the files do not change while it runs)."""
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(STATIC_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]
