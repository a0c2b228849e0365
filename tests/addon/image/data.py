"""Readings for the image tests: a meter in the add-on's database, batches through the API."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import asyncpg

from aetherlens_engine.database import DATABASE_NAME, MANAGED_PORT

from .container import (
    AddonContainer,
    RunningAddon,
    Service,
    database_socket,
    start_addon,
    wait_for_socket,
)


async def connect(container: AddonContainer) -> asyncpg.Connection:
    """Connect to the add-on's database over its Unix socket (the volume is on the host).

    The socket is there a moment before the server takes connections: that is waited out.
    """
    async with asyncio.timeout(STARTING_TIMEOUT):
        while True:
            try:
                return await asyncpg.connect(
                    host=str(database_socket(container)),
                    port=MANAGED_PORT,
                    user="postgres",
                    database=DATABASE_NAME,
                )
            except asyncpg.CannotConnectNowError:
                await asyncio.sleep(0.2)


async def add_meter(container: AddonContainer, name: str = "meter") -> int:
    """Add an energy meter (as a collector would); return its device id."""
    conn = await connect(container)
    try:
        device_id: int = await conn.fetchval(
            "INSERT INTO devices (source, source_id, name, kind, unit)"
            " VALUES ('image-test', $1, $1, 'meter', 'kWh') RETURNING id",
            name,
        )
    finally:
        await conn.close()
    return device_id


STARTING_TIMEOUT = 60.0
# The engine reads its devices table again at most every 10 s.
KNOWN_TIMEOUT = 60.0


def start_with_meter(container: AddonContainer, port: int) -> tuple[RunningAddon, int]:
    """Start the add-on and add a meter; return both once the engine took a first reading.

    The meter then holds one reading (2 hours ago), which the tests count.
    """
    addon = start_addon(container, port)
    meter = asyncio.run(add_meter(container))
    asyncio.run(_until_known(addon, meter))
    return addon, meter


async def _until_known(addon: RunningAddon, meter: int) -> None:
    probe = batch(meter, recent(120), 1)
    async with asyncio.timeout(KNOWN_TIMEOUT), aiohttp.ClientSession() as session:
        while await post_readings(session, addon.url, addon.token, probe) != 200:  # noqa: ASYNC110
            await asyncio.sleep(0.5)


def batch(device_id: int, start: datetime, count: int) -> list[dict[str, Any]]:
    """Return COUNT readings of a meter one second apart from START, rising 1 Wh each."""
    return [
        {
            "device_id": device_id,
            "time": (start + timedelta(seconds=i)).isoformat(),
            "value": round(1000 + (start.timestamp() + i) / 3600, 6),
            "unit": "kWh",
        }
        for i in range(count)
    ]


def recent(minutes: int) -> datetime:
    """Return a whole second MINUTES ago (readings must be recent enough to be kept)."""
    return datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=minutes)


async def post_readings(
    session: aiohttp.ClientSession, url: str, token: str, readings: list[dict[str, Any]]
) -> int:
    """POST a batch; return the HTTP status (200: every reading stored or spooled)."""
    async with session.post(
        f"{url}/api/v1/readings", json=readings, headers={"Authorization": f"Bearer {token}"}
    ) as response:
        await response.read()
        return response.status


async def count_readings(container: AddonContainer, device_id: int) -> int:
    """Return how many readings of DEVICE_ID the database holds."""
    conn = await connect(container)
    try:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM readings WHERE device_id = $1", device_id
        )
    finally:
        await conn.close()
    return count


@contextmanager
def database_only(container: AddonContainer) -> Iterator[Service]:
    """Run the add-on's PostgreSQL alone (to look at what the engine left)."""
    server = Service(container, "postgres")
    server.start()
    try:
        wait_for_socket(container, server)
        yield server
    finally:
        server.stop()
