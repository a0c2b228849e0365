"""What the ingest tests share: a migrated database with devices, a running pipeline.

Holds no tests itself.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from aetherlens_engine.ingest import IngestPipeline
from aetherlens_engine.migrations import apply_migrations
from aetherlens_engine.models import RawReading

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


async def migrate(pool: asyncpg.Pool) -> None:
    """Bring POOL's database to the current schema."""
    async with pool.acquire() as conn:
        await apply_migrations(conn)


async def add_device(
    pool: asyncpg.Pool, name: str, *, kind: str = "appliance", unit: str | None = "W"
) -> int:
    """Create a device; return its id."""
    device_id: int = await pool.fetchval(
        """
        INSERT INTO devices (source, source_id, name, kind, unit)
        VALUES ('test', $1, $1, $2, $3) RETURNING id
        """,
        name,
        kind,
        unit,
    )
    return device_id


def series(
    device_id: int, count: int, *, start: datetime = T0, step: float = 10.0
) -> list[RawReading]:
    """Return COUNT readings of DEVICE_ID, STEP seconds apart, valued 0, 1, 2, …"""
    return [
        RawReading(device_id, start + timedelta(seconds=step * i), float(i)) for i in range(count)
    ]


async def stored(pool: asyncpg.Pool) -> list[tuple[int, datetime, float, int]]:
    """Return every stored reading as (device_id, time, value, quality), in key order."""
    rows = await pool.fetch("SELECT device_id, time, value, quality FROM readings ORDER BY 1, 2")
    return [(r["device_id"], r["time"], r["value"], r["quality"]) for r in rows]


@asynccontextmanager
async def running(
    pool: asyncpg.Pool, spool_dir: Path, **options: Any
) -> AsyncIterator[IngestPipeline]:
    """Run a pipeline on POOL for the duration of the block; stop it cleanly afterwards.

    Small submissions wait for the flush interval: the tests' is short unless they set one.
    """
    pipeline = IngestPipeline(pool, spool_dir, **{"flush_interval": 0.01, **options})
    await pipeline.start()
    try:
        yield pipeline
    finally:
        await pipeline.stop()


@asynccontextmanager
async def readings_locked(pool: asyncpg.Pool) -> AsyncIterator[None]:
    """Make every insert into `readings` wait until the block ends."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("LOCK TABLE readings IN EXCLUSIVE MODE")
        yield


async def writer_blocked(pool: asyncpg.Pool) -> bool:
    """Return whether a session waits for a lock (the pipeline's writer, in these tests)."""
    waiting: int = await pool.fetchval("SELECT count(*) FROM pg_locks WHERE NOT granted")
    return waiting > 0


async def eventually(condition: Callable[[], bool | Awaitable[bool]]) -> None:
    """Wait until CONDITION holds; fail if that takes unreasonably long (not a speed test)."""
    async with asyncio.timeout(120):
        while True:
            outcome = condition()
            if await outcome if inspect.isawaitable(outcome) else outcome:
                return
            await asyncio.sleep(0.01)


def files(directory: Path) -> list[str]:
    """Return the names of the files in DIRECTORY, sorted."""
    return sorted(p.name for p in directory.iterdir())
