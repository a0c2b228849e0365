"""A meter's quantities in the unit a tariff prices: kWh, or m³ of gas and water.

A gas tariff per kWh bills a meter counting m³ as European bills state it: each interval's m³
x the volume correction x the calorific value (MJ/m³) / 3.6, with the conversion period in force
on the local date (the tariff's zone) the interval starts. The result is exact (Decimal); a bill
rounds only what it presents. A tariff per m³ takes m³ as they are, and a meter counting kWh
suits only a tariff per kWh.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from aetherlens_engine.models import UNIT_ENERGY, UNIT_VOLUME

from .model import BillInputError, Tariff
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
    starts = [period.start for period in periods]
    converted = []
    for interval in load:
        day = interval.start.astimezone(tariff.zone).date()
        position = bisect_right(starts, day) - 1
        if position < 0:
            raise BillInputError(
                f"{interval.start.isoformat()}: before the first conversion period "
                f"(from {starts[0].isoformat()})"
            )
        factor = periods[position].kwh_per_m3
        converted.append(Interval(interval.start, interval.end, interval.kwh * factor))
    return converted
