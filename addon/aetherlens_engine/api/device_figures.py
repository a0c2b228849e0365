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

from aetherlens_engine.pricing.store.devices import cycle_figures

from .contract.base import day, json_response, money
from .contract.devices import TREND_DAYS, DeviceFigures, DeviceFiguresList
from .database import connection
from .localtime import LocalPeriods
from .price import tariff_summary
from .state import STATE_KEY
from .summary import ENERGY_KINDS

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
        rows = await cycle_figures(
            conn,
            cycle_start=start,
            today=periods.today,
            trend_start=trend_start,
            day=(periods.day_start, periods.day_end),
            currency=state.currency,
            kinds=[str(kind) for kind in ENERGY_KINDS],
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
