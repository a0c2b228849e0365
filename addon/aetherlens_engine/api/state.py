"""What the API's handlers share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

import asyncpg
from aiohttp import web

from aetherlens_engine.clock import Clock, system_clock
from aetherlens_engine.ingest.stats import IngestStats
from aetherlens_engine.live import LiveUpdates
from aetherlens_engine.models import IngestResult, RawReading
from aetherlens_engine.pricing import CyclePricing
from aetherlens_engine.pricing.metered_cycle import MeteredCycles
from aetherlens_engine.pricing.recompute import RecomputeStatus
from aetherlens_engine.pricing.service import TariffService

from .hosts import allowed_host_names
from .limits import ApiLimits

if TYPE_CHECKING:  # the plugins import the API's models: no import at run time
    from aetherlens_engine.plugins.control import PluginControl
    from aetherlens_engine.settings import SettingsControl


class ReadingSink(Protocol):
    """Where `POST /api/v1/readings` hands readings (the ingest pipeline).

    `submit` validates the batch, commits or spools what it accepts before returning, and
    reports every refused reading (unknown device, wrong unit, …) as a `Rejection` by its index
    in the submitted sequence. It raises an `EngineError` (such as a full buffer) when it cannot
    take the batch now; the API then answers 503 with Retry-After.
    """

    async def submit(self, readings: Sequence[RawReading]) -> IngestResult:
        """Take READINGS; return how many were accepted and why the others were not."""
        ...

    @property
    def stats(self) -> IngestStats:
        """Return a snapshot of the pipeline's counters."""
        ...


@dataclass(slots=True)
class EngineState:
    """The running engine as the API sees it.

    Without a `token` every authenticated route answers 401: the API fails closed.
    """

    version: str
    instance_id: str
    pool: asyncpg.Pool | None = None
    token: str | None = field(default=None, repr=False)
    sink: ReadingSink | None = None
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    currency: str = "EUR"
    limits: ApiLimits = field(default_factory=ApiLimits)
    # Status of each collector and plugin by name, as JSON-ready dicts.
    collectors: dict[str, dict[str, Any]] = field(default_factory=dict)
    plugins: dict[str, dict[str, Any]] = field(default_factory=dict)
    # How installing each third-party plugin package went, by package name.
    plugin_packages: dict[str, dict[str, Any]] = field(default_factory=dict)
    clock: Clock = system_clock
    # Saves/activates tariffs and recomputes costs; without it tariffs are read-only.
    tariff_service: TariffService | None = None
    # True while the engine starts: the API answers before the database and the services are.
    starting: bool = False
    # Names the Host header may carry besides IP addresses (see hosts.py).
    allowed_hosts: frozenset[str] = field(default_factory=lambda: allowed_host_names("127.0.0.1"))
    # The current billing cycle's figures, kept per hour for every route that shows them.
    pricing: CyclePricing = field(default_factory=CyclePricing)
    # Gas and water: their cycles so far, kept per hour likewise (the summary's budgets).
    metered: MeteredCycles = field(default_factory=MeteredCycles)
    # The open event streams, told when new figures exist.
    live: LiveUpdates = field(default_factory=LiveUpdates)
    # Enables, disables and reconfigures the plugin instances; None until the engine runs them.
    plugin_control: PluginControl | None = None
    # Reads and saves the settings the page changes; None until the engine has its database.
    settings: SettingsControl | None = None

    @property
    def recompute(self) -> RecomputeStatus:
        """The cost recompute's status (idle without a tariff service)."""
        if self.tariff_service is None:
            return RecomputeStatus()
        return self.tariff_service.status


STATE_KEY = web.AppKey("state", EngineState)
