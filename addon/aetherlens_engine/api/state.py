"""What the API's handlers share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import asyncpg
from aiohttp import web

from aetherlens_engine.clock import Clock, system_clock
from aetherlens_engine.models import IngestResult, RawReading
from aetherlens_engine.tariffs.recompute import RecomputeStatus
from aetherlens_engine.tariffs.service import TariffService

from .hosts import allowed_host_names
from .limits import ApiLimits


class IngestFigures(Protocol):
    """A snapshot of the ingest pipeline's counters, in readings since it was created."""

    @property
    def accepted(self) -> int:
        """Readings validated and committed or spooled."""
        ...

    @property
    def rejected(self) -> Mapping[str, int]:
        """Readings refused, by reason."""
        ...

    @property
    def committed(self) -> int:
        """Readings written to PostgreSQL."""
        ...

    @property
    def spooled(self) -> int:
        """Readings written to the disk spool because the database could not take them."""
        ...

    @property
    def spool_pending(self) -> int:
        """Readings in the spool, not committed yet."""
        ...

    @property
    def buffered(self) -> int:
        """Readings held in memory."""
        ...

    @property
    def last_flush(self) -> datetime | None:
        """When a batch was last committed or spooled."""
        ...

    @property
    def database_available(self) -> bool:
        """Whether the last write to the database succeeded."""
        ...

    @property
    def dead_lettered(self) -> int:
        """Readings the database refused for their data, kept in the dead-letter file."""
        ...

    @property
    def spool_error(self) -> str | None:
        """Why the last write to the spool failed, until one succeeds."""
        ...

    @property
    def replay_error(self) -> str | None:
        """Why the last replay of the spool failed, until one succeeds."""
        ...


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
    def stats(self) -> IngestFigures:
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
    clock: Clock = system_clock
    # Saves/activates tariffs and recomputes costs; without it tariffs are read-only.
    tariff_service: TariffService | None = None
    # True while the engine starts: the API answers before the database and the services are.
    starting: bool = False
    # Names the Host header may carry besides IP addresses (see hosts.py).
    allowed_hosts: frozenset[str] = field(default_factory=lambda: allowed_host_names("127.0.0.1"))

    @property
    def recompute(self) -> RecomputeStatus:
        """The cost recompute's status (idle without a tariff service)."""
        if self.tariff_service is None:
            return RecomputeStatus()
        return self.tariff_service.status


STATE_KEY = web.AppKey("state", EngineState)
