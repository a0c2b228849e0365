"""`GET /api/v1/health`: is the engine up, can it reach its database, how are its parts. No auth."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from aiohttp import web

from .state import STATE_KEY, IngestFigures

DATABASE_TIMEOUT = 2.0


async def get_health(request: web.Request) -> web.Response:
    """Report the engine's version, identity, database, collectors, plugins and ingestion."""
    state = request.app[STATE_KEY]
    database = await _database_health(state.pool)
    return web.json_response(
        {
            "status": "ok" if database["status"] == "ok" else "degraded",
            "version": state.version,
            "instance_id": state.instance_id,
            "database": database,
            "collectors": state.collectors,
            "plugins": state.plugins,
            "ingest": ingest_json(state.sink.stats) if state.sink is not None else None,
        }
    )


def ingest_json(figures: IngestFigures) -> dict[str, Any]:
    """Return the ingest pipeline's FIGURES as JSON-ready values."""
    return {
        "accepted": figures.accepted,
        "rejected": dict(figures.rejected),
        "committed": figures.committed,
        "spooled": figures.spooled,
        "spool_pending": figures.spool_pending,
        "buffered": figures.buffered,
        "last_flush": figures.last_flush.isoformat() if figures.last_flush else None,
        "database_available": figures.database_available,
    }


async def _database_health(pool: asyncpg.Pool | None) -> dict[str, Any]:
    if pool is None:
        return {"status": "not_configured", "timescaledb": None, "schema_version": None}
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT), pool.acquire() as conn:
            timescaledb = await conn.fetchval(
                "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'"
            )
            schema_version = await conn.fetchval("SELECT max(version) FROM schema_migrations")
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
        return {"status": "unavailable", "timescaledb": None, "schema_version": None}
    return {"status": "ok", "timescaledb": timescaledb, "schema_version": schema_version}
