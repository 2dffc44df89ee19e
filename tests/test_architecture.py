"""The layout's rules, checked: the declared import contracts (pyproject.toml, import-linter) hold,
the project's own modules are never imported under ``except ImportError``, and every programme's
routes are mounted through its plugin."""

from __future__ import annotations

import ast
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [
    p
    for package in ("app", "competitions", "judging")
    for p in (ROOT / package).rglob("*.py")
    if "piccolo_migrations" not in p.parts
]


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
    config.write_text(
        '[tool.importlinter]\nroot_packages = ["app"]\n\n[[tool.importlinter.contracts]]\n'
        'name = "web may not translate"\ntype = "forbidden"\nsource_modules = ["app.web"]\n'
        'forbidden_modules = ["app.i18n"]\n',
        encoding="utf-8",
    )
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        assert lint_imports(config_filename=str(config), no_cache=True) == 1
    finally:
        os.chdir(cwd)


def _guarded_own_imports(source: str) -> list[int]:
    """Lines of ``import``s of app/competitions/judging inside a ``try`` whose handler catches ImportError."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Try):
            continue
        caught = (
            {n.id for h in node.handlers for n in ast.walk(h.type) if isinstance(n, ast.Name)}
            if node.handlers
            else set()
        )
        if not caught & {"ImportError", "ModuleNotFoundError"}:
            continue
        for stmt in node.body:
            for inner in ast.walk(stmt):
                names = (
                    [inner.module or ""]
                    if isinstance(inner, ast.ImportFrom)
                    else [a.name for a in inner.names]
                    if isinstance(inner, ast.Import)
                    else []
                )
                if any(n.split(".")[0] in ("app", "competitions", "judging") for n in names):
                    found.append(inner.lineno)
    return found


def test_the_import_guard_check_finds_a_guard():
    assert _guarded_own_imports("try:\n    from judging.panels import x\nexcept ImportError:\n    x = None\n") == [2]
    assert _guarded_own_imports("try:\n    import redis\nexcept ImportError:\n    redis = None\n") == []


def test_no_import_error_guard_around_own_modules():
    guarded = {
        str(p.relative_to(ROOT)): lines
        for p in SOURCES
        if (lines := _guarded_own_imports(p.read_text(encoding="utf-8")))
    }
    assert guarded == {}


def test_programme_routes_come_from_plugins(app):
    """Every domain controller is mounted, and only through the plugin of its programme."""
    from app.factory import platform_routes, programme_plugins

    paths = {route.path for route in app.routes}
    for expected in (
        "/api/v1/events",
        "/api/v1/entries/{entry_id:int}",
        "/api/v1/checkin/scan",
        "/api/v1/events/{event_id:int}/rubric",
        "/api/v1/events/{event_id:int}/results",
        "/api/v1/certificates/{number:str}",
        "/events/{event_id:int}/judging/judges",
    ):
        assert expected in paths, expected

    def package(handler: object) -> str:  # a controller class, or a decorated handler function
        return getattr(handler, "fn", handler).__module__.split(".")[0]

    plugin_handlers = [h for plugin in programme_plugins() for h in plugin.route_handlers()]
    assert {package(h) for h in plugin_handlers} == {"competitions", "judging"}
    assert {package(h) for h in platform_routes()} == {"app"}


def test_each_role_sees_only_menu_items_it_can_use():
    """Issue 12 item 11: no menu item leads a role to a page with nothing for it."""
    from app.factory import register_programmes
    from app.plugins import registry

    register_programmes()

    def menu(role):
        return [item.label for item in registry.nav_for(role)]

    assert menu("organizer") == ["首页", "赛事", "人才培养", "评审", "裁判台", "大手拉小手", "签到", "覆盖面"]
    assert menu("judge") == ["我的评审"]
    assert menu("referee") == ["裁判"]
    assert menu("staff") == ["签到"]
    assert menu("school") == ["首页", "赛事", "人才培养", "证书", "大手拉小手"]
    assert menu("city") == ["首页", "赛事", "人才培养", "大手拉小手", "覆盖面"]
    assert menu("expert") == ["首页", "大手拉小手"]  # the home lists what to do next; 大手拉小手 their own page
    assert menu("mentor") == ["我的学生"]
