"""The device routes: list, change, and a device's energy (from the rollups).

`PATCH /api/v1/devices/{device_id}` gives a device a display name, or leaves it out of the
household (timescale/0019).

A refused change answers 422 (`invalid_device`) with `details` naming the field, as budgets do.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import msgspec
from aiohttp import web
from msgspec import UNSET

from aetherlens_engine.pricing.store.devices import (
    change_device,
    daily_energy,
    device_commodity,
    devices,
    hourly_energy,
    household_meter_ids,
    lock_device,
)

from .contract.base import instant, json_response
from .contract.devices import ChangedDevice, DeviceChange
from .contract.engine import Device, DeviceList, EnergyPoint, EnergyQuery, EnergySeries
from .database import connection
from .decode import field_message, json_of, path_id, query_of
from .errors import ApiError
from .localtime import first_day_from, local_midnight
from .ranges import check_range, instant_parameter
from .state import STATE_KEY

IDENTITY = ("id", "source", "source_id", "name", "kind", "unit")


def device_identity(row: asyncpg.Record) -> dict[str, Any]:
    """Return what names a device in every answer: id, source, source id, name, kind, unit."""
    return {key: row[key] for key in IDENTITY}


def _device(row: asyncpg.Record) -> Device:
    return Device(
        **device_identity(row),
        attributes=json.loads(row["attributes"]),
        source_name=row["source_name"],
        display_name=row["display_name"],
        in_household=row["in_household"],
        created_at=instant(row["created_at"]),
        updated_at=instant(row["updated_at"]),
    )


async def get_devices(request: web.Request) -> web.Response:
    """List every device the engine knows."""
    state = request.app[STATE_KEY]
    async with connection(state) as conn:
        rows = await devices(conn)
    return json_response(DeviceList(devices=[_device(row) for row in rows]))


async def _change(request: web.Request) -> DeviceChange:
    """Decode the change of REQUEST's body; 422 naming the field that is wrong."""
    value = await json_of(request)
    if not isinstance(value, dict):
        raise ApiError(400, "invalid_body", "the body must be a JSON object")
    try:
        return msgspec.convert(value, DeviceChange)
    except msgspec.ValidationError as err:
        path, _, message = field_message(err, DeviceChange).partition(": ")
        raise ApiError(
            422,
            "invalid_device",
            f"{path}: {message}",
            details=[{"path": path, "message": message}],
        ) from err


async def patch_device(request: web.Request) -> web.Response:
    """Rename a device, or leave it out of the household (or count it again).

    A change of the household's meters recomputes the costs.
    """
    state = request.app[STATE_KEY]
    device_id = path_id(request, "device_id", "device")
    change = await _change(request)
    renamed = change.display_name is not UNSET
    name = change.display_name.strip() if isinstance(change.display_name, str) else None
    counted = None if change.in_household is UNSET else change.in_household
    async with connection(state) as conn, conn.transaction():
        if not await lock_device(conn, device_id):
            raise ApiError(404, "unknown_device", f"there is no device {device_id}")
        meters = await household_meter_ids(conn)
        row = await change_device(conn, device_id, rename=renamed, name=name, counted=counted)
        meters_changed = await household_meter_ids(conn) != meters
    if meters_changed and state.tariff_service is not None:
        await state.tariff_service.household_changed()
    return json_response(ChangedDevice(device=_device(row)))


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
        if await device_commodity(conn, device_id) is None:
            raise ApiError(404, "unknown_device", f"there is no device {device_id}")
        if resolution == "hour":
            rows = await hourly_energy(conn, device_id, start, end)
            points = [_point(row, row["hour"], row["hour"] + timedelta(hours=1)) for row in rows]
        else:
            rows = await daily_energy(
                conn, device_id, first_day_from(start, tz), first_day_from(end, tz)
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
