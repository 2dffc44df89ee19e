"""The README's demo instructions as written: after ``xinmiao demo`` (its data in the data
directory's ``demo.sqlite3``) the other commands run in the same directory act on the demo, and
``xinmiao serve`` then serves it: its log-ins work. Real processes, as a user runs them."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from app.settings import default_database

XINMIAO = [sys.executable, "-m", "app.cli"]


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XINMIAO_")}
    return {**env, "XINMIAO_DATA_DIR": str(data_dir), **extra}


def _run(args: list[str], env: dict[str, str], stdin: str = "") -> str:
    done = subprocess.run(XINMIAO + args, env=env, input=stdin, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _users(database: Path) -> list[str]:
    with sqlite3.connect(database) as conn:
        return [r[0] for r in conn.execute("SELECT username FROM app_user ORDER BY username")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_default_database_is_the_demo_while_there_is_no_database_of_its_own(tmp_path):
    assert default_database(tmp_path) == tmp_path / "xinmiao.sqlite3"  # a fresh directory: its own
    (tmp_path / "demo.sqlite3").write_bytes(b"x")
    assert default_database(tmp_path) == tmp_path / "demo.sqlite3"
    (tmp_path / "xinmiao.sqlite3").write_bytes(b"")  # an empty file is no database of its own
    assert default_database(tmp_path) == tmp_path / "demo.sqlite3"
    (tmp_path / "xinmiao.sqlite3").write_bytes(b"x")
    assert default_database(tmp_path) == tmp_path / "xinmiao.sqlite3"


@pytest.mark.skipif(
    bool(os.environ.get("XINMIAO_TEST_DATABASE_URL")), reason="the demo is an SQLite file whatever the tests use"
)
def test_commands_after_the_demo_act_on_it_and_serve_serves_it(tmp_path):
    demo = tmp_path / "demo.sqlite3"
    # what `xinmiao demo` leaves: the demo database with its log-ins (here one, made the same way)
    _run(
        ["users", "create", "org", "--role", "organizer", "--password-stdin"],
        _env(tmp_path, XINMIAO_DATABASE_URL=f"sqlite:///{demo}"),
        "xinmiao2026\n",
    )
    env = _env(tmp_path)  # then, as the README says, nothing configured
    _run(["db", "upgrade"], env)
    _run(["users", "create", "staff9", "--role", "staff", "--password-stdin"], env, "xinmiao2026\n")
    _run(["backup", str(tmp_path / "copy.sqlite3")], env)
    assert not (tmp_path / "xinmiao.sqlite3").exists()  # nothing made an empty database beside the demo
    assert _users(demo) == ["org", "staff9"] and _users(tmp_path / "copy.sqlite3") == ["org", "staff9"]

    port = _free_port()
    server = subprocess.Popen(
        XINMIAO + ["serve", "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 90
        answer = None
        while time.monotonic() < deadline:
            try:
                answer = httpx.post(
                    f"http://127.0.0.1:{port}/api/v1/auth/login",
                    json={"username": "org", "password": "xinmiao2026"},
                    timeout=5,
                )
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                time.sleep(0.5)
        assert answer is not None and answer.status_code == 200, answer and answer.text
        assert answer.json()["role"] == "organizer"  # the demo's log-in works on the served database
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert f"Serving the demo database {demo}" in output
    assert not (tmp_path / "xinmiao.sqlite3").exists()


def test_serve_names_the_demo_beside_an_empty_database_of_its_own(tmp_path, monkeypatch, capsys, settings):
    """An xinmiao.sqlite3 without accounts beside the demo (left by an older serve) is served, and
    serve says how to serve the demo instead."""
    from app import cli

    for name in ("demo.sqlite3", "xinmiao.sqlite3"):
        with sqlite3.connect(tmp_path / name) as conn:
            conn.execute("CREATE TABLE app_user (id INTEGER PRIMARY KEY, username TEXT)")
    monkeypatch.setenv("XINMIAO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("XINMIAO_DATABASE_URL", raising=False)
    assert cli._demo_database() is None and cli._stray_beside_demo() == tmp_path / "xinmiao.sqlite3"
    monkeypatch.setattr(cli, "_serve", lambda *args, **kwargs: None)
    monkeypatch.setattr(cli, "_prepare", lambda migrate=True: settings)
    cli.main(["serve", "--port", "8126"])
    said = capsys.readouterr().out
    assert f"Serving {tmp_path / 'xinmiao.sqlite3'}, which has no accounts yet. The demo is in" in said
    assert f"delete {tmp_path / 'xinmiao.sqlite3'} and run xinmiao serve again" in said
    with sqlite3.connect(tmp_path / "xinmiao.sqlite3") as conn:
        conn.execute("INSERT INTO app_user (username) VALUES ('admin')")
    assert cli._stray_beside_demo() is None  # a database in use is nobody's mistake
