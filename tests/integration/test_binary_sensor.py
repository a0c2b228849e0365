"""Binary sensors (peak period, over budget) and the events of budgets: thresholds, exceeded."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.aetherlens.binary_sensor import is_peak
from custom_components.aetherlens.const import EVENT_BUDGET_EXCEEDED, EVENT_BUDGET_THRESHOLD

from .conftest import FixtureEngine, next_update, setup_entry, state_of

OVER = "binary_sensor.aetherlens_over_budget_household_month"
PEAK = "binary_sensor.aetherlens_peak_period_active"


async def test_entities(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Every binary sensor's registry entry and state."""
    with patch("custom_components.aetherlens.PLATFORMS", [Platform.BINARY_SENSOR]):
        await setup_entry(hass, mock_config_entry)
    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)


async def test_crossing_the_budget_fires_one_event(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    engine: FixtureEngine,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Going over the amount turns the sensor on and fires the event once, not at every update."""
    events = async_capture_events(hass, EVENT_BUDGET_EXCEEDED)
    budget = engine.summary["budgets"][0]
    budget["spent"] = "89.99"
    await setup_entry(hass, mock_config_entry)
    assert state_of(hass, OVER).state == STATE_OFF

    budget["spent"] = "90.01"
    await next_update(hass, freezer)
    assert state_of(hass, OVER).state == STATE_ON
    await next_update(hass, freezer)
    assert [event.data for event in events] == [
        {
            "config_entry_id": mock_config_entry.entry_id,
            "budget_id": 1,
            "name": "Household month",
            "period": "month",
            "amount": "90",
            "spent": "90.01",
            "currency": "EUR",
        }
    ]


async def test_each_threshold_reached_fires_once(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    engine: FixtureEngine,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Reaching 80 % fires once; skipping past 100 % fires 100 only; a new period starts over."""
    events = async_capture_events(hass, EVENT_BUDGET_THRESHOLD)
    budget = engine.summary["budgets"][0]  # 90, thresholds 50, 80, 100
    budget["spent"] = "50"  # 55 %: reached 50 at setup, which announces nothing
    await setup_entry(hass, mock_config_entry)
    spent = "sensor.aetherlens_budget_household_month"
    assert state_of(hass, spent).attributes["threshold_reached"] == 50
    assert state_of(hass, spent).attributes["thresholds"] == [50, 80, 100]
    for value in ("72", "72", "95", "10", "46"):
        budget["spent"] = value
        await next_update(hass, freezer)
    assert [(event.data["threshold"], event.data["spent"]) for event in events] == [
        (80, "72"),
        (100, "95"),
        (50, "46"),
    ]
    assert events[0].data == {
        "config_entry_id": mock_config_entry.entry_id,
        "budget_id": 1,
        "name": "Household month",
        "period": "month",
        "amount": "90",
        "spent": "72",
        "currency": "EUR",
        "threshold": 80,
    }


async def test_already_exceeded_or_unknown_fires_nothing(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    engine: FixtureEngine,
    freezer: FrozenDateTimeFactory,
) -> None:
    """No crossing is seen for a budget exceeded at setup, nor for one whose spending is unknown."""
    events = async_capture_events(hass, EVENT_BUDGET_EXCEEDED)
    budget = engine.summary["budgets"][0]
    budget["spent"] = None
    await setup_entry(hass, mock_config_entry)
    assert state_of(hass, OVER).state == STATE_UNKNOWN

    budget["spent"] = "100"
    await next_update(hass, freezer)
    assert state_of(hass, OVER).state == STATE_ON
    assert events == []


@pytest.mark.parametrize(
    ("period", "on"),
    [
        ("peak", True),
        ("On-Peak", True),
        ("super_peak", True),
        ("off-peak", False),
        ("Mid Peak", False),
        ("night", False),
        (None, None),
    ],
)
def test_peak_names(period: str | None, on: bool | None) -> None:
    """Peak periods are told by name; no period now is unknown."""
    assert is_peak(period) is on


async def test_peak_period_follows_the_tariff(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    engine: FixtureEngine,
    freezer: FrozenDateTimeFactory,
) -> None:
    """On in the peak period, off in another, unknown without a tariff."""
    await setup_entry(hass, mock_config_entry)
    assert state_of(hass, PEAK).state == STATE_ON
    engine.summary["price"]["period"] = "off"
    await next_update(hass, freezer)
    assert state_of(hass, PEAK).state == STATE_OFF
    engine.summary["price"]["period"] = None
    await next_update(hass, freezer)
    assert state_of(hass, PEAK).state == STATE_UNKNOWN
