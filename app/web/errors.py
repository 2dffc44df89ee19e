"""Error handlers: service errors and framework errors as translated JSON for the API (and pages'
own JSON endpoints), as an error page or a log-in redirect for pages; never a bare 500."""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, NotFoundException, ValidationException
from litestar.response import Redirect

from app.db import is_busy, is_disconnect
from app.errors import DatabaseUnavailable, ServiceError
from app.i18n import DEFAULT_LOCALE, _, get_locale, negotiate_locale, set_locale
from app.settings import get_settings

log = logging.getLogger("xinmiao")


_HTTP_MESSAGES = {
    400: "请求格式不正确。",
    401: "请先登录。",
    403: "您无权进行此操作。",
    404: "页面或数据不存在。",
    405: "不支持此请求方法。",
    409: "操作与当前状态冲突。",
    413: "上传的内容超过大小上限，请压缩或拆分后再上传。",
    429: "请求过于频繁，请稍后再试。",
    500: "服务器内部错误，请稍后重试；如果问题持续，请联系组委会。",
}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_page(request: Request, status: int, message: str) -> Response:
    from app.web import render

    return render(request, "error.html", status_code=status, status=status, message=message)  # type: ignore[return-value]


def _wants_json(request: Request) -> bool:
    """The API, and pages' own JSON endpoints called by their scripts (a JSON body, or an
    ``Accept`` that asks for JSON and not HTML), get errors as JSON."""
    if _is_api(request):
        return True
    if request.headers.get("content-type", "").startswith("application/json"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def service_error_handler(request: Request, exc: ServiceError) -> Response:
    """Service errors: JSON ``{"status_code", "detail", "extra", "errors"?}`` for the API and
    for pages' JSON endpoints (see :func:`_wants_json`), a page otherwise."""
    if _wants_json(request):
        body: dict[str, Any] = {"status_code": exc.status_code, "detail": exc.message, "extra": exc.extra}
        if exc.errors:
            body["errors"] = exc.errors
        headers = {"cache-control": "no-store"}
        if getattr(exc, "retry_after", None):
            headers["Retry-After"] = str(exc.retry_after)  # type: ignore[attr-defined]
        return Response(body, status_code=exc.status_code, media_type=MediaType.JSON, headers=headers)
    return _error_page(request, exc.status_code, exc.message)


def _framework_detail(detail: str | None, status: int) -> bool:
    """True for Litestar's own untranslated details ("Not Found", ...), which are replaced by
    a translated message. Our guards' messages are kept: in Chinese they are never ASCII, and
    in English they are recognised by not being the bare HTTP reason phrase."""
    if not detail:
        return True
    if get_locale() == DEFAULT_LOCALE:
        return detail.isascii()
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    return detail in (phrase, "Request Entity Too Large")


def _request_locale(request: Request) -> None:
    """Set the locale again: for unknown paths no route middleware ran to set it."""
    set_locale(negotiate_locale(request.cookies.get("lang"), request.headers.get("accept-language")))


def _field_problem(message: str, field: str) -> str:
    """A decoding problem of one field in words (msgspec's messages are English and technical)."""
    if "missing required field" in message:
        return _("缺少必填字段 {field}。", field=field)
    if "unknown field" in message:
        return _("没有字段 {field}，请对照 API 文档（/schema）。", field=field)
    if message.startswith("Expected") or "Invalid" in message:
        return _("字段 {field} 的值类型或格式不对。", field=field)
    return _("字段 {field} 的值不符合要求。", field=field)


def http_error_handler(request: Request, exc: HTTPException) -> Response:
    """Framework errors with translated details; pages get a log-in redirect on 401."""
    _request_locale(request)
    status = exc.status_code
    detail = exc.detail
    if status == 400 and detail == "Request Entity Too Large":
        status = 413
    if status == 413 or _framework_detail(detail, status):
        detail = _(_HTTP_MESSAGES.get(status, "请求无法处理。"))
        if status == 413:
            # the limit of the route that refused the body: document uploads allow more than workbooks
            settings = get_settings()
            route_limit = getattr(request.scope.get("route_handler"), "request_max_body_size", None)
            if (
                not isinstance(route_limit, int)
                or settings.max_upload_bytes <= route_limit < settings.max_document_bytes
            ):
                detail = _(
                    "上传的文件超过 {limit} MB 上限。请删除多余的工作表、图片和空行，或拆分后再上传。",
                    limit=settings.max_upload_bytes // 1048576,
                )
            elif route_limit < 1048576:
                detail = _("请求内容超过 {limit} KB 上限。", limit=route_limit // 1024)
            else:
                limit = (
                    settings.max_document_bytes
                    if route_limit < settings.max_document_bytes + 2 * 1048576
                    else route_limit
                )
                detail = _("上传的文件超过 {limit} MB 上限。", limit=limit // 1048576)
    errors: list[dict[str, str]] = []
    if isinstance(exc, ValidationException):
        fields = []
        for item in exc.extra if isinstance(exc.extra, list) else []:
            if not isinstance(item, dict):
                continue
            # msgspec names the field in its message: "... field `token`" or "... - at `$.device`"
            message = str(item.get("message", ""))
            found = re.search(r"at `\$\.([^`]+)`|field `([^`]+)`", message)
            key = (found.group(1) or found.group(2)) if found else item.get("key")
            if key and str(key) not in fields:
                fields.append(str(key))
                errors.append({"field": str(key), "message": _field_problem(message, str(key))})
        detail = (
            _("请求数据格式不正确，请检查这些字段：{fields}", fields="、".join(fields))
            if fields
            else _("请求数据格式不正确，请对照 API 文档（/schema）检查请求内容。")
        )
        if errors and _is_api(request):
            # readable, but not what the operation takes (a field missing, of the wrong type, unknown):
            # invalid input, 422 naming each field as every service's refusal does (malformed JSON stays 400)
            status = 422
    if _is_api(request):
        body: dict[str, Any] = {"status_code": status, "detail": detail, "extra": exc.extra}
        if status == 422 and errors:
            body["errors"] = errors
        return Response(body, status_code=status, media_type=MediaType.JSON)
    if isinstance(exc, NotAuthorizedException):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return Redirect(path=f"/login?next={quote(target)}", status_code=303)
    user = request.scope.get("user")
    if status == 403 and user is not None and user.must_change_password:
        return Redirect(path="/password", status_code=303)  # a temporary password: set one first
    return _error_page(request, status, detail)


def _overflow(exc: BaseException | None) -> bool:
    """True when ``exc`` is, or was raised from, an integer too large for a database column:
    SQLite raises ``OverflowError`` beyond 64 bits, asyncpg a ``DataError`` caused by
    ``OverflowError`` beyond the 32 bits of an ``integer`` id."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, OverflowError):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _unavailable(exc: BaseException | None) -> DatabaseUnavailable | BaseException | None:
    """The busy or dropped database behind ``exc`` (itself or what it was raised from), if any:
    :class:`DatabaseUnavailable`, SQLite's "database is locked"/"busy" from a query outside
    :func:`app.db.write_transaction`, or a dropped PostgreSQL connection."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, DatabaseUnavailable) or is_busy(exc) or is_disconnect(exc):
            return exc
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def unavailable_response(request: Request, exc: BaseException) -> Response:
    """503 with a translated "busy, try again" and ``Retry-After`` (seconds): JSON for the API
    and pages' JSON endpoints, an error page otherwise. Never the database's own words."""
    _request_locale(request)
    retry_after = exc.retry_after if isinstance(exc, DatabaseUnavailable) else 5
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    message = _("系统繁忙，请 {seconds} 秒后重试。", seconds=retry_after)
    headers = {"retry-after": str(retry_after), "cache-control": "no-store"}
    if _wants_json(request):
        return Response(
            {"status_code": 503, "detail": message, "extra": {"retry_after": retry_after}},
            status_code=503,
            media_type=MediaType.JSON,
            headers=headers,
        )
    page = _error_page(request, 503, message)
    page.headers.update(headers)
    return page


def internal_error_handler(request: Request, exc: Exception) -> Response:
    if _overflow(exc):  # an id too large for the database cannot exist
        return http_error_handler(request, NotFoundException())
    unavailable = _unavailable(exc)
    if unavailable is not None:
        return unavailable_response(request, unavailable)
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    _request_locale(request)
    message = _(_HTTP_MESSAGES[500])
    if _is_api(request):
        return Response(
            {"status_code": 500, "detail": message, "extra": None}, status_code=500, media_type=MediaType.JSON
        )
    return _error_page(request, 500, message)
