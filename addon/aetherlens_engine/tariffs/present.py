"""Present bills: JSON-ready dicts and a text table, rounded to the cent only here."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .bill import Bill, CycleBill

CENT = Decimal("0.01")
WATT_HOUR = Decimal("0.001")


def money(amount: Decimal) -> str:
    """Round an amount to the cent (half up) for display."""
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


def energy(kwh: Decimal) -> str:
    """Round kWh (or kW, kg) to three decimals for display."""
    return str(kwh.quantize(WATT_HOUR, rounding=ROUND_HALF_UP))


def _cycle(cycle: CycleBill) -> dict[str, Any]:
    return {
        "start": cycle.cycle.first.isoformat(),
        "end": cycle.cycle.end.isoformat(),
        "days": cycle.cycle.days,
        "import_kwh": energy(cycle.import_kwh),
        "export_kwh": energy(cycle.export_kwh),
        "energy": [
            {"period": e.period, "tier": e.tier, "kwh": energy(e.kwh), "cost": money(e.cost)}
            for e in cycle.energy
        ],
        "surcharges": [{"name": s.name, "amount": money(s.amount)} for s in cycle.surcharges],
        "demand": [
            {
                "name": d.name,
                "kw": energy(d.kw),
                "window_start": d.window_start.isoformat() if d.window_start else None,
                "days": d.days,
                "cost": money(d.cost),
            }
            for d in cycle.demand
        ],
        "fixed": [{"name": f.name, "amount": money(f.amount)} for f in cycle.fixed],
        "export_credit": money(cycle.export_credit),
        "minimum": money(cycle.minimum),
        "taxes": [{"name": t.name, "amount": money(t.amount)} for t in cycle.taxes],
        "carbon_kg": energy(cycle.carbon_kg) if cycle.carbon_kg is not None else None,
        "devices": [
            {
                "device": d.device,
                "kwh": energy(d.kwh),
                "cost": money(d.cost),
                "carbon_kg": energy(d.carbon_kg) if d.carbon_kg is not None else None,
            }
            for d in cycle.devices
        ],
        "total": money(cycle.total),
    }


def bill_to_json(result: Bill) -> dict[str, Any]:
    """Return the bill as JSON-ready data; amounts are strings rounded to the cent."""
    return {
        "tariff": result.tariff,
        "currency": result.currency,
        "cycles": [_cycle(cycle) for cycle in result.cycles],
        "total": money(result.total),
    }


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
        rows.extend((f"  surcharge {s.name}", money(s.amount)) for s in cycle.surcharges)
        rows.extend(
            (f"  demand {d.name} ({energy(d.kw)} kW{_share(d.days, cycle)})", money(d.cost))
            for d in cycle.demand
        )
        rows.extend((f"  fixed {f.name}", money(f.amount)) for f in cycle.fixed)
        if cycle.export_kwh:
            rows.append(
                (f"  export credit ({energy(cycle.export_kwh)} kWh)", money(-cycle.export_credit))
            )
        if cycle.minimum:
            rows.append(("  minimum bill", money(cycle.minimum)))
        rows.extend((f"  tax {t.name}", money(t.amount)) for t in cycle.taxes)
        if cycle.carbon_kg is not None:
            rows.append(("  carbon kg CO2e", energy(cycle.carbon_kg)))
        rows.extend(
            (f"  device {d.device} ({energy(d.kwh)} kWh)", money(d.cost)) for d in cycle.devices
        )
        rows.append(("  total", money(cycle.total)))
    rows.append((f"total {result.currency}", money(result.total)))
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label:<{width}}  {value:>12}".rstrip() for label, value in rows)
