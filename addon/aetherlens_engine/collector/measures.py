"""What an entity measures, told by its unit, and the engine unit its readings are stored in.

Power (W, kW, MW) is stored in W, energy (Wh, kWh, MWh) in kWh, prices (<currency>/kWh or /MWh)
in <currency>/kWh and carbon intensity (g/kWh, gCO2eq/kWh, kg/kWh) in kg/kWh; the ingest pipeline
converts (aetherlens_engine.ingest.units). Prices written with a symbol (€/kWh) are taken to be in
Home Assistant's configured currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from aetherlens_engine.ingest.units import conversion_factor
from aetherlens_engine.models import UNIT_CARBON, UNIT_ENERGY, UNIT_POWER

_POWER = frozenset({"W", "kW", "MW"})
_ENERGY = frozenset({"Wh", "kWh", "MWh"})
_CARBON = frozenset({"g/kWh", "gCO2eq/kWh", "kg/kWh"})
_PER_ENERGY = frozenset({"kWh", "MWh"})
_ISO_4217_LENGTH = 3


class Measure(StrEnum):
    """What an entity's state is."""

    POWER = "power"
    ENERGY = "energy"
    PRICE = "price"
    CARBON = "carbon"


@dataclass(frozen=True, slots=True)
class Unit:
    """How an entity's readings are sent (`raw`) and stored (`canonical`)."""

    measure: Measure
    raw: str  # the unit submitted with each reading
    canonical: str  # the device's unit
    factor: float  # raw value x factor = canonical value


def classify(unit: object, currency: str) -> Unit | None:
    """Return how readings in UNIT are recorded, or None when the collector does not take them.

    CURRENCY is Home Assistant's, used for prices whose unit names a symbol, not an ISO code.
    """
    if not isinstance(unit, str):
        return None
    if unit in _POWER:
        return _unit(Measure.POWER, unit, UNIT_POWER)
    if unit in _ENERGY:
        return _unit(Measure.ENERGY, unit, UNIT_ENERGY)
    if unit in _CARBON:
        return _unit(Measure.CARBON, unit, UNIT_CARBON)
    money, slash, per = unit.rpartition("/")
    if slash and money and per in _PER_ENERGY:
        code = money if _is_currency_code(money) else currency
        return _unit(Measure.PRICE, f"{code}/{per}", f"{code}/kWh")
    return None


def _unit(measure: Measure, raw: str, canonical: str) -> Unit | None:
    factor = conversion_factor(canonical, raw)
    return None if factor is None else Unit(measure, raw, canonical, factor)


def _is_currency_code(text: str) -> bool:
    return len(text) == _ISO_4217_LENGTH and text.isascii() and text.isalpha() and text.isupper()
