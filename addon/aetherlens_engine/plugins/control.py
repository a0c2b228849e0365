"""Plugin management while the engine runs: enable, disable and reconfigure an instance.

The configuration file names the instances; what is changed here (the page's plugin view) is
kept in `settings.json` in the plugins' state folder and applied over the file's options at
every start, so that a restart keeps it. A new configuration is validated by the plugin's own
schema (every bad option named) before the instance's worker is replaced.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import voluptuous as vol

from aetherlens_engine.errors import ConfigError, EngineError

from .base import PluginManifest
from .registry import load_plugin_class

if TYPE_CHECKING:  # the supervisor imports the API's models, which import this module
    from .manager import PluginInstance, PluginManager
    from .supervisor import PluginSupervisor

SETTINGS_FILE = "settings.json"


class UnknownPluginError(EngineError):
    """No configured plugin instance has this name."""


class PluginUnavailableError(EngineError):
    """The instance's plugin did not install or load: it cannot be enabled or configured."""


class PluginConfigRefusedError(EngineError):
    """The plugin's schema refuses the configuration; `errors` are (option path, message)."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        """Keep ERRORS; the message is the first one."""
        path, message = errors[0]
        super().__init__(f"{path}: {message}" if path else message)
        self.errors = errors


@dataclass(frozen=True, slots=True)
class ManagedPlugin:
    """A configured instance as the API shows it (no manifest: its plugin is unavailable)."""

    instance: PluginInstance
    manifest: PluginManifest | None
    enabled: bool
    status: Mapping[str, Any]


def saved_settings(state_root: Path) -> dict[str, dict[str, Any]]:
    """Return the saved changes by instance name ({} when there are none)."""
    try:
        saved = json.loads((state_root / SETTINGS_FILE).read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as err:
        raise ConfigError(
            f"{state_root / SETTINGS_FILE}: unreadable plugin settings: {err}"
        ) from err
    return {str(name): dict(value) for name, value in dict(saved).items()}


def with_settings(
    instances: Sequence[PluginInstance], saved: Mapping[str, Mapping[str, Any]]
) -> list[PluginInstance]:
    """Return INSTANCES with their saved configurations (names no longer configured ignored)."""
    return [
        replace(instance, config=dict(saved[instance.name]["config"]))
        if "config" in saved.get(instance.name, {})
        else instance
        for instance in instances
    ]


def refusals(manifest: PluginManifest, config: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Return what MANIFEST's schema refuses in CONFIG, each with its option's path."""
    try:
        manifest.config_schema(dict(config))
    except vol.MultipleInvalid as err:
        return [(".".join(str(part) for part in error.path), error.msg) for error in err.errors]
    except vol.Invalid as err:
        return [(".".join(str(part) for part in err.path), err.msg)]
    return []


class PluginControl:
    """Enables, disables and reconfigures the manager's instances; saves what changed."""

    def __init__(self, manager: PluginManager, state_root: Path) -> None:
        """Control MANAGER's instances, with the changes saved under STATE_ROOT."""
        self._manager = manager
        self._root = state_root
        self._saved = saved_settings(state_root)
        self._lock = asyncio.Lock()

    def start(self) -> None:
        """Start every instance not disabled."""
        for supervisor in self._manager.supervisors:
            if self._enabled(supervisor.name):
                supervisor.start()

    def plugins(self) -> list[ManagedPlugin]:
        """Return every configured instance, in the configuration's order, unavailable ones too."""
        return [self.plugin(name) for name in self._manager.instances]

    def plugin(self, name: str) -> ManagedPlugin:
        """Return instance NAME; raise `UnknownPluginError`."""
        if (status := self._manager.unavailable.get(name)) is not None:
            instance = self._manager.instances[name]
            return ManagedPlugin(instance, None, self._enabled(name), status.to_json())
        return self._managed(self._supervisor(name))

    async def set_enabled(self, name: str, enabled: bool) -> ManagedPlugin:
        """Start or stop instance NAME, and keep it so."""
        async with self._lock:
            supervisor = self._supervisor(name)
            if enabled != self._enabled(name):
                if enabled:
                    supervisor.start()
                else:
                    await supervisor.stop()
                self._save(name, enabled=enabled)
            return self._managed(supervisor)

    async def configure(self, name: str, config: Mapping[str, Any]) -> ManagedPlugin:
        """Replace instance NAME's configuration (a secret left out keeps its value) and restart it.

        Raises `PluginConfigRefusedError` naming every option the plugin's schema refuses.
        """
        async with self._lock:
            old = self._supervisor(name)
            instance = self._manager.instances[name]
            manifest = load_plugin_class(instance.plugin).manifest
            merged = dict(config)
            for key in manifest.secret_keys:
                if merged.get(key) in (None, "") and key in instance.config:
                    merged[key] = instance.config[key]
                elif merged.get(key) in (None, ""):
                    merged.pop(key, None)
            if found := refusals(manifest, merged):
                raise PluginConfigRefusedError(found)
            changed = replace(instance, config=merged)
            try:
                supervisor = self._manager.supervisor(changed)
            except ConfigError as err:
                raise PluginConfigRefusedError([("", str(err))]) from err
            await old.stop()
            index = self._manager.supervisors.index(old)
            self._manager.supervisors[index] = supervisor
            self._manager.instances[name] = changed
            if self._enabled(name):
                supervisor.start()
            self._save(name, config=merged)
            return self._managed(supervisor)

    def _supervisor(self, name: str) -> PluginSupervisor:
        if name in self._manager.unavailable:
            raise PluginUnavailableError(
                f"plugin instance {name!r} is unavailable: "
                f"{self._manager.unavailable[name].last_error}"
            )
        for supervisor in self._manager.supervisors:
            if supervisor.name == name:
                return supervisor
        raise UnknownPluginError(f"there is no plugin instance {name!r}")

    def _enabled(self, name: str) -> bool:
        return bool(self._saved.get(name, {}).get("enabled", True))

    def _managed(self, supervisor: PluginSupervisor) -> ManagedPlugin:
        instance = self._manager.instances[supervisor.name]
        status = supervisor.status.to_json()
        if not self._enabled(supervisor.name):
            status["status"] = "disabled"
        manifest = load_plugin_class(instance.plugin).manifest
        return ManagedPlugin(instance, manifest, self._enabled(supervisor.name), status)

    def _save(self, name: str, **change: Any) -> None:
        """Keep CHANGE of NAME in the settings file (written whole, readable by the engine only)."""
        self._saved[name] = {**self._saved.get(name, {}), **change}
        self._root.mkdir(parents=True, exist_ok=True)
        temporary = self._root / f".{SETTINGS_FILE}.tmp"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            json.dump(self._saved, file, indent=2, sort_keys=True)
        temporary.replace(self._root / SETTINGS_FILE)
