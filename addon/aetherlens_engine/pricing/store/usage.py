"""Recorded household energy and price/carbon series, read from the database for billing.

The household's energy per UTC hour is the sum of its `household_meters` (mains devices, or
the appliances not inside another where no mains device exists: timescale/0005) in
`energy_hourly`. A bidirectional mains meter that nets below zero in an hour exported the
difference: import is the positive part of each hour, export the negative part. A grid
connection's export meters (`devices.flow`, timescale/0012: no household meters) add what they
count to its export.

Dynamic prices come from the readings of the first price device (by id) whose unit is the
tariff's `<currency>/kWh`; a carbon series from the first carbon device (unit `kg/kWh`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

import asyncpg

from aetherlens_engine.models import UNIT_CARBON, Commodity, DeviceKind
from aetherlens_engine.tariffs.metered import MeterHours, billed_household
from aetherlens_engine.tariffs.model import Tariff
from aetherlens_engine.tariffs.series import Interval, Series
from aetherlens_engine.tariffs.usage import HOUR, ZERO, Usage, exact, hourly

# The meters as an array evaluated first: the planner then reads only their hours by the key
# (as a join it estimates the view's rows badly and scans the span's hours of every device).
_HOUSEHOLD_SQL = """
SELECT e.hour, e.energy_kwh, e.device_id = ANY ($4::int[]) AS exported
FROM energy_hourly AS e
WHERE e.hour >= $1 AND e.hour < $2
  AND e.device_id = ANY (ARRAY(
      SELECT id FROM household_meters JOIN device_connections USING (id) WHERE connection = $3
  ) || $4::int[])
ORDER BY e.hour
"""
# The export meters of the connection (or, '', of those the active tariff prices).
_EXPORT_METERS_SQL = """
SELECT array_agg(d.id) FROM devices AS d JOIN device_connections AS dc USING (id)
WHERE dc.connection = $1 AND d.flow = 'export' AND d.commodity = 'electricity'
  AND d.included_in IS NULL AND d.in_household
"""
# Each household meter's hours of a commodity, with the unit they are in.
_COMMODITY_SQL = """
SELECT e.device_id, d.unit, e.hour, e.energy_kwh
FROM energy_hourly AS e
JOIN devices AS d ON d.id = e.device_id
WHERE e.hour >= $2 AND e.hour < $3
  AND e.device_id = ANY (ARRAY(SELECT id FROM commodity_meters WHERE commodity = $1))
ORDER BY e.device_id, e.hour
"""
# The series' value in force at `start` (its last point before) and every point up to `end`.
_SERIES_SQL = """
WITH source AS (
    SELECT id FROM devices
    WHERE kind = $1 AND unit = $2 AND commodity = 'electricity'
    ORDER BY id LIMIT 1
), first AS (
    SELECT time FROM readings_before((SELECT id FROM source), $3, 1, false)
)
SELECT r.time, r.value
FROM readings_between((SELECT id FROM source), coalesce((SELECT time FROM first), $3), $4) AS r
WHERE r.time < $4
ORDER BY r.time
"""


async def recorded_usage(
    conn: asyncpg.Connection, start: datetime, end: datetime, connection: str = ""
) -> Usage:
    """Return the household's import and export in the UTC hours starting in [start, end).

    That of the grid CONNECTION with its own tariff (timescale/0022), or ('') of the meters of
    no such connection, which the active tariff prices.
    """
    exporting = await conn.fetchval(_EXPORT_METERS_SQL, connection) or []
    rows = await conn.fetch(_HOUSEHOLD_SQL, start, end, connection, exporting)
    net: dict[datetime, Decimal] = defaultdict(Decimal)
    exported: dict[datetime, Decimal] = defaultdict(Decimal)
    for row in rows:
        kwh = exact(row["energy_kwh"])
        if row["exported"]:
            net[row["hour"]] += ZERO  # an hour the connection recorded, if it imported nothing
            exported[row["hour"]] += kwh
        else:
            net[row["hour"]] += kwh
    load = hourly({hour: max(kwh, ZERO) for hour, kwh in net.items()})
    for hour, kwh in net.items():
        exported[hour] += max(-kwh, ZERO)
    export = [Interval(hour, hour + HOUR, kwh) for hour, kwh in sorted(exported.items()) if kwh > 0]
    return Usage(load, export)


async def commodity_hours(
    conn: asyncpg.Connection, commodity: Commodity, start: datetime, end: datetime
) -> MeterHours:
    """Return the hours in [START, END) of each of COMMODITY's household meters.

    Those of its `commodity_meters` (timescale/0012), in each meter's own unit.
    """
    meters: dict[tuple[int, str], list[Interval]] = defaultdict(list)
    for row in await conn.fetch(_COMMODITY_SQL, str(commodity), start, end):
        hour = row["hour"]
        meters[row["device_id"], row["unit"]].append(
            Interval(hour, hour + HOUR, exact(row["energy_kwh"]))
        )
    return meters


async def commodity_load(
    conn: asyncpg.Connection, tariff: Tariff, start: datetime, end: datetime
) -> list[Interval]:
    """Return TARIFF's commodity's household per hour in [START, END), in TARIFF's unit.

    Each meter is converted from its own unit (`metered.billed_household`: BillInputError where
    TARIFF cannot price it).
    """
    return billed_household(tariff, await commodity_hours(conn, tariff.commodity, start, end))


async def _series(
    conn: asyncpg.Connection, kind: DeviceKind, unit: str, start: datetime, end: datetime
) -> Series | None:
    rows = await conn.fetch(_SERIES_SQL, kind.value, unit, start, end)
    if len(rows) < 2:  # noqa: PLR2004 - a step's length comes from two points
        return None
    return Series.from_points(kind.value, [(row["time"], exact(row["value"])) for row in rows])


async def price_series(
    conn: asyncpg.Connection, currency: str, start: datetime, end: datetime
) -> Series | None:
    """Return the recorded price per kWh in CURRENCY over [start, end), None without two points."""
    return await _series(conn, DeviceKind.PRICE, f"{currency}/kWh", start, end)


async def carbon_series(conn: asyncpg.Connection, start: datetime, end: datetime) -> Series | None:
    """Return the recorded carbon intensity over [start, end), None without two points."""
    return await _series(conn, DeviceKind.CARBON, UNIT_CARBON, start, end)
