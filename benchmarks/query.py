# ruff: noqa: INP001 - benchmarks are scripts run by path, not a package
"""Read latency of the API over a year of data, with an active TOU + tier + demand tariff.

Builds a year of hourly and daily rollups and costs for 100 devices under a grid meter (what the
engine keeps for a year of 10-second readings), runs the real engine process on it, and for each
of day 1, 15 and 30 of a billing cycle (the tariff's cycle day chosen so that today is that day)
measures `/api/v1/summary`, `/api/v1/price` and `/api/v1/projection` p50/p99 over HTTP with one
client and with 10 and 50 concurrent clients; then adds 7 days of 10-second raw
readings (6 million rows) and measures day 30 again, to show the answers do not depend on the
raw table's size. The cluster runs with the engine's own settings (cluster.py, sized for a 2 GB
Pi). Prints one JSON line per measurement, with the PSS of engine + PostgreSQL (sampled every
second while it is measured: highest and last), the load average and whether the cluster's data
lies on tmpfs (/tmp inside scripts/devenv is: pass --data-dir on disk, e.g. the repository's
gitignored .bench/, to measure a disk).

    scripts/devenv run python benchmarks/query.py [--requests 300] [--data-dir .bench]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
from support import (
    UNLIMITED_API,
    EngineProcess,
    fresh_database,
    on_tmpfs,
    pss_peak,
    throwaway_cluster,
)

from aetherlens_engine.pricing.store.tariffs import save_tariff, set_active_tariff

DEVICES = 100
RAW_DAYS = 7
RAW_STEP_SECONDS = 10
ZONE = ZoneInfo("Europe/Berlin")
CYCLE_DAYS = (1, 15, 30)
ENDPOINTS = ("summary", "price", "projection")
# Day and night prices, each tiered by the cycle's kWh, a monthly peak demand charge, a fixed
# charge and VAT: every part of the bill the summary's figures go through.
TARIFF: dict[str, Any] = {
    "name": "bench-tou",
    "currency": "EUR",
    "timezone": "Europe/Berlin",
    "energy": {
        "periods": [
            {"name": "off", "end": "08:00",
             "tiers": [{"up_to": 300, "price": "0.18"}, {"price": "0.24"}]},
            {"name": "day", "start": "08:00", "end": "20:00",
             "tiers": [{"up_to": 300, "price": "0.28"}, {"price": "0.36"}]},
            {"name": "off", "start": "20:00",
             "tiers": [{"up_to": 300, "price": "0.18"}, {"price": "0.24"}]},
        ]
    },
    "demand": {"window_minutes": 60, "flat": [{"price": "4.5"}]},
    "fixed": [{"name": "meter", "amount": "9.90", "per": "cycle"}],
    "taxes": [{"name": "VAT", "percent": 19}],
}  # fmt: skip


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
            "VALUES ('bench-static', 1, '{}', $1) RETURNING id",
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
            INSERT INTO cost_rates (hour, tariff_id, currency, price, period)
            SELECT h, $1, 'EUR', 0.31, 'peak'
            FROM generate_series($2::timestamptz, $3, '1 hour') AS h
            """,
            tariff, start, now,
        )  # fmt: skip
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


async def add_raw_readings(dsn: str, ids: list[int], now: datetime) -> int:
    """COPY RAW_DAYS of 10-second readings for every device into the hypertable."""
    start = now - timedelta(days=RAW_DAYS)
    steps = RAW_DAYS * 86_400 // RAW_STEP_SECONDS
    total = 0
    conn = await asyncpg.connect(dsn)
    try:
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
    finally:
        await conn.close()
    return total


async def latencies(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str], count: int, clients: int = 1
) -> dict[str, float]:
    """Time COUNT GETs of URL from CLIENTS concurrent clients; return p50 and p99 in ms."""
    times: list[float] = []

    async def client(requests: int) -> None:
        for _ in range(requests):
            began = time.perf_counter()
            async with session.get(url, headers=headers) as resp:
                await resp.read()
                if resp.status != 200:
                    raise RuntimeError(f"{url}: {resp.status} {await resp.text()}")
            times.append((time.perf_counter() - began) * 1000)

    await asyncio.gather(*(client(count // clients) for _ in range(clients)))
    cuts = statistics.quantiles(times, n=100)
    return {"p50_ms": round(cuts[49], 2), "p99_ms": round(cuts[98], 2), "requests": len(times)}


async def activate(dsn: str, now: datetime, day_of_cycle: int) -> int:
    """Save and activate TARIFF with the cycle day that makes today DAY_OF_CYCLE; return it."""
    first = now.astimezone(ZONE).date() - timedelta(days=day_of_cycle - 1)
    # A tariff per day: a new version would be valid only from now on.
    definition = {**TARIFF, "name": f"{TARIFF['name']}-{day_of_cycle}", "cycle_day": first.day}
    conn = await asyncpg.connect(dsn)
    try:
        await save_tariff(conn, definition, now - timedelta(days=400))
        await set_active_tariff(conn, definition["name"])
    finally:
        await conn.close()
    return first.day


async def measure(
    engine: EngineProcess, token: str, count: int, *, concurrency: bool = True
) -> dict[str, Any]:
    """Measure summary, price and projection with 1 client, then with 10 and 50."""
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{engine.url}/api/v1"
    async with aiohttp.ClientSession() as session:
        await latencies(session, f"{url}/summary", headers, 20)  # warm up
        figures = {
            name: await latencies(session, f"{url}/{name}", headers, count) for name in ENDPOINTS
        }
        if concurrency:
            for clients in (10, 50):
                for name in ENDPOINTS:
                    figures[f"{name}_{clients}_clients"] = await latencies(
                        session, f"{url}/{name}", headers, count, clients
                    )
    return figures


def emit(line: dict[str, Any], data_root: Path) -> None:
    """Print one JSON line with the load average and where the data lies."""
    line |= {"loadavg": os.getloadavg(), "data_on_tmpfs": on_tmpfs(data_root)}
    print(json.dumps(line), flush=True)


def use_data_dir(data_dir: str | None) -> Path:
    """Put the throw-away cluster into DATA_DIR (None: the system's temporary directory)."""
    if data_dir is not None:
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        tempfile.tempdir = str(Path(data_dir).resolve())
    return Path(tempfile.gettempdir())


async def main(count: int, data_root: Path) -> None:
    """Run the benchmark and print its JSON lines."""
    now = datetime.now(UTC)
    with throwaway_cluster(engine_settings=True) as cluster, tempfile.TemporaryDirectory() as data:
        # The loading connection is closed before the engine runs: only the engine's process,
        # its connections and the server's own processes count in the PSS.
        async with fresh_database(cluster, "bench_query") as pool:
            ids = await build_rollups(pool, now)
        dsn = cluster.dsn("bench_query", tcp=True)
        engine = EngineProcess(
            dsn,
            Path(data),
            {**UNLIMITED_API, "AETHERLENS_TIMEZONE": "Europe/Berlin", "AETHERLENS_CURRENCY": "EUR"},
        )
        try:
            token = await engine.start()
            common = {"benchmark": "query", "devices": len(ids), "rollup_days": 365}
            pids = [engine.pid, int((cluster.data_dir / "postmaster.pid").read_text().split()[0])]
            for day in CYCLE_DAYS:
                cycle_day = await activate(dsn, now, day)
                async with pss_peak(pids) as pss:
                    figures = await measure(engine, token, count)
                emit(
                    {**common, "day_of_cycle": day, "cycle_day": cycle_day, **figures,
                     "engine_and_postgresql_pss_mib": {"max": max(pss), "last": pss[-1]}},
                    data_root,
                )  # fmt: skip
            raw_rows = await add_raw_readings(dsn, ids, now)
            async with pss_peak(pids) as pss:
                figures = await measure(engine, token, count, concurrency=False)
            emit(
                {**common, "day_of_cycle": CYCLE_DAYS[-1], "raw_rows": raw_rows, **figures,
                 "engine_and_postgresql_pss_mib": {"max": max(pss), "last": pss[-1]},
                 "engine_peak_rss_mib": engine.peak_rss_mib(),
                 "goal": {"p99_ms": 20, "summary_10_clients_p50_ms": 50, "pss_mib": 256}},
                data_root,
            )  # fmt: skip
        finally:
            engine.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--requests", type=int, default=300, help="requests per measurement")
    parser.add_argument("--data-dir", help="where the cluster's data goes (default: /tmp)")
    args = parser.parse_args()
    asyncio.run(main(args.requests, use_data_dir(args.data_dir)))
