"""The engine's pool releases connections without a reset round trip, and nothing leaks."""

from __future__ import annotations

from pathlib import Path

from aetherlens_engine.database import open_pool
from aetherlens_engine.migrations import apply_migrations
from tests.postgres import ScratchDatabase

_ADVISORY_LOCKS = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
)


async def test_a_released_connection_is_not_reset(
    database: ScratchDatabase, tmp_path: Path
) -> None:
    """The next borrower gets the session as it was left (a session SET survives: nothing was
    sent on release); the migrations' lock is released, an open transaction rolled back."""
    engine_db = await open_pool(tmp_path, database.dsn)
    try:
        pool = engine_db.pool
        async with pool.acquire() as conn:
            backend = await conn.fetchval("SELECT pg_backend_pid()")
            await apply_migrations(conn)
            await conn.execute("SET application_name = 'left behind'")
            transaction = conn.transaction()
            await transaction.start()
            await conn.execute("SELECT pg_advisory_xact_lock(1)")
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT pg_backend_pid()") == backend
            assert await conn.fetchval("SHOW application_name") == "left behind"
            assert not conn.is_in_transaction()
            assert await conn.fetchval(_ADVISORY_LOCKS) == 0
    finally:
        await engine_db.close()
