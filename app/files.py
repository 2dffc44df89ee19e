"""Private files: what we write under the data directory (and backups) is readable by the
service's own user only.

Certificate batches, badge and export files, uploaded documents and backups carry personal
data (names, schools, ID documents, the whole database). The process's umask usually makes new
files 0644 and folders 0755, readable by every account on the machine; these helpers create
them 0600 / 0700 whatever the umask (the modes are set when the file is created, so there is no
moment when another account could open it).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path, narrow: bool = True) -> Path:
    """Make the folder ``path`` and its missing parents readable by this user only; returns it.
    With ``narrow`` (our own folders under the data directory) a folder that exists already,
    made before this rule, is narrowed to :data:`DIR_MODE` too; a folder the operator chose (a
    backup's) is left as it is."""
    missing = []
    folder = path
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:  # made meanwhile by another process
            pass
        os.chmod(folder, DIR_MODE)  # mkdir's mode is cut by the umask
    if narrow:
        os.chmod(path, DIR_MODE)
    return path


def create_private(path: Path) -> None:
    """Create ``path`` as an empty file of mode :data:`FILE_MODE` (or narrow an existing one),
    for a library that then writes it by name (zipfile, openpyxl, fpdf2, sqlite3, pg_dump)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)


def open_private(path: Path) -> BinaryIO:
    """``open(path, "wb")`` with the file created (or truncated) at mode :data:`FILE_MODE`."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    os.fchmod(fd, FILE_MODE)
    return os.fdopen(fd, "wb")


def write_private(path: Path, data: bytes, sync: bool = False) -> int:
    """Write ``data`` to ``path`` as a file of mode :data:`FILE_MODE` (``sync``: flushed to
    disk before returning); returns the number of bytes."""
    with open_private(path) as fh:
        fh.write(data)
        if sync:
            fh.flush()
            os.fsync(fh.fileno())
    return len(data)
