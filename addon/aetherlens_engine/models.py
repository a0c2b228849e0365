"""The engine's core records, shared by every stage of the pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntFlag, StrEnum


class Quality(IntFlag):
    """Flags of a reading (the `quality` column)."""

    ESTIMATED = 1
    COUNTER_RESET = 2
    GLITCH = 4
    BACKFILLED = 8
    AFTER_GAP = 16  # no valid value between the previous reading and this one


NO_FLAGS = Quality(0)


class DeviceKind(StrEnum):
    """What a device is (the `kind` column)."""

    METER = "meter"
    APPLIANCE = "appliance"
    GRID = "grid"
    SOLAR = "solar"
    BATTERY = "battery"
    PRICE = "price"
    CARBON = "carbon"
    CLOUD_ACCOUNT = "cloud_account"


class Commodity(StrEnum):
    """What a device meters (the `commodity` column): the household ledger's parts besides cloud."""

    ELECTRICITY = "electricity"
    GAS = "gas"
    WATER = "water"


class Flow(StrEnum):
    """Which way a grid connection's meter counts (the `flow` column)."""

    IMPORT = "import"
    EXPORT = "export"


@dataclass(frozen=True, slots=True)
class Device:
    """Anything measured or billed; `unit` is the canonical unit its readings are stored in."""

    id: int
    source: str
    source_id: str
    name: str
    kind: DeviceKind
    unit: str | None


# Canonical units readings are stored in, by what they measure.
UNIT_ENERGY = "kWh"  # a cumulative counter
UNIT_POWER = "W"
UNIT_VOLUME = "m³"  # a cumulative counter of gas or water
UNIT_CARBON = "kg/kWh"  # kg CO2e per kWh
# Prices are stored in "<currency>/kWh", e.g. "EUR/kWh".


@dataclass(frozen=True, slots=True)
class Reading:
    """One validated reading, in its device's canonical unit, at an aware UTC time."""

    device_id: int
    time: datetime
    value: float
    quality: Quality = NO_FLAGS


@dataclass(frozen=True, slots=True)
class RawReading:
    """A reading as a source delivers it, before validation (`unit` None: the device's unit)."""

    device_id: int
    time: datetime
    value: float
    unit: str | None = None
    quality: Quality = NO_FLAGS


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why the reading at `index` of a submitted batch was refused."""

    index: int
    reason: str


@dataclass(frozen=True, slots=True)
class IngestResult:
    """The outcome of one submission: accepted readings are committed or spooled, never lost.

    `duplicates` are the indexes of readings of a device at an instant an earlier reading of the
    submission has: not stored again (the first one counts), nor counted in `accepted`.
    """

    accepted: int
    rejected: tuple[Rejection, ...] = ()
    duplicates: tuple[int, ...] = ()
