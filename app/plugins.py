"""How a programme plugs into the platform.

Each domain package (``competitions``, ``judging``; later robotics, camps, talent, outreach) has one
:class:`ProgrammePlugin` in its ``plugin.py``. The composition root (:func:`app.factory.create_app`)
is the only platform module that imports them; everything else in ``app`` knows programmes only
through what they registered here:

- routes (JSON API controllers and pages) — added to Litestar's ``AppConfig`` in ``on_app_init``
  (Litestar's ``InitPluginProtocol``, as litestar-fullstack's ``ApplicationCore`` does);
- navigation items (:class:`NavItem`) shown in the page header per role;
- home page blocks (:class:`DashboardBlock`) per role, and roles whose home is another page;
- demo builders (``async def build(log) -> None``) run in order by ``xinmiao demo``;
- audit action labels (how an entry's history reads);
- signal receivers (:mod:`app.signals`), connected in :meth:`ProgrammePlugin.setup`;
- jobs (long work run in another process, :mod:`app.jobs`) by name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from litestar.config.app import AppConfig
from litestar.plugins import InitPluginProtocol

DemoBuilder = Callable[[], Awaitable[Any]]
DEMO_PASSWORD = "xinmiao2026"  # every demo account's password (printed by ``xinmiao demo``)


@dataclass(frozen=True)
class NavItem:
    """A link in the page header: ``label`` (a Chinese message id, translated when drawn), ``href``,
    the ``roles`` that see it, and ``order`` (smaller first)."""

    label: str
    href: str
    roles: tuple[str, ...]
    order: int = 100


@dataclass(frozen=True)
class DashboardBlock:
    """A block of the home page for ``roles``: ``build(user)`` returns ``None`` (nothing to show) or
    ``{"template": <fragment included by templates/app/home.html>, "blocks": [...], "status_labels"?: {...}}``."""

    name: str
    roles: tuple[str, ...]
    build: Callable[[Any], Awaitable[dict[str, Any] | None]]
    order: int = 100


@dataclass
class Registry:
    """What the plugins registered; read by the platform (nav, demo, entry history)."""

    plugins: list[str] = field(default_factory=list)
    nav: list[NavItem] = field(default_factory=list)
    demo_builders: list[tuple[int, str, DemoBuilder]] = field(default_factory=list)
    action_labels: dict[str, str] = field(default_factory=dict)
    demo_logins: list[tuple[str, str, str]] = field(default_factory=list)
    dashboard_blocks: list[DashboardBlock] = field(default_factory=list)
    home_redirects: dict[str, str] = field(default_factory=dict)
    jobs: dict[str, Callable[..., Awaitable[Any]]] = field(default_factory=dict)

    def blocks_for(self, role: str | None) -> list[DashboardBlock]:
        return sorted((b for b in self.dashboard_blocks if role in b.roles), key=lambda b: (b.order, b.name))

    def nav_for(self, role: str | None) -> list[NavItem]:
        return sorted((n for n in self.nav if role in n.roles), key=lambda n: (n.order, n.href))

    def demo_steps(self) -> list[tuple[str, DemoBuilder]]:
        return [(name, build) for _order, name, build in sorted(self.demo_builders, key=lambda d: d[0])]


registry = Registry()


class ProgrammePlugin(InitPluginProtocol):
    """Base of every domain's plugin. Subclasses set ``name`` and override what they provide."""

    name = "programme"

    def route_handlers(self) -> Sequence[Any]:
        """Controllers and handlers of the JSON API and the pages."""
        return []

    def nav_items(self) -> Sequence[NavItem]:
        return []

    def demo_builders(self) -> Sequence[tuple[int, str, DemoBuilder]]:
        """``(order, name, build)``: ``xinmiao demo`` runs every plugin's builders by ``order``."""
        return []

    def dashboard_blocks(self) -> Sequence[DashboardBlock]:
        """Blocks of the home page."""
        return []

    def home_redirects(self) -> dict[str, str]:
        """Roles whose home is elsewhere (a judge's work is scoring): ``{role: path}``."""
        return {}

    def demo_logins(self) -> Sequence[tuple[str, str, str]]:
        """``(username, role, note)`` of the demo accounts this plugin creates (printed by ``xinmiao demo``)."""
        return []

    def action_labels(self) -> dict[str, str]:
        """Audit action -> how it reads in an entry's history (Chinese message id)."""
        return {}

    def jobs(self) -> dict[str, Callable[..., Awaitable[Any]]]:
        """Jobs run off the request path (:mod:`app.jobs`): ``{"<programme>.<job>": async def job(**kwargs)}``."""
        return {}

    def shutdown_hooks(self) -> Sequence[Callable[[], Awaitable[Any]]]:
        """Coroutines run when the app stops, before the database pool closes."""
        return []

    def setup(self) -> None:
        """Connect signal receivers and register event kinds; runs once per process."""

    def register(self, into: Registry = registry) -> None:
        """Record this plugin's contributions in ``into`` (idempotent) and run :meth:`setup`."""
        if self.name in into.plugins:
            return
        into.plugins.append(self.name)
        into.nav.extend(self.nav_items())
        into.demo_builders.extend(self.demo_builders())
        into.action_labels.update(self.action_labels())
        into.demo_logins.extend(self.demo_logins())
        into.dashboard_blocks.extend(self.dashboard_blocks())
        into.home_redirects.update(self.home_redirects())
        into.jobs.update(self.jobs())
        self.setup()

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        self.register()
        app_config.route_handlers.extend(self.route_handlers())
        app_config.on_shutdown[:0] = list(self.shutdown_hooks())  # before the platform closes the database
        return app_config
