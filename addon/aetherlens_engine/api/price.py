"""`GET /api/v1/price` and the summary's tariff figures: price now, next change, billing cycle.

The price is what one more kWh costs now (energy at the cycle's tier position so far, plus
surcharges and taxes: see `tariffs.quote`); the carbon intensity and the export price are those
in force now. Without an active tariff every figure is null.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from aiohttp import web

from aetherlens_engine.pricing import ActiveQuote
from aetherlens_engine.pricing.cycle import CycleFigures
from aetherlens_engine.tariffs.bill import CycleBill
from aetherlens_engine.tariffs.projection import current_cycle

from .contract import costs as contract
from .contract import summary
from .contract.base import day, json_response, money, optional_instant, optional_money
from .database import connection
from .shared import shared_answer
from .state import STATE_KEY, EngineState


def price_answer(active: ActiveQuote | None, currency: str) -> contract.Price:
    """Return the `GET /api/v1/price` answer; CURRENCY is the engine's, used without a tariff."""
    if active is None:
        return contract.Price(
            currency=currency,
            tariff=None,
            current=None,
            period=None,
            next_change=None,
            next_price=None,
            next_period=None,
            carbon_intensity=None,
            export=None,
        )
    found = active.quote
    return contract.Price(
        currency=active.currency,
        tariff=active.stored.name,
        current=optional_money(found.current),
        period=found.period,
        next_change=optional_instant(found.next_change),
        next_price=optional_money(found.next_price),
        next_period=found.next_period,
        carbon_intensity=_optional_float(found.carbon_intensity),
        export=optional_money(found.export),
    )


def _optional_float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


async def get_price(request: web.Request) -> web.Response:
    """Answer the active tariff's price now, its period, next change, carbon and export price."""
    state = request.app[STATE_KEY]
    return json_response(await shared_answer(request.app, "price", lambda: _price_at(state)))


async def _price_at(state: EngineState) -> contract.Price:
    async with connection(state) as conn:
        active = await state.pricing.quote(conn, state.clock())
    return price_answer(active, state.currency)


_ZERO = Decimal(0)


def cycle_components(cycle: CycleBill) -> summary.CycleComponents:
    """Return what a cycle's bill so far is made of; they add up to its total.

    total = energy + surcharges + demand + fixed - credit + minimum + taxes.
    """
    return summary.CycleComponents(
        energy=money(cycle.energy_total),
        surcharges=money(sum((line.amount for line in cycle.surcharges), _ZERO)),
        demand=money(sum((line.cost for line in cycle.demand), _ZERO)),
        fixed=money(sum((line.amount for line in cycle.fixed), _ZERO)),
        credit=money(cycle.credit_used),
        minimum=money(cycle.minimum),
        taxes=money(sum((line.amount for line in cycle.taxes), _ZERO)),
    )


@dataclass(frozen=True, slots=True)
class TariffFigures:
    """The summary's `price`, `billing_cycle` and `tariff`, and the cycle's cost so far."""

    price: summary.PriceNow
    billing_cycle: summary.BillingCycle
    tariff: summary.TariffRef | None
    cycle_so_far: Decimal | None  # in `currency`, null where the cycle cannot be billed
    currency: str | None  # the active tariff's


_NO_TARIFF = TariffFigures(
    price=summary.PriceNow(
        current=None, period=None, next_change=None, carbon_intensity=None, periods=[]
    ),
    billing_cycle=summary.BillingCycle(
        start=None, end=None, cost_so_far=None, projected_total=None, components=None
    ),
    tariff=None,
    cycle_so_far=None,
    currency=None,
)


def tariff_summary(figures: CycleFigures | None, now: datetime) -> TariffFigures:
    """Return the summary's tariff figures of FIGURES at NOW.

    The cycle's amounts are null where the projection cannot bill (a dynamic tariff without
    recorded prices); every figure is null without an active tariff.
    """
    if figures is None:
        return _NO_TARIFF
    active, tariff, projection = figures.active, figures.tariff, figures.projection
    cycle = current_cycle(tariff, now)
    price = price_answer(active, active.currency)
    return TariffFigures(
        price=summary.PriceNow(
            current=price.current,
            period=price.period,
            next_change=price.next_change,
            carbon_intensity=price.carbon_intensity,
            periods=sorted({rule.name for rule in tariff.energy.rules}),
        ),
        billing_cycle=summary.BillingCycle(
            start=day(cycle.first),
            end=day(cycle.end),
            cost_so_far=money(projection.so_far.total) if projection else None,
            projected_total=money(projection.projected.total) if projection else None,
            components=cycle_components(projection.so_far) if projection else None,
        ),
        tariff=summary.TariffRef(name=active.stored.name, version=active.stored.version),
        cycle_so_far=projection.so_far.total if projection else None,
        currency=active.currency,
    )
