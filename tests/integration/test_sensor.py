"""Sensors: states and attributes (snapshots), periods, dynamic and stale devices."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.sensor import ATTR_LAST_RESET, ATTR_STATE_CLASS, SensorStateClass
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_UNIT_OF_MEASUREMENT,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.translation import async_get_translations
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.aetherlens import async_remove_config_entry_device
from custom_components.aetherlens.const import (
    CONF_DEVICE_SENSORS,
    CONF_HIDDEN_BUDGETS,
    DOMAIN,
)

from .conftest import ENGINE_INSTANCE_ID, FixtureEngine, next_update, setup_entry, state_of


def _device(
    registry: dr.DeviceRegistry, entry: MockConfigEntry, suffix: str = ""
) -> dr.DeviceEntry | None:
    """Return the entry's device whose identifier is the instance id and SUFFIX."""
    return registry.async_get_device_by_identifier(
        (DOMAIN, f"{ENGINE_INSTANCE_ID}{suffix}"), entry.entry_id
    )


async def test_entities(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Every sensor's registry entry and state, as the summary fixture gives them."""
    with patch("custom_components.aetherlens.PLATFORMS", [Platform.SENSOR]):
        await setup_entry(hass, mock_config_entry)
    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)


@pytest.mark.usefixtures("init_integration")
async def test_budget_sensor(hass: HomeAssistant) -> None:
    """A budget's spending is a monetary total restarting with its period, in its currency."""
    state = state_of(hass, "sensor.aetherlens_budget_household_month")
    assert (state.state, state.attributes["exact"]) == ("66.30", "66.30001")
    assert state.attributes[ATTR_UNIT_OF_MEASUREMENT] == "EUR"
    assert state.attributes[ATTR_LAST_RESET] == "2026-03-01T00:00:00+01:00"
    assert state.attributes["amount"] == "90"


async def test_billing_cycle_budget(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, engine: FixtureEngine
) -> None:
    """A billing-cycle budget restarts with the tariff's cycle; without a tariff it has none."""
    engine.summary["budgets"][0].update(period="billing_cycle", spent=None)
    await setup_entry(hass, mock_config_entry)
    state = state_of(hass, "sensor.aetherlens_budget_household_month")
    assert state.state == STATE_UNKNOWN
    assert state.attributes[ATTR_LAST_RESET] == "2026-03-01T00:00:00+01:00"

    engine.summary["billing_cycle"] = dict.fromkeys(engine.summary["billing_cycle"])
    await mock_config_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    state = state_of(hass, "sensor.aetherlens_budget_household_month")
    assert state.attributes.get(ATTR_LAST_RESET) is None
    assert state_of(hass, "sensor.aetherlens_cost_this_billing_cycle").state == STATE_UNKNOWN


async def test_budget_gone_is_unavailable(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    engine: FixtureEngine,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A budget the engine no longer reports leaves its sensors unavailable."""
    engine.summary["budgets"] = []
    await next_update(hass, freezer)
    state = state_of(hass, "sensor.aetherlens_budget_household_month")
    assert state.state == STATE_UNAVAILABLE
    assert state_of(hass, "binary_sensor.aetherlens_over_budget_household_month").state == (
        STATE_UNAVAILABLE
    )


@pytest.mark.usefixtures("init_integration")
async def test_money_is_a_total_that_resets_at_local_period_starts(hass: HomeAssistant) -> None:
    """Cost sensors are monetary totals with last_reset at the engine's local day and month."""
    today = hass.states.get("sensor.aetherlens_cost_today")
    month = hass.states.get("sensor.aetherlens_cost_this_month")
    assert today is not None
    assert month is not None
    assert today.attributes[ATTR_DEVICE_CLASS] == "monetary"
    assert today.attributes[ATTR_STATE_CLASS] == SensorStateClass.TOTAL
    assert today.attributes[ATTR_UNIT_OF_MEASUREMENT] == "EUR"
    # Europe/Berlin: 29 March begins at 00:00 CET and March at 00:00 CET.
    assert today.attributes[ATTR_LAST_RESET] == "2026-03-29T00:00:00+01:00"
    assert month.attributes[ATTR_LAST_RESET] == "2026-03-01T00:00:00+01:00"
    assert (month.state, month.attributes["exact"]) == ("66.30", "66.30001")
    energy = hass.states.get("sensor.aetherlens_energy_today")
    assert energy is not None
    assert energy.attributes[ATTR_STATE_CLASS] == SensorStateClass.TOTAL_INCREASING
    assert ATTR_LAST_RESET not in energy.attributes


async def test_unpriced_values_are_unknown(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, engine: FixtureEngine
) -> None:
    """Before a tariff exists the engine reports no costs and no price: the states are unknown."""
    engine.summary["household"]["cost_today"] = None
    engine.summary["price"] = dict.fromkeys(engine.summary["price"])
    engine.summary["billing_cycle"] = dict.fromkeys(engine.summary["billing_cycle"])
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    for entity_id in (
        "sensor.aetherlens_cost_today",
        "sensor.aetherlens_current_price",
        "sensor.aetherlens_time_of_use_period",
        "sensor.aetherlens_next_price_change",
        "sensor.aetherlens_cost_this_billing_cycle",
        "sensor.aetherlens_projected_cycle_bill",
        "binary_sensor.aetherlens_peak_period_active",
    ):
        assert state_of(hass, entity_id).state == STATE_UNKNOWN, entity_id
    # No period known yet: Home Assistant leaves the empty options out.
    assert "options" not in state_of(hass, "sensor.aetherlens_time_of_use_period").attributes


async def test_summary_of_an_older_engine(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, engine: FixtureEngine
) -> None:
    """An engine without the tariff additions: their sensors are unknown, the rest works."""
    summary = engine.summary
    for key in ("billing_cycle", "tariff", "recompute"):
        del summary[key]
    del summary["engine"]["api_version"]
    del summary["household"]["carbon_today_kg"]
    summary["price"] = {"current": "0.312", "period": "peak"}
    for account in summary["cloud"]["accounts"]:
        del account["yesterday"], account["top_services"]
    await setup_entry(hass, mock_config_entry)
    assert state_of(hass, "sensor.aetherlens_cost_this_billing_cycle").state == STATE_UNKNOWN
    assert state_of(hass, "sensor.aetherlens_carbon_today").state == STATE_UNKNOWN
    assert (
        state_of(hass, "sensor.azure_subscription_month_to_date").attributes["top_services"] == {}
    )
    # Without the tariff's period names the options are the periods seen so far.
    period = state_of(hass, "sensor.aetherlens_time_of_use_period")
    assert (period.state, period.attributes["options"]) == ("peak", ["peak"])
    summary["price"]["period"] = "off"
    await mock_config_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    period = state_of(hass, "sensor.aetherlens_time_of_use_period")
    assert (period.state, period.attributes["options"]) == ("off", ["off", "peak"])


@pytest.mark.usefixtures("init_integration")
async def test_tariff_sensors(hass: HomeAssistant) -> None:
    """Price, period (an enum of the tariff's periods), next change, cycle, carbon."""
    period = state_of(hass, "sensor.aetherlens_time_of_use_period")
    assert (period.state, period.attributes["options"]) == ("peak", ["off", "peak"])
    assert period.attributes[ATTR_DEVICE_CLASS] == "enum"
    change = state_of(hass, "sensor.aetherlens_next_price_change")
    assert change.state == "2026-03-29T18:00:00+00:00"
    price = state_of(hass, "sensor.aetherlens_current_price")
    assert (price.state, price.attributes[ATTR_UNIT_OF_MEASUREMENT]) == ("0.3120", "EUR/kWh")
    cycle = state_of(hass, "sensor.aetherlens_cost_this_billing_cycle")
    assert cycle.state == "66.30"
    # Its components add up to it: 53.30001 + 1.5 + 4.5 - 2 + 9.
    assert {key: cycle.attributes[key] for key in ("exact", "energy", "fixed", "taxes")} == {
        "exact": "66.30001",
        "energy": "53.30001",
        "fixed": "4.5",
        "taxes": "9",
    }
    assert (cycle.attributes["surcharges"], cycle.attributes["credit"]) == ("1.5", "2")
    assert cycle.attributes[ATTR_STATE_CLASS] == SensorStateClass.TOTAL
    assert cycle.attributes[ATTR_LAST_RESET] == "2026-03-01T00:00:00+01:00"
    projected = state_of(hass, "sensor.aetherlens_projected_cycle_bill")
    assert projected.state == "71.50"
    assert ATTR_STATE_CLASS not in projected.attributes
    carbon = state_of(hass, "sensor.aetherlens_carbon_today")
    assert (carbon.state, carbon.attributes[ATTR_UNIT_OF_MEASUREMENT]) == ("1.8125", "kg")
    cloud = state_of(hass, "sensor.azure_subscription_month_to_date")
    assert cloud.attributes["yesterday"] == 1.5
    assert cloud.attributes["top_services"] == {"Virtual Machines": 30.0, "Storage": 8.5}
    assert "top_services" not in state_of(hass, "sensor.azure_subscription_cost_today").attributes


@pytest.mark.parametrize(
    ("currency", "cost", "price"),
    [("EUR", ("2.26", 2), ("0.3120", 4)), ("JPY", ("2", 0), ("0.31", 2))],
)
async def test_amounts_shown_to_the_currency_minor_unit(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    engine: FixtureEngine,
    *,
    entity_registry: er.EntityRegistry,
    currency: str,
    cost: tuple[str, int],
    price: tuple[str, int],
) -> None:
    """Amounts are shown to the currency's minor unit, prices per kWh two decimals more;
    energy keeps its own. A user changes this per entity (HA's display precision)."""
    engine.summary["currency"] = currency
    await setup_entry(hass, mock_config_entry)

    def shown(entity_id: str) -> tuple[str, int | None]:
        entry = entity_registry.async_get(entity_id)
        assert entry is not None
        value: int | None = entry.options["sensor"].get("suggested_display_precision")
        return state_of(hass, entity_id).state, value

    assert shown("sensor.aetherlens_cost_today") == cost
    assert shown("sensor.aetherlens_current_price") == price
    assert shown("sensor.fridge_cost_today")[1] == cost[1]
    assert shown("sensor.aetherlens_energy_today")[1] == 2


async def test_new_devices_and_accounts_are_added(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    engine: FixtureEngine,
    device_registry: dr.DeviceRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A device the engine starts reporting gets its sensors; its HA device is inside the
    grid meter's (the household's only mains meter), the grid meter's inside the engine's.
    """
    assert hass.states.get("sensor.washer_energy_today") is None
    assert hass.states.get("sensor.aws_account_month_to_date") is None
    washer = {**engine.summary["devices"][1], "id": 3, "name": "Washer", "source_id": "washer"}
    # Listed before the washer it is measured inside (HA's included_in_stat).
    dryer = {**washer, "id": 4, "name": "Dryer energy", "source_id": "dryer", "included_in": 3}
    engine.summary["devices"] += [dryer, washer]
    aws = engine.summary["cloud"]["accounts"][1]
    aws.update(currency="USD", today="0.5", month_to_date="12.25", forecast="30")

    await next_update(hass, freezer)
    assert state_of(hass, "sensor.washer_energy_today").state == "0.75"
    aws_state = state_of(hass, "sensor.aws_account_month_to_date")
    assert aws_state.state == "12.25"
    assert aws_state.attributes[ATTR_UNIT_OF_MEASUREMENT] == "USD"

    engine_device = _device(device_registry, init_integration)
    grid_device = _device(device_registry, init_integration, "_device_1")
    washer_device = _device(device_registry, init_integration, "_device_3")
    assert engine_device is not None
    assert grid_device is not None
    assert washer_device is not None
    assert grid_device.via_device_id == engine_device.id
    assert washer_device.via_device_id == grid_device.id
    assert (grid_device.name, washer_device.name) == ("Grid", "Washer")  # "Grid energy" trimmed
    dryer_device = _device(device_registry, init_integration, "_device_4")
    assert dryer_device is not None
    assert (dryer_device.name, dryer_device.via_device_id) == ("Dryer", washer_device.id)
    assert state_of(hass, "sensor.dryer_energy_today").state == "0.75"


async def test_stale_devices_are_removed(  # noqa: PLR0917 - pytest fixtures
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    engine: FixtureEngine,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A device and an account the engine no longer reports leave the device registry."""
    fridge_id, azure_id = "_device_2", "_cloud_7"
    assert _device(device_registry, init_integration, fridge_id) is not None
    assert _device(device_registry, init_integration, azure_id) is not None

    engine.summary["devices"].pop(1)
    engine.summary["cloud"]["accounts"].pop(0)
    await next_update(hass, freezer)
    assert _device(device_registry, init_integration, fridge_id) is None
    assert _device(device_registry, init_integration, azure_id) is None
    assert _device(device_registry, init_integration)
    # Their entities go with them; the others keep their values.
    for entity_id in ("sensor.fridge_energy_today", "sensor.azure_subscription_month_to_date"):
        assert entity_registry.async_get(entity_id) is None
        assert hass.states.get(entity_id) is None
    assert state_of(hass, "sensor.grid_energy_today").state == "7.25"


async def test_removing_a_device_by_hand(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    engine: FixtureEngine,
    device_registry: dr.DeviceRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The user may delete a device the engine no longer reports, and only such a device."""
    assert await async_setup_component(hass, "config", {})
    fridge = _device(device_registry, init_integration, "_device_2")
    assert fridge is not None
    assert not await async_remove_config_entry_device(hass, init_integration, fridge)

    # Between updates the engine may stop reporting it; until then it is not removed.
    engine.summary["devices"].pop(1)
    await init_integration.runtime_data.coordinator.async_refresh()
    assert await async_remove_config_entry_device(hass, init_integration, fridge)


async def test_device_sensors_can_be_turned_off(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """Without device sensors only the household's and the cloud accounts' exist."""
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(mock_config_entry, options={CONF_DEVICE_SENSORS: False})
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    entities = er.async_entries_for_config_entry(entity_registry, mock_config_entry.entry_id)
    # Household sensors and the peak binary sensor, one cloud account, one budget.
    assert len(entities) == 11 + 3 + 2
    assert hass.states.get("sensor.fridge_energy_today") is None


async def test_hidden_budgets_get_no_entities(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    engine: FixtureEngine,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A budget hidden in the options has no entities; one the engine adds later does."""
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(mock_config_entry, options={CONF_HIDDEN_BUDGETS: ["1"]})
    await setup_entry(hass, mock_config_entry)
    assert hass.states.get("sensor.aetherlens_budget_household_month") is None
    assert hass.states.get("binary_sensor.aetherlens_over_budget_household_month") is None

    engine.summary["budgets"].append({**engine.summary["budgets"][0], "id": 2, "name": "Fridge"})
    await next_update(hass, freezer)
    assert state_of(hass, "sensor.aetherlens_budget_fridge").state == "66.30"
    assert state_of(hass, "binary_sensor.aetherlens_over_budget_fridge").state == "off"


@pytest.mark.usefixtures("init_integration")
async def test_time_of_use_periods_are_translated(hass: HomeAssistant) -> None:
    """HA shows a period by its translated name ("Off-peak"), not the tariff's raw "off"."""
    translations = await async_get_translations(hass, "en", "entity", {DOMAIN})
    prefix = f"component.{DOMAIN}.entity.sensor.price_period.state"
    period = state_of(hass, "sensor.aetherlens_time_of_use_period")
    shown = [translations[f"{prefix}.{name}"] for name in period.attributes["options"]]
    assert shown == ["Off-peak", "Peak"]
    assert translations[f"{prefix}.period 3"] == "Period 3"  # URDB's names
