"""An update with 200 metered devices: one request, and state writes only for what changed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, HomeAssistant, callback
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.aetherlens.const import SCAN_INTERVAL

from .conftest import FixtureEngine, setup_entry

DEVICES = 200


def _devices(engine: FixtureEngine) -> list[dict[str, Any]]:
    template = engine.summary["devices"][1]
    return [
        {**template, "id": 100 + n, "name": f"Plug {n}", "source_id": f"sensor.plug_{n}"}
        for n in range(DEVICES)
    ]


async def test_update_with_200_devices_writes_only_changed_states(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    engine: FixtureEngine,
    freezer: FrozenDateTimeFactory,
) -> None:
    """One summary request per update; a device whose figures changed writes its states only."""
    engine.summary["devices"] = _devices(engine)
    await setup_entry(hass, mock_config_entry)
    assert len(hass.states.async_entity_ids("sensor")) == 10 + 3 * DEVICES + 3 + 1

    changed: list[str] = []

    @callback
    def _record(event: Event[Any]) -> None:
        changed.append(event.data["entity_id"])

    unsubscribe: Callable[[], None] = hass.bus.async_listen(EVENT_STATE_CHANGED, _record)
    engine.summary["devices"][0]["energy_today_kwh"] = 1.5
    requests = engine.summary_requests
    freezer.tick(SCAN_INTERVAL + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    unsubscribe()

    assert engine.summary_requests == requests + 1
    assert changed == ["sensor.plug_0_energy_today"]
