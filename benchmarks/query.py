# ruff: noqa: INP001 - benchmarks are scripts run by path, not a package
"""Read latency of the API over a year of data: `/api/v1/summary` and a 7-day device energy query.

Builds a year of hourly and daily rollups and costs for 100 devices (what the engine keeps for a
year of 10-second readings), runs the real engine process on it, and measures p50/p99 over HTTP;
then adds 7 days of 10-second raw readings (6 million rows) and measures again, to show the
answers do not depend on the raw table's size. Prints one JSON line, with the engine's peak RSS.

    scripts/devenv run python benchmarks/query.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from support import UNLIMITED_API, EngineProcess, fresh_database, throwaway_cluster

DEVICES = 100
RAW_DAYS = 7
RAW_STEP_SECONDS = 10


async def build_rollups(pool: asyncpg.Pool, now: datetime) -> list[int]:
    """Write a year of rollups, costs and cloud costs; return the device ids."""
    async with pool.acquire() as conn:
        ids: list[int] = [
            row["id"]
            for row in await conn.fetch(
                """
                INSERT INTO devices (source, source_id, name, kind, unit)
                SELECT 'bench', 'device' || n, 'Device ' || n,
                       CASE WHEN n = 0 THEN 'grid' ELSE 'appliance' END,
                       CASE WHEN n = 0 THEN 'kWh' ELSE 'W' END
                FROM generate_series(0, $1) AS n
                RETURNING id
                """,
                DEVICES,
            )
        ]
        tariff = await conn.fetchval(
            "INSERT INTO tariffs (name, version, definition, valid_from) "
            "VALUES ('bench', 1, '{}', $1) RETURNING id",
            now - timedelta(days=400),
        )
        start = (now - timedelta(days=365)).replace(minute=0, second=0, microsecond=0)
        await conn.execute(
            """
            INSERT INTO energy_hourly
                (device_id, hour, energy_kwh, avg_power_w, max_power_w, samples)
            SELECT d, h, 0.1 + random(), 500, 900, 360
            FROM unnest($1::int[]) AS d, generate_series($2::timestamptz, $3, '1 hour') AS h
            """,
            ids, start, now,
        )  # fmt: skip
        await conn.execute(
            """
            INSERT INTO energy_daily (device_id, day, energy_kwh, max_power_w, samples)
            SELECT device_id, (hour AT TIME ZONE 'Europe/Berlin')::date, sum(energy_kwh),
                   max(max_power_w), sum(samples)
            FROM energy_hourly GROUP BY 1, 2
            """
        )
        await conn.execute(
            """
            INSERT INTO cost_hourly (device_id, hour, tariff_id, energy_kwh, cost, currency, period)
            SELECT device_id, hour, $1, energy_kwh, round((energy_kwh * 0.31)::numeric, 8), 'EUR',
                   'peak'
            FROM energy_hourly
            """,
            tariff,
        )
        await conn.execute(
            """
            INSERT INTO cost_daily (device_id, day, currency, energy_kwh, cost)
            SELECT device_id, (hour AT TIME ZONE 'Europe/Berlin')::date, currency,
                   sum(energy_kwh), sum(cost)
            FROM cost_hourly GROUP BY 1, 2, 3
            """
        )
        await conn.execute(
            """
            INSERT INTO devices (source, source_id, name, kind) VALUES
                ('azure', 'sub-1', 'Azure', 'cloud_account'), ('aws', '123', 'AWS', 'cloud_account')
            """
        )
        await conn.execute(
            """
            INSERT INTO cloud_costs (device_id, day, dimension, dimension_value, amount, currency)
            SELECT d.id, day::date, dim, val, round((random() * 3)::numeric, 8), 'USD'
            FROM devices d,
                 generate_series($1::timestamptz, $2, '1 day') AS day,
                 (VALUES ('total', ''), ('service', 'Compute'), ('service', 'Storage'))
                     AS x(dim, val)
            WHERE d.kind = 'cloud_account'
            """,
            start, now,
        )  # fmt: skip
        await conn.execute("ANALYZE")
    return ids


async def add_raw_readings(pool: asyncpg.Pool, ids: list[int], now: datetime) -> int:
    """COPY RAW_DAYS of 10-second readings for every device into the hypertable."""
    start = now - timedelta(days=RAW_DAYS)
    steps = RAW_DAYS * 86_400 // RAW_STEP_SECONDS
    total = 0
    async with pool.acquire() as conn:
        for device in ids:
            records = [
                (start + timedelta(seconds=RAW_STEP_SECONDS * i), device, 400.0 + i % 50, 0)
                for i in range(steps)
            ]
            await conn.copy_records_to_table(
                "readings", records=records, columns=["time", "device_id", "value", "quality"]
            )
            total += len(records)
        await conn.execute("ANALYZE readings")
    return total


async def latencies(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str], count: int
) -> dict[str, float]:
    """Time COUNT sequential GETs of URL; return p50 and p99 in milliseconds."""
    times = []
    for _ in range(count):
        began = time.perf_counter()
        async with session.get(url, headers=headers) as resp:
            await resp.read()
            if resp.status != 200:
                raise RuntimeError(f"{url}: {resp.status} {await resp.text()}")
        times.append((time.perf_counter() - began) * 1000)
    cuts = statistics.quantiles(times, n=100)
    return {"p50_ms": round(cuts[49], 2), "p99_ms": round(cuts[98], 2)}


async def measure(engine: EngineProcess, token: str, device: int, count: int) -> dict[str, Any]:
    """Measure summary and 7-day hourly energy of one device."""
    headers = {"Authorization": f"Bearer {token}"}
    now = datetime.now(UTC)
    week = (
        f"{engine.url}/api/v1/devices/{device}/energy?resolution=hour"
        f"&from={(now - timedelta(days=7)).isoformat()}&to={now.isoformat()}"
    ).replace("+", "%2B")
    async with aiohttp.ClientSession() as session:
        await latencies(session, f"{engine.url}/api/v1/summary", headers, 20)  # warm up
        return {
            "summary": await latencies(session, f"{engine.url}/api/v1/summary", headers, count),
            "device_energy_7d": await latencies(session, week, headers, count),
        }


async def main(count: int) -> None:
    """Run the benchmark and print one JSON line."""
    now = datetime.now(UTC)
    with throwaway_cluster() as cluster, tempfile.TemporaryDirectory() as data:
        async with fresh_database(cluster, "bench_query") as pool:
            ids = await build_rollups(pool, now)
            engine = EngineProcess(
                cluster.dsn("bench_query", tcp=True),
                Path(data),
                {**UNLIMITED_API, "AETHERLENS_TIMEZONE": "Europe/Berlin"},
            )
            try:
                token = await engine.start()
                without_raw = await measure(engine, token, ids[1], count)
                raw_rows = await add_raw_readings(pool, ids, now)
                with_raw = await measure(engine, token, ids[1], count)
                rss = engine.peak_rss_mib()
            finally:
                engine.stop()
    print(
        json.dumps(
            {
                "benchmark": "query",
                "devices": len(ids),
                "requests_each": count,
                "rollup_days": 365,
                "without_raw": without_raw,
                "with_raw": {"raw_rows": raw_rows, **with_raw},
                "engine_peak_rss_mib": rss,
                "goal": {"summary_p99_ms": 20, "device_energy_7d_p99_ms": 100},
            }
        )
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per measurement")
    asyncio.run(main(parser.parse_args().requests))
