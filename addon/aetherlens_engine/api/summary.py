"""`GET /api/v1/summary`: everything the integration shows, from the rollups, in one call.

Two set-based queries (devices with their energy, cost and cloud figures; budgets), whatever
the number of devices. Energy today comes from `energy_hourly` since local midnight, energy this
month from `energy_daily` before today plus today; costs likewise from `cost_hourly` and
`cost_daily`, in the engine's currency; cloud figures from `cloud_costs` (dimension 'total')
and `cloud_forecasts`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg
from aiohttp import web

from aetherlens_engine.models import DeviceKind

from .database import connection
from .devices import device_identity
from .localtime import LocalPeriods
from .state import STATE_KEY, EngineState

ENERGY_KINDS = (
    DeviceKind.METER,
    DeviceKind.APPLIANCE,
    DeviceKind.GRID,
    DeviceKind.SOLAR,
    DeviceKind.BATTERY,
)
MAINS_KINDS = frozenset({DeviceKind.GRID, DeviceKind.METER})
_ZERO = Decimal(0)

_DEVICES_SQL = """
WITH hourly_today AS (
    SELECT device_id, sum(energy_kwh) AS kwh
    FROM energy_hourly
    WHERE hour >= $1 AND hour < $2
    GROUP BY device_id
), daily_before_today AS (
    SELECT device_id, sum(energy_kwh) AS kwh
    FROM energy_daily
    WHERE day >= $3 AND day < $4
    GROUP BY device_id
), cost_today AS (
    SELECT device_id, sum(cost) AS cost
    FROM cost_hourly
    WHERE hour >= $1 AND hour < $2 AND currency = $5
    GROUP BY device_id
), cost_before_today AS (
    SELECT device_id, sum(cost) AS cost
    FROM cost_daily
    WHERE day >= $3 AND day < $4 AND currency = $5
    GROUP BY device_id
), cost AS (
    SELECT device_id, t.cost AS today, coalesce(t.cost, 0) + coalesce(b.cost, 0) AS month
    FROM cost_today AS t
    FULL JOIN cost_before_today AS b USING (device_id)
), cloud AS (
    SELECT device_id, currency,
           sum(amount) FILTER (WHERE day = $4) AS today,
           sum(amount) AS month_to_date,
           bool_or(estimated) AS estimated,
           max(fetched_at) AS fetched_at
    FROM cloud_costs
    WHERE dimension = 'total' AND day >= $3 AND day <= $4
    GROUP BY device_id, currency
), cloud_month AS (
    SELECT device_id, currency, c.today, c.month_to_date, c.estimated, c.fetched_at,
           f.amount AS forecast
    FROM cloud AS c
    FULL JOIN (SELECT device_id, currency, amount FROM cloud_forecasts WHERE month = $3) AS f
        USING (device_id, currency)
)
SELECT d.id, d.source, d.source_id, d.name, d.kind, d.unit,
       coalesce(h.kwh, 0) AS energy_today,
       coalesce(h.kwh, 0) + coalesce(m.kwh, 0) AS energy_month,
       c.today AS cost_today, c.month AS cost_month,
       cm.currency AS cloud_currency, cm.today AS cloud_today,
       cm.month_to_date AS cloud_month_to_date, cm.forecast AS cloud_forecast,
       cm.estimated AS cloud_estimated, cm.fetched_at AS cloud_fetched_at,
       EXISTS (SELECT 1 FROM tariffs) AS priced
FROM devices AS d
LEFT JOIN hourly_today AS h ON h.device_id = d.id
LEFT JOIN daily_before_today AS m ON m.device_id = d.id
LEFT JOIN cost AS c ON c.device_id = d.id
LEFT JOIN cloud_month AS cm ON cm.device_id = d.id AND d.kind = 'cloud_account'
WHERE d.kind = ANY($6::text[])
ORDER BY d.id, cm.currency
"""

_BUDGETS_SQL = """
SELECT id, name, scope, device_id, period, amount, currency FROM budgets ORDER BY id
"""


def decimal_text(value: Decimal | None) -> str | None:
    """Write an amount exactly, without exponent or trailing zeros (`12.5`, `0`)."""
    if value is None:
        return None
    return format(value.normalize(), "f")


type _DayMonth = tuple[Decimal, Decimal]  # (today, this month)


@dataclass(frozen=True, slots=True)
class _Spending:
    """What was spent today and this month, by device, household and cloud account."""

    currency: str  # the engine's: energy costs are in it
    priced: bool  # energy costs exist once a tariff does
    devices: dict[int, _DayMonth]
    household: _DayMonth
    cloud: dict[tuple[int, str | None], _DayMonth]  # by account and currency

    def of(self, budget: asyncpg.Record) -> Decimal | None:
        """Return what BUDGET's period has spent so far, or None where that cannot be known.

        Billing cycles are not defined yet; energy costs are known only in the engine's
        currency, and only once a tariff exists.
        """
        period, scope, currency = budget["period"], budget["scope"], budget["currency"]
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


async def get_summary(request: web.Request) -> web.Response:
    """Answer the summary of devices, household, cloud accounts and budgets."""
    state = request.app[STATE_KEY]
    now = state.clock()
    periods = LocalPeriods.at(now, state.timezone)
    kinds = [str(kind) for kind in (*ENERGY_KINDS, DeviceKind.CLOUD_ACCOUNT)]
    async with connection(state) as conn:
        rows = await conn.fetch(
            _DEVICES_SQL,
            periods.day_start,
            periods.day_end,
            periods.month_start,
            periods.today,
            state.currency,
            kinds,
        )
        budgets = await conn.fetch(_BUDGETS_SQL)
    return web.json_response(_summary(state, now, periods, rows, budgets))


def _summary(
    state: EngineState,
    now: datetime,
    periods: LocalPeriods,
    rows: list[asyncpg.Record],
    budgets: list[asyncpg.Record],
) -> dict[str, Any]:
    priced = bool(rows[0]["priced"]) if rows else False
    devices = [row for row in rows if row["kind"] != DeviceKind.CLOUD_ACCOUNT]
    accounts = [row for row in rows if row["kind"] == DeviceKind.CLOUD_ACCOUNT]
    # Household totals count what the main supply delivers; appliances are sub-meters of it
    # and count only where no main meter exists (else they would be counted twice).
    household = [row for row in devices if row["kind"] in MAINS_KINDS] or [
        row for row in devices if row["kind"] == DeviceKind.APPLIANCE
    ]
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
    )
    return {
        "engine": {
            "version": state.version,
            "instance_id": state.instance_id,
            "time": now.isoformat(),
        },
        "currency": state.currency,
        "timezone": state.timezone.key,
        "period": {
            "today": periods.today.isoformat(),
            "month_start": periods.month_start.isoformat(),
        },
        "devices": [_device(row, priced=priced) for row in devices],
        "household": {
            "energy_today_kwh": sum((row["energy_today"] for row in household), 0.0),
            "energy_month_kwh": sum((row["energy_month"] for row in household), 0.0),
            "cost_today": decimal_text(spending.household[0]) if priced else None,
            "cost_month": decimal_text(spending.household[1]) if priced else None,
        },
        # Filled by the tariff engine; null until it prices the current hour.
        "price": {"current": None, "period": None},
        "cloud": {"accounts": [_cloud_account(row) for row in accounts]},
        "budgets": [_budget(budget, spending) for budget in budgets],
    }


def _costs(row: asyncpg.Record) -> _DayMonth:
    return (row["cost_today"] or _ZERO, row["cost_month"] or _ZERO)


def _device(row: asyncpg.Record, *, priced: bool) -> dict[str, Any]:
    return {
        **device_identity(row),
        "energy_today_kwh": row["energy_today"],
        "energy_month_kwh": row["energy_month"],
        "cost_today": decimal_text(_costs(row)[0]) if priced else None,
        "cost_month": decimal_text(_costs(row)[1]) if priced else None,
    }


def _cloud_account(row: asyncpg.Record) -> dict[str, Any]:
    fetched_at: datetime | None = row["cloud_fetched_at"]
    return {
        "device_id": row["id"],
        "name": row["name"],
        "currency": row["cloud_currency"],
        "today": decimal_text(row["cloud_today"]),
        "month_to_date": decimal_text(row["cloud_month_to_date"]),
        "forecast": decimal_text(row["cloud_forecast"]),
        "estimated": row["cloud_estimated"],
        "fetched_at": fetched_at.isoformat() if fetched_at else None,
    }


def _budget(budget: asyncpg.Record, spending: _Spending) -> dict[str, Any]:
    return {
        "id": budget["id"],
        "name": budget["name"],
        "scope": budget["scope"],
        "device_id": budget["device_id"],
        "period": budget["period"],
        "amount": decimal_text(budget["amount"]),
        "currency": budget["currency"],
        "spent": decimal_text(spending.of(budget)),
    }
