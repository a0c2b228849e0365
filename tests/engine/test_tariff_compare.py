"""Plan comparison: one usage, two tariffs, a hand-computed difference."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from aetherlens_engine.migrations import apply_migrations
from aetherlens_engine.tariffs import Interval, build_tariff
from aetherlens_engine.tariffs.compare import (
    compare,
    compare_recorded,
    comparison_to_json,
    comparison_to_table,
    last_full_cycle,
)
from aetherlens_engine.tariffs.model import BillInputError

D = Decimal
HOUR = timedelta(hours=1)
DAY = datetime(2024, 6, 10, tzinfo=UTC)
FLAT: dict[str, Any] = {
    "name": "flat",
    "currency": "EUR",
    "timezone": "UTC",
    "energy": {"price": "0.30"},
    "fixed": [{"name": "meter", "amount": "5"}],
}
TOU: dict[str, Any] = {
    "name": "evening peak",
    "currency": "EUR",
    "timezone": "UTC",
    "cycle_day": 15,
    "energy": {
        "periods": [
            {"name": "off", "end": "17:00", "price": "0.20"},
            {"name": "peak", "start": "17:00", "end": "21:00", "price": "0.50"},
            {"name": "off", "start": "21:00", "price": "0.20"},
        ]
    },
    "fixed": [{"name": "meter", "amount": "8"}],
    "export": {"rule": "net_billing", "price": "0.05"},
}
# 1 kWh in every hour of 10 June 2024 (4 of them in the peak), 2 kWh exported at noon.
LOAD = [Interval(DAY + h * HOUR, DAY + (h + 1) * HOUR, D(1)) for h in range(24)]
EXPORT = [Interval(DAY + 12 * HOUR, DAY + 13 * HOUR, D(2))]


def test_difference_of_two_tariffs_on_the_same_usage() -> None:
    """Flat: 24 x 0.30 + 5 = 12.20. TOU: 4 x 0.50 + 20 x 0.20 + 8 - 2 x 0.05 = 13.90.

    The flat tariff credits no export; the TOU tariff bills on the flat tariff's cycles (from the
    1st), so its fixed charge is one cycle's, not two.
    """
    comparison = compare(build_tariff(FLAT), build_tariff(TOU), LOAD, export=EXPORT)
    assert comparison.current.total == D("12.20")
    assert comparison.alternative.total == D("13.90")
    assert comparison.difference == D("1.70")
    (cycle,) = comparison.alternative.cycles
    assert (cycle.cycle.first.day, cycle.export_credit) == (1, D("0.10"))
    body = comparison_to_json(comparison)
    assert (body["currency"], body["difference"]) == ("EUR", "1.70")
    assert (body["current"]["total"], body["alternative"]["total"]) == ("12.20", "13.90")
    table = comparison_to_table(comparison)
    assert "== alternative: evening peak" in table
    assert table.splitlines()[-1] == "difference (alternative - current) EUR +1.70"


def test_the_alternatives_cycle_day_is_used_when_it_is_current() -> None:
    """Swapped, the TOU tariff's cycle day (15th) decides: 10 June lies in 15 May - 15 June."""
    comparison = compare(build_tariff(TOU), build_tariff(FLAT), LOAD, export=EXPORT)
    assert comparison.difference == D("-1.70")
    assert comparison.current.cycles[0].cycle.first.isoformat() == "2024-05-15"


def test_currencies_must_match() -> None:
    with pytest.raises(BillInputError, match="is in USD, tariff 'flat' in EUR"):
        compare(build_tariff(FLAT), build_tariff({**TOU, "currency": "USD"}), LOAD)


def test_last_full_cycle() -> None:
    now = datetime(2024, 6, 10, 12, tzinfo=UTC)
    assert last_full_cycle(build_tariff(TOU), now) == (
        datetime(2024, 4, 15, tzinfo=UTC),
        datetime(2024, 5, 15, tzinfo=UTC),
    )


@pytest.fixture
async def conn(db_pool: asyncpg.Pool) -> Any:
    async with db_pool.acquire() as connection:
        await apply_migrations(connection)
        yield connection


async def test_recorded_import_and_export_of_a_net_meter(conn: asyncpg.Connection) -> None:
    """A grid meter nets below zero at noon: that hour is 2 kWh of export, no import."""
    grid = await conn.fetchval(
        "INSERT INTO devices (source, source_id, name, kind, unit)"
        " VALUES ('test', 'grid', 'grid', 'grid', 'kWh') RETURNING id"
    )
    rows = [(grid, i.start, -2.0 if i.start.hour == 12 else 1.0) for i in LOAD]
    await conn.executemany(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, $3, 1)",
        rows,
    )
    comparison = await compare_recorded(
        conn, build_tariff(FLAT), build_tariff(TOU), DAY, DAY + 24 * HOUR
    )
    # 23 kWh imported: flat 23 x 0.30 + 5 = 11.90; TOU 4 x 0.50 + 19 x 0.20 + 8 - 0.10 = 13.70.
    assert (comparison.current.total, comparison.alternative.total) == (D("11.90"), D("13.70"))
    assert comparison.difference == D("1.80")
    with pytest.raises(BillInputError, match="no household energy is recorded between"):
        await compare_recorded(conn, build_tariff(FLAT), build_tariff(TOU), DAY - HOUR, DAY)
