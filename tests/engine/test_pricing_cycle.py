"""The cycle's figures kept per hour equal billing from scratch; the revision sees every change.

Random days of random billing cycles of a TOU + tier + demand tariff in Europe/Berlin (both DST
days among them): at each call `CyclePricing` must give exactly what `project` and `quote` give
from the test's own data, while keeping the figures of an hour as long as nothing they depend on
changed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from aetherlens_engine.pricing import CyclePricing
from aetherlens_engine.pricing.cycle import CycleFigures
from aetherlens_engine.pricing.store.tariffs import save_tariff, set_active_tariff
from aetherlens_engine.tariffs import Interval, bill, build_tariff
from aetherlens_engine.tariffs.calendar import cycles_between, local_midnight
from aetherlens_engine.tariffs.projection import Projection, history_window, project
from aetherlens_engine.tariffs.quote import Quote, quote
from aetherlens_engine.tariffs.usage import Usage, hourly

HOUR = timedelta(hours=1)
BERLIN = ZoneInfo("Europe/Berlin")
# Day and night, tiered by the cycle's kWh, a peak demand charge, a fixed charge and VAT.
TARIFF: dict[str, Any] = {
    "name": "tou",
    "currency": "EUR",
    "timezone": "Europe/Berlin",
    "energy": {
        "periods": [
            {"name": "off", "end": "08:00",
             "tiers": [{"up_to": 300, "price": "0.18"}, {"price": "0.24"}]},
            {"name": "day", "start": "08:00", "end": "20:00",
             "tiers": [{"up_to": 300, "price": "0.28"}, {"price": "0.36"}]},
            {"name": "off", "start": "20:00",
             "tiers": [{"up_to": 300, "price": "0.18"}, {"price": "0.24"}]},
        ]
    },
    "demand": {"window_minutes": 60, "flat": [{"price": "4.5"}]},
    "fixed": [{"name": "meter", "amount": "9.90", "per": "cycle"}],
    "taxes": [{"name": "VAT", "percent": 19}],
}  # fmt: skip
# Spring forward and fall back in Berlin, and days drawn at random.
DST_DAYS = (date(2025, 3, 30), date(2025, 10, 26))
SEED = 20261202


def cycle_cases(seed: int = SEED) -> list[tuple[date, int, int]]:
    """(local day of now, cycle day, local hour of now): the DST days, then random ones."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    days = [*DST_DAYS, *(date(2025, 1, 1) + timedelta(days=rng.randrange(365)) for _ in range(4))]
    return [(day, rng.randint(1, 28), rng.randrange(24)) for day in days]


class Household:
    """A grid meter with a fridge inside it, their hourly kWh as written to energy_hourly."""

    def __init__(self, conn: asyncpg.Connection, seed: str) -> None:
        self.conn = conn
        self.rng = random.Random(seed)  # noqa: S311 - test data, not secrets
        self.grid: dict[datetime, float] = {}
        self.ids: tuple[int, int] = (0, 0)

    async def create(self) -> None:
        rows = await self.conn.fetch(
            "INSERT INTO devices (source, source_id, name, kind, unit) VALUES "
            "('test', 'grid', 'grid', 'grid', 'kWh'), "
            "('test', 'fridge', 'fridge', 'appliance', 'W') RETURNING id"
        )
        self.ids = (rows[0]["id"], rows[1]["id"])

    async def record(self, start: datetime, end: datetime) -> None:
        """Write random kWh for every UTC hour in [start, end), grid and fridge."""
        values = []
        hour = start
        while hour < end:
            self.grid[hour] = round(self.rng.uniform(0.1, 3.0), 3)
            values.append((self.ids[0], hour, self.grid[hour]))
            values.append((self.ids[1], hour, round(self.rng.uniform(0.0, 0.1), 3)))
            hour += HOUR
        await self.conn.executemany(
            "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples)"
            " VALUES ($1, $2, $3, 1) ON CONFLICT (device_id, hour)"
            " DO UPDATE SET energy_kwh = EXCLUDED.energy_kwh",
            values,
        )

    def usage(self, start: datetime, end: datetime) -> Usage:
        return Usage(
            hourly(
                {
                    hour: Decimal(repr(kwh))
                    for hour, kwh in sorted(self.grid.items())
                    if start <= hour < end
                }
            )
        )


@dataclass(frozen=True)
class Expected:
    projection: Projection
    quote: Quote


def _expected(tariff_definition: dict[str, Any], home: Household, now: datetime) -> Expected:
    """Bill the cycle at NOW from scratch, from the test's own record of the data."""
    tariff = build_tariff(tariff_definition)
    hour = now.replace(minute=0, second=0, microsecond=0)
    cycle = cycles_between(now, now + timedelta(microseconds=1), tariff.zone, tariff.cycle_day)[-1]
    recorded = home.usage(cycle.start_utc, hour)
    history = home.usage(*history_window(tariff, now))
    projection = project(tariff, now, recorded, history)
    # The projection's bill so far is the full bill of the cycle's complete hours.
    full = bill(
        tariff, recorded.load or [Interval(cycle.start_utc, cycle.start_utc + HOUR, Decimal(0))]
    )
    assert projection.so_far == next(c for c in full.cycles if c.cycle.first == cycle.first)
    found = quote(tariff, now, recorded.load)
    return Expected(projection, found)


def _same(found: CycleFigures | None, expected: Expected) -> None:
    assert found is not None
    assert found.projection == expected.projection
    assert found.active.quote == expected.quote


@pytest.mark.parametrize(("day", "cycle_day", "local_hour"), cycle_cases())
async def test_kept_figures_are_the_full_bills(
    conn: asyncpg.Connection, day: date, cycle_day: int, local_hour: int
) -> None:
    """At NOW, a minute later, after an hour and after a late change: always the full bill."""
    home = Household(conn, f"{day}{cycle_day}{local_hour}")
    rng = home.rng
    await home.create()
    now = local_midnight(day, BERLIN) + timedelta(hours=local_hour, minutes=rng.randrange(60))
    definition = {**TARIFF, "cycle_day": cycle_day}
    await save_tariff(conn, definition, now - timedelta(days=90))
    await set_active_tariff(conn, "tou")
    hour = now.replace(minute=0, second=0, microsecond=0)
    # From well before the cycle and the profile's 14 days, the current hour included.
    await home.record(hour - timedelta(days=50), hour + HOUR)
    pricing = CyclePricing()

    first = await pricing.figures(conn, now)
    _same(first, _expected(definition, home, now))

    later = now.replace(minute=59)
    kept = await pricing.figures(conn, later)
    _same(kept, _expected(definition, home, later))
    assert kept is not None
    assert first is not None
    assert kept.projection is first.projection  # the hour's bills were not computed again

    # The next hour: the one just ended now counts, and its rollup writes the new current hour.
    await home.record(hour + HOUR, hour + 2 * HOUR)
    next_hour = now + HOUR
    _same(await pricing.figures(conn, next_hour), _expected(definition, home, next_hour))

    # A late reading changes an hour early in the cycle: the kept figures are dropped.
    cycle_start = cycles_between(now, next_hour, BERLIN, cycle_day)[-1].start_utc
    late = max(cycle_start, next_hour.replace(minute=0) - timedelta(hours=rng.randint(3, 40)))
    home.grid[late] += 1.5
    await conn.execute(
        "UPDATE energy_hourly SET energy_kwh = $3 WHERE device_id = $1 AND hour = $2",
        home.ids[0],
        late,
        home.grid[late],
    )
    _same(await pricing.figures(conn, next_hour), _expected(definition, home, next_hour))


async def test_a_write_the_revision_misses_in_the_hour_before_is_seen(
    conn: asyncpg.Connection,
) -> None:
    """The last hour's kWh are compared on every call: its write may have run before it ended.

    With triggers off (`session_replication_role`), no revision is bumped: only that comparison
    can see the change.
    """
    home = Household(conn, "last hour")
    await home.create()
    now = datetime(2025, 6, 18, 10, 30, tzinfo=UTC)
    await save_tariff(conn, {**TARIFF, "cycle_day": 5}, now - timedelta(days=90))
    await set_active_tariff(conn, "tou")
    hour = datetime(2025, 6, 18, 10, tzinfo=UTC)
    await home.record(hour - timedelta(days=20), hour + HOUR)
    pricing = CyclePricing()
    await pricing.figures(conn, now)
    home.grid[hour - HOUR] += 2
    await conn.execute("SET session_replication_role = replica")
    await conn.execute(
        "UPDATE energy_hourly SET energy_kwh = $3 WHERE device_id = $1 AND hour = $2",
        home.ids[0],
        hour - HOUR,
        home.grid[hour - HOUR],
    )
    await conn.execute("RESET session_replication_role")
    _same(await pricing.figures(conn, now), _expected({**TARIFF, "cycle_day": 5}, home, now))


async def test_nothing_is_kept_before_the_database_reaches_the_hour(
    conn: asyncpg.Connection,
) -> None:
    """An engine clock ahead of the database's: its complete hours may still be written."""
    home = Household(conn, "ahead")
    await home.create()
    now = datetime(2200, 1, 20, 10, 30, tzinfo=UTC)
    await save_tariff(conn, {**TARIFF, "cycle_day": 5}, now - timedelta(days=90))
    await set_active_tariff(conn, "tou")
    hour = datetime(2200, 1, 20, 10, tzinfo=UTC)
    await home.record(hour - timedelta(days=20), hour)
    pricing = CyclePricing()
    first = await pricing.figures(conn, now)
    second = await pricing.figures(conn, now)
    assert first is not None
    assert second is not None
    assert second.projection == first.projection
    assert second.projection is not first.projection


async def test_no_active_tariff(conn: asyncpg.Connection) -> None:
    now = datetime(2025, 6, 18, 10, 30, tzinfo=UTC)
    pricing = CyclePricing()
    assert await pricing.figures(conn, now) is None
    assert await pricing.quote(conn, now) is None
    assert await pricing.projection(conn, now) is None


async def _revision(conn: asyncpg.Connection) -> int:
    revision: int = await conn.fetchval("SELECT revision FROM pricing_revision")
    return revision


async def test_the_revision_follows_ended_hours_and_devices(conn: asyncpg.Connection) -> None:
    """One bump per statement that writes an hour already ended, or changes the household."""
    grid = await conn.fetchval(
        "INSERT INTO devices (source, source_id, name, kind, unit)"
        " VALUES ('test', 'grid', 'grid', 'grid', 'kWh') RETURNING id"
    )
    revision = await _revision(conn)
    insert = (
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) "
        "SELECT $1, date_trunc('hour', now()) + h * interval '1 hour', 1, 1 "
        "FROM generate_series($2::int, $3::int) AS h "
        "ON CONFLICT (device_id, hour) DO UPDATE SET energy_kwh = EXCLUDED.energy_kwh + 1"
    )
    # The hour after the database's current one has not ended: rewriting it bumps nothing.
    await conn.execute(insert, grid, 1, 1)
    await conn.execute(insert, grid, 1, 1)
    assert await _revision(conn) == revision
    # A thousand ended hours in one statement: one bump. Rewriting one of them: another.
    await conn.execute(insert, grid, -1000, -1)
    assert await _revision(conn) == revision + 1
    await conn.execute(insert, grid, -5, -5)
    assert await _revision(conn) == revision + 2
    await conn.execute(
        "DELETE FROM energy_hourly WHERE hour < date_trunc('hour', now()) - interval '900 hours'"
    )
    assert await _revision(conn) == revision + 3
    await conn.execute("DELETE FROM energy_hourly WHERE hour > now()")
    assert await _revision(conn) == revision + 3
    # The household rule reads the devices' kind and container, not their names.
    await conn.execute("UPDATE devices SET name = 'mains' WHERE id = $1", grid)
    assert await _revision(conn) == revision + 3
    fridge = await conn.fetchval(
        "INSERT INTO devices (source, source_id, name, kind, unit)"
        " VALUES ('test', 'fridge', 'fridge', 'appliance', 'W') RETURNING id"
    )
    assert await _revision(conn) == revision + 4
    await conn.execute("UPDATE devices SET included_in = $1 WHERE id = $2", grid, fridge)
    assert await _revision(conn) == revision + 5
    await conn.execute("TRUNCATE energy_hourly")
    assert await _revision(conn) == revision + 6
