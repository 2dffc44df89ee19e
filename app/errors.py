"""Errors raised by services; the web layer turns them into JSON or a page.

Every ``message`` is already translated (services call :func:`app.i18n._`) and says what
is wrong and how to fix it.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """Base class. ``status_code`` is the HTTP status the API answers with; ``errors``
    is an optional list of ``{"row", "column", "message"}`` (imports) or
    ``{"field", "message"}`` (forms)."""

    status_code = 400

    def __init__(self, message: str, *, errors: list[dict[str, Any]] | None = None, extra: Any = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []
        self.extra = extra


class ValidationFailed(ServiceError):
    status_code = 422


class NotAuthenticated(ServiceError):
    """Wrong user name or password (401)."""

    status_code = 401


class NotFound(ServiceError):
    status_code = 404


class Forbidden(ServiceError):
    status_code = 403


class Conflict(ServiceError):
    status_code = 409


class TooLarge(ServiceError):
    status_code = 413


class TooManyRequests(ServiceError):
    """Too many requests (429); ``retry_after`` is the seconds to wait, sent as ``Retry-After``."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class DatabaseUnavailable(Exception):
    """The database cannot take the request now: SQLite stayed busy (another writer held the
    lock) past ``Settings.database_busy_seconds``, or a PostgreSQL connection dropped where a
    retry was not safe. Not a :class:`ServiceError`, so pages do not turn it into a flash:
    every request answers 503 with a translated "busy, try again" and ``Retry-After``
    (:func:`app.web.errors.internal_error_handler`). ``retry_after`` is in seconds."""

    def __init__(self, reason: str, retry_after: int = 5):
        super().__init__(reason)
        self.retry_after = retry_after
