"""Models of a device's change and of the devices' figures (errors: `engine.DeviceError`)."""

from __future__ import annotations

from typing import Annotated

from msgspec import UNSET, Meta, UnsetType

from .base import Currency, Day, Model, Money
from .engine import Device, DeviceError

MAX_DISPLAY_NAME = 100
TREND_DAYS = 14


class DeviceChange(Model):
    """What to change of a device; a field left out stays as it is."""

    display_name: Annotated[
        str | UnsetType | None,
        Meta(description="Its own name, not blank, at most 100 characters; null: the source's"),
    ] = UNSET
    in_household: Annotated[
        bool | UnsetType,
        Meta(description="False leaves it out of the household's figures (a sub-meter)"),
    ] = UNSET

    def __post_init__(self) -> None:
        """Refuse a blank or too long name."""
        name = self.display_name
        if isinstance(name, str) and not name.strip():
            raise ValueError("display_name: must not be blank")
        if isinstance(name, str) and len(name) > MAX_DISPLAY_NAME:
            raise ValueError(f"display_name: must be at most {MAX_DISPLAY_NAME} characters")


class ChangedDevice(Model):
    """The device as changed."""

    device: Device


class DeviceFigures(Model):
    """A device's energy and cost this cycle and its recent trend."""

    device_id: int
    energy_cycle_kwh: float
    cost_cycle: Annotated[Money | None, Meta(description="Null while no tariff exists")]
    trend_kwh: Annotated[
        list[float],
        Meta(description="Energy of each of the 14 local days before today, oldest first"),
    ]
    trend_change: Annotated[
        float | None,
        Meta(
            description="The last 7 days' energy against the 7 before, as a fraction "
            "(0.1: 10 % more); null when the 7 before used none"
        ),
    ]


class DeviceFiguresList(Model):
    """Every device of energy with its figures, and the cycle they cover."""

    cycle_start: Annotated[
        Day, Meta(description="The active tariff's cycle's first day; else this month's")
    ]
    cycle_end: Annotated[Day, Meta(description="Exclusive")]
    currency: Currency
    devices: list[DeviceFigures]


__all__ = ["ChangedDevice", "DeviceChange", "DeviceError", "DeviceFigures", "DeviceFiguresList"]
