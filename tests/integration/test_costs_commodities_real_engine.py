"""get_costs by device of gas and water, in real Home Assistant core against the real engine.

The household of `tests/engine/test_api_ledger` (London, 10 November 2026, 12:30; the tariff
service priced every commodity): its water meter with a shower inside, and here a boiler
inside its gas meter. The summary the integration reads has the electricity devices only: the
action names the gas and water devices of its rows from the engine's device list.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from homeassistant.const import CONF_API_TOKEN, CONF_URL
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from aetherlens_engine import __version__
from aetherlens_engine.api import EngineState, create_app
from aetherlens_engine.pricing.service import TariffService
from custom_components.aetherlens.const import DOMAIN
from custom_components.aetherlens.services import SERVICE_GET_COSTS
from tests.engine.test_api_costs_commodity import RATE_GAS, TIER_2, gas_hour, stored
from tests.engine.test_api_ledger import LONDON, NOW, RUNNING, _household, hours
from tests.engine.test_api_support import add_device, migrate
from tests.engine.test_bill_ledger import GAS
from tests.http import serve_app

from .conftest import TOKEN, setup_entry

D = Decimal
TODAY = {"start": "2026-11-10T00:00:00+00:00", "end": "2026-11-11T00:00:00+00:00"}


@pytest.fixture
async def engine_url(db_pool: asyncpg.Pool) -> AsyncIterator[str]:
    """Serve the real engine on the household, every commodity priced by the tariff service."""
    await migrate(db_pool)
    await _household(db_pool)
    gas = await db_pool.fetchval("SELECT id FROM devices WHERE name = 'gas'")
    boiler = await add_device(db_pool, "Demo boiler consumption", "appliance", "m³")
    await db_pool.execute(
        "UPDATE devices SET commodity = 'gas', included_in = $2 WHERE id = $1", boiler, gas
    )
    await db_pool.executemany(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, $3, 1)",
        [(boiler, hour, 0.06) for hour in hours(datetime(2026, 11, 10, tzinfo=UTC), RUNNING)],
    )
    service = TariffService(db_pool, LONDON, clock=lambda: NOW)
    await service.start()
    for name in ("flat", GAS["name"], "City water"):
        await service.activate(name)
        await service.wait_settled()
    await service.stop()
    state = EngineState(
        __version__,
        "real-engine-ledger",
        db_pool,
        token=TOKEN,
        timezone=LONDON,
        currency="GBP",
        clock=lambda: NOW,
    )
    async with serve_app(create_app(state)) as url:
        yield url


async def _costs(hass: HomeAssistant, commodity: str) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN,
        SERVICE_GET_COSTS,
        {**TODAY, "resolution": "day", "group": "device", "commodity": commodity},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    return dict(response)


async def test_gas_and_water_devices_are_named(hass: HomeAssistant, engine_url: str) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="AetherLens",
        unique_id="real-engine-ledger",
        data={CONF_URL: engine_url, CONF_API_TOKEN: TOKEN},
    )
    await setup_entry(hass, entry)
    summary = entry.runtime_data.coordinator.data
    assert {device.name for device in summary.devices} == {"grid"}  # electricity's only

    gas = await _costs(hass, "gas")
    assert (gas["commodity"], gas["unit"]) == ("gas", "m³")
    rows = {row["device"]: D(row["cost"]) for row in gas["rows"]}
    # The boiler's 0.06 m³ of each hour's 0.1 (13 hours today, November's calorific value);
    # its name without the measure word, as its sensors' device is named.
    per_m3 = D("1.02264") * D("39.6") / D("3.6") * RATE_GAS
    boiler = 13 * stored(D("0.06") * per_m3)
    meter = 13 * gas_hour("39.6")
    assert rows == {"Demo boiler": boiler, "Rest of the house": meter - boiler}
    assert D(gas["total"]["cost"]) == meter

    water = await _costs(hass, "water")
    rows = {row["device"]: D(row["cost"]) for row in water["rows"]}
    shower, meter = 13 * stored(D("0.004") * TIER_2), 13 * stored(D("0.01") * TIER_2)
    assert rows == {"shower": shower, "Rest of the house": meter - shower}
    assert D(water["total"]["cost"]) == meter
