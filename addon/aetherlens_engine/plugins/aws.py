"""AWS Cost Explorer: daily cost by service and by region, and the month's forecast.

Every Cost Explorer request is billed (USD 0.01, each page too), so the plugin counts each one,
retries nothing behind our back (botocore retries are off), re-fetches only days AWS still marks
`Estimated`, never a final one, and asks for the forecast at most once per `forecast_interval`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from http import HTTPStatus
from typing import Any

import aioboto3
import voluptuous as vol
from aiobotocore.config import AioConfig
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
)

from aetherlens_engine.clock import Clock, system_clock

from .base import Plugin, PluginError, PluginManifest
from .results import AccountCosts, CostRow, Dimension, Forecast, PollResult

# Cost Explorer has a single endpoint, whatever region the account works in.
CE_REGION = "us-east-1"
REQUEST_PRICE = Decimal("0.01")
FORECAST_METRICS = {
    "UnblendedCost": "UNBLENDED_COST",
    "BlendedCost": "BLENDED_COST",
    "AmortizedCost": "AMORTIZED_COST",
    "NetUnblendedCost": "NET_UNBLENDED_COST",
    "NetAmortizedCost": "NET_AMORTIZED_COST",
}
GROUPINGS: dict[str, Dimension] = {"SERVICE": "service", "REGION": "region"}
CREDENTIAL_ERRORS = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "ExpiredTokenException",
        "AccessDeniedException",
        "AccessDenied",
    }
)
STATE_FILE = "aws_cost_explorer.json"
# Credentials the default chain may read from the environment.
SECRET_ENVIRONMENT = frozenset({"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"})


def _credentials(config: dict[str, Any]) -> dict[str, Any]:
    if "profile" in config and "access_key_id" in config:
        raise vol.Invalid("use either 'profile' or 'access_key_id', not both")
    if ("access_key_id" in config) != ("secret_access_key" in config):
        raise vol.Invalid("'access_key_id' and 'secret_access_key' go together")
    return config


SCHEMA = vol.Schema(
    vol.All(
        {
            vol.Optional("account_name", default="AWS"): vol.All(str, vol.Length(min=1)),
            vol.Optional("account_id"): vol.All(str, vol.Length(min=1)),
            vol.Optional("profile"): vol.All(str, vol.Length(min=1)),
            vol.Optional("access_key_id"): vol.All(str, vol.Length(min=1)),
            vol.Optional("secret_access_key"): vol.All(str, vol.Length(min=1)),
            vol.Optional("session_token"): vol.All(str, vol.Length(min=1)),
            vol.Optional("metric", default="UnblendedCost"): vol.In(sorted(FORECAST_METRICS)),
            vol.Optional("group_by", default=["SERVICE", "REGION"]): vol.All(
                [vol.In(sorted(GROUPINGS))], vol.Length(min=1), vol.Unique()
            ),
            vol.Optional("forecast", default=True): bool,
            vol.Optional("forecast_interval_hours", default=24.0): vol.All(
                vol.Coerce(float), vol.Range(min=0)
            ),
            vol.Optional("backfill_months", default=1): vol.All(
                vol.Coerce(int), vol.Range(min=0, max=12)
            ),
            vol.Optional("max_attempts", default=3): vol.All(vol.Coerce(int), vol.Range(min=1)),
            vol.Optional("throttle_backoff_seconds", default=5.0): vol.All(
                vol.Coerce(float), vol.Range(min=0)
            ),
            # Only for tests and private endpoints.
            vol.Optional("endpoint_url"): vol.All(str, vol.Length(min=1)),
        },
        _credentials,
    )
)


@dataclass(slots=True)
class _Day:
    """One day as the groupings of one poll saw it."""

    estimated: bool = False
    groups: dict[str, dict[str, tuple[Decimal, str]]] = field(default_factory=dict)


def _month_start(day: date, months_back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def _amount(metric: Mapping[str, Any]) -> tuple[Decimal, str]:
    try:
        return Decimal(str(metric["Amount"])), str(metric["Unit"])
    except (KeyError, InvalidOperation) as err:
        raise PluginError(f"AWS Cost Explorer sent an unreadable amount: {metric!r}") from err


class AwsCostExplorerPlugin(Plugin):
    """Polls Cost Explorer for one AWS account (or a payer account's whole organisation)."""

    manifest = PluginManifest(
        name="aws_cost_explorer",
        version="1.0.0",
        config_schema=SCHEMA,
        poll_interval=timedelta(hours=8),
        min_poll_interval=timedelta(hours=1),
        secret_keys=frozenset({"secret_access_key", "session_token"}),
        secret_environment=SECRET_ENVIRONMENT,
        request_price=REQUEST_PRICE,
        request_currency="USD",
    )

    def __init__(self, config: Mapping[str, Any], *, clock: Clock = system_clock) -> None:
        """Prepare a poller for CONFIG; the client opens in `start`."""
        super().__init__(config, clock=clock)
        self.requests = 0
        self._stack = contextlib.AsyncExitStack()
        self._ce: Any = None
        self._account_id: str | None = self.config.get("account_id")
        # Every day up to this one is final at AWS and stored: it is never asked for again.
        self._final_through: date | None = None
        self._forecast_at: datetime | None = None
        self._found_secrets: tuple[str, ...] = ()

    async def start(self) -> None:
        """Open the Cost Explorer client and read the saved window."""
        config = self.config
        try:
            self._session = aioboto3.Session(
                profile_name=config.get("profile"),
                aws_access_key_id=config.get("access_key_id"),
                aws_secret_access_key=config.get("secret_access_key"),
                aws_session_token=config.get("session_token"),
            )
            self._ce = await self._stack.enter_async_context(self._client("ce"))
            # The default chain or a profile may read keys from files: blank those too.
            credentials = await self._session.get_credentials()
            if credentials is not None:
                frozen = await credentials.get_frozen_credentials()
                self._found_secrets = tuple(
                    secret for secret in (frozen.secret_key, frozen.token) if secret
                )
        except ProfileNotFound as err:
            raise PluginError(
                f"no usable AWS credentials ({err}): name a profile of the shared AWS config"
            ) from err
        except BotoCoreError as err:
            raise PluginError(f"cannot load the AWS credentials: {err}") from err
        self._load_state()

    def discovered_secrets(self) -> tuple[str, ...]:
        """Return the secret key and session token the credential chain found."""
        return self._found_secrets

    async def stop(self) -> None:
        """Close the client."""
        await self._stack.aclose()

    def health(self) -> dict[str, Any]:
        """Report the billable requests made by this worker and the final-data cursor."""
        return {
            "requests": self.requests,
            "request_cost_usd": str(self.requests * REQUEST_PRICE),
            "final_through": self._final_through.isoformat() if self._final_through else None,
        }

    async def poll(self) -> PollResult:
        """Fetch the open window (non-final days up to today) and, when due, the forecast."""
        before = self.requests
        now = self.clock()
        today = now.date()
        start = (
            self._final_through + timedelta(days=1)
            if self._final_through is not None
            else _month_start(today, int(self.config["backfill_months"]))
        )
        end = today + timedelta(days=1)  # Cost Explorer's end is exclusive
        account_id = await self._account()
        days: dict[date, _Day] = defaultdict(_Day)
        for key in self.config["group_by"]:
            await self._fetch_costs(start, end, key, days)
        costs = self._rows(days)
        forecasts: tuple[Forecast, ...] = ()
        if self._forecast_due(now):
            forecasts = await self._fetch_forecast(today)
            self._forecast_at = now
        self._advance(start, end, days)
        self._save_state()
        return PollResult(
            accounts=(AccountCosts(account_id, self.config["account_name"], costs, forecasts),),
            requests=self.requests - before,
        )

    def _client(self, service: str) -> Any:
        return self._session.client(
            service,
            region_name=CE_REGION,
            endpoint_url=self.config.get("endpoint_url"),
            # One HTTP request per call: each is billed and counted, and throttling is ours.
            config=AioConfig(retries={"total_max_attempts": 1, "mode": "standard"}),
        )

    async def _account(self) -> str:
        if self._account_id is None:
            # STS is free; Cost Explorer does not say whose costs it reports.
            async with self._client("sts") as sts:
                identity = await self._call(sts, "get_caller_identity", billable=False)
            self._account_id = str(identity["Account"])
        return self._account_id

    async def _fetch_costs(self, start: date, end: date, key: str, days: dict[date, _Day]) -> None:
        metric = self.config["metric"]
        params: dict[str, Any] = {
            "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
            "Granularity": "DAILY",
            "Metrics": [metric],
            "GroupBy": [{"Type": "DIMENSION", "Key": key}],
        }
        # No paginator exists for GetCostAndUsage: follow NextPageToken by hand.
        while True:
            page = await self._call(self._ce, "get_cost_and_usage", **params)
            for period in page.get("ResultsByTime", []):
                day = days[date.fromisoformat(period["TimePeriod"]["Start"])]
                day.estimated = day.estimated or bool(period.get("Estimated"))
                groups = day.groups.setdefault(key, {})
                for group in period.get("Groups", []):
                    name = " / ".join(group.get("Keys", [])) or "(none)"
                    groups[name] = _amount(group["Metrics"][metric])
            token = page.get("NextPageToken")
            if not token:
                return
            params["NextPageToken"] = token

    def _rows(self, days: Mapping[date, _Day]) -> tuple[CostRow, ...]:
        rows: list[CostRow] = []
        first_key = self.config["group_by"][0]
        for day, seen in sorted(days.items()):
            for key, groups in seen.groups.items():
                rows.extend(
                    CostRow(day, GROUPINGS[key], name, amount, unit, seen.estimated)
                    for name, (amount, unit) in sorted(groups.items())
                )
            # The day's total is the sum of one grouping (no extra billed request), per currency.
            totals: dict[str, Decimal] = defaultdict(Decimal)
            for amount, unit in seen.groups.get(first_key, {}).values():
                totals[unit] += amount
            for unit, amount in sorted(totals.items()):
                rows.append(CostRow(day, "total", "", amount, unit, seen.estimated))
        return tuple(rows)

    def _forecast_due(self, now: datetime) -> bool:
        if not self.config["forecast"]:
            return False
        interval = timedelta(hours=float(self.config["forecast_interval_hours"]))
        return self._forecast_at is None or now - self._forecast_at >= interval

    async def _fetch_forecast(self, today: date) -> tuple[Forecast, ...]:
        month_end = _month_start(today + timedelta(days=32 - today.day))
        try:
            answer = await self._call(
                self._ce,
                "get_cost_forecast",
                TimePeriod={"Start": today.isoformat(), "End": month_end.isoformat()},
                Metric=FORECAST_METRICS[self.config["metric"]],
                Granularity="MONTHLY",
            )
        except _DataUnavailableError:
            return ()  # too little history for AWS to forecast yet
        amount, unit = _amount(answer["Total"])
        # The forecast covers today to month end; the writer adds the stored days before today.
        return (Forecast(_month_start(today), amount, unit, from_day=today),)

    def _advance(self, start: date, end: date, days: Mapping[date, _Day]) -> None:
        day = start
        while day < end and day in days and not days[day].estimated:
            self._final_through = day
            day += timedelta(days=1)

    async def _call(
        self, client: Any, operation: str, *, billable: bool = True, **params: Any
    ) -> Any:
        attempts = int(self.config["max_attempts"])
        for attempt in range(attempts):
            if billable:
                self.requests += 1
            try:
                return await getattr(client, operation)(**params)
            except ClientError as err:
                code = str(err.response.get("Error", {}).get("Code", ""))
                if code == "LimitExceededException" and attempt + 1 < attempts:
                    await asyncio.sleep(float(self.config["throttle_backoff_seconds"]) * 2**attempt)
                    continue
                raise _explain(code, operation, err) from err
            except (NoCredentialsError, PartialCredentialsError, ProfileNotFound) as err:
                raise PluginError(
                    f"no usable AWS credentials ({err}): set 'profile', or 'access_key_id' and "
                    "'secret_access_key', or configure the default credential chain"
                ) from err
            except BotoCoreError as err:
                raise PluginError(f"cannot reach AWS ({operation}): {err}") from err
        raise AssertionError("unreachable")  # pragma: no cover

    def _load_state(self) -> None:
        if self.state_dir is None:
            return
        path = self.state_dir / STATE_FILE
        try:
            saved = json.loads(path.read_text())
        except (OSError, ValueError):
            return  # nothing saved yet (or unreadable): fetch the whole window again
        if final := saved.get("final_through"):
            self._final_through = date.fromisoformat(final)
        if forecast_at := saved.get("forecast_at"):
            self._forecast_at = datetime.fromisoformat(forecast_at)

    def _save_state(self) -> None:
        if self.state_dir is None:
            return
        saved = {
            "final_through": self._final_through.isoformat() if self._final_through else None,
            "forecast_at": self._forecast_at.isoformat() if self._forecast_at else None,
        }
        temporary = self.state_dir / f"{STATE_FILE}.tmp"
        temporary.write_text(json.dumps(saved))
        temporary.replace(self.state_dir / STATE_FILE)


class _DataUnavailableError(PluginError):
    """Cost Explorer has too little data for the request (a young account's forecast)."""


def _explain(code: str, operation: str, err: ClientError) -> PluginError:
    message = str(err.response.get("Error", {}).get("Message", ""))
    status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if code in CREDENTIAL_ERRORS or status == HTTPStatus.FORBIDDEN:
        return PluginError(
            f"AWS rejected the credentials (HTTP {status}, {code}); check 'profile' or "
            "'access_key_id'/'secret_access_key', and that the identity may call ce:* actions"
        )
    if code == "LimitExceededException":
        return PluginError(
            f"AWS Cost Explorer rate limit exceeded on {operation}; retrying at the next poll"
        )
    if code == "DataUnavailableException":
        return _DataUnavailableError(f"AWS has no data for {operation}: {message}")
    return PluginError(f"AWS Cost Explorer {operation} failed ({code}): {message}")
