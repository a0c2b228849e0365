"""The engine-managed PostgreSQL cluster."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from aetherlens_engine.cluster import ManagedCluster
from aetherlens_engine.errors import ClusterError


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
