"""Price and carbon points from plugins, stored so that a republished point replaces the old one.

Readings are written once (the first stored wins), but a price feed republishes hours it has
priced already: day-ahead corrections. Such a series point is an upsert: a new point is stored,
a changed one replaces the value held (in `readings`, or in its hour's packed row of
`readings_compact` once compacted, timescale/0007), and an unchanged one is left alone. The
times of the points stored or changed are returned, so that only the hours they price are
priced again. Series devices (price, carbon) are not energy meters: no rollup reads them, so
nothing is queued for the rollups.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import asyncpg

from aetherlens_engine.ingest.records import Record

# Points of hours already packed: the value at the point's time replaced in the packed row.
_PACKED_SQL = """
WITH points (time, device_id, value) AS (
    SELECT * FROM unnest($1::timestamptz[], $2::integer[], $3::float8[])
)
UPDATE readings_compact AS c
SET vals = (
    SELECT array_agg(coalesce(p.value, u.value) ORDER BY u.n)
    FROM unnest(compact_times(c.hour, c.steps), c.vals) WITH ORDINALITY AS u (time, value, n)
    LEFT JOIN points AS p ON p.device_id = c.device_id AND p.time = u.time
)
WHERE EXISTS (
    SELECT 1
    FROM unnest(compact_times(c.hour, c.steps), c.vals) AS u (time, value)
    JOIN points AS p ON p.device_id = c.device_id AND p.time = u.time
    WHERE p.value IS DISTINCT FROM u.value
)
  AND (c.device_id, c.hour) IN (SELECT device_id, date_trunc('hour', time, 'UTC') FROM points)
RETURNING (
    SELECT array_agg(p.time)
    FROM unnest(compact_times(c.hour, c.steps)) AS u (time)
    JOIN points AS p ON p.device_id = c.device_id AND p.time = u.time
) AS times
"""
# The other points: new ones inserted, changed ones updated (RETURNING names both).
_UPSERT_SQL = """
WITH points (time, device_id, value) AS (
    SELECT * FROM unnest($1::timestamptz[], $2::integer[], $3::float8[])
)
INSERT INTO readings AS r (time, device_id, value, quality)
SELECT p.time, p.device_id, p.value, 0
FROM points AS p
WHERE NOT EXISTS (
    SELECT 1 FROM readings_compact AS c
    WHERE c.device_id = p.device_id AND c.hour = date_trunc('hour', p.time, 'UTC')
      AND p.time = ANY (compact_times(c.hour, c.steps))
)
ORDER BY p.device_id, p.time
ON CONFLICT (device_id, time) DO UPDATE SET value = EXCLUDED.value, quality = EXCLUDED.quality
    WHERE r.value IS DISTINCT FROM EXCLUDED.value
RETURNING r.time
"""


async def upsert_series(
    conn: asyncpg.Connection, points: Sequence[Record]
) -> tuple[datetime, datetime] | None:
    """Store POINTS, replacing the values held at their times; return the span that changed.

    The span runs from the earliest point stored or changed to an hour after the latest (None
    when every point was stored already with its value). Of two points of one device and time
    in POINTS, the later is kept.
    """
    latest = {(time, device): value for time, device, value, _ in points}
    times = [time for time, _ in latest]
    devices = [device for _, device in latest]
    values = list(latest.values())
    changed: list[datetime] = []
    for row in await conn.fetch(_PACKED_SQL, times, devices, values):
        changed.extend(row["times"])
    changed.extend(row["time"] for row in await conn.fetch(_UPSERT_SQL, times, devices, values))
    if not changed:
        return None
    return min(changed), max(changed) + timedelta(hours=1)
