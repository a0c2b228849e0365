"""Energy rollups from real readings, on PostgreSQL with and without TimescaleDB."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from aetherlens_engine.migrations import apply_migrations
from aetherlens_engine.models import Quality
from aetherlens_engine.storage import RollupMaintainer
from aetherlens_engine.storage.rollups import LOCK_CLASS

UTC_ZONE = ZoneInfo("UTC")
DAY = datetime(2026, 5, 4, tzinfo=UTC)

type Row = tuple[datetime, float] | tuple[datetime, float, Quality]


def at(hour: int, minute: int = 0) -> datetime:
    """Return HOUR:MINUTE UTC on the test day."""
    return DAY + timedelta(hours=hour, minutes=minute)


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    """Return the pool on a migrated database."""
    async with db_pool.acquire() as conn:
        await apply_migrations(conn)
    return db_pool


async def add_device(pool: asyncpg.Pool, name: str, unit: str) -> int:
    """Create a device measured in UNIT; return its id."""
    kind = {"kWh": "meter", "m³": "meter", "W": "appliance"}.get(unit, "price")
    device_id: int = await pool.fetchval(
        "INSERT INTO devices (source, source_id, name, kind, unit) "
        "VALUES ('test', $1, $1, $2, $3) RETURNING id",
        name,
        kind,
        unit,
    )
    return device_id


async def add_readings(
    pool: asyncpg.Pool, device_id: int, rows: Iterable[Row], *, queue: bool = False
) -> None:
    """Copy readings in; with QUEUE, queue their hours as ingestion does (the hour and the next)."""
    records = [(row[0], device_id, row[1], int(row[2]) if len(row) == 3 else 0) for row in rows]
    async with pool.acquire() as conn, conn.transaction():
        await conn.copy_records_to_table(
            "readings", records=records, columns=["time", "device_id", "value", "quality"]
        )
        if queue:
            # As ingestion does: the hour and the next, with the batch's first reading there.
            await conn.execute(
                """
                INSERT INTO rollup_queue (device_id, hour, first_time)
                SELECT $1::integer, v.h, min(t.time)
                FROM unnest($2::timestamptz[]) AS t (time),
                     LATERAL (VALUES (date_trunc('hour', t.time, 'UTC')),
                                     (date_trunc('hour', t.time, 'UTC') + interval '1 hour'))
                         AS v (h)
                GROUP BY v.h
                """,
                device_id,
                [r[0] for r in records],
            )


async def hourly(pool: asyncpg.Pool, device_id: int) -> dict[datetime, asyncpg.Record]:
    """Return the device's hourly rows by hour."""
    rows = await pool.fetch(
        "SELECT * FROM energy_hourly WHERE device_id = $1 ORDER BY hour", device_id
    )
    return {row["hour"]: row for row in rows}


async def daily(pool: asyncpg.Pool, device_id: int) -> dict[date, asyncpg.Record]:
    """Return the device's daily rows by day."""
    rows = await pool.fetch(
        "SELECT * FROM energy_daily WHERE device_id = $1 ORDER BY day", device_id
    )
    return {row["day"]: row for row in rows}


async def snapshot(pool: asyncpg.Pool, *, updated_at: bool = True) -> list[tuple[object, ...]]:
    """Return every rollup row, in order; without UPDATED_AT, only what was computed."""
    extra = ", updated_at" if updated_at else ""
    hours = await pool.fetch(
        "SELECT device_id, hour, energy_kwh, avg_power_w, max_power_w, samples, quality"
        f"{extra} FROM energy_hourly ORDER BY device_id, hour"
    )
    days = await pool.fetch(
        "SELECT device_id, day, energy_kwh, max_power_w, samples, quality"
        f"{extra} FROM energy_daily ORDER BY device_id, day"
    )
    return [tuple(row.values()) for row in [*hours, *days]]


def every(start: datetime, end: datetime, step: timedelta) -> list[datetime]:
    """Return START, START+STEP, … before END."""
    times = []
    while start < end:
        times.append(start)
        start += step
    return times


async def test_counter_deltas_are_summed_per_hour(pool: asyncpg.Pool) -> None:
    """Deltas between consecutive readings land in their hour; a reading on the hour closes it."""
    meter = await add_device(pool, "meter", "kWh")
    times = every(at(10), at(12), timedelta(minutes=5))
    await add_readings(pool, meter, [(t, 100 + 0.25 * i) for i, t in enumerate(times)])
    await RollupMaintainer(pool, UTC_ZONE).recompute(at(10), at(12))
    rows = await hourly(pool, meter)
    assert list(rows) == [at(10), at(11)]
    # 10:00 opens the series; 10:05 … 11:00 are 12 deltas in hour 10, 11:05 … 11:55 are 11.
    assert rows[at(10)]["energy_kwh"] == pytest.approx(3.0)
    assert rows[at(11)]["energy_kwh"] == pytest.approx(2.75)
    assert [r["samples"] for r in rows.values()] == [12, 12]
    assert all(r["avg_power_w"] is None and r["max_power_w"] is None for r in rows.values())
    assert all(r["quality"] == 0 for r in rows.values())


async def test_counter_resets_and_glitches(pool: asyncpg.Pool) -> None:
    """Resets count their own value; small dips count nothing and never lower the level."""
    meter = await add_device(pool, "meter", "kWh")
    values: list[tuple[float, Quality]] = [
        (100.0, Quality(0)),
        (101.0, Quality(0)),  # +1
        (100.5, Quality(0)),  # glitch: 0
        (102.0, Quality(0)),  # +1 above the level 101, not +1.5
        (101.8, Quality(0)),  # glitch: 0
        (103.0, Quality(0)),  # +1
        (2.0, Quality(0)),  # below 90 %: reset, +2
        (3.0, Quality(0)),  # +1
        (5.0, Quality.COUNTER_RESET),  # flagged: +5
        (6.0, Quality.ESTIMATED),  # +1
        (5.5, Quality(0)),  # 92 % of 6: glitch, 0
        (4.5, Quality(0)),  # 82 % of 5.5: reset, +4.5
        (4.6, Quality(0)),  # +0.1
    ]
    await add_readings(pool, meter, [(at(10, 4 * i), v, q) for i, (v, q) in enumerate(values)])
    await RollupMaintainer(pool, UTC_ZONE).recompute(at(10), at(11))
    row = (await hourly(pool, meter))[at(10)]
    assert row["energy_kwh"] == pytest.approx(16.6)
    assert row["samples"] == len(values)
    assert Quality(row["quality"]) == (Quality.COUNTER_RESET | Quality.GLITCH | Quality.ESTIMATED)


async def test_a_lasting_dip_becomes_the_new_level(pool: asyncpg.Pool) -> None:
    """A counter that stays below its level for more than COUNTER_MEMORY readings counts again."""
    meter = await add_device(pool, "meter", "kWh")
    times = every(at(0), at(8), timedelta(minutes=10))
    # 100, then 95 (a 5 % dip, not a reset) for seven hours (42 readings), then 96 at 07:10.
    await add_readings(
        pool,
        meter,
        [(t, 100.0 if i == 0 else 96.0 if t >= at(7, 10) else 95.0) for i, t in enumerate(times)],
    )
    await RollupMaintainer(pool, UTC_ZONE).recompute(at(0), at(8))
    rows = await hourly(pool, meter)
    assert sum(r["energy_kwh"] for r in rows.values()) == pytest.approx(1.0)
    assert rows[at(7)]["energy_kwh"] == pytest.approx(1.0)


async def test_interval_across_an_hour_is_split_by_time(pool: asyncpg.Pool) -> None:
    """Readings at 10:30 and 11:30: half of the counter delta and a trapezoid share each hour."""
    meter = await add_device(pool, "meter", "kWh")
    power = await add_device(pool, "power", "W")
    await add_readings(pool, meter, [(at(10, 30), 100.0), (at(11, 30), 102.0)])
    await add_readings(pool, power, [(at(10, 30), 1000.0), (at(11, 30), 3000.0)])
    await RollupMaintainer(pool, UTC_ZONE, max_gap=timedelta(hours=1)).recompute(at(10), at(12))
    counter = await hourly(pool, meter)
    assert counter[at(10)]["energy_kwh"] == pytest.approx(1.0)
    assert counter[at(11)]["energy_kwh"] == pytest.approx(1.0)
    rows = await hourly(pool, power)
    # 2000 W interpolated at 11:00: (1000 + 2000) / 2 W for half an hour, then (2000 + 3000) / 2.
    assert rows[at(10)]["energy_kwh"] == pytest.approx(0.75)
    assert rows[at(11)]["energy_kwh"] == pytest.approx(1.25)
    assert rows[at(10)]["avg_power_w"] == pytest.approx(1500)
    assert rows[at(11)]["avg_power_w"] == pytest.approx(2500)
    assert rows[at(10)]["max_power_w"] == pytest.approx(2000)
    assert rows[at(11)]["max_power_w"] == pytest.approx(3000)
    assert [r["samples"] for r in rows.values()] == [1, 1]


async def test_gaps_longer_than_max_gap(pool: asyncpg.Pool) -> None:
    """Counters put a long interval's delta in the later hour; power is not integrated over it."""
    meter = await add_device(pool, "meter", "kWh")
    power = await add_device(pool, "power", "W")
    await add_readings(pool, meter, [(at(10, 50), 100.0), (at(11, 20), 105.0)])
    await add_readings(
        pool,
        power,
        [(at(10), 1000.0), (at(10, 10), 1000.0), (at(10, 40), 1000.0), (at(10, 50), 2000.0)],
    )
    await RollupMaintainer(pool, UTC_ZONE).recompute(at(10), at(12))
    counter = await hourly(pool, meter)
    assert counter[at(10)]["energy_kwh"] == 0
    assert counter[at(10)]["samples"] == 1
    assert counter[at(11)]["energy_kwh"] == pytest.approx(5.0)
    row = (await hourly(pool, power))[at(10)]
    # 10:00-10:10 at 1000 W and 10:40-10:50 from 1000 to 2000 W; the 30 minutes between are a gap.
    assert row["energy_kwh"] == pytest.approx(1000 / 6 / 1000 + 1500 / 6 / 1000)
    assert row["avg_power_w"] == pytest.approx(1250)
    assert row["max_power_w"] == pytest.approx(2000)
    assert row["samples"] == 4


async def test_hourly_counter_states_fill_the_hours_they_end(pool: asyncpg.Pool) -> None:
    """States on the hour, an hour apart (HA's hourly statistics), with the default max_gap: each
    hour's rise is booked in that hour and its local day, by a recompute and by the queue."""
    rises = {at(h): float(h - 20) for h in range(21, 26)}  # 1 kWh in 21:00-22:00, … 5 in 01:00
    states: list[Row] = [(at(21), 100.0)]
    for hour, rise in rises.items():
        states.append((hour + timedelta(hours=1), states[-1][1] + rise))
    recomputed, queued = (
        await add_device(pool, "recomputed", "kWh"),
        await add_device(pool, "q", "kWh"),
    )
    await add_readings(pool, recomputed, states)
    maintainer = RollupMaintainer(pool, UTC_ZONE)
    await maintainer.recompute(at(21), at(27))
    await add_readings(pool, queued, states[:3], queue=True)
    await maintainer.process_queue()
    await add_readings(pool, queued, states[3:], queue=True)  # folded onto the stored hours
    await maintainer.process_queue()
    for meter in (recomputed, queued):
        energy = {hour: row["energy_kwh"] for hour, row in (await hourly(pool, meter)).items()}
        assert energy == rises | {at(26): 0.0}  # 02:00, the last state, ends no hour yet
        days = {day: row["energy_kwh"] for day, row in (await daily(pool, meter)).items()}
        assert days == {DAY.date(): 1.0 + 2.0 + 3.0, DAY.date() + timedelta(days=1): 4.0 + 5.0}


async def test_nothing_is_integrated_across_a_reading_after_a_gap(pool: asyncpg.Pool) -> None:
    """AFTER_GAP makes an interval a gap whatever its length: for power and for counters."""
    flagged, plain = await add_device(pool, "flagged", "W"), await add_device(pool, "plain", "W")
    readings: list[Row] = [(at(10), 1000.0), (at(10, 10), 1000.0), (at(10, 20), 3000.0)]
    await add_readings(pool, plain, readings)
    await add_readings(pool, flagged, [*readings[:2], (at(10, 20), 3000.0, Quality.AFTER_GAP)])
    meter = await add_device(pool, "meter", "kWh")
    await add_readings(pool, meter, [(at(10, 50), 100.0), (at(11, 10), 104.0, Quality.AFTER_GAP)])
    await RollupMaintainer(pool, UTC_ZONE).recompute(at(10), at(12))
    # 10:00-10:10 at 1000 W, then 10:10-10:20 from 1000 to 3000 W unless that is a gap.
    assert (await hourly(pool, plain))[at(10)]["energy_kwh"] == pytest.approx(1 / 6 + 2 / 6)
    row = (await hourly(pool, flagged))[at(10)]
    assert row["energy_kwh"] == pytest.approx(1 / 6)
    assert row["avg_power_w"] == pytest.approx(1000)
    assert row["max_power_w"] == pytest.approx(3000)
    assert row["samples"] == 3
    assert Quality(row["quality"]) == Quality.AFTER_GAP
    counter = await hourly(pool, meter)  # 20 minutes apart, but the whole delta goes to 11:00
    assert counter[at(10)]["energy_kwh"] == 0
    assert counter[at(11)]["energy_kwh"] == pytest.approx(4.0)


async def test_flagged_glitch_is_left_out_of_the_energy(pool: asyncpg.Pool) -> None:
    """A reading flagged GLITCH counts as a sample but adds no energy and no peak."""
    power = await add_device(pool, "power", "W")
    await add_readings(
        pool,
        power,
        [(at(10), 1000.0), (at(10, 5), 99999.0, Quality.GLITCH), (at(10, 10), 1000.0)],
    )
    await RollupMaintainer(pool, UTC_ZONE).recompute(at(10), at(11))
    row = (await hourly(pool, power))[at(10)]
    assert row["energy_kwh"] == pytest.approx(1 / 6)
    assert row["max_power_w"] == pytest.approx(1000)
    assert row["samples"] == 3
    assert Quality(row["quality"]) == Quality.GLITCH


async def test_volume_counters_roll_up_as_energy_counters(pool: asyncpg.Pool) -> None:
    """A water meter's m³ are summed per hour and day by the rules of a kWh meter."""
    water = await add_device(pool, "water", "m³")
    energy = await add_device(pool, "energy", "kWh")
    counter, _ = sample_series(at(21), 8)
    with_reset: list[Row] = [*counter, (at(29, 30), 0.5)]  # a new meter: it counts from 0
    await add_readings(pool, water, with_reset, queue=True)
    await add_readings(pool, energy, with_reset, queue=True)
    maintainer = RollupMaintainer(pool, ZoneInfo("Europe/Berlin"))
    await maintainer.recompute(at(20), at(31))
    assert await maintainer.process_queue() > 0

    def rows(found: Iterable[asyncpg.Record]) -> list[tuple[object, ...]]:
        return [tuple(row.values())[1:] for row in found]

    for table in ("energy_hourly", "energy_daily"):
        key = "hour" if table == "energy_hourly" else "day"
        found = [
            await pool.fetch(
                f"SELECT device_id, {key}, energy_kwh, samples, quality FROM {table}"
                f" WHERE device_id = $1 ORDER BY {key}",
                device,
            )
            for device in (water, energy)
        ]
        assert rows(found[0]) == rows(found[1]) != []
    last = (await hourly(pool, water))[at(29)]
    assert (last["energy_kwh"], Quality(last["quality"])) == (
        pytest.approx(0.5),
        Quality.COUNTER_RESET,
    )


async def test_other_units_get_no_rollup(pool: asyncpg.Pool) -> None:
    """Prices and carbon intensity are not energy."""
    price = await add_device(pool, "price", "EUR/kWh")
    await add_readings(pool, price, [(at(10), 0.30), (at(10, 5), 0.31)], queue=True)
    maintainer = RollupMaintainer(pool, UTC_ZONE)
    assert await maintainer.recompute(at(10), at(11), [price]) == 0
    assert await maintainer.process_queue() == 2
    assert await pool.fetchval("SELECT count(*) FROM energy_hourly") == 0
    assert await pool.fetchval("SELECT count(*) FROM rollup_queue") == 0


def sample_series(start: datetime, hours: int) -> tuple[list[Row], list[Row]]:
    """Return a counter (with a reset and a glitch) and a power series, every 7 minutes."""
    times = every(start, start + timedelta(hours=hours), timedelta(minutes=7))
    counter: list[Row] = []
    level = 50.0
    for i, t in enumerate(times):
        level = 0.5 if i == len(times) // 2 else level + 0.1 + (i % 5) * 0.03
        counter.append((t, level - 0.2 if i % 11 == 3 else level))
    power: list[Row] = [(t, 200.0 + (i * 37) % 900) for i, t in enumerate(times)]
    return counter, power


async def test_recompute_is_idempotent(pool: asyncpg.Pool) -> None:
    """A second run over the same window writes nothing and leaves every row as it was."""
    meter = await add_device(pool, "meter", "kWh")
    power = await add_device(pool, "power", "W")
    counter, watts = sample_series(at(0), 30)
    await add_readings(pool, meter, counter)
    await add_readings(pool, power, watts)
    maintainer = RollupMaintainer(pool, ZoneInfo("Europe/Berlin"))
    assert await maintainer.recompute(at(0), at(30)) == 2 * 30
    first = await snapshot(pool)
    assert await maintainer.recompute(at(0), at(30)) == 0
    assert await snapshot(pool) == first
    assert len(first) == 2 * 30 + 2 * 2  # 02:00 May 4 to 08:00 May 5 in Berlin


async def ingest_in_batches(
    pool: asyncpg.Pool, maintainer: RollupMaintainer, devices: dict[int, list[Row]], size: int
) -> int:
    """Ingest each device's readings in order, SIZE at a time, processing the queue after each.

    Return the queue rows processed.
    """
    processed = 0
    longest = max(len(rows) for rows in devices.values())
    for start in range(0, longest, size):
        for device, rows in devices.items():
            if part := rows[start : start + size]:
                await add_readings(pool, device, part, queue=True)
        while taken := await maintainer.process_queue(limit=7):
            processed += taken
    return processed


async def assert_equals_full_recompute(
    pool: asyncpg.Pool, maintainer: RollupMaintainer, start: datetime, end: datetime
) -> None:
    """Check that the rollups equal those one recompute of [START, END) builds from scratch."""
    incremental = await snapshot(pool, updated_at=False)
    await pool.execute("TRUNCATE energy_hourly, energy_daily")
    await maintainer.recompute(start, end)
    assert await snapshot(pool, updated_at=False) == incremental


async def test_queue_processing_matches_a_full_recompute(pool: asyncpg.Pool) -> None:
    """Readings arriving in order, a few at a time, give the rows of one recompute."""
    meter = await add_device(pool, "meter", "kWh")
    power = await add_device(pool, "power", "W")
    counter, watts = sample_series(at(21), 8)  # across Berlin's midnight
    maintainer = RollupMaintainer(pool, ZoneInfo("Europe/Berlin"))
    # Batches of 3 readings 7 minutes apart: many intervals reach back into an hour done before.
    processed = await ingest_in_batches(pool, maintainer, {meter: counter, power: watts}, 3)
    assert processed >= 2 * 9  # each device: the 8 hours and the one after, some several times
    assert await pool.fetchval("SELECT count(*) FROM rollup_queue") == 0
    assert len(await snapshot(pool)) == 2 * 8 + 2 * 2
    await assert_equals_full_recompute(pool, maintainer, at(20), at(30))


async def test_queue_processing_with_late_readings(pool: asyncpg.Pool) -> None:
    """Every fourth reading arriving last (backfill) still gives the rows of one recompute."""
    meter = await add_device(pool, "meter", "kWh")
    power = await add_device(pool, "power", "W")
    counter, watts = sample_series(at(21), 8)
    maintainer = RollupMaintainer(pool, ZoneInfo("Europe/Berlin"))
    early = {meter: counter, power: watts}
    late = {device: rows[3::4] for device, rows in early.items()}
    early = {device: [r for r in rows if r not in late[device]] for device, rows in early.items()}
    await ingest_in_batches(pool, maintainer, early, 10)
    await ingest_in_batches(pool, maintainer, late, 10)
    await assert_equals_full_recompute(pool, maintainer, at(20), at(30))


async def test_late_reading_before_a_gap(pool: asyncpg.Pool) -> None:
    """A counter reading backfilled before a gap moves energy out of the gap's last hour."""
    meter = await add_device(pool, "meter", "kWh")
    maintainer = RollupMaintainer(pool, UTC_ZONE)
    # 15:00 ends the hour 14:00-15:00: the gap's whole delta is booked there.
    await add_readings(pool, meter, [(at(10), 100.0), (at(15), 110.0)], queue=True)
    await maintainer.process_queue()
    assert (await hourly(pool, meter))[at(14)]["energy_kwh"] == pytest.approx(10)
    await add_readings(pool, meter, [(at(10, 30), 104.0)], queue=True)
    await maintainer.process_queue()
    rows = await hourly(pool, meter)
    assert rows[at(10)]["energy_kwh"] == pytest.approx(4)
    assert rows[at(14)]["energy_kwh"] == pytest.approx(6)
    await assert_equals_full_recompute(pool, maintainer, at(0), at(24))


async def test_late_peak_raises_the_counter_level(pool: asyncpg.Pool) -> None:
    """A backfilled reading above the next ones raises the level they are measured against."""
    meter = await add_device(pool, "meter", "kWh")
    maintainer = RollupMaintainer(pool, UTC_ZONE)
    times = every(at(10), at(18), timedelta(minutes=15))
    # 11:00 read 2 kWh above the trend and arrives last: the following readings are below it, so
    # their energy moves to 11:00, as far as the counter's memory reaches (past 13:00, more hours
    # than those queued with the reading).
    rows: list[Row] = [(t, 100.0 + 0.1 * i) for i, t in enumerate(times)]
    peak = times.index(at(11))
    await add_readings(pool, meter, rows[:peak] + rows[peak + 1 :], queue=True)
    await maintainer.process_queue()
    before = await hourly(pool, meter)
    await add_readings(pool, meter, [(at(11), 102.4)], queue=True)
    await maintainer.process_queue()
    after = await hourly(pool, meter)
    assert after[at(13)]["energy_kwh"] < before[at(13)]["energy_kwh"]
    await assert_equals_full_recompute(pool, maintainer, at(0), at(24))


async def test_devices_held_by_another_maintainer_are_skipped(pool: asyncpg.Pool) -> None:
    """A maintainer takes the devices nobody holds instead of waiting for the others."""
    meter = await add_device(pool, "meter", "kWh")
    other = await add_device(pool, "other", "kWh")
    await add_readings(pool, meter, [(at(10), 1.0), (at(10, 5), 2.0)], queue=True)
    await add_readings(pool, other, [(at(10), 1.0), (at(10, 5), 2.0)], queue=True)
    maintainer = RollupMaintainer(pool, UTC_ZONE)
    async with pool.acquire() as holder, holder.transaction():
        await holder.execute("SELECT pg_advisory_xact_lock($1, $2)", LOCK_CLASS, meter)
        # A guard against hanging forever if the device were waited for, not a speed check.
        assert await asyncio.wait_for(maintainer.process_queue(), 60) == 2
    assert {r["device_id"] for r in await pool.fetch("SELECT * FROM rollup_queue")} == {meter}
    assert list(await hourly(pool, other)) == [at(10)]
    assert await hourly(pool, meter) == {}


async def test_concurrent_queue_processing(pool: asyncpg.Pool) -> None:
    """Two maintainers drain one queue without taking a row twice or losing one."""
    series = {}
    for n in range(6):
        counter, watts = sample_series(at(0), 12)
        series[await add_device(pool, f"meter{n}", "kWh")] = counter
        series[await add_device(pool, f"power{n}", "W")] = watts
    for device, rows in series.items():
        await add_readings(pool, device, rows, queue=True)
    queued = await pool.fetchval("SELECT count(*) FROM rollup_queue")
    a = RollupMaintainer(pool, UTC_ZONE)
    b = RollupMaintainer(pool, UTC_ZONE)

    async def drain(maintainer: RollupMaintainer) -> int:
        total = 0
        while taken := await maintainer.process_queue(limit=5):
            total += taken
        return total

    done = await asyncio.gather(drain(a), drain(b))
    assert sum(done) == queued
    assert await pool.fetchval("SELECT count(*) FROM rollup_queue") == 0
    incremental = await snapshot(pool, updated_at=False)
    await pool.execute("TRUNCATE energy_hourly, energy_daily")
    await a.recompute(at(0), at(13))
    assert await snapshot(pool, updated_at=False) == incremental


async def test_vanished_readings_do_not_rewrite_hours(pool: asyncpg.Pool) -> None:
    """After retention removed readings, a recompute keeps the hours and days as they were."""
    meter = await add_device(pool, "meter", "kWh")
    power = await add_device(pool, "power", "W")
    counter, watts = sample_series(at(0), 6)
    await add_readings(pool, meter, counter)
    await add_readings(pool, power, watts)
    maintainer = RollupMaintainer(pool, UTC_ZONE)
    await maintainer.recompute(at(0), at(6))
    before = await snapshot(pool)
    # Gone: hour 0 entirely, hour 1 up to 01:30; then also everything before 03:00 exactly.
    await pool.execute("DELETE FROM readings WHERE time < $1", at(1, 30))
    assert await maintainer.recompute(at(0), at(6)) == 0
    assert await snapshot(pool) == before
    await pool.execute("DELETE FROM readings WHERE time < $1", at(3))
    assert await maintainer.recompute(at(0), at(6)) == 0
    assert await snapshot(pool) == before


async def test_new_readings_complete_a_first_hour(pool: asyncpg.Pool) -> None:
    """A device's first hour is rewritten while readings keep arriving in it."""
    meter = await add_device(pool, "meter", "kWh")
    maintainer = RollupMaintainer(pool, UTC_ZONE)
    await add_readings(pool, meter, [(at(10, 5), 1.0), (at(10, 10), 1.5)], queue=True)
    await maintainer.process_queue()
    assert (await hourly(pool, meter))[at(10)]["energy_kwh"] == pytest.approx(0.5)
    await add_readings(pool, meter, [(at(10, 15), 2.5)], queue=True)
    await maintainer.process_queue()
    row = (await hourly(pool, meter))[at(10)]
    assert row["energy_kwh"] == pytest.approx(1.5)
    assert row["samples"] == 3


@pytest.mark.parametrize(
    ("zone", "short_day", "long_day"),
    [
        ("Europe/Berlin", date(2026, 3, 29), date(2026, 10, 25)),
        ("America/New_York", date(2026, 3, 8), date(2026, 11, 1)),
    ],
)
async def test_daily_rows_follow_local_days_across_dst(
    pool: asyncpg.Pool, zone: str, short_day: date, long_day: date
) -> None:
    """A constant 1 kW gives 23 kWh on the spring-forward day, 25 on the fall-back day."""
    power = await add_device(pool, "power", "W")
    meter = await add_device(pool, "meter", "kWh")
    times = [
        t
        for day in (short_day, long_day)
        for t in every(
            datetime.combine(day, time(), tzinfo=UTC) - timedelta(days=2),
            datetime.combine(day, time(), tzinfo=UTC) + timedelta(days=3),
            timedelta(minutes=15),
        )
    ]
    await add_readings(pool, power, [(t, 1000.0) for t in times])
    await add_readings(pool, meter, [(t, 0.25 * i) for i, t in enumerate(times)])
    # One window over both changes: months of slices, most of them without readings.
    await RollupMaintainer(pool, ZoneInfo(zone)).recompute(times[0], times[-1] + timedelta(hours=1))
    for device in (power, meter):
        days = await daily(pool, device)
        for day, hours in ((short_day, 23), (long_day, 25)):
            assert days[day]["energy_kwh"] == pytest.approx(hours)
            assert days[day]["samples"] == hours * 4
            assert days[day - timedelta(days=1)]["energy_kwh"] == pytest.approx(24)
        assert days[short_day]["max_power_w"] == (1000 if device == power else None)


async def test_arguments_are_checked(pool: asyncpg.Pool) -> None:
    """Nonsense settings and naive times are refused with a message saying what is wrong."""
    with pytest.raises(ValueError, match="max_gap must be a positive duration"):
        RollupMaintainer(pool, UTC_ZONE, max_gap=timedelta(0))
    maintainer = RollupMaintainer(pool, UTC_ZONE)
    with pytest.raises(ValueError, match="limit must be positive"):
        await maintainer.process_queue(limit=0)
    with pytest.raises(ValueError, match="aware"):
        await maintainer.recompute(at(10).replace(tzinfo=None), at(11))
    assert await maintainer.process_queue() == 0
