"""A cycle's charges beside energy: surcharges, fixed charges, export credit, minimum, taxes."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from .calendar import Cycle
from .energy import kwh_by_period
from .model import Component, Minimum, MinimumCompare, Per, SurchargeBasis, Tariff
from .pieces import Span
from .pricer import Priced, Pricer
from .records import ChargeLine, CycleBill

ZERO = Decimal(0)
HUNDRED = Decimal(100)


def per_cycle(amount: Decimal, per: Per, cycle: Cycle) -> Decimal:
    """Return an amount charged per day or per cycle for the whole cycle."""
    return amount * cycle.days if per is Per.DAY else amount


def surcharge_lines(
    pricer: Pricer,
    imports: list[Span],
    exports: list[Span],
    *,
    import_kwh: Decimal,
    netted: Decimal | None,
) -> tuple[ChargeLine, ...]:
    """Each per-kWh surcharge on (its share of) the cycle's imports, or of its netted kWh.

    `netted` is Σ per period of max(0, import - export) when the energy charge worked it out.
    """
    lines = []
    for surcharge in pricer.tariff.surcharges:
        basis = import_kwh
        if surcharge.basis is SurchargeBasis.NET:
            if netted is None:
                netted = _netted(pricer, imports, exports)
            basis = netted
        basis *= surcharge.share
        amount = surcharge.per_kwh * basis
        lines.append(
            ChargeLine(name=surcharge.name, amount=amount, basis=basis, rate=surcharge.per_kwh)
        )
    return tuple(lines)


def fixed_lines(tariff: Tariff, cycle: Cycle) -> tuple[ChargeLine, ...]:
    """Each fixed charge for the cycle."""
    return tuple(
        ChargeLine(name=fixed.name, amount=per_cycle(fixed.amount, fixed.per, cycle))
        for fixed in tariff.fixed
    )


def _netted(pricer: Pricer, imports: list[Span], exports: list[Span]) -> Decimal:
    """Σ over the energy periods of max(0, the cycle's import - export in the period)."""
    imported = kwh_by_period(pricer, imports)
    exported = kwh_by_period(pricer, exports)
    return sum((max(kwh - exported.get(p, ZERO), ZERO) for p, kwh in imported.items()), ZERO)


def export_credit(priced: Priced, spans: list[Span]) -> Decimal:
    """Net billing: every exported kWh at the export price of its time."""
    pricer = priced.pricer
    export = pricer.tariff.export
    credit = ZERO
    if export is None:
        return credit
    for lo, hi, _, (month, minute, weekend), _, total, _ in spans:
        rule = export.prices.at(month, minute, weekend=weekend)
        price = rule.value if rule is not None else ZERO
        if not export.dynamic:
            credit += total * (price + ZERO)
            continue
        for number in range(lo, hi):
            extra = pricer.dynamic_at(priced.exports.starts[number])
            credit += priced.exports.kwh[number] * (price + extra)
    return credit


class MinimumBill(NamedTuple):
    """What the minimum bill adds to a cycle, and the credit it leaves unused."""

    top_up: Decimal
    unused_credit: Decimal


def minimum_bill(minimum: Minimum, partial: CycleBill) -> MinimumBill:
    """Top the charges up to the minimum bill, and hold back credit that would go below it.

    The top-up is the minimum less the charges (never negative). The credit may then lower
    the bill to the minimum (`after_credit`) or to zero (`before_credit`); what it cannot use
    is the unused credit. A negative export credit counts as a charge.
    """
    floor = per_cycle(minimum.amount, minimum.per, partial.cycle)
    credit = partial.export_credit + partial.carried_credit
    # A negative credit (exports at negative prices) is a charge.
    charges = partial.charges + max(-credit, ZERO)
    credit = max(credit, ZERO)
    top_up = max(floor - charges, ZERO)
    lowest = floor if minimum.compare is MinimumCompare.AFTER_CREDIT else ZERO
    unused = min(credit, max(lowest - (charges + top_up - credit), ZERO))
    return MinimumBill(top_up, unused)


def _components(cycle: CycleBill) -> dict[Component, Decimal]:
    return {
        Component.ENERGY: cycle.energy_total,
        Component.SURCHARGES: sum((line.amount for line in cycle.surcharges), ZERO),
        Component.DEMAND: sum((line.cost for line in cycle.demand), ZERO),
        Component.FIXED: sum((line.amount for line in cycle.fixed), ZERO),
        Component.EXPORT_CREDIT: -cycle.credit_used,
        Component.MINIMUM: cycle.minimum,
    }


def tax_lines(tariff: Tariff, cycle: CycleBill) -> tuple[ChargeLine, ...]:
    """Each tax on its components (and, compounding, on the taxes before it)."""
    parts = _components(cycle)
    lines: list[ChargeLine] = []
    for tax in tariff.taxes:
        base = sum((parts[component] for component in tax.components), ZERO)
        if tax.compound:
            base += sum((line.amount for line in lines), ZERO)
        amount = base * tax.percent / HUNDRED
        if not tax.negative:
            amount = max(amount, ZERO)
        lines.append(ChargeLine(name=tax.name, amount=amount, basis=base, rate=tax.percent))
    return tuple(lines)
