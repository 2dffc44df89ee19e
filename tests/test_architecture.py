"""The layout's rules, checked: the declared import contracts (pyproject.toml, import-linter) hold,
the project's own modules are never imported under ``except ImportError``, and every programme's
routes are mounted through its plugin."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [p for package in ("app", "competitions", "judging") for p in (ROOT / package).rglob("*.py")
           if "piccolo_migrations" not in p.parts]


def test_import_contracts_hold():
    from importlinter.cli import lint_imports

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0
    finally:
        os.chdir(cwd)


def test_a_broken_contract_is_reported(tmp_path):
    """The contract check can fail: a configuration forbidding app.web -> app.i18n (which app.web uses) breaks."""
    from importlinter.cli import lint_imports

    config = tmp_path / "contract.toml"
    config.write_text('[tool.importlinter]\nroot_packages = ["app"]\n\n[[tool.importlinter.contracts]]\n'
                      'name = "web may not translate"\ntype = "forbidden"\nsource_modules = ["app.web"]\n'
                      'forbidden_modules = ["app.i18n"]\n', encoding="utf-8")
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        assert lint_imports(config_filename=str(config), no_cache=True) == 1
    finally:
        os.chdir(cwd)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_import_error_guard_around_own_modules(path):
    text = path.read_text(encoding="utf-8")
    for match in re.finditer(r"try:\n((?:[ \t]+.*\n)+?)[ \t]*except[ \t(]*ImportError", text):
        assert not re.search(r"\b(from|import) (app|competitions|judging)\b", match.group(1)), path


def test_programme_routes_come_from_plugins():
    """Every domain controller is mounted, and only through the plugin of its programme."""
    from app.factory import create_app, platform_routes, programme_plugins

    app = create_app()
    paths = {route.path for route in app.routes}
    for expected in ("/api/v1/events", "/api/v1/entries/{entry_id:int}", "/api/v1/checkin/scan",
                     "/api/v1/events/{event_id:int}/rubric", "/api/v1/events/{event_id:int}/results",
                     "/api/v1/certificates/{number:str}", "/events/{event_id:int}/judging/judges"):
        assert expected in paths, expected
    plugin_handlers = [h for plugin in programme_plugins() for h in plugin.route_handlers()]
    modules = {h.__module__.split(".")[0] for h in plugin_handlers}
    assert modules == {"competitions", "judging"}
    assert {h.__module__.split(".")[0] for h in platform_routes()} == {"app"}
