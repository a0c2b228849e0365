"""The budget routes over real HTTP on a real database; their answers against the OpenAPI spec."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import asyncpg
import pytest

from aetherlens_engine.api import ApiLimits
from aetherlens_engine.api.openapi import build_spec
from tests.engine.checked_api import SPEC, checked
from tests.engine.test_api_openapi import Answer, Call, _operations, check_answer
from tests.engine.test_api_support import add_device, client, engine_state, migrate

HOUSE = {"name": "House", "scope": "household", "amount": "120", "thresholds": [50, 80, 100]}
BUDGET = "/api/v1/budgets/{budget_id}"


async def budget_call(
    session: aiohttp.ClientSession, method: str, budget_id: int, body: Any = None
) -> tuple[int, Any]:
    """Send METHOD to `/api/v1/budgets/BUDGET_ID`; check the answer against the document."""
    kwargs = {} if body is None else {"json": body}
    answer = await Call(BUDGET, method, f"/api/v1/budgets/{budget_id}", kwargs).send(session)
    if answer.status == 204:
        return 204, None
    check_answer(SPEC, answer)
    return answer.status, json.loads(answer.text)


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    await migrate(db_pool)
    return db_pool


async def test_create_replace_delete(pool: asyncpg.Pool) -> None:
    """A budget made, changed (its id kept) and deleted; the summary reports each state."""
    fridge = await add_device(pool, "fridge")
    async with client(engine_state(pool, currency="CHF")) as session:
        status, made = await checked(session, "post", "/api/v1/budgets", json=HOUSE)
        assert status == 201
        assert made == {**HOUSE, "id": made["id"], "device_id": None, "period": "month",
                        "currency": "CHF"}  # fmt: skip
        changed = {"name": "Fridge", "scope": "device", "device_id": fridge, "period": "day",
                   "amount": "0.4", "currency": "EUR", "thresholds": [90]}  # fmt: skip
        status, replaced = await budget_call(session, "put", made["id"], changed)
        assert (status, replaced) == (200, {**changed, "id": made["id"]})
        status, listed = await checked(session, "get", "/api/v1/budgets")
        assert listed == {"budgets": [replaced]}
        status, summary = await checked(session, "get", "/api/v1/summary")
        assert summary["budgets"] == [{**replaced, "spent": None}]  # no tariff: not known
        assert await budget_call(session, "delete", made["id"]) == (204, None)
        status, listed = await checked(session, "get", "/api/v1/budgets")
        assert listed == {"budgets": []}
    assert await pool.fetchval("SELECT count(*) FROM budgets") == 0


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        ({"amount": "12,50"}, "amount", "expected an exact decimal like 12.50"),
        ({"amount": 12.5}, "amount", "expected `str`"),
        ({"amount": "-1"}, "amount", "must be zero or more"),
        ({"amount": "0.123456789"}, "amount", "more than 8 decimal places"),
        ({"amount": "1000000000000"}, "amount", "at most 999999999999.99999999"),
        ({"thresholds": [80, 50]}, "thresholds", "higher than the one before"),
        ({"thresholds": []}, "thresholds", "length >= 1"),
        ({"thresholds": [0]}, "thresholds[0]", ">= 1"),
        ({"scope": "planet"}, "scope", "'planet' is not one of household, gas, water, device,"),
        ({"period": "week"}, "period", "'week' is not one of day, month, billing_cycle"),
        ({"name": " "}, "name", "expected `str` matching regex"),
        ({"currency": "eur"}, "currency", "expected `str` matching regex"),
        ({"scope": "device"}, "device_id", "a 'device' budget needs its device"),
        ({"device_id": 1}, "device_id", "a 'household' budget has no device"),
        ({"colour": "red"}, "colour", "unknown field"),
        ({"amount": None}, "amount", "expected `str`, got `null`"),
    ],
)
async def test_a_bad_field_is_named(
    pool: asyncpg.Pool, change: dict[str, Any], path: str, message: str
) -> None:
    """422 with the field's path in `details`, and nothing stored."""
    async with client(engine_state(pool)) as session:
        status, body = await checked(session, "post", "/api/v1/budgets", json=HOUSE | change)
    assert status == 422
    [detail] = body["error"]["details"]
    assert detail["path"] == path
    assert message in detail["message"]
    assert body["error"]["message"] == f"{path}: {detail['message']}"
    assert await pool.fetchval("SELECT count(*) FROM budgets") == 0


async def test_devices_and_names_are_checked(pool: asyncpg.Pool) -> None:
    """A device budget needs an energy device, a cloud one a cloud account; names are unique."""
    heater = await add_device(pool, "heater")
    account = await add_device(pool, "aws", "cloud_account", None)
    device = {"name": "d", "scope": "device", "amount": "1"}
    cloud = {"name": "c", "scope": "cloud_account", "amount": "1"}
    async with client(engine_state(pool)) as session:
        for body, problem in (
            ({**device, "device_id": account}, f"there is no device {account}"),
            ({**device, "device_id": 999}, "there is no device 999"),
            ({**cloud, "device_id": heater}, f"there is no cloud account {heater}"),
        ):
            status, answer = await checked(session, "post", "/api/v1/budgets", json=body)
            assert (status, answer["error"]["details"]) == (
                422,
                [{"path": "device_id", "message": problem}],
            )
        status, first = await checked(session, "post", "/api/v1/budgets", json=HOUSE)
        status, second = await checked(
            session, "post", "/api/v1/budgets", json={**cloud, "device_id": account}
        )
        assert status == 201
        for status, answer in (
            await checked(session, "post", "/api/v1/budgets", json={**HOUSE, "amount": "5"}),
            await budget_call(session, "put", second["id"], {**HOUSE, "amount": "5"}),
        ):
            assert (status, answer["error"]["code"], answer["error"]["details"][0]["path"]) == (
                409,
                "budget_exists",
                "name",
            )
        # Its own name is no conflict.
        assert (await budget_call(session, "put", first["id"], HOUSE))[0] == 200
    rows = await pool.fetch("SELECT name, amount FROM budgets ORDER BY id")
    assert [(row["name"], str(row["amount"])) for row in rows] == [
        ("House", "120.00000000"),
        ("c", "1.00000000"),
    ]


async def test_answers_fit_the_document(pool: asyncpg.Pool) -> None:
    """Every documented answer of the budget routes but 500, checked against its schema."""
    calls = [
        Call("/api/v1/budgets", "post", kwargs={"json": HOUSE}),
        Call("/api/v1/budgets", "post", kwargs={"json": HOUSE}),
        Call("/api/v1/budgets", "post", kwargs={"json": {**HOUSE, "amount": "x"}}),
        Call("/api/v1/budgets", "post", kwargs={"json": [HOUSE]}),
        Call("/api/v1/budgets"),
        Call(BUDGET, "put", "/api/v1/budgets/1", kwargs={"json": {**HOUSE, "amount": "9"}}),
        Call(BUDGET, "put", "/api/v1/budgets/1", kwargs={"json": {**HOUSE, "scope": "x"}}),
        Call(BUDGET, "put", "/api/v1/budgets/77", kwargs={"json": HOUSE}),
        Call(BUDGET, "put", "/api/v1/budgets/x", kwargs={"json": HOUSE}),
        Call(BUDGET, "delete", "/api/v1/budgets/1"),
        Call(BUDGET, "delete", "/api/v1/budgets/1"),
        Call(BUDGET, "delete", "/api/v1/budgets/1x"),
    ]
    async with client(engine_state(pool)) as session:
        answers: list[Answer] = [await call.send(session) for call in calls]
        # A replacement taking another budget's name.
        _, taken = await checked(session, "post", "/api/v1/budgets", json={**HOUSE, "name": "B"})
        _, other = await checked(session, "post", "/api/v1/budgets", json={**HOUSE, "name": "C"})
        renamed = {**HOUSE, "name": taken["name"]}
        path = f"/api/v1/budgets/{other['id']}"
        answers.append(await Call(BUDGET, "put", path, {"json": renamed}).send(session))
    async with client(engine_state(pool), headers={}) as session:
        answers += [await call.send(session) for call in calls]
    limits = ApiLimits(requests_per_second=0.001, request_burst=1)
    async with client(engine_state(pool, limits=limits)) as session:
        await Call("/api/v1/budgets").send(session)  # spends the only token
        answers += [await call.send(session) for call in calls]
    async with client(engine_state(None)) as session:
        answers += [await call.send(session) for call in calls]

    spec = build_spec("1", 10)
    for answer in answers:
        if answer.status == 204:  # documented without content; check_answer expects a body
            assert answer.text == ""
            continue
        check_answer(spec, answer)
    seen = {(a.route, a.method, str(a.status)) for a in answers}
    documented = {
        (path, method, status)
        for path, item in spec["paths"].items()
        if path.startswith("/api/v1/budgets")
        for method, operation in item.items()
        for status in operation["responses"]
    }
    assert documented - seen <= {(p, m, "500") for p, m in _operations(spec)}
