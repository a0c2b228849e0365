"""The engine runs the configured plugins: options validated, costs stored, status in health."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from aetherlens_engine.config import load_config
from aetherlens_engine.engine import Engine
from aetherlens_engine.errors import ConfigError
from aetherlens_engine.migrations import apply_migrations
from tests.postgres import ScratchDatabase

STEADY = "tests.engine.fakes.plugins:SteadyPlugin"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _token(data_dir: Path) -> str:
    return next(data_dir.glob("*token*")).read_text().strip()


def test_plugins_section_is_validated(tmp_path: Path) -> None:
    """Instances are named uniquely; disabled ones are left out; limits are converted."""
    config = load_config(
        environ={},
        overrides={
            "data_dir": str(tmp_path),
            "plugins": [
                {
                    "name": "home",
                    "plugin": "aws_cost_explorer",
                    "poll_interval_minutes": 240,
                    "memory_limit_mb": 256,
                    "config": {"profile": "home"},
                },
                {"name": "off", "plugin": "aws_cost_explorer", "enabled": False},
            ],
        },
    )
    (home,) = config.plugins
    assert (home.name, home.plugin, dict(home.config)) == (
        "home",
        "aws_cost_explorer",
        {"profile": "home"},
    )
    assert home.poll_interval == timedelta(hours=4)
    assert home.poll_timeout == timedelta(minutes=5)
    assert home.memory_limit_bytes == 256 * 2**20
    assert load_config(environ={}, overrides={"data_dir": str(tmp_path)}).plugins == ()


@pytest.mark.parametrize(
    ("plugins", "message"),
    [
        ([{"name": "a", "plugin": "x"}, {"name": "a", "plugin": "y"}], "must be unique: a"),
        ([{"plugin": "x"}], "invalid option 'plugins.0.name'"),
        ([{"name": "a", "plugin": "x", "memory_limit_mb": 0}], "plugins.0.memory_limit_mb"),
    ],
)
def test_bad_plugin_options_name_the_option(
    tmp_path: Path, plugins: list[dict[str, object]], message: str
) -> None:
    """A wrong plugins section is refused before anything starts."""
    with pytest.raises(ConfigError, match=message):
        load_config(environ={}, overrides={"data_dir": str(tmp_path), "plugins": plugins})


async def test_engine_runs_plugins_and_stores_their_costs(
    database: ScratchDatabase, tmp_path: Path
) -> None:
    """A configured plugin polls in its worker; /api/v1/health shows it; costs are stored."""
    port = _free_port()
    config = load_config(
        environ={},
        overrides={
            "data_dir": str(tmp_path),
            "database_url": database.dsn,
            "api": {"port": port},
            "plugins": [{"name": "steady", "plugin": STEADY, "config": {"account": "acct-9"}}],
        },
    )
    engine = Engine(config)
    await engine.start()
    try:
        headers = {"Authorization": f"Bearer {_token(tmp_path)}"}  # health's details need it
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", headers=headers) as session:
            async with asyncio.timeout(60):
                while True:
                    async with session.get("/api/v1/health") as resp:
                        plugin = (await resp.json())["plugins"]["steady"]
                    if plugin["status"] == "healthy":
                        break
                    await asyncio.sleep(0.1)
    finally:
        await engine.stop()
    assert plugin["plugin"] == "steady"
    assert plugin["requests"] == 2
    assert plugin["request_cost"] == "0.02"
    assert (tmp_path / "plugins" / "steady").is_dir()
    conn = await asyncpg.connect(database.dsn)
    try:
        row = await conn.fetchrow(
            """
            SELECT d.source, d.source_id, d.kind, c.amount
            FROM devices AS d JOIN cloud_costs AS c ON c.device_id = d.id
            """
        )
    finally:
        await conn.close()
    assert tuple(row) == ("steady", "acct-9", "cloud_account", Decimal("1.25"))


async def test_engine_keeps_ingesting_while_plugins_misbehave(
    database: ScratchDatabase, tmp_path: Path
) -> None:
    """Crash, hang and leak in plugin workers: readings are still taken; the plugins come back.
    Malformed records are refused without a restart."""
    port = _free_port()
    fakes = "tests.engine.fakes.plugins"
    config = load_config(
        environ={},
        overrides={
            "data_dir": str(tmp_path),
            "database_url": database.dsn,
            "api": {"port": port},
            "plugins": [
                {
                    "name": "crashing",
                    "plugin": f"{fakes}:CrashingPlugin",
                    "config": {"marker": str(tmp_path / "c")},
                },
                {
                    "name": "hanging",
                    "plugin": f"{fakes}:HangingPlugin",
                    "timeout_seconds": 1,
                    "config": {"marker": str(tmp_path / "h")},
                },
                {"name": "malformed", "plugin": f"{fakes}:MalformedPlugin"},
                {
                    "name": "leaking",
                    "plugin": f"{fakes}:LeakingPlugin",
                    "memory_limit_mb": 160,
                    "config": {"marker": str(tmp_path / "l")},
                },
            ],
        },
    )
    conn = await asyncpg.connect(database.dsn)
    try:
        await apply_migrations(conn)
        device = await conn.fetchval(
            "INSERT INTO devices (source, source_id, name, kind, unit)"
            " VALUES ('test', 'plug', 'Plug', 'appliance', 'W') RETURNING id"
        )
    finally:
        await conn.close()
    engine = Engine(config)
    await engine.start()
    try:
        headers = {"Authorization": f"Bearer {_token(tmp_path)}"}
        accepted = 0
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", headers=headers) as session:
            async with asyncio.timeout(60):
                while True:
                    reading = {
                        "device_id": device,
                        "time": datetime.now(UTC).isoformat(),
                        "value": 100.0 + accepted,
                        "unit": "W",
                    }
                    async with session.post("/api/v1/readings", json=[reading]) as resp:
                        assert resp.status == 200
                        accepted += (await resp.json())["accepted"]
                    async with session.get("/api/v1/health") as resp:
                        plugins = (await resp.json())["plugins"]
                    malformed = plugins.pop("malformed")
                    if malformed["refused"] and all(
                        p["restarts"] == 1 and p["status"] == "healthy" for p in plugins.values()
                    ):
                        break
                    await asyncio.sleep(0.1)
    finally:
        await engine.stop()
    assert set(plugins) == {"crashing", "hanging", "leaking"}
    assert (malformed["status"], malformed["restarts"]) == ("healthy", 0)
    assert accepted >= 1
    conn = await asyncpg.connect(database.dsn)
    try:
        stored = await conn.fetchval("SELECT count(*) FROM readings WHERE device_id = $1", device)
    finally:
        await conn.close()
    assert stored == accepted
