"""The price of energy now and at the next change, under a tariff.

The import price is what one more kWh costs at that instant under the cost attribution rule of
`bill.interval_rates`: the energy price at the billing cycle's tier position so far (plus the
dynamic price), the per-kWh surcharges, and the percentage taxes on both; demand, fixed and
minimum charges are not in it. The next change is the first instant after now at which the
import period or its price changes on the tariff's wall clock (DST and holidays included), or,
for a dynamic tariff, the next step of the price series to a different value if that is sooner.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from .bill import interval_rates
from .calendar import ONE_DAY, ChangeMinutes, WallClock
from .model import BillInputError, Tariff, Tiers
from .schedule import Schedule
from .series import Interval, Series

# A flat tariff never changes: look this far ahead before saying so.
HORIZON_DAYS = 400
# The zero-energy probe priced at an instant: short enough to lie inside one period.
_PROBE = timedelta(seconds=1)
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Quote:
    """Import price and period now, the next change, carbon intensity and export price now.

    Prices are None where a dynamic price series has no value.
    """

    current: Decimal | None
    period: str
    next_change: datetime | None
    next_price: Decimal | None
    next_period: str | None
    carbon_intensity: Decimal | None
    export: Decimal | None


def _clock(tariff: Tariff) -> WallClock:
    return WallClock(tariff.zone, tariff.holidays, ChangeMinutes(tariff.energy))


def _period(schedule: Schedule[Tiers], clock: WallClock, instant: datetime) -> tuple[str, Tiers]:
    local = clock.local(instant)
    rule = schedule.at(local.month, local.minute, weekend=local.weekend)
    if rule is None:  # the energy schedule is complete: every minute has a rule
        raise AssertionError(instant)
    return rule.name, rule.value


def _schedule_change(tariff: Tariff, clock: WallClock, now: datetime) -> datetime | None:
    current = _period(tariff.energy, clock, now)
    day = clock.local(now).day
    for _ in range(HORIZON_DAYS):
        for boundary in clock.boundaries(day):
            if boundary > now and _period(tariff.energy, clock, boundary) != current:
                return boundary
        day += ONE_DAY
    return None


def _series_change(prices: Series, now: datetime) -> datetime | None:
    try:
        current = prices.value_at(now)
    except BillInputError:
        return None
    for start, value in zip(prices.starts, prices.values, strict=True):
        if start > now and value != current:
            return start
    return None


def next_change(tariff: Tariff, now: datetime, prices: Series | None = None) -> datetime | None:
    """Return the first instant after NOW at which the import period or price changes."""
    clock = _clock(tariff)
    changes = [_schedule_change(tariff, clock, now)]
    if tariff.dynamic and prices is not None:
        changes.append(_series_change(prices, now))
    found = [change for change in changes if change is not None]
    return min(found) if found else None


def _tiered(tariff: Tariff) -> bool:
    return any(len(rule.value) > 1 for rule in tariff.energy.rules)


def _price(
    tariff: Tariff, cycle_load: Sequence[Interval], at: datetime, prices: Series | None
) -> Decimal | None:
    """Price a zero-energy probe at AT after CYCLE_LOAD (which must end by AT)."""
    probe = Interval(at, at + _PROBE, ZERO)
    # Only tiers make the price depend on the energy used so far.
    load = [*cycle_load, probe] if _tiered(tariff) else [probe]
    try:
        rates = interval_rates(tariff, load, prices=prices)
    except BillInputError:
        return None  # a dynamic price the series does not know
    return rates[-1].price


def _carbon(
    tariff: Tariff, clock: WallClock, now: datetime, carbon: Series | None
) -> Decimal | None:
    if tariff.carbon is None:
        return None
    if tariff.carbon.intensity is not None:
        local = clock.local(now)
        rule = tariff.carbon.intensity.at(local.month, local.minute, weekend=local.weekend)
        return rule.value if rule is not None else None
    try:
        return carbon.value_at(now) if carbon is not None else None
    except BillInputError:
        return None


def _export(
    tariff: Tariff, clock: WallClock, now: datetime, prices: Series | None
) -> Decimal | None:
    if tariff.export is None:
        return None
    local = clock.local(now)
    rule = tariff.export.prices.at(local.month, local.minute, weekend=local.weekend)
    price = rule.value if rule is not None else ZERO
    if not tariff.export.dynamic:
        return price
    try:
        return price + prices.value_at(now) if prices is not None else None
    except BillInputError:
        return None


def quote(
    tariff: Tariff,
    now: datetime,
    cycle_load: Sequence[Interval],
    *,
    prices: Series | None = None,
    carbon: Series | None = None,
) -> Quote:
    """Quote the tariff at NOW; CYCLE_LOAD is the cycle's import so far (ending by NOW)."""
    clock = _clock(tariff)
    # Carbon is quoted on its own: a carbon series gap must not hide the price.
    priced = replace(tariff, carbon=None)
    change = next_change(tariff, now, prices)
    return Quote(
        current=_price(priced, cycle_load, now, prices),
        period=_period(tariff.energy, clock, now)[0],
        next_change=change,
        next_price=_price(priced, cycle_load, change, prices) if change else None,
        next_period=_period(tariff.energy, clock, change)[0] if change else None,
        carbon_intensity=_carbon(tariff, clock, now, carbon),
        export=_export(tariff, clock, now, prices),
    )


def moved_to(found: Quote, tariff: Tariff, now: datetime, *, carbon: Series | None = None) -> Quote:
    """Return FOUND, quoted earlier under a tariff without dynamic prices, as the quote at NOW.

    Valid while NOW lies before FOUND's next change and the cycle load it was quoted with is
    still the cycle's (the same complete hours): the import figures then hold; the carbon
    intensity and the export price follow schedules of their own and are looked up at NOW.
    """
    clock = _clock(tariff)
    return replace(
        found,
        carbon_intensity=_carbon(tariff, clock, now, carbon),
        export=_export(tariff, clock, now, None),
    )
