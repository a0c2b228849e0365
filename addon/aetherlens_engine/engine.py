"""The running engine: database → ingestion → maintenance → API, started and stopped in order."""

from __future__ import annotations

import asyncio
import logging
import signal
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

import asyncpg
from aiohttp import web

from . import __version__
from .api import ApiLimits, EngineState, create_app
from .api.hosts import allowed_host_names
from .budgets import BudgetKeeper
from .clock import Clock, system_clock
from .collector import HomeAssistantCollector
from .config import EngineConfig
from .database import Database, open_pool, prepare
from .ingest import IngestPipeline
from .plugins import CloudCostWriter, PluginManager, PollResult, Provides, ReadingFeed
from .plugins.control import PluginControl, saved_settings, with_settings
from .plugins.packages import PackageInstaller
from .plugins.statements import StatementWriter
from .pricing.service import TariffService
from .settings import SettingsControl, load_saved
from .storage.compaction import compact_readings
from .storage.features import DatabaseFeatures, detect_features
from .storage.retention import RetentionSettings, apply_policies, enforce_retention
from .storage.rollups import RollupMaintainer
from .tasks import cancel_and_wait
from .token import load_or_create_token
from .web import IngressPolicy

LOGGER = logging.getLogger(__name__)
RETENTION_INTERVAL = timedelta(hours=1)
# How often budgets naming a device not seen yet are tried again.
BUDGET_RETRY_INTERVAL = timedelta(minutes=5)
# What the engine stores of plugins' records: every kind a plugin may provide.
STORED_FROM_PLUGINS = frozenset(Provides)


class Announcer(Protocol):
    """Tells others where the engine is while it runs (the add-on: Home Assistant's discovery)."""

    def start(self) -> None:
        """Start announcing in the background."""

    async def stop(self) -> None:
        """Stop announcing."""


# Installed by an entry point to announce the engine: given the API's port and a getter of its
# current token, an `Announcer`, or None when there is no one to tell. The engine itself knows
# nothing of where it runs.
type AnnounceHook = Callable[[int, Callable[[], str | None]], Announcer | None]


INSTANCE_ID_FILE = "instance_id"


def _known_instance_id(data_dir: Path) -> str:
    """Return the identity the engine had when it last reached its database ("" if never)."""
    try:
        return (data_dir / INSTANCE_ID_FILE).read_text().strip()
    except FileNotFoundError:
        return ""


async def _instance_id(pool: asyncpg.Pool, data_dir: Path) -> str:
    """Return the engine's identity, made once and kept with its data (and in DATA_DIR)."""
    async with pool.acquire() as conn:
        await conn.execute(
            """
            INSERT INTO engine_settings (key, value) VALUES ('instance_id', to_jsonb($1::text))
            ON CONFLICT (key) DO NOTHING
            """,
            uuid.uuid4().hex,
        )
        value: str = await conn.fetchval(
            "SELECT value #>> '{}' FROM engine_settings WHERE key = 'instance_id'"
        )
    (data_dir / INSTANCE_ID_FILE).write_text(value)
    return value


def _limit_ages(pipeline: IngestPipeline, retention: RetentionSettings) -> None:
    """Refuse readings the retention would delete before they are rolled up."""
    pipeline.set_ages(timedelta(days=retention.readings_days), timedelta(days=retention.daily_days))


class Engine:
    """Owns every long-lived part of the engine and their order of start and stop."""

    def __init__(
        self,
        config: EngineConfig,
        *,
        clock: Clock = system_clock,
        announce: AnnounceHook | None = None,
        ingress: IngressPolicy | None = None,
    ) -> None:
        """Prepare an engine for CONFIG; nothing starts before `run`.

        CLOCK is the one "now" of every part the engine starts; ANNOUNCE, when an entry point
        installs it, announces the engine once everything has started; INGRESS, when it gives
        one, is whom the API trusts as Home Assistant's ingress proxy (none by default).
        """
        self.config = config
        self.clock = clock
        self._announce = announce
        self._ingress = ingress
        self.stopping = asyncio.Event()
        self._database: Database | None = None
        self._pipeline: IngestPipeline | None = None
        self._plugins: PluginManager | None = None
        self._collectors: list[HomeAssistantCollector] = []
        self._runner: web.AppRunner | None = None
        self._announcer: Announcer | None = None
        self._tariffs: TariffService | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._state: EngineState | None = None
        self._settings: SettingsControl | None = None

    async def run(self) -> None:
        """Start everything, serve until SIGTERM/SIGINT, then stop everything."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stopping.set)
        try:
            await self.start()
            await self.stopping.wait()
        finally:
            await self.stop()

    async def start(self) -> None:
        """Start ingestion (spooling) and the API, then, once the database is ready, the rest."""
        config = self.config
        config.data_dir.mkdir(parents=True, exist_ok=True)
        token = load_or_create_token(config.data_dir)
        self._database = database = await open_pool(config.data_dir, config.database_url)
        pool = database.pool
        self._pipeline = pipeline = IngestPipeline(
            pool,
            config.data_dir / "spool",
            buffer_size=config.ingest.buffer_size,
            batch_size=config.ingest.batch_size,
            flush_interval=config.ingest.flush_interval.total_seconds(),
            clock=self.clock,
            # Older readings would be deleted by the retention before they are rolled up.
            max_age=timedelta(days=config.retention.readings_days),
            max_backfill_age=timedelta(days=config.retention.daily_days),
            registry_path=config.data_dir / "devices.json",
        )
        # The API listens and readings are spooled before the database is ready: it may be down
        # at start for long, and then the spool is what keeps readings.
        await pipeline.start(offline=True)
        state = EngineState(
            version=__version__,
            instance_id=_known_instance_id(config.data_dir),
            pool=pool,
            token=token,
            sink=pipeline,
            timezone=config.timezone,
            currency=config.currency,
            clock=self.clock,
            allowed_hosts=allowed_host_names(config.api.host, config.api.allowed_hosts),
            starting=True,
            limits=ApiLimits(
                max_body_bytes=config.api.max_body_bytes,
                requests_per_second=config.api.rate_limit_per_second,
                request_burst=config.api.rate_limit_burst,
            ),
        )
        self._state = state
        self._runner = web.AppRunner(create_app(state, self._ingress), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, config.api.host, config.api.port).start()
        LOGGER.info(
            "AetherLens engine %s listening on %s:%s", __version__, config.api.host, config.api.port
        )
        await prepare(database, self.stopping)
        await pipeline.go_online()
        state.instance_id = await _instance_id(pool, config.data_dir)
        async with pool.acquire() as conn:
            # From here on the configuration is the file's with the page's saved settings.
            saved, config = await load_saved(conn, self.config)
            features = await detect_features(conn)
            mode = await apply_policies(conn, features, config.retention)
        LOGGER.info("Database ready (%s); retention by %s", features, mode)
        state.timezone, state.currency = config.timezone, config.currency

        rollups = RollupMaintainer(pool, config.timezone, max_gap=config.rollup.max_gap)
        # Costs follow the rollups; the service also loads the tariff files and resumes a recompute.
        self._tariffs = tariffs = TariffService(
            pool,
            config.timezone,
            tariff_files=config.tariff_files,
            tariff_timezone=config.tariff_timezone,
            clock=self.clock,
        )
        await tariffs.start()
        state.tariff_service = tariffs
        self._tasks = [
            asyncio.create_task(
                self._every(config.rollup.interval, lambda: self._drain_rollups(rollups, tariffs))
            ),
        ]
        if not features.retention_policies:
            self._tasks.append(
                asyncio.create_task(
                    self._every(
                        RETENTION_INTERVAL,
                        lambda: self._maintain_storage(pool, features),
                    )
                )
            )

        budgets = BudgetKeeper(pool, config.budgets)
        await budgets.sync()
        self._tasks.append(asyncio.create_task(self._every(BUDGET_RETRY_INTERVAL, budgets.retry)))
        # Each writer stores its kinds of record: cloud costs; readings, prices, carbon; statements.
        writers = (
            CloudCostWriter(pool),
            ReadingFeed(pool, pipeline, tariffs.price_rolled_up),
            StatementWriter(pool),
        )

        async def store_plugin_results(source: str, result: PollResult) -> None:
            for writer in writers:
                await writer.write(source, result)
            # A budget may name a cloud account this poll has just created.
            await budgets.retry()

        # Third-party plugin packages first (their entry points name plugins), each reported.
        packages = await PackageInstaller(
            config.data_dir / "plugin-venv", config.plugin_index_url
        ).install(config.plugin_packages)
        state.plugin_packages = {name: status.to_json() for name, status in packages.items()}
        # Each plugin polls in a worker process of its own; the status lands in the health state.
        # The page's changes (enabled, configuration) are saved beside the plugins' state.
        plugin_root = config.data_dir / "plugins"
        self._plugins = PluginManager(
            with_settings(config.plugins, saved_settings(plugin_root)),
            store_plugin_results,
            state.plugins,
            state_root=plugin_root,
            stores=STORED_FROM_PLUGINS,
            clock=self.clock,
        )
        state.plugin_control = PluginControl(self._plugins, plugin_root)
        state.plugin_control.start()
        self._start_collecting(config, pool, pipeline, state, tariffs)
        self._settings = state.settings = self._settings_control(config, saved, features, pipeline)
        if self._announce is not None:
            self._announcer = self._announce(config.api.port, lambda: state.token)
        if self._announcer is not None:
            self._announcer.start()
        state.starting = False

    def _start_collecting(
        self,
        config: EngineConfig,
        pool: asyncpg.Pool,
        pipeline: IngestPipeline,
        state: EngineState,
        tariffs: TariffService,
    ) -> None:
        """Start one collector per Home Assistant instance; each publishes its status.

        A change of what a device is in Home Assistant recomputes the costs it moved (TARIFFS).
        """
        self._collectors = [
            HomeAssistantCollector(
                instance,
                pool,
                pipeline,
                state.collectors,
                clock=self.clock,
                household_changed=tariffs.household_changed,
            )
            for instance in config.homeassistant
        ]
        for collector in self._collectors:
            collector.start()

    def _settings_control(
        self,
        running: EngineConfig,
        saved: Mapping[str, Any],
        features: DatabaseFeatures,
        pipeline: IngestPipeline,
    ) -> SettingsControl:
        """Return what lets the page change the settings the engine runs with (RUNNING).

        A new retention goes to the database's policies and the pipeline's accepted ages (the
        running one, saved or not, from now on), a new include/exclude to the collectors.
        """

        async def apply_retention(conn: asyncpg.Connection, retention: RetentionSettings) -> None:
            await apply_policies(conn, features, retention)
            _limit_ages(pipeline, retention)

        _limit_ages(pipeline, running.retention)
        return SettingsControl(
            self.config, saved, running, on_retention=apply_retention, collectors=self._collectors
        )

    async def stop(self) -> None:
        """Stop taking requests, flush every buffered reading, then close the database."""
        if self._announcer is not None:
            await self._announcer.stop()
            self._announcer = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        for task in self._tasks:
            await cancel_and_wait(task)
        self._tasks = []
        if self._tariffs is not None:
            await self._tariffs.stop()
            self._tariffs = None
        if self._plugins is not None:
            await self._plugins.stop()
            self._plugins = None
        for collector in self._collectors:
            await collector.stop()
        self._collectors = []
        if self._pipeline is not None:
            await self._pipeline.stop()
            self._pipeline = None
        if self._database is not None:
            await self._database.close()
            self._database = None
        LOGGER.info("AetherLens engine stopped")

    async def _every(self, interval: timedelta, job: Callable[[], Awaitable[object]]) -> None:
        """Run JOB every INTERVAL until cancelled; a failing run is logged and retried next time."""
        while True:
            try:
                await job()
            except (
                OSError,
                asyncpg.PostgresError,
                asyncpg.InterfaceError,
                asyncpg.InternalClientError,  # the server vanished mid-query
            ) as err:
                LOGGER.warning(
                    "Background job %s failed: %s", getattr(job, "__qualname__", job), err
                )
            except Exception:  # one failed run must not end the job for good; it is logged
                LOGGER.exception("Background job %s failed", getattr(job, "__qualname__", job))
            await asyncio.sleep(interval.total_seconds())

    async def _drain_rollups(self, rollups: RollupMaintainer, tariffs: TariffService) -> None:
        """Recompute every queued hour, a batch at a time, until the queue is empty; price them.

        Then tell the page's event streams that those hours have new figures.
        """
        while await rollups.process_queue():
            pass
        span = rollups.take_rolled_up()
        await tariffs.price_rolled_up(span)
        if span is not None and self._state is not None:
            self._state.live.publish_rolled_up(*span)

    async def _maintain_storage(self, pool: asyncpg.Pool, features: DatabaseFeatures) -> None:
        """Pack day-old readings and remove expired data (no TimescaleDB policies do it here)."""
        running = self.config if self._settings is None else self._settings.running
        async with pool.acquire() as conn:
            LOGGER.info("Compaction: %s", await compact_readings(conn, features, self.clock()))
            report = await enforce_retention(
                conn,
                features,
                running.retention,
                self.clock(),
                day_zone=running.timezone,
            )
        LOGGER.info("Retention: %s", report)
