"""The settings of one Home Assistant instance the collector reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

HEARTBEAT = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class HomeAssistantInstance:
    """One Home Assistant to collect from (the option `homeassistant`, one list item)."""

    name: str
    url: str  # the WebSocket URL, e.g. ws://homeassistant.local:8123/api/websocket
    token: str = field(repr=False)  # a long-lived access token (the Supervisor's in the add-on)
    include: tuple[str, ...] = ()  # entity ids or glob patterns, recorded besides Energy's
    exclude: tuple[str, ...] = ()  # entity ids or glob patterns never recorded
    energy_prefs: bool = True  # record the entities of HA's Energy dashboard
    backfill_limit: timedelta = timedelta(days=10)  # how far back a gap is filled at most
    first_backoff: timedelta = timedelta(seconds=1)
    max_backoff: timedelta = timedelta(minutes=5)
    auth_retry: timedelta = timedelta(minutes=30)  # after a refused token
    ping_interval: timedelta = timedelta(seconds=30)
    request_timeout: timedelta = timedelta(seconds=60)
    # A steady power is repeated this often: well below the rollups' max_gap (heartbeat_for).
    heartbeat: timedelta = HEARTBEAT

    def backoff(self, failures: int) -> float:
        """Return the seconds to wait after FAILURES consecutive failed connections (≥ 1)."""
        seconds = self.first_backoff.total_seconds() * 2.0 ** min(max(failures - 1, 0), 30)
        return min(seconds, self.max_backoff.total_seconds())


def heartbeat_for(max_gap: timedelta) -> timedelta:
    """Return how often to repeat a steady power for rollups integrating up to MAX_GAP apart.

    A quarter of MAX_GAP at most: a late tick or a short reconnect must not open a gap.
    """
    return min(HEARTBEAT, max_gap / 4)
