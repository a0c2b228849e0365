"""cost_daily's costs are exactly the `cost_hourly` view's hours summed by local day.

The daily sums compute each hour's cost as a double product rounded to 1e-8 and take the exact
decimal `hour_cost` only where the product lies too near a half (tariffs/costs.py): these tests
give random kWh of every size and sign under rates with many digits, hours whose exact cost is a
tie (half a 1e-8, rounded away from zero), which the double product misses, and gas and water
meters counting m³ (priced at the hour's volume price).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from aetherlens_engine.pricing.service import TariffService
from aetherlens_engine.pricing.store.costs import write_costs
from aetherlens_engine.pricing.store.tariffs import save_tariff
from tests.engine.test_api_ledger import LONDON, NOW, _household
from tests.engine.test_bill_ledger import GAS
from tests.engine.test_tariff_costs import add_device, pool

__all__ = ["pool"]  # the fixture, used by name

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = timedelta(hours=1)
# The spring-forward day (23 hours) and the days around it.
START = datetime(2024, 3, 29, 23, tzinfo=UTC)
END = datetime(2024, 4, 2, 22, tzinfo=UTC)
# Rates of many digits (tiers times VAT), negative ones (a feed-in credit as a price).
TARIFF: dict[str, Any] = {
    "name": "digits",
    "currency": "EUR",
    "timezone": "Europe/Berlin",
    "energy": {
        "periods": [
            {"name": "off", "end": "07:00",
             "tiers": [{"up_to": 30, "price": "0.1713"}, {"price": "0.22917"}]},
            {"name": "day", "start": "07:00",
             "tiers": [{"up_to": 30, "price": "0.28373"}, {"price": "-0.0351"}]},
        ]
    },
    "taxes": [{"name": "VAT", "percent": "19.3"}],
}  # fmt: skip
# A flat 0.2 per kWh: 0.000000025 kWh costs exactly half of 1e-8.
FLAT: dict[str, Any] = {
    "name": "flat",
    "currency": "EUR",
    "timezone": "UTC",
    "energy": {"periods": [{"name": "all", "price": "0.2"}]},
}
_VIEW_DAYS_SQL = """
SELECT device_id, (hour AT TIME ZONE $1)::date AS day, currency, sum(cost) AS cost
FROM cost_hourly GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
"""


async def daily_and_view(conn: asyncpg.Connection, zone: ZoneInfo) -> tuple[list[Any], ...]:
    """Return cost_daily's (device, day, currency, cost) and the view's hours summed alike."""
    daily = await conn.fetch(
        "SELECT device_id, day, currency, cost FROM cost_daily ORDER BY 1, 2, 3"
    )
    view = await conn.fetch(_VIEW_DAYS_SQL, zone.key)
    return [tuple(row) for row in daily], [tuple(row) for row in view]


def random_kwh(rng: random.Random) -> float:
    """A kWh of any size from 1e-9 to 1e4, either sign (a netting meter exports)."""
    return rng.choice((-1.0, 1.0, 1.0, 1.0)) * 10 ** rng.uniform(-9, 4) * rng.random()


@pytest.mark.parametrize("seed", [1, 2])
async def test_daily_costs_are_the_views_hours_exactly(pool: asyncpg.Pool, seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    async with pool.acquire() as conn:
        grid = await add_device(conn, "grid", "grid")
        plugs = [await add_device(conn, f"plug{n}", "appliance") for n in range(4)]
        rows = []
        hour = START
        while hour < END:
            rows.append((grid, hour, rng.uniform(0, 3)))
            rows += [(plug, hour, random_kwh(rng)) for plug in plugs]
            hour += HOUR
        await conn.executemany(
            "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples)"
            " VALUES ($1, $2, $3, 1)",
            rows,
        )
        stored = await save_tariff(conn, TARIFF, datetime(2024, 1, 1, tzinfo=UTC))
        await write_costs(conn, stored, START, END, day_zone=BERLIN)
        daily, view = await daily_and_view(conn, BERLIN)
    assert len(daily) == 5 * 4  # five devices, four local days (one of 23 hours)
    assert daily == view


async def test_a_tie_is_rounded_away_from_zero(pool: asyncpg.Pool) -> None:
    """Hours costing exactly half of 1e-8 (or of its odd multiples) round up in magnitude."""
    utc = ZoneInfo("UTC")
    day = datetime(2024, 5, 1, tzinfo=UTC)
    async with pool.acquire() as conn:
        grid = await add_device(conn, "grid", "grid")
        plug = await add_device(conn, "plug", "appliance")
        ties = [0.000000025, 0.000000075, -0.000000025, 0.000000125, 1.000000025, -2.500000075]
        await conn.executemany(
            "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples)"
            " VALUES ($1, $2, $3, 1)",
            [(grid, day + n * HOUR, 5.0) for n in range(len(ties))]
            + [(plug, day + n * HOUR, kwh) for n, kwh in enumerate(ties)],
        )
        stored = await save_tariff(conn, FLAT, datetime(2024, 1, 1, tzinfo=UTC))
        await write_costs(conn, stored, day, day + timedelta(days=1), day_zone=utc)
        daily, view = await daily_and_view(conn, utc)
    assert daily == view
    # 0.5, 1.5, -0.5, 2.5, 20000000.5 and -50000001.5 units of 1e-8, each away from zero.
    assert daily[1][3] == Decimal("1E-8") * (1 + 2 - 1 + 3 + 20000001 - 50000002)


async def test_volume_meters_days_are_their_hours(pool: asyncpg.Pool) -> None:
    """Gas and water meters in m³ beside electricity (`test_api_ledger`'s household)."""
    await _household(pool)
    service = TariffService(pool, LONDON, clock=lambda: NOW)
    await service.start()
    for name in ("flat", GAS["name"], "City water"):
        await service.activate(name)
        await service.wait_settled()
    await service.stop()
    async with pool.acquire() as conn:
        daily, view = await daily_and_view(conn, LONDON)
        volume = await conn.fetchval(
            "SELECT count(*) FROM cost_daily JOIN devices ON id = device_id WHERE unit = 'm³'"
        )
    assert volume > 0
    assert daily == view
