"""Inputs that answered 500 or wrongly: unstorable text, days out of range, 405 Allow, Host.

Each is refused with a 4xx naming the field, and nothing is stored.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import asyncpg
import pytest

from aetherlens_engine.api.hosts import allowed_host_names
from aetherlens_engine.api.openapi import build_spec
from aetherlens_engine.pricing.service import TariffService
from tests.engine.test_api_support import (
    AUTH,
    DirectSink,
    add_device,
    client,
    engine_state,
    migrate,
)
from tests.engine.test_api_tariffs import BERLIN, NOW, TOU, state_of


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    await migrate(db_pool)
    return db_pool


@pytest.fixture
async def service(pool: asyncpg.Pool) -> AsyncIterator[TariffService]:
    tariffs = TariffService(pool, BERLIN, clock=lambda: NOW)
    await tariffs.start()
    yield tariffs
    await tariffs.stop()


async def _send(
    session: aiohttp.ClientSession, method: str, path: str, body: str | None = None
) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"} if body is not None else None
    async with session.request(method, path, data=body, headers=headers) as resp:
        text = await resp.text()
        return resp.status, json.loads(text) if text else None


# JSON escapes, as a client sends them: U+0000 and a lone high surrogate.
NUL, SURROGATE = "\\u0000", "\\ud800"


@pytest.mark.parametrize("bad", [NUL, SURROGATE])
async def test_unstorable_text_in_bodies_is_400(
    pool: asyncpg.Pool, service: TariffService, bad: str
) -> None:
    definition = json.dumps(TOU)
    plug = await add_device(pool, "plug")
    cases = [
        ("/api/v1/tariffs", f'{{"name": "a{bad}b", "definition": {definition}}}', "name"),
        (
            "/api/v1/tariffs",
            f'{{"name": "ok", "definition": {definition.replace("night", "n" + bad)}}}',
            "definition.energy.periods[0].name",
        ),
        ("/api/v1/tariffs/validate", f'{{"definition": {{"na{bad}me": 1}}}}', "definition: a key"),
        ("/api/v1/compare", f'{{"tariff": "a{bad}"}}', "tariff"),
        (
            "/api/v1/readings",
            (
                f'[{{"device_id": {plug}, "time": "2026-03-29T00:00:00Z", "value": 1, '
                f'"unit": "W{bad}"}}]'
            ),
            "[0].unit",
        ),
    ]
    async with client(state_of(pool, service, sink=DirectSink(pool))) as session:
        for path, body, where in cases:
            status, answer = await _send(session, "POST", path, body)
            assert status == 400, (path, answer)
            assert answer["error"]["code"] == "invalid_text"
            assert answer["error"]["message"].startswith(f"{where}: "), answer
    assert await pool.fetchval("SELECT count(*) FROM tariffs") == 0
    assert await pool.fetchval("SELECT count(*) FROM readings") == 0


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/tariffs/a%00b",
        "/api/v1/tariffs/a%00b/calendar",
        "/api/v1/tariffs?x=a%00b",
        "/api/v1/devices/1/energy?from=2026-03-29T00:00:00Z%00",
    ],
)
async def test_unstorable_text_in_paths_and_queries_is_400(
    pool: asyncpg.Pool, service: TariffService, path: str
) -> None:
    async with client(state_of(pool, service)) as session:
        status, answer = await _send(session, "GET", path)
    assert status == 400
    assert answer["error"]["code"] == "invalid_text"


@pytest.mark.parametrize("start", ["9999-12-31", "0001-01-01", "1969-12-31", "2999-12-31"])
async def test_calendar_days_out_of_range_are_400(
    pool: asyncpg.Pool, service: TariffService, start: str
) -> None:
    body = json.dumps({"name": "home", "definition": TOU})
    async with client(state_of(pool, service)) as session:
        assert (await _send(session, "POST", "/api/v1/tariffs", body))[0] == 201
        status, answer = await _send(
            session, "GET", f"/api/v1/tariffs/home/calendar?start={start}&days=31"
        )
    assert status == 400
    assert answer["error"]["message"].startswith("start: ")


async def test_405_allow_lists_the_methods_of_the_route_asked(
    pool: asyncpg.Pool, service: TariffService
) -> None:
    """For each route of the document, a method it lacks: 405 with that route's methods."""
    spec = build_spec("test", 10)
    examples = {
        "{name}": "home",
        "{device_id}": "1",
        "{budget_id}": "1",
        "{statement_id}": "1",
        "{connection}": "sensor.house_import",
    }
    async with client(state_of(pool, service)) as session:
        for template, operations in spec["paths"].items():
            path = template
            for parameter, value in examples.items():
                path = path.replace(parameter, value)
            methods = {method.upper() for method in operations}
            lacking = next(method for method in ("PATCH", "PUT") if method not in methods)
            async with session.request(lacking, path) as resp:
                assert resp.status == 405, path
                allowed = set(resp.headers["Allow"].split(","))
            assert {m.strip() for m in allowed} == methods, path


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("evil.example", 421),  # a name rebound to 127.0.0.1
        ("evil.example:8787", 421),
        ("127.0.0.1:8787", 200),
        ("[::1]:8787", 200),
        ("192.168.1.20", 200),
        ("localhost:8787", 200),
        ("LOCALHOST.", 200),
        ("engine.lan:8787", 200),  # configured
    ],
)
async def test_host_header_is_one_of_the_engine_names(host: str, status: int) -> None:
    state = engine_state(allowed_hosts=allowed_host_names("127.0.0.1", ["engine.lan"]))
    async with (
        client(state, headers={**AUTH, "Host": host}) as session,
        session.get("/api/v1/health") as resp,
    ):
        assert resp.status == status
        body = await resp.json()
    if status == 421:
        assert body["error"]["code"] == "unknown_host"
