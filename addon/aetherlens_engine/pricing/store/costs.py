"""Each commodity's rate per hour (`cost_rates`) and costs per device and local day: write, sum.

Every priced device (grid, meter, appliance) pays its quantity at its commodity's household rate
of that hour (see `bill.interval_rates`) under the commodity's tariff; demand, fixed and minimum
charges are billed per cycle and not spread over hours. So pricing an hour writes one rate per
commodity, whatever the number of devices: `cost_hourly` is the view (timescale/0017) that
multiplies each device's quantity by it (a gas meter counting m³ under a tariff per kWh at the
hour's `volume_price`). `cost_daily` holds the view's sums per local day of the engine's time
zone (an hour counts on the day it starts), which the summary reads for the month; one statement
writes a commodity's.

A grid connection with a tariff of its own (timescale/0022) has its own rates: its devices pay
them, and its household is its own meters. Electricity's household per hour is the sum of its
`household_meters` (mains devices, or the appliances not inside another where no mains device
exists: timescale/0005) of the connection priced, read as the bill reads it
(`store.usage.recorded_usage`); gas's and water's that of their `commodity_meters`
(timescale/0012) in the tariff's unit (`store.usage.commodity_load`). Every hour of the span gets a
rate (0 where none was metered; the view shows a cost only where a device has some), except
under a recorded price or carbon series, which only the hours with energy must have.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import asyncpg

from aetherlens_engine.models import Commodity, DeviceKind
from aetherlens_engine.tariffs.bill import interval_rates
from aetherlens_engine.tariffs.calendar import cycles_between, local_midnight
from aetherlens_engine.tariffs.metered import volume_price
from aetherlens_engine.tariffs.model import Tariff
from aetherlens_engine.tariffs.series import Interval, Series
from aetherlens_engine.tariffs.usage import ZERO, hourly
from aetherlens_engine.tariffs.versions import StoredTariff

from .usage import commodity_load, recorded_usage

PRICED_KINDS = [DeviceKind.GRID.value, DeviceKind.METER.value, DeviceKind.APPLIANCE.value]
HOUR = timedelta(hours=1)
ANALYZED_FROM = 7 * 24  # rates written at once (a recompute's cycle, not a new hour's)

_RATES_SQL = """
INSERT INTO cost_rates (commodity, unit, hour, tariff_id, currency, price, period, carbon_kg,
                        volume_price, connection)
SELECT $7, $8, r.hour, $1, $2, r.price, r.period, r.carbon_kg, r.volume_price, $10
FROM unnest($3::timestamptz[], $4::numeric[], $5::text[], $6::numeric[], $9::numeric[])
    AS r (hour, price, period, carbon_kg, volume_price)
"""
# One pass over the span's energy of a commodity ($7) and connection ($8), by device and day. The
# rates are read once and narrow (materialized: inlined, their columns would be computed per device
# and hour): each hour's local day and currency as one integer `slot` (the aggregation's key with
# the device: two integers hash faster than a date and a char(3)), and its price for a device in
# kWh (`scale`, null where the tariff prices no kWh) and in m³ (`volume_scale`), as doubles in
# units of 1e-8: what `unit_price` (timescale/0017) gives, without joining each device-hour to its
# device: the m³ meters' hours (few, looked up by device) are a branch of their own, so no
# device-hour asks which it is. The few unpriced devices are filtered out rather than the priced
# ones looked up (which turns the hour-range scan into one index search per device). Each hour's
# `units` and their rounding are computed once: the `OFFSET 0`s keep the planner from inlining
# the expressions into each of their uses in the sums (six evaluations a device-hour; 22 % of the
# daily sums' CPU time on a year of 100 devices).
# kWh and carbon are doubles.  Costs are summed exactly: each hour's is `hour_cost` (the kWh's
# shortest decimal times the price, rounded to 8 places, as the `cost_hourly` view gives it), but
# computed as the double kWh times the price in units of 1e-8 (`units`), rounded to an integer and
# summed as int8. The double product is within 5e-16 of the exact decimal one relative to its size
# (four roundings: the kWh's shortest decimal, the price as a double, the scaling, the product), so
# it rounds to the same integer unless it lies within 1e-14 of its size from a half: those hours
# (about one in 10^7, and any over 10^12 units) look their rate up and take `hour_cost` itself, in
# units (an hour's cost over 9.2e10 is out of range, as one over 1e12 is of `hour_cost`'s
# numeric(20, 8)). The decimal arithmetic per row (the kWh's text, its numeric, the product, the
# rounding, a numeric sum) was most of the daily sums' time.  The days' rows are updated in place
# rather than deleted and inserted again: an update that keeps the key checks no foreign key, and
# with the free space migration 0016 leaves in each page it adds no index entries (a heap-only
# tuple). Rows of the days ($5 to $6) that the sums no longer give (a device without energy now,
# another currency) are deleted.
_DAILY_SQL = """
WITH r AS MATERIALIZED (
    SELECT hour, (hour AT TIME ZONE $3)::date AS day, currency,
           dense_rank() OVER (ORDER BY (hour AT TIME ZONE $3)::date, currency)::int4 AS slot,
           CASE WHEN unit = 'kWh' THEN price::float8 * 1e8 END AS scale,
           volume_price::float8 * 1e8 AS volume_scale, carbon_kg::float8 AS carbon_kg
    FROM cost_rates
    WHERE hour >= $1 AND hour < $2 AND commodity = $7 AND connection = $8
),
hours AS (
    SELECT device_id, hour, slot, energy_kwh, carbon_kg, units, round(units) AS whole
    FROM (
        SELECT e.device_id, e.hour, r.slot, e.energy_kwh, e.energy_kwh * r.carbon_kg AS carbon_kg,
               e.energy_kwh * r.scale AS units
        FROM energy_hourly AS e
        JOIN r ON r.hour = e.hour
        WHERE e.hour >= $1 AND e.hour < $2
          AND NOT e.device_id = ANY (ARRAY(
              SELECT id FROM devices
              WHERE NOT kind = ANY ($4::text[]) OR commodity <> $7 OR unit = 'm³'
              UNION ALL SELECT id FROM device_connections WHERE connection <> $8
          ))
        UNION ALL
        SELECT e.device_id, e.hour, r.slot, e.energy_kwh, e.energy_kwh * r.carbon_kg,
               e.energy_kwh * r.volume_scale
        FROM energy_hourly AS e
        JOIN r ON r.hour = e.hour
        WHERE e.hour >= $1 AND e.hour < $2
          AND e.device_id = ANY (ARRAY(
              SELECT id FROM devices
              WHERE kind = ANY ($4::text[]) AND commodity = $7 AND unit = 'm³'
              EXCEPT SELECT id FROM device_connections WHERE connection <> $8
          ))
        OFFSET 0
    ) AS u
    WHERE units IS NOT NULL
    OFFSET 0
),
slot_sums AS (
    SELECT device_id, slot, sum(energy_kwh) AS energy_kwh,
           sum(CASE WHEN abs(units - whole) < 0.5 - 1e-14 * abs(units) AND abs(units) < 1e12
                    THEN whole::int8
                    ELSE (SELECT hour_cost(h.energy_kwh,
                                           unit_price(d.unit, c.unit, c.price, c.volume_price))
                                 * 100000000
                          FROM cost_rates AS c, devices AS d
                          WHERE c.hour = h.hour AND c.commodity = $7 AND c.connection = $8
                            AND d.id = h.device_id)::int8
               END) * 0.00000001 AS cost,
           sum(carbon_kg) AS carbon_kg
    FROM hours AS h
    WHERE units IS NOT NULL
    GROUP BY device_id, slot
),
sums AS (
    SELECT s.device_id, k.day, k.currency, s.energy_kwh, s.cost, s.carbon_kg
    FROM slot_sums AS s
    JOIN (SELECT DISTINCT slot, day, currency FROM r) AS k USING (slot)
),
written AS (
    INSERT INTO cost_daily AS o (device_id, day, currency, energy_kwh, cost, carbon_kg)
    SELECT device_id, day, currency, energy_kwh, cost, carbon_kg FROM sums
    ON CONFLICT (device_id, day, currency) DO UPDATE SET
        energy_kwh = excluded.energy_kwh,
        cost = excluded.cost,
        carbon_kg = excluded.carbon_kg,
        computed_at = excluded.computed_at
)
DELETE FROM cost_daily AS c
WHERE c.day >= $5 AND c.day <= $6
  AND c.device_id = ANY (ARRAY(
      SELECT id FROM devices JOIN device_connections AS dc USING (id)
      WHERE commodity = $7 AND dc.connection = $8
  ))
  AND NOT EXISTS (
      SELECT 1 FROM sums AS s
      WHERE s.device_id = c.device_id AND s.day = c.day AND s.currency = c.currency
  )
"""

_METERED_HOURS_SQL = """
SELECT DISTINCT hour FROM energy_hourly
WHERE hour >= $1 AND hour < $2
  AND device_id = ANY (ARRAY(
      SELECT id FROM devices JOIN device_connections AS dc USING (id)
      WHERE kind = ANY ($3::text[]) AND commodity = $4 AND dc.connection = $5
  ))
"""


async def household_load(
    conn: asyncpg.Connection,
    start: datetime,
    end: datetime,
    *,
    metered_only: bool,
    tariff: Tariff | None = None,
    connection: str = "",
) -> Sequence[Interval]:
    """Return the household's import in the UTC hours starting in [start, end).

    That of TARIFF's commodity in its unit (electricity without one), of the grid CONNECTION
    with its own tariff (or ''). Every hour is there (0 where none was read), or with
    METERED_ONLY only the hours in which a priced device has energy: a recorded price or
    carbon series need not cover the others.
    """
    commodity = Commodity.ELECTRICITY if tariff is None else tariff.commodity
    first = start.replace(minute=0, second=0, microsecond=0)
    first = first if first == start else first + HOUR  # a cycle may start on a half hour
    if metered_only:
        rows = await conn.fetch(
            _METERED_HOURS_SQL, first, end, PRICED_KINDS, str(commodity), connection
        )
        hours = sorted(row["hour"] for row in rows)
    else:
        hours = [first + HOUR * n for n in range(-(-(end - first) // HOUR))]
    kwh = dict.fromkeys(hours, ZERO)
    if tariff is None or commodity is Commodity.ELECTRICITY:
        load = (await recorded_usage(conn, first, end, connection)).load
    else:
        load = await commodity_load(conn, tariff, first, end)
    for interval in load:
        if interval.start in kwh:
            kwh[interval.start] = interval.kwh
    return hourly(kwh)


async def write_daily(
    conn: asyncpg.Connection,
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    *,
    commodity: Commodity = Commodity.ELECTRICITY,
    connection: str = "",
) -> None:
    """Re-sum COMMODITY's `cost_daily` for the local days of ZONE the hours [start, end) touch.

    Those of the devices of the grid CONNECTION with its own tariff, or ('') of no such one.
    """
    first_day = start.astimezone(zone).date()
    last_day = (end - timedelta(microseconds=1)).astimezone(zone).date()
    async with conn.transaction():
        # The planner takes the span's device-hours for a seventh of what they are (it joins
        # each hour's rate as if one device-hour in 8 760 had it, not one in 720 of a cycle) and
        # sorts them for the sums, on disk with the Pi's work_mem; hashing them takes two thirds
        # of the time (a cycle of 100 devices: 72-80 ms against 105-115, benchmarks/README.md).
        await conn.execute("SET LOCAL enable_sort = off")
        await conn.execute(
            _DAILY_SQL,
            local_midnight(first_day, zone),
            local_midnight(last_day + timedelta(days=1), zone),
            zone.key,
            PRICED_KINDS,
            first_day,
            last_day,
            str(commodity),
            connection,
        )
        await conn.execute("SET LOCAL enable_sort = on")


async def write_costs(
    conn: asyncpg.Connection,
    stored: StoredTariff,
    start: datetime,
    end: datetime,
    *,
    day_zone: ZoneInfo,
    prices: Series | None = None,
    carbon: Series | None = None,
    connection: str = "",
) -> int:
    """Price the hours of [start, end) in the version's validity; return the hours priced.

    The rates are those of the grid CONNECTION the version prices ('': its commodity's).

    Idempotent: the hours' rates are replaced, and so are the `cost_daily` rows of the local
    days they touch. Tiers count from the start of each billing cycle, so energy is read from
    there. `prices` feeds a dynamic tariff, `carbon` a tariff taking carbon from a series.
    """
    tariff = stored.tariff()
    low = max(start, stored.valid_from)
    high = min(end, stored.valid_to) if stored.valid_to is not None else end
    if low >= high:
        return 0
    cycle_start = cycles_between(low, high, tariff.zone, tariff.cycle_day)[0].start_utc
    series = tariff.dynamic or (tariff.carbon is not None and tariff.carbon.series)
    load = await household_load(
        conn,
        max(cycle_start, stored.valid_from),
        high,
        metered_only=bool(series),
        tariff=tariff,
        connection=connection,
    )
    rated = interval_rates(tariff, load, prices=prices, carbon=carbon) if load else []
    rates = [rate for rate in rated if low <= rate.start < high]
    async with conn.transaction():
        replaced = await clear_rates(conn, tariff.commodity, low, high, connection)
        await conn.execute(
            _RATES_SQL,
            stored.id,
            tariff.currency,
            [r.start for r in rates],
            [r.price for r in rates],
            [r.period for r in rates],
            [r.carbon_kg for r in rates],
            str(tariff.commodity),
            tariff.unit,
            [volume_price(tariff, r.start, r.price) for r in rates],
            connection,
        )
        if len(rates) > ANALYZED_FROM and replaced < len(rates):
            # The daily sums' plan rests on the rates' row count: a cycle written since the last
            # autovacuum looks like none, and the planner sorts the cycle's device-hours (on disk,
            # with the Pi's work_mem) instead of hashing them, which takes twice as long. Rates
            # that replace as many of the same hours leave the statistics as they were.
            await conn.execute("ANALYZE cost_rates")
        await write_daily(
            conn, low, high, day_zone, commodity=tariff.commodity, connection=connection
        )
    return len(rates)


async def clear_rates(
    conn: asyncpg.Connection,
    commodity: Commodity,
    start: datetime,
    end: datetime,
    connection: str = "",
) -> int:
    """Delete the rates of COMMODITY (and CONNECTION) of the hours [start, end); return how many."""
    status: str = await conn.execute(
        "DELETE FROM cost_rates WHERE commodity = $1 AND connection = $4 "
        "AND hour >= $2 AND hour < $3",
        str(commodity),
        start,
        end,
        connection,
    )
    return int(status.rsplit(maxsplit=1)[-1])


# Whose costs a sum reads. The household rule lives in the views of timescale/0005 and, per
# commodity ($4), 0012.
_DEVICES = {
    "household": "c.device_id IN (SELECT id FROM commodity_meters WHERE commodity = $4)",
    "parts": "c.device_id IN (SELECT id FROM commodity_parts WHERE commodity = $4)",
    "meters": "c.device_id IN (SELECT id FROM devices WHERE commodity = $4)",
}
_HAS_MAINS_SQL = """
SELECT EXISTS (
    SELECT 1 FROM commodity_meters JOIN devices USING (id, commodity)
    WHERE kind <> 'appliance' AND commodity = $1
)
"""
type CostDevices = Literal["household", "parts", "meters"] | int  # or one device by id
type CostKey = Literal["device_id", "period"] | None


async def cost_sums(
    conn: asyncpg.Connection,
    *,
    resolution: Literal["hour", "day", "month"],
    key: CostKey,
    devices: CostDevices,
    span: tuple[datetime, datetime] | tuple[date, date],
    currency: str,
    commodity: str,
    zone: ZoneInfo,
) -> list[asyncpg.Record]:
    """Return energy, cost and carbon summed per bucket (and KEY) of DEVICES, in bucket order.

    Buckets are hours, or local days or months of ZONE (their first day); SPAN bounds the hours
    read (hours, or a period's sums) or else the days. Sums are exact (numeric): a double
    converts to the shortest decimal that reads back as it.
    """
    args: list[Any] = [*span, currency, commodity]
    if isinstance(devices, int):
        args.append(devices)
        where = f"c.device_id = ${len(args)} AND {_DEVICES['meters']}"
    else:
        where = _DEVICES[devices]
    if resolution == "hour" or key == "period":  # cost_daily has no period
        source, time, bucket = "cost_hourly", "c.hour", "c.hour"
        if resolution != "hour":
            args.append(zone.key)
            local = f"(c.hour AT TIME ZONE ${len(args)})"
            day = resolution == "day"
            bucket = f"{local}::date" if day else f"date_trunc('month', {local})::date"
    else:
        source, time = "cost_daily", "c.day"
        bucket = "c.day" if resolution == "day" else "date_trunc('month', c.day)::date"
    keys = f", c.{key}" if key else ""
    sql = (
        f"SELECT {bucket} AS bucket{keys}, sum(c.energy_kwh::numeric) AS energy_kwh, "
        "sum(c.cost) AS cost, sum(c.carbon_kg::numeric) AS carbon_kg "
        f"FROM {source} AS c "
        f"WHERE {time} >= $1 AND {time} < $2 AND c.currency = $3 AND {where} "
        f"GROUP BY bucket{keys} ORDER BY bucket{keys}"
    )
    rows: list[asyncpg.Record] = await conn.fetch(sql, *args)
    return rows


async def has_mains(conn: asyncpg.Connection, commodity: str) -> bool:
    """Return whether a mains device (not appliances standing in) measures COMMODITY's household."""
    return bool(await conn.fetchval(_HAS_MAINS_SQL, commodity))
