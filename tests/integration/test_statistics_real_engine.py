"""The cost statistics from the real engine API on a real database, at setup and as it prices.

HA's clock is frozen (the engine's is fixed at the same instant): "within a minute of setup" is
the first import at setup, and the next update a minute later.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.const import CONF_API_TOKEN, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from aetherlens_engine import __version__
from aetherlens_engine.api import EngineState, create_app
from aetherlens_engine.pricing.store.costs import PRICED_KINDS, write_costs
from aetherlens_engine.pricing.store.tariffs import save_tariff, set_active_tariff
from aetherlens_engine.tariffs.versions import StoredTariff
from custom_components.aetherlens import statistics
from custom_components.aetherlens.const import DOMAIN
from custom_components.aetherlens.services import SERVICE_GET_COSTS
from tests.engine.test_api_support import add_device, migrate
from tests.http import serve_app
from tests.tariff_samples import DAY_NIGHT

from .conftest import TOKEN, next_update, setup_entry

INSTANCE_ID = "real-engine-0123456789abcdef"
NOW = datetime(2026, 3, 29, 10, 30, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
HOUR = timedelta(hours=1)
# 1.5 kWh in each hour from 23:00 UTC to 09:00 (the last complete hour at NOW).
HOURS = [datetime(2026, 3, 28, 23, tzinfo=UTC) + n * HOUR for n in range(11)]
CENT = Decimal("0.01")


@pytest.fixture(autouse=True)
def _custom_integrations(
    recorder_db_url: str, enable_custom_integrations: None, socket_enabled: None
) -> None:
    """Prepare the recorder's database before Home Assistant starts, as the recorder needs."""


class PricingEngine:
    """The real engine API, with a grid meter whose hours the test prices when it wants."""

    def __init__(self, pool: asyncpg.Pool, grid: int, tariff: StoredTariff, url: str) -> None:
        """Serve POOL's engine at URL."""
        self.pool, self.grid, self.tariff, self.url = pool, grid, tariff, url

    async def price(self, until: datetime) -> None:
        """Price the grid meter's hours before UNTIL, as the engine's pricing stage does."""
        async with self.pool.acquire() as conn:
            await write_costs(conn, self.tariff, HOURS[0], until, day_zone=BERLIN)


@pytest.fixture
async def engine(db_pool: asyncpg.Pool) -> AsyncIterator[PricingEngine]:
    """Serve the engine on a migrated database: the grid's energy, an active tariff, no costs."""
    await migrate(db_pool)
    grid = await add_device(db_pool, "grid", "grid", "kWh")
    await db_pool.executemany(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, 1.5, 60)",
        [(grid, hour) for hour in HOURS],
    )
    async with db_pool.acquire() as conn:
        stored = await save_tariff(conn, DAY_NIGHT, datetime(2026, 1, 1, tzinfo=UTC))
        await set_active_tariff(conn, DAY_NIGHT["name"])
    state = EngineState(
        __version__, INSTANCE_ID, db_pool, token=TOKEN, timezone=BERLIN, clock=lambda: NOW
    )
    async with serve_app(create_app(state)) as url:
        yield PricingEngine(db_pool, grid, stored, url)


async def _cost_statistics(hass: HomeAssistant, grid: int) -> list[tuple[datetime, float]]:
    """Return the grid's cost statistic as (hour, sum)."""
    statistic_id = f"{DOMAIN}:cost_real_engine_0123456789abcdef_{grid}"
    await async_wait_recording_done(hass)
    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        HOURS[0] - HOUR,
        None,
        {statistic_id},
        "hour",
        None,
        {"sum"},
    )
    return [
        (datetime.fromtimestamp(row["start"], UTC), row["sum"] or 0.0)
        for row in rows.get(statistic_id, [])
    ]


async def _get_costs_total(hass: HomeAssistant, end: datetime) -> Decimal:
    response = await hass.services.async_call(
        DOMAIN,
        SERVICE_GET_COSTS,
        {"start": HOURS[0].isoformat(), "end": end.isoformat(), "resolution": "hour"},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    total = response["total"]
    assert isinstance(total, dict)
    return Decimal(str(total["cost"]))


def _cents(amount: float | Decimal) -> Decimal:
    return Decimal(str(amount)).quantize(CENT, ROUND_HALF_UP)


def test_priced_kinds_are_the_engines() -> None:
    """The integration waits for costs of exactly the kinds the engine prices."""
    assert frozenset(PRICED_KINDS) == statistics.PRICED_KINDS


@pytest.mark.usefixtures("recorder_mock")
async def test_cost_statistics_at_setup_and_a_later_priced_hour(
    hass: HomeAssistant, engine: PricingEngine, freezer: FrozenDateTimeFactory
) -> None:
    """Set up with 09:00 not priced yet: the hours before it are there at setup; 09:00 comes
    at the update after the engine prices it, and the sums equal get_costs to the cent."""
    freezer.move_to(NOW)
    await engine.price(HOURS[-1])  # everything but 09:00
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="AetherLens",
        unique_id=INSTANCE_ID,
        data={CONF_URL: engine.url, CONF_API_TOKEN: TOKEN},
    )
    await setup_entry(hass, entry)
    await hass.async_block_till_done(wait_background_tasks=True)

    imported = await _cost_statistics(hass, engine.grid)
    assert [hour for hour, _ in imported] == HOURS[:-1]
    assert _cents(imported[-1][1]) == _cents(await _get_costs_total(hass, HOURS[-1]))

    await next_update(hass, freezer)  # not priced yet: still waiting, nothing lost
    assert [hour for hour, _ in await _cost_statistics(hass, engine.grid)] == HOURS[:-1]

    await engine.price(HOURS[-1] + HOUR)
    await next_update(hass, freezer)
    imported = await _cost_statistics(hass, engine.grid)
    assert [hour for hour, _ in imported] == HOURS
    total = await _get_costs_total(hass, HOURS[-1] + HOUR)
    assert total > 0
    assert _cents(imported[-1][1]) == _cents(total)
