"""`GET /api/v1/price`: price, period and next change of the active tariff at a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from aetherlens_engine.api import EngineState
from aetherlens_engine.pricing.store.tariffs import save_tariff, set_active_tariff
from tests.engine.checked_api import checked
from tests.engine.test_api_support import add_device, client, engine_state, migrate
from tests.tariff_samples import DAY_NIGHT

BERLIN = ZoneInfo("Europe/Berlin")
# Day rate 08:00-20:00 local, off-peak around it (one period in two rules), 19 % VAT.
TOU: dict[str, Any] = {
    **DAY_NIGHT,
    "taxes": [{"name": "VAT", "percent": 19}],
    "export": {"rule": "net_billing", "price": "0.08"},
    "carbon": {"intensity": "0.4"},
}


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    await migrate(db_pool)
    return db_pool


async def _activate(pool: asyncpg.Pool, definition: dict[str, Any]) -> None:
    async with pool.acquire() as conn:
        await save_tariff(conn, definition, datetime(2024, 1, 1, tzinfo=UTC))
        await set_active_tariff(conn, definition["name"])


async def _price(pool: asyncpg.Pool, now: datetime) -> dict[str, Any]:
    state: EngineState = engine_state(pool, timezone=BERLIN, clock=lambda: now)
    async with client(state) as session:
        status, body = await checked(session, "get", "/api/v1/price")
    assert status == 200
    result: dict[str, Any] = body
    return result


async def test_without_tariff_every_figure_is_null(pool: asyncpg.Pool) -> None:
    body = await _price(pool, datetime(2024, 6, 10, tzinfo=UTC))
    assert body == {
        "currency": "EUR",
        "tariff": None,
        "current": None,
        "period": None,
        "next_change": None,
        "next_price": None,
        "next_period": None,
        "carbon_intensity": None,
        "export": None,
    }


async def test_next_change_at_the_tou_boundary(pool: asyncpg.Pool) -> None:
    """07:30 local (CEST): off-peak 0.20 + 19 % = 0.238; at 08:00 local (06:00 UTC) 0.357."""
    await _activate(pool, TOU)
    body = await _price(pool, datetime(2024, 6, 10, 5, 30, tzinfo=UTC))
    assert body == {
        "currency": "EUR",
        "tariff": "day-night",
        "current": "0.238",
        "period": "off",
        "next_change": "2024-06-10T06:00:00+00:00",
        "next_price": "0.357",
        "next_period": "day",
        "carbon_intensity": 0.4,
        "export": "0.08",
    }


async def test_midnight_between_two_off_peak_rules_is_no_change(pool: asyncpg.Pool) -> None:
    """21:00 local: off-peak runs on past midnight; the next change is 08:00 the next day."""
    await _activate(pool, TOU)
    body = await _price(pool, datetime(2024, 6, 10, 19, tzinfo=UTC))
    assert (body["period"], body["next_change"], body["next_period"]) == (
        "off",
        "2024-06-11T06:00:00+00:00",
        "day",
    )


async def test_next_change_on_the_spring_forward_day(pool: asyncpg.Pool) -> None:
    """Berlin, 2024-03-31: 01:30 CET (00:30 UTC); 08:00 is CEST by then, i.e. 06:00 UTC."""
    await _activate(pool, TOU)
    body = await _price(pool, datetime(2024, 3, 31, 0, 30, tzinfo=UTC))
    assert (body["period"], body["next_change"]) == ("off", "2024-03-31T06:00:00+00:00")


async def test_boundary_in_the_skipped_hour_changes_when_the_clock_jumps(
    pool: asyncpg.Pool,
) -> None:
    """A period starting at 02:30 local starts, on 2024-03-31, at 03:00 CEST (01:00 UTC)."""
    night = {
        **TOU,
        "name": "night",
        "energy": {
            "periods": [
                {"name": "early", "end": "02:30", "price": "0.10"},
                {"name": "late", "start": "02:30", "price": "0.40"},
            ]
        },
        "taxes": [],
    }
    await _activate(pool, night)
    body = await _price(pool, datetime(2024, 3, 31, 0, 30, tzinfo=UTC))
    assert (body["current"], body["next_change"], body["next_price"]) == (
        "0.1",
        "2024-03-31T01:00:00+00:00",
        "0.4",
    )


async def test_price_follows_the_cycles_tier_position(pool: asyncpg.Pool) -> None:
    """12 kWh recorded this cycle: past the 10 kWh tier, the next kWh costs the second price."""
    tiered = {
        "name": "tiered",
        "currency": "EUR",
        "timezone": "UTC",
        "energy": {
            "periods": [
                {"name": "all", "tiers": [{"up_to": 10, "price": "0.10"}, {"price": "0.30"}]}
            ]
        },
    }
    await _activate(pool, tiered)
    assert (await _price(pool, datetime(2024, 6, 10, tzinfo=UTC)))["current"] == "0.1"
    grid = await add_device(pool, "grid", "grid", "kWh")
    await pool.executemany(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, 6, 1)",
        [(grid, datetime(2024, 6, day, tzinfo=UTC)) for day in (1, 9)],
    )
    body = await _price(pool, datetime(2024, 6, 10, tzinfo=UTC))
    assert (body["current"], body["next_change"]) == ("0.3", None)  # a flat tariff never changes


async def test_dynamic_price_and_its_next_step(pool: asyncpg.Pool) -> None:
    """Spot price + 0.05: 0.10 until 12:00 UTC (the 11:00 step repeats it), then 0.25."""
    dynamic = {
        "name": "spot",
        "currency": "EUR",
        "timezone": "Europe/Berlin",
        "energy": {"price": "0.05", "dynamic": True},
        "export": {"rule": "net_billing", "price": "0", "dynamic": True},
    }
    await _activate(pool, dynamic)
    now = datetime(2024, 6, 10, 10, 30, tzinfo=UTC)
    assert (await _price(pool, now))["current"] is None  # no price recorded yet
    state = engine_state(pool, timezone=BERLIN, clock=lambda: now)
    async with client(state) as session:
        status, body = await checked(session, "get", "/api/v1/projection")
        _, summary = await checked(session, "get", "/api/v1/summary")
    assert (status, body["error"]["code"]) == (409, "cannot_bill")
    # The summary still shows the cycle, without amounts it cannot know.
    assert summary["billing_cycle"] == {
        "start": "2024-06-01",
        "end": "2024-07-01",
        "cost_so_far": None,
        "projected_total": None,
        "components": None,
    }
    assert body["error"]["message"] == (
        "tariff 'spot' has dynamic prices, but no price device records EUR/kWh in this "
        "billing cycle"
    )
    spot = await add_device(pool, "spot", "price", "EUR/kWh")
    await pool.executemany(
        "INSERT INTO readings (device_id, time, value) VALUES ($1, $2, $3)",
        [
            (spot, datetime(2024, 6, 10, hour, tzinfo=UTC), value)
            for hour, value in ((10, 0.10), (11, 0.10), (12, 0.25), (13, 0.25))
        ],
    )
    body = await _price(pool, now)
    assert (body["current"], body["next_change"], body["next_price"], body["export"]) == (
        "0.15",
        "2024-06-10T12:00:00+00:00",
        "0.3",
        "0.1",
    )
    assert body["period"] == body["next_period"] == "energy"
    assert (await _price(pool, now + timedelta(hours=3)))["next_change"] is None
