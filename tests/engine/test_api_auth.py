"""Bearer-token authentication over real HTTP."""

from __future__ import annotations

import asyncpg
import pytest

from aetherlens_engine import __version__
from aetherlens_engine.api import EngineState
from aetherlens_engine.api.auth import token_matches
from tests.engine.test_api_support import TOKEN, client, engine_state, migrate


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    await migrate(db_pool)
    return db_pool


async def test_without_token_401_with_challenge(pool: asyncpg.Pool) -> None:
    async with client(engine_state(pool), headers={}) as session:
        for path in ("/api/v1/summary", "/api/v1/devices", "/metrics", "/api/v1/nowhere"):
            async with session.get(path) as resp:
                assert resp.status == 401, path
                assert resp.headers["WWW-Authenticate"] == 'Bearer realm="aetherlens"'
                body = await resp.json()
                assert body["error"]["code"] == "unauthorized"
        async with session.post("/api/v1/readings", json=[]) as resp:
            assert resp.status == 401


@pytest.mark.parametrize(
    "header",
    [f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", TOKEN, "Bearer ", "Bearer é"],
)
async def test_wrong_token_401(pool: asyncpg.Pool, header: str) -> None:
    async with (
        client(engine_state(pool), headers={"Authorization": header}) as session,
        session.get("/api/v1/summary") as resp,
    ):
        assert resp.status == 401
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
        body = await resp.json()
    assert body["error"]["code"] == "invalid_token"
    assert TOKEN not in body["error"]["message"]


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
async def test_right_token_200(pool: asyncpg.Pool, scheme: str) -> None:
    headers = {"Authorization": f"{scheme} {TOKEN}"}
    async with client(engine_state(pool), headers=headers) as session:
        for path in ("/api/v1/summary", "/api/v1/devices", "/metrics"):
            async with session.get(path) as resp:
                assert resp.status == 200, path


async def test_unknown_path_with_token_404_json(pool: asyncpg.Pool) -> None:
    async with client(engine_state(pool)) as session, session.get("/api/v1/nowhere") as resp:
        assert resp.status == 404
        assert (await resp.json())["error"]["code"] == "not_found"


async def test_public_routes_need_no_token(pool: asyncpg.Pool) -> None:
    async with client(engine_state(pool), headers={}) as session:
        async with session.get("/api/v1/health") as resp:
            assert resp.status == 200
            assert (await resp.json())["database"]["status"] == "ok"
        async with session.get("/api/v1/openapi.json") as resp:
            assert resp.status == 200
            assert (await resp.json())["openapi"] == "3.1.0"


async def test_without_configured_token_everything_private_is_refused() -> None:
    """An engine that has no token accepts none: it fails closed."""
    state = EngineState(__version__, "no-token")
    async with client(state, headers={"Authorization": "Bearer None"}) as session:
        async with session.get("/api/v1/devices") as resp:
            assert resp.status == 401
        async with session.get("/api/v1/health") as resp:
            assert resp.status == 200


def test_token_matches() -> None:
    assert token_matches(f"Bearer {TOKEN}", TOKEN)
    assert token_matches(f"bearer   {TOKEN}", TOKEN)
    assert not token_matches(f"Bearer {TOKEN}", None)
    assert not token_matches(None, TOKEN)
    assert not token_matches(f"Token {TOKEN}", TOKEN)
    assert not token_matches("Bearer \udcff", TOKEN)
