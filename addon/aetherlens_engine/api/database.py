"""Database access for handlers: a pooled connection (503 without one)."""

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
