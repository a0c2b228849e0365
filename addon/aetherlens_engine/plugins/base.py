"""What a plugin is: a manifest and a lifecycle (validate config, start, poll, health, stop).

A plugin runs in a worker process of its own (see `worker`); the engine only ever talks to it
through the supervisor. Plugins return what they fetched as a `PollResult`, of the kinds their
manifest declares. A `SourcePlugin` splits its poll into fetching its source's answer and parsing
it, so that `plugin validate` and tests replay a recorded answer without the network.
"""

from __future__ import annotations

import os
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import voluptuous as vol

from aetherlens_engine.clock import Clock, system_clock
from aetherlens_engine.errors import EngineError

from .results import PollResult, Provides

# A plugin's name is its entry point's and its options' key: plain lower-case words.
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,62}")


class PluginError(EngineError):
    """A plugin failed to fetch; the message says why, without secrets."""


class PluginConfigError(PluginError):
    """A plugin's configuration is invalid; the message names the option."""


@dataclass(frozen=True, slots=True)
class PluginManifest:
    """Who a plugin is and how it wants to be run.

    `secret_keys` names the options whose values must never leave the worker in clear text: the
    supervisor and the worker blank them in every error, log line and status. The values of the
    environment variables in `secret_environment` (credentials a default chain reads) and what
    `Plugin.discovered_secrets` returns are blanked likewise. `provides` lists the kinds of record
    the plugin delivers: the engine refuses records of any other kind.
    """

    name: str
    version: str
    config_schema: vol.Schema
    poll_interval: timedelta
    # The shortest interval a user may configure (APIs that throttle or bill per request).
    min_poll_interval: timedelta = timedelta(0)
    secret_keys: frozenset[str] = field(default_factory=frozenset)
    secret_environment: frozenset[str] = field(default_factory=frozenset)
    # What each billable request (`PollResult.requests`) costs, in `request_currency`.
    request_price: Decimal = Decimal(0)
    request_currency: str = "USD"
    provides: frozenset[Provides] = frozenset({Provides.CLOUD_COSTS})

    def __post_init__(self) -> None:
        """Refuse a manifest the engine could not run, naming the field."""
        if not NAME_PATTERN.fullmatch(self.name):
            raise PluginConfigError(
                f"manifest name {self.name!r}: use lower-case letters, digits and '_', "
                "starting with a letter"
            )
        if not self.version.strip():
            raise PluginConfigError(f"{self.name}: manifest version is empty")
        if not isinstance(self.config_schema, vol.Schema):
            raise PluginConfigError(f"{self.name}: manifest config_schema is not a vol.Schema")
        if self.poll_interval <= timedelta(0):
            raise PluginConfigError(f"{self.name}: manifest poll_interval must be positive")
        if not self.provides or not all(isinstance(kind, Provides) for kind in self.provides):
            raise PluginConfigError(
                f"{self.name}: manifest provides must name at least one of {', '.join(Provides)}"
            )
        if not re.fullmatch(r"[A-Z]{3}", self.request_currency) or self.request_price < 0:
            raise PluginConfigError(f"{self.name}: manifest request price or currency is invalid")


def validate_config(manifest: PluginManifest, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Return RAW validated by MANIFEST's schema, or raise `PluginConfigError` naming the option."""
    try:
        config: dict[str, Any] = manifest.config_schema(dict(raw))
    except vol.MultipleInvalid as err:
        first = err.errors[0]
        path = ".".join(str(p) for p in first.path) or "(top level)"
        raise PluginConfigError(f"{manifest.name}: invalid option '{path}': {first.msg}") from err
    return config


def secret_values(
    manifest: PluginManifest,
    config: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
) -> tuple[str, ...]:
    """Return the non-empty values of CONFIG's secret options and secret environment variables.

    Secret options count wherever they are nested; the variables are read from ENVIRON (the
    process's own by default).
    """
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if key in manifest.secret_keys and isinstance(value, str) and value:
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list | tuple):
            for item in node:
                walk(item)

    walk(config)
    environ = os.environ if environ is None else environ
    found.extend(
        value for name in sorted(manifest.secret_environment) if (value := environ.get(name))
    )
    return tuple(found)


class Plugin(ABC):
    """A source of records; subclasses set `manifest` and implement `poll`."""

    manifest: ClassVar[PluginManifest]

    def __init__(self, config: Mapping[str, Any], *, clock: Clock = system_clock) -> None:
        """Keep CONFIG, already validated against the manifest's schema.

        CLOCK is the plugin's "now" (which days are open, when a forecast is due): the worker
        process runs on the system clock, tests pin it.
        """
        self.config = dict(config)
        self.clock = clock
        # Where the plugin may keep what must survive a restart (set by the worker, if any).
        self.state_dir: Path | None = None

    async def start(self) -> None:  # noqa: B027 - optional hook: most plugins need no setup
        """Open clients and sessions; called once in the worker before the first poll."""

    @abstractmethod
    async def poll(self) -> PollResult:
        """Fetch what is new; raise `PluginError` with a message a user can act on."""

    def health(self) -> dict[str, Any]:
        """Return the plugin's own figures (requests made, …) as JSON-ready values."""
        return {}

    def discovered_secrets(self) -> tuple[str, ...]:
        """Return secrets `start` found outside the configuration (a credentials file, …)."""
        return ()

    async def stop(self) -> None:  # noqa: B027 - optional hook: most plugins hold nothing
        """Close what `start` opened."""


class SourcePlugin(Plugin):
    """A plugin whose poll is one fetch from its source and a parse of the answer.

    `fetch` talks to the source and returns its answer as JSON-ready values; `parse` turns such an
    answer into a `PollResult` without any I/O. A recorded answer (`plugin validate`'s fixture,
    a test's) goes through `parse` exactly as a live one does.
    """

    @abstractmethod
    async def fetch(self) -> Any:
        """Return the source's answer (JSON-ready); raise `PluginError` if it cannot be had."""

    @abstractmethod
    def parse(self, answer: Any) -> PollResult:
        """Return the records in ANSWER; raise `PluginError` naming what is wrong in it."""

    async def poll(self) -> PollResult:
        """Fetch and parse."""
        return self.parse(await self.fetch())
