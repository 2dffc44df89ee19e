"""The served process's collector settings (app/runtime.py, issue 19)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

from app import runtime

ROOT = Path(__file__).resolve().parents[2]


def test_settle_heap_freezes_what_exists_and_raises_only_the_young_threshold():
    old = gc.get_threshold()
    try:
        runtime.settle_heap()
        # everything alive at that moment (this test's modules at least) is out of later collections
        assert gc.get_freeze_count() > 1000
        assert gc.get_threshold() == (50_000, old[1], old[2])
    finally:
        gc.unfreeze()
        gc.set_threshold(*old)


def test_only_the_served_entry_point_settles_the_heap(settings):
    """``app.main:app`` (what ``xinmiao serve`` runs) settles at start-up; apps built by
    ``create_app()`` (the test suite's) leave the collector alone."""
    from app.factory import create_app

    assert runtime.settle_heap not in create_app().on_startup
    env = {
        **os.environ,
        "XINMIAO_DATABASE_URL": settings.database_url,
        "XINMIAO_DATA_DIR": str(settings.data_dir),
        "PYTHONPATH": str(ROOT),
    }
    code = "from app.main import app; from app.runtime import settle_heap; print(app.on_startup[-1] is settle_heap)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
