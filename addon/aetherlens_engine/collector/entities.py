"""Which entities of a Home Assistant are recorded, and the engine device each one is.

By default the entities of HA's Energy dashboard (its preferences: grid import/export and their
price entities, solar, batteries, individual devices, with their power sensors), plus those
matching `include`, minus those matching `exclude` (entity ids or fnmatch globs). An entity is
identified by its entity registry entry (domain, platform and unique id), so renaming its
entity_id keeps its device; an entity without a registry entry is identified by its entity_id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from fnmatch import fnmatchcase
from typing import Any

from aetherlens_engine.models import DeviceKind

from .measures import Measure, Unit


class Role(StrEnum):
    """Why an entity is recorded."""

    GRID_IMPORT = "grid_import"
    GRID_EXPORT = "grid_export"
    GRID_POWER = "grid_power"
    GRID_PRICE = "grid_price"
    EXPORT_PRICE = "export_price"
    SOLAR = "solar"
    SOLAR_POWER = "solar_power"
    BATTERY_IN = "battery_in"
    BATTERY_OUT = "battery_out"
    BATTERY_POWER = "battery_power"
    DEVICE = "device"
    DEVICE_POWER = "device_power"
    INCLUDED = "included"


_KINDS = {
    Role.GRID_IMPORT: DeviceKind.GRID,
    Role.GRID_EXPORT: DeviceKind.GRID,
    Role.GRID_POWER: DeviceKind.GRID,
    Role.SOLAR: DeviceKind.SOLAR,
    Role.SOLAR_POWER: DeviceKind.SOLAR,
    Role.BATTERY_IN: DeviceKind.BATTERY,
    Role.BATTERY_OUT: DeviceKind.BATTERY,
    Role.BATTERY_POWER: DeviceKind.BATTERY,
}
_POWER_KEYS = ("stat_rate", "stat_rate_inverted", "stat_rate_from", "stat_rate_to")


def kind_of(role: Role, unit: Unit) -> DeviceKind:
    """Return the engine device kind of an entity recorded for ROLE in UNIT."""
    if unit.measure is Measure.PRICE:
        return DeviceKind.PRICE
    if unit.measure is Measure.CARBON:
        return DeviceKind.CARBON
    return _KINDS.get(role, DeviceKind.APPLIANCE)


def energy_roles(prefs: Mapping[str, Any]) -> dict[str, Role]:
    """Return the entities named by Energy preferences (energy/get_prefs), with their roles.

    Reads both the grid format of HA 2026 (one import/export pair per grid source) and the older
    one (`flow_from`/`flow_to` lists). External statistics (`domain:id`) are not entities: skipped.
    """
    roles: dict[str, Role] = {}

    def add(entity_id: object, role: Role) -> None:
        if isinstance(entity_id, str) and "." in entity_id and ":" not in entity_id:
            roles.setdefault(entity_id, role)

    def add_power(source: Mapping[str, Any], role: Role) -> None:
        config = source.get("power_config") or {}
        for key in _POWER_KEYS:
            add(config.get(key), role)
        if not config:
            add(source.get("stat_rate"), role)

    for source in prefs.get("energy_sources") or []:
        match source.get("type"):
            case "grid":
                add(source.get("stat_energy_from"), Role.GRID_IMPORT)
                add(source.get("stat_energy_to"), Role.GRID_EXPORT)
                add(source.get("entity_energy_price"), Role.GRID_PRICE)
                add(source.get("entity_energy_price_export"), Role.EXPORT_PRICE)
                for flow in source.get("flow_from") or []:
                    add(flow.get("stat_energy_from"), Role.GRID_IMPORT)
                    add(flow.get("entity_energy_price"), Role.GRID_PRICE)
                for flow in source.get("flow_to") or []:
                    add(flow.get("stat_energy_to"), Role.GRID_EXPORT)
                    add(flow.get("entity_energy_price"), Role.EXPORT_PRICE)
                add_power(source, Role.GRID_POWER)
                for power in source.get("power") or []:
                    add_power(power, Role.GRID_POWER)
            case "solar":
                add(source.get("stat_energy_from"), Role.SOLAR)
                add(source.get("stat_rate"), Role.SOLAR_POWER)
            case "battery":
                add(source.get("stat_energy_from"), Role.BATTERY_OUT)
                add(source.get("stat_energy_to"), Role.BATTERY_IN)
                add_power(source, Role.BATTERY_POWER)
    for device in prefs.get("device_consumption") or []:
        add(device.get("stat_consumption"), Role.DEVICE)
        add(device.get("stat_rate"), Role.DEVICE_POWER)
    return roles


def containers(prefs: Mapping[str, Any]) -> dict[str, str]:
    """Return, per individual device of Energy preferences, the one it is measured inside.

    HA 2026 names it by `included_in_stat` (the container's `stat_consumption`): the household
    counts the container once, not the container plus what it contains. Statistics that are
    not entities, or a device said to be inside itself, are skipped.
    """
    found: dict[str, str] = {}
    for device in prefs.get("device_consumption") or []:
        inner, outer = device.get("stat_consumption"), device.get("included_in_stat")
        entities = all(isinstance(e, str) and "." in e and ":" not in e for e in (inner, outer))
        if entities and inner != outer:
            found[inner] = outer
    return found


def matches(entity_id: str, patterns: Iterable[str]) -> bool:
    """Return whether ENTITY_ID is one of PATTERNS or matches one of their globs."""
    return any(fnmatchcase(entity_id, pattern) for pattern in patterns)


def select(
    entity_ids: Iterable[str],
    prefs_roles: Mapping[str, Role],
    include: Iterable[str],
    exclude: Iterable[str],
) -> dict[str, Role]:
    """Return the entities to record among ENTITY_IDS (the ones HA has), with their roles."""
    include, exclude = tuple(include), tuple(exclude)
    selected: dict[str, Role] = {}
    for entity_id in entity_ids:
        if matches(entity_id, exclude):
            continue
        if (role := prefs_roles.get(entity_id)) is not None:
            selected[entity_id] = role
        elif matches(entity_id, include):
            selected[entity_id] = Role.INCLUDED
    return selected


@dataclass(frozen=True, slots=True)
class Registry:
    """HA's entity, device and area registries, as far as the collector needs them."""

    entities: Mapping[str, Mapping[str, Any]]  # by entity_id
    devices: Mapping[str, Mapping[str, Any]]  # by device id
    areas: Mapping[str, str]  # area id -> name

    @classmethod
    def from_lists(
        cls,
        entities: Iterable[Mapping[str, Any]],
        devices: Iterable[Mapping[str, Any]],
        areas: Iterable[Mapping[str, Any]],
    ) -> Registry:
        """Build it from config/{entity,device,area}_registry/list results."""
        return cls(
            {entry["entity_id"]: entry for entry in entities},
            {device["id"]: device for device in devices},
            {area["area_id"]: area["name"] for area in areas},
        )

    def identity(self, instance: str, entity_id: str) -> str:
        """Return the engine `source_id` of ENTITY_ID (stable across entity_id renames)."""
        entry = self.entities.get(entity_id)
        if entry is None or not entry.get("unique_id"):
            return f"{instance}:entity:{entity_id}"
        domain = entity_id.partition(".")[0]
        return f"{instance}:{domain}.{entry['platform']}:{entry['unique_id']}"

    def describe(self, entity_id: str, attributes: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """Return ENTITY_ID's display name and its HA details (area, device) for `attributes`."""
        entry = self.entities.get(entity_id) or {}
        device = self.devices.get(entry.get("device_id") or "") or {}
        area_id = entry.get("area_id") or device.get("area_id")
        name = (
            entry.get("name")
            or attributes.get("friendly_name")
            or entry.get("original_name")
            or entity_id
        )
        details: dict[str, Any] = {
            "entity_id": entity_id,
            "unique_id": entry.get("unique_id"),
            "platform": entry.get("platform"),
            "area": self.areas.get(area_id) if area_id else None,
            "device": {
                "id": device.get("id"),
                "name": device.get("name_by_user") or device.get("name"),
                "manufacturer": device.get("manufacturer"),
                "model": device.get("model"),
            }
            if device
            else None,
        }
        return str(name), details
