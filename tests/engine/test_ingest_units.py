"""Conversion of reading units to their device's canonical unit."""

from __future__ import annotations

import pytest
from homeassistant.util.unit_conversion import EnergyConverter, VolumeConverter

from aetherlens_engine.ingest.units import conversion_factor


@pytest.mark.parametrize(
    ("canonical", "unit", "factor"),
    [
        ("kWh", None, 1.0),
        ("kWh", "Wh", 1e-3),
        ("kWh", "kWh", 1.0),
        ("kWh", "MWh", 1e3),
        ("W", "W", 1.0),
        ("W", "kW", 1e3),
        ("W", "MW", 1e6),
        ("EUR/kWh", "EUR/kWh", 1.0),
        ("EUR/kWh", "EUR/MWh", 1e-3),
        ("kg/kWh", "g/kWh", 1e-3),
        ("kg/kWh", "gCO2eq/kWh", 1e-3),
        ("°C", "°C", 1.0),
    ],
)
def test_convertible_units(canonical: str, unit: str | None, factor: float) -> None:
    assert conversion_factor(canonical, unit) == factor


@pytest.mark.parametrize(
    ("canonical", "unit"),
    [
        ("kWh", "W"),  # power is not energy
        ("W", "kWh"),
        ("W", "w"),
        ("EUR/kWh", "USD/kWh"),  # no currency conversion
        ("EUR/kWh", "EUR/W"),
        ("kg/kWh", "kg"),
        ("°C", "K"),
        (None, None),  # a device without a unit takes no readings
        (None, "W"),
    ],
)
def test_inconvertible_units(canonical: str | None, unit: str | None) -> None:
    assert conversion_factor(canonical, unit) is None


@pytest.mark.parametrize(
    ("canonical", "units"),
    [
        ("kWh", ["Wh", "MWh", "GWh", "MJ", "GJ", "thm"]),
        ("m³", ["L", "mL", "gal", "ft³", "CCF", "MCF"]),
    ],
)
def test_gas_and_water_units_convert_as_home_assistant_does(
    canonical: str, units: list[str]
) -> None:
    """A meter's value converted here equals what HA's own conversion shows for it."""
    converter = EnergyConverter if canonical == "kWh" else VolumeConverter
    for unit in units:
        factor = conversion_factor(canonical, unit)
        assert factor is not None, unit
        assert factor == pytest.approx(converter.convert(1.0, unit, canonical), rel=1e-12), unit
