"""`GET /api/v1/demand`: the active tariff's demand peaks this cycle, and the window now.

For an automation that keeps below the peaks (delays the EV charger): each demand line's peak
so far, the margin to its next tier and whether the current window is on course to beat it
(`pricing.demand`, `tariffs.demand`). kW and kWh are rounded to three decimals, as on the
bill; `on_course` compares the exact figures.
"""

from __future__ import annotations

from decimal import Decimal

from aiohttp import web

from aetherlens_engine.pricing.demand import demand_now
from aetherlens_engine.pricing.store.tariffs import active_tariff_at
from aetherlens_engine.tariffs.demand import DemandStatus, PeakStatus
from aetherlens_engine.tariffs.model import BillInputError
from aetherlens_engine.tariffs.present import energy
from aetherlens_engine.tariffs.projection import current_cycle

from .contract import demand as contract
from .contract.base import day, instant, json_response, money, optional_instant
from .contract.costs import CycleDates
from .database import connection
from .errors import cannot_bill, no_active_tariff
from .state import STATE_KEY


async def get_demand(request: web.Request) -> web.Response:
    """Answer the active tariff's demand in the current billing cycle."""
    state = request.app[STATE_KEY]
    now = state.clock()
    async with connection(state) as conn:
        stored = await active_tariff_at(conn, now)
        if stored is None:
            raise no_active_tariff()
        tariff = stored.tariff()
        try:
            status = await demand_now(conn, tariff, now)
        except BillInputError as err:
            raise cannot_bill(err) from err
    cycle = current_cycle(tariff, now) if status is None else status.cycle
    return json_response(
        contract.Demand(
            tariff=tariff.name,
            currency=tariff.currency,
            time=instant(now),
            cycle=CycleDates(start=day(cycle.first), end=day(cycle.end)),
            window_minutes=None if tariff.demand is None else tariff.demand.window_minutes,
            window=_window(status),
            peaks=[] if status is None else [_peak(line) for line in status.lines],
        )
    )


def _window(status: DemandStatus | None) -> contract.DemandWindow | None:
    if status is None or status.window is None:
        return None
    window = status.window
    return contract.DemandWindow(
        start=instant(window.start),
        end=instant(window.end),
        kwh=energy(window.kwh),
        projected_kw=energy(window.projected_kw),
    )


def _peak(line: PeakStatus) -> contract.DemandPeak:
    return contract.DemandPeak(
        name=line.name,
        peak_kw=energy(line.peak_kw),
        window_start=optional_instant(line.window_start),
        tier=line.tier,
        price_per_kw=money(line.price_per_kw),
        next_tier_kw=_kw(line.next_tier_kw),
        margin_kw=_kw(line.margin_kw),
        projected_kw=_kw(line.projected_kw),
        on_course=line.on_course,
    )


def _kw(value: Decimal | None) -> str | None:
    return None if value is None else energy(value)
