"""Month projection: the cycle's bill so far plus a profile of recent days, hand-computed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from aetherlens_engine.migrations import apply_migrations
from aetherlens_engine.pricing.projection import project_active
from aetherlens_engine.pricing.store.tariffs import save_tariff, set_active_tariff
from aetherlens_engine.tariffs import Interval, Series, build_tariff
from aetherlens_engine.tariffs.model import BillInputError
from aetherlens_engine.tariffs.projection import METHOD, build_profile, project
from aetherlens_engine.tariffs.usage import Usage

D = Decimal
HOUR = timedelta(hours=1)
BERLIN = ZoneInfo("Europe/Berlin")
# Tiers up to 500 kWh a cycle, a fixed charge and 10 % tax: the projection bills the whole cycle.
TIERS = [{"up_to": 500, "price": "0.20"}, {"price": "0.40"}]
TIERED: dict[str, Any] = {
    "name": "tiered",
    "currency": "EUR",
    "timezone": "UTC",
    "energy": {"periods": [{"name": "all", "tiers": TIERS}]},
    "fixed": [{"name": "service", "amount": "10"}],
    "taxes": [{"name": "VAT", "percent": 10}],
}
FLAT_BERLIN: dict[str, Any] = {
    "name": "flat",
    "currency": "EUR",
    "timezone": "Europe/Berlin",
    "energy": {"price": "0.10"},
}


def _hours(start: datetime, end: datetime, kwh: Any) -> list[Interval]:
    """One interval per UTC hour in [start, end), its kWh from KWH(local hour start)."""
    out = []
    hour = start
    while hour < end:
        out.append(Interval(hour, hour + HOUR, D(kwh(hour))))
        hour += HOUR
    return out


def _half_and_one_and_half(hour: datetime) -> str:
    return "0.5" if hour.hour < 12 else "1.5"


def test_half_elapsed_cycle_with_tiers_fixed_and_tax() -> None:
    """June 2024 (30 days), now the 16th at 00:00 UTC: 15 days recorded at 24 kWh a day.

    So far: 360 kWh x 0.20 + 10 fixed = 82, + 10 % = 90.2. Projected: 15 more days of the same
    profile (0.5 kWh before noon, 1.5 after) = 720 kWh: 500 x 0.20 + 220 x 0.40 + 10 = 198,
    + 10 % = 217.8.
    """
    tariff = build_tariff(TIERED)
    now = datetime(2024, 6, 16, tzinfo=UTC)
    recorded = _hours(datetime(2024, 6, 1, tzinfo=UTC), now, _half_and_one_and_half)
    history = Usage([i for i in recorded if i.start >= datetime(2024, 6, 2, tzinfo=UTC)])
    projection = project(tariff, now, Usage(recorded), history)
    assert (projection.cycle.first, projection.cycle.end) == (date(2024, 6, 1), date(2024, 7, 1))
    assert (projection.days_elapsed, projection.cycle.days) == (15, 30)
    assert projection.so_far.import_kwh == D(360)
    assert projection.so_far.total == D("90.2")
    assert projection.projected.import_kwh == D(720)
    assert projection.projected.total == D("217.8")


def test_weekday_and_weekend_profiles_across_the_dst_day() -> None:
    """Berlin, March 2024, now Saturday the 16th at local midnight; weekends use 2 kWh an hour.

    Recorded 1-15 March: 4 weekend days x 24 h x 2 + 11 weekdays x 24 h x 1 = 456 kWh. Left:
    16-31 March, 6 weekend days of which Sunday the 31st has 23 hours: 143 h x 2 + 10 weekdays
    x 24 h x 1 = 526 kWh. At 0.10: 45.6 so far, 98.2 projected.
    """
    tariff = build_tariff(FLAT_BERLIN)
    now = datetime(2024, 3, 16, tzinfo=BERLIN).astimezone(UTC)

    def kwh(hour: datetime) -> str:
        return "2" if hour.astimezone(BERLIN).weekday() >= 5 else "1"

    start = datetime(2024, 3, 1, tzinfo=BERLIN).astimezone(UTC)
    recorded = _hours(start, now, kwh)
    window = datetime(2024, 3, 2, tzinfo=BERLIN).astimezone(UTC)
    projection = project(
        tariff, now, Usage(recorded), Usage([i for i in recorded if i.start >= window])
    )
    assert projection.so_far.import_kwh == D(456)
    assert projection.projected.import_kwh == D(982)
    assert (projection.so_far.total, projection.projected.total) == (D("45.6"), D("98.2"))


def test_export_is_projected_from_its_own_profile() -> None:
    """A solar noon exports 2 kWh a day; every other hour imports 1 kWh (June, UTC).

    So far: 15 x 23 kWh x 0.20 - 15 x 2 kWh x 0.05 = 69 - 1.5 = 67.5. Projected: twice that.
    """
    tariff = build_tariff(
        {**TIERED, "energy": {"price": "0.20"}, "fixed": [], "taxes": [],
         "export": {"rule": "net_billing", "price": "0.05"}}
    )  # fmt: skip
    now = datetime(2024, 6, 16, tzinfo=UTC)
    hours = _hours(datetime(2024, 6, 1, tzinfo=UTC), now, lambda _: 0)
    noon = 12
    load = [Interval(i.start, i.end, D(0 if i.start.hour == noon else 1)) for i in hours]
    export = [Interval(i.start, i.end, D(2)) for i in hours if i.start.hour == noon]
    history_start = datetime(2024, 6, 2, tzinfo=UTC)
    history = Usage(
        [i for i in load if i.start >= history_start],
        [i for i in export if i.start >= history_start],
    )
    projection = project(tariff, now, Usage(load, export), history)
    assert (projection.so_far.export_kwh, projection.so_far.total) == (D(30), D("67.5"))
    assert (projection.projected.export_kwh, projection.projected.total) == (D(60), D(135))


def test_profile_is_one_when_a_day_type_has_too_few_days() -> None:
    """Two weekdays and one weekend day: one profile, the mean per hour of all three days."""
    tariff = build_tariff(FLAT_BERLIN)
    points = [
        (datetime(2024, 3, day, 9, tzinfo=UTC), D(value))
        for day, value in ((14, "1"), (15, "2"), (16, "6"))  # Thu, Fri, Sat
    ]
    profile = build_profile(points, tariff)
    assert profile.at(10, weekend=False) == profile.at(10, weekend=True) == D(3)  # 10:00 local
    assert profile.at(3, weekend=False) == D(3)  # no data at 03:00: the mean of all hours


def test_empty_cycle_bills_the_fixed_charges() -> None:
    """Nothing recorded: the bill so far is the fixed charge with tax, nothing is projected."""
    tariff = build_tariff(TIERED)
    projection = project(tariff, datetime(2024, 6, 1, 0, 30, tzinfo=UTC), Usage(), Usage())
    assert projection.so_far.total == projection.projected.total == D(11)


def test_dynamic_prices_beyond_the_series_follow_its_daily_profile() -> None:
    """Prices are known up to now: the rest of the cycle repeats their mean per local hour."""
    tariff = build_tariff(
        {**FLAT_BERLIN, "timezone": "UTC", "energy": {"price": "0", "dynamic": True}}
    )
    now = datetime(2024, 6, 29, tzinfo=UTC)
    known = _hours(
        datetime(2024, 6, 1, tzinfo=UTC), now, lambda h: "0.10" if h.hour < 12 else "0.30"
    )
    prices = Series.from_points("price", [(i.start, i.kwh) for i in known])
    recorded = _hours(datetime(2024, 6, 1, tzinfo=UTC), now, lambda _: 1)
    history = Usage([i for i in recorded if i.start >= datetime(2024, 6, 15, tzinfo=UTC)])
    projection = project(tariff, now, Usage(recorded), history, prices=prices)
    # 30 days x (12 h x 0.10 + 12 h x 0.30) = 30 x 4.8 = 144
    assert projection.projected.total == D(144)
    with pytest.raises(BillInputError, match="dynamic prices"):
        project(tariff, now, Usage(recorded), history)


@pytest.fixture
async def conn(db_pool: asyncpg.Pool) -> Any:
    async with db_pool.acquire() as connection:
        await apply_migrations(connection)
        yield connection


async def test_projection_of_recorded_household_energy(conn: asyncpg.Connection) -> None:
    """From energy_hourly: the grid meter is the household; the appliance under it is not added."""
    grid = await conn.fetchval(
        "INSERT INTO devices (source, source_id, name, kind, unit)"
        " VALUES ('test', 'grid', 'grid', 'grid', 'kWh') RETURNING id"
    )
    fridge = await conn.fetchval(
        "INSERT INTO devices (source, source_id, name, kind, unit)"
        " VALUES ('test', 'fridge', 'fridge', 'appliance', 'W') RETURNING id"
    )
    now = datetime(2024, 6, 16, 0, 20, tzinfo=UTC)
    hours = _hours(datetime(2024, 6, 1, tzinfo=UTC), now, _half_and_one_and_half)
    await conn.executemany(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, $3, 1)",
        [(device, i.start, float(i.kwh)) for i in hours for device in (grid, fridge)],
    )
    assert await project_active(conn, now) is None
    await save_tariff(conn, TIERED, datetime(2024, 1, 1, tzinfo=UTC))
    await set_active_tariff(conn, "tiered")
    projection = await project_active(conn, now)
    assert projection is not None
    # The current hour (00:00-01:00 on the 16th) is recorded but still open: it is projected.
    assert projection.so_far.import_kwh == D(360)
    assert (projection.so_far.total, projection.projected.total) == (D("90.2"), D("217.8"))
    assert METHOD == "usage so far + mean daily profile of the last 14 days"
