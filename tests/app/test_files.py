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
