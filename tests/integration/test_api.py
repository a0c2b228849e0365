"""The client: what it parses, and how it reports each kind of failure."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import aiohttp
import jsonschema
import pytest
from aiohttp import web

from aetherlens_engine.api.openapi import build_spec
from custom_components.aetherlens.api import (
    AetherLensAuthenticationError,
    AetherLensClient,
    AetherLensConnectionError,
    AetherLensError,
    AetherLensRequestError,
    BillingCycle,
    Budget,
    CloudAccount,
    CostRow,
    PriceNow,
    Recompute,
    ServiceCost,
)
from tests.http import serve_app

from .conftest import ENGINE_INSTANCE_ID, TOKEN, FixtureEngine, load_fixture


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """Return a session for the client (HA's shared one in the integration)."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.mark.parametrize(
    ("fixture", "model"),
    [
        ("summary", "Summary"),
        ("bill", "RangeBill"),
        ("compare", "Comparison"),
        ("ledger", "Ledger"),
    ],
)
def test_fixtures_match_the_engine_api(fixture: str, model: str) -> None:
    """The fake engine answers what the engine's OpenAPI says, so the fakes stay honest."""
    spec = build_spec("0.1.0", 1000)
    schema = {"$ref": f"#/components/schemas/{model}", "components": spec["components"]}
    jsonschema.validate(load_fixture(fixture), schema)


async def test_summary_parses_into_typed_records(
    session: aiohttp.ClientSession, engine_url: str
) -> None:
    """Amounts are exact Decimals, dates and instants typed, absent figures None."""
    summary = await AetherLensClient(session, engine_url, TOKEN).summary()
    assert summary.instance_id == ENGINE_INSTANCE_ID
    assert summary.time == datetime(2026, 3, 29, 10, 30, tzinfo=UTC)
    assert (summary.today, summary.month_start) == (date(2026, 3, 29), date(2026, 3, 1))
    assert summary.household.cost_month == Decimal("66.30001")
    assert summary.api_version == 1
    assert summary.price == PriceNow(
        current=Decimal("0.312"),
        period="peak",
        next_change=datetime(2026, 3, 29, 18, tzinfo=UTC),
        carbon_intensity=0.25,
        periods=("off", "peak"),
    )
    assert summary.billing_cycle == BillingCycle(
        start=date(2026, 3, 1),
        end=date(2026, 4, 1),
        cost_so_far=Decimal("66.30001"),
        projected_total=Decimal("71.5"),
        components={
            "energy": Decimal("53.30001"),
            "surcharges": Decimal("1.5"),
            "demand": Decimal(0),
            "fixed": Decimal("4.5"),
            "credit": Decimal(2),
            "minimum": Decimal(0),
            "taxes": Decimal(9),
        },
    )
    assert summary.tariff == "dual"
    assert summary.recompute == Recompute(
        state="done", generation=3, start=datetime(2026, 3, 1, tzinfo=UTC)
    )
    assert summary.household.carbon_today_kg == 1.8125
    assert [device.name for device in summary.devices] == ["Grid energy", "Fridge power"]
    assert [(d.included_in, d.household_meter) for d in summary.devices] == [
        (None, True),
        (None, False),
    ]
    assert summary.devices[1].energy_today_kwh == 0.75
    assert summary.cloud_accounts[0] == CloudAccount(
        device_id=7,
        name="Azure subscription",
        currency="EUR",
        today=Decimal("1.25"),
        yesterday=Decimal("1.5"),
        month_to_date=Decimal("40.5"),
        forecast=Decimal(120),
        estimated=False,
        fetched_at=datetime(2026, 3, 29, 9, tzinfo=UTC),
        top_services=(
            ServiceCost("Virtual Machines", Decimal(30)),
            ServiceCost("Storage", Decimal("8.5")),
        ),
    )
    assert summary.cloud_accounts[1].fetched_at is None
    assert summary.budgets == (
        Budget(
            id=1,
            name="Household month",
            scope="household",
            device_id=None,
            period="month",
            amount=Decimal(90),
            currency="EUR",
            spent=Decimal("66.30001"),
            thresholds=(50, 80, 100),
        ),
    )


async def test_health(session: aiohttp.ClientSession, engine_url: str) -> None:
    """Health needs no token and names the instance."""
    health = await AetherLensClient(session, engine_url, "").health()
    assert (health.status, health.instance_id, health.database_status) == (
        "ok",
        ENGINE_INSTANCE_ID,
        "ok",
    )


async def test_rejected_token(session: aiohttp.ClientSession, engine_url: str) -> None:
    """A 401 is an authentication error."""
    with pytest.raises(AetherLensAuthenticationError, match="rejected the API token"):
        await AetherLensClient(session, engine_url, "wrong").summary()


@pytest.mark.parametrize(
    ("status", "error"),
    [(503, AetherLensConnectionError), (500, AetherLensError), (429, AetherLensError)],
)
async def test_failures(
    session: aiohttp.ClientSession,
    engine: FixtureEngine,
    engine_url: str,
    status: int,
    error: type[AetherLensError],
) -> None:
    """A database outage is a connection error; other failures are engine errors."""
    engine.failure = status
    with pytest.raises(error) as raised:
        await AetherLensClient(session, engine_url, TOKEN).summary()
    assert type(raised.value) is error


async def test_unreachable(session: aiohttp.ClientSession, closed_url: str) -> None:
    """Nothing listening is a connection error naming the URL."""
    with pytest.raises(AetherLensConnectionError, match=closed_url):
        await AetherLensClient(session, closed_url, TOKEN).health()


@pytest.mark.parametrize(
    "body",
    [
        web.Response(text="not json", content_type="application/json"),
        web.json_response([1, 2]),
        web.json_response({"status": "ok"}),
    ],
    ids=["not-json", "not-an-object", "not-a-health"],
)
async def test_unexpected_answers(session: aiohttp.ClientSession, body: web.Response) -> None:
    """Answers that are not the engine's are errors, never crashes."""
    app = web.Application()

    async def answer(_: web.Request) -> web.Response:
        return body

    app.router.add_get("/api/v1/health", answer)
    async with serve_app(app) as url:
        with pytest.raises(AetherLensError) as raised:
            await AetherLensClient(session, url, TOKEN).health()
        assert type(raised.value) is AetherLensError


@pytest.mark.parametrize(
    ("change", "value"),
    [("cost_today", 2.262), ("cost_today", "2,26"), ("energy_today_kwh", "lots")],
)
async def test_malformed_summary(
    session: aiohttp.ClientSession,
    engine: FixtureEngine,
    engine_url: str,
    change: str,
    value: Any,
) -> None:
    """Amounts must be decimal strings (never floats), figures numbers."""
    engine.summary["household"][change] = value
    with pytest.raises(AetherLensError, match="not an AetherLens engine's summary"):
        await AetherLensClient(session, engine_url, TOKEN).summary()


@pytest.mark.parametrize(
    "body",
    [
        web.Response(status=409, text="busy"),
        web.json_response({"error": "no details"}, status=404),
    ],
    ids=["not-json", "no-error-object"],
)
async def test_refusal_without_the_engine_error_shape(
    session: aiohttp.ClientSession, body: web.Response
) -> None:
    """A 4xx without the engine's JSON error is an engine error, not a refusal of the request."""
    app = web.Application()

    async def answer(_: web.Request) -> web.Response:
        return body

    app.router.add_post("/api/v1/compare", answer)
    async with serve_app(app) as url:
        with pytest.raises(AetherLensError, match="unexpected answer") as raised:
            await AetherLensClient(session, url, TOKEN).compare("dual")
        assert type(raised.value) is AetherLensError


async def test_refusal_keeps_the_engine_code(
    session: aiohttp.ClientSession, engine_url: str
) -> None:
    """The engine's error code and status travel with the refusal."""
    with pytest.raises(AetherLensRequestError) as raised:
        await AetherLensClient(session, engine_url, TOKEN).compare("flat")
    assert (raised.value.status, raised.value.code) == (404, "unknown_tariff")


async def test_costs_parse(session: aiohttp.ClientSession, engine_url: str) -> None:
    """Cost rows are typed: exact costs, optional device, period and carbon."""
    report = await AetherLensClient(session, engine_url, TOKEN).costs(
        datetime(2026, 3, 28, 23, tzinfo=UTC),
        datetime(2026, 3, 29, 23, tzinfo=UTC),
        group="device",
        device_id=2,
    )
    assert report.rows == (
        CostRow(
            start=datetime(2026, 3, 28, 23, tzinfo=UTC),
            device_id=2,
            period=None,
            energy_kwh=0.75,
            cost=Decimal("0.234"),
            carbon_kg=None,
        ),
    )
