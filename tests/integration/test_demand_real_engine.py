"""Demand sensors and the peak warning event, against the real engine API on a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_API_TOKEN, CONF_URL
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from aetherlens_engine import __version__
from aetherlens_engine.api import EngineState, create_app
from custom_components.aetherlens.const import DOMAIN, EVENT_DEMAND_PEAK_WARNING
from tests.engine.test_api_demand import DEMAND, activate, record_demand_cycle
from tests.http import serve_app

from .conftest import TOKEN, next_update, setup_entry, state_of

INSTANCE_ID = "real-engine-demand-0123456789ab"
# 10:10 in Denver on 3 July: the window 10:00-10:15 is the current one.
NOW = datetime(2026, 7, 3, 16, 10, tzinfo=UTC)
CURRENT_HOUR = datetime(2026, 7, 3, 16, tzinfo=UTC)
DENVER = ZoneInfo("America/Denver")


class EngineClock:
    """The engine's clock, moved by the test."""

    def __init__(self) -> None:
        """Start at NOW."""
        self.now = NOW

    def __call__(self) -> datetime:
        """Return the engine's time."""
        return self.now


@pytest.fixture
def engine_clock() -> EngineClock:
    """The engine's clock."""
    return EngineClock()


@pytest.fixture
async def demand_engine_url(db_pool: asyncpg.Pool, engine_clock: EngineClock) -> AsyncIterator[str]:
    """Serve the engine on the demand cycle of test_api_demand.py, its demand tariff active."""
    await record_demand_cycle(db_pool)
    await activate(db_pool, DEMAND)
    state = EngineState(
        __version__, INSTANCE_ID, db_pool, token=TOKEN, timezone=DENVER, clock=engine_clock
    )
    async with serve_app(create_app(state)) as url:
        yield url


async def test_demand_sensors_and_one_warning_per_window(
    hass: HomeAssistant,
    demand_engine_url: str,
    db_pool: asyncpg.Pool,
    engine_clock: EngineClock,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The window 10:00-10:15 is on course for 9 kW over the cycle's 6 kW: one event, however
    many updates see it. At 10:20 the hour's 9 kW is the peak, 1 kW below the next tier, and
    the window 10:15-10:30 at 9 kW sets no new one: no event.
    """
    warnings = async_capture_events(hass, EVENT_DEMAND_PEAK_WARNING)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="AetherLens",
        unique_id=INSTANCE_ID,
        data={CONF_URL: demand_engine_url, CONF_API_TOKEN: TOKEN},
    )
    await setup_entry(hass, entry)
    peak, margin = "sensor.aetherlens_demand_peak_flat", "sensor.aetherlens_demand_margin_flat"
    state = state_of(hass, peak)
    assert (state.state, state.attributes["unit_of_measurement"]) == ("6.000", "kW")
    assert state.attributes["window_start"] == "2026-07-03T15:00:00+00:00"
    assert (state.attributes["projected_kw"], state.attributes["on_course"]) == ("9.000", True)
    assert (state.attributes["tier"], state.attributes["price_per_kw"]) == (0, "5")
    assert state_of(hass, margin).state == "4.000"
    assert state_of(hass, margin).attributes["next_tier_kw"] == "10.000"
    on_peak = state_of(hass, "sensor.aetherlens_demand_peak_on_peak")
    assert (on_peak.state, on_peak.attributes["on_course"]) == ("4.000", False)
    assert state_of(hass, "sensor.aetherlens_demand_margin_on_peak").state == "unknown"
    assert [event.data for event in warnings] == [
        {
            "config_entry_id": entry.entry_id,
            "tariff": "demand",
            "period": "flat",
            "window_start": "2026-07-03T16:00:00+00:00",
            "window_end": "2026-07-03T16:15:00+00:00",
            "projected_kw": "9.000",
            "peak_kw": "6.000",
            "margin_kw": "4.000",
            "price_per_kw": "5",
        }
    ]
    await next_update(hass, freezer)
    assert len(warnings) == 1

    engine_clock.now = CURRENT_HOUR + timedelta(minutes=20)
    await db_pool.execute("UPDATE energy_hourly SET energy_kwh = 2.4 WHERE hour = $1", CURRENT_HOUR)
    await db_pool.execute(
        "UPDATE rollup_progress SET folded_to = $1", CURRENT_HOUR + timedelta(minutes=16)
    )
    await next_update(hass, freezer)
    state = state_of(hass, peak)
    assert (state.state, state.attributes["window_start"]) == (
        "9.000",
        "2026-07-03T16:00:00+00:00",
    )
    assert (state.attributes["projected_kw"], state.attributes["on_course"]) == ("9.000", False)
    assert state_of(hass, margin).state == "1.000"
    assert len(warnings) == 1
