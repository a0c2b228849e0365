"""Validation of raw readings, and their conversion into records in canonical units and UTC.

A reading is accepted for a known device, with a finite value of at most MAX_ABS_VALUE in a
unit convertible to the device's, at an aware time not too far in the future and not older than
the raw retention keeps (a reading flagged BACKFILLED: than the daily rollups keep; never before
EARLIEST), with valid quality flags. Of readings of one device at one instant in a batch, the
first is taken and the others are reported as duplicates (a reading already stored is kept).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from aetherlens_engine.models import Device, Quality, RawReading, Rejection

from .records import Record
from .units import conversion_factor

# No reading is older: the epoch, also what every source's clock starts at when it was not set.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
# Larger than any meter's reading in its canonical unit (a GWh counter in kWh is 1e6); beyond it
# a value is a glitch, and doubles lose the precision of integral counters past 2**53.
MAX_ABS_VALUE = 1e12


class RejectReason(StrEnum):
    """Why a reading was refused (the `reason` of a Rejection)."""

    UNKNOWN_DEVICE = "unknown_device"
    UNIT_MISMATCH = "unit_mismatch"
    NOT_FINITE = "not_finite"
    OUT_OF_RANGE = "out_of_range"
    NAIVE_TIME = "naive_time"
    FUTURE_TIME = "future_time"
    TOO_OLD = "too_old"
    INVALID_QUALITY = "invalid_quality"
    MALFORMED = "malformed"


# Every valid flag combination, mapped to a plain int (what COPY and the spool expect).
_QUALITIES: dict[object, int] = {value: value for value in range(max(Quality) * 2)}
# What a wrongly typed field raises on its way through the checks.
_MALFORMED = (TypeError, ValueError, AttributeError, OverflowError)


@dataclass(frozen=True, slots=True)
class Validated:
    """The outcome of validating a batch: records to store, rejections and duplicates by index."""

    records: list[Record]
    rejections: list[Rejection]
    duplicates: list[int]  # readings of a device at an instant an earlier one of the batch has


class Validator:
    """Checks raw readings against the device registry it was last given."""

    def __init__(
        self,
        max_future_skew: timedelta,
        max_age: timedelta | None = None,
        max_backfill_age: timedelta | None = None,
    ) -> None:
        """Create a validator that knows no device yet.

        Readings may be MAX_AGE old (None: back to EARLIEST), backfilled ones MAX_BACKFILL_AGE.
        """
        self._max_future_skew = max_future_skew
        self._max_age = max_age
        self._max_backfill_age = max_backfill_age
        self._devices: Mapping[int, Device] = {}
        # Device id -> (its id as a plain int, factor by unit seen so far): one lookup per reading.
        self._known: dict[object, tuple[int, dict[str | None, float]]] = {}

    def set_ages(self, max_age: timedelta | None, max_backfill_age: timedelta | None) -> None:
        """Take readings MAX_AGE old from now on, backfilled ones MAX_BACKFILL_AGE (retention)."""
        self._max_age = max_age
        self._max_backfill_age = max_backfill_age

    def set_devices(self, devices: Mapping[int, Device]) -> None:
        """Replace the registry (units may have changed: conversions are learnt again)."""
        self._devices = devices
        self._known = {device_id: (device_id, {}) for device_id in devices}

    def validate(self, readings: Sequence[RawReading], now: datetime) -> Validated:
        """Check READINGS as of NOW; never raises, whatever the readings hold."""
        known = self._known
        latest = now + self._max_future_skew
        # The earliest time of a reading, by whether it is flagged BACKFILLED.
        earliest = (self._earliest(now, self._max_age), self._earliest(now, self._max_backfill_age))
        isfinite = math.isfinite
        records: list[Record] = []
        append = records.append
        rejections: list[Rejection] = []
        reject = rejections.append
        duplicates: list[int] = []
        seen: set[tuple[datetime, int]] = set()
        # One flat loop on purpose: this runs for every reading the engine receives.
        for index, raw in enumerate(readings):
            try:
                entry = known.get(raw.device_id)
                if entry is None:
                    reject(Rejection(index, RejectReason.UNKNOWN_DEVICE))
                    continue
                device_id, factors = entry
                factor = factors.get(raw.unit)
                if factor is None and (factor := self._learn(device_id, raw.unit)) is None:
                    reject(Rejection(index, RejectReason.UNIT_MISMATCH))
                    continue
                value = raw.value * factor
                if not -MAX_ABS_VALUE <= value <= MAX_ABS_VALUE:  # NaN too
                    reason = (
                        RejectReason.OUT_OF_RANGE if isfinite(value) else RejectReason.NOT_FINITE
                    )
                    reject(Rejection(index, reason))
                    continue
                time = raw.time
                if time.tzinfo is not UTC:
                    if time.utcoffset() is None:
                        reject(Rejection(index, RejectReason.NAIVE_TIME))
                        continue
                    time = time.astimezone(UTC)
                if time > latest:
                    reject(Rejection(index, RejectReason.FUTURE_TIME))
                    continue
                quality = _QUALITIES.get(raw.quality)
                if quality is None:
                    reject(Rejection(index, RejectReason.INVALID_QUALITY))
                    continue
                if time < earliest[quality & Quality.BACKFILLED != 0]:
                    reject(Rejection(index, RejectReason.TOO_OLD))
                    continue
            except _MALFORMED:
                reject(Rejection(index, RejectReason.MALFORMED))
                continue
            if (time, device_id) in seen:
                duplicates.append(index)
                continue
            seen.add((time, device_id))
            append((time, device_id, value, quality))
        return Validated(records, rejections, duplicates)

    @staticmethod
    def _earliest(now: datetime, max_age: timedelta | None) -> datetime:
        return EARLIEST if max_age is None else max(EARLIEST, now - max_age)

    def _learn(self, device_id: int, unit: str | None) -> float | None:
        factor = conversion_factor(self._devices[device_id].unit, unit)
        # Only convertible units are remembered: a source sending junk units cannot grow this.
        if factor is not None:
            self._known[device_id][1][unit] = factor
        return factor
