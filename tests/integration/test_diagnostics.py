"""Diagnostics: the entry without its token, and the last summary."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.matchers import path_type

from .conftest import TOKEN


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """The diagnostics hold the summary and never the token."""
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    assert TOKEN not in str(diagnostics)
    # The engine's port is a new one in every run.
    assert diagnostics == snapshot(matcher=path_type({"entry.data.url": (str,)}))
