"""Write per-device costs per hour (`cost_hourly`) and per local day (`cost_daily`).

`cost_hourly` prices `energy_hourly` under a stored tariff version; `cost_daily` holds its sums
per local day of the engine's time zone (an hour counts on the day it starts), which the
summary reads for the month.

The household's import per hour is the sum of its `household_meters` (mains devices, or the
appliances not inside another where no mains device exists: timescale/0005). Every priced
device (grid, meter, appliance) pays its kWh at the household's rate of that hour (see
`bill.interval_rates`); demand, fixed and minimum charges are billed per cycle and not spread
over hours.

Set-based: the database sums the household's kWh per hour (one row per hour leaves it, not one
per device and hour), the hours' rates go back as arrays, and one INSERT ... SELECT multiplies
every device's kWh by its hour's rate. kWh are taken as the decimals they were written as (a
double's shortest text, as `Decimal(repr(x))`), so the costs are those of pricing in Python.
"""

from __future__ import annotations

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

# Every hour with energy of a priced device, and the household's kWh in it (0 without any).
_HOUSEHOLD_SQL = """
SELECT e.hour,
       coalesce(sum(e.energy_kwh::text::numeric)
                FILTER (WHERE e.device_id = ANY (ARRAY(SELECT id FROM household_meters))), 0)
           AS kwh
FROM energy_hourly AS e JOIN devices AS d ON d.id = e.device_id
WHERE d.kind = ANY($3::text[]) AND e.hour >= $1 AND e.hour < $2
GROUP BY e.hour
ORDER BY e.hour
"""
_COSTS_SQL = """
INSERT INTO cost_hourly
    (device_id, hour, tariff_id, energy_kwh, cost, currency, period, carbon_kg)
SELECT e.device_id, e.hour, $3, e.energy_kwh, e.energy_kwh::text::numeric * r.price, $4,
       r.period, (e.energy_kwh::text::numeric * r.carbon_kg)::float8
FROM energy_hourly AS e
JOIN devices AS d ON d.id = e.device_id
JOIN unnest($6::timestamptz[], $7::numeric[], $8::text[], $9::numeric[])
    AS r (hour, price, period, carbon_kg) ON r.hour = e.hour
WHERE d.kind = ANY($5::text[]) AND e.hour >= $1 AND e.hour < $2
"""
# Sums in time order: doubles added in another order can differ in the last digit.
_DAILY_SQL = """
INSERT INTO cost_daily (device_id, day, currency, energy_kwh, cost, carbon_kg)
SELECT device_id, (hour AT TIME ZONE $3)::date, currency, sum(energy_kwh ORDER BY hour),
       sum(cost), sum(carbon_kg ORDER BY hour)
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
    hours = await conn.fetch(
        _HOUSEHOLD_SQL, max(cycle_start, stored.valid_from), high, PRICED_KINDS
    )
    # A bidirectional mains meter can net below zero in an hour: no import was billed then.
    load = [Interval(r["hour"], r["hour"] + HOUR, max(r["kwh"], ZERO)) for r in hours]
    rates = interval_rates(tariff, load, prices=prices, carbon=carbon) if load else []
    rates = [rate for rate in rates if low <= rate.start < high]
    first_day = low.astimezone(day_zone).date()
    last_day = (high - timedelta(microseconds=1)).astimezone(day_zone).date()
    days_from = local_midnight(first_day, day_zone)
    days_to = local_midnight(last_day + timedelta(days=1), day_zone)
    async with conn.transaction():
        await conn.execute("DELETE FROM cost_hourly WHERE hour >= $1 AND hour < $2", low, high)
        status = await conn.execute(
            _COSTS_SQL,
            low,
            high,
            stored.id,
            tariff.currency,
            PRICED_KINDS,
            [r.start for r in rates],
            [r.price for r in rates],
            [r.period for r in rates],
            [r.carbon_kg for r in rates],
        )
        await conn.execute(
            "DELETE FROM cost_daily WHERE day >= $1 AND day <= $2", first_day, last_day
        )
        await conn.execute(_DAILY_SQL, days_from, days_to, day_zone.key)
    return int(status.split()[-1])
