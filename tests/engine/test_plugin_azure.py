"""Azure Cost Management plugin: the real Azure SDK clients, over TLS, against our fake.

The fake serves the token, query and forecast endpoints (tests/engine/fakes/azure.py).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp import web

from aetherlens_engine.clock import Clock
from aetherlens_engine.plugins import (
    CloudCostWriter,
    PluginConfigError,
    PluginError,
    PluginInstance,
    PluginManager,
    PollResult,
)
from aetherlens_engine.plugins.azure import AzureCostManagementPlugin, retry_delay
from aetherlens_engine.plugins.base import validate_config
from tests.dates import SweepDate, sweep_params
from tests.engine.fakes.azure import CostManagementFake, Page, tls
from tests.engine.test_api_support import (
    AUTH,
    client,
    engine_state,
    migrate,
    run_plugins_until,
    serve,
)

TENANT = "00000000-0000-0000-0000-0000000000aa"
CLIENT_ID = "11111111-1111-1111-1111-1111111111bb"
SECRET = "azure-Client~Secret.0123456789abcdef"  # noqa: S105 (made up for the tests)
SUB_A, SUB_B = "sub-aaaa", "sub-bbbb"
IDENTITY_SECRET = "identity-Header~0123456789fedcba"  # noqa: S105 (made up for the tests)
QPU = "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after"
ENTITY = "x-ms-ratelimit-microsoft.costmanagement-entity-retry-after"
# The plugin's clock in tests that are not run on every date of the sweep: mid-month.
NOW = datetime(2026, 12, 15, 12, tzinfo=UTC)


class Served:
    """The fake, where it listens, and the CA the clients must trust."""

    def __init__(self, fake: CostManagementFake, url: str, ca: Path) -> None:
        self.fake, self.url, self.ca = fake, url, ca


@pytest.fixture
async def azure(tmp_path: Path) -> AsyncIterator[Served]:
    """Serve the fake over TLS on 127.0.0.1."""
    context, ca = tls(tmp_path)
    fake = CostManagementFake(TENANT, CLIENT_ID, SECRET)
    runner = web.AppRunner(fake.app())
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context).start()
        host, port = runner.addresses[0][:2]
        fake.base_url = f"https://{host}:{port}"
        yield Served(fake, fake.base_url, ca)
    finally:
        await runner.cleanup()


def _noon() -> datetime:
    return NOW


def _plugin(served: Served, *, clock: Clock = _noon, **options: Any) -> AzureCostManagementPlugin:
    config = {
        "tenant_id": TENANT,
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "subscriptions": [{"id": SUB_A, "name": "Home"}, {"id": SUB_B}],
        "authority": served.url,
        "management_endpoint": served.url,
        "ca_bundle": str(served.ca),
        **options,
    }
    return AzureCostManagementPlugin(
        validate_config(AzureCostManagementPlugin.manifest, config), clock=clock
    )


async def _poll(plugin: AzureCostManagementPlugin) -> PollResult:
    await plugin.start()
    try:
        return await plugin.poll()
    finally:
        await plugin.stop()


def _usage(day: date) -> int:
    return int(day.strftime("%Y%m%d"))


def _grouped(name: str, rows: list[tuple[float, date, str, str]]) -> Page:
    columns = [
        ("Cost", "Number"),
        ("UsageDate", "Number"),
        (name, "String"),
        ("Currency", "String"),
    ]
    return columns, [[cost, _usage(day), value, currency] for cost, day, value, currency in rows]


def _reordered(name: str, rows: list[tuple[float, date, str, str]]) -> Page:
    """The same data with the columns in another order, as Azure sometimes answers."""
    columns = [
        (name, "String"),
        ("Currency", "String"),
        ("UsageDate", "Number"),
        ("Cost", "Number"),
    ]
    return columns, [[value, currency, _usage(day), cost] for cost, day, value, currency in rows]


def _forecast(rows: list[tuple[float, date, str]]) -> Page:
    columns = [
        ("Cost", "Number"),
        ("UsageDate", "Number"),
        ("CostStatus", "String"),
        ("Currency", "String"),
    ]
    return columns, [[cost, _usage(day), "Forecast", currency] for cost, day, currency in rows]


@pytest.mark.parametrize("moment", sweep_params())
async def test_pages_groupings_currencies_and_forecast(azure: Served, moment: SweepDate) -> None:
    """nextLink pages are followed, columns found by name, 204 is no data, amounts exact."""
    today = moment.utc.date()
    month = today.strftime("%Y-%m")
    fake = azure.fake
    fake.pages[SUB_A, "ResourceGroupName", month] = [
        _grouped("ResourceGroupName", [(0.1, today, "rg-home", "EUR")]),
        _reordered("ResourceGroupName", [(0.2, today, "rg-lab", "EUR"), (5.0, today, "", "EUR")]),
    ]
    fake.pages[SUB_A, "ServiceName", month] = [
        _grouped(
            "ServiceName", [(5.1, today, "Virtual Machines", "EUR"), (0.2, today, "Storage", "EUR")]
        )
    ]
    fake.pages[SUB_A, "forecast", month] = [
        _forecast([(1.5, today, "EUR"), (2.25, today + timedelta(days=1), "EUR")])
    ]
    fake.no_content.add(SUB_B)
    plugin = _plugin(azure, clock=moment.clock)
    result = await _poll(plugin)

    home, second = result.accounts
    assert (home.account_id, home.name, second.account_id, second.name) == (
        SUB_A,
        "Home",
        SUB_B,
        SUB_B,
    )
    by = {(r.dimension, r.dimension_value): r for r in home.costs if r.day == today}
    assert by["resource_group", "rg-home"].amount == Decimal("0.1")
    assert by["resource_group", "rg-lab"].amount == Decimal("0.2")
    assert by["resource_group", "(none)"].amount == Decimal("5.0")
    assert by["service", "Virtual Machines"].amount == Decimal("5.1")
    total = by["total", ""]
    assert (total.amount, total.currency, total.estimated) == (Decimal("5.3"), "EUR", True)
    (forecast,) = home.forecasts
    assert (forecast.amount, forecast.currency, forecast.from_day) == (
        Decimal("3.75"),
        "EUR",
        today,
    )
    assert second.costs == ()
    assert second.forecasts == ()
    # Per subscription: previous and current month x two groupings + forecast; one more page.
    assert result.requests == 2 * 5 + 1
    assert len(fake.requests) == result.requests
    followed = [(path, query) for path, query, _ in fake.requests if "skiptoken" in query]
    assert followed == [
        (f"/subscriptions/{SUB_A}/providers/Microsoft.CostManagement/query", followed[0][1])
    ]
    assert "$skiptoken=1" in followed[0][1]
    # The page after is asked for with the first page's body, as the API requires.
    (page_two,) = [body for _, query, body in fake.requests if "skiptoken" in query]
    assert page_two["dataset"]["grouping"] == [{"type": "Dimension", "name": "ResourceGroupName"}]
    assert page_two["timePeriod"]["from"].startswith(month)
    assert fake.token_requests == 1


async def test_multiple_currencies_across_subscriptions(azure: Served) -> None:
    """Each subscription keeps its billing currency."""
    today = NOW.date()
    month = today.strftime("%Y-%m")
    for sub, currency, amount in ((SUB_A, "EUR", 1.5), (SUB_B, "USD", 2.5)):
        for grouping in ("ResourceGroupName", "ServiceName"):
            azure.fake.pages[sub, grouping, month] = [
                _grouped(grouping, [(amount, today, "x", currency)])
            ]
    result = await _poll(_plugin(azure, forecast=False))
    totals = {
        account.account_id: [
            (r.amount, r.currency) for r in account.costs if r.dimension == "total"
        ]
        for account in result.accounts
    }
    assert totals == {SUB_A: [(Decimal("1.5"), "EUR")], SUB_B: [(Decimal("2.5"), "USD")]}


async def test_two_currencies_on_one_day_are_stored_and_summarised(
    azure: Served, db_pool: asyncpg.Pool
) -> None:
    """One subscription billed in EUR and USD on the same day: both kept, both in the summary."""
    await migrate(db_pool)
    today = NOW.date()
    month = today.strftime("%Y-%m")
    fake = azure.fake
    fake.pages[SUB_A, "ResourceGroupName", month] = [
        _grouped("ResourceGroupName", [(1.25, today, "rg-home", "EUR")]),
        _reordered("ResourceGroupName", [(2.5, today, "rg-home", "USD")]),
    ]
    fake.pages[SUB_A, "ServiceName", month] = [
        _grouped(
            "ServiceName", [(1.25, today, "Storage", "EUR"), (2.5, today, "Marketplace", "USD")]
        )
    ]
    fake.pages[SUB_A, "forecast", month] = [_forecast([(3.0, today, "EUR"), (4.0, today, "USD")])]
    result = await _poll(_plugin(azure, subscriptions=[{"id": SUB_A, "name": "Home"}]))
    await CloudCostWriter(db_pool).write("azure_cost_management", result)

    stored = await db_pool.fetch(
        "SELECT dimension, dimension_value, amount, currency FROM cloud_costs"
        " WHERE day = $1 ORDER BY currency, dimension, dimension_value",
        today,
    )
    assert [tuple(row) for row in stored] == [
        ("resource_group", "rg-home", Decimal("1.25"), "EUR"),
        ("service", "Storage", Decimal("1.25"), "EUR"),
        ("total", "", Decimal("1.25"), "EUR"),
        ("resource_group", "rg-home", Decimal("2.5"), "USD"),
        ("service", "Marketplace", Decimal("2.5"), "USD"),
        ("total", "", Decimal("2.5"), "USD"),
    ]
    state = engine_state(db_pool, clock=_noon)
    async with client(state) as session, session.get("/api/v1/summary") as resp:
        assert resp.status == 200
        accounts = (await resp.json())["cloud"]["accounts"]
    assert [
        (a["name"], a["currency"], a["today"], a["month_to_date"], a["forecast"]) for a in accounts
    ] == [("Home", "EUR", "1.25", "1.25", "3"), ("Home", "USD", "2.5", "2.5", "4")]


async def test_throttling_waits_for_the_largest_header(azure: Served) -> None:
    """429 with only x-ms headers waits the largest; 429 on a nextLink page with Retry-After."""
    today = NOW.date()
    month = today.strftime("%Y-%m")
    azure.fake.pages[SUB_A, "ResourceGroupName", month] = [
        _grouped("ResourceGroupName", [(1.0, today, "a", "EUR")]),
        _grouped("ResourceGroupName", [(2.0, today, "b", "EUR")]),
    ]
    # 0: previous month RG (throttled), 1: its retry, 2: previous month services,
    # 3: current RG page 1, 4: current RG page 2 via nextLink (throttled), 5: its retry.
    azure.fake.throttle = {0: {QPU: "3", ENTITY: "7"}, 4: {"Retry-After": "2"}}
    plugin = _plugin(azure, forecast=False, subscriptions=[{"id": SUB_A}])
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    plugin.sleep = sleep
    result = await _poll(plugin)
    assert waits == [7.0, 2.0]
    assert plugin.health() == {"requests": 7, "throttled": 2}
    assert result.requests == 7
    totals = [r.amount for r in result.accounts[0].costs if r.dimension == "total"]
    assert totals == [Decimal("3.0")]


async def test_throttling_without_end_fails_the_poll(azure: Served) -> None:
    """Too many 429s, or a wait longer than allowed, end the poll with a clear error."""
    azure.fake.throttle = {n: {QPU: "1"} for n in range(10)}
    plugin = _plugin(azure, max_attempts=3, subscriptions=[{"id": SUB_A}])

    async def sleep(seconds: float) -> None:
        pass

    plugin.sleep = sleep
    with pytest.raises(PluginError, match="throttling; it asks to wait 1 s; retrying at the next"):
        await _poll(plugin)
    assert plugin.requests == 3
    azure.fake.requests.clear()
    azure.fake.throttle = {0: {ENTITY: "3600"}}
    patient = _plugin(azure, subscriptions=[{"id": SUB_A}])
    with pytest.raises(PluginError, match="wait 3600 s"):
        await _poll(patient)
    assert patient.requests == 1


async def test_bad_secret_is_an_auth_error_without_the_secret(azure: Served) -> None:
    """The token endpoint refuses the secret: the error says what to check, not the secret."""
    wrong = "wrong-" + SECRET
    plugin = _plugin(azure, client_secret=wrong)
    with pytest.raises(PluginError, match="Azure rejected the credentials") as caught:
        await _poll(plugin)
    assert wrong not in str(caught.value)
    assert SECRET not in str(caught.value)
    assert azure.fake.requests == []


def test_retry_delay_takes_the_largest_header() -> None:
    """Every costmanagement retry-after header and Retry-After count; garbage is ignored."""
    headers = {
        QPU: "3",
        ENTITY: "12",
        "x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after": "x",
        "Retry-After": "5",
    }
    assert retry_delay(headers, 60.0) == 12.0
    assert retry_delay({}, 60.0) == 60.0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "required key not provided @ data\\['subscriptions'\\]|'subscriptions'"),
        ({"subscriptions": []}, "subscriptions"),
        ({"subscriptions": [{"id": "x"}], "tenant_id": "t"}, "needs 'tenant_id', 'client_id'"),
        ({"subscriptions": [{"id": "x"}], "cost_type": "Usage"}, "cost_type"),
    ],
)
def test_config_errors(options: dict[str, Any], message: str) -> None:
    """Bad options are refused with the option named."""
    with pytest.raises(PluginConfigError, match=message):
        validate_config(AzureCostManagementPlugin.manifest, options)


async def test_supervised_auth_failure_keeps_the_secret_out(
    azure: Served, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """In its worker, a refused sign-in shows in the status; no log or status has the secret."""
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-" + SECRET
    published: dict[str, dict[str, Any]] = {}
    config = {
        "tenant_id": TENANT,
        "client_id": CLIENT_ID,
        "client_secret": wrong,
        "subscriptions": [{"id": SUB_A}],
        "authority": azure.url,
        "management_endpoint": azure.url,
        "ca_bundle": str(azure.ca),
    }
    manager = PluginManager(
        [PluginInstance("work", "azure_cost_management", config)],
        _discard,
        published,
        state_root=tmp_path,
    )
    await run_plugins_until(manager, published, "work", "consecutive_failures")
    assert "Azure rejected the credentials" in published["work"]["last_error"]
    for text in (caplog.text, str(published)):
        assert wrong not in text
        assert SECRET not in text


async def _discard(source: str, result: PollResult) -> None:
    """A sink for results that must not come."""
    raise AssertionError(f"unexpected result from {source}")


async def test_previous_month_until_its_bill_closes(azure: Served, tmp_path: Path) -> None:
    """On the 3rd the previous month is re-fetched as estimated; from the 7th once, as final."""
    october, november = date(2026, 10, 31), date(2026, 11, 3)
    for month, day in (("2026-10", october), ("2026-11", november)):
        for grouping in ("ResourceGroupName", "ServiceName"):
            azure.fake.pages[SUB_A, grouping, month] = [
                _grouped(grouping, [(1.0, day, "x", "EUR")])
            ]

    async def poll_on(day: date) -> PollResult:
        plugin = _plugin(azure, forecast=False, subscriptions=[{"id": SUB_A}])
        plugin.state_dir = tmp_path
        plugin.clock = lambda: datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        return await _poll(plugin)

    def totals(result: PollResult) -> list[tuple[date, bool]]:
        return [(r.day, r.estimated) for r in result.accounts[0].costs if r.dimension == "total"]

    assert totals(await poll_on(november)) == [(october, True), (november, True)]
    assert totals(await poll_on(date(2026, 11, 5))) == [(october, True), (november, True)]
    assert totals(await poll_on(date(2026, 11, 7))) == [(october, False), (november, True)]
    # Closed and stored as final: never asked for again (a new worker reads the state).
    azure.fake.requests.clear()
    assert totals(await poll_on(date(2026, 11, 8))) == [(november, True)]
    assert {body["timePeriod"]["from"][:7] for _, _, body in azure.fake.requests} == {"2026-11"}


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No Azure credential of the machine's own: each test sets what it means to use."""
    for name in (
        "AZURE_TENANT_ID",
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
        "AZURE_CLIENT_CERTIFICATE_PATH",
        "AZURE_CLIENT_CERTIFICATE_PASSWORD",
        "AZURE_USERNAME",
        "AZURE_PASSWORD",
        "AZURE_AUTHORITY_HOST",
        "AZURE_FEDERATED_TOKEN_FILE",
        "AZURE_TOKEN_CREDENTIALS",
        "IDENTITY_ENDPOINT",
        "IDENTITY_HEADER",
        "IDENTITY_SERVER_THUMBPRINT",
        "IMDS_ENDPOINT",
        "MSI_ENDPOINT",
        "MSI_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _default_config(served: Served) -> dict[str, Any]:
    """No service principal: the plugin falls back to DefaultAzureCredential."""
    return {
        "subscriptions": [{"id": SUB_A, "name": "Home"}],
        "management_endpoint": served.url,
        "ca_bundle": str(served.ca),
        "forecast": False,
    }


def _one_day_of_costs(served: Served) -> date:
    today = NOW.date()
    month = today.strftime("%Y-%m")
    for grouping in ("ResourceGroupName", "ServiceName"):
        served.fake.pages[SUB_A, grouping, month] = [_grouped(grouping, [(1.5, today, "x", "EUR")])]
    return today


def _totals(result: PollResult) -> list[tuple[date, Decimal, str]]:
    return [
        (r.day, r.amount, r.currency)
        for account in result.accounts
        for r in account.costs
        if r.dimension == "total"
    ]


async def test_default_credential_from_the_environment(
    azure: Served, environment: pytest.MonkeyPatch
) -> None:
    """AZURE_TENANT_ID/CLIENT_ID/CLIENT_SECRET and the authority host: the environment
    credential of DefaultAzureCredential signs in at the fake's token endpoint."""
    environment.setenv("AZURE_TENANT_ID", TENANT)
    environment.setenv("AZURE_CLIENT_ID", CLIENT_ID)
    environment.setenv("AZURE_CLIENT_SECRET", SECRET)
    environment.setenv("AZURE_AUTHORITY_HOST", azure.url)
    today = _one_day_of_costs(azure)
    plugin = AzureCostManagementPlugin(
        validate_config(AzureCostManagementPlugin.manifest, _default_config(azure)), clock=_noon
    )
    result = await _poll(plugin)
    assert (today, Decimal("1.5"), "EUR") in _totals(result)
    assert azure.fake.token_requests == 1
    assert azure.fake.identity_requests == []


async def test_default_credential_with_a_managed_identity(
    azure: Served, environment: pytest.MonkeyPatch
) -> None:
    """No AZURE_* secret: the managed identity endpoint (App Service style) gives the token."""
    environment.setenv("IDENTITY_ENDPOINT", f"{azure.url}/msi/token")
    environment.setenv("IDENTITY_HEADER", IDENTITY_SECRET)
    azure.fake.identity_header = IDENTITY_SECRET
    today = _one_day_of_costs(azure)
    plugin = AzureCostManagementPlugin(
        validate_config(AzureCostManagementPlugin.manifest, _default_config(azure)), clock=_noon
    )
    result = await _poll(plugin)
    assert (today, Decimal("1.5"), "EUR") in _totals(result)
    assert azure.fake.token_requests == 0
    (asked,) = azure.fake.identity_requests
    assert asked["resource"].startswith("https://management.azure.com")
    assert "client_id" not in asked  # the system-assigned identity
    # A user-assigned identity is named by its client id.
    config = {**_default_config(azure), "managed_identity_client_id": CLIENT_ID}
    await _poll(
        AzureCostManagementPlugin(
            validate_config(AzureCostManagementPlugin.manifest, config), clock=_noon
        )
    )
    assert azure.fake.identity_requests[-1]["client_id"] == CLIENT_ID


@pytest.mark.parametrize("path", ["environment", "managed_identity"])
async def test_default_credential_secrets_stay_out_of_logs_health_and_metrics(
    azure: Served,
    environment: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    path: str,
) -> None:
    """A refused secret from the environment: the status says what to check; no log line,
    health or metrics answer, nor the error, shows it."""
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-" + (SECRET if path == "environment" else IDENTITY_SECRET)
    if path == "environment":
        environment.setenv("AZURE_TENANT_ID", TENANT)
        environment.setenv("AZURE_CLIENT_ID", CLIENT_ID)
        environment.setenv("AZURE_CLIENT_SECRET", wrong)
        environment.setenv("AZURE_AUTHORITY_HOST", azure.url)
    else:
        environment.setenv("IDENTITY_ENDPOINT", f"{azure.url}/msi/token")
        environment.setenv("IDENTITY_HEADER", wrong)
        azure.fake.identity_header = IDENTITY_SECRET
    state = engine_state()
    manager = PluginManager(
        [PluginInstance("work", "azure_cost_management", _default_config(azure))],
        _discard,
        state.plugins,
        state_root=tmp_path,
    )
    await run_plugins_until(manager, state.plugins, "work", "consecutive_failures")
    async with serve(state) as url, aiohttp.ClientSession(url, headers=AUTH) as session:
        async with session.get("/api/v1/health") as resp:
            health = await resp.text()
        async with session.get("/metrics") as resp:
            metrics = await resp.text()
    error = state.plugins["work"]["last_error"]
    assert "Azure rejected the credentials" in error
    assert "AZURE_* environment variables or the managed identity" in error
    # Each credential of the chain says why it failed, on one line.
    reason = {
        "environment": "EnvironmentCredential: Microsoft Entra ID error '(invalid_client) AADSTS",
        "managed_identity": "ManagedIdentityCredential: (None) Unauthorized",
    }[path]
    assert reason in error
    assert "\n" not in error
    assert "aetherlens_plugin_status" in metrics
    assert azure.fake.requests == []
    for text in (caplog.text, health, metrics, str(state.plugins)):
        assert wrong not in text
