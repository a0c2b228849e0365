"""Device attribution and interval rates: the household's price of each load interval.

Each device pays its kWh at the household's average energy price in the same interval (period,
tier position and dynamic price of that interval; the prorated rule's period average under
prorating and net metering) and the per-kWh surcharges, each with the percentage taxes levied
on it (`Tax.components`). Demand, fixed and minimum charges and the export credit stay at
household level: they are caused by the household as a whole, and splitting them would give
devices costs they cannot change by using less energy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from .energy import Units
from .model import BillInputError, Component, Tariff
from .pieces import Columns, non_negative
from .pricer import Priced
from .records import CycleBill, DeviceCost
from .series import Grid, Interval, check_intervals

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)


class SpanRates(NamedTuple):
    """A cycle's energy prices and carbon intensities (zero without carbon), span by span."""

    prices: list[Units]
    intensities: list[Units]


class Segment(NamedTuple):
    """Load intervals [lo, hi) of one cycle at one energy price and carbon intensity.

    The price is before surcharges and taxes; `period` is the energy period of the first
    interval. Cycle -1 marks an interval that spans a cycle start (priced by its parts).
    """

    lo: int
    hi: int
    cycle: int
    price: Decimal
    intensity: Decimal
    period: str


class Part(NamedTuple):
    """A piece of a load interval: its cycle, price, share of the interval's time, intensity."""

    cycle: int
    price: Decimal
    fraction: Decimal
    intensity: Decimal


class _CutInterval(NamedTuple):
    """The interval whose pieces are being added, with its energy period."""

    interval: int
    period: str
    parts: list[Part]


class Segments:
    """Collects the load's segments from the priced spans, in time order."""

    def __init__(self) -> None:
        """Start with no segments."""
        self.segments: list[Segment] = []
        # The parts of each interval that spans a cycle start.
        self.parts: dict[int, list[Part]] = {}
        self._open: _CutInterval | None = None

    def each(
        self, first: int, units: list[Decimal], intensity: list[Decimal], cycle: int, period: str
    ) -> None:
        """Add whole intervals from `first`, one price and intensity each."""
        self.close()
        for index, (unit, carbon) in enumerate(zip(units, intensity, strict=True)):
            number = first + index
            self.segments.append(Segment(number, number + 1, cycle, unit, carbon, period))

    def uniform(
        self, lo: int, hi: int, unit: Decimal, intensity: Decimal, *, cycle: int, period: str
    ) -> None:
        """Add whole intervals [lo, hi) at one price and intensity."""
        self.close()
        self.segments.append(Segment(lo, hi, cycle, unit, intensity, period))

    def part(self, interval: int, part: Part, period: str) -> None:
        """Add a piece cut from `interval`; the pieces of an interval come one after another."""
        if self._open is not None and self._open.interval != interval:
            self.close()
        if self._open is None:
            self._open = _CutInterval(interval, period, [])
        self._open.parts.append(part)

    def close(self) -> None:
        """Finish the interval whose pieces were being added."""
        if self._open is None:
            return
        interval, period, parts = self._open
        self._open = None
        price = intensity = ZERO
        for part in parts:
            price += part.price * part.fraction
            intensity += part.intensity * part.fraction
        cycles = {part.cycle for part in parts}
        cycle = parts[0].cycle if len(cycles) == 1 else -1
        if cycle < 0:
            self.parts[interval] = parts
        self.segments.append(Segment(interval, interval + 1, cycle, price, intensity, period))


def segments(priced: Priced, rates: list[SpanRates]) -> Segments:
    """Each load interval's energy price and intensity, as runs of intervals (segments)."""
    pricer = priced.pricer
    pieces = priced.imports
    out = Segments()
    for cycle_spans, (units, intensities) in zip(priced.import_spans, rates, strict=True):
        for span, unit, intensity in zip(cycle_spans, units, intensities, strict=True):
            lo, hi, cycle, slot, offset, _, _ = span
            period = pricer.energy_rule(slot).name
            if offset is None:  # a piece cut from its interval
                if pieces.owner is None or pieces.fraction is None:
                    raise AssertionError(span)  # cut pieces always have owners
                carbon = intensity[0] if isinstance(intensity, list) else intensity
                price = unit[0] if isinstance(unit, list) else unit
                part = Part(cycle, price, pieces.fraction[lo], carbon)
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


class KwhPrice(NamedTuple):
    """What a device's kWh costs on top of the energy price, and what taxes multiply.

    A kWh costs `energy price x energy_tax + extra` (`extra`: the per-kWh surcharges with
    their taxes): the taxes as if levied on that kWh alone (a floor at zero does not apply to
    one kWh).
    """

    energy_tax: Decimal
    extra: Decimal


def kwh_price(tariff: Tariff) -> KwhPrice:
    """Return the tariff's `KwhPrice`."""
    per_kwh = sum((s.per_kwh * s.share for s in tariff.surcharges), ZERO)
    surcharge_tax = _tax_factor(tariff, Component.SURCHARGES)
    return KwhPrice(_tax_factor(tariff, Component.ENERGY), per_kwh * surcharge_tax)


def _tax_factor(tariff: Tariff, component: Component) -> Decimal:
    """Return 1 plus the taxes on one unit of the component, compounding as the bill does."""
    taxes: list[Decimal] = []
    for tax in tariff.taxes:
        base = (ONE if component in tax.components else ZERO) + (
            sum(taxes, ZERO) if tax.compound else 0
        )
        taxes.append(base * tax.percent / HUNDRED)
    return ONE + sum(taxes, ZERO)


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


class _Group(NamedTuple):
    """Intervals billed alike: their cycle, price per kWh (all in) and intensity."""

    cycle: int
    price: Decimal
    intensity: Decimal


@dataclass(frozen=True, slots=True)
class _Runs:
    """Runs of consecutive intervals with one cycle, price and intensity.

    `slices` are the runs' [begin, end) intervals, `groups` the runs of each group, and
    `spanning` the intervals that span a cycle start (priced by part). A device then costs one
    sum of kWh per run: a few a day for TOU tariffs, however fine the data.
    """

    slices: list[tuple[int, int]]
    groups: dict[_Group, list[int]]
    spanning: list[int]


def _runs(segments: Segments, price: KwhPrice) -> _Runs:
    """Merge the segments into runs."""
    slices: list[tuple[int, int]] = []
    groups: dict[_Group, list[int]] = defaultdict(list)
    spanning: list[int] = []
    current: _Group | None = None
    tax, extra = price
    for lo, hi, cycle, unit, intensity, _ in segments.segments:
        if cycle < 0:
            spanning.append(lo)
            current = None
            continue
        group = _Group(cycle, unit * tax + extra, intensity)
        if group == current:
            slices[-1] = (slices[-1][0], hi)
            continue
        groups[group].append(len(slices))
        slices.append((lo, hi))
        current = group
    return _Runs(slices, groups, spanning)


@dataclass(slots=True)
class _DeviceSums:
    """A device's kWh, cost and carbon summed over a cycle."""

    kwh: Decimal = ZERO
    cost: Decimal = ZERO
    carbon: Decimal = ZERO

    def add(self, kwh: Decimal, price: Decimal, intensity: Decimal) -> None:
        """Add kWh at a price per kWh and an intensity."""
        self.kwh += kwh
        self.cost += kwh * price
        self.carbon += kwh * intensity


def attribute(
    priced: Priced,
    bills: list[CycleBill],
    rates: list[SpanRates],
    devices: Mapping[str, Sequence[Interval]],
) -> list[CycleBill]:
    """Price each device's kWh at its interval's household price (see the module docstring)."""
    tariff = priced.pricer.tariff
    price = kwh_price(tariff)
    tax, extra = price
    found = segments(priced, rates)
    runs = _runs(found, price)
    totals: list[defaultdict[str, _DeviceSums]] = [defaultdict(_DeviceSums) for _ in bills]
    load = priced.load
    times = (list(load.starts), list(load.ends))
    for name, intervals in devices.items():
        kwh = _device_kwh(name, intervals, load, times)
        run_kwh = [sum(kwh[begin:end], ZERO) for begin, end in runs.slices]
        for group, members in runs.groups.items():
            energy = sum([run_kwh[run] for run in members], ZERO)
            totals[group.cycle][name].add(energy, group.price, group.intensity)
        for number in runs.spanning:
            for part in found.parts[number]:
                share = kwh[number] * part.fraction
                totals[part.cycle][name].add(share, part.price * tax + extra, part.intensity)
    has_carbon = tariff.carbon is not None
    return [
        replace(
            cycle_bill,
            devices=tuple(
                DeviceCost(name, row.kwh, row.cost, row.carbon if has_carbon else None)
                for name, row in sorted(totals[number].items())
            ),
        )
        for number, cycle_bill in enumerate(bills)
    ]
