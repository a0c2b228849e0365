"""What is inside what: HA's `included_in_stat` read into `devices.included_in`.

The views of the household rule (timescale/0005) are checked on the devices so written.
"""

from __future__ import annotations

import asyncpg
import pytest

from aetherlens_engine.collector.devices import DeviceSpec, upsert_devices
from aetherlens_engine.collector.entities import containers
from aetherlens_engine.models import DeviceKind
from tests.engine.test_api_support import migrate


def test_containers_follow_included_in_stat() -> None:
    prefs = {
        "device_consumption": [
            {"stat_consumption": "sensor.kitchen"},
            {"stat_consumption": "sensor.kettle", "included_in_stat": "sensor.kitchen"},
            {"stat_consumption": "sensor.oven", "included_in_stat": "sensor.kitchen"},
            {"stat_consumption": "sensor.lamp", "included_in_stat": None},
            {"stat_consumption": "sensor.tv", "included_in_stat": "external:living"},
            {"stat_consumption": "sensor.loop", "included_in_stat": "sensor.loop"},
        ]
    }
    assert containers(prefs) == {"sensor.kettle": "sensor.kitchen", "sensor.oven": "sensor.kitchen"}
    assert containers({}) == {}


def _spec(
    name: str, kind: DeviceKind = DeviceKind.APPLIANCE, inside: str | None = None
) -> DeviceSpec:
    return DeviceSpec(f"ha:{name}", name, kind, "kWh", {"entity_id": f"sensor.{name}"}, inside)


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    await migrate(db_pool)
    return db_pool


async def _inside(pool: asyncpg.Pool) -> dict[str, str | None]:
    rows = await pool.fetch(
        "SELECT d.name, c.name AS container FROM devices AS d"
        " LEFT JOIN devices AS c ON c.id = d.included_in"
    )
    return {row["name"]: row["container"] for row in rows}


async def _names(pool: asyncpg.Pool, view: str) -> set[str]:
    rows = await pool.fetch(f"SELECT name FROM devices WHERE id IN (SELECT id FROM {view})")
    return {row["name"] for row in rows}


async def test_upsert_sets_and_clears_containers(pool: asyncpg.Pool) -> None:
    """A container new in the same batch is found; one not recorded leaves the device on top."""
    specs = [
        _spec("kettle", inside="ha:kitchen"),  # before its container in the batch
        _spec("kitchen"),
        _spec("lamp", inside="ha:not_recorded"),
        _spec("grid", DeviceKind.GRID),
    ]
    await upsert_devices(pool, specs)
    assert await _inside(pool) == {"kettle": "kitchen", "kitchen": None, "lamp": None, "grid": None}
    assert await _names(pool, "household_meters") == {"grid"}
    assert await _names(pool, "household_parts") == {"kitchen", "lamp"}

    await upsert_devices(pool, [_spec("kettle"), _spec("kitchen")])  # moved out in HA
    assert (await _inside(pool))["kettle"] is None
    assert await _names(pool, "household_parts") == {"kitchen", "lamp", "kettle"}


async def test_without_mains_the_household_is_the_appliances_on_top(pool: asyncpg.Pool) -> None:
    await upsert_devices(pool, [_spec("kitchen"), _spec("kettle", inside="ha:kitchen")])
    assert await _names(pool, "household_meters") == {"kitchen"}
    assert await _names(pool, "household_parts") == {"kitchen"}
