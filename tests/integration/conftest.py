"""Fixtures of the integration's tests: a real engine API on 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Generator
from unittest.mock import AsyncMock, patch

import pytest
from aiohttp import web
from homeassistant.const import CONF_URL
from pytest_homeassistant_custom_component.common import MockConfigEntry

from aetherlens_engine import __version__
from aetherlens_engine.api import EngineState, create_app
from custom_components.aetherlens.const import DOMAIN

ENGINE_INSTANCE_ID = "0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def _custom_integrations(enable_custom_integrations: None, socket_enabled: None) -> None:
    """Let HA load custom integrations; allow the loopback connections to the test engine."""


async def _serve(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


@pytest.fixture
async def engine_url() -> AsyncIterator[str]:
    """Serve the real engine API (without a database) and return its URL."""
    async for url in _serve(create_app(EngineState(__version__, ENGINE_INSTANCE_ID))):
        yield url


@pytest.fixture
async def foreign_url() -> AsyncIterator[str]:
    """Serve something that is not an AetherLens engine."""
    app = web.Application()

    async def hello(_: web.Request) -> web.Response:
        return web.json_response({"hello": "world"})

    app.router.add_get("/api/v1/health", hello)
    async for url in _serve(app):
        yield url


@pytest.fixture
def closed_url() -> str:
    """Return a loopback URL where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def mock_config_entry(engine_url: str) -> MockConfigEntry:
    """Return a config entry for the test engine."""
    return MockConfigEntry(
        domain=DOMAIN, title="AetherLens", unique_id=ENGINE_INSTANCE_ID, data={CONF_URL: engine_url}
    )


@pytest.fixture
def mock_setup_entry() -> Generator[AsyncMock]:
    """Keep the config flow tests from setting the entry up."""
    with patch("custom_components.aetherlens.async_setup_entry", return_value=True) as mock:
        yield mock
