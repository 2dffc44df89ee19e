"""Security headers on every answer (pages, API, static files, errors, unknown paths).

:func:`add_security_headers` is the application's ``before_send`` hook: it runs for every
response start, the router's own 404/405 included, and adds (unless the handler set them):

- ``Content-Security-Policy``: scripts only from this origin (no inline scripts or event
  handlers; pages' scripts live in ``app/static``), plus the exact inline scripts registered
  with :func:`allow_inline_script` by their SHA-256 (the scan page inlines ``outbox.js`` so
  its offline copy carries it); ``frame-ancestors 'none'``; no plugins; forms post only here.
  Inline *styles* stay allowed (``style=`` attributes). The API explorer at ``/schema`` runs under
  this same policy: its viewers are vendored under ``/static`` (:mod:`app.web.explorer`).
- ``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff``, ``Referrer-Policy:
  same-origin``, ``Cross-Origin-Opener-Policy: same-origin``, and a ``Permissions-Policy``
  that gives the camera to this origin only (the scan page) and nothing else.
- Over HTTPS (``scope["scheme"] == "https"``: ``xinmiao serve --certfile/--keyfile``, or a
  proxy that says so): ``Strict-Transport-Security`` (one year), and ``Secure`` on every
  cookie the answer sets (the session, CSRF and language cookies). Over plain HTTP neither:
  a venue laptop without a certificate keeps working.
"""

from __future__ import annotations

import base64
import functools
import hashlib

from litestar.types import Message, Scope

_inline_hashes: set[str] = set()

_BASE_POLICY = (
    "default-src 'self'; script-src 'self'{extra}; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; media-src 'self' blob:; worker-src 'self'; "
    "manifest-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
_FIXED = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(self), microphone=(), geolocation=(), payment=(), usb=()"),
)
HSTS = b"max-age=31536000"


def allow_inline_script(source: str) -> str:
    """Let the exact inline script ``source`` (the text between ``<script>`` and ``</script>``)
    run under the policy, by its SHA-256; returns ``source`` unchanged."""
    digest = base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode()
    _inline_hashes.add(f"'sha256-{digest}'")
    return source


def content_security_policy(path: str = "/") -> str:
    """The ``Content-Security-Policy`` value for an answer at ``path`` (the same for every path,
    the API explorer's included)."""
    return _base_policy(frozenset(_inline_hashes))


@functools.lru_cache(maxsize=8)
def _base_policy(hashes: frozenset[str]) -> str:
    return _BASE_POLICY.format(extra="".join(f" {h}" for h in sorted(hashes)))


async def add_security_headers(message: Message, scope: Scope) -> None:
    """``before_send`` hook: add the headers above to an ``http.response.start`` message."""
    if message["type"] != "http.response.start":
        return
    headers = list(message.get("headers") or ())
    present = {bytes(name).lower() for name, _value in headers}
    https = scope.get("scheme") == "https"
    if https:
        for index, (name, value) in enumerate(headers):
            if bytes(name).lower() == b"set-cookie" and b"secure" not in bytes(value).lower().replace(b" ", b"").split(
                b";"
            ):
                headers[index] = (name, bytes(value) + b"; Secure")
        if b"strict-transport-security" not in present:
            headers.append((b"strict-transport-security", HSTS))
    if b"content-security-policy" not in present:
        headers.append((b"content-security-policy", content_security_policy(scope.get("path", "/")).encode()))
    headers.extend((name, value) for name, value in _FIXED if name not in present)
    message["headers"] = headers
