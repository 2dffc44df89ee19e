"""The API explorer at ``/schema``: Swagger UI (``/schema``, ``/schema/swagger``) and Redoc
(``/schema/redoc``) from files vendored under ``app/static/vendor`` (their licences beside them),
started by ``app/static/schema-explorer.js``: no CDN, no inline script, so the pages run under the
same Content-Security-Policy as every other page (:mod:`app.web.headers`). The OpenAPI document
itself is ``/schema/openapi.json`` (and ``.yaml``)."""

from __future__ import annotations

from html import escape
from typing import Any

from litestar import Request
from litestar.openapi.plugins import JsonRenderPlugin, OpenAPIRenderPlugin, YamlRenderPlugin

VENDOR = "/static/vendor"
_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
{head}
</head>
<body>
{body}
<script src="{script}"></script>
<script src="/static/schema-explorer.js"></script>
</body>
</html>
"""


class _ExplorerPage(OpenAPIRenderPlugin):
    """One viewer page: ``body`` holds the element the starter script fills (its id names the
    viewer, ``data-spec-url`` the document)."""

    head = ""
    script = ""
    element = ""

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        spec = escape(self.get_openapi_json_route(request), quote=True)
        return _PAGE.format(
            title=escape(str(openapi_schema["info"]["title"])),
            head=self.head,
            body=f'<div id="{self.element}" data-spec-url="{spec}"></div>',
            script=self.script,
        ).encode("utf-8")


class SwaggerPage(_ExplorerPage):
    """Swagger UI (swagger-ui-dist, Apache-2.0): every operation with its schemas, "Try it out"."""

    head = f'<link rel="stylesheet" href="{VENDOR}/swagger-ui/swagger-ui.css">'
    script = f"{VENDOR}/swagger-ui/swagger-ui-bundle.js"
    element = "swagger-ui"

    def __init__(self) -> None:
        super().__init__(path=["/", "/swagger"])


class RedocPage(_ExplorerPage):
    """Redoc (MIT): the document as a three-pane reference."""

    head = "<style>body { margin: 0; padding: 0; }</style>"
    script = f"{VENDOR}/redoc/redoc.standalone.js"
    element = "redoc"

    def __init__(self) -> None:
        super().__init__(path="/redoc")


def render_plugins() -> list[OpenAPIRenderPlugin]:
    """What ``/schema`` serves: the two viewers and the document as JSON and YAML."""
    return [SwaggerPage(), RedocPage(), JsonRenderPlugin(), YamlRenderPlugin()]
