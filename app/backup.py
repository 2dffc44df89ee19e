"""Backups of the SQLite database and putting one back (``xinmiao backup`` / ``xinmiao restore``).

A backup is SQLite's online backup of the live file: consistent while the service runs. A restore
puts a backup in place of the database of a *stopped* service:

1. the backup must be an SQLite file holding Xinmiao's tables, pass SQLite's check, have been
   written by this version or an older one (its migrations are all known here), and its ID
   numbers must decrypt with the key configured here (the key file is not in the backup);
2. no service may be running on the database: every running service holds a shared lock on a
   small marker file beside the database (``<database>.running``, taken at start-up by
   :func:`hold_running_mark`), which the restore must be able to lock exclusively; it holds that
   lock while it works, so a service started meanwhile waits and then fails to start;
3. the current database (with its ``-wal``/``-shm``) is moved aside to
   ``<database>.before-restore-<UTC time>``, never deleted; the backup is copied beside the
   target, checked, switched to WAL mode and renamed into place.

PostgreSQL deployments use ``pg_dump --format=custom`` / ``pg_restore`` (README).
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from app import times
from app.files import create_private
from app.settings import PROJECT_ROOT

SQLITE_HEADER = b"SQLite format 3\x00"
REQUIRED_TABLES = {"migration", "app_user", "school", "event", "entry", "member"}
MIGRATION_PACKAGES = ("app", "competitions", "judging")


class RestoreRefused(Exception):
    """The restore was not done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupInfo:
    """What a valid backup holds (counts of rows)."""

    path: Path
    migrations: int
    events: int
    entries: int
    members: int
    checkins: int


def _known_migrations() -> set[str]:
    found = set()
    for package in MIGRATION_PACKAGES:
        for path in (PROJECT_ROOT / package / "piccolo_migrations").glob("*.py"):
            match = re.search(r'^ID\s*=\s*"([^"]+)"', path.read_text(encoding="utf-8"), re.MULTILINE)
            if match:
                found.add(match.group(1))
    return found


def _count(conn: sqlite3.Connection, table: str) -> int:
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
    return conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] if exists else 0


def check_backup(path: Path, secret_key: str) -> BackupInfo:
    """Check that ``path`` is a Xinmiao SQLite backup this version can serve with ``secret_key``.

    Returns its :class:`BackupInfo`; raises :class:`RestoreRefused` saying what is wrong.
    """
    from app.security import _fernet

    if not path.is_file():
        raise RestoreRefused(f"{path} does not exist or is not a file")
    with path.open("rb") as fh:
        if fh.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise RestoreRefused(f"{path} is not an SQLite database (a PostgreSQL dump goes back with pg_restore)")
    try:
        # immutable: read the file as it is, without locks and without creating -wal/-shm beside it
        conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as exc:
        raise RestoreRefused(f"{path} cannot be opened: {exc}") from exc
    try:
        try:
            check = conn.execute("PRAGMA quick_check").fetchall()
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as exc:
            raise RestoreRefused(f"{path} is damaged: {exc}") from exc
        if check != [("ok",)]:
            raise RestoreRefused(f"{path} is damaged: {'; '.join(str(r[0]) for r in check[:5])}")
        missing = REQUIRED_TABLES - tables
        if missing:
            raise RestoreRefused(f"{path} is not a Xinmiao database (no tables {', '.join(sorted(missing))})")
        applied = {r[0] for r in conn.execute("SELECT name FROM migration")}
        unknown = applied - _known_migrations()
        if unknown:
            raise RestoreRefused(
                f"{path} was written by a newer Xinmiao (migrations {', '.join(sorted(unknown))} are unknown here);"
                " install that version first"
            )
        sample = conn.execute("SELECT id_number_enc FROM member WHERE id_number_enc IS NOT NULL LIMIT 1").fetchone()
        if sample is not None:
            try:
                _fernet(secret_key).decrypt(sample[0].encode("ascii"))
            except Exception as exc:  # noqa: BLE001 - cryptography's InvalidToken, or garbage
                raise RestoreRefused(
                    "the ID numbers in this backup cannot be decrypted with the key configured here: put the backed-up"
                    " service's secret.key beside the database (or set XINMIAO_SECRET_KEY to its key) and try again"
                ) from exc
        return BackupInfo(
            path=path,
            migrations=len(applied),
            events=_count(conn, "event"),
            entries=_count(conn, "entry"),
            members=_count(conn, "member"),
            checkins=_count(conn, "checkin"),
        )
    finally:
        conn.close()


# --------------------------------------------------------------------------- is a service running?

_marks: dict[str, list[sqlite3.Connection]] = {}


def running_mark(database: Path) -> Path:
    return database.with_name(database.name + ".running")


def _open_mark(database: Path, timeout: float) -> sqlite3.Connection:
    mark = running_mark(database)
    if not mark.exists():
        create_private(mark)
    conn = sqlite3.connect(mark, isolation_level=None, check_same_thread=False, timeout=timeout)
    # a rollback journal (not WAL): readers hold real shared file locks that an exclusive lock must wait for
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("CREATE TABLE IF NOT EXISTS running (note TEXT)")
    return conn


def hold_running_mark(database: Path) -> None:
    """Called when a service starts on the SQLite file ``database``: hold a shared lock on its
    marker file for as long as the service runs (the operating system drops it if the process
    dies). Waits up to 30 s while a restore is in progress, then raises ``sqlite3.OperationalError``."""
    conn = _open_mark(database, timeout=30)
    conn.execute("BEGIN")
    conn.execute("SELECT count(*) FROM running").fetchone()  # the read transaction keeps the shared lock
    _marks.setdefault(str(database), []).append(conn)


def release_running_mark(database: Path) -> None:
    """Called when the service stops."""
    held = _marks.get(str(database))
    if held:
        held.pop().close()


def _exclusive_mark(database: Path) -> sqlite3.Connection:
    conn = None
    try:
        conn = _open_mark(database, timeout=0)
        conn.execute("BEGIN EXCLUSIVE")
    except sqlite3.OperationalError as exc:
        if conn is not None:
            conn.close()
        raise RestoreRefused(
            f"a Xinmiao service is running on {database}: stop it (every worker) first, then restore"
        ) from exc
    return conn


def _checkpoint_alone(database: Path) -> None:
    """Fold the WAL back into ``database``; refuse when another process holds it open."""
    conn = sqlite3.connect(database, isolation_level=None, timeout=0)
    try:
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.OperationalError as exc:
            busy, _error = 1, exc
        if busy:
            raise RestoreRefused(f"another process is using {database}: stop it first, then restore")
    finally:
        conn.close()


def restore(source: Path, database: Path, secret_key: str) -> tuple[BackupInfo, Path | None]:
    """Put the backup ``source`` in place of the SQLite file ``database`` of a stopped service.

    Returns the backup's :class:`BackupInfo` and where the replaced database was kept (None when
    there was none). Raises :class:`RestoreRefused` for an invalid backup, a backup the key does
    not fit, or a running service; nothing is changed then.
    """
    info = check_backup(source, secret_key)
    if source.resolve() == database.resolve():
        raise RestoreRefused(f"{source} is the service's own database")
    database.parent.mkdir(parents=True, exist_ok=True)
    mark = _exclusive_mark(database)
    try:
        aside = None
        if database.exists():
            _checkpoint_alone(database)
            stamp = times.now().strftime("%Y%m%dT%H%M%SZ")
            aside = database.with_name(f"{database.name}.before-restore-{stamp}")
            for suffix in ("", "-wal", "-shm"):
                part = Path(f"{database}{suffix}")
                if part.exists():
                    os.replace(part, f"{aside}{suffix}")
        staging = database.with_name(database.name + ".restoring")
        staging.unlink(missing_ok=True)
        create_private(staging)  # the restored database: this user only
        src = sqlite3.connect(f"file:{source}?mode=ro&immutable=1", uri=True)
        dest = sqlite3.connect(staging, isolation_level=None)
        try:
            src.backup(dest)
            dest.execute("PRAGMA journal_mode=WAL")
            if dest.execute("PRAGMA quick_check").fetchall() != [("ok",)]:  # pragma: no cover - disk trouble
                raise RestoreRefused(f"the copy at {staging} failed SQLite's check; the database was not replaced")
        finally:
            dest.close()
            src.close()
        with staging.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(staging, database)
        return info, aside
    finally:
        mark.close()
