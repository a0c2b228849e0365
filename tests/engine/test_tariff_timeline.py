"""The bill's timeline: the same instants as the exact per-day boundaries, in every kind of zone."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from aetherlens_engine.tariffs.calendar import (
    ChangeMinutes,
    HolidayCalendar,
    Slot,
    WallClock,
    local_midnight,
)
from aetherlens_engine.tariffs.schedule import Rule, Schedule

ALL = frozenset(range(1, 13))
# Changes at odd minutes, other ones on weekends, and at 02:30 (inside most DST gaps and folds).
SCHEDULE = Schedule(
    (
        Rule(0, "night", ALL, "weekday", 0, 150, 1),
        Rule(1, "day", ALL, "weekday", 150, 1005, 2),
        Rule(2, "peak", ALL, "weekday", 1005, 1440, 3),
        Rule(3, "weekend", ALL, "weekend", 0, 1440, 4),
    ),
    "energy.periods",
)
# Zones with every kind of change of UTC offset: none, at 02:00/03:00, by 30 minutes, at
# midnight (Sao Paulo until 2019, Havana, Asuncion), twice a year around Ramadan (Casablanca),
# and a whole skipped day (Apia, 2011-12-30).
CASES = [
    ("UTC", date(2024, 1, 1)),
    ("Etc/GMT+8", date(2018, 1, 1)),
    ("Europe/Berlin", date(2024, 1, 1)),
    ("America/Los_Angeles", date(2024, 1, 1)),
    ("Australia/Lord_Howe", date(2024, 1, 1)),
    ("Asia/Kolkata", date(2024, 1, 1)),
    ("America/Sao_Paulo", date(2017, 1, 1)),
    ("America/Havana", date(2024, 1, 1)),
    ("America/Asuncion", date(2023, 1, 1)),
    ("Africa/Casablanca", date(2024, 1, 1)),
    ("Pacific/Apia", date(2011, 6, 1)),
]


def clock(
    zone: str,
    holidays: HolidayCalendar | None = None,
    kind: Callable[[Slot], Hashable] | None = None,
) -> WallClock:
    return WallClock(ZoneInfo(zone), holidays or HolidayCalendar(), ChangeMinutes(SCHEDULE), kind)


def price_kind(slot: Slot) -> str:
    """Night and weekend are priced alike; day and peak too."""
    rule = SCHEDULE.at(slot[0], slot[1], weekend=slot[2])
    assert rule is not None
    return "cheap" if rule.value in {1, 4} else "dear"


@pytest.mark.parametrize(("zone", "first"), CASES)
def test_timeline_is_every_days_boundaries(zone: str, first: date) -> None:
    """Without kinds, the timeline is the exact boundaries of each day, with their wall clock."""
    wall = clock(zone, HolidayCalendar(frozenset({first + timedelta(days=40)})))
    start = local_midnight(first, wall.zone) + timedelta(hours=5)
    end = local_midnight(first + timedelta(days=366), wall.zone) - timedelta(hours=3)
    timeline = wall.timeline(start, end)
    day = start.astimezone(wall.zone).date()
    expected: list[datetime] = []
    while day <= (end - timedelta(microseconds=1)).astimezone(wall.zone).date():
        expected.extend(wall.boundaries(day))
        day += timedelta(days=1)
    assert timeline.bounds == [*expected, local_midnight(day, wall.zone)]
    assert timeline.bounds[0] <= start
    assert timeline.bounds[-1] >= end
    assert timeline.slots == [wall.slot(point) for point in expected]
    assert timeline.offsets == [point.astimezone(wall.zone).utcoffset() for point in expected]
    # The holiday is priced as a weekend: one bound that day, at its midnight.
    holiday = local_midnight(first + timedelta(days=40), wall.zone)
    assert timeline.slots[timeline.bounds.index(holiday)][2] is True
    assert all(b.tzinfo is UTC for b in timeline.bounds)


@pytest.mark.parametrize(("zone", "first"), CASES)
def test_timeline_leaves_out_bounds_of_one_kind(zone: str, first: date) -> None:
    """With kinds, a bound stays only where the kind or the UTC offset changes, or if kept."""
    full = clock(zone).timeline(
        local_midnight(first, ZoneInfo(zone)),
        local_midnight(first + timedelta(days=120), ZoneInfo(zone)),
    )
    keep = frozenset({local_midnight(first + timedelta(days=31), ZoneInfo(zone))})
    merged = clock(zone, kind=price_kind).timeline(full.bounds[0], full.bounds[-1], keep)
    assert merged.bounds[0] == full.bounds[0]
    assert merged.bounds[-1] == full.bounds[-1]
    assert keep <= set(merged.bounds)
    assert len(merged.bounds) < len(full.bounds)
    kept = iter(range(len(merged.slots)))
    current = -1
    for index, bound in enumerate(full.bounds[:-1]):
        if bound in merged.bounds:
            current = next(kept)
            assert merged.slots[current] == full.slots[index]
            assert merged.offsets[current] == full.offsets[index]
            continue
        # Left out: priced like the bound kept before it, under the same UTC offset.
        assert price_kind(full.slots[index]) == price_kind(merged.slots[current])
        assert full.offsets[index] == merged.offsets[current]
    assert current == len(merged.slots) - 1


@pytest.mark.parametrize(("zone", "first"), CASES)
def test_bounds_are_where_the_wall_clock_shows_a_change(zone: str, first: date) -> None:
    """Every bound shows a change minute on the wall clock (or starts a day, or changes the UTC
    offset), and every instant that shows one is a bound: checked against zoneinfo directly."""
    wall = clock(zone, HolidayCalendar(frozenset({first + timedelta(days=40)})))
    tz = wall.zone
    timeline = wall.timeline(
        local_midnight(first, tz), local_midnight(first + timedelta(days=366), tz)
    )
    bounds = set(timeline.bounds)
    day = first
    while day < first + timedelta(days=366):
        weekend = day.weekday() >= 5 or day == first + timedelta(days=40)
        changes = SCHEDULE.changes(day.month, weekend=weekend) | {0}
        for minute in changes:
            for fold in (0, 1):
                wall_time = datetime.combine(day, time(minute // 60, minute % 60, fold=fold), tz)
                instant = wall_time.astimezone(UTC)
                shown = instant.astimezone(tz)
                if shown.date() == day and shown.hour * 60 + shown.minute == minute:
                    assert instant in bounds, (day, minute, fold)
        day += timedelta(days=1)
    for bound in timeline.bounds[:-1]:
        shown = bound.astimezone(tz)
        weekend = shown.weekday() >= 5 or shown.date() == first + timedelta(days=40)
        minute = shown.hour * 60 + shown.minute
        starts_day = (bound - timedelta(seconds=1)).astimezone(tz).date() != shown.date()
        offset_changes = (bound - timedelta(seconds=1)).astimezone(
            tz
        ).utcoffset() != shown.utcoffset()
        assert (
            minute in SCHEDULE.changes(shown.month, weekend=weekend) | {0}
            or starts_day
            or offset_changes
        ), bound
        assert bound.second == bound.microsecond == 0
