"""The bill routes' answers built from the calculator's records, the one place a bill is shaped.

`/bill`, `/compare` and `/rank`, and the `bill` command's JSON, show a bill as `contract.Bill`
does: amounts rounded to the cent and kWh to the Wh by `tariffs.present`, the lines of every
cycle, its `rounding` line and the bill's.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, TypedDict

import msgspec

from aetherlens_engine.tariffs.bill import Bill, CycleBill
from aetherlens_engine.tariffs.compare import Comparison
from aetherlens_engine.tariffs.present import bill_rounding, energy, money, rounding
from aetherlens_engine.tariffs.ranking import Ranked, Ranking

from .contract import costs as contract
from .contract.base import instant
from .contract.summary import NamedAmount


class BillFields(TypedDict):
    """The fields every shown bill has, wherever it stands in an answer."""

    tariff: str
    currency: str
    cycles: list[contract.BillCycle]
    rounding: str
    total: str


def _optional(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _optional_energy(kwh: Decimal | None) -> str | None:
    return None if kwh is None else energy(kwh)


def cycle_answer(cycle: CycleBill) -> contract.BillCycle:
    """Return one billing cycle as shown: every line, its rounding and its total."""
    return contract.BillCycle(
        start=cycle.cycle.first.isoformat(),
        end=cycle.cycle.end.isoformat(),
        days=cycle.cycle.days,
        import_kwh=energy(cycle.import_kwh),
        export_kwh=energy(cycle.export_kwh),
        energy=[
            contract.EnergyLine(period=e.period, tier=e.tier, kwh=energy(e.kwh), cost=money(e.cost))
            for e in cycle.energy
        ],
        surcharges=[
            contract.SurchargeLine(
                name=s.name,
                kwh=energy(s.basis or Decimal(0)),
                per_kwh=_optional(s.rate),
                amount=money(s.amount),
            )
            for s in cycle.surcharges
        ],
        demand=[
            contract.DemandLine(
                name=d.name,
                kw=energy(d.kw),
                window_start=d.window_start.isoformat() if d.window_start else None,
                days=d.days,
                cost=money(d.cost),
            )
            for d in cycle.demand
        ],
        fixed=[NamedAmount(name=f.name, amount=money(f.amount)) for f in cycle.fixed],
        export_credit=money(cycle.export_credit),
        minimum=money(cycle.minimum),
        carried_credit=money(cycle.carried_credit),
        unused_credit=money(cycle.unused_credit),
        taxes=[
            contract.TaxLine(
                name=t.name,
                base=money(t.basis or Decimal(0)),
                percent=_optional(t.rate),
                amount=money(t.amount),
            )
            for t in cycle.taxes
        ],
        carbon_kg=_optional_energy(cycle.carbon_kg),
        devices=[
            contract.DeviceLine(
                device=d.device,
                kwh=energy(d.kwh),
                cost=money(d.cost),
                carbon_kg=_optional_energy(d.carbon_kg),
            )
            for d in cycle.devices
        ],
        rounding=money(rounding(cycle)),
        total=money(cycle.total),
    )


def bill_fields(result: Bill) -> BillFields:
    """Return the bill's shown fields, for a `Bill` or an answer that flattens one."""
    return BillFields(
        tariff=result.tariff,
        currency=result.currency,
        cycles=[cycle_answer(cycle) for cycle in result.cycles],
        rounding=money(bill_rounding(result)),
        total=money(result.total),
    )


def bill_answer(result: Bill) -> contract.Bill:
    """Return the bill as shown."""
    return contract.Bill(**bill_fields(result))


def range_bill(result: Bill, start: datetime, end: datetime) -> contract.RangeBill:
    """Return the `GET /api/v1/bill` body: the bill and the range it covers."""
    return contract.RangeBill(**bill_fields(result), start=instant(start), end=instant(end))


def comparison_answer(
    comparison: Comparison, start: datetime, end: datetime, recorded: contract.Recorded
) -> contract.Comparison:
    """Return the `POST /api/v1/compare` body: both bills and the difference, over the range."""
    return contract.Comparison(
        currency=comparison.current.currency,
        start=instant(start),
        end=instant(end),
        current=bill_answer(comparison.current),
        alternative=bill_answer(comparison.alternative),
        difference=str(comparison.difference),
        recorded=recorded,
    )


def ranked_answer(ranked: Ranked) -> contract.RankedBill:
    """Return one ranked bill: where it stands, and the bill."""
    return contract.RankedBill(
        rank=ranked.rank,
        source=ranked.source,
        reference=ranked.reference,
        difference=str(ranked.difference),
        **bill_fields(ranked.bill),
    )


def ranking_answer(
    ranking: Ranking, start: datetime, end: datetime, recorded: contract.Recorded
) -> contract.Ranking:
    """Return the `POST /api/v1/rank` body: every bill, cheapest first, over the range."""
    return contract.Ranking(
        currency=ranking.currency,
        cycle_day=ranking.cycle_day,
        start=instant(start),
        end=instant(end),
        recorded=recorded,
        bills=[ranked_answer(ranked) for ranked in ranking.bills],
    )


def command_json(shown: Bill | Comparison | Ranking) -> dict[str, Any]:
    """Return the `bill` command's JSON data: the answers' bills, without a range (it has none)."""
    if isinstance(shown, Comparison):
        return {
            "currency": shown.current.currency,
            "current": msgspec.to_builtins(bill_answer(shown.current)),
            "alternative": msgspec.to_builtins(bill_answer(shown.alternative)),
            "difference": str(shown.difference),
        }
    if isinstance(shown, Ranking):
        return {
            "currency": shown.currency,
            "cycle_day": shown.cycle_day,
            "bills": msgspec.to_builtins([ranked_answer(ranked) for ranked in shown.bills]),
        }
    shown_bill: dict[str, Any] = msgspec.to_builtins(bill_answer(shown))
    return shown_bill
