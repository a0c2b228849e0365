"""Swagger UI at `/api/docs`: the OpenAPI document, browsable, from packaged files.

The UI's script and style come from the pinned `swagger-ui-bundle` package (Swagger UI 4),
read once at startup; `start.js` (here) loads `v1/openapi.json` relative to the page and points
"Try it out" at the engine's root as the page was reached, so both work behind the ingress
prefix.
The UI holds no data: like the page it is public standalone (calls need the token, entered
with "Authorize") and reached through the ingress proxy only in the add-on.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from aiohttp import hdrs, web
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

from aetherlens_engine.api.errors import ApiError
from aetherlens_engine.web import SECURITY_HEADERS

DOCS_PATHS = frozenset({"/api/docs", "/api/docs/{name}"})
_HERE = Path(__file__).parent
_BUNDLE = ("swagger-ui-bundle.js", "swagger-ui.css")
_TYPES = {".js": "text/javascript", ".css": "text/css"}
_INDEX = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>AetherLens engine API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/start.js"></script>
</body>
</html>
"""


@dataclass(frozen=True, slots=True)
class DocsFiles:
    """The UI's files by name, as (body, content type)."""

    files: dict[str, tuple[bytes, str]]

    @classmethod
    def read(cls) -> DocsFiles:
        """Read the bundle's script and style and our starter."""
        paths = [Path(swagger_ui_path) / name for name in _BUNDLE] + [_HERE / "start.js"]
        return cls({path.name: (path.read_bytes(), _TYPES[path.suffix]) for path in paths})


DOCS_KEY = web.AppKey("docs_files", DocsFiles)


async def get_docs(_request: web.Request) -> web.Response:
    """Answer the UI's page."""
    return web.Response(
        text=_INDEX,
        content_type="text/html",
        headers={hdrs.CACHE_CONTROL: "no-cache", **SECURITY_HEADERS},
    )


async def get_docs_file(request: web.Request) -> web.Response:
    """Answer one of the UI's files (they change with the engine's version only)."""
    found = request.app[DOCS_KEY].files.get(request.match_info["name"])
    if found is None:
        raise ApiError(404, "not_found", "no such file of the API docs")
    body, content_type = found
    return web.Response(
        body=body,
        content_type=content_type,
        headers={hdrs.CACHE_CONTROL: "no-cache", **SECURITY_HEADERS},
    )


def add_docs_routes(app: web.Application) -> None:
    """Serve the UI on APP; its files are read at startup."""

    async def load(app: web.Application) -> None:
        app[DOCS_KEY] = await asyncio.to_thread(DocsFiles.read)

    app.on_startup.append(load)
    app.router.add_get("/api/docs", get_docs, allow_head=False)
    app.router.add_get("/api/docs/{name}", get_docs_file, allow_head=False)
