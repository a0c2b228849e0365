"""`GET /api/v1/demand`: the current cycle's demand peaks, tiers' margins and the window now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from aetherlens_engine.pricing.store.tariffs import save_tariff, set_active_tariff
from tests.engine.checked_api import checked
from tests.engine.test_api_support import add_device, client, engine_state, migrate

HOUR = timedelta(hours=1)
# 10:10 in Denver (MDT, UTC-6) on 3 July; the cycle began on 1 July.
NOW = datetime(2026, 7, 3, 16, 10, tzinfo=UTC)
DEMAND: dict[str, Any] = {
    "name": "demand",
    "currency": "USD",
    "timezone": "America/Denver",
    "energy": {"price": "0.1"},
    "demand": {
        "window_minutes": 15,
        "flat": [{"tiers": [{"up_to": 10, "price": 5}, {"price": "8.5"}]}],
        "periods": [{"name": "on-peak", "start": "15:00", "end": "19:00", "price": 12}],
    },
}


async def record_demand_cycle(pool: asyncpg.Pool) -> None:
    """Migrate; a grid meter: 1 kWh an hour from 1 July, 6 kWh at 09:00 today and 4 kWh
    on-peak on 2 July, and 1.2 kWh of the current hour folded up to 10:08 (9 kW).
    """
    await migrate(pool)
    grid = await add_device(pool, "grid", "grid", "kWh")
    first = datetime(2026, 7, 1, 6, tzinfo=UTC)
    hours = {first + n * HOUR: 1.0 for n in range(int((NOW - first) / HOUR))}
    hours[datetime(2026, 7, 3, 15, tzinfo=UTC)] = 6.0
    hours[datetime(2026, 7, 2, 22, tzinfo=UTC)] = 4.0
    hours[datetime(2026, 7, 3, 16, tzinfo=UTC)] = 1.2
    await pool.executemany(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, $3, 1)",
        [(grid, hour, kwh) for hour, kwh in hours.items()],
    )
    await pool.execute(
        "INSERT INTO rollup_progress (device_id, folded_to) VALUES ($1, $2)",
        grid,
        datetime(2026, 7, 3, 16, 8, tzinfo=UTC),
    )


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    """The demand cycle recorded (`record_demand_cycle`)."""
    await record_demand_cycle(db_pool)
    return db_pool


async def activate(pool: asyncpg.Pool, definition: dict[str, Any]) -> None:
    """Save DEFINITION and make it the active tariff."""
    async with pool.acquire() as conn:
        await save_tariff(conn, definition, datetime(2026, 1, 1, tzinfo=UTC))
        await set_active_tariff(conn, definition["name"])


async def _demand(pool: asyncpg.Pool) -> tuple[int, Any]:
    state = engine_state(pool, currency="USD", clock=lambda: NOW)
    async with client(state) as session:
        return await checked(session, "get", "/api/v1/demand")


async def test_peaks_margins_and_the_window_on_course(pool: asyncpg.Pool) -> None:
    """The window 10:00-10:15 metered 1.2 kWh in 8 minutes: on course for 9 kW, above the
    cycle's 6 kW of 09:00; 4 kW short of the second tier. It is not on-peak.
    """
    await activate(pool, DEMAND)
    status, body = await _demand(pool)
    assert status == 200
    assert (body["tariff"], body["currency"], body["window_minutes"]) == ("demand", "USD", 15)
    assert body["cycle"] == {"start": "2026-07-01", "end": "2026-08-01"}
    assert body["window"] == {
        "start": "2026-07-03T16:00:00+00:00",
        "end": "2026-07-03T16:15:00+00:00",
        "kwh": "1.200",
        "projected_kw": "9.000",
    }
    flat, on_peak = body["peaks"]
    assert flat == {
        "name": "flat",
        "peak_kw": "6.000",
        "window_start": "2026-07-03T15:00:00+00:00",
        "tier": 0,
        "price_per_kw": "5",
        "next_tier_kw": "10.000",
        "margin_kw": "4.000",
        "projected_kw": "9.000",
        "on_course": True,
    }
    assert on_peak == {
        "name": "on-peak",
        "peak_kw": "4.000",
        "window_start": "2026-07-02T22:00:00+00:00",
        "tier": 0,
        "price_per_kw": "12",
        "next_tier_kw": None,
        "margin_kw": None,
        "projected_kw": None,
        "on_course": False,
    }


async def test_a_window_below_the_peak_or_without_the_hour_so_far(pool: asyncpg.Pool) -> None:
    """0.4 kWh in 8 minutes is 3 kW: not on course. Without the rollups' progress the hour so
    far is unknown, and the window holds nothing.
    """
    await pool.execute("UPDATE energy_hourly SET energy_kwh = 0.4 WHERE hour = '2026-07-03T16:00Z'")
    await activate(pool, DEMAND)
    status, body = await _demand(pool)
    assert status == 200
    flat = body["peaks"][0]
    assert (flat["peak_kw"], flat["projected_kw"], flat["on_course"]) == ("6.000", "3.000", False)
    await pool.execute("DELETE FROM rollup_progress")
    status, body = await _demand(pool)
    assert (body["window"]["kwh"], body["peaks"][0]["projected_kw"]) == ("0.000", "0.000")


async def test_a_tariff_without_demand(pool: asyncpg.Pool) -> None:
    await activate(pool, {"name": "flat", "currency": "USD", "timezone": "America/Denver",
                           "energy": {"price": "0.1"}})  # fmt: skip
    status, body = await _demand(pool)
    assert status == 200
    assert (body["window_minutes"], body["window"], body["peaks"]) == (None, None, [])
    assert body["cycle"] == {"start": "2026-07-01", "end": "2026-08-01"}


async def test_without_an_active_tariff(pool: asyncpg.Pool) -> None:
    status, body = await _demand(pool)
    assert status == 409
    assert body["error"]["code"] == "no_active_tariff"
