"""A pytest plugin for plugin authors: a plugin run in its worker by a real engine and database.

Enable it in a `conftest.py` with `pytest_plugins = ["aetherlens_engine.testing"]`. The fixture
`plugin_engine` runs the engine (the real one: its supervisor, worker process, record checks and
writers) on a fresh database of a PostgreSQL cluster the session starts with the engine's own
`ManagedCluster` (TimescaleDB when installed), polls a plugin until it has polled the number of
times asked, and answers SQL about what was stored; `serve_app` serves a fake of the plugin's
source on 127.0.0.1:

    async def test_costs_are_stored(plugin_engine):
        status = await plugin_engine.run("my_service", {"url": ...})
        assert status["refused"] == 0
        assert await plugin_engine.fetch("SELECT amount FROM cloud_costs") == [...]
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp import web

from .clock import Clock, system_clock
from .cluster import ManagedCluster
from .config import load_config
from .engine import Engine

# Durability is not what a test measures.
FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
_PORT_KEY = pytest.StashKey[int]()


def free_port() -> int:
    """Return a TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextmanager
def temporary_cluster(
    port: int, settings: dict[str, str] | None = None
) -> Iterator[ManagedCluster]:
    """Run a PostgreSQL cluster in a new temporary directory; stop and remove it afterwards."""
    root = Path(tempfile.mkdtemp(prefix="aetherlens-pg-"))
    root.chmod(0o711)  # the server may run as another user (root cannot run PostgreSQL)
    cluster = ManagedCluster(root / "data", port=port, settings=settings)
    try:
        cluster.ensure_initialized()
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


@asynccontextmanager
async def serve_app(app: web.Application) -> AsyncIterator[str]:
    """Serve APP (a fake of a plugin's source) on a free port of 127.0.0.1; yield its base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


def pytest_configure(config: pytest.Config) -> None:
    """Pick the cluster's port while sockets may still be opened (some plugins block them)."""
    config.stash[_PORT_KEY] = free_port()


@pytest.fixture(scope="session")
def aetherlens_cluster(pytestconfig: pytest.Config) -> Iterator[ManagedCluster]:
    """Start the session's PostgreSQL cluster and remove it afterwards."""
    with temporary_cluster(pytestconfig.stash[_PORT_KEY], FAST_SETTINGS) as cluster:
        yield cluster


class PluginEngine:
    """An engine on a fresh database, run for one plugin at a time; SQL on what it stored."""

    def __init__(self, dsn: str, data_dir: Path) -> None:
        """Run engines on the database at DSN, keeping their files in DATA_DIR."""
        self.dsn = dsn
        self.data_dir = data_dir

    async def run(
        self,
        plugin: str,
        config: Mapping[str, Any],
        *,
        polls: int = 1,
        within: float = 60.0,
        clock: Clock = system_clock,
    ) -> dict[str, Any]:
        """Run PLUGIN (a name or `module:Class`) with CONFIG until it has polled POLLS times.

        CLOCK is the engine's, and so the plugin's (a test pins the day it polls on). Return its
        status as `/api/v1/health` shows it; fail the test with the plugin's last error if it
        fails instead, or if it has not polled that often WITHIN seconds.
        """
        port = free_port()
        options = {"name": "under_test", "plugin": plugin, "config": dict(config)}
        engine = Engine(
            load_config(
                environ={},
                overrides={
                    "data_dir": str(self.data_dir),
                    "database_url": self.dsn,
                    "api": {"port": port},
                    "plugins": [options],
                },
            ),
            clock=clock,
        )
        await engine.start()
        try:
            return await self._polled(port, polls, within)
        finally:
            await engine.stop()

    async def _polled(self, port: int, polls: int, within: float) -> dict[str, Any]:
        token = await asyncio.to_thread(
            lambda: next(self.data_dir.glob("*token*")).read_text().strip()
        )
        headers = {"Authorization": f"Bearer {token}"}
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", headers=headers) as session:
            try:
                async with asyncio.timeout(within):
                    while True:
                        async with session.get("/api/v1/health") as response:
                            status: dict[str, Any] = (await response.json())["plugins"][
                                "under_test"
                            ]
                        if status["polls"] >= polls:
                            return status
                        if status["status"] in {"degraded", "failing"}:
                            pytest.fail(f"the plugin failed: {status['last_error']}")
                        await asyncio.sleep(0.1)
            except TimeoutError:
                pytest.fail(f"the plugin did not poll {polls} times within {within:g} s")

    async def fetch(self, query: str, *args: object) -> list[tuple[Any, ...]]:
        """Return the rows of QUERY on the engine's database, as tuples."""
        conn = await asyncpg.connect(self.dsn)
        try:
            return [tuple(row) for row in await conn.fetch(query, *args)]
        finally:
            await conn.close()


@asynccontextmanager
async def scratch_database(cluster: ManagedCluster, *, timescaledb: bool) -> AsyncIterator[str]:
    """Create a new database in CLUSTER (with the TimescaleDB extension); yield its DSN; drop it."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(cluster.dsn(tcp=True))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        if timescaledb:
            conn = await asyncpg.connect(cluster.dsn(name, tcp=True))
            try:
                await conn.execute("CREATE EXTENSION timescaledb")
            finally:
                await conn.close()
        yield cluster.dsn(name, tcp=True)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
async def plugin_engine(
    request: pytest.FixtureRequest, aetherlens_cluster: ManagedCluster, tmp_path: Path
) -> AsyncIterator[PluginEngine]:
    """Return a `PluginEngine` on a new database (with TimescaleDB when installed)."""
    if request.config.pluginmanager.hasplugin("socket"):
        # pytest-socket (in Home Assistant's test plugin) blocks sockets; the engine needs them.
        request.getfixturevalue("socket_enabled")
    timescaledb = aetherlens_cluster.timescaledb_available
    async with scratch_database(aetherlens_cluster, timescaledb=timescaledb) as dsn:
        yield PluginEngine(dsn, tmp_path / "engine")
