"""The engine-managed PostgreSQL cluster."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import asyncpg
import pytest

from aetherlens_engine.cluster import ManagedCluster, postgresql_conf, server_settings
from aetherlens_engine.database import managed_cluster
from aetherlens_engine.errors import ClusterError
from tests.postgres import free_port


async def test_session_cluster_runs_timescaledb(postgres_cluster: ManagedCluster) -> None:
    """The cluster preloads TimescaleDB, so a database can create the extension."""
    conn = await asyncpg.connect(postgres_cluster.dsn(tcp=True))
    try:
        assert await conn.fetchval("SHOW shared_preload_libraries") == "timescaledb"
        assert await conn.fetchval("SHOW server_version_num") >= "180000"
    finally:
        await conn.close()


def test_existing_cluster_is_kept(postgres_cluster: ManagedCluster) -> None:
    """A data directory that holds a cluster of the installed version is used as it is."""
    assert postgres_cluster.ensure_initialized() is False


def test_major_version_mismatch_is_reported(tmp_path: Path) -> None:
    """A cluster made by another major version is reported, never re-initialised."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "PG_VERSION").write_text("15\n")
    (data / "base").mkdir()
    cluster = ManagedCluster(data, port=5432)
    with pytest.raises(ClusterError, match="created by PostgreSQL 15"):
        cluster.ensure_initialized()
    assert sorted(p.name for p in data.iterdir()) == ["PG_VERSION", "base"]


def test_foreign_data_directory_is_refused(tmp_path: Path) -> None:
    """A non-empty directory without a cluster is not overwritten."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "notes.txt").write_text("mine")
    with pytest.raises(ClusterError, match="not empty"):
        ManagedCluster(data, port=5432).ensure_initialized()


@pytest.fixture
def cluster_root() -> Iterator[Path]:
    """Return an empty directory the server's account can enter, removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix="aetherlens-settings-"))
    root.chmod(0o711)  # the server may run as another user (root cannot run PostgreSQL)
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


async def settings_in_force(dsn: str, names: Iterable[str]) -> dict[str, str]:
    """Return the values the server at DSN runs with for NAMES."""
    conn = await asyncpg.connect(dsn)
    try:
        return {name: await conn.fetchval("SELECT current_setting($1)", name) for name in names}
    finally:
        await conn.close()


def test_managed_cluster_runs_with_the_small_host_settings(cluster_root: Path) -> None:
    """The engine's own cluster starts with the settings sized for a 2 GB Pi (the next test
    shows a server runs with them; this one may not connect to the cluster's Unix socket)."""
    cluster = managed_cluster(cluster_root)
    expected = server_settings(timescaledb=cluster.timescaledb_available)
    assert "timescaledb.max_background_workers" in expected
    cluster.ensure_initialized()
    cluster.start()
    try:
        # The server's record of how it was started.
        options = (cluster.data_dir / "postmaster.opts").read_text()
        assert all(f"{key}={value}" in options for key, value in expected.items())
    finally:
        cluster.stop()


async def test_postgresql_conf_lines_are_read_by_the_server(cluster_root: Path) -> None:
    """The settings as postgresql.conf lines (for a server the add-on starts) take effect."""
    cluster = ManagedCluster(cluster_root / "data", port=free_port())
    cluster.ensure_initialized()
    settings = server_settings(timescaledb=True) | {"application_name": "it's quoted"}
    conf = cluster.data_dir / "postgresql.conf"
    conf.write_text(conf.read_text() + postgresql_conf(settings))
    cluster.start()
    try:
        assert await settings_in_force(cluster.dsn(tcp=True), settings) == settings
    finally:
        cluster.stop()
