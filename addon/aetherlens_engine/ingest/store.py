"""Writing batches of readings to PostgreSQL.

COPY into a staging table, then one INSERT that drops duplicates, with the hours the batch touches
queued for the rollups, all in one transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

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

# SQLSTATE classes of a refusal of the data itself (22: data exception, such as a time out of the
# hypertable's range; 23: integrity constraint violation): the same readings fail again at every
# retry, so they must not wait in the spool for a database that will never take them.
_REFUSAL_CLASSES = frozenset({"22", "23"})


def refused(err: BaseException) -> bool:
    """Tell whether ERR refuses the data written rather than says the database is away."""
    if isinstance(err, asyncpg.PostgresError):
        return str(err.sqlstate or "")[:2] in _REFUSAL_CLASSES
    # asyncpg's client-side DataError (a value it cannot encode) is an InterfaceError and a
    # ValueError; its other InterfaceErrors are about the connection.
    return isinstance(err, asyncpg.InterfaceError) and isinstance(err, ValueError)


@dataclass(slots=True)
class WriteOutcome:
    """What `ReadingStore.write_apart` did with a batch."""

    committed: int = 0
    refused: list[tuple[Record, str]] = field(default_factory=list)  # each with the reason
    unwritten: list[Record] = field(default_factory=list)  # left when the database went away
    error: Exception | None = None  # why it went away


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
# A reading already packed into readings_compact (its hour was compacted) is a duplicate too.
# Readings go in in key order: concurrent writers then take their row locks in one global order
# and cannot deadlock on duplicates.
_MERGE = f"""
SET LOCAL TimeZone = 'UTC';

WITH stored AS (
    INSERT INTO readings (time, device_id, value, quality)
    SELECT s.time, s.device_id, s.value, s.quality
    FROM {_STAGING} s JOIN devices d ON d.id = s.device_id
    WHERE NOT EXISTS (
        SELECT 1 FROM readings_compact c
        WHERE c.device_id = s.device_id AND c.hour = date_trunc('hour', s.time, 'UTC')
          AND s.time = ANY (compact_times(c.hour, c.steps))
    )
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

    async def write_apart(self, records: Sequence[Record]) -> WriteOutcome:
        """Commit RECORDS but those the database refuses, found by halving a refused batch.

        A refused reading is found in about log2(len(RECORDS)) more writes. Never raises a
        WRITE_ERRORS: an outage ends the work and is returned with the records left unwritten.
        """
        outcome = WriteOutcome()
        pending = [list(records)]
        while pending:
            part = pending.pop()
            try:
                await self.write(part)
            except WRITE_ERRORS as err:
                if not refused(err):
                    outcome.unwritten = [record for rest in (part, *pending) for record in rest]
                    outcome.error = err
                    return outcome
                if len(part) == 1:
                    outcome.refused.append((part[0], _reason(err)))
                else:
                    half = len(part) // 2
                    pending += [part[half:], part[:half]]  # the first half is written first
            else:
                outcome.committed += len(part)
        return outcome

    @staticmethod
    async def _write(conn: asyncpg.Connection, records: Sequence[Record]) -> None:
        async with conn.transaction():
            await _merge(conn, records)


async def _merge(conn: asyncpg.Connection, records: Sequence[Record]) -> None:
    await conn.copy_records_to_table(_STAGING, records=records, columns=COLUMNS)
    await conn.execute(_MERGE)


async def merge_records(conn: asyncpg.Connection, records: Sequence[Record]) -> None:
    """Store RECORDS as `ReadingStore.write` does, in the transaction CONN is in.

    For writers whose readings must commit with other rows or not at all (an import).
    """
    await conn.execute(_CREATE_STAGING)
    await _merge(conn, records)


def _reason(err: Exception) -> str:
    sqlstate = getattr(err, "sqlstate", None)
    return f"{sqlstate}: {err}" if sqlstate else f"{type(err).__name__}: {err}"
