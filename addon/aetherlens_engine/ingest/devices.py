"""The device registry as the pipeline sees it: the `devices` table, read whole."""

from __future__ import annotations

import asyncpg

from aetherlens_engine.models import Device, DeviceKind


async def load_devices(pool: asyncpg.Pool) -> dict[int, Device]:
    """Return every device by id."""
    rows = await pool.fetch("SELECT id, source, source_id, name, kind, unit FROM devices")
    return {
        row["id"]: Device(
            row["id"],
            row["source"],
            row["source_id"],
            row["name"],
            DeviceKind(row["kind"]),
            row["unit"],
        )
        for row in rows
    }
