"""The base of AetherLens entities."""

from __future__ import annotations

from homeassistant.const import CONF_URL, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import CONF_HIDDEN_BUDGETS, DOMAIN
from .coordinator import AetherLensConfigEntry, AetherLensDataUpdateCoordinator, engine_identifier

MANUFACTURER = "AetherLens"


class AetherLensEntity(CoordinatorEntity[AetherLensDataUpdateCoordinator]):
    """An entity of one engine, on the engine's device or one of the devices it reports."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: AetherLensDataUpdateCoordinator,
        description: EntityDescription,
        *,
        key: str | None = None,
        device_info: DeviceInfo | None = None,
    ) -> None:
        """Describe the entity; KEY (default: the description's) makes its unique id."""
        super().__init__(coordinator)
        entry = coordinator.config_entry
        self.entity_description = description
        self._attr_unique_id = f"{entry.unique_id}_{key or description.key}"
        self._attr_device_info = device_info or engine_device_info(coordinator)


def engine_device_info(coordinator: AetherLensDataUpdateCoordinator) -> DeviceInfo:
    """Return the device of the engine itself."""
    entry = coordinator.config_entry
    return DeviceInfo(
        identifiers={engine_identifier(entry)},
        configuration_url=entry.data[CONF_URL],
        manufacturer=MANUFACTURER,
        model="Engine",
        name="AetherLens",
        sw_version=coordinator.data.version,
    )


def hidden_budget_ids(
    hass: HomeAssistant, entry: AetherLensConfigEntry, platform: Platform, suffix: str
) -> set[int]:
    """Return the budgets the options hide, removing their entities of PLATFORM.

    SUFFIX ends the unique id of a budget's entity on PLATFORM (`spent`, `over`).
    """
    registry = er.async_get(hass)
    hidden = {int(budget_id) for budget_id in entry.options.get(CONF_HIDDEN_BUDGETS, ())}
    for budget_id in hidden:
        unique_id = f"{entry.unique_id}_budget_{budget_id}_{suffix}"
        if entity_id := registry.async_get_entity_id(platform, DOMAIN, unique_id):
            registry.async_remove(entity_id)
    return hidden
