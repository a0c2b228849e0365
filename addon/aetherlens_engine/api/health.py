"""`GET /api/v1/health`: is the engine up, can it reach its database, are readings waiting.

Public (the Supervisor's health check and the integration probe it before they have a token):
the status, why it is `degraded`, the version, the instance id and the database's status.
With the API token also the details: collectors (their URLs, credentials cut), plugins (their
errors), the ingest figures. `degraded` says readings wait or may be lost: the database is
unreachable, the spool cannot be written, its replay fails, or it holds more than
SPOOL_BACKLOG_LIMIT readings, or the engine is still starting (it answers at once; the
database and the services follow).
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import msgspec
from aiohttp import hdrs, web

from aetherlens_engine.database import schema_versions
from aetherlens_engine.ingest.stats import IngestStats
from aetherlens_engine.logs import redact_credentials

from .auth import token_matches
from .contract.base import json_response, optional_instant
from .contract.engine import (
    Collector,
    DatabaseHealth,
    DatabaseStatus,
    DegradedReason,
    Health,
    IngestCounts,
    PluginPackage,
)
from .state import STATE_KEY

DATABASE_TIMEOUT = 2.0
SPOOL_BACKLOG_LIMIT = 100_000
# What a health probe of the database raises when it is away (InternalClientError: asyncpg's
# state when the server vanished in the middle of the probe).
_DATABASE_ERRORS = (
    OSError,
    TimeoutError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
)
_DATABASE_REASONS: dict[DatabaseStatus, DegradedReason] = {
    "starting": "database_starting",
    "unavailable": "database_unavailable",
    "not_configured": "database_not_configured",
}


async def get_health(request: web.Request) -> web.Response:
    """Report the status and why; the details only to a client with the token."""
    state = request.app[STATE_KEY]
    database = await _database_health(state.pool)
    if state.starting and database.status == "ok":
        database.status = "starting"  # reachable; being migrated, services not started yet
    figures = state.sink.stats if state.sink is not None else None
    reasons = degraded_reasons(database.status, figures)
    body = Health(
        status="degraded" if reasons else "ok",
        reasons=reasons,
        version=state.version,
        instance_id=state.instance_id,
        database=DatabaseHealth(status=database.status),
    )
    if token_matches(request.headers.get(hdrs.AUTHORIZATION), state.token):
        body.database = database
        body.collectors = msgspec.convert(_redacted(state.collectors), dict[str, Collector])
        body.plugins = _redacted(state.plugins)
        body.plugin_packages = msgspec.convert(
            _redacted(state.plugin_packages), dict[str, PluginPackage]
        )
        body.ingest = ingest_counts(figures) if figures is not None else None
    return json_response(body)


def degraded_reasons(database: DatabaseStatus, figures: IngestStats | None) -> list[DegradedReason]:
    """Return why the engine is degraded (empty: it is not), as stable codes."""
    reasons: list[DegradedReason] = [] if database == "ok" else [_DATABASE_REASONS[database]]
    if figures is not None:
        if figures.spool_error is not None:
            reasons.append("spool_unwritable")
        if figures.replay_error is not None:
            reasons.append("replay_failing")
        if figures.spool_pending > SPOOL_BACKLOG_LIMIT:
            reasons.append("spool_backlog")
    return reasons


def ingest_counts(figures: IngestStats) -> IngestCounts:
    """Return the ingest pipeline's FIGURES as the API shows them, each by its own name.

    The model's fields are IngestStats' (`test_health` checks that); only the instant is written
    as the API writes instants.
    """
    return IngestCounts(
        accepted=figures.accepted,
        rejected=dict(figures.rejected),
        committed=figures.committed,
        spooled=figures.spooled,
        spool_pending=figures.spool_pending,
        buffered=figures.buffered,
        last_flush=optional_instant(figures.last_flush),
        database_available=figures.database_available,
        dead_lettered=figures.dead_lettered,
        dead_letter_file=figures.dead_letter_file,
        spool_error=figures.spool_error,
        replay_error=figures.replay_error,
    )


def _redacted(value: Any) -> Any:
    """Return VALUE (JSON-ready) with the credentials of every URL in its texts cut."""
    if isinstance(value, str):
        return redact_credentials(value)
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted(item) for item in value]
    return value


async def _database_health(pool: asyncpg.Pool | None) -> DatabaseHealth:
    if pool is None:
        return DatabaseHealth(status="not_configured", timescaledb=None, schema_version=None)
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT), pool.acquire() as conn:
            timescaledb, schema_version = await schema_versions(conn)
    except _DATABASE_ERRORS:
        return DatabaseHealth(status="unavailable", timescaledb=None, schema_version=None)
    return DatabaseHealth(status="ok", timescaledb=timescaledb, schema_version=schema_version)
