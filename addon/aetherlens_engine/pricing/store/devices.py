"""The devices the engine knows, their names and household, and their energy (the rollups)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import asyncpg

_COLUMNS = """id, source, source_id, name, kind, unit, attributes::text AS attributes,
    coalesce(source_name, name) AS source_name, display_name, in_household, created_at,
    updated_at"""
_DEVICES_SQL = f"SELECT {_COLUMNS} FROM devices ORDER BY id"
# The source's name is kept before a display name replaces `name`; without one, `name` is the
# source's again. Every expression reads the row as it was.
_CHANGE_SQL = f"""
UPDATE devices
SET source_name = coalesce(source_name, name),
    display_name = CASE WHEN $2 THEN $3 ELSE display_name END,
    name = CASE WHEN $2 THEN coalesce($3, source_name, name) ELSE name END,
    in_household = coalesce($4, in_household),
    updated_at = now()
WHERE id = $1
RETURNING {_COLUMNS}
"""
# The household's use is its meters' (timescale/0005): the rates follow it, the parts do not.
_METERS_SQL = "SELECT array_agg(id ORDER BY id) FROM household_meters"
# Each device's energy (and cost) from the cycle start $1 to today $2, with its energy per day
# from $3 (the trend); today's from its hours [$4, $5).
_FIGURES_SQL = """
WITH days AS (
    SELECT device_id, day, energy_kwh
    FROM energy_daily
    WHERE day >= least($1::date, $3::date) AND day < $2
), today AS (
    SELECT device_id, sum(energy_kwh) AS kwh
    FROM energy_hourly
    WHERE hour >= $4 AND hour < $5
    GROUP BY device_id
), cost AS (
    SELECT device_id, sum(cost) AS cost
    FROM cost_daily
    WHERE day >= $1 AND day <= $2 AND currency = $6
    GROUP BY device_id
)
SELECT d.id,
       coalesce((SELECT sum(x.energy_kwh) FROM days AS x WHERE x.device_id = d.id AND x.day >= $1),
                0) + coalesce(t.kwh, 0) AS energy_cycle,
       c.cost AS cost_cycle,
       ARRAY(
           SELECT coalesce(x.energy_kwh, 0)
           FROM generate_series($3::date, $2::date - 1, interval '1 day') AS g (day)
           LEFT JOIN days AS x ON x.device_id = d.id AND x.day = g.day::date
           ORDER BY g.day
       ) AS trend,
       EXISTS (SELECT 1 FROM tariffs) AS priced
FROM devices AS d
LEFT JOIN today AS t ON t.device_id = d.id
LEFT JOIN cost AS c ON c.device_id = d.id
WHERE d.kind = ANY($7::text[]) AND d.commodity = 'electricity'
ORDER BY d.id
"""
# The units the household meters of a commodity ($1), or device $2, count in.
_UNITS_SQL = """
SELECT array_agg(DISTINCT unit) FROM devices
WHERE commodity = $1
  AND CASE WHEN $2::integer IS NULL
           THEN id IN (SELECT id FROM commodity_meters WHERE commodity = $1)
           ELSE id = $2 END
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


async def devices(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Return every device by id: identity, names, attributes (JSON text), household, timestamps."""
    rows: list[asyncpg.Record] = await conn.fetch(_DEVICES_SQL)
    return rows


async def lock_device(conn: asyncpg.Connection, device_id: int) -> bool:
    """Lock the device's row until the transaction ends; False: no such device."""
    return (
        await conn.fetchval("SELECT 1 FROM devices WHERE id = $1 FOR UPDATE", device_id) is not None
    )


async def household_meter_ids(conn: asyncpg.Connection) -> list[int] | None:
    """Return the ids of the electricity household's meters (`household_meters`), in order."""
    ids: list[int] | None = await conn.fetchval(_METERS_SQL)
    return ids


async def change_device(
    conn: asyncpg.Connection,
    device_id: int,
    *,
    rename: bool,
    name: str | None,
    counted: bool | None,
) -> asyncpg.Record:
    """Rename the device, count it in or out of the household; return its row as `devices` has it.

    With RENAME, NAME is its display name (None: its source's name again); COUNTED, unless
    None, says whether it counts in the household.
    """
    row: asyncpg.Record = await conn.fetchrow(_CHANGE_SQL, device_id, rename, name, counted)
    return row


async def device_commodity(conn: asyncpg.Connection, device_id: int) -> str | None:
    """Return what the device meters (electricity, gas, water); None: no such device."""
    commodity: str | None = await conn.fetchval(
        "SELECT commodity FROM devices WHERE id = $1", device_id
    )
    return commodity


async def metered_units(
    conn: asyncpg.Connection, commodity: str, device_id: int | None
) -> list[str] | None:
    """Return the units COMMODITY's household meters (or DEVICE_ID) count in; None: no meter."""
    units: list[str] | None = await conn.fetchval(_UNITS_SQL, commodity, device_id)
    return units


async def cycle_figures(
    conn: asyncpg.Connection,
    *,
    cycle_start: date,
    today: date,
    trend_start: date,
    day: tuple[datetime, datetime],
    currency: str,
    kinds: Sequence[str],
) -> list[asyncpg.Record]:
    """Return the electricity devices of KINDS by id: energy and cost since CYCLE_START, trend.

    The trend is each day's energy from TREND_START to yesterday; DAY is today's span in UTC;
    costs are in CURRENCY. Every row says whether a tariff exists (`priced`).
    """
    rows: list[asyncpg.Record] = await conn.fetch(
        _FIGURES_SQL, cycle_start, today, trend_start, day[0], day[1], currency, list(kinds)
    )
    return rows


async def hourly_energy(
    conn: asyncpg.Connection, device_id: int, start: datetime, end: datetime
) -> list[asyncpg.Record]:
    """Return the device's rolled-up hours starting in [start, end), in time order."""
    rows: list[asyncpg.Record] = await conn.fetch(_HOURLY_SQL, device_id, start, end)
    return rows


async def daily_energy(
    conn: asyncpg.Connection, device_id: int, first: date, end: date
) -> list[asyncpg.Record]:
    """Return the device's rolled-up local days [first, end), in day order."""
    rows: list[asyncpg.Record] = await conn.fetch(_DAILY_SQL, device_id, first, end)
    return rows
