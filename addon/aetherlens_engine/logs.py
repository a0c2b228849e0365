"""Structured logging: one JSON object per line, with time, level, logger and message."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from datetime import UTC, datetime
from typing import TextIO

# The user-info part of a URL (`ws://user:password@host/...`); greedy up to the last `@` before
# the path, since a password may hold an unescaped `@`.
_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]*(?:@[^/\s@]*)*@")


def redact_credentials(text: str) -> str:
    """Return TEXT with the credentials of every URL in it replaced by `***`."""
    return _URL_CREDENTIALS.sub(r"\1***@", text)


# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged.
_STANDARD = frozenset(
    {*vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None)), "message", "asctime"}
)


class JsonFormatter(logging.Formatter):
    """Format a record as one line of JSON; exceptions and stacks go in as text fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Return RECORD as a JSON object on one line."""
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            # Secrets never reach a log: a URL's credentials are cut wherever they appear.
            "message": redact_credentials(record.getMessage()),
        }
        if record.exc_info:
            entry["exception"] = redact_credentials(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(
    level: int | str = logging.INFO, stream: TextIO | None = None
) -> logging.Handler:
    """Send every record at LEVEL (a number or a name such as "info") or above to STREAM.

    STREAM is standard error by default; each record is one JSON line. Return the handler.
    """
    if isinstance(level, str):
        level = level.upper()
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler


class ThrottledLog:
    """Logs a recurring problem at most once per interval, with how often it happened since.

    For failures that repeat at every retry (replaying the spool, writing it while the disk is
    full): one line a minute says the same as one per retry, without flooding the log.
    """

    def __init__(self, logger: logging.Logger, interval: float = 60.0) -> None:
        """Log through LOGGER at most once every INTERVAL seconds."""
        self._logger = logger
        self._interval = interval
        self._logged_at: float | None = None
        self._unlogged = 0

    def warning(self, message: str, *args: object) -> None:
        """Log MESSAGE % ARGS at WARNING unless the interval since the last one has not passed."""
        self._unlogged += 1
        now = time.monotonic()
        if self._logged_at is not None and now - self._logged_at < self._interval:
            return
        repeats = self._unlogged - 1
        if repeats:
            self._logger.warning(
                "%s (%d more times since the last report)", message % args, repeats
            )
        else:
            self._logger.warning(message, *args)
        self._logged_at = now
        self._unlogged = 0

    def reset(self) -> None:
        """Forget the problem (it is solved): its next occurrence is logged at once."""
        self._logged_at = None
        self._unlogged = 0
