"""Statements from a plugin are stored as statements of the active tariff and matched.

A real database with a month of recorded energy and an active tariff; the plugin's statements
go through the engine's writer; the statements route shows each beside the engine's bill.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from aetherlens_engine.plugins import PollResult, Statement
from aetherlens_engine.plugins.statements import StatementWriter
from aetherlens_engine.pricing.store.tariffs import save_tariff, set_active_tariff
from tests.engine.checked_api import checked
from tests.engine.test_api_support import add_device, client, engine_state, migrate

BERLIN = ZoneInfo("Europe/Berlin")
FLAT = {"name": "flat", "currency": "EUR", "timezone": "Europe/Berlin", "energy": {"price": "0.30"}}


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    """1 kWh every hour of May 2024 (local) on the grid meter; 'flat' active."""
    await migrate(db_pool)
    grid = await add_device(db_pool, "grid", "grid", "kWh")
    start = datetime(2024, 5, 1, tzinfo=BERLIN).astimezone(UTC)
    hours = 31 * 24  # no clock change in May
    await db_pool.executemany(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, 1, 1)",
        [(grid, start + timedelta(hours=h)) for h in range(hours)],
    )
    async with db_pool.acquire() as conn:
        await save_tariff(conn, FLAT, datetime(2024, 1, 1, tzinfo=UTC))
        await set_active_tariff(conn, "flat")
    return db_pool


async def test_a_plugins_statements_are_stored_and_matched(pool: asyncpg.Pool) -> None:
    may = Statement(
        "acct-1", "INV-2024-05", date(2024, 5, 1), date(2024, 5, 31), Decimal("224.5"), "EUR"
    )
    dollars = Statement("acct-1", "INV-USD", date(2024, 6, 1), date(2024, 6, 30), Decimal(9), "USD")
    writer = StatementWriter(pool)
    ids = await writer.write("supplier", PollResult(statements=(may, dollars)))
    assert len(ids) == 1  # the tariff bills in EUR: the USD one is left out
    assert await writer.write("supplier", PollResult(statements=(may,))) == []  # recorded once
    async with client(engine_state(pool)) as session:
        status, body = await checked(session, "get", "/api/v1/statements")
    assert status == 200
    (statement,) = body["statements"]
    # 744 kWh at 0.30 = 223.20; the supplier's bill says 224.50.
    assert (statement["source"], statement["start"], statement["end"]) == (
        "plugin",
        "2024-05-01",
        "2024-06-01",
    )
    assert (statement["total"], statement["engine_total"], statement["residual"]) == (
        "224.5",
        "223.2",
        "1.3",
    )
