"""The config flow, against a real engine API."""

from __future__ import annotations

from unittest.mock import AsyncMock

import pytest
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aetherlens.const import DOMAIN

from .conftest import ENGINE_INSTANCE_ID


@pytest.fixture
def urls(closed_url: str, foreign_url: str) -> dict[str, str]:
    """Return the URLs where no engine answers."""
    return {"closed": closed_url, "foreign": foreign_url}


@pytest.mark.usefixtures("mock_setup_entry")
async def test_user_flow(hass: HomeAssistant, engine_url: str) -> None:
    """The form asks for the URL; a real engine there creates the entry with its instance id."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: f"{engine_url}/"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "AetherLens"
    assert result["data"] == {CONF_URL: engine_url}
    assert result["result"].unique_id == ENGINE_INSTANCE_ID


@pytest.mark.parametrize(
    ("target", "error"), [("closed", "cannot_connect"), ("foreign", "not_an_engine")]
)
async def test_user_flow_errors_recover(  # noqa: PLR0917 - pytest fixtures
    hass: HomeAssistant,
    mock_setup_entry: AsyncMock,
    engine_url: str,
    urls: dict[str, str],
    target: str,
    error: str,
) -> None:
    """A URL without an engine shows an error at the field; the right URL then succeeds."""
    bad_url = urls[target]
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_URL: bad_url})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_URL: error}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: engine_url}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert len(mock_setup_entry.mock_calls) == 1


async def test_user_flow_already_configured(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, engine_url: str
) -> None:
    """The same engine cannot be added twice."""
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: engine_url}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
