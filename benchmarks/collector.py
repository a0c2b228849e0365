# ruff: noqa: INP001 - benchmarks are scripts run by path, not a package
"""Home Assistant collector throughput: readings/s from one real HA with many changing entities.

Starts a throw-away PostgreSQL cluster (TimescaleDB, durable settings) and a real Home Assistant
(devtools.homeassistant) with ENTITIES input_numbers in kWh, then a collector and an ingest
pipeline in this process. A driver in a child process changes every entity ROUNDS times through
HA's WebSocket API (`call_service input_number.set_value`, many calls in flight). Printed as one
JSON line:

    scripts/devenv run python benchmarks/collector.py [--entities 200] [--rounds 50]

readings_per_s: readings the collector got accepted by the pipeline per second of the run (first
change sent to last reading acknowledged); ha_changes_per_s: what the driver got HA to do.
collector_cpu_s: CPU time of this process (collector + ingest pipeline + asyncpg; HA and the
driver run in other processes) over the run; cpu_us_per_reading = that / readings;
cpu_utilisation = CPU / wall: under 1.0 the collector kept up with HA and waited for it.
backfill_*: a second collector on an empty database backfills all those states from HA's history
(one `history/history_during_period` answer), which HA does not pace: the collector's own speed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from support import REPO, fresh_database, throwaway_cluster

from aetherlens_engine.collector import (
    ConnectionState,
    HomeAssistantCollector,
    HomeAssistantInstance,
)
from aetherlens_engine.ingest import IngestPipeline
from devtools.homeassistant import HassSetup, HomeAssistant, running_home_assistant

IN_FLIGHT = 100  # service calls the driver keeps open on its connection
TOKEN_VARIABLE = "AETHERLENS_BENCH_HASS_TOKEN"  # noqa: S105 - the name of a variable


def meters_yaml(entities: int) -> str:
    """Return a package of ENTITIES input_numbers in kWh (energy counters)."""
    lines = ["input_number:"]
    lines += [
        f"  bench_{n:03d}: {{min: 0, max: 1000000000, step: 1, mode: box,"
        " unit_of_measurement: kWh}"
        for n in range(entities)
    ]
    return "\n".join(lines) + "\n"


async def drive(url: str, token: str, entities: int, rounds: int) -> None:
    """Change every entity ROUNDS times, keeping IN_FLIGHT calls open on one connection."""
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        await ws.receive_json()
        await ws.send_json({"type": "auth", "access_token": token})
        if (await ws.receive_json()).get("type") != "auth_ok":
            raise RuntimeError("the driver's token was refused")
        room = asyncio.Semaphore(IN_FLIGHT)
        total = entities * rounds
        answered = 0
        done = asyncio.Event()

        async def read() -> None:
            nonlocal answered
            async for message in ws:
                decoded = json.loads(message.data)
                for item in decoded if isinstance(decoded, list) else [decoded]:
                    if item.get("type") == "result":
                        if not item.get("success"):
                            raise RuntimeError(f"set_value failed: {item.get('error')}")
                        answered += 1
                        room.release()
                        if answered == total:
                            done.set()
                            return

        reader = asyncio.create_task(read())
        number = 0
        for value in range(1, rounds + 1):
            for entity in range(entities):
                await room.acquire()
                number += 1
                await ws.send_json(
                    {
                        "id": number,
                        "type": "call_service",
                        "domain": "input_number",
                        "service": "set_value",
                        "service_data": {
                            "entity_id": f"input_number.bench_{entity:03d}",
                            "value": value,
                        },
                    }
                )
        await done.wait()
        await reader


async def until(condition: Callable[[], bool], within: float = 300.0) -> None:
    """Poll CONDITION every 10 ms until it holds; raise TimeoutError after WITHIN seconds."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 - polls another task's counters
            await asyncio.sleep(0.01)


async def run(entities: int, rounds: int) -> dict[str, Any]:
    """Measure one run; return the figures."""
    with throwaway_cluster() as cluster, tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "ha").mkdir()
        setup = HassSetup(packages={"bench": meters_yaml(entities)}, recorder_commit_interval=1)
        async with (
            fresh_database(cluster, "bench_collector") as pool,
            running_home_assistant(root / "ha", setup) as hass,
        ):
            pipeline = IngestPipeline(pool, root / "spool")
            await pipeline.start()
            instance = HomeAssistantInstance(
                name="bench",
                url=hass.websocket_url,
                token=hass.token,
                include=("input_number.bench_*",),
                energy_prefs=False,
                backfill_limit=timedelta(seconds=1),
            )
            collector = HomeAssistantCollector(instance, pool, pipeline, {})
            collector.start()
            try:
                await until(lambda: collector.status.state is ConnectionState.CONNECTED)
                before = collector.status.readings
                expected = before + entities * rounds
                cpu, wall = time.process_time(), time.perf_counter()
                driver = await asyncio.create_subprocess_exec(
                    sys.executable,
                    __file__,
                    "--drive",
                    hass.websocket_url,
                    "--entities",
                    str(entities),
                    "--rounds",
                    str(rounds),
                    env={**os.environ, TOKEN_VARIABLE: hass.token},
                )
                if await driver.wait() != 0:
                    raise RuntimeError("the driver failed")
                driven = time.perf_counter() - wall
                await until(lambda: collector.status.readings >= expected)
                wall = time.perf_counter() - wall
                cpu = time.process_time() - cpu
                readings = collector.status.readings - before
            finally:
                await collector.stop()
                await pipeline.stop()
            await recorded(hass, f"input_number.bench_{entities - 1:03d}", rounds)
            async with fresh_database(cluster, "bench_collector_backfill") as empty:
                backfill = await measure_backfill(
                    replace(instance, backfill_limit=timedelta(days=1)), empty, root / "spool2"
                )
    return {
        "benchmark": "collector",
        "entities": entities,
        "rounds": rounds,
        "readings": readings,
        "expected": entities * rounds,
        "seconds": round(wall, 2),
        "readings_per_s": round(readings / wall),
        "ha_changes_per_s": round(entities * rounds / driven),
        "collector_cpu_s": round(cpu, 2),
        "cpu_us_per_reading": round(cpu / readings * 1e6, 1),
        "cpu_utilisation": round(cpu / wall, 2),
        **backfill,
    }


async def recorded(hass: HomeAssistant, entity_id: str, value: int) -> None:
    """Wait until HA's recorder has written ENTITY_ID's VALUE (it writes behind the states)."""
    async with asyncio.timeout(300):
        while True:
            result = await hass.command(
                {
                    "type": "history/history_during_period",
                    "start_time": "2000-01-01T00:00:00+00:00",
                    "entity_ids": [entity_id],
                    "minimal_response": True,
                    "no_attributes": True,
                }
            )
            if any(float(s["s"]) == value for s in result.get(entity_id, [])):
                return
            await asyncio.sleep(0.5)


async def measure_backfill(
    instance: HomeAssistantInstance, pool: asyncpg.Pool, spool: Path
) -> dict[str, Any]:
    """Start a collector on an empty database: it backfills every state from HA's history."""
    pipeline = IngestPipeline(pool, spool)
    await pipeline.start()
    collector = HomeAssistantCollector(instance, pool, pipeline, {})
    cpu, wall = time.process_time(), time.perf_counter()
    collector.start()
    try:
        await until(lambda: collector.status.state is ConnectionState.CONNECTED)
        wall = time.perf_counter() - wall
        cpu = time.process_time() - cpu
        readings = collector.status.backfilled
    finally:
        await collector.stop()
        await pipeline.stop()
    return {
        "backfilled": readings,
        "backfill_seconds": round(wall, 2),
        "backfill_readings_per_s": round(readings / wall),
        "backfill_cpu_us_per_reading": round(cpu / readings * 1e6, 1),
    }


def main() -> None:
    """Run the benchmark (or, with --drive, be its driver)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entities", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--drive", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        asyncio.run(drive(args.drive, os.environ[TOKEN_VARIABLE], args.entities, args.rounds))
        return
    os.chdir(REPO)
    print(json.dumps(asyncio.run(run(args.entities, args.rounds))))


if __name__ == "__main__":
    main()
