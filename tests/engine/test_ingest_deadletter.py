"""Readings the database refuses for their data go to the dead-letter file, never the spool.

The refusal is a real one: a CHECK constraint on `readings` refusing one value (SQLSTATE 23514),
standing for any data error (TimescaleDB's "timestamp out of range" is 22008; the fault suite
drives that one through the real engine).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest

from aetherlens_engine.ingest.spool import Spool
from aetherlens_engine.ingest.store import refused
from aetherlens_engine.models import RawReading
from tests.engine.test_api_support import client, engine_state
from tests.engine.test_ingest_support import (
    T0,
    add_device,
    eventually,
    files,
    migrate,
    running,
    series,
    stored,
)

POISON = 666.0


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    await migrate(db_pool)
    await db_pool.execute(
        f"ALTER TABLE readings ADD CONSTRAINT no_poison CHECK (value <> {POISON})"
    )
    return db_pool


def _dead_letters(spool_dir: Path) -> list[dict[str, object]]:
    lines = (spool_dir / "dead-letter.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


async def test_poisoned_reading_is_quarantined_and_later_ones_stored(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    plug = await add_device(pool, "plug")
    batch = series(plug, 40)
    batch[17] = RawReading(plug, batch[17].time, POISON)
    later = series(plug, 10, start=T0 + timedelta(hours=1))
    async with running(pool, tmp_path, batch_size=100) as pipeline:
        first = await pipeline.submit(batch)
        second = await pipeline.submit(later)
        # Acknowledged while the database is up means committed: no waiting for a replay.
        rows = await stored(pool)
        stats = pipeline.stats
    assert (first.accepted, second.accepted) == (40, 10)
    expected = [r for i, r in enumerate(batch) if i != 17] + later
    assert rows == [(r.device_id, r.time, r.value, 0) for r in expected]
    assert stats.dead_lettered == 1
    assert stats.spooled == 0
    assert stats.database_available
    assert stats.committed == 49
    (letter,) = _dead_letters(tmp_path)
    assert letter["device_id"] == plug
    assert letter["time"] == batch[17].time.isoformat()
    assert letter["value"] == POISON
    assert str(letter["reason"]).startswith("23514: ")
    assert files(tmp_path) == ["dead-letter.jsonl"]


async def test_poisoned_frame_in_the_spool_is_replayed_around(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    """A frame an earlier run spooled with a refused reading no longer blocks the spool."""
    plug = await add_device(pool, "plug")
    spooled = [(r.time, plug, r.value, 0) for r in series(plug, 5)]
    spooled[2] = (spooled[2][0], plug, POISON, 0)
    after = [(r.time, plug, r.value, 0) for r in series(plug, 3, start=T0 + timedelta(hours=1))]
    spool = Spool(tmp_path)
    spool.open()
    spool.append(spooled)
    spool.append(after)
    spool.close()
    async with running(pool, tmp_path) as pipeline:
        await eventually(lambda: pipeline.stats.spool_pending == 0)
        fresh = await pipeline.submit(series(plug, 2, start=T0 + timedelta(hours=2)))
        stats = pipeline.stats
    assert fresh.accepted == 2
    rows = await stored(pool)
    assert len(rows) == 4 + 3 + 2
    assert (plug, spooled[2][0], POISON, 0) not in rows
    assert stats.dead_lettered == 1
    assert stats.replay_error is None
    assert [letter["value"] for letter in _dead_letters(tmp_path)] == [POISON]
    assert files(tmp_path) == ["dead-letter.jsonl"]  # the segment is gone, replayed


async def test_dead_letters_are_counted_across_a_restart_until_the_file_goes(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    """The count is the file's, not the run's: a new pipeline finds the readings an earlier one
    set aside; the count follows the file when it is edited by hand, and is 0 once it is removed."""
    plug = await add_device(pool, "plug")
    poisoned = [RawReading(plug, r.time, POISON) for r in series(plug, 3)]
    async with running(pool, tmp_path) as first:
        await first.submit(poisoned)
        assert first.stats.dead_lettered == 3
    dead_letters = tmp_path / "dead-letter.jsonl"
    async with running(pool, tmp_path, dead_letter_check_interval=0.01) as again:
        assert again.stats.dead_lettered == 3  # counted at start
        assert again.stats.dead_letter_file == str(dead_letters)
        async with client(engine_state(pool, sink=again)) as session:
            async with session.get("/api/v1/health") as resp:
                ingest = (await resp.json())["ingest"]
            async with session.get("/metrics") as resp:
                metrics = await resp.text()
        assert (ingest["dead_lettered"], ingest["dead_letter_file"]) == (3, str(dead_letters))
        assert "\naetherlens_ingest_dead_lettered 3.0\n" in metrics
        kept = dead_letters.read_text().splitlines()[2:]
        dead_letters.write_text("".join(f"{line}\n" for line in kept))  # two dealt with
        await eventually(lambda: again.stats.dead_lettered == 1)
        dead_letters.unlink()
        await eventually(lambda: again.stats.dead_lettered == 0)
        await again.submit([RawReading(plug, T0 + timedelta(hours=1), POISON)])
        assert again.stats.dead_lettered == 1  # a new file


async def test_refusal_is_told_apart_from_an_outage(pool: asyncpg.Pool) -> None:
    plug = await add_device(pool, "plug")
    with pytest.raises(asyncpg.PostgresError) as caught:
        await pool.execute("INSERT INTO readings VALUES (now(), $1, $2, 0)", plug, POISON)
    assert refused(caught.value)
    assert not refused(asyncpg.CannotConnectNowError("the database system is shutting down"))
    assert not refused(ConnectionResetError())
    assert not refused(asyncpg.InternalClientError("unexpected state"))
