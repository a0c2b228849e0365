"""A tariff per grid connection, on a real database, through the API and the tariff service.

A London household in March 2026 (clocks go forward on the 29th: a 23-hour day): the house's
grid connection (1 kWh an hour) on the active tariff, flat 0.30; the heat pump's own connection
(2 kWh an hour, its compressor inside its meter 0.5) on a tariff of its own, billed from the
15th: the first 100 kWh of a cycle at 0.20, then 0.25. Each figure is hand-computed.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from aetherlens_engine.api import ApiLimits
from aetherlens_engine.api.openapi import build_spec
from aetherlens_engine.pricing.service import TariffService
from aetherlens_engine.pricing.store.tariffs import save_tariff
from aetherlens_engine.tariffs.source import native_definition
from tests.engine.checked_api import SPEC, checked
from tests.engine.test_api_openapi import Answer, Call, _operations, check_answer
from tests.engine.test_api_support import add_device, client, engine_state, migrate
from tests.engine.test_bill_ledger import GAS

D = Decimal
HOUR = timedelta(hours=1)
LONDON = ZoneInfo("Europe/London")
FIRST = datetime(2026, 3, 1, tzinfo=UTC)
NOW = datetime(2026, 4, 1, tzinfo=UTC)
HOUSE = "sensor.house_import"
HEAT_PUMP = "sensor.heat_pump_import"


def flat(name: str, price: str) -> dict[str, Any]:
    return {
        "name": name,
        "currency": "GBP",
        "timezone": "Europe/London",
        "energy": {"price": price},
    }


def tiered(name: str, first: str, then: str) -> dict[str, Any]:
    return {
        "name": name,
        "currency": "GBP",
        "timezone": "Europe/London",
        "cycle_day": 15,
        "energy": {
            "tiers": {"unit": "cycle"},
            "periods": [
                {"name": "all", "tiers": [{"up_to": "100", "price": first}, {"price": then}]}
            ],
        },
    }


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    await migrate(db_pool)
    return db_pool


async def _meter(pool: asyncpg.Pool, name: str, connection: str) -> int:
    device = await add_device(pool, name, "grid", "kWh")
    await pool.execute(
        "UPDATE devices SET connection = $2, flow = 'import' WHERE id = $1", device, connection
    )
    return device


@pytest.fixture
async def service(pool: asyncpg.Pool) -> AsyncIterator[TariffService]:
    house = await _meter(pool, "house", HOUSE)
    heat_pump = await _meter(pool, "heat pump", HEAT_PUMP)
    compressor = await add_device(pool, "compressor", "appliance", "kWh")
    await pool.execute("UPDATE devices SET included_in = $1 WHERE id = $2", heat_pump, compressor)
    hours = [FIRST + n * HOUR for n in range(int((NOW - FIRST) / HOUR))]
    await pool.executemany(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, $3, 1)",
        [
            (d, h, kwh)
            for h in hours
            for d, kwh in ((house, 1.0), (heat_pump, 2.0), (compressor, 0.5))
        ],
    )
    async with pool.acquire() as conn:
        for definition in (flat("house", "0.30"), tiered("heat pump", "0.20", "0.25"), GAS):
            await save_tariff(conn, definition, datetime(2026, 1, 1, tzinfo=UTC))
    tariffs = TariffService(pool, LONDON, clock=lambda: NOW)
    await tariffs.start()
    await tariffs.activate("house")
    await tariffs.wait_settled()
    yield tariffs
    await tariffs.stop()


async def _day(pool: asyncpg.Pool, day: str, **query: str) -> Any:
    start = datetime.fromisoformat(day).replace(tzinfo=LONDON)
    end = (start + timedelta(days=1)).replace(tzinfo=LONDON)  # the local next midnight
    state = engine_state(pool, timezone=LONDON, currency="GBP", clock=lambda: NOW)
    async with client(state) as session:
        status, body = await checked(
            session,
            "get",
            "/api/v1/costs",
            params={"start": start.isoformat(), "end": end.isoformat(), **query},
        )
    assert status == 200, body
    return body


async def _attach(pool: asyncpg.Pool, service: TariffService, name: str, grid: str) -> Any:
    state = engine_state(
        pool, timezone=LONDON, currency="GBP", clock=lambda: NOW, tariff_service=service
    )
    async with client(state) as session:
        path = f"/api/v1/tariffs/{name}/activate"
        async with session.post(path, params={"connection": grid}) as resp:
            text = await resp.text()
            answer = Answer(
                "/api/v1/tariffs/{name}/activate",
                "post",
                resp.status,
                resp.content_type,
                dict(resp.headers),
                text,
            )
        check_answer(SPEC, answer)
        status, body = answer.status, json.loads(text)
        await service.wait_settled()
        listed = await checked(session, "get", "/api/v1/tariffs")
    return status, body, listed[1]


async def test_the_heat_pump_pays_its_own_tariff_on_its_own_cycle(
    pool: asyncpg.Pool, service: TariffService
) -> None:
    # Before: the active tariff prices both connections, 3 kWh an hour at 0.30.
    assert D((await _day(pool, "2026-03-15"))["total"]["cost"]) == 24 * 3 * D("0.30")

    status, body, listed = await _attach(pool, service, "heat pump", HEAT_PUMP)
    assert status == 200, body
    assert (body["active"], body["connection"]) == ("heat pump", HEAT_PUMP)
    assert listed["active"] == "house"
    assert listed["connections"] == [{"connection": HEAT_PUMP, "tariff": "heat pump"}]

    # 15 March starts the heat pump's cycle: its 48 kWh in the first tier; the house at 0.30.
    day = await _day(pool, "2026-03-15")
    assert D(day["total"]["cost"]) == 24 * D("0.30") + 48 * D("0.20")
    # The day before ends the previous cycle, long past its first 100 kWh.
    assert D((await _day(pool, "2026-03-14"))["total"]["cost"]) == 24 * D("0.30") + 48 * D("0.25")
    # The 16th still in the first tier (96 kWh); the 17th's first 2 hours make it 100.
    assert D((await _day(pool, "2026-03-16"))["total"]["cost"]) == 24 * D("0.30") + 48 * D("0.20")
    assert D((await _day(pool, "2026-03-17"))["total"]["cost"]) == (
        24 * D("0.30") + 4 * D("0.20") + 44 * D("0.25")
    )
    # 29 March, 23 hours (BST from 01:00 UTC).
    assert D((await _day(pool, "2026-03-29"))["total"]["cost"]) == 23 * (D("0.30") + 2 * D("0.25"))

    # The compressor inside the heat pump's meter pays the heat pump's rates.
    by_device = await _day(pool, "2026-03-15", group="device")
    costs = {row["device_id"]: D(row["cost"]) for row in by_device["rows"]}
    compressor = await pool.fetchval("SELECT id FROM devices WHERE name = 'compressor'")
    assert costs[compressor] == 24 * D("0.5") * D("0.20")
    assert sum(costs.values()) == D(by_device["total"]["cost"])


async def test_a_new_version_recomputes_the_connection_only(
    pool: asyncpg.Pool, service: TariffService
) -> None:
    await _attach(pool, service, "heat pump", HEAT_PUMP)
    house = "SELECT hour, price FROM cost_rates WHERE connection = '' ORDER BY hour"
    before = await pool.fetch(house)
    dearer = native_definition(tiered("heat pump", "0.22", "0.27"))
    stored, priced = await service.save(dearer, datetime(2026, 3, 25, tzinfo=UTC), activate=False)
    assert (stored.version, priced) == (2, True)
    await service.wait_settled()
    assert D((await _day(pool, "2026-03-29"))["total"]["cost"]) == 23 * (D("0.30") + 2 * D("0.27"))
    assert await pool.fetch(house) == before


@pytest.mark.parametrize(
    ("name", "grid", "message"),
    [
        (GAS["name"], HEAT_PUMP, "prices gas; a grid connection's tariff prices electricity"),
        ("heat pump", "sensor.garage", "no grid connection 'sensor.garage' is recorded"),
    ],
)
async def test_a_gas_tariff_or_an_unknown_connection_is_refused(
    pool: asyncpg.Pool, service: TariffService, name: str, grid: str, message: str
) -> None:
    status, body, listed = await _attach(pool, service, name, grid)
    assert status == 422
    assert message in body["error"]["message"]
    assert listed["connections"] == []


async def test_detaching_leaves_the_connection_to_the_active_tariff(
    pool: asyncpg.Pool, service: TariffService
) -> None:
    await _attach(pool, service, "heat pump", HEAT_PUMP)
    state = engine_state(
        pool, timezone=LONDON, currency="GBP", clock=lambda: NOW, tariff_service=service
    )
    route = "/api/v1/connections/{connection}/tariff"
    path = f"/api/v1/connections/{HEAT_PUMP}/tariff"
    async with client(state) as session:
        status, body = await checked(session, "delete", route, path=path)
        assert status == 200, body
        assert (body["connection"], body["tariff"]) == (HEAT_PUMP, "heat pump")
        await service.wait_settled()
        listed = (await checked(session, "get", "/api/v1/tariffs"))[1]
        again = await checked(session, "delete", route, path=path)
    assert listed["connections"] == []
    assert again[0] == 404
    assert f"{HEAT_PUMP!r} has no tariff of its own" in again[1]["error"]["message"]
    # Both connections at the active tariff's 0.30 again, and no rates of the heat pump's left.
    assert D((await _day(pool, "2026-03-15"))["total"]["cost"]) == 24 * 3 * D("0.30")
    assert D((await _day(pool, "2026-03-29"))["total"]["cost"]) == 23 * 3 * D("0.30")
    assert not await pool.fetchval("SELECT count(*) FROM cost_rates WHERE connection <> ''")


async def test_the_detach_routes_answers_fit_the_document(
    pool: asyncpg.Pool, service: TariffService
) -> None:
    """Every documented answer of DELETE /connections/{connection}/tariff but 500."""
    await _attach(pool, service, "heat pump", HEAT_PUMP)
    route = "/api/v1/connections/{connection}/tariff"
    calls = [
        Call(route, "delete", f"/api/v1/connections/{HEAT_PUMP}/tariff"),
        Call(route, "delete", "/api/v1/connections/sensor.garage/tariff"),
        Call(route, "delete", "/api/v1/connections/sensor.%00/tariff"),
    ]

    def state(**fields: Any) -> Any:
        return engine_state(pool, timezone=LONDON, clock=lambda: NOW, **fields)

    async with client(state(tariff_service=service)) as session:
        answers = [await call.send(session) for call in calls]
    await service.wait_settled()
    async with client(state(tariff_service=service), headers={}) as session:
        answers += [await call.send(session) for call in calls]
    limits = ApiLimits(requests_per_second=0.001, request_burst=1)
    async with client(state(tariff_service=service, limits=limits)) as session:
        await Call("/api/v1/recompute").send(session)  # spends the only token
        answers += [await call.send(session) for call in calls]
    async with client(state()) as session:  # no tariff service: read-only
        answers += [await call.send(session) for call in calls]

    spec = build_spec("1", 10)
    for answer in answers:
        check_answer(spec, answer)
    seen = {(a.route, a.method, str(a.status)) for a in answers}
    documented = {
        (route, method, status)
        for method, operation in spec["paths"][route].items()
        for status in operation["responses"]
    }
    assert documented - seen <= {(p, m, "500") for p, m in _operations(spec)}
