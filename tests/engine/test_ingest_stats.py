"""Counting and logging of rejected readings."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from aetherlens_engine.ingest.stats import RejectionLog
from aetherlens_engine.models import RawReading, Rejection

NOW = datetime(2026, 3, 1, tzinfo=UTC)
READINGS = [RawReading(1, NOW, 1.0), RawReading(2, NOW, float("nan")), RawReading(3, NOW, 3.0)]


def test_rejections_are_counted_and_logged_once_per_interval(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = RejectionLog(interval=3600)
    with caplog.at_level(logging.WARNING, "aetherlens_engine.ingest.stats"):
        for _ in range(100):
            log.record(READINGS, [Rejection(0, "unknown_device"), Rejection(2, "unknown_device")])
        log.record(READINGS, [Rejection(1, "not_finite")])
    assert log.totals == {"unknown_device": 200, "not_finite": 1}
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert "rejected 2 readings as unknown_device" in messages[0]
    assert "device 1" in messages[0]
    assert "rejected 1 readings as not_finite" in messages[1]
    assert "nan" in messages[1]


def test_each_report_counts_what_came_since_the_last(caplog: pytest.LogCaptureFixture) -> None:
    log = RejectionLog(interval=0)
    with caplog.at_level(logging.WARNING, "aetherlens_engine.ingest.stats"):
        log.record(READINGS, [Rejection(0, "unknown_device")])
        log.record(READINGS, [Rejection(0, "unknown_device"), Rejection(2, "unknown_device")])
    assert [r.getMessage().split(" as ")[0] for r in caplog.records] == [
        "rejected 1 readings",
        "rejected 2 readings",
    ]
