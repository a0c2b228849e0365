"""Present bills: the rounding of every shown figure, and a text table.

Each line is rounded on its own and each total from the exact sum, so the rounded lines may
miss the rounded total by a cent or so: the `rounding` line says by how much, and the shown
lines plus it add up to the shown total (and the cycles' totals plus the bill's `rounding` to
the bill's total). The JSON shape of a bill is the API's (`api.present`), built with these.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from .bill import Bill, CycleBill

CENT = Decimal("0.01")
WATT_HOUR = Decimal("0.001")


def money(amount: Decimal) -> str:
    """Round an amount to the cent (half up) for display."""
    return str(cents(amount))


def energy(kwh: Decimal) -> str:
    """Round kWh (or kW, kg) to three decimals for display."""
    return str(kwh.quantize(WATT_HOUR, rounding=ROUND_HALF_UP))


def cents(amount: Decimal) -> Decimal:
    """Round an amount to the cent (half up)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def rounding(cycle: CycleBill) -> Decimal:
    """Return the rounded total less the sum of the rounded lines."""
    lines = [
        *(e.cost for e in cycle.energy),
        *(s.amount for s in cycle.surcharges),
        *(d.cost for d in cycle.demand),
        *(f.amount for f in cycle.fixed),
        -cycle.export_credit,
        -cycle.carried_credit,
        cycle.unused_credit,
        cycle.minimum,
        *(t.amount for t in cycle.taxes),
    ]
    return cents(cycle.total) - sum((cents(line) for line in lines), Decimal(0))


def bill_rounding(result: Bill) -> Decimal:
    """Return the rounded total less the sum of the cycles' rounded totals."""
    return cents(result.total) - sum((cents(c.total) for c in result.cycles), Decimal(0))


def _share(days: int, cycle: CycleBill) -> str:
    """Show the days a seasonal charge covers when they are not the whole cycle."""
    return "" if days == cycle.cycle.days else f" x {days}/{cycle.cycle.days} days"


def bill_to_table(result: Bill) -> str:
    """Return the bill as aligned text, one block per cycle."""
    rows: list[tuple[str, str]] = []
    for cycle in result.cycles:
        head = f"{cycle.cycle.first} - {cycle.cycle.end} ({cycle.cycle.days} days)"
        rows.append((head, ""))
        rows.append(("  import kWh", energy(cycle.import_kwh)))
        rows.extend(
            (f"  energy {e.period} tier {e.tier} ({energy(e.kwh)} kWh)", money(e.cost))
            for e in cycle.energy
        )
        rows.extend(
            (
                f"  surcharge {s.name} ({energy(s.basis or Decimal(0))} kWh x {s.rate})",
                money(s.amount),
            )
            for s in cycle.surcharges
        )
        rows.extend(
            (f"  demand {d.name} ({energy(d.kw)} kW{_share(d.days, cycle)})", money(d.cost))
            for d in cycle.demand
        )
        rows.extend((f"  fixed {f.name}", money(f.amount)) for f in cycle.fixed)
        if cycle.export_kwh:
            rows.append(
                (f"  export credit ({energy(cycle.export_kwh)} kWh)", money(-cycle.export_credit))
            )
        if cycle.carried_credit:
            rows.append(("  credit carried in", money(-cycle.carried_credit)))
        if cycle.minimum:
            rows.append(("  minimum bill", money(cycle.minimum)))
        if cycle.unused_credit:
            rows.append(("  credit unused (minimum bill)", money(cycle.unused_credit)))
        rows.extend(
            (f"  tax {t.name} ({t.rate}% of {money(t.basis or Decimal(0))})", money(t.amount))
            for t in cycle.taxes
        )
        if cycle.carbon_kg is not None:
            rows.append(("  carbon kg CO2e", energy(cycle.carbon_kg)))
        rows.extend(
            (f"  device {d.device} ({energy(d.kwh)} kWh)", money(d.cost)) for d in cycle.devices
        )
        if rounding(cycle):
            rows.append(("  rounding", money(rounding(cycle))))
        rows.append(("  total", money(cycle.total)))
    if bill_rounding(result):
        rows.append(("rounding", money(bill_rounding(result))))
    rows.append((f"total {result.currency}", money(result.total)))
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label:<{width}}  {value:>12}".rstrip() for label, value in rows)
