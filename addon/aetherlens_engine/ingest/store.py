"""Writing batches of readings to PostgreSQL.

COPY into a staging table, then one INSERT that drops duplicates, with the hours the batch touches
queued for the rollups, all in one transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import asyncpg

from .records import COLUMNS, Record

# What a write raises when the database cannot take a batch now: the batch goes to the spool.
# InternalClientError: asyncpg's state after the server vanished in the middle of a COPY.
WRITE_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
)

_STAGING = "aetherlens_ingest_staging"
# Temporary (so never WAL-logged, private to the session), emptied at each commit.
_CREATE_STAGING = f"""
CREATE TEMP TABLE IF NOT EXISTS {_STAGING} (
    time       timestamptz      NOT NULL,
    device_id  integer          NOT NULL,
    value      double precision NOT NULL,
    quality    smallint         NOT NULL
) ON COMMIT DELETE ROWS
"""
# UTC for the transaction, so that every hour below is a UTC hour whatever the session's zone.
# Readings of a device deleted since validation are dropped, as its other readings were with it
# (ON DELETE CASCADE); the foreign key would otherwise fail the whole batch, again at each retry.
# Each stored reading's UTC hour and the next are queued (see timescale/0006), keyed by the
# batch's earliest stored reading there: a key no other batch can have (it stored that reading),
# so the queue insert never conflicts with, nor waits for, a row a rollup is working on.
# Readings go in in key order: concurrent writers then take their row locks in one global order
# and cannot deadlock on duplicates.
_MERGE = f"""
SET LOCAL TimeZone = 'UTC';

WITH stored AS (
    INSERT INTO readings (time, device_id, value, quality)
    SELECT s.time, s.device_id, s.value, s.quality
    FROM {_STAGING} s JOIN devices d ON d.id = s.device_id
    ORDER BY s.device_id, s.time
    ON CONFLICT (device_id, time) DO NOTHING
    RETURNING device_id, time
),
touched AS (
    SELECT device_id, date_trunc('hour', time, 'UTC') AS hour, min(time) AS first_time
    FROM stored
    GROUP BY 1, 2
)
INSERT INTO rollup_queue (device_id, hour, first_time)
SELECT touched.device_id, h.hour, min(touched.first_time)
FROM touched
CROSS JOIN LATERAL (VALUES (touched.hour), (touched.hour + interval '1 hour')) AS h (hour)
GROUP BY 1, 2
ON CONFLICT DO NOTHING;
"""


class ReadingStore:
    """Writes batches of records into `readings` and `rollup_queue`."""

    def __init__(self, pool: asyncpg.Pool, *, timeout: float) -> None:
        """Write through POOL; a write taking over TIMEOUT seconds counts as failed."""
        self._pool = pool
        self._timeout = timeout

    async def write(self, records: Sequence[Record]) -> None:
        """Commit RECORDS (a reading already stored is kept as it is) or raise a WRITE_ERRORS."""
        async with asyncio.timeout(self._timeout), self._pool.acquire() as conn:
            try:
                await self._write(conn, records)
            except asyncpg.UndefinedTableError:
                # The staging table is per session: a connection new to the pool has none yet.
                await conn.execute(_CREATE_STAGING)
                await self._write(conn, records)

    @staticmethod
    async def _write(conn: asyncpg.Connection, records: Sequence[Record]) -> None:
        async with conn.transaction():
            await conn.copy_records_to_table(_STAGING, records=records, columns=COLUMNS)
            await conn.execute(_MERGE)
