# ruff: noqa: INP001 - benchmarks are scripts run by path, not a package
"""Recompute of a year of costs against billing the same year once, in the same run.

Writes a year of hourly rollups for 100 appliances under a grid meter, saves a TOU + tier +
demand + fixed + VAT tariff, then per round: bills the household's year once in process (the
hours read from the database, then `bill`), and recomputes every device's costs for the year as
the engine does after a tariff change (`price_hours` per billing cycle, each in its own
transaction: the household's rate per hour, then each device's sums per local day). Prints one
JSON line per round with both times and their ratio (goal: at most 10), the part of the
recompute that the per-device daily sums take (timed again on their own) and the ratio of the
rest, the load average and whether the cluster's data lies on tmpfs (/tmp inside scripts/devenv
is: --data-dir puts it on disk, e.g. the repository's gitignored .bench/). The cluster runs with
the engine's own settings (cluster.py: a 2 GB Pi's, no parallel workers).

    scripts/devenv run python benchmarks/recompute.py [--rounds 2] [--data-dir .bench]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
from query import TARIFF, use_data_dir
from support import fresh_database, on_tmpfs, throwaway_cluster

from aetherlens_engine.tariffs.bill import bill
from aetherlens_engine.tariffs.costs import write_daily
from aetherlens_engine.tariffs.recompute import billing_chunks, price_hours
from aetherlens_engine.tariffs.store import save_tariff, tariff_versions
from aetherlens_engine.tariffs.usage import recorded_usage

DEVICES = 100
ZONE = ZoneInfo("Europe/Berlin")


async def build_year(pool: asyncpg.Pool, start: datetime, end: datetime) -> int:
    """Write a year of hourly energy for a grid meter and DEVICES appliances inside it."""
    async with pool.acquire() as conn:
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


async def bill_once(pool: asyncpg.Pool, start: datetime, end: datetime) -> float:
    """Return the seconds to read the household's year and bill it."""
    began = time.perf_counter()
    async with pool.acquire() as conn:
        usage = await recorded_usage(conn, start, end)
        tariff = (await tariff_versions(conn, TARIFF["name"]))[-1].tariff()
    bill(tariff, usage.load)
    return time.perf_counter() - began


async def recompute(pool: asyncpg.Pool, start: datetime, end: datetime) -> tuple[float, int]:
    """Return the seconds to price every device's year per billing cycle, and the hours rated."""
    began = time.perf_counter()
    written = 0
    async with pool.acquire() as conn:
        versions = await tariff_versions(conn, TARIFF["name"])
        for low, high in billing_chunks(versions, start, end):
            written += await price_hours(conn, TARIFF["name"], low, high, ZONE)
    return time.perf_counter() - began, written


async def daily_sums(pool: asyncpg.Pool, start: datetime, end: datetime) -> float:
    """Return the seconds the recompute's per-device daily sums take on their own (re-run)."""
    began = time.perf_counter()
    async with pool.acquire() as conn:
        versions = await tariff_versions(conn, TARIFF["name"])
        for low, high in billing_chunks(versions, start, end):
            async with conn.transaction():
                await write_daily(conn, low, high, ZONE)
    return time.perf_counter() - began


async def main(rounds: int, data_root: Path) -> None:
    """Run the rounds and print a JSON line for each."""
    end = datetime(2026, 1, 1, tzinfo=UTC)
    start = end - timedelta(days=365)
    with throwaway_cluster(engine_settings=True) as cluster:
        async with fresh_database(cluster, "bench_recompute") as pool:
            rows = await build_year(pool, start, end)
            async with pool.acquire() as conn:
                await save_tariff(conn, {**TARIFF, "cycle_day": 1}, start - timedelta(days=1))
            for number in range(1, rounds + 1):
                billed = await bill_once(pool, start, end)
                recomputed, written = await recompute(pool, start, end)
                daily = await daily_sums(pool, start, end)
                print(json.dumps({
                    "benchmark": "recompute", "round": number, "energy_rows": rows,
                    "hours_rated": written, "bill_once_s": round(billed, 3),
                    "recompute_s": round(recomputed, 3),
                    "ratio": round(recomputed / billed, 1), "goal_ratio": 10,
                    "of_which_daily_sums_s": round(daily, 3),
                    "rates_ratio": round((recomputed - daily) / billed, 1),
                    "loadavg": os.getloadavg(), "data_on_tmpfs": on_tmpfs(data_root),
                }), flush=True)  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--data-dir", help="where the cluster's data goes (default: /tmp)")
    args = parser.parse_args()
    asyncio.run(main(args.rounds, use_data_dir(args.data_dir)))
