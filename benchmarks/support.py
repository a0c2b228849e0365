# ruff: noqa: INP001 - benchmarks are scripts run by path, not a package
"""What the benchmarks share: a throw-away cluster, migrated databases, the engine as a process."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from pathlib import Path

import aiohttp
import asyncpg

# Run from a checkout: the engine is not installed in the development environment.
REPO = Path(__file__).resolve().parents[1]
ADDON_DIR = REPO / "addon"
sys.path[:0] = [str(ADDON_DIR), str(REPO)]

from pss import pss_mib  # noqa: E402

from aetherlens_engine.cluster import ManagedCluster, server_settings  # noqa: E402
from aetherlens_engine.migrations import apply_migrations  # noqa: E402
from tests.postgres import free_port, temporary_cluster  # noqa: E402

# The API's rate limit protects a home; a benchmark's client is the benchmark itself.
UNLIMITED_API = {
    "AETHERLENS_API_RATE_LIMIT_PER_SECOND": "100000",
    "AETHERLENS_API_RATE_LIMIT_BURST": "100000",
}


@contextmanager
def throwaway_cluster(*, engine_settings: bool = False) -> Iterator[ManagedCluster]:
    """Run a durable PostgreSQL cluster in a temporary directory.

    With PostgreSQL's default settings, or (ENGINE_SETTINGS) the engine's own, sized for a Pi.
    """
    settings = server_settings(timescaledb=True) if engine_settings else None
    with temporary_cluster(free_port(), settings) as cluster:
        yield cluster


@asynccontextmanager
async def fresh_database(cluster: ManagedCluster, name: str) -> AsyncIterator[asyncpg.Pool]:
    """Create database NAME with TimescaleDB and the engine's schema; yield a pool on it."""
    admin = await asyncpg.connect(cluster.dsn())
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    pool = await asyncpg.create_pool(cluster.dsn(name), min_size=1, max_size=8)
    try:
        async with pool.acquire() as conn:
            await conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
            await apply_migrations(conn)
        yield pool
    finally:
        await pool.close()


class EngineProcess:
    """`python -m aetherlens_engine serve` on a given database, as users run it."""

    def __init__(self, database_url: str | None, data_dir: Path, env: dict[str, str]) -> None:
        """Prepare the engine (DATABASE_URL None: its managed cluster); `start` runs it."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self._args = [
            sys.executable, "-m", "aetherlens_engine", "serve", "--data-dir", str(data_dir),
            "--port", str(self.port),
            *(["--database-url", database_url] if database_url is not None else []),
        ]  # fmt: skip
        self._env = {**os.environ, "PYTHONPATH": str(ADDON_DIR), **env}
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> str:
        """Start the engine, wait until it answers; return its API token."""
        # Popen returns at once; readiness is then polled over HTTP.
        self.process = subprocess.Popen(  # noqa: S603, ASYNC220 - our own engine
            self._args, env=self._env, stderr=(self.data_dir / "engine.log").open("ab")
        )
        async with aiohttp.ClientSession() as session:
            for _ in range(300):
                if self.process.poll() is not None:
                    raise RuntimeError((self.data_dir / "engine.log").read_text())
                try:
                    async with session.get(f"{self.url}/api/v1/health") as resp:
                        if resp.status == 200:
                            return (self.data_dir / "api_token").read_text().strip()
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError("the engine did not start")

    @property
    def pid(self) -> int:
        """Return the engine's process id."""
        assert self.process is not None
        return self.process.pid

    def peak_rss_mib(self) -> float:
        """Return the engine's peak resident memory so far."""
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
        return round(kib / 1024, 1)

    def stop(self) -> None:
        """Stop the engine cleanly."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)


def on_tmpfs(path: Path) -> bool:
    """Return whether PATH lies on a tmpfs (RAM: fsync costs nothing there)."""
    path = path.resolve()
    best, kind = "", ""
    for line in Path("/proc/mounts").read_text().splitlines():
        _, mount, fstype, *_ = line.split()
        if (str(path) + "/").startswith(mount.rstrip("/") + "/") and len(mount) > len(best):
            best, kind = mount, fstype
    return kind == "tmpfs"


@asynccontextmanager
async def pss_peak(pids: list[int], every: float = 1.0) -> AsyncIterator[list[float]]:
    """Sample `pss_mib(PIDS)` every EVERY seconds meanwhile, into the list yielded.

    Sampled off the event loop, which times the requests.
    """
    samples = [await asyncio.to_thread(pss_mib, pids)]

    async def sample() -> None:
        while True:
            await asyncio.sleep(every)
            samples.append(await asyncio.to_thread(pss_mib, pids))

    task = asyncio.create_task(sample())
    try:
        yield samples
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        samples.append(await asyncio.to_thread(pss_mib, pids))


async def create_devices(
    db: asyncpg.Pool | asyncpg.Connection, count: int
) -> list[tuple[int, str]]:
    """Create COUNT devices in DB, a quarter energy meters (kWh), the rest power sensors (W)."""
    rows = await db.fetch(
        """
        INSERT INTO devices (source, source_id, name, kind, unit)
        SELECT 'bench', 'device' || i, 'Device ' || i,
               CASE WHEN i % 4 = 0 THEN 'meter' ELSE 'appliance' END,
               CASE WHEN i % 4 = 0 THEN 'kWh' ELSE 'W' END
        FROM generate_series(1, $1) AS i
        RETURNING id, unit
        """,
        count,
    )
    return [(row["id"], row["unit"]) for row in rows]
