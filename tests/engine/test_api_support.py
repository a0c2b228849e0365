"""What the API tests share: a served app, a database ready for it, a real reading sink.

Holds no tests itself.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from aetherlens_engine import __version__
from aetherlens_engine.api import EngineState, create_app
from aetherlens_engine.config import EngineConfig, load_config
from aetherlens_engine.errors import EngineError
from aetherlens_engine.ingest.stats import IngestStats
from aetherlens_engine.migrations import apply_migrations
from aetherlens_engine.models import IngestResult, RawReading, Rejection
from aetherlens_engine.plugins import PluginManager
from tests.http import serve_app
from tests.postgres import free_port

TOKEN = "test-token-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105 (made up for the tests)
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def engine_state(pool: asyncpg.Pool | None = None, **fields: Any) -> EngineState:
    """Return a state with the test token, on POOL."""
    return EngineState(__version__, "test-instance", pool, token=TOKEN, **fields)


@asynccontextmanager
async def serve(state: EngineState) -> AsyncIterator[str]:
    """Serve the API for STATE on a free port of 127.0.0.1; yield its base URL."""
    async with serve_app(create_app(state)) as url:
        yield url


@asynccontextmanager
async def client(
    state: EngineState, headers: Mapping[str, str] = AUTH
) -> AsyncIterator[aiohttp.ClientSession]:
    """Serve STATE and yield a session on it sending HEADERS (the right token by default)."""
    async with serve(state) as url, aiohttp.ClientSession(url, headers=headers) as session:
        yield session


def engine_config(data_dir: Path, dsn: str, **options: Any) -> tuple[EngineConfig, int]:
    """Return the configuration of an engine on DSN keeping DATA_DIR, with OPTIONS; its port."""
    port = free_port()
    overrides = {"data_dir": str(data_dir), "database_url": dsn, "api": {"port": port}}
    return load_config(environ={}, overrides=overrides | options), port


async def migrate(pool: asyncpg.Pool) -> None:
    """Bring POOL's database to the current schema."""
    async with pool.acquire() as conn:
        await apply_migrations(conn)


async def add_device(
    pool: asyncpg.Pool, name: str, kind: str = "appliance", unit: str | None = "W"
) -> int:
    """Insert a device; return its id."""
    device_id: int = await pool.fetchval(
        "INSERT INTO devices (source, source_id, name, kind, unit) VALUES ('test', $1, $1, $2, $3)"
        " RETURNING id",
        name,
        kind,
        unit,
    )
    return device_id


class DirectSink:
    """A real ReadingSink without the pipeline's buffer: it writes straight to `readings`.

    Unknown devices and units other than the device's are refused (with the pipeline's reason
    codes); the rest is stored with INSERT ... ON CONFLICT DO NOTHING, so a repeated reading is
    accepted once more, harmlessly.
    """

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._accepted = 0
        self._rejected: Counter[str] = Counter()
        self._last_flush: datetime | None = None

    async def submit(self, readings: Sequence[RawReading]) -> IngestResult:
        async with self._pool.acquire() as conn, conn.transaction():
            units = {
                row["id"]: row["unit"]
                for row in await conn.fetch(
                    "SELECT id, unit FROM devices WHERE id = ANY($1::int[])",
                    [reading.device_id for reading in readings],
                )
            }
            rows, rejected = [], []
            for index, reading in enumerate(readings):
                if reading.device_id not in units:
                    rejected.append(Rejection(index, "unknown_device"))
                elif reading.unit not in (None, units[reading.device_id]):
                    rejected.append(Rejection(index, "unit_mismatch"))
                else:
                    rows.append(
                        (reading.time, reading.device_id, reading.value, int(reading.quality))
                    )
            await conn.executemany(
                "INSERT INTO readings (time, device_id, value, quality) VALUES ($1, $2, $3, $4)"
                " ON CONFLICT DO NOTHING",
                rows,
            )
        self._accepted += len(rows)
        self._rejected.update(rejection.reason for rejection in rejected)
        self._last_flush = datetime.now(UTC)
        return IngestResult(len(rows), tuple(rejected))

    @property
    def stats(self) -> IngestStats:
        return IngestStats(
            accepted=self._accepted,
            rejected=dict(self._rejected),
            committed=self._accepted,
            spooled=0,
            spool_pending=0,
            buffered=0,
            last_flush=self._last_flush,
            database_available=True,
        )


class BufferFullError(EngineError):
    """The sink's buffer has no room."""


class FullSink:
    """A sink whose buffer never has room: every submission is refused as backpressure."""

    async def submit(self, readings: Sequence[RawReading]) -> IngestResult:
        raise BufferFullError(f"the ingest buffer is full; {len(readings)} readings not taken")

    @property
    def stats(self) -> IngestStats:
        return IngestStats(0, {}, 0, 0, 0, 0, None, database_available=False)


async def run_plugins_until(
    manager: PluginManager, published: Mapping[str, Mapping[str, Any]], name: str, field: str
) -> None:
    """Run MANAGER until plugin NAME's status FIELD counts at least 1 (60 s at most), then stop."""
    manager.start()
    try:
        async with asyncio.timeout(60):
            while True:
                if published.get(name, {}).get(field, 0) >= 1:
                    break
                await asyncio.sleep(0.05)
    finally:
        await manager.stop()
