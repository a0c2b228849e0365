"""A typed client of the AetherLens engine's HTTP API."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from http import HTTPStatus
from typing import Any

import aiohttp
from yarl import URL

REQUEST_TIMEOUT = 10


class AetherLensError(Exception):
    """The engine could not answer as expected."""


class AetherLensConnectionError(AetherLensError):
    """The engine cannot be reached, or cannot reach its database now."""


class AetherLensAuthenticationError(AetherLensError):
    """The engine rejected the token."""


class AetherLensRequestError(AetherLensError):
    """The engine refused a request as given (bad range, unknown tariff, no active tariff)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        """Keep the engine's STATUS, error CODE and MESSAGE (meant for people)."""
        super().__init__(message)
        self.status = status
        self.code = code


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"an amount must be a decimal string, not {value!r}")
    return Decimal(value)


def _instant(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def as_json(record: Any) -> Any:
    """Return a record of this client as JSON data: amounts as the engine wrote them."""
    if is_dataclass(record) and not isinstance(record, type):
        return {field.name: as_json(getattr(record, field.name)) for field in fields(record)}
    if isinstance(record, tuple):
        return [as_json(item) for item in record]
    if isinstance(record, Decimal):
        return str(record)
    if isinstance(record, date):  # a datetime too
        return record.isoformat()
    return record


@dataclass(frozen=True, slots=True)
class CollectorIssue:
    """A collector of the engine that needs the user (a refused token): its `issue` in health."""

    collector: str  # the collector's name, as configured in the engine
    key: str  # stable: what is wrong
    url: str  # the Home Assistant it reads, credentials cut by the engine
    message: str


@dataclass(frozen=True, slots=True)
class PluginProblem:
    """A plugin the engine cannot run: a package not installed, or an instance not loaded."""

    name: str  # the package's name, or the instance's
    error: str


@dataclass(frozen=True, slots=True)
class EngineHealth:
    """What `/api/v1/health` reports; the details only with the API token."""

    status: str
    version: str
    instance_id: str
    database_status: str
    # Readings the database refused for their data, in the engine's dead-letter file now.
    dead_lettered: int = 0
    dead_letter_file: str | None = None
    collector_issues: tuple[CollectorIssue, ...] = ()
    plugin_problems: tuple[PluginProblem, ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EngineHealth:
        """Build from the engine's JSON; the details are empty without the token."""
        ingest = data.get("ingest") or {}
        dead_letter_file = ingest.get("dead_letter_file")
        return cls(
            status=str(data["status"]),
            version=str(data["version"]),
            instance_id=str(data["instance_id"]),
            database_status=str(data["database"]["status"]),
            dead_lettered=int(ingest.get("dead_lettered", 0)),
            dead_letter_file=None if dead_letter_file is None else str(dead_letter_file),
            collector_issues=tuple(
                CollectorIssue(
                    collector=str(name),
                    key=str(collector["issue"]["key"]),
                    url=str(collector["url"]),
                    message=str(collector["issue"]["message"]),
                )
                for name, collector in sorted((data.get("collectors") or {}).items())
                if collector.get("issue") is not None
            ),
            plugin_problems=(
                *(
                    PluginProblem(str(name), str(package.get("error") or "not installed"))
                    for name, package in sorted((data.get("plugin_packages") or {}).items())
                    if package.get("status") == "failed"
                ),
                *(
                    PluginProblem(str(name), str(plugin.get("last_error") or "not loaded"))
                    for name, plugin in sorted((data.get("plugins") or {}).items())
                    if plugin.get("status") == "unavailable"
                ),
            ),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class MeteredDevice:
    """An energy device of the engine, with today's and this month's figures."""

    id: int
    source: str
    source_id: str
    name: str
    kind: str
    unit: str | None
    energy_today_kwh: float
    energy_month_kwh: float
    cost_today: Decimal | None
    cost_month: Decimal | None
    # The device this one is measured inside; whether it is summed into the household.
    included_in: int | None = None
    household_meter: bool = False

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MeteredDevice:
        """Build from one item of the summary's `devices`."""
        included_in = data.get("included_in")
        return cls(
            id=int(data["id"]),
            source=str(data["source"]),
            source_id=str(data["source_id"]),
            name=str(data["name"]),
            kind=str(data["kind"]),
            unit=data["unit"],
            included_in=None if included_in is None else int(included_in),
            household_meter=bool(data["household_meter"]),
            energy_today_kwh=float(data["energy_today_kwh"]),
            energy_month_kwh=float(data["energy_month_kwh"]),
            cost_today=_decimal(data["cost_today"]),
            cost_month=_decimal(data["cost_month"]),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Household:
    """The household's totals (its main meters, else its appliances)."""

    energy_today_kwh: float
    energy_month_kwh: float
    cost_today: Decimal | None
    cost_month: Decimal | None
    carbon_today_kg: float | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Household:
        """Build from the summary's `household`."""
        return cls(
            energy_today_kwh=float(data["energy_today_kwh"]),
            energy_month_kwh=float(data["energy_month_kwh"]),
            cost_today=_decimal(data["cost_today"]),
            cost_month=_decimal(data["cost_month"]),
            carbon_today_kg=_optional_float(data.get("carbon_today_kg")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PriceNow:
    """The active tariff's import price now and its time-of-use period (None without one)."""

    current: Decimal | None
    period: str | None
    next_change: datetime | None
    carbon_intensity: float | None
    # The tariff's period names; None from engines that do not list them.
    periods: tuple[str, ...] | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PriceNow:
        """Build from the summary's `price`."""
        periods = data.get("periods")
        return cls(
            current=_decimal(data["current"]),
            period=data["period"],
            next_change=_instant(data.get("next_change")),
            carbon_intensity=_optional_float(data.get("carbon_intensity")),
            periods=None if periods is None else tuple(str(name) for name in periods),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class BillingCycle:
    """The active tariff's current billing cycle: local dates, END exclusive."""

    start: date | None
    end: date | None
    cost_so_far: Decimal | None
    projected_total: Decimal | None
    # What cost_so_far is made of (energy, surcharges, demand, fixed, credit, minimum, taxes).
    components: Mapping[str, Decimal] | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> BillingCycle:
        """Build from the summary's `billing_cycle` (absent from older engines)."""
        data = data or {}
        start, end = data.get("start"), data.get("end")
        components = data.get("components")
        return cls(
            start=None if start is None else date.fromisoformat(start),
            end=None if end is None else date.fromisoformat(end),
            cost_so_far=_decimal(data.get("cost_so_far")),
            projected_total=_decimal(data.get("projected_total")),
            components=None
            if components is None
            else {name: Decimal(amount) for name, amount in components.items()},
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Recompute:
    """The engine's recomputation of costs; GENERATION grows with every finished one."""

    state: str
    generation: int
    # Where the last recompute began; None from engines that do not say.
    start: datetime | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Recompute:
        """Build from the summary's `recompute`."""
        return cls(
            state=str(data["state"]),
            generation=int(data["generation"]),
            start=_instant(data.get("start")),
        )


@dataclass(frozen=True, slots=True)
class ServiceCost:
    """What one cloud service cost this month."""

    name: str
    amount: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class CloudAccount:
    """A cloud account's costs in one currency; figures are None before the first fetch."""

    device_id: int
    name: str
    currency: str | None
    today: Decimal | None
    yesterday: Decimal | None
    month_to_date: Decimal | None
    forecast: Decimal | None
    estimated: bool | None
    fetched_at: datetime | None
    top_services: tuple[ServiceCost, ...]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CloudAccount:
        """Build from one item of the summary's `cloud.accounts`."""
        return cls(
            device_id=int(data["device_id"]),
            name=str(data["name"]),
            currency=data["currency"],
            today=_decimal(data["today"]),
            yesterday=_decimal(data.get("yesterday")),
            month_to_date=_decimal(data["month_to_date"]),
            forecast=_decimal(data["forecast"]),
            estimated=data["estimated"],
            fetched_at=_instant(data["fetched_at"]),
            top_services=tuple(
                ServiceCost(str(item["name"]), Decimal(item["amount"]))
                for item in data.get("top_services", ())
            ),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Budget:
    """A budget and what its period has spent (None where the engine cannot tell)."""

    id: int
    name: str
    scope: str
    device_id: int | None
    period: str
    amount: Decimal
    currency: str
    spent: Decimal | None
    # Percents of the amount at which the household is told, rising (engines before: 100).
    thresholds: tuple[int, ...] = (100,)

    @property
    def exceeded(self) -> bool | None:
        """Tell whether the period has spent more than the amount; None where unknown."""
        return None if self.spent is None else self.spent > self.amount

    @property
    def threshold_reached(self) -> int | None:
        """Return the highest threshold the spending has reached (0: none); None where unknown."""
        if self.spent is None:
            return None
        spent = self.spent * 100
        return max((t for t in self.thresholds if spent >= t * self.amount), default=0)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Budget:
        """Build from one item of the summary's `budgets`."""
        return cls(
            id=int(data["id"]),
            name=str(data["name"]),
            scope=str(data["scope"]),
            device_id=data["device_id"],
            period=str(data["period"]),
            amount=Decimal(data["amount"]),
            currency=str(data["currency"]),
            spent=_decimal(data["spent"]),
            thresholds=tuple(int(t) for t in data.get("thresholds", (100,))),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerPart:
    """One commodity's spend (electricity, gas, water, or the cloud accounts')."""

    commodity: str
    tariff: str | None
    unit: str | None
    usage_today: Decimal | None
    usage_month: Decimal | None
    today: Decimal
    month: Decimal
    cycle_start: date | None
    cycle_so_far: Decimal
    projected: Decimal | None
    # Gas and water: a unit's price now (in the currency per `unit`).
    price_now: Decimal | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LedgerPart:
        """Build from one of the ledger's `parts`."""
        start = data["cycle_start"]
        return cls(
            commodity=str(data["commodity"]),
            tariff=data["tariff"],
            unit=data["unit"],
            usage_today=_decimal(data["usage_today"]),
            usage_month=_decimal(data["usage_month"]),
            today=Decimal(data["today"]),
            month=Decimal(data["month"]),
            cycle_start=None if start is None else date.fromisoformat(start),
            cycle_so_far=Decimal(data["cycle_so_far"]),
            projected=_decimal(data["projected"]),
            price_now=_decimal(data.get("price_now")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerConnection:
    """A grid connection priced by a tariff of its own: its part of the ledger's electricity."""

    connection: str
    tariff: str | None
    today: Decimal
    month: Decimal
    cycle_start: date | None
    cycle_so_far: Decimal
    projected: Decimal | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LedgerConnection:
        """Build from one of the electricity part's `connections` that has an id."""
        start = data["cycle_start"]
        return cls(
            connection=str(data["connection"]),
            tariff=data["tariff"],
            today=Decimal(data["today"]),
            month=Decimal(data["month"]),
            cycle_start=None if start is None else date.fromisoformat(start),
            cycle_so_far=Decimal(data["cycle_so_far"]),
            projected=_decimal(data["projected"]),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Ledger:
    """`/api/v1/ledger`: the household's spend by commodity, and its totals (their sums)."""

    parts: Mapping[str, LedgerPart]
    # The grid connections with a tariff of their own, by id (engines before them: none).
    connections: Mapping[str, LedgerConnection]
    today: Decimal
    month: Decimal
    cycle_so_far: Decimal

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Ledger:
        """Build from the engine's JSON."""
        total = data["total"]
        parts = (LedgerPart.from_json(item) for item in data["parts"])
        own = (
            LedgerConnection.from_json(item)
            for part in data["parts"]
            for item in part.get("connections", ())
            if item["connection"] is not None
        )
        return cls(
            parts={part.commodity: part for part in parts},
            connections={item.connection: item for item in own},
            today=Decimal(total["today"]),
            month=Decimal(total["month"]),
            cycle_so_far=Decimal(total["cycle_so_far"]),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class DemandPeak:
    """A demand line of the current billing cycle so far, and the current window's course."""

    name: str
    peak_kw: Decimal
    window_start: datetime | None
    tier: int
    price_per_kw: Decimal
    next_tier_kw: Decimal | None
    margin_kw: Decimal | None
    projected_kw: Decimal | None  # the current window's, where it counts toward the line
    on_course: bool

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DemandPeak:
        """Build from one of the demand answer's `peaks`."""
        return cls(
            name=str(data["name"]),
            peak_kw=Decimal(data["peak_kw"]),
            window_start=_instant(data["window_start"]),
            tier=int(data["tier"]),
            price_per_kw=Decimal(data["price_per_kw"]),
            next_tier_kw=_decimal(data["next_tier_kw"]),
            margin_kw=_decimal(data["margin_kw"]),
            projected_kw=_decimal(data["projected_kw"]),
            on_course=bool(data["on_course"]),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Demand:
    """`/api/v1/demand`: the active tariff's demand peaks this cycle, and the window now."""

    tariff: str
    window_start: datetime | None
    window_end: datetime | None
    peaks: Mapping[str, DemandPeak]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Demand:
        """Build from the engine's JSON."""
        window = data["window"]
        peaks = (DemandPeak.from_json(item) for item in data["peaks"])
        return cls(
            tariff=str(data["tariff"]),
            window_start=None if window is None else datetime.fromisoformat(window["start"]),
            window_end=None if window is None else datetime.fromisoformat(window["end"]),
            peaks={peak.name: peak for peak in peaks},
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Summary:
    """Everything `/api/v1/summary` reports, in the engine's currency and time zone."""

    version: str
    instance_id: str
    time: datetime
    # Engines before the field spoke version 1.
    api_version: int
    currency: str
    timezone: str
    today: date
    month_start: date
    devices: tuple[MeteredDevice, ...]
    household: Household
    price: PriceNow
    billing_cycle: BillingCycle
    tariff: str | None
    recompute: Recompute | None
    cloud_accounts: tuple[CloudAccount, ...]
    budgets: tuple[Budget, ...]
    # From `/api/v1/ledger`, read beside the summary; None from engines without it.
    ledger: Ledger | None = None
    # From `/api/v1/demand`; None without an active tariff, or from engines without the route.
    demand: Demand | None = None

    def period_start(self, period: str) -> date | None:
        """Return the local date the current PERIOD (a budget's) began.

        None for a billing cycle without an active tariff, and for a period this integration
        does not know.
        """
        starts = {"day": self.today, "month": self.month_start}
        return self.billing_cycle.start if period == "billing_cycle" else starts.get(period)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Summary:
        """Build from the engine's JSON; additions of later engines are optional."""
        tariff, recompute = data.get("tariff"), data.get("recompute")
        return cls(
            version=str(data["engine"]["version"]),
            instance_id=str(data["engine"]["instance_id"]),
            time=datetime.fromisoformat(data["engine"]["time"]),
            api_version=int(data["engine"].get("api_version", 1)),
            currency=str(data["currency"]),
            timezone=str(data["timezone"]),
            today=date.fromisoformat(data["period"]["today"]),
            month_start=date.fromisoformat(data["period"]["month_start"]),
            devices=tuple(MeteredDevice.from_json(item) for item in data["devices"]),
            household=Household.from_json(data["household"]),
            price=PriceNow.from_json(data["price"]),
            billing_cycle=BillingCycle.from_json(data.get("billing_cycle")),
            tariff=None if tariff is None else str(tariff["name"]),
            recompute=None if recompute is None else Recompute.from_json(recompute),
            cloud_accounts=tuple(
                CloudAccount.from_json(item) for item in data["cloud"]["accounts"]
            ),
            budgets=tuple(Budget.from_json(item) for item in data["budgets"]),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CostRow:
    """Cost, energy and carbon of one hour, day or month (of a device or period, or in total)."""

    start: datetime
    device_id: int | None
    period: str | None
    energy_kwh: float
    cost: Decimal
    carbon_kg: float | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CostRow:
        """Build from one item of `/api/v1/costs`'s `rows`."""
        device_id = data.get("device_id")
        return cls(
            start=datetime.fromisoformat(data["start"]),
            device_id=None if device_id is None else int(device_id),
            period=data.get("period"),
            energy_kwh=float(data["energy_kwh"]),
            cost=Decimal(data["cost"]),
            carbon_kg=_optional_float(data["carbon_kg"]),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CostTotal:
    """The rows' sum: the household's (a mains meter never added to what it contains)."""

    energy_kwh: float
    cost: Decimal
    carbon_kg: float | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CostTotal:
        """Build from `/api/v1/costs`'s `total`."""
        return cls(
            energy_kwh=float(data["energy_kwh"]),
            cost=Decimal(data["cost"]),
            carbon_kg=_optional_float(data["carbon_kg"]),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CostReport:
    """What `/api/v1/costs` reports, in the engine's currency.

    By device, a row without a device is the rest of the house: the mains' energy that no
    sub-meter measures.
    """

    currency: str
    resolution: str
    start: datetime
    end: datetime
    total: CostTotal
    rows: tuple[CostRow, ...]
    # Whose costs: electricity, gas or water; their `energy_kwh` counts UNIT (kWh, or m³).
    commodity: str = "electricity"
    unit: str | None = "kWh"

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CostReport:
        """Build from the engine's JSON (engines before the ledger price electricity only)."""
        return cls(
            commodity=str(data.get("commodity", "electricity")),
            unit=data.get("unit", "kWh"),
            currency=str(data["currency"]),
            resolution=str(data["resolution"]),
            start=datetime.fromisoformat(data["start"]),
            end=datetime.fromisoformat(data["end"]),
            total=CostTotal.from_json(data["total"]),
            rows=tuple(CostRow.from_json(row) for row in data["rows"]),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class EnergyLine:
    """Energy of one TOU period and tier in a billing cycle."""

    period: str
    tier: int
    kwh: Decimal
    cost: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class SurchargeLine:
    """A per-kWh surcharge of a billing cycle."""

    name: str
    kwh: Decimal
    per_kwh: Decimal | None
    amount: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class DemandLine:
    """A demand charge of a billing cycle: the kW charged and its cost."""

    name: str
    kw: Decimal
    cost: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class FixedLine:
    """A fixed charge of a billing cycle."""

    name: str
    amount: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class TaxLine:
    """A tax of a billing cycle: the amount taxed, the rate (if a percentage) and the tax."""

    name: str
    base: Decimal
    percent: Decimal | None
    amount: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class BillCycle:
    """One billing cycle of a bill: the lines a household reads on it, amounts exact.

    The actions' responses and the bill card show it as `as_json` writes it.
    """

    start: date
    end: date
    days: int
    import_kwh: Decimal
    export_kwh: Decimal
    energy: tuple[EnergyLine, ...]
    surcharges: tuple[SurchargeLine, ...]
    demand: tuple[DemandLine, ...]
    fixed: tuple[FixedLine, ...]
    export_credit: Decimal
    carried_credit: Decimal
    unused_credit: Decimal
    minimum: Decimal
    taxes: tuple[TaxLine, ...]
    carbon_kg: Decimal | None
    rounding: Decimal
    total: Decimal

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BillCycle:
        """Build from one item of a bill's `cycles`."""
        return cls(
            start=date.fromisoformat(data["start"]),
            end=date.fromisoformat(data["end"]),
            days=int(data["days"]),
            import_kwh=Decimal(data["import_kwh"]),
            export_kwh=Decimal(data["export_kwh"]),
            energy=tuple(
                EnergyLine(
                    period=str(line["period"]),
                    tier=int(line["tier"]),
                    kwh=Decimal(line["kwh"]),
                    cost=Decimal(line["cost"]),
                )
                for line in data["energy"]
            ),
            surcharges=tuple(
                SurchargeLine(
                    name=str(line["name"]),
                    kwh=Decimal(line["kwh"]),
                    per_kwh=_decimal(line["per_kwh"]),
                    amount=Decimal(line["amount"]),
                )
                for line in data["surcharges"]
            ),
            demand=tuple(
                DemandLine(
                    name=str(line["name"]), kw=Decimal(line["kw"]), cost=Decimal(line["cost"])
                )
                for line in data["demand"]
            ),
            fixed=tuple(
                FixedLine(name=str(line["name"]), amount=Decimal(line["amount"]))
                for line in data["fixed"]
            ),
            export_credit=Decimal(data["export_credit"]),
            carried_credit=Decimal(data["carried_credit"]),
            unused_credit=Decimal(data["unused_credit"]),
            minimum=Decimal(data["minimum"]),
            taxes=tuple(
                TaxLine(
                    name=str(line["name"]),
                    base=Decimal(line["base"]),
                    percent=_decimal(line["percent"]),
                    amount=Decimal(line["amount"]),
                )
                for line in data["taxes"]
            ),
            carbon_kg=_decimal(data["carbon_kg"]),
            rounding=Decimal(data["rounding"]),
            total=Decimal(data["total"]),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Bill:
    """A tariff's bill of recorded usage: its total and its billing cycles."""

    tariff: str
    currency: str
    total: Decimal
    cycles: tuple[BillCycle, ...]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Bill:
        """Build from `/api/v1/bill`, or `current` or `alternative` of `/api/v1/compare`."""
        return cls(
            tariff=str(data["tariff"]),
            currency=str(data["currency"]),
            total=Decimal(data["total"]),
            cycles=tuple(BillCycle.from_json(cycle) for cycle in data["cycles"]),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Comparison:
    """The recorded usage billed under the active tariff and an alternative one."""

    currency: str
    start: datetime
    end: datetime
    current: Bill
    alternative: Bill
    difference: Decimal  # alternative - current

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Comparison:
        """Build from the engine's JSON."""
        return cls(
            currency=str(data["currency"]),
            start=datetime.fromisoformat(data["start"]),
            end=datetime.fromisoformat(data["end"]),
            current=Bill.from_json(data["current"]),
            alternative=Bill.from_json(data["alternative"]),
            difference=Decimal(data["difference"]),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class RankedBill:
    """One tariff's place in a ranking: its bill and its total less the reference's."""

    rank: int  # 1: the cheapest
    source: str  # the stored tariff's name
    reference: bool  # the active tariff's bill
    difference: Decimal
    bill: Bill


@dataclass(frozen=True, slots=True, kw_only=True)
class Ranking:
    """The recorded usage billed under the active tariff and others, cheapest first."""

    currency: str
    start: datetime
    end: datetime
    bills: tuple[RankedBill, ...]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Ranking:
        """Build from `/api/v1/rank`."""
        return cls(
            currency=str(data["currency"]),
            start=datetime.fromisoformat(data["start"]),
            end=datetime.fromisoformat(data["end"]),
            bills=tuple(
                RankedBill(
                    rank=int(item["rank"]),
                    source=str(item["source"]),
                    reference=bool(item["reference"]),
                    difference=Decimal(item["difference"]),
                    bill=Bill.from_json(item),
                )
                for item in data["bills"]
            ),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class StatementCheck:
    """A recorded statement beside the engine's bill of its cycle (`/api/v1/statements`)."""

    id: int
    start: date
    end: date
    currency: str
    residual: Decimal | None  # None: the engine cannot bill the cycle (see error)
    over_threshold: bool
    causes: tuple[str, ...]  # the findings' details
    error: str | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StatementCheck:
        """Build from an item of `statements`."""
        return cls(
            id=int(data["id"]),
            start=date.fromisoformat(data["start"]),
            end=date.fromisoformat(data["end"]),
            currency=str(data["currency"]),
            residual=_decimal(data["residual"]),
            over_threshold=bool(data["over_threshold"]),
            causes=tuple(str(finding["detail"]) for finding in data["findings"]),
            error=data["error"],
        )


def _statement_checks(data: Mapping[str, Any]) -> tuple[StatementCheck, ...]:
    return tuple(StatementCheck.from_json(item) for item in data["statements"])


@dataclass(frozen=True, slots=True)
class EnergyPoint:
    """A device's energy in one hour starting at `start`."""

    start: datetime
    energy_kwh: float


def _energy_points(data: Mapping[str, Any]) -> tuple[EnergyPoint, ...]:
    return tuple(
        EnergyPoint(datetime.fromisoformat(point["start"]), float(point["energy_kwh"]))
        for point in data["points"]
    )


class AetherLensClient:
    """Client of one engine, on a shared aiohttp session."""

    def __init__(self, session: aiohttp.ClientSession, url: str, token: str) -> None:
        """Talk to the engine at URL (e.g. `http://127.0.0.1:8787`) with its API TOKEN."""
        self._session = session
        self._url = URL(url)
        self._token = token

    async def health(self) -> EngineHealth:
        """Return the engine's health (its details only if the token is right)."""
        data = await self._get("/api/v1/health")
        return _parse(EngineHealth.from_json, data, "health")

    async def summary(self) -> Summary:
        """Return today's and this month's figures of devices, household, cloud and budgets."""
        data = await self._get("/api/v1/summary")
        return _parse(Summary.from_json, data, "summary")

    async def device_names(self) -> dict[int, str]:
        """Return the name of every device the engine knows (`/api/v1/devices`), by id."""
        return _parse(device_names, await self._get("/api/v1/devices"), "device list")

    async def ledger(self) -> Ledger | None:
        """Return the household's spend by commodity; None from engines without the route."""
        try:
            data = await self._get("/api/v1/ledger")
        except AetherLensRequestError as err:
            if err.status == HTTPStatus.NOT_FOUND:
                return None
            raise
        return _parse(Ledger.from_json, data, "ledger")

    async def demand(self) -> Demand | None:
        """Return the active tariff's demand this cycle; None without an active tariff.

        Engines without the route answer None too.
        """
        try:
            data = await self._get("/api/v1/demand")
        except AetherLensRequestError as err:
            if err.status in {HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT}:
                return None
            raise
        return _parse(Demand.from_json, data, "demand")

    async def hourly_energy(
        self, device_id: int, start: datetime, end: datetime
    ) -> tuple[EnergyPoint, ...]:
        """Return DEVICE_ID's energy per hour starting in [START, END) (at most 93 days)."""
        data = await self._get(
            f"/api/v1/devices/{device_id}/energy",
            {"from": start.isoformat(), "to": end.isoformat(), "resolution": "hour"},
        )
        return _parse(_energy_points, data, "energy series")

    async def costs(
        self,
        start: datetime,
        end: datetime,
        *,
        resolution: str = "day",
        group: str = "total",
        device_id: int | None = None,
        commodity: str | None = None,
    ) -> CostReport:
        """Return costs per RESOLUTION (hour, day, month) over [START, END).

        GROUP is device, period or total; DEVICE_ID restricts them to one device; COMMODITY
        (electricity, gas, water) says whose (the engine's default: electricity, or the device's).
        """
        params = {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "resolution": resolution,
            "group": group,
        }
        if device_id is not None:
            params["device_id"] = str(device_id)
        if commodity is not None:
            params["commodity"] = commodity
        data = await self._get("/api/v1/costs", params)
        return _parse(CostReport.from_json, data, "costs")

    async def bill(self, start: datetime | None = None, end: datetime | None = None) -> Bill:
        """Return the active tariff's bill of the recorded usage in [START, END), per cycle.

        Without START the range begins with the current billing cycle, without END it ends now.
        """
        params = {name: at.isoformat() for name, at in (("start", start), ("end", end)) if at}
        data = await self._get("/api/v1/bill", params)
        return _parse(Bill.from_json, data, "bill")

    async def compare(
        self, tariff: str, start: datetime | None = None, end: datetime | None = None
    ) -> Comparison:
        """Bill the recorded usage under the active tariff and the stored TARIFF.

        Over [START, END), both or neither; without them, the last full billing cycle.
        """
        body: dict[str, str] = {"tariff": tariff}
        if start is not None and end is not None:
            body |= {"start": start.isoformat(), "end": end.isoformat()}
        data = await self._request("POST", "/api/v1/compare", json=body)
        return _parse(Comparison.from_json, data, "comparison")

    async def rank(
        self, tariffs: Sequence[str], start: datetime | None = None, end: datetime | None = None
    ) -> Ranking:
        """Bill the recorded usage under the active tariff and the stored TARIFFS, ranked.

        Over [START, END), both or neither; without them, the last full billing cycle.
        """
        body: dict[str, Any] = {"tariffs": list(tariffs)}
        if start is not None and end is not None:
            body |= {"start": start.isoformat(), "end": end.isoformat()}
        data = await self._request("POST", "/api/v1/rank", json=body)
        return _parse(Ranking.from_json, data, "ranking")

    async def statements(self, threshold: Decimal) -> tuple[StatementCheck, ...]:
        """Return every recorded statement matched, flagged above THRESHOLD."""
        data = await self._get("/api/v1/statements", {"threshold": format(threshold, "f")})
        return _parse(_statement_checks, data, "statements")

    async def record_statement(self, statement: Mapping[str, Any]) -> StatementCheck:
        """Record STATEMENT (a cycle's bill: start, end, total, lines, tariff); return its match."""
        data = await self._request("POST", "/api/v1/statements", json=statement)
        return _parse(StatementCheck.from_json, data, "statement")

    async def _get(self, path: str, params: Mapping[str, str] | None = None) -> Mapping[str, Any]:
        return await self._request("GET", path, params=params)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Mapping[str, Any] | None = None,
    ) -> Mapping[str, Any]:
        headers = {aiohttp.hdrs.AUTHORIZATION: f"Bearer {self._token}"}
        url = self._url.join(URL(path)).with_query(params)
        try:
            async with (
                asyncio.timeout(REQUEST_TIMEOUT),
                self._session.request(method, url, headers=headers, json=json) as response,
            ):
                if response.status == HTTPStatus.UNAUTHORIZED:
                    raise AetherLensAuthenticationError("the engine rejected the API token")
                if response.status == HTTPStatus.SERVICE_UNAVAILABLE:
                    raise AetherLensConnectionError(
                        f"the engine at {self._url} cannot reach its database now"
                    )
                if response.status in _REFUSALS:
                    raise await _refusal(response)
                response.raise_for_status()
                data = await response.json()
        except (TimeoutError, aiohttp.ClientConnectionError) as err:
            raise AetherLensConnectionError(f"cannot reach the engine at {self._url}") from err
        except (aiohttp.ClientResponseError, ValueError) as err:
            raise AetherLensError(f"unexpected answer from the engine at {self._url}") from err
        if not isinstance(data, Mapping):
            raise AetherLensError(f"the engine at {self._url} did not answer a JSON object")
        return data


# What the engine answers a request it understood but refuses, with its JSON error.
_REFUSALS = frozenset(
    {
        HTTPStatus.BAD_REQUEST,
        HTTPStatus.NOT_FOUND,
        HTTPStatus.CONFLICT,
        HTTPStatus.UNPROCESSABLE_ENTITY,
    }
)


async def _refusal(response: aiohttp.ClientResponse) -> AetherLensError:
    """Return the engine's error as an exception; an unexpected body is an engine error."""
    try:
        error = (await response.json())["error"]
        return AetherLensRequestError(response.status, str(error["code"]), str(error["message"]))
    except (ValueError, KeyError, TypeError, aiohttp.ContentTypeError):
        return AetherLensError(f"unexpected answer {response.status} from the engine")


def device_names(data: Mapping[str, Any]) -> dict[int, str]:
    """Return each device's name by id from `/api/v1/devices`."""
    return {int(device["id"]): str(device["name"]) for device in data["devices"]}


def _parse[T](build: Callable[[Mapping[str, Any]], T], data: Mapping[str, Any], what: str) -> T:
    try:
        return build(data)
    except (KeyError, TypeError, ValueError, InvalidOperation) as err:
        raise AetherLensError(f"the answer is not an AetherLens engine's {what}") from err
