"""The summary's snapshot: one read-only, repeatable-read transaction with generic plans."""

from __future__ import annotations

import asyncpg
import pytest

from aetherlens_engine.pricing.store.snapshot import read_snapshot


async def _settings(conn: asyncpg.Connection) -> tuple[str, str, str]:
    row = await conn.fetchrow(
        "SELECT current_setting('transaction_isolation') AS isolation, "
        "current_setting('transaction_read_only') AS read_only, "
        "current_setting('plan_cache_mode') AS plans"
    )
    return row["isolation"], row["read_only"], row["plans"]


async def test_a_snapshot_reads_one_state_with_generic_plans(db_pool: asyncpg.Pool) -> None:
    """Inside: repeatable read, read only, generic plans, and a commit made meanwhile unseen;
    after it, none of that holds on the connection."""
    async with db_pool.acquire() as conn, db_pool.acquire() as writer:
        await writer.execute("CREATE TABLE snapshot_rows (n integer)")
        async with read_snapshot(conn):
            assert await _settings(conn) == ("repeatable read", "on", "force_generic_plan")
            assert await conn.fetchval("SELECT count(*) FROM snapshot_rows") == 0
            await writer.execute("INSERT INTO snapshot_rows VALUES (1)")
            assert await conn.fetchval("SELECT count(*) FROM snapshot_rows") == 0
        assert not conn.is_in_transaction()
        assert await _settings(conn) == ("read committed", "off", "auto")
        assert await conn.fetchval("SELECT count(*) FROM snapshot_rows") == 1
        await writer.execute("DROP TABLE snapshot_rows")


async def test_a_failing_block_rolls_the_snapshot_back(db_pool: asyncpg.Pool) -> None:
    """The block's error reaches the caller, and the connection is out of the transaction."""
    async with db_pool.acquire() as conn:
        with pytest.raises(asyncpg.UndefinedTableError):
            async with read_snapshot(conn):
                await conn.fetch("SELECT * FROM no_such_table")
        assert not conn.is_in_transaction()
        assert await conn.fetchval("SELECT current_setting('plan_cache_mode')") == "auto"
