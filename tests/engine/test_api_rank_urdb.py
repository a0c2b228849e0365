"""`POST /api/v1/rank` with URDB rates inline, beside stored tariffs and native definitions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from aetherlens_engine.pricing.store.tariffs import save_tariff, set_active_tariff
from aetherlens_engine.tariffs.source import urdb_definition
from tests.engine.checked_api import checked
from tests.engine.test_api_support import add_device, client, engine_state, migrate

DENVER = ZoneInfo("America/Denver")
HOUR = timedelta(hours=1)
NOW = datetime(2024, 7, 2, tzinfo=DENVER)
JUNE = {"start": "2024-06-01T00:00:00-06:00", "end": "2024-07-01T00:00:00-06:00"}
FLAT: dict[str, Any] = {
    "name": "flat",
    "currency": "USD",
    "timezone": "America/Denver",
    "energy": {"price": "0.15"},
}
# 0.10 per kWh, 0.30 from 16:00 to 21:00 every day; 12 a month.
PEAK_HOURS = range(16, 21)
URDB: dict[str, Any] = {
    "name": "Evening peak",
    "utility": "Example Power",
    "energyratestructure": [[{"rate": 0.10}], [{"rate": 0.30}]],
    "energyweekdayschedule": [[int(hour in PEAK_HOURS) for hour in range(24)]] * 12,
    "energyweekendschedule": [[int(hour in PEAK_HOURS) for hour in range(24)]] * 12,
    "fixedmonthlycharge": 12,
}


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    """1 kWh every hour of June in Denver; the flat tariff active."""
    await migrate(db_pool)
    grid = await add_device(db_pool, "grid", "grid", "kWh")
    first = datetime(2024, 6, 1, tzinfo=DENVER).astimezone(UTC)
    await db_pool.executemany(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, 1, 1)",
        [(grid, first + n * HOUR) for n in range(30 * 24)],
    )
    async with db_pool.acquire() as conn:
        await save_tariff(conn, FLAT, datetime(2024, 1, 1, tzinfo=UTC))
        await set_active_tariff(conn, "flat")
    return db_pool


async def test_urdb_rates_rank_beside_stored_tariffs(pool: asyncpg.Pool) -> None:
    """June, 720 kWh: flat 108.00; the URDB rate in Denver 150 kWh x 0.30 + 570 x 0.10 + 12 =
    114.00. Each ranked bill is the bill of the same rate stored and ranked by name.
    """
    stored = urdb_definition(URDB, "America/Denver", name="stored urdb").definition
    async with pool.acquire() as conn:
        await save_tariff(conn, stored, datetime(2024, 1, 1, tzinfo=UTC))
    async with client(engine_state(pool, timezone=DENVER, clock=lambda: NOW)) as session:
        payload = {"tariffs": ["stored urdb"], "urdb": [URDB, {"items": [URDB]}], **JUNE}
        status, body = await checked(session, "post", "/api/v1/rank", json=payload)
        assert status == 200, body
        summary = [(b["rank"], b["source"], b["tariff"], b["total"]) for b in body["bills"]]
        assert summary == [
            (1, "flat", "flat", "108.00"),
            (2, "stored urdb", "stored urdb", "114.00"),
            (3, "urdb[0]", "Example Power - Evening peak", "114.00"),
            (4, "urdb[1]", "Example Power - Evening peak", "114.00"),
        ]
        cycles = [b["cycles"] for b in body["bills"][1:]]
        assert cycles[0] == cycles[1] == cycles[2]
        # In UTC the evening peak is 10:00-15:00 Denver time, and the rate's cycles are UTC
        # months: June's last 6 hours fall into July.
        payload = {"urdb": [URDB], "timezone": "UTC", **JUNE}
        status, body = await checked(session, "post", "/api/v1/rank", json=payload)
        assert status == 200, body
        assert [b["source"] for b in body["bills"]] == ["flat", "urdb[0]"]
        energy = [(c["start"], e["period"], e["kwh"]) for c in body["bills"][1]["cycles"]
                  for e in c["energy"]]  # fmt: skip
        assert sorted(energy) == [
            ("2024-06-01", "period 1", "564.000"),
            ("2024-06-01", "period 2", "150.000"),
            ("2024-07-01", "period 1", "6.000"),
        ]


async def test_bad_urdb_rates_are_refused_naming_the_rate(pool: asyncpg.Pool) -> None:
    cases: list[tuple[Any, int, str]] = [
        ({"urdb": [URDB, {**URDB, "energyweekdayschedule": [[0] * 24]}]}, 422,
         "urdb[1]: energyweekdayschedule: expected 12 months"),
        ({"urdb": [URDB], "timezone": "Mars/Base"}, 422, "urdb[0]: timezone: unknown"),
        ({"urdb": [{"items": [URDB, URDB]}]}, 422, "urdb[0]: items: expected one URDB rate"),
        ({"timezone": "UTC"}, 400, "timezone: goes with 'urdb'"),
        ({"urdb": [URDB] * 51}, 400, "at most 50 tariffs, definitions and urdb"),
        ({"urdb": URDB}, 400, "urdb: expected `array`, got `object`"),
    ]  # fmt: skip
    async with client(engine_state(pool, timezone=DENVER, clock=lambda: NOW)) as session:
        for payload, expected, message in cases:
            status, body = await checked(session, "post", "/api/v1/rank", json={**payload, **JUNE})
            assert status == expected, (payload, body)
            assert message in body["error"]["message"], (payload, body)
