"""A dump made by the backup hook restores into a fresh cluster with every row intact."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from aetherlens_engine.cluster import ManagedCluster
from aetherlens_engine.migrations import apply_migrations
from aetherlens_engine.supervisor.backup import dump_database, manifest_path, restore_dump
from tests.postgres import ScratchDatabase, free_port, temporary_cluster

READINGS_PER_DEVICE = 24 * 40  # hourly for 40 days: several 7-day chunks of the hypertable


async def _fill(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await apply_migrations(conn)
        start = datetime(2026, 9, 1, tzinfo=UTC)
        for number in range(3):
            device_id = await conn.fetchval(
                "INSERT INTO devices (source, source_id, name, kind, unit) "
                "VALUES ('test', $1, $2, 'appliance', 'W') RETURNING id",
                f"device-{number}",
                f"Device {number}",
            )
            await conn.copy_records_to_table(
                "readings",
                records=[
                    (start + timedelta(hours=hour), device_id, 100.0 * number + hour * 0.25, 0)
                    for hour in range(READINGS_PER_DEVICE)
                ],
                columns=["time", "device_id", "value", "quality"],
            )
        await conn.execute(
            "INSERT INTO engine_settings (key, value) VALUES ('instance_id', '\"abc\"')"
        )
    finally:
        await conn.close()


async def _fingerprint(dsn: str) -> dict[str, tuple[int, str]]:
    """Return each public table's row count and a digest of all its rows in a stable order."""
    conn = await asyncpg.connect(dsn)
    try:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        result = {}
        for (table,) in tables:
            row = await conn.fetchrow(
                "SELECT count(*) AS n, "
                "md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest "
                f'FROM "{table}" t'
            )
            result[table] = (row["n"], row["digest"])
        return result
    finally:
        await conn.close()


async def _readings_sum(dsn: str) -> tuple[int, float]:
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow("SELECT count(*), sum(value) FROM readings")
    finally:
        await conn.close()
    return row[0], row[1]


async def test_dump_restores_into_a_fresh_cluster(
    database: ScratchDatabase, postgres_cluster: ManagedCluster, tmp_path: Path
) -> None:
    await _fill(database.dsn)
    before = await _fingerprint(database.dsn)
    dump = await dump_database(
        database.dsn, tmp_path / "backup" / "aetherlens.dump", postgres_cluster.bindir
    )
    assert dump.stat().st_size > 0
    assert not list(dump.parent.glob(".*partial"))
    manifest = json.loads(manifest_path(dump).read_text())
    assert (manifest["timescaledb"] is not None) == database.timescaledb

    with temporary_cluster(free_port()) as fresh:
        admin = await asyncpg.connect(fresh.dsn(tcp=True))
        try:
            await admin.execute("CREATE DATABASE restored")
        finally:
            await admin.close()
        target = fresh.dsn("restored", tcp=True)
        # An empty database: the restore brings the extension, at the version dumped.
        await restore_dump(target, dump, fresh.bindir)
        after = await _fingerprint(target)
        assert await _readings_sum(target) == await _readings_sum(database.dsn)
        if database.timescaledb:
            conn = await asyncpg.connect(target)
            try:
                chunks = await conn.fetchval(
                    "SELECT count(*) FROM timescaledb_information.chunks "
                    "WHERE hypertable_name = 'readings'"
                )
            finally:
                await conn.close()
            assert chunks >= 6  # 40 days in 7-day chunks: restored as a hypertable
    assert after == before
    assert before["readings"][0] == 3 * READINGS_PER_DEVICE
