"""A throw-away PostgreSQL cluster per test session, and a fresh database per test.

The cluster is the engine's own ManagedCluster (the code that runs the standalone database),
started in a temporary directory with `shared_preload_libraries=timescaledb`. Tests reach it over
TCP on 127.0.0.1 (Home Assistant's test plugin refuses Unix sockets). Each test gets a new database,
with or without TimescaleDB.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from aetherlens_engine.cluster import ManagedCluster

# Durability is not what these tests measure.
_TEST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


_PORT_KEY = pytest.StashKey[int]()


def pytest_configure(config: pytest.Config) -> None:
    """Pick the cluster's port while sockets may still be opened."""
    config.stash[_PORT_KEY] = free_port()


@dataclass(frozen=True, slots=True)
class ScratchDatabase:
    """A fresh database in the session's cluster."""

    dsn: str
    timescaledb: bool


def free_port() -> int:
    """Return a TCP port of 127.0.0.1 that nothing listens on now (sockets must be allowed)."""
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
    if not cluster.timescaledb_available:
        raise RuntimeError("TimescaleDB is not installed: run inside scripts/devenv")
    try:
        cluster.ensure_initialized()
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_cluster(pytestconfig: pytest.Config) -> Iterator[ManagedCluster]:
    """Start a PostgreSQL cluster for the session and remove it afterwards."""
    with temporary_cluster(pytestconfig.stash[_PORT_KEY], _TEST_SETTINGS) as cluster:
        yield cluster


@pytest.fixture(params=["timescaledb", "postgresql"])
async def database(
    request: pytest.FixtureRequest, postgres_cluster: ManagedCluster
) -> AsyncIterator[ScratchDatabase]:
    """Create a new database, with the TimescaleDB extension or as plain PostgreSQL."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    timescaledb = request.param == "timescaledb"
    admin = await asyncpg.connect(postgres_cluster.dsn(tcp=True))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        if timescaledb:
            conn = await asyncpg.connect(postgres_cluster.dsn(name, tcp=True))
            try:
                await conn.execute("CREATE EXTENSION timescaledb")
            finally:
                await conn.close()
        yield ScratchDatabase(postgres_cluster.dsn(name, tcp=True), timescaledb)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
async def db_pool(database: ScratchDatabase) -> AsyncIterator[asyncpg.Pool]:
    """Return a connection pool on the test's database."""
    pool = await asyncpg.create_pool(database.dsn, min_size=1, max_size=4)
    try:
        yield pool
    finally:
        await pool.close()
