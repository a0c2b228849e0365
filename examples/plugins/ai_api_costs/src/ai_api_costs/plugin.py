"""An AI API organisation's daily costs, from its paginated costs endpoint.

The endpoint answers `GET URL?start_time=UNIX&bucket_width=1d&limit=N[&page=CURSOR]` (an admin
key as bearer token) with pages of daily buckets: `{"data": [{"start_time": UNIX, "results":
[{"amount": {"value": 0.06, "currency": "usd"}, "line_item": "gpt-x, input"}]}], "has_more":
true, "next_page": CURSOR}`, the shape of the usual AI providers' organisation costs API. Each
day's results are the account's total, and by line item its `service` costs. Built only with the
engine's SDK (`aetherlens_engine.plugins`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import aiohttp
import voluptuous as vol

from aetherlens_engine.plugins import (
    AccountCosts,
    CostRow,
    PluginError,
    PluginManifest,
    PollResult,
    Provides,
    SourcePlugin,
)

SCHEMA = vol.Schema(
    {
        vol.Required("url"): vol.Url(),
        vol.Required("api_key"): vol.All(str, vol.Length(min=1)),
        vol.Optional("account_name", default="AI API"): vol.All(str, vol.Length(min=1)),
        vol.Optional("days", default=7): vol.All(int, vol.Range(min=1, max=31)),
    }
)
TIMEOUT = aiohttp.ClientTimeout(total=30)
# More pages than a month of daily buckets ever takes: a feed that never ends is an error.
MAX_PAGES = 10


class AiApiCostsPlugin(SourcePlugin):
    """Daily costs of one organisation, in total and by line item."""

    manifest = PluginManifest(
        name="ai_api_costs",
        version="0.1.0",
        config_schema=SCHEMA,
        poll_interval=timedelta(hours=6),
        secret_keys=frozenset({"api_key"}),
        provides=frozenset({Provides.CLOUD_COSTS}),
    )

    async def fetch(self) -> Any:
        """Return every page of the last DAYS days' buckets, as a list."""
        today = self.clock().astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        since = today - timedelta(days=self.config["days"] - 1)
        params = {"start_time": str(int(since.timestamp())), "bucket_width": "1d", "limit": "31"}
        headers = {"Authorization": f"Bearer {self.config['api_key']}"}
        pages: list[Any] = []
        try:
            async with aiohttp.ClientSession(timeout=TIMEOUT, headers=headers) as session:
                while len(pages) < MAX_PAGES:
                    async with session.get(self.config["url"], params=params) as response:
                        if response.status != 200:  # noqa: PLR2004 - the one success
                            raise PluginError(f"the costs endpoint answered HTTP {response.status}")
                        page = await response.json()
                    pages.append(page)
                    if not page.get("has_more"):
                        return pages
                    params = {**params, "page": str(page["next_page"])}
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, AttributeError) as err:
            raise PluginError(f"cannot read the costs endpoint: {err!r}") from err
        raise PluginError(f"the costs endpoint had more than {MAX_PAGES} pages")

    def parse(self, answer: Any) -> PollResult:
        """Return each day's total and line-item costs from the pages in ANSWER."""
        totals: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
        items: dict[tuple[date, str, str], Decimal] = defaultdict(Decimal)
        try:
            for page in answer:
                for bucket in page["data"]:
                    day = datetime.fromtimestamp(int(bucket["start_time"]), UTC).date()
                    for result in bucket["results"]:
                        amount = Decimal(str(result["amount"]["value"]))
                        currency = str(result["amount"]["currency"]).upper()
                        totals[day, currency] += amount
                        if item := result.get("line_item"):
                            items[day, str(item), currency] += amount
        except (KeyError, TypeError, ValueError, InvalidOperation) as err:
            raise PluginError(f"the costs endpoint's answer is not understood: {err!r}") from err
        rows = [
            CostRow(day, "total", "", amount, currency)
            for (day, currency), amount in sorted(totals.items())
        ]
        rows.extend(
            CostRow(day, "service", item, amount, currency)
            for (day, item, currency), amount in sorted(items.items())
        )
        name: str = self.config["account_name"]
        return PollResult(accounts=(AccountCosts(name, name, tuple(rows)),), requests=len(answer))
