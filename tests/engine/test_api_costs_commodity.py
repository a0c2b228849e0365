"""Gas and water costs on a real database: written by the tariff service, read by `/costs`.

The household of `test_api_ledger` (London, 10 November 2026, 12:30): its gas meter counts m³
under a tariff per kWh (calorific values per period, the cycle from the 20th across the October
DST change), its water meter m³ under daily tiers with sewage on 95 % (the cycle from the 15th),
a shower inside the water meter. Each hour's cost is the hour's quantity times its rate,
rounded to 1e-8 as every stored cost is; the sums are hand-computed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import asyncpg
import pytest

from aetherlens_engine.pricing.service import TariffService
from aetherlens_engine.pricing.store.tariffs import save_tariff
from aetherlens_engine.tariffs.source import native_definition
from tests.engine.checked_api import checked
from tests.engine.test_api_ledger import LONDON, NOW, _household
from tests.engine.test_api_support import client, engine_state, migrate
from tests.engine.test_bill_ledger import GAS

D = Decimal
RATE_GAS = D("0.0624") * D("1.05")  # a kWh with VAT
TIER_1 = (D("1.80") + D("0.95") * D("2.10")) * D("1.07")  # a m³ with sewage and tax
TIER_2 = (D("2.40") + D("0.95") * D("2.10")) * D("1.07")


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    await migrate(db_pool)
    return db_pool


def stored(amount: Decimal) -> Decimal:
    """Round as a stored hour's cost is (numeric(20, 8))."""
    return amount.quantize(D("1e-8"), ROUND_HALF_UP)


def gas_hour(calorific_value: str) -> Decimal:
    """An hour's 0.1 m³ of gas at the calorific value, as stored."""
    return stored(D("0.1") * D("1.02264") * D(calorific_value) / D("3.6") * RATE_GAS)


def local_day(start: str) -> str:
    return datetime.fromisoformat(start).astimezone(LONDON).date().isoformat()


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(D("0.01"), ROUND_HALF_UP)


async def _priced(pool: asyncpg.Pool) -> TariffService:
    """The household with every commodity's costs recomputed by the service."""
    await _household(pool)
    service = TariffService(pool, LONDON, clock=lambda: NOW)
    await service.start()
    for name in ("flat", GAS["name"], "City water"):
        await service.activate(name)
        await service.wait_settled()
    return service


async def _costs(pool: asyncpg.Pool, **query: str) -> Any:
    state = engine_state(pool, timezone=LONDON, currency="GBP", clock=lambda: NOW)
    async with client(state) as session:
        status, body = await checked(session, "get", "/api/v1/costs", params=query)
    assert status == 200, body
    return body


async def test_gas_costs_per_day_convert_each_period_across_dst(pool: asyncpg.Pool) -> None:
    service = await _priced(pool)
    await service.stop()
    body = await _costs(
        pool,
        commodity="gas",
        start="2026-10-24T00:00:00+01:00",
        end="2026-11-02T00:00:00+00:00",
    )
    assert body["commodity"] == "gas"
    days = {local_day(row["start"]): row for row in body["rows"]}
    # 25 October has 25 hours (BST ends): 2.5 m³ at October's 39.2 MJ/m³.
    assert days["2026-10-25"]["energy_kwh"] == pytest.approx(2.5)
    assert D(days["2026-10-25"]["cost"]) == 25 * gas_hour("39.2")
    assert D(days["2026-10-24"]["cost"]) == 24 * gas_hour("39.2")
    # November's first day at its own calorific value.
    assert D(days["2026-11-01"]["cost"]) == 24 * gas_hour("39.6")


async def test_each_commodity_and_the_ledger_agree_to_the_cent(pool: asyncpg.Pool) -> None:
    service = await _priced(pool)
    await service.stop()
    month = {"start": "2026-11-01T00:00:00+00:00", "end": "2026-12-01T00:00:00+00:00"}
    totals = {
        commodity: D(
            (await _costs(pool, commodity=commodity, resolution="month", **month))["total"]["cost"]
        )
        for commodity in ("electricity", "gas", "water")
    }
    assert totals["electricity"] == D("57.25")
    assert totals["gas"] == 229 * gas_hour("39.6")
    # Water from its cycle's start on 15 October: November's first 56 hours in the first tier.
    assert totals["water"] == 56 * stored(D("0.01") * TIER_1) + 173 * stored(D("0.01") * TIER_2)

    state = engine_state(pool, timezone=LONDON, currency="GBP", clock=lambda: NOW)
    async with client(state) as session:
        status, ledger = await checked(session, "get", "/api/v1/ledger")
    assert status == 200
    parts = {part["commodity"]: D(part["month"]) for part in ledger["parts"]}
    for commodity, total in totals.items():
        assert cents(parts[commodity]) == cents(total), commodity
    assert cents(D(ledger["total"]["month"])) == cents(sum(totals.values()) + D("15"))


async def test_water_by_device_is_the_shower_and_the_rest_of_the_house(
    pool: asyncpg.Pool,
) -> None:
    service = await _priced(pool)
    await service.stop()
    body = await _costs(
        pool,
        commodity="water",
        group="device",
        start="2026-11-10T00:00:00+00:00",
        end="2026-11-11T00:00:00+00:00",
    )
    shower, rest = body["rows"]
    assert rest["device_id"] is None
    # 13 hours today, all in the second tier: the shower's 0.004 m³ of the meter's 0.01.
    assert D(shower["cost"]) == 13 * stored(D("0.004") * TIER_2)
    assert D(shower["cost"]) + D(rest["cost"]) == D(body["total"]["cost"])
    assert D(body["total"]["cost"]) == 13 * stored(D("0.01") * TIER_2)


async def test_a_new_gas_version_recomputes_gas_only(pool: asyncpg.Pool) -> None:
    service = await _priced(pool)
    electricity = await pool.fetch(
        "SELECT * FROM cost_daily JOIN devices ON id = device_id WHERE commodity = 'electricity'"
    )
    dearer = native_definition(GAS | {"energy": {"price": "0.0700"}})
    await service.save(dearer, datetime(2026, 11, 5, tzinfo=UTC), activate=False)
    status = await service.wait_settled()
    await service.stop()
    assert (status.state, status.tariff) == ("done", GAS["name"])
    day = {"start": "2026-11-06T00:00:00+00:00", "end": "2026-11-07T00:00:00+00:00"}
    after = D((await _costs(pool, commodity="gas", **day))["total"]["cost"])
    kwh = D("0.1") * D("1.02264") * D("39.6") / D("3.6")
    assert after == 24 * stored(kwh * D("0.0700") * D("1.05"))
    before = {"start": "2026-11-04T00:00:00+00:00", "end": "2026-11-05T00:00:00+00:00"}
    assert D((await _costs(pool, commodity="gas", **before))["total"]["cost"]) == (
        24 * gas_hour("39.6")
    )
    assert electricity == await pool.fetch(
        "SELECT * FROM cost_daily JOIN devices ON id = device_id WHERE commodity = 'electricity'"
    )


async def test_a_device_of_another_commodity_is_refused(pool: asyncpg.Pool) -> None:
    await _household(pool)
    gas = await pool.fetchval("SELECT id FROM devices WHERE name = 'gas'")
    state = engine_state(pool, timezone=LONDON, currency="GBP", clock=lambda: NOW)
    query = {"start": "2026-11-01T00:00:00Z", "end": "2026-11-02T00:00:00Z"}
    async with client(state) as session:
        status, body = await checked(
            session,
            "get",
            "/api/v1/costs",
            params=query | {"device_id": str(gas), "commodity": "water"},
        )
        assert (status, body["error"]["message"]) == (
            400,
            f"commodity: device {gas} meters gas, not water",
        )
        status, body = await checked(
            session, "get", "/api/v1/costs", params=query | {"device_id": str(gas)}
        )
    assert (status, body["commodity"]) == (200, "gas")


PER_M3: dict[str, Any] = {
    "name": "Gas per m3",
    "commodity": "gas",
    "currency": "GBP",
    "timezone": "Europe/London",
    "cycle_day": 20,
    "energy": {"price": "0.70"},
}
NOVEMBER = {"start": "2026-11-01T00:00:00+00:00", "end": "2026-11-10T00:00:00+00:00"}


async def _post(pool: asyncpg.Pool, route: str, body: dict[str, Any]) -> tuple[int, Any]:
    state = engine_state(pool, timezone=LONDON, currency="GBP", clock=lambda: NOW)
    async with client(state) as session:
        return await checked(session, "post", route, json=body)


async def test_a_gas_tariff_is_compared_on_gas_usage_in_its_own_unit(pool: asyncpg.Pool) -> None:
    """216 hours of 0.1 m³: 21.6 m³ per m³, or its kWh under the active tariff per kWh."""
    await _household(pool)
    status, body = await _post(pool, "/api/v1/compare", {"definition": PER_M3, **NOVEMBER})
    assert status == 200, body
    current, alternative = body["current"], body["alternative"]
    assert (current["tariff"], alternative["tariff"]) == (GAS["name"], "Gas per m3")
    assert alternative["cycles"][0]["import_kwh"] == "21.600"
    assert alternative["total"] == "15.12"  # 21.6 x 0.70
    kwh = D("21.6") * D("1.02264") * D("39.6") / D("3.6")
    assert D(current["cycles"][0]["import_kwh"]) == kwh.quantize(D("0.001"))
    assert D(body["difference"]) == D("15.12") - D(current["total"])
    assert body["recorded"] == {"hours": 216, "of_hours": 216}


async def test_water_tariffs_are_ranked_on_water_usage(pool: asyncpg.Pool) -> None:
    await _household(pool)
    flat_water = {
        "name": "Flat water",
        "commodity": "water",
        "currency": "GBP",
        "timezone": "Europe/London",
        "energy": {"price": "3"},
    }
    status, body = await _post(
        pool, "/api/v1/rank", {"commodity": "water", "definitions": [flat_water], **NOVEMBER}
    )
    assert status == 200, body
    bills = {ranked["source"]: ranked for ranked in body["bills"]}
    assert set(bills) == {"City water", "definitions[0]"}
    assert bills["City water"]["reference"]
    # The water meter's 2.16 m³ (the shower inside it is not counted again) at 3.
    assert bills["definitions[0]"]["total"] == "6.48"
    assert body["recorded"] == {"hours": 216, "of_hours": 216}


async def test_a_tariff_of_another_commodity_cannot_be_ranked(pool: asyncpg.Pool) -> None:
    await _household(pool)
    async with pool.acquire() as conn:
        await save_tariff(conn, PER_M3, datetime(2026, 1, 1, tzinfo=UTC))
    status, body = await _post(
        pool, "/api/v1/rank", {"commodity": "gas", "tariffs": ["flat"], **NOVEMBER}
    )
    assert (status, body["error"]["message"]) == (
        409,
        "flat: tariff 'flat' prices electricity: it cannot bill the household's gas",
    )
    # Without names: the commodity's stored tariffs.
    status, body = await _post(pool, "/api/v1/rank", {"commodity": "gas", **NOVEMBER})
    assert status == 200, body
    assert [ranked["source"] for ranked in body["bills"]] == ["Gas per m3", GAS["name"]]


async def test_the_summary_has_each_commodity_and_its_budgets(pool: asyncpg.Pool) -> None:
    service = await _priced(pool)
    await service.stop()
    await pool.executemany(
        "INSERT INTO budgets (name, scope, period, amount, currency) VALUES ($1, $2, $3, 100, $4)",
        [
            ("gas month", "gas", "month", "GBP"),
            ("gas cycle", "gas", "billing_cycle", "GBP"),
            ("water today", "water", "day", "GBP"),
            ("water in euros", "water", "day", "EUR"),
        ],
    )
    state = engine_state(pool, timezone=LONDON, currency="GBP", clock=lambda: NOW)
    async with client(state) as session:
        status, body = await checked(session, "get", "/api/v1/summary")
        assert status == 200, body
        status, ledger = await checked(session, "get", "/api/v1/ledger")
    spends = {spend["commodity"]: spend for spend in body["commodities"]}
    assert list(spends) == ["electricity", "gas", "water"]
    assert (spends["electricity"]["cost_today"], spends["electricity"]["cost_month"]) == (
        body["household"]["cost_today"],
        body["household"]["cost_month"],
    )
    assert D(spends["gas"]["cost_month"]) == 229 * gas_hour("39.6")
    assert D(spends["water"]["cost_today"]) == 13 * stored(D("0.01") * TIER_2)
    spent = {budget["name"]: budget["spent"] for budget in body["budgets"]}
    assert D(spent["gas month"]) == D(spends["gas"]["cost_month"])
    assert D(spent["water today"]) == D(spends["water"]["cost_today"])
    assert spent["water in euros"] is None
    # The gas cycle so far is the ledger's: its bill from 20 October, standing charges in.
    parts = {part["commodity"]: part for part in ledger["parts"]}
    assert spent["gas cycle"] == parts["gas"]["cycle_so_far"]
