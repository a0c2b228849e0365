"""Every failure answers JSON; unexpected ones say nothing of the internals and are logged."""

from __future__ import annotations

import logging

import asyncpg
import pytest

from aetherlens_engine.api.params import InvalidValueError, parse_instant
from tests.engine.test_api_support import client, engine_state, migrate


async def test_wrong_method_405_json() -> None:
    async with client(engine_state()) as session, session.get("/api/v1/readings") as resp:
        assert resp.status == 405
        assert resp.headers["Allow"] == "POST"
        error = (await resp.json())["error"]
    assert error == {"code": "method_not_allowed", "message": "method not allowed; use POST"}


async def test_unexpected_failure_500_without_internals(
    db_pool: asyncpg.Pool, caplog: pytest.LogCaptureFixture
) -> None:
    """A pool closed under the API is a bug, not an outage: 500, with the traceback logged."""
    await migrate(db_pool)
    await db_pool.close()
    async with client(engine_state(db_pool)) as session, session.get("/api/v1/devices") as resp:
        assert resp.status == 500
        text = await resp.text()
    assert resp.content_type == "application/json"
    assert '"internal_error"' in text
    for internal in ("Traceback", "asyncpg", "pool", "Interface"):
        assert internal not in text
    (record,) = [r for r in caplog.records if r.name == "aetherlens_engine.api.errors"]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "unexpected error answering GET /api/v1/devices"
    assert record.exc_info is not None


def test_parse_instant() -> None:
    assert parse_instant("2026-03-29T01:00:00+02:00").isoformat() == "2026-03-28T23:00:00+00:00"
    assert parse_instant("2026-03-29T01:00Z").isoformat() == "2026-03-29T01:00:00+00:00"
    for text in ("", "2026-03-29", "2026-03-29T01:00:00", "29.03.2026", "9999-12-31T23:00-01:00"):
        with pytest.raises(InvalidValueError):
            parse_instant(text)
