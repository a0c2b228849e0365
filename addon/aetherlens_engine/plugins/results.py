"""What plugins deliver, every kind of record a source may have, and how it crosses to the engine.

A plugin declares in its manifest which kinds it provides (`Provides`); one poll's `PollResult`
carries records of those kinds: readings of devices it declares (energy, power, gas, water),
price points (a day-ahead feed), carbon-intensity points, cloud or service costs with forecasts,
and statements (bills). The worker writes them as JSON objects, amounts as exact decimal
strings; the engine reads them back record by record (`records.decode_result`), refusing each
bad one on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from aetherlens_engine.models import Commodity, DeviceKind

Dimension = Literal["total", "service", "resource_group", "region"]
DIMENSIONS: frozenset[str] = frozenset({"total", "service", "resource_group", "region"})
# The kinds of device whose readings a plugin may deliver; prices, carbon and cloud accounts
# have records of their own.
READING_KINDS: frozenset[DeviceKind] = frozenset(
    {DeviceKind.METER, DeviceKind.APPLIANCE, DeviceKind.GRID, DeviceKind.SOLAR, DeviceKind.BATTERY}
)


class Provides(StrEnum):
    """A kind of record a plugin delivers (declared in its manifest)."""

    READINGS = "readings"
    PRICES = "prices"
    CARBON = "carbon"
    CLOUD_COSTS = "cloud_costs"
    STATEMENTS = "statements"


@dataclass(frozen=True, slots=True)
class CostRow:
    """One account's cost on one day along one dimension (`total` has the value '')."""

    day: date
    dimension: Dimension
    dimension_value: str
    amount: Decimal
    currency: str
    estimated: bool = False


@dataclass(frozen=True, slots=True)
class Forecast:
    """An account's forecast cost for a month (`month` is its first day).

    With `from_day`, AMOUNT covers only FROM_DAY to the month's end: the stored actual costs of
    the month's earlier days are added when it is written.
    """

    month: date
    amount: Decimal
    currency: str
    from_day: date | None = None


@dataclass(frozen=True, slots=True)
class AccountCosts:
    """What one poll found for one cloud account (an AWS account, an Azure subscription)."""

    account_id: str
    name: str
    costs: tuple[CostRow, ...] = ()
    forecasts: tuple[Forecast, ...] = ()


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    """A device whose readings the plugin delivers: its id at the source, name, kind and unit.

    UNIT is what the readings are stored in (kWh, W, m³: those of the API), COMMODITY what the
    device meters.
    """

    source_id: str
    name: str
    kind: DeviceKind
    unit: str
    commodity: Commodity = Commodity.ELECTRICITY


@dataclass(frozen=True, slots=True)
class PluginReading:
    """One reading of the declared device DEVICE (its `source_id`); UNIT None: the device's."""

    device: str
    time: datetime
    value: float
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class PricePoint:
    """The price per kWh from START until the next point (a day-ahead or spot price)."""

    start: datetime
    price: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class CarbonPoint:
    """The grid's carbon intensity (kg CO2e per kWh) from START until the next point."""

    start: datetime
    intensity: Decimal


@dataclass(frozen=True, slots=True)
class Statement:
    """A bill: what ACCOUNT_ID was charged for the days FIRST_DAY to LAST_DAY (both included)."""

    account_id: str
    reference: str
    first_day: date
    last_day: date
    amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class PollResult:
    """Everything one poll fetched; `requests` is how many billable API calls it made."""

    accounts: tuple[AccountCosts, ...] = ()
    devices: tuple[DeviceSpec, ...] = ()
    readings: tuple[PluginReading, ...] = ()
    prices: tuple[PricePoint, ...] = ()
    carbon: tuple[CarbonPoint, ...] = ()
    statements: tuple[Statement, ...] = ()
    requests: int = 0

    def provided(self) -> frozenset[Provides]:
        """Return the kinds this result holds records of."""
        held = {
            Provides.CLOUD_COSTS: self.accounts,
            Provides.READINGS: self.devices or self.readings,
            Provides.PRICES: self.prices,
            Provides.CARBON: self.carbon,
            Provides.STATEMENTS: self.statements,
        }
        return frozenset(kind for kind, records in held.items() if records)


def exact(amount: Decimal) -> str:
    """Write AMOUNT as a plain decimal string (no exponent): what the engine's decoder reads."""
    return format(amount, "f")


def _moment(value: datetime) -> str:
    return value.isoformat()


def result_to_json(result: PollResult) -> dict[str, Any]:
    """Return RESULT as JSON-ready objects (amounts as strings: never through float)."""
    return {
        "requests": result.requests,
        "accounts": [
            {
                "account_id": account.account_id,
                "name": account.name,
                "costs": [
                    {
                        "day": row.day.isoformat(),
                        "dimension": row.dimension,
                        "dimension_value": row.dimension_value,
                        "amount": exact(row.amount),
                        "currency": row.currency,
                        "estimated": row.estimated,
                    }
                    for row in account.costs
                ],
                "forecasts": [
                    {
                        "month": forecast.month.isoformat(),
                        "amount": exact(forecast.amount),
                        "currency": forecast.currency,
                        "from_day": forecast.from_day.isoformat() if forecast.from_day else None,
                    }
                    for forecast in account.forecasts
                ],
            }
            for account in result.accounts
        ],
        "devices": [
            {
                "source_id": d.source_id,
                "name": d.name,
                "kind": str(d.kind),
                "unit": d.unit,
                "commodity": str(d.commodity),
            }
            for d in result.devices
        ],
        "readings": [
            {"device": r.device, "time": _moment(r.time), "value": r.value, "unit": r.unit}
            for r in result.readings
        ],
        "prices": [
            {"start": _moment(p.start), "price": exact(p.price), "currency": p.currency}
            for p in result.prices
        ],
        "carbon": [
            {"start": _moment(c.start), "intensity": exact(c.intensity)} for c in result.carbon
        ],
        "statements": [
            {
                "account_id": s.account_id,
                "reference": s.reference,
                "first_day": s.first_day.isoformat(),
                "last_day": s.last_day.isoformat(),
                "amount": exact(s.amount),
                "currency": s.currency,
            }
            for s in result.statements
        ],
    }
