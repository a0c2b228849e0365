"""The settings the page changes: saved in the database, layered over the configuration."""

from .control import SettingsControl, load_saved
from .layers import SETTING_KEYS

__all__ = ["SETTING_KEYS", "SettingsControl", "load_saved"]
