"""HA 2026.10 keeps the HTTP configuration devtools writes: no trial that reverts and restarts.

HA's real `http` integration is set up in-process (pytest-homeassistant-custom-component) on a
free port of 127.0.0.1, and the clock is moved past HA's five-minute auto-revert. The same setup
with an `http:` YAML section (what devtools wrote before) shows the revert the store avoids.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.http.config import AUTO_REVERT_DELAY, DATA_STORE, ActiveConfigType
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import async_fire_time_changed, async_mock_service

from devtools.homeassistant import free_port, http_store

PAST_THE_REVERT = AUTO_REVERT_DELAY + timedelta(minutes=10)


async def _set_up_http(hass: HomeAssistant, config: dict[str, Any]) -> None:
    assert await async_setup_component(hass, "http", config)
    await hass.async_block_till_done()


@pytest.mark.usefixtures("socket_enabled")
async def test_stored_config_is_kept_past_the_revert(
    hass: HomeAssistant, hass_storage: dict[str, Any], freezer: FrozenDateTimeFactory
) -> None:
    """HA serves the stored 127.0.0.1:PORT as confirmed config; nothing reverts or restarts."""
    port = free_port()
    hass_storage["http"] = http_store(port)
    restarts = async_mock_service(hass, "homeassistant", "restart")
    await _set_up_http(hass, {})
    store = hass.data[DATA_STORE]
    assert store.active_config_type is ActiveConfigType.STABLE
    assert store.pending is None
    assert store.revert_deadline is None
    assert hass.config.api is not None
    assert hass.config.api.port == port

    freezer.tick(PAST_THE_REVERT)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    assert restarts == []
    assert store.active_config_type is ActiveConfigType.STABLE
    assert store.stable["server_host"] == ["127.0.0.1"]
    assert store.stable["server_port"] == port


@pytest.mark.usefixtures("socket_enabled")
async def test_yaml_config_is_a_trial_that_reverts(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """The old form: `http:` YAML becomes a pending trial, reverted with a restart."""
    restarts = async_mock_service(hass, "homeassistant", "restart")
    await _set_up_http(hass, {"http": {"server_host": "127.0.0.1", "server_port": free_port()}})
    store = hass.data[DATA_STORE]
    assert store.active_config_type is ActiveConfigType.PENDING
    assert store.revert_deadline is not None

    freezer.tick(PAST_THE_REVERT)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    assert len(restarts) == 1
