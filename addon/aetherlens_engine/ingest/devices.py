"""The device registry as the pipeline sees it: the `devices` table, read whole.

A copy is kept on disk so that an engine started while its database is down still validates
(and spools) readings of the devices it knew.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

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


def save_registry(path: Path, devices: Mapping[int, Device]) -> None:
    """Keep DEVICES in the file at PATH, for a start while the database is down."""
    rows = [[d.id, d.source, d.source_id, d.name, str(d.kind), d.unit] for d in devices.values()]
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(rows))
    temporary.replace(path)


def load_registry(path: Path) -> dict[int, Device]:
    """Return the devices `save_registry` kept at PATH (none if it never did)."""
    try:
        rows = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    return {
        row[0]: Device(row[0], row[1], row[2], row[3], DeviceKind(row[4]), row[5]) for row in rows
    }
