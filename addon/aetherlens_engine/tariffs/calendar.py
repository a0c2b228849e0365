"""Local calendar of a tariff: holidays, day types, billing cycles and wall-clock boundaries."""

from __future__ import annotations

import calendar as stdcal
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import holidays as holidays_lib

SATURDAY = 5
ONE_SECOND = timedelta(seconds=1)
ONE_MICROSECOND = timedelta(microseconds=1)
ONE_DAY = timedelta(days=1)
# What a schedule looks up for an instant: the local month, minute of the day, and whether the
# day is priced as a weekend.
type Slot = tuple[int, int, bool]


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


# The bounds of a day with one UTC offset: the kind and slot at midnight, the later bounds as
# times after midnight with their slots, and the kind at the last one. A change minute after
# which the kind stays is left out.
type _Plan = tuple[Hashable, Slot, tuple[timedelta, ...], tuple[Slot, ...], Hashable]


@dataclass(frozen=True, slots=True)
class Timeline:
    """The instants at which a price may change, from a local midnight to a later one.

    From `bounds[k]` to `bounds[k + 1]` the wall clock gives `slots[k]` to every schedule and
    the UTC offset is `offsets[k]`; `bounds` has one entry more than the others.
    """

    bounds: list[datetime]
    slots: list[Slot]
    offsets: list[timedelta]


class WallClock:
    """Maps UTC instants to the tariff's wall clock and finds where schedules may change."""

    def __init__(
        self,
        zone: ZoneInfo,
        holidays: HolidayCalendar,
        change_minutes: ChangeMinutes,
        kind: Callable[[Slot], Hashable] | None = None,
    ) -> None:
        """Use `change_minutes(month, weekend)` for the minutes at which prices may change.

        `kind(slot)` is equal for slots that every schedule prices alike: the timeline leaves
        out the bounds between them. Without it every bound is kept.
        """
        self.zone = zone
        self._holidays = holidays
        self._change_minutes = change_minutes
        self._kind: Callable[[Slot], Hashable] = kind or _unique
        self._merge = kind is not None
        self._boundaries: dict[date, tuple[datetime, ...]] = {}
        self._plans: dict[tuple[int, bool], _Plan] = {}

    def local(self, instant: datetime) -> LocalTime:
        """Return the local date, month, minute of the day and day type of an instant."""
        wall = instant.astimezone(self.zone)
        day = wall.date()
        return LocalTime(day, day.month, wall.hour * 60 + wall.minute, self.is_weekend(day))

    def is_weekend(self, day: date) -> bool:
        """Whether the tariff prices the local day as a weekend day."""
        return self._holidays.is_weekend(day)

    def boundaries(self, day: date) -> tuple[datetime, ...]:
        """UTC instants during a local day at which the price may change, sorted.

        The first is the day's start: its local midnight, or the first instant after it where
        midnight falls into a change of UTC offset (the day then starts at 01:00, say).
        """
        if day not in self._boundaries:
            zone = self.zone
            minutes = self._change_minutes(day.month, self.is_weekend(day)) | {0}
            transitions = self._transitions(day)
            naive = datetime.combine(day, time(0))
            start = local_midnight(day, zone)
            if local_midnight(day + ONE_DAY, zone) <= start:
                self._boundaries[day] = ()  # a day the zone skipped (Pacific/Apia, 2011-12-30)
            elif not transitions and _offset(zone, naive) == _offset(zone, naive + ONE_DAY):
                # One UTC offset all day: a wall-clock minute is that many minutes after midnight.
                points = {start + timedelta(minutes=m) for m in minutes}
                self._boundaries[day] = tuple(sorted(points))
            else:
                # Each wall-clock minute once or twice (in a fold), and the change of offset;
                # a minute that does not exist (in a gap) maps outside the day or onto a point
                # where nothing changes.
                end = local_midnight(day + ONE_DAY, zone)
                points = {
                    instant
                    for m in minutes
                    for fold in (0, 1)
                    if start
                    <= (
                        instant := datetime.combine(
                            day, time(m // 60, m % 60, fold=fold), tzinfo=zone
                        ).astimezone(UTC)
                    )
                    < end
                }
                points.update(transitions)
                points.add(start)
                self._boundaries[day] = tuple(sorted(points))
        return self._boundaries[day]

    def slot(self, instant: datetime) -> Slot:
        """Return what a schedule looks up for the instant."""
        local = self.local(instant)
        return local.month, local.minute, local.weekend

    def timeline(
        self, start: datetime, end: datetime, keep: frozenset[datetime] = frozenset()
    ) -> Timeline:
        """Return the timeline from the local midnight at or before `start` to one after `end`.

        A day with one UTC offset is its midnight plus the change minutes (cached per month and
        day type); a day with a change of offset takes the exact `boundaries`. A bound where
        the kind of slot (see `__init__`) and the UTC offset stay as before is left out, unless
        it is in `keep`.
        """
        zone = self.zone
        day = start.astimezone(zone).date()
        last = max((end - ONE_MICROSECOND).astimezone(zone).date(), day)
        bounds: list[datetime] = []
        slots: list[Slot] = []
        offsets: list[timedelta] = []
        # The kind and UTC offset of the last bound (nothing matches the first bound).
        kind_before: Hashable = object()
        offset_before = None
        midnight = local_midnight(day, zone)
        naive = datetime.combine(day, time(0))
        offset = _offset(zone, naive)
        weekday = day.weekday()
        merge = self._merge
        holidays = self._holidays
        any_holiday = holidays.as_weekend and bool(holidays.dates or holidays.country)
        plans = self._plans
        while day <= last:
            following = naive + ONE_DAY
            offset_after = zone.utcoffset(following) or timedelta(0)
            if offset == offset_after:
                weekend = weekday >= SATURDAY or (any_holiday and holidays.is_holiday(day))
                plan = plans.get((day.month, weekend)) or self._plan(day.month, weekend=weekend)
                kind, slot, deltas, later, kind_after = plan
                if not merge or kind != kind_before or offset != offset_before or midnight in keep:
                    bounds.append(midnight)
                    slots.append(slot)
                    offsets.append(offset)
                if deltas:
                    bounds.extend([midnight + delta for delta in deltas])
                    slots.extend(later)
                    offsets.extend([offset] * len(deltas))
                kind_before, offset_before = kind_after, offset
                midnight += ONE_DAY
            else:
                for point in self.boundaries(day):
                    slot = self.slot(point)
                    kind = self._kind(slot)
                    point_offset = point.astimezone(zone).utcoffset() or timedelta(0)
                    if (
                        not merge
                        or kind != kind_before
                        or point_offset != offset_before
                        or point in keep
                    ):
                        bounds.append(point)
                        slots.append(slot)
                        offsets.append(point_offset)
                        kind_before, offset_before = kind, point_offset
                midnight = local_midnight(day + ONE_DAY, zone)
            day += ONE_DAY
            weekday = (weekday + 1) % 7
            naive, offset = following, offset_after
        bounds.append(midnight)
        return Timeline(bounds, slots, offsets)

    def _plan(self, month: int, *, weekend: bool) -> _Plan:
        """Return the bounds of a day with one UTC offset (see `_Plan`), and keep it."""
        entries: list[tuple[timedelta, Slot, Hashable]] = []
        for minute in sorted(self._change_minutes(month, weekend) | {0}):
            slot = (month, minute, weekend)
            kind = self._kind(slot)
            if not self._merge or not entries or entries[-1][2] != kind:
                entries.append((timedelta(minutes=minute), slot, kind))
        plan = (
            entries[0][2],
            entries[0][1],
            tuple(entry[0] for entry in entries[1:]),
            tuple(entry[1] for entry in entries[1:]),
            entries[-1][2],
        )
        self._plans[month, weekend] = plan
        return plan

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
        if high <= low:
            return []  # a day the zone skipped
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


def _unique(_: Slot) -> Hashable:
    """Without kinds, every slot is a kind of its own."""
    return object()


def _offset(zone: ZoneInfo, wall: datetime) -> timedelta:
    """UTC offset of a naive wall-clock time (the earlier one where it is ambiguous)."""
    return zone.utcoffset(wall) or timedelta(0)


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
