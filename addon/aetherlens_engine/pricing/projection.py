"""Project the current billing cycle from the recorded data (`tariffs.projection` bills it)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from aetherlens_engine.tariffs.model import Tariff
from aetherlens_engine.tariffs.projection import Projection, current_cycle, history_window, project
from aetherlens_engine.tariffs.usage import HOUR, Usage, floor_hour, no_price_device

from .store.tariffs import active_tariff_at
from .store.usage import price_series, recorded_usage


async def recorded_for(
    conn: asyncpg.Connection, tariff: Tariff, now: datetime, connection: str = ""
) -> tuple[Usage, Usage]:
    """Return the recorded usage `project` takes at NOW: the cycle's and the last 14 days'.

    That of the grid CONNECTION with a tariff of its own ('': the active tariff's household).
    """
    cycle = current_cycle(tariff, now)
    start = floor_hour(cycle.start_utc)
    recorded = await recorded_usage(conn, start, floor_hour(now), connection)
    low, high = history_window(tariff, now)
    return recorded, await recorded_usage(conn, low, high, connection)


async def project_stored(
    conn: asyncpg.Connection, tariff: Tariff, now: datetime, connection: str = ""
) -> Projection:
    """Project the cycle containing NOW under a (stored) tariff from recorded data.

    CONNECTION as for `recorded_for`.
    """
    cycle = current_cycle(tariff, now)
    hour = floor_hour(now)
    recorded, history = await recorded_for(conn, tariff, now, connection)
    low = history_window(tariff, now)[0]
    prices = None
    if tariff.needs_prices:
        prices = await price_series(conn, tariff.currency, min(low, cycle.start_utc), hour + HOUR)
        if prices is None:
            raise no_price_device(tariff, "in this billing cycle")
    return project(tariff, now, recorded, history, prices=prices)


async def project_active(conn: asyncpg.Connection, now: datetime) -> Projection | None:
    """Project the active tariff's current cycle; None when no tariff is active now."""
    stored = await active_tariff_at(conn, now)
    return await project_stored(conn, stored.tariff(), now) if stored is not None else None
