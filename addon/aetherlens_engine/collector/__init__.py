"""Collection of readings from Home Assistant over its WebSocket API (see collector.py)."""

from .collector import HomeAssistantCollector, ReadingSink
from .metrics import CollectorMetrics
from .settings import HomeAssistantInstance
from .status import CollectorStatus, ConnectionState

__all__ = [
    "CollectorMetrics",
    "CollectorStatus",
    "ConnectionState",
    "HomeAssistantCollector",
    "HomeAssistantInstance",
    "ReadingSink",
]
