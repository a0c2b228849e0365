"""Collection of readings from Home Assistant over its WebSocket API (see collector.py)."""

from .collector import HomeAssistantCollector, ReadingSink
from .metrics import CollectorMetrics
from .settings import SUPERVISOR_URL, HomeAssistantInstance
from .status import CollectorStatus, ConnectionState

__all__ = [
    "SUPERVISOR_URL",
    "CollectorMetrics",
    "CollectorStatus",
    "ConnectionState",
    "HomeAssistantCollector",
    "HomeAssistantInstance",
    "ReadingSink",
]
