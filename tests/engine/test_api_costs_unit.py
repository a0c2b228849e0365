"""`/costs` says what its quantities count: kWh, or the gas or water meters' unit.

The household of `test_api_ledger` (gas and water meters counting m³, a shower inside the water
meter), priced by the tariff service as in `test_api_costs_commodity`.
"""

from __future__ import annotations

import asyncpg
import pytest

from tests.engine.test_api_costs_commodity import _costs, _priced
from tests.engine.test_api_ledger import _meter
from tests.engine.test_api_support import migrate

DAY = {"start": "2026-11-09T00:00:00+00:00", "end": "2026-11-10T00:00:00+00:00"}


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    await migrate(db_pool)
    return db_pool


async def test_each_commodity_states_its_unit(pool: asyncpg.Pool) -> None:
    service = await _priced(pool)
    await service.stop()
    for commodity, unit in (("electricity", "kWh"), ("gas", "m³"), ("water", "m³")):
        body = await _costs(pool, commodity=commodity, **DAY)
        assert (body["commodity"], body["unit"]) == (commodity, unit)
    shower = await pool.fetchval("SELECT id FROM devices WHERE name = 'shower'")
    body = await _costs(pool, device_id=str(shower), group="meter", **DAY)
    assert (body["commodity"], body["unit"]) == ("water", "m³")


async def test_gas_meters_counting_m3_and_kwh_have_no_one_unit(pool: asyncpg.Pool) -> None:
    service = await _priced(pool)
    await service.stop()
    await _meter(pool, "gas boiler", "gas", "meter", "kWh")
    assert (await _costs(pool, commodity="gas", **DAY))["unit"] is None
    boiler = await pool.fetchval("SELECT id FROM devices WHERE name = 'gas boiler'")
    assert (await _costs(pool, device_id=str(boiler), **DAY))["unit"] == "kWh"
