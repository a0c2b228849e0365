"""What the pipeline has done so far, for /api/v1/health and /metrics, and the rejection log."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from aetherlens_engine.models import RawReading, Rejection

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IngestStats:
    """A snapshot of the pipeline's counters (readings, since the pipeline was created)."""

    accepted: int  # passed validation and acknowledged (committed or spooled)
    rejected: Mapping[str, int]  # refused, by reason (see RejectReason)
    committed: int  # written to PostgreSQL, from the buffer or replayed from the spool
    spooled: int  # written to the spool because the database could not take them
    spool_pending: int  # in the spool, not committed yet
    buffered: int  # in memory: queued or being written
    last_flush: datetime | None  # when a batch was last committed or spooled (UTC)
    database_available: bool  # whether the last write to the database succeeded
    dead_lettered: int = 0  # refused by the database for their data, in the dead-letter file now
    dead_letter_file: str | None = None  # where those are kept
    spool_error: str | None = None  # why the last write to the spool failed, until one succeeds
    replay_error: str | None = None  # why the last replay of the spool failed, until one succeeds


class RejectionLog:
    """Counts rejections by reason; logs each reason at most once per interval, with a sample."""

    def __init__(self, interval: float = 60.0) -> None:
        """Log each reason at most once every INTERVAL seconds."""
        self.totals: Counter[str] = Counter()
        self._interval = interval
        self._unlogged: Counter[str] = Counter()
        self._logged_at: dict[str, float] = {}

    def record(self, readings: Sequence[RawReading], rejections: Sequence[Rejection]) -> None:
        """Count REJECTIONS of READINGS; log the reasons whose interval has passed."""
        now = time.monotonic()
        samples: dict[str, Rejection] = {}
        for rejection in rejections:
            self.totals[rejection.reason] += 1
            self._unlogged[rejection.reason] += 1
            samples.setdefault(rejection.reason, rejection)
        for reason, sample in samples.items():
            if now - self._logged_at.get(reason, -self._interval) < self._interval:
                continue
            raw = readings[sample.index]
            _LOGGER.warning(
                "rejected %d readings as %s since the last report, e.g. device %r at %r: %r %r",
                self._unlogged.pop(reason),
                reason,
                getattr(raw, "device_id", None),
                getattr(raw, "time", None),
                getattr(raw, "value", None),
                getattr(raw, "unit", None),
            )
            self._logged_at[reason] = now
