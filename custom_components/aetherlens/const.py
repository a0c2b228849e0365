"""Constants of the AetherLens integration."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Final

DOMAIN: Final = "aetherlens"
LOGGER = logging.getLogger(__package__)

CONF_DEVICE_SENSORS: Final = "device_sensors"

# The engine rolls readings up every minute; polling faster would show nothing new.
DEFAULT_SCAN_INTERVAL: Final = timedelta(minutes=1)
MIN_SCAN_INTERVAL_SECONDS: Final = 30
MAX_SCAN_INTERVAL_SECONDS: Final = 3600

# An engine unreachable this long gets a repair issue: no longer a restart or a network blip.
UNREACHABLE_REPAIR_AFTER: Final = timedelta(hours=1)

# Fired when a budget's spending goes over its amount between two updates.
EVENT_BUDGET_EXCEEDED: Final = "aetherlens_budget_exceeded"
