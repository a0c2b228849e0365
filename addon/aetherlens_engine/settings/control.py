"""Settings while the engine runs: what the page saves is checked, stored and applied.

The engine starts with the configuration and the saved settings over it (`load_saved`). A save
is checked by the configuration's schema, stored (only the settings that differ from the file's,
so a setting saved back to the file's value follows the file again), then applied: a new
retention at once (TimescaleDB's policies replaced, or the engine's next hourly run), a changed
include/exclude at each collector's next sync. What waits for a restart is reported by path.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import asyncpg

from aetherlens_engine.config import EngineConfig
from aetherlens_engine.errors import OptionError
from aetherlens_engine.storage.retention import RetentionSettings

from .layers import (
    SETTING_KEYS,
    SettingKey,
    applied_live,
    differing,
    effective,
    restart_required,
    with_tokens,
)
from .store import replace_saved, saved_rows

if TYPE_CHECKING:
    from aetherlens_engine.collector import HomeAssistantCollector

LOGGER = logging.getLogger(__name__)

type RetentionHook = Callable[[asyncpg.Connection, RetentionSettings], Awaitable[object]]


async def load_saved(
    conn: asyncpg.Connection, seed: EngineConfig
) -> tuple[dict[str, Any], EngineConfig]:
    """Return the saved settings and SEED with them over it.

    Saved settings that SEED's configuration no longer allows (say, a collector instance whose
    file token it relied on is gone) are left out of this run, with a warning naming the option.
    """
    saved = await saved_rows(conn)
    try:
        return saved, effective(seed, saved)
    except OptionError as err:
        LOGGER.warning("The saved settings are not applied: %s", err)
        return {}, seed


class SettingsControl:
    """Reads and changes the settings of a running engine."""

    def __init__(
        self,
        seed: EngineConfig,
        saved: Mapping[str, Any],
        running: EngineConfig,
        *,
        on_retention: RetentionHook,
        collectors: Sequence[HomeAssistantCollector] = (),
    ) -> None:
        """Control the settings saved over SEED (the configuration).

        SAVED is what is stored, RUNNING what the engine runs with; ON_RETENTION applies a new
        retention, COLLECTORS are told a new include/exclude.
        """
        self._seed = seed
        self._saved = dict(saved)
        self._layered = effective(seed, saved)
        self._running = running
        self._on_retention = on_retention
        self._collectors = collectors
        self._lock = asyncio.Lock()

    @property
    def running(self) -> EngineConfig:
        """The configuration the engine runs with now."""
        return self._running

    @property
    def layered(self) -> EngineConfig:
        """The configuration with the saved settings: the engine's after a restart."""
        return self._layered

    @property
    def saved_keys(self) -> list[SettingKey]:
        """The settings saved here (the others are the file's)."""
        return [key for key in SETTING_KEYS if key in self._saved]

    @property
    def restart_required(self) -> list[str]:
        """The saved settings the engine applies only after a restart, by path."""
        return restart_required(self._running, self._layered)

    async def save(self, conn: asyncpg.Connection, given: Mapping[str, Any]) -> None:
        """Check GIVEN settings (every key of SETTING_KEYS), store them by CONN, apply what can be.

        Raises `OptionError` naming the first bad option; nothing is stored then.
        """
        async with self._lock:
            given = with_tokens(self._saved, given)
            layered = effective(self._seed, given)
            saved: dict[str, Any] = {
                key: given[key] for key in SETTING_KEYS if key in differing(self._seed, layered)
            }
            await replace_saved(conn, saved)
            self._saved, self._layered = saved, layered
            live = applied_live(self._running, layered)
            if live.retention != self._running.retention:
                await self._on_retention(conn, live.retention)
            wanted = {instance.name: instance for instance in live.homeassistant}
            for collector in self._collectors:
                now = collector.instance
                if (found := wanted.get(now.name)) is not None and (
                    found.include,
                    found.exclude,
                ) != (now.include, now.exclude):
                    collector.select(found.include, found.exclude)
            self._running = live
