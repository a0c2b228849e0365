"""The config flow, against engines served on 127.0.0.1: every step and every branch."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.config_entries import SOURCE_HASSIO, SOURCE_USER, ConfigFlowResult
from homeassistant.const import (
    CONF_API_TOKEN,
    CONF_HOST,
    CONF_PORT,
    CONF_TOKEN,
    CONF_URL,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.hassio import HassioServiceInfo
from pytest_homeassistant_custom_component.common import MockConfigEntry
from yarl import URL

from custom_components.aetherlens.config_flow import CONF_BUDGET_ENTITIES
from custom_components.aetherlens.const import (
    CONF_DEVICE_SENSORS,
    CONF_HIDDEN_BUDGETS,
    CONF_NOTIFY_ENTITIES,
    CONF_NOTIFY_PERSISTENT,
    CONF_STATEMENT_THRESHOLD,
    DOMAIN,
)
from tests.http import serve_app

from .conftest import ENGINE_INSTANCE_ID, TOKEN, FixtureEngine

pytestmark = pytest.mark.usefixtures("mock_setup_entry")


@pytest.fixture
async def other_engine_url() -> AsyncIterator[str]:
    """Serve another engine (another instance id) accepting the same token."""
    other = FixtureEngine()
    other.instance_id = "fedcba9876543210fedcba9876543210"
    other.summary["engine"]["instance_id"] = other.instance_id
    async with serve_app(other.app()) as url:
        yield url


def _discovery(url: str, token: str = TOKEN) -> HassioServiceInfo:
    parsed = URL(url)
    return HassioServiceInfo(
        config={CONF_HOST: parsed.host, CONF_PORT: parsed.port, CONF_TOKEN: token},
        name="AetherLens Engine",
        slug="aetherlens",
        uuid="1234",
    )


async def test_user_flow(hass: HomeAssistant, engine_url: str, mock_setup_entry: AsyncMock) -> None:
    """The form asks for URL and token; a real answer creates the entry with the instance id."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: f"{engine_url}/", CONF_API_TOKEN: f" {TOKEN} "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "AetherLens"
    assert result["data"] == {CONF_URL: engine_url, CONF_API_TOKEN: TOKEN}
    assert result["result"].unique_id == ENGINE_INSTANCE_ID
    assert len(mock_setup_entry.mock_calls) == 1


@pytest.mark.parametrize(
    ("target", "token", "errors"),
    [
        ("closed", TOKEN, {CONF_URL: "cannot_connect"}),
        ("foreign", TOKEN, {CONF_URL: "not_an_engine"}),
        ("engine", "wrong-token", {CONF_API_TOKEN: "invalid_auth"}),
    ],
)
async def test_user_flow_errors_recover(  # noqa: PLR0917 - pytest fixtures
    hass: HomeAssistant,
    engine_url: str,
    closed_url: str,
    foreign_url: str,
    target: str,
    token: str,
    errors: dict[str, str],
) -> None:
    """A wrong URL or token shows an error at its field; the right ones then succeed."""
    urls = {"closed": closed_url, "foreign": foreign_url, "engine": engine_url}
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: urls[target], CONF_API_TOKEN: token}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: engine_url, CONF_API_TOKEN: TOKEN}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize(
    "typed", ["ftp://127.0.0.1:8787", "http://", "127.0.0.1:99999", "http://[::1"]
)
async def test_user_flow_host_port_and_invalid_urls(
    hass: HomeAssistant, engine_url: str, typed: str
) -> None:
    """A bare host:port is an http URL; what is no http(s) URL of a host is said so."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: typed, CONF_API_TOKEN: TOKEN}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_URL: "invalid_url"}

    bare = engine_url.removeprefix("http://")  # 127.0.0.1:<port>
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: f" {bare}/ ", CONF_API_TOKEN: TOKEN}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_URL: engine_url, CONF_API_TOKEN: TOKEN}


async def test_user_flow_unexpected_error_recovers(hass: HomeAssistant, engine_url: str) -> None:
    """An unexpected failure shows `unknown` and does not end the flow."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    with patch(
        "custom_components.aetherlens.config_flow.AetherLensClient.summary",
        side_effect=RuntimeError("boom"),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_URL: engine_url, CONF_API_TOKEN: TOKEN}
        )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "unknown"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: engine_url, CONF_API_TOKEN: TOKEN}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_user_flow_already_configured(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, engine_url: str
) -> None:
    """The same engine cannot be added twice."""
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: engine_url, CONF_API_TOKEN: TOKEN}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_hassio_discovery(
    hass: HomeAssistant, engine_url: str, mock_setup_entry: AsyncMock
) -> None:
    """The add-on's engine is offered for confirmation, then added with its URL and token."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_HASSIO}, data=_discovery(engine_url)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "hassio_confirm"
    assert result["description_placeholders"] == {"url": engine_url}

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_URL: engine_url, CONF_API_TOKEN: TOKEN}
    assert result["result"].unique_id == ENGINE_INSTANCE_ID
    assert len(mock_setup_entry.mock_calls) == 1


async def test_hassio_confirm_error_recovers(
    hass: HomeAssistant, engine: FixtureEngine, engine_url: str
) -> None:
    """A failure when confirming shows on the form; confirming again once it is gone succeeds."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_HASSIO}, data=_discovery(engine_url)
    )
    engine.failure = 503
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}

    engine.failure = None
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_hassio_discovery_updates_configured_engine(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, engine_url: str
) -> None:
    """A configured engine announced at a new address with a new token is updated, not added."""
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry, data={CONF_URL: "http://old-host:8787", CONF_API_TOKEN: "old"}
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_HASSIO}, data=_discovery(engine_url)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert mock_config_entry.data == {CONF_URL: engine_url, CONF_API_TOKEN: TOKEN}


async def test_hassio_discovery_unreachable(hass: HomeAssistant, closed_url: str) -> None:
    """An announced engine that cannot be reached is not offered."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_HASSIO}, data=_discovery(closed_url)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"


async def test_reauth(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, engine: FixtureEngine
) -> None:
    """A rejected token is replaced after a failed attempt; the entry keeps its URL."""
    mock_config_entry.add_to_hass(hass)
    engine.token = "new-token-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105
    result = await mock_config_entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: TOKEN}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_API_TOKEN: "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: engine.token}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert mock_config_entry.data[CONF_API_TOKEN] == engine.token


async def test_reauth_unreachable_shows_base_error(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, engine: FixtureEngine
) -> None:
    """The reauth form has no URL field, so an unreachable engine is a form-wide error."""
    mock_config_entry.add_to_hass(hass)
    engine.failure = 503
    result = await mock_config_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: TOKEN}
    )
    assert result["errors"] == {"base": "cannot_connect"}


async def test_reauth_wrong_engine(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, other_engine_url: str
) -> None:
    """An entry whose URL now leads to another engine is not re-authenticated against it."""
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry, data={**mock_config_entry.data, CONF_URL: other_engine_url}
    )
    result = await mock_config_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: TOKEN}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_engine"


async def test_reconfigure(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, engine_url: str, closed_url: str
) -> None:
    """The URL moves to where the engine answers now, after a failed attempt."""
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry, data={**mock_config_entry.data, CONF_URL: "http://old-host:8787"}
    )
    result = await mock_config_entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: closed_url}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_URL: "cannot_connect"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: "mailto:engine"}
    )
    assert result["errors"] == {CONF_URL: "invalid_url"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: engine_url.removeprefix("http://")}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert mock_config_entry.data == {CONF_URL: engine_url, CONF_API_TOKEN: TOKEN}


async def test_reconfigure_wrong_engine(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, other_engine_url: str
) -> None:
    """Another engine's URL does not replace this one's."""
    mock_config_entry.add_to_hass(hass)
    result = await mock_config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: other_engine_url}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_engine"
    assert mock_config_entry.data[CONF_URL] != other_engine_url


async def test_options(hass: HomeAssistant, mock_config_entry: MockConfigEntry) -> None:
    """The options: sensors per device (no budgets offered while the entry is not loaded);
    budget notifications off."""
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    # The entry is not loaded: no budgets to offer.
    assert CONF_BUDGET_ENTITIES not in _schema(result)

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_DEVICE_SENSORS: False},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert mock_config_entry.options == {
        CONF_DEVICE_SENSORS: False,
        CONF_STATEMENT_THRESHOLD: 1.0,
        CONF_HIDDEN_BUDGETS: [],
        CONF_NOTIFY_PERSISTENT: False,
        CONF_NOTIFY_ENTITIES: [],
    }


def _schema(result: ConfigFlowResult) -> dict[Any, Any]:
    """Return the fields of RESULT's form."""
    schema = result["data_schema"]
    assert schema is not None
    fields: dict[Any, Any] = schema.schema
    return fields
