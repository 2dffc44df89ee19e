"""Piccolo engines from a database URL (read by ``piccolo_conf`` and :mod:`app.db`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

SQLITE_TIMEOUT_SECONDS = 30


def engine_from_url(url: str) -> Engine:
    """Build a Piccolo engine for ``sqlite:///path`` or ``postgresql://user@host:port/db``.

    Raises ``ValueError`` for any other scheme.
    """
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///") :])
        path.parent.mkdir(parents=True, exist_ok=True)
        return SQLiteEngine(
            path=str(path),
            timeout=SQLITE_TIMEOUT_SECONDS,
            isolation_level=None,
        )
    parsed = urlparse(url)
    if parsed.scheme in {"postgres", "postgresql"}:
        config: dict[str, Any] = {
            "host": parsed.hostname or "127.0.0.1",
            "port": parsed.port or 5432,
            "user": unquote(parsed.username) if parsed.username else "postgres",
            "database": parsed.path.lstrip("/") or "postgres",
        }
        if parsed.password:
            config["password"] = unquote(parsed.password)
        return PostgresEngine(config=config, log_queries=False)
    raise ValueError(f"unsupported database URL: {url!r}")
