"""Budgets configured in the engine: validated, synced into `budgets`, reported by the summary."""

from __future__ import annotations

import asyncio
import logging
import socket
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from aetherlens_engine.budgets import Budget, BudgetKeeper, BudgetSeedReport, seed_budgets
from aetherlens_engine.config import load_config
from aetherlens_engine.engine import Engine
from aetherlens_engine.errors import ConfigError
from aetherlens_engine.migrations import apply_migrations
from tests.engine.test_api_support import add_device, migrate
from tests.postgres import ScratchDatabase

STEADY = "tests.engine.fakes.plugins:SteadyPlugin"
TABLE = (
    "SELECT id, name, scope, device_id, period, amount, currency, thresholds FROM budgets"
    " ORDER BY name"
)


def _budgets(tmp_path: Path, budgets: list[dict[str, Any]], **options: Any) -> tuple[Budget, ...]:
    overrides = {"data_dir": str(tmp_path), "budgets": budgets, **options}
    return load_config(environ={}, overrides=overrides).budgets


def test_budgets_are_validated_with_defaults(tmp_path: Path) -> None:
    """Period defaults to month, currency to the engine's; amounts are exact decimals."""
    budgets = _budgets(
        tmp_path,
        [
            {"name": "house", "scope": "household", "amount": 12.3},
            {
                "name": "fridge",
                "scope": "device",
                "device": "Fridge",
                "period": "day",
                "amount": "0.50",
                "currency": "USD",
                "thresholds": [50, 100],
            },
            {"name": "aws", "scope": "cloud_account", "device": 123456789012, "amount": 20},
        ],
        currency="CHF",
    )
    assert budgets == (
        Budget("house", "household", "month", Decimal("12.3"), "CHF"),
        Budget("fridge", "device", "day", Decimal("0.50"), "USD", "Fridge", (50, 100)),
        Budget("aws", "cloud_account", "month", Decimal(20), "CHF", device="123456789012"),
    )
    assert _budgets(tmp_path, []) == ()
    assert load_config(environ={}, overrides={"data_dir": str(tmp_path)}).budgets == ()


@pytest.mark.parametrize(
    ("budgets", "message"),
    [
        ([{"name": "a", "scope": "device", "amount": 1}], "budgets.0'.*needs 'device'"),
        (
            [{"name": "a", "scope": "household", "device": "x", "amount": 1}],
            "'household' budget takes no 'device'",
        ),
        (
            [
                {"name": "a", "scope": "household", "amount": 1},
                {"name": "a", "scope": "cloud_total", "amount": 2},
            ],
            "budget names must be unique: a",
        ),
        ([{"name": "a", "scope": "household", "amount": -1}], "budgets.0.amount.*zero or more"),
        ([{"name": "a", "scope": "household", "amount": "lots"}], "budgets.0.amount"),
        ([{"name": "a", "scope": "household", "amount": True}], "budgets.0.amount"),
        ([{"name": "a", "scope": "planet", "amount": 1}], "budgets.0.scope"),
        ([{"name": "a", "scope": "household", "amount": 1, "period": "week"}], "budgets.0.period"),
        ([{"name": "a", "scope": "household", "amount": 1, "currency": "eur"}], "ISO 4217"),
        ([{"scope": "household", "amount": 1}], "budgets.0.name"),
        (
            [{"name": "a", "scope": "household", "amount": 1, "thresholds": [80, 50]}],
            "budgets.0.thresholds.*higher than the one before",
        ),
        (
            [{"name": "a", "scope": "household", "amount": 1, "thresholds": [50, 2000]}],
            "budgets.0.thresholds.*2000 is not a percent from 1 to 1000",
        ),
        ([{"name": "a", "scope": "household", "amount": 1, "thresholds": 80}], "list of percents"),
    ],
)
def test_bad_budgets_name_the_option(
    tmp_path: Path, budgets: list[dict[str, Any]], message: str
) -> None:
    """A wrong budget is refused before anything starts, with its option named."""
    with pytest.raises(ConfigError, match=message):
        _budgets(tmp_path, budgets)


async def test_each_budget_is_seeded_once(db_pool: asyncpg.Pool) -> None:
    """A configured name is inserted once; what the API changed or deleted stays so."""
    await migrate(db_pool)
    fridge = await add_device(db_pool, "fridge")
    account = await db_pool.fetchval(
        "INSERT INTO devices (source, source_id, name, kind)"
        " VALUES ('aws_cost_explorer', '123456789012', 'Home AWS', 'cloud_account') RETURNING id"
    )
    await db_pool.execute(
        "INSERT INTO budgets (name, scope, period, amount, currency)"
        " VALUES ('taken', 'household', 'day', 3, 'EUR')"
    )
    first = (
        Budget("house", "household", "month", Decimal(100), "EUR", thresholds=(50, 80, 100)),
        Budget("fridge", "device", "day", Decimal("1.5"), "EUR", device="fridge"),
        Budget("aws", "cloud_account", "month", Decimal(20), "USD", device="123456789012"),
        Budget("taken", "cloud_total", "month", Decimal(9), "USD"),
    )
    async with db_pool.acquire() as conn:
        report = await seed_budgets(conn, first)
    assert report == BudgetSeedReport(("house", "fridge", "aws"), ("taken",), {})
    rows = [tuple(row) for row in await db_pool.fetch(TABLE)]
    assert [row[1:] for row in rows] == [
        ("aws", "cloud_account", account, "month", Decimal(20), "USD", [100]),
        ("fridge", "device", fridge, "day", Decimal("1.5"), "EUR", [100]),
        ("house", "household", None, "month", Decimal(100), "EUR", [50, 80, 100]),
        ("taken", "household", None, "day", Decimal(3), "EUR", [100]),
    ]
    # Changed and deleted as through the API; the configuration changed too, and grew.
    await db_pool.execute("UPDATE budgets SET amount = 70 WHERE name = 'house'")
    await db_pool.execute("DELETE FROM budgets WHERE name = 'fridge'")
    second = (
        Budget("house", "household", "day", Decimal("7.25"), "CHF"),
        Budget("fridge", "device", "day", Decimal(2), "EUR", device="fridge"),
        Budget("new", "cloud_total", "day", Decimal(5), "USD"),
    )
    async with db_pool.acquire() as conn:
        report = await seed_budgets(conn, second)
    assert report == BudgetSeedReport(("new",), (), {})
    assert [(row["name"], row["amount"]) for row in await db_pool.fetch(TABLE)] == [
        ("aws", Decimal(20)),
        ("house", Decimal(70)),
        ("new", Decimal(5)),
        ("taken", Decimal(3)),
    ]


async def test_unknown_or_ambiguous_devices_are_reported_by_budget(db_pool: asyncpg.Pool) -> None:
    """No crash: the budget is left out and the report names it and what to fix."""
    await migrate(db_pool)
    await add_device(db_pool, "heater")
    await db_pool.execute(
        "INSERT INTO devices (source, source_id, name, kind) VALUES ('ha', 'heater', 'Heater 2',"
        " 'appliance'), ('azure_cost_management', 'sub-1', 'fridge', 'cloud_account')"
    )
    budgets = (
        Budget("house", "household", "month", Decimal(100), "EUR"),
        Budget("typo", "device", "month", Decimal(1), "EUR", device="fridgee"),
        Budget("twice", "device", "month", Decimal(1), "EUR", device="heater"),
        # A cloud account of that name exists, but an energy device is asked for.
        Budget("kind", "device", "month", Decimal(1), "EUR", device="fridge"),
        Budget("later", "cloud_account", "month", Decimal(1), "USD", device="sub-2"),
    )
    async with db_pool.acquire() as conn:
        report = await seed_budgets(conn, budgets)
    assert report.seeded == ("house",)
    assert set(report.unresolved) == {"typo", "twice", "kind", "later"}
    assert report.unresolved["typo"].startswith(
        "budget 'typo': no device is named or has the source id 'fridgee'"
    )
    several = "'heater' names several devices: heater (test/heater), Heater 2 (ha/heater)"
    assert several in report.unresolved["twice"]
    assert "no device is named" in report.unresolved["kind"]
    assert "a cloud account appears once its plugin has polled" in report.unresolved["later"]
    assert [row["name"] for row in await db_pool.fetch(TABLE)] == ["house"]


async def test_keeper_logs_each_problem_once_and_retries(
    db_pool: asyncpg.Pool, caplog: pytest.LogCaptureFixture
) -> None:
    """A budget left out is logged once; once its device exists a retry stores it."""
    await migrate(db_pool)
    keeper = BudgetKeeper(
        db_pool, (Budget("later", "device", "month", Decimal(1), "EUR", device="oven"),)
    )
    await keeper.sync()
    await keeper.retry()
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    expected = (
        "Budget not applied: budget 'later': no device is named or has the source id 'oven'; "
        "the budget is left out until one does"
    )
    assert [r.getMessage() for r in errors] == [expected]
    oven = await add_device(db_pool, "oven")
    await keeper.retry()
    assert keeper.unresolved == {}
    assert [tuple(row)[1:4] for row in await db_pool.fetch(TABLE)] == [("later", "device", oven)]
    assert "Budget 'later' now applies" in caplog.text


def _token(data_dir: Path) -> str:
    return next(data_dir.glob("*token*")).read_text().strip()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_engine_syncs_budgets_and_the_summary_reports_them(
    database: ScratchDatabase, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """At start the table follows the config; a cloud account budget applies after the poll."""
    conn = await asyncpg.connect(database.dsn)
    try:
        await apply_migrations(conn)
        await conn.execute(
            "INSERT INTO budgets (name, scope, period, amount, currency)"
            " VALUES ('made through the API', 'household', 'month', 1, 'EUR')"
        )
    finally:
        await conn.close()
    port = _free_port()
    config = load_config(
        environ={},
        overrides={
            "data_dir": str(tmp_path),
            "database_url": database.dsn,
            "api": {"port": port},
            "currency": "USD",
            "plugins": [{"name": "steady", "plugin": STEADY, "config": {"account": "acct-9"}}],
            "budgets": [
                {"name": "clouds", "scope": "cloud_total", "period": "day", "amount": 10},
                {"name": "acct", "scope": "cloud_account", "device": "acct-9", "amount": "50"},
                {"name": "ghost", "scope": "device", "device": "no such plug", "amount": 1},
            ],
        },
    )
    engine = Engine(config)
    await engine.start()
    try:
        headers = {"Authorization": f"Bearer {_token(tmp_path)}"}
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", headers=headers) as session:
            async with asyncio.timeout(60):
                while True:
                    async with session.get("/api/v1/summary") as resp:
                        assert resp.status == 200
                        budgets = {b["name"]: b for b in (await resp.json())["budgets"]}
                    if "acct" in budgets:
                        break
                    await asyncio.sleep(0.1)
    finally:
        await engine.stop()
    assert set(budgets) == {"made through the API", "clouds", "acct"}
    assert (budgets["clouds"]["amount"], budgets["clouds"]["spent"]) == ("10", "1.25")
    acct = budgets["acct"]
    assert (acct["scope"], acct["period"], acct["currency"], acct["spent"]) == (
        "cloud_account",
        "month",
        "USD",
        "1.25",
    )
    assert "budget 'ghost': no device is named or has the source id 'no such plug'" in caplog.text
