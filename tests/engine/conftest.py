"""Engine tests talk to real servers on 127.0.0.1; `conn` is a migrated database's connection."""

from collections.abc import AsyncIterator

import asyncpg
import pytest

from aetherlens_engine.migrations import apply_migrations


@pytest.fixture(autouse=True)
def _allow_sockets(socket_enabled: None) -> None:
    """Home Assistant's test plugin blocks sockets in every test; these need them."""


@pytest.fixture
async def conn(db_pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A connection to the session's database with the engine's schema."""
    async with db_pool.acquire() as connection:
        await apply_migrations(connection)
        yield connection
