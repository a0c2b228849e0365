"""AWS Cost Explorer plugin: the real aioboto3 client against moto (server mode) and our front."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import aioboto3
import aiohttp
import asyncpg
import pytest
from aiohttp import web

from aetherlens_engine.plugins import (
    CloudCostWriter,
    CostRow,
    PluginConfigError,
    PluginError,
    PluginInstance,
    PluginManager,
    PollResult,
)
from aetherlens_engine.plugins.aws import AwsCostExplorerPlugin
from aetherlens_engine.plugins.base import validate_config
from tests.dates import SweepDate, sweep_params
from tests.engine.fakes.aws import CostExplorerFront, MotoServer
from tests.engine.test_api_support import AUTH, engine_state, migrate, run_plugins_until, serve

BAD_SECRET = "bad/Secret+Key0123456789abcdefghijklmn"  # noqa: S105 (made up for the tests)
# The plugin's clock in tests that are not run on every date of the sweep: mid-month.
NOW = datetime(2026, 12, 15, 12, tzinfo=UTC)


def _noon() -> datetime:
    return NOW


POLICY = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'
)


@dataclass(frozen=True)
class Aws:
    """The fakes of one test and an IAM key pair moto accepts."""

    moto: MotoServer
    front: CostExplorerFront
    url: str
    access_key_id: str
    secret_access_key: str


@pytest.fixture
def moto(socket_enabled: None) -> Iterator[MotoServer]:
    """A moto_server for the test."""
    server = MotoServer()
    yield server
    server.stop()


@pytest.fixture
async def aws(moto: MotoServer) -> AsyncIterator[Aws]:
    """Reset moto, create an IAM user with a key (then enforce IAM), serve the front."""
    moto.reset(unauthenticated_actions=3)
    session = aioboto3.Session(
        aws_access_key_id="setup",
        aws_secret_access_key="setup",  # noqa: S106 - moto does not check these yet
        region_name="us-east-1",
    )
    async with session.client("iam", endpoint_url=moto.url) as iam:
        await iam.create_user(UserName="aetherlens")
        key = (await iam.create_access_key(UserName="aetherlens"))["AccessKey"]
        await iam.put_user_policy(UserName="aetherlens", PolicyName="all", PolicyDocument=POLICY)
    front = CostExplorerFront(moto.url)
    runner = web.AppRunner(front.app())
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        yield Aws(moto, front, f"http://{host}:{port}", key["AccessKeyId"], key["SecretAccessKey"])
    finally:
        await runner.cleanup()


def _config(aws: Aws, **options: Any) -> dict[str, Any]:
    config = {
        "account_name": "Home AWS",
        "access_key_id": aws.access_key_id,
        "secret_access_key": aws.secret_access_key,
        "endpoint_url": aws.url,
        "backfill_months": 0,
        "throttle_backoff_seconds": 0,
        **options,
    }
    return validate_config(AwsCostExplorerPlugin.manifest, config)


async def _poll(plugin: AwsCostExplorerPlugin) -> PollResult:
    await plugin.start()
    try:
        return await plugin.poll()
    finally:
        await plugin.stop()


def _window(today: date) -> list[date]:
    start = today.replace(day=1)
    return [start + timedelta(days=n) for n in range((today - start).days + 1)]


def _period(
    day: date, groups: dict[str, str], *, estimated: bool, metric: str = "UnblendedCost"
) -> dict[str, Any]:
    return {
        "TimePeriod": {"Start": day.isoformat(), "End": (day + timedelta(days=1)).isoformat()},
        "Total": {},
        "Groups": [
            {"Keys": [name], "Metrics": {metric: {"Amount": amount, "Unit": "USD"}}}
            for name, amount in groups.items()
        ],
        "Estimated": estimated,
    }


def _estimated(days: list[date]) -> set[date]:
    """The last two days of the window (or its only one) are still estimated."""
    return set(days[-2:])


def _service_pages(days: list[date], estimated: set[date]) -> list[dict[str, Any]]:
    """Two pages; the first day's groups are split across them, as AWS does."""
    first, rest = days[0], days[1:]
    page1 = {
        "ResultsByTime": [
            _period(first, {"Amazon S3": "0.5", "Amazon EC2": "1.25"}, estimated=first in estimated)
        ],
        "NextPageToken": "page-2",
    }
    page2 = {
        "ResultsByTime": [
            _period(first, {"AWS Lambda": "0.01"}, estimated=first in estimated),
            *(_period(day, {"Amazon S3": "0.4"}, estimated=day in estimated) for day in rest),
        ]
    }
    return [page1, page2]


def _region_page(days: list[date], estimated: set[date]) -> dict[str, Any]:
    amounts = {days[0]: "1.76"}
    return {
        "ResultsByTime": [
            _period(day, {"us-east-1": amounts.get(day, "0.4")}, estimated=day in estimated)
            for day in days
        ]
    }


def _by(result: PollResult, dimension: str) -> dict[tuple[date, str], CostRow]:
    (account,) = result.accounts
    return {(r.day, r.dimension_value): r for r in account.costs if r.dimension == dimension}


@pytest.mark.parametrize("moment", sweep_params())
async def test_poll_pages_groups_forecasts_and_counts_requests(
    aws: Aws, tmp_path: Path, moment: SweepDate
) -> None:
    """Two service pages + one region page + one forecast = 4 billed requests, all counted."""
    today = moment.utc.date()
    days = _window(today)
    estimated = _estimated(days)
    aws.front.queue_cost_and_usage(
        [*_service_pages(days, estimated), _region_page(days, estimated)]
    )
    plugin = AwsCostExplorerPlugin(_config(aws), clock=moment.clock)
    plugin.state_dir = tmp_path
    result = await _poll(plugin)

    assert result.requests == 4
    assert plugin.health()["request_cost_usd"] == "0.04"
    assert [len(aws.front.ce_requests(op)) for op in ("GetCostAndUsage", "GetCostForecast")] == [
        3,
        1,
    ]
    first, second, third = aws.front.ce_requests("GetCostAndUsage")
    assert first["TimePeriod"] == {
        "Start": days[0].isoformat(),
        "End": (today + timedelta(days=1)).isoformat(),
    }
    assert first["GroupBy"] == [{"Type": "DIMENSION", "Key": "SERVICE"}]
    assert first["Metrics"] == ["UnblendedCost"]
    assert second["NextPageToken"] == "page-2"
    assert third["GroupBy"] == [{"Type": "DIMENSION", "Key": "REGION"}]
    assert "NextPageToken" not in third

    (account,) = result.accounts
    assert (account.account_id, account.name) == ("123456789012", "Home AWS")  # from STS
    services = _by(result, "service")
    assert {name for day, name in services if day == days[0]} == {
        "Amazon S3",
        "Amazon EC2",
        "AWS Lambda",
    }
    totals = _by(result, "total")
    assert totals[days[0], ""].amount == Decimal("1.76")
    # Every day after the first costs 0.4 (on the 1st, today is the first day).
    today_total = Decimal("1.76") if today == days[0] else Decimal("0.4")
    assert totals[today, ""] == CostRow(today, "total", "", today_total, "USD", True)
    assert [row.amount for (day, _), row in sorted(totals.items())] == [
        Decimal("1.76"),
        *[Decimal("0.4")] * (len(days) - 1),
    ]
    assert _by(result, "region")[days[0], "us-east-1"].amount == Decimal("1.76")
    assert {day for (day, _), row in totals.items() if row.estimated} == estimated
    (forecast,) = account.forecasts
    assert (forecast.month, forecast.amount, forecast.from_day) == (
        days[0],
        Decimal("42.5"),
        today,
    )
    (forecast_request,) = aws.front.ce_requests("GetCostForecast")
    assert forecast_request["Metric"] == "UNBLENDED_COST"
    assert forecast_request["TimePeriod"]["Start"] == today.isoformat()

    # A new worker (same state dir) asks only for the days still estimated, and no forecast yet.
    first_estimated = min(estimated)
    open_days = [day for day in days if day >= first_estimated]
    final = set(open_days[:-1])  # AWS has closed all but today since
    aws.front.queue_cost_and_usage(
        [
            {
                "ResultsByTime": [
                    _period(d, {"Amazon S3": "0.4"}, estimated=d not in final) for d in open_days
                ]
            },
            _region_page(open_days, set(open_days) - final),
        ]
    )
    aws.front.requests.clear()
    again = AwsCostExplorerPlugin(_config(aws), clock=moment.clock)
    again.state_dir = tmp_path
    second_result = await _poll(again)
    assert second_result.requests == 2
    assert [r["TimePeriod"]["Start"] for r in aws.front.ce_requests("GetCostAndUsage")] == [
        first_estimated.isoformat(),
        first_estimated.isoformat(),
    ]
    assert aws.front.ce_requests("GetCostForecast") == []
    assert {day for day, _ in _by(second_result, "total")} == set(open_days)


async def test_throttling_is_retried_and_counted(aws: Aws) -> None:
    """LimitExceededException twice, then success: three billed attempts for the first call."""
    today = NOW.date()
    days = _window(today)
    aws.front.queue_cost_and_usage(
        [{"ResultsByTime": [_period(d, {"Amazon S3": "1"}, estimated=True) for d in days]}]
    )
    aws.front.throttle_next = 2
    plugin = AwsCostExplorerPlugin(
        _config(aws, account_id="111122223333", group_by=["SERVICE"], forecast=False), clock=_noon
    )
    result = await _poll(plugin)
    assert result.requests == 3
    assert len(aws.front.ce_requests("GetCostAndUsage")) == 3
    assert {row.day for row in result.accounts[0].costs} == set(days)


async def test_throttling_beyond_the_attempts_fails_the_poll(aws: Aws) -> None:
    """A throttled poll fails with an actionable error; every attempt still counts."""
    aws.front.throttle_next = 10
    plugin = AwsCostExplorerPlugin(
        _config(aws, account_id="111122223333", max_attempts=3), clock=_noon
    )
    with pytest.raises(PluginError, match="rate limit exceeded on get_cost_and_usage"):
        await _poll(plugin)
    assert plugin.requests == 3


async def test_bad_credentials_are_reported_without_the_secret(aws: Aws) -> None:
    """moto refuses an unknown key; the error says what to check and never shows the secret."""
    plugin = AwsCostExplorerPlugin(
        _config(
            aws,
            account_id="111122223333",
            access_key_id="AKIAIOSFODNN7EXAMPLE",
            secret_access_key=BAD_SECRET,
        ),
        clock=_noon,
    )
    with pytest.raises(PluginError, match="AWS rejected the credentials") as caught:
        await _poll(plugin)
    assert BAD_SECRET not in str(caught.value)
    assert "check 'profile'" in str(caught.value)


async def test_profile_from_shared_credentials(
    aws: Aws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A named profile is read from the shared credentials file; an unknown one is explained."""
    credentials = tmp_path / "credentials"
    credentials.write_text(
        f"[home]\naws_access_key_id = {aws.access_key_id}\n"
        f"aws_secret_access_key = {aws.secret_access_key}\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    base = {"endpoint_url": aws.url, "backfill_months": 0, "forecast": False}
    schema = AwsCostExplorerPlugin.manifest
    result = await _poll(
        AwsCostExplorerPlugin(validate_config(schema, {**base, "profile": "home"}), clock=_noon)
    )
    assert result.accounts[0].account_id == "123456789012"
    assert result.requests == 2
    missing = AwsCostExplorerPlugin(
        validate_config(schema, {**base, "profile": "nope"}), clock=_noon
    )
    with pytest.raises(PluginError, match="no usable AWS credentials"):
        await _poll(missing)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"profile": "a", "access_key_id": "b", "secret_access_key": "c"}, "either 'profile'"),
        ({"access_key_id": "b"}, "go together"),
        ({"metric": "Cheapest"}, "invalid option 'metric'"),
        ({"group_by": ["SERVICE", "SERVICE"]}, "invalid option 'group_by'"),
    ],
)
def test_config_errors(options: dict[str, Any], message: str) -> None:
    """Bad options are refused with the option named."""
    with pytest.raises(PluginConfigError, match=message):
        validate_config(AwsCostExplorerPlugin.manifest, options)


def test_defaults_poll_three_times_a_day() -> None:
    """Defaults: every 8 h, by service and region, UnblendedCost, forecast once a day."""
    config = validate_config(AwsCostExplorerPlugin.manifest, {})
    assert AwsCostExplorerPlugin.manifest.poll_interval == timedelta(hours=8)
    assert config["group_by"] == ["SERVICE", "REGION"]
    assert config["metric"] == "UnblendedCost"
    assert config["forecast_interval_hours"] == 24.0


async def test_supervised_poll_lands_in_the_database(
    aws: Aws, db_pool: asyncpg.Pool, tmp_path: Path
) -> None:
    """In its worker process, one cycle costs 4 requests and fills costs and forecast, for the
    days of the engine's clock (not the machine's)."""
    await migrate(db_pool)
    today = NOW.date()
    days = _window(today)
    estimated = _estimated(days)
    aws.front.queue_cost_and_usage(
        [*_service_pages(days, estimated), _region_page(days, estimated)]
    )
    state = engine_state()
    manager = PluginManager(
        [
            PluginInstance(
                "home-aws",
                "aws_cost_explorer",
                {
                    "access_key_id": aws.access_key_id,
                    "secret_access_key": aws.secret_access_key,
                    "endpoint_url": aws.url,
                    "backfill_months": 0,
                },
            )
        ],
        CloudCostWriter(db_pool).write,
        state.plugins,
        state_root=tmp_path,
        clock=_noon,  # the worker process's plugin follows the engine's clock
    )
    await run_plugins_until(manager, state.plugins, "home-aws", "polls")
    async with (
        serve(state) as url,
        aiohttp.ClientSession(url, headers=AUTH) as session,
        session.get("/metrics") as resp,
    ):
        metrics = await resp.text()
    labels = 'instance="home-aws",plugin="aws_cost_explorer"'
    assert f"aetherlens_plugin_requests_total{{{labels}}} 4.0" in metrics
    assert f'aetherlens_plugin_request_cost_total{{currency="USD",{labels}}} 0.04' in metrics
    status = state.plugins["home-aws"]
    assert (status["requests"], status["request_cost"], status["request_currency"]) == (
        4,
        "0.04",
        "USD",
    )
    assert status["details"]["final_through"] == (
        (min(estimated) - timedelta(days=1)).isoformat() if min(estimated) > days[0] else None
    )
    assert aws.secret_access_key not in str(status)
    device = await db_pool.fetchrow("SELECT id, source, source_id, kind FROM devices")
    assert tuple(device)[1:] == ("aws_cost_explorer", "123456789012", "cloud_account")
    totals = await db_pool.fetch(
        "SELECT day, amount, estimated FROM cloud_costs WHERE dimension = 'total' ORDER BY day"
    )
    assert [row["day"] for row in totals] == days
    before_today = sum((row["amount"] for row in totals if row["day"] < today), Decimal(0))
    forecast = await db_pool.fetchval(
        "SELECT amount FROM cloud_forecasts WHERE month = $1", days[0]
    )
    assert forecast == Decimal("42.5") + before_today


async def test_young_account_without_forecast_data(aws: Aws) -> None:
    """DataUnavailableException for the forecast: costs are kept, the forecast is left out."""
    today = NOW.date()
    days = _window(today)
    aws.front.queue_cost_and_usage(
        [{"ResultsByTime": [_period(d, {"Amazon S3": "1"}, estimated=True) for d in days]}]
    )
    aws.front.forecast_error = "DataUnavailableException"
    plugin = AwsCostExplorerPlugin(
        _config(aws, account_id="111122223333", group_by=["SERVICE"]), clock=_noon
    )
    result = await _poll(plugin)
    assert result.accounts[0].forecasts == ()
    assert len(result.accounts[0].costs) == 2 * len(days)  # by service and total
    assert result.requests == 2


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No AWS credential of the machine's own (and no instance metadata): only the test's."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return monkeypatch


def _chain_config(aws: Aws) -> dict[str, Any]:
    """No profile and no keys: the default credential chain decides."""
    return validate_config(
        AwsCostExplorerPlugin.manifest,
        {"endpoint_url": aws.url, "backfill_months": 0, "forecast": False, "group_by": ["SERVICE"]},
    )


def _queue_one_month(aws: Aws) -> list[date]:
    days = _window(NOW.date())
    aws.front.queue_cost_and_usage(
        [{"ResultsByTime": [_period(d, {"Amazon S3": "1"}, estimated=True) for d in days]}]
    )
    return days


async def test_default_chain_from_environment_variables(
    aws: Aws, environment: pytest.MonkeyPatch
) -> None:
    """AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are used; moto checks the signature."""
    environment.setenv("AWS_ACCESS_KEY_ID", aws.access_key_id)
    environment.setenv("AWS_SECRET_ACCESS_KEY", aws.secret_access_key)
    days = _queue_one_month(aws)
    plugin = AwsCostExplorerPlugin(_chain_config(aws), clock=_noon)
    result = await _poll(plugin)
    assert result.accounts[0].account_id == "123456789012"
    assert {row.day for row in result.accounts[0].costs} == set(days)
    assert result.requests == 1
    assert plugin.discovered_secrets() == (aws.secret_access_key,)


async def test_default_chain_from_the_shared_credentials_file(
    aws: Aws, environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The [default] profile of the shared credentials file is used when nothing is set."""
    (tmp_path / "credentials").write_text(
        f"[default]\naws_access_key_id = {aws.access_key_id}\n"
        f"aws_secret_access_key = {aws.secret_access_key}\n"
    )
    days = _queue_one_month(aws)
    plugin = AwsCostExplorerPlugin(_chain_config(aws), clock=_noon)
    result = await _poll(plugin)
    assert result.accounts[0].account_id == "123456789012"
    assert {row.day for row in result.accounts[0].costs} == set(days)
    assert plugin.discovered_secrets() == (aws.secret_access_key,)


async def test_default_chain_without_credentials_is_explained(
    aws: Aws, environment: pytest.MonkeyPatch
) -> None:
    """Nothing anywhere in the chain: the error says where credentials may come from."""
    plugin = AwsCostExplorerPlugin(_chain_config(aws), clock=_noon)
    with pytest.raises(PluginError, match="configure the default credential chain"):
        await _poll(plugin)
    assert aws.front.requests == []


@pytest.mark.parametrize("source", ["environment", "file"])
async def test_default_chain_secrets_stay_out_of_logs_health_and_metrics(
    aws: Aws,
    environment: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    source: str,
) -> None:
    """A refused key from the environment or the credentials file, in its worker: the status
    says what to check; no log line, health or metrics answer shows the secret."""
    caplog.set_level(logging.DEBUG)
    if source == "environment":
        environment.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        environment.setenv("AWS_SECRET_ACCESS_KEY", BAD_SECRET)
    else:
        (tmp_path / "credentials").write_text(
            f"[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
            f"aws_secret_access_key = {BAD_SECRET}\n"
        )
    state = engine_state()
    config = {"endpoint_url": aws.url, "backfill_months": 0, "account_id": "111122223333"}
    manager = PluginManager(
        [PluginInstance("home-aws", "aws_cost_explorer", config)],
        _refuse,
        state.plugins,
        state_root=tmp_path / "state",
    )
    await run_plugins_until(manager, state.plugins, "home-aws", "consecutive_failures")
    async with serve(state) as url, aiohttp.ClientSession(url, headers=AUTH) as session:
        async with session.get("/api/v1/health") as resp:
            health = await resp.text()
        async with session.get("/metrics") as resp:
            metrics = await resp.text()
    assert "AWS rejected the credentials" in state.plugins["home-aws"]["last_error"]
    assert 'aetherlens_plugin_requests_total{instance="home-aws"' in metrics
    for text in (caplog.text, health, metrics, str(state.plugins)):
        assert BAD_SECRET not in text


async def _refuse(source: str, result: PollResult) -> None:
    """A sink for results that must not come."""
    raise AssertionError(f"unexpected result from {source}")


async def test_cost_explorer_is_asked_in_us_east_1_with_the_configured_metric(
    aws: Aws, environment: pytest.MonkeyPatch
) -> None:
    """Whatever region the machine is set to, Cost Explorer is signed for us-east-1; another
    metric is asked for and read, and its forecast metric follows."""
    environment.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    environment.setenv("AWS_REGION", "eu-central-1")
    today = NOW.date()
    days = _window(today)
    aws.front.queue_cost_and_usage(
        [
            {
                "ResultsByTime": [
                    _period(d, {"Amazon S3": "2"}, estimated=True, metric="AmortizedCost")
                    for d in days
                ]
            }
        ]
    )
    plugin = AwsCostExplorerPlugin(
        _config(aws, account_id="111122223333", metric="AmortizedCost", group_by=["SERVICE"]),
        clock=_noon,
    )
    result = await _poll(plugin)
    assert aws.front.regions == {"us-east-1"}
    (usage,) = aws.front.ce_requests("GetCostAndUsage")
    assert usage["Metrics"] == ["AmortizedCost"]
    (forecast,) = aws.front.ce_requests("GetCostForecast")
    assert forecast["Metric"] == "AMORTIZED_COST"
    totals = _by(result, "total")
    assert totals[today, ""].amount == Decimal(2)


@pytest.mark.parametrize("moment", sweep_params())
async def test_cost_of_a_day_of_polling_with_the_defaults(aws: Aws, moment: SweepDate) -> None:
    """A day at the default pace (every 8 h, forecast once a day), counted by the plugin's own
    request counter: the figure the cost-awareness promise is judged by."""
    today = moment.utc.date()
    manifest = AwsCostExplorerPlugin.manifest
    config = validate_config(
        manifest,
        {
            "access_key_id": aws.access_key_id,
            "secret_access_key": aws.secret_access_key,
            "endpoint_url": aws.url,
        },
    )
    # The default window: last month (until AWS finalises it) and this month to today.
    start = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    days = [start + timedelta(days=n) for n in range((today - start).days + 1)]
    estimated = _estimated(days)
    open_days = [day for day in days if day >= min(estimated)]
    aws.front.queue_cost_and_usage(
        [
            _service_pages(days, estimated)[1],  # one page by service (a small account)
            _region_page(days, estimated),
            # Later polls ask only for the days AWS still estimates.
            *[
                {
                    "ResultsByTime": [
                        _period(d, {"Amazon S3": "0.4"}, estimated=True) for d in open_days
                    ]
                },
                _region_page(open_days, set(open_days)),
            ]
            * 2,
        ]
    )
    polls_per_day = timedelta(days=1) // manifest.poll_interval
    plugin = AwsCostExplorerPlugin(config, clock=moment.clock)
    await plugin.start()
    try:
        per_poll = [(await plugin.poll()).requests for _ in range(polls_per_day)]
    finally:
        await plugin.stop()
    per_day = sum(per_poll)
    cost = per_day * manifest.request_price
    assert polls_per_day == 3
    assert per_poll == [3, 2, 2]  # both groupings each time, the forecast once a day
    assert per_day == plugin.requests == len(aws.front.requests)
    assert plugin.health()["request_cost_usd"] == str(cost) == "0.07"
    print(  # noqa: T201 - the figure the lead quotes (pytest -s)
        f"\nAWS Cost Explorer with default settings: {polls_per_day} polls/day, requests per poll "
        f"{per_poll} = {per_day} requests/day x USD {manifest.request_price} = USD {cost}/day "
        f"(USD {cost * 30} per 30 days), one page per grouping"
    )


async def test_a_day_in_two_currencies_has_a_total_in_each(aws: Aws) -> None:
    """Services billed in USD and EUR on one day: one total per currency, none mixed."""
    today = NOW.date()
    days = _window(today)
    periods = []
    for day in days:
        period = _period(day, {"Amazon S3": "1.5"}, estimated=True)
        period["Groups"].append(
            {
                "Keys": ["AWS Marketplace"],
                "Metrics": {"UnblendedCost": {"Amount": "2.25", "Unit": "EUR"}},
            }
        )
        periods.append(period)
    aws.front.queue_cost_and_usage([{"ResultsByTime": periods}])
    plugin = AwsCostExplorerPlugin(
        _config(aws, account_id="111122223333", group_by=["SERVICE"], forecast=False), clock=_noon
    )
    result = await _poll(plugin)
    totals = [
        (row.amount, row.currency)
        for row in result.accounts[0].costs
        if row.dimension == "total" and row.day == today
    ]
    assert totals == [(Decimal("2.25"), "EUR"), (Decimal("1.5"), "USD")]
