"""The base of AetherLens entities."""

from __future__ import annotations

from homeassistant.const import CONF_URL
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .coordinator import AetherLensDataUpdateCoordinator, engine_identifier

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
