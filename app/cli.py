"""The ``xinmiao`` command (CONTRACT.md, "Install and run")."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sqlite3
import sys
from pathlib import Path


def _prepare(migrate: bool = True):
    from app import db
    from app.settings import get_settings

    settings = get_settings()
    db.configure_database(settings.database_url)
    if migrate:
        asyncio.run(db.migrate())
    return settings


# The event loop every worker runs: asyncio's, letting in a bounded batch of new connections per
# turn (app/serving.py says why neither uvloop nor plain asyncio). Benchmarks and test servers use it too.
EVENT_LOOP = "app.serving:ServingLoop"


def _serve(host: str, port: int, workers: int = 1, certfile: str | None = None, keyfile: str | None = None) -> None:
    import uvicorn

    from app.settings import get_settings

    # the peer address is the client's unless the operator names the reverse proxies in front
    # (XINMIAO_TRUSTED_PROXIES): only their X-Forwarded-For / X-Forwarded-Proto are believed
    proxies = get_settings().trusted_proxies
    kwargs: dict[str, object] = {"proxy_headers": bool(proxies)}
    if proxies:
        kwargs["forwarded_allow_ips"] = ",".join(proxies)
    if certfile or keyfile:
        if not (certfile and keyfile):
            sys.exit("--certfile and --keyfile go together")
        kwargs.update(ssl_certfile=certfile, ssl_keyfile=keyfile)
    # open live pages (event streams) would otherwise hold a stop (Ctrl-C) until they end by themselves
    uvicorn.run(
        "app.main:app",
        host=host,
        port=port,
        workers=workers,
        loop=EVENT_LOOP,
        log_level="info",
        timeout_graceful_shutdown=5,
        **kwargs,
    )


PER_WORKER_REFUSAL = (
    "xinmiao serve --workers {n} needs XINMIAO_REDIS_URL. Without Redis every worker keeps its own "
    "log-in delays, rate limits (certificate look-ups) and live updates (check-in live view, judging "
    "progress, certificate batches), so limits would be {n} times looser, live pages would miss changes "
    "made through the other workers, and a revoked log-in could keep working for up to 30 seconds on "
    "them. Set XINMIAO_REDIS_URL=redis://host:6379/0, or serve with --workers 1 (the default)."
)


def _demo_database() -> Path | None:
    """Without ``XINMIAO_DATABASE_URL``, the data directory's ``demo.sqlite3`` when it holds no
    ``xinmiao.sqlite3`` of its own (:func:`app.settings.default_database`: every command picks the
    same); ``None`` otherwise."""
    from app.settings import DEMO_DATABASE, default_database

    if os.environ.get("XINMIAO_DATABASE_URL"):
        return None
    database = default_database(Path(os.environ.get("XINMIAO_DATA_DIR", "./xinmiao-data")).resolve())
    return database if database.name == DEMO_DATABASE else None


def _stray_beside_demo() -> Path | None:
    """An ``xinmiao.sqlite3`` with no accounts beside the demo's database (left by an older
    ``xinmiao serve``): it is served, so say how to serve the demo instead."""
    from app.settings import DEMO_DATABASE, OWN_DATABASE

    if os.environ.get("XINMIAO_DATABASE_URL"):
        return None
    data_dir = Path(os.environ.get("XINMIAO_DATA_DIR", "./xinmiao-data")).resolve()
    own = data_dir / OWN_DATABASE
    if not (data_dir / DEMO_DATABASE).exists() or not own.exists():
        return None
    try:
        with sqlite3.connect(f"file:{own}?mode=ro", uri=True) as conn:
            (users,) = conn.execute("SELECT count(*) FROM app_user").fetchone()
    except sqlite3.Error:
        return None
    return own if users == 0 else None


def cmd_serve(args: argparse.Namespace) -> None:
    from app.settings import get_settings, load_settings, set_settings

    if (demo := _demo_database()) is not None:
        os.environ["XINMIAO_DATABASE_URL"] = f"sqlite:///{demo}"  # the workers read it too
        set_settings(load_settings())
        print(
            f"Serving the demo database {demo} (the data directory has no xinmiao.sqlite3; "
            "set XINMIAO_DATABASE_URL to serve another).",
            flush=True,
        )
    elif (stray := _stray_beside_demo()) is not None:
        print(
            f"Serving {stray}, which has no accounts yet. The demo is in {stray.with_name('demo.sqlite3')}: "
            f"to serve it, stop this, delete {stray} and run xinmiao serve again "
            f"(or set XINMIAO_DATABASE_URL=sqlite:///{stray.with_name('demo.sqlite3')}).",
            flush=True,
        )
    if args.workers < 1:
        sys.exit("--workers must be at least 1")
    if args.workers > 1 and not get_settings().redis_url:
        sys.exit(PER_WORKER_REFUSAL.format(n=args.workers))  # refused before anything is migrated or served
    _prepare()
    scheme = "https" if args.certfile else "http"
    print(f"Xinmiao serving on {scheme}://{args.host}:{args.port}/", flush=True)
    _serve(args.host, args.port, args.workers, args.certfile, args.keyfile)


def cmd_demo(args: argparse.Namespace) -> None:
    from app.settings import load_settings, set_settings

    data_dir = Path(os.environ.get("XINMIAO_DATA_DIR", "./xinmiao-data")).resolve()
    demo_db = data_dir / "demo.sqlite3"
    os.environ.setdefault("XINMIAO_DATABASE_URL", f"sqlite:///{demo_db}")
    set_settings(load_settings())
    _prepare()
    from app.factory import register_programmes
    from app.plugins import DEMO_PASSWORD, registry

    register_programmes()

    async def build() -> bool:
        created = [await step() for _name, step in registry.demo_steps()]
        return bool(created and created[0])  # the first step builds the province

    created = asyncio.run(build())
    print("Demo data " + ("created." if created else "already present (reused)."))
    scheme = "https" if args.certfile else "http"
    print(f"\n  Open {scheme}://{args.host}:{args.port}/ and log in with one of (password: {DEMO_PASSWORD}):")
    for username, role, note in registry.demo_logins:
        print(f"    {username:<12} {role:<10} {note}")
    print(flush=True)
    _serve(args.host, args.port, certfile=args.certfile, keyfile=args.keyfile)


def cmd_cert(args: argparse.Namespace) -> None:
    """Write a self-signed certificate and key for serving HTTPS on a venue network."""
    from app.tls import write_self_signed

    cert, key = write_self_signed(Path(args.out), args.host, days=args.days)
    print(f"certificate: {cert}\nkey:         {key}")
    print(f"serve with:  xinmiao serve --host 0.0.0.0 --port 8443 --certfile {cert} --keyfile {key}")


def cmd_db(args: argparse.Namespace) -> None:
    if args.action == "upgrade":
        from app import db

        _prepare(migrate=False)
        applied = asyncio.run(db.migrate())
        if applied:
            print(f"Applied {applied} migration{'s' if applied != 1 else ''}; the database is up to date.")
        else:
            print("The database was already up to date.")
        _report_without_region()


def _report_without_region() -> None:
    """After an upgrade: schools and city accounts whose old free-text city names no region."""
    from app.schools.services import without_region

    left = asyncio.run(without_region())
    for kind, rows, show, fix in (
        ("schools", left["schools"], lambda r: f"{r['code']} {r['name']}", "edit them on the schools page"),
        (
            "city accounts",
            left["accounts"],
            lambda r: r["username"],
            "they see no schools until replaced by an account created with a valid --city",
        ),
    ):
        if rows:
            print(f"{len(rows)} {kind} have a city that names no Hainan city/county ({fix}):")
            for row in rows:
                print(f"  {show(row)}: {row['city']!r}")


def cmd_users(args: argparse.Namespace) -> None:
    if args.action != "create":
        sys.exit("usage: xinmiao users create USERNAME --role ROLE [--school CODE] [--city NAME] --password-stdin")
    _prepare()
    if not args.password_stdin:
        sys.exit("--password-stdin is required: pass the password on standard input")
    password = sys.stdin.readline().rstrip("\r\n")
    from app.accounts import services as accounts
    from app.errors import ServiceError

    try:
        user = asyncio.run(
            accounts.create_user(
                None,
                username=args.username,
                password=password,
                role=args.role,
                school_code=args.school,
                city=args.city,
                display_name=args.display_name,
            )
        )
    except ServiceError as exc:
        sys.exit(exc.message)
    print(f"created user {user['username']} ({user['role']}) id={user['id']}")


def cmd_backup(args: argparse.Namespace) -> None:
    from app.files import create_private, private_dir

    settings = _prepare(migrate=False)
    target = Path(args.path).resolve()
    private_dir(target.parent, narrow=False)  # a folder the operator chose keeps its mode
    create_private(target)  # the whole database: this user only (SQLite and pg_dump write into it)
    url = settings.database_url
    if url.startswith("sqlite:///"):
        source = sqlite3.connect(url[len("sqlite:///") :], timeout=30)
        dest = sqlite3.connect(target)
        with dest:
            source.backup(dest)  # SQLite online backup API: consistent while the service runs
        dest.close()
        source.close()
    else:
        pg_dump = shutil.which("pg_dump")
        if not pg_dump:
            sys.exit("pg_dump is needed to back up a PostgreSQL database")
        import subprocess

        subprocess.run([pg_dump, "--format=custom", "--file", str(target), url], check=True)
    print(f"backup written to {target}")


def cmd_worker(args: argparse.Namespace) -> None:
    """Run batches (certificate PDFs) from the Redis queue; needed only with XINMIAO_REDIS_URL."""
    import logging

    from app import jobs
    from app.factory import register_programmes

    settings = _prepare()
    if not settings.redis_url:
        sys.exit("XINMIAO_REDIS_URL is not set: without Redis `xinmiao serve` runs batches in its own worker processes")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    jobs.configure(register_programmes)
    print(f"Xinmiao worker {jobs.worker_name()} taking jobs from queue {jobs.queue_name(settings)}", flush=True)
    asyncio.run(jobs.run_worker(concurrency=args.concurrency, burst=args.burst))


def cmd_restore(args: argparse.Namespace) -> None:
    """Put a backup in place of the stopped service's SQLite database (app/backup.py)."""
    from app import backup
    from app.settings import default_database, key_file

    data_dir = Path(os.environ.get("XINMIAO_DATA_DIR", "./xinmiao-data")).resolve()
    url = os.environ.get("XINMIAO_DATABASE_URL") or f"sqlite:///{default_database(data_dir)}"
    if not url.startswith("sqlite:///"):
        sys.exit(
            "xinmiao restore puts back SQLite backups; a PostgreSQL database is restored with pg_restore:\n"
            "  pg_restore --clean --if-exists --no-owner --dbname <database URL> <backup file>  (see README)"
        )
    key = os.environ.get("XINMIAO_SECRET_KEY")
    if not key:
        path = key_file(data_dir, url)
        if not path.exists():  # never generate one here: the backup needs the key it was written with
            sys.exit(f"no key file at {path}: copy the backed-up service's secret.key there first")
        key = path.read_text(encoding="ascii").strip()
    database = Path(url[len("sqlite:///") :]).resolve()
    try:
        info, aside = backup.restore(Path(args.path).resolve(), database, key)
    except backup.RestoreRefused as exc:
        sys.exit(f"restore refused: {exc}")
    print(f"restored {info.path} to {database}")
    print(f"  {info.events} events, {info.entries} entries, {info.members} members, {info.checkins} check-ins")
    if aside is not None:
        print(f"  the replaced database is kept at {aside}")
    print(
        "Uploaded files (documents, fonts, backgrounds) live under the data directory's uploads/: copy them back too."
    )
    print("Start the service (xinmiao serve); it applies any newer migrations first.")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="xinmiao", description="Xinmiao 新苗 youth science programme service")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="serve the configured database")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--certfile")
    p.add_argument("--keyfile")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("demo", help="create (or reuse) a demo province and serve it")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--certfile")
    p.add_argument("--keyfile")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "cert", help="make a self-signed HTTPS certificate for a venue laptop (phone cameras need HTTPS)"
    )
    p.add_argument(
        "--host",
        action="append",
        default=[],
        help="IP address or host name phones will open (repeatable), e.g. --host 192.168.1.10",
    )
    p.add_argument("--out", default=".", help="folder for xinmiao-cert.pem and xinmiao-key.pem")
    p.add_argument("--days", type=int, default=365)
    p.set_defaults(func=cmd_cert)

    p = sub.add_parser("db", help="database maintenance")
    p.add_argument("action", choices=["upgrade"])
    p.set_defaults(func=cmd_db)

    p = sub.add_parser("users", help="manage accounts")
    p.add_argument("action", choices=["create"])
    p.add_argument("username")
    p.add_argument(
        "--role",
        required=True,
        choices=["organizer", "city", "school", "judge", "referee", "staff", "mentor", "expert"],
    )
    p.add_argument("--school")
    p.add_argument("--city")
    p.add_argument("--display-name")
    p.add_argument("--password-stdin", action="store_true")
    p.set_defaults(func=cmd_users)

    p = sub.add_parser("worker", help="run batches (certificate PDFs) from the Redis queue (XINMIAO_REDIS_URL)")
    p.add_argument("--concurrency", type=int, default=1, help="batches at once (each takes a CPU core)")
    p.add_argument("--burst", action="store_true", help="stop once the queue is empty")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("backup", help="consistent copy of the database while the service runs")
    p.add_argument("path")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="put a backup in place of the stopped service's SQLite database")
    p.add_argument("path")
    p.set_defaults(func=cmd_restore)

    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
