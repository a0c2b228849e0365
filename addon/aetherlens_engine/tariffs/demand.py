"""Demand charges: the highest average kW over clock-aligned windows, per cycle and period.

Windows are aligned on the tariff zone's wall clock (a 15-minute window starts at :00, :15, :30,
:45 local time), or, when the tariff says `sliding`, start at every interval start of the data.
A window belongs to the cycle and TOU period in force at its start. A TOU period is a name with
its tiers: rules that share both (an off-peak before and after the peak, weekdays and weekends)
are one period with one peak per cycle. Energy inside an interval is spread by time (constant
power), so windows and intervals need not line up.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import repeat
from operator import add, mul, sub, truediv
from typing import TYPE_CHECKING

from .calendar import ChangeMinutes, Cycle, LocalTime, WallClock, cycle_index

if TYPE_CHECKING:
    from .model import Tariff, Tier
    from .series import Interval

ZERO = Decimal(0)
SIXTY = Decimal(60)
type _Period = tuple[str, tuple[Tier, ...]]  # a TOU demand period: its name and tiers


@dataclass(frozen=True, slots=True)
class DemandLine:
    """A demand charge: the peak kW, the window where it was reached, and the charge."""

    name: str
    kw: Decimal
    window_start: datetime | None
    cost: Decimal


def window_start(instant: datetime, minutes: int, clock: WallClock) -> datetime:
    """Start of the clock-aligned window of `minutes` that contains the UTC instant."""
    offset = instant.astimezone(clock.zone).utcoffset() or timedelta(0)
    size = minutes * 60
    shift = int(offset.total_seconds()) % size
    seconds = math.floor((instant.timestamp() + shift) / size) * size - shift
    return datetime.fromtimestamp(seconds, UTC)


class _Offsets:
    """The zone's UTC offset, looked up once per span in which it cannot change."""

    def __init__(self, clock: WallClock) -> None:
        self._clock = clock
        self._since: datetime | None = None
        self._until: datetime | None = None
        self.seconds = 0

    def holds(self, instant: datetime) -> bool:
        """Whether the offset last looked up holds at the instant."""
        return (
            self._since is not None
            and self._until is not None
            and (self._since <= instant < self._until)
        )

    def at(self, instant: datetime) -> int:
        """Return the UTC offset in seconds at the instant."""
        if not self.holds(instant):
            # The wall clock cuts at every change of UTC offset (and at midnight).
            self._until, _ = self._clock.next_change(instant)
            self._since = instant
            offset = instant.astimezone(self._clock.zone).utcoffset() or timedelta(0)
            self.seconds = int(offset.total_seconds())
        return self.seconds


def window_energy(
    load: Sequence[Interval], minutes: int, clock: WallClock
) -> dict[datetime, Decimal]:
    """KWh per clock-aligned window, sharing intervals that span windows by time."""
    windows: dict[datetime, Decimal] = defaultdict(Decimal)
    length = timedelta(minutes=minutes)
    size = minutes * 60
    offsets = _Offsets(clock)
    # The window of the previous interval ([current, after), empty at first), aligned with the
    # offset `offsets` holds.
    current = after = datetime.min.replace(tzinfo=UTC)
    for interval in load:
        position, end = interval.start, interval.end
        if not (current <= position < after and offsets.holds(position)):
            if position == after and offsets.holds(position):
                current, after = after, after + length  # the next window, same alignment
            else:
                shift = offsets.at(position) % size
                seconds = math.floor((position.timestamp() + shift) / size) * size - shift
                current = datetime.fromtimestamp(seconds, UTC)
                after = current + length
        if end <= after:  # the common case: the interval lies in one window
            windows[current] += interval.kwh
            continue
        total = end - position
        shared = ZERO
        while position < end:
            start = window_start(position, minutes, clock)
            stop = min(start + length, end)
            if stop >= end:
                kwh = interval.kwh - shared
            else:
                kwh = interval.kwh * Decimal((stop - position) / total)
            windows[start] += kwh
            shared += kwh
            position = stop
        current = after = datetime.min.replace(tzinfo=UTC)
    return windows


def sliding_energy(load: Sequence[Interval], minutes: int) -> dict[datetime, Decimal]:
    """KWh in the window of `minutes` that starts at each interval's start."""
    starts = [interval.start for interval in load]
    before = [ZERO]  # kWh metered before each interval
    for interval in load:
        before.append(before[-1] + interval.kwh)

    def metered_until(instant: datetime) -> Decimal:
        index = bisect_right(starts, instant) - 1
        if index < 0:
            return ZERO
        interval = load[index]
        if instant >= interval.end:
            return before[index + 1]
        share = Decimal((instant - interval.start) / (interval.end - interval.start))
        return before[index] + interval.kwh * share

    length = timedelta(minutes=minutes)
    return {
        interval.start: metered_until(interval.start + length) - before[index]
        for index, interval in enumerate(load)
    }


def tiered_charge(amount: Decimal, tiers: Sequence[Tier]) -> Decimal:
    """Charge `amount` incrementally: each tier's price applies to the part within it."""
    charge = ZERO
    below = ZERO
    for tier in tiers:
        top = amount if tier.up_to is None else min(amount, tier.up_to)
        if top > below:
            charge += (top - below) * tier.price
        if tier.up_to is None or amount <= tier.up_to:
            break
        below = tier.up_to
    return charge


type _Peaks = tuple[
    list[tuple[Decimal, datetime | None]], list[dict[_Period, tuple[Decimal, datetime]]]
]


class _Peaker:
    """Highest kW per cycle (flat) and per cycle and demand period, window by window."""

    def __init__(self, tariff: Tariff, cycles: list[Cycle], clock: WallClock) -> None:
        demand = tariff.demand
        if demand is None:  # demand_charges only builds one for a tariff with demand
            raise AssertionError(tariff.name)
        self.minutes = demand.window_minutes
        self.periods = demand.periods
        self.starts = [cycle.start_utc for cycle in cycles]
        self.zone = clock.zone
        # The demand periods' own wall clock: one schedule lookup per span without a change.
        self.clock = WallClock(
            clock.zone,
            tariff.holidays,
            ChangeMinutes(*(() if self.periods is None else (self.periods,))),
        )
        self.flat: list[tuple[Decimal, datetime | None]] = [(ZERO, None) for _ in cycles]
        self.period: list[dict[_Period, tuple[Decimal, datetime]]] = [{} for _ in cycles]

    def period_at(self, local: LocalTime) -> _Period | None:
        if self.periods is None:
            return None
        rule = self.periods.at(local.month, local.minute, weekend=local.weekend)
        return None if rule is None else (rule.name, rule.value)

    def windows(self, windows: dict[datetime, Decimal]) -> _Peaks:
        """Take the peaks of windows of any alignment (sorted here)."""
        period: _Period | None = None
        until = None
        for start, kwh in sorted(windows.items()):
            number = cycle_index(self.starts, start)
            if not 0 <= number < len(self.starts):
                continue  # a window starting before the first cycle (clock-aligned earlier)
            kw = kwh * SIXTY / self.minutes
            best_flat = self.flat[number]
            if best_flat[1] is None or kw > best_flat[0]:
                self.flat[number] = (kw, start)
            if self.periods is None:
                continue
            if until is None or start >= until:
                until, local = self.clock.next_change(start)
                period = self.period_at(local)
            if period is not None:
                best = self.period[number].get(period)
                if best is None or kw > best[0]:
                    self.period[number][period] = (kw, start)
        return self.flat, self.period

    def grid(self, load: Sequence[Interval]) -> _Peaks | None:
        """Take the peaks when every interval is one window; None when they are not.

        Contiguous UTC intervals of the window's length, each starting on a window boundary,
        are the windows themselves: the peaks are found by max() over each span in which the
        cycle, the demand period and the UTC offset hold, with the same arithmetic (and the
        same first-reached window on ties) as `windows`.
        """
        length = timedelta(minutes=self.minutes)
        starts = [interval.start for interval in load]
        ends = [interval.end for interval in load]
        if (
            ends[:-1] != starts[1:]
            or set(map(sub, ends, starts)) != {length}
            or {start.tzinfo for start in starts} != {UTC}
        ):
            return None
        size = self.minutes * 60
        # What `window_energy` and `windows` compute: kW of each window, from Decimal() + kWh.
        kws = list(
            map(
                truediv,
                map(mul, map(add, repeat(ZERO), [i.kwh for i in load]), repeat(SIXTY)),
                repeat(self.minutes),
            )
        )
        low, count = 0, len(starts)
        while low < count:
            first = starts[low]
            until, local = self.clock.next_change(first)
            high = bisect_left(starts, until, low)
            offset = first.astimezone(self.zone).utcoffset() or timedelta(0)
            if (first.timestamp() + offset.total_seconds()) % size:
                return None  # windows do not start where intervals do
            number = cycle_index(self.starts, first)
            if 0 <= number < len(self.starts):
                span = kws[low:high]
                kw = max(span)
                best_flat = self.flat[number]
                if best_flat[1] is None or kw > best_flat[0]:
                    self.flat[number] = (kw, starts[low + span.index(kw)])
                period = self.period_at(local)
                if period is not None:
                    best = self.period[number].get(period)
                    if best is None or kw > best[0]:
                        self.period[number][period] = (kw, starts[low + span.index(kw)])
            low = high
        return self.flat, self.period


def demand_charges(
    tariff: Tariff, load: Sequence[Interval], cycles: list[Cycle], clock: WallClock
) -> list[tuple[DemandLine, ...]]:
    """Return every cycle's demand lines: flat (by the cycle's first month) and per period."""
    demand = tariff.demand
    if demand is None or not load:
        return [() for _ in cycles]
    peaks = None if demand.sliding else _Peaker(tariff, cycles, clock).grid(load)
    if peaks is None:
        if demand.sliding:
            windows = sliding_energy(load, demand.window_minutes)
        else:
            windows = window_energy(load, demand.window_minutes, clock)
        peaks = _Peaker(tariff, cycles, clock).windows(windows)
    flat_peak, period_peak = peaks
    # Lines in the order the tariff first names each period.
    order: dict[_Period, int] = {}
    for rule in demand.periods.rules if demand.periods is not None else ():
        order.setdefault((rule.name, rule.value), len(order))
    out = []
    for number, cycle in enumerate(cycles):
        lines = [
            DemandLine(
                "flat",
                flat_peak[number][0],
                flat_peak[number][1],
                tiered_charge(flat_peak[number][0], entry.tiers),
            )
            for entry in demand.flat
            if cycle.first.month in entry.months
        ]
        lines.extend(
            DemandLine(name, kw, start, tiered_charge(kw, tiers))
            for (name, tiers), (kw, start) in sorted(
                period_peak[number].items(), key=lambda item: order[item[0]]
            )
        )
        out.append(tuple(lines))
    return out
