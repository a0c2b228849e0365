"""The AetherLens integration: household energy and cloud costs, priced by the AetherLens engine."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_URL, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .api import AetherLensClient, AetherLensError
from .const import DOMAIN

PLATFORMS: list[Platform] = []

type AetherLensConfigEntry = ConfigEntry[AetherLensClient]


async def async_setup_entry(hass: HomeAssistant, entry: AetherLensConfigEntry) -> bool:
    """Connect to the engine."""
    client = AetherLensClient(async_get_clientsession(hass), entry.data[CONF_URL])
    try:
        await client.health()
    except AetherLensError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="cannot_connect",
            translation_placeholders={"url": entry.data[CONF_URL]},
        ) from err
    entry.runtime_data = client
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: AetherLensConfigEntry) -> bool:
    """Unload a config entry."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
