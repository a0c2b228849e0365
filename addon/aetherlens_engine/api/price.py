"""`GET /api/v1/price` and the summary's tariff figures: price now, next change, billing cycle.

The price is what one more kWh costs now (energy at the cycle's tier position so far, plus
surcharges and taxes: see `tariffs.quote`); the carbon intensity and the export price are those
in force now. Without an active tariff every figure is null.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
from aiohttp import web

from aetherlens_engine.tariffs.bill import CycleBill
from aetherlens_engine.tariffs.model import BillInputError
from aetherlens_engine.tariffs.projection import Projection, current_cycle, project_stored
from aetherlens_engine.tariffs.quote import Quote, quote
from aetherlens_engine.tariffs.store import StoredTariff, active_tariff_at
from aetherlens_engine.tariffs.usage import carbon_series, floor_hour, price_series, recorded_usage

from .amounts import decimal_text
from .database import connection
from .state import STATE_KEY

# Dynamic prices are known ahead (day-ahead markets): read this far for the next step.
PRICES_AHEAD = timedelta(days=2)
CARBON_AROUND = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class ActiveQuote:
    """The active tariff version in force now and its quote."""

    stored: StoredTariff
    currency: str
    quote: Quote


async def active_quote(conn: asyncpg.Connection, now: datetime) -> ActiveQuote | None:
    """Quote the active tariff at NOW from the recorded data; None without an active tariff."""
    stored = await active_tariff_at(conn, now)
    if stored is None:
        return None
    tariff = stored.tariff()
    first = floor_hour(current_cycle(tariff, now).start_utc)
    usage = await recorded_usage(conn, first, floor_hour(now))
    prices = carbon = None
    if tariff.dynamic or (tariff.export is not None and tariff.export.dynamic):
        prices = await price_series(conn, tariff.currency, first, now + PRICES_AHEAD)
    if tariff.carbon is not None and tariff.carbon.series:
        carbon = await carbon_series(conn, now - CARBON_AROUND, now + CARBON_AROUND)
    return ActiveQuote(
        stored, tariff.currency, quote(tariff, now, usage.load, prices=prices, carbon=carbon)
    )


def price_json(active: ActiveQuote | None, currency: str) -> dict[str, Any]:
    """Return the `GET /api/v1/price` body; CURRENCY is the engine's, used without a tariff."""
    if active is None:
        return {
            "currency": currency,
            "tariff": None,
            "current": None,
            "period": None,
            "next_change": None,
            "next_price": None,
            "next_period": None,
            "carbon_intensity": None,
            "export": None,
        }
    found = active.quote
    carbon = found.carbon_intensity
    return {
        "currency": active.currency,
        "tariff": active.stored.name,
        "current": decimal_text(found.current),
        "period": found.period,
        "next_change": found.next_change.isoformat() if found.next_change else None,
        "next_price": decimal_text(found.next_price),
        "next_period": found.next_period,
        "carbon_intensity": float(carbon) if carbon is not None else None,
        "export": decimal_text(found.export),
    }


async def get_price(request: web.Request) -> web.Response:
    """Answer the active tariff's price now, its period, next change, carbon and export price."""
    state = request.app[STATE_KEY]
    async with connection(state) as conn:
        active = await active_quote(conn, state.clock())
    return web.json_response(price_json(active, state.currency))


_ZERO = Decimal(0)


def cycle_components(cycle: CycleBill) -> dict[str, str | None]:
    """Return what a cycle's bill so far is made of; they add up to its total.

    total = energy + surcharges + demand + fixed - credit + minimum + taxes.
    """
    return {
        "energy": decimal_text(cycle.energy_total),
        "surcharges": decimal_text(sum((line.amount for line in cycle.surcharges), _ZERO)),
        "demand": decimal_text(sum((line.cost for line in cycle.demand), _ZERO)),
        "fixed": decimal_text(sum((line.amount for line in cycle.fixed), _ZERO)),
        "credit": decimal_text(cycle.credit_used),
        "minimum": decimal_text(cycle.minimum),
        "taxes": decimal_text(sum((line.amount for line in cycle.taxes), _ZERO)),
    }


async def tariff_summary(conn: asyncpg.Connection, now: datetime) -> dict[str, Any]:
    """Return the summary's `price`, `billing_cycle` and `tariff` figures at NOW.

    The cycle's amounts are null where the projection cannot bill (a dynamic tariff without
    recorded prices); every figure is null without an active tariff.
    """
    active = await active_quote(conn, now)
    if active is None:
        return {
            "price": {
                "current": None,
                "period": None,
                "next_change": None,
                "carbon_intensity": None,
                "periods": [],
            },
            "billing_cycle": {
                "start": None,
                "end": None,
                "cost_so_far": None,
                "projected_total": None,
                "components": None,
            },
            "tariff": None,
        }
    tariff = active.stored.tariff()
    cycle = current_cycle(tariff, now)
    try:
        projection: Projection | None = await project_stored(conn, active.stored, now)
    except BillInputError:
        projection = None
    price = price_json(active, active.currency)
    return {
        "price": {
            **{key: price[key] for key in ("current", "period", "next_change", "carbon_intensity")},
            "periods": sorted({rule.name for rule in tariff.energy.rules}),
        },
        "billing_cycle": {
            "start": cycle.first.isoformat(),
            "end": cycle.end.isoformat(),
            "cost_so_far": decimal_text(projection.so_far.total) if projection else None,
            "projected_total": decimal_text(projection.projected.total) if projection else None,
            "components": cycle_components(projection.so_far) if projection else None,
        },
        "tariff": {"name": active.stored.name, "version": active.stored.version},
    }
