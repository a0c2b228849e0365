"""Validation of raw readings, and their conversion into records in canonical units and UTC.

A reading is accepted for a known device, with a finite value in a unit convertible to the
device's, at an aware time not too far in the future, with valid quality flags.
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


class RejectReason(StrEnum):
    """Why a reading was refused (the `reason` of a Rejection)."""

    UNKNOWN_DEVICE = "unknown_device"
    UNIT_MISMATCH = "unit_mismatch"
    NOT_FINITE = "not_finite"
    NAIVE_TIME = "naive_time"
    FUTURE_TIME = "future_time"
    INVALID_QUALITY = "invalid_quality"
    MALFORMED = "malformed"


# Every valid flag combination, mapped to a plain int (what COPY and the spool expect).
_QUALITIES: dict[object, int] = {value: value for value in range(max(Quality) * 2)}
# What a wrongly typed field raises on its way through the checks.
_MALFORMED = (TypeError, ValueError, AttributeError, OverflowError)


@dataclass(frozen=True, slots=True)
class Validated:
    """The outcome of validating a batch: records to store and rejections by index."""

    records: list[Record]
    rejections: list[Rejection]


class Validator:
    """Checks raw readings against the device registry it was last given."""

    def __init__(self, max_future_skew: timedelta) -> None:
        """Create a validator that knows no device yet."""
        self._max_future_skew = max_future_skew
        self._devices: Mapping[int, Device] = {}
        # Device id -> (its id as a plain int, factor by unit seen so far): one lookup per reading.
        self._known: dict[object, tuple[int, dict[str | None, float]]] = {}

    def set_devices(self, devices: Mapping[int, Device]) -> None:
        """Replace the registry (units may have changed: conversions are learnt again)."""
        self._devices = devices
        self._known = {device_id: (device_id, {}) for device_id in devices}

    def validate(self, readings: Sequence[RawReading], now: datetime) -> Validated:
        """Check READINGS as of NOW; never raises, whatever the readings hold."""
        known = self._known
        latest = now + self._max_future_skew
        isfinite = math.isfinite
        records: list[Record] = []
        append = records.append
        rejections: list[Rejection] = []
        reject = rejections.append
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
                if not isfinite(value):
                    reject(Rejection(index, RejectReason.NOT_FINITE))
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
            except _MALFORMED:
                reject(Rejection(index, RejectReason.MALFORMED))
                continue
            append((time, device_id, value, quality))
        return Validated(records, rejections)

    def _learn(self, device_id: int, unit: str | None) -> float | None:
        factor = conversion_factor(self._devices[device_id].unit, unit)
        # Only convertible units are remembered: a source sending junk units cannot grow this.
        if factor is not None:
            self._known[device_id][1][unit] = factor
        return factor
