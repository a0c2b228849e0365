"""A meter's quantities in the unit a tariff prices: kWh, or m³ of gas and water.

A gas tariff per kWh bills a meter counting m³ as European bills state it: each interval's m³
x the volume correction x the calorific value (MJ/m³) / 3.6, with the conversion period in force
on the local date (the tariff's zone) the interval starts. The result is exact (Decimal); a bill
rounds only what it presents. A tariff per m³ takes m³ as they are, and a meter counting kWh
suits only a tariff per kWh.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from aetherlens_engine.models import UNIT_ENERGY, UNIT_VOLUME

from .model import BillInputError, CalorificPeriod, Tariff
from .series import Interval


def billed_load(tariff: Tariff, load: Sequence[Interval], unit: str) -> list[Interval]:
    """Return LOAD, metered in UNIT (kWh or m³), in TARIFF's unit (the intervals' `kwh`)."""
    if unit == tariff.unit:
        return list(load)
    if unit != UNIT_VOLUME or tariff.unit != UNIT_ENERGY:
        raise BillInputError(f"a meter counting {unit} cannot be billed per {tariff.unit}")
    periods = tariff.conversion
    if not periods:
        raise BillInputError(
            f"{tariff.name}: a meter counting m³ is billed per kWh with the tariff's "
            "conversion (calorific values), which it has none of"
        )
    converted = []
    for interval in load:
        period = _conversion_at(tariff, interval.start)
        if period is None:
            raise BillInputError(
                f"{interval.start.isoformat()}: before the first conversion period "
                f"(from {periods[0].start.isoformat()})"
            )
        converted.append(Interval(interval.start, interval.end, interval.kwh * period.kwh_per_m3))
    return converted


type MeterHours = Mapping[tuple[int, str], Sequence[Interval]]
"""Each household meter's hours of a commodity, by the meter's id and unit."""


def billed_household(tariff: Tariff, meters: MeterHours) -> list[Interval]:
    """Return the meters' sum per interval (in time order), each converted to TARIFF's unit."""
    total: dict[tuple[datetime, datetime], Decimal] = defaultdict(Decimal)
    for (_, unit), intervals in meters.items():
        for interval in billed_load(tariff, intervals, unit):
            total[interval.start, interval.end] += interval.kwh
    return [Interval(start, end, kwh) for (start, end), kwh in sorted(total.items())]


def volume_price(tariff: Tariff, start: datetime, price: Decimal) -> Decimal | None:
    """Return what a metered m³ costs at START where a unit of TARIFF costs PRICE.

    Per m³ that is PRICE; a gas tariff per kWh converts with its period in force (None before
    its first, or without any); electricity has none.
    """
    if tariff.unit == UNIT_VOLUME:
        return price
    if not tariff.conversion:  # electricity: no local date to look up for each of a year's hours
        return None
    period = _conversion_at(tariff, start)
    return None if period is None else price * period.kwh_per_m3


def _conversion_at(tariff: Tariff, start: datetime) -> CalorificPeriod | None:
    """Return the conversion period in force on START's local date, if any."""
    starts = [period.start for period in tariff.conversion]
    position = bisect_right(starts, start.astimezone(tariff.zone).date()) - 1
    return tariff.conversion[position] if position >= 0 else None
