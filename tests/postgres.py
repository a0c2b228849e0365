"""A throw-away PostgreSQL cluster per test session, and a fresh database per test.

The cluster is the engine's own ManagedCluster (the code that runs the standalone database),
started in a temporary directory with `shared_preload_libraries=timescaledb`. Tests reach it over
TCP on 127.0.0.1 (Home Assistant's test plugin refuses Unix sockets). Each test gets a new database,
with or without TimescaleDB.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import asyncpg
import pytest

from aetherlens_engine.cluster import ManagedCluster
from aetherlens_engine.testing import FAST_SETTINGS, free_port, scratch_database, temporary_cluster

__all__ = ["ScratchDatabase", "free_port", "temporary_cluster"]

_PORT_KEY = pytest.StashKey[int]()


def pytest_configure(config: pytest.Config) -> None:
    """Pick the cluster's port while sockets may still be opened."""
    config.stash[_PORT_KEY] = free_port()


@dataclass(frozen=True, slots=True)
class ScratchDatabase:
    """A fresh database in the session's cluster."""

    dsn: str
    timescaledb: bool


@pytest.fixture(scope="session")
def postgres_cluster(pytestconfig: pytest.Config) -> Iterator[ManagedCluster]:
    """Start a PostgreSQL cluster for the session and remove it afterwards."""
    with temporary_cluster(pytestconfig.stash[_PORT_KEY], FAST_SETTINGS) as cluster:
        if not cluster.timescaledb_available:
            raise RuntimeError("TimescaleDB is not installed: run inside scripts/devenv")
        yield cluster


@pytest.fixture(params=["timescaledb", "postgresql"])
async def database(
    request: pytest.FixtureRequest, postgres_cluster: ManagedCluster
) -> AsyncIterator[ScratchDatabase]:
    """Create a new database, with the TimescaleDB extension or as plain PostgreSQL."""
    timescaledb = request.param == "timescaledb"
    async with scratch_database(postgres_cluster, timescaledb=timescaledb) as dsn:
        yield ScratchDatabase(dsn, timescaledb)


@pytest.fixture
async def db_pool(database: ScratchDatabase) -> AsyncIterator[asyncpg.Pool]:
    """Return a connection pool on the test's database."""
    pool = await asyncpg.create_pool(database.dsn, min_size=1, max_size=4)
    try:
        yield pool
    finally:
        await pool.close()
