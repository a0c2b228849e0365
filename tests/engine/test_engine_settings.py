"""A running engine's settings: a save applies live where it can, and the next start runs with it.

A real engine (in this process) on a real database, driven over HTTP as the page drives it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from aetherlens_engine.engine import Engine
from tests.engine.test_api_support import add_device, engine_config, migrate
from tests.postgres import ScratchDatabase

pytestmark = pytest.mark.parametrize("database", ["timescaledb"], indirect=True)

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


def _clock() -> datetime:
    return NOW


async def _refused(session: aiohttp.ClientSession, device: int, days: int) -> list[str]:
    """Post one reading DAYS old; return why the engine refused it ([]: it took it)."""
    reading = {"device_id": device, "time": (NOW - timedelta(days=days)).isoformat(), "value": 5}
    async with session.post("/api/v1/readings", json=[reading]) as resp:
        answer: dict[str, Any] = await resp.json()
    if "accepted" in answer:
        assert answer["accepted"] == 1, answer
        return []
    return [detail["reason"] for detail in answer["error"]["details"]]


async def test_a_save_applies_live_and_at_the_next_start(
    database: ScratchDatabase, tmp_path: Path
) -> None:
    """A shorter retention refuses older readings at once; a new time zone waits for the restart."""
    config, port = engine_config(tmp_path, database.dsn, timezone="Europe/Zurich", currency="CHF")
    pool = await asyncpg.create_pool(database.dsn, min_size=1, max_size=1)
    try:
        await migrate(pool)
        plug = await add_device(pool, "plug")
    finally:
        await pool.close()
    engine = Engine(config, clock=_clock)
    await engine.start()
    try:
        token = (tmp_path / "api_token").read_text().strip()
        headers = {"Authorization": f"Bearer {token}"}
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", headers=headers) as session:
            assert await _refused(session, plug, 60) == []
            async with session.get("/api/v1/settings") as resp:
                settings = await resp.json()
            del settings["saved"], settings["restart_required"]
            settings["retention"]["raw_days"] = 45
            settings["timezone"] = "Europe/Berlin"
            async with session.put("/api/v1/settings", json=settings) as resp:
                saved = await resp.json()
            assert (resp.status, saved["restart_required"]) == (200, ["timezone"])
            # Older than the new retention: refused at once.
            assert await _refused(session, plug, 61) == ["too_old"]
            assert await _refused(session, plug, 30) == []
            async with session.get("/api/v1/summary") as resp:
                assert (await resp.json())["timezone"] == "Europe/Zurich"  # until the restart
    finally:
        await engine.stop()

    again = Engine(config, clock=_clock)
    await again.start()
    try:
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", headers=headers) as session:
            async with session.get("/api/v1/summary") as resp:
                assert (await resp.json())["timezone"] == "Europe/Berlin"
            async with session.get("/api/v1/settings") as resp:
                settings = await resp.json()
            assert settings["restart_required"] == []
            assert settings["saved"] == ["timezone", "retention"]
            assert await _refused(session, plug, 62) == ["too_old"]
    finally:
        await again.stop()
