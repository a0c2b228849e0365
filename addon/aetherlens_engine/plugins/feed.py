"""Readings, prices and carbon intensity from plugins, into the engine as every reading goes.

A plugin's declared devices become `devices` rows under the plugin's name as their source; their
readings go through the ingest pipeline, so its rules (too old, in the future, a unit that does
not convert) hold for them as for readings posted to the API; what it refuses is logged, named
with the plugin. Price points become the readings of a `price` device per currency (unit
CURRENCY/kWh: the price series a dynamic tariff is billed by) and carbon points those of a
`carbon` device, stored straight in one transaction (`series.upsert_series`): a day-ahead feed
publishes tomorrow's prices today, which the pipeline's "at most 5 minutes ahead" would refuse.
A republished point replaces the value held (a day-ahead correction). The hours of the points
that were new or changed are priced again at once (`reprice`, the tariff service's entry point
for the hours the rollups touched): a late price bills its recorded hours, a corrected one
re-bills them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Protocol

import asyncpg

from aetherlens_engine.collector.devices import DeviceSpec, upsert_devices
from aetherlens_engine.ingest.records import Record
from aetherlens_engine.models import UNIT_CARBON, DeviceKind, IngestResult, RawReading

from .results import PollResult
from .series import upsert_series

LOGGER = logging.getLogger(__name__)
CARBON_DEVICE = "carbon"


def price_device(currency: str) -> str:
    """Return the source_id of a plugin's price device in CURRENCY."""
    return f"price:{currency}"


class ReadingSink(Protocol):
    """The ingest pipeline as plugins' readings reach it."""

    async def submit(self, readings: Sequence[RawReading]) -> IngestResult:
        """Validate and store READINGS."""
        ...

    async def refresh_devices(self) -> None:
        """Read the devices again (some were just added)."""
        ...


class ReadingFeed:
    """Turns the readings, prices and carbon of a `PollResult` into readings of its devices."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        sink: ReadingSink,
        reprice: Callable[[tuple[datetime, datetime]], Awaitable[object]] | None = None,
    ) -> None:
        """Make devices through POOL and hand readings to SINK; REPRICE changed points' hours."""
        self._pool = pool
        self._sink = sink
        self._reprice = reprice

    async def write(self, source: str, result: PollResult) -> IngestResult | None:
        """Store RESULT's records from SOURCE; return what the pipeline made of its readings."""
        specs = [
            DeviceSpec(d.source_id, d.name, d.kind, d.unit, {}, commodity=d.commodity)
            for d in result.devices
        ]
        currencies = sorted({point.currency for point in result.prices})
        specs.extend(
            DeviceSpec(price_device(c), f"{source} price", DeviceKind.PRICE, f"{c}/kWh", {})
            for c in currencies
        )
        if result.carbon:
            specs.append(
                DeviceSpec(CARBON_DEVICE, f"{source} carbon", DeviceKind.CARBON, UNIT_CARBON, {})
            )
        if not specs:
            return None
        stored = (await upsert_devices(self._pool, specs, source)).by_source_id
        await self._sink.refresh_devices()
        series: list[Record] = [
            (p.start, stored[price_device(p.currency)].id, float(p.price), 0) for p in result.prices
        ]
        series.extend(
            (c.start, stored[CARBON_DEVICE].id, float(c.intensity), 0) for c in result.carbon
        )
        changed = None
        if series:
            async with self._pool.acquire() as conn, conn.transaction():
                changed = await upsert_series(conn, series)
        if changed is not None and self._reprice is not None:
            await self._reprice(changed)
        if not result.readings:
            return None
        readings = [
            RawReading(stored[r.device].id, r.time, r.value, r.unit) for r in result.readings
        ]
        outcome = await self._sink.submit(readings)
        for rejection in outcome.rejected:
            LOGGER.warning(
                "Plugin %s: reading %s refused: %s", source, rejection.index, rejection.reason
            )
        return outcome
