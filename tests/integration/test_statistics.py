"""Hourly energy and cost per device, daily cloud costs: external long-term statistics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.statistics import (
    list_statistic_ids,
    statistics_during_period,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.aetherlens.const import SCAN_INTERVAL
from custom_components.aetherlens.statistics import (
    BACKFILL,
    CONF_IMPORTED_GENERATION,
    SETTLED_AFTER,
)

from .conftest import ENGINE_INSTANCE_ID, FixtureEngine, next_update, setup_entry

NOW = datetime(2026, 3, 29, 10, 30, tzinfo=UTC)
FRIDGE = f"aetherlens:energy_{ENGINE_INSTANCE_ID}_2"
FRIDGE_COST = f"aetherlens:cost_{ENGINE_INSTANCE_ID}_2"
GRID_COST = f"aetherlens:cost_{ENGINE_INSTANCE_ID}_1"
AZURE = f"aetherlens:cloud_{ENGINE_INSTANCE_ID}_7_eur"


@pytest.fixture(autouse=True)
def _custom_integrations(
    recorder_db_url: str, enable_custom_integrations: None, socket_enabled: None
) -> None:
    """Prepare the recorder's database before Home Assistant starts, as the recorder needs."""


def _hour(hour: int) -> datetime:
    return datetime(2026, 3, 29, hour, tzinfo=UTC)


async def _statistics(hass: HomeAssistant, statistic_id: str) -> list[dict[str, Any]]:
    await async_wait_recording_done(hass)
    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        NOW - BACKFILL - timedelta(days=1),
        None,
        {statistic_id},
        "hour",
        None,
        {"state", "sum"},
    )
    return [
        {"start": row["start"], "state": row["state"], "sum": row["sum"]}
        for row in rows.get(statistic_id, [])
    ]


@pytest.mark.usefixtures("recorder_mock")
async def test_backfill_then_continue(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    engine: FixtureEngine,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The first import backfills complete hours; the next hour's import continues the sum."""
    freezer.move_to(NOW)
    engine.hourly[2] = [(_hour(8), 0.25), (_hour(9), 0.5), (_hour(10), 0.125)]
    engine.price_hourly()
    await setup_entry(hass, mock_config_entry)
    await hass.async_block_till_done(wait_background_tasks=True)

    # 10:00 is still growing: only 08:00 and 09:00 are imported.
    assert await _statistics(hass, FRIDGE) == [
        {"start": _hour(8).timestamp(), "state": 0.25, "sum": 0.25},
        {"start": _hour(9).timestamp(), "state": 0.5, "sum": 0.75},
    ]
    assert (2, _hour(10) - BACKFILL, _hour(10)) in engine.energy_requests
    ids = await get_instance(hass).async_add_executor_job(list_statistic_ids, hass, {FRIDGE})
    assert [(row["statistic_id"], row["name"], row["source"]) for row in ids] == [
        (FRIDGE, "Fridge energy", "aetherlens")
    ]
    assert ids[0]["statistics_unit_of_measurement"] == "kWh"

    # Within the same hour the next updates import nothing.
    requests = len(engine.energy_requests)
    freezer.tick(SCAN_INTERVAL + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(engine.energy_requests) == requests

    # 10:00 is complete SETTLED_AFTER past its end, not before.
    freezer.move_to(_hour(11) + SETTLED_AFTER - timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(engine.energy_requests) == requests
    await next_update(hass, freezer)
    statistics = await _statistics(hass, FRIDGE)
    assert statistics[-1] == {"start": _hour(10).timestamp(), "state": 0.125, "sum": 0.875}
    assert (2, _hour(10), _hour(11)) in engine.energy_requests
    # The grid meter has no readings: it is asked for the new hour only, not the backfill again.
    assert [request for request in engine.energy_requests if request[0] == 1] == [
        (1, _hour(10) - BACKFILL, _hour(10)),
        (1, _hour(10), _hour(11)),
    ]


@pytest.mark.usefixtures("recorder_mock")
async def test_failed_import_is_retried(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    engine: FixtureEngine,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An import the engine cannot answer is logged and done at the next update."""
    freezer.move_to(NOW)
    engine.hourly[2] = [(_hour(9), 0.5)]
    engine.hourly_failure = 500
    await setup_entry(hass, mock_config_entry)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert "Could not import the engine's history into statistics" in caplog.text
    assert await _statistics(hass, FRIDGE) == []

    engine.hourly_failure = None
    freezer.tick(SCAN_INTERVAL + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert await _statistics(hass, FRIDGE) == [
        {"start": _hour(9).timestamp(), "state": 0.5, "sum": 0.5}
    ]


@pytest.mark.usefixtures("recorder_mock")
async def test_reload_within_the_hour_asks_nothing(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    engine: FixtureEngine,
    freezer: FrozenDateTimeFactory,
) -> None:
    """After a reload in the same hour the fridge's statistics are complete: no request for it."""
    freezer.move_to(NOW)
    engine.hourly[2] = [(_hour(9), 0.5)]
    engine.price_hourly()
    await setup_entry(hass, mock_config_entry)
    await hass.async_block_till_done(wait_background_tasks=True)
    await async_wait_recording_done(hass)
    fridge_requests = [request for request in engine.energy_requests if request[0] == 2]

    assert await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [request for request in engine.energy_requests if request[0] == 2] == fridge_requests
    assert await _statistics(hass, FRIDGE) == [
        {"start": _hour(9).timestamp(), "state": 0.5, "sum": 0.5}
    ]


def _cost_rows(costs: dict[int, list[tuple[int, str]]]) -> list[dict[str, Any]]:
    return [
        {
            "start": _hour(hour).isoformat(),
            "device_id": device_id,
            "period": "peak",
            "energy_kwh": 1.0,
            "cost": cost,
            "carbon_kg": None,
        }
        for device_id, hours in costs.items()
        for hour, cost in hours
    ]


@pytest.mark.usefixtures("recorder_mock")
async def test_hourly_costs_backfill_continue_and_reimport(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    engine: FixtureEngine,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Costs per device come in one request; a recompute imports its range again."""
    freezer.move_to(NOW)
    engine.cost_rows = _cost_rows({2: [(8, "0.25"), (9, "0.5"), (10, "0.125")], 1: [(9, "1")]})
    await setup_entry(hass, mock_config_entry)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert await _statistics(hass, FRIDGE_COST) == [
        {"start": _hour(8).timestamp(), "state": 0.25, "sum": 0.25},
        {"start": _hour(9).timestamp(), "state": 0.5, "sum": 0.75},
    ]
    assert await _statistics(hass, GRID_COST) == [
        {"start": _hour(9).timestamp(), "state": 1.0, "sum": 1.0}
    ]
    assert [(request["start"], request["end"]) for request in engine.meter_cost_requests] == [
        ((_hour(10) - BACKFILL).isoformat(), _hour(10).isoformat())
    ]
    assert engine.meter_cost_requests[0]["group"] == "meter"
    assert engine.meter_cost_requests[0]["resolution"] == "hour"
    ids = await get_instance(hass).async_add_executor_job(list_statistic_ids, hass, {FRIDGE_COST})
    assert [(row["name"], row["statistics_unit_of_measurement"]) for row in ids] == [
        ("Fridge cost", "EUR")
    ]
    # The generation whose costs are imported is kept across restarts.
    assert mock_config_entry.data[CONF_IMPORTED_GENERATION] == 3

    freezer.move_to(_hour(11) + SETTLED_AFTER)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert engine.meter_cost_requests[-1]["start"] == _hour(10).isoformat()
    assert (await _statistics(hass, FRIDGE_COST))[-1] == {
        "start": _hour(10).timestamp(),
        "state": 0.125,
        "sum": 0.875,
    }

    # The engine recomputed from 09:00 with a new tariff: those hours are imported again,
    # within the same hour, summing on from 08:00.
    engine.cost_rows = _cost_rows({2: [(8, "0.25"), (9, "1"), (10, "0.25")], 1: [(9, "2")]})
    engine.summary["recompute"] = {
        "state": "done",
        "progress": 1.0,
        "generation": 4,
        "start": _hour(9).isoformat(),
    }
    await next_update(hass, freezer)
    assert engine.meter_cost_requests[-1]["start"] == _hour(9).isoformat()
    assert await _statistics(hass, FRIDGE_COST) == [
        {"start": _hour(8).timestamp(), "state": 0.25, "sum": 0.25},
        {"start": _hour(9).timestamp(), "state": 1.0, "sum": 1.25},
        {"start": _hour(10).timestamp(), "state": 0.25, "sum": 1.5},
    ]
    assert await _statistics(hass, GRID_COST) == [
        {"start": _hour(9).timestamp(), "state": 2.0, "sum": 2.0}
    ]
    assert mock_config_entry.data[CONF_IMPORTED_GENERATION] == 4

    # Imported: the next update in the hour asks nothing.
    requests = len(engine.meter_cost_requests)
    await next_update(hass, freezer)
    assert len(engine.meter_cost_requests) == requests


def _kwh_rows(device_id: int, hours: list[tuple[int, float, str]]) -> list[dict[str, Any]]:
    """Cost rows of DEVICE_ID as the engine priced them: (hour, the kWh it priced, cost)."""
    return [
        {
            "start": _hour(hour).isoformat(),
            "device_id": device_id,
            "period": "peak",
            "energy_kwh": kwh,
            "cost": cost,
            "carbon_kg": None,
        }
        for hour, kwh, cost in hours
    ]


@pytest.mark.usefixtures("recorder_mock")
async def test_costs_wait_for_the_engine_to_price_the_hour(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    engine: FixtureEngine,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An hour priced for less energy than imported waits for the update that prices it all."""
    freezer.move_to(NOW)
    engine.hourly[2] = [(_hour(8), 0.25), (_hour(9), 0.5)]
    # 09:00 priced for 0.4 kWh: its energy grew between the two requests.
    engine.cost_rows = _kwh_rows(2, [(8, 0.25, "0.0625"), (9, 0.4, "0.1")])
    await setup_entry(hass, mock_config_entry)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert await _statistics(hass, FRIDGE_COST) == [
        {"start": _hour(8).timestamp(), "state": 0.0625, "sum": 0.0625}
    ]
    assert len(await _statistics(hass, FRIDGE)) == 2  # the energy does not wait

    engine.cost_rows = _kwh_rows(2, [(8, 0.25, "0.0625"), (9, 0.5, "0.125")])
    await next_update(hass, freezer)
    assert await _statistics(hass, FRIDGE_COST) == [
        {"start": _hour(8).timestamp(), "state": 0.0625, "sum": 0.0625},
        {"start": _hour(9).timestamp(), "state": 0.125, "sum": 0.1875},
    ]
    # From 09:00 on only: what was imported is not asked for again.
    assert engine.meter_cost_requests[-1]["start"] == _hour(9).isoformat()
    assert (2, _hour(9), _hour(10)) in engine.energy_requests

    # All priced: the next update in the hour asks nothing.
    requests = (len(engine.meter_cost_requests), len(engine.energy_requests))
    await next_update(hass, freezer)
    assert (len(engine.meter_cost_requests), len(engine.energy_requests)) == requests


@pytest.mark.usefixtures("recorder_mock")
async def test_costs_backfilled_within_a_minute_of_the_engine_pricing(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    engine: FixtureEngine,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Set up before the engine priced anything: the whole backfill comes at the next update."""
    freezer.move_to(NOW)
    engine.hourly[2] = [(_hour(7), 0.5), (_hour(8), 0.25), (_hour(9), 0.5)]
    engine.cost_rows = []
    await setup_entry(hass, mock_config_entry)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert await _statistics(hass, FRIDGE_COST) == []

    engine.price_hourly()
    await next_update(hass, freezer)
    assert await _statistics(hass, FRIDGE_COST) == [
        {"start": _hour(7).timestamp(), "state": 0.125, "sum": 0.125},
        {"start": _hour(8).timestamp(), "state": 0.0625, "sum": 0.1875},
        {"start": _hour(9).timestamp(), "state": 0.125, "sum": 0.3125},
    ]


@pytest.mark.usefixtures("recorder_mock")
async def test_unpriced_kinds_and_hours_before_the_tariff_wait_for_nothing(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    engine: FixtureEngine,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Solar energy never gets a cost; hours before the tariff's first priced one neither."""
    freezer.move_to(NOW)
    engine.summary["devices"][0]["kind"] = "solar"  # the grid meter of the fixture, say
    engine.hourly[1] = [(_hour(9), 3.0)]
    # The fridge's 07:00 came before the tariff's first version: never priced.
    engine.hourly[2] = [(_hour(7), 0.5), (_hour(8), 0.25), (_hour(9), 0.5)]
    engine.cost_rows = _kwh_rows(2, [(8, 0.25, "0.0625"), (9, 0.5, "0.125")])
    await setup_entry(hass, mock_config_entry)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [row["state"] for row in await _statistics(hass, FRIDGE_COST)] == [0.0625, 0.125]

    requests = (len(engine.meter_cost_requests), len(engine.energy_requests))
    await next_update(hass, freezer)
    assert (len(engine.meter_cost_requests), len(engine.energy_requests)) == requests


@pytest.mark.usefixtures("recorder_mock")
async def test_recompute_while_stopped_reimports_the_backfill(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    engine: FixtureEngine,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A recompute while the entry was not loaded, of an engine that does not say from where."""
    freezer.move_to(NOW)
    engine.cost_rows = _cost_rows({2: [(8, "0.25"), (9, "0.5")]})
    await setup_entry(hass, mock_config_entry)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    await async_wait_recording_done(hass)

    engine.cost_rows = _cost_rows({2: [(8, "0.5"), (9, "1")]})
    engine.summary["recompute"].update(generation=4, start=None)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [request["start"] for request in engine.meter_cost_requests] == [
        (_hour(10) - BACKFILL).isoformat()
    ] * 2
    assert await _statistics(hass, FRIDGE_COST) == [
        {"start": _hour(8).timestamp(), "state": 0.5, "sum": 0.5},
        {"start": _hour(9).timestamp(), "state": 1.0, "sum": 1.5},
    ]
    assert mock_config_entry.data[CONF_IMPORTED_GENERATION] == 4


@pytest.mark.usefixtures("recorder_mock")
async def test_cloud_costs_per_day(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    engine: FixtureEngine,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Each cloud account's previous local day is imported once, summing on."""
    freezer.move_to(NOW)
    await setup_entry(hass, mock_config_entry)
    await hass.async_block_till_done(wait_background_tasks=True)
    # 28 March in Berlin began at 27 March 23:00 UTC.
    first = datetime(2026, 3, 27, 23, tzinfo=UTC).timestamp()
    assert await _statistics(hass, AZURE) == [{"start": first, "state": 1.5, "sum": 1.5}]

    freezer.move_to(datetime(2026, 3, 29, 22, 30, tzinfo=UTC))
    engine.summary["period"]["today"] = "2026-03-30"
    engine.summary["cloud"]["accounts"][0]["yesterday"] = "2"
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    freezer.move_to(datetime(2026, 3, 29, 23, 30, tzinfo=UTC))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    second = datetime(2026, 3, 28, 23, tzinfo=UTC).timestamp()
    assert await _statistics(hass, AZURE) == [
        {"start": first, "state": 1.5, "sum": 1.5},
        {"start": second, "state": 2.0, "sum": 3.5},
    ]
    ids = await get_instance(hass).async_add_executor_job(list_statistic_ids, hass, {AZURE})
    assert [(row["name"], row["statistics_unit_of_measurement"]) for row in ids] == [
        ("Azure subscription cost", "EUR")
    ]
