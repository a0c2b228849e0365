"""Plugins: cloud cost sources run in worker processes of their own, supervised by the engine."""

from .base import Plugin, PluginConfigError, PluginError, PluginManifest
from .manager import PluginInstance, PluginManager
from .metrics import PluginCollector
from .results import AccountCosts, CostRow, Forecast, PollResult
from .supervisor import PluginStatus, PluginSupervisor, SupervisionSettings
from .writer import CloudCostWriter

__all__ = [
    "AccountCosts",
    "CloudCostWriter",
    "CostRow",
    "Forecast",
    "Plugin",
    "PluginCollector",
    "PluginConfigError",
    "PluginError",
    "PluginInstance",
    "PluginManager",
    "PluginManifest",
    "PluginStatus",
    "PluginSupervisor",
    "PollResult",
    "SupervisionSettings",
]
