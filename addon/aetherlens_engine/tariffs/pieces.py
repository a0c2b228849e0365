"""Metered intervals as columns, cut into pieces along a tariff's timeline.

A piece is an interval, or the part of one between two instants at which a price may change
(the energy of a cut interval is shared by time: constant power). Pieces come in spans: pieces
of one billing cycle between two consecutive bounds of the timeline, which every schedule prices
alike, so a span is priced with one sum of its kWh. Meter data on the tariff's clock (hours,
quarter hours) is never cut: its pieces are its intervals, and no per-interval object is made.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise, repeat
from operator import eq, le, lt, sub
from typing import NamedTuple, overload

from .calendar import Slot, Timeline, WallClock
from .series import Grid, Interval, Series, check_intervals

ZERO = Decimal(0)
ONE = Decimal(1)
_NONE = timedelta(0)


class Span(NamedTuple):
    """Pieces [lo, hi) of one billing cycle in which nothing changes.

    A tuple: there is one per span of a year of data, made and read in the bill's inner loops.
    """

    lo: int
    hi: int
    cycle: int
    slot: Slot  # what prices the pieces
    offset: timedelta | None  # the UTC offset of whole intervals; None for a cut piece
    kwh: Decimal  # the pieces' sum
    peak: Decimal | None  # their highest kWh, when asked for (demand)


# The cutter makes its spans straight from a tuple: the named tuple's generated __new__ is a
# Python call per span, a twentieth of the time of a year's bill.
_span = tuple.__new__


@dataclass(frozen=True, slots=True)
class Times(Sequence[datetime]):
    """The starts (or ends) of a grid's intervals, computed when read."""

    first: datetime
    step: timedelta
    size: int

    def __len__(self) -> int:
        """Return the number of times."""
        return self.size

    @overload
    def __getitem__(self, index: int) -> datetime: ...

    @overload
    def __getitem__(self, index: slice) -> list[datetime]: ...

    def __getitem__(self, index: int | slice) -> datetime | list[datetime]:
        """Return the time at `index` (a list for a slice)."""
        if isinstance(index, slice):
            return [self.first + self.step * n for n in range(*index.indices(self.size))]
        number = index + self.size if index < 0 else index
        if not 0 <= number < self.size:
            raise IndexError(index)
        return self.first + self.step * number


@dataclass(frozen=True, slots=True)
class Columns:
    """Checked intervals as columns: starts, ends and kWh.

    `step` is the length of every interval when they follow one another without gaps and all
    have the same length (the usual meter data), else None; `origin` is then the first start,
    in UTC. Data given as a `Grid` has `Times` for its starts and ends.
    """

    starts: Sequence[datetime]
    ends: Sequence[datetime]
    kwh: list[Decimal]
    step: timedelta | None
    origin: datetime | None = None


def columns(intervals: Sequence[Interval], what: str) -> Columns:
    """Return the intervals as columns; raise `BillInputError` naming the first bad one."""
    if isinstance(intervals, Grid):
        return _grid(intervals, what)
    starts = [interval.start for interval in intervals]
    ends = [interval.end for interval in intervals]
    kwh = [interval.kwh for interval in intervals]
    step = None
    if intervals:
        step = _step(starts, ends)
        if not (step or _ordered(starts, ends)) or not non_negative(kwh):
            check_intervals(intervals, what)  # names the first bad interval
        if not starts[0].tzinfo is ends[-1].tzinfo is UTC:
            # Times of one zone subtract as wall-clock times: their step may not be real time.
            step = None
    # Gapless intervals of one length are a grid: cut by arithmetic, not by bisection.
    origin = starts[0] if step else None
    return Columns(starts, ends, kwh, step, origin)


def _grid(grid: Grid, what: str) -> Columns:
    kwh = grid.kwh if isinstance(grid.kwh, list) else list(grid.kwh)
    if kwh and (grid.start.tzinfo is None or grid.step <= _NONE or not non_negative(kwh)):
        check_intervals(grid, what)  # names the first bad interval
    count = len(kwh)
    # In UTC: a step added to a time with a DST zone's tzinfo would move its wall clock.
    origin = grid.start.astimezone(UTC) if kwh else grid.start
    return Columns(
        Times(origin, grid.step, count),
        Times(origin + grid.step, grid.step, count),
        kwh,
        grid.step,
        origin,
    )


def _step(starts: list[datetime], ends: list[datetime]) -> timedelta | None:
    """Return the one length of gapless intervals of aware times, else None.

    Comparing an aware with a naive time raises TypeError, and equal times are both aware or
    both naive: an aware first start makes every time of gapless intervals aware.
    """
    if starts[0].tzinfo is None or ends[:-1] != starts[1:]:
        return None
    try:
        step = ends[0] - starts[0]
        if step <= _NONE or not all(map(eq, map(sub, ends, starts), repeat(step))):
            return None
    except TypeError:
        return None
    return step


def _ordered(starts: list[datetime], ends: list[datetime]) -> bool:
    """Whether the times are aware, each interval ends after it starts and before the next."""
    if starts[0].tzinfo is None:
        return False
    try:  # see `_step` for why this proves every time aware
        return all(map(lt, starts, ends)) and all(map(le, ends[:-1], starts[1:]))
    except TypeError:
        return False


def non_negative(kwh: list[Decimal]) -> bool:
    """Whether no kWh is negative (False also for what is not a number)."""
    # is_signed is the quick test (it is also true for -0, which min() then lets through).
    try:
        return not any(map(Decimal.is_signed, kwh)) or not min(kwh) < 0
    except TypeError:
        return False


@dataclass(frozen=True, slots=True)
class Pieces:
    """Pieces of intervals, grouped in spans.

    `owner[p]` is the interval of piece p and `fraction[p]` its share of the interval's time;
    both are None when the pieces are the intervals themselves.
    """

    starts: Sequence[datetime]
    kwh: list[Decimal]
    owner: list[int] | None
    fraction: list[Decimal] | None
    spans: list[Span]

    def of_cycle(self, count: int) -> list[list[Span]]:
        """Return the spans of each of `count` cycles."""
        grouped: list[list[Span]] = [[] for _ in range(count)]
        for span in self.spans:
            grouped[span.cycle].append(span)
        return grouped


def _seconds(start: datetime, end: datetime) -> Decimal:
    # In UTC: times with one zone's tzinfo subtract as wall-clock times (wrong across DST).
    length = end.astimezone(UTC) - start.astimezone(UTC)
    return Decimal(length // timedelta(microseconds=1)) / 1_000_000


class _Cutter:
    """Builds the pieces: shares the interval columns until the first interval is cut."""

    def __init__(
        self,
        data: Columns,
        cycle_starts: list[datetime],
        clock: WallClock,
        series: Sequence[Series],
        *,
        peaks: bool,
    ) -> None:
        self.data = data
        self.cycle_starts = cycle_starts
        self.clock = clock
        self.series = series
        self.peaks = peaks
        self.spans: list[Span] = []
        # Once an interval is cut: every piece's start, kWh, interval and share of it.
        self.built: tuple[list[datetime], list[Decimal], list[int], list[Decimal]] | None = None

    def intervals(self, timeline: Timeline) -> None:
        """Cut intervals given one by one: each span's end found by bisection."""
        starts, ends = self.data.starts, self.data.ends
        bounds = timeline.bounds
        count = len(starts)
        number = bound = cycle = 0
        while number < count:
            start = starts[number]
            if not bounds[bound] <= start < bounds[bound + 1]:
                bound += 1  # usually the next span starts where the last one ended
                if not bounds[bound] <= start < bounds[bound + 1]:
                    bound = bisect_right(bounds, start) - 1
            until = bounds[bound + 1]
            high = bisect_left(starts, until, number)
            whole = high if ends[high - 1] <= until else high - 1
            if self.series:
                whole = _first_cut_by_series(self.series, self.data, number, whole, until)
            if whole > number:
                cycle = _cycle_at(self.cycle_starts, cycle, start)
                self.span(number, whole, cycle, timeline, bound)
                number = whole
                continue
            self.cut(number)
            number += 1

    def grid(self, origin: datetime, step: timedelta, timeline: Timeline) -> None:
        """Cut a grid: its interval k is [origin + k * step, origin + (k + 1) * step)."""
        bounds, cycle_starts = timeline.bounds, self.cycle_starts
        count = len(self.data.kwh)
        # Where each bound falls on the grid: the interval it starts (or falls inside).
        marks = [divmod(bound - origin, step) for bound in bounds]
        # The cycle of each bound (the first one for bounds before it).
        cycles = [max(bisect_right(cycle_starts, bound) - 1, 0) for bound in bounds]
        number = 0
        for bound in range(len(bounds) - 1):
            at, inside = marks[bound + 1]
            # Intervals that start before the next bound: whole up to it, then the one it cuts.
            limit = min(at + 1 if inside else at, count)
            while number < limit:
                whole = min(at, count)
                if self.series and whole > number:
                    whole = _first_cut_by_series(
                        self.series, self.data, number, whole, bounds[bound + 1]
                    )
                if whole > number:
                    self.span(number, whole, cycles[bound], timeline, bound)
                    number = whole
                    continue
                self.cut(number)
                number += 1
            if number >= count:
                return

    def span(self, lo: int, hi: int, cycle: int, timeline: Timeline, bound: int) -> None:
        """Add intervals [lo, hi), which lie between bound `bound` and the next, as a span."""
        chunk = self.data.kwh[lo:hi]
        span = _span(
            Span,
            (
                lo,
                hi,
                cycle,
                timeline.slots[bound],
                timeline.offsets[bound],
                sum(chunk, ZERO),
                max(chunk) if self.peaks else None,
            ),
        )
        if self.built is None:
            self.spans.append(span)
        else:
            self._copy(lo, hi, span)

    def _copy(self, lo: int, hi: int, span: Span) -> None:
        """Add intervals [lo, hi) to the pieces built (after a cut), as the span made for them."""
        if self.built is None:
            raise AssertionError(lo)  # only called once pieces are built
        starts, kwh, owner, fraction = self.built
        first = len(starts)
        starts.extend(self.data.starts[lo:hi])
        kwh.extend(self.data.kwh[lo:hi])
        owner.extend(range(lo, hi))
        fraction.extend([ONE] * (hi - lo))
        self.spans.append(span._replace(lo=first, hi=len(starts)))

    def cut(self, number: int) -> None:
        """Cut interval `number` where a price or a series may change."""
        start, end = self.data.starts[number], self.data.ends[number]
        extra = [change for values in self.series for change in values.changes(start, end)]
        if self.built is None:
            self.built = (
                list(self.data.starts[:number]),
                self.data.kwh[:number],
                list(range(number)),
                [ONE] * number,
            )
        starts, kwhs, owner, fractions = self.built
        energy = self.data.kwh[number]
        cuts = self.clock.split(start, end, extra)
        total = _seconds(start, end)
        shared = ZERO
        last = len(cuts) - 2
        for index, (begin, stop) in enumerate(pairwise(cuts)):
            fraction = _seconds(begin, stop) / total
            kwh = energy - shared if index == last else energy * fraction
            shared += kwh
            piece = len(starts)
            starts.append(begin)
            kwhs.append(kwh)
            owner.append(number)
            fractions.append(fraction)
            cycle = bisect_right(self.cycle_starts, begin) - 1
            peak = kwh if self.peaks else None
            slot = self.clock.slot(begin)
            self.spans.append(_span(Span, (piece, piece + 1, cycle, slot, None, kwh, peak)))

    def pieces(self) -> Pieces:
        """Return the pieces made."""
        if self.built is None:
            return Pieces(self.data.starts, self.data.kwh, None, None, self.spans)
        return Pieces(*self.built, self.spans)


def _cycle_at(cycle_starts: list[datetime], cycle: int, instant: datetime) -> int:
    """Return the cycle of the instant, at or after `cycle` (instants only move on)."""
    while cycle + 1 < len(cycle_starts) and instant >= cycle_starts[cycle + 1]:
        cycle += 1
    return cycle


def _first_cut_by_series(
    series: Sequence[Series], data: Columns, lo: int, hi: int, until: datetime
) -> int:
    """Return the first interval in [lo, hi) inside which a series changes, else hi."""
    starts, ends = data.starts, data.ends
    for values in series:
        for change in values.changes(starts[lo], until):
            number = bisect_right(starts, change, lo, hi) - 1
            if starts[number] < change < ends[number]:
                hi = number
                break
    return hi


def cut(
    data: Columns,
    timeline: Timeline,
    cycle_starts: list[datetime],
    clock: WallClock,
    series: Sequence[Series] = (),
    *,
    peaks: bool = False,
) -> Pieces:
    """Cut the intervals where the timeline has a bound or a series changes inside one.

    With `peaks`, each span of whole intervals also gets its highest kWh (for demand).
    """
    cutter = _Cutter(data, cycle_starts, clock, series, peaks=peaks)
    if data.origin is not None and data.step is not None:
        cutter.grid(data.origin, data.step, timeline)
    else:
        cutter.intervals(timeline)
    return cutter.pieces()
