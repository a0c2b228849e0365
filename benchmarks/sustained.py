# ruff: noqa: INP001 - benchmarks are scripts run by path, not a package
"""Sustained ingest: the real engine and its managed cluster taking readings at a fixed rate.

    scripts/devenv run python benchmarks/sustained.py [--minutes 30] [--rate 1000]
        [--devices 100] [--data-dir .bench/sustained] [--outage-at S --outage-seconds S]

Readings of DEVICES devices (a quarter energy counters in kWh, the rest power in W), stamped with
the wall clock (the engine refuses readings from the future), are POSTed to /api/v1/readings in
requests of a tenth of a second's readings, ten a second, without waiting for earlier answers
(at most 200 in flight). Each minute one JSON line gives the POST latencies of that minute
(p50/p99/max, from when the request was due), readings spooled, the rollup queue and how far
the rollups lag behind, engine + PostgreSQL PSS and the load average. With --outage-at the
cluster is stopped (fast) for --outage-seconds and started again: the lines then say which
phase (before, outage, catch-up: until spool and rollup queue are empty, after) they cover,
and the last line compares POST p99 in catch-up with before. The engine runs with its own
cluster in the data directory: /tmp inside scripts/devenv is tmpfs (fsync costs nothing), so
put the data directory on disk (the repository's gitignored .bench/) to measure a disk.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from pss import pss_mib
from support import UNLIMITED_API, EngineProcess, create_devices, on_tmpfs

from aetherlens_engine.cluster import ManagedCluster
from aetherlens_engine.database import DATABASE_NAME, managed_cluster

IN_FLIGHT = 200
TICK = 0.1  # seconds of readings per request


@dataclass(slots=True)
class Minute:
    """What one minute of the run saw."""

    latencies: list[float] = field(default_factory=list)
    failed: int = 0
    phases: set[str] = field(default_factory=set)
    in_flight: int = 0  # posts of the minute not answered yet


def quantile(values: list[float], q: float) -> float | None:
    """Return the Q quantile of VALUES in ms (None: no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


class Load:
    """The POSTing side: RATE readings/s of DEVICES, latencies recorded per minute and phase."""

    def __init__(self, url: str, token: str, devices: list[tuple[int, str]], rate: int) -> None:
        """Post to URL with TOKEN."""
        self._url = f"{url}/api/v1/readings"
        self._headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self._devices = devices
        self._per_tick = max(1, round(rate * TICK))
        self._energy = dict.fromkeys((d for d, unit in devices if unit == "kWh"), 0.0)
        self.minutes: list[Minute] = []
        self.by_phase: dict[str, list[float]] = {}
        self.phase = "before"
        self.acknowledged = 0
        self._slots = asyncio.Semaphore(IN_FLIGHT)

    def _body(self, tick: int, stamp: datetime) -> bytes:
        readings = []
        for n in range(self._per_tick):
            device_id, unit = self._devices[(tick * self._per_tick + n) % len(self._devices)]
            moment = stamp + timedelta(microseconds=n)
            if unit == "kWh":
                self._energy[device_id] += 0.001
                value = self._energy[device_id]
            else:
                value = 100.0 + (tick * 37 + n) % 2000
            readings.append(
                {"device_id": device_id, "time": moment.isoformat(), "value": value, "unit": unit}
            )
        return json.dumps(readings).encode()

    async def wait_for_devices(self) -> None:
        """Post until the engine knows the devices (it reloads its device list now and then)."""
        async with aiohttp.ClientSession(headers=self._headers) as session:
            for _ in range(600):
                body = self._body(0, datetime.now(UTC) - timedelta(seconds=1))
                async with session.post(self._url, data=body) as resp:
                    if resp.status == 200:
                        return
                await asyncio.sleep(0.5)
        raise RuntimeError("the engine never knew the devices")

    async def run(self, seconds: float) -> None:
        """Post for SECONDS, one request per tick, then wait for the answers."""
        started = time.monotonic()
        tasks: set[asyncio.Task[None]] = set()
        async with aiohttp.ClientSession(headers=self._headers) as session:
            tick = 0
            while (due := started + tick * TICK) < started + seconds:
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                minute = int((due - started) // 60)
                while len(self.minutes) <= minute:
                    self.minutes.append(Minute())
                body = self._body(tick, datetime.now(UTC))
                await self._slots.acquire()
                self.minutes[minute].in_flight += 1
                task = asyncio.create_task(self._post(session, body, due, self.minutes[minute]))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                tick += 1
            await asyncio.gather(*tasks)

    async def _post(
        self, session: aiohttp.ClientSession, body: bytes, due: float, minute: Minute
    ) -> None:
        phase = self.phase
        minute.phases.add(phase)
        try:
            async with session.post(
                self._url, data=body, timeout=aiohttp.ClientTimeout(60)
            ) as resp:
                answer = await resp.json()
                ok = resp.status == 200
                if not ok and minute.failed < 3:
                    print(json.dumps({"failed_post": resp.status, "answer": str(answer)[:300]}))
        except (aiohttp.ClientError, TimeoutError):
            ok, answer = False, {}
        finally:
            self._slots.release()
            minute.in_flight -= 1
        if not ok:
            minute.failed += 1
            return
        latency = time.monotonic() - due
        minute.latencies.append(latency)
        self.by_phase.setdefault(phase, []).append(latency)
        self.acknowledged += int(answer.get("accepted", 0))


async def create_devices_once_migrated(dsn: str, count: int) -> list[tuple[int, str]]:
    """Create COUNT devices in the engine's database, a quarter counters (kWh), the rest W.

    The engine answers before its database is migrated: wait for the devices table.
    """
    conn = await asyncpg.connect(dsn)
    try:
        for _ in range(600):
            if await conn.fetchval("SELECT to_regclass('rollup_progress') IS NOT NULL"):
                break
            await asyncio.sleep(0.1)
        return await create_devices(conn, count)
    finally:
        await conn.close()


async def database_figures(dsn: str) -> dict[str, Any]:
    """Return the rollup queue, the rollups' lag behind the newest reading, the readings stored."""
    try:
        conn = await asyncpg.connect(dsn, timeout=5)
    except (OSError, asyncpg.PostgresError):
        return {"database": "down"}
    try:
        row = await conn.fetchrow(
            """
            SELECT (SELECT count(*) FROM rollup_queue) AS queue,
                   extract(epoch FROM now() - (SELECT min(folded_to) FROM rollup_progress))
                       AS rollup_lag_s
            """
        )
    except (OSError, asyncpg.PostgresError):
        return {"database": "down"}
    finally:
        await conn.close()
    lag = row["rollup_lag_s"]
    return {"queue": row["queue"], "rollup_lag_s": None if lag is None else round(float(lag), 1)}


async def ingest_figures(engine: EngineProcess, token: str) -> dict[str, Any]:
    """Return the engine's spool figures from its health answer."""
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        aiohttp.ClientSession(headers=headers) as session,
        session.get(f"{engine.url}/api/v1/health") as resp,
    ):
        ingest = (await resp.json()).get("ingest") or {}
    return {key: ingest.get(key) for key in ("spooled", "spool_pending")}


def postmaster_pid(cluster: ManagedCluster) -> int | None:
    """Return the running server's process id, if any."""
    try:
        return int((cluster.data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def prepare_data_dir(given: str | None) -> Path:
    """Return the engine's data directory, empty, one the server's account can enter."""
    data_dir = Path(given).resolve() if given else Path(tempfile.mkdtemp(prefix="sustained-"))
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    data_dir.chmod(0o755)
    return data_dir


async def run(args: argparse.Namespace) -> None:
    """Run the load, print a line per minute and a summary."""
    data_dir = prepare_data_dir(args.data_dir)
    cluster = managed_cluster(data_dir)  # the engine's: restarted after an outage as it is
    dsn = cluster.dsn(DATABASE_NAME)
    engine = EngineProcess(None, data_dir, UNLIMITED_API)
    common = {"data_on_tmpfs": on_tmpfs(data_dir), "data_dir": str(data_dir), "rate": args.rate}
    try:
        token = await engine.start()
        devices = await create_devices_once_migrated(dsn, args.devices)
        load = Load(engine.url, token, devices, args.rate)
        await load.wait_for_devices()
        seconds = args.minutes * 60
        posting = asyncio.create_task(load.run(seconds))
        started = time.monotonic()
        outage_done = args.outage_at is None
        printed = 0
        while not posting.done():
            await asyncio.sleep(1)
            elapsed = time.monotonic() - started
            if not outage_done and elapsed >= args.outage_at:
                outage_done = True
                load.phase = "outage"
                await asyncio.to_thread(cluster.stop)
                await asyncio.sleep(args.outage_seconds)
                await asyncio.to_thread(cluster.start)
                load.phase = "catch-up"
            if load.phase == "catch-up":
                db, ingest = await database_figures(dsn), await ingest_figures(engine, token)
                if ingest.get("spool_pending") == 0 and db.get("queue", 1) < 2 * args.devices:
                    load.phase = "after"
            # A minute is printed once every post of it has its answer (or has failed).
            if len(load.minutes) > printed + 1 and load.minutes[printed].in_flight == 0:
                minute = load.minutes[printed]
                pids = [engine.pid] + ([p] if (p := postmaster_pid(cluster)) else [])
                print(json.dumps({
                    "minute": printed + 1, "phases": sorted(minute.phases),
                    "posts": len(minute.latencies), "failed": minute.failed,
                    "post_p50_ms": quantile(minute.latencies, 0.5),
                    "post_p99_ms": quantile(minute.latencies, 0.99),
                    "post_max_ms": quantile(minute.latencies, 1.0),
                    **await ingest_figures(engine, token), **await database_figures(dsn),
                    "pss_mib": pss_mib(pids), "loadavg": os.getloadavg(), **common,
                }), flush=True)  # fmt: skip
                printed += 1
        await posting
        stored = await (await asyncpg.connect(dsn)).fetchval("SELECT count(*) FROM readings")
        phases = {
            phase: {"p50_ms": quantile(values, 0.5), "p99_ms": quantile(values, 0.99),
                    "posts": len(values)}
            for phase, values in load.by_phase.items()
        }  # fmt: skip
        before_p99 = phases.get("before", {}).get("p99_ms")
        catch_up_p99 = phases.get("catch-up", {}).get("p99_ms")
        print(json.dumps({
            "summary": True, "minutes": args.minutes, "acknowledged": load.acknowledged,
            "stored_at_end": stored, "phases": phases,
            "post_p99_ms_max_minute": max(
                (quantile(m.latencies, 0.99) or 0.0 for m in load.minutes), default=None
            ),
            "catch_up_p99_over_before": (
                round(catch_up_p99 / before_p99, 2) if catch_up_p99 and before_p99 else None
            ),
            "median_minute_p99_ms": statistics.median(
                quantile(m.latencies, 0.99) or 0.0 for m in load.minutes
            ),
            **await ingest_figures(engine, token), "loadavg": os.getloadavg(), **common,
        }), flush=True)  # fmt: skip
    finally:
        engine.stop()
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=int, default=1000, help="readings per second")
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--data-dir", help="the engine's data directory (emptied first)")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    parser.add_argument("--outage-at", type=float, help="stop the cluster after S seconds")
    parser.add_argument("--outage-seconds", type=float, default=30)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
