"""Raw readings older than a day packed per device and hour, where compression is not licensed.

A row of `readings` takes ~50 bytes and two index entries; `readings_compact` keeps an hour of
one device as arrays (timescale/0007; the times as steps since 0010), a few bytes a reading.
TimescaleDB's own compression does better, but only under its community licence: there the
engine leaves readings to the compression policy (retention.py) and this job does not run.
Under the Apache edition and on plain PostgreSQL the engine runs it every hour.

Queries read raw readings through readings_between/_before/_after, which see both tables, so
moving readings changes no answer. A reading that arrives for an hour already compacted is
stored in `readings` (unless the hour holds its time already) and merged into the hour's row
by the next run; when the hour holds a reading at the same time, the packed one stays, as the
first stored reading does in `readings`. (A duplicate committed while its hour is being packed
passes ingestion's check; it is seen twice until the next run merges it away.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from .features import DatabaseFeatures

# Readings are packed once they are this old (by their time, on the engine's clock).
COMPACT_AFTER = timedelta(days=1)
# One transaction packs at most this much of one device's readings (the first run after an
# upgrade finds up to the whole retention period unpacked).
SLICE = timedelta(days=7)

_DEVICES_SQL = "SELECT id FROM devices ORDER BY id"

_OLDEST_SQL = "SELECT min(time) FROM readings WHERE device_id = $1 AND time < $2"

# Moves DEVICE's readings before $2 (from $3 on) into their hours' rows, merging with the
# readings an hour holds already (those win a tie on time).
_COMPACT_SQL = """
WITH moved AS (
    DELETE FROM readings
    WHERE device_id = $1 AND time >= $3 AND time < $2
    RETURNING time, value, quality
),
packed AS (
    SELECT date_trunc('hour', time, 'UTC') AS hour,
           array_agg(time ORDER BY time) AS times,
           array_agg(value ORDER BY time) AS vals,
           array_agg(quality ORDER BY time) AS quals
    FROM moved
    GROUP BY 1
),
written AS (
    INSERT INTO readings_compact AS c (device_id, hour, steps, vals, quals)
    SELECT $1, hour, compact_steps(hour, times), vals, quals FROM packed
    ON CONFLICT (device_id, hour) DO UPDATE SET (steps, vals, quals) = (
        SELECT compact_steps(c.hour, array_agg(m.time ORDER BY m.time)),
               array_agg(m.value ORDER BY m.time), array_agg(m.quality ORDER BY m.time)
        FROM (
            SELECT DISTINCT ON (x.time) x.time, x.value, x.quality
            FROM (
                SELECT o.time, o.value, o.quality, 0 AS rank
                FROM unnest(compact_times(c.hour, c.steps), c.vals, c.quals)
                    AS o (time, value, quality)
                UNION ALL
                SELECT n.time, n.value, n.quality, 1 AS rank
                FROM unnest(compact_times(excluded.hour, excluded.steps), excluded.vals,
                            excluded.quals) AS n (time, value, quality)
            ) AS x
            ORDER BY x.time, x.rank
        ) AS m
    )
    RETURNING 1
)
SELECT (SELECT count(*) FROM moved) AS readings, (SELECT count(*) FROM written) AS hours
"""


# Chunks of readings wholly before the cutoff: emptied by the packing, dropped (their pages and
# index entries would otherwise stay allocated until retention drops them).
_OLD_CHUNKS_SQL = "SELECT count(*) FROM show_chunks('readings', older_than => $1::timestamptz)"
_UNPACKED_SQL = "SELECT EXISTS (SELECT 1 FROM readings WHERE time < $1)"
_DROP_SQL = "SELECT count(*) FROM drop_chunks('readings', older_than => $1::timestamptz)"


@dataclass(frozen=True, slots=True)
class CompactionReport:
    """What one run packed: readings moved, hour rows written or merged, chunks dropped."""

    readings: int = 0
    hours: int = 0
    chunks_dropped: int = 0


def compaction_cutoff(now: datetime) -> datetime:
    """Return the UTC hour before which readings are packed, as of NOW."""
    if now.tzinfo is None:
        raise ValueError("compaction_cutoff needs an aware datetime for now")
    return (now - COMPACT_AFTER).astimezone(UTC).replace(minute=0, second=0, microsecond=0)


async def compact_readings(
    conn: asyncpg.Connection, features: DatabaseFeatures, now: datetime
) -> CompactionReport:
    """Pack every reading older than COMPACT_AFTER as of NOW (whole UTC hours), device by device.

    Nothing is packed where FEATURES include TimescaleDB's compression (its policy does better).
    Each slice is one statement: an interrupted run leaves a slice's readings packed or not.
    """
    cutoff = compaction_cutoff(now)
    if features.compression_policies:
        return CompactionReport()
    readings = hours = 0
    for device in await conn.fetch(_DEVICES_SQL):
        while (oldest := await conn.fetchval(_OLDEST_SQL, device["id"], cutoff)) is not None:
            start = oldest.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
            end = min(cutoff, start + SLICE)
            row = await conn.fetchrow(_COMPACT_SQL, device["id"], end, start)
            readings += row["readings"]
            hours += row["hours"]
    chunks = await _drop_empty_chunks(conn, cutoff) if features.hypertables else 0
    return CompactionReport(readings, hours, chunks)


async def _drop_empty_chunks(conn: asyncpg.Connection, cutoff: datetime) -> int:
    """Drop the chunks of readings wholly before CUTOFF once nothing in them is left unpacked.

    Ingestion waits for the lock meanwhile (a moment): a late reading cannot land in a chunk
    being dropped. One that landed before stays, and its chunk with it, until the next run.
    """
    if not await conn.fetchval(_OLD_CHUNKS_SQL, cutoff):
        return 0
    async with conn.transaction():
        await conn.execute("SET LOCAL lock_timeout = '10s'")
        await conn.execute("LOCK TABLE readings IN SHARE ROW EXCLUSIVE MODE")
        if await conn.fetchval(_UNPACKED_SQL, cutoff):
            return 0
        dropped: int = await conn.fetchval(_DROP_SQL, cutoff)
    return dropped
