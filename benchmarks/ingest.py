# ruff: noqa: INP001 - benchmarks are scripts run by path, not a package
"""Ingest throughput: raw COPY into `readings` against the engine's path, in-process and over HTTP.

Starts a throw-away PostgreSQL cluster with TimescaleDB (fsync on, default settings), makes one
database per measurement (migrated, with the same devices), and prints one JSON line:

    scripts/devenv run python benchmarks/ingest.py [--readings N] [--devices N]

raw: `copy_records_to_table` of already converted records straight into the hypertable, in one
COPY and in transactions of `batch_size` (the faster counts). pipeline: `IngestPipeline.submit`
of RawReadings in the sources' units from concurrent producers, until every reading is
acknowledged (committed). http: the same readings POSTed to `/api/v1/readings` of the real engine
process by concurrent clients, each request answered only once its readings are durable.
Ratios are against raw; the engine's peak RSS is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import asyncpg
from support import (
    UNLIMITED_API,
    EngineProcess,
    create_devices,
    fresh_database,
    throwaway_cluster,
)

from aetherlens_engine.cluster import ManagedCluster
from aetherlens_engine.ingest import IngestPipeline
from aetherlens_engine.ingest.records import COLUMNS, Record
from aetherlens_engine.models import RawReading

STEP = timedelta(seconds=10)


@dataclass(frozen=True, slots=True)
class Workload:
    """The same readings twice: as sources send them, and as the database stores them."""

    raw: list[RawReading]
    records: list[Record]


def make_workload(devices: list[tuple[int, str]], count: int) -> Workload:
    """Return COUNT readings, each device every 10 s: meters in Wh, power alternately in W, kW.

    They end an hour ago: younger than a day, so the engine neither refuses them (raw retention)
    nor packs them (compaction) while the HTTP phase runs, and none is in the future.
    """
    steps = count // len(devices)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - steps * STEP
    raw: list[RawReading] = []
    records: list[Record] = []
    for step in range(steps):
        time_ = start + step * STEP
        for device_id, unit in devices:
            if unit == "kWh":
                reading = RawReading(device_id, time_, 1000.0 * step, "Wh")
                value = float(step)
            elif step % 2:
                reading = RawReading(device_id, time_, 1.5, "kW")
                value = 1500.0
            else:
                reading = RawReading(device_id, time_, 230.0)
                value = 230.0
            raw.append(reading)
            records.append((time_, device_id, value, 0))
    return Workload(raw, records)


async def measure_raw_copy(
    pool: asyncpg.Pool, records: list[Record], batch_size: int | None
) -> float:
    """Return rows/s of COPY straight into readings: one COPY, or one per BATCH_SIZE rows."""
    size = batch_size or len(records)
    async with pool.acquire() as conn:
        started = time.perf_counter()
        for start in range(0, len(records), size):
            async with conn.transaction():
                await conn.copy_records_to_table(
                    "readings", records=records[start : start + size], columns=COLUMNS
                )
        return len(records) / (time.perf_counter() - started)


async def measure_pipeline(
    pool: asyncpg.Pool, readings: list[RawReading], *, producers: int, chunk: int, **options: int
) -> float:
    """Return readings/s through IngestPipeline, submitted in CHUNKs by concurrent PRODUCERS."""
    chunks = [readings[start : start + chunk] for start in range(0, len(readings), chunk)]
    spool = Path(tempfile.mkdtemp(prefix="aetherlens-bench-spool-"))
    pipeline = IngestPipeline(pool, spool, **options)  # type: ignore[arg-type]
    await pipeline.start()
    try:

        async def produce(mine: list[list[RawReading]]) -> None:
            for part in mine:
                result = await pipeline.submit(part)
                assert result.accepted == len(part), result.rejected[:3]

        started = time.perf_counter()
        await asyncio.gather(*(produce(chunks[i::producers]) for i in range(producers)))
        elapsed = time.perf_counter() - started
        stats = pipeline.stats
        assert stats.committed == len(readings), stats
        assert stats.spooled == 0, stats
    finally:
        await pipeline.stop()
        shutil.rmtree(spool, ignore_errors=True)
    return len(readings) / elapsed


async def measure_http(
    cluster: ManagedCluster,
    database: str,
    readings: list[RawReading],
    *,
    producers: int,
    chunk: int,
) -> tuple[float, float]:
    """Return readings/s POSTed to the engine process, and the engine's peak RSS in MiB."""
    bodies = [
        json.dumps(
            [
                {
                    "device_id": r.device_id,
                    "time": r.time.isoformat(),
                    "value": r.value,
                    "unit": r.unit,
                }
                for r in readings[start : start + chunk]
            ]
        ).encode()
        for start in range(0, len(readings), chunk)
    ]
    with tempfile.TemporaryDirectory() as data:
        engine = EngineProcess(cluster.dsn(database, tcp=True), Path(data), UNLIMITED_API)
        try:
            token = await engine.start()
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            async with aiohttp.ClientSession(headers=headers) as session:

                async def produce(mine: list[bytes]) -> None:
                    for body in mine:
                        async with session.post(f"{engine.url}/api/v1/readings", data=body) as resp:
                            assert resp.status == 200, await resp.text()

                started = time.perf_counter()
                await asyncio.gather(*(produce(bodies[i::producers]) for i in range(producers)))
                elapsed = time.perf_counter() - started
            rss = engine.peak_rss_mib()
        finally:
            engine.stop()
    return len(readings) / elapsed, rss


async def run(args: argparse.Namespace) -> dict[str, object]:
    """Measure raw COPY and the pipeline in alternating rounds, each on a fresh database.

    The machine may be shared: the best round of each is reported, with every round's figures.
    """
    options = {"writers": args.writers, "batch_size": args.batch_size}
    rounds: list[dict[str, float]] = []
    with throwaway_cluster() as cluster:
        for n in range(args.rounds):
            async with fresh_database(cluster, f"raw_single_{n}") as pool:
                workload = make_workload(await create_devices(pool, args.devices), args.readings)
                raw_single = await measure_raw_copy(pool, workload.records, None)
            async with fresh_database(cluster, f"raw_batched_{n}") as pool:
                await create_devices(pool, args.devices)
                raw_batched = await measure_raw_copy(pool, workload.records, args.batch_size)
            async with fresh_database(cluster, f"pipeline_{n}") as pool:
                await create_devices(pool, args.devices)
                pipeline = await measure_pipeline(
                    pool, workload.raw, producers=args.producers, chunk=args.chunk, **options
                )
                stored = await pool.fetchval("SELECT count(*) FROM readings")
                assert stored == len(workload.raw), stored
            async with fresh_database(cluster, f"http_{n}") as pool:
                await create_devices(pool, args.devices)
                http, rss = await measure_http(
                    cluster, f"http_{n}", workload.raw, producers=args.producers, chunk=args.chunk
                )
                stored = await pool.fetchval("SELECT count(*) FROM readings")
                assert stored == len(workload.raw), stored
            rounds.append(
                {
                    "raw_copy": round(raw_single),
                    "raw_copy_batched": round(raw_batched),
                    "pipeline": round(pipeline),
                    "http": round(http),
                    "engine_peak_rss_mib": rss,
                }
            )
    raw = max(max(r["raw_copy"], r["raw_copy_batched"]) for r in rounds)
    pipeline = max(r["pipeline"] for r in rounds)
    http = max(r["http"] for r in rounds)
    return {
        "benchmark": "ingest",
        "readings": len(workload.raw),
        "devices": args.devices,
        "producers": args.producers,
        "chunk": args.chunk,
        **options,
        "raw_copy_rows_per_s": raw,
        "pipeline_rows_per_s": pipeline,
        "ratio": round(pipeline / raw, 3),
        "http_rows_per_s": http,
        "http_ratio": round(http / raw, 3),
        "engine_peak_rss_mib": max(r["engine_peak_rss_mib"] for r in rounds),
        "rounds": rounds,
    }


def main() -> None:
    """Parse the command line, run the measurements, print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=500_000)
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--producers", type=int, default=4, help="concurrent submitters")
    parser.add_argument("--chunk", type=int, default=1_000, help="readings per submission")
    parser.add_argument("--writers", type=int, default=2, help="pipeline's concurrent writers")
    parser.add_argument("--batch-size", type=int, default=1_000, help="pipeline's batch size")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args))))


if __name__ == "__main__":
    main()
