"""Price metered energy under a tariff: one `CycleBill` per billing cycle.

Time is UTC inside; every schedule lookup uses the tariff zone's wall clock. An interval is cut
wherever a period, a series value or a billing cycle changes, its energy shared by time (constant
power), and a tier limit crossed inside a piece splits the piece's kWh exactly. Amounts stay
Decimal; rounding is for presentation only.

The pieces come in spans in which nothing changes (see `pieces`): a span is priced with the sum
of its kWh, and only a span that reaches a tier limit, or has dynamic prices, is priced piece by
piece. Meter data on the tariff's clock is never cut, so a year of hours costs a few sums a day.

Device attribution: each device pays its kWh at the household's average energy price in the same
interval (period, tier position and dynamic price of that interval; the prorated rule's period
average under prorating and net metering) and the per-kWh surcharges, each with the percentage
taxes levied on it (`Tax.components`). Demand, fixed and minimum charges and the export credit
stay at household level: they are caused by the household as a whole, and splitting them would
give devices costs they cannot change by using less energy.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from itertools import accumulate
from operator import mul
from typing import Any

from .calendar import ChangeMinutes, ChangeSource, Cycle, Slot, Timeline, WallClock, cycles_between
from .demand import DemandLine, demand_charges
from .model import (
    BillInputError,
    Component,
    ExcessCredit,
    ExportRule,
    MinimumCompare,
    Per,
    SurchargeBasis,
    Tariff,
    Tier,
    TierRule,
    Tiers,
    TierUnit,
)
from .pieces import Columns, Pieces, Span, columns, cut, non_negative
from .schedule import Rule
from .series import Grid, Interval, Series, check_intervals

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
# An energy period: rules with the same name and tiers (off-peak before and after the peak) are
# one period, netted and prorated together.
type _Period = tuple[str, Tiers]
# What a kWh of a span's pieces costs in energy (or emits): one for the span, or one per piece.
type _Units = Decimal | list[Decimal]
# A cycle's energy prices and carbon intensities (zero without carbon), span by span.
type _Rates = tuple[list[_Units], list[_Units]]


@dataclass(frozen=True, slots=True)
class EnergyLine:
    """Energy of one period and tier in a cycle, and its cost."""

    period: str
    tier: int
    kwh: Decimal
    cost: Decimal


@dataclass(frozen=True, slots=True)
class ChargeLine:
    """A named amount of a cycle (fixed charge, surcharge, tax).

    A surcharge is `basis` kWh at `rate` per kWh; a tax is `rate` percent of `basis` (the
    amount it is levied on), or zero where a tax that may not go negative meets a credit.
    """

    name: str
    amount: Decimal
    basis: Decimal | None = None
    rate: Decimal | None = None


@dataclass(frozen=True, slots=True)
class DeviceCost:
    """A device's energy, attributed cost and carbon in a cycle."""

    device: str
    kwh: Decimal
    cost: Decimal
    carbon_kg: Decimal | None


@dataclass(frozen=True, slots=True)
class CycleBill:
    """Every component of one billing cycle's bill."""

    cycle: Cycle
    import_kwh: Decimal
    export_kwh: Decimal
    energy: tuple[EnergyLine, ...]
    surcharges: tuple[ChargeLine, ...]
    demand: tuple[DemandLine, ...]
    fixed: tuple[ChargeLine, ...]
    export_credit: Decimal
    minimum: Decimal
    taxes: tuple[ChargeLine, ...]
    carbon_kg: Decimal | None
    devices: tuple[DeviceCost, ...]
    # Credit carried from the previous cycle, and credit the minimum bill left unused here
    # (forfeited, or carried to the next cycle: see `Minimum.excess_credit`).
    carried_credit: Decimal = ZERO
    unused_credit: Decimal = ZERO

    @property
    def energy_total(self) -> Decimal:
        """Sum of the energy lines."""
        return sum((line.cost for line in self.energy), ZERO)

    @property
    def charges(self) -> Decimal:
        """Energy, surcharges, demand and fixed charges."""
        return (
            self.energy_total
            + sum((line.amount for line in self.surcharges), ZERO)
            + sum((line.cost for line in self.demand), ZERO)
            + sum((line.amount for line in self.fixed), ZERO)
        )

    @property
    def credit_used(self) -> Decimal:
        """The export and carried credit, less what the minimum bill left unused."""
        return self.export_credit + self.carried_credit - self.unused_credit

    @property
    def total(self) -> Decimal:
        """What the cycle's bill comes to."""
        taxes = sum((line.amount for line in self.taxes), ZERO)
        return self.charges - self.credit_used + self.minimum + taxes


@dataclass(frozen=True, slots=True)
class IntervalRate:
    """What one kWh costs, and emits, in a load interval; `period` is the one at its start."""

    start: datetime
    end: datetime
    price: Decimal
    carbon_kg: Decimal | None
    period: str


@dataclass(frozen=True, slots=True)
class Bill:
    """The bill of every cycle the data touches."""

    tariff: str
    currency: str
    cycles: tuple[CycleBill, ...]

    @property
    def total(self) -> Decimal:
        """Sum of the cycles' totals."""
        return sum((cycle.total for cycle in self.cycles), ZERO)


@dataclass(slots=True)
class _Lines:
    """A cycle's kWh and cost per period and tier, in the order first met."""

    sums: dict[tuple[str, int], list[Decimal]] = field(default_factory=dict)

    def line(self, period: str, tier: int) -> list[Decimal]:
        """Return the [kWh, cost] sums of a line, started at zero on first use."""
        sums = self.sums.get((period, tier))
        if sums is None:
            sums = self.sums[period, tier] = [ZERO, ZERO]
        return sums

    def add(self, period: str, tier: int, kwh: Decimal, cost: Decimal) -> None:
        sums = self.line(period, tier)
        sums[0] += kwh
        sums[1] += cost

    def lines(self) -> tuple[EnergyLine, ...]:
        return tuple(EnergyLine(p, t, kwh, cost) for (p, t), (kwh, cost) in self.sums.items())


def tier_split(
    before: Decimal, amount: Decimal, tiers: Sequence[Tier], scale: Decimal
) -> list[tuple[int, Decimal]]:
    """Share `amount`, counted from `before`, across tiers whose limits are multiplied by scale."""
    for index, tier in enumerate(tiers):  # the common case: it fits in the tier open at `before`
        if tier.up_to is None:
            return [(index, amount)]
        limit = tier.up_to * scale
        if limit > before:
            if before + amount <= limit:
                return [(index, amount)]
            break
    parts: list[tuple[int, Decimal]] = []
    position = before
    remaining = amount
    for index, tier in enumerate(tiers):
        if tier.up_to is None:
            take = remaining
        else:
            take = min(remaining, max(tier.up_to * scale - position, ZERO))
        if take > 0 or (not parts and remaining == 0 and _open(tier, position, scale)):
            parts.append((index, take))
        position += take
        remaining -= take
        if remaining <= 0 and parts:
            break
    return parts


def _open(tier: Tier, position: Decimal, scale: Decimal) -> bool:
    return tier.up_to is None or tier.up_to * scale > position


class _Kinds:
    """Numbers the wall clock's slots: equal for slots that every schedule charges alike."""

    def __init__(self, tariff: Tariff) -> None:
        self.tariff = tariff
        self._kinds: dict[tuple[int, ...], int] = {}
        self._rules: dict[int, int] = {}  # by id(): the tariff holds every rule
        self._periods: dict[tuple[str, object], int] = {}

    def __call__(self, slot: Slot) -> int:
        """Return the slot's kind."""
        month, minute, weekend = slot
        tariff = self.tariff
        schedules = (
            tariff.energy,
            tariff.export.prices if tariff.export is not None else None,
            tariff.carbon.intensity if tariff.carbon is not None else None,
            tariff.demand.periods if tariff.demand is not None else None,
        )
        key = []
        for schedule in schedules:
            rule = None if schedule is None else schedule.at(month, minute, weekend=weekend)
            key.append(-1 if rule is None else self._charges(rule))
        return self._kinds.setdefault(tuple(key), len(self._kinds))

    def _charges(self, rule: Rule[Any]) -> int:
        """Return a number equal for rules of one name and value (one period)."""
        number = self._rules.get(id(rule))
        if number is None:
            number = self._periods.setdefault((rule.name, rule.value), len(self._periods))
            self._rules[id(rule)] = number
        return number


@lru_cache(maxsize=16)
def _wall_clock(tariff: Tariff) -> WallClock:
    """Return the wall clock of every schedule of the tariff.

    Kept for the tariff's next bills (the engine bills with one tariff again and again): its
    day plans depend on the tariff alone.
    """
    schedules: list[ChangeSource] = [tariff.energy]
    if tariff.export is not None:
        schedules.append(tariff.export.prices)
    if tariff.carbon is not None and tariff.carbon.intensity is not None:
        schedules.append(tariff.carbon.intensity)
    if tariff.demand is not None and tariff.demand.periods is not None:
        schedules.append(tariff.demand.periods)
    return WallClock(tariff.zone, tariff.holidays, ChangeMinutes(*schedules), kind=_Kinds(tariff))


class _Pricer:
    def __init__(
        self,
        tariff: Tariff,
        cycles: list[Cycle],
        prices: Series | None,
        carbon: Series | None,
    ) -> None:
        self.tariff = tariff
        self.cycles = cycles
        self.prices = prices
        self.carbon = carbon
        self.clock = _wall_clock(tariff)
        self.cycle_starts = [cycle.start_utc for cycle in cycles]
        self.energy_rules: dict[Slot, Rule[Tiers]] = {}

    def timeline(self, start: datetime, end: datetime) -> Timeline:
        """Return the bounds of spans with one price, cycle and UTC offset, over [start, end)."""
        return self.clock.timeline(start, end, keep=frozenset(self.cycle_starts))

    def energy_rule(self, slot: Slot) -> Rule[Tiers]:
        rule = self.energy_rules.get(slot)
        if rule is None:
            rule = self.tariff.energy.at(slot[0], slot[1], weekend=slot[2])
            if rule is None:  # a complete schedule covers every minute
                raise AssertionError(slot)
            self.energy_rules[slot] = rule
        return rule

    def cut(self, data: Columns, timeline: Timeline, *, peaks: bool = False) -> Pieces:
        series = [s for s in (self.prices, self.carbon) if s is not None]
        return cut(data, timeline, self.cycle_starts, self.clock, series, peaks=peaks)

    def dynamic_at(self, instant: datetime) -> Decimal:
        if self.prices is None:
            raise BillInputError("the tariff has dynamic prices: give a price series")
        return self.prices.value_at(instant)

    def intensity(self, pieces: Pieces, span: Span) -> Decimal | list[Decimal] | None:
        """KG CO2e per kWh of the span's pieces: one for all, one per piece, or None."""
        carbon = self.tariff.carbon
        if carbon is None:
            return None
        if carbon.intensity is not None:
            month, minute, weekend = span[3]
            rule = carbon.intensity.at(month, minute, weekend=weekend)
            return rule.value if rule is not None else ZERO
        if self.carbon is None:
            raise BillInputError("the tariff takes carbon intensity from a series: give one")
        return [self.carbon.value_at(pieces.starts[p]) for p in range(span[0], span[1])]


def _scale(tariff: Tariff, cycle: Cycle) -> Decimal:
    return Decimal(cycle.days) if tariff.tier_unit is TierUnit.DAY else Decimal(1)


def _chronological(
    pricer: _Pricer, pieces: Pieces, spans: list[Span], scale: Decimal, lines: _Lines
) -> list[_Units]:
    """Walk the tiers in time order: by span while one stays in a tier, else by piece."""
    walk = _TierWalk(pricer, pieces, scale, lines)
    units: list[_Units] = []
    dynamic = pricer.tariff.dynamic
    rules = pricer.energy_rules
    for lo, hi, _, slot, _, total, _ in spans:
        rule = rules.get(slot) or pricer.energy_rule(slot)
        if dynamic:
            units.append([walk.piece(rule, number) for number in range(lo, hi)])
            continue
        whole = walk.whole(rule, total)
        units.append(whole if whole is not None else walk.pieces(rule, lo, hi))
    return units


# The tier open for a rule: its line's [kWh, cost] sums, its price and its limit.
type _OpenTier = tuple[list[Decimal], Decimal, Decimal | None]


class _TierWalk:
    """The kWh used so far in a cycle, priced into its lines tier by tier."""

    def __init__(self, pricer: _Pricer, pieces: Pieces, scale: Decimal, lines: _Lines) -> None:
        self.pricer = pricer
        self.kwh = pieces.kwh
        self.starts = pieces.starts
        self.scale = scale
        self.lines = lines
        self.used = ZERO
        # Per rule (by id): its open tier, valid while used < limit.
        self._open: dict[int, _OpenTier] = {}

    def _tier(self, rule: Rule[Tiers]) -> _OpenTier:
        found = self._open.get(id(rule))
        if found is not None:
            limit = found[2]
            if limit is None or self.used < limit:
                return found
        tier = _open_tier(rule.value, self.used, self.scale)
        line = self.lines.line(rule.name, tier[0] + 1)
        found = (line, rule.value[tier[0]].price + ZERO, tier[1])
        self._open[id(rule)] = found
        return found

    def whole(self, rule: Rule[Tiers], total: Decimal) -> Decimal | None:
        """Price `total` kWh if it stays in the open tier; return its price, else None."""
        line, unit, limit = self._tier(rule)
        after = self.used + total
        if limit is not None and not after < limit:
            return None
        line[0] += total
        line[1] += total * unit
        self.used = after
        return unit

    def pieces(self, rule: Rule[Tiers], lo: int, hi: int) -> list[Decimal]:
        """Price pieces [lo, hi) that reach a tier limit; return each one's price."""
        prices: list[Decimal] = []
        number = lo
        while number < hi:
            line, unit, limit = self._tier(rule)
            chunk = self.kwh[number:hi]
            if limit is None:  # the last tier: everything fits
                reach, total = hi, sum(chunk, ZERO)
            else:
                # The pieces before the one that reaches the limit stay in the tier.
                after = list(accumulate(chunk, initial=self.used))
                reach = number + bisect_left(after, limit, 1) - 1
                total = after[reach - number] - self.used
            if reach > number:
                line[0] += total
                line[1] += total * unit
                self.used += total
                prices.extend([unit] * (reach - number))
            if reach < hi:
                prices.append(self.piece(rule, reach))
            number = reach + 1
        return prices

    def piece(self, rule: Rule[Tiers], number: int) -> Decimal:
        """Price one piece across the tiers it reaches (and its dynamic price); return its price."""
        kwh = self.kwh[number]
        tiers = rule.value
        dynamic = self.pricer.tariff.dynamic
        extra = self.pricer.dynamic_at(self.starts[number]) if dynamic else ZERO
        cost = ZERO
        parts = tier_split(self.used, kwh, tiers, self.scale)
        for tier, part in parts:
            charge = part * (tiers[tier].price + extra)
            self.lines.add(rule.name, tier + 1, part, charge)
            cost += charge
        self.used += kwh
        return cost / kwh if kwh else tiers[parts[0][0]].price + extra


def _open_tier(tiers: Sequence[Tier], used: Decimal, scale: Decimal) -> tuple[int, Decimal | None]:
    """Return the tier open after `used` kWh (as `tier_split` finds it) and its limit."""
    for index, tier in enumerate(tiers):
        if tier.up_to is None:
            return index, None
        limit = tier.up_to * scale
        if limit > used:
            return index, limit
    raise AssertionError(tiers)  # the last tier is unbounded (checked when the tariff is built)


def _shares(total: Decimal, tiers: Sequence[Tier], scale: Decimal) -> list[tuple[int, Decimal]]:
    if total <= 0:
        return [(0, Decimal(1))]
    return [(tier, kwh / total) for tier, kwh in tier_split(ZERO, total, tiers, scale)]


def _period(rule: Rule[Tiers]) -> _Period:
    return rule.name, rule.value


def _prorated(
    pricer: _Pricer,
    pieces: Pieces,
    spans: list[Span],
    billed: Mapping[_Period, Decimal],
    *,
    scale: Decimal,
    lines: _Lines,
) -> list[_Units]:
    """Share each period's billed kWh across tiers in the proportions of the cycle's total."""
    total = sum(billed.values(), ZERO)
    rules = [pricer.energy_rule(span[3]) for span in spans]
    average: dict[_Period, Decimal] = {}
    for period in dict.fromkeys(map(_period, rules)):
        name, tiers = period
        shares = _shares(total, tiers, scale)
        average[period] = sum((share * tiers[tier].price for tier, share in shares), ZERO)
        for tier, share in shares:
            kwh = billed.get(period, ZERO) * share
            lines.add(name, tier + 1, kwh, kwh * tiers[tier].price)
    if not pricer.tariff.dynamic:
        return [average[_period(rule)] + ZERO for rule in rules]
    units: list[_Units] = []
    for (lo, hi, *_), rule in zip(spans, rules, strict=True):
        prices = []
        for number in range(lo, hi):
            extra = pricer.dynamic_at(pieces.starts[number])
            prices.append(average[_period(rule)] + extra)
            if extra:
                for tier, share in _shares(total, rule.value, scale):
                    lines.add(rule.name, tier + 1, ZERO, pieces.kwh[number] * share * extra)
        units.append(prices)
    return units


def _kwh_by_period(pricer: _Pricer, spans: list[Span]) -> dict[_Period, Decimal]:
    totals: dict[_Period, Decimal] = defaultdict(Decimal)
    for span in spans:
        totals[_period(pricer.energy_rule(span[3]))] += span[5]
    return totals


def _per(amount: Decimal, per: Per, cycle: Cycle) -> Decimal:
    return amount * cycle.days if per is Per.DAY else amount


@dataclass(frozen=True, slots=True)
class _Priced:
    """Load and export cut into pieces under a tariff, with the pieces' spans per cycle."""

    pricer: _Pricer
    cycles: list[Cycle]
    load: Columns
    imports: Pieces
    exports: Pieces
    import_spans: list[list[Span]]
    export_spans: list[list[Span]]


def _price(
    tariff: Tariff,
    load: Sequence[Interval],
    export: Sequence[Interval],
    *,
    prices: Series | None,
    carbon: Series | None,
    cycle_day: int | None,
) -> _Priced:
    """Check the data, set up the cycles covering it and cut it into pieces."""
    data = columns(load, "load")
    exported = columns(export, "export")
    if not load and not export:
        raise BillInputError("no load data to bill")
    first = min(c.starts[0] for c in (data, exported) if c.starts)
    last = max(c.ends[-1] for c in (data, exported) if c.ends)
    zone = tariff.zone
    cycles = cycles_between(first, last, zone, cycle_day or tariff.cycle_day)
    pricer = _Pricer(tariff, cycles, prices, carbon)
    timeline = pricer.timeline(first, last)
    imports = pricer.cut(data, timeline, peaks=tariff.demand is not None)
    exports = pricer.cut(exported, timeline)
    return _Priced(
        pricer,
        cycles,
        data,
        imports,
        exports,
        imports.of_cycle(len(cycles)),
        exports.of_cycle(len(cycles)),
    )


def bill(
    tariff: Tariff,
    load: Sequence[Interval],
    *,
    export: Sequence[Interval] = (),
    prices: Series | None = None,
    carbon: Series | None = None,
    devices: Mapping[str, Sequence[Interval]] | None = None,
    cycle_day: int | None = None,
) -> Bill:
    """Bill imported `load` (and `export`) under the tariff, cycle by cycle.

    `prices` feeds dynamic energy/export prices, `carbon` a series carbon intensity; `devices`
    gives each device's kWh on the same intervals as `load`; `cycle_day` overrides the tariff's.
    """
    if export and tariff.export is None:
        columns(load, "load")
        columns(export, "export")
        raise BillInputError("export data given, but the tariff has no export section")
    priced = _price(tariff, load, export, prices=prices, carbon=carbon, cycle_day=cycle_day)
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
        bills = _attribute(priced, bills, rates, devices)
    return Bill(tariff.name, tariff.currency, tuple(bills))


def _carried(tariff: Tariff, cycle_bill: CycleBill) -> Decimal:
    """Return the credit a cycle carries to the next one."""
    minimum = tariff.minimum
    if minimum is None or minimum.excess_credit is not ExcessCredit.CARRY:
        return ZERO
    return cycle_bill.unused_credit


def _cycle_bill(
    priced: _Priced,
    number: int,
    cycle: Cycle,
    demand: tuple[DemandLine, ...],
    carried: Decimal = ZERO,
) -> tuple[CycleBill, _Rates]:
    """Bill one cycle; also return its spans' energy prices and carbon intensities.

    CARRIED is the credit the previous cycle carries into this one.
    """
    pricer = priced.pricer
    tariff = pricer.tariff
    imports = priced.import_spans[number]
    exports = priced.export_spans[number]
    scale = _scale(tariff, cycle)
    lines = _Lines()
    credit = ZERO
    import_kwh = sum((span[5] for span in imports), ZERO)
    export_kwh = sum((span[5] for span in exports), ZERO)
    netted: Decimal | None = None  # Σ per period of max(0, import - export), when needed
    if tariff.export is not None and tariff.export.rule is ExportRule.NET_METERING:
        imported = _kwh_by_period(pricer, imports)
        exported = _kwh_by_period(pricer, exports)
        net = {p: imported.get(p, ZERO) - exported.get(p, ZERO) for p in {**imported, **exported}}
        billed = {r: max(kwh, ZERO) for r, kwh in net.items()}
        units = _prorated(pricer, priced.imports, imports, billed, scale=scale, lines=lines)
        surplus = sum((max(-kwh, ZERO) for kwh in net.values()), ZERO)
        credit = surplus * tariff.export.prices.rules[0].value
        netted = sum(billed.values(), ZERO)
    else:
        if tariff.tier_rule is TierRule.PRORATED:
            billed = _kwh_by_period(pricer, imports)
            units = _prorated(pricer, priced.imports, imports, billed, scale=scale, lines=lines)
        else:
            units = _chronological(pricer, priced.imports, imports, scale, lines)
        credit = _export_credit(priced, exports)
    surcharges = []
    for surcharge in tariff.surcharges:
        basis = import_kwh
        if surcharge.basis is SurchargeBasis.NET:
            if netted is None:
                netted = _netted(pricer, imports, exports)
            basis = netted
        amount = surcharge.per_kwh * basis
        surcharges.append(ChargeLine(surcharge.name, amount, basis, surcharge.per_kwh))
    fixed = tuple(ChargeLine(f.name, _per(f.amount, f.per, cycle)) for f in tariff.fixed)
    partial = CycleBill(
        cycle,
        import_kwh,
        export_kwh,
        lines.lines(),
        tuple(surcharges),
        demand,
        fixed,
        credit,
        ZERO,
        (),
        None,
        (),
        carried,
    )
    partial = _minimum(tariff, partial)
    taxes = _taxes(tariff, partial)
    carbon_kg = None
    intensities: list[_Units] = [ZERO] * len(imports)
    if tariff.carbon is not None:
        carbon_kg = ZERO
        for index, span in enumerate(imports):
            intensity = intensities[index] = pricer.intensity(priced.imports, span) or ZERO
            if isinstance(intensity, list):
                kwh = priced.imports.kwh[span[0] : span[1]]
                carbon_kg = sum(map(mul, kwh, intensity), carbon_kg)
            else:
                carbon_kg += span[5] * intensity
    bill = replace(partial, taxes=taxes, carbon_kg=carbon_kg)
    return bill, (units, intensities)


def _netted(pricer: _Pricer, imports: list[Span], exports: list[Span]) -> Decimal:
    """Σ over the energy periods of max(0, the cycle's import - export in the period)."""
    imported = _kwh_by_period(pricer, imports)
    exported = _kwh_by_period(pricer, exports)
    return sum((max(kwh - exported.get(p, ZERO), ZERO) for p, kwh in imported.items()), ZERO)


def _minimum(tariff: Tariff, partial: CycleBill) -> CycleBill:
    """Top the charges up to the minimum bill, and hold back credit that would go below it.

    The top-up is the minimum less the charges (never negative). The credit may then lower
    the bill to the minimum (`after_credit`) or to zero (`before_credit`); what it cannot use
    is the unused credit. A negative export credit counts as a charge.
    """
    minimum = tariff.minimum
    if minimum is None:
        return partial
    floor = _per(minimum.amount, minimum.per, partial.cycle)
    credit = partial.export_credit + partial.carried_credit
    # A negative credit (exports at negative prices) is a charge.
    charges = partial.charges + max(-credit, ZERO)
    credit = max(credit, ZERO)
    top_up = max(floor - charges, ZERO)
    lowest = floor if minimum.compare is MinimumCompare.AFTER_CREDIT else ZERO
    unused = min(credit, max(lowest - (charges + top_up - credit), ZERO))
    return replace(partial, minimum=top_up, unused_credit=unused)


def _components(cycle: CycleBill) -> dict[Component, Decimal]:
    return {
        Component.ENERGY: cycle.energy_total,
        Component.SURCHARGES: sum((line.amount for line in cycle.surcharges), ZERO),
        Component.DEMAND: sum((line.cost for line in cycle.demand), ZERO),
        Component.FIXED: sum((line.amount for line in cycle.fixed), ZERO),
        Component.EXPORT_CREDIT: -cycle.credit_used,
        Component.MINIMUM: cycle.minimum,
    }


def _taxes(tariff: Tariff, cycle: CycleBill) -> tuple[ChargeLine, ...]:
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
        lines.append(ChargeLine(tax.name, amount, base, tax.percent))
    return tuple(lines)


def _export_credit(priced: _Priced, spans: list[Span]) -> Decimal:
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


# Load intervals [lo, hi) of one cycle at one energy price (before surcharges and taxes) and
# carbon intensity, and the energy period of the first; cycle -1 marks an interval that spans
# a cycle start (priced by its parts).
type _Segment = tuple[int, int, int, Decimal, Decimal, str]
# A part of such an interval: its cycle, price, share of the interval's time, intensity.
type _Part = tuple[int, Decimal, Decimal, Decimal]


class _Segments:
    """Collects the load's segments from the priced spans, in time order."""

    def __init__(self) -> None:
        self.segments: list[_Segment] = []
        self.parts: dict[int, list[_Part]] = {}
        self._open: tuple[int, str, list[_Part]] | None = None

    def each(
        self, first: int, units: list[Decimal], intensity: list[Decimal], cycle: int, period: str
    ) -> None:
        """Add whole intervals from `first`, one price and intensity each."""
        self.close()
        for index, (unit, carbon) in enumerate(zip(units, intensity, strict=True)):
            self.segments.append((first + index, first + index + 1, cycle, unit, carbon, period))

    def uniform(
        self, lo: int, hi: int, unit: Decimal, intensity: Decimal, *, cycle: int, period: str
    ) -> None:
        """Add whole intervals [lo, hi) at one price and intensity."""
        self.close()
        self.segments.append((lo, hi, cycle, unit, intensity, period))

    def part(self, interval: int, part: _Part, period: str) -> None:
        """Add a piece cut from `interval`; the pieces of an interval come one after another."""
        if self._open is not None and self._open[0] != interval:
            self.close()
        if self._open is None:
            self._open = (interval, period, [])
        self._open[2].append(part)

    def close(self) -> None:
        """Finish the interval whose pieces were being added."""
        if self._open is None:
            return
        interval, period, parts = self._open
        self._open = None
        price = intensity = ZERO
        for _, unit, fraction, carbon in parts:
            price += unit * fraction
            intensity += carbon * fraction
        cycles = {part[0] for part in parts}
        cycle = parts[0][0] if len(cycles) == 1 else -1
        if cycle < 0:
            self.parts[interval] = parts
        self.segments.append((interval, interval + 1, cycle, price, intensity, period))


def _segments(priced: _Priced, rates: list[_Rates]) -> _Segments:
    """Each load interval's energy price and intensity, as runs of intervals (segments)."""
    pricer = priced.pricer
    pieces = priced.imports
    out = _Segments()
    for cycle_spans, (units, intensities) in zip(priced.import_spans, rates, strict=True):
        for span, unit, intensity in zip(cycle_spans, units, intensities, strict=True):
            lo, hi, cycle, slot, offset, _, _ = span
            period = pricer.energy_rule(slot).name
            if offset is None:  # a piece cut from its interval
                if pieces.owner is None or pieces.fraction is None:
                    raise AssertionError(span)  # cut pieces always have owners
                carbon = intensity[0] if isinstance(intensity, list) else intensity
                price = unit[0] if isinstance(unit, list) else unit
                part = (cycle, price, pieces.fraction[lo], carbon)
                out.part(pieces.owner[lo], part, period)
                continue
            first = lo if pieces.owner is None else pieces.owner[lo]
            if isinstance(unit, Decimal) and isinstance(intensity, Decimal):
                out.uniform(first, first + hi - lo, unit, intensity, cycle=cycle, period=period)
                continue
            count = hi - lo
            out.each(
                first,
                unit if isinstance(unit, list) else [unit] * count,
                intensity if isinstance(intensity, list) else [intensity] * count,
                cycle,
                period,
            )
    out.close()
    return out


def _price_and_tax(tariff: Tariff) -> tuple[Decimal, Decimal, Decimal]:
    """Return the per-kWh surcharges and what the taxes multiply energy and surcharges by.

    A device's kWh costs `energy price x energy factor + surcharges x surcharge factor`:
    the taxes as if levied on that kWh alone (a floor at zero does not apply to one kWh).
    """
    per_kwh = sum((s.per_kwh for s in tariff.surcharges), ZERO)
    return per_kwh, _factor(tariff, Component.ENERGY), _factor(tariff, Component.SURCHARGES)


def _factor(tariff: Tariff, component: Component) -> Decimal:
    """Return 1 plus the taxes on one unit of the component, compounding as the bill does."""
    taxes: list[Decimal] = []
    for tax in tariff.taxes:
        base = (ONE if component in tax.components else ZERO) + (
            sum(taxes, ZERO) if tax.compound else 0
        )
        taxes.append(base * tax.percent / HUNDRED)
    return ONE + sum(taxes, ZERO)


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
    priced = _price(tariff, load, export, prices=prices, carbon=carbon, cycle_day=cycle_day)
    rates = [_cycle_bill(priced, n, cycle, ())[1] for n, cycle in enumerate(priced.cycles)]
    per_kwh, energy_tax, surcharge_tax = _price_and_tax(tariff)
    extra = per_kwh * surcharge_tax
    has_carbon = tariff.carbon is not None
    data = priced.load
    out: list[IntervalRate] = []
    for lo, hi, _, unit, intensity, period in _segments(priced, rates).segments:
        price = unit * energy_tax + extra
        out.extend(
            IntervalRate(
                data.starts[number],
                data.ends[number],
                price,
                intensity if has_carbon else None,
                period,
            )
            for number in range(lo, hi)
        )
    return out


def _device_kwh(
    name: str, intervals: Sequence[Interval], load: Columns, times: tuple[list[datetime], ...]
) -> list[Decimal]:
    """Return the device's kWh on each load interval; its intervals must be load intervals.

    `times` holds the load's starts and ends as lists.
    """
    if (
        isinstance(intervals, Grid)
        and load.origin is not None
        and (intervals.start, intervals.step) == (load.origin, load.step)
        and len(intervals) == len(load.kwh)
    ):
        kwh = list(intervals.kwh)
        if not non_negative(kwh):
            check_intervals(intervals, f"device {name!r}")  # names the first negative interval
        return kwh
    starts, ends = times
    if (
        len(intervals) == len(starts)
        and [i.start for i in intervals] == starts
        and [i.end for i in intervals] == ends
    ):
        kwh = [i.kwh for i in intervals]
        if not non_negative(kwh):
            check_intervals(intervals, f"device {name!r}")  # names the first negative interval
        return kwh
    check_intervals(intervals, f"device {name!r}")
    out = [ZERO] * len(starts)
    numbers = {start: number for number, start in enumerate(starts)}
    for interval in intervals:
        number = numbers.get(interval.start)
        if number is None or ends[number] != interval.end:
            raise BillInputError(
                f"device {name!r} interval at {interval.start.isoformat()} does not match a "
                "load interval (give devices on the load's intervals)"
            )
        out[number] = interval.kwh
    return out


type _Group = tuple[int, Decimal, Decimal]  # cycle, price and intensity of an interval


def _runs(
    segments: _Segments, tax: Decimal, extra: Decimal
) -> tuple[list[tuple[int, int]], dict[_Group, list[int]], list[int]]:
    """Merge segments into runs of consecutive intervals with one cycle, price and intensity.

    Returns the runs (index slices), the runs of each group, and the intervals that span a
    cycle start (priced by part). A device then costs one sum of kWh per run: a few a day
    for TOU tariffs, however fine the data.
    """
    runs: list[tuple[int, int]] = []
    groups: dict[_Group, list[int]] = defaultdict(list)
    spanning: list[int] = []
    current: _Group | None = None
    for lo, hi, cycle, unit, intensity, _ in segments.segments:
        if cycle < 0:
            spanning.append(lo)
            current = None
            continue
        group = (cycle, unit * tax + extra, intensity)
        if group == current:
            runs[-1] = (runs[-1][0], hi)
            continue
        groups[group].append(len(runs))
        runs.append((lo, hi))
        current = group
    return runs, groups, spanning


def _attribute(
    priced: _Priced,
    bills: list[CycleBill],
    rates: list[_Rates],
    devices: Mapping[str, Sequence[Interval]],
) -> list[CycleBill]:
    """Price each device's kWh at its interval's household price (see the module docstring)."""
    tariff = priced.pricer.tariff
    per_kwh, tax, surcharge_tax = _price_and_tax(tariff)
    extra = per_kwh * surcharge_tax
    segments = _segments(priced, rates)
    runs, groups, spanning = _runs(segments, tax, extra)
    totals: list[dict[str, list[Decimal]]] = [{} for _ in bills]
    load = priced.load
    times = (list(load.starts), list(load.ends))
    for name, intervals in devices.items():
        kwh = _device_kwh(name, intervals, load, times)
        run_kwh = [sum(kwh[begin:end], ZERO) for begin, end in runs]
        for (cycle, unit, carbon), members in groups.items():
            energy = sum([run_kwh[run] for run in members], ZERO)
            row = totals[cycle].setdefault(name, [ZERO, ZERO, ZERO])
            row[0] += energy
            row[1] += energy * unit
            row[2] += energy * carbon
        for number in spanning:
            for cycle, unit, fraction, carbon in segments.parts[number]:
                share = kwh[number] * fraction
                row = totals[cycle].setdefault(name, [ZERO, ZERO, ZERO])
                row[0] += share
                row[1] += share * (unit * tax + extra)
                row[2] += share * carbon
    has_carbon = tariff.carbon is not None
    return [
        replace(
            cycle_bill,
            devices=tuple(
                DeviceCost(name, row[0], row[1], row[2] if has_carbon else None)
                for name, row in sorted(totals[number].items())
            ),
        )
        for number, cycle_bill in enumerate(bills)
    ]
