"""The OpenAPI document matches the app: same routes, and real answers fit its schemas.

Every route is called over real HTTP into every answer it documents (a 500 where one can be
provoked), and each body and documented header is checked against the document.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import aiohttp
import asyncpg
import msgspec
import pytest
from jsonschema import Draft202012Validator, FormatChecker

from aetherlens_engine.api import ApiLimits, create_app
from aetherlens_engine.api.contract.engine import ReadingIn
from aetherlens_engine.api.docs import DOCS_PATHS
from aetherlens_engine.api.openapi import build_spec
from aetherlens_engine.pricing.store.tariffs import save_tariff, set_active_tariff
from aetherlens_engine.web import PAGE_PATHS
from tests.engine.meterdata import household
from tests.engine.test_api_support import (
    DirectSink,
    FullSink,
    add_device,
    client,
    engine_state,
    migrate,
)

FORMATS = FormatChecker()


def _is_date_time(value: object) -> bool:
    return not isinstance(value, str) or (
        "T" in value and datetime.fromisoformat(value).tzinfo is not None
    )


def _is_date(value: object) -> bool:
    return not isinstance(value, str) or date.fromisoformat(value) is not None


FORMATS.checks("date-time", raises=ValueError)(_is_date_time)
FORMATS.checks("date", raises=ValueError)(_is_date)


@dataclass(frozen=True, slots=True)
class Answer:
    route: str
    method: str
    status: int
    content_type: str
    headers: dict[str, str]
    text: str


@dataclass(frozen=True, slots=True)
class Call:
    """A request to one of the document's operations."""

    route: str
    method: str = "get"
    path: str | None = None  # the route with its parameters filled in
    kwargs: dict[str, Any] = field(default_factory=dict)

    async def send(self, session: aiohttp.ClientSession) -> Answer:
        async with session.request(self.method, self.path or self.route, **self.kwargs) as resp:
            return Answer(
                self.route,
                self.method,
                resp.status,
                resp.content_type,
                dict(resp.headers),
                await resp.text(),
            )


def _operations(spec: dict[str, Any]) -> set[tuple[str, str]]:
    return {(path, method) for path, item in spec["paths"].items() for method in item}


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def check_answer(spec: dict[str, Any], answer: Answer) -> None:
    """Fail unless ANSWER is documented for its operation and fits the documented schema."""
    responses = spec["paths"][answer.route][answer.method]["responses"]
    assert str(answer.status) in responses, answer
    response = _resolve(spec, responses[str(answer.status)])
    if "content" not in response:  # 204: no body
        assert not answer.text, answer
        return
    assert answer.content_type in response["content"], answer
    for header in response.get("headers", {}):
        assert header in answer.headers, (header, answer)
    schema = response["content"][answer.content_type]["schema"]
    if answer.content_type != "application/json":
        return
    # Refs point into the document's components; the document is the schema's root.
    validator = Draft202012Validator(
        {**schema, "components": spec["components"]}, format_checker=FORMATS
    )
    errors = [error.message for error in validator.iter_errors(json.loads(answer.text))]
    assert not errors, (answer, errors)


def test_routes_of_app_and_document_match() -> None:
    state = engine_state()
    app = create_app(state)
    routes = {
        (r.resource.canonical, r.method.lower())
        for r in app.router.routes()
        # the page and the docs are no API
        if r.resource and r.resource.canonical not in PAGE_PATHS | DOCS_PATHS
    }
    assert routes == _operations(build_spec(state.version, state.limits.max_batch_readings))


def test_document_schemas_are_valid_json_schema() -> None:
    spec = build_spec("1", 10)
    for schema in spec["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    reading = spec["components"]["schemas"]["ReadingIn"]
    assert set(reading["properties"]) == {f.encode_name for f in msgspec.structs.fields(ReadingIn)}


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    await migrate(db_pool)
    return db_pool


async def _fill(pool: asyncpg.Pool) -> int:
    plug = await add_device(pool, "plug")
    grid = await add_device(pool, "grid", "grid", "kWh")
    cloud = await add_device(pool, "azure", "cloud_account", None)
    tariff = await pool.fetchval(
        "INSERT INTO tariffs (name, version, definition, valid_from)"
        " VALUES ('flat', 1, '{}', now() - interval '1 year') RETURNING id"
    )
    await pool.execute(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, avg_power_w, samples)"
        " VALUES ($1, date_trunc('hour', now()), 0.5, 500, 60),"
        " ($2, date_trunc('hour', now()), 1, NULL, 60)",
        plug,
        grid,
    )
    await pool.execute(
        "INSERT INTO energy_daily (device_id, day, energy_kwh, samples)"
        " VALUES ($1, current_date - 1, 4.5, 1440)",
        plug,
    )
    await pool.execute(
        "INSERT INTO cost_rates (hour, tariff_id, currency, price)"
        " VALUES (date_trunc('hour', now()), $1, 'EUR', 0.3)",
        tariff,
    )
    await pool.execute(
        "INSERT INTO cloud_costs (device_id, day, dimension, amount, currency)"
        " VALUES ($1, current_date, 'total', 3.5, 'USD')",
        cloud,
    )
    await pool.execute(
        "INSERT INTO budgets (name, scope, device_id, period, amount, currency) VALUES"
        " ('house', 'household', NULL, 'month', 100, 'EUR'),"
        " ('plug', 'device', $1, 'day', 1, 'EUR'),"
        " ('cloud', 'cloud_account', $2, 'billing_cycle', 50, 'USD')",
        plug,
        cloud,
    )
    return plug


STATEMENT_ROUTE = "/api/v1/statements/{statement_id}"


def _device_calls(plug: int) -> tuple[list[Call], list[Call]]:
    """Return calls of the device figures and changes that succeed, and changes that fail."""
    route = "/api/v1/devices/{device_id}"
    change = Call(route, "patch", path=f"/api/v1/devices/{plug}", kwargs={"json": {}})
    failing = [
        Call(route, "patch", path=f"/api/v1/devices/{device}", kwargs={"json": body})
        for device, body in ((plug, {"display_name": " "}), (plug, []), (777, {}))
    ]
    return [Call("/api/v1/devices/figures"), change], failing


async def test_real_answers_fit_the_document(pool: asyncpg.Pool) -> None:
    plug = await _fill(pool)
    energy = "/api/v1/devices/{device_id}/energy"
    plug_energy = f"/api/v1/devices/{plug}/energy"
    day = {"from": "2026-03-01T00:00:00Z", "to": "2026-03-02T00:00:00Z"}
    reading = {"device_id": plug, "time": "2026-03-29T00:00:00Z", "value": 1.5}
    bad = {**reading, "device_id": 777}
    public = [Call("/api/v1/health"), Call("/api/v1/openapi.json")]
    private = [
        Call("/api/v1/summary"),
        Call("/api/v1/devices"),
        Call(energy, path=plug_energy, kwargs={"params": day}),
        Call("/api/v1/readings", "post", kwargs={"json": [reading]}),
        Call("/metrics"),
    ]
    green_button = {"format": "greenbutton", "content": household().decode()}
    device_calls, bad_device_calls = _device_calls(plug)
    private += [
        Call("/api/v1/meter-data", "post", kwargs={"json": green_button}),
        Call("/api/v1/meter-data/summaries"),
        *device_calls,
    ]
    failing = [
        Call(energy, path=plug_energy, kwargs={"params": {**day, "resolution": "day"}}),
        Call(energy, path=plug_energy, kwargs={"params": {**day, "from": "soon"}}),
        Call(energy, path="/api/v1/devices/777/energy", kwargs={"params": day}),
        *bad_device_calls,
        *(
            Call("/api/v1/readings", "post", kwargs={"json": body})
            for body in ([reading, bad], [bad], {"not": "a list"}, [reading] * 5001)
        ),
        *(
            Call("/api/v1/meter-data", "post", kwargs={"json": {**green_button, **change}})
            for change in ({"content": ""}, {"content": "<feed"}, {"content": "x" * 2**20})
        ),
    ]
    # Prices and costs: no tariff is active at first (409), then one is (200).
    flat_rate = {"name": "flat rate", "currency": "EUR", "timezone": "UTC", "energy": {"price": 1}}
    now = datetime.now(UTC)
    around_now = {
        key: (now + timedelta(days=days)).isoformat() for key, days in (("start", -1), ("end", 1))
    }
    span = {"start": day["from"], "end": day["to"]}
    # A day whose every hour is recorded (below): a statement of it can be calibrated on.
    statement = {"start": "2026-01-10", "end": "2026-01-11", "total": "30"}
    statement_csv = "start,end,kind,name,amount\n2026-02-01,2026-03-01,total,,9\n"
    tariff_calls = [
        Call("/api/v1/price"),
        Call("/api/v1/ledger"),
        Call("/api/v1/costs", kwargs={"params": span}),
        Call("/api/v1/projection"),
        Call("/api/v1/demand"),
        Call("/api/v1/bill", kwargs={"params": around_now}),
        Call("/api/v1/compare", "post", kwargs={"json": {"definition": flat_rate, **around_now}}),
        Call("/api/v1/rank", "post", kwargs={"json": {"definitions": [flat_rate], **around_now}}),
        Call("/api/v1/statements"),
        Call("/api/v1/statements", "post", kwargs={"json": statement}),
        Call("/api/v1/statements/import", "post", kwargs={"json": {"csv": statement_csv}}),
        Call("/api/v1/statements/calibration"),
        # The statement above (the first recorded once a tariff is active); before, none.
        Call(STATEMENT_ROUTE, "delete", path="/api/v1/statements/1"),
    ]
    private += tariff_calls
    bad_comparisons: list[dict[str, Any]] = [{"tariff": 1}, {"tariff": "x"}, {"definition": {}}]
    bad_rankings: list[dict[str, Any]] = [
        {"tariffs": [1]},
        {"tariffs": ["x"]},
        {"definitions": [{}]},
    ]
    failing += [
        Call("/api/v1/costs", kwargs={"params": {**span, "resolution": "week"}}),
        Call("/api/v1/costs", kwargs={"params": {**span, "device_id": "777"}}),
        Call("/api/v1/bill", kwargs={"params": {"start": span["end"], "end": span["start"]}}),
        *(Call("/api/v1/compare", "post", kwargs={"json": body}) for body in bad_comparisons),
        *(Call("/api/v1/rank", "post", kwargs={"json": body}) for body in bad_rankings),
        Call("/api/v1/statements", kwargs={"params": {"threshold": "some"}}),
        Call("/api/v1/statements/calibration", kwargs={"params": {"threshold": "x"}}),
        Call(STATEMENT_ROUTE, "delete", path="/api/v1/statements/first"),
        *(
            Call("/api/v1/statements", "post", kwargs={"json": body})
            for body in ({**statement, "tariff": "x"}, {**statement, "total": 3})
        ),
        *(
            Call("/api/v1/statements/import", "post", kwargs={"json": body})
            for body in ({"csv": statement_csv, "tariff": "x"}, {"csv": "start\n"})
        ),
    ]

    # More calls than the default burst: a fast run would otherwise meet the rate limit (429),
    # which is called for on purpose below, instead of the answers these calls are for.
    unlimited = ApiLimits(request_burst=1000)
    async with client(engine_state(pool, sink=DirectSink(pool), limits=unlimited)) as session:
        spec = json.loads((await Call("/api/v1/openapi.json").send(session)).text)
        answers = [await call.send(session) for call in public + private + failing]
    async with pool.acquire() as conn:
        await save_tariff(conn, flat_rate, now - timedelta(days=400))
        await set_active_tariff(conn, "flat rate")
        await conn.execute(
            "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) "
            "SELECT d.id, h, 1, 60 FROM devices AS d, generate_series("
            "'2026-01-10T00:00Z'::timestamptz, '2026-01-10T23:00Z', interval '1 hour') AS h "
            "WHERE d.name = 'grid'"
        )
    async with client(engine_state(pool)) as session:
        answers += [await call.send(session) for call in tariff_calls]
    async with client(engine_state(pool, sink=DirectSink(pool)), headers={}) as session:
        answers += [await call.send(session) for call in private]
    limits = ApiLimits(requests_per_second=0.001, request_burst=1)
    async with client(engine_state(pool, limits=limits)) as session:
        await Call("/api/v1/health").send(session)  # spends the only token
        answers += [await call.send(session) for call in public + private]
    async with client(engine_state(None, sink=FullSink())) as session:
        answers += [
            await call.send(session)
            for call in private
            if call.route != "/metrics"  # served without the database
        ]
    await pool.close()
    async with client(engine_state(pool)) as session:
        answers.append(await Call("/api/v1/summary").send(session))

    for answer in answers:
        check_answer(spec, answer)
    seen = {(a.route, a.method, str(a.status)) for a in answers}
    documented = {
        (path, method, status)
        for path, item in spec["paths"].items()
        # The tariff, connection, budget, plugin and settings routes are called into their
        # answers by their tests.
        if not path.startswith(
            (
                "/api/v1/tariffs",
                "/api/v1/connections",
                "/api/v1/recompute",
                "/api/v1/budgets",
                "/api/v1/events",
                "/api/v1/plugins",
                "/api/v1/settings",
            )
        )
        for method, operation in item.items()
        for status in operation["responses"]
    }
    assert documented - seen <= {(p, m, "500") for p, m in _operations(spec)}
    assert ("/api/v1/summary", "get", "500") in seen


async def test_errors_outside_routes_are_documented_errors() -> None:
    spec = build_spec("1", 10)
    error = Draft202012Validator(
        {**spec["components"]["schemas"]["Error"], "components": spec["components"]}
    )
    async with client(engine_state()) as session:
        for method, path in (("get", "/nowhere"), ("get", "/api/v1/readings")):
            async with session.request(method, path) as resp:
                assert resp.status in (404, 405)
                error.validate(await resp.json())


def test_every_failure_is_documented_as_an_error_model() -> None:
    """Each route's 4xx and 5xx answers are `Error`, `TariffError`, `BudgetError`, `DeviceError`,
    `PluginError` or `SettingsError` (`api.errors` encodes them), but the validation's verdict on
    a tariff: its 422 is the answer asked for.
    """
    spec = build_spec("1", 10)
    found = set()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if int(status) < 400:
                    continue
                schema = _resolve(spec, response)["content"]["application/json"]["schema"]
                found.add((path, method, status, schema["$ref"].rsplit("/", 1)[-1]))
    models = {model for *_, model in found}
    assert models == {
        "Error",
        "TariffError",
        "BudgetError",
        "DeviceError",
        "PluginError",
        "SettingsError",
        "TariffInvalid",
    }
    assert {f[:3] for f in found if f[3] == "SettingsError"} == {("/api/v1/settings", "put", "422")}
    assert {f[:3] for f in found if f[3] == "TariffInvalid"} == {
        ("/api/v1/tariffs/validate", "post", "422")
    }
    assert {f[0] for f in found if f[3] == "BudgetError"} == {
        "/api/v1/budgets",
        "/api/v1/budgets/{budget_id}",
    }
    assert {f[:3] for f in found if f[3] == "DeviceError"} == {
        ("/api/v1/devices/{device_id}", "patch", "422")
    }
