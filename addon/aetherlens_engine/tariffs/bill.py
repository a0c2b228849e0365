"""Price metered energy under a tariff: one `CycleBill` per billing cycle.

Time is UTC inside; every schedule lookup uses the tariff zone's wall clock. An interval is cut
wherever a period, a series value or a billing cycle changes, its energy shared by time (constant
power), and a tier limit crossed inside a piece splits the piece's kWh exactly. Amounts stay
Decimal; rounding is for presentation only.

The pieces come in spans in which nothing changes (`pieces`, cut in `pricer`): a span is priced
with the sum of its kWh, and only a span that reaches a tier limit, or has dynamic prices, is
priced piece by piece (`energy`). Meter data on the tariff's clock is never cut, so a year of
hours costs a few sums a day. The other components are in `charges` and `demand`, the devices'
shares and the interval rates in `attribution`, the records in `records`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from operator import mul

from .attribution import SpanRates, attribute, kwh_price, segments
from .calendar import Cycle
from .charges import export_credit, fixed_lines, minimum_bill, surcharge_lines, tax_lines
from .demand import DemandLine, demand_charges
from .energy import EnergyLines, Units, chronological, kwh_by_period, prorated, tier_scale
from .metered import billed_load
from .model import BillInputError, ExcessCredit, ExportRule, Tariff, TierRule
from .pieces import Span, columns
from .pricer import Priced, cut_for_tariff
from .records import Bill, ChargeLine, CycleBill, DeviceCost, EnergyLine, IntervalRate
from .series import Interval, Series

__all__ = [
    "Bill",
    "ChargeLine",
    "CycleBill",
    "DeviceCost",
    "EnergyLine",
    "IntervalRate",
    "bill",
    "interval_rates",
]

ZERO = Decimal(0)


def bill(
    tariff: Tariff,
    load: Sequence[Interval],
    *,
    export: Sequence[Interval] = (),
    prices: Series | None = None,
    carbon: Series | None = None,
    devices: Mapping[str, Sequence[Interval]] | None = None,
    cycle_day: int | None = None,
    unit: str | None = None,
    days: tuple[date, date] | None = None,
) -> Bill:
    """Bill imported `load` (and `export`) under the tariff, cycle by cycle.

    `prices` feeds dynamic energy/export prices, `carbon` a series carbon intensity; `devices`
    gives each device's kWh on the same intervals as `load`; `cycle_day` overrides the tariff's;
    `days` (local dates [first, end), holding all the data) are the one cycle instead, as a
    utility's meter-read cycle of any length.
    `unit` is what `load` was metered in (None: the tariff's unit, see `metered`).
    """
    if unit is not None and unit != tariff.unit:
        load = billed_load(tariff, load, unit)
        if devices:
            devices = {name: billed_load(tariff, kwh, unit) for name, kwh in devices.items()}
    if export and tariff.export is None:
        columns(load, "load")
        columns(export, "export")
        raise BillInputError("export data given, but the tariff has no export section")
    priced = cut_for_tariff(
        tariff, load, export, prices=prices, carbon=carbon, cycle_day=cycle_day, days=days
    )
    demand = demand_charges(
        tariff,
        load,
        priced.cycles,
        priced.pricer.clock,
        data=priced.load,
        pieces=priced.imports,
    )
    bills = []
    rates = []
    carried = ZERO
    for number, cycle in enumerate(priced.cycles):
        cycle_bill, cycle_rates = _cycle_bill(priced, number, cycle, demand[number], carried)
        bills.append(cycle_bill)
        rates.append(cycle_rates)
        carried = _carried(tariff, cycle_bill)
    if devices:
        bills = attribute(priced, bills, rates, devices)
    return Bill(tariff=tariff.name, currency=tariff.currency, cycles=tuple(bills))


def _carried(tariff: Tariff, cycle_bill: CycleBill) -> Decimal:
    """Return the credit a cycle carries to the next one."""
    minimum = tariff.minimum
    if minimum is None or minimum.excess_credit is not ExcessCredit.CARRY:
        return ZERO
    return cycle_bill.unused_credit


def _cycle_bill(
    priced: Priced,
    number: int,
    cycle: Cycle,
    demand: tuple[DemandLine, ...],
    carried: Decimal = ZERO,
) -> tuple[CycleBill, SpanRates]:
    """Bill one cycle; also return its spans' energy prices and carbon intensities.

    CARRIED is the credit the previous cycle carries into this one.
    """
    pricer = priced.pricer
    tariff = pricer.tariff
    imports = priced.import_spans[number]
    exports = priced.export_spans[number]
    scale = tier_scale(tariff, cycle)
    lines = EnergyLines()
    import_kwh = sum([span.kwh for span in imports], ZERO)
    export_kwh = sum([span.kwh for span in exports], ZERO)
    netted: Decimal | None = None  # Σ per period of max(0, import - export), when needed
    units: list[Units]
    if tariff.export is not None and tariff.export.rule is ExportRule.NET_METERING:
        imported = kwh_by_period(pricer, imports)
        exported = kwh_by_period(pricer, exports)
        net = {p: imported.get(p, ZERO) - exported.get(p, ZERO) for p in {**imported, **exported}}
        billed = {period: max(kwh, ZERO) for period, kwh in net.items()}
        units = prorated(pricer, priced.imports, imports, billed, scale=scale, lines=lines)
        surplus = sum((max(-kwh, ZERO) for kwh in net.values()), ZERO)
        credit = surplus * tariff.export.prices.rules[0].value
        netted = sum(billed.values(), ZERO)
    else:
        if tariff.tier_rule is TierRule.PRORATED:
            billed = kwh_by_period(pricer, imports)
            units = prorated(pricer, priced.imports, imports, billed, scale=scale, lines=lines)
        else:
            units = chronological(pricer, priced.imports, imports, scale, lines)
        credit = export_credit(priced, exports)
    partial = CycleBill(
        cycle=cycle,
        import_kwh=import_kwh,
        export_kwh=export_kwh,
        energy=lines.lines(),
        surcharges=surcharge_lines(pricer, imports, exports, import_kwh=import_kwh, netted=netted),
        demand=demand,
        fixed=fixed_lines(tariff, cycle),
        export_credit=credit,
        carried_credit=carried,
    )
    if tariff.minimum is not None:
        top_up, unused = minimum_bill(tariff.minimum, partial)
        partial = replace(partial, minimum=top_up, unused_credit=unused)
    intensities: list[Units] = [ZERO] * len(imports)
    carbon_kg = _carbon(priced, imports, intensities)
    cycle_bill = replace(partial, taxes=tax_lines(tariff, partial), carbon_kg=carbon_kg)
    return cycle_bill, SpanRates(units, intensities)


def _carbon(priced: Priced, imports: list[Span], intensities: list[Units]) -> Decimal | None:
    """Return the cycle's kg CO2e (None without carbon); fill in each span's intensity."""
    if priced.pricer.tariff.carbon is None:
        return None
    carbon_kg = ZERO
    for index, span in enumerate(imports):
        intensity = intensities[index] = priced.pricer.intensity(priced.imports, span) or ZERO
        if isinstance(intensity, list):
            kwh = priced.imports.kwh[span.lo : span.hi]
            carbon_kg = sum(map(mul, kwh, intensity), carbon_kg)
        else:
            carbon_kg += span.kwh * intensity
    return carbon_kg


def interval_rates(
    tariff: Tariff,
    load: Sequence[Interval],
    *,
    export: Sequence[Interval] = (),
    prices: Series | None = None,
    carbon: Series | None = None,
    cycle_day: int | None = None,
) -> list[IntervalRate]:
    """Return the price per kWh of every load interval under the attribution rule.

    The rate is what a device pays per kWh in that interval (energy at the household's
    period and tier position, surcharges, taxes); demand and fixed charges are not in it.
    Tiers count from the start of the billing cycle: give the load from there.
    """
    if not load:
        columns(export, "export")
        raise BillInputError("no load data to bill")
    priced = cut_for_tariff(tariff, load, export, prices=prices, carbon=carbon, cycle_day=cycle_day)
    rates = []
    for number, cycle in enumerate(priced.cycles):
        _, cycle_rates = _cycle_bill(priced, number, cycle, ())
        rates.append(cycle_rates)
    energy_tax, extra = kwh_price(tariff)
    has_carbon = tariff.carbon is not None
    data = priced.load
    out: list[IntervalRate] = []
    for lo, hi, _, unit, intensity, period in segments(priced, rates).segments:
        price = unit * energy_tax + extra
        out.extend(
            IntervalRate(
                start=data.starts[number],
                end=data.ends[number],
                price=price,
                carbon_kg=intensity if has_carbon else None,
                period=period,
            )
            for number in range(lo, hi)
        )
    return out
