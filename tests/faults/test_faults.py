"""Faults under load against the real engine process: nothing acknowledged is lost or doubled.

Each scenario posts readings from several producers while the fault happens, then counts from
the database: sent, acknowledged, stored, lost (acknowledged, not stored), duplicated, and
prints the figures with the recovery time, one JSON line per scenario.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from aetherlens_engine.cluster import ManagedCluster
from aetherlens_engine.errors import ClusterError
from aetherlens_engine.ingest.spool import Spool
from aetherlens_engine.migrations import apply_migrations
from tests.faults.harness import Engine, Load, Tally, report
from tests.postgres import free_port, temporary_cluster

PRODUCERS = 4
LOAD_SECONDS = 2.0


@pytest.fixture
def cluster() -> Iterator[ManagedCluster]:
    with temporary_cluster(free_port(), {"fsync": "off"}) as own:
        yield own


@pytest.fixture
async def devices(cluster: ManagedCluster) -> list[int]:
    """A migrated TimescaleDB database `aetherlens` with one device per producer."""
    admin = await asyncpg.connect(cluster.dsn(tcp=True))
    await admin.execute('CREATE DATABASE "aetherlens"')
    await admin.close()
    conn = await asyncpg.connect(cluster.dsn("aetherlens", tcp=True))
    try:
        await conn.execute("CREATE EXTENSION timescaledb")
        await apply_migrations(conn)
        return [
            await conn.fetchval(
                "INSERT INTO devices (source, source_id, name, kind, unit) "
                "VALUES ('fault', $1, $1, 'appliance', 'W') RETURNING id",
                f"plug{n}",
            )
            for n in range(PRODUCERS)
        ]
    finally:
        await conn.close()


@pytest.fixture
async def engine(cluster: ManagedCluster, tmp_path: Path) -> AsyncIterator[Engine]:
    engine = Engine(tmp_path, cluster.dsn("aetherlens", tcp=True))
    try:
        yield engine
    finally:
        if engine.process is not None and engine.process.poll() is None:
            engine.kill()


def _print(capsys: pytest.CaptureFixture[str], line: str) -> None:
    with capsys.disabled():
        print(f"\n{line}")  # noqa: T201 - the suite's figures


def _assert_nothing_lost(figures: dict[str, object]) -> None:
    assert figures["acknowledged"], figures
    assert figures["lost"] == 0, figures
    assert figures["duplicated"] == 0, figures
    assert figures["other_statuses"] == {}, figures


async def _running_load(
    engine: Engine, session: aiohttp.ClientSession, devices: list[int], tally: Tally
) -> Load:
    load = Load(engine, devices, tally)
    load.start(session)
    await asyncio.sleep(LOAD_SECONDS)
    return load


def _kill_postmaster(cluster: ManagedCluster) -> None:
    pid = int((cluster.data_dir / "postmaster.pid").read_text().split()[0])
    os.kill(pid, signal.SIGKILL)


async def _start_after_crash(cluster: ManagedCluster) -> None:
    """Start the cluster after a SIGKILL (its last backends may take a moment to go)."""
    for _ in range(50):
        try:
            await asyncio.to_thread(cluster.start)
        except (ClusterError, subprocess.CalledProcessError):
            await asyncio.sleep(0.2)
        else:
            return
    raise AssertionError("PostgreSQL did not start again")


@pytest.mark.parametrize("stop", ["fast", "sigkill"])
async def test_database_stops_under_load(
    cluster: ManagedCluster,
    devices: list[int],
    engine: Engine,
    capsys: pytest.CaptureFixture[str],
    stop: str,
) -> None:
    tally = Tally()
    engine.start()
    async with aiohttp.ClientSession() as session:
        await engine.wait_ready(session)
        load = await _running_load(engine, session, devices, tally)
        before = len(tally.acknowledged)
        tally.phase = "outage"
        if stop == "fast":
            await asyncio.to_thread(cluster.stop)
        else:
            _kill_postmaster(cluster)
        await asyncio.sleep(LOAD_SECONDS)
        during_outage = len(tally.acknowledged) - before
        health = await engine.health(session)
        began = time.monotonic()
        await _start_after_crash(cluster) if stop == "sigkill" else await asyncio.to_thread(
            cluster.start
        )
        # The catch-up: the spool replayed while the load goes on and the rollups run (each
        # second: the load's readings fill hours far faster than the wall clock does).
        tally.phase = "catch_up"
        await engine.wait_spool_empty(session)
        recovered = time.monotonic() - began
        tally.phase = "after"
        await asyncio.sleep(LOAD_SECONDS)
        await load.stop()
        assert engine.terminate() == 0
    figures = await tally.figures(engine.database_url)
    by_phase = figures["post_p99_s_by_phase"]
    figures |= {
        "acknowledged_during_outage": during_outage,
        "recovery_s": round(recovered, 2),
        "catch_up_p99_over_normal": round(by_phase["catch_up"] / by_phase["normal"], 2)
        if by_phase.get("catch_up") and by_phase.get("normal")
        else None,
        "tracebacks_in_log": engine.log().count("Traceback"),
    }
    _print(capsys, report(f"database {stop} stop under load", figures))
    assert health["status"] == "degraded"
    assert during_outage > 0  # the spool took them
    assert figures["tracebacks_in_log"] <= 2  # not one per retry
    _assert_nothing_lost(figures)


async def test_engine_sigkill_under_load(
    devices: list[int], engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    tally = Tally()
    engine.start()
    async with aiohttp.ClientSession() as session:
        await engine.wait_ready(session)
        load = await _running_load(engine, session, devices, tally)
        engine.kill()
        await asyncio.sleep(0.5)
        began = time.monotonic()
        engine.start()
        await engine.wait_ready(session)
        ready = time.monotonic() - began
        await asyncio.sleep(LOAD_SECONDS)
        await load.stop()
        await engine.wait_spool_empty(session)
        # Spooled by the restarted engine: what the load posted before its database was ready.
        spooled = (await engine.ingest_figures(session))["spooled"]
        assert engine.terminate() == 0
    figures = await tally.figures(engine.database_url) | {
        "restart_to_ready_s": round(ready, 2),
        "spooled_before_ready": spooled,
    }
    _print(capsys, report("engine SIGKILL under load", figures))
    _assert_nothing_lost(figures)


@contextlib.contextmanager
def _small_disk(path: Path, size: str) -> Iterator[None]:
    """Mount a tmpfs of SIZE at PATH: a disk that fills up (needs a mount namespace of root)."""
    path.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [
            shutil.which("mount") or "/bin/mount",
            "-t",
            "tmpfs",
            "-o",
            f"size={size}",
            "tmpfs",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small disk here: {result.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run([shutil.which("umount") or "/bin/umount", "-l", str(path)], check=False)


async def test_spool_disk_full(
    cluster: ManagedCluster,
    devices: list[int],
    engine: Engine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Database down and the spool's disk full: 503 (nothing acknowledged that is not kept),
    health says spool_unwritable, the log holds no traceback per refused batch."""
    tally = Tally()
    with _small_disk(tmp_path / "spool", "16k"):  # some 700 readings
        engine.start()
        async with aiohttp.ClientSession() as session:
            await engine.wait_ready(session)
            await asyncio.to_thread(cluster.stop)
            load = await _running_load(engine, session, devices, tally)
            await asyncio.sleep(LOAD_SECONDS)
            health = await engine.health(session)
            began = time.monotonic()
            await asyncio.to_thread(cluster.start)
            await asyncio.sleep(LOAD_SECONDS)
            await load.stop()
            await engine.wait_spool_empty(session)
            recovered = time.monotonic() - began
            after = await engine.health(session)
            assert engine.terminate() == 0
    log = engine.log()
    figures = await tally.figures(engine.database_url) | {
        "recovery_s": round(recovered, 2),
        "tracebacks_in_log": log.count("Traceback"),
    }
    _print(capsys, report("spool disk full while the database is down", figures))
    assert "spool_unwritable" in health["reasons"]
    assert figures["refused_503"] > 0
    assert after["reasons"] == []
    assert figures["tracebacks_in_log"] <= 2  # not one per retry
    _assert_nothing_lost(figures)


async def test_poisoned_reading_is_quarantined(
    devices: list[int], engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A spool an earlier engine left with a reading at year 1 (which the hypertable refuses):
    that reading goes to the dead-letter file, the rest of the spool and every later reading
    is stored; the engine, restarted, still reports it."""
    device = devices[0]
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    frame = [(base + timedelta(seconds=i), device, float(i), 0) for i in range(20)]
    frame[7] = (datetime(1, 1, 1, tzinfo=UTC), device, 7.0, 0)
    spool = Spool(tmp_path / "spool")
    spool.open()
    spool.append(frame)
    spool.close()
    tally = Tally()
    for time_, device_id, value, _ in frame:
        if time_.year > 1:
            tally.acknowledged[(device_id, time_)] = value
    tally.sent = len(frame)
    engine.start()
    async with aiohttp.ClientSession() as session:
        await engine.wait_ready(session)
        await engine.wait_spool_empty(session)
        load = await _running_load(engine, session, devices, tally)
        await load.stop()
        ingest = (await engine.health(session))["ingest"]
        assert engine.terminate() == 0
        engine.start()  # the count is the file's: a restarted engine reports it still
        await engine.wait_ready(session)
        restarted = (await engine.health(session))["ingest"]
        assert engine.terminate() == 0
    letters = [
        json.loads(line)
        for line in (tmp_path / "spool" / "dead-letter.jsonl").read_text().splitlines()
    ]
    figures = await tally.figures(engine.database_url) | {"dead_lettered": len(letters)}
    _print(capsys, report("poisoned reading in the spool", figures))
    assert [letter["time"] for letter in letters] == ["0001-01-01T00:00:00+00:00"]
    assert letters[0]["reason"].startswith("22008: ")
    assert ingest["dead_lettered"] == 1
    assert (restarted["dead_lettered"], restarted["dead_letter_file"]) == (
        1,
        str(tmp_path / "spool" / "dead-letter.jsonl"),
    )
    assert ingest["replay_error"] is None
    _assert_nothing_lost(figures)
