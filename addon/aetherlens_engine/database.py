"""The engine's database: a managed cluster in the data dir or a given URL, made ready to use."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from .cluster import ManagedCluster, server_settings
from .errors import ClusterError
from .migrations import apply_migrations

LOGGER = logging.getLogger(__name__)
DATABASE_NAME = "aetherlens"
# The managed cluster listens on its Unix socket only; the port just names the socket.
MANAGED_PORT = 5432
# Connections of the engine's pool: the API's requests, ingestion's writes and the background
# jobs share them (cluster.py sizes max_connections to it). More would not answer sooner on 2 to
# 4 cores, and every backend costs a Pi memory.
POOL_SIZE = 8
CONNECT_RETRY_MAX = 30.0


@dataclass(slots=True)
class Database:
    """An open, migrated database, and the cluster behind it when the engine owns it."""

    pool: asyncpg.Pool
    cluster: ManagedCluster | None

    async def close(self) -> None:
        """Close the pool, then stop the managed cluster (a fast, clean shutdown)."""
        await self.pool.close()
        if self.cluster is not None:
            await asyncio.to_thread(self.cluster.stop)


def managed_cluster(data_dir: Path) -> ManagedCluster:
    """Return the engine's own cluster in DATA_DIR, on its Unix socket, with its settings."""
    cluster = ManagedCluster(data_dir / "postgresql", port=MANAGED_PORT, listen_addresses="")
    cluster.settings = server_settings(timescaledb=cluster.timescaledb_available)
    return cluster


async def start_managed_cluster(data_dir: Path) -> tuple[ManagedCluster, str]:
    """Create (first start) and start the cluster in DATA_DIR; return it and the engine's DSN."""
    cluster = managed_cluster(data_dir)
    if await asyncio.to_thread(cluster.ensure_initialized):
        LOGGER.info("Created a PostgreSQL cluster in %s", cluster.data_dir)
    if await asyncio.to_thread(cluster.is_running):
        LOGGER.info("Reusing the PostgreSQL server already running on %s", cluster.data_dir)
    else:
        await asyncio.to_thread(cluster.start)
    await ensure_database(cluster)
    return cluster, cluster.dsn(DATABASE_NAME)


async def ensure_database(cluster: ManagedCluster) -> None:
    """Create the engine's database in the running CLUSTER unless it exists."""
    admin = await asyncpg.connect(cluster.dsn())
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DATABASE_NAME):
            await admin.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    finally:
        await admin.close()


async def open_pool(data_dir: Path, database_url: str | None) -> Database:
    """Return the engine's database with a pool that connects on first use.

    The managed cluster is started here; a database at DATABASE_URL may still be down: the API
    and the spool work without it, and `prepare` waits for it.
    """
    cluster = None
    dsn = database_url
    if dsn is None:
        cluster, dsn = await start_managed_cluster(data_dir)
    # min_size=0: no connection is made before one is needed.
    pool = await asyncpg.create_pool(dsn, min_size=0, max_size=POOL_SIZE, reset=keep_session_state)
    return Database(pool, cluster)


async def keep_session_state(conn: asyncpg.Connection) -> None:
    """Release CONN to the pool as it is: the engine leaves nothing in a session to reset.

    asyncpg's default reset (advisory locks, cursors, LISTEN, settings) is a round trip on every
    release. The engine's settings are `SET LOCAL`, its locks transaction-level but for the
    migrations' (which they release), it holds no cursor outside a transaction and listens to
    nothing; asyncpg still rolls back a transaction left open before this is called.
    """
    del conn


async def prepare(database: Database, stop: asyncio.Event) -> None:
    """Wait for the database, enable TimescaleDB where it is installed, and migrate it.

    Retries with backoff while the database cannot be reached; raises ClusterError when STOP is
    set meanwhile.
    """
    delay = 1.0
    while True:
        try:
            async with database.pool.acquire() as conn:
                await _migrate(conn)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as err:
            # The message of a connection error never contains the password.
            LOGGER.warning("Database not reachable (%s); retrying in %.0f s", err, delay)
        else:
            return
        try:
            await asyncio.wait_for(stop.wait(), delay)
        except TimeoutError:
            delay = min(delay * 2, CONNECT_RETRY_MAX)
        else:
            raise ClusterError("stopped while waiting for the database")


async def _migrate(conn: asyncpg.Connection) -> None:
    available = await conn.fetchval(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'"
    )
    if available:
        try:
            await conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
        except asyncpg.InsufficientPrivilegeError:
            LOGGER.warning(
                "TimescaleDB is installed but this database user may not enable it; "
                "running on plain PostgreSQL"
            )
    applied = await apply_migrations(conn)
    if applied:
        LOGGER.info("Applied database migrations %s", applied)


async def schema_versions(conn: asyncpg.Connection) -> tuple[str | None, int | None]:
    """Return the TimescaleDB extension's version and the schema's (its latest migration)."""
    timescaledb: str | None = await conn.fetchval(
        "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'"
    )
    schema: int | None = await conn.fetchval("SELECT max(version) FROM schema_migrations")
    return timescaledb, schema
