"""The engine in-process with a tariff file: loaded and activated at start, new hours priced."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import aiohttp
import asyncpg

from aetherlens_engine.config import load_config
from aetherlens_engine.engine import Engine
from aetherlens_engine.migrations import apply_migrations
from tests.postgres import ScratchDatabase, free_port

TARIFF = "name: flat\ncurrency: EUR\ntimezone: Europe/Berlin\nenergy:\n  price: 0.25\n"


async def test_tariff_file_activated_at_start_and_new_hours_priced(
    database: ScratchDatabase, db_pool: asyncpg.Pool, tmp_path: Path
) -> None:
    tariff = tmp_path / "tariff.yaml"
    tariff.write_text(TARIFF)
    port = free_port()
    config = load_config(
        environ={},
        overrides={
            "data_dir": str(tmp_path / "data"),
            "database_url": database.dsn,
            "timezone": "Europe/Berlin",
            "tariff_file": str(tariff),
            "api": {"port": port},
            "rollup": {"interval_seconds": 1},
        },
    )
    # The ingest pipeline learns its devices at start: this one exists before.
    async with db_pool.acquire() as conn:
        await apply_migrations(conn)
    device = await db_pool.fetchval(
        "INSERT INTO devices (source, source_id, name, kind, unit) "
        "VALUES ('test', 'meter', 'Meter', 'meter', 'kWh') RETURNING id"
    )
    engine = Engine(config)
    await engine.start()
    try:
        hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
        token = (config.data_dir / "api_token").read_text().strip()
        headers = {"Authorization": f"Bearer {token}"}
        batch = [
            {"device_id": device, "time": (hour + timedelta(minutes=15 * i)).isoformat(),
             "value": 10.0 + i}
            for i in range(5)
        ]  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession(url, headers=headers) as session:
            async with session.get("/api/v1/tariffs") as resp:
                listing = await resp.json()
            assert listing["active"] == "flat"
            async with session.post("/api/v1/readings", json=batch) as resp:
                assert resp.status == 200, await resp.text()
            cost = None
            for _ in range(300):  # bounded wait for the rollup cycle, not a timing assertion
                cost = await db_pool.fetchval(
                    "SELECT cost FROM cost_hourly WHERE device_id = $1 AND hour = $2", device, hour
                )
                if cost is not None:
                    break
                await asyncio.sleep(0.1)
            assert cost == Decimal(1)  # 4 kWh at 0.25
            async with session.get("/api/v1/recompute") as resp:
                status = await resp.json()
            # The activation's recompute ran at start (there was no energy yet).
            assert (status["state"], status["tariff"], status["generation"]) == ("done", "flat", 1)
    finally:
        await engine.stop()
