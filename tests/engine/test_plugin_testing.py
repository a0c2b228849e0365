"""The SDK's pytest plugin: a plugin run by a real engine, and what it stored, for its tests."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import asyncpg
import pytest

from aetherlens_engine.pricing.store.usage import price_series
from aetherlens_engine.testing import PluginEngine

FAKES = "tests.engine.fakes.plugins"


async def test_a_plugin_runs_and_its_records_are_there_to_query(
    plugin_engine: PluginEngine,
) -> None:
    status = await plugin_engine.run(f"{FAKES}:SteadyPlugin", {"account": "acct-7"}, polls=2)
    assert (status["plugin"], status["status"], status["refused"]) == ("steady", "healthy", 0)
    assert status["polls"] >= 2
    stored = await plugin_engine.fetch(
        "SELECT d.source_id, c.amount FROM cloud_costs c JOIN devices d ON d.id = c.device_id"
    )
    assert stored == [("acct-7", Decimal("1.25"))]


async def test_a_failing_plugin_fails_the_test_with_its_error(
    plugin_engine: PluginEngine,
) -> None:
    with pytest.raises(pytest.fail.Exception, match="the plugin failed: unexpected ZeroDivision"):
        await plugin_engine.run(f"{FAKES}:BrokenPlugin", {})


async def test_readings_prices_and_carbon_reach_the_pipeline(plugin_engine: PluginEngine) -> None:
    """Declared devices are made; readings, prices and carbon go in as readings; the price
    series a dynamic tariff bills by is the plugin's, tomorrow's prices too; a reading the
    pipeline refuses (an hour ahead) is left out."""
    await plugin_engine.run(f"{FAKES}:FeedPlugin", {})
    devices = await plugin_engine.fetch(
        "SELECT source, source_id, kind, unit, commodity FROM devices ORDER BY source_id"
    )
    assert devices == [
        ("feed", "carbon", "carbon", "kg/kWh", "electricity"),
        ("feed", "gas", "meter", "m³", "gas"),
        ("feed", "price:EUR", "price", "EUR/kWh", "electricity"),
    ]
    gas = await plugin_engine.fetch(
        "SELECT r.value FROM readings r JOIN devices d ON d.id = r.device_id"
        " WHERE d.source_id = 'gas' ORDER BY r.time"
    )
    assert gas == [(1200.5,), (1200.75,)]  # the reading an hour ahead is refused
    conn = await asyncpg.connect(plugin_engine.dsn)
    try:
        (first,) = await conn.fetchrow("SELECT min(time) FROM readings")
        prices = await price_series(conn, "EUR", first, first + timedelta(days=2))
    finally:
        await conn.close()
    assert prices is not None
    assert prices.values == (Decimal("0.2931"), Decimal("0.3105"), Decimal("0.1877"))
