"""Models of prices, costs, the billing cycle's projection, bills and plan comparison."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import UNSET, Meta, UnsetType

from .base import Currency, Day, Instant, JsonObject, Model, Money, Query, QueryInstant
from .engine import DeviceId
from .summary import NamedAmount


class Price(Model):
    """The active tariff's import price now, its period and next change."""

    currency: Currency
    tariff: Annotated[str | None, Meta(description="The active tariff; null without")]
    current: Annotated[
        Money | None,
        Meta(
            description="What one more kWh costs now: energy at the cycle's tier position, "
            "surcharges and taxes; null where a dynamic price is not known"
        ),
    ]
    period: str | None
    next_change: Annotated[
        Instant | None, Meta(description="When the import period or price changes next")
    ]
    next_price: Money | None
    next_period: str | None
    carbon_intensity: Annotated[float | None, Meta(description="kg CO2e per kWh now")]
    export: Annotated[Money | None, Meta(description="Feed-in price per kWh now")]


class CostRow(Model, kw_only=True):
    """Cost, energy and carbon of one hour, local day or month (and device or period)."""

    start: Instant
    device_id: Annotated[
        int | UnsetType | None,
        Meta(
            description="With group=device or meter; null: the rest of the house (the mains' "
            "energy that no part of the household measures)"
        ),
    ] = UNSET
    period: Annotated[str | UnsetType | None, Meta(description="With group=period")] = UNSET
    energy_kwh: Annotated[
        float, Meta(description="kWh; of gas and water the meters' quantity in their unit (m³)")
    ]
    cost: Money
    carbon_kg: float | None


class CostTotal(Model):
    """The household's (or device_id's): the rows' sum except for group=meter.

    A mains meter is never added to the devices it contains.
    """

    energy_kwh: float
    cost: Money
    carbon_kg: float | None


CostResolution = Literal["hour", "day", "month"]
CostGroup = Literal["device", "meter", "period", "total"]
CostCommodity = Literal["electricity", "gas", "water"]


class CostsQuery(Query):
    """The query of `GET /api/v1/costs`."""

    start: QueryInstant
    end: QueryInstant
    resolution: CostResolution = "day"
    group: Annotated[
        CostGroup,
        Meta(
            description="device: the household's parts and the rest of the house (they add up "
            "to total); meter: every device's own rows, overlapping (a mains meter and what it "
            "contains)"
        ),
    ] = "total"
    device_id: DeviceId | UnsetType = UNSET
    commodity: Annotated[
        CostCommodity | UnsetType,
        Meta(
            description="Whose household and devices: electricity, gas or water, each priced "
            "by its own active tariff. Default: device_id's commodity, else electricity"
        ),
    ] = UNSET


class Costs(Model):
    """Rows whose hour or local day starts in [start, end), of one commodity."""

    currency: Currency
    commodity: CostCommodity
    unit: Annotated[
        str | None,
        Meta(
            description="What the total's energy_kwh counts: kWh; of gas and water the "
            "household meters' (or device_id's) unit, m³ or kWh; null where they differ"
        ),
    ]
    resolution: CostResolution
    start: Instant
    end: Instant
    total: CostTotal
    rows: list[CostRow]


class CycleDates(Model):
    """Local dates of the cycle, end exclusive."""

    start: Day
    end: Day


class Projection(Model):
    """The current billing cycle's bill so far and projected to its end."""

    currency: Currency
    tariff: str
    cycle: CycleDates
    cost_so_far: Annotated[
        Money,
        Meta(
            description="The cycle's bill of the energy used so far (fixed, demand, minimum "
            "and taxes included)"
        ),
    ]
    projected_total: Money
    energy_so_far_kwh: float
    projected_energy_kwh: float
    days_elapsed: Annotated[int, Meta(description="Complete days of the cycle before today")]
    day_of_cycle: Annotated[int, Meta(description="Today's day of the cycle, the first is 1")]
    days_total: int
    method: str


class EnergyLine(Model):
    """Energy of one period and tier."""

    period: str
    tier: int
    kwh: Money
    cost: Money


class SurchargeLine(Model):
    """A per-kWh surcharge."""

    name: str
    kwh: Annotated[
        Money,
        Meta(
            description="The kWh charged: gross import, or netted (the tariff's surcharges[].basis)"
        ),
    ]
    per_kwh: Money | None
    amount: Money


class DemandLine(Model):
    """A demand charge."""

    name: str
    kw: Money
    window_start: Instant | None
    days: Annotated[
        int,
        Meta(
            description="Days of the cycle charged: all, or a season's share (cost = the kW's "
            "charge x days / the cycle's days)"
        ),
    ]
    cost: Money


class TaxLine(Model):
    """A tax."""

    name: str
    base: Annotated[Money, Meta(description="The amount taxed")]
    percent: Money | None
    amount: Money


class DeviceLine(Model):
    """A device's share of the bill."""

    device: str
    kwh: Money
    cost: Money
    carbon_kg: Money | None


class BillCycle(Model):
    """One billing cycle; amounts rounded to the cent, kWh to the Wh."""

    start: Day
    end: Day
    days: int
    import_kwh: Money
    export_kwh: Money
    energy: list[EnergyLine]
    surcharges: list[SurchargeLine]
    demand: list[DemandLine]
    fixed: list[NamedAmount]
    export_credit: Money
    minimum: Money
    carried_credit: Annotated[
        Money, Meta(description="Credit carried from the previous cycle (subtracted)")
    ]
    unused_credit: Annotated[
        Money,
        Meta(
            description="Credit the minimum bill left unused (added back; forfeited or carried "
            "to the next cycle)"
        ),
    ]
    taxes: list[TaxLine]
    carbon_kg: Money | None
    devices: list[DeviceLine]
    rounding: Annotated[Money, Meta(description="The total less the sum of the rounded lines")]
    total: Money


BillRounding = Annotated[Money, Meta(description="The total less the cycles' totals")]


class Bill(Model):
    """A bill: every billing cycle it covers."""

    tariff: str
    currency: Currency
    cycles: list[BillCycle]
    rounding: BillRounding
    total: Money


class RangeBill(Bill):
    """The commodity's active tariff's bill of the usage in [start, end); devices stay empty."""

    start: Instant
    end: Instant


_BILL_RANGE = "From 1970 to 2999, with a UTC offset; end after start, at most 400 days apart"


class BillQuery(Query):
    """The query of `GET /api/v1/bill`."""

    start: Annotated[
        Instant | UnsetType, Meta(description=f"{_BILL_RANGE}. Default: the cycle's start")
    ] = UNSET
    end: Annotated[Instant | UnsetType, Meta(description=f"{_BILL_RANGE}. Default: now")] = UNSET
    commodity: Annotated[
        CostCommodity,
        Meta(description="Whose bill: its active tariff, on its household meters"),
    ] = "electricity"


class CompareRequest(Model):
    """The tariff is compared with its commodity's active one, on that commodity's usage.

    Without start and end: the active tariff's last full billing cycle.
    """

    tariff: Annotated[str | UnsetType, Meta(description="A stored tariff's name")] = UNSET
    definition: Annotated[
        JsonObject | UnsetType, Meta(description="A tariff in the native format")
    ] = UNSET
    start: Instant | UnsetType = UNSET
    end: Instant | UnsetType = UNSET

    def __post_init__(self) -> None:
        """Refuse what COMPARE_REQUEST_RULES states: one tariff, start and end together."""
        if (self.tariff is UNSET) == (self.definition is UNSET):
            raise ValueError("tariff: give either tariff (a stored name) or definition (a tariff)")
        if (self.start is UNSET) != (self.end is UNSET):
            missing = "start" if self.start is UNSET else "end"
            raise ValueError(f"{missing}: give both start and end, or neither")


COMPARE_REQUEST_RULES: dict[str, Any] = {
    "oneOf": [{"required": ["tariff"]}, {"required": ["definition"]}],
    "dependentRequired": {"start": ["end"], "end": ["start"]},
}


class Recorded(Model):
    """Hours of the range with household energy recorded, of all its hours.

    Both bills price only those.
    """

    hours: int
    of_hours: int


class Comparison(Model):
    """Both bills and the difference."""

    currency: Currency
    start: Instant
    end: Instant
    current: Bill
    alternative: Bill
    difference: Annotated[Money, Meta(description="Alternative minus current total")]
    recorded: Recorded


MAX_RANKED = 50


class RankRequest(Model):
    """Tariffs of one commodity to rank against its active one (always ranked, the reference).

    Without tariffs, definitions and urdb: every stored tariff of the commodity. Without start
    and end: the active tariff's last full billing cycle.
    """

    commodity: Annotated[
        CostCommodity,
        Meta(description="Whose usage and active tariff: every tariff ranked must price it"),
    ] = "electricity"
    tariffs: Annotated[
        list[str] | UnsetType,
        Meta(description="Stored tariffs' names (the version in force now, else the latest)"),
    ] = UNSET
    definitions: Annotated[list[JsonObject], Meta(description="Tariffs in the native format")] = []  # noqa: RUF012 - msgspec copies a mutable default per instance
    urdb: Annotated[
        list[JsonObject],
        Meta(description="URDB rates (each a rate, or an API answer with one), as files hold them"),
    ] = []  # noqa: RUF012 - msgspec copies a mutable default per instance
    timezone: Annotated[
        str | UnsetType,
        Meta(description="The URDB utilities' IANA time zone; default: the engine's"),
    ] = UNSET
    start: Instant | UnsetType = UNSET
    end: Instant | UnsetType = UNSET

    def __post_init__(self) -> None:
        """Refuse what RANK_REQUEST_RULES states and the count; a time zone without URDB."""
        if (self.start is UNSET) != (self.end is UNSET):
            missing = "start" if self.start is UNSET else "end"
            raise ValueError(f"{missing}: give both start and end, or neither")
        if self.timezone is not UNSET and not self.urdb:
            raise ValueError("timezone: goes with 'urdb'")
        if len(self.tariffs or ()) + len(self.definitions) + len(self.urdb) > MAX_RANKED:
            raise ValueError(
                f"tariffs: at most {MAX_RANKED} tariffs, definitions and urdb together"
            )


RANK_REQUEST_RULES: dict[str, Any] = {"dependentRequired": {"start": ["end"], "end": ["start"]}}


class RankedBill(Bill):
    """One tariff's bill of the ranking, and where it stands."""

    rank: Annotated[int, Meta(description="1 is the cheapest; a tie keeps the request's order")]
    source: Annotated[
        str,
        Meta(
            description="The stored tariff's name, or definitions[N] or urdb[N] for an inline one"
        ),
    ]
    reference: Annotated[bool, Meta(description="The active tariff's bill")]
    difference: Annotated[Money, Meta(description="This total less the reference's")]


class Ranking(Model):
    """Bills of the recorded usage under every tariff, cheapest first.

    Every bill is on the active tariff's billing cycles.
    """

    currency: Currency
    cycle_day: Annotated[int, Meta(ge=1, le=31)]
    start: Instant
    end: Instant
    recorded: Recorded
    bills: list[RankedBill]
