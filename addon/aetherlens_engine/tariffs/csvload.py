"""Read metered energy and price series from CSV files for the `bill` command.

A load CSV has a `timestamp` column (ISO 8601, with or without offset; naive times are local times
of the given zone) marking the start of each interval, and a `kwh` column, or a `kw` column of
average power. Each interval lasts until the next row (the last as long as the one before),
unless a fixed length is given. Columns named `device:NAME` give a device's energy in the same unit.

Nothing is guessed: a row with more or fewer fields than the header (an unquoted decimal comma),
a local time the zone skips (spring forward), a local time it repeats (fall back) unless the row
gives its offset or an `Ambiguous` rule is chosen, times out of order, overlapping rows and
negative energy are errors naming the file, the 1-based line and the value as written.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from .model import BillInputError
from .series import Interval, Series

DEVICE_PREFIX = "device:"
SECONDS_PER_HOUR = Decimal(3600)


class Ambiguous(StrEnum):
    """Which instant a naive local time means when the zone repeats it (DST fall-back)."""

    ERROR = "error"
    FIRST = "first"
    SECOND = "second"


class LocalTimeError(ValueError):
    """A naive local time that names no single instant in its zone."""


@dataclass(frozen=True, slots=True)
class LoadData:
    """Household intervals and each device's intervals on the same times."""

    load: list[Interval]
    devices: dict[str, list[Interval]]


@dataclass(frozen=True, slots=True)
class _Table:
    """A CSV's header and its data rows, each with its 1-based line in the file."""

    path: Path
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]

    def fail(self, line: int, message: str) -> BillInputError:
        return BillInputError(f"{self.path} line {line}: {message}")


def _table(path: Path) -> _Table:
    """Read PATH; rows must have exactly the header's fields (blank lines are skipped)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:  # Excel writes a BOM
            reader = csv.reader(handle)
            header = next(reader, [])
            table = _Table(path, header, [])
            for fields in reader:
                line = reader.line_num
                if not fields:
                    continue
                if len(fields) != len(header):
                    more = "more" if len(fields) > len(header) else "fewer"
                    hint = " (a decimal comma? write 1.5 or quote it)" if more == "more" else ""
                    raise table.fail(
                        line,
                        f"{len(fields)} fields, {more} than the header's {len(header)}: "
                        f"{','.join(fields)!r}{hint}",
                    )
                table.rows.append((line, dict(zip(header, fields, strict=True))))
            return table
    except OSError as err:
        raise BillInputError(f"cannot read {path}: {err.strerror}") from err
    except (UnicodeDecodeError, csv.Error) as err:
        raise BillInputError(f"{path}: not a UTF-8 CSV file: {err}") from err


def local_instant(text: str, zone: ZoneInfo, ambiguous: Ambiguous) -> datetime:
    """Return the UTC instant of an ISO 8601 time; a naive one is a wall time of ZONE.

    Raises ValueError for a malformed time, and LocalTimeError (saying why) for a wall time the
    zone skips, or one it repeats when AMBIGUOUS is `error`.
    """
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    first = parsed.replace(tzinfo=zone)
    second = parsed.replace(tzinfo=zone, fold=1)
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != parsed:
        raise LocalTimeError(f"does not exist in {zone.key} (the clock skips it)")
    if first.utcoffset() != second.utcoffset():
        if ambiguous is Ambiguous.ERROR:
            raise LocalTimeError(
                f"occurs twice in {zone.key}: give its UTC offset "
                f"({first.isoformat()} or {second.isoformat()}) or choose --ambiguous first|second"
            )
        return (second if ambiguous is Ambiguous.SECOND else first).astimezone(UTC)
    return first.astimezone(UTC)


def _times(table: _Table, zone: ZoneInfo, ambiguous: Ambiguous) -> list[datetime]:
    """Parse the timestamps, which must increase."""
    out: list[datetime] = []
    previous = ""
    for line, row in table.rows:
        text = row["timestamp"]
        try:
            instant = local_instant(text.strip(), zone, ambiguous)
        except LocalTimeError as err:
            raise table.fail(line, f"timestamp {text!r} {err}") from err
        except ValueError as err:
            raise table.fail(line, f"timestamp {text!r} is not an ISO 8601 time") from err
        if out and instant <= out[-1]:
            raise table.fail(
                line,
                f"timestamp {text!r} is not after the previous row's {previous!r} "
                f"({instant.isoformat()} <= {out[-1].isoformat()} UTC)",
            )
        out.append(instant)
        previous = text
    return out


def _number(table: _Table, line: int, column: str, text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation as err:
        raise table.fail(line, f"{column} {text!r} is not a number") from err
    if not value.is_finite():
        raise table.fail(line, f"{column} {text!r} is not a number")
    return value


def _ends(table: _Table, times: list[datetime], length: timedelta | None) -> list[datetime]:
    if length is None:
        if len(times) < 2:  # noqa: PLR2004 - the interval length comes from two rows
            raise BillInputError(f"{table.path}: give at least two rows, or the interval length")
        return [*times[1:], times[-1] + (times[-1] - times[-2])]
    for (line, row), start, before in zip(table.rows[1:], times[1:], times, strict=False):
        if start < before + length:
            raise table.fail(
                line,
                f"timestamp {row['timestamp']!r} starts inside the previous row's "
                f"{length.total_seconds() / 60:g}-minute interval",
            )
    return [t + length for t in times]


def read_load(
    path: Path,
    zone: ZoneInfo,
    length: timedelta | None = None,
    ambiguous: Ambiguous = Ambiguous.ERROR,
) -> LoadData:
    """Read a load (or export) CSV into intervals."""
    table = _table(path)
    columns = table.columns
    if "timestamp" not in columns:
        raise table.fail(1, f"needs a 'timestamp' column (has {', '.join(columns)})")
    unit = "kwh" if "kwh" in columns else "kw" if "kw" in columns else None
    if unit is None:
        raise table.fail(1, f"needs a 'kwh' or 'kw' column (has {', '.join(columns)})")
    times = _times(table, zone, ambiguous)
    ends = _ends(table, times, length)
    names = {c: c.removeprefix(DEVICE_PREFIX) for c in columns if c.startswith(DEVICE_PREFIX)}

    def intervals(column: str) -> list[Interval]:
        out = []
        for (line, row), start, end in zip(table.rows, times, ends, strict=True):
            value = _number(table, line, column, row[column])
            if value < 0:
                raise table.fail(line, f"{column} {row[column]!r} is negative")
            if unit == "kw":
                value = value * Decimal((end - start).total_seconds()) / SECONDS_PER_HOUR
            out.append(Interval(start, end, value))
        return out

    return LoadData(intervals(unit), {name: intervals(c) for c, name in names.items()})


def read_series(
    path: Path, zone: ZoneInfo, column: str, name: str, ambiguous: Ambiguous = Ambiguous.ERROR
) -> Series:
    """Read a stepwise series (`timestamp` and `column`), e.g. prices or carbon intensity."""
    table = _table(path)
    if "timestamp" not in table.columns or column not in table.columns:
        raise table.fail(1, f"needs 'timestamp' and {column!r} columns")
    times = _times(table, zone, ambiguous)
    values = [_number(table, line, column, row[column]) for line, row in table.rows]
    return Series.from_points(name, list(zip(times, values, strict=True)))
