"""Swagger UI at /api/docs in a real browser (Chromium): standalone and behind an ingress proxy.

The UI loads the engine's document and lists every operation; "Try it out" reaches the engine
with the token (standalone) or through the proxy (add-on). The proxy here is a real HTTP server
doing what the Supervisor's ingress does (strip the prefix, add X-Ingress-Path): the Supervisor
cannot run in the tests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from ipaddress import ip_address

import aiohttp
from aiohttp import web
from playwright.async_api import Page, async_playwright

from aetherlens_engine.api import create_app
from aetherlens_engine.api.openapi import build_spec
from aetherlens_engine.web import IngressPolicy
from tests.engine.test_api_support import AUTH, TOKEN, engine_state
from tests.http import serve_app

CHROMIUM = "/usr/bin/chromium"
PREFIX = "/api/hassio_ingress/AbC-d_9"
TIMEOUT_MS = 30_000


def ingress_proxy(engine: str) -> web.Application:
    """Return an app forwarding PREFIX/... to ENGINE/... with the ingress header."""

    async def forward(request: web.Request) -> web.Response:
        async with (
            aiohttp.ClientSession() as session,
            session.request(
                request.method,
                f"{engine}/{request.match_info['tail']}",
                params=request.query,
                data=await request.read(),
                headers={"X-Ingress-Path": PREFIX},
            ) as resp,
        ):
            body = await resp.read()
            return web.Response(body=body, status=resp.status, content_type=resp.content_type)

    app = web.Application()
    app.router.add_route("*", PREFIX + "/{tail:.*}", forward)
    return app


@asynccontextmanager
async def browser() -> AsyncIterator[Page]:
    """Yield a Chromium page that fails the test on a script error."""
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            page = await (await chromium.new_context()).new_page()
            page.set_default_timeout(TIMEOUT_MS)
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            yield page
            assert errors == [], errors
        finally:
            await chromium.close()


async def listed_operations(page: Page) -> set[tuple[str, str]]:
    """Return the (method, path) of every operation the UI lists, once it has drawn them."""
    expected = sum(len(methods) for methods in build_spec("test", 10)["paths"].values())
    await page.locator(".opblock").nth(expected - 1).wait_for()
    assert await page.locator(".opblock").count() == expected
    blocks = await page.locator(".opblock .opblock-summary").all()
    return {
        (
            (await block.locator(".opblock-summary-method").inner_text()).lower(),
            (await block.locator(".opblock-summary-path").get_attribute("data-path")) or "",
        )
        for block in blocks
    }


async def try_metrics(page: Page) -> str:
    """Run GET /metrics with "Try it out"; return the status the UI shows."""
    block = page.locator("#operations-default-getMetrics")
    await block.locator(".opblock-summary").click()
    await block.get_by_role("button", name="Try it out").click()
    await block.get_by_role("button", name="Execute").click()
    status = block.locator(".live-responses-table .response .response-col_status")
    return (await status.first.inner_text()).strip()


def documented() -> set[tuple[str, str]]:
    spec = build_spec("test", 10)
    return {(method, path) for path, methods in spec["paths"].items() for method in methods}


async def test_docs_list_the_document_and_call_with_the_token() -> None:
    async with serve_app(create_app(engine_state(), IngressPolicy())) as url, browser() as page:
        async with aiohttp.ClientSession() as session, session.get(f"{url}/api/docs") as resp:
            assert resp.status == 200  # public, like the page: it holds no data
            assert "script-src" not in resp.headers["Content-Security-Policy"]
        await page.goto(f"{url}/api/docs")
        assert await listed_operations(page) == documented()
        assert await try_metrics(page) == "401"  # no token yet
        await page.get_by_role("button", name="Authorize").first.click()
        await page.locator(".auth-container input").fill(TOKEN)
        await page.locator(".auth-btn-wrapper").get_by_role("button", name="Authorize").click()
        await page.get_by_role("button", name="Close").click()
        await page.locator("#operations-default-getMetrics .btn-clear").click()
        await (
            page.locator("#operations-default-getMetrics")
            .get_by_role("button", name="Execute")
            .click()
        )
        status = page.locator("#operations-default-getMetrics .live-responses-table .response")
        await status.locator(".response-col_status", has_text="200").wait_for()


async def test_docs_behind_the_ingress_proxy() -> None:
    policy = IngressPolicy(enabled=True, proxy=ip_address("127.0.0.1"))
    async with (
        serve_app(create_app(engine_state(), policy)) as engine,
        serve_app(ingress_proxy(engine)) as proxy,
        browser() as page,
    ):
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{engine}/api/docs", headers=AUTH) as resp,
        ):
            assert resp.status == 403  # the add-on's UI opens through ingress only
        await page.goto(f"{proxy}{PREFIX}/api/docs")
        assert await listed_operations(page) == documented()
        assert await try_metrics(page) == "200"  # the proxy authenticated the user
