"""The engine devices of recorded entities (`devices` rows of source 'homeassistant').

Plugins' devices are made the same way, under the plugin's name as their source.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from aetherlens_engine.models import Commodity, DeviceKind, Flow

SOURCE = "homeassistant"

# Kind, commodity, flow, connection and HA details follow HA, and so does the name unless the
# household gave the device its own (timescale/0019); the unit stays what the readings were
# stored in.
_UPSERT = """
INSERT INTO devices (source, source_id, name, source_name, kind, unit, attributes, commodity,
                     flow, connection)
SELECT $1, s.source_id, s.name, s.name, s.kind, s.unit, s.attributes::jsonb, s.commodity, s.flow,
       s.connection
FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
            $9::text[])
    AS s (source_id, name, kind, unit, attributes, commodity, flow, connection)
ON CONFLICT (source, source_id) DO UPDATE
SET name = coalesce(devices.display_name, excluded.name), source_name = excluded.name,
    kind = excluded.kind, attributes = excluded.attributes, commodity = excluded.commodity,
    flow = excluded.flow, connection = excluded.connection, updated_at = now()
WHERE (devices.source_name, devices.kind, devices.attributes, devices.commodity, devices.flow,
       devices.connection)
      IS DISTINCT FROM (excluded.name, excluded.kind, excluded.attributes, excluded.commodity,
                        excluded.flow, excluded.connection)
"""
# Containers are set once every device of the batch exists (a container may be new too).
_CONTAINERS = """
UPDATE devices AS d SET included_in = container.id, updated_at = now()
FROM unnest($2::text[], $3::text[]) AS s (source_id, container_id)
LEFT JOIN devices AS container ON container.source = $1 AND container.source_id = s.container_id
WHERE d.source = $1 AND d.source_id = s.source_id
  AND d.included_in IS DISTINCT FROM container.id
"""
_IDS = "SELECT source_id, id, unit FROM devices WHERE source = $1 AND source_id = ANY($2::text[])"
# What of a device the household rule reads (timescale/0019's views, 0022's connections): a change
# of it on a device that already has energy changes the rates its commodity's costs were priced at.
_RULE = """
SELECT id, kind, commodity, flow, connection, included_in
FROM devices WHERE source = $1 AND source_id = ANY($2::text[])
ORDER BY id
FOR UPDATE
"""
_LAST = """
SELECT d.id, r.time, r.value
FROM unnest($1::integer[]) AS d (id)
CROSS JOIN LATERAL readings_before(d.id, 'infinity', 1, true) AS r
"""


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    """What an entity's device should be."""

    source_id: str
    name: str
    kind: DeviceKind
    unit: str
    attributes: Mapping[str, Any]
    included_in: str | None = None  # the source_id of the device this one is measured inside
    commodity: Commodity = Commodity.ELECTRICITY
    flow: Flow | None = None  # a grid connection's import or export meter
    connection: str | None = None  # the grid connection's key: its first meter's source_id


@dataclass(frozen=True, slots=True)
class StoredDevice:
    """A device row: its id and the unit its readings are stored in."""

    id: int
    unit: str | None


@dataclass(frozen=True, slots=True)
class StoredDevices:
    """The devices of an upsert, and the commodities whose household rule it changed."""

    by_source_id: dict[str, StoredDevice]
    # Of devices that existed before: their kind, commodity, flow, connection or container
    # changed (both commodities of a device that changed commodity).
    household_changed: frozenset[Commodity]


@dataclass(frozen=True, slots=True)
class LastReading:
    """A device's latest usable reading."""

    time: datetime
    value: float


async def upsert_devices(
    pool: asyncpg.Pool, specs: Sequence[DeviceSpec], source: str = SOURCE
) -> StoredDevices:
    """Create or update the devices of SPECS of SOURCE; return them and what they changed."""
    if not specs:
        return StoredDevices({}, frozenset())
    source_ids = [s.source_id for s in specs]
    async with pool.acquire() as conn, conn.transaction():
        before = {row["id"]: row for row in await conn.fetch(_RULE, source, source_ids)}
        await conn.execute(
            _UPSERT,
            source,
            source_ids,
            [s.name for s in specs],
            [str(s.kind) for s in specs],
            [s.unit for s in specs],
            [json.dumps(s.attributes, sort_keys=True) for s in specs],
            [str(s.commodity) for s in specs],
            [None if s.flow is None else str(s.flow) for s in specs],
            [s.connection for s in specs],
        )
        await conn.execute(_CONTAINERS, source, source_ids, [s.included_in for s in specs])
        after = await conn.fetch(_RULE, source, source_ids)
        rows = await conn.fetch(_IDS, source, source_ids)
    changed = {
        Commodity(commodity)
        for row in after
        if (old := before.get(row["id"])) is not None and tuple(old) != tuple(row)
        for commodity in (old["commodity"], row["commodity"])
    }
    return StoredDevices(
        {row["source_id"]: StoredDevice(row["id"], row["unit"]) for row in rows},
        frozenset(changed),
    )


async def last_readings(pool: asyncpg.Pool, device_ids: Sequence[int]) -> dict[int, LastReading]:
    """Return the latest usable (not glitch) reading of each of DEVICE_IDS that has one."""
    if not device_ids:
        return {}
    rows = await pool.fetch(_LAST, list(device_ids))
    return {row["id"]: LastReading(row["time"], row["value"]) for row in rows}
