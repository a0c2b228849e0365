"""The load cut for a tariff: cycles, the wall clock of its schedules, pieces and spans.

What every part of the bill reads: which rule prices a slot, the dynamic price and the carbon
intensity at an instant, and the import and export pieces grouped in spans per cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from .calendar import (
    ChangeMinutes,
    ChangeSource,
    Cycle,
    Slot,
    Timeline,
    WallClock,
    cycles_between,
    local_midnight,
)
from .model import BillInputError, Tariff, Tiers
from .pieces import Columns, Pieces, Span, columns, cut
from .schedule import Rule, Schedule
from .series import Interval, Series

ZERO = Decimal(0)


class _SlotKinds:
    """Numbers the wall clock's slots: equal for slots that every schedule charges alike."""

    def __init__(self, tariff: Tariff) -> None:
        self.schedules: tuple[Schedule[Any] | None, ...] = (
            tariff.energy,
            tariff.export.prices if tariff.export is not None else None,
            tariff.carbon.intensity if tariff.carbon is not None else None,
            tariff.demand.periods if tariff.demand is not None else None,
        )
        self._kinds: dict[tuple[int, ...], int] = {}
        # Per schedule, the period number of each rule by its index in the schedule.
        self._numbers: list[dict[int, int]] = [{} for _ in self.schedules]
        self._periods: dict[tuple[str, object], int] = {}

    def __call__(self, slot: Slot) -> int:
        """Return the slot's kind."""
        month, minute, weekend = slot
        key = []
        for schedule, numbers in zip(self.schedules, self._numbers, strict=True):
            rule = None if schedule is None else schedule.at(month, minute, weekend=weekend)
            key.append(-1 if rule is None else self._period(rule, numbers))
        return self._kinds.setdefault(tuple(key), len(self._kinds))

    def _period(self, rule: Rule[Any], numbers: dict[int, int]) -> int:
        """Return a number equal for rules of one name and value (one period)."""
        number = numbers.get(rule.index)
        if number is None:
            number = self._periods.setdefault((rule.name, rule.value), len(self._periods))
            numbers[rule.index] = number
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
    kinds = _SlotKinds(tariff)
    return WallClock(tariff.zone, tariff.holidays, ChangeMinutes(*schedules), kind=kinds)


class Pricer:
    """The tariff's schedules and series as the bill reads them, per slot and instant."""

    def __init__(
        self,
        tariff: Tariff,
        cycles: list[Cycle],
        prices: Series | None,
        carbon: Series | None,
    ) -> None:
        """Price in `cycles` with the series of dynamic prices and carbon intensity (if any)."""
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
        """Return the energy rule in force in the slot."""
        rule = self.energy_rules.get(slot)
        if rule is None:
            month, minute, weekend = slot
            rule = self.tariff.energy.at(month, minute, weekend=weekend)
            if rule is None:  # a complete schedule covers every minute
                raise AssertionError(slot)
            self.energy_rules[slot] = rule
        return rule

    def cut(self, data: Columns, timeline: Timeline, *, peaks: bool = False) -> Pieces:
        """Cut the data along the timeline and wherever a series changes."""
        series = [s for s in (self.prices, self.carbon) if s is not None]
        return cut(data, timeline, self.cycle_starts, self.clock, series, peaks=peaks)

    def dynamic_at(self, instant: datetime) -> Decimal:
        """Return the dynamic price (added to the schedule's) at the instant."""
        if self.prices is None:
            raise BillInputError("the tariff has dynamic prices: give a price series")
        return self.prices.value_at(instant)

    def intensity(self, pieces: Pieces, span: Span) -> Decimal | list[Decimal] | None:
        """KG CO2e per kWh of the span's pieces: one for all, one per piece, or None."""
        carbon = self.tariff.carbon
        if carbon is None:
            return None
        if carbon.intensity is not None:
            month, minute, weekend = span.slot
            rule = carbon.intensity.at(month, minute, weekend=weekend)
            return rule.value if rule is not None else ZERO
        if self.carbon is None:
            raise BillInputError("the tariff takes carbon intensity from a series: give one")
        return [self.carbon.value_at(pieces.starts[p]) for p in range(span.lo, span.hi)]


@dataclass(frozen=True, slots=True)
class Priced:
    """Load and export cut into pieces under a tariff, with the pieces' spans per cycle."""

    pricer: Pricer
    cycles: list[Cycle]
    load: Columns
    imports: Pieces
    exports: Pieces
    import_spans: list[list[Span]]
    export_spans: list[list[Span]]


def cut_for_tariff(
    tariff: Tariff,
    load: Sequence[Interval],
    export: Sequence[Interval],
    *,
    prices: Series | None,
    carbon: Series | None,
    cycle_day: int | None,
    days: tuple[date, date] | None = None,
) -> Priced:
    """Check the data, set up the cycles covering it and cut it into pieces.

    DAYS, local dates [first, end), are then the one cycle: the data must lie within them.
    """
    data = columns(load, "load")
    exported = columns(export, "export")
    if not load and not export:
        raise BillInputError("no load data to bill")
    first = min(c.starts[0] for c in (data, exported) if c.starts)
    last = max(c.ends[-1] for c in (data, exported) if c.ends)
    if days is None:
        cycles = cycles_between(first, last, tariff.zone, cycle_day or tariff.cycle_day)
    else:
        cycle = Cycle(
            *days, local_midnight(days[0], tariff.zone), local_midnight(days[1], tariff.zone)
        )
        if first < cycle.start_utc or last > cycle.end_utc:
            raise BillInputError(
                f"the data from {first.isoformat()} to {last.isoformat()} is not within the "
                f"days billed, {days[0].isoformat()} to {days[1].isoformat()}"
            )
        cycles = [cycle]
    pricer = Pricer(tariff, cycles, prices, carbon)
    timeline = pricer.timeline(first, last)
    imports = pricer.cut(data, timeline, peaks=tariff.demand is not None)
    exports = pricer.cut(exported, timeline)
    return Priced(
        pricer=pricer,
        cycles=cycles,
        load=data,
        imports=imports,
        exports=exports,
        import_spans=imports.of_cycle(len(cycles)),
        export_spans=exports.of_cycle(len(cycles)),
    )
