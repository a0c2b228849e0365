"""Serve the built front end (`static/`, made by `frontend/test.sh`) from memory.

The index is a template: the engine writes in the base URL (the ingress prefix, so the page's
relative asset and API URLs resolve behind it) and how the page authenticates (`ingress`: the
proxy did; `token`: the page asks for the engine's token). Assets are read once at startup, so
no request path ever reaches the file system.
"""

from __future__ import annotations

import asyncio
import mimetypes
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from aiohttp import hdrs, web

from .errors import ApiError
from .ingress import IngressPolicy, ingress_prefix

STATIC_DIR = Path(__file__).parent / "static"
PAGE_PATHS = frozenset({"/", "/assets/{name}"})
CONFIG_MARK = "<!--aetherlens-config-->"
# The page's and the API browser's: inline styles, data: images, nothing loaded from elsewhere.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; frame-ancestors 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@dataclass(frozen=True, slots=True)
class Asset:
    """One built file: its bytes and content type."""

    body: bytes
    content_type: str


@dataclass(frozen=True, slots=True)
class PageFiles:
    """The built page: the index template and the assets by file name."""

    index: str | None
    assets: dict[str, Asset] = field(default_factory=dict)

    @classmethod
    def read(cls, root: Path) -> PageFiles:
        """Read the build in ROOT; a missing build gives a page without index."""
        index_file = root / "index.html"
        if not index_file.is_file():
            return cls(None)
        assets = {
            path.name: Asset(
                path.read_bytes(),
                mimetypes.guess_type(path.name)[0] or "application/octet-stream",
            )
            for path in sorted((root / "assets").glob("*"))
            if path.is_file()
        }
        return cls(index_file.read_text(encoding="utf-8"), assets)


PAGE_KEY = web.AppKey("page_files", PageFiles)
POLICY_KEY = web.AppKey("ingress_policy", IngressPolicy)


def render_index(template: str, prefix: str | None) -> str:
    """Write the base URL and the authentication mode into the index TEMPLATE."""
    mode = "ingress" if prefix is not None else "token"
    config = f'<base href="{escape(prefix or "")}/"><meta name="aetherlens-auth" content="{mode}">'
    return template.replace(CONFIG_MARK, config, 1)


async def get_index(request: web.Request) -> web.Response:
    """Answer the page, set up for the ingress prefix or for the token."""
    page = request.app[PAGE_KEY]
    if page.index is None:
        raise ApiError(
            503,
            "page_not_built",
            "the ingress page is not built: run frontend/test.sh (or npm run build in frontend/)",
        )
    policy = request.app[POLICY_KEY]
    prefix = ingress_prefix(request) if policy.is_ingress_request(request) else None
    return web.Response(
        text=render_index(page.index, prefix),
        content_type="text/html",
        headers={hdrs.CACHE_CONTROL: "no-cache", **SECURITY_HEADERS},
    )


async def get_asset(request: web.Request) -> web.Response:
    """Answer a built asset; their names carry a content hash, so they are cached for good."""
    asset = request.app[PAGE_KEY].assets.get(request.match_info["name"])
    if asset is None:
        raise ApiError(404, "not_found", "no such asset")
    return web.Response(
        body=asset.body,
        content_type=asset.content_type,
        headers={
            hdrs.CACHE_CONTROL: "public, max-age=31536000, immutable",
            **SECURITY_HEADERS,
        },
    )


def add_page_routes(app: web.Application, policy: IngressPolicy, root: Path = STATIC_DIR) -> None:
    """Serve the page built in ROOT on APP, under POLICY; the files are read at startup."""

    async def load(app: web.Application) -> None:
        app[PAGE_KEY] = await asyncio.to_thread(PageFiles.read, root)

    app[POLICY_KEY] = policy
    app.on_startup.append(load)
    app.router.add_get("/", get_index, allow_head=False)
    app.router.add_get("/assets/{name}", get_asset, allow_head=False)
