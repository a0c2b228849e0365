"""A household's usage as the bill takes it: import and export per UTC hour, exact decimals.

`pricing.store.usage` reads it (and the price and carbon series) from the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from .model import BillInputError, Tariff
from .series import Grid, Interval

HOUR = timedelta(hours=1)
ZERO = Decimal(0)


def floor_hour(instant: datetime) -> datetime:
    """Return the start of the UTC hour containing INSTANT."""
    return instant.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def exact(value: float) -> Decimal:
    """Return a stored double as the decimal it was written as (`0.1`, not its binary value)."""
    return Decimal(repr(value))


@dataclass(frozen=True, slots=True)
class Usage:
    """A household's imported energy per hour, and its exported energy where there was some."""

    load: Sequence[Interval] = field(default_factory=list)
    export: Sequence[Interval] = field(default_factory=list)


def hourly(kwh: dict[datetime, Decimal]) -> Sequence[Interval]:
    """Return kWh per hour (in time order) as a `Grid` when no hour is missing."""
    hours = list(kwh)
    if hours and hours[-1] - hours[0] == HOUR * (len(hours) - 1):
        return Grid(hours[0], HOUR, list(kwh.values()))
    return [Interval(hour, hour + HOUR, value) for hour, value in kwh.items()]


def no_price_device(tariff: Tariff, where: str) -> BillInputError:
    """Return the refusal of dynamic TARIFF where no price device records its prices (WHERE)."""
    return BillInputError(
        f"tariff {tariff.name!r} has dynamic prices, but no price device records "
        f"{tariff.currency}/kWh {where}"
    )
