# ruff: noqa: F811 - the fixtures of tests/hass.py are imported until conftest lists that module
"""The Home Assistant collector against a real `hass` process and a real database.

One Home Assistant serves the module (tests/hass.py); its meters are input_numbers behind
template sensors, driven through HA's REST API. Every test reads the rows the collector stored.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
import jsonschema
import pytest

from aetherlens_engine.api import EngineState, create_app
from aetherlens_engine.collector import (
    ConnectionState,
    HomeAssistantCollector,
    HomeAssistantInstance,
)
from aetherlens_engine.config import load_config
from aetherlens_engine.engine import Engine
from aetherlens_engine.ingest import IngestPipeline
from aetherlens_engine.migrations import apply_migrations
from aetherlens_engine.models import Commodity, Quality
from aetherlens_engine.storage import RollupMaintainer
from devtools.homeassistant import HomeAssistant
from tests.hass import ENERGY_PREFS, hass_setup, home_assistant  # noqa: F401 - fixtures
from tests.http import serve_app
from tests.postgres import ScratchDatabase, free_port

# One database flavour: what is tested here is the collector, not the storage.
pytestmark = pytest.mark.parametrize("database", ["timescaledb"], indirect=True)

WAIT_SECONDS = 60.0
LIVE_ONLY = timedelta(seconds=1)  # a backfill limit that leaves out what earlier tests did
MAX_GAP = timedelta(minutes=15)  # the rollups' default
HOUR = timedelta(hours=1)


@pytest.fixture
async def pipeline(db_pool: asyncpg.Pool, tmp_path: Path) -> AsyncIterator[IngestPipeline]:
    """Return a running ingest pipeline on a migrated database."""
    async with db_pool.acquire() as conn:
        await apply_migrations(conn)
    pipeline = IngestPipeline(db_pool, tmp_path / "spool", flush_interval=0.05)
    await pipeline.start()
    try:
        yield pipeline
    finally:
        await pipeline.stop()


def settings(hass: HomeAssistant, **changes: Any) -> HomeAssistantInstance:
    """Return collector settings for HASS (fast reconnects, no steady-power heartbeats)."""
    options: dict[str, Any] = {
        "name": "home",
        "url": hass.websocket_url,
        "token": hass.token,
        "include": ("sensor.heater_*", "sensor.grid_carbon"),
        "first_backoff": timedelta(seconds=0.2),
        "max_backoff": timedelta(seconds=1),
        "heartbeat": timedelta(hours=1),
        "backfill_limit": LIVE_ONLY,
    }
    return HomeAssistantInstance(**(options | changes))


@asynccontextmanager
async def collecting(
    instance: HomeAssistantInstance, pool: asyncpg.Pool, pipeline: IngestPipeline
) -> AsyncIterator[HomeAssistantCollector]:
    """Run a collector until the block ends."""
    collector = HomeAssistantCollector(instance, pool, pipeline, {})
    collector.start()
    try:
        yield collector
    finally:
        await collector.stop()


async def wait_for(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll CHECK until it holds; fail naming WHAT when it never does."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not await check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def connected(collector: HomeAssistantCollector) -> None:
    """Wait until COLLECTOR follows HA live."""

    async def check() -> bool:
        return collector.status.state is ConnectionState.CONNECTED

    await wait_for(check, "the collector to connect")


async def set_meter(hass: HomeAssistant, name: str, value: float) -> None:
    """Set input_number.NAME (the meter behind a template sensor)."""
    await hass.call_service(
        "input_number", "set_value", {"entity_id": f"input_number.{name}", "value": value}
    )


async def device_id(pool: asyncpg.Pool, entity_id: str) -> int:
    """Return the engine device of ENTITY_ID."""
    device: int = await pool.fetchval(
        "SELECT id FROM devices WHERE attributes->>'entity_id' = $1", entity_id
    )
    return device


async def rows(pool: asyncpg.Pool, device: int) -> list[asyncpg.Record]:
    """Return DEVICE's readings, oldest first."""
    found: list[asyncpg.Record] = await pool.fetch(
        "SELECT time, value, quality FROM readings WHERE device_id = $1 ORDER BY time", device
    )
    return found


async def stored(pool: asyncpg.Pool, entity_id: str, value: float, count: int = 1) -> None:
    """Wait until ENTITY_ID's device has COUNT readings of VALUE (canonical unit)."""

    async def check() -> bool:
        device = await device_id(pool, entity_id)
        found = [] if device is None else await rows(pool, device)
        return sum(bool(row["value"] == pytest.approx(value)) for row in found) >= count

    await wait_for(check, f"{entity_id} = {value}")


def trapezoid(a: asyncpg.Record, b: asyncpg.Record) -> float:
    """Return the energy in kWh of power readings A and B (W) by a trapezoid between them."""
    watts: float = (a["value"] + b["value"]) / 2
    seconds: float = (b["time"] - a["time"]).total_seconds()
    return watts * seconds / 3_600_000


def integrated(readings: list[asyncpg.Record]) -> float:
    """Return the energy of power READINGS by the rollups' rule: no interval over a gap."""
    return sum(
        trapezoid(a, b)
        for a, b in itertools.pairwise(readings)
        if b["time"] - a["time"] <= MAX_GAP and not b["quality"] & Quality.AFTER_GAP
    )


async def rolled_up(pool: asyncpg.Pool, device: int) -> float:
    """Run the rollups over DEVICE's readings; return the energy of its hourly rows."""
    first, last = await pool.fetchrow(
        "SELECT min(time), max(time) FROM readings WHERE device_id = $1", device
    )
    maintainer = RollupMaintainer(pool, ZoneInfo("UTC"), max_gap=MAX_GAP)
    await maintainer.recompute(first, last + timedelta(hours=1), [device])
    energy: float = await pool.fetchval(
        "SELECT sum(energy_kwh) FROM energy_hourly WHERE device_id = $1", device
    )
    return energy


async def history(
    hass: HomeAssistant, entity_id: str, since: datetime
) -> list[tuple[datetime, float]]:
    """Return the numeric states HA recorded for ENTITY_ID since SINCE, as (start, value)."""
    result = await hass.command(
        {
            "type": "history/history_during_period",
            "start_time": since.isoformat(),
            "entity_ids": [entity_id],
            "include_start_time_state": False,
            "significant_changes_only": False,
            "no_attributes": True,
        }
    )
    states: list[tuple[datetime, float]] = []
    for state in result.get(entity_id, []):
        try:
            value = float(state["s"])
        except ValueError:
            continue
        start = datetime.fromtimestamp(state.get("lc", state["lu"]), UTC)
        if not states or states[-1] != (start, value):  # rows of attribute changes only
            states.append((start, value))
    return states


async def recorded(hass: HomeAssistant, entity_id: str, value: float, since: datetime) -> None:
    """Wait until HA's history holds VALUE for ENTITY_ID."""

    async def check() -> bool:
        return any(v == value for _, v in await history(hass, entity_id, since))

    await wait_for(check, f"HA's history to hold {entity_id} = {value}")


async def import_statistics(
    hass: HomeAssistant, entity_id: str, unit: str, stats: list[dict[str, Any]]
) -> None:
    """Give ENTITY_ID's counter hourly STATS (start, state, sum) through recorder/import_statistics.

    The recorder imports them in its own time, after the command's answer: return once HA's
    statistics hold every one of them.
    """
    await hass.command(
        {
            "type": "recorder/import_statistics",
            "metadata": {
                "has_mean": False,
                "has_sum": True,
                "name": None,
                "source": "recorder",
                "statistic_id": entity_id,
                "unit_of_measurement": unit,
            },
            "stats": stats,
        }
    )
    given = {(datetime.fromisoformat(s["start"]), float(s["state"])) for s in stats}

    async def imported() -> bool:
        held = await hourly_statistics(
            hass, entity_id, min(t for t, _ in given), max(t for t, _ in given) + HOUR
        )
        return given <= set(held)

    await wait_for(imported, f"HA to hold the statistics imported for {entity_id}")


async def hourly_statistics(
    hass: HomeAssistant, entity_id: str, start: datetime, end: datetime
) -> list[tuple[datetime, float]]:
    """Return HA's hourly counter statistics of ENTITY_ID in [START, END) as (start, state)."""
    result = await hass.command(
        {
            "type": "recorder/statistics_during_period",
            "start_time": start.isoformat(),
            "end_time": end.isoformat(),
            "statistic_ids": [entity_id],
            "period": "hour",
            "types": ["state"],
        }
    )
    return [
        (datetime.fromtimestamp(row["start"] / 1000, UTC), row["state"])
        for row in result.get(entity_id, [])
    ]


async def test_readings_units_flags_gaps_and_renames(
    home_assistant: HomeAssistant, db_pool: asyncpg.Pool, pipeline: IngestPipeline
) -> None:
    """Meters become devices with canonical units; resets, glitches, gaps and renames hold."""
    hass = home_assistant
    async with collecting(settings(hass), db_pool, pipeline) as collector:
        await connected(collector)
        for value in (10, 10.5, 4, 3.8, 4.2):
            await set_meter(hass, "grid_energy", value)
            await stored(db_pool, "sensor.grid_import", value)
        await set_meter(hass, "solar_wh", 1500)
        await set_meter(hass, "price", 0.3123)
        await set_meter(hass, "carbon", 420)
        await stored(db_pool, "sensor.solar_energy", 1.5)
        await stored(db_pool, "sensor.energy_price", 0.3123)
        await stored(db_pool, "sensor.grid_carbon", 0.42)

        for value in (1.5, 2.0):
            await set_meter(hass, "heater_kw", value)
            await stored(db_pool, "sensor.heater_power", value * 1000)
        await set_meter(hass, "heater_kw", -1)  # unavailable: a gap
        await set_meter(hass, "heater_kw", 1.0)
        await stored(db_pool, "sensor.heater_power", 1000)
        gaps = collector.status.gaps

        heater = await device_id(db_pool, "sensor.heater_power")
        await hass.command(
            {
                "type": "config/entity_registry/update",
                "entity_id": "sensor.heater_power",
                "new_entity_id": "sensor.heater_renamed",
            }
        )
        try:
            await set_meter(hass, "heater_kw", 3.0)
            await stored(db_pool, "sensor.heater_renamed", 3000)
            renamed = await device_id(db_pool, "sensor.heater_renamed")
        finally:
            await hass.command(
                {
                    "type": "config/entity_registry/update",
                    "entity_id": "sensor.heater_renamed",
                    "new_entity_id": "sensor.heater_power",
                }
            )

    devices = [
        (row["entity_id"], row["kind"], row["unit"])
        for row in await db_pool.fetch(
            "SELECT attributes->>'entity_id' AS entity_id, kind, unit FROM devices ORDER BY 1"
        )
    ]
    # One device per entity: a power sensor's energy comes from the rollups of its W readings.
    assert devices == [
        ("sensor.energy_price", "price", "EUR/kWh"),
        ("sensor.grid_carbon", "carbon", "kg/kWh"),
        ("sensor.grid_import", "grid", "kWh"),
        ("sensor.heater_renamed", "appliance", "W"),
        ("sensor.solar_energy", "solar", "kWh"),
    ]
    assert renamed == heater

    grid = [
        (row["value"], row["quality"])
        for row in await rows(db_pool, await device_id(db_pool, "sensor.grid_import"))
    ]
    assert grid[-5:] == [
        (10, 0),
        (10.5, 0),
        (4, Quality.COUNTER_RESET),
        (3.8, Quality.GLITCH),
        (4.2, 0),
    ]

    # The rename re-adds the entity: HA gives it a new state (same value, new time).
    readings = await rows(db_pool, heater)
    power = [r for r in readings if r["value"] in (1500, 2000, 1000, 3000)]
    assert [r["value"] for r in power] == [1500, 2000, 1000, 1000, 3000]
    assert [bool(r["quality"] & Quality.AFTER_GAP) for r in power[1:]] == [
        False,
        True,
        False,
        False,
    ]

    # The rollups integrate the power, but not across the gap between 2000 W and 1000 W.
    energy = await rolled_up(db_pool, heater)
    assert energy == pytest.approx(integrated(readings))
    assert energy != pytest.approx(integrated(readings) + trapezoid(power[1], power[2]))
    assert gaps >= 1
    assert collector.status.rejected == 0


async def test_steady_power_is_repeated_and_rolled_up_but_not_across_a_gap(
    home_assistant: HomeAssistant, db_pool: asyncpg.Pool, pipeline: IngestPipeline
) -> None:
    """Heartbeats carry a steady power; none during a gap; the rollups integrate the W device."""
    hass = home_assistant
    async with collecting(settings(hass, heartbeat=timedelta(seconds=0.2)), db_pool, pipeline) as (
        collector
    ):
        await connected(collector)
        await set_meter(hass, "heater_kw", 0.5)
        await stored(db_pool, "sensor.heater_power", 500, count=4)  # the state and heartbeats
        gaps = collector.status.gaps
        await set_meter(hass, "heater_kw", -1)  # unavailable: a gap

        async def in_gap() -> bool:
            return collector.status.gaps > gaps

        await wait_for(in_gap, "the collector to see the gap")
        await asyncio.sleep(1.0)  # several heartbeat periods: none may come during the gap
        await set_meter(hass, "heater_kw", 0.7)
        await stored(db_pool, "sensor.heater_power", 700, count=3)
    heater = await device_id(db_pool, "sensor.heater_power")
    readings = await rows(db_pool, heater)
    values = [r["value"] for r in readings]
    last_500 = len(values) - 1 - values[::-1].index(500)
    after_gap = readings[last_500 + 1]
    assert (after_gap["value"], after_gap["quality"]) == (700, Quality.AFTER_GAP)
    assert all(r["value"] == 700 and r["quality"] == 0 for r in readings[last_500 + 2 :])
    assert values.count(500) >= 4

    energy = await rolled_up(db_pool, heater)
    assert energy == pytest.approx(integrated(readings))
    steady = [r for r in readings if r["value"] == 500]
    assert energy >= integrated(steady) > 0  # the heartbeats' intervals count
    assert energy != pytest.approx(integrated(readings) + trapezoid(readings[last_500], after_gap))
    assert await db_pool.fetchval("SELECT count(*) FROM devices WHERE unit = 'kWh'") == 2


async def test_power_beside_an_energy_meter_is_not_recorded(
    home_assistant: HomeAssistant,
    db_pool: asyncpg.Pool,
    pipeline: IngestPipeline,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A device's power in Energy preferences would double its meter's energy: it is left out."""
    hass = home_assistant
    paired = {"stat_consumption": "sensor.solar_energy", "stat_rate": "sensor.heater_power"}
    await hass.save_energy_prefs({**ENERGY_PREFS, "device_consumption": [paired]})
    try:
        with caplog.at_level(logging.INFO, logger="aetherlens_engine.collector"):
            async with collecting(settings(hass), db_pool, pipeline) as collector:
                await connected(collector)
                await set_meter(hass, "heater_kw", 2.5)
                await hass.command(  # a registry change: the entities are mapped again
                    {
                        "type": "config/entity_registry/update",
                        "entity_id": "sensor.heater_power",
                        "name": "Heater",
                    }
                )
                await set_meter(hass, "grid_energy", 600)
                await stored(db_pool, "sensor.grid_import", 600)
                await set_meter(hass, "solar_wh", 2500)
                await stored(db_pool, "sensor.solar_energy", 2.5)
                recorded_entities = collector.status.entities
    finally:
        await hass.command(
            {
                "type": "config/entity_registry/update",
                "entity_id": "sensor.heater_power",
                "name": None,
            }
        )
        await hass.save_energy_prefs(ENERGY_PREFS)
    assert await device_id(db_pool, "sensor.heater_power") is None
    assert recorded_entities == 4  # grid import, solar, price, carbon
    notes = [r for r in caplog.records if "not recording sensor.heater_power" in r.getMessage()]
    assert len(notes) == 1
    assert notes[0].levelno == logging.INFO


async def test_backfill_after_collector_restart_counts_each_state_once(
    home_assistant: HomeAssistant, db_pool: asyncpg.Pool, pipeline: IngestPipeline
) -> None:
    """States HA recorded while no collector ran are backfilled once, and only once."""
    hass = home_assistant
    started = datetime.now(UTC)
    async with collecting(settings(hass), db_pool, pipeline) as collector:
        await connected(collector)
        await set_meter(hass, "grid_energy", 100)
        await stored(db_pool, "sensor.grid_import", 100)
    for value in (101, 102):
        await set_meter(hass, "grid_energy", value)
    await recorded(hass, "sensor.grid_import", 102, started)

    catch_up = settings(hass, backfill_limit=timedelta(days=10))
    async with collecting(catch_up, db_pool, pipeline) as collector:
        await connected(collector)
        backfilled = collector.status.backfilled
    device = await device_id(db_pool, "sensor.grid_import")
    readings = [(row["time"], row["value"]) for row in await rows(db_pool, device)]
    flags = {row["value"]: row["quality"] for row in await rows(db_pool, device)}
    assert [(t, v) for t, v in readings if t >= started] == await history(
        hass, "sensor.grid_import", started
    )
    assert flags[101] == flags[102] == Quality.BACKFILLED
    assert backfilled >= 2

    async with collecting(catch_up, db_pool, pipeline) as collector:
        await connected(collector)
        assert collector.status.backfilled == 0
    assert [(row["time"], row["value"]) for row in await rows(db_pool, device)] == readings


async def test_restart_and_outage_of_home_assistant(
    home_assistant: HomeAssistant, db_pool: asyncpg.Pool, pipeline: IngestPipeline
) -> None:
    """Restarted or stopped, HA is reconnected to by itself; the gap is closed exactly once."""
    hass = home_assistant
    started = datetime.now(UTC)
    instance = settings(hass, backfill_limit=timedelta(days=10))
    async with collecting(instance, db_pool, pipeline) as collector:
        await connected(collector)
        await set_meter(hass, "grid_energy", 200)
        await stored(db_pool, "sensor.grid_import", 200)
        await hass.restart()
        await set_meter(hass, "grid_energy", 201)
        await stored(db_pool, "sensor.grid_import", 201)
        await connected(collector)
        assert collector.status.reconnects >= 1

        await hass.stop()

        async def disconnected() -> bool:
            return collector.status.state is not ConnectionState.CONNECTED

        await wait_for(disconnected, "the collector to notice HA is gone")
        await hass.start()
        await set_meter(hass, "grid_energy", 202)
        await stored(db_pool, "sensor.grid_import", 202)
        await connected(collector)
    await recorded(hass, "sensor.grid_import", 202, started)

    device = await device_id(db_pool, "sensor.grid_import")
    readings = [(row["time"], row["value"]) for row in await rows(db_pool, device)]
    assert [(t, v) for t, v in readings if t >= started] == await history(
        hass, "sensor.grid_import", started
    )


async def test_long_term_statistics_fill_what_history_lacks(
    home_assistant: HomeAssistant, db_pool: asyncpg.Pool, pipeline: IngestPipeline
) -> None:
    """Hourly statistics from before HA's history become backfilled counter readings."""
    hass = home_assistant
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    await import_statistics(
        hass,
        "sensor.grid_import",
        "kWh",
        [
            {"start": (hour - timedelta(hours=5)).isoformat(), "state": 50.0, "sum": 0.0},
            {"start": (hour - timedelta(hours=4)).isoformat(), "state": 51.0, "sum": 1.0},
        ],
    )
    instance = settings(hass, backfill_limit=timedelta(days=1))
    async with collecting(instance, db_pool, pipeline) as collector:
        await connected(collector)
    device = await device_id(db_pool, "sensor.grid_import")
    early = [
        (row["time"], row["value"], row["quality"])
        for row in await rows(db_pool, device)
        if row["time"] <= hour - timedelta(hours=3)
    ]
    assert early == [
        (hour - timedelta(hours=4), 50.0, Quality.BACKFILLED),
        (hour - timedelta(hours=3), 51.0, Quality.BACKFILLED),
    ]


async def test_refused_token_is_reported_not_retried_in_a_loop(
    home_assistant: HomeAssistant,
    db_pool: asyncpg.Pool,
    pipeline: IngestPipeline,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A bad token: state auth_failed with a Repairs issue in health and metrics, one log."""
    published: dict[str, dict[str, Any]] = {}
    wrong = "not-a-token"
    instance = settings(home_assistant, token=wrong)
    collector = HomeAssistantCollector(instance, db_pool, pipeline, published)
    with caplog.at_level(logging.ERROR):
        collector.start()
        try:

            async def refused() -> bool:
                return collector.status.state is ConnectionState.AUTH_FAILED

            await wait_for(refused, "the token to be refused")
            api_token = secrets.token_hex(8)
            state = EngineState(
                version="test", instance_id="x", collectors=published, token=api_token
            )
            async with (
                serve_app(create_app(state)) as url,
                aiohttp.ClientSession() as session,
            ):
                async with session.get(
                    f"{url}/api/v1/health", headers={"Authorization": f"Bearer {api_token}"}
                ) as resp:
                    health = (await resp.json())["collectors"]["home"]
                async with session.get(f"{url}/api/v1/openapi.json") as resp:
                    spec = await resp.json()
                async with session.get(
                    f"{url}/metrics", headers={"Authorization": f"Bearer {api_token}"}
                ) as resp:
                    metrics = await resp.text()
        finally:
            await collector.stop()
    jsonschema.validate(
        health, {"$ref": "#/components/schemas/Collector", "components": spec["components"]}
    )
    assert health["state"] == "auth_failed"
    assert health["issue"]["key"] == "invalid_auth"
    assert "access token" in health["last_error"]
    assert health["reconnects"] == 0
    assert 'aetherlens_collector_state{instance="home",state="auth_failed"} 1.0' in metrics
    refusals = [r for r in caplog.records if "refused the access token" in r.getMessage()]
    assert len(refusals) == 1
    assert wrong not in caplog.text


async def test_engine_runs_a_collector_per_configured_instance(
    home_assistant: HomeAssistant, database: ScratchDatabase, tmp_path: Path
) -> None:
    """The `homeassistant` option starts a collector; its status is in /api/v1/health."""
    hass = home_assistant
    port = free_port()
    config = load_config(
        environ={},
        overrides={
            "data_dir": str(tmp_path),
            "database_url": database.dsn,
            "api": {"port": port},
            "homeassistant": [{"name": "house", "url": hass.websocket_url, "token": hass.token}],
        },
    )
    engine = Engine(config)
    await engine.start()
    try:
        token = (tmp_path / "api_token").read_text().strip()
        headers = {"Authorization": f"Bearer {token}"}  # health's details need it
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", headers=headers) as session:

            async def following() -> bool:
                async with session.get("/api/v1/health") as resp:
                    health = await resp.json()
                return bool(health["collectors"].get("house", {}).get("state") == "connected")

            await wait_for(following, "the engine's collector to connect")
            await set_meter(hass, "grid_energy", 300)
            pool = await asyncpg.create_pool(database.dsn, min_size=1, max_size=1)
            try:
                await stored(pool, "sensor.grid_import", 300)
            finally:
                await pool.close()
    finally:
        await engine.stop()


async def test_a_new_include_and_exclude_apply_at_the_next_sync(
    home_assistant: HomeAssistant, db_pool: asyncpg.Pool, pipeline: IngestPipeline
) -> None:
    """The Settings view's include/exclude reach a running collector: no reconnect needed."""
    hass = home_assistant
    instance = settings(hass, include=("sensor.heater_*",), energy_prefs=False)
    async with collecting(instance, db_pool, pipeline) as collector:
        await connected(collector)
        await set_meter(hass, "heater_kw", 0.25)
        await stored(db_pool, "sensor.heater_power", 250)
        assert await device_id(db_pool, "sensor.grid_carbon") is None
        collector.select(("sensor.heater_*", "sensor.grid_carbon"), ("sensor.heater_*",))
        await set_meter(hass, "carbon", 370)  # g/kWh
        await stored(db_pool, "sensor.grid_carbon", 0.37)
        # The heater is excluded now: its next state is not recorded, the carbon's still is.
        await set_meter(hass, "heater_kw", 0.75)
        await set_meter(hass, "carbon", 390)
        await stored(db_pool, "sensor.grid_carbon", 0.39)
        heater = await device_id(db_pool, "sensor.heater_power")
        assert 750 not in [row["value"] for row in await rows(db_pool, heater)]
    assert collector.instance.exclude == ("sensor.heater_*",)


async def test_energy_preferences_that_move_the_household_recompute_its_costs(
    home_assistant: HomeAssistant, db_pool: asyncpg.Pool, pipeline: IngestPipeline
) -> None:
    """The grid meter turned into the export meter in HA: the costs it priced are to be redone."""
    hass = home_assistant
    moved: list[frozenset[Commodity]] = []

    async def household_changed(commodities: frozenset[Commodity]) -> None:
        moved.append(commodities)

    async def resynced(name: str | None) -> None:
        """Change the grid meter's registry name: the collector reads prefs and registries again."""
        await hass.command(
            {
                "type": "config/entity_registry/update",
                "entity_id": "sensor.grid_import",
                "name": name,
            }
        )

    async def flow() -> str | None:
        found: str | None = await db_pool.fetchval(
            "SELECT flow FROM devices WHERE attributes->>'entity_id' = 'sensor.grid_import'"
        )
        return found

    grid = ENERGY_PREFS["energy_sources"][0]
    exported = {**grid, "stat_energy_from": None, "stat_energy_to": "sensor.grid_import"}
    collector = HomeAssistantCollector(
        settings(hass), db_pool, pipeline, {}, household_changed=household_changed
    )
    collector.start()
    try:
        await connected(collector)
        await wait_for(lambda: _is(flow(), "import"), "the grid meter's device")
        await resynced("Mains")  # a name only: the household is the same
        await wait_for(_named(db_pool, "sensor.grid_import", "Mains"), "the new name")
        await hass.save_energy_prefs({**ENERGY_PREFS, "energy_sources": [exported]})
        await resynced(None)
        await wait_for(lambda: _is(flow(), "export"), "the export meter")
    finally:
        await collector.stop()
        await hass.save_energy_prefs(ENERGY_PREFS)
    assert moved == [frozenset({Commodity.ELECTRICITY})]


async def _is(value: Awaitable[object], expected: object) -> bool:
    return await value == expected


def _named(pool: asyncpg.Pool, entity_id: str, name: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        found = await pool.fetchval(
            "SELECT name FROM devices WHERE attributes->>'entity_id' = $1", entity_id
        )
        return bool(found == name)

    return check
