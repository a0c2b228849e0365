"""The one entry point for readings from every source: collect → validate → buffer → store.

Submitted readings are validated and queued in a bounded buffer; a flusher writes them in
batches to PostgreSQL, or, when the database cannot take them, to the on-disk spool. A submission
returns only once its readings are committed or spooled, so nothing acknowledged is lost. A
replayer writes the spool back, oldest first, retrying with backoff while the database is away.

Only an outage sends readings to the spool. A batch the database refuses for its data (a time
out of the hypertable's range, say) is halved until the refused readings stand alone: they go to
the dead-letter file with the reason, the rest is committed, so one bad reading never blocks the
readings after it, live or in the spool. The readings in that file are counted (at start, then
every DEAD_LETTER_CHECK_INTERVAL seconds if it changed) until the user deals with them.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from datetime import datetime, timedelta
from pathlib import Path

import asyncpg

from aetherlens_engine.clock import Clock, system_clock
from aetherlens_engine.logs import ThrottledLog
from aetherlens_engine.models import IngestResult, RawReading, Rejection

from .buffer import ReadingBuffer, Submission
from .deadletter import DeadLetters
from .devices import load_devices, load_registry, save_registry
from .errors import IngestBackpressureError, IngestStoppedError, IngestUnavailableError
from .records import Record
from .spool import Segment, Spool, decode, read_segment
from .stats import IngestStats, RejectionLog
from .store import WRITE_ERRORS, ReadingStore, WriteOutcome
from .validate import RejectReason, Validator

_LOGGER = logging.getLogger(__name__)


class IngestPipeline:
    """Validates, buffers and stores readings without losing any it acknowledged."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        spool_dir: Path,
        *,
        buffer_size: int = 10_000,
        batch_size: int = 1_000,
        flush_interval: float = 1.0,
        writers: int = 2,
        max_future_skew: timedelta = timedelta(minutes=5),
        max_age: timedelta | None = None,
        max_backfill_age: timedelta | None = None,
        backpressure_timeout: float = 10.0,
        write_timeout: float = 10.0,
        retry_delay: float = 0.5,
        max_retry_delay: float = 30.0,
        device_refresh_interval: float = 10.0,
        segment_bytes: int = 8 << 20,
        clock: Clock = system_clock,
        dead_letter_path: Path | None = None,
        dead_letter_check_interval: float = 10.0,
        registry_path: Path | None = None,
    ) -> None:
        """Describe the pipeline; nothing runs until `start`.

        Batches hold up to BATCH_SIZE readings and are written once full or FLUSH_INTERVAL
        seconds after their first reading came; WRITERS of them at once, each on a connection of
        POOL (which needs room for them besides its other users). A submission waits at most
        BACKPRESSURE_TIMEOUT seconds for room in the buffer of BUFFER_SIZE readings. A write
        taking over WRITE_TIMEOUT seconds counts as failed. The spool is retried after
        RETRY_DELAY seconds, doubling up to MAX_RETRY_DELAY. An unknown device id makes the
        registry be read again, at most once per DEVICE_REFRESH_INTERVAL seconds. CLOCK says
        how far in the future a reading may lie and when the last flush was. Readings the
        database refuses go to DEAD_LETTER_PATH (default: `dead-letter.jsonl` in SPOOL_DIR),
        whose readings are counted again every DEAD_LETTER_CHECK_INTERVAL seconds if it changed.
        The device registry is kept at REGISTRY_PATH, if given, for an offline start.
        """
        if writers < 1:
            raise ValueError("an ingest pipeline needs at least one writer")
        self._pool = pool
        self._clock = clock
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._writers = writers
        self._backpressure_timeout = backpressure_timeout
        self._retry_delay = retry_delay
        self._max_retry_delay = max_retry_delay
        self._device_refresh_interval = device_refresh_interval
        self._validator = Validator(max_future_skew, max_age, max_backfill_age)
        self._buffer = ReadingBuffer(buffer_size, batch_size)
        self._store = ReadingStore(pool, timeout=write_timeout)
        self._spool = Spool(spool_dir, segment_bytes=segment_bytes)
        self._dead_letters = DeadLetters(dead_letter_path or spool_dir / "dead-letter.jsonl")
        self._dead_letter_check_interval = dead_letter_check_interval
        self._dead_letter_log = ThrottledLog(_LOGGER)
        self._replay_log = ThrottledLog(_LOGGER)
        self._spool_log = ThrottledLog(_LOGGER)
        self._rejections = RejectionLog()
        # Spool files are touched by this one thread only, so appends and replay never race.
        self._spool_thread = ThreadPoolExecutor(1, thread_name_prefix="aetherlens-spool")
        self._replayed_frames: dict[Path, int] = {}  # of segments partly replayed
        # go_online replays while the replayer may wake up for the same segments: one at a time.
        self._replay_lock = asyncio.Lock()
        self._refresh_lock = asyncio.Lock()
        self._devices_read_at = -device_refresh_interval
        # Whether the last read of the devices table succeeded (not: the last run's registry).
        self._devices_current = False
        self._registry_path = registry_path
        self._spool_ready = asyncio.Event()
        self._online = asyncio.Event()  # the database may be written (see go_online)
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._running = False
        # Counters of IngestStats.
        self._accepted = 0
        self._committed = 0
        self._spooled = 0
        self._spool_pending = 0
        self._last_flush: datetime | None = None
        self._database_available = False
        self._spool_error: str | None = None
        self._replay_error: str | None = None

    def set_ages(self, max_age: timedelta | None, max_backfill_age: timedelta | None) -> None:
        """Accept readings up to MAX_AGE old (backfilled: MAX_BACKFILL_AGE) from now on."""
        self._validator.set_ages(max_age, max_backfill_age)

    @property
    def stats(self) -> IngestStats:
        """Return a snapshot of the counters."""
        return IngestStats(
            accepted=self._accepted,
            rejected=dict(self._rejections.totals),
            committed=self._committed,
            spooled=self._spooled,
            spool_pending=self._spool_pending,
            buffered=self._buffer.held,
            last_flush=self._last_flush,
            database_available=self._database_available,
            dead_lettered=self._dead_letters.held,
            dead_letter_file=str(self._dead_letters.path),
            spool_error=self._spool_error,
            replay_error=self._replay_error,
        )

    async def start(self, *, offline: bool = False) -> None:
        """Read the device registry, replay what a previous run spooled, start the flusher.

        OFFLINE: the database is not ready yet (down, or not migrated); the devices are those
        the last run knew, every batch is spooled until `go_online`. A pipeline starts once.
        Raises IngestUnavailableError when the devices table cannot be read (not OFFLINE),
        OSError when the spool directory cannot be used.
        """
        if self._tasks or self._stopping.is_set():
            raise IngestStoppedError("an ingest pipeline starts once: create a new one")
        try:
            self._spool_pending = await self._in_spool_thread(self._spool.open)
            await self._in_spool_thread(self._dead_letters.recount)
        except OSError:
            self._spool_thread.shutdown()
            raise
        try:
            if not offline:
                await self.refresh_devices()
            elif self._registry_path is not None:
                self._validator.set_devices(
                    await self._in_spool_thread(load_registry, self._registry_path)
                )
        except WRITE_ERRORS as err:
            self._spool_thread.shutdown()
            raise IngestUnavailableError(
                f"cannot read the devices table ({err}): is the database up and migrated?"
            ) from err
        if not offline:
            await self._go_online()
        self._running = True
        self._tasks = [
            *(
                asyncio.create_task(self._flush_loop(), name=f"aetherlens-ingest-flusher-{n}")
                for n in range(self._writers)
            ),
            asyncio.create_task(self._replay_loop(), name="aetherlens-ingest-replayer"),
            asyncio.create_task(self._dead_letter_loop(), name="aetherlens-ingest-dead-letters"),
        ]

    async def submit(self, readings: Sequence[RawReading]) -> IngestResult:
        """Validate READINGS and return once the accepted ones are committed or spooled.

        Rejections are returned (and counted), never raised. Raises IngestBackpressureError when
        the buffer stays full, IngestUnavailableError when neither the database nor the spool
        can take the readings or a device not known cannot be looked up, IngestStoppedError
        when the pipeline is not running.
        """
        if not self._running:
            raise IngestStoppedError("the ingest pipeline is not running")
        validated = self._validator.validate(readings, self._clock())
        records, rejections = validated.records, validated.rejections
        duplicates = validated.duplicates
        if rejections:
            rejections = await self._retry_unknown_devices(
                readings, records, rejections, duplicates
            )
            self._rejections.record(readings, rejections)
        if records:
            submission = Submission()
            try:
                async with asyncio.timeout(self._backpressure_timeout):
                    await self._buffer.put(records, submission)
            except TimeoutError:
                submission.abandon()
                raise IngestBackpressureError(
                    f"the ingest buffer stayed full for {self._backpressure_timeout:g} s: the "
                    "database cannot keep up; retry later"
                ) from None
            except IngestStoppedError:
                submission.abandon()
                raise
            await submission.written()
            self._accepted += len(records)
        return IngestResult(len(records), tuple(rejections), tuple(sorted(duplicates)))

    async def go_online(self) -> None:
        """Start writing to the database, now ready: read the devices, replay the spool.

        Raises IngestUnavailableError when the devices table cannot be read.
        """
        try:
            await self.refresh_devices()
        except WRITE_ERRORS as err:
            raise IngestUnavailableError(f"cannot read the devices table ({err})") from err
        await self._go_online()

    async def _go_online(self) -> None:
        self._database_available = True
        self._online.set()
        if self._spool_pending:
            _LOGGER.info("replaying %d spooled readings", self._spool_pending)
            try:
                await self._replay_spool()
            except WRITE_ERRORS as err:
                self._replay_failed(err, self._retry_delay)
                self._spool_ready.set()

    async def stop(self) -> None:
        """Refuse new readings, write everything buffered (database or spool), stop the tasks."""
        if not self._running:
            return
        self._running = False
        await self._buffer.close()
        self._stopping.set()
        self._spool_ready.set()
        self._online.set()
        await asyncio.gather(*self._tasks)
        await self._in_spool_thread(self._spool.close)
        self._spool_thread.shutdown()

    async def refresh_devices(self) -> None:
        """Read the devices table again (a device added, removed, or whose unit changed)."""
        async with self._refresh_lock:
            self._devices_read_at = time.monotonic()
            self._devices_current = False
            devices = await load_devices(self._pool)
            self._validator.set_devices(devices)
            self._devices_current = True
        if self._registry_path is None:
            return
        try:
            await self._in_spool_thread(save_registry, self._registry_path, devices)
        except OSError as err:
            _LOGGER.warning("cannot keep the device registry in %s: %s", self._registry_path, err)

    async def _retry_unknown_devices(
        self,
        readings: Sequence[RawReading],
        records: list[Record],
        rejections: list[Rejection],
        duplicates: list[int],
    ) -> list[Rejection]:
        """Validate again, after reading the registry, readings of devices not known yet.

        Adds the records of those now accepted to RECORDS, the duplicates among them to
        DUPLICATES; returns the rejections left. Raises IngestUnavailableError when the devices
        table could not be read lately (the database starting or away): a device unknown then
        may exist, and a refusal would be for good (retry later instead).
        """
        unknown = [r for r in rejections if r.reason == RejectReason.UNKNOWN_DEVICE]
        if not unknown:
            return rejections
        refreshed = await self._refresh_if_due()
        if not self._devices_current:
            raise IngestUnavailableError(
                f"device {readings[unknown[0].index].device_id} is not among those known, and the "
                "devices table cannot be read now (the database is starting or away): retry later"
            )
        if not refreshed:
            return rejections
        again = self._validator.validate([readings[r.index] for r in unknown], self._clock())
        records.extend(again.records)
        duplicates.extend(unknown[index].index for index in again.duplicates)
        kept = [r for r in rejections if r.reason != RejectReason.UNKNOWN_DEVICE]
        kept.extend(Rejection(unknown[r.index].index, r.reason) for r in again.rejections)
        return sorted(kept, key=lambda r: r.index)

    async def _refresh_if_due(self) -> bool:
        """Read the registry unless that was done recently; return whether it was read now."""
        if time.monotonic() - self._devices_read_at < self._device_refresh_interval:
            return False
        try:
            await self.refresh_devices()
        except WRITE_ERRORS as err:
            _LOGGER.debug("cannot read the devices table: %s", err)
            return False
        return True

    async def _flush_loop(self) -> None:
        """Write batches as they fill (or age) until the buffer is closed and drained."""
        while (batch := await self._buffer.next_batch(self._flush_interval)) is not None:
            try:
                await self._write(batch.records)
            except IngestUnavailableError as err:
                batch.failed(err)
            except Exception as err:
                # Never leave submitters waiting on a dead flusher.
                _LOGGER.exception("writing a batch of readings failed")
                batch.failed(IngestUnavailableError(f"writing the readings failed: {err!r}"))
            else:
                batch.written()
                self._last_flush = self._clock()
            finally:
                await self._buffer.release(batch)

    async def _write(self, records: list[Record]) -> None:
        """Commit RECORDS, or spool them when the database cannot take them.

        Readings the database refuses for their data go to the dead-letter file.
        """
        if self._database_available:
            outcome = await self._store.write_apart(records)
            self._committed += outcome.committed
            try:
                await self._quarantine(outcome)
            except OSError as err:
                raise IngestUnavailableError(
                    f"the database refused {len(outcome.refused)} readings and the dead-letter "
                    f"file {self._dead_letters.path} cannot be written ({err})"
                ) from err
            if outcome.error is None:
                self._spool_recovered()  # not needed now: what it could not take is refused
                return
            self._database_available = False
            _LOGGER.warning(
                "the database cannot take readings (%s); spooling them to %s until it can",
                outcome.error or type(outcome.error).__name__,
                self._spool.directory,
            )
            records = outcome.unwritten
        try:
            await self._in_spool_thread(self._spool.append, records)
        except OSError as err:
            self._spool_error = f"{type(err).__name__}: {err}"
            self._spool_log.warning("cannot spool readings to %s: %s", self._spool.directory, err)
            raise IngestUnavailableError(
                f"the database is unavailable and the spool in {self._spool.directory} cannot "
                f"be written ({err}): free disk space or fix its permissions"
            ) from err
        self._spool_recovered()
        self._spooled += len(records)
        self._spool_pending += len(records)
        self._spool_ready.set()

    def _spool_recovered(self) -> None:
        """Forget the spool's failure: a batch was written to the database, it is not needed."""
        if self._spool_error is not None:
            self._spool_error = None
            self._spool_log.reset()
            _LOGGER.info("readings are written again (spool: %s)", self._spool.directory)

    async def _quarantine(self, outcome: WriteOutcome) -> None:
        """Put the readings the database refused in the dead-letter file (OSError if it fails)."""
        if not outcome.refused:
            return
        await self._in_spool_thread(self._dead_letters.append, outcome.refused, self._clock())
        # Rare by nature (validation lets no such reading through): every case is worth a line.
        _LOGGER.warning(
            "the database refused %d readings (e.g. device %d at %s: %s); they are kept in %s",
            len(outcome.refused),
            outcome.refused[0][0][1],
            outcome.refused[0][0][0].isoformat(),
            outcome.refused[0][1],
            self._dead_letters.path,
        )

    async def _dead_letter_loop(self) -> None:
        """Count the dead-letter file again whenever it may have changed, until stopped."""
        while True:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._dead_letter_check_interval)
            if self._stopping.is_set():
                return
            try:
                await self._in_spool_thread(self._dead_letters.recount)
            except OSError as err:
                self._dead_letter_log.warning(
                    "cannot count the dead-letter file %s: %s", self._dead_letters.path, err
                )
            else:
                self._dead_letter_log.reset()

    def _replay_failed(self, err: BaseException, delay: float) -> None:
        self._replay_error = f"{type(err).__name__}: {err}"
        self._replay_log.warning(
            "replaying the %d spooled readings failed (%s); next try in %g s",
            self._spool_pending,
            self._replay_error,
            delay,
        )

    async def _replay_loop(self) -> None:
        """Replay the spool whenever it has readings, retrying with backoff, until stopped."""
        delay = self._retry_delay
        while True:
            await self._online.wait()
            await self._spool_ready.wait()
            if self._stopping.is_set():
                return
            self._spool_ready.clear()
            try:
                await self._replay_spool()
            except WRITE_ERRORS as err:  # the database's, or the spool's (OSError)
                self._replay_failed(err, delay)
                self._spool_ready.set()
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), delay)
                delay = min(delay * 2, self._max_retry_delay)
            else:
                delay = self._retry_delay

    async def _replay_spool(self) -> None:
        """Commit the sealed segments oldest first, removing each once all of it is committed."""
        async with self._replay_lock:
            for path in await self._in_spool_thread(self._spool.take_segments):
                segment = await self._in_spool_thread(read_segment, path)
                if not await self._replay_segment(segment):
                    return
                await self._in_spool_thread(self._spool.retire, segment)

    async def _replay_segment(self, segment: Segment) -> bool:
        """Commit SEGMENT's frames; return False if stopped before the end.

        A frame committed twice (after a crash before its segment was removed) is harmless:
        duplicates are stored once.
        """
        done = self._replayed_frames.get(segment.path, 0)
        for payload in segment.payloads[done:]:
            if self._stopping.is_set():
                return False
            records = decode(payload)
            outcome = await self._store.write_apart(records)
            if outcome.error is not None:
                self._database_available = False
                raise outcome.error
            await self._quarantine(outcome)
            done += 1
            self._replayed_frames[segment.path] = done
            self._committed += outcome.committed
            self._spool_pending -= len(records)
            self._last_flush = self._clock()
            if self._replay_error is not None:
                self._replay_error = None
                self._replay_log.reset()
            self._spool_recovered()
            if not self._database_available:
                self._database_available = True
                _LOGGER.info("the database takes readings again; replaying the spool")
        self._replayed_frames.pop(segment.path, None)
        return True

    async def _in_spool_thread[T](self, function: Callable[..., T], *args: object) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._spool_thread, functools.partial(function, *args))
