"""Supervision of one plugin instance in its worker process.

It polls on schedule, hands results to a sink, and restarts the worker with backoff when it
crashes, hangs or bloats. Its `status` is what `/api/v1/health` and `/metrics` show.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg

from aetherlens_engine.clock import Clock, system_clock
from aetherlens_engine.ingest.errors import IngestError
from aetherlens_engine.tasks import cancel_and_wait

from .base import PluginError, PluginManifest, secret_values
from .process import PluginCrashedError, PluginMemoryError, PluginProcess, PluginTimeoutError
from .protocol import redact
from .records import decode_result
from .results import PollResult

LOGGER = logging.getLogger(__name__)
# Consecutive failed polls after which a plugin is `failing` rather than `degraded`.
FAILING_AFTER = 3

ResultSink = Callable[[str, PollResult], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class SupervisionSettings:
    """Limits and pacing of one plugin instance."""

    poll_interval: timedelta
    poll_timeout: timedelta = timedelta(minutes=5)
    start_timeout: timedelta = timedelta(seconds=60)
    memory_limit_bytes: int | None = 512 * 2**20
    first_backoff: timedelta = timedelta(seconds=1)
    max_backoff: timedelta = timedelta(minutes=15)

    def backoff(self, failures: int) -> float:
        """Return the seconds to wait after FAILURES consecutive failures (1 → first_backoff)."""
        seconds = self.first_backoff.total_seconds() * float(2 ** max(failures - 1, 0))
        return min(seconds, self.max_backoff.total_seconds(), self.poll_interval.total_seconds())


@dataclass(slots=True)
class PluginStatus:
    """How a plugin instance is doing."""

    plugin: str
    version: str
    status: str = "starting"
    last_error: str | None = None
    last_success: datetime | None = None
    last_failure: datetime | None = None
    consecutive_failures: int = 0
    restarts: int = 0
    polls: int = 0
    requests: int = 0
    # Records refused (malformed, or of a kind the manifest does not declare), and the last why.
    refused: int = 0
    last_refusal: str | None = None
    request_cost: Decimal = Decimal(0)
    request_currency: str = "USD"
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Return the status as JSON-ready values (money as a string)."""
        return {
            "plugin": self.plugin,
            "version": self.version,
            "status": self.status,
            "last_error": self.last_error,
            "last_success": self.last_success.isoformat() if self.last_success else None,
            "last_failure": self.last_failure.isoformat() if self.last_failure else None,
            "consecutive_failures": self.consecutive_failures,
            "restarts": self.restarts,
            "polls": self.polls,
            "requests": self.requests,
            "refused": self.refused,
            "last_refusal": self.last_refusal,
            "request_cost": str(self.request_cost),
            "request_currency": self.request_currency,
            "details": self.details,
        }


class PluginSupervisor:
    """Keeps one plugin instance polling; nothing it does can raise into the engine."""

    def __init__(
        self,
        name: str,
        reference: str,
        manifest: PluginManifest,
        *,
        config: Mapping[str, Any],
        sink: ResultSink,
        settings: SupervisionSettings,
        published: dict[str, dict[str, Any]] | None = None,
        state_dir: Path | None = None,
        clock: Clock = system_clock,
    ) -> None:
        """Prepare instance NAME of the plugin at REFERENCE with its raw CONFIG.

        Results go to SINK; the status is mirrored into PUBLISHED[NAME] (the API's state). The
        plugin keeps what must outlive its worker in STATE_DIR. CLOCK times the status.
        """
        self._state_dir = state_dir
        self._clock = clock
        self.name = name
        self._reference = reference
        self._manifest = manifest
        self._config = dict(config)
        self._sink = sink
        self._settings = settings
        self._secrets = secret_values(manifest, config)
        self._published = published if published is not None else {}
        self.status = PluginStatus(
            manifest.name, manifest.version, request_currency=manifest.request_currency
        )
        self._process: PluginProcess | None = None
        self._task: asyncio.Task[None] | None = None
        self._publish()

    def start(self) -> None:
        """Start supervising in the background."""
        self._task = asyncio.create_task(self._run(), name=f"plugin {self.name}")

    async def stop(self) -> None:
        """Stop polling and end the worker process."""
        await cancel_and_wait(self._task)
        self._task = None
        if self._process is not None:
            await self._process.close()
            self._process = None
        self.status.status = "stopped"
        self._publish()

    @property
    def pid(self) -> int | None:
        """Return the current worker's process id, if one runs."""
        return self._process.pid if self._process is not None else None

    async def _run(self) -> None:
        while True:
            try:
                await self._poll_once()
            except (PluginCrashedError, PluginTimeoutError, PluginMemoryError) as err:
                await self._discard_process()
                self._failed(str(err))
            except PluginError as err:
                self._failed(str(err))
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, IngestError) as err:
                self._failed(f"cannot store the plugin's results: {err}")
            else:
                await asyncio.sleep(self._settings.poll_interval.total_seconds())
                continue
            await asyncio.sleep(self._settings.backoff(self.status.consecutive_failures))

    async def _poll_once(self) -> None:
        process = await self._ensure_process()
        answer = await process.request(
            {"op": "poll", "now": self._clock().isoformat()},
            within=self._settings.poll_timeout.total_seconds(),
            memory_limit=self._settings.memory_limit_bytes,
        )
        if not answer.get("ok"):
            raise PluginError(str(answer.get("error", "the plugin failed without a message")))
        decoded = decode_result(self.name, self._manifest.provides, answer.get("result"))
        for refusal in decoded.refused:
            LOGGER.warning("Record refused: %s", redact(refusal, self._secrets))
        if decoded.refused:
            self.status.refused += len(decoded.refused)
            self.status.last_refusal = redact(decoded.refused[-1], self._secrets)
        result = decoded.result
        await self._sink(self._manifest.name, result)
        health = await process.request(
            {"op": "health"},
            within=self._settings.poll_timeout.total_seconds(),
            memory_limit=self._settings.memory_limit_bytes,
        )
        status = self.status
        status.polls += 1
        status.requests += result.requests
        status.request_cost = status.requests * self._manifest.request_price
        status.details = health.get("health", {}) if health.get("ok") else {}
        status.status = "healthy"
        status.consecutive_failures = 0
        status.last_success = self._clock()
        self._publish()

    async def _ensure_process(self) -> PluginProcess:
        if self._process is not None:
            return self._process
        if self.status.polls or self.status.consecutive_failures:
            self.status.restarts += 1
        process = await PluginProcess.spawn(f"{__package__}.{self.name}", self._secrets)
        self._process = process
        answer = await process.request(
            {
                "op": "start",
                "plugin": self._reference,
                "config": self._config,
                "state_dir": str(self._state_dir) if self._state_dir else None,
            },
            within=self._settings.start_timeout.total_seconds(),
            memory_limit=self._settings.memory_limit_bytes,
        )
        if not answer.get("ok"):
            # A plugin that cannot start gets a fresh process on the next attempt.
            await self._discard_process()
            raise PluginError(str(answer.get("error", "the plugin could not start")))
        LOGGER.info("Plugin %s started (pid %s)", self.name, process.pid)
        return process

    async def _discard_process(self) -> None:
        if self._process is not None:
            await self._process.kill()
            self._process = None

    def _failed(self, message: str) -> None:
        status = self.status
        status.last_error = redact(message, self._secrets)
        status.last_failure = self._clock()
        status.consecutive_failures += 1
        status.status = "failing" if status.consecutive_failures >= FAILING_AFTER else "degraded"
        LOGGER.warning("Plugin %s failed: %s", self.name, status.last_error)
        self._publish()

    def _publish(self) -> None:
        self._published[self.name] = self.status.to_json()
