"""The example plugins' data reach Home Assistant: a price sensor and a cloud cost sensor.

The real engine runs as a process (`aetherlens_engine serve`) on a real database, with both
example plugins installed as third-party packages (their wheels built from examples/, served by
a package index on 127.0.0.1, installed with their hashes) and each polling its own tests' fake
of its source on 127.0.0.1. A dynamic tariff is billed by the day-ahead series; the integration,
set up in Home Assistant against that engine, shows the price now the plugin wrote and the AI
API's cost today. Expected values come from the fakes' own figures, not from the engine.

The engine's clock, and the costs fake's, are pinned (tests/integration/pinned_engine.py) to the
last half minute of a month's first day: "today", the hour of the price and the days of the month
the plugin polled are those of one instant, whenever the test runs.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from homeassistant.const import CONF_API_TOKEN, CONF_URL
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

import aetherlens_engine
from aetherlens_engine.cluster import ManagedCluster
from aetherlens_engine.testing import free_port, scratch_database
from custom_components.aetherlens.const import DOMAIN
from tests.engine.wheels import EXAMPLES, build_wheel, package_index
from tests.http import serve_app

from .conftest import setup_entry, state_of

MARKUP = Decimal("0.015")  # the supplier's, per kWh (the plugin's markup_per_kwh)
GRID_FEE = Decimal("0.1")  # the tariff's schedule price, to which the series is added
DAYS = 3
TARIFF = {
    "name": "Day-ahead",
    "currency": "EUR",
    "timezone": "UTC",
    "energy": {"price": str(GRID_FEE), "dynamic": True},
}
REPO = Path(__file__).resolve().parents[2]  # where `tests` is a package
STARTUP_TIMEOUT = 180.0  # pip installs both packages first
# The engine's now: its DAYS polled days are 27 and 28 February and 1 March.
NOW = datetime(2026, 3, 1, 23, 59, 30, tzinfo=UTC)


def _example_tests(name: str) -> ModuleType:
    """Import examples/plugins/NAME's test module, where its fake of the source is."""
    path = EXAMPLES / name / "tests" / f"test_{name}.py"
    spec = importlib.util.spec_from_file_location(f"example_{name}_tests", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def examples(monkeypatch: pytest.MonkeyPatch) -> tuple[ModuleType, ModuleType]:
    """The two examples' test modules (their plugins' sources importable while they are used)."""
    for name in ("dayahead_prices", "ai_api_costs"):
        monkeypatch.syspath_prepend(str(EXAMPLES / name / "src"))
    monkeypatch.setattr(sys, "modules", dict(sys.modules))
    return _example_tests("dayahead_prices"), _example_tests("ai_api_costs")


@asynccontextmanager
async def _fake(path: str, handler: Any) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get(path, handler)
    async with serve_app(app) as url:
        yield f"{url}{path}"


def _options_file(options: dict[str, Any], data_dir: Path) -> Path:
    data_dir.mkdir()
    config = data_dir / "options.json"
    config.write_text(json.dumps(options))
    return config


@asynccontextmanager
async def _engine(
    options: dict[str, Any], data_dir: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Run the engine's `serve` with OPTIONS, its clock at NOW; stop it (SIGTERM) afterwards."""
    config = await asyncio.to_thread(_options_file, options, data_dir)
    package_root = Path(aetherlens_engine.__file__).parents[1]
    log = await asyncio.to_thread((data_dir / "engine.log").open, "ab")
    with log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.integration.pinned_engine",
            NOW.isoformat(),
            str(config),
            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(package_root), str(REPO)])},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=log,
        )
    try:
        yield process
    finally:
        process.terminate()
        async with asyncio.timeout(60):
            await process.wait()


def _tail(path: Path) -> str:
    return path.read_text()[-4000:]


def _token(data_dir: Path) -> str | None:
    token_file = data_dir / "api_token"
    return token_file.read_text().strip() if token_file.is_file() else None


async def _polled(process: asyncio.subprocess.Process, url: str, data_dir: Path) -> str:
    """Wait until both plugins have polled and stored; return the engine's token."""
    deadline = asyncio.get_running_loop().time() + STARTUP_TIMEOUT
    health: dict[str, Any] = {}
    async with aiohttp.ClientSession() as session:
        while asyncio.get_running_loop().time() < deadline:
            if process.returncode is not None:
                log = await asyncio.to_thread(_tail, data_dir / "engine.log")
                pytest.fail(f"the engine exited with {process.returncode}:\n{log}")
            if token := await asyncio.to_thread(_token, data_dir):
                try:
                    async with session.get(
                        f"{url}/api/v1/health", headers={"Authorization": f"Bearer {token}"}
                    ) as resp:
                        health = await resp.json()
                except aiohttp.ClientError:
                    health = {}
                plugins = health.get("plugins", {})
                if all(plugins.get(n, {}).get("last_success") for n in ("spot", "ai")):
                    return token
            await asyncio.sleep(0.5)
    log = await asyncio.to_thread(_tail, data_dir / "engine.log")
    pytest.fail(f"the plugins did not poll: {health}\n{log}")


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


async def test_the_example_plugins_data_reach_home_assistant(
    hass: HomeAssistant,
    postgres_cluster: ManagedCluster,
    examples: tuple[ModuleType, ModuleType],
    tmp_path: Path,
) -> None:
    """HA's price now is the day-ahead price of this hour (market price per kWh, the markup,
    the tariff's grid fee); the AI API account's cost today is the fake's bucket of today."""
    dayahead, ai_api = examples
    feed, costs = dayahead.FakeFeed(), ai_api.FakeCosts(clock=lambda: NOW)
    built = {name: build_wheel(name, tmp_path) for name in ("dayahead_prices", "ai_api_costs")}
    wheels = [wheel for wheel, _ in built.values()]
    tariff_file = tmp_path / "tariff.json"
    tariff_file.write_text(json.dumps(TARIFF))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    data_dir = tmp_path / "engine"
    async with AsyncExitStack() as stack:
        dsn = await stack.enter_async_context(scratch_database(postgres_cluster, timescaledb=True))
        index = await stack.enter_async_context(package_index(*wheels))
        feed_url = await stack.enter_async_context(_fake("/v1/marketdata", feed.marketdata))
        costs_url = await stack.enter_async_context(_fake("/v1/organization/costs", costs.costs))
        options = {
            "data_dir": str(data_dir),
            "database_url": dsn,
            "timezone": "UTC",
            "api": {"host": "127.0.0.1", "port": port},
            "tariff_file": str(tariff_file),
            "plugin_index_url": index,
            "plugin_packages": [
                {"requirement": f"{name.replace('_', '-')}==0.1.0", "sha256": sha256}
                for name, (_, sha256) in built.items()
            ],
            "plugins": [
                {
                    "name": "spot",
                    "plugin": "dayahead_prices",
                    "config": {"url": feed_url, "markup_per_kwh": str(MARKUP)},
                },
                {
                    "name": "ai",
                    "plugin": "ai_api_costs",
                    "config": {
                        "url": costs_url,
                        "api_key": ai_api.KEY,  # the key its fake takes
                        "account_name": "AI API",
                        "days": DAYS,
                    },
                },
            ],
        }
        process = await stack.enter_async_context(_engine(options, data_dir))
        token = await _polled(process, url, data_dir)
        instance_id = await _instance_id(url)
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="AetherLens",
            unique_id=instance_id,
            data={CONF_URL: url, CONF_API_TOKEN: token},
        )
        await setup_entry(hass, entry)
        price = state_of(hass, "sensor.aetherlens_current_price")
        cost_today = state_of(hass, "sensor.ai_api_cost_today")
        month = state_of(hass, "sensor.ai_api_month_to_date")
        assert await hass.config_entries.async_unload(entry.entry_id)

    # The price of the engine's hour.
    exact = Decimal(price.attributes["exact"])
    assert exact == GRID_FEE + dayahead.market_price(_hour(NOW)) / 1000 + MARKUP
    assert price.state == str(exact.quantize(Decimal("0.0001"), ROUND_HALF_UP))
    assert price.attributes["unit_of_measurement"] == "EUR/kWh"
    # Each of the fake's days costs 0.5 + 0.25 USD; the plugin polled the last DAYS of them.
    day_cost = Decimal("0.5") + Decimal("0.25")
    assert (cost_today.state, cost_today.attributes["unit_of_measurement"]) == ("0.75", "USD")
    today = NOW.date()
    polled = [today - timedelta(days=n) for n in range(DAYS)]
    in_month = sum(1 for day in polled if day.month == today.month)
    assert Decimal(month.attributes["exact"]) == day_cost * in_month


async def _instance_id(url: str) -> str:
    async with aiohttp.ClientSession() as session, session.get(f"{url}/api/v1/health") as resp:
        health: dict[str, Any] = await resp.json()
    return str(health["instance_id"])
