"""Budgets per billing cycle in the summary: the household's spends the cycle's cost so far."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from aetherlens_engine.pricing.store.tariffs import save_tariff, set_active_tariff
from tests.engine.checked_api import checked
from tests.engine.test_api_support import add_device, client, engine_state, migrate

HOUR = timedelta(hours=1)
NOW = datetime(2024, 6, 16, 5, 30, tzinfo=UTC)
FLAT: dict[str, Any] = {
    "name": "flat",
    "currency": "EUR",
    "timezone": "UTC",
    "energy": {"price": "0.25"},
    "fixed": [{"name": "meter", "amount": "5"}],
}


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    """1 kWh an hour on the grid meter from 1 June to NOW, and a budget of every scope."""
    await migrate(db_pool)
    grid = await add_device(db_pool, "grid", "grid", "kWh")
    fridge = await add_device(db_pool, "fridge")
    cloud = await add_device(db_pool, "aws", "cloud_account", None)
    first = datetime(2024, 6, 1, tzinfo=UTC)
    hours = [first + n * HOUR for n in range(int((NOW - first) / HOUR) + 1)]
    await db_pool.executemany(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, 1, 1)",
        [(grid, hour) for hour in hours],
    )
    budgets = [
        ("house cycle", "household", None, "EUR"),
        ("house cycle in dollars", "household", None, "USD"),
        ("fridge cycle", "device", fridge, "EUR"),
        ("aws cycle", "cloud_account", cloud, "USD"),
    ]
    await db_pool.executemany(
        "INSERT INTO budgets (name, scope, device_id, period, amount, currency)"
        " VALUES ($1, $2, $3, 'billing_cycle', $4, $5)",
        [
            (name, scope, device, Decimal(100), currency)
            for name, scope, device, currency in budgets
        ],
    )
    return db_pool


async def _spent(pool: asyncpg.Pool, currency: str = "EUR") -> dict[str, str | None]:
    state = engine_state(pool, currency=currency, clock=lambda: NOW)
    async with client(state) as session:
        status, body = await checked(session, "get", "/api/v1/summary")
    assert status == 200
    return {budget["name"]: budget["spent"] for budget in body["budgets"]}


async def _activate(pool: asyncpg.Pool, tariff: dict[str, Any]) -> None:
    async with pool.acquire() as conn:
        await save_tariff(conn, tariff, datetime(2024, 1, 1, tzinfo=UTC))
        await set_active_tariff(conn, tariff["name"])


async def test_household_budget_spends_the_cycle_so_far(pool: asyncpg.Pool) -> None:
    """Complete hours from 1 June to 05:00 on the 16th: 365 kWh x 0.25 = 91.25, + 5 fixed."""
    await _activate(pool, FLAT)
    assert await _spent(pool) == {
        "house cycle": "96.25",
        "house cycle in dollars": None,
        "fridge cycle": None,
        "aws cycle": None,
    }


async def test_without_an_active_tariff_nothing_is_known(pool: asyncpg.Pool) -> None:
    assert set((await _spent(pool)).values()) == {None}


async def test_a_tariff_in_another_currency_spends_nothing_known(pool: asyncpg.Pool) -> None:
    """The engine counts in USD, the tariff bills in EUR: no budget can take its amount."""
    await _activate(pool, FLAT)
    assert set((await _spent(pool, currency="USD")).values()) == {None}
