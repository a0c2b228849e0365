"""Deleting a device or a tariff deletes its costs (timescale/0024, 0026: triggers, not keys)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from aetherlens_engine.pricing.recompute import price_hours
from aetherlens_engine.pricing.store.tariffs import delete_inactive_tariff, save_tariff
from tests.engine.test_tariff_costs import MAY, add_device, add_energy, pool

__all__ = ["pool"]  # the fixture, used by name

FLAT: dict[str, Any] = {
    "name": "flat",
    "currency": "EUR",
    "timezone": "Europe/Berlin",
    "energy": {"periods": [{"name": "all", "price": "0.3"}]},
}


async def test_deleted_devices_lose_their_daily_costs(pool: asyncpg.Pool) -> None:
    """Two of three devices deleted in one statement: their days go, the third's stay."""
    async with pool.acquire() as conn:
        grid = await add_device(conn, "grid", "grid")
        plugs = [await add_device(conn, f"plug{n}", "appliance") for n in range(2)]
        for device in (grid, *plugs):
            await add_energy(conn, device, [0.5] * 72)
        await save_tariff(conn, FLAT, MAY - timedelta(days=1))
        await price_hours(conn, "flat", MAY, MAY + timedelta(hours=72), ZoneInfo(FLAT["timezone"]))
        days = "SELECT device_id, count(*) FROM cost_daily GROUP BY 1 ORDER BY 1"
        assert [tuple(r) for r in await conn.fetch(days)] == [
            (grid, 4),
            (plugs[0], 4),
            (plugs[1], 4),
        ]
        await conn.execute("DELETE FROM devices WHERE id = ANY($1::int[])", plugs)
        assert [tuple(r) for r in await conn.fetch(days)] == [(grid, 4)]


async def test_deleted_tariffs_lose_their_rates(pool: asyncpg.Pool) -> None:
    """A tariff's versions deleted: the hours it priced lose their rates, another's keep theirs."""
    zone = ZoneInfo(FLAT["timezone"])
    async with pool.acquire() as conn:
        grid = await add_device(conn, "grid", "grid")
        await add_energy(conn, grid, [0.5] * 72)
        await save_tariff(conn, FLAT, MAY - timedelta(days=1))
        await save_tariff(conn, {**FLAT, "name": "other"}, MAY - timedelta(days=1))
        await price_hours(conn, "other", MAY, MAY + timedelta(hours=24), zone)
        await price_hours(conn, "flat", MAY + timedelta(hours=24), MAY + timedelta(hours=72), zone)
        rates = "SELECT t.name, count(*) FROM cost_rates JOIN tariffs AS t ON t.id = tariff_id "
        assert [tuple(r) for r in await conn.fetch(rates + "GROUP BY 1 ORDER BY 1")] == [
            ("flat", 48),
            ("other", 24),
        ]
        assert await delete_inactive_tariff(conn, "other")
        assert await conn.fetchval("SELECT count(*) FROM cost_rates") == 48
        assert await conn.fetchval("SELECT min(hour) FROM cost_rates") == MAY + timedelta(hours=24)
