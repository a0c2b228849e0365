"""The household ledger: electricity, gas, water and cloud today, this month and this cycle.

- Electricity: per grid connection (`connections`): the meters the active tariff prices as one
  (connection None), then each connection with a tariff of its own (timescale/0022). Each has
  its household meters' costs of `cost_daily` (its hours at their rates: energy, surcharges,
  taxes) today and this month, and its tariff's cycle so far and projected: the active
  tariff's from `pricing.cycle`, a connection's own on its own cycle, its export meters'
  credit in (`store.usage`). The electricity part is their sum (projected: of those projected;
  its cycle dates are the active tariff's).
- Gas and water: the commodity's household meters (`commodity_meters`, timescale/0012) per
  hour, in the unit of the commodity's active tariff (`tariffs.metered`), priced the same two
  ways: each hour at its rate (`interval_rates`, tiers counted from its cycle's start) for today
  and this month (the current hour's rate is the price now), and the cycle so far and projected
  (`tariffs.projection.project`), standing charges the whole cycle's as on the bill.
- Cloud: the accounts' daily totals (`cloud_costs`, dimension 'total'); its cycle is the month,
  projected by the providers' forecasts.

Amounts are in the engine's currency: a part without an active tariff, whose tariff is in another
currency, or that its tariff cannot bill (a gas meter counting kWh under a tariff per m³, usage
before its first conversion period: logged), is unpriced (zero). Each total is the exact sum of
its parts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal

import asyncpg

from aetherlens_engine.models import Commodity
from aetherlens_engine.tariffs import BillInputError, Interval, Tariff, interval_rates
from aetherlens_engine.tariffs.projection import Projection, current_cycle, history_window, project
from aetherlens_engine.tariffs.usage import HOUR, ZERO, Usage, floor_hour

from .projection import project_stored
from .store.tariffs import active_tariff_names, connection_tariffs, tariff_at
from .store.usage import commodity_load

LOGGER = logging.getLogger(__name__)
type PartName = Literal["electricity", "gas", "water", "cloud"]
_METERED: dict[Commodity, PartName] = {Commodity.GAS: "gas", Commodity.WATER: "water"}

_ELECTRICITY_SQL = """
SELECT dc.connection,
       coalesce(sum(c.cost) FILTER (WHERE c.day = $2), 0) AS today,
       coalesce(sum(c.cost), 0) AS month
FROM cost_daily AS c
JOIN device_connections AS dc ON dc.id = c.device_id
WHERE c.day >= $1 AND c.day <= $2 AND c.currency = $3
  AND c.device_id = ANY (ARRAY(SELECT id FROM household_meters))
GROUP BY dc.connection
"""
_CLOUD_SQL = """
SELECT coalesce(sum(amount) FILTER (WHERE day = $2), 0) AS today,
       coalesce(sum(amount), 0) AS month,
       (SELECT sum(amount) FROM cloud_forecasts WHERE month = $1 AND currency = $3) AS forecast
FROM cloud_costs
WHERE dimension = 'total' AND day >= $1 AND day <= $2 AND currency = $3
"""


@dataclass(frozen=True, slots=True)
class LedgerPeriods:
    """The engine's local today and month, with their UTC bounds."""

    today: date
    month_start: date
    day_start: datetime
    month_start_utc: datetime


@dataclass(frozen=True, slots=True)
class ConnectionPart:
    """A grid connection's electricity; `connection` None: those the active tariff prices."""

    connection: str | None
    tariff: str | None
    today: Decimal
    month: Decimal
    cycle_start: date | None
    cycle_end: date | None
    cycle_so_far: Decimal
    projected: Decimal | None


@dataclass(frozen=True, slots=True)
class LedgerPart:
    """One commodity's (or cloud's) spend; `tariff` None: not priced."""

    commodity: PartName
    tariff: str | None
    unit: str | None  # what `usage_*` count: the tariff's unit (gas and water only)
    usage_today: Decimal | None
    usage_month: Decimal | None
    today: Decimal
    month: Decimal
    cycle_start: date | None
    cycle_end: date | None
    cycle_so_far: Decimal
    projected: Decimal | None
    price_now: Decimal | None = None  # gas and water: a unit's price in the current hour
    connections: tuple[ConnectionPart, ...] = ()  # electricity: its grid connections


@dataclass(frozen=True, slots=True)
class Ledger:
    """Every part, and their sums."""

    currency: str
    parts: tuple[LedgerPart, ...]

    def total(self, field: str) -> Decimal:
        """Return the sum of the parts' FIELD (today, month, cycle_so_far)."""
        return sum((getattr(part, field) for part in self.parts), ZERO)


async def household_ledger(
    conn: asyncpg.Connection,
    now: datetime,
    periods: LedgerPeriods,
    currency: str,
    electricity: Projection | None,
) -> Ledger:
    """Return the ledger at NOW; ELECTRICITY is the active tariff's cycle (`pricing.cycle`)."""
    names = await active_tariff_names(conn)
    parts = [
        await _electricity(
            conn, now, periods, currency, electricity, active_name=names.get(Commodity.ELECTRICITY)
        )
    ]
    for commodity, name in _METERED.items():
        stored = await tariff_at(conn, names[commodity], now) if commodity in names else None
        tariff = stored.tariff() if stored is not None else None
        if tariff is None or tariff.currency != currency:
            parts.append(_unpriced(name))
            continue
        try:
            parts.append(await _metered(conn, commodity, tariff, now, periods))
        except BillInputError as err:  # e.g. a meter counting kWh under a tariff per m³
            LOGGER.warning("The ledger cannot price %s under %r: %s", name, tariff.name, err)
            parts.append(_unpriced(name))
    parts.append(await _cloud(conn, periods, currency))
    return Ledger(currency, tuple(parts))


def _unpriced(commodity: PartName) -> LedgerPart:
    return LedgerPart(commodity, None, None, None, None, ZERO, ZERO, None, None, ZERO, None)


async def _electricity(
    conn: asyncpg.Connection,
    now: datetime,
    periods: LedgerPeriods,
    currency: str,
    projection: Projection | None,
    *,
    active_name: str | None,
) -> LedgerPart:
    rows = await conn.fetch(_ELECTRICITY_SQL, periods.month_start, periods.today, currency)
    spent = {row["connection"]: (row["today"], row["month"]) for row in rows}
    active = (
        projection if projection is not None and projection.tariff.currency == currency else None
    )
    connections = [_connection(None, active_name, spent.get(""), active)]
    for grid, name in (await connection_tariffs(conn)).items():
        connections.append(
            _connection(
                grid, name, spent.get(grid), await _own_projection(conn, grid, name, now, currency)
            )
        )
    main = connections[0]
    projected = [c.projected for c in connections if c.projected is not None]
    return LedgerPart(
        "electricity",
        main.tariff,
        None,
        None,
        None,
        sum((c.today for c in connections), ZERO),
        sum((c.month for c in connections), ZERO),
        main.cycle_start,
        main.cycle_end,
        sum((c.cycle_so_far for c in connections), ZERO),
        sum(projected, ZERO) if projected else None,
        connections=tuple(connections),
    )


def _connection(
    grid: str | None,
    tariff: str | None,
    spent: tuple[Decimal, Decimal] | None,
    projection: Projection | None,
) -> ConnectionPart:
    today, month = spent if spent is not None else (ZERO, ZERO)
    return ConnectionPart(
        grid,
        tariff,
        today,
        month,
        projection.cycle.first if projection is not None else None,
        projection.cycle.end if projection is not None else None,
        projection.so_far.total if projection is not None else ZERO,
        projection.projected.total if projection is not None else None,
    )


async def _own_projection(
    conn: asyncpg.Connection, grid: str, name: str, now: datetime, currency: str
) -> Projection | None:
    """Return the cycle of the grid connection GRID under its own tariff NAME, if it bills."""
    stored = await tariff_at(conn, name, now)
    tariff = stored.tariff() if stored is not None else None
    if tariff is None or tariff.currency != currency:
        return None
    try:
        return await project_stored(conn, tariff, now, grid)
    except BillInputError as err:  # e.g. dynamic prices no device records
        LOGGER.warning("The ledger cannot bill the connection %r under %r: %s", grid, name, err)
        return None


async def _metered(
    conn: asyncpg.Connection,
    commodity: Commodity,
    tariff: Tariff,
    now: datetime,
    periods: LedgerPeriods,
) -> LedgerPart:
    cycle = current_cycle(tariff, now)
    hour = floor_hour(now)
    # Rates count tiers from a cycle's start: from the cycle this month began in.
    rated_from = floor_hour(min(current_cycle(tariff, periods.month_start_utc).start_utc, now))
    low, high = history_window(tariff, now)
    load = await commodity_load(conn, tariff, min(rated_from, low), hour + HOUR)
    rated = [i for i in load if i.start >= rated_from]
    if not rated or rated[-1].start < hour:  # the current hour's price, with nothing used yet
        rated.append(Interval(hour, hour + HOUR, ZERO))
    rates = interval_rates(tariff, rated)
    cost = {rate.start: rate.price * i.kwh for rate, i in zip(rates, rated, strict=True)}
    recorded = Usage([i for i in load if floor_hour(cycle.start_utc) <= i.start < hour])
    history = Usage([i for i in load if low <= i.start < high])
    projection = project(tariff, now, recorded, history)

    def since(start: datetime, values: dict[datetime, Decimal]) -> Decimal:
        return sum((v for t, v in values.items() if t >= start), ZERO)

    used = {i.start: i.kwh for i in rated}
    return LedgerPart(
        _METERED[commodity],
        tariff.name,
        tariff.unit,
        since(periods.day_start, used),
        since(periods.month_start_utc, used),
        since(periods.day_start, cost),
        since(periods.month_start_utc, cost),
        cycle.first,
        cycle.end,
        projection.so_far.total,
        projection.projected.total,
        rates[-1].price,
    )


async def _cloud(conn: asyncpg.Connection, periods: LedgerPeriods, currency: str) -> LedgerPart:
    row = await conn.fetchrow(_CLOUD_SQL, periods.month_start, periods.today, currency)
    month_end = (periods.month_start + timedelta(days=32)).replace(day=1)
    return LedgerPart(
        "cloud",
        None,
        None,
        None,
        None,
        row["today"],
        row["month"],
        periods.month_start,
        month_end,
        row["month"],
        row["forecast"],
    )
