"""What the current billing cycle's figures depend on, read in one round trip.

The active tariff's version in force at an instant, the revision of the cycle's recorded inputs
(timescale/0008_pricing_revision.sql), whether the database's clock has reached the engine's
current hour, and the household's kWh of the hour before it (by meter): together they tell
whether the per-hour cache of `pricing.cycle` still holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from aetherlens_engine.tariffs.versions import StoredTariff

from .store.tariffs import COLUMNS, stored_from_row

# $1 the instant, $2 the start of its hour. The meters' array is evaluated first (see
# pricing/store/usage.py): the last hour is then read by the key, a row per household meter.
_INPUTS_SQL = f"""
SELECT r.revision,
       clock_timestamp() >= $2 AS settled,
       ARRAY(
           SELECT e.energy_kwh FROM energy_hourly AS e
           WHERE e.hour = $2 - interval '1 hour'
             AND e.device_id = ANY (ARRAY(SELECT id FROM household_meters))
           ORDER BY e.device_id
       ) AS last_hour,
       t.*
FROM pricing_revision AS r
LEFT JOIN LATERAL (
    SELECT {COLUMNS} FROM tariffs
    WHERE name = (SELECT value #>> '{{}}' FROM engine_settings WHERE key = 'active_tariff')
      AND valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1)
) AS t ON true
"""


@dataclass(frozen=True, slots=True)
class CycleInputs:
    """The active tariff version at an instant, and what the cached figures of its hour need.

    `settled`: the database's clock is in or past the hour (see `pricing.cycle` on why that
    matters); `last_hour`: the household meters' kWh in the hour before, by meter id.
    """

    stored: StoredTariff | None
    revision: int
    settled: bool
    last_hour: tuple[float, ...]


async def load_inputs(conn: asyncpg.Connection, now: datetime, hour: datetime) -> CycleInputs:
    """Read the inputs at NOW, whose UTC hour starts at HOUR."""
    row = await conn.fetchrow(_INPUTS_SQL, now, hour)
    stored = stored_from_row(row) if row["id"] is not None else None
    return CycleInputs(stored, row["revision"], row["settled"], tuple(row["last_hour"]))
