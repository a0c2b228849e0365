"""The summary's tariff figures: price now, billing cycle so far and projected, carbon today."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from aetherlens_engine.pricing.store.costs import write_costs
from aetherlens_engine.pricing.store.tariffs import save_tariff, set_active_tariff
from tests.engine.checked_api import checked
from tests.engine.test_api_support import add_device, client, engine_state, migrate
from tests.tariff_samples import DAY_NIGHT

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = timedelta(hours=1)
NOW = datetime(2024, 6, 16, 5, 30, tzinfo=UTC)  # 07:30 local on the 16th of June
TOU: dict[str, Any] = {
    **DAY_NIGHT,
    "taxes": [{"name": "VAT", "percent": 19}],
    "carbon": {"intensity": "0.5"},
}


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    await migrate(db_pool)
    return db_pool


async def test_summary_with_an_active_tariff(pool: asyncpg.Pool) -> None:
    """1 kWh an hour on the grid meter since 1 June; a fridge under it uses 0.25 kWh an hour.

    So far (complete hours to 07:00 local): 15 days x (12 x 0.30 + 12 x 0.20) + 7 x 0.20
    = 91.40, + 19 % = 108.766. Projected: 30 days x 6.00 = 180, + 19 % = 214.2. Carbon today
    (8 hours since local midnight, the current one included): 8 kWh x 0.5 = 4 kg; the fridge
    is part of the household and not added.
    """
    grid = await add_device(pool, "grid", "grid", "kWh")
    fridge = await add_device(pool, "fridge")
    first = datetime(2024, 6, 1, tzinfo=BERLIN).astimezone(UTC)
    hours: list[datetime] = []
    while first + len(hours) * HOUR < NOW:
        hours.append(first + len(hours) * HOUR)
    await pool.executemany(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, $3, 1)",
        [(device, hour, kwh) for hour in hours for device, kwh in ((grid, 1.0), (fridge, 0.25))],
    )
    async with pool.acquire() as conn:
        stored = await save_tariff(conn, TOU, datetime(2024, 1, 1, tzinfo=UTC))
        await set_active_tariff(conn, "day-night")
        await write_costs(conn, stored, first, NOW + HOUR, day_zone=BERLIN)
    state = engine_state(pool, timezone=BERLIN, currency="EUR", clock=lambda: NOW)
    async with client(state) as session:
        status, body = await checked(session, "get", "/api/v1/summary")
    assert status == 200
    assert body["price"] == {
        "current": "0.238",
        "period": "off",
        "next_change": "2024-06-16T06:00:00+00:00",
        "carbon_intensity": 0.5,
        "periods": ["day", "off"],
    }
    assert body["billing_cycle"] == {
        "start": "2024-06-01",
        "end": "2024-07-01",
        "cost_so_far": "108.766",
        "projected_total": "214.2",
        # What cost_so_far is made of: 91.4 + 19 % tax.
        "components": {
            "energy": "91.4",
            "surcharges": "0",
            "demand": "0",
            "fixed": "0",
            "credit": "0",
            "minimum": "0",
            "taxes": "17.366",
        },
    }
    assert body["tariff"] == {"name": "day-night", "version": 1}
    assert body["recompute"]["state"] == "idle"  # no tariff service in this state
    assert body["household"]["carbon_today_kg"] == 4.0
    assert body["household"]["energy_today_kwh"] == 8.0
