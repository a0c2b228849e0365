"""The on-disk spool: framing, fsync'd appends, torn and damaged segments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aetherlens_engine.ingest.records import Record
from aetherlens_engine.ingest.spool import MAGIC, Spool, decode, encode, read_segment

T0 = datetime(2026, 3, 1, 10, 0, 0, 123456, tzinfo=UTC)


def batch(first: int, count: int) -> list[Record]:
    return [
        (T0 + timedelta(seconds=i), 1 + i % 3, i * 1.5 - 7.25, i % 16)
        for i in range(first, first + count)
    ]


def replay(spool: Spool) -> list[Record]:
    """Read every sealed segment, oldest first, and retire it."""
    records: list[Record] = []
    for path in spool.take_segments():
        segment = read_segment(path)
        for payload in segment.payloads:
            records.extend(decode(payload))
        spool.retire(segment)
    return records


def test_records_round_trip_exactly() -> None:
    records = [*batch(0, 50), (datetime(1, 1, 1, tzinfo=UTC), 2**31 - 1, -0.0, 0)]
    assert decode(encode(records)) == records


def test_appended_batches_replay_in_order_and_segments_are_removed(tmp_path: Path) -> None:
    spool = Spool(tmp_path, segment_bytes=1_000)  # two batches per segment
    assert spool.open() == 0
    batches = [batch(i * 20, 20) for i in range(10)]
    for records in batches:
        spool.append(records)
    assert len(list(tmp_path.glob("*.seg"))) > 2
    assert replay(spool) == [r for records in batches for r in records]
    assert list(tmp_path.iterdir()) == []


def test_reopened_spool_counts_and_keeps_what_was_left(tmp_path: Path) -> None:
    first = Spool(tmp_path)
    first.open()
    first.append(batch(0, 30))
    first.append(batch(30, 12))
    first.close()
    second = Spool(tmp_path)
    assert second.open() == 42
    second.append(batch(42, 8))  # into a new segment: the old one may end torn
    assert len(list(tmp_path.glob("*.seg"))) == 2
    assert replay(second) == batch(0, 50)


@pytest.mark.parametrize("cut", [1, 7, 8, 9, 100])
def test_torn_last_record_is_ignored(tmp_path: Path, cut: int) -> None:
    """A crash mid-append leaves a partial frame: the frames before it are all replayed."""
    spool = Spool(tmp_path)
    spool.open()
    spool.append(batch(0, 10))
    spool.append(batch(10, 10))
    spool.close()
    (path,) = tmp_path.glob("*.seg")
    data = path.read_bytes()
    path.write_bytes(data[:-cut])
    reopened = Spool(tmp_path)
    assert reopened.open() == 10
    assert replay(reopened) == batch(0, 10)
    assert list(tmp_path.iterdir()) == []


def test_checksum_failure_at_the_end_is_a_torn_write(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.open()
    spool.append(batch(0, 10))
    spool.append(batch(10, 10))
    spool.close()
    (path,) = tmp_path.glob("*.seg")
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF
    path.write_bytes(data)
    segment = read_segment(path)
    assert [decode(p) for p in segment.payloads] == [batch(0, 10)]
    assert not segment.damaged


def test_damaged_segment_is_replayed_up_to_the_damage_and_kept_aside(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.open()
    for i in range(3):
        spool.append(batch(i * 10, 10))
    spool.close()
    (path,) = tmp_path.glob("*.seg")
    data = bytearray(path.read_bytes())
    frame = (len(data) - len(MAGIC)) // 3
    data[len(MAGIC) + frame + 20] ^= 0xFF  # inside the second frame's payload
    path.write_bytes(data)
    reopened = Spool(tmp_path)
    assert reopened.open() == 10
    assert replay(reopened) == batch(0, 10)
    assert [p.suffix for p in tmp_path.iterdir()] == [".corrupt"]


def test_empty_or_foreign_segments(tmp_path: Path) -> None:
    """A segment cut before its header was written is empty; a foreign file is kept aside."""
    (tmp_path / "000000000000.seg").write_bytes(MAGIC[:5])
    (tmp_path / "000000000001.seg").write_bytes(b"this is not a spool segment at all")
    (tmp_path / "notes.txt").write_text("not ours")
    spool = Spool(tmp_path)
    assert spool.open() == 0
    assert replay(spool) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["000000000001.corrupt", "notes.txt"]
    spool.append(batch(0, 1))
    assert (tmp_path / "000000000002.seg").exists()
    spool.close()


def test_failed_append_raises_and_keeps_acknowledged_frames(tmp_path: Path) -> None:
    """An append that cannot be written raises; what was appended before stays replayable."""
    directory = tmp_path / "spool"
    spool = Spool(directory, segment_bytes=1)  # every append seals its segment
    spool.open()
    spool.append(batch(0, 5))
    directory.rename(tmp_path / "moved")
    directory.write_text("a file where the spool directory was")
    with pytest.raises(NotADirectoryError):
        spool.append(batch(5, 5))
    directory.unlink()
    (tmp_path / "moved").rename(directory)
    assert replay(spool) == batch(0, 5)
