"""What the fault scenarios share: a real engine process, a load of readings, the tally.

Holds no tests itself. Every figure comes from what the engine answered and what the database
holds afterwards: sent, acknowledged (in a 200/207 answer's `accepted`), stored, lost
(acknowledged but not stored) and duplicated (stored more than once, or with another value);
and POST p99 per phase of the scenario (normal, outage, catch-up, …), as the test names them.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

import aetherlens_engine
from tests.postgres import free_port

STARTUP_TIMEOUT = 60.0
BATCH = 100


class Engine:
    """`python -m aetherlens_engine serve` on a database URL, in a subprocess."""

    def __init__(self, data_dir: Path, database_url: str) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.url = f"http://127.0.0.1:{free_port()}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the engine (returns at once; see `wait_listening`, `wait_ready`)."""
        package_root = Path(aetherlens_engine.__file__).parents[1]
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aetherlens_engine",
                "serve",
                "--data-dir",
                str(self.data_dir),
                "--port",
                self.url.rsplit(":", 1)[1],
                "--database-url",
                self.database_url,
            ],
            env={
                **os.environ,
                "PYTHONPATH": str(package_root),
                # The load comes from one address: the per-client limit must not refuse it.
                "AETHERLENS_API_RATE_LIMIT_PER_SECOND": "100000",
                "AETHERLENS_API_RATE_LIMIT_BURST": "100000",
                # Two producers' batches fill one write: no waiting for the flush interval.
                "AETHERLENS_INGEST_BATCH_SIZE": str(2 * BATCH),
                # Rollups run all through the scenario, as after an outage: ingestion must not
                # wait on them (the load's readings are old enough to be rolled up at once).
                "AETHERLENS_ROLLUP_INTERVAL_SECONDS": "1",
            },
            stdout=subprocess.DEVNULL,
            stderr=(self.data_dir / "engine.log").open("ab"),
        )

    @property
    def headers(self) -> dict[str, str]:
        """The API token's header (the token exists once the engine has started)."""
        token = (self.data_dir / "api_token").read_text().strip()
        return {"Authorization": f"Bearer {token}"}

    async def health(self, session: aiohttp.ClientSession) -> dict[str, Any]:
        """Return the health with its details."""
        async with session.get(f"{self.url}/api/v1/health", headers=self.headers) as resp:
            body: dict[str, Any] = await resp.json()
            return body

    async def wait_ready(self, session: aiohttp.ClientSession) -> None:
        """Wait until the engine answers and reaches its database."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"the engine exited: {self.log()}")
            try:
                if (await self.health(session))["database"]["status"] == "ok":
                    return
            except (aiohttp.ClientConnectionError, FileNotFoundError):
                pass
            await asyncio.sleep(0.05)
        raise AssertionError("the engine did not become ready")

    async def wait_spool_empty(self, session: aiohttp.ClientSession) -> float:
        """Wait until nothing waits in the spool; return how long that took (s)."""
        began = time.monotonic()
        ingest: dict[str, Any] | None = None
        while time.monotonic() - began < STARTUP_TIMEOUT:
            try:
                ingest = (await self.health(session))["ingest"]
            except aiohttp.ClientConnectionError:
                ingest = None
            if ingest is not None:
                # Below zero: readings replayed twice were counted twice; it never comes back.
                assert ingest["spool_pending"] >= 0, ingest
                if ingest["spool_pending"] == 0 and ingest["database_available"]:
                    return time.monotonic() - began
            await asyncio.sleep(0.05)
        raise AssertionError(f"the spool was not replayed: {ingest}")

    async def ingest_figures(self, session: aiohttp.ClientSession) -> dict[str, Any]:
        """Return the health's ingest figures (the engine's pipeline runs)."""
        ingest: dict[str, Any] = (await self.health(session))["ingest"]
        return ingest

    def kill(self) -> None:
        """SIGKILL the engine."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def terminate(self) -> int:
        """SIGTERM the engine; return its exit status."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)

    def log(self) -> str:
        """Return what the engine logged."""
        return (self.data_dir / "engine.log").read_text(errors="replace")


@dataclass
class Tally:
    """Readings sent and acknowledged, by (device_id, time) with the value sent."""

    sent: int = 0
    acknowledged: dict[tuple[int, datetime], float] = field(default_factory=dict)
    refused_503: int = 0
    failed_requests: int = 0  # no answer (the engine killed mid-request)
    other_statuses: dict[int, int] = field(default_factory=dict)
    phase: str = "normal"  # what the scenario is doing now; a POST counts in its phase at start
    post_seconds: dict[str, list[float]] = field(default_factory=dict)  # answered POSTs, by phase

    async def figures(self, database_url: str) -> dict[str, Any]:
        """Count stored, lost and duplicated readings in the database; return every figure."""
        conn = await asyncpg.connect(database_url)
        try:
            # Through the engine's one way to raw readings: packed hours (older than a day,
            # moved by the storage job) count as stored; one kept twice shows twice.
            rows = await conn.fetch(
                "SELECT d.id AS device_id, r.time, r.value FROM devices AS d"
                " CROSS JOIN LATERAL readings_between(d.id, '-infinity', 'infinity') AS r"
            )
        finally:
            await conn.close()
        stored: dict[tuple[int, datetime], list[float]] = {}
        for row in rows:
            stored.setdefault((row["device_id"], row["time"]), []).append(row["value"])
        lost = sum(1 for key in self.acknowledged if key not in stored)
        duplicated = sum(len(values) - 1 for values in stored.values())
        changed = sum(
            1
            for key, value in self.acknowledged.items()
            if key in stored and stored[key][0] != value
        )
        return {
            "sent": self.sent,
            "acknowledged": len(self.acknowledged),
            "stored": len(rows),
            "lost": lost,
            "duplicated": duplicated + changed,
            "refused_503": self.refused_503,
            "failed_requests": self.failed_requests,
            "other_statuses": self.other_statuses,
            "post_p99_s": p99([s for phase in self.post_seconds.values() for s in phase]),
            "post_p99_s_by_phase": {
                phase: p99(seconds) for phase, seconds in self.post_seconds.items()
            },
            "posts_by_phase": {phase: len(seconds) for phase, seconds in self.post_seconds.items()},
        }


def p99(seconds: list[float]) -> float | None:
    """Return the 99th percentile of SECONDS (nearest rank, rounded to ms); None if empty."""
    if not seconds:
        return None
    ordered = sorted(seconds)
    return round(ordered[int(0.99 * (len(ordered) - 1))], 3)


class Load:
    """Producers posting batches of readings of their own device, as fast as answered."""

    def __init__(self, engine: Engine, devices: list[int], tally: Tally) -> None:
        self._engine = engine
        self._devices = devices
        self._tally = tally
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        # Well inside the raw retention, never in the future: a second apart per reading.
        self._start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)

    def start(self, session: aiohttp.ClientSession) -> None:
        """Start one producer per device."""
        self._tasks = [
            asyncio.create_task(self._produce(session, device, n))
            for n, device in enumerate(self._devices)
        ]

    async def stop(self) -> None:
        """Stop the producers after their current request."""
        self._stop.set()
        await asyncio.gather(*self._tasks)

    async def _produce(self, session: aiohttp.ClientSession, device: int, n: int) -> None:
        for batch_number in self._batches():
            if self._stop.is_set():
                return
            first = self._start + timedelta(seconds=batch_number * BATCH)
            batch = [
                {"device_id": device, "time": (first + timedelta(seconds=i)).isoformat(),
                 "value": float(batch_number * BATCH + i + n)}
                for i in range(BATCH)
            ]  # fmt: skip
            self._tally.sent += len(batch)
            phase = self._tally.phase
            began = time.monotonic()
            try:
                async with session.post(
                    f"{self._engine.url}/api/v1/readings",
                    json=batch,
                    headers=self._engine.headers,
                    timeout=aiohttp.ClientTimeout(total=30),
                ) as resp:
                    status = resp.status
                    body = await resp.json()
            except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError):
                self._tally.failed_requests += 1
                await asyncio.sleep(0.05)
                continue
            self._tally.post_seconds.setdefault(phase, []).append(time.monotonic() - began)
            if status == 200 and body["accepted"] == len(batch):
                for reading in batch:
                    key = (device, datetime.fromisoformat(str(reading["time"])))
                    self._tally.acknowledged[key] = float(reading["value"])  # type: ignore[arg-type]
            elif status == 503:
                self._tally.refused_503 += 1
                await asyncio.sleep(0.05)
            else:
                self._tally.other_statuses[status] = self._tally.other_statuses.get(status, 0) + 1

    @staticmethod
    def _batches() -> Iterator[int]:
        number = 0
        while True:
            yield number
            number += 1


def report(scenario: str, figures: dict[str, Any]) -> str:
    """Return the scenario's figures as one JSON line (printed by the tests)."""
    return json.dumps({"fault": scenario, **figures}, default=str)
