"""`GET /api/v1/devices/figures`: each device's energy and cost this cycle, and its trend.

The cycle is the active tariff's current billing cycle (the summary's `billing_cycle`), or the
calendar month without one. Energy before today comes from `energy_daily`, today's from
`energy_hourly` since local midnight (as in the summary), costs from `cost_daily` in the
engine's currency. The trend is the energy of the 14 complete local days before today; its
change compares the last 7 with the 7 before.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from aiohttp import web

from .contract.base import day, json_response, money
from .contract.devices import TREND_DAYS, DeviceFigures, DeviceFiguresList
from .database import connection
from .localtime import LocalPeriods
from .price import tariff_summary
from .state import STATE_KEY
from .summary import ENERGY_KINDS

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
_HALF = TREND_DAYS // 2


def _change(trend: list[float]) -> float | None:
    """Return the last half's energy against the first half's, as a fraction; None from zero."""
    before, after = sum(trend[:_HALF]), sum(trend[_HALF:])
    return None if before <= 0 else (after - before) / before


async def get_device_figures(request: web.Request) -> web.Response:
    """Answer every energy device's figures this cycle and its trend."""
    state = request.app[STATE_KEY]
    now = state.clock()
    periods = LocalPeriods.at(now, state.timezone)
    trend_start = periods.today - timedelta(days=TREND_DAYS)
    async with connection(state) as conn:
        cycle = tariff_summary(await state.pricing.figures(conn, now), now).billing_cycle
        start = date.fromisoformat(cycle.start) if cycle.start else periods.month_start
        end = (
            date.fromisoformat(cycle.end)
            if cycle.end
            else (periods.month_start + timedelta(days=31)).replace(day=1)
        )
        rows = await conn.fetch(
            _FIGURES_SQL,
            start,
            periods.today,
            trend_start,
            periods.day_start,
            periods.day_end,
            state.currency,
            [str(kind) for kind in ENERGY_KINDS],
        )
    priced = bool(rows[0]["priced"]) if rows else False
    return json_response(
        DeviceFiguresList(
            cycle_start=day(start),
            cycle_end=day(end),
            currency=state.currency,
            devices=[
                DeviceFigures(
                    device_id=row["id"],
                    energy_cycle_kwh=row["energy_cycle"],
                    cost_cycle=money(row["cost_cycle"] or Decimal(0)) if priced else None,
                    trend_kwh=list(row["trend"]),
                    trend_change=_change(list(row["trend"])),
                )
                for row in rows
            ],
        )
    )
