# ruff: noqa: INP001 - benchmarks are scripts run by path, not a package
"""One coordinator update of the integration with 200 metered devices: time and state writes.

Runs Home Assistant in-process with the test harness (as the integration's tests do), the
integration set up against the tests' fixture engine over real HTTP on 127.0.0.1 serving a
summary of 200 devices. Measures updates where one device's energy changed (one state write is
expected: only changed states are written), where nothing changed (none) and where every device's
figures changed (energy and cost today: two sensors per device). Prints one JSON line.

    scripts/devenv run python benchmarks/integration.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest.mock import patch

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "addon"), str(REPO)]

from aiohttp import ThreadedResolver  # noqa: E402
from homeassistant.const import CONF_API_TOKEN, CONF_URL, EVENT_STATE_CHANGED  # noqa: E402
from homeassistant.core import Event, HomeAssistant, callback  # noqa: E402
from homeassistant.loader import DATA_CUSTOM_COMPONENTS  # noqa: E402
from pytest_homeassistant_custom_component.common import (  # noqa: E402
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.aetherlens.const import DOMAIN  # noqa: E402
from tests.http import serve_app  # noqa: E402
from tests.integration.conftest import ENGINE_INSTANCE_ID, TOKEN, FixtureEngine  # noqa: E402

DEVICES = 200
_RESOLVER = "homeassistant.helpers.aiohttp_client._async_make_resolver"


def _devices(engine: FixtureEngine) -> list[dict[str, Any]]:
    template = engine.summary["devices"][1]
    return [
        {**template, "id": 100 + n, "name": f"Plug {n}", "source_id": f"sensor.plug_{n}"}
        for n in range(DEVICES)
    ]


async def _measure(
    hass: HomeAssistant, entry: MockConfigEntry, change: Callable[[int], None], rounds: int
) -> dict[str, float]:
    """Time ROUNDS updates, each after CHANGE(round); count the state writes of each."""
    coordinator = entry.runtime_data.coordinator
    writes: list[int] = []
    seconds: list[float] = []
    written = 0

    @callback
    def _count(_: Event[Any]) -> None:
        nonlocal written
        written += 1

    unsubscribe = hass.bus.async_listen(EVENT_STATE_CHANGED, _count)
    try:
        for round_ in range(rounds):
            change(round_)
            written = 0
            started = time.perf_counter()
            await coordinator.async_refresh()
            await hass.async_block_till_done()
            seconds.append(time.perf_counter() - started)
            writes.append(written)
    finally:
        unsubscribe()
    return {
        "p50_ms": round(statistics.median(seconds) * 1000, 2),
        "max_ms": round(max(seconds) * 1000, 2),
        "state_writes": statistics.median(writes),
        "state_writes_max": max(writes),
    }


async def run(rounds: int) -> dict[str, Any]:
    """Set the integration up on 200 devices and measure updates."""
    engine = FixtureEngine()
    engine.summary["devices"] = _devices(engine)
    # As the test plugin does: resolve names without zeroconf (there is no network here).
    resolver = ThreadedResolver()
    resolver.real_close = resolver.close  # type: ignore[attr-defined]
    with (
        tempfile.TemporaryDirectory() as config_dir,
        patch(_RESOLVER, return_value=resolver),
    ):
        return await _run(engine, config_dir, rounds)


async def _run(engine: FixtureEngine, config_dir: str, rounds: int) -> dict[str, Any]:
    devices = engine.summary["devices"]
    async with (
        serve_app(engine.app()) as url,
        async_test_home_assistant(config_dir=config_dir) as hass,
    ):
        # The harness hides custom integrations; the tests' enable_custom_integrations does this.
        hass.data.pop(DATA_CUSTOM_COMPONENTS)
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="AetherLens",
            unique_id=ENGINE_INSTANCE_ID,
            data={CONF_URL: url, CONF_API_TOKEN: TOKEN},
        )
        entry.add_to_hass(hass)
        started = time.perf_counter()
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        setup_ms = (time.perf_counter() - started) * 1000
        entities = len(hass.states.async_entity_ids())

        def one_device(round_: int) -> None:
            devices[round_ % DEVICES]["energy_today_kwh"] += 0.001

        def nothing(_: int) -> None:
            """Leave the summary as it is."""

        def every_device(_: int) -> None:
            for device in devices:
                device["energy_today_kwh"] += 0.001
                device["energy_month_kwh"] += 0.001
                device["cost_today"] = str(float(device["cost_today"]) + 0.001)

        result = {
            "benchmark": "integration",
            "devices": DEVICES,
            "entities": entities,
            "rounds": rounds,
            "setup_ms": round(setup_ms, 1),
            "one_device_changed": await _measure(hass, entry, one_device, rounds),
            "nothing_changed": await _measure(hass, entry, nothing, rounds),
            "every_device_changed": await _measure(hass, entry, every_device, rounds),
            "summary_requests": engine.summary_requests,
        }
        assert await hass.config_entries.async_unload(entry.entry_id)
    return result


def main() -> None:
    """Run the benchmark and print its figures as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="updates measured per case")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.rounds))))


if __name__ == "__main__":
    main()
