"""Pricing stored hours under a tariff's versions, and the recompute's status.

`price_hours` is the one writer of `cost_rates` / `cost_daily` for the engine: each version of
the tariff prices the hours of its validity (`store.costs.write_costs`, with the recorded price and
carbon series where the tariff asks for them); hours before the tariff's first version lose their
costs, so the history shown is always that of the tariff in use. A billing cycle is one pass: its
household hours read once, rated in process, and written as one rate per hour.

The pending recompute of a commodity (or of a grid connection with a tariff of its own) lives in
its `tariff_recompute` row (migrations 0003, 0017, 0022; `store.recompute`): its `start` is the
first hour still to price, moved forward with every committed chunk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

import asyncpg

from aetherlens_engine.models import Commodity
from aetherlens_engine.tariffs.calendar import cycles_between
from aetherlens_engine.tariffs.usage import HOUR, floor_hour
from aetherlens_engine.tariffs.versions import StoredTariff

from .store.costs import clear_rates, write_costs, write_daily
from .store.tariffs import tariff_versions
from .store.usage import carbon_series, price_series


class RecomputeState(StrEnum):
    """Where the recompute is: never run, running, finished, or stopped by an error."""

    IDLE = "idle"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class RecomputeStatus:
    """The recompute as `GET /api/v1/recompute` shows it.

    `generation` counts finished recomputes (kept in the database), so clients know when to
    re-read costs from `start` on.
    """

    state: RecomputeState = RecomputeState.IDLE
    tariff: str | None = None
    start: datetime | None = None
    hours_total: int = 0
    hours_done: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    generation: int = 0

    @property
    def progress(self) -> float:
        """The share of the hours done, 0.0 to 1.0."""
        if self.hours_total:
            return min(1.0, self.hours_done / self.hours_total)
        return 1.0 if self.state is RecomputeState.DONE else 0.0


def ceil_hour(instant: datetime) -> datetime:
    """Return the first UTC hour start at or after INSTANT."""
    floor = floor_hour(instant)
    return floor if floor == instant else floor + HOUR


async def _clear(
    conn: asyncpg.Connection,
    commodity: Commodity,
    span: tuple[datetime, datetime],
    zone: ZoneInfo,
    connection: str,
) -> None:
    """Delete the rates of the hours SPAN and re-sum the local days they touch."""
    await clear_rates(conn, commodity, *span, connection)
    await write_daily(conn, *span, zone, commodity=commodity, connection=connection)


async def _write_version(
    conn: asyncpg.Connection,
    stored: StoredTariff,
    span: tuple[datetime, datetime],
    zone: ZoneInfo,
    connection: str,
) -> int:
    start, end = span
    tariff = stored.tariff()
    low = max(start, stored.valid_from)
    high = min(end, stored.valid_to) if stored.valid_to is not None else end
    if low >= high:
        return 0
    # write_costs reads the load from the start of the billing cycle: so must the series.
    cycle_start = cycles_between(low, high, tariff.zone, tariff.cycle_day)[0].start_utc
    since = max(cycle_start, stored.valid_from)
    prices = await price_series(conn, tariff.currency, since, high) if tariff.dynamic else None
    carbon = None
    if tariff.carbon is not None and tariff.carbon.series:
        carbon = await carbon_series(conn, since, high)
    return await write_costs(
        conn,
        stored,
        start,
        end,
        day_zone=zone,
        prices=prices,
        carbon=carbon,
        connection=connection,
    )


async def price_hours(
    conn: asyncpg.Connection,
    name: str,
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    *,
    connection: str = "",
) -> int:
    """Price the UTC hours [start, end) under the tariff NAME in one transaction.

    Each version prices the hours of its validity for the tariff's commodity (for the grid
    CONNECTION it is attached to, if one); hours before the first version lose their costs.
    Local days of ZONE sum `cost_daily`. Returns the hours priced.
    """
    start, end = floor_hour(start), ceil_hour(end)
    if start >= end:
        return 0
    versions = await tariff_versions(conn, name)
    written = 0
    async with conn.transaction():
        first = versions[0].valid_from if versions else end
        if start < first and versions:
            commodity = versions[0].tariff().commodity
            span = (start, min(ceil_hour(first), end))
            await _clear(conn, commodity, span, zone, connection)
        for stored in versions:
            written += await _write_version(conn, stored, (start, end), zone, connection)
    return written


def billing_chunks(
    versions: list[StoredTariff], start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """Cut [start, end) at the billing cycles of the latest version (whole hours).

    A chunk per cycle: pricing one hour reads its whole cycle so far (tiers), so a cycle is
    the cheapest unit a recompute can commit on its own.
    """
    if start >= end:
        return []
    if not versions:
        return [(start, end)]
    tariff = versions[-1].tariff()
    cuts = sorted(
        {ceil_hour(c.end_utc) for c in cycles_between(start, end, tariff.zone, tariff.cycle_day)}
        | {end}
    )
    chunks = []
    low = start
    for cut in cuts:
        high = min(cut, end)
        if high > low:
            chunks.append((low, high))
            low = high
    return chunks
