"""Constants of the AetherLens integration."""

from __future__ import annotations

import logging
from typing import Final

DOMAIN: Final = "aetherlens"
LOGGER = logging.getLogger(__package__)
