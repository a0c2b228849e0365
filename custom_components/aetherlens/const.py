"""Constants of the AetherLens integration."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Final

DOMAIN: Final = "aetherlens"
LOGGER = logging.getLogger(__package__)

CONF_DEVICE_SENSORS: Final = "device_sensors"
# Decimals shown for amounts of money (prices per kWh get two more).
CONF_MONEY_PRECISION: Final = "money_precision"
DEFAULT_MONEY_PRECISION: Final = 2
# The engine's budgets (ids, as text) that get no entities; budgets added later do get them.
CONF_HIDDEN_BUDGETS: Final = "hidden_budgets"

# The newest summary/API version this integration understands (the engine's `api_version`).
SUPPORTED_API_VERSION: Final = 1

# The engine rolls readings up every minute; polling faster would show nothing new.
DEFAULT_SCAN_INTERVAL: Final = timedelta(minutes=1)
MIN_SCAN_INTERVAL_SECONDS: Final = 30
MAX_SCAN_INTERVAL_SECONDS: Final = 3600

# An engine unreachable this long gets a repair issue: longer than an add-on restart or a
# network blip, short enough that a user looking at "Unavailable" finds why.
UNREACHABLE_REPAIR_AFTER: Final = timedelta(minutes=5)

# Fired when a budget's spending goes over its amount between two updates.
EVENT_BUDGET_EXCEEDED: Final = "aetherlens_budget_exceeded"
