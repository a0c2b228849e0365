"""`GET /api/v1/devices` and `GET /api/v1/devices/{device_id}/energy` (from the rollups)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from aiohttp import web

from .contract.base import instant, json_response
from .contract.engine import Device, DeviceList, EnergyPoint, EnergyQuery, EnergySeries
from .database import connection
from .decode import path_id, query_of
from .errors import ApiError
from .localtime import first_day_from, local_midnight
from .ranges import check_range, instant_parameter
from .state import STATE_KEY

_DEVICES_SQL = """
SELECT id, source, source_id, name, kind, unit, attributes::text AS attributes,
       created_at, updated_at
FROM devices
ORDER BY id
"""
_HOURLY_SQL = """
SELECT hour, energy_kwh, avg_power_w, max_power_w, samples, quality
FROM energy_hourly
WHERE device_id = $1 AND hour >= $2 AND hour < $3
ORDER BY hour
"""
_DAILY_SQL = """
SELECT day, energy_kwh, max_power_w, samples, quality
FROM energy_daily
WHERE device_id = $1 AND day >= $2 AND day < $3
ORDER BY day
"""


IDENTITY = ("id", "source", "source_id", "name", "kind", "unit")


def device_identity(row: asyncpg.Record) -> dict[str, Any]:
    """Return what names a device in every answer: id, source, source id, name, kind, unit."""
    return {key: row[key] for key in IDENTITY}


async def get_devices(request: web.Request) -> web.Response:
    """List every device the engine knows."""
    state = request.app[STATE_KEY]
    async with connection(state) as conn:
        rows = await conn.fetch(_DEVICES_SQL)
    devices = [
        Device(
            **device_identity(row),
            attributes=json.loads(row["attributes"]),
            created_at=instant(row["created_at"]),
            updated_at=instant(row["updated_at"]),
        )
        for row in rows
    ]
    return json_response(DeviceList(devices=devices))


def _range(request: web.Request, query: EnergyQuery) -> tuple[datetime, datetime]:
    start, end = instant_parameter("from", query.from_), instant_parameter("to", query.to)
    longest = request.app[STATE_KEY].limits.max_range(query.resolution)
    check_range(start, end, longest, names=("from", "to"), most_for=f"{query.resolution}s")
    return start, end


async def get_device_energy(request: web.Request) -> web.Response:
    """Answer a device's energy per hour or local day whose start lies in [from, to)."""
    state = request.app[STATE_KEY]
    device_id = path_id(request, "device_id", "device")
    query = query_of(request, EnergyQuery)
    resolution = query.resolution
    start, end = _range(request, query)
    tz = state.timezone
    async with connection(state) as conn:
        if await conn.fetchval("SELECT 1 FROM devices WHERE id = $1", device_id) is None:
            raise ApiError(404, "unknown_device", f"there is no device {device_id}")
        if resolution == "hour":
            rows = await conn.fetch(_HOURLY_SQL, device_id, start, end)
            points = [_point(row, row["hour"], row["hour"] + timedelta(hours=1)) for row in rows]
        else:
            rows = await conn.fetch(
                _DAILY_SQL, device_id, first_day_from(start, tz), first_day_from(end, tz)
            )
            points = [
                _point(
                    row,
                    local_midnight(row["day"], tz),
                    local_midnight(row["day"] + timedelta(days=1), tz),
                )
                for row in rows
            ]
    return json_response(
        EnergySeries(
            device_id=device_id,
            resolution=resolution,
            from_=instant(start),
            to=instant(end),
            timezone=tz.key,
            total_kwh=sum(point.energy_kwh for point in points),
            points=points,
        )
    )


def _point(row: Any, start: datetime, end: datetime) -> EnergyPoint:
    return EnergyPoint(
        start=instant(start),
        end=instant(end),
        energy_kwh=row["energy_kwh"],
        avg_power_w=row.get("avg_power_w"),
        max_power_w=row["max_power_w"],
        samples=row["samples"],
        quality=row["quality"],
    )
