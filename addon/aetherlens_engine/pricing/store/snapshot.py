"""A read snapshot for answers made of several statements (the summary's)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

# A snapshot's statements run with generic plans: a custom plan of the summary's statements
# (TimescaleDB expanding each hypertable's chunks for the given days) costs more to make than to
# run (1.2 of the devices statement's 2.9 ms at 100 devices), and a generic one is made once per
# connection. One round trip begins the transaction and sets it.
_BEGIN_SNAPSHOT = (
    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;"
    " SET LOCAL plan_cache_mode = force_generic_plan"
)


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
