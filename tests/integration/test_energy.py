"""The household's sensors pass Home Assistant's Energy dashboard validation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.energy import data as energy_data
from homeassistant.components.energy.validate import async_validate
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
)

PERIOD_START = datetime(2026, 3, 29, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _custom_integrations(
    recorder_db_url: str, enable_custom_integrations: None, socket_enabled: None
) -> None:
    """Prepare the recorder's database before Home Assistant starts, as the recorder needs."""


@pytest.mark.usefixtures("recorder_mock")
async def test_grid_energy_and_cost_validate(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """Energy today as grid consumption and cost today as its tariff-exact cost: no issues."""
    freezer.move_to(PERIOD_START.replace(minute=1))
    hass.config.currency = "EUR"
    assert await async_setup_component(hass, "energy", {})
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    # The statistics import runs as the entry's background task: done before the recorder's
    # database is asked about (and torn down).
    await hass.async_block_till_done(wait_background_tasks=True)
    await async_wait_recording_done(hass)

    manager = await energy_data.async_get_manager(hass)
    source: energy_data.GridSourceType = {
        "type": "grid",
        "stat_energy_from": "sensor.aetherlens_energy_today",
        "stat_energy_to": None,
        "stat_cost": "sensor.aetherlens_cost_today",
        "entity_energy_price": None,
        "number_energy_price": None,
        "stat_compensation": None,
        "entity_energy_price_export": None,
        "number_energy_price_export": None,
        "cost_adjustment_day": 0,
    }
    preferences = energy_data.EnergyManager.default_preferences()
    await manager.async_update({**preferences, "energy_sources": [source]})
    freezer.move_to(PERIOD_START.replace(minute=6))
    do_adhoc_statistics(hass, start=dt_util.as_utc(PERIOD_START))
    await async_wait_recording_done(hass)

    validation = await async_validate(hass)
    assert validation.as_dict()["energy_sources"] == [[]]

    # The same validation does flag a price (a measurement without last_reset) as a cost.
    price_as_cost: energy_data.GridSourceType = {
        **source,
        "stat_cost": "sensor.aetherlens_current_price",
    }
    await manager.async_update({**preferences, "energy_sources": [price_as_cost]})
    validation = await async_validate(hass)
    issues = {issue["type"] for issue in validation.as_dict()["energy_sources"][0]}
    assert "entity_state_class_measurement_no_last_reset" in issues
    await hass.async_block_till_done(wait_background_tasks=True)
