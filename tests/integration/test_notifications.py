"""Budget notifications: off by default; once per threshold and period, through HA's own parts.

The persistent notifications are HA's (`persistent_notification`, watched by `Notifications`).
The notify entity is a real `NotifyEntity` of HA's notify integration, reached through
`notify.send_message`; only what stands behind it (a phone) cannot exist here, so it keeps the
messages it is sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, override

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.notify import NotifyEntity
from homeassistant.components.notify.const import NotifyEntityFeature
from homeassistant.config_entries import ConfigEntry, ConfigFlow
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockModule,
    mock_config_flow,
    mock_integration,
    mock_platform,
    setup_test_component_platform,
)

from custom_components.aetherlens.const import CONF_NOTIFY_ENTITIES, CONF_NOTIFY_PERSISTENT
from custom_components.aetherlens.notifications import notification_id

from .conftest import FixtureEngine, Notifications, next_update

PHONE = "notify.phone"
TITLE_50 = "Budget Household month: 50 % reached"
MESSAGE_50 = "Household month has spent 66.30 EUR this month: 50 % of its 90.00 EUR."


class Phone(NotifyEntity):
    """A notify entity that keeps what it is sent (no phone can receive it here)."""

    _attr_name = "Phone"
    _attr_unique_id = "phone"
    _attr_supported_features = NotifyEntityFeature.TITLE

    def __init__(self) -> None:
        """Have received nothing."""
        self.messages: list[tuple[str | None, str]] = []

    @override
    async def async_send_message(self, message: str, title: str | None = None) -> None:
        """Keep the message."""
        self.messages.append((title, message))


class PhoneFlow(ConfigFlow):
    """The phone's integration has a flow; its entry is made by the test."""

    VERSION = 1


@pytest.fixture
async def phone(hass: HomeAssistant) -> AsyncIterator[Phone]:
    """Set up HA's notify integration with the phone's entity, from a config entry."""

    async def setup_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
        await hass.config_entries.async_forward_entry_setups(entry, [Platform.NOTIFY])
        return True

    mock_integration(hass, MockModule("test", async_setup_entry=setup_entry))
    entity = Phone()
    setup_test_component_platform(hass, Platform.NOTIFY, [entity], from_config_entry=True)
    mock_platform(hass, "test.config_flow")
    with mock_config_flow("test", PhoneFlow):
        entry = MockConfigEntry(domain="test")
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert hass.states.get(PHONE) is not None
        yield entity


@pytest.fixture
def notifications(hass: HomeAssistant) -> Notifications:
    """Watch HA's persistent notifications from before the entry is set up."""
    return Notifications(hass)


async def _set_up(hass: HomeAssistant, entry: MockConfigEntry, **options: Any) -> None:
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options=options)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


async def _reload(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_off_by_default_tells_nothing(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    engine: FixtureEngine,
    freezer: FrozenDateTimeFactory,
    phone: Phone,
) -> None:
    """Without the options, no threshold is told: not at setup (50 %), not on crossing 80 %."""
    notifications = Notifications(hass)
    await _set_up(hass, mock_config_entry)
    engine.summary["budgets"][0]["spent"] = "75"
    await next_update(hass, freezer)
    assert notifications.changes == []
    assert phone.messages == []


async def test_one_notification_per_threshold_not_repeated_after_reload(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    engine: FixtureEngine,
    freezer: FrozenDateTimeFactory,
    phone: Phone,
) -> None:
    """50 % reached (66.30 of 90): told once, in HA and to the phone; a reload tells nothing.

    Crossing 80 % replaces the budget's persistent notification and messages the phone once.
    """
    notifications = Notifications(hass)
    await _set_up(
        hass, mock_config_entry, **{CONF_NOTIFY_PERSISTENT: True, CONF_NOTIFY_ENTITIES: [PHONE]}
    )
    key = notification_id(mock_config_entry, 1)
    assert notifications.current == {key: {"title": TITLE_50, "message": MESSAGE_50}}
    assert phone.messages == [(TITLE_50, MESSAGE_50)]

    await next_update(hass, freezer)
    await _reload(hass, mock_config_entry)
    await next_update(hass, freezer)
    assert notifications.changes == [("added", key)]
    assert len(phone.messages) == 1

    engine.summary["budgets"][0]["spent"] = "72.004"
    await next_update(hass, freezer)
    await next_update(hass, freezer)
    title, message = (
        "Budget Household month: 80 % reached",
        "Household month has spent 72.00 EUR this month: 80 % of its 90.00 EUR.",
    )
    assert notifications.changes == [("added", key), ("updated", key)]
    assert notifications.current == {key: {"title": title, "message": message}}
    assert phone.messages == [(TITLE_50, MESSAGE_50), (title, message)]


async def test_not_repeated_after_a_restart(
    hass: HomeAssistant,
    notifications: Notifications,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    phone: Phone,
) -> None:
    """What a run before this one told (in HA's storage) is not told again at setup."""
    hass_storage[f"aetherlens.{mock_config_entry.entry_id}.budget_notifications"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"aetherlens.{mock_config_entry.entry_id}.budget_notifications",
        "data": {"budgets": {"1": {"period": "2026-03-01", "threshold": 50}}},
    }
    await _set_up(
        hass, mock_config_entry, **{CONF_NOTIFY_PERSISTENT: True, CONF_NOTIFY_ENTITIES: [PHONE]}
    )
    assert notifications.changes == []
    assert phone.messages == []


async def test_storage_holds_what_was_told(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
) -> None:
    """The budget's threshold told and its period's first day are stored at once."""
    await _set_up(hass, mock_config_entry, **{CONF_NOTIFY_PERSISTENT: True})
    stored = hass_storage[f"aetherlens.{mock_config_entry.entry_id}.budget_notifications"]
    assert stored["data"] == {"budgets": {"1": {"period": "2026-03-01", "threshold": 50}}}


async def test_new_period_dismisses_and_starts_over(
    hass: HomeAssistant,
    notifications: Notifications,
    mock_config_entry: MockConfigEntry,
    engine: FixtureEngine,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A new month dismisses the budget's notification; its 50 % is told again, in April."""
    await _set_up(hass, mock_config_entry, **{CONF_NOTIFY_PERSISTENT: True})
    key = notification_id(mock_config_entry, 1)
    engine.summary["period"] = {"today": "2026-04-01", "month_start": "2026-04-01"}
    engine.summary["budgets"][0]["spent"] = "1.5"
    await next_update(hass, freezer)
    assert notifications.current == {}
    engine.summary["budgets"][0]["spent"] = "45"
    await next_update(hass, freezer)
    assert notifications.changes == [("added", key), ("removed", key), ("added", key)]
    assert notifications.current[key]["message"] == (
        "Household month has spent 45.00 EUR this month: 50 % of its 90.00 EUR."
    )


async def test_turned_off_still_dismissed_at_the_new_period(
    hass: HomeAssistant,
    notifications: Notifications,
    mock_config_entry: MockConfigEntry,
    engine: FixtureEngine,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Told, then the option turned off: nothing more is told, but the new month dismisses it."""
    await _set_up(hass, mock_config_entry, **{CONF_NOTIFY_PERSISTENT: True})
    hass.config_entries.async_update_entry(mock_config_entry, options={})
    await _reload(hass, mock_config_entry)
    engine.summary["budgets"][0]["spent"] = "75"  # 80 %, not told
    await next_update(hass, freezer)
    key = notification_id(mock_config_entry, 1)
    assert notifications.current[key]["title"] == TITLE_50
    engine.summary["period"] = {"today": "2026-04-01", "month_start": "2026-04-01"}
    await next_update(hass, freezer)
    assert notifications.changes == [("added", key), ("removed", key)]


async def test_spending_that_falls_is_told_again(
    hass: HomeAssistant,
    notifications: Notifications,
    mock_config_entry: MockConfigEntry,
    engine: FixtureEngine,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The amount raised in the page (85 of 200: none reached), then set back: 80 is told again."""
    budget = engine.summary["budgets"][0]
    budget["spent"] = "85"  # 94 %: 80 reached
    await _set_up(hass, mock_config_entry, **{CONF_NOTIFY_PERSISTENT: True})
    budget["amount"] = "200"  # 42 %: none reached
    await next_update(hass, freezer)
    budget["amount"] = "90"  # 80 again, in the same month
    await next_update(hass, freezer)
    key = notification_id(mock_config_entry, 1)
    assert notifications.changes == [("added", key), ("updated", key)]
    assert notifications.current[key]["title"] == "Budget Household month: 80 % reached"


async def test_gone_budget_and_removed_entry_dismiss(
    hass: HomeAssistant,
    notifications: Notifications,
    mock_config_entry: MockConfigEntry,
    engine: FixtureEngine,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A budget deleted in the engine loses its notification; so does every budget of a removed
    entry, and the entry's storage goes with it."""
    budget = engine.summary["budgets"][0]
    second = {**budget, "id": 2, "name": "Household day", "period": "day", "amount": "3"}
    engine.summary["budgets"].append(second)  # 66.30 of 3: 100 % reached
    await _set_up(hass, mock_config_entry, **{CONF_NOTIFY_PERSISTENT: True})
    first_key, second_key = (notification_id(mock_config_entry, n) for n in (1, 2))
    assert notifications.current[second_key]["message"] == (
        "Household day has spent 66.30 EUR today: 100 % of its 3.00 EUR."
    )
    engine.summary["budgets"] = [budget]
    await next_update(hass, freezer)
    assert set(notifications.current) == {first_key}

    assert await hass.config_entries.async_remove(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert notifications.current == {}


async def test_unknown_spending_tells_nothing(
    hass: HomeAssistant,
    notifications: Notifications,
    mock_config_entry: MockConfigEntry,
    engine: FixtureEngine,
) -> None:
    """A budget whose spending the engine cannot tell (no tariff) is not told."""
    engine.summary["budgets"][0]["spent"] = None
    await _set_up(hass, mock_config_entry, **{CONF_NOTIFY_PERSISTENT: True})
    assert notifications.changes == []


async def test_a_failing_notify_target_is_logged(
    hass: HomeAssistant,
    notifications: Notifications,
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Without HA's notify integration the message cannot go: a warning, the entry still loads,
    the persistent notification still shows."""
    await _set_up(
        hass, mock_config_entry, **{CONF_NOTIFY_PERSISTENT: True, CONF_NOTIFY_ENTITIES: [PHONE]}
    )
    assert "Cannot send the budget notification to ['notify.phone']" in caplog.text
    assert list(notifications.current) == [notification_id(mock_config_entry, 1)]
