"""Utility CSV exports in their two common shapes, read into MeterData.

- **Timestamp and kWh**: columns `timestamp` (the interval's start, ISO 8601; a naive time is a
  wall time of the given zone) and `kwh`. Every row is one interval of the file's step: the
  given length, else the shortest span between two rows' timestamps (a gap in the export stays a
  gap).
- **Date and interval columns**: a first column `date` (a local day of the zone) and one column
  per interval of the day from local midnight: 24 (hours), 48 (half hours) or 96 (quarter
  hours). A day of a clock change has 23 or 25 hours, 92 or 100 quarter hours: its row fills as
  many cells as the day has intervals, in time order, and leaves the rest empty; a file with 25,
  50 or 100 columns has room for the long day (the other days leave the extra cells empty).
  A 24-column file cannot hold a 25-hour day: that is an error, not a guess.

Other columns are refused; so are empty or negative values where an interval is due, values
where none is, and dates or timestamps out of order. Errors name the line (1-based, the header
is line 1) and the column.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from zoneinfo import ZoneInfo

from aetherlens_engine.models import Flow
from aetherlens_engine.tariffs.calendar import local_midnight
from aetherlens_engine.tariffs.csvload import Ambiguous, LocalTimeError, local_instant

from .intervals import Interval, MeterData, MeterDataError, interval, meter

SOURCE = "csv"
DAY = timedelta(days=1)
# Interval columns a day row may have, by the length of its intervals.
DAY_COLUMNS = {24: 60, 25: 60, 48: 30, 50: 30, 96: 15, 100: 15}

type Row = tuple[int, list[str]]


def read_csv(
    text: str,
    zone: ZoneInfo,
    *,
    meter_id: str,
    flow: Flow = Flow.IMPORT,
    length: timedelta | None = None,
    ambiguous: Ambiguous = Ambiguous.ERROR,
) -> MeterData:
    """Return the one meter (METER_ID, FLOW) of the CSV TEXT, in either shape."""
    header, rows = _rows(text)
    if not rows:
        raise MeterDataError("the file has a header but no rows")
    names = [name.strip().lower() for name in header]
    if names[:1] == ["date"]:
        if length is not None:
            raise MeterDataError("line 1: a date file's columns give its interval length")
        intervals = _day_rows(header, rows, zone)
    elif sorted(names) == ["kwh", "timestamp"]:
        intervals = _timestamp_rows(names, rows, zone, length, ambiguous)
    else:
        raise MeterDataError(
            f"line 1: the header {','.join(header)!r} is neither timestamp,kwh nor date and "
            "24, 48 or 96 interval columns"
        )
    source_id = meter_id if flow is Flow.IMPORT else f"{meter_id} export"
    return MeterData(SOURCE, (meter(source_id, source_id, flow, meter_id, intervals),))


def _rows(text: str) -> tuple[list[str], list[Row]]:
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = next(reader, [])
        if not header:
            raise MeterDataError("line 1: the file has no header")
        rows: list[Row] = []
        for fields in reader:
            if not any(field.strip() for field in fields):
                continue
            if len(fields) != len(header):
                raise MeterDataError(
                    f"line {reader.line_num}: {len(fields)} fields, the header has "
                    f"{len(header)} (a decimal comma? write 1.5 or quote it)"
                )
            rows.append((reader.line_num, fields))
    except csv.Error as err:
        raise MeterDataError(f"line {reader.line_num}: not CSV ({err})") from err
    return header, rows


def _kwh(line: int, column: int, name: str, text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value < 0:
        raise MeterDataError(
            f"line {line}, column {column} ({name}): {text!r} is not a number of kWh >= 0"
        )
    return value


def _timestamp_rows(
    names: list[str],
    rows: list[Row],
    zone: ZoneInfo,
    length: timedelta | None,
    ambiguous: Ambiguous,
) -> list[Interval]:
    at, kwh_at = names.index("timestamp"), names.index("kwh")
    starts: list[datetime] = []
    for line, fields in rows:
        text = fields[at].strip()
        try:
            start = local_instant(text, zone, ambiguous)
        except LocalTimeError as err:
            raise MeterDataError(
                f"line {line}, column {at + 1} (timestamp): {text!r} {err}"
            ) from err
        except ValueError as err:
            raise MeterDataError(
                f"line {line}, column {at + 1} (timestamp): {text!r} is not an ISO 8601 time"
            ) from err
        if starts and start <= starts[-1]:
            raise MeterDataError(
                f"line {line}, column {at + 1} (timestamp): {text!r} is not after the row before"
            )
        starts.append(start)
    if length is None:
        if len(starts) < 2:  # noqa: PLR2004 - the step is the span between two rows
            raise MeterDataError("a single row: give the interval length")
        length = min(after - before for before, after in pairwise(starts))
    return [
        interval(
            start, start + length, _kwh(line, kwh_at + 1, "kwh", fields[kwh_at]), f"line {line}"
        )
        for start, (line, fields) in zip(starts, rows, strict=True)
    ]


def _day_rows(header: list[str], rows: list[Row], zone: ZoneInfo) -> list[Interval]:
    columns = len(header) - 1
    if columns not in DAY_COLUMNS:
        raise MeterDataError(
            f"line 1: {columns} interval columns after date; a day has 24, 48 or 96 (25, 50 or "
            "100 with room for the day the clocks go back)"
        )
    step = timedelta(minutes=DAY_COLUMNS[columns])
    intervals: list[Interval] = []
    previous: date | None = None
    for line, fields in rows:
        try:
            day = date.fromisoformat(fields[0].strip())
        except ValueError:
            raise MeterDataError(
                f"line {line}, column 1 (date): {fields[0]!r} is not a date (YYYY-MM-DD)"
            ) from None
        if previous is not None and day <= previous:
            raise MeterDataError(f"line {line}, column 1 (date): {day} is not after the row before")
        previous = day
        start = local_midnight(day, zone)
        count = (local_midnight(day + DAY, zone) - start) // step
        if count > columns:
            raise MeterDataError(
                f"line {line}: {day} has {count} intervals of {DAY_COLUMNS[columns]} minutes in "
                f"{zone.key} (a clock change); the file has {columns} columns"
            )
        for column, text in enumerate(fields[1:], 2):
            due = column - 2 < count
            if due != bool(text.strip()):
                what = "is empty" if due else f"holds {text!r}"
                raise MeterDataError(
                    f"line {line}, column {column} ({header[column - 1]}): {what}, but {day} "
                    f"has {count} intervals in {zone.key}"
                )
            if due:
                begin = start + (column - 2) * step
                kwh = _kwh(line, column, header[column - 1], text)
                intervals.append(
                    interval(begin, begin + step, kwh, f"line {line}, column {column}")
                )
    return intervals
