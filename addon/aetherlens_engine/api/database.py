"""Database access for handlers: a pooled connection (503 without one), a read snapshot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from .errors import unavailable
from .state import EngineState

# Failures of reaching the server, as opposed to errors in what was asked of it.
_UNREACHABLE = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
)
# A snapshot's statements run with generic plans: a custom plan of the summary's statements
# (TimescaleDB expanding each hypertable's chunks for the given days) costs more to make than to
# run (1.2 of the devices statement's 2.9 ms at 100 devices), and a generic one is made once per
# connection. One round trip begins the transaction and sets it.
_BEGIN_SNAPSHOT = (
    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;"
    " SET LOCAL plan_cache_mode = force_generic_plan"
)


@asynccontextmanager
async def connection(state: EngineState) -> AsyncIterator[asyncpg.Connection]:
    """Lend a connection of the engine's pool for at most `limits.database_timeout` seconds."""
    retry_after = state.limits.unavailable_retry_after
    if state.pool is None:
        raise unavailable(
            "database_unavailable", "the engine has no database configured", retry_after
        )
    try:
        async with asyncio.timeout(state.limits.database_timeout), state.pool.acquire() as conn:
            yield conn
    except _UNREACHABLE as err:
        raise unavailable(
            "database_unavailable",
            "the database cannot be reached or did not answer in time; retry later",
            retry_after,
        ) from err


@asynccontextmanager
async def read_snapshot(conn: asyncpg.Connection) -> AsyncIterator[None]:
    """Run the block's reads on CONN in one read-only snapshot, with generic plans (see above).

    Rolled back when the block fails, as asyncpg's transactions are.
    """
    await conn.execute(_BEGIN_SNAPSHOT)
    try:
        yield
    except BaseException:
        if not conn.is_closed():
            await conn.execute("ROLLBACK")
        raise
    await conn.execute("COMMIT")
