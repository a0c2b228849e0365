"""Prices a plugin delivers for hours already recorded have those hours priced at once.

A dynamic tariff cannot bill four hours of recorded energy without their prices; when the feed
brings them (late: the hours are past), those hours are priced then, with no rollup involved.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg

from aetherlens_engine.models import IngestResult, RawReading
from aetherlens_engine.plugins import PollResult, PricePoint, ReadingFeed
from aetherlens_engine.tariffs.source import native_definition
from tests.engine.test_tariff_service import Service, add_device, flat, hourly, pool

__all__ = ["pool"]  # the fixture
FIRST = datetime(2024, 4, 30, 20, tzinfo=UTC)


class NoReadings:
    """The ingest pipeline as the feed sees it: this plugin brings prices only."""

    async def submit(self, readings: Sequence[RawReading]) -> IngestResult:
        raise AssertionError(f"no readings expected, got {len(readings)}")

    async def refresh_devices(self) -> None:
        """Nothing to refresh."""


async def test_late_prices_price_the_hours_they_cover_at_once(pool: asyncpg.Pool) -> None:
    meter = await add_device(pool, "meter", "meter")
    await pool.executemany(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, 2, 1)",
        [(meter, FIRST + timedelta(hours=h)) for h in range(4)],
    )
    dynamic = flat("spot", "0", energy={"price": "0", "dynamic": True})
    async with Service(pool) as service:
        await service.save(native_definition(dynamic), None, activate=True)
        await service.wait_settled()
        assert await hourly(pool) == []  # no prices: nothing can be billed
        feed = ReadingFeed(pool, NoReadings(), service.price_rolled_up)
        points = (PricePoint(FIRST + timedelta(hours=h), Decimal("0.25"), "EUR") for h in range(4))
        await feed.write("spot_feed", PollResult(prices=tuple(points)))
        costs = [(row[1], row[4]) for row in await hourly(pool)]
    assert costs == [(FIRST + timedelta(hours=h), Decimal("0.5")) for h in range(4)]  # 2 x 0.25
