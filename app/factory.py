"""The application factory: the one place that wires settings, database, sessions,
CSRF, templates, error handling and the domains' routes together."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, FileSystemLoader
from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.exceptions import HTTPException
from litestar.middleware import DefineMiddleware
from litestar.middleware.compression import CompressionMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from app import db, jobs
from app.accounts import controllers as accounts_api
from app.accounts import pages as accounts_pages
from app.errors import ServiceError
from app.i18n import colon, comma, get_locale, list_separator, paren, pgettext
from app.live import channels_plugin
from app.plugins import ProgrammePlugin, registry
from app.regions import controllers as regions_api
from app.schools import controllers as schools_api
from app.schools import pages as schools_pages
from app.security import derive_key
from app.settings import STATIC_DIR, TEMPLATES_DIR, Settings, get_settings, set_settings
from app.stores import sessions
from app.web import explorer, head
from app.web.auth import LocaleAndUserMiddleware
from app.web.errors import http_error_handler, internal_error_handler, service_error_handler
from app.web.headers import add_security_headers
from app.web.inputs import refuse_unstorable_text
from app.web.sessions import IssuedSessionConfig

STATIC_COMPRESSION = CompressionConfig(backend="gzip", minimum_size=1024, gzip_compress_level=6)

_loaded_templates: Environment | None = None  # this process's templates, compiled once


def css_string(value: object) -> str:
    """``value`` as a CSS string literal (``"..."``), for a template's ``style`` attribute (the
    page escapes it for HTML as any attribute): ``style="--label:{{ _('名次')|css_string }}"``."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if c >= " " else f"\\{ord(c):x} " for c in text) + '"'


def _new_environment(*, reload: bool) -> Environment:
    from app.i18n import gettext, gettext_terms
    from app.times import format_time

    env = Environment(
        loader=FileSystemLoader(searchpath=TEMPLATES_DIR),
        autoescape=True,
        auto_reload=reload,
        cache_size=-1,  # keep every compiled template (the default keeps 400 and would read the rest again)
    )
    env.globals.update(
        _=gettext,
        t_=gettext_terms,
        pgettext=pgettext,
        get_locale=get_locale,
        format_time=format_time,
        nav_items=registry.nav_for,
        colon=colon,
        list_sep=list_separator,
        comma=comma,
        paren=paren,
    )
    env.filters["css_string"] = css_string
    env.policies["ext.i18n.trimmed"] = True
    return env


def template_environment(*, reload: bool = False) -> Environment:
    """The Jinja2 environment the pages render with.

    By default every template under ``templates/`` is compiled once, the first time a process
    builds an app, and never read from disk again (``auto_reload`` off): code and templates
    deployed together stay together until the server restarts, so new templates never meet
    old Python code (nor the reverse). A template with a syntax error stops the start-up,
    not a page. With ``reload`` (``XINMIAO_RELOAD_TEMPLATES=1``, for template work) templates
    are read from disk and recompiled when they change."""
    global _loaded_templates
    if reload:
        return _new_environment(reload=True)
    if _loaded_templates is None:
        env = _new_environment(reload=False)
        for name in env.list_templates(extensions=["html"]):
            env.get_template(name)  # compile now, into the environment's cache
        _loaded_templates = env
    return _loaded_templates


def platform_routes() -> list[Any]:
    """The platform's own controllers and pages: log-in, accounts, schools."""
    return [
        *accounts_api.api_routes(),
        *schools_api.api_routes(),
        *regions_api.api_routes(),
        *accounts_pages.page_routes(),
        *schools_pages.page_routes(),
    ]


def programme_plugins() -> list[ProgrammePlugin]:
    """Every programme, in dependency order. The one place in ``app`` that imports the domains."""
    from competitions.plugin import CompetitionsPlugin
    from judging.plugin import JudgingPlugin

    return [CompetitionsPlugin(), JudgingPlugin()]


def register_programmes() -> None:
    """Register every programme's contributions without building an app (CLI: demo data)."""
    for plugin in programme_plugins():
        plugin.register()


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the Litestar application for ``settings`` (default: from the environment).

    Points Piccolo at the configured database but does not migrate: the CLI (``serve``,
    ``demo``, ``db upgrade``) applies migrations before serving.
    """
    if settings is not None:
        set_settings(settings)
    settings = get_settings()
    db.configure_database(settings.database_url)
    jobs.configure(register_programmes)  # a job's process registers the programmes the same way

    route_handlers: list[Any] = [
        *platform_routes(),
        # the style sheet and scripts gzip-compressed for browsers that take it (app.css: 47 KB -> 10 KB,
        # a second on a slow phone network before the first screen shows)
        create_static_files_router(
            path="/static",
            directories=[STATIC_DIR],
            name="static",
            middleware=[DefineMiddleware(CompressionMiddleware, config=STATIC_COMPRESSION)],
        ),
    ]

    session_config = IssuedSessionConfig(  # only ids the server issued; new id at log-in; absolute lifetime
        key="xinmiao_session",
        max_age=settings.session_idle_seconds,
        absolute_lifetime=settings.session_lifetime_seconds,
        httponly=True,
        samesite="lax",
        store="sessions",
        renew_on_access=True,
        exclude=["^/api/"],  # the API authenticates with bearer tokens only; no session store round trip
    )
    csrf = CSRFConfig(
        secret=derive_key("csrf").hex(),
        cookie_name="xinmiao_csrf",
        header_name="x-csrftoken",
        exclude=["/api/"],
        cookie_samesite="lax",
    )
    app = Litestar(
        route_handlers=route_handlers,
        plugins=[channels_plugin(settings), *programme_plugins()],  # live updates (SSE) first, then the programmes
        middleware=[session_config.middleware, LocaleAndUserMiddleware()],
        csrf_config=csrf,
        stores={"sessions": sessions()},
        template_config=TemplateConfig(
            instance=JinjaTemplateEngine.from_environment(template_environment(reload=settings.reload_templates))
        ),
        exception_handlers={
            ServiceError: service_error_handler,
            HTTPException: http_error_handler,
            Exception: internal_error_handler,
        },
        openapi_config=OpenAPIConfig(
            title="Xinmiao 新苗 API", version="1.0.0", path="/schema", render_plugins=explorer.render_plugins()
        ),
        before_request=refuse_unstorable_text,  # no field may hold U+0000 or a lone surrogate (one place)
        before_send=[add_security_headers],  # CSP, frame, sniffing, referrer; HSTS and Secure cookies over HTTPS
        on_startup=[db.start_pool],
        on_shutdown=[jobs.shutdown, db.close_pool],
        request_max_body_size=settings.max_document_bytes + 1024 * 1024,
        debug=settings.debug,
    )
    head.install(app)  # HEAD answered by the GET handlers, without the body
    return app
