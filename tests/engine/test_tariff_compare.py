"""Plan comparison: one usage, two tariffs, a hand-computed difference.

The recorded side (`pricing.recorded`) on a real database: one loader, one set of rules for a
bill and both bills of a comparison.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from aetherlens_engine.api.present import command_json
from aetherlens_engine.migrations import apply_migrations
from aetherlens_engine.pricing.recorded import bill_recorded, compare_recorded
from aetherlens_engine.tariffs import Interval, build_tariff
from aetherlens_engine.tariffs.compare import (
    compare,
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
    body = command_json(comparison)
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


async def _device(conn: asyncpg.Connection, kind: str, unit: str) -> int:
    device: int = await conn.fetchval(
        "INSERT INTO devices (source, source_id, name, kind, unit)"
        " VALUES ('test', $1, $1, $1, $2) RETURNING id",
        kind,
        unit,
    )
    return device


async def _net_meter(conn: asyncpg.Connection) -> None:
    """A grid meter: 1 kWh an hour on DAY, netting 2 kWh below zero at noon."""
    grid = await _device(conn, "grid", "kWh")
    rows = [(grid, i.start, -2.0 if i.start.hour == 12 else 1.0) for i in LOAD]
    await conn.executemany(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, $3, 1)",
        rows,
    )


async def test_recorded_import_and_export_of_a_net_meter(conn: asyncpg.Connection) -> None:
    """A grid meter nets below zero at noon: that hour is 2 kWh of export, no import."""
    await _net_meter(conn)
    comparison = await compare_recorded(
        conn, build_tariff(FLAT), build_tariff(TOU), DAY, DAY + 24 * HOUR
    )
    # 23 kWh imported: flat 23 x 0.30 + 5 = 11.90; TOU 4 x 0.50 + 19 x 0.20 + 8 - 0.10 = 13.70.
    assert (comparison.current.total, comparison.alternative.total) == (D("11.90"), D("13.70"))
    assert comparison.difference == D("1.80")
    # The flat tariff has no export section: billed alone, it ignores the export as well.
    assert (await bill_recorded(conn, build_tariff(FLAT), DAY, DAY + 24 * HOUR)).total == D("11.90")
    with pytest.raises(BillInputError, match="no household energy is recorded between"):
        await compare_recorded(conn, build_tariff(FLAT), build_tariff(TOU), DAY - HOUR, DAY)
    with pytest.raises(BillInputError, match="no household energy is recorded between"):
        await bill_recorded(conn, build_tariff(FLAT), DAY - HOUR, DAY)


SERIES_CARBON: dict[str, Any] = {**FLAT, "name": "series carbon", "carbon": {"series": True}}
SPOT: dict[str, Any] = {**FLAT, "name": "spot", "energy": {"price": "0.02", "dynamic": True}}


async def test_carbon_rules_are_the_same_for_a_bill_and_a_comparison(
    conn: asyncpg.Connection,
) -> None:
    """Without a carbon device the series tariff is billed without carbon, alone or compared;
    with one (0.4 kg/kWh all day), 23 kWh imported are 9.2 kg in both.
    """
    await _net_meter(conn)
    tariff, other = build_tariff(SERIES_CARBON), build_tariff(FLAT)
    span = (DAY, DAY + 24 * HOUR)
    alone = await bill_recorded(conn, tariff, *span)
    compared = (await compare_recorded(conn, other, tariff, *span)).alternative
    assert [c.carbon_kg for c in alone.cycles] == [c.carbon_kg for c in compared.cycles] == [None]
    assert alone.total == compared.total == D("11.90")
    carbon = await _device(conn, "carbon", "kg/kWh")
    await conn.executemany(
        "INSERT INTO readings (device_id, time, value) VALUES ($1, $2, 0.4)",
        [(carbon, DAY), (carbon, DAY + 12 * HOUR)],
    )
    alone = await bill_recorded(conn, tariff, *span)
    compared = (await compare_recorded(conn, other, tariff, *span)).alternative
    assert [c.carbon_kg for c in alone.cycles] == [c.carbon_kg for c in compared.cycles]
    assert alone.cycles[0].carbon_kg == D("9.2")


async def test_dynamic_prices_without_a_price_device(conn: asyncpg.Connection) -> None:
    """Billed alone or on either side of a comparison: the same refusal."""
    await _net_meter(conn)
    spot, flat = build_tariff(SPOT), build_tariff(FLAT)
    span = (DAY, DAY + 24 * HOUR)
    refusal = (
        "tariff 'spot' has dynamic prices, but no price device records EUR/kWh between "
        "2024-06-10T00:00:00+00:00 and 2024-06-11T00:00:00+00:00"
    )
    calls = [
        bill_recorded(conn, spot, *span),
        compare_recorded(conn, spot, flat, *span),
        compare_recorded(conn, flat, spot, *span),
    ]
    for call in calls:
        with pytest.raises(BillInputError) as raised:
            await call
        assert str(raised.value) == refusal
