"""Plugin results land in cloud_costs and cloud_forecasts, idempotently, per cloud account."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import asyncpg

from aetherlens_engine.migrations import apply_migrations, load_migrations
from aetherlens_engine.plugins import AccountCosts, CloudCostWriter, CostRow, Forecast, PollResult
from tests.engine.test_api_support import migrate

DAY = date(2026, 11, 3)


def _result(amount: str, *, estimated: bool, name: str = "Home") -> PollResult:
    return PollResult(
        accounts=(
            AccountCosts(
                "123456789012",
                name,
                costs=(
                    CostRow(DAY, "total", "", Decimal(amount), "USD", estimated),
                    CostRow(DAY, "service", "Amazon S3", Decimal(amount), "USD", estimated),
                ),
                forecasts=(Forecast(date(2026, 11, 1), Decimal("30.00000001"), "USD"),),
            ),
            AccountCosts(
                "999", "Work", costs=(CostRow(DAY, "region", "eu-west-1", Decimal(2), "EUR"),)
            ),
        ),
        requests=2,
    )


async def test_writer_upserts_devices_costs_and_forecasts(db_pool: asyncpg.Pool) -> None:
    """A re-fetched day replaces the stored one; accounts become cloud_account devices once."""
    await migrate(db_pool)
    writer = CloudCostWriter(db_pool)
    await writer.write("aws_cost_explorer", _result("1.5", estimated=True))
    await writer.write("aws_cost_explorer", _result("1.23456789", estimated=False, name="Home 2"))

    devices = await db_pool.fetch(
        "SELECT id, source, source_id, name, kind FROM devices ORDER BY source_id"
    )
    assert [(d["source"], d["source_id"], d["name"], d["kind"]) for d in devices] == [
        ("aws_cost_explorer", "123456789012", "Home 2", "cloud_account"),
        ("aws_cost_explorer", "999", "Work", "cloud_account"),
    ]
    home = devices[0]["id"]
    costs = await db_pool.fetch(
        """
        SELECT device_id, day, dimension, dimension_value, amount, currency, estimated
        FROM cloud_costs ORDER BY device_id, dimension
        """
    )
    assert [tuple(row) for row in costs] == [
        (home, DAY, "service", "Amazon S3", Decimal("1.23456789"), "USD", False),
        (home, DAY, "total", "", Decimal("1.23456789"), "USD", False),
        (devices[1]["id"], DAY, "region", "eu-west-1", Decimal(2), "EUR", False),
    ]
    forecasts = await db_pool.fetch(
        "SELECT device_id, month, amount, currency FROM cloud_forecasts"
    )
    assert [tuple(row) for row in forecasts] == [
        (home, date(2026, 11, 1), Decimal("30.00000001"), "USD")
    ]


async def test_writer_with_unchanged_device_reuses_it(db_pool: asyncpg.Pool) -> None:
    """The same account polled again keeps its device id."""
    await migrate(db_pool)
    writer = CloudCostWriter(db_pool)
    await writer.write("azure_cost_management", _result("1", estimated=False))
    first = await db_pool.fetchval("SELECT id FROM devices WHERE source_id = '123456789012'")
    await writer.write("azure_cost_management", _result("2", estimated=False))
    assert await db_pool.fetchval("SELECT count(*) FROM devices") == 2
    assert (
        await db_pool.fetchval("SELECT id FROM devices WHERE source_id = '123456789012'") == first
    )
    assert await db_pool.fetchval(
        "SELECT amount FROM cloud_costs WHERE device_id = $1 AND dimension = 'total'", first
    ) == Decimal(2)


async def test_partial_forecast_adds_the_stored_days_before_it(db_pool: asyncpg.Pool) -> None:
    """A forecast from the 4th on is stored as the month: actual 1st to 3rd plus the forecast."""
    await migrate(db_pool)
    month = date(2026, 11, 1)
    costs = (
        CostRow(date(2026, 10, 31), "total", "", Decimal(100), "USD"),
        *(CostRow(date(2026, 11, n), "total", "", Decimal(f"{n}.5"), "USD") for n in (1, 2, 3, 4)),
    )
    result = PollResult(
        accounts=(
            AccountCosts(
                "sub-1",
                "Home",
                costs=costs,
                forecasts=(Forecast(month, Decimal("20.25"), "USD", from_day=date(2026, 11, 4)),),
            ),
        )
    )
    await CloudCostWriter(db_pool).write("azure_cost_management", result)
    assert await db_pool.fetchval("SELECT amount FROM cloud_forecasts") == Decimal("27.75")


async def test_refetched_day_replaces_every_currency_and_value(db_pool: asyncpg.Pool) -> None:
    """Two currencies on one day are both kept; a re-fetch drops what it no longer reports."""
    await migrate(db_pool)
    writer = CloudCostWriter(db_pool)
    month = date(2026, 11, 1)

    def result(*rows: CostRow, forecasts: tuple[Forecast, ...] = ()) -> PollResult:
        return PollResult(accounts=(AccountCosts("sub-1", "Home", rows, forecasts),))

    await writer.write(
        "azure_cost_management",
        result(
            CostRow(DAY, "total", "", Decimal("1.5"), "EUR", estimated=True),
            CostRow(DAY, "total", "", Decimal("2.5"), "USD", estimated=True),
            CostRow(DAY, "service", "Old VM", Decimal("2.5"), "USD", estimated=True),
            forecasts=(Forecast(month, Decimal(10), "EUR"), Forecast(month, Decimal(20), "USD")),
        ),
    )
    stored = "SELECT dimension, dimension_value, amount, currency FROM cloud_costs ORDER BY 4, 1"
    assert [tuple(row) for row in await db_pool.fetch(stored)] == [
        ("total", "", Decimal("1.5"), "EUR"),
        ("service", "Old VM", Decimal("2.5"), "USD"),
        ("total", "", Decimal("2.5"), "USD"),
    ]
    forecasts = "SELECT amount, currency FROM cloud_forecasts ORDER BY currency"
    assert [tuple(row) for row in await db_pool.fetch(forecasts)] == [
        (Decimal(10), "EUR"),
        (Decimal(20), "USD"),
    ]
    await writer.write(
        "azure_cost_management",
        result(
            CostRow(DAY, "total", "", Decimal("1.75"), "EUR"),
            forecasts=(Forecast(month, Decimal(11), "EUR"),),
        ),
    )
    assert [tuple(row) for row in await db_pool.fetch(stored)] == [
        ("total", "", Decimal("1.75"), "EUR")
    ]
    assert [tuple(row) for row in await db_pool.fetch(forecasts)] == [(Decimal(11), "EUR")]


async def test_currency_migration_keeps_stored_costs(db_pool: asyncpg.Pool) -> None:
    """Costs stored before the currency key was added survive it, and a second currency fits."""
    migrations = load_migrations()
    index = next(n for n, m in enumerate(migrations) if m.name == "cloud_costs_currency")
    async with db_pool.acquire() as conn:
        await apply_migrations(conn, migrations[:index])
        device = await conn.fetchval(
            "INSERT INTO devices (source, source_id, name, kind)"
            " VALUES ('azure_cost_management', 'sub-1', 'Home', 'cloud_account') RETURNING id"
        )
        await conn.execute(
            "INSERT INTO cloud_costs (device_id, day, dimension, amount, currency)"
            " VALUES ($1, $2, 'total', 1.5, 'EUR')",
            device,
            DAY,
        )
        await conn.execute(
            "INSERT INTO cloud_forecasts (device_id, month, amount, currency)"
            " VALUES ($1, '2026-11-01', 10, 'EUR')",
            device,
        )
        await apply_migrations(conn)
        await conn.execute(
            "INSERT INTO cloud_costs (device_id, day, dimension, amount, currency)"
            " VALUES ($1, $2, 'total', 2.5, 'USD')",
            device,
            DAY,
        )
        await conn.execute(
            "INSERT INTO cloud_forecasts (device_id, month, amount, currency)"
            " VALUES ($1, '2026-11-01', 20, 'USD')",
            device,
        )
        costs = await conn.fetch("SELECT amount, currency FROM cloud_costs ORDER BY currency")
        forecasts = await conn.fetch(
            "SELECT amount, currency FROM cloud_forecasts ORDER BY currency"
        )
    assert [tuple(row) for row in costs] == [(Decimal("1.5"), "EUR"), (Decimal("2.5"), "USD")]
    assert [tuple(row) for row in forecasts] == [(Decimal(10), "EUR"), (Decimal(20), "USD")]
