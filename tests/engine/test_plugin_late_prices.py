"""Prices a plugin delivers late for recorded hours, or corrects, price those hours at once.

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
from aetherlens_engine.pricing.store.usage import price_series
from aetherlens_engine.storage import compact_readings, detect_features
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


async def test_a_corrected_price_replaces_the_old_and_its_hour_is_billed_again(
    pool: asyncpg.Pool,
) -> None:
    """A day-ahead feed republishes hour 2 at 0.31 instead of 0.25: the series holds the new
    price and the hour's cost follows (2 kWh x 0.31), to the cent in the day's sum too; the other
    hours keep theirs. Republishing unchanged prices prices nothing again."""
    meter = await add_device(pool, "meter", "meter")
    await pool.executemany(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, 2, 1)",
        [(meter, FIRST + timedelta(hours=h)) for h in range(4)],
    )
    dynamic = flat("spot", "0", energy={"price": "0", "dynamic": True})
    spans: list[tuple[datetime, datetime]] = []
    async with Service(pool) as service:
        await service.save(native_definition(dynamic), None, activate=True)
        await service.wait_settled()

        async def reprice(span: tuple[datetime, datetime]) -> int:
            spans.append(span)
            return await service.price_rolled_up(span)

        feed = ReadingFeed(pool, NoReadings(), reprice)
        prices = {h: Decimal("0.25") for h in range(4)}
        await feed.write("spot_feed", _poll(prices))
        await feed.write("spot_feed", _poll(prices))  # the same again: nothing changed
        assert spans == [(FIRST, FIRST + timedelta(hours=4))]
        await feed.write("spot_feed", _poll({**prices, 2: Decimal("0.31")}))
        assert spans[1:] == [(FIRST + timedelta(hours=2), FIRST + timedelta(hours=3))]
        costs = [(row[1], row[4]) for row in await hourly(pool)]
        day = await pool.fetchval("SELECT sum(cost) FROM cost_daily WHERE device_id = $1", meter)
    kwh = Decimal(2)
    expected = [kwh * Decimal("0.25")] * 2 + [kwh * Decimal("0.31"), kwh * Decimal("0.25")]
    assert costs == [(FIRST + timedelta(hours=h), cost) for h, cost in enumerate(expected)]
    assert round(day, 2) == Decimal("2.12")  # 0.50 + 0.50 + 0.62 + 0.50
    stored = await pool.fetch(
        "SELECT r.time, r.value FROM readings AS r JOIN devices AS d ON d.id = r.device_id"
        " WHERE d.kind = 'price' ORDER BY r.time"
    )
    assert [row["value"] for row in stored] == [0.25, 0.25, 0.31, 0.25]


async def test_a_correction_of_a_packed_hour_replaces_its_value(pool: asyncpg.Pool) -> None:
    """Once its hour is compacted (plain PostgreSQL, TimescaleDB without compression) the price
    is corrected in the packed row; read back through the series it is the new one."""
    feed = ReadingFeed(pool, NoReadings())
    quarter = timedelta(minutes=15)
    points = [PricePoint(FIRST + n * quarter, Decimal("0.2"), "EUR") for n in range(4)]
    await feed.write("spot_feed", PollResult(prices=tuple(points)))
    async with pool.acquire() as conn:
        features = await detect_features(conn)
        report = await compact_readings(conn, features, FIRST + timedelta(days=2))
    assert report.hours == (0 if features.compression_policies else 1)
    corrected = [*points[:2], PricePoint(FIRST + 2 * quarter, Decimal("0.35"), "EUR"), points[3]]
    await feed.write("spot_feed", PollResult(prices=tuple(corrected)))
    async with pool.acquire() as conn:
        series = await price_series(conn, "EUR", FIRST, FIRST + timedelta(hours=1))
        unpacked = await conn.fetchval("SELECT count(*) FROM readings")
    assert series is not None
    assert series.values == (Decimal("0.2"), Decimal("0.2"), Decimal("0.35"), Decimal("0.2"))
    assert unpacked == (4 if features.compression_policies else 0)  # corrected where it is


def _poll(prices: dict[int, Decimal]) -> PollResult:
    """A poll of the feed: PRICES by hour after FIRST, in EUR/kWh."""
    points = (PricePoint(FIRST + timedelta(hours=h), p, "EUR") for h, p in prices.items())
    return PollResult(prices=tuple(points))
