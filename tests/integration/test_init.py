"""Setting up, unloading, failing and recovering."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryDisabler, ConfigEntryState
from homeassistant.const import CONF_API_TOKEN, CONF_URL, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.loader import async_get_integration
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.aetherlens.const import (
    CONF_DEVICE_SENSORS,
    CONF_HIDDEN_BUDGETS,
    DOMAIN,
    SCAN_INTERVAL,
    SUPPORTED_API_VERSION,
    UNREACHABLE_REPAIR_AFTER,
)

from .conftest import (
    ENGINE_INSTANCE_ID,
    NEXT_UPDATE,
    TOKEN,
    FixtureEngine,
    setup_entry,
    state_of,
)

COST_TODAY = "sensor.aetherlens_cost_today"
# The coordinator adds up to a second to its interval, to spread the polls of integrations.


async def test_integration_is_discovered(hass: HomeAssistant) -> None:
    """Home Assistant finds our integration with a config flow."""
    integration = await async_get_integration(hass, DOMAIN)
    assert integration.config_flow is True
    assert integration.is_built_in is False


async def test_setup_and_unload(
    hass: HomeAssistant, init_integration: MockConfigEntry, engine: FixtureEngine
) -> None:
    """An entry whose engine answers loads with one summary request, and unloads."""
    assert init_integration.state is ConfigEntryState.LOADED
    assert engine.summary_requests == 1
    assert init_integration.runtime_data.coordinator.update_interval == SCAN_INTERVAL

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.NOT_LOADED  # type: ignore[comparison-overlap]


async def test_entry_of_version_1_1_loses_the_interval_and_decimals_options(
    hass: HomeAssistant, engine_url: str
) -> None:
    """An entry made before 1.2 keeps its real options; the interval and decimals go."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="AetherLens",
        unique_id=ENGINE_INSTANCE_ID,
        data={CONF_URL: engine_url, CONF_API_TOKEN: TOKEN},
        version=1,
        minor_version=1,
        options={
            "scan_interval": 300,
            "money_precision": 3,
            CONF_DEVICE_SENSORS: False,
            CONF_HIDDEN_BUDGETS: ["1"],
        },
    )
    await setup_entry(hass, entry)
    assert (entry.version, entry.minor_version) == (1, 2)
    assert entry.options == {CONF_DEVICE_SENSORS: False, CONF_HIDDEN_BUDGETS: ["1"]}
    assert entry.runtime_data.coordinator.update_interval == SCAN_INTERVAL
    assert hass.states.get("sensor.fridge_energy_today") is None  # the kept option holds
    precision = state_of(hass, "sensor.aetherlens_cost_today").attributes
    assert "display_precision" not in precision


async def test_entry_of_a_newer_version_is_not_set_up(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, engine: FixtureEngine
) -> None:
    """An entry a newer integration wrote (version 2) is refused, not misread."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=ENGINE_INSTANCE_ID,
        data=dict(mock_config_entry.data),
        version=2,
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR
    assert engine.summary_requests == 0


async def test_setup_retries_when_engine_is_down(hass: HomeAssistant, closed_url: str) -> None:
    """An unreachable engine puts the entry in setup retry, not in error."""
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id="x", data={CONF_URL: closed_url, CONF_API_TOKEN: TOKEN}
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_retries_on_unexpected_answer(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, engine: FixtureEngine
) -> None:
    """An answer that is not a summary is retried later, with the reason in the entry."""
    engine.summary = {"not": "a summary"}
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    assert mock_config_entry.reason is not None
    assert "not an AetherLens engine's summary" in mock_config_entry.reason


async def test_rejected_token_starts_reauth(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, engine: FixtureEngine
) -> None:
    """A token the engine rejects fails setup and asks the user for a new one."""
    engine.token = "rotated-token-0123456789abcdefghijklmnopqrstuv"  # noqa: S105
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert flows[0]["context"]["entry_id"] == mock_config_entry.entry_id


async def test_unavailable_and_recovery(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    engine: FixtureEngine,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Entities turn unavailable while the engine fails and come back with their values."""
    assert state_of(hass, COST_TODAY).state == "2.26"

    engine.failure = 503
    freezer.tick(NEXT_UPDATE)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert state_of(hass, COST_TODAY).state == STATE_UNAVAILABLE
    # The entry's title names the engine once: "AetherLens", not "AetherLens AetherLens".
    assert "Error fetching AetherLens data: Cannot read the AetherLens engine" in caplog.text
    assert "AetherLens AetherLens" not in caplog.text

    engine.failure = 500
    freezer.tick(NEXT_UPDATE)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert state_of(hass, COST_TODAY).state == STATE_UNAVAILABLE

    engine.failure = None
    engine.summary["household"]["cost_today"] = "2.5"
    freezer.tick(NEXT_UPDATE)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert state_of(hass, COST_TODAY).state == "2.50"
    assert engine.summary_requests == 4


async def _tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta) -> None:
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_repair_issue_while_engine_stays_unreachable(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    engine: FixtureEngine,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Five minutes unanswered: a repair issue, and the entry in setup retry with the reason.

    Once the engine answers, the entry loads again by itself and the issue goes.
    """
    entry = init_integration
    issue_id = f"engine_unreachable_{entry.entry_id}"
    last_contact = dt_util.utcnow()
    engine.failure = 503
    for _ in range(4):
        await _tick(hass, freezer, NEXT_UPDATE)
        assert issue_registry.async_get_issue(DOMAIN, issue_id) is None  # a blip is no issue
        assert entry.state is ConfigEntryState.LOADED

    # Counted from the last answer, not from the first failure: the fifth poll raises it.
    assert 4 * NEXT_UPDATE < UNREACHABLE_REPAIR_AFTER <= 5 * NEXT_UPDATE
    await _tick(hass, freezer, NEXT_UPDATE)
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert (issue.translation_key, issue.severity) == ("engine_unreachable", ir.IssueSeverity.ERROR)
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["url"] == entry.data[CONF_URL]
    assert issue.translation_placeholders["since"] == last_contact.isoformat(timespec="minutes")
    assert "cannot reach its database" in issue.translation_placeholders["error"]
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert entry.reason.startswith("Cannot read the AetherLens engine: ")
    assert "cannot reach its database" in entry.reason
    assert state_of(hass, COST_TODAY).state == STATE_UNAVAILABLE

    # The retries of the setup keep the issue (no reload loop: still in setup retry).
    requests = engine.summary_requests
    await _tick(hass, freezer, timedelta(minutes=2))
    assert engine.summary_requests > requests
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None

    engine.failure = None
    await _tick(hass, freezer, timedelta(minutes=10))  # HA's longest wait between retries
    assert (
        hass.config_entries.async_get_known_entry(entry.entry_id).state is ConfigEntryState.LOADED
    )
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    assert state_of(hass, COST_TODAY).state == "2.26"


async def test_entry_that_cannot_load_shows_the_reason(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, engine: FixtureEngine
) -> None:
    """HA started while the engine is down: the entry shows why from the first try."""
    engine.failure = 503
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    assert mock_config_entry.reason is not None
    assert mock_config_entry.reason.startswith("Cannot read the AetherLens engine: ")
    assert "cannot reach its database" in mock_config_entry.reason


@pytest.mark.parametrize("going", ["removed", "disabled"])
async def test_repair_issue_goes_with_the_entry(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    engine: FixtureEngine,
    freezer: FrozenDateTimeFactory,
    going: str,
) -> None:
    """Removing or disabling the entry removes its issue."""
    issue_registry = ir.async_get(hass)
    engine.failure = 503
    await _tick(hass, freezer, UNREACHABLE_REPAIR_AFTER + NEXT_UPDATE)
    issue_id = f"engine_unreachable_{init_integration.entry_id}"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    engine.failure = None  # a retry that loads is not what removes it here
    if going == "removed":
        assert await hass.config_entries.async_remove(init_integration.entry_id)
    else:
        assert init_integration.state is ConfigEntryState.SETUP_RETRY
        await hass.config_entries.async_set_disabled_by(
            init_integration.entry_id, ConfigEntryDisabler.USER
        )
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_repair_issue_while_the_engine_api_is_newer(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    engine: FixtureEngine,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A newer engine API raises an issue (what is understood still works); it goes with it."""
    engine.summary["engine"]["api_version"] = SUPPORTED_API_VERSION + 1
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    issue_id = f"engine_api_newer_{mock_config_entry.entry_id}"
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert (issue.translation_key, issue.severity) == ("engine_api_newer", ir.IssueSeverity.WARNING)
    assert issue.translation_placeholders == {
        "title": "AetherLens",
        "engine_version": "0.1.0",
        "api_version": str(SUPPORTED_API_VERSION + 1),
        "supported": str(SUPPORTED_API_VERSION),
    }
    assert state_of(hass, COST_TODAY).state == "2.26"

    engine.summary["engine"]["api_version"] = SUPPORTED_API_VERSION
    freezer.tick(NEXT_UPDATE)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None

    engine.summary["engine"]["api_version"] = SUPPORTED_API_VERSION + 1
    await mock_config_entry.runtime_data.coordinator.async_refresh()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
