"""Metered energy intervals and stepwise time series (prices, carbon intensity)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from .model import BillInputError


@dataclass(frozen=True, slots=True)
class Interval:
    """Energy in kWh metered in the UTC span [start, end), assumed at constant power."""

    start: datetime
    end: datetime
    kwh: Decimal

    @property
    def seconds(self) -> Decimal:
        """Length of the interval in seconds."""
        return Decimal((self.end - self.start) // timedelta(microseconds=1)) / 1_000_000


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
