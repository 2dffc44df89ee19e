"""Settings read once from the environment (see CONTRACT.md, "Configuration")."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.files import private_dir

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class Settings:
    """Service configuration.

    ``database_url`` is ``sqlite:///path`` or ``postgresql://user@host:port/db``;
    ``secret_key`` signs sessions, tokens, credentials and certificate numbers and
    derives the encryption key for ID numbers and phones.
    """

    data_dir: Path
    database_url: str
    secret_key: str
    redis_url: str | None = None
    token_lifetime_seconds: int = 12 * 3600
    session_lifetime_seconds: int = 12 * 3600  # a page session ends this long after log-in, used or not
    session_idle_seconds: int = 4 * 3600  # ... or this long after its last use
    max_upload_bytes: int = 5 * 1024 * 1024
    max_document_bytes: int = 20 * 1024 * 1024
    max_workbook_uncompressed_bytes: int = 60 * 1024 * 1024
    # days after an event's results became final until its personal data is due to be purged
    personal_data_retention_days: int = 180
    debug: bool = False
    # read templates from disk again when they change (template work only); otherwise every template
    # is compiled once at start-up and a deploy takes effect at the restart, with the code
    reload_templates: bool = False
    database_pool: bool = True  # PostgreSQL connection pool (tests turn it off: several event loops)
    # seconds a write waits for a busy SQLite database (another writer holds the lock) before the
    # request answers 503 "busy, try again" with Retry-After; well under a proxy's 30-60 s timeout
    database_busy_seconds: float = 10.0
    # addresses (or networks) of reverse proxies in front of the service whose X-Forwarded-For and
    # X-Forwarded-Proto are believed; none by default: the peer address is the client's (log-in
    # delays and look-up limits are per client address, and any client could write those headers)
    trusted_proxies: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"


def _load_or_create_key(data_dir: Path) -> str:
    """Return the secret kept in ``<data dir>/secret.key``, creating it (0600) once."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "secret.key"
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    return key


def _hours(env: dict[str, str], name: str, default: float) -> int:
    """Seconds from an environment variable given in hours (decimals allowed); ``default`` when
    unset. Raises ``SystemExit`` naming the variable for a value that is not a positive number."""
    raw = env.get(name, "").strip()
    if not raw:
        return int(default * 3600)
    try:
        hours = float(raw)
    except ValueError:
        hours = 0
    if not 0 < hours <= 24 * 365:
        raise SystemExit(f"{name} must be a positive number of hours, not {raw!r}")
    return int(hours * 3600)


def _busy_seconds(env: dict[str, str]) -> float:
    """``XINMIAO_DATABASE_BUSY_SECONDS`` (default 10). Raises ``SystemExit`` naming the variable
    for a value that is not a number of seconds between 0.1 and 300."""
    raw = env.get("XINMIAO_DATABASE_BUSY_SECONDS", "").strip()
    if not raw:
        return 10.0
    try:
        seconds = float(raw)
    except ValueError:
        seconds = 0
    if not 0.1 <= seconds <= 300:
        raise SystemExit(f"XINMIAO_DATABASE_BUSY_SECONDS must be a number of seconds (0.1 to 300), not {raw!r}")
    return seconds


OWN_DATABASE = "xinmiao.sqlite3"
DEMO_DATABASE = "demo.sqlite3"


def default_database(data_dir: Path) -> Path:
    """The SQLite file every command uses without ``XINMIAO_DATABASE_URL``: the data directory's
    ``xinmiao.sqlite3``, or its ``demo.sqlite3`` (what ``xinmiao demo`` made) while it holds no
    ``xinmiao.sqlite3`` of its own (a missing or empty file). So ``xinmiao serve``, ``users create``,
    ``db upgrade`` and ``backup`` after ``xinmiao demo`` all act on the demo, and none of them leaves an
    empty ``xinmiao.sqlite3`` behind that the next ``serve`` would show instead of the demo."""
    own, demo = data_dir / OWN_DATABASE, data_dir / DEMO_DATABASE
    if demo.exists() and (not own.exists() or own.stat().st_size == 0):
        return demo
    return own


def key_file(data_dir: Path, database_url: str) -> Path:
    """Where :func:`load_settings` keeps the key file: beside the SQLite file, or in the data
    directory (``xinmiao restore`` looks for it without creating one)."""
    if database_url.startswith("sqlite:///"):
        return Path(database_url[len("sqlite:///") :]).resolve().parent / "secret.key"
    return data_dir / "secret.key"


def _trusted_proxies(env: dict[str, str]) -> tuple[str, ...]:
    """``XINMIAO_TRUSTED_PROXIES``: comma-separated addresses or networks of the reverse proxies in
    front of the service. Trusting every sender (``*``) is refused: any client could then choose the
    address its log-in failures and look-ups are counted under."""
    import ipaddress

    values = tuple(v.strip() for v in env.get("XINMIAO_TRUSTED_PROXIES", "").split(",") if v.strip())
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise SystemExit(
                f"XINMIAO_TRUSTED_PROXIES lists addresses or networks of your reverse proxies "
                f"(e.g. 127.0.0.1 or 10.0.0.0/24), not {value!r}"
            ) from None
    return values


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build :class:`Settings` from ``XINMIAO_*`` environment variables.

    The secret key comes from ``XINMIAO_SECRET_KEY`` or else from a key file beside
    (not inside) the database, generated on first use.
    """
    env = dict(os.environ if env is None else env)
    data_dir = Path(env.get("XINMIAO_DATA_DIR", "./xinmiao-data")).resolve()
    private_dir(data_dir, narrow=False)  # a new data dir is this user's only; an existing one keeps its mode
    database_url = env.get("XINMIAO_DATABASE_URL") or f"sqlite:///{default_database(data_dir)}"
    if database_url.startswith("sqlite:///"):
        key_dir = Path(database_url[len("sqlite:///") :]).resolve().parent
    else:
        key_dir = data_dir
    secret = env.get("XINMIAO_SECRET_KEY") or _load_or_create_key(key_dir)
    retention = env.get("XINMIAO_PERSONAL_DATA_RETENTION_DAYS", "").strip() or "180"
    if not retention.isdigit():
        raise SystemExit(f"XINMIAO_PERSONAL_DATA_RETENTION_DAYS must be a whole number of days, not {retention!r}")
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        secret_key=secret,
        redis_url=env.get("XINMIAO_REDIS_URL") or None,
        personal_data_retention_days=int(retention),
        session_lifetime_seconds=_hours(env, "XINMIAO_SESSION_HOURS", 12),
        session_idle_seconds=_hours(env, "XINMIAO_SESSION_IDLE_HOURS", 4),
        debug=env.get("XINMIAO_DEBUG", "") in {"1", "true", "yes"},
        reload_templates=env.get("XINMIAO_RELOAD_TEMPLATES", "") in {"1", "true", "yes"},
        database_busy_seconds=_busy_seconds(env),
        trusted_proxies=_trusted_proxies(env),
    )


_current: Settings | None = None


def get_settings() -> Settings:
    """The process-wide settings (loaded from the environment on first call)."""
    global _current
    if _current is None:
        _current = load_settings()
    return _current


def set_settings(settings: Settings) -> None:
    """Replace the process-wide settings (the CLI and tests call this)."""
    global _current
    _current = settings
