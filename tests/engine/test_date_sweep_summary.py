"""The summary, budgets, billing cycle and projection on every date of the sweep (tests/dates.py).

A household's grid meter uses 1 kWh in every real hour, from two weeks before the billing cycle
began up to the clock's current hour, under a flat tariff of 0.25 a kWh and a fixed charge of
5 a cycle (monthly, from the 1st, on the household's clock). Each figure is derived here from
that rule and zoneinfo alone: hours are counted as they pass, so a day of 23 or 25 hours holds 23
or 25 kWh.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from aetherlens_engine.pricing.store.costs import write_costs
from aetherlens_engine.pricing.store.tariffs import save_tariff, set_active_tariff
from tests.dates import SweepDate, sweep_params
from tests.engine.checked_api import checked
from tests.engine.test_api_support import add_device, client, engine_state, migrate

HOUR = timedelta(hours=1)
PRICE = Decimal("0.25")
FIXED = Decimal(5)


def _local_midnight(day: date, moment: SweepDate) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=moment.zone).astimezone(UTC)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _hours(start: datetime, end: datetime) -> list[datetime]:
    """The hours that start in [START, END), UTC."""
    count = int((end - start) / HOUR)
    return [start + n * HOUR for n in range(count)]


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    await migrate(db_pool)
    return db_pool


@pytest.mark.parametrize("moment", sweep_params())
async def test_summary_figures_on_every_date(pool: asyncpg.Pool, moment: SweepDate) -> None:
    """Today, this month, the cycle so far and projected, and the budgets that spend them."""
    now, zone = moment.utc, moment.zone
    today = moment.local.date()
    cycle_start = today.replace(day=1)
    cycle_end = _next_month(cycle_start)
    first = _local_midnight(cycle_start - timedelta(days=15), moment)
    current_hour = now.replace(minute=0, second=0, microsecond=0)
    recorded = _hours(first, current_hour + HOUR)  # the current hour's row is there already

    grid = await add_device(pool, "grid", "grid", "kWh")
    await pool.executemany(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, 1, 1)",
        [(grid, hour) for hour in recorded],
    )
    per_day = Counter(hour.astimezone(zone).date() for hour in recorded)
    await pool.executemany(
        "INSERT INTO energy_daily (device_id, day, energy_kwh, samples) VALUES ($1, $2, $3, $4)",
        [(grid, day, float(kwh), kwh) for day, kwh in sorted(per_day.items())],
    )
    await pool.executemany(
        "INSERT INTO budgets (name, scope, period, amount, currency)"
        " VALUES ($1, 'household', $1, 1000, 'EUR')",
        [("day",), ("month",), ("billing_cycle",)],
    )
    tariff: dict[str, Any] = {
        "name": "flat",
        "currency": "EUR",
        "timezone": zone.key,
        "energy": {"price": str(PRICE)},
        "fixed": [{"name": "meter", "amount": str(FIXED)}],
    }
    async with pool.acquire() as conn:
        stored = await save_tariff(conn, tariff, datetime(2020, 1, 1, tzinfo=UTC))
        await set_active_tariff(conn, "flat")
        await write_costs(conn, stored, first, current_hour + HOUR, day_zone=zone)

    state = engine_state(pool, timezone=zone, currency="EUR", clock=moment.clock)
    async with client(state) as session:
        status, body = await checked(session, "get", "/api/v1/summary")
    assert status == 200

    day_start = _local_midnight(today, moment)
    month_start = _local_midnight(cycle_start, moment)
    energy_today = len(_hours(day_start, current_hour + HOUR))
    energy_month = len(_hours(month_start, current_hour + HOUR))
    complete_in_cycle = len(_hours(month_start, current_hour))
    cycle_hours = len(_hours(month_start, _local_midnight(cycle_end, moment)))
    assert body["period"] == {
        "today": today.isoformat(),
        "month_start": cycle_start.isoformat(),
    }
    household = body["household"]
    assert household["energy_today_kwh"] == energy_today
    assert household["energy_month_kwh"] == energy_month
    assert Decimal(household["cost_today"]) == energy_today * PRICE
    assert Decimal(household["cost_month"]) == energy_month * PRICE

    so_far = complete_in_cycle * PRICE + FIXED
    assert body["billing_cycle"]["start"] == cycle_start.isoformat()
    assert body["billing_cycle"]["end"] == cycle_end.isoformat()
    assert Decimal(body["billing_cycle"]["cost_so_far"]) == so_far
    assert Decimal(body["billing_cycle"]["projected_total"]) == cycle_hours * PRICE + FIXED
    spent = {budget["name"]: Decimal(budget["spent"]) for budget in body["budgets"]}
    assert spent == {
        "day": energy_today * PRICE,
        "month": energy_month * PRICE,
        "billing_cycle": so_far,
    }
