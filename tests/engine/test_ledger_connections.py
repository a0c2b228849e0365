"""The ledger per grid connection, export credit in, on a real database through the API.

A London household on 10 November 2026, 12:30 (GMT), with two grid connections, each with an
import and an export meter:

- the house (1 kWh in, 0.25 out an hour since 1 November) on the active tariff: 0.25 a kWh, a
  standing charge of 5 a cycle, exports credited at 0.05 (net billing), its cycle the month;
- the heat pump's (2 kWh in, 0.5 out an hour since 15 October) on a tariff of its own, billed
  from the 15th across the end of summer time (25 October): 0.20 a kWh, 3 a cycle, exports at
  0.08.

Each figure is hand-computed from those numbers; the electricity part is the connections' sum
and the total the parts' sum, to the cent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from aetherlens_engine.pricing.service import TariffService
from aetherlens_engine.pricing.store.tariffs import save_tariff
from tests.engine.checked_api import checked
from tests.engine.test_api_support import add_device, client, engine_state, migrate

D = Decimal
HOUR = timedelta(hours=1)
LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 10, 12, 30, tzinfo=UTC)
RUNNING = datetime(2026, 11, 10, 13, tzinfo=UTC)  # the end of the hour NOW is in
HOUSE = "sensor.house_import"
HEAT_PUMP = "sensor.heat_pump_import"
HOUSE_FROM = datetime(2026, 11, 1, tzinfo=UTC)  # local midnight (GMT)
HEAT_PUMP_FROM = datetime(2026, 10, 14, 23, tzinfo=UTC)  # 15 October, local midnight (BST)


def tariff(name: str, price: str, standing: str, export: str, **more: Any) -> dict[str, Any]:
    return {
        "name": name,
        "currency": "GBP",
        "timezone": "Europe/London",
        "energy": {"price": price},
        "fixed": [{"name": "standing", "amount": standing}],
        "export": {"rule": "net_billing", "price": export},
        **more,
    }


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    await migrate(db_pool)
    return db_pool


async def _meter(pool: asyncpg.Pool, name: str, connection: str, flow: str) -> int:
    device = await add_device(pool, name, "grid", "kWh")
    await pool.execute(
        "UPDATE devices SET connection = $2, flow = $3 WHERE id = $1", device, connection, flow
    )
    return device


def _hours(first: datetime) -> list[datetime]:
    return [first + n * HOUR for n in range(int((RUNNING - first) / HOUR))]


@pytest.fixture
async def service(pool: asyncpg.Pool) -> AsyncIterator[TariffService]:
    rows = []
    for grid, first, imported, exported in (
        (HOUSE, HOUSE_FROM, 1.0, 0.25),
        (HEAT_PUMP, HEAT_PUMP_FROM, 2.0, 0.5),
    ):
        meters = (await _meter(pool, f"{grid} in", grid, "import"), imported)
        out = (await _meter(pool, f"{grid} out", grid, "export"), exported)
        rows += [(device, hour, kwh) for hour in _hours(first) for device, kwh in (meters, out)]
    await pool.executemany(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, $3, 1)",
        rows,
    )
    async with pool.acquire() as conn:
        for definition in (
            tariff("house", "0.25", "5", "0.05"),
            tariff("heat pump", "0.20", "3", "0.08", cycle_day=15),
        ):
            await save_tariff(conn, definition, datetime(2026, 1, 1, tzinfo=UTC))
    tariffs = TariffService(pool, LONDON, clock=lambda: NOW)
    await tariffs.start()
    await tariffs.activate("house")
    await tariffs.attach(HEAT_PUMP, "heat pump")
    await tariffs.wait_settled()
    yield tariffs
    await tariffs.stop()


async def _get(pool: asyncpg.Pool, path: str, **query: str) -> Any:
    state = engine_state(pool, timezone=LONDON, currency="GBP", clock=lambda: NOW)
    async with client(state) as session:
        status, body = await checked(session, "get", path, params=query)
    assert status == 200, body
    return body


@pytest.mark.usefixtures("service")
async def test_each_connection_is_billed_on_its_tariff_with_its_export_credit(
    pool: asyncpg.Pool,
) -> None:
    body = await _get(pool, "/api/v1/ledger")
    electricity = body["parts"][0]
    house, heat_pump = electricity["connections"]

    # The house: 13 hours today, 229 this month at 0.25 (the export meter is no use). Its
    # cycle so far: 228 complete hours, the standing charge, 228 x 0.25 kWh out at 0.05; the
    # projection: the month's 720 hours alike.
    assert (house["connection"], house["tariff"]) == (None, "house")
    assert (house["today"], house["month"]) == ("3.25", "57.25")
    assert (house["cycle_start"], house["cycle_end"]) == ("2026-11-01", "2026-12-01")
    assert D(house["cycle_so_far"]) == 228 * D("0.25") + 5 - 228 * D("0.25") * D("0.05")
    assert D(house["projected"]) == 720 * (D("0.25") - D("0.25") * D("0.05")) + 5

    # The heat pump: today and this month at 0.20. Its cycle from 15 October: 637 complete
    # hours by 12:00 today (the 25-hour 25 October included), 2 kWh in and 0.5 out each;
    # projected to 15 November (108 hours more).
    assert (heat_pump["connection"], heat_pump["tariff"]) == (HEAT_PUMP, "heat pump")
    assert (heat_pump["today"], heat_pump["month"]) == ("5.2", "91.6")
    assert (heat_pump["cycle_start"], heat_pump["cycle_end"]) == ("2026-10-15", "2026-11-15")
    credit = 637 * D("0.5") * D("0.08")
    assert credit == D("25.48")
    assert D(heat_pump["cycle_so_far"]) == 637 * 2 * D("0.20") + 3 - credit
    assert D(heat_pump["projected"]) == 745 * (2 * D("0.20") - D("0.5") * D("0.08")) + 3

    # The electricity part: the connections' sum; its cycle the active tariff's.
    for field in ("today", "month", "cycle_so_far", "projected"):
        assert D(electricity[field]) == D(house[field]) + D(heat_pump[field]), field
    assert (electricity["tariff"], electricity["cycle_start"]) == ("house", "2026-11-01")
    for field in ("today", "month", "cycle_so_far"):
        assert D(body["total"][field]) == sum(D(part[field]) for part in body["parts"]), field
    assert D(body["total"]["cycle_so_far"]) == D("59.15") + D("232.32")


@pytest.mark.usefixtures("service")
async def test_the_bill_credits_the_active_tariffs_export_meters(pool: asyncpg.Pool) -> None:
    """GET /bill bills the house's meters: the heat pump's have a tariff of their own."""
    body = await _get(
        pool, "/api/v1/bill", start=HOUSE_FROM.isoformat(), end="2026-11-10T00:00:00Z"
    )
    (cycle,) = body["cycles"]
    assert (D(cycle["import_kwh"]), D(cycle["export_kwh"])) == (D(216), D(54))
    assert D(cycle["export_credit"]) == 216 * D("0.25") * D("0.05")
