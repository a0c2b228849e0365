"""The ingress page over real HTTP: standalone behind the token, add-on behind the ingress proxy.

The add-on case runs with the proxy address set to the loopback address a client binds to
(127.0.0.1) or to another one (127.0.0.2), so both sides of the rule are real connections.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from ipaddress import ip_address
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from aetherlens_engine.api import create_app
from aetherlens_engine.api.errors import error_middleware
from aetherlens_engine.supervisor.__main__ import ingress_policy
from aetherlens_engine.web import STATIC_DIR, IngressPolicy, add_page_routes
from aetherlens_engine.web.page import CONFIG_MARK, render_index
from tests.engine.test_api_support import AUTH, engine_state
from tests.http import serve_app

PREFIX = "/api/hassio_ingress/AbC-d_9"
INGRESS = {"X-Ingress-Path": PREFIX}


@asynccontextmanager
async def session_on(
    app: web.Application, *, source: str = "127.0.0.1"
) -> AsyncIterator[aiohttp.ClientSession]:
    """Serve APP and yield a session whose connections come from SOURCE."""
    connector = aiohttp.TCPConnector(local_addr=(source, 0))
    async with serve_app(app) as url, aiohttp.ClientSession(url, connector=connector) as session:
        yield session


def addon(proxy: str) -> IngressPolicy:
    return IngressPolicy(enabled=True, proxy=ip_address(proxy))


def asset_paths(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="\./(assets/[^"]+)"', html)


def test_the_build_is_shipped_with_a_config_mark() -> None:
    index = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    assert index.count(CONFIG_MARK) == 1
    paths = asset_paths(index)
    assert any(path.endswith(".js") for path in paths)
    assert any(path.endswith(".css") for path in paths)
    for path in paths:
        assert (STATIC_DIR / path).is_file(), path


async def test_standalone_page_is_public_and_api_needs_the_token() -> None:
    async with session_on(create_app(engine_state(), IngressPolicy())) as session:
        async with session.get("/") as resp:
            assert resp.status == 200
            assert resp.content_type == "text/html"
            assert resp.headers["Cache-Control"] == "no-cache"
            assert "frame-ancestors 'self'" in resp.headers["Content-Security-Policy"]
            html = await resp.text()
        assert '<base href="/"><meta name="aetherlens-auth" content="token">' in html
        for path in asset_paths(html):
            async with session.get(f"/{path}") as resp:
                assert resp.status == 200, path
                assert resp.content_type in ("text/javascript", "text/css"), path
                assert "immutable" in resp.headers["Cache-Control"]
        # An ingress header means nothing outside the add-on.
        async with session.get("/", headers=INGRESS) as resp:
            assert 'content="token"' in await resp.text()
        for headers in ({}, INGRESS):
            async with session.get("/metrics", headers=headers) as resp:
                assert resp.status == 401
        async with session.get("/metrics", headers=AUTH) as resp:
            assert resp.status == 200


async def test_unknown_asset_and_traversal_are_404() -> None:
    async with session_on(create_app(engine_state(), IngressPolicy())) as session:
        for path in (
            "/assets/nothing.js",
            "/assets/..%2Findex.html",
            "/assets/%2E%2E%2F..%2Fpage.py",
        ):
            async with session.get(path) as resp:
                assert resp.status == 404, path
                assert (await resp.json())["error"]["code"] == "not_found"


async def test_ingress_request_gets_the_prefixed_page_and_the_api() -> None:
    async with session_on(create_app(engine_state(), addon("127.0.0.1"))) as session:
        async with session.get("/", headers=INGRESS) as resp:
            assert resp.status == 200
            html = await resp.text()
        assert f'<base href="{PREFIX}/"><meta name="aetherlens-auth" content="ingress">' in html
        async with session.get(f"/{asset_paths(html)[0]}", headers=INGRESS) as resp:
            assert resp.status == 200
        async with session.get("/metrics", headers=INGRESS) as resp:
            assert resp.status == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Ingress-Path": "/elsewhere"},
        {"X-Ingress-Path": f'{PREFIX}"><script>alert(1)</script>'},
        {"X-Ingress-Path": f"{PREFIX}/../.."},
    ],
)
async def test_proxy_without_a_valid_prefix_is_no_ingress(headers: dict[str, str]) -> None:
    async with session_on(create_app(engine_state(), addon("127.0.0.1"))) as session:
        async with session.get("/", headers=headers) as resp:
            assert resp.status == 403
            body = await resp.json()
        assert body["error"]["code"] == "ingress_only"
        async with session.get("/metrics", headers=headers) as resp:
            assert resp.status == 401


async def test_addon_refuses_the_page_to_other_addresses_and_keeps_the_token() -> None:
    # The proxy is 127.0.0.2; this client connects from 127.0.0.1 and forges the header.
    async with session_on(create_app(engine_state(), addon("127.0.0.2"))) as session:
        async with session.get("/", headers={**INGRESS, **AUTH}) as resp:
            assert resp.status == 403
        async with session.get("/metrics", headers=INGRESS) as resp:
            assert resp.status == 401
        async with session.get("/metrics", headers=AUTH) as resp:
            assert resp.status == 200
        async with session.get("/api/v1/health") as resp:
            assert resp.status == 200


async def test_addon_accepts_the_proxy_from_its_real_address() -> None:
    async with session_on(
        create_app(engine_state(), addon("127.0.0.2")), source="127.0.0.2"
    ) as session:
        async with session.get("/metrics", headers=INGRESS) as resp:
            assert resp.status == 200
        async with session.get("/", headers=INGRESS) as resp:
            assert f'<base href="{PREFIX}/">' in await resp.text()


async def test_page_not_built_is_503(tmp_path: Path) -> None:
    app = web.Application(middlewares=[error_middleware(1024)])
    add_page_routes(app, IngressPolicy(), root=tmp_path)
    async with session_on(app) as session, session.get("/") as resp:
        assert resp.status == 503
        assert "frontend/test.sh" in (await resp.json())["error"]["message"]


def test_render_index_escapes_and_replaces_the_mark_once() -> None:
    html = render_index(f"<head>{CONFIG_MARK}</head>{CONFIG_MARK}", "/a&b")
    assert html == (
        '<head><base href="/a&amp;b/"><meta name="aetherlens-auth" content="ingress"></head>'
        + CONFIG_MARK
    )


def test_only_the_addons_entry_point_trusts_the_ingress_proxy() -> None:
    """Under the Supervisor (its token set) the add-on enables ingress; the engine never does."""
    assert ingress_policy({"SUPERVISOR_TOKEN": "x"}).enabled
    assert not ingress_policy({}).enabled
    assert not ingress_policy({"SUPERVISOR_TOKEN": ""}).enabled
    assert str(IngressPolicy().proxy) == "172.30.32.2"
    assert not IngressPolicy().enabled  # create_app's and the Engine's: standalone
