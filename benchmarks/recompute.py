# ruff: noqa: INP001 - benchmarks are scripts run by path, not a package
"""Recompute of a year of costs against billing the same year once, in the same run.

Writes a year of hourly rollups for 100 appliances under a grid meter, saves a TOU + tier +
demand + fixed + VAT tariff, then per round:
- bills the year once with the product's bill calculator, in process: `bill` with every priced
  device attributed (`devices=`), on the household's and the devices' hours as it takes them
  (`Grid`s of exact decimals, read beforehand: `bill_inputs_s`). `bill_s` is the reference of
  `ratio` (goal: at most 10); `bill_agrees` checks that its cost of each device and cycle is the
  sum of that device's `cost_daily` rows of the cycle (to their hours' rounding, 1e-8 each);
- secondary references: the same work as the recompute's without its writes, in Python
  (`same_work_s`, `same_work_ratio`): the household's hours read and billed, their rates
  (`interval_rates`, the attribution rule), every device's hours read and each priced at its
  hour's rate (rounded to 1e-8 as `cost_hourly`) and summed per device and local day, which
  `same_costs` compares with `cost_daily`; and of it the household's bill alone (`bill_once_s`,
  `household_ratio`: 8 760 hours, not what any device cost);
- recomputes every device's costs for the year as the engine does after a tariff change
  (`price_hours` per billing cycle, each in its own transaction: the household's rate per hour,
  then each device's sums per local day). Round 1 is the year's first pricing (its rows are
  inserted), later rounds a recompute over existing costs.
Prints one JSON line per round with the times and their ratios, the part of the recompute that
the per-device daily sums take (timed again on their own), the CPU seconds of each (this
process's and its database backend's: a ratio that other work on the machine moves less than the
wall times'), the load average and whether the cluster's data lies on tmpfs (/tmp inside
scripts/devenv is: --data-dir puts it on disk, e.g. the repository's gitignored .bench/). The
cluster runs with the engine's own settings (cluster.py: a 2 GB Pi's, no parallel workers).

    scripts/devenv run python benchmarks/recompute.py [--rounds 3] [--data-dir .bench]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
from query import TARIFF, use_data_dir
from support import fresh_database, on_tmpfs, throwaway_cluster

from aetherlens_engine.pricing.recompute import billing_chunks, price_hours
from aetherlens_engine.pricing.store.costs import PRICED_KINDS, write_daily
from aetherlens_engine.pricing.store.tariffs import save_tariff, tariff_versions
from aetherlens_engine.pricing.store.usage import recorded_usage
from aetherlens_engine.tariffs.bill import Bill, bill, interval_rates
from aetherlens_engine.tariffs.model import Tariff
from aetherlens_engine.tariffs.series import Grid, Interval
from aetherlens_engine.tariffs.usage import HOUR, exact

DEVICES = 100
ZONE = ZoneInfo("Europe/Berlin")
CENT_MILLIONTHS = Decimal("0.00000001")  # cost_hourly's rounding of an hour's cost
_DEVICE_HOURS_SQL = """
SELECT e.device_id, e.hour, e.energy_kwh
FROM energy_hourly AS e JOIN devices AS d ON d.id = e.device_id
WHERE e.hour >= $1 AND e.hour < $2 AND d.kind = ANY ($3::text[])
"""
_DEVICE_YEARS_SQL = """
SELECT e.device_id, array_agg(e.energy_kwh ORDER BY e.hour) AS kwh
FROM energy_hourly AS e JOIN devices AS d ON d.id = e.device_id
WHERE e.hour >= $1 AND e.hour < $2 AND d.kind = ANY ($3::text[])
GROUP BY e.device_id
"""
_DAILY_COSTS_SQL = "SELECT device_id, day, cost FROM cost_daily"


async def build_year(conn: asyncpg.Connection, start: datetime, end: datetime) -> int:
    """Write a year of hourly energy for a grid meter and DEVICES appliances inside it."""
    grid = await conn.fetchval(
        "INSERT INTO devices (source, source_id, name, kind, unit) "
        "VALUES ('bench', 'grid', 'Grid', 'grid', 'kWh') RETURNING id"
    )
    await conn.execute(
        """
        INSERT INTO devices (source, source_id, name, kind, unit, included_in)
        SELECT 'bench', 'plug' || n, 'Plug ' || n, 'appliance', 'W', $2
        FROM generate_series(1, $1) AS n
        """,
        DEVICES,
        grid,
    )
    await conn.execute(
        """
        INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples)
        SELECT d.id, h, CASE WHEN d.kind = 'grid' THEN 3 + random() ELSE random() / 40 END, 360
        FROM devices AS d,
             generate_series($1::timestamptz, $2::timestamptz - interval '1 hour',
                             '1 hour') AS h
        """,
        start,
        end,
    )
    await conn.execute("ANALYZE")
    count: int = await conn.fetchval("SELECT count(*) FROM energy_hourly")
    return count


@dataclass(slots=True)
class Spent:
    """Seconds of wall time, and of CPU: this process's and its database backend's."""

    wall: float = 0.0
    cpu: float = 0.0


def cpu_seconds(backend: int) -> float:
    """Return the CPU seconds of this process and of the server process BACKEND so far."""
    fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    return time.process_time() + ticks / os.sysconf("SC_CLK_TCK")


@asynccontextmanager
async def timed(backend: int) -> AsyncIterator[Spent]:
    """Measure the block; the Spent yielded is filled when it ends."""
    spent = Spent()
    wall, cpu = time.perf_counter(), cpu_seconds(backend)
    yield spent
    spent.wall, spent.cpu = time.perf_counter() - wall, cpu_seconds(backend) - cpu


async def bill_inputs(
    conn: asyncpg.Connection, start: datetime, end: datetime
) -> tuple[Sequence[Interval], dict[str, Grid]]:
    """Read the household's year and every priced device's (by id), as `bill` takes them."""
    load = (await recorded_usage(conn, start, end)).load
    devices = {
        str(row["device_id"]): Grid(start, HOUR, [exact(kwh) for kwh in row["kwh"]])
        for row in await conn.fetch(_DEVICE_YEARS_SQL, start, end, PRICED_KINDS)
    }
    return load, devices


def bill_agrees(billed: Bill, days: dict[tuple[int, date], Decimal]) -> bool:
    """Return whether each device's cost per cycle is the sum of its DAYS in it, to rounding.

    The bill sums exact products, the days hours rounded to 1e-8: at most half of that each.
    """
    for cycle in billed.cycles:
        hours = (cycle.cycle.end_utc - cycle.cycle.start_utc) // HOUR
        in_cycle: dict[int, Decimal] = defaultdict(Decimal)
        for (device, day), cost in days.items():
            if cycle.cycle.first <= day < cycle.cycle.end:
                in_cycle[device] += cost
        if {str(device) for device in in_cycle} != {row.device for row in cycle.devices}:
            return False
        for row in cycle.devices:
            if abs(in_cycle[int(row.device)] - row.cost) > CENT_MILLIONTHS * hours / 2:
                return False
    return True


async def bill_once(conn: asyncpg.Connection, start: datetime, end: datetime) -> Tariff:
    """Read the household's year and bill it; return the tariff billed."""
    usage = await recorded_usage(conn, start, end)
    tariff = (await tariff_versions(conn, TARIFF["name"]))[-1].tariff()
    bill(tariff, usage.load)
    return tariff


async def bill_devices(
    conn: asyncpg.Connection, tariff: Tariff, start: datetime, end: datetime
) -> dict[tuple[int, date], Decimal]:
    """Price every device's hours at the household's rates; return their costs per local day.

    The household bill (`bill_once`) comes first and is timed with this.
    """
    load = (await recorded_usage(conn, start, end)).load
    rates = {
        rate.start: (rate.start.astimezone(ZONE).date(), rate.price)
        for rate in interval_rates(tariff, load)
    }
    days: dict[tuple[int, date], Decimal] = defaultdict(Decimal)
    for device, hour, kwh in await conn.fetch(_DEVICE_HOURS_SQL, start, end, PRICED_KINDS):
        day, price = rates[hour]
        days[device, day] += (Decimal(repr(kwh)) * price).quantize(CENT_MILLIONTHS, ROUND_HALF_UP)
    return days


async def recompute(conn: asyncpg.Connection, start: datetime, end: datetime) -> int:
    """Price every device's year per billing cycle; return the hours rated."""
    written = 0
    versions = await tariff_versions(conn, TARIFF["name"])
    for low, high in billing_chunks(versions, start, end):
        written += await price_hours(conn, TARIFF["name"], low, high, ZONE)
    return written


async def daily_sums(conn: asyncpg.Connection, start: datetime, end: datetime) -> None:
    """Write the recompute's per-device daily sums again, on their own."""
    versions = await tariff_versions(conn, TARIFF["name"])
    for low, high in billing_chunks(versions, start, end):
        async with conn.transaction():
            await write_daily(conn, low, high, ZONE)


async def main(rounds: int, data_root: Path) -> None:
    """Run the rounds and print a JSON line for each."""
    end = datetime(2026, 1, 1, tzinfo=UTC)
    start = end - timedelta(days=365)
    with throwaway_cluster(engine_settings=True) as cluster:
        async with fresh_database(cluster, "bench_recompute") as pool, pool.acquire() as conn:
            rows = await build_year(conn, start, end)
            await save_tariff(conn, {**TARIFF, "cycle_day": 1}, start - timedelta(days=1))
            backend: int = await conn.fetchval("SELECT pg_backend_pid()")
            for number in range(1, rounds + 1):
                async with timed(backend) as read:
                    load, grids = await bill_inputs(conn, start, end)
                tariff = (await tariff_versions(conn, TARIFF["name"]))[-1].tariff()
                gc.collect()  # the inputs' objects are the read's garbage work, not the bill's
                async with timed(backend) as calculated:
                    billed = bill(tariff, load, devices=grids)
                del load, grids
                async with timed(backend) as same_work:
                    async with timed(backend) as household:
                        tariff = await bill_once(conn, start, end)
                    device_days = await bill_devices(conn, tariff, start, end)
                async with timed(backend) as recomputed:
                    written = await recompute(conn, start, end)
                async with timed(backend) as daily:
                    await daily_sums(conn, start, end)
                stored = await conn.fetch(_DAILY_COSTS_SQL)
                print(json.dumps({
                    "benchmark": "recompute", "round": number, "energy_rows": rows,
                    "hours_rated": written, "device_days": len(device_days),
                    "same_costs": {(r["device_id"], r["day"]): r["cost"] for r in stored}
                    == device_days, "bill_agrees": bill_agrees(billed, device_days),
                    "bill_s": round(calculated.wall, 3), "recompute_s": round(recomputed.wall, 3),
                    "ratio": round(recomputed.wall / calculated.wall, 1), "goal_ratio": 10,
                    "bill_cpu_s": round(calculated.cpu, 3),
                    "recompute_cpu_s": round(recomputed.cpu, 3),
                    "cpu_ratio": round(recomputed.cpu / calculated.cpu, 1),
                    "bill_inputs_s": round(read.wall, 3),
                    "same_work_s": round(same_work.wall, 3),
                    "same_work_ratio": round(recomputed.wall / same_work.wall, 1),
                    "same_work_cpu_ratio": round(recomputed.cpu / same_work.cpu, 1),
                    "bill_once_s": round(household.wall, 3),
                    "household_ratio": round(recomputed.wall / household.wall, 1),
                    "household_cpu_ratio": round(recomputed.cpu / household.cpu, 1),
                    "of_which_daily_sums_s": round(daily.wall, 3),
                    "daily_sums_cpu_s": round(daily.cpu, 3),
                    "loadavg": os.getloadavg(), "data_on_tmpfs": on_tmpfs(data_root),
}), flush=True)  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--data-dir", help="where the cluster's data goes (default: /tmp)")
    args = parser.parse_args()
    asyncio.run(main(args.rounds, use_data_dir(args.data_dir)))
