"""Project the current billing cycle's bill to its end.

Method ("usage so far + mean daily profile of the last 14 days"):

1. The cycle is the active tariff's billing cycle containing now (local days of its zone).
2. So far: the recorded household import (and export) of every complete UTC hour from the
   cycle's start to the start of the current hour, billed with `bill` (energy, tiers, demand,
   fixed charges, minimum, taxes, export credit): the cycle's bill if no more energy were used.
   Fixed charges are the whole cycle's, as on the bill.
3. Profile: the mean kWh per local hour of day (the tariff's zone) over the recorded hours of
   the last 14 complete local days; separate weekday and weekend profiles (the tariff's day
   types, holidays included) when each has at least 3 days with data, else one profile. An hour
   of day without data takes the mean of all recorded hours; no data at all projects zero.
4. The hours from the start of the current hour to the cycle's end are filled from the profile
   (import, and export when the tariff credits it), and the whole cycle is billed again: that is
   the projected total. A dynamic tariff's prices beyond the recorded series are the mean price
   per local hour of day of the same 14 days.

Everything stays Decimal; carbon is not projected.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from .bill import Bill, CycleBill, bill
from .calendar import Cycle, cycles_between, local_midnight
from .model import Tariff
from .series import Interval, Series
from .usage import HOUR, Usage, floor_hour

METHOD = "usage so far + mean daily profile of the last 14 days"
PROFILE_DAYS = 14
# Days of a type (weekday, weekend) needed before that type gets a profile of its own.
MIN_DAYS_PER_TYPE = 3
HOURS_PER_DAY = 24
ZERO = Decimal(0)

type _Key = tuple[bool, int]  # (weekend, local hour of day)


@dataclass(frozen=True, slots=True)
class Profile:
    """Mean value per local hour of day, for weekdays and weekends (equal when not split)."""

    weekday: tuple[Decimal, ...]
    weekend: tuple[Decimal, ...]

    def at(self, hour: int, *, weekend: bool) -> Decimal:
        """Return the mean for the local hour of day on a day of the given type."""
        return (self.weekend if weekend else self.weekday)[hour]


def build_profile(points: Sequence[tuple[datetime, Decimal]], tariff: Tariff) -> Profile:
    """Average POINTS (hour start, value) per local hour of day in the tariff's zone."""
    sums: dict[_Key, Decimal] = defaultdict(Decimal)
    counts: dict[_Key, int] = defaultdict(int)
    days: dict[bool, set[date]] = {False: set(), True: set()}
    for start, value in points:
        local = start.astimezone(tariff.zone)
        weekend = tariff.holidays.is_weekend(local.date())
        sums[weekend, local.hour] += value
        counts[weekend, local.hour] += 1
        days[weekend].add(local.date())
    split = all(len(found) >= MIN_DAYS_PER_TYPE for found in days.values())

    def means(types: tuple[bool, ...]) -> tuple[Decimal, ...]:
        total = sum((sums[t, h] for t in types for h in range(HOURS_PER_DAY)), ZERO)
        count = sum(counts[t, h] for t in types for h in range(HOURS_PER_DAY))
        overall = total / count if count else ZERO
        out = []
        for hour in range(HOURS_PER_DAY):
            hour_count = sum(counts[t, hour] for t in types)
            hour_sum = sum((sums[t, hour] for t in types), ZERO)
            out.append(hour_sum / hour_count if hour_count else overall)
        return tuple(out)

    if split:
        return Profile(means((False,)), means((True,)))
    both = means((False, True))
    return Profile(both, both)


def _hours(start: datetime, end: datetime) -> list[datetime]:
    """Return the starts of the UTC hours from START (an hour start) until END is covered."""
    out = []
    while start < end:
        out.append(start)
        start += HOUR
    return out


def _fill(profile: Profile, tariff: Tariff, start: datetime, end: datetime) -> list[Interval]:
    """Return one interval per UTC hour from START until END, its value from PROFILE."""
    out = []
    for hour in _hours(start, end):
        local = hour.astimezone(tariff.zone)
        value = profile.at(local.hour, weekend=tariff.holidays.is_weekend(local.date()))
        out.append(Interval(hour, hour + HOUR, value))
    return out


def _extended_prices(
    prices: Series | None, tariff: Tariff, window: tuple[datetime, datetime], end: datetime
) -> Series | None:
    """Continue PRICES to END with their mean per local hour of day over WINDOW.

    The series' last value holds until the first whole hour after it ends.
    """
    if prices is None or prices.end >= end:
        return prices
    sampled = [
        (hour, prices.value_at(hour))
        for hour in _hours(window[0], window[1])
        if prices.starts[0] <= hour < prices.end
    ]
    profile = build_profile(sampled, tariff)
    resume = floor_hour(prices.end)
    if resume < prices.end:
        resume += HOUR
    points = list(zip(prices.starts, prices.values, strict=True))
    points += [(i.start, i.kwh) for i in _fill(profile, tariff, resume, end)]
    return Series.from_points(prices.name, points)


@dataclass(frozen=True, slots=True)
class Projection:
    """The current cycle's bill so far and projected to its end."""

    tariff: Tariff
    cycle: Cycle
    days_elapsed: int
    so_far: CycleBill
    projected: CycleBill


def current_cycle(tariff: Tariff, now: datetime) -> Cycle:
    """Return the tariff's billing cycle containing NOW."""
    return cycles_between(now, now + timedelta(microseconds=1), tariff.zone, tariff.cycle_day)[-1]


def _cycle_of(result: Bill, cycle: Cycle) -> CycleBill:
    return next(c for c in result.cycles if c.cycle.first == cycle.first)


def project(
    tariff: Tariff,
    now: datetime,
    recorded: Usage,
    history: Usage,
    *,
    prices: Series | None = None,
) -> Projection:
    """Project the cycle containing NOW from RECORDED (its complete hours) and HISTORY.

    RECORDED holds the cycle's hours before the current one, HISTORY those of the last
    14 complete local days; PRICES feeds a dynamic tariff.
    """
    tariff = replace(tariff, carbon=None)
    cycle = current_cycle(tariff, now)
    hour = floor_hour(now)
    first = floor_hour(cycle.start_utc)
    credits_export = tariff.export is not None
    export = recorded.export if credits_export else []
    # With nothing recorded yet, one empty hour makes the bill of the cycle's fixed charges.
    load = recorded.load or [Interval(first, first + HOUR, ZERO)]
    so_far = _cycle_of(bill(tariff, load, export=export, prices=prices), cycle)
    window = history_window(tariff, now)
    future_load = _fill(
        build_profile([(i.start, i.kwh) for i in history.load], tariff),
        tariff,
        hour,
        cycle.end_utc,
    )
    future_export: list[Interval] = []
    if credits_export:
        # Every recorded hour without export exported nothing.
        exported = {i.start: ZERO for i in history.load} | {i.start: i.kwh for i in history.export}
        profile = build_profile(sorted(exported.items()), tariff)
        future_export = [i for i in _fill(profile, tariff, hour, cycle.end_utc) if i.kwh > 0]
    projected = bill(
        tariff,
        [*recorded.load, *future_load],
        export=[*export, *future_export],
        prices=_extended_prices(prices, tariff, window, cycle.end_utc + HOUR),
    )
    today = now.astimezone(tariff.zone).date()
    return Projection(
        tariff, cycle, (today - cycle.first).days, so_far, _cycle_of(projected, cycle)
    )


def history_window(tariff: Tariff, now: datetime) -> tuple[datetime, datetime]:
    """Return the UTC span of the last 14 complete local days before NOW's day."""
    today = now.astimezone(tariff.zone).date()
    return (
        local_midnight(today - timedelta(days=PROFILE_DAYS), tariff.zone),
        local_midnight(today, tariff.zone),
    )
