"""Costs written set-based are the rows the per-row pricing in Python wrote before.

`per_row_costs` is that former path, kept here only to compare with: it read every device's
hour, summed the household in Python and COPYed one priced row per device and hour.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from aetherlens_engine.tariffs.bill import interval_rates
from aetherlens_engine.tariffs.calendar import cycles_between, local_midnight
from aetherlens_engine.tariffs.costs import PRICED_KINDS, write_costs
from aetherlens_engine.tariffs.series import Interval
from aetherlens_engine.tariffs.store import StoredTariff, save_tariff
from tests.engine.test_tariff_costs import add_device, pool

__all__ = ["pool"]  # the fixture, used by name

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = timedelta(hours=1)
ZERO = Decimal(0)
# Day and night prices tiered by the cycle's kWh, VAT, carbon: every part of an hour's rate.
TARIFF: dict[str, Any] = {
    "name": "tou-tiers",
    "currency": "EUR",
    "timezone": "Europe/Berlin",
    "cycle_day": 12,
    "energy": {
        "periods": [
            {"name": "off", "end": "07:00",
             "tiers": [{"up_to": 40, "price": "0.1713"}, {"price": "0.2291"}]},
            {"name": "day", "start": "07:00", "end": "21:30",
             "tiers": [{"up_to": 40, "price": "0.2837"}, {"price": "0.3519"}]},
            {"name": "off", "start": "21:30",
             "tiers": [{"up_to": 40, "price": "0.1713"}, {"price": "0.2291"}]},
        ]
    },
    "taxes": [{"name": "VAT", "percent": 19}],
    "carbon": {"intensity": "0.412"},
}  # fmt: skip

_OLD_ENERGY_SQL = """
SELECT e.device_id, e.hour, e.energy_kwh, e.device_id IN (SELECT id FROM household_meters) AS mains
FROM energy_hourly AS e JOIN devices AS d ON d.id = e.device_id
WHERE d.kind = ANY($3::text[]) AND e.hour >= $1 AND e.hour < $2
ORDER BY e.hour
"""
_OLD_DAILY_SQL = """
INSERT INTO cost_daily (device_id, day, currency, energy_kwh, cost, carbon_kg)
SELECT device_id, (hour AT TIME ZONE $3)::date, currency, sum(energy_kwh), sum(cost),
       sum(carbon_kg)
FROM cost_hourly
WHERE hour >= $1 AND hour < $2
GROUP BY device_id, (hour AT TIME ZONE $3)::date, currency
"""


async def per_row_costs(
    conn: asyncpg.Connection, stored: StoredTariff, start: datetime, end: datetime, zone: ZoneInfo
) -> None:
    """Price [start, end) as write_costs did before it was set-based."""
    tariff = stored.tariff()
    low, high = max(start, stored.valid_from), end
    cycle_start = cycles_between(low, high, tariff.zone, tariff.cycle_day)[0].start_utc
    rows = await conn.fetch(
        _OLD_ENERGY_SQL, max(cycle_start, stored.valid_from), high, PRICED_KINDS
    )
    household: dict[datetime, Decimal] = defaultdict(Decimal)
    for row in rows:
        household[row["hour"]] += Decimal(repr(row["energy_kwh"])) if row["mains"] else ZERO
    load = [Interval(hour, hour + HOUR, max(kwh, ZERO)) for hour, kwh in sorted(household.items())]
    rates = {r.start: r for r in interval_rates(tariff, load)}
    records = []
    for row in rows:
        if not low <= row["hour"] < high:
            continue
        rate = rates[row["hour"]]
        kwh = Decimal(repr(row["energy_kwh"]))
        kg = float(kwh * rate.carbon_kg) if rate.carbon_kg is not None else None
        records.append(
            (row["device_id"], row["hour"], stored.id, float(kwh), kwh * rate.price,
             tariff.currency, rate.period, kg)
        )  # fmt: skip
    first_day = low.astimezone(zone).date()
    last_day = (high - timedelta(microseconds=1)).astimezone(zone).date()
    async with conn.transaction():
        await conn.execute("DELETE FROM cost_hourly WHERE hour >= $1 AND hour < $2", low, high)
        await conn.copy_records_to_table(
            "cost_hourly",
            records=records,
            columns=["device_id", "hour", "tariff_id", "energy_kwh", "cost", "currency", "period",
                     "carbon_kg"],
        )  # fmt: skip
        await conn.execute(
            "DELETE FROM cost_daily WHERE day >= $1 AND day <= $2", first_day, last_day
        )
        await conn.execute(
            _OLD_DAILY_SQL,
            local_midnight(first_day, zone),
            local_midnight(last_day + timedelta(days=1), zone),
            zone.key,
        )


async def all_costs(conn: asyncpg.Connection) -> tuple[list[tuple[Any, ...]], ...]:
    """Return every hourly cost row, and the daily ones, in key order.

    The daily doubles (kWh, carbon) come rounded to 12 digits: the former daily sum added them
    in whatever order its plan's sort left them, the new one in time order.
    """
    hourly = await conn.fetch(
        "SELECT device_id, hour, tariff_id, energy_kwh, cost, currency, period, carbon_kg "
        "FROM cost_hourly ORDER BY 1, 2"
    )
    daily = await conn.fetch(
        "SELECT device_id, day, currency, energy_kwh, cost, carbon_kg FROM cost_daily ORDER BY 1, 2"
    )
    return (
        [tuple(row) for row in hourly],
        [
            (r["device_id"], r["day"], r["currency"], float(f"{r['energy_kwh']:.12g}"), r["cost"],
             float(f"{r['carbon_kg']:.12g}"))
            for r in daily
        ],
    )  # fmt: skip


@pytest.mark.parametrize("seed", [3, 4])
async def test_set_based_costs_equal_the_per_row_ones(pool: asyncpg.Pool, seed: int) -> None:
    """Random kWh (a grid meter netting below zero at times, appliances inside it, one outside
    any mains, hours missing) over three cycles across the October DST change: same rows."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    start = datetime(2024, 9, 5, 3, tzinfo=UTC)
    end = datetime(2024, 11, 20, 17, tzinfo=UTC)
    async with pool.acquire() as conn:
        grid = await add_device(conn, "grid", "grid")
        devices = [grid] + [await add_device(conn, f"plug{n}", "appliance") for n in range(3)]
        await conn.execute("UPDATE devices SET included_in = $1 WHERE id = ANY($2::int[])",
                           grid, devices[1:3])  # fmt: skip
        rows = []
        hour = start
        while hour < end:
            for device in devices:
                if rng.random() < 0.9:
                    least = -0.8 if device == grid else 0.0
                    rows.append((device, hour, rng.uniform(least, 2.5) + rng.random() / 3))
            hour += HOUR
        await conn.executemany(
            "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) "
            "VALUES ($1, $2, $3, 1)",
            rows,
        )
        stored = await save_tariff(conn, TARIFF, datetime(2024, 1, 1, tzinfo=UTC))
        chunks = [
            (start, datetime(2024, 10, 11, 22, tzinfo=UTC)),
            (datetime(2024, 10, 11, 22, tzinfo=UTC), end),
        ]
        for low, high in chunks:
            await per_row_costs(conn, stored, low, high, BERLIN)
        before = await all_costs(conn)
        assert len(before[0]) == len(rows)
        await conn.execute("TRUNCATE cost_hourly, cost_daily")
        written = 0
        for low, high in chunks:
            written += await write_costs(conn, stored, low, high, day_zone=BERLIN)
        assert written == len(rows)
        assert await all_costs(conn) == before
