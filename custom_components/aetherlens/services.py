"""Actions of the AetherLens integration."""

from __future__ import annotations

import probatio
from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.service import async_get_config_entry

from .const import DOMAIN
from .coordinator import AetherLensConfigEntry

SERVICE_REFRESH = "refresh"

REFRESH_SCHEMA = probatio.Schema({probatio.Optional(ATTR_CONFIG_ENTRY_ID): str})


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions."""

    async def _handle_refresh(call: ServiceCall) -> None:
        """Read the engine's summary now rather than at the next update."""
        # Without an entry id: the one loaded entry, or a validation error naming the choice.
        entry: AetherLensConfigEntry = async_get_config_entry(
            hass, DOMAIN, call.data.get(ATTR_CONFIG_ENTRY_ID)
        )
        coordinator = entry.runtime_data.coordinator
        await coordinator.async_refresh()
        if not coordinator.last_update_success:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="refresh_failed",
                translation_placeholders={"error": str(coordinator.last_exception)},
            ) from coordinator.last_exception

    hass.services.async_register(DOMAIN, SERVICE_REFRESH, _handle_refresh, schema=REFRESH_SCHEMA)
