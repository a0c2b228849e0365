"""Write per-device costs per hour (`cost_hourly`) and per local day (`cost_daily`).

`cost_hourly` prices `energy_hourly` under a stored tariff version; `cost_daily` holds its sums
per local day of the engine's time zone (an hour counts on the day it starts), which the
summary reads for the month.

The household's import per hour is the sum of its `household_meters` (mains devices, or the
appliances not inside another where no mains device exists: timescale/0005). Every priced
device (grid, meter, appliance) pays its kWh at the household's rate of that hour (see
`bill.interval_rates`); demand, fixed and minimum charges are billed per cycle and not spread
over hours.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import asyncpg

from aetherlens_engine.models import DeviceKind

from .bill import interval_rates
from .calendar import cycles_between, local_midnight
from .series import Interval, Series
from .store import StoredTariff

PRICED_KINDS = [DeviceKind.GRID.value, DeviceKind.METER.value, DeviceKind.APPLIANCE.value]
HOUR = timedelta(hours=1)
ZERO = Decimal(0)
COST_COLUMNS = ["device_id", "hour", "tariff_id", "energy_kwh", "cost", "currency", "period"]

_ENERGY_SQL = """
SELECT e.device_id, e.hour, e.energy_kwh, e.device_id IN (SELECT id FROM household_meters) AS mains
FROM energy_hourly AS e JOIN devices AS d ON d.id = e.device_id
WHERE d.kind = ANY($3::text[]) AND e.hour >= $1 AND e.hour < $2
ORDER BY e.hour
"""
_DAILY_SQL = """
INSERT INTO cost_daily (device_id, day, currency, energy_kwh, cost, carbon_kg)
SELECT device_id, (hour AT TIME ZONE $3)::date, currency, sum(energy_kwh), sum(cost),
       sum(carbon_kg)
FROM cost_hourly
WHERE hour >= $1 AND hour < $2
GROUP BY device_id, (hour AT TIME ZONE $3)::date, currency
"""


async def write_costs(
    conn: asyncpg.Connection,
    stored: StoredTariff,
    start: datetime,
    end: datetime,
    *,
    day_zone: ZoneInfo,
    prices: Series | None = None,
    carbon: Series | None = None,
) -> int:
    """Price the hours of [start, end) in the version's validity; return the hours written.

    Idempotent: the hours' rows are replaced, and so are the `cost_daily` rows of the local
    days they touch. Tiers count from the start of each billing cycle, so energy is read from
    there. `prices` feeds a dynamic tariff, `carbon` a tariff taking carbon from a series.
    """
    tariff = stored.tariff()
    low = max(start, stored.valid_from)
    high = min(end, stored.valid_to) if stored.valid_to is not None else end
    if low >= high:
        return 0
    cycle_start = cycles_between(low, high, tariff.zone, tariff.cycle_day)[0].start_utc
    rows = await conn.fetch(_ENERGY_SQL, max(cycle_start, stored.valid_from), high, PRICED_KINDS)
    household: dict[datetime, Decimal] = defaultdict(Decimal)
    for row in rows:
        household[row["hour"]] += Decimal(repr(row["energy_kwh"])) if row["mains"] else ZERO
    # A bidirectional mains meter can net below zero in an hour: no import was billed then.
    load = [Interval(hour, hour + HOUR, max(kwh, ZERO)) for hour, kwh in sorted(household.items())]
    rates = (
        {r.start: r for r in interval_rates(tariff, load, prices=prices, carbon=carbon)}
        if load
        else {}
    )
    records = []
    for row in rows:
        if not low <= row["hour"] < high:
            continue
        rate = rates[row["hour"]]
        kwh = Decimal(repr(row["energy_kwh"]))
        kg = float(kwh * rate.carbon_kg) if rate.carbon_kg is not None else None
        cost = kwh * rate.price
        records.append(
            (row["device_id"], row["hour"], stored.id, float(kwh), cost, tariff.currency,
             rate.period, kg)
        )  # fmt: skip
    first_day = low.astimezone(day_zone).date()
    last_day = (high - timedelta(microseconds=1)).astimezone(day_zone).date()
    days_from = local_midnight(first_day, day_zone)
    days_to = local_midnight(last_day + timedelta(days=1), day_zone)
    async with conn.transaction():
        await conn.execute("DELETE FROM cost_hourly WHERE hour >= $1 AND hour < $2", low, high)
        await conn.copy_records_to_table(
            "cost_hourly", records=records, columns=[*COST_COLUMNS, "carbon_kg"]
        )
        await conn.execute(
            "DELETE FROM cost_daily WHERE day >= $1 AND day <= $2", first_day, last_day
        )
        await conn.execute(_DAILY_SQL, days_from, days_to, day_zone.key)
    return len(records)
