"""`PATCH /api/v1/devices/{id}` (a display name, left out of the household) and
`GET /api/v1/devices/figures`, over real HTTP, against the real schema (timescale/0019).

The engine's zone is Europe/Berlin and its clock 2026-03-29 12:30 local, the day clocks go
forward; no tariff is active unless a test makes one, so the cycle is the calendar month.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
import pytest

from aetherlens_engine.collector.devices import DeviceSpec, upsert_devices
from aetherlens_engine.models import DeviceKind
from aetherlens_engine.pricing.recompute import RecomputeState
from aetherlens_engine.pricing.service import TariffService
from aetherlens_engine.pricing.store.recompute import pending_recompute
from aetherlens_engine.pricing.store.tariffs import save_tariff, set_active_tariff
from tests.engine.checked_api import checked
from tests.engine.test_api_support import add_device, client, engine_state, migrate

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 29, 10, 30, tzinfo=UTC)
FLAT = {"name": "flat", "currency": "EUR", "timezone": "Europe/Berlin", "energy": {"price": 1}}


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    await migrate(db_pool)
    return db_pool


def _state(pool: asyncpg.Pool, **fields: Any) -> Any:
    return engine_state(pool, timezone=BERLIN, currency="EUR", clock=lambda: NOW, **fields)


async def _patch(
    session: aiohttp.ClientSession, device: int, body: Any
) -> tuple[int, dict[str, Any]]:
    status, answer = await checked(
        session, "patch", "/api/v1/devices/{device_id}", json=body, path=f"/api/v1/devices/{device}"
    )
    return status, answer.get("device", answer)


async def _daily(pool: asyncpg.Pool, device: int, day: date, kwh: float) -> None:
    await pool.execute(
        "INSERT INTO energy_daily (device_id, day, energy_kwh, samples) VALUES ($1, $2, $3, 1440)",
        device,
        day,
        kwh,
    )


def _spec(name: str) -> DeviceSpec:
    return DeviceSpec("ha:fridge", name, DeviceKind.APPLIANCE, "W", {"entity_id": "sensor.f"})


async def test_a_display_name_outlasts_the_sources_renames(pool: asyncpg.Pool) -> None:
    fridge = (await upsert_devices(pool, [_spec("Fridge plug")])).by_source_id["ha:fridge"].id
    async with client(_state(pool)) as session:
        status, changed = await _patch(session, fridge, {"display_name": "  Kitchen fridge "})
        assert status == 200
        assert (changed["name"], changed["display_name"], changed["source_name"]) == (
            "Kitchen fridge",
            "Kitchen fridge",
            "Fridge plug",
        )
        await upsert_devices(pool, [_spec("Fridge socket")])  # renamed in Home Assistant
        _, listed = await checked(session, "get", "/api/v1/devices")
        assert (listed["devices"][0]["name"], listed["devices"][0]["source_name"]) == (
            "Kitchen fridge",
            "Fridge socket",
        )
        _, summary = await checked(session, "get", "/api/v1/summary")
        assert summary["devices"][0]["name"] == "Kitchen fridge"
        status, cleared = await _patch(session, fridge, {"display_name": None})
    assert (status, cleared["name"], cleared["display_name"]) == (200, "Fridge socket", None)


async def test_a_device_left_out_of_the_household(pool: asyncpg.Pool) -> None:
    grid = await add_device(pool, "grid", "grid", "kWh")
    fridge = await add_device(pool, "fridge")
    plug = await add_device(pool, "plug")  # on the fridge's circuit, HA does not know it
    households = "SELECT array_agg(id ORDER BY id) FROM {}"
    async with client(_state(pool)) as session:
        status, changed = await _patch(session, plug, {"in_household": False})
        assert (status, changed["in_household"], changed["name"]) == (200, False, "plug")
        assert await pool.fetchval(households.format("household_parts")) == [fridge]
        # The mains left out: the household is its appliances again, the plug still out.
        await _patch(session, grid, {"in_household": False})
        assert await pool.fetchval(households.format("household_meters")) == [fridge]
        _, summary = await checked(session, "get", "/api/v1/summary")
        meters = {device["name"]: device["household_meter"] for device in summary["devices"]}
        assert meters == {"grid": False, "fridge": True, "plug": False}
        await _patch(session, grid, {"in_household": True})
    assert await pool.fetchval(households.format("household_meters")) == [grid]


async def test_leaving_a_household_meter_out_recomputes_the_costs(pool: asyncpg.Pool) -> None:
    plug = await add_device(pool, "plug")
    lamp = await add_device(pool, "lamp")
    await pool.execute("UPDATE devices SET included_in = $1 WHERE id = $2", plug, lamp)
    await pool.execute(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, 1, 60)",
        plug,
        datetime(2026, 3, 26, 10, tzinfo=UTC),
    )
    async with pool.acquire() as conn:
        await save_tariff(conn, FLAT, NOW - timedelta(days=30))
        await set_active_tariff(conn, "flat")
    service = TariffService(pool, BERLIN, clock=lambda: NOW)
    async with client(_state(pool, tariff_service=service)) as session:
        await _patch(session, plug, {"display_name": "Plug"})  # a name alone: nothing to redo
        await _patch(session, lamp, {"in_household": False})  # inside the plug: no meter
        states = [service.status.state]
        await _patch(session, plug, {"in_household": False})
        states.append(service.status.state)
    assert states == [RecomputeState.IDLE, RecomputeState.RUNNING]
    async with pool.acquire() as conn:
        pending = await pending_recompute(conn)
    assert pending is not None
    assert pending.start == datetime(2026, 3, 26, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "path", "message"),
    [
        ({"display_name": " "}, "display_name", "must not be blank"),
        ({"display_name": "x" * 101}, "display_name", "at most 100 characters"),
        ({"display_name": 3}, "display_name", "expected `str | null`"),
        ({"in_household": "no"}, "in_household", "expected `bool`"),
        ({"colour": "red"}, "colour", "unknown field"),
    ],
)
async def test_a_bad_change_is_refused_at_its_field(
    pool: asyncpg.Pool, body: dict[str, Any], path: str, message: str
) -> None:
    fridge = await add_device(pool, "fridge")
    async with client(_state(pool)) as session:
        status, answer = await _patch(session, fridge, body)
    assert (status, answer["error"]["code"]) == (422, "invalid_device")
    [detail] = answer["error"]["details"]
    assert detail["path"] == path
    assert message in detail["message"], detail
    assert await pool.fetchval("SELECT name FROM devices WHERE id = $1", fridge) == "fridge"


async def test_an_unknown_device_is_404(pool: asyncpg.Pool) -> None:
    async with client(_state(pool)) as session:
        status, answer = await _patch(session, 9, {"in_household": False})
    assert (status, answer["error"]["code"]) == (404, "unknown_device")


async def test_figures_of_the_cycle_and_the_trend(pool: asyncpg.Pool) -> None:
    fridge = await add_device(pool, "fridge")
    idle = await add_device(pool, "idle")
    await add_device(pool, "aws", "cloud_account", None)
    today = date(2026, 3, 29)
    for back in range(1, 15):  # 1 kWh a day the week before last, 2 kWh a day last week
        await _daily(pool, fridge, today - timedelta(days=back), 2.0 if back <= 7 else 1.0)
    await pool.execute(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, .5, 60)",
        fridge,
        datetime(2026, 3, 28, 23, tzinfo=UTC),  # 01:00 local today
    )
    async with client(_state(pool)) as session:
        status, body = await checked(session, "get", "/api/v1/devices/figures")
    assert status == 200
    assert (body["cycle_start"], body["cycle_end"], body["currency"]) == (
        "2026-03-01",
        "2026-04-01",
        "EUR",
    )
    figures = {device["device_id"]: device for device in body["devices"]}
    assert set(figures) == {fridge, idle}
    # March 15 to 28 (14 days, 7 of 1 kWh and 7 of 2 kWh) and today's half.
    assert figures[fridge]["energy_cycle_kwh"] == 21.5
    assert figures[fridge]["trend_kwh"] == [1.0] * 7 + [2.0] * 7
    assert figures[fridge]["trend_change"] == 1.0
    assert figures[fridge]["cost_cycle"] is None  # no tariff
    assert (figures[idle]["trend_kwh"], figures[idle]["trend_change"]) == ([0.0] * 14, None)
