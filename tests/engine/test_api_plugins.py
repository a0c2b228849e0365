"""Plugin management through the API against a real engine: list, configure, disable, restart."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp

from aetherlens_engine.api.plugins import fields
from aetherlens_engine.config import load_config
from aetherlens_engine.engine import Engine
from aetherlens_engine.plugins.aws import AwsCostExplorerPlugin
from tests.engine.checked_api import SPEC
from tests.engine.test_api_openapi import Answer, check_answer
from tests.engine.test_api_support import client, engine_state
from tests.postgres import ScratchDatabase, free_port

STEADY = "tests.engine.fakes.plugins:SteadyPlugin"
ONE = "/api/v1/plugins/{name}"


async def _call(
    session: aiohttp.ClientSession, method: str, path: str, route: str, **kwargs: Any
) -> tuple[int, Any]:
    """Send METHOD to PATH; check the answer against ROUTE's in the document."""
    async with session.request(method, path, **kwargs) as resp:
        text = await resp.text()
        answer = Answer(route, method, resp.status, resp.content_type, dict(resp.headers), text)
    check_answer(SPEC, answer)
    return answer.status, json.loads(text)


async def _steady(session: aiohttp.ClientSession, status: str) -> dict[str, Any]:
    """Wait until the instance `steady` has STATUS; return it."""
    async with asyncio.timeout(60):
        while True:
            _, listed = await _call(session, "get", "/api/v1/plugins", "/api/v1/plugins")
            (plugin,) = listed["plugins"]
            if plugin["status"] == status:
                return plugin  # type: ignore[no-any-return]
            await asyncio.sleep(0.1)


def _token(data_dir: Path) -> str:
    return next(data_dir.glob("*token*")).read_text().strip()


def _engine(
    database: ScratchDatabase, data_dir: Path, port: int, *before: dict[str, Any]
) -> Engine:
    """An engine running the instance `steady`, after the instances BEFORE."""
    steady = {"name": "steady", "plugin": STEADY, "config": {"account": "acct-1"}}
    config = load_config(
        environ={},
        overrides={
            "data_dir": str(data_dir),
            "database_url": database.dsn,
            "api": {"port": port},
            "plugins": [*before, steady],
        },
    )
    return Engine(config)


async def test_plugins_are_listed_configured_and_disabled(
    database: ScratchDatabase, tmp_path: Path
) -> None:
    """A bad option is refused naming it; a good one restarts the plugin; disabled it stays so."""
    port = free_port()
    engine = _engine(database, tmp_path, port)
    await engine.start()
    try:
        headers = {"Authorization": f"Bearer {_token(tmp_path)}"}
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", headers=headers) as session:
            plugin = await _steady(session, "healthy")
            assert (plugin["name"], plugin["plugin"], plugin["enabled"]) == (
                "steady",
                "steady",
                True,
            )
            assert plugin["config"] == {"account": "acct-1"}
            assert plugin["fields"] == [
                {
                    "key": "account",
                    "kind": "text",
                    "required": False,
                    "secret": False,
                    "default": None,
                    "choices": [],
                }
            ]
            assert plugin["requests"] >= 2
            assert plugin["request_cost"] == str(plugin["requests"] * 0.01)

            status, refused = await _call(
                session, "put", "/api/v1/plugins/steady", ONE, json={"config": {"account": 7}}
            )
            assert status == 422
            assert refused["error"]["details"] == [
                {"path": "config.account", "message": "expected str"}
            ]
            status, refused = await _call(
                session, "put", "/api/v1/plugins/steady", ONE, json={"config": {"acount": "x"}}
            )
            assert (status, refused["error"]["details"][0]["path"]) == (422, "config.acount")

            status, changed = await _call(
                session, "put", "/api/v1/plugins/steady", ONE, json={"config": {"account": "b"}}
            )
            assert (status, changed["config"]) == (200, {"account": "b"})
            await _steady(session, "healthy")

            status, changed = await _call(
                session, "put", "/api/v1/plugins/steady", ONE, json={"enabled": False}
            )
            assert (status, changed["enabled"], changed["status"]) == (200, False, "disabled")
            status, missing = await _call(
                session, "put", "/api/v1/plugins/nope", ONE, json={"enabled": False}
            )
            assert (status, missing["error"]["code"]) == (404, "unknown_plugin")
            status, _ = await _call(session, "put", "/api/v1/plugins/steady", ONE, json=[1])
            assert status == 400
    finally:
        await engine.stop()

    # The page's changes outlive a restart: still disabled, with its new configuration.
    engine = _engine(database, tmp_path, port)
    await engine.start()
    try:
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", headers=headers) as session:
            plugin = await _steady(session, "disabled")
            assert (plugin["enabled"], plugin["config"], plugin["polls"]) == (
                False,
                {"account": "b"},
                0,
            )
            status, changed = await _call(
                session, "put", "/api/v1/plugins/steady", ONE, json={"enabled": True}
            )
            assert (status, changed["enabled"]) == (200, True)
            await _steady(session, "healthy")
    finally:
        await engine.stop()
    assert (tmp_path / "plugins" / "settings.json").stat().st_mode & 0o077 == 0


async def test_an_unavailable_plugin_is_listed_with_its_error(
    database: ScratchDatabase, tmp_path: Path
) -> None:
    """An instance whose plugin is not installed is listed, in the configuration's order, as
    unavailable with the reason (its configuration not shown: which options are secret is the
    plugin's to say); it cannot be changed (409). The other instance runs."""
    port = free_port()
    gone = {"name": "gone", "plugin": "not_installed", "config": {"token": "s3cret"}}
    engine = _engine(database, tmp_path, port, gone)
    await engine.start()
    try:
        headers = {"Authorization": f"Bearer {_token(tmp_path)}"}
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", headers=headers) as session:
            async with asyncio.timeout(60):
                while True:
                    _, listed = await _call(session, "get", "/api/v1/plugins", "/api/v1/plugins")
                    if listed["plugins"][1]["status"] == "healthy":
                        break
                    await asyncio.sleep(0.1)
            gone, steady = listed["plugins"]
            status, refused = await _call(
                session, "put", "/api/v1/plugins/gone", ONE, json={"enabled": False}
            )
    finally:
        await engine.stop()
    assert (steady["name"], steady["status"]) == ("steady", "healthy")
    assert (gone["name"], gone["plugin"], gone["status"]) == (
        "gone",
        "not_installed",
        "unavailable",
    )
    assert "unknown plugin 'not_installed'" in gone["last_error"]
    assert (gone["version"], gone["provides"], gone["fields"]) == (None, [], [])
    assert (gone["config"], gone["poll_interval_seconds"], gone["polls"]) == ({}, None, 0)
    assert (status, refused["error"]["code"]) == (409, "plugin_unavailable")
    assert gone["last_error"] in refused["error"]["message"]


async def test_plugin_routes_refuse_what_they_cannot_do() -> None:
    """Without a token 401; before the engine runs its plugins 503."""
    async with client(engine_state(), headers={}) as session:
        status, _ = await _call(session, "get", "/api/v1/plugins", "/api/v1/plugins")
        assert status == 401
    async with client(engine_state()) as session:
        status, body = await _call(session, "get", "/api/v1/plugins", "/api/v1/plugins")
        assert (status, body["error"]["code"]) == (503, "plugins_unavailable")
        status, _ = await _call(session, "put", "/api/v1/plugins/a", ONE, json={"enabled": False})
        assert status == 503


def test_fields_describe_a_schema_with_checks() -> None:
    """The AWS plugin's options (a schema inside vol.All): kinds, choices, defaults, secrets."""
    found = {field.key: field for field in fields(AwsCostExplorerPlugin.manifest)}
    assert (found["metric"].kind, found["metric"].default) == ("choice", "UnblendedCost")
    assert (found["group_by"].kind, found["group_by"].choices) == ("list", ["REGION", "SERVICE"])
    assert (found["forecast"].kind, found["max_attempts"].kind) == ("boolean", "integer")
    assert found["forecast_interval_hours"].kind == "number"
    assert (found["secret_access_key"].secret, found["secret_access_key"].default) == (True, None)
