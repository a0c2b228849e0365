"""`GET /api/v1/summary` from rollup rows inserted here, on a day when clocks go forward.

The engine's zone is Europe/Berlin and its clock 2026-03-29 12:30 local (10:30 UTC): that local
day began at 2026-03-28 23:00 UTC (+01:00) and ends at 2026-03-29 22:00 UTC (+02:00); the month
began at 2026-02-28 23:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from aetherlens_engine.api import EngineState
from tests.engine.test_api_support import add_device, client, engine_state, migrate

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 29, 10, 30, tzinfo=UTC)


def _utc(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    await migrate(db_pool)
    return db_pool


def _state(pool: asyncpg.Pool) -> EngineState:
    return engine_state(pool, timezone=BERLIN, currency="EUR", clock=lambda: NOW)


async def _summary(state: EngineState) -> dict[str, Any]:
    async with client(state) as session, session.get("/api/v1/summary") as resp:
        assert resp.status == 200
        body: dict[str, Any] = await resp.json()
        return body


async def _hourly(pool: asyncpg.Pool, device: int, hour: datetime, kwh: float) -> None:
    await pool.execute(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, $3, 60)",
        device,
        hour,
        kwh,
    )


async def _daily(pool: asyncpg.Pool, device: int, day: date, kwh: float) -> None:
    await pool.execute(
        "INSERT INTO energy_daily (device_id, day, energy_kwh, samples) VALUES ($1, $2, $3, 1440)",
        device,
        day,
        kwh,
    )


async def _cost(
    pool: asyncpg.Pool,
    device: int,
    tariff: int,
    hour: datetime,
    cost: str,
    *,
    currency: str = "EUR",
) -> None:
    # 1 kWh in the hour at a rate of COST: the cost of the hour is COST.
    await _hourly(pool, device, hour, 1.0)
    await pool.execute(
        "INSERT INTO cost_rates (hour, tariff_id, currency, price) VALUES ($1, $2, $3, $4)",
        hour,
        tariff,
        currency,
        Decimal(cost),
    )
    # The cost engine keeps the local day's sum along with each hour.
    await pool.execute(
        "INSERT INTO cost_daily (device_id, day, currency, energy_kwh, cost)"
        " VALUES ($1, $2, $3, 1, $4) ON CONFLICT (device_id, day, currency) DO UPDATE"
        " SET energy_kwh = cost_daily.energy_kwh + 1, cost = cost_daily.cost + excluded.cost",
        device,
        hour.astimezone(BERLIN).date(),
        currency,
        Decimal(cost),
    )


async def _tariff(pool: asyncpg.Pool) -> int:
    tariff: int = await pool.fetchval(
        "INSERT INTO tariffs (name, version, definition, valid_from)"
        " VALUES ('flat', 1, '{}', '2026-01-01Z') RETURNING id"
    )
    return tariff


async def test_empty_database(pool: asyncpg.Pool) -> None:
    body = await _summary(_state(pool))
    assert body["engine"] == {
        "version": body["engine"]["version"],
        "instance_id": "test-instance",
        "time": "2026-03-29T10:30:00+00:00",
        "api_version": 1,
    }
    assert body["currency"] == "EUR"
    assert body["timezone"] == "Europe/Berlin"
    assert body["period"] == {"today": "2026-03-29", "month_start": "2026-03-01"}
    assert body["devices"] == []
    assert body["household"] == {
        "energy_today_kwh": 0.0,
        "energy_month_kwh": 0.0,
        "cost_today": None,
        "cost_month": None,
        "carbon_today_kg": None,
    }
    assert body["price"] == {
        "current": None,
        "period": None,
        "next_change": None,
        "carbon_intensity": None,
        "periods": [],
    }
    assert body["billing_cycle"] == dict.fromkeys(
        ("start", "end", "cost_so_far", "projected_total", "components")
    )
    assert body["tariff"] is None
    assert body["recompute"] == {"state": "idle", "progress": 0.0, "generation": 0, "start": None}
    assert body["cloud"] == {"accounts": []}
    assert body["budgets"] == []


async def test_energy_by_local_day_and_month(pool: asyncpg.Pool) -> None:
    grid = await add_device(pool, "grid", "grid", "kWh")
    fridge = await add_device(pool, "fridge")
    await add_device(pool, "lamp")
    await add_device(pool, "spot price", "price", "EUR/kWh")
    await _hourly(pool, fridge, _utc(2026, 3, 28, 22), 1.0)  # 23:00 on the 28th, local
    await _hourly(pool, fridge, _utc(2026, 3, 28, 23), 0.5)  # 00:00 on the 29th
    await _hourly(pool, fridge, _utc(2026, 3, 29, 9), 0.25)
    await _hourly(pool, fridge, _utc(2026, 3, 29, 22), 7.0)  # 00:00 on the 30th
    await _daily(pool, fridge, date(2026, 2, 28), 100.0)  # last month
    await _daily(pool, fridge, date(2026, 3, 1), 2.0)
    await _daily(pool, fridge, date(2026, 3, 28), 3.0)
    await _daily(pool, fridge, date(2026, 3, 29), 0.7)  # today comes from the hours
    await _hourly(pool, grid, _utc(2026, 3, 29, 5), 2.0)
    await _daily(pool, grid, date(2026, 3, 10), 10.0)

    body = await _summary(_state(pool))
    devices = {device["name"]: device for device in body["devices"]}
    assert list(devices) == ["grid", "fridge", "lamp"]  # by id; no price device
    assert devices["fridge"] == {
        "id": fridge,
        "source": "test",
        "source_id": "fridge",
        "name": "fridge",
        "kind": "appliance",
        "unit": "W",
        "included_in": None,
        "household_meter": False,
        "energy_today_kwh": 0.75,
        "energy_month_kwh": 5.75,
        "cost_today": None,
        "cost_month": None,
    }
    assert devices["grid"]["household_meter"] is True
    assert (devices["grid"]["energy_today_kwh"], devices["grid"]["energy_month_kwh"]) == (2.0, 12.0)
    assert (devices["lamp"]["energy_today_kwh"], devices["lamp"]["energy_month_kwh"]) == (0.0, 0.0)
    # The grid meter measures the household; appliances are part of it.
    assert body["household"]["energy_today_kwh"] == 2.0
    assert body["household"]["energy_month_kwh"] == 12.0


async def test_household_without_mains_meter_sums_appliances(pool: asyncpg.Pool) -> None:
    fridge = await add_device(pool, "fridge")
    lamp = await add_device(pool, "lamp")
    solar = await add_device(pool, "roof", "solar")
    kettle = await add_device(pool, "kettle")  # on the lamp's sub-meter: counted in it
    await pool.execute("UPDATE devices SET included_in = $1 WHERE id = $2", lamp, kettle)
    for device, kwh in ((fridge, 1.5), (lamp, 0.25), (solar, 9.0), (kettle, 0.125)):
        await _hourly(pool, device, _utc(2026, 3, 29, 8), kwh)
    body = await _summary(_state(pool))
    assert body["household"]["energy_today_kwh"] == 1.75
    devices = {device["name"]: device for device in body["devices"]}
    assert (devices["kettle"]["included_in"], devices["kettle"]["household_meter"]) == (lamp, False)
    assert devices["lamp"]["household_meter"] is True


async def test_costs_are_exact_decimal_strings(pool: asyncpg.Pool) -> None:
    grid = await add_device(pool, "grid", "grid", "kWh")
    fridge = await add_device(pool, "fridge")
    lamp = await add_device(pool, "lamp")
    tariff = await _tariff(pool)
    await _cost(pool, fridge, tariff, _utc(2026, 2, 28, 22), "9.99")  # February, local
    await _cost(pool, fridge, tariff, _utc(2026, 2, 28, 23), "0.10000001")  # 1 March 00:00
    await _cost(pool, fridge, tariff, _utc(2026, 3, 28, 23), "0.125")  # today 00:00
    await _cost(pool, fridge, tariff, _utc(2026, 3, 29, 9), "5", currency="USD")  # not the engine's
    await _cost(pool, grid, tariff, _utc(2026, 3, 29, 5), "0.6")
    await _cost(pool, grid, tariff, _utc(2026, 3, 29, 22), "1")  # tomorrow, local

    body = await _summary(_state(pool))
    costs = {d["id"]: (d["cost_today"], d["cost_month"]) for d in body["devices"]}
    assert costs == {
        grid: ("0.6", "0.6"),
        fridge: ("0.125", "0.22500001"),
        lamp: ("0", "0"),
    }
    assert (body["household"]["cost_today"], body["household"]["cost_month"]) == ("0.6", "0.6")


async def test_cloud_accounts_and_budgets(pool: asyncpg.Pool) -> None:
    grid = await add_device(pool, "grid", "grid", "kWh")
    fridge = await add_device(pool, "fridge")
    azure = await add_device(pool, "azure", "cloud_account", None)
    aws = await add_device(pool, "aws", "cloud_account", None)
    tariff = await _tariff(pool)
    await _cost(pool, grid, tariff, _utc(2026, 3, 29, 5), "0.6")
    await _cost(pool, grid, tariff, _utc(2026, 3, 2, 5), "1.4")
    await _cost(pool, fridge, tariff, _utc(2026, 3, 29, 6), "0.125")
    for day, dimension, value, amount, estimated in (
        (date(2026, 2, 28), "total", "", "50", False),
        (date(2026, 3, 1), "total", "", "1.50", False),
        (date(2026, 3, 1), "service", "Virtual Machines", "1.50", False),
        (date(2026, 3, 28), "total", "", "0", False),
        (date(2026, 3, 28), "service", "Storage", "0.5", False),
        (date(2026, 3, 28), "service", "Backup", "0.5", False),
        (date(2026, 3, 28), "service", "DNS", "0.25", False),
        (date(2026, 3, 28), "service", "Bandwidth", "0.125", False),
        (date(2026, 3, 29), "total", "", "2.25", True),
    ):
        await pool.execute(
            "INSERT INTO cloud_costs (device_id, day, dimension, dimension_value, amount,"
            " currency, estimated) VALUES ($1, $2, $3, $4, $5, 'USD', $6)",
            azure,
            day,
            dimension,
            value,
            Decimal(amount),
            estimated,
        )
    await pool.execute(
        "INSERT INTO cloud_forecasts (device_id, month, amount, currency)"
        " VALUES ($1, '2026-03-01', 40, 'USD'), ($1, '2026-02-01', 99, 'USD')",
        azure,
    )
    budgets = [
        ("house month", "household", None, "month", "100", "EUR"),
        ("fridge day", "device", fridge, "day", "1", "EUR"),
        ("fridge in dollars", "device", fridge, "month", "1", "USD"),
        ("azure month", "cloud_account", azure, "month", "50", "USD"),
        ("clouds today", "cloud_total", None, "day", "10", "USD"),
        ("house cycle", "household", None, "billing_cycle", "80", "EUR"),
    ]
    for name, scope, device, period, amount, currency in budgets:
        await pool.execute(
            "INSERT INTO budgets (name, scope, device_id, period, amount, currency)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            name,
            scope,
            device,
            period,
            Decimal(amount),
            currency,
        )

    body = await _summary(_state(pool))
    assert [device["id"] for device in body["devices"]] == [grid, fridge]
    azure_account, aws_account = body["cloud"]["accounts"]
    fetched_at = azure_account.pop("fetched_at")
    assert datetime.fromisoformat(fetched_at).tzinfo is not None
    assert azure_account == {
        "device_id": azure,
        "name": "azure",
        "currency": "USD",
        "today": "2.25",
        "yesterday": "0",
        "month_to_date": "3.75",
        "forecast": "40",
        "estimated": True,
        # The three largest this month, ties by name; Bandwidth is left out.
        "top_services": [
            {"name": "Virtual Machines", "amount": "1.5"},
            {"name": "Backup", "amount": "0.5"},
            {"name": "Storage", "amount": "0.5"},
        ],
    }
    assert aws_account == {
        "device_id": aws,
        "name": "aws",
        "currency": None,
        "today": None,
        "yesterday": None,
        "month_to_date": None,
        "forecast": None,
        "estimated": None,
        "fetched_at": None,
        "top_services": [],
    }
    spent = {budget["name"]: (budget["amount"], budget["spent"]) for budget in body["budgets"]}
    assert spent == {
        "house month": ("100", "2"),
        "fridge day": ("1", "0.125"),
        "fridge in dollars": ("1", None),
        "azure month": ("50", "3.75"),
        "clouds today": ("10", "2.25"),
        "house cycle": ("80", None),
    }
    house = body["budgets"][0]
    assert house == {
        "id": house["id"],
        "name": "house month",
        "scope": "household",
        "device_id": None,
        "period": "month",
        "amount": "100",
        "currency": "EUR",
        "thresholds": [100],
        "spent": "2",
    }


async def test_without_tariff_budgets_on_energy_are_unknown(pool: asyncpg.Pool) -> None:
    await add_device(pool, "grid", "grid", "kWh")
    await pool.execute(
        "INSERT INTO budgets (name, scope, period, amount, currency)"
        " VALUES ('house', 'household', 'day', 5, 'EUR')"
    )
    body = await _summary(_state(pool))
    assert body["devices"][0]["cost_today"] is None
    assert body["budgets"][0]["spent"] is None


async def test_without_database_503() -> None:
    async with client(engine_state()) as session, session.get("/api/v1/summary") as resp:
        assert resp.status == 503
        assert resp.headers["Retry-After"] == "5"
        assert (await resp.json())["error"]["code"] == "database_unavailable"


async def test_cloud_yesterday_on_the_first_of_the_month(pool: asyncpg.Pool) -> None:
    """On the 1st, yesterday is the previous month's last day; it is not in the month so far."""
    azure = await add_device(pool, "azure", "cloud_account", None)
    for day, amount in ((date(2026, 3, 31), "4"), (date(2026, 4, 1), "1.5")):
        await pool.execute(
            "INSERT INTO cloud_costs (device_id, day, dimension, amount, currency)"
            " VALUES ($1, $2, 'total', $3, 'USD')",
            azure,
            day,
            Decimal(amount),
        )
    first = engine_state(
        pool, timezone=BERLIN, currency="EUR", clock=lambda: datetime(2026, 4, 1, 8, tzinfo=UTC)
    )
    (account,) = (await _summary(first))["cloud"]["accounts"]
    assert (account["yesterday"], account["today"], account["month_to_date"]) == (
        "4",
        "1.5",
        "1.5",
    )
