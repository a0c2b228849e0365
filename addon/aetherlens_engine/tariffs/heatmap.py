"""A tariff's import price per slot of local days, for a heat map.

Slots are cut at every local hour and wherever a price may change on the tariff's wall clock,
so a 23-hour or 25-hour DST day has 23 or 25 hourly slots (more where periods change inside an
hour); slots in the repeated hour of a fall-back day are flagged. The price of a slot is what
the first kWh of a billing cycle costs then (first tier, surcharges and taxes in, as
`bill.interval_rates` prices), plus the recorded dynamic price where the tariff has one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import pairwise

from .bill import interval_rates
from .calendar import ChangeMinutes, WallClock, local_midnight
from .model import BillInputError, Tariff
from .series import Interval, Series
from .versions import StoredTariff

ZERO = Decimal(0)
HOURS_PER_DAY = 24


@dataclass(frozen=True, slots=True)
class Slot:
    """A span [start, end) of one local day with one period and price (None: not known)."""

    start: datetime
    end: datetime
    local: str
    price: Decimal | None
    period: str | None
    repeated: bool


@dataclass(frozen=True, slots=True)
class CalendarDay:
    """A local day of the tariff's zone: its length in hours and its slots."""

    day: date
    hours: int
    slots: tuple[Slot, ...]


def version_for(versions: Sequence[StoredTariff], instant: datetime) -> StoredTariff:
    """Return the version in force at INSTANT; the first before it starts, the latest after."""
    for stored in versions:
        if stored.valid_from <= instant and (stored.valid_to is None or instant < stored.valid_to):
            return stored
    return versions[0] if instant < versions[0].valid_from else versions[-1]


def _cuts(tariff: Tariff, day: date, low: datetime, high: datetime) -> list[datetime]:
    clock = WallClock(tariff.zone, tariff.holidays, ChangeMinutes(tariff.energy))
    points = set(clock.boundaries(day))
    points.update(
        datetime.combine(day, time(hour, fold=fold), tzinfo=tariff.zone).astimezone(UTC)
        for hour in range(HOURS_PER_DAY)
        for fold in (0, 1)
    )
    return [*sorted(p for p in points | {low} if low <= p < high), high]


def _repeated(instant: datetime, tariff: Tariff) -> bool:
    wall = instant.astimezone(tariff.zone)
    return wall.replace(fold=1 - wall.fold).utcoffset() != wall.utcoffset()


def _rates(
    tariff: Tariff, probes: list[Interval], prices: Series | None
) -> list[tuple[Decimal | None, str | None]]:
    """Price zero-kWh probes; where a dynamic price is missing, each probe on its own."""
    plain = replace(tariff, carbon=None)  # carbon does not change a price
    try:
        return [(r.price, r.period) for r in interval_rates(plain, probes, prices=prices)]
    except BillInputError:
        if len(probes) == 1:
            return [(None, None)]
    return [_rates(tariff, [probe], prices)[0] for probe in probes]


def calendar_days(
    versions: Sequence[StoredTariff], first: date, count: int, prices: Series | None = None
) -> list[CalendarDay]:
    """Return COUNT local days from FIRST under the versions in force at each day's start."""
    zone = versions[-1].tariff().zone
    out = []
    for offset in range(count):
        day = first + timedelta(days=offset)
        low, high = local_midnight(day, zone), local_midnight(day + timedelta(days=1), zone)
        tariff = version_for(versions, low).tariff()
        cuts = _cuts(tariff, day, low, high)
        probes = [Interval(a, b, ZERO) for a, b in pairwise(cuts)]
        if tariff.dynamic and prices is None:
            rates: list[tuple[Decimal | None, str | None]] = [(None, None)] * len(probes)
        else:
            rates = _rates(tariff, probes, prices)
        slots = tuple(
            Slot(
                probe.start,
                probe.end,
                probe.start.astimezone(tariff.zone).strftime("%H:%M"),
                price,
                period,
                _repeated(probe.start, tariff),
            )
            for probe, (price, period) in zip(probes, rates, strict=True)
        )
        out.append(CalendarDay(day, round((high - low) / timedelta(hours=1)), slots))
    return out
