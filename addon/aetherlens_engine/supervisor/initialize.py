"""Prepare the add-on's cluster before PostgreSQL starts (the `init-aetherlens` oneshot).

First start: `initdb`, the engine's database, TimescaleDB, and the dump of a restored backup if
there is one. Every start: remove a lock file left by a container that was killed, refuse a
cluster of another PostgreSQL major version with steps the user can follow, and update every
extension whose installed version is older than the image's (after an add-on update).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from dataclasses import dataclass, field

import asyncpg

from aetherlens_engine.cluster import ManagedCluster
from aetherlens_engine.database import DATABASE_NAME, ensure_database
from aetherlens_engine.errors import EngineError

from .backup import remove_dump, restore_dump
from .paths import AddonPaths

LOGGER = logging.getLogger(__name__)
PROBE_TIMEOUT = 10.0


class AddonInitError(EngineError):
    """The add-on's cluster cannot be used by this version of the add-on."""


@dataclass(frozen=True, slots=True)
class ExtensionUpdate:
    """An extension brought from the version in the database to the image's."""

    name: str
    old: str
    new: str


@dataclass(slots=True)
class InitReport:
    """What the set-up did."""

    created: bool = False
    restored: bool = False
    updates: list[ExtensionUpdate] = field(default_factory=list)


def check_major_version(cluster: ManagedCluster) -> None:
    """Refuse a cluster made by another PostgreSQL major version, naming the way out."""
    version_file = cluster.data_dir / "PG_VERSION"
    if not version_file.exists():
        return
    found = version_file.read_text().strip()
    installed = cluster.server_major
    if found != str(installed):
        raise AddonInitError(
            f"the database in {cluster.data_dir} was made by PostgreSQL {found}, and this add-on "
            f"version runs PostgreSQL {installed}, which cannot open it. Nothing was changed. "
            "Either restore a backup of this add-on taken with the previous version (it holds a "
            "database dump that is loaded into a new cluster), or reinstall the previous add-on "
            "version, take a backup, and restore it after updating"
        )


async def _server_answers(cluster: ManagedCluster) -> bool:
    """Tell whether a server accepts (or refuses, but answers) connections on the socket."""
    try:
        conn = await asyncpg.connect(cluster.dsn(), timeout=PROBE_TIMEOUT)
    except asyncpg.PostgresError:
        return True  # starting up or shutting down: a server all the same
    except (OSError, TimeoutError):
        return False
    await conn.close()
    return True


def _remove_stale_lock(cluster: ManagedCluster) -> None:
    """Remove `postmaster.pid` left by a killed container; refuse while a server answers.

    The lock's process id cannot tell: in a new container it may name another live process.
    """
    lock = cluster.data_dir / "postmaster.pid"
    if not lock.exists():
        return
    if asyncio.run(_server_answers(cluster)):
        raise AddonInitError(
            f"a PostgreSQL server is running on {cluster.data_dir}: the add-on prepares its "
            "database only before the server starts (restart the add-on instead)"
        )
    lock.unlink()
    LOGGER.warning("Removed %s left by a PostgreSQL that did not shut down cleanly", lock)


async def update_extensions(dsn: str) -> list[ExtensionUpdate]:
    """Update every installed extension older than the one the server offers; return them.

    TimescaleDB wants `ALTER EXTENSION ... UPDATE` as the first command of a session, so each
    update gets a connection of its own.
    """
    conn = await asyncpg.connect(dsn)
    try:
        stale = await conn.fetch(
            """
            SELECT e.extname, e.extversion, a.default_version
            FROM pg_extension e JOIN pg_available_extensions a ON a.name = e.extname
            WHERE a.default_version IS NOT NULL AND a.default_version <> e.extversion
            ORDER BY e.extname
            """
        )
    finally:
        await conn.close()
    updates = []
    for name, old, new in stale:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(f'ALTER EXTENSION "{name}" UPDATE')
        finally:
            await conn.close()
        LOGGER.info("Updated the PostgreSQL extension %s from %s to %s", name, old, new)
        updates.append(ExtensionUpdate(name, old, new))
    return updates


async def _create_timescaledb(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
    finally:
        await conn.close()


async def _prepare(cluster: ManagedCluster, paths: AddonPaths, report: InitReport) -> None:
    dsn = cluster.dsn(DATABASE_NAME)
    await ensure_database(cluster)
    if report.created and paths.dump_file.exists():
        # Loaded with the extension versions it was made with; updated just below.
        await restore_dump(dsn, paths.dump_file, cluster.bindir)
        remove_dump(paths.dump_file)
        report.restored = True
        LOGGER.info("Restored the database from %s", paths.dump_file)
    if cluster.timescaledb_available:
        await _create_timescaledb(dsn)
    report.updates = await update_extensions(dsn)


def initialize(paths: AddonPaths) -> InitReport:
    """Create or upgrade the cluster in PATHS; the server is stopped again when this returns."""
    cluster = paths.cluster()
    check_major_version(cluster)
    _remove_stale_lock(cluster)
    report = InitReport(created=cluster.ensure_initialized())
    if report.created:
        LOGGER.info(
            "Created a PostgreSQL %s cluster in %s", cluster.server_major, paths.cluster_dir
        )
    cluster.start()
    try:
        asyncio.run(_prepare(cluster, paths, report))
    except BaseException:
        cluster.stop()
        if report.created:
            # A half-made cluster would pass for a good one at the next start: start over then.
            shutil.rmtree(paths.cluster_dir)
        raise
    cluster.stop()
    return report
