"""`GET /api/v1/ledger` on a real database: each part hand-computed, the totals their sums.

The household in London on 10 November 2026, 12:30: an electricity grid meter (1 kWh an hour
since 1 November, a flat tariff), a gas meter (0.1 m³ an hour since its cycle began on
20 October, priced per kWh with calorific values, across the October DST change), a water meter
(0.01 m³ an hour since 15 October, daily tiers and sewage on 95 % of the volume) with a shower
inside it, and a cloud account (1.50 a day).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from aetherlens_engine.pricing.store.costs import write_costs
from aetherlens_engine.pricing.store.tariffs import save_tariff, set_active_tariff
from tests.engine.checked_api import checked
from tests.engine.test_api_support import add_device, client, engine_state, migrate
from tests.engine.test_bill_ledger import GAS, WATER

D = Decimal
HOUR = timedelta(hours=1)
LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 10, 12, 30, tzinfo=UTC)
MONTH = datetime(2026, 11, 1, tzinfo=UTC)  # local midnight (GMT)
RUNNING = datetime(2026, 11, 10, 13, tzinfo=UTC)  # the end of the hour NOW is in
ELECTRICITY: dict[str, Any] = {
    "name": "flat",
    "currency": "GBP",
    "timezone": "Europe/London",
    "energy": {"price": "0.25"},
    "fixed": [{"name": "standing", "amount": "5"}],
}
LONDON_WATER = WATER | {"currency": "GBP", "timezone": "Europe/London"}


def hours(first: datetime, end: datetime) -> list[datetime]:
    return [first + n * HOUR for n in range(int((end - first) / HOUR))]


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    await migrate(db_pool)
    return db_pool


async def _meter(pool: asyncpg.Pool, name: str, commodity: str, kind: str, unit: str) -> int:
    device = await add_device(pool, name, kind, unit)
    await pool.execute("UPDATE devices SET commodity = $2 WHERE id = $1", device, commodity)
    return device


async def _household(pool: asyncpg.Pool) -> None:
    grid = await add_device(pool, "grid", "grid", "kWh")
    gas = await _meter(pool, "gas", "gas", "meter", "m³")
    water = await _meter(pool, "water", "water", "meter", "m³")
    shower = await _meter(pool, "shower", "water", "appliance", "m³")
    await pool.execute("UPDATE devices SET included_in = $1 WHERE id = $2", water, shower)
    rows = [(grid, hour, 1.0) for hour in hours(MONTH, RUNNING)]
    rows += [(gas, hour, 0.1) for hour in hours(datetime(2026, 10, 19, 23, tzinfo=UTC), RUNNING)]
    rows += [(water, hour, 0.01) for hour in hours(datetime(2026, 10, 14, 23, tzinfo=UTC), RUNNING)]
    rows += [(shower, hour, 0.004) for hour in hours(MONTH, RUNNING)]
    await pool.executemany(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, $3, 1)",
        rows,
    )
    account = await add_device(pool, "aws", "cloud_account", None)
    await pool.executemany(
        "INSERT INTO cloud_costs (device_id, day, dimension, amount, currency)"
        " VALUES ($1, $2, 'total', 1.50, 'GBP')",
        [(account, date(2026, 11, day)) for day in range(1, 11)],
    )
    await pool.execute(
        "INSERT INTO cloud_forecasts (device_id, month, amount, currency)"
        " VALUES ($1, '2026-11-01', 45, 'GBP')",
        account,
    )
    async with pool.acquire() as conn:
        start = datetime(2026, 1, 1, tzinfo=UTC)
        electric = await save_tariff(conn, ELECTRICITY, start)
        for definition in (ELECTRICITY, GAS, LONDON_WATER):
            if definition is not ELECTRICITY:
                await save_tariff(conn, definition, start)
            await set_active_tariff(conn, definition["name"])
        # As the engine prices what the rollups touched: the running hour too.
        await write_costs(conn, electric, MONTH, RUNNING, day_zone=LONDON)


def _kwh_per_m3(calorific_value: str) -> Decimal:
    return D("1.02264") * D(calorific_value) / D("3.6")


async def test_each_part_is_hand_computed_and_the_total_is_their_sum(pool: asyncpg.Pool) -> None:
    await _household(pool)
    state = engine_state(pool, timezone=LONDON, currency="GBP", clock=lambda: NOW)
    async with client(state) as session:
        status, body = await checked(session, "get", "/api/v1/ledger")
    assert status == 200
    parts = {part["commodity"]: part for part in body["parts"]}
    assert list(parts) == ["electricity", "gas", "water", "cloud"]

    # Electricity: 13 hours today (00:00-12:59), 229 this month at 0.25; the cycle so far is
    # its complete hours (228) plus the standing charge.
    electricity = parts["electricity"]
    assert (electricity["today"], electricity["month"]) == ("3.25", "57.25")
    assert (electricity["cycle_start"], electricity["cycle_so_far"]) == ("2026-11-01", "62")

    # Gas: each hour's m³ in kWh at 39.6 MJ/m³ (November), 0.0624 a kWh plus 5 % VAT.
    gas = parts["gas"]
    hourly_kwh = D("0.1") * _kwh_per_m3("39.6")
    assert D(gas["usage_today"]) == pytest.approx(13 * hourly_kwh, abs=D("1e-20"))
    rate = D("0.0624") * D("1.05")
    assert D(gas["today"]) == pytest.approx(13 * hourly_kwh * rate, abs=D("1e-20"))
    assert D(gas["month"]) == pytest.approx(229 * hourly_kwh * rate, abs=D("1e-20"))
    # Its cycle from 20 October: 289 hours in October at 39.2, 228 complete in November, the
    # whole cycle's standing charge (31 days), VAT on both.
    october = 289 * D("0.1") * _kwh_per_m3("39.2")
    so_far = ((october + 228 * hourly_kwh) * D("0.0624") + 31 * D("0.3142")) * D("1.05")
    assert (gas["cycle_start"], gas["unit"]) == ("2026-10-20", "kWh")
    assert D(gas["price_now"]) == rate
    assert D(gas["cycle_so_far"]) == pytest.approx(so_far, abs=D("1e-20"))

    # Water (the shower is inside the meter: not counted again): the cycle from 15 October
    # (31 days: 4.65 m³ in the first tier) had 4.09 m³ by 1 November, so November's first
    # 56 hours are in the first tier and the rest in the second; sewage 0.95 x 2.10; 7 % tax.
    water = parts["water"]
    sewage = D("0.95") * D("2.10")
    month = (56 * D("1.80") + 173 * D("2.40") + 229 * sewage) * D("0.01") * D("1.07")
    assert D(water["usage_month"]) == D("2.29")
    assert D(water["month"]) == month
    assert D(water["today"]) == 13 * D("0.01") * (D("2.40") + sewage) * D("1.07")
    assert D(water["price_now"]) == (D("2.40") + sewage) * D("1.07")  # the second tier now
    assert electricity["price_now"] is None  # the summary's price is electricity's
    so_far = (D("4.65") * D("1.80") + D("1.72") * D("2.40") + D("6.37") * sewage + D("8.50")) * D(
        "1.07"
    )
    assert D(water["cycle_so_far"]) == so_far

    cloud = parts["cloud"]
    assert (cloud["today"], cloud["month"], cloud["projected"]) == ("1.5", "15", "45")
    assert (cloud["cycle_start"], cloud["cycle_end"]) == ("2026-11-01", "2026-12-01")

    for field in ("today", "month", "cycle_so_far"):
        assert D(body["total"][field]) == sum(D(part[field]) for part in body["parts"]), field
    assert D(body["total"]["today"]) == pytest.approx(
        D("3.25") + 13 * hourly_kwh * rate + D(water["today"]) + D("1.5"), abs=D("1e-20")
    )


async def test_without_gas_and_water_tariffs_those_parts_are_unpriced(pool: asyncpg.Pool) -> None:
    await add_device(pool, "grid", "grid", "kWh")
    state = engine_state(pool, timezone=LONDON, currency="GBP", clock=lambda: NOW)
    async with client(state) as session:
        status, body = await checked(session, "get", "/api/v1/ledger")
    assert status == 200
    assert [(p["commodity"], p["tariff"], p["today"]) for p in body["parts"]] == [
        ("electricity", None, "0"),
        ("gas", None, "0"),
        ("water", None, "0"),
        ("cloud", None, "0"),
    ]
    assert body["total"] == {"today": "0", "month": "0", "cycle_so_far": "0"}


async def test_a_part_its_tariff_cannot_bill_is_unpriced_and_logged(
    pool: asyncpg.Pool, caplog: pytest.LogCaptureFixture
) -> None:
    """Gas from before the tariff's first calorific value: gas unpriced, the rest answered."""
    await _household(pool)
    late = GAS | {
        "name": "late gas",
        "conversion": [{"from": "2026-11-01", "calorific_value": "40"}],
    }
    async with pool.acquire() as conn:
        await save_tariff(conn, late, datetime(2026, 1, 1, tzinfo=UTC))
        await set_active_tariff(conn, "late gas")
    state = engine_state(pool, timezone=LONDON, currency="GBP", clock=lambda: NOW)
    async with client(state) as session:
        status, body = await checked(session, "get", "/api/v1/ledger")
    assert status == 200
    parts = {part["commodity"]: part for part in body["parts"]}
    assert (parts["gas"]["tariff"], parts["gas"]["today"]) == (None, "0")
    assert parts["water"]["tariff"] == "City water"
    assert "cannot price gas under 'late gas': 2026-10-19T23:00:00+00:00: before the first" in (
        caplog.text
    )
