"""The AI API costs plugin: its recorded pages, and a real engine polling a faithful fake."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from aiohttp import web

from aetherlens_engine.plugins import PluginError
from aetherlens_engine.plugins.dryrun import dry_run, load_fixture
from aetherlens_engine.testing import PluginEngine, serve_app
from ai_api_costs.plugin import AiApiCostsPlugin

REFERENCE = "ai_api_costs.plugin:AiApiCostsPlugin"
RECORDED = Path(__file__).parents[1] / "src" / "ai_api_costs" / "recorded.json"
KEY = "sk-admin-test"  # made up for the tests
DAY = timedelta(days=1)
# The engine's and the fake's now, pinned: the last half minute of a month's first day.
NOW = datetime(2026, 3, 1, 23, 59, 30, tzinfo=UTC)


class FakeCosts:
    """The costs endpoint: the admin key, daily buckets from start_time, one bucket a page.

    One bucket a page makes every poll follow `next_page` cursors, as a real month does. Its
    today is CLOCK's (the system's unless a test pins it, as it pins the engine's).
    """

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.requests = 0
        self.clock = clock

    async def costs(self, request: web.Request) -> web.Response:
        self.requests += 1
        if request.headers.get("Authorization") != f"Bearer {KEY}":
            return web.json_response({"error": {"message": "invalid key"}}, status=401)
        if request.query.get("bucket_width") != "1d":
            return web.json_response({"error": {"message": "bucket_width"}}, status=400)
        start = datetime.fromtimestamp(int(request.query["start_time"]), UTC)
        index = int(request.query.get("page", "0"))
        day = start + index * DAY
        today = self.clock().replace(hour=0, minute=0, second=0, microsecond=0)
        bucket = {
            "object": "bucket",
            "start_time": int(day.timestamp()),
            "end_time": int((day + DAY).timestamp()),
            "results": [
                {"amount": {"value": 0.5, "currency": "usd"}, "line_item": "chat, input"},
                {"amount": {"value": 0.25, "currency": "usd"}, "line_item": None},
            ],
        }
        more = day < today
        page = {"object": "page", "data": [bucket], "has_more": more}
        page["next_page"] = str(index + 1) if more else None
        return web.json_response(page)


@pytest.fixture
async def endpoint() -> AsyncIterator[tuple[FakeCosts, str]]:
    fake = FakeCosts(clock=lambda: NOW)
    app = web.Application()
    app.router.add_get("/v1/organization/costs", fake.costs)
    async with serve_app(app) as url:
        yield fake, f"{url}/v1/organization/costs"


async def test_the_recorded_pages_are_days_and_line_items() -> None:
    decoded = await dry_run(REFERENCE, AiApiCostsPlugin.manifest, load_fixture(RECORDED))
    assert decoded.refused == ()
    (account,) = decoded.result.accounts
    assert [(r.day.day, r.dimension, r.dimension_value, r.amount) for r in account.costs] == [
        (1, "total", "", Decimal("0.185")),
        (2, "total", "", Decimal("0.3")),
        (1, "service", "chat, input", Decimal("0.06")),
        (1, "service", "chat, output", Decimal("0.125")),
    ]
    assert decoded.result.requests == 2


def test_a_bucket_without_results_is_named() -> None:
    plugin = AiApiCostsPlugin({"url": "http://x", "api_key": KEY, "account_name": "AI", "days": 1})
    with pytest.raises(PluginError, match="not understood: KeyError\\('results'\\)"):
        plugin.parse([{"data": [{"start_time": 0}]}])


async def test_the_engine_stores_every_page(
    plugin_engine: PluginEngine, endpoint: tuple[FakeCosts, str]
) -> None:
    fake, url = endpoint
    status = await plugin_engine.run(
        REFERENCE, {"url": url, "api_key": KEY, "days": 3}, clock=lambda: NOW
    )
    assert (status["refused"], status["requests"], fake.requests) == (0, 3, 3)
    stored = await plugin_engine.fetch(
        "SELECT dimension, count(*), sum(amount) FROM cloud_costs GROUP BY dimension ORDER BY 1"
    )
    assert stored == [("service", 3, Decimal("1.5")), ("total", 3, Decimal("2.25"))]
