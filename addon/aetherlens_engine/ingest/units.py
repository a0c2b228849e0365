"""Units a reading may arrive in, and the factor that converts it to its device's canonical unit.

Canonical units (see models.py): 'kWh' for energy counters, 'm³' for volume counters (gas,
water), 'W' for power, '<CUR>/kWh' for prices (an ISO 4217 code, e.g. 'EUR/kWh') and 'kg/kWh'
for carbon intensity. The factors are Home Assistant's (US gallon and therm, NIST SP 811), so
that a value converted here equals the one HA's own unit conversion shows.
"""

from __future__ import annotations

import re

_FOOT_M = 0.3048
_CUBIC_FOOT_M3 = _FOOT_M**3
_GALLON_M3 = 231 * 0.0254**3  # a US gallon is 231 cubic inches
_FACTORS: dict[str, dict[str, float]] = {
    # MJ, GJ and therms: gas meters that count energy.
    "kWh": {
        "Wh": 1e-3,
        "kWh": 1.0,
        "MWh": 1e3,
        "GWh": 1e6,
        "MJ": 1 / 3.6,
        "GJ": 1e3 / 3.6,
        "thm": 1.054804e8 / 3.6e6,
    },
    "m³": {
        "m³": 1.0,
        "L": 1e-3,
        "mL": 1e-6,
        "gal": _GALLON_M3,
        "ft³": _CUBIC_FOOT_M3,
        "CCF": 100 * _CUBIC_FOOT_M3,
        "MCF": 1000 * _CUBIC_FOOT_M3,
    },
    "W": {"W": 1.0, "kW": 1e3, "MW": 1e6},
    # 'gCO2eq/kWh' is how Home Assistant's CO2 Signal integration spells grams per kWh.
    "kg/kWh": {"kg/kWh": 1.0, "g/kWh": 1e-3, "gCO2eq/kWh": 1e-3},
}
_PRICE = re.compile(r"([A-Z]{3})/kWh")
_PRICE_FACTORS = {"kWh": 1.0, "MWh": 1e-3}


def conversion_factor(canonical: str | None, unit: str | None) -> float | None:
    """Return the factor turning a value in UNIT into one in CANONICAL, or None if none exists.

    UNIT None means the value is already in the canonical unit. A device without a canonical
    unit takes no readings; one with a unit this module does not know takes only that unit.
    """
    if canonical is None:
        return None
    if unit is None or unit == canonical:
        return 1.0
    if (factors := _FACTORS.get(canonical)) is not None:
        return factors.get(unit)
    if (price := _PRICE.fullmatch(canonical)) is not None:
        currency, _, per = unit.partition("/")
        return _PRICE_FACTORS.get(per) if currency == price[1] else None
    return None
