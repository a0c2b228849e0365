"""The ledger's gas and water sensors pass Home Assistant's Energy dashboard validation.

A module of its own: the recorder's database is prepared per module (see test_energy.py).
"""

from __future__ import annotations

from typing import Any

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

from tests.integration.conftest import FixtureEngine, load_fixture
from tests.integration.test_energy import PERIOD_START, _custom_integrations  # noqa: F401


@pytest.mark.usefixtures("recorder_mock")
async def test_gas_and_water_costs_validate_in_the_energy_dashboard(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    engine: FixtureEngine,
    freezer: FrozenDateTimeFactory,
) -> None:
    """HA's own energy/validate: no issue for the gas and water usage and cost entities."""
    freezer.move_to(PERIOD_START.replace(minute=1))
    hass.config.currency = "EUR"
    engine.ledger = load_fixture("ledger")
    assert await async_setup_component(hass, "energy", {})
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    # The statistics import (the entry's background task) done before the recorder is asked.
    await hass.async_block_till_done(wait_background_tasks=True)
    await async_wait_recording_done(hass)

    manager = await energy_data.async_get_manager(hass)
    sources: list[Any] = [
        {
            "type": commodity,
            "stat_energy_from": f"sensor.aetherlens_{commodity}_today",
            "stat_cost": f"sensor.aetherlens_{commodity}_cost_today",
            "entity_energy_price": None,
            "number_energy_price": None,
        }
        for commodity in ("gas", "water")
    ]
    preferences = energy_data.EnergyManager.default_preferences()
    await manager.async_update({**preferences, "energy_sources": sources})
    freezer.move_to(PERIOD_START.replace(minute=6))
    do_adhoc_statistics(hass, start=dt_util.as_utc(PERIOD_START))
    await async_wait_recording_done(hass)

    validation = await async_validate(hass)
    assert validation.as_dict()["energy_sources"] == [[], []]
