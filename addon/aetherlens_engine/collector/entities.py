"""Which entities of a Home Assistant are recorded, and the engine device each one is.

By default the entities of HA's Energy dashboard (its preferences: every grid connection's
import/export meters and their price entities, solar, batteries, gas and water meters,
individual electric and water devices, with their power sensors), plus those
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

from aetherlens_engine.models import Commodity, DeviceKind, Flow

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
    GAS = "gas"
    WATER = "water"
    WATER_DEVICE = "water_device"
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
    Role.GAS: DeviceKind.METER,
    Role.WATER: DeviceKind.METER,
}
_COMMODITIES = {
    Role.GAS: Commodity.GAS,
    Role.WATER: Commodity.WATER,
    Role.WATER_DEVICE: Commodity.WATER,
}
_FLOWS = {Role.GRID_IMPORT: Flow.IMPORT, Role.GRID_EXPORT: Flow.EXPORT}
_GRID_METERS = frozenset(_FLOWS)
_POWER_KEYS = ("stat_rate", "stat_rate_inverted", "stat_rate_from", "stat_rate_to")


def kind_of(role: Role, unit: Unit) -> DeviceKind:
    """Return the engine device kind of an entity recorded for ROLE in UNIT."""
    if unit.measure is Measure.PRICE:
        return DeviceKind.PRICE
    if unit.measure is Measure.CARBON:
        return DeviceKind.CARBON
    return _KINDS.get(role, DeviceKind.APPLIANCE)


def commodity_of(role: Role, unit: Unit, device_class: object) -> Commodity | None:
    """Return what an entity recorded for ROLE in UNIT meters, or None when that is unknown.

    Energy preferences say it (gas, water sources and water devices, whatever their unit: a
    gas meter may count kWh); an entity of `include` says it by its device class `gas` or
    `water`. A volume of neither is not metered.
    """
    if (commodity := _COMMODITIES.get(role)) is not None:
        return commodity
    if role is Role.INCLUDED and device_class in (Commodity.GAS, Commodity.WATER):
        return Commodity(str(device_class))
    return None if unit.measure is Measure.VOLUME else Commodity.ELECTRICITY


def flow_of(role: Role) -> Flow | None:
    """Return which way a grid connection's meter of ROLE counts (None: not a grid meter)."""
    return _FLOWS.get(role)


def _is_entity(entity_id: object) -> bool:
    """External statistics (`domain:id`) are not entities."""
    return isinstance(entity_id, str) and "." in entity_id and ":" not in entity_id


def _source_entities(source: Mapping[str, Any]) -> list[tuple[str, Role]]:
    """Return the entities one source of Energy preferences names, with their roles.

    Reads both the grid format of HA 2026 (one import/export pair per grid source) and the older
    one (`flow_from`/`flow_to` lists).
    """
    found: list[tuple[str, Role]] = []

    def add(entity_id: object, role: Role) -> None:
        if _is_entity(entity_id):
            found.append((str(entity_id), role))

    def add_power(power: Mapping[str, Any], role: Role) -> None:
        config = power.get("power_config") or {}
        for key in _POWER_KEYS:
            add(config.get(key), role)
        if not config:
            add(power.get("stat_rate"), role)

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
        case "gas":  # its `stat_rate` is a flow rate (m³/h), not recorded
            add(source.get("stat_energy_from"), Role.GAS)
        case "water":
            add(source.get("stat_energy_from"), Role.WATER)
    return found


def energy_roles(prefs: Mapping[str, Any]) -> dict[str, Role]:
    """Return the entities named by Energy preferences (energy/get_prefs), with their roles.

    Gas and water sources are meters of their commodity; `device_consumption_water` are water
    devices. The price entities of gas and water are not recorded: their tariffs are the
    engine's.
    """
    roles: dict[str, Role] = {}
    for source in prefs.get("energy_sources") or []:
        for entity_id, role in _source_entities(source):
            roles.setdefault(entity_id, role)
    for key, role, power in (
        ("device_consumption", Role.DEVICE, Role.DEVICE_POWER),
        ("device_consumption_water", Role.WATER_DEVICE, None),
    ):
        for device in prefs.get(key) or []:
            if _is_entity(consumption := device.get("stat_consumption")):
                roles.setdefault(consumption, role)
            if power is not None and _is_entity(rate := device.get("stat_rate")):
                roles.setdefault(rate, power)
    return roles


@dataclass(frozen=True, slots=True)
class GridConnection:
    """One grid source of Energy preferences: a mains of its own, with its import/export meters.

    `key` is the entity of its first meter (import, else export): HA gives a connection no id.
    """

    key: str
    name: str | None


def grid_connections(prefs: Mapping[str, Any]) -> dict[str, GridConnection]:
    """Return, per entity of a grid source of Energy preferences, the connection it belongs to."""
    found: dict[str, GridConnection] = {}
    for source in prefs.get("energy_sources") or []:
        if source.get("type") != "grid":
            continue
        entities = _source_entities(source)
        meters = [e for e, role in entities if role in _GRID_METERS] or [e for e, _ in entities]
        if not meters:
            continue
        name = source.get("name")
        connection = GridConnection(meters[0], name if isinstance(name, str) else None)
        for entity_id, _ in entities:
            found.setdefault(entity_id, connection)
    return found


def containers(prefs: Mapping[str, Any]) -> dict[str, str]:
    """Return, per individual device of Energy preferences, the one it is measured inside.

    HA 2026 names it by `included_in_stat` (the container's `stat_consumption`), for electric
    and water devices alike: the household counts the container once, not the container plus
    what it contains. Statistics that are not entities, or a device said to be inside itself,
    are skipped.
    """
    found: dict[str, str] = {}
    for key in ("device_consumption", "device_consumption_water"):
        for device in prefs.get(key) or []:
            inner, outer = device.get("stat_consumption"), device.get("included_in_stat")
            if _is_entity(inner) and _is_entity(outer) and inner != outer:
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
