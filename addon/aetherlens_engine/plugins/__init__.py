"""Plugins, and the SDK to write them: sources of any kind, each run in a worker of its own.

A plugin delivers readings, prices, carbon intensity, cloud costs or statements; the engine
supervises its worker process and checks every record it returns.
"""

from .base import Plugin, PluginConfigError, PluginError, PluginManifest, SourcePlugin
from .feed import ReadingFeed
from .manager import PluginInstance, PluginManager
from .metrics import PluginCollector
from .results import (
    AccountCosts,
    CarbonPoint,
    CostRow,
    DeviceSpec,
    Forecast,
    PluginReading,
    PollResult,
    PricePoint,
    Provides,
    Statement,
)
from .supervisor import PluginStatus, PluginSupervisor, SupervisionSettings
from .writer import CloudCostWriter

__all__ = [
    "AccountCosts",
    "CarbonPoint",
    "CloudCostWriter",
    "CostRow",
    "DeviceSpec",
    "Forecast",
    "Plugin",
    "PluginCollector",
    "PluginConfigError",
    "PluginError",
    "PluginInstance",
    "PluginManager",
    "PluginManifest",
    "PluginReading",
    "PluginStatus",
    "PluginSupervisor",
    "PollResult",
    "PricePoint",
    "Provides",
    "ReadingFeed",
    "SourcePlugin",
    "Statement",
    "SupervisionSettings",
]
