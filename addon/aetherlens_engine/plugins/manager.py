"""All configured plugin instances, validated at engine start and run by their supervisors.

Configuration errors surface before any worker runs, naming the instance and option. A plugin
that cannot be loaded (its package missing or broken) is not one: its instance is published as
`unavailable`, with the reason, and the others run.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from aetherlens_engine.clock import Clock, system_clock
from aetherlens_engine.errors import ConfigError

from .base import PluginConfigError, validate_config
from .registry import load_plugin_class, resolve
from .results import Provides
from .supervisor import PluginStatus, PluginSupervisor, ResultSink, SupervisionSettings

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PluginInstance:
    """One configured plugin: its instance NAME, which PLUGIN, its options and limits."""

    name: str
    plugin: str
    config: Mapping[str, Any] = field(default_factory=dict, repr=False)
    poll_interval: timedelta | None = None
    poll_timeout: timedelta = timedelta(minutes=5)
    memory_limit_bytes: int | None = 512 * 2**20


class PluginManager:
    """Starts and stops the supervisors of every plugin instance."""

    def __init__(
        self,
        instances: Sequence[PluginInstance],
        sink: ResultSink,
        published: dict[str, dict[str, Any]],
        state_root: Path | None = None,
        *,
        stores: frozenset[Provides] = frozenset({Provides.CLOUD_COSTS}),
        clock: Clock = system_clock,
    ) -> None:
        """Validate every instance's configuration; raise `ConfigError` naming the bad one.

        SINK stores the kinds in STORES: a plugin providing another kind is refused, so that
        nothing it fetches is silently dropped. Each instance keeps its state in
        STATE_ROOT/<instance name>; CLOCK times the statuses.
        """
        self._sink = sink
        self._published = published
        self._state_root = state_root
        self._stores = stores
        self._clock = clock
        self.instances = {instance.name: instance for instance in instances}
        self.supervisors: list[PluginSupervisor] = []
        # Instances whose plugin did not load, by name: shown with why, never started.
        self.unavailable: dict[str, PluginStatus] = {}
        for instance in instances:
            try:
                load_plugin_class(instance.plugin)
            except PluginConfigError as err:
                # Not fatal: a third-party package may be missing or broken; the others run.
                LOGGER.warning("Plugin instance %s is unavailable: %s", instance.name, err)
                status = PluginStatus(instance.plugin, "", "unavailable", last_error=str(err))
                self.unavailable[instance.name] = status
                published[instance.name] = status.to_json()
                continue
            self.supervisors.append(self.supervisor(instance))

    def supervisor(self, instance: PluginInstance) -> PluginSupervisor:
        """Return the (unstarted) supervisor of INSTANCE; raise `ConfigError` if it is invalid."""
        try:
            plugin_class = load_plugin_class(instance.plugin)
            validate_config(plugin_class.manifest, instance.config)
        except PluginConfigError as err:
            raise ConfigError(f"invalid option 'plugins' ({instance.name}): {err}") from err
        manifest = plugin_class.manifest
        if unstored := manifest.provides - self._stores:
            raise ConfigError(
                f"invalid option 'plugins' ({instance.name}): {manifest.name} provides "
                f"{', '.join(sorted(unstored))}, which this engine does not store from "
                f"plugins (it stores {', '.join(sorted(self._stores))})"
            )
        interval = instance.poll_interval or manifest.poll_interval
        if interval < manifest.min_poll_interval:
            raise ConfigError(
                f"invalid option 'plugins' ({instance.name}): {manifest.name} may poll at "
                f"most every {manifest.min_poll_interval}, not every {interval}"
            )
        settings = SupervisionSettings(
            poll_interval=interval,
            poll_timeout=instance.poll_timeout,
            memory_limit_bytes=instance.memory_limit_bytes,
        )
        return PluginSupervisor(
            instance.name,
            resolve(instance.plugin),
            manifest,
            config=instance.config,
            sink=self._sink,
            settings=settings,
            published=self._published,
            state_dir=self._state_root / instance.name if self._state_root else None,
            clock=self._clock,
        )

    def start(self) -> None:
        """Start every supervisor."""
        for supervisor in self.supervisors:
            supervisor.start()

    async def stop(self) -> None:
        """Stop every supervisor and its worker."""
        await asyncio.gather(*(supervisor.stop() for supervisor in self.supervisors))
