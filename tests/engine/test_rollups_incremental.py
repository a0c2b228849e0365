"""Rollups folded forward batch by batch give exactly the rows one recompute builds.

Random series (counters with resets and glitch dips, power with gaps beyond max_gap, flagged
readings) over DST days arrive in random batches, partly out of order and late; and ingestion
through the real ReadingStore never waits for a rollup at work.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from aetherlens_engine.ingest.store import ReadingStore
from aetherlens_engine.models import Quality
from aetherlens_engine.storage import RollupMaintainer
from tests.engine.test_ingest_support import eventually
from tests.engine.test_rollups import Row, add_device, add_readings, pool, snapshot

__all__ = ["pool"]  # the fixture, used by name

BERLIN = ZoneInfo("Europe/Berlin")
STATE = "covered_s, value_sum, value_count"


def random_counter(rng: random.Random, start: datetime, hours: int) -> list[Row]:
    """Return a counter series: steps of 10 s to 40 min, resets, dips and flags."""
    rows: list[Row] = []
    t, level = start, 1000.0
    while t < start + timedelta(hours=hours):
        roll = rng.random()
        if roll < 0.02:
            level = rng.uniform(0, 2)  # a reset (below 90 % of the last reading)
            rows.append((t, level))
        elif roll < 0.05:
            rows.append((t, level - rng.uniform(0.01, 1)))  # a dip: a glitch, counted 0
        elif roll < 0.07:
            level += rng.uniform(0, 0.5)
            rows.append((t, level, rng.choice([Quality.COUNTER_RESET, Quality.AFTER_GAP])))
        elif roll < 0.08:
            rows.append((t, level * 3, Quality.GLITCH))
        else:
            level += rng.uniform(0, 0.2)
            rows.append((t, level))
        t += timedelta(seconds=rng.choice([10, 60, 170, 300, 600, 1200, 2400]))
    return rows


def random_power(rng: random.Random, start: datetime, hours: int) -> list[Row]:
    """Return a power series: steps of 10 s to 40 min, flagged glitches and gaps."""
    rows: list[Row] = []
    t = start
    while t < start + timedelta(hours=hours):
        value = rng.uniform(0, 3000)
        roll = rng.random()
        if roll < 0.03:
            rows.append((t, value, Quality.GLITCH))
        elif roll < 0.06:
            rows.append((t, value, Quality.AFTER_GAP))
        else:
            rows.append((t, value))
        t += timedelta(seconds=rng.choice([10, 45, 120, 300, 700, 1500, 2400]))
    return rows


def deliveries(rng: random.Random, rows: list[Row]) -> list[list[Row]]:
    """Split ROWS into batches in time order, one in eight held back and delivered late."""
    late = [row for row in rows if rng.random() < 0.125]
    on_time = [row for row in rows if row not in late]
    batches: list[list[Row]] = []
    while on_time:
        size = rng.randint(1, 25)
        batches.append(on_time[:size])
        on_time = on_time[size:]
        if late and rng.random() < 0.3:
            pick = rng.randint(1, min(5, len(late)))
            batches.append(late[:pick])
            late = late[pick:]
    rng.shuffle(late)
    return batches + [[row] for row in late]


async def full_snapshot(pool: asyncpg.Pool) -> list[tuple[object, ...]]:
    """Return the published rows and the fold's running state of every hour."""
    state = await pool.fetch(f"SELECT device_id, hour, {STATE} FROM energy_hourly ORDER BY 1, 2")
    return [*await snapshot(pool, updated_at=False), *(tuple(r.values()) for r in state)]


@pytest.mark.parametrize(
    "day", [datetime(2026, 3, 28, 20, tzinfo=UTC), datetime(2026, 10, 24, 20, tzinfo=UTC)]
)
@pytest.mark.parametrize("seed", [1, 2])
async def test_random_arrival_matches_a_full_recompute(
    pool: asyncpg.Pool, day: datetime, seed: int
) -> None:
    """Over a DST change, batches in random sizes and order fold to one recompute's rows."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    devices: dict[int, list[list[Row]]] = {}
    for n in range(2):
        devices[await add_device(pool, f"meter{n}", "kWh")] = deliveries(
            rng, random_counter(rng, day, 30)
        )
        devices[await add_device(pool, f"power{n}", "W")] = deliveries(
            rng, random_power(rng, day, 30)
        )
    maintainer = RollupMaintainer(pool, BERLIN)
    pending = {device: list(batches) for device, batches in devices.items()}
    while any(pending.values()):
        for device, batches in pending.items():
            for _ in range(rng.randint(0, 3)):
                if batches:
                    await add_readings(pool, device, batches.pop(0), queue=True)
        if rng.random() < 0.7:
            await maintainer.process_queue(limit=rng.randint(1, 40))
    while await maintainer.process_queue():
        pass
    assert await pool.fetchval("SELECT count(*) FROM rollup_queue") == 0
    incremental = await full_snapshot(pool)
    assert len(incremental) > 4 * 30
    await pool.execute("TRUNCATE energy_hourly, energy_daily")
    assert await maintainer.recompute(day - timedelta(hours=1), day + timedelta(hours=32)) > 0
    assert await full_snapshot(pool) == incremental


async def test_ingestion_does_not_wait_for_a_rollup(pool: asyncpg.Pool) -> None:
    """A batch for the hour a rollup is working on commits while that rollup still runs."""
    power = await add_device(pool, "power", "W")
    start = datetime(2026, 5, 4, 10, tzinfo=UTC)
    store = ReadingStore(pool, timeout=60)
    await store.write([(start + timedelta(seconds=10 * i), power, 100.0 + i, 0) for i in range(30)])
    maintainer = RollupMaintainer(pool, BERLIN)
    await maintainer.process_queue()
    await store.write(
        [(start + timedelta(seconds=300 + 10 * i), power, 500.0, 0) for i in range(30)]
    )
    async with pool.acquire() as holder, holder.transaction():
        # The hour's rollup row held elsewhere: the rollup waits for it halfway through its work.
        await holder.execute("SELECT * FROM energy_hourly WHERE device_id = $1 FOR UPDATE", power)
        rolling = asyncio.create_task(maintainer.process_queue())
        await eventually(lambda: pool.fetchval("SELECT count(*) FROM pg_locks WHERE NOT granted"))
        # Before the queue became a log, this waited for the rollup's queue rows (a guard
        # against hanging forever, not a speed check).
        await asyncio.wait_for(
            store.write(
                [(start + timedelta(seconds=600 + 10 * i), power, 900.0, 0) for i in range(30)]
            ),
            30,
        )
        assert not rolling.done()
    assert await rolling == 2
    # The batch written meanwhile stays queued, and the next run folds it in.
    assert await pool.fetchval("SELECT count(*) FROM rollup_queue") == 2
    assert await maintainer.process_queue() == 2
    row = await pool.fetchrow("SELECT * FROM energy_hourly WHERE device_id = $1", power)
    assert row["samples"] == 90
    incremental = await full_snapshot(pool)
    await pool.execute("TRUNCATE energy_hourly, energy_daily")
    await maintainer.recompute(start, start + timedelta(hours=2))
    assert await full_snapshot(pool) == incremental


async def test_the_newest_readings_wait_to_settle(pool: asyncpg.Pool) -> None:
    """Readings younger than `settle` stay queued, marked as waiting, without the drain loop
    spinning on them; once they are older they fold in, as one recompute would roll them up."""
    meter = await add_device(pool, "meter", "kWh")
    now: datetime = await pool.fetchval("SELECT now()")
    rows: list[Row] = [(now - timedelta(minutes=10) + timedelta(seconds=20 * i), 5.0 + i / 10)
                       for i in range(30)]  # fmt: skip
    await add_readings(pool, meter, rows, queue=True)
    queued = await pool.fetchval("SELECT count(*) FROM rollup_queue")
    settling = RollupMaintainer(pool, BERLIN, settle=timedelta(minutes=5))
    assert await settling.process_queue() == queued
    waiting = "SELECT first_time = 'infinity' FROM rollup_queue WHERE device_id = $1"
    assert [row[0] for row in await pool.fetch(waiting, meter)] == [True]
    folded_to = await pool.fetchval("SELECT folded_to FROM rollup_progress")
    assert folded_to <= now - timedelta(minutes=5)
    assert await settling.process_queue() == 0  # nothing new: the drain stops
    assert await pool.fetchval("SELECT count(*) FROM rollup_queue") == 1
    assert await RollupMaintainer(pool, BERLIN, settle=timedelta(0)).process_queue() == 0
    assert await pool.fetchval("SELECT count(*) FROM rollup_queue") == 0
    assert await pool.fetchval("SELECT folded_to FROM rollup_progress") == rows[-1][0]
    incremental = await full_snapshot(pool)
    await pool.execute("TRUNCATE energy_hourly, energy_daily")
    await settling.recompute(now - timedelta(hours=1), now + timedelta(hours=1))
    assert await full_snapshot(pool) == incremental
