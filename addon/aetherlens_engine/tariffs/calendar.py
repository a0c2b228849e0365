"""Local calendar of a tariff: holidays, day types, billing cycles and wall-clock boundaries."""

from __future__ import annotations

import calendar as stdcal
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import holidays as holidays_lib

SATURDAY = 5
ONE_SECOND = timedelta(seconds=1)
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class HolidayCalendar:
    """Holidays from a list and/or the `holidays` library; weekends too when `as_weekend`."""

    dates: frozenset[date] = frozenset()
    country: str | None = None
    subdivision: str | None = None
    as_weekend: bool = True
    _years: dict[int, frozenset[date]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def is_holiday(self, day: date) -> bool:
        """Whether the day is a holiday of this calendar."""
        if day in self.dates:
            return True
        if self.country is None:
            return False
        if day.year not in self._years:
            self._years[day.year] = frozenset(
                holidays_lib.country_holidays(
                    self.country, subdiv=self.subdivision, years=day.year
                ).keys()
            )
        return day in self._years[day.year]

    def is_weekend(self, day: date) -> bool:
        """Whether the tariff prices the day as a weekend day."""
        return day.weekday() >= SATURDAY or (self.as_weekend and self.is_holiday(day))


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """Return the UTC instant at which the local day begins."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def cycle_start(day: date, cycle_day: int) -> date:
    """Return the first day of the cycle containing `day` (short months end the day early)."""

    def start_in(year: int, month: int) -> date:
        return date(year, month, min(cycle_day, stdcal.monthrange(year, month)[1]))

    start = start_in(day.year, day.month)
    if start <= day:
        return start
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return start_in(year, month)


def next_cycle_start(start: date, cycle_day: int) -> date:
    """Return the first day of the cycle after the one starting on `start`."""
    year, month = (start.year, start.month + 1) if start.month < 12 else (start.year + 1, 1)  # noqa: PLR2004
    return date(year, month, min(cycle_day, stdcal.monthrange(year, month)[1]))


@dataclass(frozen=True, slots=True)
class Cycle:
    """A billing cycle: local days [first, end) and the same span in UTC."""

    first: date
    end: date
    start_utc: datetime
    end_utc: datetime

    @property
    def days(self) -> int:
        """Number of local calendar days in the cycle."""
        return (self.end - self.first).days


def cycles_between(start: datetime, end: datetime, zone: ZoneInfo, cycle_day: int) -> list[Cycle]:
    """Return the billing cycles that overlap the UTC span [start, end)."""
    first = cycle_start(start.astimezone(zone).date(), cycle_day)
    out: list[Cycle] = []
    while True:
        following = next_cycle_start(first, cycle_day)
        cycle = Cycle(
            first, following, local_midnight(first, zone), local_midnight(following, zone)
        )
        out.append(cycle)
        if cycle.end_utc >= end:
            return out
        first = following


def cycle_index(starts: Sequence[datetime], instant: datetime) -> int:
    """Return the index of the cycle (given by its UTC starts) that contains the instant."""
    return bisect_right(starts, instant) - 1


@dataclass(frozen=True, slots=True)
class LocalTime:
    """What a schedule needs to know about an instant on the tariff's wall clock."""

    day: date
    month: int
    minute: int
    weekend: bool


class WallClock:
    """Maps UTC instants to the tariff's wall clock and finds where schedules may change."""

    def __init__(
        self, zone: ZoneInfo, holidays: HolidayCalendar, change_minutes: ChangeMinutes
    ) -> None:
        """Use `change_minutes(month, weekend)` for the minutes at which prices may change."""
        self.zone = zone
        self._holidays = holidays
        self._change_minutes = change_minutes
        self._boundaries: dict[date, tuple[datetime, ...]] = {}

    def local(self, instant: datetime) -> LocalTime:
        """Return the local date, month, minute of the day and day type of an instant."""
        wall = instant.astimezone(self.zone)
        day = wall.date()
        return LocalTime(day, day.month, wall.hour * 60 + wall.minute, self.is_weekend(day))

    def is_weekend(self, day: date) -> bool:
        """Whether the tariff prices the local day as a weekend day."""
        return self._holidays.is_weekend(day)

    def boundaries(self, day: date) -> tuple[datetime, ...]:
        """UTC instants during a local day at which the price may change, sorted."""
        if day not in self._boundaries:
            minutes = self._change_minutes(day.month, self.is_weekend(day)) | {0}
            transitions = self._transitions(day)
            if transitions:
                points = {
                    datetime.combine(
                        day, time(m // 60, m % 60, fold=fold), tzinfo=self.zone
                    ).astimezone(UTC)
                    for m in minutes
                    for fold in (0, 1)
                }
                points.update(transitions)
            else:
                # One UTC offset all day: a wall-clock minute is that many minutes after midnight.
                midnight = local_midnight(day, self.zone)
                points = {midnight + timedelta(minutes=m) for m in minutes}
            self._boundaries[day] = tuple(sorted(points))
        return self._boundaries[day]

    def next_change(self, instant: datetime) -> tuple[datetime, LocalTime]:
        """Return the next instant at which a price may change, and the wall clock at `instant`.

        No schedule (and no day, cycle or UTC offset) changes in between, so the wall clock at
        `instant` gives the rules of every instant up to the change.
        """
        local = self.local(instant)
        day = local.day
        while True:
            bounds = self.boundaries(day)
            index = bisect_right(bounds, instant)
            if index < len(bounds):
                return bounds[index], local
            day += ONE_DAY

    def _transitions(self, day: date) -> list[datetime]:
        """Return the instant of a change of UTC offset during the local day (DST)."""
        low = local_midnight(day, self.zone)
        high = local_midnight(day + timedelta(days=1), self.zone) - ONE_SECOND
        if low.astimezone(self.zone).utcoffset() == high.astimezone(self.zone).utcoffset():
            return []
        offset = low.astimezone(self.zone).utcoffset()
        while high - low > ONE_SECOND:
            middle = low + timedelta(seconds=(high - low).total_seconds() // 2)
            if middle.astimezone(self.zone).utcoffset() == offset:
                low = middle
            else:
                high = middle
        return [high]

    def split(self, start: datetime, end: datetime, extra: Sequence[datetime]) -> list[datetime]:
        """Cut [start, end) where prices may change: start, the cuts inside, end.

        `extra` holds further cuts strictly inside the span (series changes).
        """
        day = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        points: list[datetime] = list(extra)
        while day <= last:
            bounds = self.boundaries(day)
            points.extend(bounds[bisect_right(bounds, start) : bisect_left(bounds, end)])
            day += ONE_DAY
        if not points:
            return [start, end]
        return [start, *sorted(set(points)), end]


class ChangeMinutes:
    """The minutes of a day at which any of a tariff's schedules may change."""

    def __init__(self, *minutes: ChangeSource) -> None:
        """Combine the change minutes of several schedules."""
        self._sources = minutes
        self._cache: dict[tuple[int, bool], frozenset[int]] = {}

    def __call__(self, month: int, weekend: bool) -> frozenset[int]:
        """Minutes at which something changes on days of this month and day type."""
        key = (month, weekend)
        if key not in self._cache:
            self._cache[key] = frozenset().union(
                *(source.changes(month, weekend=weekend) for source in self._sources)
            )
        return self._cache[key]


class ChangeSource(Protocol):
    """Anything with schedule change minutes (a `Schedule`)."""

    def changes(self, month: int, *, weekend: bool) -> frozenset[int]:
        """Minutes at which the rule in force may change."""
