"""The collector of one Home Assistant instance: connect, map, backfill, follow, reconnect.

Per connection: authenticate, subscribe to entity states (`subscribe_entities`) and to changes of
the entity, device and area registries, read Energy preferences and the registries, create or
update the engine devices, backfill each entity from its last stored reading (history, then
statistics before it), then turn every state change into readings, all through the ingest
pipeline's `submit`. A lost connection is retried with exponential backoff and closes its gap by
the next backfill; a refused token sets the state `auth_failed` with a Repairs-ready `issue` and
is retried only every `auth_retry`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

import aiohttp
import asyncpg

from aetherlens_engine.clock import Clock, system_clock
from aetherlens_engine.ingest.errors import IngestError
from aetherlens_engine.models import NO_FLAGS, Commodity, IngestResult, Quality, RawReading
from aetherlens_engine.tasks import cancel_and_wait

from . import backfill
from .devices import DeviceSpec, StoredDevice, last_readings, upsert_devices
from .entities import (
    GridConnection,
    Registry,
    Role,
    commodity_of,
    containers,
    energy_roles,
    flow_of,
    grid_connections,
    kind_of,
    select,
)
from .measures import COUNTERS, Measure, Unit, classify
from .meters import Meter
from .settings import HomeAssistantInstance
from .status import CollectorStatus, ConnectionState
from .websocket import HassAuthError, HassCommandError, HassConnection, HassError, connect

LOGGER = logging.getLogger(__name__)
SUBMIT_CHUNK = 5_000
MAX_EVENTS_PER_BATCH = 5_000
REGISTRY_EVENTS = ("entity_registry_updated", "device_registry_updated", "area_registry_updated")
PUBLISH_INTERVAL = 1.0  # seconds between status updates while readings flow
# Roles whose power sensor sits beside an energy meter in HA's Energy preferences: not recorded,
# as the rollups would add its integrated power to the meter's energy.
_PAIRED_POWER = frozenset(
    {Role.GRID_POWER, Role.SOLAR_POWER, Role.BATTERY_POWER, Role.DEVICE_POWER}
)
_DATABASE_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)


# A state set by an event: (entity_id, compressed state or diff, its last_reset attribute).
type _Change = tuple[str, Mapping[str, Any], object]
# Called with the commodities whose household rule a change in HA moved (the costs to redo).
type HouseholdChanged = Callable[[frozenset[Commodity]], Awaitable[None]]


class ReadingSink(Protocol):
    """The ingest pipeline as the collector uses it."""

    async def submit(self, readings: Sequence[RawReading]) -> IngestResult:
        """Validate and store READINGS."""
        ...

    async def refresh_devices(self) -> None:
        """Read the device registry again (devices were added)."""
        ...


class HomeAssistantCollector:
    """Keeps one HA instance's readings flowing; nothing it meets raises into the engine."""

    def __init__(
        self,
        instance: HomeAssistantInstance,
        pool: asyncpg.Pool,
        sink: ReadingSink,
        published: dict[str, dict[str, Any]] | None = None,
        *,
        clock: Clock = system_clock,
        household_changed: HouseholdChanged | None = None,
    ) -> None:
        """Collect from INSTANCE into SINK; the status is mirrored into PUBLISHED[name].

        CLOCK times the steady-power heartbeats, the backfill window and the status.
        HOUSEHOLD_CHANGED is awaited when Energy preferences or the registries change what a
        recorded device is (its kind, commodity, flow, grid connection or container).
        """
        self.instance = instance
        self._clock = clock
        self._household_changed = household_changed
        self.status = CollectorStatus(url=instance.url)
        self._pool = pool
        self._sink = sink
        self._published = published if published is not None else {}
        self._task: asyncio.Task[None] | None = None
        self._meters: dict[str, Meter] = {}  # by source_id
        self._by_entity: dict[str, Meter] = {}  # by current entity_id
        self._attributes: dict[str, dict[str, Any]] = {}  # every entity's, by entity_id
        self._latest: dict[str, Mapping[str, Any]] = {}  # state and its start, by entity_id
        self._roles: dict[str, Role] = {}  # of Energy preferences
        self._containers: dict[str, str] = {}  # entity -> the one it is inside (likewise)
        self._connections: dict[str, GridConnection] = {}  # entity -> its grid connection
        self._wanted: dict[str, bool] = {}  # unmapped entities: selected if they had a unit
        self._paired: set[str] = set()  # power entities left out beside their energy meter
        self._currency = "EUR"
        self._published_at = 0.0
        self._reselect = False  # include/exclude changed: map again at the next event
        self._publish()

    def start(self) -> None:
        """Start collecting in the background."""
        self._task = asyncio.create_task(self._run(), name=f"collector {self.instance.name}")

    async def stop(self) -> None:
        """Stop collecting (readings already submitted are kept)."""
        await cancel_and_wait(self._task)
        self._task = None
        self.status.state = ConnectionState.STOPPED
        self._publish(force=True)

    def select(self, include: Sequence[str], exclude: Sequence[str]) -> None:
        """Record by INCLUDE and EXCLUDE from the next sync on (the next event from HA)."""
        self.instance = dataclasses.replace(
            self.instance, include=tuple(include), exclude=tuple(exclude)
        )
        self._reselect = True

    async def _run(self) -> None:
        failures = 0
        while True:
            self._set_state(ConnectionState.CONNECTING)
            try:
                await self._session()
            except HassAuthError as err:
                self._auth_failed(str(err))
                await asyncio.sleep(self.instance.auth_retry.total_seconds())
                continue
            except (HassError, aiohttp.ClientError) as err:
                self._failed(f"{err}")
            except IngestError as err:
                self._meters.clear()  # what was handled may not be stored: resume from the DB
                self._failed(f"the engine could not store readings: {err}")
            except _DATABASE_ERRORS as err:
                self._meters.clear()
                self._failed(f"the database is unavailable: {err}")
            except Exception as err:  # a bug must not end collection for good; it is logged
                LOGGER.exception("Home Assistant %s: the collector failed", self.instance.name)
                self._meters.clear()
                self.status.last_error = f"internal error: {err!r}"
            failures = 1 if self.status.connected_since is not None else failures + 1
            self.status.connected_since = None
            self._set_state(ConnectionState.DISCONNECTED)
            await asyncio.sleep(self.instance.backoff(failures))
            self.status.reconnects += 1

    async def _session(self) -> None:
        instance = self.instance
        timeout = instance.request_timeout.total_seconds()
        async with (
            aiohttp.ClientSession() as http,
            connect(http, instance.url, instance.token, request_timeout=timeout) as conn,
        ):
            status = self.status
            status.ha_version = conn.version
            config = await conn.command({"type": "get_config"})
            self._currency = str(config.get("currency") or self._currency)
            entities_id = await conn.subscribe({"type": "subscribe_entities"})
            # Names, areas and HA devices are kept current from the registries' changes.
            registry_ids = {
                await conn.subscribe({"type": "subscribe_events", "event_type": event_type})
                for event_type in REGISTRY_EVENTS
            }
            while True:  # the first event of subscribe_entities holds every state
                number, event = await self._next_event(conn)
                if number == entities_id:
                    self._apply_states(event)
                    break
            await self._refresh(conn)
            status.connected_since = self._clock()
            status.issue = None
            status.last_error = None
            await self._backfill(conn)
            await self._submit(self._current_readings(self._by_entity))  # older than the window
            self._set_state(ConnectionState.CONNECTED)  # from now on, following live
            LOGGER.info(
                "Home Assistant %s (%s) connected: recording %d entities",
                instance.name,
                conn.version,
                len(self._by_entity),
            )
            keepalive = asyncio.create_task(self._keepalive(conn))
            try:
                while True:
                    # Everything queued is handled, then submitted at once: a submission
                    # waits for its batch to be durable, so the batches grow with the rate.
                    changes: list[_Change] = []
                    added: set[str] = set()
                    refresh = False
                    for number, event in await self._next_events(conn):
                        if number == entities_id:
                            changes += self._apply_states(event)
                            added.update(event.get("a") or {})
                        elif number in registry_ids:
                            refresh = True
                    # A new or renamed entity, or one whose unit just came (HA starting), may
                    # be one to record: map it, and fill what it missed, before its states.
                    if (
                        refresh
                        or self._reselect
                        or any(self._unmapped(e, e in added) for e, _, _ in changes)
                    ):
                        mapped = set(self._by_entity)
                        await self._refresh(conn)
                        new = set(self._by_entity) - mapped
                        await self._backfill(conn, new)
                        await self._submit(self._current_readings(new))
                    await self._submit(self._live_readings(changes))
                    if keepalive.done():
                        keepalive.result()  # a failed ping ends the session
            finally:
                keepalive.cancel()
                with contextlib.suppress(asyncio.CancelledError, HassError):
                    await keepalive

    async def _next_event(self, conn: HassConnection) -> tuple[int, Any]:
        item = await conn.events.get()
        if item is None:
            raise HassError("the connection to Home Assistant was lost")
        self.status.last_message = self._clock()
        return item

    async def _next_events(self, conn: HassConnection) -> list[tuple[int, Any]]:
        """Wait for an event; return it with every other one already queued (up to a limit)."""
        events = [await self._next_event(conn)]
        while len(events) < MAX_EVENTS_PER_BATCH and not conn.events.empty():
            item = conn.events.get_nowait()
            if item is None:
                conn.events.put_nowait(None)  # seen again by the next wait, after this batch
                break
            events.append(item)
        return events

    async def _keepalive(self, conn: HassConnection) -> None:
        """Ping HA, repeat steady power, publish the status; a missing pong ends the session."""
        ping_every = self.instance.ping_interval.total_seconds()
        tick_every = self.instance.heartbeat.total_seconds()
        step = min(ping_every, tick_every, 5.0)
        last_ping = last_tick = time.monotonic()
        while True:
            await asyncio.sleep(step)
            now = time.monotonic()
            if now - last_ping >= ping_every:
                last_ping = now
                try:
                    await conn.ping()
                except HassError:
                    await conn.close()  # the reader ends, and with it the session
                    raise
                self.status.last_message = self._clock()
            if now - last_tick >= tick_every:
                last_tick = now
                moment = self._clock()
                # Recorded meters only: one left out since (Energy preferences) stays silent.
                beats = [r for m in self._by_entity.values() for r in m.tick(moment)]
                await self._submit(beats)
            self._publish(force=True)

    def _apply_states(self, event: Mapping[str, Any]) -> list[_Change]:
        """Keep the attributes of EVENT's states; return the states it sets, by entity."""
        changed: list[_Change] = []
        latest = self._latest
        for entity_id, state in (event.get("a") or {}).items():
            attributes = self._attributes[entity_id] = dict(state.get("a") or {})
            latest[entity_id] = state
            changed.append((entity_id, state, attributes.get("last_reset")))
        for entity_id, diff in (event.get("c") or {}).items():
            attributes = self._attributes.setdefault(entity_id, {})
            added = diff.get("+") or {}
            attributes.update(added.get("a") or {})
            for key in (diff.get("-") or {}).get("a") or []:
                attributes.pop(key, None)
            if "s" in added:
                latest[entity_id] = added
            changed.append((entity_id, added, attributes.get("last_reset")))
        for entity_id in event.get("r") or []:
            self._attributes.pop(entity_id, None)
            latest.pop(entity_id, None)
        return changed

    def _unmapped(self, entity_id: str, added: bool) -> bool:
        """Return whether ENTITY_ID is not recorded but might be (its unit is one we take)."""
        if entity_id in self._by_entity or self._unit(entity_id) is None:
            return False
        if added:
            return True  # rare: a new entity, or an entity_id renamed
        if entity_id in self._paired:
            return False
        wanted = self._wanted.get(entity_id)
        if wanted is None:
            instance = self.instance
            roles = select([entity_id], self._roles, instance.include, instance.exclude)
            wanted = self._wanted[entity_id] = any(
                self._commodity(entity_id, role) is not None for role in roles.values()
            )
        return wanted

    def _current_readings(self, entity_ids: Iterable[str]) -> list[RawReading]:
        """Return the readings of the current states of ENTITY_IDS (newly recorded ones)."""
        return self._live_readings(
            [
                (e, state, self._attributes.get(e, {}).get("last_reset"))
                for e in entity_ids
                if (state := self._latest.get(e)) is not None
            ]
        )

    def _live_readings(self, changes: Sequence[_Change]) -> list[RawReading]:
        """Return the readings of CHANGES, in their order."""
        readings: list[RawReading] = []
        for entity_id, state, last_reset in changes:
            meter = self._by_entity.get(entity_id)
            if meter is None or "s" not in state or (moment := backfill.state_time(state)) is None:
                continue  # not recorded, or only attributes changed: the value is the same
            attributes = {"last_reset": last_reset}
            readings.extend(self._feed(meter, moment, state["s"], attributes, NO_FLAGS))
        return readings

    async def _refresh(self, conn: HassConnection) -> None:
        """Read Energy preferences and registries; create or update the devices and meters."""
        instance = self.instance
        prefs: Mapping[str, Any] = {}
        if instance.energy_prefs:
            try:
                prefs = await conn.command({"type": "energy/get_prefs"}) or {}
            except HassCommandError:
                prefs = {}  # the Energy dashboard is not configured
        entities, devices, areas = await asyncio.gather(
            conn.command({"type": "config/entity_registry/list"}),
            conn.command({"type": "config/device_registry/list"}),
            conn.command({"type": "config/area_registry/list"}),
        )
        registry = Registry.from_lists(entities, devices, areas)
        self._reselect = False
        self._roles = energy_roles(prefs)
        self._containers = containers(prefs)
        self._connections = grid_connections(prefs)
        self._wanted.clear()
        selected = select(self._attributes, self._roles, instance.include, instance.exclude)
        plans = self._plan(selected, registry)
        specs = [spec for _, _, spec in plans]
        stored = await upsert_devices(self._pool, specs)
        await self._sink.refresh_devices()
        if stored.household_changed and self._household_changed is not None:
            await self._household_changed(stored.household_changed)
        await self._update_meters(plans, stored.by_source_id)
        self.status.entities = len(self._by_entity)

    def _plan(
        self, selected: Mapping[str, Role], registry: Registry
    ) -> list[tuple[str, Unit, DeviceSpec]]:
        """Return, per recorded entity, its unit and its device.

        A power sensor beside an energy meter (in Energy preferences, or of the same HA device
        as a recorded meter) is left out: the meter already counts its energy.
        """
        energy_devices = {
            (registry.entities.get(e) or {}).get("device_id")
            for e in selected
            if (u := self._unit(e)) is not None and u.measure is Measure.ENERGY
        } - {None}
        plans = []
        paired: set[str] = set()
        for entity_id, role in sorted(selected.items()):
            unit = self._unit(entity_id)
            commodity = self._commodity(entity_id, role)
            if unit is None or commodity is None:
                continue
            ha_device = (registry.entities.get(entity_id) or {}).get("device_id")
            if unit.measure is Measure.POWER and (
                role in _PAIRED_POWER or ha_device in energy_devices
            ):
                paired.add(entity_id)
                continue
            source_id = registry.identity(self.instance.name, entity_id)
            current = self._by_entity.get(entity_id)
            if current is not None and current is not self._meters.get(source_id):
                # Its registry entry was just renamed; its state under the new id follows.
                continue
            attributes = self._attributes.get(entity_id, {})
            name, details = registry.describe(entity_id, attributes)
            common = {
                **details,
                "instance": self.instance.name,
                "role": str(role),
                "state_class": attributes.get("state_class"),
            }
            container = self._containers.get(entity_id)
            inside = registry.identity(self.instance.name, container) if container else None
            connection = self._connections.get(entity_id)
            if connection is not None and connection.name is not None:
                common["connection_name"] = connection.name
            spec = DeviceSpec(
                source_id,
                name,
                kind_of(role, unit),
                unit.canonical,
                common,
                commodity=commodity,
                included_in=inside,
                flow=flow_of(role),
                connection=(
                    None
                    if connection is None
                    else registry.identity(self.instance.name, connection.key)
                ),
            )
            plans.append((entity_id, unit, spec))
        for entity_id in sorted(paired - self._paired):
            LOGGER.info(
                "Home Assistant %s: not recording %s, a power sensor beside an energy meter "
                "(the meter's energy already counts it)",
                self.instance.name,
                entity_id,
            )
        self._paired = paired
        return plans

    def _unit(self, entity_id: str) -> Unit | None:
        attributes = self._attributes.get(entity_id, {})
        return classify(attributes.get("unit_of_measurement"), self._currency)

    def _commodity(self, entity_id: str, role: Role) -> Commodity | None:
        """Return what ENTITY_ID meters, recorded for ROLE (None: it is not recorded)."""
        unit = self._unit(entity_id)
        device_class = self._attributes.get(entity_id, {}).get("device_class")
        return None if unit is None else commodity_of(role, unit, device_class)

    async def _update_meters(
        self, plans: list[tuple[str, Unit, DeviceSpec]], stored: Mapping[str, StoredDevice]
    ) -> None:
        new: list[Meter] = []
        by_entity: dict[str, Meter] = {}
        for entity_id, unit, spec in plans:
            source_id = spec.source_id
            device = stored.get(source_id)
            if device is None:
                continue
            meter = self._meters.get(source_id)
            if meter is None:
                meter = Meter(entity_id, device.id, unit)
                self._meters[source_id] = meter
                new.append(meter)
            meter.entity_id = entity_id
            meter.unit = unit
            meter.state_class = self._attributes.get(entity_id, {}).get("state_class")
            by_entity[entity_id] = meter
        self._by_entity = by_entity
        await self._resume(new)

    async def _resume(self, meters: Sequence[Meter]) -> None:
        """Start new meters where their devices' stored readings end."""
        last = await last_readings(self._pool, [m.device_id for m in meters])
        for meter in meters:
            if (reading := last.get(meter.device_id)) is not None:
                meter.resume(reading.time, reading.value)

    async def _backfill(self, conn: HassConnection, entity_ids: set[str] | None = None) -> None:
        """Submit what HA recorded since each meter's last state, flagged BACKFILLED.

        All meters, or those of ENTITY_IDS.
        """
        meters = {e: m for e, m in self._by_entity.items() if entity_ids is None or e in entity_ids}
        if not meters:
            return
        now = self._clock()
        limit = self.instance.backfill_limit
        starts = {e: backfill.window_start(m.last_time, now, limit) for e, m in meters.items()}
        start = min(starts.values())
        states = await backfill.history(conn, starts, start, now)
        first_exact = min(
            (samples[0].time for samples in states.values() if samples),
            default=now,
        )
        counters = [e for e, m in meters.items() if m.unit.measure in COUNTERS]
        means = [e for e, m in meters.items() if m.unit.measure is Measure.POWER]
        stats = await backfill.statistics(conn, counters, means, start, first_exact)
        readings: list[RawReading] = []
        for entity_id, samples in backfill.merge(stats, states).items():
            meter = meters.get(entity_id)
            if meter is None:
                continue
            for sample in samples:
                if sample.time >= starts[entity_id]:
                    # No attributes in the history: `total` resets are left to the rollups' rule.
                    readings.extend(
                        self._feed(meter, sample.time, sample.state, None, Quality.BACKFILLED)
                    )
        accepted = await self._submit(readings)
        self.status.backfilled += accepted
        if readings:
            LOGGER.info(
                "Home Assistant %s: backfilled %d readings since %s",
                self.instance.name,
                accepted,
                start.isoformat(),
            )

    def _feed(
        self,
        meter: Meter,
        moment: datetime,
        state: object,
        attributes: Mapping[str, Any] | None,
        quality: Quality,
    ) -> list[RawReading]:
        gaps = meter.gaps
        readings = meter.feed(moment, state, attributes, quality)
        self.status.gaps += meter.gaps - gaps
        return readings

    async def _submit(self, readings: list[RawReading]) -> int:
        accepted = 0
        for first in range(0, len(readings), SUBMIT_CHUNK):
            result = await self._sink.submit(readings[first : first + SUBMIT_CHUNK])
            accepted += result.accepted
            self.status.rejected += len(result.rejected)
        self.status.readings += accepted
        self.status.rate.add(accepted)
        self._publish()
        return accepted

    def _set_state(self, state: ConnectionState) -> None:
        self.status.state = state
        self._publish(force=True)

    def _failed(self, message: str) -> None:
        self.status.last_error = message
        LOGGER.warning("Home Assistant %s: %s; reconnecting", self.instance.name, message)

    def _auth_failed(self, message: str) -> None:
        status = self.status
        status.last_error = message
        status.issue = {"key": "invalid_auth", "message": message}
        status.connected_since = None
        self._set_state(ConnectionState.AUTH_FAILED)
        LOGGER.error(
            "Home Assistant %s: %s (next try in %s)",
            self.instance.name,
            message,
            self.instance.auth_retry,
        )

    def _publish(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._published_at < PUBLISH_INTERVAL:
            return
        self._published_at = now
        self._published[self.instance.name] = self.status.to_json()
