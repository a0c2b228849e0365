"""The engine as a real process: acknowledged readings survive a database outage and SIGKILL."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

import aetherlens_engine
from aetherlens_engine.cluster import ManagedCluster
from aetherlens_engine.migrations import apply_migrations
from tests.postgres import free_port, temporary_cluster

STARTUP_TIMEOUT = 60.0


@pytest.fixture
def own_cluster() -> Iterator[ManagedCluster]:
    """A cluster of this test's own: it is stopped and started while the engine runs."""
    with temporary_cluster(free_port(), {"fsync": "off"}) as cluster:
        yield cluster


class EngineProcess:
    """`python -m aetherlens_engine serve` in a subprocess."""

    def __init__(self, data_dir: Path, database_url: str | None) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
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
                str(self.port),
                *(["--database-url", self.database_url] if self.database_url else []),
            ],
            # Rollups catch up every second here (a minute by default).
            env={
                **os.environ,
                "PYTHONPATH": str(package_root),
                "AETHERLENS_ROLLUP_INTERVAL_SECONDS": "1",
            },
            stdout=subprocess.DEVNULL,
            stderr=(self.data_dir / "engine.log").open("ab"),
        )

    async def wait_ready(self, session: aiohttp.ClientSession) -> None:
        deadline = asyncio.get_running_loop().time() + STARTUP_TIMEOUT
        while asyncio.get_running_loop().time() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                log = (self.data_dir / "engine.log").read_text()
                pytest.fail(f"the engine exited with {self.process.returncode}:\n{log}")
            try:
                async with session.get(f"{self.url}/api/v1/health") as resp:
                    if resp.status == 200 and (await resp.json())["database"]["status"] == "ok":
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.2)
        pytest.fail("the engine did not become ready")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def terminate(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)


@pytest.fixture
async def engine_env(
    own_cluster: ManagedCluster, tmp_path: Path
) -> AsyncIterator[tuple[EngineProcess, ManagedCluster]]:
    """An engine process on its own cluster, killed at the end whatever happened."""
    admin = await asyncpg.connect(own_cluster.dsn(tcp=True))
    await admin.execute('CREATE DATABASE "aetherlens"')
    await admin.close()
    engine = EngineProcess(tmp_path, own_cluster.dsn("aetherlens", tcp=True))
    try:
        yield engine, own_cluster
    finally:
        if engine.process is not None and engine.process.poll() is None:
            engine.kill()


def _batch(device_id: int, start: datetime, count: int) -> list[dict[str, object]]:
    return [
        {
            "device_id": device_id,
            "time": (start + timedelta(seconds=10 * i)).isoformat(),
            "value": 100.0 + i,
            "unit": "W",
        }
        for i in range(count)
    ]


async def test_acknowledged_readings_survive_outage_and_sigkill(
    engine_env: tuple[EngineProcess, ManagedCluster],
) -> None:
    """Readings acknowledged while PostgreSQL is down are spooled; after SIGKILL and restart
    every one of them is stored exactly once."""
    engine, cluster = engine_env
    assert engine.database_url is not None
    conn = await asyncpg.connect(engine.database_url)
    await apply_migrations(conn)
    device_id = await conn.fetchval(
        "INSERT INTO devices (source, source_id, name, kind, unit) "
        "VALUES ('test', 'kettle', 'Kettle', 'appliance', 'W') RETURNING id"
    )
    await conn.close()
    engine.start()
    async with aiohttp.ClientSession() as session:
        await engine.wait_ready(session)
        token = (engine.data_dir / "api_token").read_text().strip()
        headers = {"Authorization": f"Bearer {token}"}
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
        committed = _batch(device_id, start, 300)
        spooled = _batch(device_id, start + timedelta(hours=1), 300)

        async with session.post(
            f"{engine.url}/api/v1/readings", json=committed, headers=headers
        ) as resp:
            assert resp.status == 200, await resp.text()
            assert (await resp.json())["accepted"] == 300

        await asyncio.to_thread(cluster.stop)
        async with session.post(
            f"{engine.url}/api/v1/readings", json=spooled, headers=headers
        ) as resp:
            assert resp.status == 200, await resp.text()
            assert (await resp.json())["accepted"] == 300
        engine.kill()

        await asyncio.to_thread(cluster.start)
        engine.start()
        await engine.wait_ready(session)
        # A duplicate delivery of the first batch changes nothing.
        async with session.post(
            f"{engine.url}/api/v1/readings", json=committed, headers=headers
        ) as resp:
            assert resp.status == 200
        assert engine.terminate() == 0

    assert engine.database_url is not None
    conn = await asyncpg.connect(engine.database_url)
    try:
        rows = await conn.fetch(
            "SELECT time, count(*) AS n FROM readings WHERE device_id = $1 GROUP BY time",
            device_id,
        )
    finally:
        await conn.close()
    assert len(rows) == 600
    assert all(row["n"] == 1 for row in rows)


async def _listening(session: aiohttp.ClientSession, engine: EngineProcess) -> dict[str, Any]:
    """Wait until the engine answers its health route (whatever its status); return it."""
    deadline = asyncio.get_running_loop().time() + STARTUP_TIMEOUT
    while asyncio.get_running_loop().time() < deadline:
        try:
            async with session.get(f"{engine.url}/api/v1/health") as resp:
                body: dict[str, Any] = await resp.json()
                return body
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.1)
    pytest.fail("the engine did not listen")


async def test_engine_started_while_the_database_is_down_listens_and_spools(
    engine_env: tuple[EngineProcess, ManagedCluster],
) -> None:
    """Started with its database down, the engine answers at once (degraded) and takes readings
    of the devices it knew into the spool; they are stored once the database is up."""
    engine, cluster = engine_env
    assert engine.database_url is not None
    conn = await asyncpg.connect(engine.database_url)
    await apply_migrations(conn)
    device_id = await conn.fetchval(
        "INSERT INTO devices (source, source_id, name, kind, unit) "
        "VALUES ('test', 'kettle', 'Kettle', 'appliance', 'W') RETURNING id"
    )
    await conn.close()
    async with aiohttp.ClientSession() as session:
        engine.start()  # once with the database: it learns the devices
        await engine.wait_ready(session)
        assert engine.terminate() == 0
        await asyncio.to_thread(cluster.stop)

        engine.start()
        health = await _listening(session, engine)
        assert health["status"] == "degraded"
        assert health["database"] == {"status": "unavailable"}
        token = (engine.data_dir / "api_token").read_text().strip()
        batch = _batch(device_id, datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1), 50)
        async with session.post(
            f"{engine.url}/api/v1/readings",
            json=batch,
            headers={"Authorization": f"Bearer {token}"},
        ) as resp:
            assert resp.status == 200, await resp.text()
            assert (await resp.json())["accepted"] == 50
        await asyncio.to_thread(cluster.start)
        await engine.wait_ready(session)
        conn = await asyncpg.connect(engine.database_url)
        try:
            for _ in range(100):
                count = await conn.fetchval(
                    "SELECT count(*) FROM readings WHERE device_id = $1", device_id
                )
                if count == 50:
                    break
                await asyncio.sleep(0.1)
        finally:
            await conn.close()
        assert count == 50
        assert engine.terminate() == 0


async def test_posted_readings_are_rolled_up(
    engine_env: tuple[EngineProcess, ManagedCluster],
) -> None:
    """The running engine turns posted power readings into hourly energy by itself."""
    engine, _ = engine_env
    assert engine.database_url is not None
    conn = await asyncpg.connect(engine.database_url)
    await apply_migrations(conn)
    device_id = await conn.fetchval(
        "INSERT INTO devices (source, source_id, name, kind, unit) "
        "VALUES ('test', 'heater', 'Heater', 'appliance', 'W') RETURNING id"
    )
    engine.start()
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    # 1 kW for a whole hour, sampled every 10 s (and the hour's last instant).
    batch = [
        {"device_id": device_id, "time": (hour + timedelta(seconds=10 * i)).isoformat(),
         "value": 1.0, "unit": "kW"}
        for i in range(361)
    ]  # fmt: skip
    try:
        async with aiohttp.ClientSession() as session:
            await engine.wait_ready(session)
            token = (engine.data_dir / "api_token").read_text().strip()
            async with session.post(
                f"{engine.url}/api/v1/readings",
                json=batch,
                headers={"Authorization": f"Bearer {token}"},
            ) as resp:
                assert resp.status == 200, await resp.text()
        energy = None
        for _ in range(100):
            energy = await conn.fetchval(
                "SELECT energy_kwh FROM energy_hourly WHERE device_id = $1 AND hour = $2",
                device_id,
                hour,
            )
            if energy is not None:
                break
            await asyncio.sleep(0.2)
        assert energy == pytest.approx(1.0)
    finally:
        await conn.close()


@pytest.fixture
def standalone_dir() -> Iterator[Path]:
    """A data dir the server's own user can reach (the tests may run as root)."""
    root = Path(tempfile.mkdtemp(prefix="aetherlens-standalone-"))
    root.chmod(0o711)
    yield root
    shutil.rmtree(root, ignore_errors=True)


async def test_standalone_engine_owns_its_cluster(standalone_dir: Path) -> None:
    """Without a database URL the engine creates its own cluster in the data dir, stops it on
    SIGTERM, and finds it again (same identity, same data) at the next start."""
    engine = EngineProcess(standalone_dir, None)
    try:
        async with aiohttp.ClientSession() as session:
            engine.start()
            await engine.wait_ready(session)
            token = (engine.data_dir / "api_token").read_text().strip()
            async with session.get(
                f"{engine.url}/api/v1/health", headers={"Authorization": f"Bearer {token}"}
            ) as resp:
                first = await resp.json()
            assert first["database"]["timescaledb"] is not None
            assert engine.terminate() == 0
            cluster_dir = engine.data_dir / "postgresql"
            assert (cluster_dir / "PG_VERSION").exists()
            assert not (cluster_dir / "postmaster.pid").exists()  # stopped with the engine

            engine.start()
            await engine.wait_ready(session)
            async with session.get(f"{engine.url}/api/v1/health") as resp:
                second = await resp.json()
            assert second["instance_id"] == first["instance_id"]
            assert engine.terminate() == 0
    finally:
        if engine.process is not None and engine.process.poll() is None:
            engine.kill()
