"""Config flow of the AetherLens integration."""

from __future__ import annotations

from typing import Any, override

import probatio
from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.const import CONF_URL
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import TextSelector, TextSelectorConfig, TextSelectorType

from .api import AetherLensClient, AetherLensConnectionError, AetherLensError
from .const import DOMAIN, LOGGER

STEP_USER_SCHEMA = probatio.Schema(
    {probatio.Required(CONF_URL): TextSelector(TextSelectorConfig(type=TextSelectorType.URL))}
)


class AetherLensConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up an AetherLens engine."""

    VERSION = 1

    @override
    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the engine's URL and check that an engine answers there."""
        errors: dict[str, str] = {}
        if user_input is not None:
            url = user_input[CONF_URL].rstrip("/")
            client = AetherLensClient(async_get_clientsession(self.hass), url)
            try:
                health = await client.health()
            except AetherLensConnectionError:
                errors[CONF_URL] = "cannot_connect"
            except AetherLensError:
                errors[CONF_URL] = "not_an_engine"
            except Exception:  # noqa: BLE001 - a config flow must never crash
                LOGGER.exception("Unexpected error while checking %s", url)
                errors["base"] = "unknown"
            else:
                await self.async_set_unique_id(health.instance_id)
                self._abort_if_unique_id_configured(updates={CONF_URL: url})
                return self.async_create_entry(title="AetherLens", data={CONF_URL: url})
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(STEP_USER_SCHEMA, user_input),
            errors=errors,
        )
