"""Energy per device and hour, and per local day, maintained incrementally by the engine.

Sources are the readings of devices whose unit is 'kWh' or 'm³' (cumulative counters of energy,
or of the gas or water volume, kept in `energy_kwh` as m³ for those: timescale/0012) or 'W'
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
  whole delta in the hour the later reading ends: the energy was used, but when is unknown. A
  reading on the hour ends the hour before it, so hourly counter states (Home Assistant's
  long-term statistics, a state at each hour's end) give each hour its own delta.

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

Incremental: rollup_progress holds per device the last reading folded in. New readings after it
are folded into the stored hours (their sums continued in time order, with the running state
energy_hourly keeps: covered seconds, sum and count of power readings), so a rollup costs what
its new readings cost, not what the hour holds. A reading at or before the progress arrived late:
the hours it affects are rebuilt from their readings up to the progress, as a recompute would.
Readings younger than SETTLE wait (their device stays queued, marked as waiting): batches that
commit in another order than their readings' times then arrive before the fold passes them.
Both give exactly the rows one recompute of all readings gives
(tests/engine/test_rollups_incremental.py).

Queue: ingestion adds (device_id, hour, first_time) to rollup_queue in the transaction of the
readings it stored (their hour and the next; the batch's earliest stored reading there), rows no
other batch can have, so it never waits for a maintainer. A maintainer takes the devices no other
holds (a transaction-level advisory lock per device, tried, never waited for), folds and rebuilds,
and deletes exactly the queue rows it read, last; rows added meanwhile stay for the next run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from aetherlens_engine.models import UNIT_ENERGY, UNIT_POWER, UNIT_VOLUME

HOUR = timedelta(hours=1)
# Cumulative counters: energy, and the volume of gas and water meters.
COUNTER_UNITS = [UNIT_ENERGY, UNIT_VOLUME]
# How many readings back a counter's level (its highest reading since the last reset) reaches.
COUNTER_MEMORY = 12
# Readings younger than this (by their time, on the database's clock) wait for a later run.
# Concurrent batches commit in any order; folding the newest readings at once would make those
# of a batch committing a moment later late, and a late reading rebuilds whole hours.
SETTLE = timedelta(seconds=30)
# A long recompute runs in slices of this length, one transaction each.
RECOMPUTE_SLICE = timedelta(days=7)
# Advisory lock class of the rollups; the second key is the device id.
LOCK_CLASS = 0x524F4C4C

# The readings each statement loads, as `loaded` (device_id, ws, we, counter, time, value,
# quality, fresh: a sample of this run, counts: the interval ending at it is this run's), become
# per-reading intervals, their pieces within hours and the readings with their detected flags.
# Sums run in time order, (a, t1) being unique within a device's hour, so that a fold continuing a
# stored sum adds the same numbers in the same order as one pass over the hour does.
_CHAIN = """
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
               ROWS BETWEEN {memory}::integer PRECEDING AND 1 PRECEDING
           ) AS level
    FROM segments AS g
),
intervals AS (
    SELECT device_id, ws, we, counter, t0, time AS t1, v0, value AS v1,
           extract(epoch FROM time - t0)::float8 AS span,
           -- AFTER_GAP (16): the source had no valid value in between, whatever the span.
           time - t0 > {gap}::interval OR quality & 16 <> 0 AS long,
           date_bin('1 hour', t0, 'epoch') AS h0,
           date_bin('1 hour', time - interval '1 microsecond', 'epoch') AS h1,
           CASE WHEN reset THEN value ELSE greatest(value - level, 0) END AS delta
    FROM levels
    WHERE t0 IS NOT NULL AND counts
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
    SELECT device_id, ws, we, hour, a, t1,
           CASE WHEN counter THEN delta * (fb - fa)
                ELSE ((v0 + (v1 - v0) * fa) + (v0 + (v1 - v0) * fb)) / 2 * (fb - fa) * span
                     / 3600000 END AS kwh,
           CASE WHEN counter THEN 0 ELSE (fb - fa) * span END AS covered,
           CASE WHEN NOT counter THEN greatest(v0 + (v1 - v0) * fa, v0 + (v1 - v0) * fb) END AS peak
    FROM pieces
    UNION ALL
    -- h1, the hour the interval ends in: a reading on the hour closes the hour before it.
    SELECT device_id, ws, we, h1, t1, t1, delta, 0, NULL
    FROM intervals
    WHERE long AND counter
),
marked AS (
    SELECT device_id, ws, time, value,
           quality | CASE WHEN reset THEN 2 ELSE 0 END
                   | CASE WHEN NOT reset AND value < level THEN 4 ELSE 0 END AS quality
    FROM levels
    WHERE counter AND fresh
    UNION ALL
    SELECT device_id, ws, time, value, quality
    FROM loaded
    WHERE fresh AND (NOT counter OR quality & 4 <> 0)
),
"""

# The published figures of an hour from its sums (e: energy, r: readings, w: its device).
_FIGURES = """
    coalesce(e.kwh, 0) AS energy_kwh,
    CASE WHEN NOT w.counter THEN
        CASE WHEN e.covered > 0 THEN e.kwh * 3600000 / e.covered ELSE r.vsum / r.vn END
    END AS avg_power_w,
    CASE WHEN NOT w.counter THEN greatest(e.peak, r.peak) END AS max_power_w,
    coalesce(r.samples, 0)::integer AS samples,
    coalesce(r.quality, 0)::smallint AS quality,
    coalesce(e.covered, 0) AS covered_s,
    r.vsum AS value_sum,
    coalesce(r.vn, 0)::integer AS value_count
"""

_UPSERT = """
INSERT INTO energy_hourly AS o (device_id, hour, energy_kwh, avg_power_w, max_power_w, samples,
                                quality, covered_s, value_sum, value_count)
SELECT h.device_id, h.hour, h.energy_kwh, h.avg_power_w, h.max_power_w, h.samples, h.quality,
       h.covered_s, h.value_sum, h.value_count
FROM hourly AS h
{condition}
ON CONFLICT (device_id, hour) DO UPDATE SET
    energy_kwh = excluded.energy_kwh,
    avg_power_w = excluded.avg_power_w,
    max_power_w = excluded.max_power_w,
    samples = excluded.samples,
    quality = excluded.quality,
    covered_s = excluded.covered_s,
    value_sum = excluded.value_sum,
    value_count = excluded.value_count,
    updated_at = now()
WHERE (o.energy_kwh, o.avg_power_w, o.max_power_w, o.samples, o.quality, o.covered_s,
       o.value_sum, o.value_count)
      IS DISTINCT FROM
      (excluded.energy_kwh, excluded.avg_power_w, excluded.max_power_w, excluded.samples,
       excluded.quality, excluded.covered_s, excluded.value_sum, excluded.value_count)
RETURNING o.device_id, o.hour
"""

# Windows [ws, we) of hours rebuilt from their readings (none after `upto`, the device's
# progress), the usable ones before a window that its first readings are compared with (the
# previous one; for counters those of the counter memory) and the first usable one after it.
# Windows of devices without progress (`start`) make the last reading they load the progress.
_WINDOW_SQL = (
    """
WITH win AS (
    SELECT w.device_id, w.ws, w.we, w.upto, w.is_first, d.unit = ANY($6::text[]) AS counter,
           CASE WHEN d.unit = ANY($6::text[]) THEN $5::integer ELSE 1 END AS context,
           (SELECT hour FROM energy_hourly AS e
            WHERE e.device_id = w.device_id ORDER BY hour LIMIT 1) AS first_hour
    FROM unnest($1::integer[], $2::timestamptz[], $3::timestamptz[], $8::timestamptz[],
                $9::boolean[]) AS w (device_id, ws, we, upto, is_first)
    JOIN devices AS d ON d.id = w.device_id
    WHERE (d.unit = ANY($6::text[]) OR d.unit = $7)
),
loaded AS (
    SELECT w.device_id, w.ws, w.we, w.counter, r.time, r.value, r.quality,
           r.time >= w.ws AND r.time < w.we AS fresh, true AS counts
    FROM win AS w
    CROSS JOIN LATERAL (
        -- Times are whole microseconds: `before ws - 1 µs` is `before ws`, ws excluded.
        SELECT * FROM readings_before(w.device_id, w.ws - interval '1 microsecond', w.context,
                                      true)
        UNION ALL
        SELECT * FROM readings_between(w.device_id, w.ws, least(w.we, w.upto)) AS b
        WHERE b.time < w.we
        UNION ALL
        SELECT * FROM readings_after(w.device_id, w.we, 1, true) AS a
        WHERE a.time <= w.upto
    ) AS r
),
"""
    + _CHAIN.format(memory="$5", gap="$4")
    + """
energy_by_hour AS (
    SELECT device_id, ws, hour, sum(kwh ORDER BY a, t1) AS kwh,
           sum(covered ORDER BY a, t1) AS covered, max(peak) AS peak
    FROM energy
    WHERE hour >= ws AND hour < we
    GROUP BY device_id, ws, hour
),
readings_by_hour AS (
    SELECT device_id, ws, date_bin('1 hour', time, 'epoch') AS hour, count(*) AS samples,
           bit_or(quality) AS quality,
           max(value) FILTER (WHERE quality & 4 = 0) AS peak,
           sum(value ORDER BY time) FILTER (WHERE quality & 4 = 0) AS vsum,
           count(*) FILTER (WHERE quality & 4 = 0) AS vn
    FROM marked
    GROUP BY device_id, ws, date_bin('1 hour', time, 'epoch')
),
context AS (
    SELECT device_id, ws, min(time) AS first_time FROM loaded GROUP BY device_id, ws
),
hourly AS (
    SELECT device_id, hour,"""
    + _FIGURES
    + """,
           -- Whether the readings before the hour are known: some are loaded, or the device
           -- has no earlier stored hour (it is new). Otherwise they were removed.
           c.first_time < hour OR coalesce(w.first_hour >= hour, true) AS has_context
    FROM energy_by_hour AS e
    FULL JOIN readings_by_hour AS r USING (device_id, ws, hour)
    JOIN win AS w USING (device_id, ws)
    JOIN context AS c USING (device_id, ws)
),
progress AS (
    INSERT INTO rollup_progress AS p (device_id, folded_to)
    SELECT l.device_id, max(l.time)
    FROM loaded AS l JOIN win AS w USING (device_id, ws)
    WHERE w.is_first AND l.fresh
    GROUP BY l.device_id
    ON CONFLICT (device_id) DO UPDATE SET folded_to = excluded.folded_to
),
written AS ("""
    + _UPSERT.format(
        condition="""
LEFT JOIN energy_hourly AS old ON old.device_id = h.device_id AND old.hour = h.hour
WHERE old.device_id IS NULL
   OR h.samples > old.samples
   OR (h.samples = old.samples AND h.has_context)"""
    )
    + """)
SELECT device_id, hour FROM written
"""
)

# Readings after each device's progress (`after`), folded into its stored hours: the sums of an
# hour start from the stored ones. The context before them is as in _WINDOW_SQL.
_FOLD_SQL = (
    """
WITH win AS (
    SELECT w.device_id, w.after AS ws, 'infinity'::timestamptz AS we,
           d.unit = ANY($3::text[]) AS counter,
           CASE WHEN d.unit = ANY($3::text[]) THEN $6::integer ELSE 1 END AS context
    FROM unnest($1::integer[], $2::timestamptz[]) AS w (device_id, after)
    JOIN devices AS d ON d.id = w.device_id
    WHERE (d.unit = ANY($3::text[]) OR d.unit = $4)
),
loaded AS (
    SELECT w.device_id, w.ws, w.we, w.counter, r.time, r.value, r.quality,
           r.time > w.ws AS fresh, r.time > w.ws AS counts
    FROM win AS w
    CROSS JOIN LATERAL (
        SELECT * FROM readings_before(w.device_id, w.ws, w.context, true)
        UNION ALL
        SELECT * FROM readings_between(w.device_id, w.ws, $7) AS b WHERE b.time > w.ws
    ) AS r
),
"""
    + _CHAIN.format(memory="$6", gap="$5")
    + """
-- The stored hours a fold can reach: from the hour of the last reading before it on.
stored AS (
    SELECT e.*
    FROM (
        SELECT device_id, date_bin('1 hour',
                   coalesce(max(time) FILTER (WHERE NOT fresh), min(time)), 'epoch') AS first_hour
        FROM loaded
        GROUP BY device_id
        HAVING bool_or(fresh)
    ) AS s
    JOIN energy_hourly AS e ON e.device_id = s.device_id AND e.hour >= s.first_hour
),
energy_by_hour AS (
    SELECT device_id, hour, sum(kwh ORDER BY a, t1) AS kwh,
           sum(covered ORDER BY a, t1) AS covered, max(peak) AS peak
    FROM (
        SELECT device_id, hour, '-infinity'::timestamptz AS a, '-infinity'::timestamptz AS t1,
               energy_kwh AS kwh, covered_s AS covered, max_power_w AS peak
        FROM stored
        UNION ALL
        SELECT device_id, hour, a, t1, kwh, covered, peak FROM energy
    ) AS x
    GROUP BY device_id, hour
),
readings_by_hour AS (
    SELECT device_id, hour, sum(samples) AS samples, bit_or(quality) AS quality,
           max(peak) AS peak, sum(vsum ORDER BY time) AS vsum, sum(vn) AS vn
    FROM (
        SELECT device_id, hour, '-infinity'::timestamptz AS time, samples, quality,
               NULL::float8 AS peak, value_sum AS vsum, value_count AS vn
        FROM stored
        UNION ALL
        SELECT device_id, date_bin('1 hour', time, 'epoch'), time, 1, quality,
               CASE WHEN quality & 4 = 0 THEN value END,
               CASE WHEN quality & 4 = 0 THEN value END,
               CASE WHEN quality & 4 = 0 THEN 1 ELSE 0 END
        FROM marked
    ) AS x
    GROUP BY device_id, hour
),
hourly AS (
    SELECT device_id, hour,"""
    + _FIGURES
    + """
    FROM energy_by_hour AS e
    FULL JOIN readings_by_hour AS r USING (device_id, hour)
    JOIN win AS w USING (device_id)
),
progress AS (
    INSERT INTO rollup_progress AS p (device_id, folded_to)
    SELECT device_id, max(time) FROM loaded WHERE fresh GROUP BY device_id
    ON CONFLICT (device_id) DO UPDATE SET folded_to = excluded.folded_to
),
written AS ("""
    + _UPSERT.format(condition="")
    + """)
SELECT device_id, hour FROM written
"""
)

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

_QUEUED_DEVICES_SQL = """
SELECT device_id, count(*) AS queued FROM rollup_queue GROUP BY device_id ORDER BY device_id
"""

# A row whose first_time is 'infinity' marks a device whose readings wait for SETTLE (asyncpg
# reads infinity as a naive datetime: it is told apart here, and given back as NULL).
_QUEUED_SQL = """
SELECT q.device_id, q.hour, p.folded_to,
       nullif(q.first_time, 'infinity') AS first_time, q.first_time = 'infinity' AS waiting,
       q.first_time <= p.folded_to AS late
FROM rollup_queue AS q
LEFT JOIN rollup_progress AS p USING (device_id)
WHERE q.device_id = ANY($1::integer[])
"""

_PROGRESS_SQL = """
SELECT device_id, folded_to FROM rollup_progress WHERE device_id = ANY($1::integer[])
"""

# Each late hour of an energy device, with the last reading after the hour that a reading in it
# can affect (backfill): the next one, whose interval changes, and for counters the
# COUNTER_MEMORY next ones, whose levels may change.
_QUEUE_CONTEXT_SQL = """
SELECT q.device_id, q.hour,
       (SELECT max(r.time) FROM readings_after(
            q.device_id, q.hour + interval '1 hour',
            CASE WHEN d.unit = ANY($3::text[]) THEN $5::integer ELSE 1 END, true
        ) AS r) AS reach
FROM unnest($1::integer[], $2::timestamptz[]) AS q (device_id, hour)
JOIN devices AS d ON d.id = q.device_id
WHERE (d.unit = ANY($3::text[]) OR d.unit = $4)
"""

# The devices with readings after the horizon ($2) stay queued, marked as waiting.
_KEEP_WAITING_SQL = """
INSERT INTO rollup_queue (device_id, hour, first_time)
SELECT d.id, date_trunc('hour', $2::timestamptz, 'UTC'), 'infinity'
FROM unnest($1::integer[]) AS d (id)
WHERE EXISTS (SELECT 1 FROM readings_after(d.id, $2, 2, false) AS r WHERE r.time > $2)
ON CONFLICT DO NOTHING
"""

_DELETE_QUEUE_SQL = """
DELETE FROM rollup_queue AS q
USING unnest($1::integer[], $2::timestamptz[], $3::timestamptz[]) AS t (device_id, hour, first_time)
WHERE q.device_id = t.device_id AND q.hour = t.hour
  AND q.first_time = coalesce(t.first_time, 'infinity')
"""

# asyncpg's encoding of PostgreSQL's 'infinity'.
_END_OF_TIME = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True, order=True)
class _Window:
    """Hours [start, end) of one device to rebuild from its readings up to UPTO.

    FIRST: the device has no progress yet; the window's last reading becomes it.
    """

    device_id: int
    start: datetime
    end: datetime
    upto: datetime = _END_OF_TIME
    first: bool = False


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
            merged[-1] = replace(last, end=max(last.end, window.end))
        else:
            merged.append(window)
    return merged


class RollupMaintainer:
    """Keeps energy_hourly and energy_daily up to date with the readings."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        tz: ZoneInfo,
        *,
        max_gap: timedelta = timedelta(minutes=15),
        settle: timedelta = SETTLE,
    ) -> None:
        """Roll up into local days of TZ; readings further apart than MAX_GAP are a gap.

        Readings younger than SETTLE are rolled up by a later run.
        """
        if max_gap <= timedelta(0):
            raise ValueError("max_gap must be a positive duration")
        self._pool = pool
        self._tz = tz
        self._max_gap = max_gap
        self._settle = settle
        # The hours recomputed since `take_rolled_up` last ran: what costs must price next.
        self._rolled_up: tuple[datetime, datetime] | None = None

    def take_rolled_up(self) -> tuple[datetime, datetime] | None:
        """Return the span [first hour, end) recomputed since the last call (None: none)."""
        span, self._rolled_up = self._rolled_up, None
        return span

    async def process_queue(self, limit: int = 1000) -> int:
        """Roll up the queued readings of devices with about LIMIT queue rows.

        Returns the rows ingestion queued that were taken (0: none left, or only readings that
        wait for SETTLE). Safe to run concurrently: each run takes devices no other run holds.
        Never locks a row ingestion writes: new queue rows are rows of their own.
        """
        if limit <= 0:
            raise ValueError("limit must be positive")
        async with self._pool.acquire() as conn, conn.transaction():
            devices = await self._take_devices(conn, limit)
            if not devices:
                return 0
            taken = await conn.fetch(_QUEUED_SQL, devices)
            horizon: datetime = await conn.fetchval("SELECT now() - $1::interval", self._settle)
            progress: dict[int, datetime] = {}
            late: list[tuple[int, datetime]] = []
            first: dict[int, datetime] = {}
            for row in taken:
                device_id, hour, folded_to = row["device_id"], row["hour"], row["folded_to"]
                if folded_to is None:
                    first[device_id] = min(hour, first.get(device_id, hour))
                    continue
                progress[device_id] = folded_to
                if row["late"]:
                    late.append((device_id, hour))
            windows = [
                _Window(device_id, _floor_hour(hour - self._max_gap), _END_OF_TIME, horizon, True)
                for device_id, hour in first.items()
            ]
            if late:
                windows += [
                    self._late_window(
                        row["device_id"], row["hour"], row["reach"], progress[row["device_id"]]
                    )
                    for row in await conn.fetch(
                        _QUEUE_CONTEXT_SQL,
                        [device_id for device_id, _ in late],
                        [hour for _, hour in late],
                        COUNTER_UNITS,
                        UNIT_POWER,
                        COUNTER_MEMORY,
                    )
                ]
            written = await self._rebuild(conn, _merge(windows))
            written += await self._fold(conn, progress, horizon)
            await self._roll_up_days(conn, written)
            await conn.execute(
                _DELETE_QUEUE_SQL,
                [row["device_id"] for row in taken],
                [row["hour"] for row in taken],
                [row["first_time"] for row in taken],
            )
            await conn.execute(_KEEP_WAITING_SQL, devices, horizon)
            return sum(not row["waiting"] for row in taken)

    async def recompute(
        self, start: datetime, end: datetime, device_ids: Sequence[int] | None = None
    ) -> int:
        """Recompute the hours in [START, END) (widened to whole hours) and their local days.

        Runs in slices of RECOMPUTE_SLICE, one transaction each; returns the hourly rows written.
        DEVICE_IDS None: every device with an energy rollup. Readings after a device's progress
        are left to the queue.
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
                        [*COUNTER_UNITS, UNIT_POWER],
                    )
                ]
            ids = sorted(set(device_ids))
            while ids and start < end:
                stop = min(start + RECOMPUTE_SLICE, end)
                async with conn.transaction():
                    await self._lock(conn, ids)
                    progress = {
                        row["device_id"]: row["folded_to"]
                        for row in await conn.fetch(_PROGRESS_SQL, ids)
                    }
                    hours = await self._rebuild(
                        conn,
                        [
                            _Window(device_id, start, stop, progress.get(device_id, _END_OF_TIME))
                            for device_id in ids
                        ],
                    )
                    await self._roll_up_days(conn, hours)
                    written += len(hours)
                start = stop
        return written

    def _late_window(
        self, device_id: int, hour: datetime, reach: datetime | None, folded_to: datetime
    ) -> _Window:
        """Return the hours that readings arriving late in HOUR affect, up to FOLDED_TO."""
        # The interval ending at the first reading of HOUR may begin up to max_gap earlier.
        start = _floor_hour(hour - self._max_gap)
        end = min((_floor_hour(reach) if reach else hour) + HOUR, _floor_hour(folded_to) + HOUR)
        return _Window(device_id, start, max(end, start), folded_to)

    async def _take_devices(self, conn: asyncpg.Connection, limit: int) -> list[int]:
        """Lock queued devices nobody else holds, in id order, until LIMIT queue rows are had."""
        taken, rows = [], 0
        for row in await conn.fetch(_QUEUED_DEVICES_SQL):
            if await conn.fetchval(
                "SELECT pg_try_advisory_xact_lock($1, $2)", LOCK_CLASS, row["device_id"]
            ):
                taken.append(row["device_id"])
                rows += row["queued"]
                if rows >= limit:
                    break
        return taken

    async def _lock(self, conn: asyncpg.Connection, device_ids: Iterable[int]) -> None:
        # Sorted, so that maintainers never wait on each other in a cycle.
        await conn.execute(
            """
            SELECT pg_advisory_xact_lock($1, id)
            FROM (SELECT DISTINCT unnest($2::integer[]) AS id ORDER BY id) AS ids
            """,
            LOCK_CLASS,
            list(device_ids),
        )

    async def _rebuild(
        self, conn: asyncpg.Connection, windows: Sequence[_Window]
    ) -> list[tuple[int, datetime]]:
        """Rebuild the hours of WINDOWS from their readings; return the hours written."""
        if not windows:
            return []
        rows = await conn.fetch(
            _WINDOW_SQL,
            [w.device_id for w in windows],
            [w.start for w in windows],
            [w.end for w in windows],
            self._max_gap,
            COUNTER_MEMORY,
            COUNTER_UNITS,
            UNIT_POWER,
            [w.upto for w in windows],
            [w.first for w in windows],
        )
        return [(row["device_id"], row["hour"]) for row in rows]

    async def _fold(
        self, conn: asyncpg.Connection, progress: dict[int, datetime], horizon: datetime
    ) -> list[tuple[int, datetime]]:
        """Fold the readings after each device's PROGRESS up to HORIZON in; return the hours."""
        if not progress:
            return []
        rows = await conn.fetch(
            _FOLD_SQL,
            list(progress),
            list(progress.values()),
            COUNTER_UNITS,
            UNIT_POWER,
            self._max_gap,
            COUNTER_MEMORY,
            horizon,
        )
        return [(row["device_id"], row["hour"]) for row in rows]

    async def _roll_up_days(
        self, conn: asyncpg.Connection, hours: Sequence[tuple[int, datetime]]
    ) -> None:
        """Recompute the local days of HOURS; note HOURS for pricing."""
        if not hours:
            return
        low = min(hour for _, hour in hours)
        high = max(hour for _, hour in hours) + HOUR
        if self._rolled_up is not None:
            low, high = min(low, self._rolled_up[0]), max(high, self._rolled_up[1])
        self._rolled_up = (low, high)
        days = sorted({(device_id, hour.astimezone(self._tz).date()) for device_id, hour in hours})
        await conn.execute(
            _DAILY_SQL,
            [device_id for device_id, _ in days],
            [day for _, day in days],
            [self._day_start(day) for _, day in days],
            [self._day_start(day + timedelta(days=1)) for _, day in days],
        )

    def _day_start(self, day: date) -> datetime:
        """Return the UTC instant at which local DAY begins."""
        return datetime.combine(day, time.min, tzinfo=self._tz).astimezone(UTC)
