"""Read metered energy and price series from CSV files for the `bill` command.

A load CSV has a `timestamp` column (ISO 8601, with or without offset; naive times are local times
of the given zone) marking the start of each interval, and a `kwh` column, or a `kw` column of
average power. Each interval lasts until the next row (the last as long as the one before),
unless a fixed length is given. Columns named `device:NAME` give a device's energy in the same unit.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

from .model import BillInputError
from .series import Interval, Series

DEVICE_PREFIX = "device:"
SECONDS_PER_HOUR = Decimal(3600)


@dataclass(frozen=True, slots=True)
class LoadData:
    """Household intervals and each device's intervals on the same times."""

    load: list[Interval]
    devices: dict[str, list[Interval]]


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            return list(reader.fieldnames or []), rows
    except OSError as err:
        raise BillInputError(f"cannot read {path}: {err.strerror}") from err


def _times(path: Path, rows: list[dict[str, str]], zone: ZoneInfo) -> list[datetime]:
    """Parse timestamps; a naive local time that repeats (DST fall-back) is its second instance."""
    out: list[datetime] = []
    for line, row in enumerate(rows, start=2):
        text = (row.get("timestamp") or "").strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError as err:
            raise BillInputError(f"{path} line {line}: bad timestamp {text!r}") from err
        if parsed.tzinfo is None:
            instant = parsed.replace(tzinfo=zone).astimezone(UTC)
            if out and instant <= out[-1]:
                instant = parsed.replace(tzinfo=zone, fold=1).astimezone(UTC)
        else:
            instant = parsed.astimezone(UTC)
        if out and instant <= out[-1]:
            raise BillInputError(f"{path} line {line}: timestamps must increase ({text})")
        out.append(instant)
    return out


def _number(path: Path, line: int, column: str, text: str | None) -> Decimal:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation as err:
        raise BillInputError(f"{path} line {line}: {column} {text!r} is not a number") from err
    if not value.is_finite():
        raise BillInputError(f"{path} line {line}: {column} {text!r} is not a number")
    return value


def _ends(times: list[datetime], length: timedelta | None, path: Path) -> list[datetime]:
    if length is not None:
        return [t + length for t in times]
    if len(times) < 2:  # noqa: PLR2004 - the interval length comes from two rows
        raise BillInputError(f"{path}: give at least two rows, or the interval length")
    return [*times[1:], times[-1] + (times[-1] - times[-2])]


def read_load(path: Path, zone: ZoneInfo, length: timedelta | None = None) -> LoadData:
    """Read a load (or export) CSV into intervals."""
    columns, rows = _rows(path)
    if "timestamp" not in columns:
        raise BillInputError(f"{path}: needs a 'timestamp' column (has {', '.join(columns)})")
    unit = "kwh" if "kwh" in columns else "kw" if "kw" in columns else None
    if unit is None:
        raise BillInputError(f"{path}: needs a 'kwh' or 'kw' column (has {', '.join(columns)})")
    times = _times(path, rows, zone)
    ends = _ends(times, length, path)
    names = {c: c.removeprefix(DEVICE_PREFIX) for c in columns if c.startswith(DEVICE_PREFIX)}

    def intervals(column: str) -> list[Interval]:
        out = []
        for line, (row, start, end) in enumerate(zip(rows, times, ends, strict=True), start=2):
            value = _number(path, line, column, row.get(column))
            if unit == "kw":
                value = value * Decimal((end - start).total_seconds()) / SECONDS_PER_HOUR
            out.append(Interval(start, end, value))
        return out

    return LoadData(intervals(unit), {name: intervals(c) for c, name in names.items()})


def read_series(path: Path, zone: ZoneInfo, column: str, name: str) -> Series:
    """Read a stepwise series (`timestamp` and `column`), e.g. prices or carbon intensity."""
    columns, rows = _rows(path)
    if "timestamp" not in columns or column not in columns:
        raise BillInputError(f"{path}: needs 'timestamp' and {column!r} columns")
    times = _times(path, rows, zone)
    values = [_number(path, line, column, row.get(column)) for line, row in enumerate(rows, 2)]
    return Series.from_points(name, list(zip(times, values, strict=True)))
