"""Utility CSV exports: timestamp,kwh and date + 24/48/96 columns, clock changes, bad rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from aetherlens_engine.meterdata.csvfile import read_csv
from aetherlens_engine.meterdata.intervals import Interval, MeterDataError
from aetherlens_engine.models import Flow
from aetherlens_engine.tariffs.csvload import Ambiguous

NEW_YORK = ZoneInfo("America/New_York")
QUARTER = timedelta(minutes=15)


def _intervals(text: str, **options: object) -> tuple[Interval, ...]:
    data = read_csv(text, NEW_YORK, meter_id="elm", **options)  # type: ignore[arg-type]
    [meter] = data.meters
    return meter.intervals


def _day_file(columns: int, *rows: tuple[str, int]) -> str:
    """A date file of COLUMNS interval columns; each row (day, values) fills VALUES cells with 1."""
    header = "date," + ",".join(f"I{n}" for n in range(1, columns + 1))
    lines = [
        f"{day}," + ",".join(["0.25"] * count + [""] * (columns - count)) for day, count in rows
    ]
    return "\n".join([header, *lines]) + "\n"


def test_timestamp_and_kwh_with_a_gap() -> None:
    """Rows 15 minutes apart (the step) and a gap: the gap stays a gap; naive times are local."""
    intervals = _intervals(
        "timestamp,kwh\n2024-06-10T00:00:00,0.5\n2024-06-10T00:15:00,0.25\n"
        "2024-06-10T02:00:00-04:00,1\n"
    )
    start = datetime(2024, 6, 10, 4, tzinfo=UTC)
    assert [(i.start, i.end, i.kwh) for i in intervals] == [
        (start, start + QUARTER, Decimal("0.5")),
        (start + QUARTER, start + 2 * QUARTER, Decimal("0.25")),
        (start + timedelta(hours=2), start + timedelta(hours=2) + QUARTER, Decimal(1)),
    ]
    hourly = _intervals("kwh,timestamp\n0.5,2024-06-10T00:00:00Z\n", length=timedelta(hours=1))
    assert [(i.start, i.end) for i in hourly] == [
        (start - timedelta(hours=4), start - timedelta(hours=3))
    ]


def test_an_export_meter() -> None:
    data = read_csv(
        "timestamp,kwh\n2024-06-10T00:00:00Z,1\n",
        NEW_YORK,
        meter_id="elm",
        flow=Flow.EXPORT,
        length=QUARTER,
    )
    [meter] = data.meters
    assert (data.source, meter.source_id, meter.flow, meter.connection) == (
        "csv",
        "elm export",
        Flow.EXPORT,
        "elm",
    )


def test_the_repeated_hour_of_fall_back() -> None:
    """01:30 occurs twice on 3 November 2024 in New York: an error unless the rule picks one."""
    text = "timestamp,kwh\n2024-11-03T01:00:00,1\n2024-11-03T01:30:00,1\n"
    with pytest.raises(MeterDataError, match=r"^line 2, column 1 \(timestamp\): .* occurs twice"):
        _intervals(text)
    second = _intervals(text, ambiguous=Ambiguous.SECOND)
    assert second[0].start == datetime(2024, 11, 3, 6, tzinfo=UTC)
    with pytest.raises(MeterDataError, match=r"^line 2, column 1 \(timestamp\): .* skips it"):
        _intervals("timestamp,kwh\n2024-03-10T02:30:00,1\n", length=QUARTER)


@pytest.mark.parametrize("columns", [24, 48, 96])
def test_an_ordinary_day_in_each_resolution(columns: int) -> None:
    """24 hours, 48 half hours, 96 quarter hours from local midnight (04:00 UTC in June)."""
    intervals = _intervals(_day_file(columns, ("2024-06-10", columns)))
    step = timedelta(days=1) / columns
    midnight = datetime(2024, 6, 10, 4, tzinfo=UTC)
    assert [(i.start, i.end) for i in intervals] == [
        (midnight + n * step, midnight + (n + 1) * step) for n in range(columns)
    ]


def test_the_days_of_the_clock_changes() -> None:
    """10 March 2024 has 23 hours (92 quarter hours), 3 November 25 (100): in a 100-column file
    each fills that many cells; the last interval ends at the next local midnight.
    """
    intervals = _intervals(_day_file(100, ("2024-03-10", 92), ("2024-11-03", 100)))
    spring, fall = intervals[:92], intervals[92:]
    assert (spring[0].start, spring[-1].end) == (
        datetime(2024, 3, 10, 5, tzinfo=UTC),
        datetime(2024, 3, 11, 4, tzinfo=UTC),
    )
    assert (fall[0].start, fall[-1].end) == (
        datetime(2024, 11, 3, 4, tzinfo=UTC),
        datetime(2024, 11, 4, 5, tzinfo=UTC),
    )
    assert len(fall) == 100
    assert sum(i.kwh for i in intervals) == Decimal("0.25") * 192
    # The short day fits a 96-column file too, its last four cells empty.
    assert len(_intervals(_day_file(96, ("2024-03-10", 92)))) == 92


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            _day_file(24, ("2024-11-03", 24)),
            "line 2: 2024-11-03 has 25 intervals of 60 minutes in America/New_York",
        ),
        (
            _day_file(96, ("2024-03-10", 93)),
            "line 2, column 94 (I93): holds '0.25', but 2024-03-10 has 92 intervals",
        ),
        (
            _day_file(25, ("2024-06-10", 23)),
            "line 2, column 25 (I24): is empty, but 2024-06-10 has 24 intervals",
        ),
        (
            _day_file(24, ("2024-06-10", 24)).replace("0.25", "-1", 1),
            "line 2, column 2 (I1): '-1' is not a number of kWh >= 0",
        ),
        (
            _day_file(24, ("2024-06-10", 24)).replace("0.25", "0,5", 1),
            "line 2: 26 fields, the header has 25 (a decimal comma?",
        ),
        (
            _day_file(24, ("2024-06-10", 24), ("2024-06-09", 24)),
            "line 3, column 1 (date): 2024-06-09 is not after the row before",
        ),
        (
            _day_file(24, ("10/06/2024", 24)),
            "line 2, column 1 (date): '10/06/2024' is not a date (YYYY-MM-DD)",
        ),
        (_day_file(30, ("2024-06-10", 30)), "line 1: 30 interval columns after date"),
        ("time,value\n2024-06-10T00:00:00Z,1\n", "line 1: the header 'time,value' is neither"),
        (
            "timestamp,kwh\n2024-06-10T00:00:00Z,1\n2024-06-10T00:00:00Z,1\n",
            "line 3, column 1 (timestamp): '2024-06-10T00:00:00Z' is not after the row before",
        ),
        ("timestamp,kwh\nyesterday,1\n", "line 2, column 1 (timestamp): 'yesterday' is not an"),
        (
            "timestamp,kwh\n2024-06-10T00:00:00Z,\n2024-06-10T01:00:00Z,1\n",
            "line 2, column 2 (kwh): '' is not a number of kWh >= 0",
        ),
        ("timestamp,kwh\n2024-06-10T00:00:00Z,1\n", "a single row: give the interval length"),
        ("timestamp,kwh\n", "the file has a header but no rows"),
    ],
)
def test_bad_rows_name_line_and_column(text: str, message: str) -> None:
    with pytest.raises(MeterDataError) as caught:
        _intervals(text)
    assert str(caught.value).startswith(message)
