"""`GET /api/v1/events`: the stream of server-sent events over real HTTP, and from an engine."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from aetherlens_engine.api import ApiLimits, create_app
from aetherlens_engine.api.openapi import build_spec
from aetherlens_engine.engine import Engine
from aetherlens_engine.live import LiveUpdates
from aetherlens_engine.migrations import apply_migrations
from tests.engine.test_api_openapi import Answer, check_answer
from tests.engine.test_api_support import AUTH, engine_config, engine_state
from tests.engine.test_budgets import _token
from tests.http import serve_app
from tests.postgres import ScratchDatabase

EVENTS = "/api/v1/events"
SPEC = build_spec("1", 10)


async def next_event(resp: aiohttp.ClientResponse) -> tuple[str, Any]:
    """Read RESP's stream up to its next event; return its name and data (comments skipped)."""
    name, data = "message", ""
    while True:
        line = (await resp.content.readline()).decode()
        assert line, "the stream ended"
        line = line.rstrip("\n")
        if line == "" and data:
            return name, json.loads(data)
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            data = line.removeprefix("data: ")


async def test_a_stream_carries_what_is_published_and_ends_with_the_app() -> None:
    """`retry`, `ready`, then each `rolled_up` to every stream; shutting down ends them."""
    state = engine_state()
    start, end = datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 3, 29, 3, tzinfo=UTC)
    async with aiohttp.ClientSession(headers=AUTH) as session:
        async with serve_app(create_app(state)) as url:
            first, second = await session.get(url + EVENTS), await session.get(url + EVENTS)
            for resp in (first, second):
                assert (resp.status, resp.content_type) == (200, "text/event-stream")
                headers = dict(resp.headers)
                check_answer(SPEC, Answer(EVENTS, "get", 200, resp.content_type, headers, ""))
                assert await resp.content.readline() == b"retry: 3000\n"
                assert await next_event(resp) == ("ready", {})
            assert state.live.streams == 2
            state.live.publish_rolled_up(start, end)
            expected = {"start": start.isoformat(), "end": end.isoformat()}
            for resp in (first, second):
                assert await next_event(resp) == ("rolled_up", expected)
            second.close()
            began = time.monotonic()
        # The app's shutdown ended the open stream rather than waiting for it.
        assert time.monotonic() - began < 5
        assert await first.content.read() == b""
        first.close()
    assert state.live.streams == 0


async def test_refusals_fit_the_document() -> None:
    """Without the token 401; beyond the streams allowed 503 with Retry-After; over rate 429."""
    state = engine_state(live=LiveUpdates(max_streams=1))
    answers = []
    async with serve_app(create_app(state)) as url, aiohttp.ClientSession(url) as session:
        async with session.get(EVENTS) as resp:
            answers.append(Answer(EVENTS, "get", resp.status, resp.content_type,
                                  dict(resp.headers), await resp.text()))  # fmt: skip
        async with session.get(EVENTS, headers=AUTH) as open_one:
            assert open_one.status == 200
            async with session.get(EVENTS, headers=AUTH) as resp:
                answers.append(Answer(EVENTS, "get", resp.status, resp.content_type,
                                      dict(resp.headers), await resp.text()))  # fmt: skip
    limits = ApiLimits(requests_per_second=0.001, request_burst=1)
    async with (
        serve_app(create_app(engine_state(limits=limits))) as url,
        aiohttp.ClientSession(url, headers=AUTH) as session,
    ):
        async with session.get("/api/v1/health"):  # spends the only token
            pass
        async with session.get(EVENTS) as resp:
            answers.append(Answer(EVENTS, "get", resp.status, resp.content_type,
                                  dict(resp.headers), await resp.text()))  # fmt: skip
    assert [answer.status for answer in answers] == [401, 503, 429]
    for answer in answers:
        check_answer(SPEC, answer)
    assert json.loads(answers[1].text)["error"]["code"] == "too_many_streams"


async def test_the_engine_tells_a_stream_when_readings_are_rolled_up(
    database: ScratchDatabase, tmp_path: Path
) -> None:
    """A reading posted to the real engine reaches a stream as `rolled_up` of its hour."""
    conn = await asyncpg.connect(database.dsn)
    try:
        await apply_migrations(conn)
        plug: int = await conn.fetchval(
            "INSERT INTO devices (source, source_id, name, kind, unit)"
            " VALUES ('test', 'plug', 'plug', 'appliance', 'W') RETURNING id"
        )
    finally:
        await conn.close()
    config, port = engine_config(tmp_path, database.dsn, rollup={"interval_seconds": 1})
    engine = Engine(config)
    await engine.start()
    try:
        async with aiohttp.ClientSession(
            f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {_token(tmp_path)}"}
        ) as session:
            hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
            readings = [
                {"device_id": plug, "time": (hour + timedelta(minutes=m)).isoformat(), "value": 100}
                for m in (0, 30)
            ]
            async with session.get(EVENTS) as stream:
                assert await next_event(stream) == ("ready", {})
                async with session.post("/api/v1/readings", json=readings) as resp:
                    assert resp.status == 200, await resp.text()
                async with asyncio.timeout(60):  # readings wait 30 s to settle
                    name, data = await next_event(stream)
    finally:
        await engine.stop()
    assert name == "rolled_up"
    assert datetime.fromisoformat(data["start"]) <= hour < datetime.fromisoformat(data["end"])


@pytest.fixture(autouse=True)
def _sockets(socket_enabled: None) -> None:
    """Real HTTP on 127.0.0.1."""
