"""`/api/v1/health` served over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import asyncpg
import pytest
from aiohttp import web

from aetherlens_engine import __version__
from aetherlens_engine.api import EngineState, create_app
from aetherlens_engine.migrations import apply_migrations
from tests.engine.test_api_support import FullSink
from tests.postgres import ScratchDatabase

type Serve = Callable[[EngineState], Awaitable[str]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """Serve the API on a free port of 127.0.0.1; return its base URL."""
    runners: list[web.AppRunner] = []

    async def start(state: EngineState) -> str:
        runner = web.AppRunner(create_app(state))
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        return f"http://{host}:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()


async def test_health_reports_database(
    serve: Serve, database: ScratchDatabase, db_pool: asyncpg.Pool
) -> None:
    """With a migrated database, health says ok, the schema version and TimescaleDB's version."""
    async with db_pool.acquire() as conn:
        await apply_migrations(conn)
    url = await serve(EngineState(__version__, "abc123", db_pool))
    async with aiohttp.ClientSession() as session, session.get(f"{url}/api/v1/health") as resp:
        assert resp.status == 200
        body = await resp.json()
    assert body["status"] == "ok"
    assert body["version"] == __version__
    assert body["instance_id"] == "abc123"
    assert body["database"]["status"] == "ok"
    assert body["database"]["schema_version"] >= 1
    assert (body["database"]["timescaledb"] is not None) is database.timescaledb


async def test_health_without_database(serve: Serve) -> None:
    """Without a database the engine still answers, as degraded."""
    url = await serve(EngineState(__version__, "abc123"))
    async with aiohttp.ClientSession() as session, session.get(f"{url}/api/v1/health") as resp:
        body = await resp.json()
    assert body["status"] == "degraded"
    assert body["database"]["status"] == "not_configured"


async def test_health_reports_collectors_plugins_and_ingest(serve: Serve) -> None:
    """The engine's parts report under `collectors` and `plugins`; ingestion under `ingest`."""
    state = EngineState(
        __version__,
        "abc123",
        sink=FullSink(),
        collectors={"home_assistant": {"status": "connected"}},
        plugins={"azure": {"status": "ok"}},
    )
    url = await serve(state)
    async with aiohttp.ClientSession() as session, session.get(f"{url}/api/v1/health") as resp:
        body = await resp.json()
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


async def test_health_without_sink_has_no_ingest(serve: Serve) -> None:
    url = await serve(EngineState(__version__, "abc123"))
    async with aiohttp.ClientSession() as session, session.get(f"{url}/api/v1/health") as resp:
        body = await resp.json()
    assert (body["collectors"], body["plugins"], body["ingest"]) == ({}, {}, None)
