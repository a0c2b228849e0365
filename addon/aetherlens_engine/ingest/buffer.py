"""The bounded in-memory buffer between submitters and the flusher.

Readings count against the capacity from the moment they are queued until the batch holding them
is written (committed or spooled), so memory stays bounded while the database is slow.
"""

from __future__ import annotations

import asyncio
from collections import deque
from contextlib import suppress
from dataclasses import dataclass

from .errors import IngestStoppedError
from .records import Record


class Submission:
    """The completion of one submit call, whose readings may be written in several batches."""

    __slots__ = ("_future", "_open_parts", "_sealed")

    def __init__(self) -> None:
        """Create a submission with no part queued yet."""
        self._future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._open_parts = 0
        self._sealed = False

    def seal(self) -> None:
        """Every part is queued: the submission completes once they are all written."""
        self._sealed = True
        self._settle()

    def part_written(self) -> None:
        """One part is committed or spooled."""
        self._open_parts -= 1
        self._settle()

    def fail(self, error: Exception) -> None:
        """One part could not be made durable: the submitter gets ERROR."""
        if not self._future.done():
            self._future.set_exception(error)

    def abandon(self) -> None:
        """Stop waiting for the parts already queued (they are still written)."""
        self._future.cancel()

    async def written(self) -> None:
        """Wait until every part is committed or spooled."""
        await self._future

    def add_part(self) -> None:
        """One more part of this submission is queued."""
        self._open_parts += 1

    def _settle(self) -> None:
        if self._sealed and self._open_parts == 0 and not self._future.done():
            self._future.set_result(None)


@dataclass(slots=True)
class Batch:
    """Readings written together, in one transaction or one spool record."""

    records: list[Record]
    submissions: list[Submission]

    def written(self) -> None:
        """Tell every submission with a part in this batch that the part is durable."""
        for submission in self.submissions:
            submission.part_written()

    def failed(self, error: Exception) -> None:
        """Tell every submission with a part in this batch that it failed."""
        for submission in self.submissions:
            submission.fail(error)


class ReadingBuffer:
    """A queue of at most `capacity` readings, handed out in batches of at most `batch_size`."""

    def __init__(self, capacity: int, batch_size: int) -> None:
        """Create an empty, open buffer."""
        if not 0 < batch_size <= capacity:
            raise ValueError("batch_size must be positive and at most the buffer size")
        self._capacity = capacity
        self._batch_size = batch_size
        self._queue: deque[tuple[list[Record], Submission]] = deque()
        self._queued = 0  # readings waiting for the flusher
        self._held = 0  # readings waiting or being written
        self._room = asyncio.Condition()
        self._nonempty = asyncio.Event()
        self._full = asyncio.Event()
        self._closed = False

    @property
    def held(self) -> int:
        """Return how many readings are in memory, queued or being written."""
        return self._held

    async def put(self, records: list[Record], submission: Submission) -> None:
        """Queue RECORDS for SUBMISSION, in parts of at most one batch, waiting for room.

        Raises IngestStoppedError once the buffer is closed. If the caller stops waiting (a
        timeout), the parts queued before stay queued.
        """
        size = self._batch_size
        for part in [records] if len(records) <= size else _split(records, size):
            await self._wait_for_room(len(part))
            self._queue.append((part, submission))
            submission.add_part()
            self._queued += len(part)
            self._held += len(part)
            self._nonempty.set()
            if self._queued >= size:
                self._full.set()
        submission.seal()

    async def next_batch(self, max_wait: float) -> Batch | None:
        """Return the next batch: a full one at once, else what came within MAX_WAIT seconds.

        Waits for a first reading without limit; returns None once closed and drained. Several
        flushers may wait at once: each batch goes to one of them.
        """
        while True:
            await self._nonempty.wait()
            if not self._full.is_set():
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._full.wait(), max_wait)
            if self._queue:
                return self._take()
            if self._closed:
                return None

    def _take(self) -> Batch:
        records: list[Record] = []
        submissions: list[Submission] = []
        while self._queue and len(records) + len(self._queue[0][0]) <= self._batch_size:
            part, submission = self._queue.popleft()
            records.extend(part)
            submissions.append(submission)
        self._queued -= len(records)
        if self._queued < self._batch_size and not self._closed:
            self._full.clear()
            if not self._queue:
                self._nonempty.clear()
        return Batch(records, submissions)

    async def release(self, batch: Batch) -> None:
        """BATCH is written: its room is free again."""
        self._held -= len(batch.records)
        async with self._room:
            self._room.notify_all()

    async def close(self) -> None:
        """Refuse new readings; the flusher drains what is queued."""
        self._closed = True
        self._nonempty.set()
        self._full.set()
        async with self._room:
            self._room.notify_all()

    async def _wait_for_room(self, count: int) -> None:
        if self._closed:
            raise IngestStoppedError("the ingest pipeline is stopping: readings are refused")
        if self._held + count <= self._capacity:
            return
        async with self._room:
            await self._room.wait_for(lambda: self._closed or self._held + count <= self._capacity)
        if self._closed:
            raise IngestStoppedError("the ingest pipeline is stopping: readings are refused")


def _split(records: list[Record], size: int) -> list[list[Record]]:
    return [records[start : start + size] for start in range(0, len(records), size)]
