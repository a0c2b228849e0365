"""Demand charges: the highest average kW over clock-aligned windows, per cycle and period.

Windows are aligned on the tariff zone's wall clock (a 15-minute window starts at :00, :15, :30,
:45 local time), or, when the tariff says `sliding`, start at every interval start of the data.
A window belongs to the cycle and TOU period in force at its start. A TOU period is a name with
its tiers: rules that share both (an off-peak before and after the peak, weekdays and weekends)
are one period with one peak per cycle. Energy inside an interval is spread by time (constant
power), so windows and intervals need not line up.

`demand_status` reads the current cycle so far, for an automation that wants to keep below its
peaks: each demand line's peak, the tier the next kW is priced in (and the kW left before the next
tier), and the clock-aligned window holding now (sliding tariffs too), projected to its end at its
power over the time metered so far; a window is on course to set a new peak when that beats its
line's peak.

A name priced differently by season (summer and winter on-peak) is one period per season. In a
cycle that spans seasons each is charged on its own peak times its share of the cycle's days,
and named with its months ("on-peak (Jun-Sep)"); with `seasons: cycle_start` the whole cycle is
read under the months of its first day instead. A window the clock shortens (Lord Howe's
30-minute change cuts an hour window) starts where its time really starts, and its kW is its
kWh over the nominal length.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from .calendar import ChangeMinutes, Cycle, Slot, WallClock, cycle_index, cycles_between
from .model import DemandSeasons
from .series import Interval, check_intervals

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from .model import Demand, Tariff, Tier
    from .pieces import Columns, Pieces

ZERO = Decimal(0)
SIXTY = Decimal(60)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
type _Period = tuple[str, tuple[Tier, ...]]  # a TOU demand period: its name and tiers


@dataclass(frozen=True, slots=True)
class DemandLine:
    """A demand charge: the peak kW, the window where it was reached, and the charge.

    The charge is the tiered price of `kw` times `days` over the cycle's days: `days` is the
    whole cycle, or the part of it in the season of the line's period.
    """

    name: str
    kw: Decimal
    window_start: datetime | None
    cost: Decimal
    days: int


def _offset(instant: datetime, zone: ZoneInfo) -> timedelta:
    return instant.astimezone(zone).utcoffset() or timedelta(0)


def _real_start(nominal: datetime, instant: datetime, zone: ZoneInfo) -> datetime:
    """Return where the window holding INSTANT starts.

    That is NOMINAL, or the change of UTC offset after it when the change shortened the window.
    """
    offset = _offset(instant, zone)
    if _offset(nominal, zone) == offset:
        return nominal
    low, high = int(nominal.timestamp()), math.ceil(instant.timestamp())  # change in (low, high]
    while high - low > 1:
        middle = (low + high) // 2
        if _offset(datetime.fromtimestamp(middle, UTC), zone) == offset:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def _nominal_start(instant: datetime, minutes: int, offset_seconds: int) -> datetime:
    size = minutes * 60
    shift = offset_seconds % size
    seconds = math.floor((instant.timestamp() + shift) / size) * size - shift
    return datetime.fromtimestamp(seconds, UTC)


def _window(instant: datetime, minutes: int, zone: ZoneInfo) -> datetime:
    """Nominal start of the window holding INSTANT: aligned on the wall clock at INSTANT."""
    offset = int(_offset(instant, zone).total_seconds())
    return _nominal_start(instant, minutes, offset)


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
                nominal = _nominal_start(position, minutes, offsets.at(position))
                after = nominal + length
                current = _real_start(nominal, position, clock.zone)
        if end <= after:  # the common case: the interval lies in one window
            windows[current] += interval.kwh
            continue
        total = end - position
        shared = ZERO
        while position < end:
            nominal = _window(position, minutes, clock.zone)
            start = _real_start(nominal, position, clock.zone)
            stop = min(nominal + length, end)
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
        # Under `cycle_start`, every window is read under its cycle's first month.
        self.months: list[int] | None = None
        if demand.seasons is DemandSeasons.CYCLE_START:
            self.months = [cycle.first.month for cycle in cycles]
        self.zone = clock.zone
        # The demand periods' own wall clock: one schedule lookup per span without a change.
        self.clock = WallClock(
            clock.zone,
            tariff.holidays,
            ChangeMinutes(*(() if self.periods is None else (self.periods,))),
        )
        self.flat: list[tuple[Decimal, datetime | None]] = [(ZERO, None) for _ in cycles]
        self.period: list[dict[_Period, tuple[Decimal, datetime]]] = [{} for _ in cycles]

    def period_at(self, month: int, minute: int, *, weekend: bool) -> _Period | None:
        if self.periods is None:
            return None
        rule = self.periods.at(month, minute, weekend=weekend)
        return None if rule is None else (rule.name, rule.value)

    def windows(self, windows: dict[datetime, Decimal]) -> _Peaks:
        """Take the peaks of windows of any alignment (sorted here)."""
        period: _Period | None = None
        until = None
        months = self.months
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
            if until is None or start >= until:  # the wall clock cuts at cycle starts too
                until, local = self.clock.next_change(start)
                month = local.month if months is None else months[number]
                period = self.period_at(month, local.minute, weekend=local.weekend)
            if period is not None:
                best = self.period[number].get(period)
                if best is None or kw > best[0]:
                    self.period[number][period] = (kw, start)
        return self.flat, self.period

    def grid(self, data: Columns, pieces: Pieces) -> _Peaks | None:
        """Take the peaks when every interval is one window; None when they are not.

        Gapless intervals of the window's length, each starting on a window boundary, are the
        windows themselves: the peaks are the spans' highest kWh (the bill's pieces, in which
        the cycle, every period and the UTC offset hold), with the same arithmetic (and the
        same first-reached window on ties) as `windows`.
        """
        length = timedelta(minutes=self.minutes)
        if data.step != length or pieces.owner is not None:
            return None
        starts, kwh = data.starts, data.kwh
        # Each slot's demand period as a number (-1: none), and the periods by number.
        numbers: dict[Slot, int] = {}
        periods: list[_Period] = []
        # Per cycle, the highest span peak so far and where (flat, then per period number):
        # (kWh, lo, hi) of the span, the first such span on ties.
        flat: list[tuple[Decimal, int, int] | None] = [None for _ in self.flat]
        by_period: list[dict[int, tuple[Decimal, int, int]]] = [{} for _ in self.period]
        aligned: timedelta | None = None  # the UTC offset the windows were checked under
        for lo, hi, cycle, slot, offset, _, peak in pieces.spans:
            if offset != aligned:
                # Gapless intervals of one length: aligned at the first, aligned at every one
                # until the UTC offset changes.
                if offset is None or (starts[lo] + offset - EPOCH) % length:
                    return None  # windows do not start where intervals do
                aligned = offset
            if peak is None:
                raise AssertionError(lo)  # the bill asks for peaks when there is demand
            best = flat[cycle]
            if best is None or peak > best[0]:
                flat[cycle] = (peak, lo, hi)
            # The slot, under its cycle's first month with `cycle_start`.
            key = slot if self.months is None else (self.months[cycle], slot[1], slot[2])
            number = numbers.get(key)
            if number is None:
                number = numbers[key] = self._number(key, periods)
            if number >= 0:
                best = by_period[cycle].get(number)
                if best is None or peak > best[0]:
                    by_period[cycle][number] = (peak, lo, hi)
        for cycle, best in enumerate(flat):
            if best is not None:
                self.flat[cycle] = self._window(starts, kwh, best)
        for cycle, peaks in enumerate(by_period):
            self.period[cycle] = {
                periods[number]: self._window(starts, kwh, best) for number, best in peaks.items()
            }
        return self.flat, self.period

    def _number(self, slot: Slot, periods: list[_Period]) -> int:
        """Return the number of the slot's demand period in `periods` (added if new), or -1."""
        period = self.period_at(slot[0], slot[1], weekend=slot[2])
        if period is None:
            return -1
        if period not in periods:
            periods.append(period)
        return periods.index(period)

    def _window(
        self, starts: Sequence[datetime], kwh: list[Decimal], best: tuple[Decimal, int, int]
    ) -> tuple[Decimal, datetime]:
        """Return the kW and the start (UTC) of the first interval with the span's peak."""
        peak, lo, hi = best
        return self._kw(peak), starts[kwh.index(peak, lo, hi)].astimezone(UTC)

    def _kw(self, kwh: Decimal) -> Decimal:
        """Average kW of a window with `kwh`, computed as `windows` does."""
        return (ZERO + kwh) * SIXTY / self.minutes


def demand_charges(
    tariff: Tariff,
    load: Sequence[Interval],
    cycles: list[Cycle],
    clock: WallClock,
    *,
    data: Columns,
    pieces: Pieces,
) -> list[tuple[DemandLine, ...]]:
    """Return every cycle's demand lines: flat (by the cycle's first month) and per period.

    `data` and `pieces` are the load as the bill checked and cut it.
    """
    demand = tariff.demand
    if demand is None or not load:
        return [() for _ in cycles]
    peaks = None if demand.sliding else _Peaker(tariff, cycles, clock).grid(data, pieces)
    if peaks is None:
        if any(i.start.tzinfo is not UTC or i.end.tzinfo is not UTC for i in load):
            # In UTC: times with one zone's tzinfo subtract as wall-clock times (wrong across
            # a change of UTC offset).
            load = [Interval(i.start.astimezone(UTC), i.end.astimezone(UTC), i.kwh) for i in load]
        if demand.sliding:
            windows = sliding_energy(load, demand.window_minutes)
        else:
            windows = window_energy(load, demand.window_minutes, clock)
        peaks = _Peaker(tariff, cycles, clock).windows(windows)
    flat_peak, period_peak = peaks
    seasons = _Seasons(demand)
    out = []
    for number, cycle in enumerate(cycles):
        lines = [
            DemandLine(
                "flat",
                flat_peak[number][0],
                flat_peak[number][1],
                tiered_charge(flat_peak[number][0], entry.tiers),
                cycle.days,
            )
            for entry in demand.flat
            if cycle.first.month in entry.months
        ]
        for period, (kw, start) in sorted(period_peak[number].items(), key=seasons.order):
            days = cycle.days if seasons.whole else seasons.days(period, cycle)
            charge = tiered_charge(kw, period[1])
            if days != cycle.days:
                charge = charge * days / cycle.days
            lines.append(DemandLine(seasons.names[period], kw, start, charge, days))
        out.append(tuple(lines))
    return out


class _Seasons:
    """The demand periods' order, line names and months, from the tariff's rules."""

    def __init__(self, demand: Demand) -> None:
        self.whole = demand.seasons is DemandSeasons.CYCLE_START
        self.rank: dict[_Period, int] = {}
        self.months: dict[_Period, set[int]] = defaultdict(set)
        first_rule: dict[_Period, int] = {}
        for rule in demand.periods.rules if demand.periods is not None else ():
            period = (rule.name, rule.value)
            self.rank.setdefault(period, len(self.rank))
            first_rule.setdefault(period, rule.index)
            self.months[period] |= rule.months
        variants = defaultdict(list)
        for period in self.rank:
            variants[period[0]].append(period)
        self.names: dict[_Period, str] = {}
        for name, periods in variants.items():
            labels = {p: f"{name} ({_months_label(self.months[p])})" for p in periods}
            unique = len(set(labels.values())) == len(periods)
            for period in periods:
                if len(periods) == 1:
                    self.names[period] = name
                elif unique:
                    self.names[period] = labels[period]
                else:  # seasons alike, prices differing otherwise (weekdays and weekends)
                    self.names[period] = f"{name} (demand.periods[{first_rule[period]}])"

    def order(self, item: tuple[_Period, object]) -> int:
        """Sort key: lines in the order the tariff first names each period."""
        return self.rank[item[0]]

    def days(self, period: _Period, cycle: Cycle) -> int:
        """Return how many of the cycle's days fall in the period's months."""
        months = self.months[period]
        return sum((cycle.first + timedelta(days=day)).month in months for day in range(cycle.days))


def _months_label(months: set[int]) -> str:
    """Name months by their runs, wrapping at the year's end: `Jun-Sep`, `Oct-May`."""
    if len(months) == len(MONTHS):
        return "all year"
    runs = []
    for month in range(1, 13):
        if month in months and (month - 2) % 12 + 1 not in months:
            last = month
            while last % 12 + 1 in months:
                last = last % 12 + 1
            first_name, last_name = MONTHS[month - 1], MONTHS[last - 1]
            runs.append(first_name if last == month else f"{first_name}-{last_name}")
    return ", ".join(runs)


@dataclass(frozen=True, slots=True)
class DemandWindow:
    """The window holding now: UTC [start, end), its kWh so far and its projected average kW."""

    start: datetime
    end: datetime
    kwh: Decimal
    projected_kw: Decimal


@dataclass(frozen=True, slots=True)
class PeakStatus:
    """A demand line of the cycle so far (named as on the bill) and the current window's course.

    `tier` (from 0) is the tier the next kW of peak is priced in, at `price_per_kw`; `margin_kw`
    is how far the peak is below the next tier's start (None in the last tier). `projected_kw`
    is the current window's, where it counts toward this line.
    """

    name: str
    peak_kw: Decimal
    window_start: datetime | None
    tier: int
    price_per_kw: Decimal
    next_tier_kw: Decimal | None
    margin_kw: Decimal | None
    projected_kw: Decimal | None

    @property
    def on_course(self) -> bool:
        """Whether the current window is on course to set a new peak of this line."""
        return self.projected_kw is not None and self.projected_kw > self.peak_kw


@dataclass(frozen=True, slots=True)
class DemandStatus:
    """The demand lines of the cycle holding now, and the window holding now."""

    cycle: Cycle
    window_minutes: int
    window: DemandWindow | None
    lines: tuple[PeakStatus, ...]


def _micros(span: timedelta) -> int:
    return span // MICROSECOND


def _between(load: Sequence[Interval], low: datetime, high: datetime) -> list[Interval]:
    """Return LOAD's energy in [low, high), intervals cut there sharing their kWh by time."""
    out = []
    for interval in load:
        start, end = max(interval.start, low), min(interval.end, high)
        if start >= end:
            continue
        kwh = interval.kwh
        if (start, end) != (interval.start, interval.end):
            kwh = kwh * _micros(end - start) / _micros(interval.end - interval.start)
        out.append(Interval(start, end, kwh))
    return out


def _position(kw: Decimal, tiers: Sequence[Tier]) -> tuple[int, Decimal, Decimal | None]:
    """Return the tier the next kW above KW is priced in, its price, and where it ends."""
    for number, tier in enumerate(tiers):
        if tier.up_to is None or kw < tier.up_to:
            return number, tier.price, tier.up_to
    return len(tiers) - 1, tiers[-1].price, None


def _status(
    name: str,
    peak: tuple[Decimal, datetime | None],
    tiers: Sequence[Tier],
    projected: Decimal | None,
) -> PeakStatus:
    kw, start = peak
    tier, price, limit = _position(kw, tiers)
    margin = None if limit is None else limit - kw
    return PeakStatus(name, kw, start, tier, price, limit, margin, projected)


def _current_window(
    load: Sequence[Interval], minutes: int, cycle: Cycle, now: datetime, zone: ZoneInfo
) -> DemandWindow | None:
    """Return the clock-aligned window holding NOW; None when it began in the cycle before."""
    nominal = _window(now, minutes, zone)
    start, end = _real_start(nominal, now, zone), nominal + timedelta(minutes=minutes)
    if start < cycle.start_utc:
        return None
    inside = _between(load, start, now)
    kwh = sum((i.kwh for i in inside), ZERO)
    elapsed = _micros(max((i.end for i in inside), default=start) - start)  # metered so far
    # The window's kWh at its power so far, as kW over its nominal length (as the bill does).
    projected = kwh * _micros(end - start) / elapsed * SIXTY / minutes if elapsed else ZERO
    return DemandWindow(start, end, kwh, projected)


def demand_status(tariff: Tariff, load: Sequence[Interval], now: datetime) -> DemandStatus | None:
    """Return the demand of the billing cycle holding NOW from LOAD (metered up to NOW).

    Peaks are those of the windows before the current one; the current window is projected
    from its kWh so far. None for a tariff without demand charges; `BillInputError` names a
    bad interval.
    """
    demand = tariff.demand
    if demand is None:
        return None
    check_intervals(load, "load")
    now = now.astimezone(UTC)
    zone, minutes = tariff.zone, demand.window_minutes
    cycle = cycles_between(now, now + MICROSECOND, zone, tariff.cycle_day)[-1]
    load = [Interval(i.start.astimezone(UTC), i.end.astimezone(UTC), i.kwh) for i in load]
    window = _current_window(load, minutes, cycle, now, zone)
    before = _between(load, cycle.start_utc, now if window is None else window.start)
    clock = WallClock(zone, tariff.holidays, ChangeMinutes())
    peaker = _Peaker(tariff, [cycle], clock)
    if demand.sliding:
        flat, by_period = peaker.windows(sliding_energy(before, minutes))
    else:
        flat, by_period = peaker.windows(window_energy(before, minutes, clock))
    projected = None if window is None else window.projected_kw
    lines = [
        _status("flat", flat[0], entry.tiers, projected)
        for entry in demand.flat
        if cycle.first.month in entry.months
    ]
    current: _Period | None = None
    if window is not None:
        local = peaker.clock.local(window.start)
        month = local.month if peaker.months is None else cycle.first.month
        current = peaker.period_at(month, local.minute, weekend=local.weekend)
    seasons = _Seasons(demand)
    for period in seasons.rank:
        if not seasons.months[period] & _cycle_months(cycle, whole=seasons.whole):
            continue
        peak = by_period[0].get(period, (ZERO, None))
        shown = projected if period == current else None
        lines.append(_status(seasons.names[period], peak, period[1], shown))
    return DemandStatus(cycle, minutes, window, tuple(lines))


def _cycle_months(cycle: Cycle, *, whole: bool) -> set[int]:
    """Return the months whose demand periods a cycle charges (its first's, under cycle_start)."""
    if whole:
        return {cycle.first.month}
    return {(cycle.first + timedelta(days=day)).month for day in range(cycle.days)}
