"""Under TimescaleDB's community licence, compressed readings give every query the same answers.

The engine leaves readings a day old to its compression policy there (storage/retention.py);
ingestion's insert, the price feeds' upsert and every query of raw readings then meet
compressed chunks. These machines' TimescaleDB is the Apache edition, where this module is
skipped: it runs where a TimescaleDB with its `tsl` module is installed (the add-on image's
community build, or one built from source into the development environment).
"""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest

from aetherlens_engine.ingest.store import ReadingStore
from aetherlens_engine.plugins.series import upsert_series
from aetherlens_engine.storage import RollupMaintainer, apply_policies, detect_features
from aetherlens_engine.storage.retention import RetentionMode, RetentionSettings
from tests.engine.test_compaction import HOURS, START, answers, drain, series
from tests.engine.test_rollups import add_readings, pool
from tests.engine.test_rollups_incremental import BERLIN, full_snapshot

__all__ = ["pool"]  # the fixture, used by name

pytestmark = pytest.mark.parametrize("database", ["timescaledb"], indirect=True)

UNCOMPRESSED_OLD_CHUNKS = """
SELECT count(*) FROM timescaledb_information.chunks
WHERE hypertable_name = 'readings' AND range_end < now() - interval '1 day' AND NOT is_compressed
"""


async def compress(pool: asyncpg.Pool) -> None:
    """Install the engine's policies and run its compression job, as the scheduler later would."""
    async with pool.acquire() as conn:
        features = await detect_features(conn)
        if features.licence != "timescale":
            pytest.skip(f"TimescaleDB's compression is not licensed here ({features.licence})")
        assert await apply_policies(conn, features, RetentionSettings()) is RetentionMode.POLICIES
        job = await conn.fetchval(
            "SELECT job_id FROM timescaledb_information.jobs "
            "WHERE proc_name = 'policy_compression' AND hypertable_name = 'readings'"
        )
        await conn.execute(f"CALL run_job({int(job)})")
        assert await conn.fetchval(UNCOMPRESSED_OLD_CHUNKS) == 0
        assert await conn.fetchval(
            "SELECT count(*) FROM timescaledb_information.chunks "
            "WHERE hypertable_name = 'readings' AND is_compressed"
        )


async def test_queries_answer_the_same_after_compression(pool: asyncpg.Pool) -> None:
    """Last readings, price series, the reading functions and a full recompute: unchanged."""
    devices = await series(pool, 4)
    for device, rows in devices.items():
        await add_readings(pool, device, rows, queue=True)
    maintainer = RollupMaintainer(pool, BERLIN)
    await drain(maintainer)
    rolled_up = await full_snapshot(pool)
    before = await answers(pool, devices)
    stored = await pool.fetchval("SELECT count(*) FROM readings")

    await compress(pool)
    assert await pool.fetchval("SELECT count(*) FROM readings") == stored
    assert await answers(pool, devices) == before
    await pool.execute("TRUNCATE energy_hourly, energy_daily")
    await maintainer.recompute(START - timedelta(hours=1), START + timedelta(hours=HOURS + 2))
    assert await full_snapshot(pool) == rolled_up


async def test_late_readings_and_corrected_prices_reach_compressed_chunks(
    pool: asyncpg.Pool,
) -> None:
    """Ingestion keeps a stored reading and adds a late one; a price feed's correction replaces."""
    devices = await series(pool, 5)
    meter, power, price = devices
    late = devices[power].pop(33)
    for device, rows in devices.items():
        await add_readings(pool, device, rows, queue=True)
    maintainer = RollupMaintainer(pool, BERLIN)
    await drain(maintainer)
    await compress(pool)

    kept = devices[meter][12]
    await ReadingStore(pool, timeout=60).write(
        [(late[0], power, late[1], 0), (kept[0], meter, kept[1] + 1000, 0)]
    )
    value = "SELECT value FROM readings WHERE device_id = $1 AND time = $2"
    assert await pool.fetchval(value, power, late[0]) == late[1]
    assert await pool.fetchval(value, meter, kept[0]) == kept[1]  # the stored one stays

    # The late reading rolls up as if it had come in time.
    await drain(maintainer)
    after = await full_snapshot(pool)
    devices[power].append(late)
    devices[power].sort(key=lambda r: r[0])
    await pool.execute(
        "TRUNCATE readings, energy_hourly, energy_daily, rollup_progress, rollup_queue"
    )
    for device, rows in devices.items():
        await add_readings(pool, device, rows, queue=True)
    await drain(maintainer)
    assert await full_snapshot(pool) == after

    await compress(pool)
    corrected = devices[price][5]
    async with pool.acquire() as conn:
        span = await upsert_series(conn, [(corrected[0], price, corrected[1] + 0.5, 0)])
        assert await upsert_series(conn, [(corrected[0], price, corrected[1] + 0.5, 0)]) is None
    assert span == (corrected[0], corrected[0] + timedelta(hours=1))
    assert await pool.fetchval(value, price, corrected[0]) == corrected[1] + 0.5
