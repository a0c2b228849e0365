"""cost_hourly and cost_daily written from energy_hourly under a stored tariff."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from aetherlens_engine.migrations import apply_migrations
from aetherlens_engine.pricing.store.costs import write_costs
from aetherlens_engine.pricing.store.tariffs import save_tariff

D = Decimal
MAY = datetime(2024, 5, 1, tzinfo=UTC)
TIERED: dict[str, Any] = {
    "name": "Tiered",
    "currency": "EUR",
    "timezone": "UTC",
    "energy": {
        "periods": [{"name": "all", "tiers": [{"up_to": 10, "price": "0.10"}, {"price": "0.30"}]}]
    },
    "taxes": [{"name": "VAT", "percent": 10}],
    "carbon": {"intensity": "0.5"},
}


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    async with db_pool.acquire() as conn:
        await apply_migrations(conn)
    return db_pool


async def add_device(conn: asyncpg.Connection, name: str, kind: str) -> int:
    device_id: int = await conn.fetchval(
        "INSERT INTO devices (source, source_id, name, kind, unit) "
        "VALUES ('test', $1, $1, $2, 'kWh') RETURNING id",
        name,
        kind,
    )
    return device_id


async def add_energy(conn: asyncpg.Connection, device_id: int, kwh: list[float]) -> None:
    await conn.executemany(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, $3, 1)",
        [(device_id, MAY + timedelta(hours=h), value) for h, value in enumerate(kwh)],
    )


async def costs(conn: asyncpg.Connection, table: str) -> list[tuple[Any, ...]]:
    key = "hour" if table == "cost_hourly" else "day"
    rows = await conn.fetch(
        f"SELECT device_id, {key}, energy_kwh, cost, carbon_kg FROM {table} ORDER BY 1, 2"
    )
    return [tuple(row) for row in rows]


async def test_hours_and_days_priced_idempotently(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        mains = await add_device(conn, "mains", "grid")
        heater = await add_device(conn, "heater", "appliance")
        await add_energy(conn, mains, [8, 4])
        await add_energy(conn, heater, [4, 2])
        stored = await save_tariff(conn, TIERED, datetime(2024, 1, 1, tzinfo=UTC))
        berlin = ZoneInfo("Europe/Berlin")
        for _ in range(2):  # every hour of the day gets its rate
            assert (
                await write_costs(conn, stored, MAY, MAY + timedelta(days=1), day_zone=berlin) == 24
            )
        # Hour 1 crosses the 10 kWh tier: 4 kWh cost 0.80, 0.20/kWh; plus 10 % VAT.
        assert await costs(conn, "cost_hourly") == [
            (mains, MAY, 8.0, D("0.88"), 4.0),
            (mains, MAY + timedelta(hours=1), 4.0, D("0.88"), 2.0),
            (heater, MAY, 4.0, D("0.44"), 2.0),
            (heater, MAY + timedelta(hours=1), 2.0, D("0.44"), 1.0),
        ]
        assert await costs(conn, "cost_daily") == [
            (mains, date(2024, 5, 1), 12.0, D("1.76"), 6.0),
            (heater, date(2024, 5, 1), 6.0, D("0.88"), 3.0),
        ]
        period = await conn.fetchval("SELECT DISTINCT period FROM cost_hourly")
        assert period == "all"


async def test_tiers_count_from_the_cycle_start(pool: asyncpg.Pool) -> None:
    """Repricing only hour 1 still counts hour 0's kWh towards the tier."""
    async with pool.acquire() as conn:
        mains = await add_device(conn, "mains", "meter")
        await add_energy(conn, mains, [8, 4])
        stored = await save_tariff(conn, TIERED, datetime(2024, 1, 1, tzinfo=UTC))
        hour = MAY + timedelta(hours=1)
        assert (
            await write_costs(
                conn, stored, hour, hour + timedelta(hours=1), day_zone=ZoneInfo("UTC")
            )
            == 1
        )
        assert await costs(conn, "cost_hourly") == [(mains, hour, 4.0, D("0.88"), 2.0)]


async def test_only_the_versions_validity_is_written(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        heater = await add_device(conn, "heater", "appliance")
        await add_energy(conn, heater, [1, 1, 1])
        stored = await save_tariff(conn, TIERED, MAY + timedelta(hours=2))
        zone = ZoneInfo("UTC")
        assert await write_costs(conn, stored, MAY, MAY + timedelta(hours=3), day_zone=zone) == 1
        assert [row[1] for row in await costs(conn, "cost_hourly")] == [MAY + timedelta(hours=2)]
        assert await write_costs(conn, stored, MAY, MAY + timedelta(hours=1), day_zone=zone) == 0


async def test_repriced_days_keep_only_the_rows_the_sums_give(pool: asyncpg.Pool) -> None:
    """Days priced again are rewritten in place; a device without energy now, or the rows of
    another currency, are gone from them, and days outside the span are left alone."""
    async with pool.acquire() as conn:
        mains = await add_device(conn, "mains", "grid")
        heater = await add_device(conn, "heater", "appliance")
        await add_energy(conn, mains, [8.0, 4.0] + [0.0] * 22 + [2.0])
        await add_energy(conn, heater, [4, 2])
        utc = ZoneInfo("UTC")
        euros = await save_tariff(conn, TIERED, datetime(2024, 1, 1, tzinfo=UTC))
        await write_costs(conn, euros, MAY, MAY + timedelta(days=2), day_zone=utc)
        await conn.execute("DELETE FROM energy_hourly WHERE device_id = $1", heater)
        dollars = await save_tariff(
            conn, {**TIERED, "name": "Dollars", "currency": "USD"}, datetime(2024, 1, 1, tzinfo=UTC)
        )
        await write_costs(conn, dollars, MAY, MAY + timedelta(days=1), day_zone=utc)
        rows = await conn.fetch("SELECT device_id, day, currency, cost FROM cost_daily ORDER BY 2")
        assert [tuple(row) for row in rows] == [
            (mains, date(2024, 5, 1), "USD", D("1.76")),
            (mains, date(2024, 5, 2), "EUR", D("0.66")),
        ]


async def test_daily_costs_leave_room_for_updates_in_place(pool: asyncpg.Pool) -> None:
    """cost_daily and every chunk of it, also one made later, keep half of each page free."""
    async with pool.acquire() as conn:
        heater = await add_device(conn, "heater", "appliance")
        await add_energy(conn, heater, [1])
        stored = await save_tariff(conn, TIERED, datetime(2024, 1, 1, tzinfo=UTC))
        await write_costs(conn, stored, MAY, MAY + timedelta(hours=1), day_zone=ZoneInfo("UTC"))
        options = await conn.fetch(
            """
            SELECT c.reloptions FROM pg_class AS c
            WHERE c.oid = 'cost_daily'::regclass
               OR c.oid IN (SELECT inhrelid FROM pg_inherits
                            WHERE inhparent = 'cost_daily'::regclass)
            """
        )
        assert len(options) == (2 if await _has_timescaledb(conn) else 1)
        assert all(row["reloptions"] == ["fillfactor=50"] for row in options)


async def _has_timescaledb(conn: asyncpg.Connection) -> bool:
    found: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')"
    )
    return found
