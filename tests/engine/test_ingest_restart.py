"""Spooled readings survive the pipeline: a new instance on the same spool replays them once."""

from __future__ import annotations

import zlib
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest

from aetherlens_engine.ingest import IngestPipeline, IngestUnavailableError
from aetherlens_engine.ingest.spool import encode
from aetherlens_engine.models import RawReading
from tests.engine.test_ingest_support import (
    T0,
    add_device,
    eventually,
    files,
    migrate,
    running,
    series,
    stored,
)
from tests.postgres import ScratchDatabase


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    await migrate(db_pool)
    return db_pool


def expected(readings: list[RawReading]) -> list[tuple[int, object, float, int]]:
    return sorted({(r.device_id, r.time, r.value, int(r.quality)) for r in readings})


async def test_spool_left_by_a_crash_is_replayed_once_torn_record_ignored(
    database: ScratchDatabase, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    plug = await add_device(pool, "plug")
    meter = await add_device(pool, "meter", kind="meter", unit="kWh")
    committed = series(plug, 30)
    spooled = [*series(plug, 40, start=T0 + timedelta(hours=1)), *series(meter, 25)]
    # The first instance loses its database connection after one batch: the rest is spooled.
    lost = await asyncpg.create_pool(database.dsn, min_size=1, max_size=2)
    async with running(lost, tmp_path, batch_size=20, retry_delay=3600) as first:
        assert (await first.submit(committed)).accepted == 30
        await lost.close()
        assert (await first.submit(spooled)).accepted == 65
        assert (await first.submit(committed[:10])).accepted == 10  # delivered again
        stats = first.stats
        assert not stats.database_available
        assert (stats.committed, stats.spooled, stats.spool_pending) == (30, 75, 75)
    # It crashed in the middle of one more append: a torn frame ends the last segment.
    last = tmp_path / max(files(tmp_path))
    payload = encode([(T0 - timedelta(days=1), plug, 1.0, 0)])
    frame = len(payload).to_bytes(4, "little") + zlib.crc32(payload).to_bytes(4, "little") + payload
    with last.open("ab") as segment:
        segment.write(frame[: len(frame) // 2])

    async with running(pool, tmp_path) as second:
        # start() replayed the spool before returning.
        assert await stored(pool) == expected(committed + spooled)
        stats = second.stats
        assert (stats.committed, stats.spool_pending) == (75, 0)
        assert stats.database_available
    assert files(tmp_path) == []
    # The meter's hour and the next are queued (once per batch that stored readings there).
    hours = "SELECT count(DISTINCT hour) FROM rollup_queue WHERE device_id = $1"
    assert await pool.fetchval(hours, meter) == 2


async def test_replay_of_a_partly_committed_spool_stores_nothing_twice(
    database: ScratchDatabase, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    """A spool holding readings stored meanwhile (a crash after a spooled batch was committed,
    before its segment was removed, or a source delivering again): each is stored once."""
    plug = await add_device(pool, "plug")
    readings = series(plug, 50)
    async with running(pool, tmp_path) as live:
        await live.submit(readings[:20])
    lost = await asyncpg.create_pool(database.dsn, min_size=1, max_size=2)
    async with running(lost, tmp_path, retry_delay=3600) as offline:
        await lost.close()
        assert (await offline.submit(readings)).accepted == 50
    assert len(files(tmp_path)) == 1
    async with running(pool, tmp_path) as replaying:
        assert replaying.stats.committed == 50
    assert await stored(pool) == expected(readings)
    assert files(tmp_path) == []


async def test_neither_database_nor_spool_fails_the_submission(
    database: ScratchDatabase, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    plug = await add_device(pool, "plug")
    spool_dir = tmp_path / "spool"
    lost = await asyncpg.create_pool(database.dsn, min_size=1, max_size=2)
    async with running(lost, spool_dir, retry_delay=3600) as pipeline:
        await lost.close()
        spool_dir.rmdir()
        spool_dir.write_text("the spool directory is gone")
        with pytest.raises(IngestUnavailableError, match="cannot be written"):
            await pipeline.submit(series(plug, 5))
        assert pipeline.stats.accepted == 0
        assert pipeline.stats.buffered == 0


async def test_a_device_not_known_while_the_database_is_away_is_no_refusal(
    database: ScratchDatabase, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    """Offline, a device missing from the last run's registry may exist: retry, never refused."""
    plug = await add_device(pool, "plug")
    away = await asyncpg.create_pool(database.dsn, min_size=1, max_size=2)
    await away.close()
    pipeline = IngestPipeline(away, tmp_path, flush_interval=0.01, retry_delay=3600)
    await pipeline.start(offline=True)
    try:
        for _ in range(2):  # the failed read does not count as a fresh registry either
            with pytest.raises(IngestUnavailableError, match=f"device {plug} .* retry later"):
                await pipeline.submit(series(plug, 3))
        stats = pipeline.stats
        assert (stats.accepted, stats.rejected, stats.spool_pending) == (0, {}, 0)
    finally:
        await pipeline.stop()


async def test_readings_spooled_before_going_online_are_replayed_once(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    """The engine's start: the API takes readings while the database is being prepared (spooled),
    then `go_online` replays them while the replayer wakes up too. One replay, counted once."""
    plug = await add_device(pool, "plug")
    readings = series(plug, 120)
    pipeline = IngestPipeline(pool, tmp_path, batch_size=10, flush_interval=0.01)
    await pipeline.start(offline=True)
    try:
        assert (await pipeline.submit(readings)).accepted == 120
        assert pipeline.stats.spool_pending == 120
        await pipeline.go_online()
        await eventually(lambda: files(tmp_path) == [])
        stats = pipeline.stats
        assert (stats.committed, stats.spool_pending, stats.replay_error) == (120, 0, None)
    finally:
        await pipeline.stop()
    assert await stored(pool) == expected(readings)
