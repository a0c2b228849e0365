"""Load and price CSV files: every row is read as written, or the file is refused by line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from aetherlens_engine.tariffs.csvload import Ambiguous, read_load, read_series
from aetherlens_engine.tariffs.model import BillInputError

BERLIN = ZoneInfo("Europe/Berlin")


def csv_file(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "load.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def refused(path: Path, *, line: int, **options: object) -> str:
    """Read PATH as a load file; return the error, which must name the file and LINE."""
    with pytest.raises(BillInputError) as caught:
        read_load(path, BERLIN, **options)  # type: ignore[arg-type]
    message = str(caught.value)
    assert message.startswith(f"{path} line {line}: ")
    return message


def test_an_unquoted_decimal_comma_is_refused_not_read_as_a_whole_kwh(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "timestamp,kwh", "2024-01-01T00:00,1.5", "2024-01-01T01:00,1,5")
    message = refused(path, line=3)
    assert "3 fields, more than the header's 2: '2024-01-01T01:00,1,5'" in message
    assert "decimal comma" in message
    # Quoted, the comma stays in the value, which is then not a number.
    quoted = csv_file(tmp_path, "timestamp,kwh", "2024-01-01T00:00,1", '2024-01-01T01:00,"1,5"')
    assert refused(quoted, line=3).endswith("kwh '1,5' is not a number")


def test_a_row_with_fewer_fields_is_refused(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "timestamp,kwh,device:car", "2024-01-01T00:00,1,0.5", "", "x,1")
    # Line 3 is blank (skipped); line 4 lacks a field.
    assert "2 fields, fewer than the header's 3: 'x,1'" in refused(path, line=4)


def test_a_local_time_the_clock_skips_is_refused_on_its_own_line(tmp_path: Path) -> None:
    # Berlin springs from 02:00 to 03:00 on 2024-03-31: 02:00 and 02:30 never happen.
    for missing in ("02:00", "02:30"):
        path = csv_file(
            tmp_path,
            "timestamp,kwh",
            "2024-03-31T01:30,1",
            f"2024-03-31T{missing},1",
            "2024-03-31T03:00,1",
        )
        message = refused(path, line=3)
        assert f"timestamp '2024-03-31T{missing}' does not exist in Europe/Berlin" in message


def test_a_repeated_local_time_needs_its_offset_or_a_chosen_rule(tmp_path: Path) -> None:
    # Berlin falls back from 03:00 CEST to 02:00 CET on 2024-10-27: 02:00-03:00 happens twice.
    rows = ("timestamp,kwh", "2024-10-27T01:00,1", "2024-10-27T02:00,2", "2024-10-27T03:00,3")
    path = csv_file(tmp_path, *rows)
    message = refused(path, line=3)
    assert "timestamp '2024-10-27T02:00' occurs twice in Europe/Berlin" in message
    assert "2024-10-27T02:00:00+02:00 or 2024-10-27T02:00:00+01:00" in message
    # First: 02:00 CEST (00:00 UTC), the row lasting the two hours to 03:00 CET (02:00 UTC),
    # and the last row as long as the one before.
    first = read_load(path, BERLIN, ambiguous=Ambiguous.FIRST).load
    assert [(i.start.hour, i.end.hour) for i in first] == [(23, 0), (0, 2), (2, 4)]
    # Second: 02:00 CET (01:00 UTC); the row before lasts from 01:00 CEST (23:00 UTC) to it.
    second = read_load(path, BERLIN, ambiguous=Ambiguous.SECOND).load
    assert [(i.start.hour, i.end.hour) for i in second] == [(23, 1), (1, 2), (2, 3)]
    assert second[1].start == datetime(2024, 10, 27, 1, tzinfo=UTC)
    # Offsets given: both 02:00s, each one hour long, whatever the rule.
    offsets = csv_file(
        tmp_path,
        "timestamp,kwh",
        "2024-10-27T02:00+02:00,1",
        "2024-10-27T02:00+01:00,2",
        "2024-10-27T03:00,3",
    )
    load = read_load(offsets, BERLIN).load
    assert [i.end - i.start for i in load] == [timedelta(hours=1)] * 3
    assert sum(i.kwh for i in load) == Decimal(6)


def test_a_duplicated_time_inside_the_repeated_hour_is_caught(tmp_path: Path) -> None:
    # 02:15 written twice: under either rule the second copy is not after the first.
    path = csv_file(
        tmp_path,
        "timestamp,kwh",
        "2024-10-27T02:00,1",
        "2024-10-27T02:15,1",
        "2024-10-27T02:15,1",
        "2024-10-27T02:30,1",
    )
    for rule in (Ambiguous.FIRST, Ambiguous.SECOND):
        message = refused(path, line=4, ambiguous=rule)
        assert "'2024-10-27T02:15' is not after the previous row's '2024-10-27T02:15'" in message


def test_out_of_order_overlapping_and_negative_rows_name_their_line(tmp_path: Path) -> None:
    back = csv_file(tmp_path, "timestamp,kwh", "2024-01-01T01:00Z,1", "2024-01-01T00:00Z,1")
    assert "not after the previous row's '2024-01-01T01:00Z'" in refused(back, line=3)
    close = csv_file(tmp_path, "timestamp,kwh", "2024-01-01T00:00Z,1", "2024-01-01T00:10Z,1")
    message = refused(close, line=3, length=timedelta(minutes=15))
    assert "'2024-01-01T00:10Z' starts inside the previous row's 15-minute interval" in message
    negative = csv_file(
        tmp_path, "timestamp,kw,device:car", "2024-01-01T00:00Z,1,0", "2024-01-01T01:00Z,2,-0.5"
    )
    assert refused(negative, line=3).endswith("device:car '-0.5' is negative")
    garbled = csv_file(tmp_path, "timestamp,kwh", "2024-01-01 00:00:00,1", "soon,1")
    assert refused(garbled, line=3).endswith("timestamp 'soon' is not an ISO 8601 time")


def test_price_files_follow_the_same_rules(tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    path.write_text("timestamp,price\n2024-03-31T01:00,0.1\n2024-03-31T02:00,0.2\n")
    with pytest.raises(BillInputError, match=rf"^{path} line 3: .* does not exist"):
        read_series(path, BERLIN, "price", "price")
    path.write_text("timestamp,price\n2024-03-31T01:00,0,1\n2024-03-31T03:00,0.2\n")
    with pytest.raises(BillInputError, match=rf"^{path} line 2: 3 fields, more than"):
        read_series(path, BERLIN, "price", "price")
    path.write_text("timestamp,price\n2024-10-27T02:30,0.1\n2024-10-27T04:00,0.2\n")
    series = read_series(path, BERLIN, "price", "price", Ambiguous.SECOND)
    assert series.starts[0] == datetime(2024, 10, 27, 1, 30, tzinfo=UTC)


def test_a_byte_order_mark_is_not_part_of_the_first_column(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbftimestamp,kwh\r\n2024-01-01T00:00Z,1\r\n2024-01-01T01:00Z,2\r\n")
    assert [i.kwh for i in read_load(path, BERLIN).load] == [Decimal(1), Decimal(2)]


def test_a_header_without_the_needed_columns_is_refused_on_line_1(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "time,kwh", "2024-01-01T00:00Z,1")
    assert refused(path, line=1).endswith("needs a 'timestamp' column (has time, kwh)")
    path = csv_file(tmp_path, "timestamp,energy", "2024-01-01T00:00Z,1")
    assert refused(path, line=1).endswith("needs a 'kwh' or 'kw' column (has timestamp, energy)")
    with pytest.raises(BillInputError, match=rf"^{path} line 1: needs 'timestamp' and 'price'"):
        read_series(path, BERLIN, "price", "price")
