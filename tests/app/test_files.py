"""Private files (issue 11): what we write under the data directory (certificate batches, badge
and export files, uploads) and backups are 0600 in 0700 folders whatever the process's umask."""

from __future__ import annotations

import os
import stat

import pytest

from app.files import create_private, open_private, private_dir, write_private


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask():
    """The usual umask (files 0644, folders 0755), whatever the test runner had."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_private_files_and_folders_whatever_the_umask(tmp_path, open_umask):
    folder = private_dir(tmp_path / "data" / "exports" / "deep")
    assert [mode(p) for p in (tmp_path / "data", tmp_path / "data" / "exports", folder)] == [0o700] * 3
    write_private(folder / "a.xlsx", b"x")
    create_private(folder / "b.zip")
    with open_private(folder / "c.pdf") as fh:
        fh.write(b"pdf")
    assert [mode(folder / n) for n in ("a.xlsx", "b.zip", "c.pdf")] == [0o600] * 3
    (folder / "old.pdf").write_bytes(b"made before the rule")
    assert mode(folder / "old.pdf") == 0o644
    write_private(folder / "old.pdf", b"again")  # an existing file is narrowed as it is rewritten
    assert mode(folder / "old.pdf") == 0o600 and (folder / "old.pdf").read_bytes() == b"again"
    chosen = tmp_path / "backups"
    chosen.mkdir(mode=0o755)
    os.chmod(chosen, 0o755)
    private_dir(chosen, narrow=False)  # an operator's folder keeps its mode
    assert mode(chosen) == 0o755
    private_dir(tmp_path / "data" / "exports")  # ours, made before the rule: narrowed
    assert mode(tmp_path / "data" / "exports") == 0o700


def test_a_new_sqlite_database_its_journal_marker_and_session_folder_are_private(tmp_path, monkeypatch):
    """Issue 11 re-test under umask 0: the SQLite file (every name, school and encrypted ID), its
    -wal/-shm files and the running marker were 0644, the file session folder 0777."""
    import dataclasses
    import sqlite3

    from app.backup import hold_running_mark, release_running_mark, running_mark
    from app.db import private_database_file
    from app.settings import Settings, get_settings, set_settings
    from app.stores import session_store

    old = os.umask(0)
    try:
        database = tmp_path / "data" / "xinmiao.sqlite3"
        private_database_file(database)
        with sqlite3.connect(database) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("CREATE TABLE t (x)")
            conn.execute("INSERT INTO t VALUES (1)")
            files = [database, database.with_name("xinmiao.sqlite3-wal"), database.with_name("xinmiao.sqlite3-shm")]
            assert [mode(p) for p in files] == [0o600] * 3
        hold_running_mark(database)
        release_running_mark(database)
        assert mode(running_mark(database)) == 0o600
        before: Settings = get_settings()
        set_settings(dataclasses.replace(before, data_dir=tmp_path / "data", redis_url=None))
        try:
            store = session_store(str(tmp_path / "data"))
            import asyncio

            asyncio.run(store.set("abc", b"session"))
        finally:
            set_settings(before)
        assert mode(tmp_path / "data" / "sessions") == 0o700
        assert [mode(p) for p in (tmp_path / "data" / "sessions").iterdir()] == [0o600]
    finally:
        os.umask(old)
