"""PostgreSQL stops in the middle of ingestion and comes back: every reading is stored once.

The session cluster is shared, so this test stops and starts a cluster of its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest

from aetherlens_engine.api.health import degraded_reasons
from aetherlens_engine.cluster import ManagedCluster
from aetherlens_engine.ingest import IngestPipeline
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
from tests.postgres import free_port, temporary_cluster

PRODUCERS = 3
CHUNKS = 60  # per producer
CHUNK = 25


@dataclass(frozen=True, slots=True)
class OwnCluster:
    cluster: ManagedCluster
    timescaledb: bool


@pytest.fixture(params=["timescaledb", "postgresql"])
def own(request: pytest.FixtureRequest) -> Iterator[OwnCluster]:
    with temporary_cluster(free_port(), {"fsync": "off"}) as cluster:
        yield OwnCluster(cluster, timescaledb=request.param == "timescaledb")


async def test_outage_mid_stream_loses_and_duplicates_nothing(
    own: OwnCluster, tmp_path: Path
) -> None:
    cluster = own.cluster
    pool = await asyncpg.create_pool(cluster.dsn(tcp=True), min_size=1, max_size=4)
    try:
        if own.timescaledb:
            await pool.execute("CREATE EXTENSION timescaledb")
        await migrate(pool)
        devices = [await add_device(pool, f"plug{i}") for i in range(PRODUCERS)]
        sent: list[RawReading] = []
        acknowledged = 0

        async def produce(pipeline: IngestPipeline, device_id: int) -> None:
            nonlocal acknowledged
            for chunk in range(CHUNKS):
                readings = series(device_id, CHUNK, start=T0 + timedelta(hours=chunk))
                if chunk % 7 == 6:  # a source delivering an earlier chunk again
                    readings += series(device_id, 5, start=T0 + timedelta(hours=chunk - 3))
                sent.extend(readings)
                result = await pipeline.submit(readings)
                assert result.accepted == len(readings)
                acknowledged += 1

        async with running(
            pool,
            tmp_path,
            batch_size=40,
            retry_delay=0.05,
            max_retry_delay=0.5,
            write_timeout=10,
        ) as pipeline:
            producers = [asyncio.create_task(produce(pipeline, d)) for d in devices]
            await eventually(lambda: acknowledged >= CHUNKS)
            cluster.stop()  # while the producers are in the middle of their submissions
            await eventually(lambda: acknowledged >= 2 * CHUNKS)
            during = pipeline.stats
            cluster.start()
            await asyncio.gather(*producers)
            await eventually(lambda: pipeline.stats.spool_pending == 0)
            after = pipeline.stats
        assert not during.database_available
        assert during.spooled > 0
        assert during.spool_pending > 0
        assert after.database_available
        assert after.accepted == len(sent)
        assert after.committed == len(sent)  # each batch once: live, or replayed from the spool
        assert files(tmp_path) == []

        unique = {(r.device_id, r.time, r.value, 0) for r in sent}
        assert await stored(pool) == sorted(unique)
        # Hours queued, whatever batches queued each (one row per batch and hour, see 0006).
        hours = await pool.fetchval("SELECT count(DISTINCT (device_id, hour)) FROM rollup_queue")
        assert hours == PRODUCERS * (CHUNKS + 1)
    finally:
        await pool.close()


async def test_failing_replay_is_reported_and_logged_sparingly(
    own: OwnCluster, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """While the spool cannot be replayed, stats say why (health: replay_failing) and the
    WARNING comes once per minute, not at every retry (nor at DEBUG, unseen)."""
    cluster = own.cluster
    pool = await asyncpg.create_pool(cluster.dsn(tcp=True), min_size=1, max_size=4)
    try:
        await migrate(pool)
        plug = await add_device(pool, "plug")
        async with running(pool, tmp_path, retry_delay=0.01, max_retry_delay=0.02) as pipeline:
            cluster.stop()
            with caplog.at_level(logging.DEBUG, logger="aetherlens_engine.ingest"):
                assert (await pipeline.submit(series(plug, 5))).accepted == 5
                await eventually(lambda: pipeline.stats.replay_error is not None)
                await asyncio.sleep(1)  # dozens of retries
            stats = pipeline.stats
            replay_lines = [r for r in caplog.records if "replaying the" in r.getMessage()]
            cluster.start()
            await eventually(lambda: pipeline.stats.spool_pending == 0)
            after = pipeline.stats
        assert degraded_reasons("ok", stats) == ["replay_failing"]
        assert [r.levelno for r in replay_lines] == [logging.WARNING]
        assert replay_lines[0].exc_info is None
        assert after.replay_error is None
        assert degraded_reasons("ok", after) == []
        assert len(await stored(pool)) == 5
    finally:
        await pool.close()
