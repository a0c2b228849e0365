"""Validation of raw readings against the device registry, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from aetherlens_engine.ingest import RejectReason
from aetherlens_engine.ingest.validate import Validator
from aetherlens_engine.models import Device, DeviceKind, Quality, RawReading

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DEVICES = {
    1: Device(1, "test", "meter", "Meter", DeviceKind.METER, "kWh"),
    2: Device(2, "test", "plug", "Plug", DeviceKind.APPLIANCE, "W"),
    3: Device(3, "test", "price", "Price", DeviceKind.PRICE, "EUR/kWh"),
    4: Device(4, "test", "carbon", "Carbon", DeviceKind.CARBON, "kg/kWh"),
    5: Device(5, "test", "cloud", "Cloud", DeviceKind.CLOUD_ACCOUNT, None),
}


@pytest.fixture
def validator() -> Validator:
    validator = Validator(timedelta(minutes=5))
    validator.set_devices(DEVICES)
    return validator


def test_good_readings_are_converted_to_canonical_units_and_utc(validator: Validator) -> None:
    paris = ZoneInfo("Europe/Paris")
    second = timedelta(seconds=1)
    readings = [
        RawReading(1, NOW, 1234.5, "Wh"),
        RawReading(1, NOW + second, 2.5, "MWh"),
        RawReading(2, NOW, 1.5, "kW", Quality.ESTIMATED | Quality.BACKFILLED | Quality.AFTER_GAP),
        RawReading(2, NOW + second, 7),  # an int, in the device's unit
        RawReading(3, NOW, 250.0, "EUR/MWh"),
        RawReading(4, NOW, 380.0, "g/kWh"),
        RawReading(2, datetime(2026, 3, 1, 13, 0, 2, tzinfo=paris), 1.0),
        RawReading(2, NOW + timedelta(minutes=5), 1.0),  # exactly at the allowed skew
    ]
    result = validator.validate(readings, NOW)
    assert result.rejections == []
    assert result.duplicates == []
    assert result.records == [
        (NOW, 1, pytest.approx(1.2345), 0),
        (NOW + second, 1, 2500.0, 0),
        (NOW, 2, 1500.0, 25),
        (NOW + second, 2, 7.0, 0),
        (NOW, 3, pytest.approx(0.25), 0),
        (NOW, 4, pytest.approx(0.38), 0),
        (NOW + 2 * second, 2, 1.0, 0),
        (NOW + timedelta(minutes=5), 2, 1.0, 0),
    ]
    for time, device_id, value, quality in result.records:
        assert time.tzinfo is UTC
        assert type(device_id) is int
        assert type(value) is float
        assert type(quality) is int


@pytest.mark.parametrize(
    ("reading", "reason"),
    [
        (RawReading(99, NOW, 1.0), RejectReason.UNKNOWN_DEVICE),
        (RawReading(2, NOW, 1.0, "kWh"), RejectReason.UNIT_MISMATCH),
        (RawReading(3, NOW, 1.0, "USD/kWh"), RejectReason.UNIT_MISMATCH),
        (RawReading(5, NOW, 1.0), RejectReason.UNIT_MISMATCH),
        (RawReading(2, NOW, float("nan")), RejectReason.NOT_FINITE),
        (RawReading(2, NOW, float("inf")), RejectReason.NOT_FINITE),
        (RawReading(2, NOW, -float("inf")), RejectReason.NOT_FINITE),
        (RawReading(2, NOW, 1e303, "MW"), RejectReason.NOT_FINITE),  # overflows when converted
        (RawReading(2, NOW.replace(tzinfo=None), 1.0), RejectReason.NAIVE_TIME),
        (RawReading(2, NOW + timedelta(minutes=5, seconds=1), 1.0), RejectReason.FUTURE_TIME),
        (RawReading(2, NOW, 1.0, None, Quality(32)), RejectReason.INVALID_QUALITY),
        (RawReading(2, NOW, 1.0, None, -1), RejectReason.INVALID_QUALITY),  # type: ignore[arg-type]
        (RawReading(2, NOW, 1.0, None, 1.5), RejectReason.INVALID_QUALITY),  # type: ignore[arg-type]
        (RawReading(2, NOW, "12"), RejectReason.MALFORMED),  # type: ignore[arg-type]
        (RawReading(2, NOW, Decimal(1)), RejectReason.MALFORMED),  # type: ignore[arg-type]
        (RawReading(2, "2026-03-01", 1.0), RejectReason.MALFORMED),  # type: ignore[arg-type]
        (RawReading(2, NOW, 1.0, ["W"]), RejectReason.MALFORMED),  # type: ignore[arg-type]
        (RawReading([2], NOW, 1.0), RejectReason.MALFORMED),  # type: ignore[arg-type]
    ],
)
def test_each_bad_reading_is_rejected_with_its_reason(
    validator: Validator, reading: RawReading, reason: RejectReason
) -> None:
    good = RawReading(2, NOW, 5.0)
    later = RawReading(2, NOW + timedelta(seconds=1), 5.0)
    result = validator.validate([good, reading, later], NOW)
    assert [(r.index, r.reason) for r in result.rejections] == [(1, reason)]
    assert len(result.records) == 2


def test_anything_is_rejected_rather_than_raised(validator: Validator) -> None:
    junk: list[Any] = [None, 42, "reading", object()]
    result = validator.validate(junk, NOW)
    assert [r.reason for r in result.rejections] == [RejectReason.MALFORMED] * 4
    assert result.records == []


def test_device_ids_are_stored_as_the_registry_has_them(validator: Validator) -> None:
    """An id that merely equals a known one (2.0, True) is stored as the plain int."""
    result = validator.validate([RawReading(2.0, NOW, 1.0), RawReading(True, NOW, 1.0, "kWh")], NOW)  # type: ignore[arg-type]
    assert [(r[1], type(r[1])) for r in result.records] == [(2, int), (1, int)]


def test_new_registry_relearns_units(validator: Validator) -> None:
    """A device whose canonical unit changed converts to the new one."""
    assert validator.validate([RawReading(2, NOW, 2.0, "kW")], NOW).records[0][2] == 2000.0
    validator.set_devices({2: Device(2, "test", "plug", "Plug", DeviceKind.APPLIANCE, "kWh")})
    result = validator.validate([RawReading(2, NOW, 2.0, "kW"), RawReading(2, NOW, 2.0, "Wh")], NOW)
    assert [r.reason for r in result.rejections] == [RejectReason.UNIT_MISMATCH]
    assert result.records[0][2] == pytest.approx(0.002)


def test_offsets_are_normalised_to_utc(validator: Validator) -> None:
    plus_two = timezone(timedelta(hours=2))
    result = validator.validate(
        [RawReading(2, datetime(2026, 3, 1, 14, tzinfo=plus_two), 1.0)], NOW
    )
    assert result.records[0][0] == NOW
    assert result.records[0][0].tzinfo is UTC


def test_duplicates_in_a_batch_are_reported_and_the_first_wins(validator: Validator) -> None:
    """One device at one instant twice (also written in two offsets): the first is taken."""
    paris = ZoneInfo("Europe/Paris")
    readings = [
        RawReading(2, NOW, 1.0),
        RawReading(2, NOW, 2.0),
        RawReading(2, datetime(2026, 3, 1, 13, 0, tzinfo=paris), 3.0),  # = NOW
        RawReading(1, NOW, 4.0),  # another device
        RawReading(2, NOW + timedelta(seconds=1), 5.0),
    ]
    result = validator.validate(readings, NOW)
    assert result.duplicates == [1, 2]
    assert [record[2] for record in result.records] == [1.0, 4.0, 5.0]


def test_bounds_of_values_and_times() -> None:
    validator = Validator(timedelta(minutes=5), timedelta(days=90), timedelta(days=1826))
    validator.set_devices(DEVICES)
    readings = [
        RawReading(2, NOW, 1e12),  # at the bound
        RawReading(2, NOW, -1.000001e12),
        RawReading(2, NOW - timedelta(days=90), 1.0),  # as old as the raw retention keeps
        RawReading(2, NOW - timedelta(days=91), 1.0),
        RawReading(2, NOW - timedelta(days=91), 1.0, quality=Quality.BACKFILLED),
        RawReading(2, NOW - timedelta(days=1827), 1.0, quality=Quality.BACKFILLED),
        RawReading(2, datetime(1000, 1, 1, tzinfo=UTC), 1.0),
        RawReading(2, datetime(1, 1, 1, tzinfo=UTC), 1.0),
    ]
    result = validator.validate(readings, NOW)
    assert [(r.index, r.reason) for r in result.rejections] == [
        (1, RejectReason.OUT_OF_RANGE),
        (3, RejectReason.TOO_OLD),
        (5, RejectReason.TOO_OLD),
        (6, RejectReason.TOO_OLD),
        (7, RejectReason.TOO_OLD),
    ]


def test_no_reading_before_the_epoch_even_without_an_age_limit(validator: Validator) -> None:
    """asyncpg sends year 1 as -infinity, which a hypertable refuses: such times never pass."""
    readings = [
        RawReading(2, datetime(1, 1, 1, tzinfo=UTC), 1.0),
        RawReading(2, datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC), 1.0),
        RawReading(2, datetime(1970, 1, 1, tzinfo=UTC), 1.0),
    ]
    result = validator.validate(readings, NOW)
    assert [r.index for r in result.rejections] == [0, 1]
    assert all(r.reason == RejectReason.TOO_OLD for r in result.rejections)
