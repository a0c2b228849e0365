"""How a collector is doing: what `/api/v1/health` shows under `collectors` and `/metrics` counts.

`issue` is ready for a Repairs issue of the integration: a stable `key` (translation key) and a
message, set while the user must act (a refused token), else null.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from aetherlens_engine.logs import redact_credentials

RATE_WINDOW_SECONDS = 60


class ConnectionState(StrEnum):
    """Where a collector's connection stands."""

    STARTING = "starting"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"  # waiting to reconnect
    AUTH_FAILED = "auth_failed"  # the token was refused: retried rarely
    STOPPED = "stopped"


class RateWindow:
    """Counts per second over the last RATE_WINDOW_SECONDS, for a moving rate."""

    def __init__(self) -> None:
        """Start with nothing counted."""
        self._buckets: deque[list[int]] = deque()  # [second, count]

    def add(self, count: int, now: float | None = None) -> None:
        """Count COUNT events now."""
        second = int(time.monotonic() if now is None else now)
        if self._buckets and self._buckets[-1][0] == second:
            self._buckets[-1][1] += count
        else:
            self._buckets.append([second, count])
        self._trim(second)

    def rate(self, now: float | None = None) -> float:
        """Return events per second over the window."""
        second = int(time.monotonic() if now is None else now)
        self._trim(second)
        return sum(count for _, count in self._buckets) / RATE_WINDOW_SECONDS

    def _trim(self, second: int) -> None:
        while self._buckets and self._buckets[0][0] <= second - RATE_WINDOW_SECONDS:
            self._buckets.popleft()


@dataclass(slots=True)
class CollectorStatus:
    """The figures of one Home Assistant instance's collector."""

    url: str
    state: ConnectionState = ConnectionState.STARTING
    ha_version: str | None = None
    connected_since: datetime | None = None
    last_message: datetime | None = None
    last_error: str | None = None
    issue: dict[str, str] | None = None
    entities: int = 0
    readings: int = 0  # accepted by the ingest pipeline
    rejected: int = 0
    backfilled: int = 0  # of `readings`, from HA's history or statistics
    gaps: int = 0  # unavailable/unknown/non-numeric states seen
    reconnects: int = 0
    rate: RateWindow = field(default_factory=RateWindow)

    def to_json(self) -> dict[str, Any]:
        """Return the status as JSON-ready values."""
        return {
            "source": "homeassistant",
            "url": redact_credentials(self.url),
            "state": str(self.state),
            "ha_version": self.ha_version,
            "connected_since": _iso(self.connected_since),
            "last_message": _iso(self.last_message),
            "last_error": redact_credentials(self.last_error) if self.last_error else None,
            "issue": self.issue,
            "entities": self.entities,
            "readings": self.readings,
            "readings_per_second": round(self.rate.rate(), 3),
            "rejected": self.rejected,
            "backfilled": self.backfilled,
            "gaps": self.gaps,
            "reconnects": self.reconnects,
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
