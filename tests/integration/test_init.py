"""Setting up and unloading the integration."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_integration
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aetherlens.const import DOMAIN


async def test_integration_is_discovered(hass: HomeAssistant) -> None:
    """Home Assistant finds our integration with a config flow."""
    integration = await async_get_integration(hass, DOMAIN)
    assert integration.config_flow is True
    assert integration.is_built_in is False


async def test_setup(hass: HomeAssistant, mock_config_entry: MockConfigEntry) -> None:
    """An entry whose engine answers loads."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED


async def test_unload(hass: HomeAssistant, mock_config_entry: MockConfigEntry) -> None:
    """A loaded entry unloads."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.NOT_LOADED


async def test_setup_retries_when_engine_is_down(hass: HomeAssistant, closed_url: str) -> None:
    """An unreachable engine puts the entry in setup retry, not in error."""
    entry = MockConfigEntry(domain=DOMAIN, unique_id="x", data={CONF_URL: closed_url})
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY
