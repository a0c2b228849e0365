"""Schema migrations on PostgreSQL with and without TimescaleDB."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest

from aetherlens_engine.errors import MigrationError
from aetherlens_engine.migrations import Migration, apply_migrations, load_migrations
from tests.postgres import ScratchDatabase


async def test_fresh_database_gets_every_migration(
    database: ScratchDatabase, db_pool: asyncpg.Pool
) -> None:
    """All migrations apply; readings is a 1-day hypertable exactly when TimescaleDB is there.

    readings and readings_compact keep only their primary keys: no query needs another index.
    """
    async with db_pool.acquire() as conn:
        applied = await apply_migrations(conn)
        assert applied == [m.version for m in load_migrations()]
        tables = {
            r["tablename"]
            for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
        assert {"devices", "readings", "readings_compact", "schema_migrations"} <= tables
        indexes = {
            r["indexname"]
            for r in await conn.fetch(
                "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' "
                "AND tablename IN ('readings', 'readings_compact')"
            )
        }
        assert indexes == {"readings_pkey", "readings_compact_pkey"}
        if database.timescaledb:
            intervals = dict(
                await conn.fetch(
                    """
                    SELECT hypertable_name, time_interval FROM timescaledb_information.dimensions
                    WHERE hypertable_name IN ('readings', 'readings_compact')
                    """
                )
            )
            assert intervals == {
                "readings": timedelta(days=1),
                "readings_compact": timedelta(days=7),
            }
        else:
            extensions = await conn.fetchval(
                "SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'"
            )
            assert extensions == 0


async def test_rerun_applies_nothing(db_pool: asyncpg.Pool) -> None:
    """A second run finds the schema current and changes nothing."""
    async with db_pool.acquire() as conn:
        await apply_migrations(conn)
        assert await apply_migrations(conn) == []
        assert await conn.fetchval("SELECT count(*) FROM schema_migrations") == len(
            load_migrations()
        )


async def test_newer_schema_is_refused(db_pool: asyncpg.Pool) -> None:
    """An engine older than its database stops instead of touching it."""
    async with db_pool.acquire() as conn:
        await apply_migrations(conn)
        await conn.execute(
            "INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'future', '')"
        )
        with pytest.raises(MigrationError, match="version 9999, newer than this engine"):
            await apply_migrations(conn)


async def test_edited_migration_is_refused(db_pool: asyncpg.Pool) -> None:
    """A migration changed after it was applied is reported."""
    first, *rest = load_migrations()
    async with db_pool.acquire() as conn:
        await apply_migrations(conn)
        edited = Migration(first.version, first.name, first.sql + "\n-- edited\n")
        with pytest.raises(MigrationError, match="differs"):
            await apply_migrations(conn, [edited, *rest])


async def test_failed_migration_leaves_nothing(db_pool: asyncpg.Pool) -> None:
    """A failing migration rolls back whole and is not recorded."""
    broken = [*load_migrations()]
    broken.append(
        Migration(len(broken) + 1, "broken", "CREATE TABLE half_done (x int); SELECT 1/0;")
    )
    async with db_pool.acquire() as conn:
        with pytest.raises(asyncpg.DivisionByZeroError):
            await apply_migrations(conn, broken)
        assert await conn.fetchval("SELECT to_regclass('half_done')") is None
        assert await conn.fetchval("SELECT max(version) FROM schema_migrations") == len(broken) - 1


def test_gaps_and_bad_names_are_refused(tmp_path: Path) -> None:
    """Migration files are numbered without gaps and named NNNN_name.sql."""
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    (tmp_path / "0003_c.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="0002 is missing"):
        load_migrations(tmp_path)
    (tmp_path / "0003_c.sql").unlink()
    (tmp_path / "2_bad.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=r"NNNN_name\.sql"):
        load_migrations(tmp_path)
