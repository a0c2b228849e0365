"""The tariff routes over real HTTP on a real database; their answers against the OpenAPI spec."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
import pytest

from aetherlens_engine.api import ApiLimits, EngineState
from aetherlens_engine.api.openapi import build_spec
from aetherlens_engine.pricing.service import TariffService
from aetherlens_engine.pricing.store.tariffs import active_tariff_names
from tests.engine.test_api_openapi import Answer, Call, _operations, check_answer
from tests.engine.test_api_support import add_device, client, engine_state, migrate

NOW = datetime(2024, 10, 28, 12, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
FIRST_HOUR = datetime(2024, 10, 26, tzinfo=UTC)
TOU: dict[str, Any] = {
    "name": "ignored: the body's name wins",
    "currency": "EUR",
    "timezone": "Europe/Berlin",
    "energy": {
        "periods": [
            {"name": "night", "start": "00:00", "end": "07:30", "price": "0.20"},
            {"name": "day", "start": "07:30", "end": "24:00", "price": "0.30"},
        ]
    },
    "taxes": [{"name": "VAT", "percent": 10}],
}
URDB: dict[str, Any] = {
    "name": "Residential",
    "utility": "Example Power",
    "energyratestructure": [[{"rate": 0.12}]],
    "energyweekdayschedule": [[0] * 24] * 12,
    "energyweekendschedule": [[0] * 24] * 12,
    "coincidentratestructure": [[{"rate": 1}]],
}
TARIFF_ROUTES = ("/api/v1/tariffs", "/api/v1/recompute")


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    await migrate(db_pool)
    grid = await add_device(db_pool, "grid", "grid", "kWh")
    await db_pool.executemany(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, 1, 1)",
        [
            (
                grid,
                FIRST_HOUR + timedelta(hours=h),
            )
            for h in range(48)
        ],
    )
    return db_pool


@pytest.fixture
async def service(pool: asyncpg.Pool) -> AsyncIterator[TariffService]:
    tariffs = TariffService(pool, BERLIN, clock=lambda: NOW)
    await tariffs.start()
    yield tariffs
    await tariffs.stop()


def state_of(pool: asyncpg.Pool | None, service: TariffService | None, **kw: Any) -> EngineState:
    return engine_state(pool, timezone=BERLIN, clock=lambda: NOW, tariff_service=service, **kw)


async def send(session: aiohttp.ClientSession, method: str, path: str, **kw: Any) -> Any:
    async with session.request(method, path, **kw) as resp:
        text = await resp.text()
        return resp.status, json.loads(text) if text else None


async def test_save_read_activate_delete(pool: asyncpg.Pool, service: TariffService) -> None:
    async with client(state_of(pool, service)) as session:
        status, body = await send(
            session, "post", "/api/v1/tariffs", json={"name": "home", "definition": TOU}
        )
        assert status == 201
        assert body["version"] == 1
        assert body["valid_from"] == "1970-01-01T00:00:00+00:00"  # the first version: always
        assert (body["active"], body["recompute"], body["unsupported"]) == (False, None, [])

        status, body = await send(session, "post", "/api/v1/tariffs/home/activate")
        assert status == 200
        assert body["active"] == "home"
        assert body["recompute"]["state"] == "running"
        assert (await service.wait_settled()).generation == 1
        status, body = await send(session, "get", "/api/v1/recompute")
        assert status == 200
        assert body["state"] == "done"
        # From the first hour with energy to now (energy in 48 of them).
        assert (body["hours_total"], body["hours_done"], body["progress"]) == (60, 60, 1.0)
        assert body["start"] == FIRST_HOUR.isoformat()
        assert await pool.fetchval("SELECT count(*) FROM cost_hourly") == 48

        later = {"name": "home", "definition": TOU, "valid_from": "2024-10-27T12:00:00+01:00"}
        status, body = await send(session, "post", "/api/v1/tariffs", json=later)
        assert status == 201
        assert (body["version"], body["active"]) == (2, True)
        assert body["recompute"]["start"] == "2024-10-27T11:00:00+00:00"
        await service.wait_settled()

        status, body = await send(
            session, "post", "/api/v1/tariffs", json={"name": "other", "definition": TOU}
        )
        assert status == 201
        status, body = await send(session, "get", "/api/v1/tariffs")
        assert status == 200
        assert body["active"] == "home"
        assert [(t["name"], t["version"], t["active"]) for t in body["tariffs"]] == [
            ("home", 2, True),
            ("other", 1, False),
        ]
        status, body = await send(session, "get", "/api/v1/tariffs/home")
        assert status == 200
        assert [v["version"] for v in body["versions"]] == [1, 2]
        assert body["versions"][0]["valid_to"] == "2024-10-27T11:00:00+00:00"
        assert body["versions"][1]["definition"]["name"] == "home"

        status, body = await send(session, "delete", "/api/v1/tariffs/home")
        assert status == 409
        assert body["error"]["code"] == "active_tariff"
        status, _ = await send(session, "delete", "/api/v1/tariffs/other")
        assert status == 204
        for method, path in (
            ("get", "/api/v1/tariffs/other"),
            ("delete", "/api/v1/tariffs/other"),
            ("post", "/api/v1/tariffs/other/activate"),
            ("get", "/api/v1/tariffs/other/calendar"),
        ):
            status, body = await send(session, method, path)
            assert (status, body["error"]["code"]) == (404, "unknown_tariff"), path


async def test_invalid_tariffs_name_the_field(pool: asyncpg.Pool, service: TariffService) -> None:
    overlapping = json.loads(json.dumps(TOU))
    overlapping["energy"]["periods"][1]["start"] = "07:00"
    negative = {**TOU, "energy": {"periods": [
        {"name": "all", "tiers": [{"up_to": -5, "price": "0.1"}, {"price": "0.2"}]}
    ]}}  # fmt: skip
    async with client(state_of(pool, service)) as session:
        status, body = await send(
            session, "post", "/api/v1/tariffs/validate", json={"definition": overlapping}
        )
        assert status == 422
        assert body["valid"] is False
        (error,) = body["errors"]
        assert error["path"] == "energy.periods[1]"
        assert "overlaps energy.periods[0]" in error["message"]

        status, body = await send(
            session, "post", "/api/v1/tariffs", json={"name": "bad", "definition": negative}
        )
        assert status == 422
        assert body["error"]["code"] == "invalid_tariff"
        assert body["error"]["details"][0]["path"] == "energy.periods[0].tiers[0].up_to"

        bad_zone = {**TOU, "timezone": "Mars/Olympus"}
        status, body = await send(
            session, "post", "/api/v1/tariffs/validate", json={"definition": bad_zone}
        )
        assert (status, body["errors"][0]["path"]) == (422, "timezone")

        status, body = await send(
            session, "post", "/api/v1/tariffs", json={"name": "home", "definition": TOU}
        )
        assert status == 201
        early = {"name": "home", "definition": TOU, "valid_from": "1970-01-01T00:00:00Z"}
        status, body = await send(session, "post", "/api/v1/tariffs", json=early)
        assert status == 422
        assert body["error"]["details"][0]["path"] == "valid_from"

        for bad_body in (
            [TOU],
            {"definition": TOU},
            {"name": "x", "definition": TOU, "urdb": URDB},
            {"name": "x", "urdb": URDB},
            {"name": "x", "definition": TOU, "valid_from": "tomorrow"},
            {"name": "x", "definition": TOU, "colour": "blue"},
        ):
            status, body = await send(session, "post", "/api/v1/tariffs", json=bad_body)
            assert status == 400, bad_body
        assert await pool.fetchval("SELECT count(*) FROM tariffs") == 1


async def test_urdb_import_lists_unsupported_fields(
    pool: asyncpg.Pool, service: TariffService
) -> None:
    async with client(state_of(pool, service)) as session:
        payload = {"urdb": URDB, "timezone": "America/Denver"}
        status, body = await send(session, "post", "/api/v1/tariffs/validate", json=payload)
        assert status == 200
        assert body["valid"] is True
        assert body["unsupported"] == ["coincidentratestructure"]
        assert body["definition"]["timezone"] == "America/Denver"
        status, body = await send(
            session,
            "post",
            "/api/v1/tariffs",
            json={**payload, "name": "utility", "activate": True},
        )
        assert status == 201
        assert body["unsupported"] == ["coincidentratestructure"]
        assert body["active"] is True
        assert body["recompute"] is not None
    status = await service.wait_settled()
    assert status.state.value == "done"
    costs = await pool.fetch("SELECT DISTINCT cost FROM cost_hourly")
    assert [row["cost"] for row in costs] == [Decimal("0.12")]


async def test_calendar_on_dst_days(pool: asyncpg.Pool, service: TariffService) -> None:
    async with client(state_of(pool, service)) as session:
        await send(session, "post", "/api/v1/tariffs", json={"name": "home", "definition": TOU})
        status, body = await send(
            session,
            "get",
            "/api/v1/tariffs/home/calendar",
            params={"start": "2024-10-27", "days": "1"},
        )
        assert status == 200
        assert (body["timezone"], body["currency"]) == ("Europe/Berlin", "EUR")
        (day,) = body["days"]
        assert (day["date"], day["hours"]) == ("2024-10-27", 25)
        slots = day["slots"]
        # 25 hours, the 07:00 hour cut at the 07:30 change.
        assert len(slots) == 26
        assert [s["local"] for s in slots[:5]] == ["00:00", "01:00", "02:00", "02:00", "03:00"]
        assert [s["dst"] for s in slots[:5]] == [
            "normal",
            "normal",
            "repeated",
            "repeated",
            "normal",
        ]
        assert slots[2]["start"] == "2024-10-27T00:00:00+00:00"
        assert slots[3]["start"] == "2024-10-27T01:00:00+00:00"
        cut = [s for s in slots if s["local"] in ("07:00", "07:30")]
        assert [(s["minutes"], s["period"], s["price"]) for s in cut] == [
            (30, "night", "0.22"),
            (30, "day", "0.33"),
        ]
        assert sum(s["minutes"] for s in slots) == 25 * 60

        status, body = await send(
            session,
            "get",
            "/api/v1/tariffs/home/calendar",
            params={"start": "2024-03-30", "days": "2"},
        )
        assert status == 200
        assert [d["hours"] for d in body["days"]] == [24, 23]
        spring = body["days"][1]["slots"]
        assert "02:00" not in [s["local"] for s in spring]
        assert {s["dst"] for s in spring} == {"normal"}

        status, body = await send(session, "get", "/api/v1/tariffs/home/calendar")
        assert status == 200
        assert body["days"][0]["date"] == "2024-10-28"  # today in the tariff's zone
        assert len(body["days"]) == 7
        for params in ({"days": "32"}, {"days": "0"}, {"start": "27.10.2024"}):
            status, body = await send(
                session, "get", "/api/v1/tariffs/home/calendar", params=params
            )
            assert (status, body["error"]["code"]) == (400, "invalid_parameter"), params


async def test_without_a_service_tariffs_are_read_only(pool: asyncpg.Pool) -> None:
    async with client(state_of(pool, None)) as session:
        status, body = await send(
            session, "post", "/api/v1/tariffs", json={"name": "home", "definition": TOU}
        )
        assert (status, body["error"]["code"]) == (503, "tariffs_unavailable")
        status, body = await send(session, "get", "/api/v1/recompute")
        assert (status, body["state"], body["generation"]) == (200, "idle", 0)


GAS: dict[str, Any] = {
    "name": "gas",
    "commodity": "gas",
    "currency": "EUR",
    "timezone": "Europe/Berlin",
    "conversion": [{"from": "2024-01-01", "calorific_value": "40.1"}],
    "energy": {"price": "0.11"},
}


async def test_answers_fit_the_document(pool: asyncpg.Pool, service: TariffService) -> None:
    """Every documented answer of the tariff routes but 500, checked against its schema."""
    named = "/api/v1/tariffs/{name}"
    activate = "/api/v1/tariffs/{name}/activate"
    calendar = "/api/v1/tariffs/{name}/calendar"
    save = {"name": "home", "definition": TOU}
    calls = [
        Call("/api/v1/tariffs", "post", kwargs={"json": save}),
        Call("/api/v1/tariffs", "post", kwargs={"json": {**save, "name": "spare"}}),
        Call("/api/v1/tariffs", "post", kwargs={"json": {"name": "x"}}),
        Call("/api/v1/tariffs", "post", kwargs={"json": {"name": "x", "definition": {}}}),
        Call("/api/v1/tariffs/validate", "post", kwargs={"json": {"definition": TOU}}),
        Call("/api/v1/tariffs/validate", "post", kwargs={"json": {"definition": {}}}),
        Call("/api/v1/tariffs/validate", "post", kwargs={"data": "{"}),
        Call(activate, "post", "/api/v1/tariffs/home/activate"),
        Call(activate, "post", "/api/v1/tariffs/nope/activate"),
        Call(
            activate,
            "post",
            "/api/v1/tariffs/home/activate",
            kwargs={"params": {"connection": "sensor.nowhere"}},
        ),
        Call(
            activate,
            "post",
            "/api/v1/tariffs/home/activate",
            kwargs={"params": {"connection": "sensor.\x00"}},  # text PostgreSQL refuses: 400
        ),
        Call("/api/v1/tariffs", "post", kwargs={"json": {"name": "gas", "definition": GAS}}),
        Call(activate, "post", "/api/v1/tariffs/gas/activate"),
        Call("/api/v1/tariffs"),
        Call(named, path="/api/v1/tariffs/home"),
        Call(named, path="/api/v1/tariffs/nope"),
        Call(named, "delete", "/api/v1/tariffs/home"),
        Call(named, "delete", "/api/v1/tariffs/spare"),
        Call(named, "delete", "/api/v1/tariffs/nope"),
        Call(calendar, path="/api/v1/tariffs/home/calendar", kwargs={"params": {"days": "2"}}),
        Call(calendar, path="/api/v1/tariffs/home/calendar", kwargs={"params": {"days": "x"}}),
        Call(calendar, path="/api/v1/tariffs/nope/calendar"),
        Call("/api/v1/recompute"),
    ]
    async with client(state_of(pool, service)) as session:
        answers: list[Answer] = [await call.send(session) for call in calls]
    await service.wait_settled()
    async with client(state_of(pool, service), headers={}) as session:
        answers += [await call.send(session) for call in calls]
    limits = ApiLimits(requests_per_second=0.001, request_burst=1)
    async with client(state_of(pool, service, limits=limits)) as session:
        await Call("/api/v1/recompute").send(session)  # spends the only token
        answers += [await call.send(session) for call in calls]
    async with client(state_of(None, None)) as session:
        answers += [await call.send(session) for call in calls]

    spec = build_spec("1", 10)
    for answer in answers:
        if answer.status == 204:  # documented without content; check_answer expects a body
            assert answer.text == ""
            assert "content" not in spec["paths"][answer.route][answer.method]["responses"]["204"]
            continue
        check_answer(spec, answer)
    seen = {(a.route, a.method, str(a.status)) for a in answers}
    documented = {
        (path, method, status)
        for path, item in spec["paths"].items()
        if path.startswith(TARIFF_ROUTES)
        for method, operation in item.items()
        for status in operation["responses"]
    }
    internal = {(p, m, "500") for p, m in _operations(spec)}
    assert documented - seen <= internal


async def test_a_failed_recompute_is_reported_and_the_api_keeps_serving(
    pool: asyncpg.Pool, service: TariffService
) -> None:
    dynamic = {**TOU, "energy": {"price": "0.05", "dynamic": True}}
    async with client(state_of(pool, service)) as session:
        status, body = await send(
            session,
            "post",
            "/api/v1/tariffs",
            json={"name": "spot", "definition": dynamic, "activate": True},
        )
        assert status == 201
        await service.wait_settled()
        status, body = await send(session, "get", "/api/v1/recompute")
        assert (status, body["state"], body["generation"]) == (200, "failed", 0)
        assert "price series" in body["error"]
        status, body = await send(session, "get", "/api/v1/tariffs")
        assert (status, body["active"]) == (200, "spot")
        # A tariff that can price the hours recomputes them.
        status, body = await send(
            session,
            "post",
            "/api/v1/tariffs",
            json={"name": "home", "definition": TOU, "activate": True},
        )
        assert status == 201
        await service.wait_settled()
        status, body = await send(session, "get", "/api/v1/recompute")
        assert (body["state"], body["error"], body["generation"]) == ("done", None, 1)
    assert await pool.fetchval("SELECT count(*) FROM cost_hourly") == 48


async def test_a_gas_tariff_is_active_for_gas_beside_electricity(
    pool: asyncpg.Pool, service: TariffService
) -> None:
    """Each commodity has its active tariff; a name's versions keep its commodity."""
    async with client(state_of(pool, service)) as session:
        electric = {"name": "home", "definition": TOU, "activate": True}
        status, body = await send(session, "post", "/api/v1/tariffs", json=electric)
        assert (status, body["active"]) == (201, True)
        await service.wait_settled()
        generation = service.status.generation
        gas = {"name": "gas", "definition": GAS}
        status, body = await send(session, "post", "/api/v1/tariffs", json=gas)
        assert (status, body["version"], body["active"]) == (201, 1, False)
        status, body = await send(session, "post", "/api/v1/tariffs/gas/activate")
        assert (status, body["active"]) == (200, "gas")
        async with pool.acquire() as conn:
            assert await active_tariff_names(conn) == {"electricity": "home", "gas": "gas"}
        assert service.status.generation == generation  # electricity's costs stay as they are

        renamed = {"name": "gas", "definition": TOU | {"name": "gas"}}
        status, body = await send(session, "post", "/api/v1/tariffs", json=renamed)
        assert status == 422
        assert body["error"]["details"][0]["path"] == "commodity"
        assert body["error"]["message"].startswith("commodity: 'gas' prices gas")
        status, body = await send(session, "get", "/api/v1/tariffs/gas")
        assert [v["version"] for v in body["versions"]] == [1]
