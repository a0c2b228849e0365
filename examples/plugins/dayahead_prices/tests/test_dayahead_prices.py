"""The day-ahead plugin: its recorded answer, and a real engine polling a faithful fake feed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import asyncpg
import pytest
from aiohttp import web

from aetherlens_engine.plugins import PluginError
from aetherlens_engine.plugins.dryrun import dry_run, load_fixture
from aetherlens_engine.pricing.store.usage import price_series
from aetherlens_engine.testing import PluginEngine, serve_app
from dayahead_prices.plugin import DayAheadPricesPlugin

REFERENCE = "dayahead_prices.plugin:DayAheadPricesPlugin"
RECORDED = Path(__file__).parents[1] / "src" / "dayahead_prices" / "recorded.json"
HOUR = timedelta(hours=1)


def market_price(hour: datetime) -> Decimal:
    """The fake market's price of an hour, EUR/MWh: a daily curve, negative at 3 in the night."""
    return Decimal(hour.hour * 7 - 21) + Decimal("0.25")


class FakeFeed:
    """The market-data endpoint as the public feeds serve it: hourly entries within [start, end).

    Both bounds are required milliseconds since the epoch (HTTP 400 otherwise), entries start on
    whole hours, prices are JSON numbers in Eur/MWh.
    """

    def __init__(self) -> None:
        self.asked: list[tuple[datetime, datetime]] = []

    async def marketdata(self, request: web.Request) -> web.Response:
        try:
            start = datetime.fromtimestamp(int(request.query["start"]) / 1000, UTC)
            end = datetime.fromtimestamp(int(request.query["end"]) / 1000, UTC)
        except (KeyError, ValueError):
            return web.json_response({"error": "start and end are required"}, status=400)
        self.asked.append((start, end))
        hour = start.replace(minute=0, second=0, microsecond=0)
        data = []
        while hour < end:
            data.append(
                {
                    "start_timestamp": int(hour.timestamp() * 1000),
                    "end_timestamp": int((hour + HOUR).timestamp() * 1000),
                    "marketprice": float(market_price(hour)),
                    "unit": "Eur/MWh",
                }
            )
            hour += HOUR
        return web.json_response({"object": "list", "data": data, "url": "/v1/marketdata"})


@pytest.fixture
async def feed() -> AsyncIterator[tuple[FakeFeed, str]]:
    fake = FakeFeed()
    app = web.Application()
    app.router.add_get("/v1/marketdata", fake.marketdata)
    async with serve_app(app) as url:
        yield fake, f"{url}/v1/marketdata"


async def test_the_recorded_answer_is_priced_per_kwh_exactly() -> None:
    decoded = await dry_run(REFERENCE, DayAheadPricesPlugin.manifest, load_fixture(RECORDED))
    assert decoded.refused == ()
    assert [(p.start.hour, p.price, p.currency) for p in decoded.result.prices] == [
        (23, Decimal("0.1137"), "EUR"),
        (0, Decimal("0.11933"), "EUR"),
        (1, Decimal("0.0119"), "EUR"),
    ]


def test_a_price_not_per_mwh_is_named() -> None:
    plugin = DayAheadPricesPlugin({"url": "http://x", "markup_per_kwh": Decimal(0)})
    entry = {"start_timestamp": 0, "marketprice": 1, "unit": "Eur/kWh"}
    with pytest.raises(PluginError, match=r"data\[0\].unit: 'Eur/kWh' is not a price per MWh"):
        plugin.parse({"data": [entry]})


async def test_the_engine_stores_the_day_ahead_series(
    plugin_engine: PluginEngine, feed: tuple[FakeFeed, str]
) -> None:
    fake, url = feed
    status = await plugin_engine.run(REFERENCE, {"url": url, "markup_per_kwh": "0.015"})
    assert (status["refused"], status["requests"]) == (0, 1)
    ((start, end),) = fake.asked[:1]
    assert end - start == timedelta(hours=24) + timedelta(days=2)
    first = start.replace(minute=0, second=0, microsecond=0)
    conn = await asyncpg.connect(plugin_engine.dsn)
    try:
        series = await price_series(conn, "EUR", first, end)
    finally:
        await conn.close()
    assert series is not None
    # Tomorrow's prices are there: the series a dynamic tariff bills tomorrow by.
    assert series.starts[-1] >= datetime.now(UTC) + timedelta(days=1)
    assert all(
        value == market_price(hour) / 1000 + Decimal("0.015")
        for hour, value in zip(series.starts, series.values, strict=True)
    )
