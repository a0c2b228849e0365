"""Third-party plugins installed with their hash from a package index on 127.0.0.1, then run.

The example AI API plugin is built into a wheel and served as a package index; the engine
installs it with pip (`--require-hashes`) into its venv and runs it against a faithful fake of
its endpoint. A wrong hash and a missing package are refused and reported in the health, and
the engine keeps serving.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp import web

from aetherlens_engine.config import load_config
from aetherlens_engine.engine import Engine
from aetherlens_engine.errors import ConfigError
from aetherlens_engine.plugins.packages import PackageInstaller, PluginPackage
from aetherlens_engine.plugins.registry import load_plugin_class
from tests.engine.wheels import build_wheel, package_index
from tests.http import serve_app
from tests.postgres import ScratchDatabase

KEY = "sk-admin-test"


async def _costs(request: web.Request) -> web.Response:
    """The AI API's costs endpoint, as the example's own fake answers: one page, one day."""
    if request.headers.get("Authorization") != f"Bearer {KEY}":
        return web.json_response({"error": {"message": "invalid key"}}, status=401)
    start = int(request.query["start_time"])
    bucket = {
        "start_time": start,
        "results": [{"amount": {"value": 0.75, "currency": "usd"}, "line_item": "chat"}],
    }
    return web.json_response({"object": "page", "data": [bucket], "has_more": False})


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    """The installed package's site directory and modules leave with the test."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(sys, "modules", dict(sys.modules))


@pytest.fixture
async def index(tmp_path: Path) -> AsyncIterator[tuple[str, str]]:
    wheel, sha256 = build_wheel("ai_api_costs", tmp_path)
    async with package_index(wheel) as url:
        yield url, sha256


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def _health(engine_dir: Path, port: int, until: str, name: str) -> dict[str, Any]:
    token = await asyncio.to_thread(lambda: next(engine_dir.glob("*token*")).read_text().strip())
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", headers=headers) as session:
        async with asyncio.timeout(60):
            while True:
                async with session.get("/api/v1/health") as resp:
                    health: dict[str, Any] = await resp.json()
                if health["plugins"][name]["status"] == until:
                    return health
                await asyncio.sleep(0.1)


@pytest.mark.usefixtures("isolated")
async def test_the_right_hash_installs_and_the_plugin_runs(
    database: ScratchDatabase, tmp_path: Path, index: tuple[str, str]
) -> None:
    url, sha256 = index
    app = web.Application()
    app.router.add_get("/v1/organization/costs", _costs)
    port = _free_port()
    data_dir = tmp_path / "engine"
    async with serve_app(app) as costs_url:
        config = load_config(
            environ={},
            overrides={
                "data_dir": str(data_dir),
                "database_url": database.dsn,
                "api": {"port": port},
                "plugin_packages": [{"requirement": "ai-api-costs==0.1.0", "sha256": sha256}],
                "plugin_index_url": url,
                "plugins": [
                    {
                        "name": "ai",
                        "plugin": "ai_api_costs",  # its entry point's name
                        "config": {
                            "url": f"{costs_url}/v1/organization/costs",
                            "api_key": KEY,
                            "days": 2,
                        },
                    }
                ],
            },
        )
        engine = Engine(config)
        await engine.start()
        try:
            health = await _health(data_dir, port, "healthy", "ai")
        finally:
            await engine.stop()
    assert health["plugin_packages"] == {
        "ai-api-costs": {"requirement": "ai-api-costs==0.1.0", "status": "installed", "error": None}
    }
    assert health["plugins"]["ai"]["plugin"] == "ai_api_costs"
    assert (data_dir / "plugin-venv" / "pyvenv.cfg").is_file()
    conn = await asyncpg.connect(database.dsn)
    try:
        total = await conn.fetchval("SELECT sum(amount) FROM cloud_costs WHERE dimension = 'total'")
    finally:
        await conn.close()
    assert total == Decimal("0.75")


@pytest.mark.usefixtures("isolated")
async def test_a_wrong_hash_and_a_missing_package_are_reported_and_the_engine_serves(
    database: ScratchDatabase, tmp_path: Path, index: tuple[str, str]
) -> None:
    url, sha256 = index
    wrong = sha256[::-1]
    port = _free_port()
    data_dir = tmp_path / "engine"
    config = load_config(
        environ={},
        overrides={
            "data_dir": str(data_dir),
            "database_url": database.dsn,
            "api": {"port": port},
            "plugin_packages": [
                {"requirement": "ai-api-costs==0.1.0", "sha256": wrong},
                {"requirement": "no-such-plugin==1.0", "sha256": sha256},
            ],
            "plugin_index_url": url,
            "plugins": [
                {"name": "ai", "plugin": "ai_api_costs"},
                {"name": "steady", "plugin": "tests.engine.fakes.plugins:SteadyPlugin"},
            ],
        },
    )
    engine = Engine(config)
    await engine.start()
    try:
        health = await _health(data_dir, port, "healthy", "steady")  # the others run
    finally:
        await engine.stop()
    packages = health["plugin_packages"]
    assert packages["ai-api-costs"]["status"] == "failed"
    error = packages["ai-api-costs"]["error"]
    assert error.startswith("the file does not match its sha256 (refused): ")
    assert f"Expected sha256 {wrong} Got {sha256}" in error
    assert packages["no-such-plugin"]["status"] == "failed"
    assert (
        "No matching distribution found for no-such-plugin==1.0"
        in (packages["no-such-plugin"]["error"])
    )
    ai = health["plugins"]["ai"]
    assert ai["status"] == "unavailable"
    assert "unknown plugin 'ai_api_costs'" in ai["last_error"]


@pytest.mark.usefixtures("isolated")
async def test_an_installed_package_is_not_fetched_again(
    tmp_path: Path, index: tuple[str, str]
) -> None:
    url, sha256 = index
    package = PluginPackage("ai-api-costs==0.1.0", sha256)
    installer = PackageInstaller(tmp_path / "venv", url)
    assert (await installer.install((package,)))["ai-api-costs"].status == "installed"
    assert load_plugin_class("ai_api_costs").manifest.name == "ai_api_costs"
    # The index gone, the venv keeps it.
    again = PackageInstaller(tmp_path / "venv", "http://127.0.0.1:9/simple")
    assert (await again.install((package,)))["ai-api-costs"].status == "installed"


def test_packages_are_validated(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"packages\.0\.requirement': expected name==version"):
        load_config(
            environ={},
            overrides={
                "data_dir": str(tmp_path),
                "plugin_packages": [{"requirement": "ai-api-costs>=1", "sha256": "0" * 64}],
            },
        )
    with pytest.raises(ConfigError, match=r"packages\.0\.sha256': expected the 64 hexadecimal"):
        load_config(
            environ={},
            overrides={
                "data_dir": str(tmp_path),
                "plugin_packages": [{"requirement": "a==1", "sha256": "abc"}],
            },
        )
