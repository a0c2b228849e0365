"""Config flow of the AetherLens integration: manual, add-on discovery, reauth, reconfigure."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, override

import probatio
from homeassistant.components.notify.const import DOMAIN as NOTIFY_DOMAIN
from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import (
    CONF_API_TOKEN,
    CONF_HOST,
    CONF_PORT,
    CONF_TOKEN,
    CONF_URL,
)
from homeassistant.core import callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.service_info.hassio import HassioServiceInfo
from yarl import URL

from .api import (
    AetherLensAuthenticationError,
    AetherLensClient,
    AetherLensConnectionError,
    AetherLensError,
)
from .const import (
    CONF_DEVICE_SENSORS,
    CONF_HIDDEN_BUDGETS,
    CONF_NOTIFY_ENTITIES,
    CONF_NOTIFY_PERSISTENT,
    CONF_STATEMENT_THRESHOLD,
    DEFAULT_STATEMENT_THRESHOLD,
    DOMAIN,
    LOGGER,
)
from .coordinator import AetherLensConfigEntry

TITLE = "AetherLens"
_SCHEMES = ("http", "https")


def engine_url(text: str) -> str:
    """Return the engine's URL as typed, `http://` added to a bare `host:port`.

    Raises ValueError for what is no http(s) URL of a host (the form says what to type).
    """
    text = text.strip()
    if "://" not in text:
        text = f"http://{text}"
    text = text.rstrip("/")
    url = URL(text)  # raises ValueError for a port out of range or a malformed address
    if url.scheme not in _SCHEMES or not url.host:
        raise ValueError(text)
    return text


URL_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
TOKEN_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
USER_SCHEMA = probatio.Schema(
    {probatio.Required(CONF_URL): URL_SELECTOR, probatio.Required(CONF_API_TOKEN): TOKEN_SELECTOR}
)
TOKEN_SCHEMA = probatio.Schema({probatio.Required(CONF_API_TOKEN): TOKEN_SELECTOR})
URL_SCHEMA = probatio.Schema({probatio.Required(CONF_URL): URL_SELECTOR})
OPTIONS_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_DEVICE_SENSORS, default=True): BooleanSelector(),
        probatio.Required(
            CONF_STATEMENT_THRESHOLD, default=DEFAULT_STATEMENT_THRESHOLD
        ): NumberSelector(NumberSelectorConfig(min=0, step=0.01, mode=NumberSelectorMode.BOX)),
    }
)
# The budgets with entities, in the form; the entry stores the others (see CONF_HIDDEN_BUDGETS).
CONF_BUDGET_ENTITIES = "budget_entities"
# Last in the form, after the budgets: off by default.
NOTIFY_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_NOTIFY_PERSISTENT, default=False): BooleanSelector(),
        probatio.Optional(CONF_NOTIFY_ENTITIES, default=list): EntitySelector(
            EntitySelectorConfig(domain=NOTIFY_DOMAIN, multiple=True)
        ),
    }
)


class AetherLensConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up an AetherLens engine."""

    VERSION = 1
    MINOR_VERSION = 2  # 1.2: no update interval or decimals of amounts in the options

    _discovered_url: str
    _discovered_token: str

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: AetherLensConfigEntry) -> AetherLensOptionsFlow:
        """Return the options flow."""
        return AetherLensOptionsFlow()

    async def _async_check(
        self, url: str, token: str, fields: Collection[str]
    ) -> tuple[str | None, dict[str, str]]:
        """Read the engine's summary at URL with TOKEN; return its instance id and form errors.

        Errors name the field of FIELDS they concern, else the form as a whole.
        """
        client = AetherLensClient(async_get_clientsession(self.hass), url, token)
        try:
            summary = await client.summary()
        except AetherLensAuthenticationError:
            error, field = "invalid_auth", CONF_API_TOKEN
        except AetherLensConnectionError:
            error, field = "cannot_connect", CONF_URL
        except AetherLensError:
            error, field = "not_an_engine", CONF_URL
        except Exception:  # noqa: BLE001 - a config flow must never crash
            LOGGER.exception("Unexpected error while checking the engine at %s", url)
            error, field = "unknown", "base"
        else:
            return summary.instance_id, {}
        return None, {field if field in fields else "base": error}

    @override
    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the engine's URL and API token, and check them."""
        errors: dict[str, str] = {}
        if user_input is not None:
            token = user_input[CONF_API_TOKEN].strip()
            try:
                url = engine_url(user_input[CONF_URL])
            except ValueError:
                instance_id, errors = None, {CONF_URL: "invalid_url"}
            else:
                fields = (CONF_URL, CONF_API_TOKEN)
                instance_id, errors = await self._async_check(url, token, fields)
            if instance_id is not None:
                await self.async_set_unique_id(instance_id, raise_on_progress=False)
                self._abort_if_unique_id_configured()
                return self.async_create_entry(
                    title=TITLE, data={CONF_URL: url, CONF_API_TOKEN: token}
                )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                USER_SCHEMA, {CONF_URL: user_input[CONF_URL]} if user_input else None
            ),
            errors=errors,
        )

    @override
    async def async_step_hassio(self, discovery_info: HassioServiceInfo) -> ConfigFlowResult:
        """Take the engine the AetherLens add-on announces (host, port, token)."""
        config = discovery_info.config
        url = f"http://{config[CONF_HOST]}:{config[CONF_PORT]}"
        token = str(config[CONF_TOKEN])
        try:
            health = await AetherLensClient(async_get_clientsession(self.hass), url, token).health()
        except AetherLensError:
            return self.async_abort(reason="cannot_connect")
        await self.async_set_unique_id(health.instance_id)
        self._abort_if_unique_id_configured(updates={CONF_URL: url, CONF_API_TOKEN: token})
        self._discovered_url = url
        self._discovered_token = token
        self.context["title_placeholders"] = {"name": discovery_info.name}
        return await self.async_step_hassio_confirm()

    async def async_step_hassio_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Let the user confirm the add-on's engine."""
        errors: dict[str, str] = {}
        if user_input is not None:
            instance_id, errors = await self._async_check(
                self._discovered_url, self._discovered_token, ()
            )
            if instance_id is not None:
                return self.async_create_entry(
                    title=TITLE,
                    data={CONF_URL: self._discovered_url, CONF_API_TOKEN: self._discovered_token},
                )
        return self.async_show_form(
            step_id="hassio_confirm",
            description_placeholders={"url": self._discovered_url},
            errors=errors,
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Ask for a new token once the engine rejects the entry's."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Check the new token and reload the entry with it."""
        errors: dict[str, str] = {}
        reauth_entry = self._get_reauth_entry()
        if user_input is not None:
            token = user_input[CONF_API_TOKEN].strip()
            instance_id, errors = await self._async_check(
                reauth_entry.data[CONF_URL], token, (CONF_API_TOKEN,)
            )
            if instance_id is not None:
                await self.async_set_unique_id(instance_id)
                self._abort_if_unique_id_mismatch(reason="wrong_engine")
                return self.async_update_reload_and_abort(
                    reauth_entry, data_updates={CONF_API_TOKEN: token}
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=TOKEN_SCHEMA,
            description_placeholders={"url": reauth_entry.data[CONF_URL]},
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Move the entry to the engine's new URL."""
        errors: dict[str, str] = {}
        reconfigure_entry = self._get_reconfigure_entry()
        if user_input is not None:
            try:
                url = engine_url(user_input[CONF_URL])
            except ValueError:
                instance_id, errors = None, {CONF_URL: "invalid_url"}
            else:
                instance_id, errors = await self._async_check(
                    url, reconfigure_entry.data[CONF_API_TOKEN], (CONF_URL,)
                )
            if instance_id is not None:
                await self.async_set_unique_id(instance_id)
                self._abort_if_unique_id_mismatch(reason="wrong_engine")
                return self.async_update_reload_and_abort(
                    reconfigure_entry, data_updates={CONF_URL: url}
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                URL_SCHEMA, user_input or {CONF_URL: reconfigure_entry.data[CONF_URL]}
            ),
            errors=errors,
        )


class AetherLensOptionsFlow(OptionsFlowWithReload):
    """Options: which entities the figures get (sensors per device, budgets); notifications.

    How often the figures are read is the integration's (the `refresh` action reads them now);
    how many decimals a sensor shows is its display precision in HA, set per entity.

    Budget amounts and thresholds are the engine's (its page and API); here the user only picks
    the budgets that get a sensor and an "over budget" binary sensor. Budgets the engine adds
    later get them too: the entry stores the budgets left out, not those picked. Notifications
    at the budgets' thresholds (see notifications.py) are off until the user picks where to.
    """

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show and save the options."""
        budgets = self._budgets()
        if user_input is not None:
            shown = set(user_input.get(CONF_BUDGET_ENTITIES, ()))
            # Budgets not offered now (the entry is not loaded) stay as they were.
            hidden = set(self.config_entry.options.get(CONF_HIDDEN_BUDGETS, ())) - set(budgets)
            return self.async_create_entry(
                data={
                    CONF_DEVICE_SENSORS: user_input[CONF_DEVICE_SENSORS],
                    CONF_STATEMENT_THRESHOLD: user_input[CONF_STATEMENT_THRESHOLD],
                    CONF_HIDDEN_BUDGETS: sorted(hidden | (set(budgets) - shown)),
                    CONF_NOTIFY_PERSISTENT: user_input[CONF_NOTIFY_PERSISTENT],
                    CONF_NOTIFY_ENTITIES: user_input.get(CONF_NOTIFY_ENTITIES, []),
                }
            )
        schema = OPTIONS_SCHEMA
        if budgets:
            hidden = set(self.config_entry.options.get(CONF_HIDDEN_BUDGETS, ()))
            schema = schema.extend(
                {
                    probatio.Optional(
                        CONF_BUDGET_ENTITIES,
                        default=[budget for budget in budgets if budget not in hidden],
                    ): SelectSelector(
                        SelectSelectorConfig(
                            options=[
                                SelectOptionDict(value=budget, label=name)
                                for budget, name in budgets.items()
                            ],
                            multiple=True,
                        )
                    )
                }
            )
        schema = schema.extend(NOTIFY_SCHEMA.schema)
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(schema, self.config_entry.options),
        )

    def _budgets(self) -> dict[str, str]:
        """Return the engine's budgets (id as text: name); none while the entry is not loaded."""
        entry: AetherLensConfigEntry = self.config_entry
        if entry.state is not ConfigEntryState.LOADED:
            return {}
        return {
            str(budget.id): budget.name for budget in entry.runtime_data.coordinator.data.budgets
        }
