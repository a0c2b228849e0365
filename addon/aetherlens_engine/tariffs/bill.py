"""Price metered energy under a tariff: one `CycleBill` per billing cycle.

Time is UTC inside; every schedule lookup uses the tariff zone's wall clock. An interval is cut
wherever a period, a series value or a billing cycle changes, its energy shared by time (constant
power), and a tier limit crossed inside a piece splits the piece's kWh exactly. Amounts stay
Decimal; rounding is for presentation only.

Device attribution: each device pays its kWh at the household's average energy price in the same
interval (period, tier position and dynamic price of that interval; the prorated rule's period
average under prorating and net metering), plus the per-kWh surcharges, plus the percentage taxes
on both. Demand, fixed and minimum charges and the export credit stay at household level: they
are caused by the household as a whole, and splitting them would give devices costs they cannot
change by using less energy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from itertools import pairwise, repeat
from operator import mul

from .calendar import (
    ChangeMinutes,
    ChangeSource,
    Cycle,
    LocalTime,
    WallClock,
    cycle_index,
    cycles_between,
)
from .demand import DemandLine, demand_charges
from .model import BillInputError, ExportRule, Per, Tariff, Tier, TierRule, Tiers, TierUnit
from .schedule import Rule
from .series import Interval, Series, check_intervals

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
# An energy period: rules with the same name and tiers (off-peak before and after the peak) are
# one period, netted and prorated together.
type _Period = tuple[str, Tiers]


@dataclass(frozen=True, slots=True)
class EnergyLine:
    """Energy of one period and tier in a cycle, and its cost."""

    period: str
    tier: int
    kwh: Decimal
    cost: Decimal


@dataclass(frozen=True, slots=True)
class ChargeLine:
    """A named amount of a cycle (fixed charge, surcharge, tax)."""

    name: str
    amount: Decimal


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

    @property
    def energy_total(self) -> Decimal:
        """Sum of the energy lines."""
        return sum((line.cost for line in self.energy), ZERO)

    @property
    def subtotal(self) -> Decimal:
        """Energy, surcharges, demand and fixed charges less the export credit."""
        return (
            self.energy_total
            + sum((line.amount for line in self.surcharges), ZERO)
            + sum((line.cost for line in self.demand), ZERO)
            + sum((line.amount for line in self.fixed), ZERO)
            - self.export_credit
        )

    @property
    def total(self) -> Decimal:
        """What the cycle's bill comes to."""
        return self.subtotal + self.minimum + sum((line.amount for line in self.taxes), ZERO)


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
class _Piece:
    start: datetime
    kwh: Decimal
    fraction: Decimal  # of its interval's duration
    interval: int
    cycle: int
    # The wall clock at the start of the piece, or earlier in the same span without a price
    # change (see `WallClock.next_change`): every schedule lookup gives the same rule.
    local: LocalTime
    unit_price: Decimal = ZERO


@dataclass(slots=True)
class _Lines:
    kwh: dict[tuple[str, int], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    cost: dict[tuple[str, int], Decimal] = field(default_factory=lambda: defaultdict(Decimal))

    def add(self, period: str, tier: int, kwh: Decimal, cost: Decimal) -> None:
        self.kwh[period, tier] += kwh
        self.cost[period, tier] += cost

    def lines(self) -> tuple[EnergyLine, ...]:
        return tuple(EnergyLine(p, t, self.kwh[p, t], self.cost[p, t]) for p, t in self.kwh)


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
        schedules: list[ChangeSource] = [tariff.energy]
        if tariff.export is not None:
            schedules.append(tariff.export.prices)
        if tariff.carbon is not None and tariff.carbon.intensity is not None:
            schedules.append(tariff.carbon.intensity)
        self.clock = WallClock(tariff.zone, tariff.holidays, ChangeMinutes(*schedules))
        self.cycle_starts = [cycle.start_utc for cycle in cycles]
        # Pieces of one span share their LocalTime: the rule is looked up once per span.
        self._rule_for: tuple[LocalTime | None, Rule[Tiers] | None] = (None, None)

    def energy_rule(self, local: LocalTime) -> Rule[Tiers]:
        known, rule = self._rule_for
        if local is not known:
            rule = self.tariff.energy.at(local.month, local.minute, weekend=local.weekend)
            self._rule_for = (local, rule)
        if rule is None:  # a complete schedule covers every minute
            raise AssertionError(local)
        return rule

    def pieces(self, intervals: Sequence[Interval]) -> list[_Piece]:
        out: list[_Piece] = []
        series = [s for s in (self.prices, self.carbon) if s is not None]
        # The span [since, until) holds no price change; cycles start at local midnight, where
        # the wall clock always cuts, so its cycle and wall clock hold for every instant in it.
        since = until = None
        local = None
        cycle = 0
        for number, interval in enumerate(intervals):
            start, end = interval.start, interval.end
            if since is None or until is None or not since <= start < until:
                until, local = self.clock.next_change(start)
                since = start
                cycle = cycle_index(self.cycle_starts, start)
            if (
                end <= until
                and local is not None
                and not any(s.changes(start, end) for s in series)
            ):
                out.append(_Piece(start, interval.kwh, ONE, number, cycle, local))
                continue
            # Something changes inside: cut where it does.
            extra = [change for s in series for change in s.changes(start, end)]
            cuts = self.clock.split(start, end, extra)
            total = interval.seconds
            shared = ZERO
            for index, (start, end) in enumerate(pairwise(cuts)):
                fraction = Interval(start, end, ZERO).seconds / total
                last = index == len(cuts) - 2
                kwh = interval.kwh - shared if last else interval.kwh * fraction
                shared += kwh
                out.append(
                    _Piece(
                        start,
                        kwh,
                        fraction,
                        number,
                        cycle_index(self.cycle_starts, start),
                        self.clock.local(start),
                    )
                )
        return out

    def dynamic(self, piece: _Piece, *, enabled: bool) -> Decimal:
        if not enabled:
            return ZERO
        if self.prices is None:
            raise BillInputError("the tariff has dynamic prices: give a price series")
        return self.prices.value_at(piece.start)

    def intensity(self, piece: _Piece) -> Decimal | None:
        carbon = self.tariff.carbon
        if carbon is None:
            return None
        if carbon.intensity is not None:
            rule = carbon.intensity.at(
                piece.local.month, piece.local.minute, weekend=piece.local.weekend
            )
            return rule.value if rule is not None else ZERO
        if self.carbon is None:
            raise BillInputError("the tariff takes carbon intensity from a series: give one")
        return self.carbon.value_at(piece.start)


def _scale(tariff: Tariff, cycle: Cycle) -> Decimal:
    return Decimal(cycle.days) if tariff.tier_unit is TierUnit.DAY else Decimal(1)


def _chronological(pricer: _Pricer, pieces: list[_Piece], scale: Decimal, lines: _Lines) -> None:
    used = ZERO
    dynamic = pricer.tariff.dynamic
    kwh_of, cost_of = lines.kwh, lines.cost
    start, count = 0, len(pieces)
    while start < count:
        # A run: the pieces of one span share their LocalTime, hence their rule.
        local = pieces[start].local
        end = start + 1
        while end < count and pieces[end].local is local:
            end += 1
        run = pieces[start:end]
        start = end
        if not dynamic:
            after = _in_one_tier(pricer.energy_rule(local), run, used, scale, lines)
            if after is not None:
                used = after
                continue
        for piece in run:
            rule = pricer.energy_rule(piece.local)
            tiers = rule.value
            extra = pricer.dynamic(piece, enabled=True) if dynamic else ZERO
            cost = ZERO
            parts = tier_split(used, piece.kwh, tiers, scale)
            for tier, kwh in parts:
                charge = kwh * (tiers[tier].price + extra)
                key = (rule.name, tier + 1)
                kwh_of[key] += kwh
                cost_of[key] += charge
                cost += charge
            used += piece.kwh
            piece.unit_price = cost / piece.kwh if piece.kwh else tiers[parts[0][0]].price + extra


def _in_one_tier(
    rule: Rule[Tiers], run: list[_Piece], used: Decimal, scale: Decimal, lines: _Lines
) -> Decimal | None:
    """Price a run of pieces that stays inside one tier; None (nothing done) if it does not.

    The same additions and products as the piece-by-piece walk, in the same order, made by
    sum() and map() in C. Returns the kWh used after the run.
    """
    found = _open_tier(rule.value, used, scale)
    if found is None:
        return None  # every tier is full: the walk shares it out
    index, limit = found
    kwhs = [piece.kwh for piece in run]
    after = sum(kwhs, used)
    if limit is not None and not after < limit:
        return None  # the run reaches the tier's limit
    tier = rule.value[index]
    unit = tier.price + ZERO
    charges = list(map(mul, kwhs, repeat(unit)))
    key = (rule.name, index + 1)
    lines.kwh[key] = sum(kwhs, lines.kwh[key])
    lines.cost[key] = sum(charges, lines.cost[key])
    for piece, kwh, charge in zip(run, kwhs, charges, strict=True):
        piece.unit_price = (ZERO + charge) / kwh if kwh else unit
    return after


def _open_tier(
    tiers: Sequence[Tier], used: Decimal, scale: Decimal
) -> tuple[int, Decimal | None] | None:
    """Return the tier open after `used` kWh (as `tier_split` finds it) and its limit."""
    for index, tier in enumerate(tiers):
        if tier.up_to is None:
            return index, None
        limit = tier.up_to * scale
        if limit > used:
            return index, limit
    return None


def _shares(total: Decimal, tiers: Sequence[Tier], scale: Decimal) -> list[tuple[int, Decimal]]:
    if total <= 0:
        return [(0, Decimal(1))]
    return [(tier, kwh / total) for tier, kwh in tier_split(ZERO, total, tiers, scale)]


def _period(rule: Rule[Tiers]) -> _Period:
    return rule.name, rule.value


def _prorated(
    pricer: _Pricer,
    pieces: list[_Piece],
    billed: Mapping[_Period, Decimal],
    scale: Decimal,
    lines: _Lines,
) -> None:
    """Share each period's billed kWh across tiers in the proportions of the cycle's total."""
    total = sum(billed.values(), ZERO)
    rules = {p.local: pricer.energy_rule(p.local) for p in pieces}
    average: dict[_Period, Decimal] = {}
    for period in dict.fromkeys(map(_period, rules.values())):
        name, tiers = period
        shares = _shares(total, tiers, scale)
        average[period] = sum((share * tiers[tier].price for tier, share in shares), ZERO)
        for tier, share in shares:
            kwh = billed.get(period, ZERO) * share
            lines.add(name, tier + 1, kwh, kwh * tiers[tier].price)
    for piece in pieces:
        rule = rules[piece.local]
        extra = pricer.dynamic(piece, enabled=pricer.tariff.dynamic)
        piece.unit_price = average[_period(rule)] + extra
        if extra:
            for tier, share in _shares(total, rule.value, scale):
                lines.add(rule.name, tier + 1, ZERO, piece.kwh * share * extra)


def _by_cycle(pieces: list[_Piece], count: int) -> list[list[_Piece]]:
    grouped: list[list[_Piece]] = [[] for _ in range(count)]
    for piece in pieces:
        grouped[piece.cycle].append(piece)
    return grouped


def _kwh_by_period(pricer: _Pricer, pieces: list[_Piece]) -> dict[_Period, Decimal]:
    totals: dict[_Period, Decimal] = defaultdict(Decimal)
    for piece in pieces:
        totals[_period(pricer.energy_rule(piece.local))] += piece.kwh
    return totals


def _per(amount: Decimal, per: Per, cycle: Cycle) -> Decimal:
    return amount * cycle.days if per is Per.DAY else amount


def _price_imports(
    tariff: Tariff,
    spans: Sequence[Interval],
    *,
    prices: Series | None,
    carbon: Series | None,
    cycle_day: int | None,
    load: Sequence[Interval] | None = None,
) -> tuple[_Pricer, list[Cycle], list[list[_Piece]]]:
    """Set up the cycles covering `spans` and cut `load` (default: spans) into pieces."""
    if not spans:
        raise BillInputError("no load data to bill")
    cycles = cycles_between(
        min(i.start for i in spans),
        max(i.end for i in spans),
        tariff.zone,
        cycle_day or tariff.cycle_day,
    )
    pricer = _Pricer(tariff, cycles, prices, carbon)
    pieces = pricer.pieces(spans if load is None else load)
    return pricer, cycles, _by_cycle(pieces, len(cycles))


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
    check_intervals(load, "load")
    check_intervals(export, "export")
    if not load and not export:
        raise BillInputError("no load data to bill")
    if export and tariff.export is None:
        raise BillInputError("export data given, but the tariff has no export section")
    spans = [i for series in (load, export) if series for i in (series[0], series[-1])]
    pricer, cycles, imports = _price_imports(
        tariff, spans, prices=prices, carbon=carbon, cycle_day=cycle_day, load=load
    )
    exports = _by_cycle(pricer.pieces(export), len(cycles))
    demand = demand_charges(tariff, load, cycles, pricer.clock)
    bills = []
    for number, cycle in enumerate(cycles):
        bills.append(_cycle_bill(pricer, cycle, imports[number], exports[number], demand[number]))
    if devices:
        bills = _attribute(pricer, bills, imports, load, devices)
    return Bill(tariff.name, tariff.currency, tuple(bills))


def _cycle_bill(
    pricer: _Pricer,
    cycle: Cycle,
    imports: list[_Piece],
    exports: list[_Piece],
    demand: tuple[DemandLine, ...],
) -> CycleBill:
    tariff = pricer.tariff
    scale = _scale(tariff, cycle)
    lines = _Lines()
    credit = ZERO
    import_kwh = sum((p.kwh for p in imports), ZERO)
    export_kwh = sum((p.kwh for p in exports), ZERO)
    billed_kwh = import_kwh
    if tariff.export is not None and tariff.export.rule is ExportRule.NET_METERING:
        imported = _kwh_by_period(pricer, imports)
        exported = _kwh_by_period(pricer, exports)
        net = {p: imported.get(p, ZERO) - exported.get(p, ZERO) for p in {**imported, **exported}}
        billed = {r: max(kwh, ZERO) for r, kwh in net.items()}
        _prorated(pricer, imports, billed, scale, lines)
        surplus = sum((max(-kwh, ZERO) for kwh in net.values()), ZERO)
        credit = surplus * tariff.export.prices.rules[0].value
        billed_kwh = sum(billed.values(), ZERO)
    else:
        if tariff.tier_rule is TierRule.PRORATED:
            _prorated(pricer, imports, _kwh_by_period(pricer, imports), scale, lines)
        else:
            _chronological(pricer, imports, scale, lines)
        if tariff.export is not None:
            for piece in exports:
                rule = tariff.export.prices.at(
                    piece.local.month, piece.local.minute, weekend=piece.local.weekend
                )
                price = (rule.value if rule is not None else ZERO) + pricer.dynamic(
                    piece, enabled=tariff.export.dynamic
                )
                credit += piece.kwh * price
    surcharges = tuple(ChargeLine(s.name, s.amount * billed_kwh) for s in tariff.surcharges)
    fixed = tuple(ChargeLine(f.name, _per(f.amount, f.per, cycle)) for f in tariff.fixed)
    partial = CycleBill(
        cycle,
        import_kwh,
        export_kwh,
        lines.lines(),
        surcharges,
        demand,
        fixed,
        credit,
        ZERO,
        (),
        None,
        (),
    )
    minimum = ZERO
    if tariff.minimum is not None:
        minimum = max(
            _per(tariff.minimum.amount, tariff.minimum.per, cycle) - partial.subtotal, ZERO
        )
    taxable = partial.subtotal + minimum
    taxes = tuple(ChargeLine(t.name, taxable * t.amount / HUNDRED) for t in tariff.taxes)
    carbon_kg = None
    if tariff.carbon is not None:
        carbon_kg = sum((p.kwh * (pricer.intensity(p) or ZERO) for p in imports), ZERO)
    return CycleBill(
        cycle,
        import_kwh,
        export_kwh,
        partial.energy,
        surcharges,
        demand,
        fixed,
        credit,
        minimum,
        taxes,
        carbon_kg,
        (),
    )


@dataclass(frozen=True, slots=True)
class _LoadIndex:
    load: Sequence[Interval]
    starts: list[datetime]
    ends: list[datetime]


def _device_kwh(name: str, intervals: Sequence[Interval], grid: _LoadIndex) -> list[Decimal]:
    """Return the device's kWh on each load interval; its intervals must be load intervals."""
    if (
        len(intervals) == len(grid.starts)
        and [i.start for i in intervals] == grid.starts
        and [i.end for i in intervals] == grid.ends
    ):
        kwh = [i.kwh for i in intervals]
        # is_signed is the quick test (it is also true for -0, which min() then lets through).
        if any(map(Decimal.is_signed, kwh)) and min(kwh) < 0:
            check_intervals(intervals, f"device {name!r}")  # names the first negative interval
        return kwh
    check_intervals(intervals, f"device {name!r}")
    out = [ZERO] * len(grid.load)
    numbers = {start: number for number, start in enumerate(grid.starts)}
    for interval in intervals:
        number = numbers.get(interval.start)
        if number is None or grid.ends[number] != interval.end:
            raise BillInputError(
                f"device {name!r} interval at {interval.start.isoformat()} does not match a "
                "load interval (give devices on the load's intervals)"
            )
        out[number] = interval.kwh
    return out


def _interval_rates(
    pricer: _Pricer, imports: list[list[_Piece]], count: int
) -> tuple[list[Decimal], list[Decimal], list[list[tuple[_Piece, Decimal]]]]:
    """Per load interval: price per kWh (surcharges and taxes in), kg CO2e per kWh, pieces."""
    tariff = pricer.tariff
    per_kwh = sum((s.amount for s in tariff.surcharges), ZERO)
    tax = 1 + sum((t.amount for t in tariff.taxes), ZERO) / HUNDRED
    price = [ZERO] * count
    intensity = [ZERO] * count
    pieces_of: list[list[tuple[_Piece, Decimal]]] = [[] for _ in range(count)]
    for pieces in imports:
        for piece in pieces:
            number = piece.interval
            carbon = pricer.intensity(piece) or ZERO
            price[number] += piece.unit_price * piece.fraction
            intensity[number] += carbon * piece.fraction
            pieces_of[number].append((piece, carbon))
    return [(unit + per_kwh) * tax for unit in price], intensity, pieces_of


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
    check_intervals(load, "load")
    check_intervals(export, "export")
    pricer, cycles, imports = _price_imports(
        tariff, load, prices=prices, carbon=carbon, cycle_day=cycle_day
    )
    exports = _by_cycle(pricer.pieces(export), len(cycles))
    for number, cycle in enumerate(cycles):
        _cycle_bill(pricer, cycle, imports[number], exports[number], ())
    price, intensity, pieces_of = _interval_rates(pricer, imports, len(load))
    has_carbon = tariff.carbon is not None
    return [
        IntervalRate(
            interval.start,
            interval.end,
            price[number],
            intensity[number] if has_carbon else None,
            pricer.energy_rule(pieces_of[number][0][0].local).name,
        )
        for number, interval in enumerate(load)
    ]


type _Group = tuple[int, Decimal, Decimal]  # cycle, price and intensity of an interval


def _runs(
    price: list[Decimal], intensity: list[Decimal], pieces_of: list[list[tuple[_Piece, Decimal]]]
) -> tuple[list[tuple[int, int]], dict[_Group, list[int]], list[int]]:
    """Cut the load into runs of consecutive intervals with one cycle, price and intensity.

    Returns the runs (index slices), the runs of each group, and the intervals that span a
    cycle start (priced by piece). A device then costs one sum of kWh per run: a few a day
    for TOU tariffs, however fine the data.
    """
    runs: list[tuple[int, int]] = []
    groups: dict[_Group, list[int]] = defaultdict(list)
    spanning: list[int] = []
    current: _Group | None = None
    for number, parts in enumerate(pieces_of):
        cycle = parts[0][0].cycle
        if len(parts) > 1 and any(part.cycle != cycle for part, _ in parts):
            spanning.append(number)
            current = None
            continue
        group = (cycle, price[number], intensity[number])
        if group == current:
            runs[-1] = (runs[-1][0], number + 1)
            continue
        groups[group].append(len(runs))
        runs.append((number, number + 1))
        current = group
    return runs, groups, spanning


def _attribute(
    pricer: _Pricer,
    bills: list[CycleBill],
    imports: list[list[_Piece]],
    load: Sequence[Interval],
    devices: Mapping[str, Sequence[Interval]],
) -> list[CycleBill]:
    """Price each device's kWh at its interval's household price (see the module docstring)."""
    tariff = pricer.tariff
    per_kwh = sum((s.amount for s in tariff.surcharges), ZERO)
    tax = 1 + sum((t.amount for t in tariff.taxes), ZERO) / HUNDRED
    price, intensity, pieces_of = _interval_rates(pricer, imports, len(load))
    runs, groups, spanning = _runs(price, intensity, pieces_of)
    starts = [i.start for i in load]
    grid = _LoadIndex(load, starts, [i.end for i in load])
    totals: list[dict[str, list[Decimal]]] = [{} for _ in bills]
    for name, intervals in devices.items():
        kwh = _device_kwh(name, intervals, grid)
        run_kwh = [sum(kwh[begin:end], ZERO) for begin, end in runs]
        for (cycle, unit, carbon), members in groups.items():
            energy = sum([run_kwh[run] for run in members], ZERO)
            row = totals[cycle].setdefault(name, [ZERO, ZERO, ZERO])
            row[0] += energy
            row[1] += energy * unit
            row[2] += energy * carbon
        for number in spanning:
            for piece, carbon in pieces_of[number]:
                share = kwh[number] * piece.fraction
                row = totals[piece.cycle].setdefault(name, [ZERO, ZERO, ZERO])
                row[0] += share
                row[1] += share * (piece.unit_price + per_kwh) * tax
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
