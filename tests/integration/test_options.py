"""Options of a loaded entry: the engine's budgets offered, those left out hidden; notifications."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aetherlens.config_flow import CONF_BUDGET_ENTITIES
from custom_components.aetherlens.const import (
    CONF_DEVICE_SENSORS,
    CONF_HIDDEN_BUDGETS,
    CONF_NOTIFY_ENTITIES,
    CONF_NOTIFY_PERSISTENT,
    CONF_STATEMENT_THRESHOLD,
    DOMAIN,
)

from .conftest import ENGINE_INSTANCE_ID


async def test_options_pick_budgets(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """The engine's budgets are offered; those left out are stored, and lose their entities."""
    hass.config_entries.async_update_entry(init_integration, options={CONF_HIDDEN_BUDGETS: ["9"]})
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    schema = _schema(result)
    field = next(key for key in schema if key == CONF_BUDGET_ENTITIES)
    assert field.default() == ["1"]
    assert schema[field].config["options"] == [{"value": "1", "label": "Household month"}]
    assert [str(key) for key in schema] == [
        CONF_DEVICE_SENSORS,
        CONF_STATEMENT_THRESHOLD,
        CONF_BUDGET_ENTITIES,
        CONF_NOTIFY_PERSISTENT,
        CONF_NOTIFY_ENTITIES,
    ]
    assert hass.states.get("sensor.aetherlens_budget_household_month") is not None

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_DEVICE_SENSORS: True, CONF_BUDGET_ENTITIES: []},
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # Budget 9, not offered now, stays hidden.
    assert init_integration.options[CONF_HIDDEN_BUDGETS] == ["1", "9"]
    assert hass.states.get("sensor.aetherlens_budget_household_month") is None
    # Removed from the registry at the reload the options caused, not left as orphans.
    for platform, suffix in (("sensor", "spent"), ("binary_sensor", "over")):
        unique_id = f"{ENGINE_INSTANCE_ID}_budget_1_{suffix}"
        assert er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id) is None


async def test_options_notifications_off_until_chosen(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Both notifications are off in the form at first; what the user picks is stored."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    schema = _schema(result)
    persistent = next(key for key in schema if key == CONF_NOTIFY_PERSISTENT)
    entities = next(key for key in schema if key == CONF_NOTIFY_ENTITIES)
    assert persistent.default() is False
    assert entities.default() == []
    assert schema[entities].config == {
        "domain": ["notify"],
        "multiple": True,
        "reorder": False,
    }

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_DEVICE_SENSORS: True,
            CONF_NOTIFY_PERSISTENT: True,
            CONF_NOTIFY_ENTITIES: ["notify.phone"],
        },
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options[CONF_NOTIFY_PERSISTENT] is True
    assert init_integration.options[CONF_NOTIFY_ENTITIES] == ["notify.phone"]

    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    suggested = {
        str(key): (key.description or {}).get("suggested_value") for key in _schema(result)
    }
    assert suggested[CONF_NOTIFY_PERSISTENT] is True
    assert suggested[CONF_NOTIFY_ENTITIES] == ["notify.phone"]


def _schema(result: ConfigFlowResult) -> dict[Any, Any]:
    """Return the fields of RESULT's form."""
    schema = result["data_schema"]
    assert schema is not None
    fields: dict[Any, Any] = schema.schema
    return fields
