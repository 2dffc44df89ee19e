"""``xinmiao serve --workers N`` (issue 11, item 5): more than one worker without Redis is refused
with a message that says why (limits, live updates and revocation would be per worker)."""

from __future__ import annotations

import dataclasses

import pytest


@pytest.fixture
def served(monkeypatch, settings):
    from app import cli
    from app.settings import set_settings

    calls: list[tuple] = []
    monkeypatch.setattr(cli, "_serve", lambda *args, **kwargs: calls.append(args))
    monkeypatch.setattr(cli, "_prepare", lambda migrate=True: settings)
    yield calls
    set_settings(settings)


def test_several_workers_without_redis_are_refused_plainly(served, settings):
    from app import cli
    from app.settings import set_settings

    set_settings(dataclasses.replace(settings, redis_url=None))
    with pytest.raises(SystemExit) as refused:
        cli.main(["serve", "--workers", "4"])
    message = str(refused.value.code)
    assert message.startswith("xinmiao serve --workers 4 needs XINMIAO_REDIS_URL.")
    for words in ("log-in delays", "rate limits", "live updates", "4 times looser", "--workers 1"):
        assert words in message, words
    assert served == []  # nothing was served


def test_one_worker_needs_no_redis_and_several_run_with_it(served, settings):
    from app import cli
    from app.settings import set_settings

    set_settings(dataclasses.replace(settings, redis_url=None))
    cli.main(["serve", "--port", "8123"])
    set_settings(dataclasses.replace(settings, redis_url="redis://127.0.0.1:6379/0"))
    cli.main(["serve", "--workers", "3", "--port", "8124"])
    assert served == [("127.0.0.1", 8123, 1, None, None), ("127.0.0.1", 8124, 3, None, None)]
    with pytest.raises(SystemExit) as refused:
        cli.main(["serve", "--workers", "0"])
    assert refused.value.code == "--workers must be at least 1"


def test_serve_after_demo_serves_the_demo_database(served, monkeypatch, tmp_path, capsys):
    """Fresh user's finding 18: ``xinmiao serve`` in the demo's data directory opened an empty
    xinmiao.sqlite3, so the demo log-ins failed. With only demo.sqlite3 there, serve serves it."""
    from app import cli
    from app.settings import get_settings

    monkeypatch.setenv("XINMIAO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("XINMIAO_DATABASE_URL", raising=False)
    (tmp_path / "demo.sqlite3").write_bytes(b"")
    cli.main(["serve", "--port", "8125"])
    assert get_settings().database_url == f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    assert cli.os.environ["XINMIAO_DATABASE_URL"] == f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    assert "Serving the demo database" in capsys.readouterr().out
    # a database of its own wins, and so does an explicit URL
    monkeypatch.delenv("XINMIAO_DATABASE_URL")
    (tmp_path / "xinmiao.sqlite3").write_bytes(b"SQLite format 3")
    assert cli._demo_database() is None
    (tmp_path / "xinmiao.sqlite3").unlink()
    monkeypatch.setenv("XINMIAO_DATABASE_URL", "sqlite:////elsewhere.sqlite3")
    assert cli._demo_database() is None


def test_forwarded_headers_are_believed_only_from_the_named_proxies(monkeypatch, settings):
    """Issue 11 re-test: the client address (the key of log-in delays and look-up limits) is the
    peer's, and X-Forwarded-For is never believed from a client. Behind a reverse proxy every client
    then had the proxy's address (five wrong passwords for the organizer from anyone delayed every
    organizer log-in), and X-Forwarded-Proto, which the README promised for HTTPS behind a proxy, was
    ignored. XINMIAO_TRUSTED_PROXIES names the proxies whose headers are believed; ``*`` is refused."""
    import uvicorn

    from app import cli
    from app.settings import load_settings, set_settings

    runs: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: runs.append(kwargs))
    try:
        set_settings(dataclasses.replace(settings, trusted_proxies=()))
        cli._serve("127.0.0.1", 8126)
        set_settings(dataclasses.replace(settings, trusted_proxies=("127.0.0.1", "10.0.0.0/24")))
        cli._serve("127.0.0.1", 8127)
    finally:
        set_settings(settings)
    assert runs[0]["proxy_headers"] is False and "forwarded_allow_ips" not in runs[0]
    assert runs[1]["proxy_headers"] is True and runs[1]["forwarded_allow_ips"] == "127.0.0.1,10.0.0.0/24"
    env = {"XINMIAO_DATA_DIR": str(settings.data_dir), "XINMIAO_SECRET_KEY": "k" * 40}
    assert load_settings(env).trusted_proxies == ()
    assert load_settings({**env, "XINMIAO_TRUSTED_PROXIES": " 127.0.0.1, ::1 ,"}).trusted_proxies == (
        "127.0.0.1",
        "::1",
    )
    for wrong in ("*", "proxy.local"):
        with pytest.raises(SystemExit) as refused:
            load_settings({**env, "XINMIAO_TRUSTED_PROXIES": wrong})
        assert "XINMIAO_TRUSTED_PROXIES" in str(refused.value.code)


def test_every_worker_runs_the_loop_that_lets_newcomers_in_in_batches(monkeypatch, settings):
    """Issue 19: ``xinmiao serve`` (one worker or several) runs :class:`app.serving.ServingLoop`
    (tests/app/test_serving.py shows what it changes); the benchmarks and test servers use the same
    :data:`app.cli.EVENT_LOOP`."""
    import uvicorn

    from app import cli
    from app.serving import ServingLoop

    runs: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: runs.append(kwargs))
    cli._serve("127.0.0.1", 8128)
    cli._serve("127.0.0.1", 8129, workers=2)
    assert [run["loop"] for run in runs] == ["app.serving:ServingLoop", "app.serving:ServingLoop"]
    assert uvicorn.Config("app.main:app", loop=cli.EVENT_LOOP).get_loop_factory() is ServingLoop
