"""The validated tariff: immutable records the bill calculation reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from aetherlens_engine.errors import EngineError
from aetherlens_engine.models import UNIT_ENERGY, Commodity

from .calendar import HolidayCalendar
from .schedule import Schedule


class TariffError(EngineError):
    """The tariff is invalid; the message names the path of the bad field."""


class BillInputError(EngineError):
    """Load, export or price data cannot be billed; the message says which row or time."""


class TierUnit(StrEnum):
    """What a tier limit counts: kWh per cycle, or kWh per day scaled by the cycle's days."""

    CYCLE = "cycle"
    DAY = "day"


class TierRule(StrEnum):
    """How consumption is assigned to tiers across TOU periods."""

    CHRONOLOGICAL = "chronological"
    PRORATED = "prorated"


class ExportRule(StrEnum):
    """Net metering nets each period's kWh over the cycle; net billing credits every interval."""

    NET_METERING = "net_metering"
    NET_BILLING = "net_billing"


class Per(StrEnum):
    """What a fixed amount is charged for."""

    DAY = "day"
    CYCLE = "cycle"


class SurchargeBasis(StrEnum):
    """The kWh a per-kWh surcharge is charged on.

    Import: every imported kWh (gross). Net: each energy period's imports less its exports over
    the cycle, never below zero, summed over the periods.
    """

    IMPORT = "import"
    NET = "net"


class Component(StrEnum):
    """A part of a cycle's bill that a tax can be levied on."""

    ENERGY = "energy"
    SURCHARGES = "surcharges"
    DEMAND = "demand"
    FIXED = "fixed"
    EXPORT_CREDIT = "export_credit"
    MINIMUM = "minimum"


class MinimumCompare(StrEnum):
    """What the minimum bill is compared with: the charges less, or before, the export credit."""

    AFTER_CREDIT = "after_credit"
    BEFORE_CREDIT = "before_credit"


class ExcessCredit(StrEnum):
    """Export credit the minimum bill leaves unused: forfeited, or carried to the next cycle."""

    FORFEIT = "forfeit"
    CARRY = "carry"


@dataclass(frozen=True, slots=True)
class Tier:
    """One block: `price` applies up to `up_to` (kWh or kW, cumulative); None is unbounded."""

    up_to: Decimal | None
    price: Decimal


type Tiers = tuple[Tier, ...]


@dataclass(frozen=True, slots=True)
class Charge:
    """A named fixed amount, per day or per cycle."""

    name: str
    amount: Decimal
    per: Per = Per.CYCLE


@dataclass(frozen=True, slots=True)
class Surcharge:
    """A per-kWh charge on the cycle's imported or netted kWh (per m³ in a tariff per m³).

    `share` of that basis is charged: a water tariff's sewage on a share of the water volume.
    """

    name: str
    per_kwh: Decimal
    basis: SurchargeBasis = SurchargeBasis.IMPORT
    share: Decimal = Decimal(1)


@dataclass(frozen=True, slots=True)
class Tax:
    """A percentage of some components; compounding, it also taxes the taxes listed before it."""

    name: str
    percent: Decimal
    components: frozenset[Component] = frozenset(Component)
    negative: bool = True
    compound: bool = False


@dataclass(frozen=True, slots=True)
class Minimum:
    """The least a cycle's bill comes to (before taxes), and what becomes of unused credit."""

    amount: Decimal
    per: Per = Per.CYCLE
    compare: MinimumCompare = MinimumCompare.AFTER_CREDIT
    excess_credit: ExcessCredit = ExcessCredit.FORFEIT


@dataclass(frozen=True, slots=True)
class FlatDemand:
    """Demand charged on the cycle's highest window, in the cycles that start in `months`."""

    months: frozenset[int]
    tiers: Tiers


class DemandSeasons(StrEnum):
    """How a TOU demand period priced by season is charged in a cycle that spans seasons.

    Prorated: each season's own peak at its price, times the share of the cycle's days in the
    season. Cycle start: the whole cycle under the season of its first day.
    """

    PRORATED = "prorated"
    CYCLE_START = "cycle_start"


@dataclass(frozen=True, slots=True)
class Demand:
    """Demand on windows of `window_minutes`: clock-aligned, or sliding (one per interval)."""

    window_minutes: int
    flat: tuple[FlatDemand, ...]
    periods: Schedule[Tiers] | None
    sliding: bool = False
    seasons: DemandSeasons = DemandSeasons.PRORATED


@dataclass(frozen=True, slots=True)
class Export:
    """Feed-in credit: schedule price, plus the price series when `dynamic`."""

    rule: ExportRule
    prices: Schedule[Decimal]
    dynamic: bool


@dataclass(frozen=True, slots=True)
class Carbon:
    """Carbon intensity in kg CO2e per kWh: a schedule, or the carbon series when `series`."""

    intensity: Schedule[Decimal] | None
    series: bool


@dataclass(frozen=True, slots=True)
class CalorificPeriod:
    """A gas bill's conversion from `start` (a local date) on: m³ x correction x MJ/m³ / 3.6."""

    start: date
    calorific_value: Decimal  # MJ per m³
    volume_correction: Decimal

    @property
    def kwh_per_m3(self) -> Decimal:
        """Return the kWh of one metered m³ in this period."""
        return self.volume_correction * self.calorific_value / Decimal("3.6")


@dataclass(frozen=True, slots=True)
class Tariff:
    """A complete tariff; build it with `tariffs.load_tariff`.

    `unit` is what its prices are per: kWh, or m³ for gas and water; the bill's "kWh" are in
    it. `conversion` turns a gas meter's m³ into the kWh a tariff per kWh prices.
    """

    name: str
    currency: str
    zone: ZoneInfo
    cycle_day: int
    holidays: HolidayCalendar
    energy: Schedule[Tiers]
    tier_unit: TierUnit
    tier_rule: TierRule
    dynamic: bool
    surcharges: tuple[Surcharge, ...]
    fixed: tuple[Charge, ...]
    minimum: Minimum | None
    taxes: tuple[Tax, ...]
    demand: Demand | None
    export: Export | None
    carbon: Carbon | None
    commodity: Commodity = Commodity.ELECTRICITY
    unit: str = UNIT_ENERGY
    conversion: tuple[CalorificPeriod, ...] = ()

    @property
    def needs_prices(self) -> bool:
        """Whether billing takes a price series (dynamic energy or export prices)."""
        return self.dynamic or (self.export is not None and self.export.dynamic)
