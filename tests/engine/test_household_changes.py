"""What Home Assistant changes of a recorded device moves the household rule, and its costs.

Real database and tariff service. The household (timescale/0019): a grid meter of 2 kWh an hour
and a fridge of 1 kWh an hour, priced from 2026-03-01 (Berlin) for 240 hours under tiers of the
cycle: the first 100 kWh at 0.20, then 0.40. The fridge pays the household's rate of each hour.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from aetherlens_engine.collector.devices import DeviceSpec, upsert_devices
from aetherlens_engine.models import Commodity, DeviceKind, Flow
from aetherlens_engine.pricing.recompute import RecomputeState
from aetherlens_engine.pricing.service import TariffService
from aetherlens_engine.pricing.store.tariffs import attach_tariff, save_tariff, set_active_tariff
from tests.engine.test_api_support import migrate
from tests.engine.test_bill_ledger import GAS

BERLIN = ZoneInfo("Europe/Berlin")
FIRST = datetime(2026, 3, 1, tzinfo=BERLIN)
HOURS = 240
NOW = FIRST + timedelta(hours=HOURS)
GRID = DeviceSpec(
    "ha:grid",
    "Grid",
    DeviceKind.GRID,
    "kWh",
    {"entity_id": "sensor.grid"},
    flow=Flow.IMPORT,
    connection="ha:grid",
)
FRIDGE = DeviceSpec("ha:fridge", "Fridge", DeviceKind.APPLIANCE, "kWh", {"entity_id": "sensor.f"})
TIERED: dict[str, Any] = {
    "name": "tiered",
    "currency": "EUR",
    "timezone": "Europe/Berlin",
    "energy": {
        "tiers": {"unit": "cycle"},
        "periods": [
            {"name": "all", "tiers": [{"up_to": "100", "price": "0.20"}, {"price": "0.40"}]}
        ],
    },
}


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    await migrate(db_pool)
    return db_pool


@pytest.fixture
async def devices(pool: asyncpg.Pool) -> dict[str, int]:
    """The grid meter and the fridge as the collector stores them, with their hours."""
    stored = await upsert_devices(pool, [GRID, FRIDGE])
    assert stored.household_changed == frozenset()  # new devices: nothing was priced by them
    ids = {source_id: device.id for source_id, device in stored.by_source_id.items()}
    await pool.executemany(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, $3, 1)",
        [
            (ids[source_id], (FIRST + timedelta(hours=n)).astimezone(UTC), kwh)
            for n in range(HOURS)
            for source_id, kwh in (("ha:grid", 2.0), ("ha:fridge", 1.0))
        ],
    )
    return ids


@pytest.fixture
async def service(pool: asyncpg.Pool, devices: dict[str, int]) -> AsyncIterator[TariffService]:
    async with pool.acquire() as conn:
        await save_tariff(conn, TIERED, datetime(2026, 1, 1, tzinfo=UTC))
    tariffs = TariffService(pool, BERLIN, clock=lambda: NOW)
    await tariffs.start()
    await tariffs.activate("tiered")
    await tariffs.wait_settled()
    yield tariffs
    await tariffs.stop()


async def _cost(pool: asyncpg.Pool, device: int) -> Decimal:
    cost: Decimal = await pool.fetchval(
        "SELECT sum(cost) FROM cost_daily WHERE device_id = $1", device
    )
    return cost


async def _revision(pool: asyncpg.Pool) -> int:
    revision: int = await pool.fetchval("SELECT revision FROM pricing_revision")
    return revision


async def test_what_moves_the_household_is_reported(
    pool: asyncpg.Pool, devices: dict[str, int]
) -> None:
    """Kind, commodity, flow, connection and container of a device that exists; not its name."""
    kettle = replace(FRIDGE, source_id="ha:kettle", name="Kettle")
    renamed = await upsert_devices(pool, [replace(GRID, name="Mains"), kettle])
    assert renamed.household_changed == frozenset()  # a name, and a new device
    changes = [
        [replace(GRID, flow=Flow.EXPORT)],
        [replace(GRID, flow=Flow.EXPORT, connection="ha:other")],
        [replace(FRIDGE, included_in="ha:kettle")],
        [replace(FRIDGE, kind=DeviceKind.METER)],
    ]
    for specs in changes:
        assert (await upsert_devices(pool, specs)).household_changed == {Commodity.ELECTRICITY}
    gas = await upsert_devices(
        pool, [replace(FRIDGE, kind=DeviceKind.METER, commodity=Commodity.GAS)]
    )
    assert gas.household_changed == {Commodity.ELECTRICITY, Commodity.GAS}
    again = await upsert_devices(
        pool, [replace(FRIDGE, kind=DeviceKind.METER, commodity=Commodity.GAS)]
    )
    assert again.household_changed == frozenset()


async def test_commodity_and_flow_bump_the_revision(
    pool: asyncpg.Pool, devices: dict[str, int]
) -> None:
    """The cycle's kept bill (timescale/0008) is dropped when the household rule's inputs change."""
    revision = await _revision(pool)
    await pool.execute("UPDATE devices SET flow = 'export' WHERE id = $1", devices["ha:grid"])
    assert await _revision(pool) == revision + 1
    await pool.execute("UPDATE devices SET commodity = 'gas' WHERE id = $1", devices["ha:fridge"])
    assert await _revision(pool) == revision + 2


async def test_an_export_meter_leaves_the_household_and_the_costs_follow(
    pool: asyncpg.Pool, devices: dict[str, int], service: TariffService
) -> None:
    """HA's Energy preferences now count the grid meter as export: the fridge is the household."""
    fridge = devices["ha:fridge"]
    # The grid meter's 2 kWh an hour reach 100 kWh after 50 hours: 50 h x 0.20 + 190 h x 0.40.
    assert await _cost(pool, fridge) == Decimal("86.00")
    moved = await upsert_devices(pool, [replace(GRID, flow=Flow.EXPORT), FRIDGE])
    await service.household_changed(moved.household_changed)
    assert (await service.wait_settled()).state is RecomputeState.DONE
    # The fridge's own 1 kWh an hour: 100 h x 0.20 + 140 h x 0.40.
    assert await _cost(pool, fridge) == Decimal("76.00")


async def test_each_moved_household_is_recomputed_under_its_tariffs(
    pool: asyncpg.Pool, devices: dict[str, int]
) -> None:
    """Electricity under the active tariff and each connection's own; gas under its active one."""
    async with pool.acquire() as conn:
        for definition in (TIERED, replace_name(TIERED, "own"), GAS):
            await save_tariff(conn, definition, datetime(2026, 1, 1, tzinfo=UTC))
        await set_active_tariff(conn, "tiered")
        await set_active_tariff(conn, "British Gas")
        await attach_tariff(conn, "ha:grid", "own")
    tariffs = TariffService(pool, BERLIN, clock=lambda: NOW)  # not started: the queue stays
    await tariffs.household_changed({Commodity.GAS, Commodity.ELECTRICITY})
    queued = await pool.fetch("SELECT start, commodity, connection FROM tariff_recompute")
    first = FIRST.astimezone(UTC)
    assert {tuple(row) for row in queued} == {
        (first, "electricity", ""),
        (first, "electricity", "ha:grid"),
        (first, "gas", ""),
    }
    await pool.execute("DELETE FROM tariff_recompute")
    await tariffs.household_changed({Commodity.WATER})  # no water tariff: nothing to redo
    assert await pool.fetchval("SELECT count(*) FROM tariff_recompute") == 0


def replace_name(definition: dict[str, Any], name: str) -> dict[str, Any]:
    """Return DEFINITION under another NAME."""
    return {**definition, "name": name}
