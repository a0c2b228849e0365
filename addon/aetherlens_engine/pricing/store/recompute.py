"""The recompute's queue (`tariff_recompute`, migrations 0003, 0017) and its finished runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from aetherlens_engine.models import Commodity
from aetherlens_engine.tariffs.usage import floor_hour

_REQUEST_SQL = """
INSERT INTO tariff_recompute (start, commodity, connection) VALUES ($1, $2, $3)
ON CONFLICT (commodity, connection) DO UPDATE
SET start = least(tariff_recompute.start, EXCLUDED.start),
    request = tariff_recompute.request + 1,
    requested_at = now()
RETURNING start
"""
_GENERATION_SQL = """
INSERT INTO engine_settings (key, value) VALUES ('recompute_generation', '1')
ON CONFLICT (key) DO UPDATE
SET value = to_jsonb((engine_settings.value #>> '{}')::bigint + 1), updated_at = now()
RETURNING (value #>> '{}')::bigint
"""


async def request_recompute(
    conn: asyncpg.Connection,
    start: datetime,
    commodity: Commodity = Commodity.ELECTRICITY,
    connection: str = "",
) -> datetime:
    """Queue COMMODITY's (CONNECTION's) recompute from START; return its start.

    An earlier pending one keeps its start.
    """
    pending: datetime = await conn.fetchval(
        _REQUEST_SQL, floor_hour(start), str(commodity), connection
    )
    return pending


@dataclass(frozen=True, slots=True)
class PendingRecompute:
    """A queued recompute: its first hour to price, the request it belongs to, whose rates."""

    start: datetime
    request: int
    commodity: Commodity = Commodity.ELECTRICITY
    connection: str = ""  # a grid connection with a tariff of its own


async def pending_recompute(conn: asyncpg.Connection) -> PendingRecompute | None:
    """Return a queued recompute (electricity's first, then gas, water), if one is waiting."""
    row = await conn.fetchrow(
        "SELECT start, request, commodity, connection FROM tariff_recompute "
        "ORDER BY array_position(ARRAY['electricity', 'gas', 'water'], commodity), connection "
        "LIMIT 1"
    )
    if row is None:
        return None
    commodity = Commodity(row["commodity"])
    return PendingRecompute(row["start"], row["request"], commodity, row["connection"])


async def advance(conn: asyncpg.Connection, pending: PendingRecompute, done_to: datetime) -> None:
    """Record that the hours before DONE_TO are priced, unless a newer request came in."""
    await conn.execute(
        "UPDATE tariff_recompute SET start = $2 "
        "WHERE commodity = $3 AND connection = $4 AND request = $1",
        pending.request,
        done_to,
        str(pending.commodity),
        pending.connection,
    )


async def finish(conn: asyncpg.Connection, pending: PendingRecompute) -> int | None:
    """Close the recompute and return the new generation; None if a newer request came in."""
    async with conn.transaction():
        closed = await conn.fetchval(
            "DELETE FROM tariff_recompute "
            "WHERE commodity = $2 AND connection = $3 AND request = $1 RETURNING 1",
            pending.request,
            str(pending.commodity),
            pending.connection,
        )
        if closed is None:
            return None
        generation: int = await conn.fetchval(_GENERATION_SQL)
    return generation


async def generation(conn: asyncpg.Connection) -> int:
    """Return how many recomputes have finished in this database."""
    value = await conn.fetchval(
        "SELECT (value #>> '{}')::bigint FROM engine_settings WHERE key = 'recompute_generation'"
    )
    return int(value) if value is not None else 0


async def first_energy_hour(conn: asyncpg.Connection) -> datetime | None:
    """Return the earliest hour with a rollup row, if any."""
    first: datetime | None = await conn.fetchval("SELECT min(hour) FROM energy_hourly")
    return first
