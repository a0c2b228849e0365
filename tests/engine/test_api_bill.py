"""`GET /api/v1/bill`: a commodity's active tariff's bill of the recorded usage in a range."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import asyncpg
import pytest

from aetherlens_engine.pricing.store.tariffs import save_tariff, set_active_tariff
from tests.engine.checked_api import checked
from tests.engine.test_api_ledger import LONDON, _household
from tests.engine.test_api_ledger import NOW as LEDGER_NOW
from tests.engine.test_api_support import add_device, client, engine_state, migrate

HOUR = timedelta(hours=1)
NOW = datetime(2024, 6, 16, 5, 30, tzinfo=UTC)
TOU: dict[str, Any] = {
    "name": "day-night",
    "currency": "EUR",
    "timezone": "UTC",
    "energy": {
        "periods": [
            {"name": "off", "end": "08:00", "price": "0.20"},
            {"name": "day", "start": "08:00", "end": "20:00", "price": "0.30"},
            {"name": "off", "start": "20:00", "price": "0.20"},
        ]
    },
    "fixed": [{"name": "meter", "amount": "8"}],
    "taxes": [{"name": "VAT", "percent": 19}],
}


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    """A migrated database whose grid meter recorded 1 kWh every hour from 1 June to NOW."""
    await migrate(db_pool)
    grid = await add_device(db_pool, "grid", "grid", "kWh")
    first = datetime(2024, 6, 1, tzinfo=UTC)
    hours = [first + n * HOUR for n in range(int((NOW - first) / HOUR) + 1)]
    await db_pool.executemany(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, 1, 1)",
        [(grid, hour) for hour in hours],
    )
    return db_pool


async def _activate(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await save_tariff(conn, TOU, datetime(2024, 1, 1, tzinfo=UTC))
        await set_active_tariff(conn, "day-night")


async def _bill(pool: asyncpg.Pool, **params: str) -> tuple[int, Any]:
    state = engine_state(pool, currency="EUR", clock=lambda: NOW)
    async with client(state) as session:
        return await checked(session, "get", "/api/v1/bill", params=params)


async def test_bill_of_a_range(pool: asyncpg.Pool) -> None:
    """Two days, 1 kWh an hour: 24 kWh day x 0.30 + 24 kWh off x 0.20 = 12.00, the cycle's
    fixed 8 (the whole month's), 19 % VAT on 20.00 = 3.80: 23.80.
    """
    await _activate(pool)
    start, end = "2024-06-10T00:00:00+00:00", "2024-06-12T00:00:00+00:00"
    status, body = await _bill(pool, start=start, end=end)
    assert status == 200
    assert (body["tariff"], body["currency"], body["start"], body["end"]) == (
        "day-night",
        "EUR",
        start,
        end,
    )
    [cycle] = body["cycles"]
    assert (cycle["start"], cycle["end"], cycle["days"]) == ("2024-06-01", "2024-07-01", 30)
    assert cycle["import_kwh"] == "48.000"
    assert {(e["period"], e["kwh"], e["cost"]) for e in cycle["energy"]} == {
        ("day", "24.000", "7.20"),
        ("off", "24.000", "4.80"),
    }
    assert cycle["fixed"] == [{"name": "meter", "amount": "8.00"}]
    assert cycle["taxes"] == [{"name": "VAT", "base": "20.00", "percent": "19", "amount": "3.80"}]
    assert (cycle["demand"], cycle["minimum"], cycle["export_credit"]) == ([], "0.00", "0.00")
    assert cycle["devices"] == []
    assert cycle["total"] == body["total"] == "23.80"


async def test_default_range_is_the_cycle_so_far(pool: asyncpg.Pool) -> None:
    """From 1 June to NOW: 15 days x (12 x 0.30 + 12 x 0.20) + 6 off hours x 0.20 = 91.20,
    + 8 fixed = 99.20, + 19 % = 118.048.
    """
    await _activate(pool)
    status, body = await _bill(pool)
    assert status == 200
    assert (body["start"], body["end"]) == ("2024-06-01T00:00:00+00:00", NOW.isoformat())
    assert body["total"] == "118.05"


async def test_without_an_active_tariff(pool: asyncpg.Pool) -> None:
    status, body = await _bill(pool)
    assert status == 409
    assert body["error"]["code"] == "no_active_tariff"


async def test_range_without_energy_cannot_be_billed(pool: asyncpg.Pool) -> None:
    await _activate(pool)
    status, body = await _bill(pool, start="2024-05-01T00:00:00Z", end="2024-05-02T00:00:00Z")
    assert status == 409
    assert body["error"]["code"] == "cannot_bill"
    assert "no household energy" in body["error"]["message"]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"start": "2024-06-12T00:00:00Z", "end": "2024-06-12T00:00:00Z"}, "end"),
        ({"start": "2024-06-12T00:00:00Z", "end": "2024-06-10T00:00:00Z"}, "end"),
        ({"start": "2023-01-01T00:00:00Z", "end": "2024-06-10T00:00:00Z"}, "end"),
        ({"start": "2024-06-10T00:00:00"}, "start"),
        ({"end": "yesterday"}, "end"),
    ],
)
async def test_bad_parameters(pool: asyncpg.Pool, params: dict[str, str], named: str) -> None:
    await _activate(pool)
    status, body = await _bill(pool, **params)
    assert status == 400
    assert body["error"]["code"] == "invalid_parameter"
    assert body["error"]["message"].startswith(f"{named}: ")


async def test_end_before_the_default_start(pool: asyncpg.Pool) -> None:
    """Only END, before the current cycle's start: the defaulted range is empty."""
    await _activate(pool)
    status, body = await _bill(pool, end="2024-05-20T00:00:00Z")
    assert status == 400
    assert body["error"]["message"] == "end: must be later than 'start'"


async def test_dynamic_prices_unrecorded_bill_and_compare_alike(pool: asyncpg.Pool) -> None:
    """An active dynamic tariff and no price device: both routes refuse with the same 409."""
    spot = {**TOU, "name": "spot", "energy": {"price": "0.02", "dynamic": True}}
    async with pool.acquire() as conn:
        await save_tariff(conn, spot, datetime(2024, 1, 1, tzinfo=UTC))
        await set_active_tariff(conn, "spot")
    span = {"start": "2024-06-10T00:00:00+00:00", "end": "2024-06-11T00:00:00+00:00"}
    state = engine_state(pool, currency="EUR", clock=lambda: NOW)
    async with client(state) as session:
        bill = await checked(session, "get", "/api/v1/bill", params=span)
        compared = await checked(
            session, "post", "/api/v1/compare", json={"definition": TOU, **span}
        )
    assert bill == compared
    status, body = bill
    assert (status, body["error"]["code"]) == (409, "cannot_bill")
    assert body["error"]["message"] == (
        "tariff 'spot' has dynamic prices, but no price device records EUR/kWh between "
        "2024-06-10T00:00:00+00:00 and 2024-06-11T00:00:00+00:00"
    )


async def _ledger_and_bills(pool: asyncpg.Pool, end: str) -> tuple[Any, dict[str, Any]]:
    """The ledger's household (`test_api_ledger`): its ledger, and each commodity's bill to END."""
    await migrate(pool)
    await _household(pool)
    state = engine_state(pool, timezone=LONDON, currency="GBP", clock=lambda: LEDGER_NOW)
    async with client(state) as session:
        status, ledger = await checked(session, "get", "/api/v1/ledger")
        assert status == 200, ledger
        bills = {}
        for part in ledger["parts"]:
            if part["commodity"] == "cloud":
                continue
            params = {"commodity": part["commodity"], "end": end}
            status, bills[part["commodity"]] = await checked(
                session, "get", "/api/v1/bill", params=params
            )
            assert status == 200, bills[part["commodity"]]
    return ledger, bills


async def test_gas_and_water_bills_are_the_ledgers_cycles_to_the_cent(
    db_pool: asyncpg.Pool,
) -> None:
    """Each commodity's bill of its cycle so far (the complete hours, as the ledger counts
    them) is the ledger's figure rounded to the cent: the same tariff, meters and cycle."""
    ledger, bills = await _ledger_and_bills(db_pool, "2026-11-10T12:00:00+00:00")
    for part in ledger["parts"]:
        if part["commodity"] == "cloud":
            continue
        bill = bills[part["commodity"]]
        [cycle] = bill["cycles"]
        assert (bill["tariff"], cycle["start"]) == (part["tariff"], part["cycle_start"])
        exact = Decimal(part["cycle_so_far"]).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert Decimal(bill["total"]) == exact, part["commodity"]
    gas = bills["gas"]["cycles"][0]
    # 31 days' standing charge at 0.3142; kWh from m³ by the periods' calorific values.
    assert (gas["end"], gas["days"]) == ("2026-11-20", 31)
    assert gas["fixed"] == [{"name": "standing charge", "amount": "9.74"}]
    assert [tax["name"] for tax in gas["taxes"]] == ["VAT"]
    water = bills["water"]["cycles"][0]
    assert {(line["tier"], line["kwh"]) for line in water["energy"]} == {(1, "4.650"), (2, "1.720")}


async def test_a_commodity_without_an_active_tariff(pool: asyncpg.Pool) -> None:
    await _activate(pool)
    status, body = await _bill(pool, commodity="gas")
    assert (status, body["error"]["code"]) == (409, "no_active_tariff")
    assert body["error"]["message"].startswith("no gas tariff is active")
    status, body = await _bill(pool, commodity="heat")
    assert (status, body["error"]["code"]) == (400, "invalid_parameter")
    assert body["error"]["message"].startswith("commodity: ")
