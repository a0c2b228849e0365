"""`GET /api/v1/ledger`: electricity + gas + water + cloud, by part and in total."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiohttp import web

from aetherlens_engine.pricing.ledger import (
    ConnectionPart,
    Ledger,
    LedgerPart,
    LedgerPeriods,
    household_ledger,
)

from .contract import ledger as contract
from .contract.base import day, instant, json_response, money, optional_money
from .database import connection
from .localtime import LocalPeriods, local_midnight
from .state import STATE_KEY


async def get_ledger(request: web.Request) -> web.Response:
    """Answer the household's spend by commodity today, this month and this cycle."""
    state = request.app[STATE_KEY]
    now = state.clock()
    periods = ledger_periods(LocalPeriods.at(now, state.timezone), state.timezone)
    async with connection(state) as conn:
        figures = await state.pricing.figures(conn, now)
        projection = figures.projection if figures is not None else None
        found = await household_ledger(conn, now, periods, state.currency, projection)
    return json_response(_answer(found, instant(now)))


def ledger_periods(local: LocalPeriods, zone: ZoneInfo) -> LedgerPeriods:
    """Return the ledger's today and month of the engine's LOCAL periods in ZONE."""
    return LedgerPeriods(
        local.today, local.month_start, local.day_start, local_midnight(local.month_start, zone)
    )


def _answer(found: Ledger, time: str) -> contract.Ledger:
    return contract.Ledger(
        time=time,
        currency=found.currency,
        parts=[_part(part) for part in found.parts],
        total=contract.LedgerTotals(
            today=money(found.total("today")),
            month=money(found.total("month")),
            cycle_so_far=money(found.total("cycle_so_far")),
        ),
    )


def _part(part: LedgerPart) -> contract.LedgerPart:
    return contract.LedgerPart(
        commodity=part.commodity,
        tariff=part.tariff,
        unit=part.unit,
        usage_today=optional_money(part.usage_today),
        usage_month=optional_money(part.usage_month),
        today=money(part.today),
        month=money(part.month),
        cycle_start=day(part.cycle_start) if part.cycle_start is not None else None,
        cycle_end=day(part.cycle_end) if part.cycle_end is not None else None,
        cycle_so_far=money(part.cycle_so_far),
        projected=optional_money(part.projected),
        price_now=optional_money(part.price_now),
        connections=[_connection(c) for c in part.connections],
    )


def _connection(part: ConnectionPart) -> contract.LedgerConnection:
    return contract.LedgerConnection(
        connection=part.connection,
        tariff=part.tariff,
        today=money(part.today),
        month=money(part.month),
        cycle_start=day(part.cycle_start) if part.cycle_start is not None else None,
        cycle_end=day(part.cycle_end) if part.cycle_end is not None else None,
        cycle_so_far=money(part.cycle_so_far),
        projected=optional_money(part.projected),
    )
