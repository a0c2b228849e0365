"""The summary's figures: each device's, commodity's and cloud account's today and this month.

Energy today comes from `energy_hourly` since local midnight, energy this month from
`energy_daily` before today plus today; costs and carbon today and this month from `cost_daily`
(written with the hours' rates, so today's row holds today's priced hours: up to 31 rows a
device, where the `cost_hourly` view would multiply every device's hours of the day), in one
currency; cloud figures from `cloud_costs` (dimension 'total', services from 'service') and
`cloud_forecasts`. Whether a device is a household meter is the view's (`household_meters`,
timescale/0005, 0012).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import asyncpg

from aetherlens_engine.models import Commodity

from .tariffs import ACTIVE_KEYS

_DEVICES_SQL = """
WITH hourly_today AS (
    SELECT device_id, sum(energy_kwh) AS kwh
    FROM energy_hourly
    WHERE hour >= $1 AND hour < $2
    GROUP BY device_id
), daily_before_today AS (
    SELECT device_id, sum(energy_kwh) AS kwh
    FROM energy_daily
    WHERE day >= $3 AND day < $4
    GROUP BY device_id
), cost AS (
    SELECT device_id, sum(cost) FILTER (WHERE day = $4) AS today, sum(cost) AS month,
           sum(carbon_kg) FILTER (WHERE day = $4) AS carbon_today
    FROM cost_daily
    WHERE day >= $3 AND day <= $4 AND currency = $5
    GROUP BY device_id
), cloud AS (
    SELECT device_id, currency,
           sum(amount) FILTER (WHERE day = $4) AS today,
           sum(amount) FILTER (WHERE day = $4 - 1) AS yesterday,
           sum(amount) FILTER (WHERE day >= $3) AS month_to_date,
           bool_or(estimated) FILTER (WHERE day >= $3) AS estimated,
           max(fetched_at) AS fetched_at
    FROM cloud_costs
    WHERE dimension = 'total' AND day >= least($3, $4 - 1) AND day <= $4
    GROUP BY device_id, currency
), cloud_month AS (
    SELECT device_id, currency, c.today, c.yesterday, c.month_to_date, c.estimated,
           c.fetched_at, f.amount AS forecast
    FROM cloud AS c
    FULL JOIN (SELECT device_id, currency, amount FROM cloud_forecasts WHERE month = $3) AS f
        USING (device_id, currency)
)
SELECT d.id, d.source, d.source_id, d.name, d.kind, d.unit, d.included_in,
       d.id IN (SELECT id FROM household_meters) AS mains,
       coalesce(h.kwh, 0) AS energy_today,
       coalesce(h.kwh, 0) + coalesce(m.kwh, 0) AS energy_month,
       c.today AS cost_today, c.month AS cost_month, c.carbon_today,
       cm.currency AS cloud_currency, cm.today AS cloud_today, cm.yesterday AS cloud_yesterday,
       cm.month_to_date AS cloud_month_to_date, cm.forecast AS cloud_forecast,
       cm.estimated AS cloud_estimated, cm.fetched_at AS cloud_fetched_at,
       EXISTS (SELECT 1 FROM tariffs) AS priced
FROM devices AS d
LEFT JOIN hourly_today AS h ON h.device_id = d.id
LEFT JOIN daily_before_today AS m ON m.device_id = d.id
LEFT JOIN cost AS c ON c.device_id = d.id
LEFT JOIN cloud_month AS cm ON cm.device_id = d.id AND d.kind = 'cloud_account'
WHERE d.kind = ANY($6::text[]) AND d.commodity = 'electricity'
ORDER BY d.id, cm.currency
"""
# Each commodity ($4) with its active tariff (the engine setting $5 names it) and its household
# costs today ($2) and this month (from $1), in one round trip.
_COMMODITIES_SQL = """
WITH costs AS (
    SELECT m.commodity, sum(c.cost) FILTER (WHERE c.day = $2) AS today, sum(c.cost) AS month
    FROM cost_daily AS c
    JOIN commodity_meters AS m ON m.id = c.device_id
    WHERE c.day >= $1 AND c.day <= $2 AND c.currency = $3
    GROUP BY m.commodity
)
SELECT k.commodity, s.value #>> '{}' AS tariff,
       coalesce(costs.today, 0) AS today, coalesce(costs.month, 0) AS month
FROM unnest($4::text[], $5::text[]) WITH ORDINALITY AS k (commodity, setting, position)
LEFT JOIN engine_settings AS s ON s.key = k.setting
LEFT JOIN costs USING (commodity)
ORDER BY k.position
"""
# A cloud account's largest services this month ($1 month start, $2 today), largest first.
_TOP_SERVICES_SQL = """
SELECT device_id, currency, service, amount FROM (
    SELECT device_id, currency, dimension_value AS service, sum(amount) AS amount,
           row_number() OVER (
               PARTITION BY device_id, currency ORDER BY sum(amount) DESC, dimension_value
           ) AS rank
    FROM cloud_costs
    WHERE dimension = 'service' AND day >= $1 AND day <= $2
    GROUP BY device_id, currency, dimension_value
) AS ranked
WHERE rank <= $3
ORDER BY device_id, currency, rank
"""


async def device_figures(
    conn: asyncpg.Connection,
    *,
    day: tuple[datetime, datetime],
    today: date,
    month_start: date,
    currency: str,
    kinds: Sequence[str],
) -> list[asyncpg.Record]:
    """Return the electricity devices of KINDS (and cloud accounts, a row per currency) by id.

    DAY is today's span in UTC; costs are those in CURRENCY. Every row says whether a tariff
    exists (`priced`): energy costs exist once one does.
    """
    rows: list[asyncpg.Record] = await conn.fetch(
        _DEVICES_SQL, day[0], day[1], month_start, today, currency, list(kinds)
    )
    return rows


async def commodity_costs(
    conn: asyncpg.Connection, month_start: date, today: date, currency: str
) -> list[asyncpg.Record]:
    """Return each commodity's active tariff (or None) and household costs in CURRENCY.

    Today's and this month's (from MONTH_START), a row per commodity in `Commodity`'s order.
    """
    commodities = list(Commodity)
    rows: list[asyncpg.Record] = await conn.fetch(
        _COMMODITIES_SQL,
        month_start,
        today,
        currency,
        [str(c) for c in commodities],
        [ACTIVE_KEYS[c] for c in commodities],
    )
    return rows


async def top_services(
    conn: asyncpg.Connection, month_start: date, today: date, most: int
) -> list[asyncpg.Record]:
    """Return each cloud account's MOST largest services this month, largest first."""
    rows: list[asyncpg.Record] = await conn.fetch(_TOP_SERVICES_SQL, month_start, today, most)
    return rows
