"""The base of AetherLens entities."""

from __future__ import annotations

from homeassistant.const import CONF_URL, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import MeteredDevice, Summary
from .const import CONF_HIDDEN_BUDGETS, DOMAIN
from .coordinator import (
    AetherLensConfigEntry,
    AetherLensDataUpdateCoordinator,
    engine_identifier,
    metered_identifier,
)

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


# Words HA entity names end with that the entities' own names already say.
_MEASURE_WORDS = ("energy", "power", "consumption")


def device_name(name: str) -> str:
    """Return a metered device's name without a trailing measure word.

    The engine names a device after its HA entity ("Demo EV charger energy"); its entities add
    their own name ("Energy today"): "Demo EV charger Energy today", not "... energy Energy today".
    """
    head, _, last = name.rpartition(" ")
    return head if head and last.lower() in _MEASURE_WORDS else name


def container_of(summary: Summary, device: MeteredDevice) -> int | None:
    """Return the engine device DEVICE is measured inside, None for the engine itself.

    A device inside another says so (HA's `included_in_stat`); an appliance that is not
    summed into the household is inside the mains meter when there is exactly one.
    """
    if device.included_in is not None:
        return device.included_in
    mains = [other.id for other in summary.devices if other.household_meter]
    if device.household_meter or device.kind != "appliance" or len(mains) != 1:
        return None
    return mains[0]


def register_metered_device(
    coordinator: AetherLensDataUpdateCoordinator, device: MeteredDevice
) -> DeviceInfo:
    """Register the HA device of a metered device; return its info for the entities.

    It is linked to the HA device it is measured inside when that one is registered (register
    containers first), else to the engine's.
    """
    entry = coordinator.config_entry
    registry = dr.async_get(coordinator.hass)
    via = entry.runtime_data.engine_device_id
    if (container := container_of(coordinator.data, device)) is not None and (
        found := registry.async_get_device_by_identifier(
            metered_identifier(entry, container), entry.entry_id
        )
    ) is not None:
        via = found.id
    info = DeviceInfo(
        identifiers={metered_identifier(entry, device.id)},
        manufacturer=MANUFACTURER,
        model=device.kind.capitalize(),
        name=device_name(device.name),
        via_device_id=via,
    )
    registry.async_get_or_create(config_entry_id=entry.entry_id, **info)
    return info


def hidden_budget_ids(entry: AetherLensConfigEntry) -> set[int]:
    """Return the budgets the options leave without entities."""
    return {int(budget_id) for budget_id in entry.options.get(CONF_HIDDEN_BUDGETS, ())}


# What ends the unique id of a budget's entity on each platform.
_BUDGET_ENTITY_SUFFIXES = {Platform.SENSOR: "spent", Platform.BINARY_SENSOR: "over"}


def budget_unique_id(entry: AetherLensConfigEntry, budget_id: int, platform: Platform) -> str:
    """Return the unique id of budget BUDGET_ID's entity on PLATFORM."""
    return f"{entry.unique_id}_budget_{budget_id}_{_BUDGET_ENTITY_SUFFIXES[platform]}"


def remove_hidden_budget_entities(hass: HomeAssistant, entry: AetherLensConfigEntry) -> None:
    """Remove the registry entries of the budgets the options hide.

    Called at setup, which an options change triggers (the options flow reloads the entry).
    """
    registry = er.async_get(hass)
    for budget_id in hidden_budget_ids(entry):
        for platform in _BUDGET_ENTITY_SUFFIXES:
            unique_id = budget_unique_id(entry, budget_id, platform)
            if entity_id := registry.async_get_entity_id(platform, DOMAIN, unique_id):
                registry.async_remove(entity_id)
