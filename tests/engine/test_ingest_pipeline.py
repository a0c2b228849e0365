"""The ingest pipeline on a real database, with and without TimescaleDB."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from aetherlens_engine.ingest import (
    IngestBackpressureError,
    IngestPipeline,
    IngestStoppedError,
    IngestUnavailableError,
    RejectReason,
)
from aetherlens_engine.models import Quality, RawReading
from tests.engine.test_ingest_support import (
    T0,
    add_device,
    eventually,
    files,
    migrate,
    readings_locked,
    running,
    series,
    stored,
    writer_blocked,
)
from tests.postgres import ScratchDatabase


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    await migrate(db_pool)
    return db_pool


async def test_readings_are_converted_and_committed(pool: asyncpg.Pool, tmp_path: Path) -> None:
    meter = await add_device(pool, "meter", kind="meter", unit="kWh")
    plug = await add_device(pool, "plug", unit="W")
    async with running(pool, tmp_path) as pipeline:
        result = await pipeline.submit(
            [
                RawReading(meter, T0, 1500.0, "Wh"),
                RawReading(plug, T0, 2.0, "kW", Quality.ESTIMATED),
                RawReading(plug, T0 + timedelta(seconds=10), 230.0),
            ]
        )
        # Acknowledged means committed: visible now, before any flush interval.
        assert await stored(pool) == [
            (meter, T0, 1.5, 0),
            (plug, T0, 2000.0, 1),
            (plug, T0 + timedelta(seconds=10), 230.0, 0),
        ]
    assert result.accepted == 3
    assert result.rejected == ()
    stats = pipeline.stats
    assert (stats.accepted, stats.committed, stats.spooled, stats.spool_pending) == (3, 3, 0, 0)
    assert stats.buffered == 0
    assert stats.database_available
    assert stats.last_flush is not None
    assert stats.last_flush.tzinfo is UTC
    assert files(tmp_path) == []


async def test_rejections_are_reported_and_counted(pool: asyncpg.Pool, tmp_path: Path) -> None:
    plug = await add_device(pool, "plug", unit="W")
    async with running(pool, tmp_path) as pipeline:
        result = await pipeline.submit(
            [
                RawReading(plug, T0, 1.0),
                RawReading(plug + 1000, T0, 1.0),
                RawReading(plug, T0, float("nan")),
                RawReading(plug, T0.replace(tzinfo=None), 1.0),
                RawReading(plug, datetime.now(UTC) + timedelta(hours=1), 1.0),
                RawReading(plug, T0, 1.0, "kWh"),
                RawReading(plug + 1000, T0, 2.0),
            ]
        )
        assert [(r.index, r.reason) for r in result.rejected] == [
            (1, RejectReason.UNKNOWN_DEVICE),
            (2, RejectReason.NOT_FINITE),
            (3, RejectReason.NAIVE_TIME),
            (4, RejectReason.FUTURE_TIME),
            (5, RejectReason.UNIT_MISMATCH),
            (6, RejectReason.UNKNOWN_DEVICE),
        ]
        assert result.accepted == 1
        assert pipeline.stats.rejected == {
            "unknown_device": 2,
            "not_finite": 1,
            "naive_time": 1,
            "future_time": 1,
            "unit_mismatch": 1,
        }
        assert pipeline.stats.accepted == 1
        everything_rejected = await pipeline.submit([RawReading(plug, T0, float("inf"))])
    assert everything_rejected.accepted == 0
    assert await stored(pool) == [(plug, T0, 1.0, 0)]


async def test_duplicates_are_stored_once(pool: asyncpg.Pool, tmp_path: Path) -> None:
    plug = await add_device(pool, "plug")
    readings = series(plug, 50)
    async with running(pool, tmp_path) as pipeline:
        first = await pipeline.submit(readings)
        again = await pipeline.submit(
            [
                *readings[:10],
                RawReading(plug, T0, 999.0),
                *series(plug, 5, start=T0 + timedelta(hours=1)),
            ]
        )
        within_one = await pipeline.submit([RawReading(plug, T0 - timedelta(seconds=1), 1.0)] * 3)
    # Within one submission the first reading of a device at an instant counts, once.
    assert (first.accepted, again.accepted, within_one.accepted) == (50, 15, 1)
    assert (again.duplicates, within_one.duplicates) == ((10,), (1, 2))
    rows = await stored(pool)
    assert len(rows) == 50 + 5 + 1
    assert (plug, T0, 0.0, 0) in rows  # the first delivery wins
    assert await pool.fetchval("SELECT count(DISTINCT (device_id, time)) FROM readings") == 56


async def test_rollup_queue_gets_each_reading_hour_and_the_next(
    database: ScratchDatabase, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    """Hours are UTC hours whatever the session's time zone (here +05:30)."""
    meter = await add_device(pool, "meter", kind="meter", unit="kWh")
    plug = await add_device(pool, "plug")
    kolkata = await asyncpg.create_pool(
        database.dsn, min_size=1, max_size=2, server_settings={"timezone": "Asia/Kolkata"}
    )
    try:
        async with running(kolkata, tmp_path) as pipeline:
            await pipeline.submit(
                [
                    RawReading(meter, T0 + timedelta(minutes=15), 1.0),
                    RawReading(meter, T0 + timedelta(minutes=45), 2.0),
                    RawReading(meter, T0 + timedelta(minutes=65), 3.0),
                    RawReading(plug, T0 - timedelta(minutes=1), 4.0),
                ]
            )
    finally:
        await kolkata.close()
    rows = await pool.fetch("SELECT device_id, hour FROM rollup_queue ORDER BY 1, 2")
    hour = timedelta(hours=1)
    assert [(r["device_id"], r["hour"]) for r in rows] == [
        (meter, T0),
        (meter, T0 + hour),
        (meter, T0 + 2 * hour),
        (plug, T0 - hour),
        (plug, T0),
    ]


async def test_batches_are_flushed_by_size_and_by_interval(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    """Concurrent submissions share batches; a lone small one is written after the interval."""
    devices = [await add_device(pool, f"plug{i}") for i in range(8)]
    async with running(
        pool, tmp_path, buffer_size=400, batch_size=100, flush_interval=0.05
    ) as pipeline:
        results = await asyncio.gather(*(pipeline.submit(series(d, 130)) for d in devices))
        lone = await pipeline.submit(series(devices[0], 1, start=T0 - timedelta(days=1)))
    assert [r.accepted for r in results] == [130] * 8
    assert lone.accepted == 1
    assert len(await stored(pool)) == 8 * 130 + 1


async def test_unknown_device_triggers_a_registry_refresh(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    async with running(pool, tmp_path, device_refresh_interval=0) as pipeline:
        late = await add_device(pool, "added after start", unit="kWh")
        result = await pipeline.submit(
            [RawReading(late, T0, 5.0, "MWh"), RawReading(late + 1, T0, 1.0)]
        )
        assert [r.reason for r in result.rejected] == [RejectReason.UNKNOWN_DEVICE]
        assert [r.index for r in result.rejected] == [1]
        await pool.execute("UPDATE devices SET unit = 'W' WHERE id = $1", late)
        await pipeline.refresh_devices()
        converted = await pipeline.submit([RawReading(late, T0 + timedelta(seconds=1), 5.0, "kW")])
    assert converted.accepted == 1
    assert await stored(pool) == [
        (late, T0, 5000.0, 0),
        (late, T0 + timedelta(seconds=1), 5000.0, 0),
    ]


async def test_unknown_device_does_not_reread_the_registry_too_often(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    async with running(pool, tmp_path, device_refresh_interval=3600) as pipeline:
        late = await add_device(pool, "added after start")
        result = await pipeline.submit([RawReading(late, T0, 1.0)])
        assert [r.reason for r in result.rejected] == [RejectReason.UNKNOWN_DEVICE]
        await pipeline.refresh_devices()  # an explicit refresh is never rate-limited
        assert (await pipeline.submit([RawReading(late, T0, 1.0)])).accepted == 1


async def test_readings_of_a_device_deleted_meanwhile_are_dropped(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    """The device is gone (with its readings): the batch still commits, for the others."""
    gone = await add_device(pool, "gone")
    kept = await add_device(pool, "kept")
    async with running(pool, tmp_path) as pipeline:
        await pool.execute("DELETE FROM devices WHERE id = $1", gone)  # the cache still has it
        result = await pipeline.submit([RawReading(gone, T0, 1.0), RawReading(kept, T0, 2.0)])
        assert result.accepted == 2
        assert pipeline.stats.database_available
    assert await stored(pool) == [(kept, T0, 2.0, 0)]
    assert files(tmp_path) == []


async def test_full_buffer_makes_submit_wait_then_proceed(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    plug = await add_device(pool, "plug")
    async with running(pool, tmp_path, buffer_size=20, batch_size=10, write_timeout=60) as pipeline:
        async with readings_locked(pool):
            first = asyncio.create_task(pipeline.submit(series(plug, 10)))
            await eventually(lambda: writer_blocked(pool))  # the flusher holds batch 1
            second = asyncio.create_task(
                pipeline.submit(series(plug, 10, start=T0 + timedelta(hours=1)))
            )
            await eventually(lambda: pipeline.stats.buffered == 20)
            third = asyncio.create_task(
                pipeline.submit(series(plug, 10, start=T0 + timedelta(hours=2)))
            )
            await asyncio.sleep(0.05)  # time for the third to misbehave
            # No room: the third waits instead of growing the buffer; nothing is acknowledged.
            assert pipeline.stats.buffered == 20
            assert not first.done()
            assert not second.done()
            assert not third.done()
        results = await asyncio.gather(first, second, third)
    assert [r.accepted for r in results] == [10, 10, 10]
    assert len(await stored(pool)) == 30


async def test_buffer_full_too_long_raises_backpressure(pool: asyncpg.Pool, tmp_path: Path) -> None:
    plug = await add_device(pool, "plug")
    async with running(
        pool, tmp_path, buffer_size=10, batch_size=10, backpressure_timeout=0.1, write_timeout=60
    ) as pipeline:
        async with readings_locked(pool):
            first = asyncio.create_task(pipeline.submit(series(plug, 10)))
            await eventually(lambda: writer_blocked(pool))
            with pytest.raises(IngestBackpressureError, match="stayed full"):
                await pipeline.submit(series(plug, 1, start=T0 - timedelta(hours=1)))
        assert (await first).accepted == 10
    assert len(await stored(pool)) == 10


async def test_submissions_larger_than_the_buffer_are_split(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    plug = await add_device(pool, "plug")
    async with running(pool, tmp_path, buffer_size=100, batch_size=30) as pipeline:
        result = await pipeline.submit(series(plug, 1_000))
    assert result.accepted == 1_000
    assert len(await stored(pool)) == 1_000


async def test_stop_writes_everything_buffered(pool: asyncpg.Pool, tmp_path: Path) -> None:
    """Readings waiting for their flush interval are written when the pipeline stops."""
    plug = await add_device(pool, "plug")
    async with running(pool, tmp_path, flush_interval=3600) as pipeline:
        waiting = [
            asyncio.create_task(pipeline.submit(series(plug, 10, start=T0 + timedelta(hours=h))))
            for h in range(3)
        ]
        await eventually(lambda: pipeline.stats.buffered == 30)
        assert await stored(pool) == []
    assert [(await task).accepted for task in waiting] == [10, 10, 10]
    assert len(await stored(pool)) == 30
    with pytest.raises(IngestStoppedError):
        await pipeline.submit(series(plug, 1))


async def test_lifecycle_errors(pool: asyncpg.Pool, tmp_path: Path) -> None:
    plug = await add_device(pool, "plug")
    pipeline = IngestPipeline(pool, tmp_path)
    with pytest.raises(IngestStoppedError, match="not running"):
        await pipeline.submit(series(plug, 1))
    await pipeline.start()
    await pipeline.stop()
    await pipeline.stop()  # stopping twice is harmless
    with pytest.raises(IngestStoppedError, match="not running"):
        await pipeline.submit(series(plug, 1))
    with pytest.raises(IngestStoppedError, match="starts once"):
        await pipeline.start()


def test_configuration_is_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at most the buffer size"):
        IngestPipeline(None, tmp_path, buffer_size=10, batch_size=20)
    with pytest.raises(ValueError, match="at least one writer"):
        IngestPipeline(None, tmp_path, writers=0)


async def test_start_needs_a_migrated_database(db_pool: asyncpg.Pool, tmp_path: Path) -> None:
    pipeline = IngestPipeline(db_pool, tmp_path)
    with pytest.raises(IngestUnavailableError, match="devices table"):
        await pipeline.start()
