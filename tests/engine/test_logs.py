"""Structured logging: one JSON object per line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from aetherlens_engine.collector.websocket import HassError
from aetherlens_engine.logs import (
    JsonFormatter,
    ThrottledLog,
    configure_logging,
    redact_credentials,
)


@pytest.fixture
def root_logger() -> Iterator[logging.Logger]:
    """The root logger, restored afterwards (configure_logging replaces its handlers)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def test_lines_are_json_objects(root_logger: logging.Logger) -> None:
    stream = io.StringIO()
    configure_logging(logging.DEBUG, stream)
    log = logging.getLogger("aetherlens_engine.test")
    log.info("stored %d readings", 3)
    log.debug("two\nlines", extra={"device_id": 7, "when": datetime(2026, 1, 1, tzinfo=UTC)})
    try:
        _ = 1 / 0
    except ZeroDivisionError:
        log.exception("failed")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3
    first, second, third = (json.loads(line) for line in lines)
    assert set(first) == {"time", "level", "logger", "message"}
    assert (first["level"], first["logger"], first["message"]) == (
        "INFO",
        "aetherlens_engine.test",
        "stored 3 readings",
    )
    assert datetime.fromisoformat(first["time"]).utcoffset() is not None
    assert second["message"] == "two\nlines"
    assert (second["device_id"], second["when"]) == (7, "2026-01-01 00:00:00+00:00")
    assert third["level"] == "ERROR"
    assert "ZeroDivisionError: division by zero" in third["exception"]
    assert "Traceback" in third["exception"]


def test_level_filters_and_handlers_are_replaced(root_logger: logging.Logger) -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging(logging.INFO, first)
    handler = configure_logging("warning", second)
    logging.getLogger("x").info("quiet")
    logging.getLogger("x").warning("loud")
    assert root_logger.handlers == [handler]
    assert first.getvalue() == ""
    assert [json.loads(line)["message"] for line in second.getvalue().splitlines()] == ["loud"]


def test_stack_info_is_included() -> None:
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "here", None, None, sinfo="Stack")
    assert json.loads(JsonFormatter().format(record))["stack"] == "Stack"


def test_url_credentials_never_reach_the_log(root_logger: logging.Logger) -> None:
    stream = io.StringIO()
    configure_logging(logging.INFO, stream)
    log = logging.getLogger("aetherlens_engine.test")
    url = "ws://admin:hunter2@ha.local:8123/api/websocket"
    log.warning("Home Assistant %s: cannot connect to %s", "house", url)
    error = ConnectionError(f"refused by {url}")
    log.error("failed", exc_info=(ConnectionError, error, None))
    text = stream.getvalue()
    assert "hunter2" not in text
    assert "admin" not in text
    assert "ws://***@ha.local:8123/api/websocket" in text


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("ws://u:p@h/api", "ws://***@h/api"),
        ("wss://u:p@ss@h:8123/x y", "wss://***@h:8123/x y"),  # an unescaped @ in a password
        ("postgresql://engine:s3cret@127.0.0.1/db", "postgresql://***@127.0.0.1/db"),
        ("http://host/path@not-credentials", "http://host/path@not-credentials"),
        ("mail user@host", "mail user@host"),
    ],
)
def test_redact_credentials(text: str, redacted: str) -> None:
    assert redact_credentials(text) == redacted


def test_collector_errors_hold_no_credentials() -> None:
    """HassError messages end up in logs and the collector's status: never with a password."""
    error = HassError("cannot connect to ws://user:pass@ha.local/api/websocket: refused")
    assert str(error) == "cannot connect to ws://***@ha.local/api/websocket: refused"


def test_throttled_log_reports_a_repeated_problem_once_per_interval(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = ThrottledLog(logging.getLogger("aetherlens_engine.test"), interval=3600)
    with caplog.at_level(logging.WARNING):
        for attempt in range(50):
            log.warning("replaying failed (%s)", attempt)
        log.reset()
        log.warning("replaying failed (%s)", "again")
    assert [r.getMessage() for r in caplog.records] == [
        "replaying failed (0)",
        "replaying failed (again)",
    ]
    assert all(r.exc_info is None for r in caplog.records)
