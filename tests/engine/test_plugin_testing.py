"""The SDK's pytest plugin: a plugin run by a real engine, and what it stored, for its tests."""

from __future__ import annotations

from decimal import Decimal

import pytest

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
