"""The active tariff's demand in the current billing cycle, from the recorded energy.

The cycle's complete UTC hours come from `energy_hourly` (`tariffs.usage`); the current hour's
kWh is what the rollups have folded of the household meters' readings so far, spread over
[hour, folded_to) (`rollup_progress`, the least of the meters'). Windows shorter than an hour
so see the hour's power so far, as the bill sees hourly data (constant power within an hour).
The calculation is `tariffs.demand.demand_status`.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg

from aetherlens_engine.tariffs.demand import DemandStatus, demand_status
from aetherlens_engine.tariffs.model import Tariff
from aetherlens_engine.tariffs.projection import current_cycle
from aetherlens_engine.tariffs.series import Interval
from aetherlens_engine.tariffs.usage import exact, floor_hour

from .store.usage import recorded_usage

# The household's net kWh of the hour so far, and how far every meter's readings are folded.
_CURRENT_HOUR_SQL = """
SELECT sum(e.energy_kwh) AS kwh, min(p.folded_to) AS folded_to
FROM energy_hourly AS e
JOIN rollup_progress AS p USING (device_id)
WHERE e.hour = $1 AND e.device_id = ANY (ARRAY(SELECT id FROM household_meters))
"""


async def current_hour(conn: asyncpg.Connection, now: datetime) -> list[Interval]:
    """Return the household's import of NOW's hour so far: one interval, or none."""
    hour = floor_hour(now)
    row = await conn.fetchrow(_CURRENT_HOUR_SQL, hour)
    if row["kwh"] is None or row["kwh"] <= 0:
        return []
    end = min(row["folded_to"], now)
    return [Interval(hour, end, exact(row["kwh"]))] if end > hour else []


async def demand_now(
    conn: asyncpg.Connection, tariff: Tariff, now: datetime
) -> DemandStatus | None:
    """Return TARIFF's demand in the cycle holding NOW; None for a tariff without demand."""
    if tariff.demand is None:
        return None
    first = floor_hour(current_cycle(tariff, now).start_utc)
    recorded = await recorded_usage(conn, first, floor_hour(now))
    return demand_status(tariff, [*recorded.load, *await current_hour(conn, now)], now)
