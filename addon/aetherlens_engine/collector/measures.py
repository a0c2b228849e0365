"""What an entity measures, told by its unit, and the engine unit its readings are stored in.

Power (W, kW, MW) is stored in W, energy (Wh, kWh, MWh, GWh, and the MJ, GJ and therms of gas
meters) in kWh, volume (m³, L, mL, gal, ft³, CCF, MCF: gas and water meters) in m³, prices
(<currency>/kWh or /MWh) in <currency>/kWh and carbon intensity (g/kWh, gCO2eq/kWh, kg/kWh) in
kg/kWh; the ingest pipeline converts (aetherlens_engine.ingest.units). Prices written with a
symbol (€/kWh) are taken to be in Home Assistant's configured currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from aetherlens_engine.ingest.units import conversion_factor
from aetherlens_engine.models import UNIT_CARBON, UNIT_ENERGY, UNIT_POWER, UNIT_VOLUME

_POWER = frozenset({"W", "kW", "MW"})
_ENERGY = frozenset({"Wh", "kWh", "MWh", "GWh", "MJ", "GJ", "thm"})
_VOLUME = frozenset({"m³", "L", "mL", "gal", "ft³", "CCF", "MCF"})
_CARBON = frozenset({"g/kWh", "gCO2eq/kWh", "kg/kWh"})
_PER_ENERGY = frozenset({"kWh", "MWh"})
_ISO_4217_LENGTH = 3


class Measure(StrEnum):
    """What an entity's state is."""

    POWER = "power"
    ENERGY = "energy"
    VOLUME = "volume"
    PRICE = "price"
    CARBON = "carbon"


# Cumulative counters: resets, glitches and statistics' `state` apply to them alike.
COUNTERS = frozenset({Measure.ENERGY, Measure.VOLUME})


_PHYSICAL = (
    (_POWER, Measure.POWER, UNIT_POWER),
    (_ENERGY, Measure.ENERGY, UNIT_ENERGY),
    (_VOLUME, Measure.VOLUME, UNIT_VOLUME),
    (_CARBON, Measure.CARBON, UNIT_CARBON),
)


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
    for units, measure, canonical in _PHYSICAL:
        if unit in units:
            return _unit(measure, unit, canonical)
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
