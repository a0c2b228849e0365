"""The AetherLens integration: household energy and cloud costs, priced by the AetherLens engine."""

from __future__ import annotations

from homeassistant.const import CONF_API_TOKEN, CONF_URL, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType

from .api import AetherLensClient
from .card import async_setup_card
from .const import DOMAIN, LOGGER, REMOVED_OPTIONS, WITHOUT_REMOVED_OPTIONS
from .coordinator import (
    AetherLensConfigEntry,
    AetherLensData,
    AetherLensDataUpdateCoordinator,
    current_identifiers,
)
from .entity import engine_device_info, remove_hidden_budget_entities
from .notifications import BudgetNotifier, async_remove_notifications
from .repairs import async_engine_reachable, async_setup_repairs
from .services import async_setup_services
from .statistics import StatisticsImporter

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.SENSOR]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions, the repairs' listener and the bill card.

    They exist whether or not an engine is set up.
    """
    async_setup_services(hass)
    async_setup_repairs(hass)
    await async_setup_card(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: AetherLensConfigEntry) -> bool:
    """Connect to the engine and read its first summary."""
    client = AetherLensClient(
        async_get_clientsession(hass), entry.data[CONF_URL], entry.data[CONF_API_TOKEN]
    )
    coordinator = AetherLensDataUpdateCoordinator(hass, entry, client)
    await coordinator.async_config_entry_first_refresh()
    # Registered first: the devices the engine meters are linked to it.
    engine_device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **engine_device_info(coordinator)
    )
    entry.runtime_data = AetherLensData(
        client=client, coordinator=coordinator, engine_device_id=engine_device.id
    )
    remove_hidden_budget_entities(hass, entry)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    notifier = BudgetNotifier(hass, entry, coordinator)
    await notifier.async_load()
    entry.async_on_unload(coordinator.async_add_listener(notifier.async_check))
    notifier.async_check()
    importer = StatisticsImporter(hass, entry)
    entry.async_on_unload(coordinator.async_add_listener(importer.async_schedule))
    importer.async_schedule()
    return True


async def async_migrate_entry(hass: HomeAssistant, entry: AetherLensConfigEntry) -> bool:
    """Bring an entry of an older version to this one's; refuse one of a newer integration.

    1.2 drops the update interval and the decimals of amounts from the options: the interval is
    the integration's, the decimals each entity's display precision in HA.
    """
    if entry.version > 1:
        return False
    if entry.minor_version < WITHOUT_REMOVED_OPTIONS:
        options = {key: value for key, value in entry.options.items() if key not in REMOVED_OPTIONS}
        hass.config_entries.async_update_entry(
            entry, options=options, minor_version=WITHOUT_REMOVED_OPTIONS
        )
        LOGGER.debug("Migrated entry %s to version 1.2", entry.entry_id)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: AetherLensConfigEntry) -> bool:
    """Unload a config entry."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: AetherLensConfigEntry) -> None:
    """Remove the entry's unreachable-engine issue and its budget notifications with it."""
    async_engine_reachable(hass, entry)
    await async_remove_notifications(hass, entry)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: AetherLensConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user remove a device only once the engine no longer reports it."""
    summary = entry.runtime_data.coordinator.data
    return not device.identifiers & current_identifiers(entry, summary)
