"""Parsing of values clients send: device ids, ISO 8601 instants."""

from __future__ import annotations

from datetime import UTC, datetime

MAX_DEVICE_ID = 2**31 - 1  # devices.id is a PostgreSQL integer


class InvalidValueError(ValueError):
    """A value a client sent cannot be used; the message says why.

    `reason` classifies it in the ingest pipeline's words: malformed, naive_time, not_finite,
    unknown_device.
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
        return value.astimezone(UTC)
    except OverflowError as err:
        raise InvalidValueError(f"{text!r} is out of range") from err
