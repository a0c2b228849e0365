"""What a utility file holds once read, whatever its format: meters, intervals, billed periods.

Every interval is the energy of one meter between two instants (aware, UTC), exact. `meter`
refuses a meter whose intervals overlap: a file giving the same energy twice (an hourly and a
daily series of one usage point) would otherwise be counted twice. `hour_pieces` cuts intervals
at UTC hours, the resolution the engine prices at.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from aetherlens_engine.errors import EngineError
from aetherlens_engine.models import Flow

HOUR = timedelta(hours=1)


class MeterDataError(EngineError):
    """A utility file that cannot be imported; the message names the element or line and field."""


@dataclass(frozen=True, slots=True)
class Interval:
    """KWH used (or, on an export meter, delivered) in [start, end); `where` names its origin."""

    start: datetime
    end: datetime
    kwh: Decimal
    where: str


@dataclass(frozen=True, slots=True)
class Meter:
    """One meter of the utility, one direction: its identity there and its intervals in order.

    `connection` is shared by the import and export meter of one service point.
    """

    source_id: str
    name: str
    flow: Flow
    connection: str
    intervals: tuple[Interval, ...]


@dataclass(frozen=True, slots=True)
class BillLine:
    """One further amount of a billed period, as the utility names it."""

    note: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class UsageSummary:
    """What the utility billed for [start, end) of one meter (its `source_id`), where it says.

    `bill` is the period's total, `additional` its costs beyond energy and `lines` those costs
    one by one; `consumption_kwh` the energy the utility billed.
    """

    meter: str
    start: datetime
    end: datetime
    currency: str
    bill: Decimal | None
    bill_to_date: Decimal | None
    additional: Decimal | None
    consumption_kwh: Decimal | None
    lines: tuple[BillLine, ...]
    where: str


@dataclass(frozen=True, slots=True)
class MeterData:
    """A file read: its format (the devices' `source`), meters and usage summaries."""

    source: str
    meters: tuple[Meter, ...]
    summaries: tuple[UsageSummary, ...] = ()


def meter(
    source_id: str, name: str, flow: Flow, connection: str, intervals: Iterable[Interval]
) -> Meter:
    """Return a Meter of INTERVALS in time order; raise MeterDataError where two overlap."""
    ordered = sorted(intervals, key=lambda interval: interval.start)
    for before, after in pairwise(ordered):
        if after.start < before.end:
            raise MeterDataError(
                f"{after.where}: its interval from {after.start.isoformat()} overlaps that of "
                f"{before.where} (until {before.end.isoformat()})"
            )
    return Meter(source_id, name, flow, connection, tuple(ordered))


def interval(start: datetime, end: datetime, kwh: Decimal, where: str) -> Interval:
    """Return the Interval, in UTC; raise MeterDataError unless it is forward and its kWh >= 0."""
    if end <= start:
        raise MeterDataError(f"{where}: the interval must end after it starts")
    if not kwh.is_finite() or kwh < 0:
        raise MeterDataError(f"{where}: the energy must be a number >= 0, not {kwh}")
    return Interval(start.astimezone(UTC), end.astimezone(UTC), kwh, where)


@dataclass(frozen=True, slots=True)
class Piece:
    """The part of an interval within one UTC hour; `split`: the interval spans more than it."""

    hour: datetime
    start: datetime
    end: datetime
    kwh: Decimal
    split: bool


def _micros(span: timedelta) -> Decimal:
    return Decimal(span // timedelta(microseconds=1))


def hour_pieces(intervals: Iterable[Interval]) -> Iterator[Piece]:
    """Cut each interval at UTC hours, its energy shared in proportion to time.

    The utility measured the interval, not its hours: a share is an estimate (`split`).
    """
    for item in intervals:
        span = item.end - item.start
        start = item.start
        while start < item.end:
            hour = start.replace(minute=0, second=0, microsecond=0)
            end = min(hour + HOUR, item.end)
            split = start != item.start or end != item.end
            share = item.kwh if not split else item.kwh * _micros(end - start) / _micros(span)
            yield Piece(hour, start, end, share, split)
            start = end
