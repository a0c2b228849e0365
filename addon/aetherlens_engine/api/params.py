"""Parsing of values clients send: device ids, ISO 8601 and RFC 3339 instants."""

from __future__ import annotations

import re
from datetime import UTC, datetime

MAX_DEVICE_ID = 2**31 - 1  # devices.id is a PostgreSQL integer
# Instants the engine works with: later ones overflow date arithmetic (a range's end plus a
# day), earlier ones PostgreSQL's timestamptz as asyncpg sends it (year 1 becomes -infinity).
EARLIEST_INSTANT = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_INSTANT = datetime(3000, 1, 1, tzinfo=UTC)
# RFC 3339 date-time: a `T` between date and time, seconds, at most microseconds, an offset.
RFC3339_PATTERN = r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$"
# Looser than the pattern, to tell what is wrong: a naive time, too many digits.
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.(?P<fraction>\d+))?(?P<offset>Z|[+-]\d{2}:\d{2})?",
    re.ASCII,
)


class InvalidValueError(ValueError):
    """A value a client sent cannot be used; the message says why.

    `reason` classifies it in the ingest pipeline's words: malformed, naive_time, not_finite,
    out_of_range, unknown_device.
    """

    def __init__(self, message: str, *, reason: str = "malformed") -> None:
        """Describe the problem for people (MESSAGE) and programs (REASON)."""
        super().__init__(message)
        self.reason = reason


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 date-time with a UTC offset (`2026-05-01T12:00:00+02:00`, `…Z`) to UTC."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError as err:
        hint = " (in a URL, write '+' as %2B)" if " " in text else ""
        raise InvalidValueError(f"{text!r} is not an ISO 8601 date-time{hint}") from err
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValueError(
            f"{text!r} has no UTC offset; add one, e.g. 'Z' or '+02:00'", reason="naive_time"
        )
    try:
        instant = value.astimezone(UTC)
    except OverflowError as err:
        raise InvalidValueError(f"{text!r} is out of range", reason="out_of_range") from err
    if not EARLIEST_INSTANT <= instant < LATEST_INSTANT:
        raise InvalidValueError(
            f"{text!r} is out of range: give a time from 1970 to 2999", reason="out_of_range"
        )
    return instant


def parse_rfc3339(text: str) -> datetime:
    """Parse an RFC 3339 date-time (`2026-05-01T12:00:00.5+02:00`, `…Z`) to UTC, strictly.

    Nothing but RFC 3339's grammar passes (ISO 8601's other forms are refused) and at most six
    fractional digits: a reading's time is never cut or guessed.
    """
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise InvalidValueError(
            f"{text!r} is not an RFC 3339 date-time like 2026-05-01T12:00:00+02:00"
        )
    if match["offset"] is None:
        raise InvalidValueError(
            f"{text!r} has no UTC offset; add one, e.g. 'Z' or '+02:00'", reason="naive_time"
        )
    if match["fraction"] is not None and len(match["fraction"]) > 6:  # noqa: PLR2004 - µs
        raise InvalidValueError(f"{text!r} has more than 6 fractional digits (microseconds)")
    return parse_instant(text)
