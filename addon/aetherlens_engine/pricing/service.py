"""The tariff service: costs kept current under the active tariffs, recomputed in the background.

There is an active tariff per commodity (electricity, gas, water), each pricing its own hours,
and a grid connection may have a tariff of its own (`store.tariffs.attach_tariff`), pricing its
devices in place of the active electricity tariff.

- After the rollups, `price_rolled_up` prices the hours they touched under each (to now: under
  block tiers a changed hour moves the tier position of the cycle's later hours; under prorated
  tiers the whole cycle so far).
- Saving a version of an active tariff, or activating a tariff, queues a recompute of its
  commodity (`tariff_recompute`); so does a change of the household's electricity meters (a
  device left out or counted again), for electricity. One background task prices the queued
  hours a billing cycle at a time, each cycle in its own transaction, moving the queue's start
  with it: a crash or restart resumes at the first cycle not committed. A new request while one
  runs starts it over from the earliest hour still to do. An error stops it with state `failed`
  (the queue row stays, so the next start tries again); the engine keeps serving.
- At start, an optional tariff file is saved (when it differs from its latest version) and
  activated if no tariff is active.

Every cost write holds one lock, so recompute chunks and live pricing never interleave.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg

from aetherlens_engine.clock import Clock, system_clock
from aetherlens_engine.errors import EngineError
from aetherlens_engine.models import Commodity
from aetherlens_engine.tariffs.calendar import cycles_between
from aetherlens_engine.tariffs.model import TariffError, TierRule
from aetherlens_engine.tariffs.source import Definition
from aetherlens_engine.tariffs.usage import HOUR, floor_hour
from aetherlens_engine.tariffs.versions import StoredTariff
from aetherlens_engine.tasks import cancel_and_wait

from .recompute import RecomputeState, RecomputeStatus, billing_chunks, ceil_hour, price_hours
from .store.recompute import (
    PendingRecompute,
    advance,
    finish,
    first_energy_hour,
    generation,
    pending_recompute,
    request_recompute,
)
from .store.tariffs import (
    active_tariff_names,
    attach_tariff,
    connection_tariffs,
    default_valid_from,
    detach_tariff,
    save_tariff,
    set_active_tariff,
    tariff_versions,
)
from .tariff_file import install_tariff_file

LOGGER = logging.getLogger(__name__)
# Failures a recompute reports as its error; anything else is a bug and is logged in full.
EXPECTED_ERRORS = (EngineError, asyncpg.PostgresError, asyncpg.InterfaceError, OSError)


class TariffService:
    """Owns the active tariffs' costs: live pricing, recomputes and their status."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        day_zone: ZoneInfo,
        *,
        tariff_files: Sequence[Path] = (),
        tariff_timezone: str | None = None,
        clock: Clock = system_clock,
        listener: Callable[[RecomputeStatus], None] | None = None,
    ) -> None:
        """Price into local days of DAY_ZONE; TARIFF_FILES are loaded at start (URDB in its zone).

        LISTENER, if given, is called with every new recompute status.
        """
        self._pool = pool
        self._zone = day_zone
        self._files = tuple(tariff_files)
        self._file_zone = tariff_timezone or day_zone.key
        self._clock = clock
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._settled = asyncio.Event()
        self._settled.set()
        self._task: asyncio.Task[None] | None = None
        self._listener = listener
        self._status = RecomputeStatus()
        # Rolled-up hours not priced yet, and the last reason why.
        self._unpriced: tuple[datetime, datetime] | None = None
        self._unpriced_error: str | None = None

    @property
    def status(self) -> RecomputeStatus:
        """The recompute's current status."""
        return self._status

    @status.setter
    def status(self, status: RecomputeStatus) -> None:
        self._status = status
        if self._listener is not None:
            self._listener(status)

    async def wait_settled(self) -> RecomputeStatus:
        """Wait until no recompute is pending or running; return the status it ended with."""
        await self._settled.wait()
        return self.status

    async def start(self) -> None:
        """Load the tariff files, then resume a recompute left pending by the last run."""
        async with self._pool.acquire() as conn:
            self.status = RecomputeStatus(generation=await generation(conn))
            for path in self._files:
                await self._install_file(conn, path)
            if await pending_recompute(conn) is not None:
                self._settled.clear()
                self._wake.set()
        self._task = asyncio.create_task(self._work(), name="tariff-recompute")

    async def stop(self) -> None:
        """Stop the background recompute; its queue row keeps what is left to do."""
        await cancel_and_wait(self._task)
        self._task = None

    async def save(
        self, loaded: Definition, valid_from: datetime | None, *, activate: bool
    ) -> tuple[StoredTariff, bool]:
        """Store LOADED as the next version of its name (activating it if asked).

        Queues a recompute of its commodity when the name is (now) active there. Returns the
        version and whether it is active.
        """
        now = self._clock()
        async with self._pool.acquire() as conn:
            name, commodity = loaded.tariff.name, loaded.tariff.commodity
            start = valid_from or await default_valid_from(conn, name, now)
            stored = await save_tariff(conn, loaded.definition, start)
            if activate:
                await self._activate(conn, name, now)
                return stored, True
            return stored, await self._recompute_version(conn, stored, commodity)

    async def _recompute_version(
        self, conn: asyncpg.Connection, stored: StoredTariff, commodity: Commodity
    ) -> bool:
        """Recompute from a new version's start what its tariff prices; return if it prices any.

        That is its commodity, where it is the active tariff, and the grid connections it is
        attached to.
        """
        attached = [c for c, t in (await connection_tariffs(conn)).items() if t == stored.name]
        for connection in attached:
            await self._request(conn, stored.valid_from, commodity, connection)
        if (await active_tariff_names(conn)).get(commodity) == stored.name:
            await self._request(conn, stored.valid_from, commodity)
            return True
        return bool(attached)

    async def activate(self, name: str) -> None:
        """Make NAME the active tariff of its commodity (see `_activate`)."""
        async with self._pool.acquire() as conn:
            await self._activate(conn, name, self._clock())

    async def attach(self, connection: str, name: str) -> None:
        """Price the grid CONNECTION with the tariff NAME; recompute it and the active tariff's.

        The active electricity tariff's household loses the connection's meters: its tiers
        and cycles change too.
        """
        now = self._clock()
        async with self._pool.acquire() as conn:
            async with conn.transaction():
                await attach_tariff(conn, connection, name)
            start = await self._activation_start(conn, name, now)
            await self._request(conn, start, Commodity.ELECTRICITY, connection)
            await self._request(conn, start, Commodity.ELECTRICITY)

    async def detach(self, connection: str) -> str | None:
        """Price the grid CONNECTION with the active tariff again; return the tariff it had.

        None: it had none of its own. The active tariff's household gets the connection's
        meters back: it is recomputed from its first hour with energy.
        """
        now = self._clock()
        async with self._pool.acquire() as conn:
            async with conn.transaction():
                name = await detach_tariff(conn, connection)
            if name is None:
                return None
            active = (await active_tariff_names(conn)).get(Commodity.ELECTRICITY)
            start = await self._activation_start(conn, active, now) if active else now
            await self._request(conn, start, Commodity.ELECTRICITY)
        return name

    async def _activate(self, conn: asyncpg.Connection, name: str, now: datetime) -> None:
        """Activate NAME for its commodity and recompute every hour with energy under it."""
        commodity = await set_active_tariff(conn, name)
        await self._request(conn, await self._activation_start(conn, name, now), commodity)

    async def household_changed(
        self, commodities: Collection[Commodity] = (Commodity.ELECTRICITY,)
    ) -> None:
        """Recompute every hour with energy: the household's use, which rates may follow, changed.

        Called when a device left out of the household, or counted again, changes its meters,
        and when Home Assistant changes what a device is (COMMODITIES: the households moved).
        Each of them is recomputed under its active tariff; electricity also under the grid
        connections' own tariffs.
        """
        async with self._pool.acquire() as conn:
            first = await first_energy_hour(conn)
            if first is None:
                return
            active = await active_tariff_names(conn)
            for commodity in sorted(set(commodities)):
                if commodity in active:
                    await self._request(conn, first, commodity)
            if Commodity.ELECTRICITY in commodities:
                for connection in sorted(await connection_tariffs(conn)):
                    await self._request(conn, first, Commodity.ELECTRICITY, connection)

    async def price_rolled_up(self, span: tuple[datetime, datetime] | None) -> int:
        """Price the hours of SPAN (from the rollups) and later ones; return the rows written.

        Each commodity's active tariff prices them. Hours that could not be priced (the
        database failed, a dynamic tariff has no recorded price yet, a meter its tariff cannot
        convert) are kept and tried again with the next span.
        """
        if self._unpriced is not None:
            span = (
                self._unpriced
                if span is None
                else (min(span[0], self._unpriced[0]), max(span[1], self._unpriced[1]))
            )
        if span is None:
            return 0
        self._unpriced = span
        start, end = span[0], max(span[1], ceil_hour(self._clock()))
        written, errors = 0, []
        async with self._lock, self._pool.acquire() as conn:
            pricing = [(name, "") for name in (await active_tariff_names(conn)).values()]
            pricing += [(name, c) for c, name in (await connection_tariffs(conn)).items()]
            for name, connection in pricing:
                first = await self._reprice_from(conn, name, start, end)
                try:
                    written += await price_hours(
                        conn, name, first, end, self._zone, connection=connection
                    )
                except EngineError as err:
                    errors.append(f"under {name!r} from {first.isoformat()}: {err}")
        if errors:
            # Once per problem: a dynamic price may stay missing for many rollup runs.
            if "; ".join(errors) != self._unpriced_error:
                LOGGER.warning("Cannot price the hours %s", "; ".join(errors))
            self._unpriced_error = "; ".join(errors)
            return written
        self._unpriced = None
        self._unpriced_error = None
        return written

    async def _reprice_from(
        self, conn: asyncpg.Connection, name: str, start: datetime, end: datetime
    ) -> datetime:
        """Return START, or the start of its billing cycle under prorated tiers.

        Under prorated tiers every hour of the cycle so far shares the tier split.
        """
        for stored in await tariff_versions(conn, name):
            tariff = stored.tariff()
            in_force = stored.valid_from <= start and (
                stored.valid_to is None or start < stored.valid_to
            )
            if in_force and tariff.tier_rule is TierRule.PRORATED:
                cycle = cycles_between(start, end, tariff.zone, tariff.cycle_day)[0]
                return max(cycle.start_utc, stored.valid_from)
        return start

    async def _install_file(self, conn: asyncpg.Connection, path: Path) -> None:
        try:
            installed = await install_tariff_file(conn, path, self._file_zone, self._clock())
        except TariffError as err:
            raise TariffError(f"tariff_file {path}: {err}") from err
        if installed.saved is not None:
            LOGGER.info(
                "Saved tariff %r version %s from %s",
                installed.name,
                installed.saved.version,
                path,
            )
        if installed.activated:
            start = await self._activation_start(conn, installed.name, self._clock())
            await self._request(conn, start, installed.commodity)
        elif installed.saved is not None:
            await self._recompute_version(conn, installed.saved, installed.commodity)

    async def _activation_start(
        self, conn: asyncpg.Connection, name: str, now: datetime
    ) -> datetime:
        """Return where an activation's recompute starts.

        That is the first hour with energy, or the tariff's first version if earlier: its costs
        replace the previous tariff's from there.
        """
        versions = await tariff_versions(conn, name)
        candidates = [now, versions[0].valid_from] if versions else [now]
        first = await first_energy_hour(conn)
        if first is not None:
            candidates.append(first)
        return min(candidates)

    async def _request(
        self,
        conn: asyncpg.Connection,
        start: datetime,
        commodity: Commodity = Commodity.ELECTRICITY,
        connection: str = "",
    ) -> None:
        pending_start = await request_recompute(conn, start, commodity, connection)
        name = await self._pricing(conn, commodity, connection)
        first = await first_energy_hour(conn)
        self.status = replace(
            RecomputeStatus(generation=self.status.generation),
            state=RecomputeState.RUNNING,
            tariff=name,
            start=max(pending_start, first) if first is not None else pending_start,
            started_at=self._clock(),
        )
        self._settled.clear()
        self._wake.set()

    @staticmethod
    async def _pricing(
        conn: asyncpg.Connection, commodity: Commodity, connection: str
    ) -> str | None:
        """Return the tariff pricing COMMODITY's rates of CONNECTION ('': the active one)."""
        if connection:
            return (await connection_tariffs(conn)).get(connection)
        return (await active_tariff_names(conn)).get(commodity)

    async def _work(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self._run_pending()
            except EXPECTED_ERRORS as err:
                LOGGER.warning("The tariff recompute failed: %s", err)
                self._fail(str(err))
            except Exception as err:  # a bug must not end the service; it is logged in full
                LOGGER.exception("The tariff recompute failed")
                self._fail(f"unexpected error: {err}")
            if not self._wake.is_set():
                self._settled.set()

    def _fail(self, message: str) -> None:
        self.status = replace(
            self.status, state=RecomputeState.FAILED, error=message, finished_at=self._clock()
        )

    async def _run_pending(self) -> None:
        """Price the queued hours of each commodity; start over whenever a new request comes in."""
        while True:
            async with self._pool.acquire() as conn:
                pending = await pending_recompute(conn)
                if pending is None:
                    return
                name = await self._pricing(conn, pending.commodity, pending.connection)
                versions = await tariff_versions(conn, name) if name is not None else []
                first = await first_energy_hour(conn)
            end = ceil_hour(self._clock())
            start = max(floor_hour(pending.start), first) if first is not None else end
            # Without an active tariff there is nothing to price with: the request is done.
            chunks = billing_chunks(versions, start, end) if name is not None else []
            self.status = RecomputeStatus(
                state=RecomputeState.RUNNING,
                tariff=name,
                start=start,
                hours_total=sum((high - low) // HOUR for low, high in chunks),
                started_at=self.status.started_at or self._clock(),
                generation=self.status.generation,
            )
            if name is None or await self._run_chunks(pending, name, chunks):
                async with self._pool.acquire() as conn:
                    finished = await finish(conn, pending)
                if finished is not None:
                    self.status = replace(
                        self.status,
                        state=RecomputeState.DONE,
                        hours_done=self.status.hours_total,
                        finished_at=self._clock(),
                        generation=finished,
                    )

    async def _run_chunks(
        self, pending: PendingRecompute, name: str, chunks: list[tuple[datetime, datetime]]
    ) -> bool:
        """Price CHUNKS one transaction each; False when a new request interrupts them."""
        for low, high in chunks:
            if self._wake.is_set():
                self._wake.clear()
                return False
            async with self._lock, self._pool.acquire() as conn, conn.transaction():
                await price_hours(conn, name, low, high, self._zone, connection=pending.connection)
                await advance(conn, pending, high)
            self.status = replace(
                self.status, hours_done=self.status.hours_done + (high - low) // HOUR
            )
        return True
