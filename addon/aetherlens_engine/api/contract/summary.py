"""Models of `GET /api/v1/summary`: everything the integration shows, in one call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from msgspec import Meta

from aetherlens_engine import models
from aetherlens_engine.pricing.recompute import RecomputeState

from .base import Currency, Day, Instant, Model, Money, Share
from .budgets import StoredBudget


@dataclass(frozen=True, slots=True, kw_only=True)
class SummaryDevice(models.Device):
    """A device of energy (`models.Device`'s fields) and its figures.

    Costs are in the engine's currency, null while no tariff exists.
    """

    included_in: Annotated[
        int | None,
        Meta(description="The device this one is measured inside (HA's included_in_stat)"),
    ]
    household_meter: Annotated[
        bool,
        Meta(
            description="Summed into the household: a mains meter, or where there is none an "
            "appliance not inside another"
        ),
    ]
    energy_today_kwh: float
    energy_month_kwh: float
    cost_today: Money | None
    cost_month: Money | None


class NamedAmount(Model):
    """An amount with its name."""

    name: str
    amount: Money


class CloudAccount(Model):
    """One entry per account and currency; figures are null before the first fetch."""

    device_id: int
    name: str
    currency: Currency | None
    today: Money | None
    yesterday: Annotated[Money | None, Meta(description="The previous local day")]
    month_to_date: Money | None
    forecast: Money | None
    estimated: bool | None
    fetched_at: Instant | None
    top_services: Annotated[
        list[NamedAmount],
        Meta(description="This month's largest services (at most 3), largest first"),
    ]


class Budget(StoredBudget):
    """A budget and what its period has spent so far."""

    spent: Annotated[
        Money | None,
        Meta(
            description="Null for energy costs without a tariff or in another currency than "
            "the engine's; per billing cycle, the household's cycle cost so far (null for "
            "device and cloud scopes)"
        ),
    ]


class EngineInfo(Model):
    """The engine answering."""

    version: str
    instance_id: str
    time: Instant
    api_version: Annotated[int, Meta(description="Bumped when older clients would misread the API")]


class SummaryPeriod(Model):
    """Today and the month's first day, local dates of the engine's zone."""

    today: Day
    month_start: Day


class Household(Model):
    """Devices of kind grid and meter; appliances where there is neither."""

    energy_today_kwh: float
    energy_month_kwh: float
    cost_today: Money | None
    cost_month: Money | None
    carbon_today_kg: Annotated[
        float | None, Meta(description="Null without a tariff that states carbon intensity")
    ]


class CommoditySpend(Model):
    """A commodity's household costs, priced by its own active tariff (`tariff`).

    Electricity's are `household`'s. Null: the commodity has no active tariff.
    """

    commodity: Annotated[str, Meta(description="electricity, gas or water")]
    tariff: str | None
    cost_today: Money | None
    cost_month: Money | None


class PriceNow(Model):
    """As `GET /api/v1/price`; null (periods empty) without an active tariff."""

    current: Money | None
    period: str | None
    next_change: Instant | None
    carbon_intensity: float | None
    periods: Annotated[list[str], Meta(description="The active tariff's import periods, sorted")]


class CycleComponents(Model):
    """What cost_so_far is made of.

    energy + surcharges + demand + fixed - credit + minimum + taxes.
    """

    energy: Money
    surcharges: Money
    demand: Money
    fixed: Money
    credit: Money
    minimum: Money
    taxes: Money


class BillingCycle(Model):
    """The active tariff's current cycle (local dates, end exclusive), as `GET /api/v1/projection`.

    Null without an active tariff.
    """

    start: Day | None
    end: Day | None
    cost_so_far: Money | None
    projected_total: Money | None
    components: CycleComponents | None


class TariffRef(Model):
    """The active tariff's version in force now."""

    name: str
    version: int


class RecomputeBrief(Model):
    """The cost recompute, as `GET /api/v1/recompute` in short."""

    state: RecomputeState
    progress: Share
    generation: Annotated[
        int, Meta(description="Grows with every finished recompute: re-read costs from `start` on")
    ]
    start: Instant | None


class Cloud(Model):
    """The cloud accounts' spending."""

    accounts: list[CloudAccount]


class Summary(Model):
    """Today, this month, the price now, the billing cycle, cloud accounts and budgets."""

    engine: EngineInfo
    currency: Currency
    timezone: Annotated[str, Meta(description="IANA time zone of days and months")]
    period: SummaryPeriod
    devices: list[SummaryDevice]
    household: Household
    commodities: Annotated[
        list[CommoditySpend],
        Meta(description="Electricity, gas and water: the ledger's parts of `GET /api/v1/ledger`"),
    ]
    price: PriceNow
    billing_cycle: BillingCycle
    tariff: TariffRef | None
    recompute: RecomputeBrief
    cloud: Cloud
    budgets: list[Budget]
