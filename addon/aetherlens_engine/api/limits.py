"""How much the API accepts: body size, batch size, query ranges, request rate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class ApiLimits:
    """Bounds that keep one client from exhausting the engine."""

    max_body_bytes: int = 1024 * 1024
    max_batch_readings: int = 5000
    max_hour_range: timedelta = timedelta(days=93)
    max_day_range: timedelta = timedelta(days=3660)
    # Token bucket per client address: sustained rate and burst.
    requests_per_second: float = 10.0
    request_burst: int = 40
    # Remembered clients; the least recently seen is forgotten (its bucket starts full again).
    max_tracked_clients: int = 10_000
    database_timeout: float = 10.0
    # Retry-After of a 503 (database unreachable, ingestion full).
    unavailable_retry_after: int = 5

    def max_range(self, resolution: str) -> timedelta:
        """Return the longest range asked for by RESOLUTION (hours; days and months)."""
        return self.max_hour_range if resolution == "hour" else self.max_day_range

    def __post_init__(self) -> None:
        """Refuse limits that would disable a protection by accident."""
        positive = {
            "max_body_bytes": self.max_body_bytes,
            "max_batch_readings": self.max_batch_readings,
            "requests_per_second": self.requests_per_second,
            "request_burst": self.request_burst,
            "max_tracked_clients": self.max_tracked_clients,
            "database_timeout": self.database_timeout,
            "unavailable_retry_after": self.unavailable_retry_after,
        }
        for name, value in positive.items():
            if value <= 0:
                raise ValueError(f"API limit {name} must be positive, not {value}")
        for name, span in (
            ("max_hour_range", self.max_hour_range),
            ("max_day_range", self.max_day_range),
        ):
            if span <= timedelta(0):
                raise ValueError(f"API limit {name} must be positive, not {span}")
