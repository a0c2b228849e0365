"""The ledger's sensors: gas, water and the total spend (test_energy.py validates them).

The fixture engine answers `fixtures/ledger.json` (checked against the engine's document in
test_api.py): a gas part priced per kWh, a water part per m³, electricity and cloud.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.integration.conftest import FixtureEngine, load_fixture, setup_entry, state_of

D = Decimal


@pytest.fixture
def ledger(engine: FixtureEngine) -> dict[str, Any]:
    """Let the fixture engine answer the ledger fixture."""
    engine.ledger = load_fixture("ledger")
    return engine.ledger


async def test_gas_water_and_total_spend_sensors_show_the_ledger(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, ledger: dict[str, Any]
) -> None:
    """Each part's sensors show it to the cent; the total spend is the sum of the parts."""
    await setup_entry(hass, mock_config_entry)
    gas = state_of(hass, "sensor.aetherlens_gas_cost_today")
    assert (gas.state, gas.attributes["exact"], gas.attributes["unit_of_measurement"]) == (
        "4.70",
        "4.70079",
        "EUR",
    )
    assert (
        gas.attributes["last_reset"] == "2026-03-29T00:00:00+01:00"
    )  # the clocks go forward later
    cycle = state_of(hass, "sensor.aetherlens_gas_cost_this_billing_cycle")
    assert (cycle.state, cycle.attributes["last_reset"]) == ("83.45", "2026-03-15T00:00:00+01:00")
    assert state_of(hass, "sensor.aetherlens_projected_gas_bill").state == "190.30"
    usage = state_of(hass, "sensor.aetherlens_gas_today")
    assert (usage.state, usage.attributes["device_class"]) == ("41.235", "energy")
    price = state_of(hass, "sensor.aetherlens_gas_price")
    assert (price.state, price.attributes["unit_of_measurement"]) == ("0.1369", "EUR/kWh")
    water_price = state_of(hass, "sensor.aetherlens_water_price")
    assert water_price.attributes["unit_of_measurement"] == "EUR/m³"
    water = state_of(hass, "sensor.aetherlens_water_today")
    assert (water.state, water.attributes["unit_of_measurement"]) == ("0.31", "m³")
    assert water.attributes["device_class"] == "water"

    for period, entity in (
        ("today", "total_spend_today"),
        ("month", "total_spend_this_month"),
        ("cycle_so_far", "total_spend_this_billing_cycle"),
    ):
        total = state_of(hass, f"sensor.aetherlens_{entity}")
        parts = sum((D(part[period]) for part in ledger["parts"]), D(0))
        assert D(total.attributes["exact"]) == parts, period
        assert D(total.state) == parts.quantize(D("0.01")), period


async def test_a_connection_on_its_own_tariff_has_its_cycle_and_projected_bill(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, ledger: dict[str, Any]
) -> None:
    """The heat pump's connection: its own cycle's bill so far and projected, named by its
    tariff; the electricity part (the sum of its connections) is in the total spend."""
    await setup_entry(hass, mock_config_entry)
    own = ledger["parts"][0]["connections"][1]
    cycle = state_of(hass, "sensor.aetherlens_heat_pump_cost_this_billing_cycle")
    assert (cycle.state, cycle.attributes["exact"]) == ("14.00", own["cycle_so_far"])
    assert (cycle.attributes["connection"], cycle.attributes["cycle_start"]) == (
        "sensor.heat_pump_import",
        "2026-03-15",
    )
    assert cycle.attributes["unit_of_measurement"] == "EUR"
    assert state_of(hass, "sensor.aetherlens_heat_pump_projected_bill").state == "20.00"
    # The active tariff's meters have no sensors of their own: the household's are theirs.
    assert hass.states.get("sensor.aetherlens_dual_cost_this_billing_cycle") is None
    electricity = ledger["parts"][0]
    for field in ("today", "month", "cycle_so_far", "projected"):
        assert D(electricity[field]) == sum(
            (D(c[field]) for c in electricity["connections"]), D(0)
        ), field

    # Detached in the engine: the sensors become unavailable.
    ledger["parts"][0]["connections"] = ledger["parts"][0]["connections"][:1]
    coordinator = mock_config_entry.runtime_data.coordinator
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    gone = state_of(hass, "sensor.aetherlens_heat_pump_projected_bill")
    assert gone.state == "unavailable"


async def test_unpriced_parts_and_older_engines_have_no_ledger_sensors(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, engine: FixtureEngine
) -> None:
    """Without the route (an older engine) nothing; an unpriced water part gets no sensors."""
    await setup_entry(hass, mock_config_entry)
    assert hass.states.get("sensor.aetherlens_total_spend_today") is None
    assert hass.states.get("sensor.aetherlens_gas_cost_today") is None
    await hass.config_entries.async_unload(mock_config_entry.entry_id)

    engine.ledger = load_fixture("ledger")
    engine.ledger["parts"][2]["tariff"] = None
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert state_of(hass, "sensor.aetherlens_total_spend_today").state == "9.91"
    assert state_of(hass, "sensor.aetherlens_gas_cost_today").state == "4.70"
    assert hass.states.get("sensor.aetherlens_water_cost_today") is None
