"""`GET /api/v1/summary`: everything the integration shows, from the rollups, in one call.

Set-based queries (`pricing.store.summary`: devices with their energy, cost and cloud figures,
each commodity's household costs, the cloud accounts' largest services this month; the budgets),
whatever the number of devices, in the engine's currency. Its devices are those metering
electricity, and the cloud accounts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import asyncpg
import msgspec
from aiohttp import web

from aetherlens_engine.budgets import COMMODITY_SCOPES
from aetherlens_engine.models import Commodity, DeviceKind
from aetherlens_engine.pricing.store.budgets import budget_rows
from aetherlens_engine.pricing.store.snapshot import read_snapshot
from aetherlens_engine.pricing.store.summary import commodity_costs, device_figures, top_services

from .budgets import stored
from .contract import summary as contract
from .contract.base import day, instant, json_response, money, optional_instant, optional_money
from .database import connection
from .devices import device_identity
from .localtime import LocalPeriods
from .price import tariff_summary
from .shared import shared_answer
from .state import STATE_KEY, EngineState

ENERGY_KINDS = (
    DeviceKind.METER,
    DeviceKind.APPLIANCE,
    DeviceKind.GRID,
    DeviceKind.SOLAR,
    DeviceKind.BATTERY,
)
_ZERO = Decimal(0)

# Few enough to be an entity attribute: the recorder stores attributes with every state.
TOP_SERVICES = 3
# Bumped on a change of the summary or of a route that older clients would misread.
API_VERSION = 1


type _DayMonth = tuple[Decimal, Decimal]  # (today, this month)


@dataclass(frozen=True, slots=True)
class _Spending:
    """What was spent today and this month, by device, household and cloud account."""

    currency: str  # the engine's: energy costs are in it
    priced: bool  # energy costs exist once a tariff does
    devices: dict[int, _DayMonth]
    household: _DayMonth
    cloud: dict[tuple[int, str | None], _DayMonth]  # by account and currency
    cycle: Decimal | None = None  # the household's billing cycle so far, in `currency`
    # Gas and water households: their costs where their tariff is active, their cycles so far.
    commodities: dict[str, _DayMonth] = field(default_factory=dict)
    commodity_cycles: dict[str, Decimal] = field(default_factory=dict)

    def of(self, budget: asyncpg.Record) -> Decimal | None:
        """Return what BUDGET's period has spent so far, or None where that cannot be known.

        Energy costs are known only in the engine's currency, and only once a tariff exists.
        A billing cycle is the active tariff's: only a household budget has one (the summary's
        `billing_cycle.cost_so_far`, when the tariff bills in the engine's currency), a gas or
        water budget its own tariff's (the ledger's); device and cloud budgets per billing
        cycle stay None, as cloud accounts bill by month.
        """
        if budget["scope"] in COMMODITY_SCOPES:
            return self._metered(budget["scope"], budget["period"], budget["currency"])
        return self._electricity_or_cloud(budget)

    def _electricity_or_cloud(self, budget: asyncpg.Record) -> Decimal | None:
        period, scope, currency = budget["period"], budget["scope"], budget["currency"]
        if period == "billing_cycle":
            household = scope == "household" and currency == self.currency
            return self.cycle if household else None
        if period not in ("day", "month"):
            return None
        index = 0 if period == "day" else 1
        if scope in ("cloud_account", "cloud_total"):
            return sum(
                (
                    amounts[index]
                    for (device_id, account_currency), amounts in self.cloud.items()
                    if account_currency == currency and budget["device_id"] in (None, device_id)
                ),
                _ZERO,
            )
        if not self.priced or currency != self.currency:
            return None
        if scope == "household":
            return self.household[index]
        return self.devices.get(budget["device_id"], (_ZERO, _ZERO))[index]

    def _metered(self, scope: str, period: str, currency: str) -> Decimal | None:
        """Return a gas or water budget's spend: None unpriced or in another currency."""
        if currency != self.currency:
            return None
        if period == "billing_cycle":
            return self.commodity_cycles.get(scope)
        costs = self.commodities.get(scope)
        return None if costs is None else costs[0 if period == "day" else 1]


async def get_summary(request: web.Request) -> web.Response:
    """Answer the summary of devices, household, cloud accounts and budgets."""
    state = request.app[STATE_KEY]
    return json_response(await shared_answer(request.app, "summary", lambda: _summary_at(state)))


async def _summary_at(state: EngineState) -> contract.Summary:
    """Compute the summary at the clock's now."""
    now = state.clock()
    periods = LocalPeriods.at(now, state.timezone)
    kinds = [str(kind) for kind in (*ENERGY_KINDS, DeviceKind.CLOUD_ACCOUNT)]
    # One snapshot for every query: a poll committing between them (a cloud account and its
    # costs, the budget seeded for it) would otherwise show a budget without its spending.
    async with connection(state) as conn, read_snapshot(conn):
        rows = await device_figures(
            conn,
            day=(periods.day_start, periods.day_end),
            today=periods.today,
            month_start=periods.month_start,
            currency=state.currency,
            kinds=kinds,
        )
        budgets = await budget_rows(conn)
        figures = await state.pricing.figures(conn, now)
        tariff = tariff_summary(figures, now)
        commodities = await _commodities(conn, state, periods)
        cycles: dict[str, Decimal] = {}
        if any(b["scope"] in COMMODITY_SCOPES and b["period"] == "billing_cycle" for b in budgets):
            metered = await state.metered.projections(conn, now, state.currency)
            cycles = {str(commodity): found.so_far.total for commodity, found in metered.items()}
        accounts = [row for row in rows if row["kind"] == DeviceKind.CLOUD_ACCOUNT]
        services = []  # a household without cloud accounts reads none
        if accounts:
            services = await top_services(conn, periods.month_start, periods.today, TOP_SERVICES)
    priced = bool(rows[0]["priced"]) if rows else False
    devices = [row for row in rows if row["kind"] != DeviceKind.CLOUD_ACCOUNT]
    # The household_meters of timescale/0005: the mains, else appliances not inside another.
    household = [row for row in devices if row["mains"]]
    spending = _Spending(
        currency=state.currency,
        priced=priced,
        devices={row["id"]: _costs(row) for row in devices},
        household=(
            sum((_costs(row)[0] for row in household), _ZERO),
            sum((_costs(row)[1] for row in household), _ZERO),
        ),
        cloud={
            (row["id"], row["cloud_currency"]): (
                row["cloud_today"] or _ZERO,
                row["cloud_month_to_date"] or _ZERO,
            )
            for row in accounts
        },
        cycle=tariff.cycle_so_far if tariff.currency == state.currency else None,
        commodities={
            spend.commodity: (Decimal(spend.cost_today), Decimal(spend.cost_month))
            for spend in commodities
            if spend.cost_today is not None and spend.cost_month is not None
        },
        commodity_cycles=cycles,
    )
    top = _top_services(services)
    recompute = state.recompute
    return contract.Summary(
        engine=contract.EngineInfo(
            version=state.version,
            instance_id=state.instance_id,
            time=instant(now),
            api_version=API_VERSION,
        ),
        currency=state.currency,
        timezone=state.timezone.key,
        period=contract.SummaryPeriod(
            today=day(periods.today), month_start=day(periods.month_start)
        ),
        devices=[_device(row, priced=priced) for row in devices],
        household=contract.Household(
            energy_today_kwh=sum((row["energy_today"] for row in household), 0.0),
            energy_month_kwh=sum((row["energy_month"] for row in household), 0.0),
            cost_today=money(spending.household[0]) if priced else None,
            cost_month=money(spending.household[1]) if priced else None,
            carbon_today_kg=_carbon(household),
        ),
        commodities=commodities,
        price=tariff.price,
        billing_cycle=tariff.billing_cycle,
        tariff=tariff.tariff,
        recompute=contract.RecomputeBrief(
            state=recompute.state,
            progress=recompute.progress,
            generation=recompute.generation,
            start=optional_instant(recompute.start),
        ),
        cloud=contract.Cloud(accounts=[_cloud_account(row, top) for row in accounts]),
        budgets=[_budget(budget, spending) for budget in budgets],
    )


async def _commodities(
    conn: asyncpg.Connection, state: EngineState, periods: LocalPeriods
) -> list[contract.CommoditySpend]:
    """Return each commodity's household costs today and this month, under its active tariff."""
    rows = await commodity_costs(conn, periods.month_start, periods.today, state.currency)
    return [
        contract.CommoditySpend(
            commodity=Commodity(row["commodity"]),
            tariff=row["tariff"],
            cost_today=money(row["today"]) if row["tariff"] is not None else None,
            cost_month=money(row["month"]) if row["tariff"] is not None else None,
        )
        for row in rows
    ]


type _TopServices = dict[tuple[int, str], list[contract.NamedAmount]]


def _top_services(services: list[asyncpg.Record]) -> _TopServices:
    """Return each cloud account's largest services this month, by account and currency."""
    by_account: _TopServices = {}
    for row in services:
        by_account.setdefault((row["device_id"], row["currency"]), []).append(
            contract.NamedAmount(name=row["service"], amount=money(row["amount"]))
        )
    return by_account


def _carbon(rows: list[asyncpg.Record]) -> float | None:
    """Sum the rows' carbon today; None where no row has any (no tariff, or none with carbon)."""
    known = [row["carbon_today"] for row in rows if row["carbon_today"] is not None]
    return sum(known, 0.0) if known else None


def _costs(row: asyncpg.Record) -> _DayMonth:
    return (row["cost_today"] or _ZERO, row["cost_month"] or _ZERO)


def _device(row: asyncpg.Record, *, priced: bool) -> contract.SummaryDevice:
    return contract.SummaryDevice(
        **device_identity(row),
        included_in=row["included_in"],
        household_meter=row["mains"],
        energy_today_kwh=row["energy_today"],
        energy_month_kwh=row["energy_month"],
        cost_today=money(_costs(row)[0]) if priced else None,
        cost_month=money(_costs(row)[1]) if priced else None,
    )


def _cloud_account(row: asyncpg.Record, top: _TopServices) -> contract.CloudAccount:
    return contract.CloudAccount(
        device_id=row["id"],
        name=row["name"],
        currency=row["cloud_currency"],
        today=optional_money(row["cloud_today"]),
        yesterday=optional_money(row["cloud_yesterday"]),
        month_to_date=optional_money(row["cloud_month_to_date"]),
        forecast=optional_money(row["cloud_forecast"]),
        estimated=row["cloud_estimated"],
        fetched_at=optional_instant(row["cloud_fetched_at"]),
        top_services=top.get((row["id"], row["cloud_currency"]), []),
    )


def _budget(budget: asyncpg.Record, spending: _Spending) -> contract.Budget:
    return contract.Budget(
        **msgspec.structs.asdict(stored(budget)), spent=optional_money(spending.of(budget))
    )
