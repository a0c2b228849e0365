"""`GET /api/v1/health`: is the engine up, and can it reach its database. No authentication."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from aiohttp import web

from .state import STATE_KEY

DATABASE_TIMEOUT = 2.0


async def get_health(request: web.Request) -> web.Response:
    """Report the engine's version, identity and database status."""
    state = request.app[STATE_KEY]
    database = await _database_health(state.pool)
    return web.json_response(
        {
            "status": "ok" if database["status"] == "ok" else "degraded",
            "version": state.version,
            "instance_id": state.instance_id,
            "database": database,
        }
    )


async def _database_health(pool: asyncpg.Pool | None) -> dict[str, Any]:
    if pool is None:
        return {"status": "not_configured", "timescaledb": None, "schema_version": None}
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT), pool.acquire() as conn:
            timescaledb = await conn.fetchval(
                "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'"
            )
            schema_version = await conn.fetchval("SELECT max(version) FROM schema_migrations")
    except (OSError, TimeoutError, asyncpg.PostgresError):
        return {"status": "unavailable", "timescaledb": None, "schema_version": None}
    return {"status": "ok", "timescaledb": timescaledb, "schema_version": schema_version}
