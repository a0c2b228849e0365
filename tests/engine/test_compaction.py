"""Raw readings packed per device and hour give every query the answers it gave before.

On TimescaleDB (Apache edition) and plain PostgreSQL: the rollups (fold, late rebuild, full
recompute), the collector's last readings, the price series and the three reading functions,
over a DST change; late readings for a packed hour; hours packed before migration 0010; the
engine's storage job with retention; the community licence leaves it to TimescaleDB's
compression.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from aetherlens_engine.collector.devices import last_readings
from aetherlens_engine.config import load_config
from aetherlens_engine.engine import Engine
from aetherlens_engine.ingest.store import ReadingStore
from aetherlens_engine.migrations import apply_migrations, load_migrations
from aetherlens_engine.models import Quality
from aetherlens_engine.pricing.store.usage import price_series
from aetherlens_engine.storage import (
    CompactionReport,
    DatabaseFeatures,
    RollupMaintainer,
    compact_readings,
    detect_features,
)
from aetherlens_engine.storage.compaction import compaction_cutoff
from tests.engine.test_rollups import Row, add_device, add_readings, pool
from tests.engine.test_rollups_incremental import (
    BERLIN,
    full_snapshot,
    random_counter,
    random_power,
)
from tests.postgres import ScratchDatabase

__all__ = ["pool"]  # the fixture, used by name

# 30 hours over the end of summer time in Berlin (a 25-hour local day).
START = datetime(2026, 10, 24, 20, tzinfo=UTC)
HOURS = 30
# As of this moment every reading of the series is more than a day old.
LATER = START + timedelta(hours=HOURS + 26)
COMMUNITY = DatabaseFeatures("2.31.0", "timescale")


def price_steps(rng: random.Random) -> list[Row]:
    """Return a price series: a new price every 5 to 90 minutes, some flagged."""
    rows: list[Row] = []
    t = START
    while t < START + timedelta(hours=HOURS):
        price = round(rng.uniform(0.05, 0.6), 4)
        rows.append((t, price, Quality.GLITCH) if rng.random() < 0.05 else (t, price))
        t += timedelta(minutes=rng.choice([5, 15, 30, 60, 90]))
    return rows


async def series(pool: asyncpg.Pool, seed: int) -> dict[int, list[Row]]:
    """Create a counter, a power sensor and a price series with random readings (not stored)."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    return {
        await add_device(pool, "meter", "kWh"): random_counter(rng, START, HOURS),
        await add_device(pool, "power", "W"): random_power(rng, START, HOURS),
        await add_device(pool, "price", "EUR/kWh"): price_steps(rng),
    }


def probes(rows: list[Row]) -> list[datetime]:
    """Return instants to ask about: every hour boundary, reading times and just beside them."""
    hours = [START + timedelta(hours=h) for h in range(-2, HOURS + 3)]
    times = [row[0] for row in rows[::7]]
    return sorted({*hours, *times, *(t + timedelta(microseconds=1) for t in times)})


async def answers(pool: asyncpg.Pool, devices: dict[int, list[Row]]) -> list[object]:
    """Return what every query of raw readings answers about DEVICES."""
    result: list[object] = [await last_readings(pool, list(devices))]
    async with pool.acquire() as conn:
        for start in (START - timedelta(hours=1), START + timedelta(hours=7, minutes=13)):
            for length in (timedelta(minutes=50), timedelta(hours=24)):
                found = await price_series(conn, "EUR", start, start + length)
                result.append(found)
        for device, rows in devices.items():
            for t in probes(rows):
                for usable in (True, False):
                    result.append(
                        await conn.fetch(
                            "SELECT * FROM readings_before($1, $2, 3, $3)", device, t, usable
                        )
                    )
                    result.append(
                        await conn.fetch(
                            "SELECT * FROM readings_after($1, $2, 3, $3)", device, t, usable
                        )
                    )
                result.append(
                    await conn.fetch(
                        "SELECT * FROM readings_between($1, $2, $3) ORDER BY time",
                        device,
                        t,
                        t + timedelta(minutes=70),
                    )
                )
    return result


async def drain(maintainer: RollupMaintainer) -> None:
    """Roll up everything queued."""
    while await maintainer.process_queue():
        pass


async def stored(pool: asyncpg.Pool, table: str) -> int:
    """Return the readings TABLE holds (readings_compact: the readings packed in it)."""
    count = "sum(cardinality(steps))" if table == "readings_compact" else "count(*)"
    return int(await pool.fetchval(f"SELECT coalesce({count}, 0) FROM {table}"))


@pytest.mark.parametrize("seed", [1, 2])
async def test_queries_answer_the_same_after_compaction(pool: asyncpg.Pool, seed: int) -> None:
    """Rollups, last readings, price series and the reading functions: the same, packed or not."""
    devices = await series(pool, seed)
    for device, rows in devices.items():
        await add_readings(pool, device, rows, queue=True)
    maintainer = RollupMaintainer(pool, BERLIN)
    await drain(maintainer)
    rolled_up = await full_snapshot(pool)
    assert len(rolled_up) > 2 * HOURS
    before = await answers(pool, devices)
    total = sum(len(rows) for rows in devices.values())

    async with pool.acquire() as conn:
        report = await compact_readings(conn, await detect_features(conn), LATER)
    assert report.readings == total
    assert report.hours == await pool.fetchval("SELECT count(*) FROM readings_compact")
    assert (await stored(pool, "readings"), await stored(pool, "readings_compact")) == (0, total)
    assert await answers(pool, devices) == before

    # A full recompute from packed readings builds the rows the fold built from raw ones.
    await pool.execute("TRUNCATE energy_hourly, energy_daily")
    await maintainer.recompute(START - timedelta(hours=1), START + timedelta(hours=HOURS + 2))
    assert await full_snapshot(pool) == rolled_up


async def test_only_readings_a_day_old_are_packed(
    database: ScratchDatabase, pool: asyncpg.Pool
) -> None:
    """Whole UTC hours older than a day go; the hour a day ago and younger stay raw; the chunk
    they emptied is dropped; reruns find nothing to do."""
    power = await add_device(pool, "power", "W")
    rows: list[Row] = [(START + timedelta(minutes=10 * i), float(i)) for i in range(6 * HOURS)]
    await add_readings(pool, power, rows)
    now = START + timedelta(days=1, hours=10, minutes=30)
    cutoff = compaction_cutoff(now)
    assert cutoff == START + timedelta(hours=10)
    async with pool.acquire() as conn:
        features = await detect_features(conn)
        report = await compact_readings(conn, features, now)
        # The chunk of 2026-10-24 is empty and wholly old; that of the 25th holds raw readings.
        chunks = 1 if database.timescaledb else 0
        assert report == CompactionReport(readings=60, hours=10, chunks_dropped=chunks)
        assert await compact_readings(conn, features, now) == CompactionReport()
    assert await pool.fetchval("SELECT min(time) FROM readings") == cutoff
    packed = await pool.fetch(
        "SELECT *, compact_times(hour, steps) AS times FROM readings_compact ORDER BY hour"
    )
    assert [row["hour"] for row in packed] == [START + timedelta(hours=h) for h in range(10)]
    assert list(packed[3]["times"]) == [
        START + timedelta(hours=3, minutes=m) for m in range(0, 60, 10)
    ]
    assert list(packed[3]["vals"]) == [float(i) for i in range(18, 24)]
    with pytest.raises(ValueError, match="aware"):
        compaction_cutoff(now.replace(tzinfo=None))


async def test_late_readings_for_a_packed_hour(pool: asyncpg.Pool) -> None:
    """A late reading of a packed hour is rolled up as if it had come in time, then merged into
    the hour's row; one whose time the hour holds is a duplicate: the packed reading stays."""
    devices = await series(pool, 3)
    meter, power, _ = devices
    late: dict[int, Row] = {meter: devices[meter].pop(40), power: devices[power].pop(55)}
    for device, rows in devices.items():
        await add_readings(pool, device, rows, queue=True)
    maintainer = RollupMaintainer(pool, BERLIN)
    await drain(maintainer)
    async with pool.acquire() as conn:
        features = await detect_features(conn)
        await compact_readings(conn, features, LATER)
    assert await stored(pool, "readings") == 0

    packed = devices[power][10]
    store = ReadingStore(pool, timeout=60)
    await store.write(
        [
            (row[0], device, row[1], int(row[2]) if len(row) == 3 else 0)
            for device, row in late.items()
        ]
        + [(packed[0], power, packed[1] + 1000, 0)]
    )
    assert await stored(pool, "readings") == 2  # the duplicate was dropped
    await drain(maintainer)
    after_late = await full_snapshot(pool)
    for device, row in late.items():
        devices[device].append(row)
        devices[device].sort(key=lambda r: r[0])
    answered = await answers(pool, devices)

    async with pool.acquire() as conn:
        merged = await compact_readings(conn, features, LATER)
        assert (merged.readings, merged.hours) == (2, 2)
    assert await stored(pool, "readings") == 0
    assert await answers(pool, devices) == answered
    value = await pool.fetchval("SELECT value FROM readings_between($1, $2, $2)", power, packed[0])
    assert value == packed[1]

    # The same readings stored in time and never packed roll up to the same rows.
    await pool.execute(
        "TRUNCATE readings_compact, energy_hourly, energy_daily, rollup_progress, rollup_queue"
    )
    for device, rows in devices.items():
        await add_readings(pool, device, rows, queue=True)
    await drain(maintainer)
    assert await full_snapshot(pool) == after_late


async def test_the_community_licence_leaves_it_to_compression(pool: asyncpg.Pool) -> None:
    """Where TimescaleDB's compression is licensed, nothing is packed (its policy compresses)."""
    power = await add_device(pool, "power", "W")
    await add_readings(pool, power, [(START, 1.0), (START + timedelta(hours=1), 2.0)])
    async with pool.acquire() as conn:
        assert await compact_readings(conn, COMMUNITY, LATER) == CompactionReport()
    assert await stored(pool, "readings") == 2
    assert await stored(pool, "readings_compact") == 0


async def test_hours_packed_before_steps_keep_their_times(db_pool: asyncpg.Pool) -> None:
    """Migration 0010 turns the times of hours packed under 0007 into steps, to the microsecond;
    their readings answer as before."""
    migrations = load_migrations()
    index = next(n for n, m in enumerate(migrations) if m.name == "compact_reading_steps")
    rng = random.Random(4)  # noqa: S311 - test data, not secrets
    hours = [START + timedelta(hours=h) for h in range(3)]
    times = {
        hour: sorted(
            {hour + timedelta(microseconds=rng.randrange(3_600_000_000)) for _ in range(50)}
        )
        for hour in hours
    }
    async with db_pool.acquire() as conn:
        await apply_migrations(conn, migrations[:index])
        device = await conn.fetchval(
            "INSERT INTO devices (source, source_id, name, kind, unit) "
            "VALUES ('test', 'power', 'Power', 'appliance', 'W') RETURNING id"
        )
        await conn.copy_records_to_table(
            "readings_compact",
            records=[
                (
                    device,
                    hour,
                    times[hour],
                    [float(i) for i in range(50)],
                    [i % 5 for i in range(50)],
                )
                for hour in hours
            ],
            columns=["device_id", "hour", "times", "vals", "quals"],
        )
        query = "SELECT * FROM readings_between($1, $2, $3) ORDER BY time"
        before = await conn.fetch(query, device, START, START + timedelta(hours=3))
        assert len(before) == 150
        await apply_migrations(conn)
        for hour in hours:
            unpacked = await conn.fetchval(
                "SELECT compact_times(hour, steps) FROM readings_compact WHERE hour = $1", hour
            )
            assert list(unpacked) == times[hour]
        assert await conn.fetch(query, device, START, START + timedelta(hours=3)) == before


async def test_the_engines_storage_job_packs_and_expires(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    """The engine's hourly job packs day-old readings, then removes packed hours past retention
    (90 days), as of the engine's clock."""
    power = await add_device(pool, "power", "W")
    # 100 days back: older than the 7-day chunk reaching past the cutoff, which stays whole.
    now = START + timedelta(days=100)
    old = [(START + timedelta(minutes=10 * i), float(i)) for i in range(12)]
    recent = [(now - timedelta(days=2) + timedelta(minutes=10 * i), float(i)) for i in range(12)]
    await add_readings(pool, power, [*old, *recent])
    engine = Engine(
        load_config(environ={}, overrides={"data_dir": str(tmp_path)}), clock=lambda: now
    )
    async with pool.acquire() as conn:
        features = await detect_features(conn)
    await engine._maintain_storage(pool, features)
    assert await stored(pool, "readings") == 0
    assert await pool.fetchval("SELECT min(hour) FROM readings_compact") == recent[0][0]
    assert await stored(pool, "readings_compact") == len(recent)
