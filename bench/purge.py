"""Benchmark: purge the personal data of a finished event of 5,000 registrations.

    python bench/purge.py [--rows 5000]

Builds the realistic roster of ``bench/import_roster.py`` (~1,600 entries, ~2,900 students,
~2,100 advisers), imports it into a fresh SQLite database, marks the event's results final (a
finalized judging round), attaches a small document to 200 entries, then prints how long the dry
run and the purge take (``competitions.registration.personal_data``) and what they counted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("PICCOLO_CONF", "app.piccolo_conf")

from import_roster import SECRET, build_roster, prepare  # noqa: E402

from app.settings import Settings, set_settings  # noqa: E402

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


async def run(work: Path, rows: int) -> None:
    from app import db
    from app.accounts.services import load_principal
    from app.factory import programme_plugins
    from app.times import now
    from competitions.events.tables import Event
    from competitions.registration import documents, personal_data
    from competitions.registration.roster import import_registrations
    from competitions.registration.tables import Entry
    from judging.rounds.tables import Round

    for plugin in programme_plugins():
        plugin.register()  # judging answers the lifecycle's "is judging final?"
    url = f"sqlite:///{work / 'purge.sqlite3'}"
    info = await prepare(url, work)
    data, _expected = build_roster(rows, info["schools"], info["categories"])
    set_settings(Settings(data_dir=work, database_url=url, secret_key=SECRET))
    db.configure_database(url)
    org = await load_principal(1)
    event_id = info["event_id"]
    await import_registrations(org, event_id, data)
    for entry in await Entry.select(Entry.id).where(Entry.event == event_id).limit(200):
        await documents.upload_document(org, entry["id"], "application_form", "申报书.pdf", PDF)
    await Round.insert(
        Round(
            event=event_id,
            kind="single",
            name="评审",
            position=0,
            is_current=True,
            state="finalized",
            finalized_at=now(),
        )
    )
    await Event.update({Event.finished_at: now()}).where(Event.id == event_id)

    start = time.perf_counter()
    dry = await personal_data.purge_personal_data(org, event_id, None, dry_run=True)
    dry_s = time.perf_counter() - start
    start = time.perf_counter()
    done = await personal_data.purge_personal_data(org, event_id, "bench", dry_run=False)
    purge_s = time.perf_counter() - start
    files = list((work / "uploads" / "documents").rglob("*"))
    print(f"roster: {rows} rows imported; counts {dry['counts']}")
    print(f"dry run:  {dry_s:.3f} s")
    print(
        f"purge:    {purge_s:.3f} s  removed {done['total']} items; files left on disk: {sum(f.is_file() for f in files)}"
    )
    again = await personal_data.purge_preview(org, event_id)
    print(f"after:    {again['counts']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="xinmiao-bench-") as tmp:
        asyncio.run(run(Path(tmp), args.rows))


if __name__ == "__main__":
    main()
