"""Azure Cost Management: daily cost per subscription by resource group and service, forecast.

The SDK neither follows `nextLink` nor retries a throttled POST without `Retry-After`, so both
are done here: pages are fetched until no `nextLink` is left, and a 429 waits for the largest of
the `x-ms-ratelimit-microsoft.costmanagement-*-retry-after` headers (or `Retry-After`, or a
default). Only the open window is fetched: the current month, and the previous one until its
bill closes (`previous_month_until_day`).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import re
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from http import HTTPStatus
from typing import Any, cast

import voluptuous as vol
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.core.rest import AsyncHttpResponse, HttpRequest
from azure.identity.aio import ClientSecretCredential, DefaultAzureCredential
from azure.mgmt.costmanagement.aio import CostManagementClient

from aetherlens_engine.clock import Clock, system_clock

from .base import Plugin, PluginError, PluginManifest
from .results import AccountCosts, CostRow, Dimension, Forecast, PollResult

GROUPINGS: dict[str, Dimension] = {"ResourceGroupName": "resource_group", "ServiceName": "service"}
RETRY_AFTER = re.compile(
    r"^x-ms-ratelimit-microsoft\.costmanagement-.*-retry-after$", re.IGNORECASE
)
STATE_FILE = "azure_cost_management.json"
# Credentials DefaultAzureCredential may read from the environment.
SECRET_ENVIRONMENT = frozenset(
    {
        "AZURE_CLIENT_SECRET",
        "AZURE_CLIENT_CERTIFICATE_PASSWORD",
        "AZURE_PASSWORD",
        "IDENTITY_HEADER",
        "MSI_SECRET",
    }
)
# A poller in an add-on has no user to sign in and no developer tools: of the default chain
# only the environment, workload identity and managed identity credentials remain.
DEVELOPER_CREDENTIALS = {
    "exclude_shared_token_cache_credential": True,
    "exclude_visual_studio_code_credential": True,
    "exclude_cli_credential": True,
    "exclude_developer_cli_credential": True,
    "exclude_powershell_credential": True,
}

_SUBSCRIPTION = vol.Schema(
    {
        vol.Required("id"): vol.All(str, vol.Length(min=1)),
        vol.Optional("name"): vol.All(str, vol.Length(min=1)),
    }
)


def _credentials(config: dict[str, Any]) -> dict[str, Any]:
    given = [key for key in ("tenant_id", "client_id", "client_secret") if key in config]
    if given and len(given) != 3:  # noqa: PLR2004 - the three service principal options
        raise vol.Invalid(
            "a service principal needs 'tenant_id', 'client_id' and 'client_secret' "
            "(leave all three out to use a managed identity or the default credential)"
        )
    return config


SCHEMA = vol.Schema(
    vol.All(
        {
            vol.Required("subscriptions"): vol.All([_SUBSCRIPTION], vol.Length(min=1)),
            vol.Optional("tenant_id"): vol.All(str, vol.Length(min=1)),
            vol.Optional("client_id"): vol.All(str, vol.Length(min=1)),
            vol.Optional("client_secret"): vol.All(str, vol.Length(min=1)),
            # A user-assigned managed identity (without it: AZURE_CLIENT_ID, or the system one).
            vol.Optional("managed_identity_client_id"): vol.All(str, vol.Length(min=1)),
            vol.Optional("cost_type", default="ActualCost"): vol.In(
                ["ActualCost", "AmortizedCost"]
            ),
            vol.Optional("forecast", default=True): bool,
            vol.Optional("previous_month_until_day", default=7): vol.All(
                vol.Coerce(int), vol.Range(min=1, max=28)
            ),
            vol.Optional("max_attempts", default=4): vol.All(vol.Coerce(int), vol.Range(min=1)),
            vol.Optional("default_retry_after_seconds", default=60.0): vol.All(
                vol.Coerce(float), vol.Range(min=0)
            ),
            vol.Optional("max_retry_after_seconds", default=300.0): vol.All(
                vol.Coerce(float), vol.Range(min=0)
            ),
            # For sovereign clouds and tests: where to sign in and where Cost Management is.
            vol.Optional("authority"): vol.All(str, vol.Length(min=1)),
            vol.Optional("management_endpoint"): vol.All(str, vol.Length(min=1)),
            vol.Optional("ca_bundle"): vol.All(str, vol.Length(min=1)),
        },
        _credentials,
    )
)


class _ThrottledError(PluginError):
    """Cost Management answered 429; `delay` is how long it asks us to wait."""

    def __init__(self, delay: float) -> None:
        super().__init__(f"Azure Cost Management is throttling; it asks to wait {delay:g} s")
        self.delay = delay


def _month_start(day: date, months_back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def _day(value: object) -> date:
    text = str(value)
    if text.isdigit():  # Daily granularity: 20261103
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    return datetime.fromisoformat(text).date()


def _decimal(value: object) -> Decimal:
    try:
        # Parsed with parse_float=Decimal, so no binary rounding happened on the way.
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation as err:
        raise PluginError(f"Azure sent an unreadable cost: {value!r}") from err


def retry_delay(headers: Mapping[str, str], default: float) -> float:
    """Return the largest wait Cost Management asks for in HEADERS, or DEFAULT if none."""
    delays: list[float] = []
    for name, value in headers.items():
        if RETRY_AFTER.match(name) or name.lower() == "retry-after":
            with contextlib.suppress(ValueError):
                delays.append(float(value))
    return max(delays) if delays else default


class _Page:
    """One answer of the query or forecast API, columns looked up by name."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        properties = data.get("properties") or {}
        self.next_link: str | None = properties.get("nextLink") or None
        columns = [str(column.get("name", "")).lower() for column in properties.get("columns", [])]
        self._index = {name: position for position, name in enumerate(columns)}
        self.rows: list[list[Any]] = properties.get("rows") or []

    def column(self, row: list[Any], name: str) -> Any:
        try:
            return row[self._index[name.lower()]]
        except (KeyError, IndexError) as err:
            raise PluginError(f"Azure's answer has no {name!r} column") from err

    def cost(self, row: list[Any]) -> Decimal:
        for name in ("Cost", "PreTaxCost", "CostUSD"):
            if name.lower() in self._index:
                return _decimal(self.column(row, name))
        raise PluginError("Azure's answer has no cost column")


class AzureCostManagementPlugin(Plugin):
    """Polls Cost Management for one or more subscriptions."""

    manifest = PluginManifest(
        name="azure_cost_management",
        version="1.0.0",
        config_schema=SCHEMA,
        poll_interval=timedelta(hours=4),
        min_poll_interval=timedelta(hours=4),
        secret_keys=frozenset({"client_secret"}),
        secret_environment=SECRET_ENVIRONMENT,
    )

    def __init__(self, config: Mapping[str, Any], *, clock: Clock = system_clock) -> None:
        """Prepare a poller for CONFIG; clients open in `start`."""
        super().__init__(config, clock=clock)
        self.requests = 0
        self.throttled = 0
        # Waits go through here (tests observe the delays without spending them).
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
        self._stack = contextlib.AsyncExitStack()
        self._client: CostManagementClient | None = None
        self._previous_closed: date | None = None

    async def start(self) -> None:
        """Open the credential and the Cost Management client."""
        config = self.config
        # Retries are ours: azure-core would not retry a throttled POST without Retry-After.
        options: dict[str, Any] = {"retry_total": 0}
        if "ca_bundle" in config:
            options["connection_verify"] = config["ca_bundle"]
        client_options = dict(options)
        if "authority" in config:
            options["authority"] = config["authority"]
        credential: ClientSecretCredential | DefaultAzureCredential
        if "client_secret" in config:
            credential = ClientSecretCredential(
                config["tenant_id"], config["client_id"], config["client_secret"], **options
            )
        else:
            if "managed_identity_client_id" in config:
                options["managed_identity_client_id"] = config["managed_identity_client_id"]
            credential = DefaultAzureCredential(**options, **DEVELOPER_CREDENTIALS)
        await self._stack.enter_async_context(credential)
        endpoint = config.get("management_endpoint")
        self._client = await self._stack.enter_async_context(
            CostManagementClient(credential, base_url=endpoint, **client_options)
        )
        self._load_state()

    async def stop(self) -> None:
        """Close the client and the credential."""
        await self._stack.aclose()

    def health(self) -> dict[str, Any]:
        """Report the requests made by this worker and how often Azure throttled them."""
        return {"requests": self.requests, "throttled": self.throttled}

    async def poll(self) -> PollResult:
        """Fetch the open window of every subscription and, if enabled, its forecast."""
        before = self.requests
        today = self.clock().date()
        month = _month_start(today)
        previous = _month_start(today, 1)
        until = int(self.config["previous_month_until_day"])
        windows = [(month, today, True)]
        if today.day <= until or self._previous_closed != previous:
            # The previous bill is final from `until` on: its last fetch is stored as final.
            windows.insert(0, (previous, month - timedelta(days=1), today.day < until))
        accounts = []
        for subscription in self.config["subscriptions"]:
            scope = f"/subscriptions/{subscription['id']}"
            costs: list[CostRow] = []
            for start, end, estimated in windows:
                costs.extend(await self._costs(scope, start, end, estimated=estimated))
            forecasts = await self._forecast(scope, today) if self.config["forecast"] else ()
            accounts.append(
                AccountCosts(
                    subscription["id"],
                    subscription.get("name", subscription["id"]),
                    tuple(costs),
                    forecasts,
                )
            )
        if today.day >= until:
            self._previous_closed = previous
        self._save_state()
        return PollResult(accounts=tuple(accounts), requests=self.requests - before)

    async def _costs(self, scope: str, start: date, end: date, *, estimated: bool) -> list[CostRow]:
        rows: list[CostRow] = []
        totals: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
        # At most two groupings per query are allowed; one per query keeps each sum exact.
        for grouping, dimension in GROUPINGS.items():
            body = self._query_body(start, end, grouping)
            sums: dict[tuple[date, str, str], Decimal] = defaultdict(Decimal)
            async for page in self._pages(scope, "query", body):
                for row in page.rows:
                    day = _day(page.column(row, "UsageDate"))
                    value = str(page.column(row, grouping) or "") or "(none)"
                    currency = str(page.column(row, "Currency"))
                    sums[day, value, currency] += page.cost(row)
            for (day, value, currency), amount in sorted(sums.items()):
                rows.append(CostRow(day, dimension, value, amount, currency, estimated))
                if grouping == "ResourceGroupName":
                    totals[day, currency] += amount
        # A subscription billed in two currencies on one day has a total in each.
        rows.extend(
            CostRow(day, "total", "", amount, currency, estimated)
            for (day, currency), amount in sorted(totals.items())
        )
        return rows

    async def _forecast(self, scope: str, today: date) -> tuple[Forecast, ...]:
        month_end = _month_start(today + timedelta(days=32 - today.day)) - timedelta(days=1)
        body = {
            "type": self.config["cost_type"],
            "timeframe": "Custom",
            "timePeriod": {"from": f"{today}T00:00:00Z", "to": f"{month_end}T23:59:59Z"},
            "dataset": {
                "granularity": "Daily",
                "aggregation": {"totalCost": {"name": "Cost", "function": "Sum"}},
            },
            "includeActualCost": False,
            "includeFreshPartialCost": False,
        }
        sums: dict[str, Decimal] = defaultdict(Decimal)
        async for page in self._pages(scope, "forecast", body):
            for row in page.rows:
                sums[str(page.column(row, "Currency"))] += page.cost(row)
        month = _month_start(today)
        return tuple(
            Forecast(month, amount, currency, from_day=today)
            for currency, amount in sorted(sums.items())
        )

    def _query_body(self, start: date, end: date, grouping: str) -> dict[str, Any]:
        return {
            "type": self.config["cost_type"],
            "timeframe": "Custom",
            "timePeriod": {"from": f"{start}T00:00:00Z", "to": f"{end}T23:59:59Z"},
            "dataset": {
                "granularity": "Daily",
                "aggregation": {"totalCost": {"name": "Cost", "function": "Sum"}},
                "grouping": [{"type": "Dimension", "name": grouping}],
            },
        }

    async def _pages(self, scope: str, api: str, body: dict[str, Any]) -> AsyncIterator[_Page]:
        """Yield every page of the query or forecast API, following `nextLink`."""
        client = self._client
        if client is None:
            raise PluginError("the Azure plugin was polled before it started")
        operations = client.query if api == "query" else client.forecast

        async def first() -> _Page:
            try:
                content = io.BytesIO(json.dumps(body).encode())
                answer = await operations.usage(scope, content, cls=_raw)
            except HttpResponseError as err:
                raise self._explain(err) from err
            return await _page(cast("AsyncHttpResponse | None", answer))

        page = await self._attempts(first)
        yield page
        while page.next_link:
            link = page.next_link

            async def following(link: str = link) -> _Page:
                try:
                    response = await client.send_request(HttpRequest("POST", link, json=body))
                except ClientAuthenticationError as err:
                    raise self._explain(err) from err
                if response.status_code == HTTPStatus.TOO_MANY_REQUESTS:
                    raise _ThrottledError(self._delay(response.headers))
                if response.status_code >= HTTPStatus.BAD_REQUEST:
                    await response.read()
                    raise PluginError(
                        f"Azure Cost Management refused a page ({response.status_code}): "
                        f"{response.text()[:300]}"
                    )
                return await _page(response)

            page = await self._attempts(following)
            yield page

    async def _attempts(self, request: Callable[[], Awaitable[_Page]]) -> _Page:
        attempts = int(self.config["max_attempts"])
        for attempt in range(attempts):
            self.requests += 1
            try:
                return await request()
            except _ThrottledError as err:
                self.throttled += 1
                if attempt + 1 == attempts or err.delay > self.config["max_retry_after_seconds"]:
                    raise PluginError(f"{err}; retrying at the next poll") from err
                await self.sleep(err.delay)
        raise PluginError("no attempt was made")  # max_attempts >= 1: never reached

    def _delay(self, headers: Mapping[str, str]) -> float:
        return retry_delay(headers, float(self.config["default_retry_after_seconds"]))

    def _explain(self, err: HttpResponseError) -> PluginError:
        if isinstance(err, ClientAuthenticationError) or err.status_code in {
            HTTPStatus.UNAUTHORIZED,
            HTTPStatus.FORBIDDEN,
        }:
            where = (
                "'tenant_id', 'client_id' and 'client_secret'"
                if "client_secret" in self.config
                else "the AZURE_* environment variables or the managed identity"
            )
            return PluginError(
                f"Azure rejected the credentials ({err.status_code or 'sign-in'}): check "
                f"{where}, and that the identity has the Cost Management Reader role on each "
                f"subscription ({_reasons(err.message)})"
            )
        if err.status_code == HTTPStatus.TOO_MANY_REQUESTS:
            return _ThrottledError(self._delay(getattr(err.response, "headers", {})))
        return PluginError(f"Azure Cost Management failed ({err.status_code}): {err.message[:300]}")

    def _load_state(self) -> None:
        if self.state_dir is None:
            return
        with contextlib.suppress(OSError, ValueError):
            saved = json.loads((self.state_dir / STATE_FILE).read_text())
            if closed := saved.get("previous_closed"):
                self._previous_closed = date.fromisoformat(closed)

    def _save_state(self) -> None:
        if self.state_dir is None:
            return
        closed = self._previous_closed.isoformat() if self._previous_closed else None
        temporary = self.state_dir / f"{STATE_FILE}.tmp"
        temporary.write_text(json.dumps({"previous_closed": closed}))
        temporary.replace(self.state_dir / STATE_FILE)


def _reasons(message: str) -> str:
    """Return MESSAGE on one line, without the raw bodies and links azure-identity adds.

    A failed DefaultAzureCredential lists one reason per credential tried: each is kept.
    """
    noise = ("Content:", "Visit ", "To mitigate", "Attempted credentials")
    lines = [line.strip() for line in message.splitlines()]
    return " ".join(line for line in lines if line and not line.startswith(noise))[:800]


def _raw(pipeline_response: Any, deserialized: object, headers: object) -> AsyncHttpResponse:
    """`cls` hook of the SDK: keep the raw response, so amounts are parsed as Decimal."""
    response: AsyncHttpResponse = pipeline_response.http_response
    return response


async def _page(response: AsyncHttpResponse | None) -> _Page:
    if response is None or response.status_code == HTTPStatus.NO_CONTENT:
        return _Page({})
    body = await response.read()
    if not body:
        return _Page({})
    try:
        return _Page(json.loads(body, parse_float=Decimal))
    except ValueError as err:
        raise PluginError(f"Azure sent an unreadable answer: {err}") from err
