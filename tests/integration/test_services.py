"""The `aetherlens.refresh` action."""

from __future__ import annotations

import pytest
from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aetherlens.const import DOMAIN
from custom_components.aetherlens.services import SERVICE_REFRESH

from .conftest import FixtureEngine, state_of


async def test_refresh_reads_the_engine_now(
    hass: HomeAssistant, init_integration: MockConfigEntry, engine: FixtureEngine
) -> None:
    """The action reads the summary at once; without an entry id it takes the only one."""
    engine.summary["household"]["cost_today"] = "3.5"
    await hass.services.async_call(DOMAIN, SERVICE_REFRESH, {}, blocking=True)
    assert state_of(hass, "sensor.aetherlens_cost_today").state == "3.5"

    engine.summary["household"]["cost_today"] = "4"
    await hass.services.async_call(
        DOMAIN, SERVICE_REFRESH, {ATTR_CONFIG_ENTRY_ID: init_integration.entry_id}, blocking=True
    )
    assert state_of(hass, "sensor.aetherlens_cost_today").state == "4"
    assert engine.summary_requests == 3


async def test_refresh_failure_is_reported(
    hass: HomeAssistant, init_integration: MockConfigEntry, engine: FixtureEngine
) -> None:
    """A failed refresh raises a translated error saying why."""
    engine.failure = 503
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(DOMAIN, SERVICE_REFRESH, {}, blocking=True)
    assert raised.value.translation_key == "refresh_failed"
    assert "cannot reach its database" in str(raised.value)


@pytest.mark.usefixtures("init_integration")
async def test_refresh_unknown_entry(hass: HomeAssistant) -> None:
    """An entry id that is not an AetherLens entry is a validation error."""
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN, SERVICE_REFRESH, {ATTR_CONFIG_ENTRY_ID: "nope"}, blocking=True
        )
