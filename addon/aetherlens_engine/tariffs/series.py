"""Metered energy intervals and stepwise time series (prices, carbon intensity)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import overload

from .model import BillInputError


@dataclass(frozen=True, slots=True)
class Interval:
    """Energy in kWh metered in the UTC span [start, end), assumed at constant power."""

    start: datetime
    end: datetime
    kwh: Decimal


@dataclass(frozen=True, slots=True)
class Grid(Sequence[Interval]):
    """Energy on a regular grid: `kwh[i]` metered in [start + i * step, start + (i + 1) * step).

    The usual meter data (hourly or quarter-hourly rollups) as a start, a step and the kWh, not
    an object per interval; the bill checks it like any intervals and reads it without making
    them. Where intervals are needed it is a sequence of `Interval`.
    """

    start: datetime
    step: timedelta
    kwh: Sequence[Decimal]

    def __len__(self) -> int:
        """Return the number of intervals."""
        return len(self.kwh)

    @overload
    def __getitem__(self, index: int) -> Interval: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Interval]: ...

    def __getitem__(self, index: int | slice) -> Interval | Sequence[Interval]:
        """Return the interval at `index` (or a list of them for a slice)."""
        if isinstance(index, slice):
            return [self[number] for number in range(*index.indices(len(self.kwh)))]
        kwh = self.kwh[index]  # raises IndexError past the end
        number = index + len(self.kwh) if index < 0 else index
        start = self.start + self.step * number
        return Interval(start, start + self.step, kwh)

    def __iter__(self) -> Iterator[Interval]:
        """Iterate over the intervals."""
        start, step = self.start, self.step
        for number, kwh in enumerate(self.kwh):
            begin = start + step * number
            yield Interval(begin, begin + step, kwh)


def check_intervals(intervals: Sequence[Interval], what: str) -> None:
    """Require aware, ordered, non-overlapping intervals with non-negative energy."""
    previous_end: datetime | None = None
    for index, interval in enumerate(intervals):
        start, end = interval.start, interval.end
        if start.tzinfo is None or end.tzinfo is None:
            problem = "times must carry a time zone"
        elif end <= start:
            problem = "ends before it starts"
        elif previous_end is not None and start < previous_end:
            problem = "overlaps the previous interval"
        elif interval.kwh < 0:
            problem = f"negative energy {interval.kwh} kWh"
        else:
            previous_end = end
            continue
        raise BillInputError(f"{what} interval {index} ({start.isoformat()}): {problem}")


@dataclass(frozen=True, slots=True)
class Series:
    """A stepwise series: `values[i]` holds from `starts[i]` to the next start (or `end`)."""

    name: str
    starts: tuple[datetime, ...]
    values: tuple[Decimal, ...]
    end: datetime

    @classmethod
    def from_points(cls, name: str, points: Sequence[tuple[datetime, Decimal]]) -> Series:
        """Build from (start, value) points; the last one lasts as long as the step before it."""
        if len(points) < 2:  # noqa: PLR2004 - the step length comes from two points
            raise BillInputError(f"the {name} series needs at least two points")
        starts = tuple(p[0] for p in points)
        if any(b <= a for a, b in pairwise(starts)):
            raise BillInputError(f"the {name} series must be in strictly increasing time order")
        return cls(
            name, starts, tuple(p[1] for p in points), starts[-1] + (starts[-1] - starts[-2])
        )

    def value_at(self, instant: datetime) -> Decimal:
        """Return the value in force at the instant."""
        index = bisect_right(self.starts, instant) - 1
        if index < 0 or instant >= self.end:
            raise BillInputError(
                f"the {self.name} series has no value at {instant.isoformat()} "
                f"(it covers {self.starts[0].isoformat()} to {self.end.isoformat()})"
            )
        return self.values[index]

    def changes(self, start: datetime, end: datetime) -> Sequence[datetime]:
        """Instants strictly inside (start, end) at which the value changes."""
        return self.starts[bisect_right(self.starts, start) : bisect_left(self.starts, end)]
