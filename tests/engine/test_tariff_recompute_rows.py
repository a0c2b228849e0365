"""The recompute's rows are those the former per-row pricing wrote, and survive an interruption.

`per_row_costs` is the former path, kept here only to compare with: it read every device's hour,
summed the household in Python and COPYed one priced row per device and hour into a table of
the former `cost_hourly`'s shape (now `former_cost_hourly`, a temporary table of the test).
"""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from aetherlens_engine.migrations import apply_migrations, load_migrations
from aetherlens_engine.pricing.recompute import (
    RecomputeState,
    RecomputeStatus,
    billing_chunks,
    price_hours,
)
from aetherlens_engine.pricing.service import TariffService
from aetherlens_engine.pricing.store.costs import PRICED_KINDS
from aetherlens_engine.pricing.store.recompute import request_recompute
from aetherlens_engine.pricing.store.tariffs import save_tariff, set_active_tariff
from aetherlens_engine.tariffs.bill import interval_rates
from aetherlens_engine.tariffs.calendar import cycles_between, local_midnight
from aetherlens_engine.tariffs.series import Interval
from aetherlens_engine.tariffs.versions import StoredTariff
from tests.engine.test_tariff_costs import add_device, pool

__all__ = ["pool"]  # the fixture, used by name

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = timedelta(hours=1)
ZERO = Decimal(0)
START = datetime(2024, 9, 5, 3, tzinfo=UTC)
END = datetime(2024, 11, 20, 17, tzinfo=UTC)
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

_FORMER_TABLES_SQL = """
CREATE TEMPORARY TABLE former_cost_hourly (
    device_id integer NOT NULL, hour timestamptz NOT NULL, tariff_id integer NOT NULL,
    energy_kwh double precision NOT NULL, cost numeric(20, 8) NOT NULL, currency char(3) NOT NULL,
    period text, carbon_kg double precision, PRIMARY KEY (device_id, hour)
);
CREATE TEMPORARY TABLE former_cost_daily (
    device_id integer NOT NULL, day date NOT NULL, currency char(3) NOT NULL,
    energy_kwh double precision NOT NULL, cost numeric(20, 8) NOT NULL, carbon_kg double precision,
    PRIMARY KEY (device_id, day, currency)
);
"""
_OLD_ENERGY_SQL = """
SELECT e.device_id, e.hour, e.energy_kwh, e.device_id IN (SELECT id FROM household_meters) AS mains
FROM energy_hourly AS e JOIN devices AS d ON d.id = e.device_id
WHERE d.kind = ANY($3::text[]) AND e.hour >= $1 AND e.hour < $2
ORDER BY e.hour
"""
_OLD_DAILY_SQL = """
INSERT INTO former_cost_daily (device_id, day, currency, energy_kwh, cost, carbon_kg)
SELECT device_id, (hour AT TIME ZONE $3)::date, currency, sum(energy_kwh), sum(cost),
       sum(carbon_kg)
FROM former_cost_hourly
WHERE hour >= $1 AND hour < $2
GROUP BY device_id, (hour AT TIME ZONE $3)::date, currency
"""
_COLUMNS = "device_id, hour, tariff_id, energy_kwh, cost, currency, period, carbon_kg"


async def per_row_costs(
    conn: asyncpg.Connection, stored: StoredTariff, start: datetime, end: datetime, zone: ZoneInfo
) -> None:
    """Price [start, end) as the engine did before costs were rates times kWh."""
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
        await conn.execute(
            "DELETE FROM former_cost_hourly WHERE hour >= $1 AND hour < $2", low, high
        )
        await conn.copy_records_to_table(
            "former_cost_hourly", records=records, columns=_COLUMNS.split(", ")
        )
        await conn.execute(
            "DELETE FROM former_cost_daily WHERE day >= $1 AND day <= $2", first_day, last_day
        )
        await conn.execute(
            _OLD_DAILY_SQL,
            local_midnight(first_day, zone),
            local_midnight(last_day + timedelta(days=1), zone),
            zone.key,
        )


async def all_costs(
    conn: asyncpg.Connection, hourly: str = "cost_hourly", daily: str = "cost_daily"
) -> tuple[list[tuple[Any, ...]], ...]:
    """Return every hourly cost row, and the daily ones, in key order.

    The daily doubles (kWh, carbon) come rounded to 12 digits: the former daily sum added them
    in whatever order its plan's sort left them, the new one in time order.
    """
    hourly_rows = await conn.fetch(f"SELECT {_COLUMNS} FROM {hourly} ORDER BY 1, 2")
    daily_rows = await conn.fetch(
        f"SELECT device_id, day, currency, energy_kwh, cost, carbon_kg FROM {daily} ORDER BY 1, 2"
    )
    return (
        [tuple(row) for row in hourly_rows],
        [
            (r["device_id"], r["day"], r["currency"], float(f"{r['energy_kwh']:.12g}"), r["cost"],
             float(f"{r['carbon_kg']:.12g}"))
            for r in daily_rows
        ],
    )  # fmt: skip


async def random_year_part(conn: asyncpg.Connection, seed: int) -> int:
    """Write random kWh from START to END; return the rows.

    A grid meter netting below zero at times, two appliances inside it, one outside any mains,
    solar panels (not priced); hours missing per device, and six hours in which nothing was
    metered at all.
    """
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    grid = await add_device(conn, "grid", "grid")
    devices = [grid] + [await add_device(conn, f"plug{n}", "appliance") for n in range(3)]
    await conn.execute(
        "UPDATE devices SET included_in = $1 WHERE id = ANY($2::int[])", grid, devices[1:3]
    )
    devices.append(await add_device(conn, "roof", "solar"))
    outage = datetime(2024, 10, 2, 9, tzinfo=UTC)
    rows = []
    hour = START
    while hour < END:
        for device in devices:
            if rng.random() < 0.9 and not outage <= hour < outage + 6 * HOUR:
                least = -0.8 if device == grid else 0.0
                rows.append((device, hour, rng.uniform(least, 2.5) + rng.random() / 3))
        hour += HOUR
    await conn.executemany(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, $3, 1)",
        rows,
    )
    return len(rows)


_PRICED_ROWS_SQL = """
SELECT count(*) FROM energy_hourly JOIN devices ON devices.id = device_id
WHERE kind <> 'solar' AND hour >= $1
"""


@pytest.mark.parametrize("seed", [3, 4])
async def test_recompute_gives_the_former_rows(pool: asyncpg.Pool, seed: int) -> None:
    """Three billing cycles (cut on the 12th, Berlin) across the October DST change: the
    recompute's rows, hourly and daily, are those of the former per-row pricing."""
    async with pool.acquire() as conn:
        await conn.execute(_FORMER_TABLES_SQL)
        await random_year_part(conn, seed)
        rows = await conn.fetchval(_PRICED_ROWS_SQL, START)
        stored = await save_tariff(conn, TARIFF, datetime(2024, 1, 1, tzinfo=UTC))
        chunks = billing_chunks([stored], START, END)
        # The cycles start at local midnight of the 12th: 22:00 UTC in summer, 23:00 in winter.
        assert [high for _, high in chunks] == [
            datetime(2024, 9, 11, 22, tzinfo=UTC),
            datetime(2024, 10, 11, 22, tzinfo=UTC),
            datetime(2024, 11, 11, 23, tzinfo=UTC),
            END,
        ]
        for low, high in chunks:
            await per_row_costs(conn, stored, low, high, BERLIN)
        before = await all_costs(conn, "former_cost_hourly", "former_cost_daily")
        assert len(before[0]) == rows
        # The 25-hour day of the DST change is one of the compared days.
        assert any(row[1] == date(2024, 10, 27) for row in before[1])
        hours = 0
        for low, high in chunks:
            hours += await price_hours(conn, TARIFF["name"], low, high, BERLIN)
        assert hours == (END - START) // HOUR
        assert await all_costs(conn) == before


async def test_an_interrupted_recompute_resumes_to_the_same_rows(pool: asyncpg.Pool) -> None:
    """Stopped after its first cycle, the recompute resumes at the next on restart, reports
    progress from there, and ends with the rows of a recompute that ran through."""
    async with pool.acquire() as conn:
        await random_year_part(conn, 5)
        await save_tariff(conn, TARIFF, datetime(2024, 1, 1, tzinfo=UTC))
        await set_active_tariff(conn, TARIFF["name"])
        await request_recompute(conn, START)
    statuses: list[RecomputeStatus] = []
    first_cycle = asyncio.Event()

    def listen(status: RecomputeStatus) -> None:
        statuses.append(status)
        if status.hours_done:
            first_cycle.set()

    def service() -> TariffService:
        return TariffService(pool, BERLIN, clock=lambda: END, listener=listen)

    interrupted = service()
    await interrupted.start()
    await first_cycle.wait()
    await interrupted.stop()
    stopped = interrupted.status
    assert stopped.state is RecomputeState.RUNNING
    assert 0 < stopped.hours_done < stopped.hours_total == (END - START) // HOUR
    resume_at = await pool.fetchval("SELECT start FROM tariff_recompute")
    assert START < resume_at < END

    resumed = service()
    await resumed.start()
    status = await resumed.wait_settled()
    await resumed.stop()
    assert status.state is RecomputeState.DONE
    assert status.start == resume_at
    assert status.hours_total == (END - resume_at) // HOUR
    progress = [s.progress for s in statuses if s.start == resume_at]
    assert progress == sorted(progress)
    assert progress[-1] == 1.0
    assert len(set(progress)) > 2  # reported per cycle, not only at the end
    async with pool.acquire() as conn:
        resumed_rows = await all_costs(conn)
        await conn.execute("TRUNCATE cost_rates, cost_daily")
        await request_recompute(conn, START)
    through = service()
    await through.start()
    assert (await through.wait_settled()).state is RecomputeState.DONE
    await through.stop()
    async with pool.acquire() as conn:
        assert await all_costs(conn) == resumed_rows
        assert len(resumed_rows[0]) == await conn.fetchval(_PRICED_ROWS_SQL, START)


async def test_the_former_tables_costs_are_recomputed(db_pool: asyncpg.Pool) -> None:
    """Migration 0009 drops the per-device cost table and queues a recompute from its first
    hour, which the engine's next start runs."""
    migrations = load_migrations()
    index = next(n for n, m in enumerate(migrations) if m.name == "cost_rates")
    first = START + 48 * HOUR
    async with db_pool.acquire() as conn:
        await apply_migrations(conn, migrations[:index])
        await random_year_part(conn, 6)
        stored = await save_tariff(conn, TARIFF, datetime(2024, 1, 1, tzinfo=UTC))
        await set_active_tariff(conn, TARIFF["name"])
        await conn.execute(
            "INSERT INTO cost_hourly (device_id, hour, tariff_id, energy_kwh, cost, currency)"
            " SELECT device_id, hour, $1, energy_kwh, 0.1, 'EUR' FROM energy_hourly"
            " WHERE hour >= $2",
            stored.id,
            first,
        )
        await apply_migrations(conn)
        assert await conn.fetchval("SELECT start FROM tariff_recompute") == first
        assert await conn.fetchval("SELECT count(*) FROM cost_hourly") == 0
    service = TariffService(db_pool, BERLIN, clock=lambda: END)
    await service.start()
    status = await service.wait_settled()
    await service.stop()
    assert status.state is RecomputeState.DONE
    assert status.start == first
    async with db_pool.acquire() as conn:
        priced = await conn.fetchval("SELECT count(*) FROM cost_hourly")
        expected = await conn.fetchval(_PRICED_ROWS_SQL, first)
        assert priced == expected > 0
        assert await conn.fetchval("SELECT count(*) FROM cost_hourly WHERE hour < $1", first) == 0
