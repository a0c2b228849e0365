"""`/api/v1/health` served over real HTTP."""

from __future__ import annotations

from typing import Any

import aiohttp
import asyncpg

from aetherlens_engine import __version__
from aetherlens_engine.api import EngineState
from aetherlens_engine.migrations import apply_migrations
from tests.engine.test_api_support import FullSink, serve
from tests.postgres import ScratchDatabase


async def _health(state: EngineState) -> tuple[int, dict[str, Any]]:
    """GET /api/v1/health of the API serving STATE over real HTTP."""
    async with (
        serve(state) as url,
        aiohttp.ClientSession() as session,
        session.get(f"{url}/api/v1/health") as resp,
    ):
        body: dict[str, Any] = await resp.json()
        return resp.status, body


async def test_health_reports_database(database: ScratchDatabase, db_pool: asyncpg.Pool) -> None:
    """With a migrated database, health says ok, the schema version and TimescaleDB's version."""
    async with db_pool.acquire() as conn:
        await apply_migrations(conn)
    status, body = await _health(EngineState(__version__, "abc123", db_pool))
    assert status == 200
    assert body["status"] == "ok"
    assert body["version"] == __version__
    assert body["instance_id"] == "abc123"
    assert body["database"]["status"] == "ok"
    assert body["database"]["schema_version"] >= 1
    assert (body["database"]["timescaledb"] is not None) is database.timescaledb


async def test_health_without_database() -> None:
    """Without a database the engine still answers, as degraded."""
    _, body = await _health(EngineState(__version__, "abc123"))
    assert body["status"] == "degraded"
    assert body["database"]["status"] == "not_configured"


async def test_health_reports_collectors_plugins_and_ingest() -> None:
    """The engine's parts report under `collectors` and `plugins`; ingestion under `ingest`."""
    state = EngineState(
        __version__,
        "abc123",
        sink=FullSink(),
        collectors={"home_assistant": {"status": "connected"}},
        plugins={"azure": {"status": "ok"}},
    )
    _, body = await _health(state)
    assert body["collectors"] == {"home_assistant": {"status": "connected"}}
    assert body["plugins"] == {"azure": {"status": "ok"}}
    assert body["ingest"] == {
        "accepted": 0,
        "rejected": {},
        "committed": 0,
        "spooled": 0,
        "spool_pending": 0,
        "buffered": 0,
        "last_flush": None,
        "database_available": False,
    }


async def test_health_without_sink_has_no_ingest() -> None:
    _, body = await _health(EngineState(__version__, "abc123"))
    assert (body["collectors"], body["plugins"], body["ingest"]) == ({}, {}, None)
