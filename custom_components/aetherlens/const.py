"""Constants of the AetherLens integration."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Final

DOMAIN: Final = "aetherlens"
LOGGER = logging.getLogger(__package__)

# Whether each metered device gets its sensors (a home with 200 plugs may want none).
CONF_DEVICE_SENSORS: Final = "device_sensors"
# The engine's budgets (ids, as text) that get no entities; budgets added later do get them.
CONF_HIDDEN_BUDGETS: Final = "hidden_budgets"
# Budget notifications (off by default): a persistent notification, and the notify entities
# told (HA's `notify.send_message`), when a budget's spending reaches one of its thresholds.
CONF_NOTIFY_PERSISTENT: Final = "notify_persistent"
CONF_NOTIFY_ENTITIES: Final = "notify_entities"

# A statement whose residual (total or a line's, either way) is above this gets a repair issue.
CONF_STATEMENT_THRESHOLD: Final = "statement_threshold"
DEFAULT_STATEMENT_THRESHOLD: Final = 1.0
# Statements change when the user records one or the recorded data does: matching them (a bill
# per statement in the engine) once an hour is enough.
STATEMENTS_INTERVAL: Final = timedelta(hours=1)

# The newest summary/API version this integration understands (the engine's `api_version`).
SUPPORTED_API_VERSION: Final = 1

# The engine rolls readings up every minute; polling faster would show nothing new. Not an
# option: the `refresh` action (or `homeassistant.update_entity`) reads the figures now.
SCAN_INTERVAL: Final = timedelta(minutes=1)
# Options of entries made before minor version 2, which HA's own settings replace: the update
# interval (fixed, see SCAN_INTERVAL) and the decimals of amounts (each entity's display precision).
REMOVED_OPTIONS: Final = ("scan_interval", "money_precision")
WITHOUT_REMOVED_OPTIONS: Final = 2  # the config entry minor version that dropped them

# An engine unreachable this long gets a repair issue: longer than an add-on restart or a
# network blip, short enough that a user looking at "Unavailable" finds why.
UNREACHABLE_REPAIR_AFTER: Final = timedelta(minutes=5)

# Fired when a budget's spending goes over its amount between two updates.
EVENT_BUDGET_EXCEEDED: Final = "aetherlens_budget_exceeded"
# Fired when a budget's spending reaches a higher one of its thresholds between two updates.
EVENT_BUDGET_THRESHOLD: Final = "aetherlens_budget_threshold"
# Fired when the current demand window is on course to set a new peak of a demand line.
EVENT_DEMAND_PEAK_WARNING: Final = "aetherlens_demand_peak_warning"
