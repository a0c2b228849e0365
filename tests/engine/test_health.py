"""`/api/v1/health` served over real HTTP: public status, details with the token, degraded why."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import aiohttp
import asyncpg
import msgspec

from aetherlens_engine import __version__
from aetherlens_engine.api import EngineState
from aetherlens_engine.api.contract.engine import IngestCounts
from aetherlens_engine.collector.status import CollectorStatus
from aetherlens_engine.ingest.stats import IngestStats
from aetherlens_engine.migrations import apply_migrations
from aetherlens_engine.models import IngestResult, RawReading
from tests.engine.test_api_support import AUTH, TOKEN, FullSink, serve
from tests.postgres import ScratchDatabase

PUBLIC = {"status", "reasons", "version", "instance_id", "database"}
CREDENTIALED = "ws://admin:hunter2@ha.local:8123/api/websocket"


async def _health(
    state: EngineState, headers: dict[str, str] | None = AUTH
) -> tuple[int, dict[str, Any]]:
    """GET /api/v1/health of the API serving STATE over real HTTP, with HEADERS."""
    async with (
        serve(state) as url,
        aiohttp.ClientSession() as session,
        session.get(f"{url}/api/v1/health", headers=headers) as resp,
    ):
        body: dict[str, Any] = await resp.json()
        return resp.status, body


class _StatsSink:
    """A sink reporting fixed figures (how the pipeline reports a failing spool or replay)."""

    def __init__(self, stats: IngestStats) -> None:
        self.stats = stats

    async def submit(self, readings: Sequence[RawReading]) -> IngestResult:
        return IngestResult(0)


async def test_health_reports_database(database: ScratchDatabase, db_pool: asyncpg.Pool) -> None:
    """With a migrated database, health says ok, the schema version and TimescaleDB's version."""
    async with db_pool.acquire() as conn:
        await apply_migrations(conn)
    status, body = await _health(EngineState(__version__, "abc123", db_pool, token=TOKEN))
    assert status == 200
    assert body["status"] == "ok"
    assert body["reasons"] == []
    assert body["version"] == __version__
    assert body["instance_id"] == "abc123"
    assert body["database"]["status"] == "ok"
    assert body["database"]["schema_version"] >= 1
    assert (body["database"]["timescaledb"] is not None) is database.timescaledb


async def test_health_without_database() -> None:
    """Without a database the engine still answers, as degraded, and says why."""
    _, body = await _health(EngineState(__version__, "abc123"), headers=None)
    assert body["status"] == "degraded"
    assert body["reasons"] == ["database_not_configured"]
    assert body["database"] == {"status": "not_configured"}


async def test_health_details_need_the_token() -> None:
    """Collector URLs (credentials cut even then) and plugin errors only with the token."""
    state = EngineState(
        __version__,
        "abc123",
        token=TOKEN,
        sink=FullSink(),
        # A status with its URL not cut yet: health cuts credentials again, whatever it shows.
        collectors={"home": {**CollectorStatus("ws://ha.local").to_json(), "url": CREDENTIALED}},
        plugins={"azure": {"status": "failing", "last_error": "401 from https://k:s@cost/x"}},
    )
    for headers in (None, {"Authorization": "Bearer wrong-token"}):
        _, public = await _health(state, headers)
        assert set(public) == PUBLIC
        assert public["database"] == {"status": "not_configured"}
    _, body = await _health(state)
    assert body["collectors"]["home"]["url"] == "ws://***@ha.local:8123/api/websocket"
    assert body["collectors"]["home"]["state"] == "starting"
    assert body["plugins"] == {
        "azure": {"status": "failing", "last_error": "401 from https://***@cost/x"}
    }
    assert body["ingest"] == {
        "accepted": 0,
        "rejected": {},
        "committed": 0,
        "spooled": 0,
        "spool_pending": 0,
        "buffered": 0,
        "last_flush": None,
        "database_available": False,
        "dead_lettered": 0,
        "dead_letter_file": None,
        "spool_error": None,
        "replay_error": None,
    }


async def test_health_is_degraded_while_readings_wait(
    database: ScratchDatabase, db_pool: asyncpg.Pool
) -> None:
    """A database that answers is not enough: a spool that cannot be written or replayed, or
    one holding a large backlog, makes the engine degraded, with the reason."""
    async with db_pool.acquire() as conn:
        await apply_migrations(conn)
    fine = IngestStats(10, {}, 10, 0, 0, 0, None, database_available=True, dead_lettered=1)
    cases = [
        (fine, []),
        (dataclasses.replace(fine, spool_error="OSError: No space left"), ["spool_unwritable"]),
        (dataclasses.replace(fine, replay_error="DataError: bad"), ["replay_failing"]),
        (dataclasses.replace(fine, spool_pending=10**6), ["spool_backlog"]),
    ]
    for stats, reasons in cases:
        state = EngineState(__version__, "abc123", db_pool, token=TOKEN, sink=_StatsSink(stats))
        _, body = await _health(state, headers=None)
        assert (body["status"], body["reasons"]) == ("degraded" if reasons else "ok", reasons)


async def test_health_without_sink_has_no_ingest() -> None:
    _, body = await _health(EngineState(__version__, "abc123", token=TOKEN))
    assert (body["collectors"], body["plugins"], body["ingest"]) == ({}, {}, None)


def test_the_ingest_figures_shown_are_the_pipelines() -> None:
    """The answer's ingest figures are IngestStats' fields by name: one list, not two."""
    shown = {field.encode_name for field in msgspec.structs.fields(IngestCounts)}
    assert shown == {field.name for field in dataclasses.fields(IngestStats)}


class _VanishingPool:
    """A pool whose server vanishes mid-probe: asyncpg then raises InternalClientError.

    A stand-in, since the real race (PostgreSQL stopping between two protocol messages of the
    probe) cannot be made to happen on purpose.
    """

    def acquire(self) -> _VanishingPool:
        return self

    async def __aenter__(self) -> None:
        raise asyncpg.InternalClientError("cannot switch to state 15; another operation is running")

    async def __aexit__(self, *exc: object) -> None:
        return None


async def test_health_when_the_server_vanishes_mid_probe() -> None:
    state = EngineState(__version__, "abc123", _VanishingPool(), token=TOKEN)
    status, body = await _health(state)
    assert status == 200
    assert body["reasons"] == ["database_unavailable"]


async def test_health_while_the_engine_starts(db_pool: asyncpg.Pool) -> None:
    """The API answers before the services run: the database is reported as starting."""
    async with db_pool.acquire() as conn:
        await apply_migrations(conn)
    state = EngineState(__version__, "abc123", db_pool, token=TOKEN, starting=True)
    _, body = await _health(state, headers=None)
    assert (body["status"], body["reasons"]) == ("degraded", ["database_starting"])
    assert body["database"] == {"status": "starting"}
