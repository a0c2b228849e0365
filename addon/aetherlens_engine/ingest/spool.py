"""The on-disk spool: batches the database could not take, kept until they are committed.

A spool is a directory of append-only segment files, `<sequence>.seg`. A segment starts with a
magic line, then holds frames: payload length and CRC-32 (little-endian u32 each), then the
payload, one batch stored column by column (count; times as µs since the epoch, device ids,
values, qualities). Every append is fsync'd before it returns. A frame that is incomplete or
fails its checksum ends the segment: after a crash that is the torn last write, ignored; if
bytes follow it, the segment is damaged and is kept aside as `<sequence>.corrupt` once replayed.

The methods block (file I/O, fsync): the pipeline calls them from one worker thread.
"""

from __future__ import annotations

import logging
import os
import re
import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .records import Record

_LOGGER = logging.getLogger(__name__)

MAGIC = b"AETHERLENS-SPOOL 1\n"
_FRAME = struct.Struct("<II")
_COUNT = struct.Struct("<I")
_READING_SIZE = struct.calcsize("<qidh")
_SEGMENT_NAME = re.compile(r"(\d{12})\.seg")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def encode(records: list[Record]) -> bytes:
    """Return the payload holding RECORDS (at least one)."""
    times, device_ids, values, qualities = zip(*records, strict=True)
    count = len(records)
    return b"".join(
        (
            _COUNT.pack(count),
            struct.pack(f"<{count}q", *[(time - _EPOCH) // _MICROSECOND for time in times]),
            struct.pack(f"<{count}i", *device_ids),
            struct.pack(f"<{count}d", *values),
            struct.pack(f"<{count}h", *qualities),
        )
    )


def decode(payload: bytes | memoryview) -> list[Record]:
    """Return the records of a payload made by `encode`."""
    (count,) = _COUNT.unpack_from(payload)
    offset = _COUNT.size
    times = struct.unpack_from(f"<{count}q", payload, offset)
    offset += 8 * count
    device_ids = struct.unpack_from(f"<{count}i", payload, offset)
    offset += 4 * count
    values = struct.unpack_from(f"<{count}d", payload, offset)
    offset += 8 * count
    qualities = struct.unpack_from(f"<{count}h", payload, offset)
    return [
        (_EPOCH + timedelta(microseconds=micros), device_id, value, quality)
        for micros, device_id, value, quality in zip(
            times, device_ids, values, qualities, strict=True
        )
    ]


def _count(payload: bytes | memoryview) -> int | None:
    """Return the payload's reading count, or None if its size does not match it."""
    if len(payload) < _COUNT.size:
        return None
    (count,) = _COUNT.unpack_from(payload)
    return count if count and len(payload) == _COUNT.size + count * _READING_SIZE else None


@dataclass(frozen=True, slots=True)
class Segment:
    """The readable contents of one segment file."""

    path: Path
    payloads: list[memoryview]  # the intact frames, in order
    readings: int
    damaged: bool  # unreadable bytes follow a bad frame


def read_segment(path: Path, *, quiet: bool = False) -> Segment:
    """Read the intact frames of the segment at PATH, stopping at the first bad one.

    What is ignored is logged unless QUIET.
    """
    data = memoryview(path.read_bytes())
    if data[: len(MAGIC)] != MAGIC:
        if len(data) < len(MAGIC):  # cut before its header was complete: nothing acknowledged
            return Segment(path, [], 0, damaged=False)
        if not quiet:
            _LOGGER.error("spool segment %s is not a spool file; it is kept aside", path)
        return Segment(path, [], 0, damaged=True)
    payloads: list[memoryview] = []
    readings = 0
    offset = len(MAGIC)
    while offset < len(data):
        start = offset + _FRAME.size
        length, checksum = _FRAME.unpack_from(data, offset) if start <= len(data) else (0, 0)
        end = start + length
        payload = data[start:end]
        count = _count(payload) if end <= len(data) else None
        if count is None or zlib.crc32(payload) != checksum:
            damaged = end < len(data)
            _LOGGER.log(
                logging.DEBUG if quiet else logging.ERROR if damaged else logging.WARNING,
                "spool segment %s: ignoring %d bytes from offset %d (%s)",
                path,
                len(data) - offset,
                offset,
                "damaged record" if damaged else "last write incomplete, torn by a crash",
            )
            return Segment(path, payloads, readings, damaged)
        payloads.append(payload)
        readings += count
        offset = end
    return Segment(path, payloads, readings, damaged=False)


@dataclass(slots=True)
class _Active:
    path: Path
    fd: int
    size: int
    frames: int = 0


class Spool:
    """The spool directory: one segment being appended to, the others sealed for replay."""

    def __init__(self, directory: Path, *, segment_bytes: int = 8 << 20) -> None:
        """Describe the spool in DIRECTORY; segments are sealed once past SEGMENT_BYTES."""
        self.directory = directory
        self.segment_bytes = segment_bytes
        self._sealed: list[Path] = []
        self._active: _Active | None = None
        self._next_sequence = 0

    def open(self) -> int:
        """Find the segments a previous run left; return how many readings they hold.

        New readings always go to a new segment: the last one may end in a torn write.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        names = sorted(p.name for p in self.directory.iterdir() if _SEGMENT_NAME.fullmatch(p.name))
        self._sealed = [self.directory / name for name in names]
        self._next_sequence = int(names[-1][:12]) + 1 if names else 0
        return sum(read_segment(path, quiet=True).readings for path in self._sealed)

    def append(self, records: list[Record]) -> None:
        """Add RECORDS as one frame and fsync it; raises OSError if that fails."""
        payload = encode(records)
        frame = _FRAME.pack(len(payload), zlib.crc32(payload)) + payload
        active = self._active or self._start_segment()
        try:
            _write_all(active.fd, frame)
            os.fsync(active.fd)
        except OSError:
            # Acknowledged frames before this one stay; the next append starts a new segment.
            try:
                os.ftruncate(active.fd, active.size)
            except OSError:
                _LOGGER.warning("cannot cut the failed write off %s", active.path)
            active.frames += 1  # keep the segment for replay, whatever it holds
            self._seal()
            raise
        active.size += len(frame)
        active.frames += 1
        if active.size >= self.segment_bytes:
            self._seal()

    def take_segments(self) -> list[Path]:
        """Seal the segment being appended to; return every sealed segment, oldest first."""
        if self._active is not None and self._active.frames:
            self._seal()
        return list(self._sealed)

    def retire(self, segment: Segment) -> None:
        """SEGMENT's readings are committed: remove it, or keep it aside if it was damaged."""
        if segment.damaged:
            segment.path.rename(segment.path.with_suffix(".corrupt"))
        else:
            segment.path.unlink()
        self._sealed.remove(segment.path)

    def close(self) -> None:
        """Close the segment being appended to (an empty one is removed)."""
        if self._active is not None:
            self._seal()

    def _start_segment(self) -> _Active:
        path = self.directory / f"{self._next_sequence:012d}.seg"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        try:
            _write_all(fd, MAGIC)
            os.fsync(fd)
            _fsync_directory(self.directory)  # the new file's name must survive a crash too
        except OSError:
            os.close(fd)
            path.unlink(missing_ok=True)
            raise
        self._next_sequence += 1
        self._active = _Active(path, fd, len(MAGIC))
        return self._active

    def _seal(self) -> None:
        active = self._active
        if active is None:
            return
        self._active = None
        os.close(active.fd)
        if active.frames:
            self._sealed.append(active.path)
        else:
            active.path.unlink(missing_ok=True)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
