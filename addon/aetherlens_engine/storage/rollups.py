"""Energy per device and hour, and per local day, maintained incrementally by the engine.

Sources are the readings of devices whose unit is 'kWh' (cumulative energy counters) or 'W'
(power sensors); other devices get no energy rollup. Readings flagged GLITCH are left out of the
energy (counted as samples only).

Counters, per pair of consecutive readings:
- a reading flagged COUNTER_RESET, or below 90 % of the previous reading (Home Assistant's rule),
  is a reset: its delta is its own value (the counter restarted from zero);
- otherwise the delta is how far the reading rises above the counter's level, the highest of the
  COUNTER_MEMORY readings before it since the last reset: a smaller dip is a glitch, counted 0,
  and the counter resumes from its level, never going backwards. A dip lasting longer than
  COUNTER_MEMORY readings becomes the new level;
- a pair at most `max_gap` apart spreads its delta over the hours it spans, in proportion to time;
  a longer pair (the device was silent), or one whose later reading is flagged AFTER_GAP, puts its
  whole delta in the hour of the later reading: the energy was used, but when is unknown.

Power: trapezoids between consecutive readings at most `max_gap` apart, split at hour boundaries
(the power at a boundary is interpolated); no energy is counted across a longer gap, nor into a
reading flagged AFTER_GAP (its source had no valid value since the previous reading). A source
whose power can stay steady must repeat it more often than `max_gap` (the Home Assistant
collector's heartbeat does).
avg_power_w is the energy over the time covered by such intervals (the mean of the hour's readings
when none covers it), max_power_w the highest reading or interpolated boundary power of the hour.

Rows: an hour gets a row when a reading lies in it or energy falls into it; its quality is the OR
of its readings' flags, plus COUNTER_RESET and GLITCH where this module detected them. A recompute
never replaces an hour with one built from fewer readings, nor with an equal count but without any
reading before the hour while an earlier hour is stored: the readings are gone (retention), the
stored row is the better record.
Hours without readings or energy are left as they are, never rewritten to 0.

Daily rows sum the hourly rows whose UTC hour starts inside the local calendar day (23 or 25 hours
on DST changes).

Queue: ingestion adds (device_id, hour) to rollup_queue in the transaction of the readings (the
reading's hour and the next), with INSERT ... ON CONFLICT DO UPDATE so that it waits for, or is
skipped by, a maintainer holding the row. A maintainer takes queue rows FOR UPDATE SKIP LOCKED,
serialises per device with a transaction-level advisory lock, recomputes, and deletes the rows in
the same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from aetherlens_engine.models import UNIT_ENERGY, UNIT_POWER

HOUR = timedelta(hours=1)
# How many readings back a counter's level (its highest reading since the last reset) reaches.
COUNTER_MEMORY = 12
# A long recompute runs in slices of this length, one transaction each.
RECOMPUTE_SLICE = timedelta(days=7)
# Advisory lock class of the rollups; the second key is the device id.
_LOCK_CLASS = 0x524F4C4C

_HOURLY_SQL = """
WITH win AS (
    SELECT w.device_id, w.ws, w.we, d.unit = $6 AS counter,
           CASE WHEN d.unit = $6 THEN $5::integer ELSE 1 END AS context,
           (SELECT hour FROM energy_hourly AS e
            WHERE e.device_id = w.device_id ORDER BY hour LIMIT 1) AS first_hour
    FROM unnest($1::integer[], $2::timestamptz[], $3::timestamptz[]) AS w (device_id, ws, we)
    JOIN devices AS d ON d.id = w.device_id
    WHERE d.unit IN ($6, $7)
),
-- The window's readings, the usable ones before it that its first readings are compared with
-- (the previous one; for counters those of the counter memory) and the first usable one after it.
loaded AS (
    SELECT w.device_id, w.ws, w.we, w.counter, r.time, r.value, r.quality
    FROM win AS w
    CROSS JOIN LATERAL (
        (SELECT time, value, quality FROM readings
         WHERE device_id = w.device_id AND time < w.ws AND quality & 4 = 0
         ORDER BY time DESC LIMIT w.context)
        UNION ALL
        SELECT time, value, quality FROM readings
        WHERE device_id = w.device_id AND time >= w.ws AND time < w.we
        UNION ALL
        (SELECT time, value, quality FROM readings
         WHERE device_id = w.device_id AND time >= w.we AND quality & 4 = 0
         ORDER BY time LIMIT 1)
    ) AS r
),
steps AS (
    SELECT l.*, lag(time) OVER w AS t0, lag(value) OVER w AS v0
    FROM loaded AS l
    WHERE quality & 4 = 0
    WINDOW w AS (PARTITION BY device_id, ws ORDER BY time)
),
resets AS (
    SELECT s.*,
           counter AND t0 IS NOT NULL AND (quality & 2 <> 0 OR value < 0.9 * v0) AS reset
    FROM steps AS s
),
segments AS (
    SELECT r.*,
           count(*) FILTER (WHERE reset) OVER (PARTITION BY device_id, ws ORDER BY time) AS seg
    FROM resets AS r
),
levels AS (
    SELECT g.*,
           max(value) OVER (
               PARTITION BY device_id, ws, seg ORDER BY time
               ROWS BETWEEN $5::integer PRECEDING AND 1 PRECEDING
           ) AS level
    FROM segments AS g
),
intervals AS (
    SELECT device_id, ws, we, counter, t0, time AS t1, v0, value AS v1,
           extract(epoch FROM time - t0)::float8 AS span,
           -- AFTER_GAP (16): the source had no valid value in between, whatever the span.
           time - t0 > $4::interval OR quality & 16 <> 0 AS long,
           date_bin('1 hour', t0, 'epoch') AS h0,
           date_bin('1 hour', time - interval '1 microsecond', 'epoch') AS h1,
           CASE WHEN reset THEN value ELSE greatest(value - level, 0) END AS delta
    FROM levels
    WHERE t0 IS NOT NULL
),
-- Each interval up to max_gap as pieces within one hour: fa and fb are where a piece begins and
-- ends, as fractions of its interval. Most intervals lie inside one hour and need no splitting.
pieces AS (
    SELECT i.*, i.h0 AS hour, 0::float8 AS fa, 1::float8 AS fb, i.t0 AS a
    FROM intervals AS i
    WHERE NOT i.long AND i.h0 = i.h1
    UNION ALL
    SELECT i.*, h.hour,
           extract(epoch FROM greatest(i.t0, h.hour) - i.t0)::float8 / i.span,
           extract(epoch FROM least(i.t1, h.hour + interval '1 hour') - i.t0)::float8 / i.span,
           greatest(i.t0, h.hour)
    FROM intervals AS i
    CROSS JOIN LATERAL generate_series(i.h0, i.h1, interval '1 hour') AS h (hour)
    WHERE NOT i.long AND i.h0 <> i.h1
),
energy AS (
    SELECT device_id, ws, we, hour, a,
           CASE WHEN counter THEN delta * (fb - fa)
                ELSE ((v0 + (v1 - v0) * fa) + (v0 + (v1 - v0) * fb)) / 2 * (fb - fa) * span
                     / 3600000 END AS kwh,
           CASE WHEN counter THEN 0 ELSE (fb - fa) * span END AS covered,
           CASE WHEN NOT counter THEN greatest(v0 + (v1 - v0) * fa, v0 + (v1 - v0) * fb) END AS peak
    FROM pieces
    UNION ALL
    SELECT device_id, ws, we, date_bin('1 hour', t1, 'epoch'), t1, delta, 0, NULL
    FROM intervals
    WHERE long AND counter
),
energy_by_hour AS (
    SELECT device_id, ws, hour, sum(kwh ORDER BY a, kwh) AS kwh,
           sum(covered ORDER BY a, covered) AS covered, max(peak) AS peak
    FROM energy
    WHERE hour >= ws AND hour < we
    GROUP BY device_id, ws, hour
),
marked AS (
    SELECT device_id, ws, we, time, value,
           quality | CASE WHEN reset THEN 2 ELSE 0 END
                   | CASE WHEN NOT reset AND value < level THEN 4 ELSE 0 END AS quality
    FROM levels
    WHERE counter
    UNION ALL
    SELECT device_id, ws, we, time, value, quality
    FROM loaded
    WHERE NOT counter OR quality & 4 <> 0
),
readings_by_hour AS (
    SELECT device_id, ws, date_bin('1 hour', time, 'epoch') AS hour, count(*) AS samples,
           bit_or(quality) AS quality,
           max(value) FILTER (WHERE quality & 4 = 0) AS peak,
           avg(value ORDER BY time) FILTER (WHERE quality & 4 = 0) AS mean
    FROM marked
    WHERE time >= ws AND time < we
    GROUP BY device_id, ws, date_bin('1 hour', time, 'epoch')
),
context AS (
    SELECT device_id, ws, min(time) AS first_time FROM loaded GROUP BY device_id, ws
),
hourly AS (
    SELECT device_id, hour, coalesce(e.kwh, 0) AS energy_kwh,
           CASE WHEN NOT w.counter THEN
               CASE WHEN e.covered > 0 THEN e.kwh * 3600000 / e.covered ELSE r.mean END
           END AS avg_power_w,
           CASE WHEN NOT w.counter THEN greatest(e.peak, r.peak) END AS max_power_w,
           coalesce(r.samples, 0)::integer AS samples,
           coalesce(r.quality, 0)::smallint AS quality,
           -- Whether the readings before the hour are known: some are loaded, or the device
           -- has no earlier stored hour (it is new). Otherwise they were removed.
           c.first_time < hour OR coalesce(w.first_hour >= hour, true) AS has_context
    FROM energy_by_hour AS e
    FULL JOIN readings_by_hour AS r USING (device_id, ws, hour)
    JOIN win AS w USING (device_id, ws)
    JOIN context AS c USING (device_id, ws)
)
INSERT INTO energy_hourly AS o
    (device_id, hour, energy_kwh, avg_power_w, max_power_w, samples, quality)
SELECT h.device_id, h.hour, h.energy_kwh, h.avg_power_w, h.max_power_w, h.samples, h.quality
FROM hourly AS h
LEFT JOIN energy_hourly AS old ON old.device_id = h.device_id AND old.hour = h.hour
WHERE old.device_id IS NULL
   OR h.samples > old.samples
   OR (h.samples = old.samples AND h.has_context)
ON CONFLICT (device_id, hour) DO UPDATE SET
    energy_kwh = excluded.energy_kwh,
    avg_power_w = excluded.avg_power_w,
    max_power_w = excluded.max_power_w,
    samples = excluded.samples,
    quality = excluded.quality,
    updated_at = now()
WHERE (o.energy_kwh, o.avg_power_w, o.max_power_w, o.samples, o.quality)
      IS DISTINCT FROM
      (excluded.energy_kwh, excluded.avg_power_w, excluded.max_power_w, excluded.samples,
       excluded.quality)
"""

# A day keeps its row when hourly rows it was built from are gone (fewer samples now).
_DAILY_SQL = """
WITH days AS (
    SELECT * FROM unnest($1::integer[], $2::date[], $3::timestamptz[], $4::timestamptz[])
        AS d (device_id, day, starts, ends)
),
daily AS (
    SELECT d.device_id, d.day, sum(h.energy_kwh ORDER BY h.hour) AS energy_kwh,
           max(h.max_power_w) AS max_power_w, sum(h.samples)::integer AS samples,
           bit_or(h.quality)::smallint AS quality
    FROM days AS d
    JOIN energy_hourly AS h ON h.device_id = d.device_id AND h.hour >= d.starts AND h.hour < d.ends
    GROUP BY d.device_id, d.day
)
INSERT INTO energy_daily AS o (device_id, day, energy_kwh, max_power_w, samples, quality)
SELECT n.device_id, n.day, n.energy_kwh, n.max_power_w, n.samples, n.quality
FROM daily AS n
LEFT JOIN energy_daily AS old ON old.device_id = n.device_id AND old.day = n.day
WHERE old.device_id IS NULL OR n.samples >= old.samples
ON CONFLICT (device_id, day) DO UPDATE SET
    energy_kwh = excluded.energy_kwh,
    max_power_w = excluded.max_power_w,
    samples = excluded.samples,
    quality = excluded.quality,
    updated_at = now()
WHERE (o.energy_kwh, o.max_power_w, o.samples, o.quality)
      IS DISTINCT FROM
      (excluded.energy_kwh, excluded.max_power_w, excluded.samples, excluded.quality)
"""

_TAKE_QUEUE_SQL = """
SELECT q.device_id, q.hour
FROM rollup_queue AS q
ORDER BY q.device_id, q.hour
LIMIT $1
FOR UPDATE SKIP LOCKED
"""

# Each queued hour of an energy device, with the last reading after the hour that a reading in it
# can affect when it arrives late (backfill): the next one, whose interval changes, and for
# counters the COUNTER_MEMORY next ones, whose levels may change.
_QUEUE_CONTEXT_SQL = """
SELECT q.device_id, q.hour,
       (SELECT max(r.time) FROM (
            SELECT time FROM readings
            WHERE device_id = q.device_id AND time >= q.hour + interval '1 hour'
              AND quality & 4 = 0
            ORDER BY time
            LIMIT CASE WHEN d.unit = $3 THEN $5::integer ELSE 1 END
        ) AS r) AS reach
FROM unnest($1::integer[], $2::timestamptz[]) AS q (device_id, hour)
JOIN devices AS d ON d.id = q.device_id
WHERE d.unit IN ($3, $4)
"""

_DELETE_QUEUE_SQL = """
DELETE FROM rollup_queue AS q
USING unnest($1::integer[], $2::timestamptz[]) AS t (device_id, hour)
WHERE q.device_id = t.device_id AND q.hour = t.hour
"""


@dataclass(frozen=True, slots=True, order=True)
class _Window:
    """Hours [start, end) of one device to recompute."""

    device_id: int
    start: datetime
    end: datetime


def _floor_hour(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return moment.replace(minute=0, second=0, microsecond=0)


def _ceil_hour(moment: datetime) -> datetime:
    floor = _floor_hour(moment)
    return floor if floor == moment else floor + HOUR


def _merge(windows: Iterable[_Window]) -> list[_Window]:
    """Merge the overlapping or touching windows of each device."""
    merged: list[_Window] = []
    for window in sorted(windows):
        last = merged[-1] if merged else None
        if last and last.device_id == window.device_id and window.start <= last.end:
            merged[-1] = _Window(last.device_id, last.start, max(last.end, window.end))
        else:
            merged.append(window)
    return merged


class RollupMaintainer:
    """Keeps energy_hourly and energy_daily up to date with the readings."""

    def __init__(
        self, pool: asyncpg.Pool, tz: ZoneInfo, *, max_gap: timedelta = timedelta(minutes=15)
    ) -> None:
        """Roll up into local days of TZ; readings further apart than MAX_GAP are a gap."""
        if max_gap <= timedelta(0):
            raise ValueError("max_gap must be a positive duration")
        self._pool = pool
        self._tz = tz
        self._max_gap = max_gap
        # The hours recomputed since `take_rolled_up` last ran: what costs must price next.
        self._rolled_up: tuple[datetime, datetime] | None = None

    def take_rolled_up(self) -> tuple[datetime, datetime] | None:
        """Return the span [first hour, end) recomputed since the last call (None: none)."""
        span, self._rolled_up = self._rolled_up, None
        return span

    async def process_queue(self, limit: int = 1000) -> int:
        """Recompute up to LIMIT queued hours and their local days; return how many were taken.

        Safe to run concurrently: each run takes queue rows nobody else holds.
        """
        if limit <= 0:
            raise ValueError("limit must be positive")
        async with self._pool.acquire() as conn, conn.transaction():
            taken = await conn.fetch(_TAKE_QUEUE_SQL, limit)
            if not taken:
                return 0
            device_ids = [row["device_id"] for row in taken]
            hours = [row["hour"] for row in taken]
            await self._lock(conn, device_ids)
            windows = [
                self._queued_window(row["device_id"], row["hour"], row["reach"])
                for row in await conn.fetch(
                    _QUEUE_CONTEXT_SQL, device_ids, hours, UNIT_ENERGY, UNIT_POWER, COUNTER_MEMORY
                )
            ]
            await self._recompute(conn, _merge(windows))
            await conn.execute(_DELETE_QUEUE_SQL, device_ids, hours)
            return len(taken)

    async def recompute(
        self, start: datetime, end: datetime, device_ids: Sequence[int] | None = None
    ) -> int:
        """Recompute the hours in [START, END) (widened to whole hours) and their local days.

        Runs in slices of RECOMPUTE_SLICE, one transaction each; returns the hourly rows written.
        DEVICE_IDS None: every device with an energy rollup.
        """
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("recompute needs aware datetimes")
        start, end = _floor_hour(start), _ceil_hour(end)
        written = 0
        async with self._pool.acquire() as conn:
            if device_ids is None:
                device_ids = [
                    row["id"]
                    for row in await conn.fetch(
                        "SELECT id FROM devices WHERE unit = ANY($1::text[]) ORDER BY id",
                        [UNIT_ENERGY, UNIT_POWER],
                    )
                ]
            ids = sorted(set(device_ids))
            while ids and start < end:
                stop = min(start + RECOMPUTE_SLICE, end)
                async with conn.transaction():
                    await self._lock(conn, ids)
                    written += await self._recompute(
                        conn, [_Window(device_id, start, stop) for device_id in ids]
                    )
                start = stop
        return written

    def _queued_window(self, device_id: int, hour: datetime, reach: datetime | None) -> _Window:
        """Return the hours that readings changed in HOUR affect, up to the reading at REACH."""
        # The interval ending at the first reading of HOUR may begin up to max_gap earlier.
        start = _floor_hour(hour - self._max_gap)
        return _Window(device_id, start, (_floor_hour(reach) if reach else hour) + HOUR)

    async def _lock(self, conn: asyncpg.Connection, device_ids: Iterable[int]) -> None:
        # Sorted, so that maintainers never wait on each other in a cycle.
        await conn.execute(
            """
            SELECT pg_advisory_xact_lock($1, id)
            FROM (SELECT DISTINCT unnest($2::integer[]) AS id ORDER BY id) AS ids
            """,
            _LOCK_CLASS,
            list(device_ids),
        )

    async def _recompute(self, conn: asyncpg.Connection, windows: Sequence[_Window]) -> int:
        """Recompute the hours of WINDOWS, then the local days they touch."""
        if not windows:
            return 0
        status = await conn.execute(
            _HOURLY_SQL,
            [w.device_id for w in windows],
            [w.start for w in windows],
            [w.end for w in windows],
            self._max_gap,
            COUNTER_MEMORY,
            UNIT_ENERGY,
            UNIT_POWER,
        )
        low, high = min(w.start for w in windows), max(w.end for w in windows)
        if self._rolled_up is not None:
            low, high = min(low, self._rolled_up[0]), max(high, self._rolled_up[1])
        self._rolled_up = (low, high)
        days = self._days(windows)
        await conn.execute(
            _DAILY_SQL,
            [device_id for device_id, _ in days],
            [day for _, day in days],
            [self._day_start(day) for _, day in days],
            [self._day_start(day + timedelta(days=1)) for _, day in days],
        )
        return int(status.split()[-1])

    def _days(self, windows: Iterable[_Window]) -> list[tuple[int, date]]:
        """Return the local days containing the start of any hour of WINDOWS."""
        days: dict[int, set[date]] = defaultdict(set)
        for window in windows:
            day = window.start.astimezone(self._tz).date()
            last = (window.end - HOUR).astimezone(self._tz).date()
            while day <= last:
                days[window.device_id].add(day)
                day += timedelta(days=1)
        return [(device_id, day) for device_id in sorted(days) for day in sorted(days[device_id])]

    def _day_start(self, day: date) -> datetime:
        """Return the UTC instant at which local DAY begins."""
        return datetime.combine(day, time.min, tzinfo=self._tz).astimezone(UTC)
