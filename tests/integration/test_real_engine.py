"""The integration against the real engine API on a real, migrated database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_API_TOKEN, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from aetherlens_engine import __version__
from aetherlens_engine.api import EngineState, create_app
from custom_components.aetherlens.const import DOMAIN
from tests.engine.test_api_support import add_device, migrate
from tests.http import serve_app

from .conftest import TOKEN, state_of

INSTANCE_ID = "real-engine-0123456789abcdef"
# 12:30 in Berlin on the day clocks go forward: the local day began at 23:00 UTC the day before.
NOW = datetime(2026, 3, 29, 10, 30, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
async def real_engine_url(db_pool: asyncpg.Pool) -> AsyncIterator[str]:
    """Serve the engine's API on a migrated database holding a grid meter, a fridge and costs."""
    await migrate(db_pool)
    grid = await add_device(db_pool, "grid", "grid", "kWh")
    fridge = await add_device(db_pool, "fridge")
    tariff = await db_pool.fetchval(
        "INSERT INTO tariffs (name, version, definition, valid_from)"
        " VALUES ('flat', 1, '{}', '2026-01-01Z') RETURNING id"
    )
    for device, hour, kwh, cost in (
        (grid, datetime(2026, 3, 29, 5, tzinfo=UTC), 2.0, "0.6"),
        (grid, datetime(2026, 3, 28, 23, tzinfo=UTC), 1.0, "0.3"),
        (fridge, datetime(2026, 3, 29, 6, tzinfo=UTC), 0.5, "0.125"),
    ):
        await db_pool.execute(
            "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples)"
            " VALUES ($1, $2, $3, 60)",
            device,
            hour,
            kwh,
        )
        await db_pool.execute(
            "INSERT INTO cost_hourly (device_id, hour, tariff_id, energy_kwh, cost, currency)"
            " VALUES ($1, $2, $3, $4, $5, 'EUR')",
            device,
            hour,
            tariff,
            kwh,
            Decimal(cost),
        )
    state = EngineState(
        __version__, INSTANCE_ID, db_pool, token=TOKEN, timezone=BERLIN, clock=lambda: NOW
    )
    async with serve_app(create_app(state)) as url:
        yield url


async def test_setup_through_the_flow_against_the_real_engine(
    hass: HomeAssistant, real_engine_url: str
) -> None:
    """The user flow checks URL and token on the real engine; the entry then shows its figures."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: real_engine_url, CONF_API_TOKEN: "not-the-token"}
    )
    assert result["errors"] == {CONF_API_TOKEN: "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: real_engine_url, CONF_API_TOKEN: TOKEN}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.unique_id == INSTANCE_ID
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    states = {
        entity_id: state_of(hass, entity_id).state
        for entity_id in (
            "sensor.aetherlens_cost_today",
            "sensor.aetherlens_energy_today",
            "sensor.aetherlens_current_price",
            "sensor.grid_cost_today",
            "sensor.grid_energy_today",
            "sensor.fridge_cost_today",
            "sensor.fridge_energy_today",
        )
    }
    # The grid meter is the household; the fridge is a sub-meter of it.
    assert states == {
        "sensor.aetherlens_cost_today": "0.9",
        "sensor.aetherlens_energy_today": "3.0",
        "sensor.aetherlens_current_price": "unknown",
        "sensor.grid_cost_today": "0.9",
        "sensor.grid_energy_today": "3.0",
        "sensor.fridge_cost_today": "0.125",
        "sensor.fridge_energy_today": "0.5",
    }
    last_reset = state_of(hass, "sensor.aetherlens_cost_today").attributes["last_reset"]
    assert last_reset == "2026-03-29T00:00:00+01:00"
