"""The tariff service on a real database: recomputes, pricing after rollups, the tariff file."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from aetherlens_engine.migrations import apply_migrations
from aetherlens_engine.pricing.recompute import RecomputeState, RecomputeStatus, billing_chunks
from aetherlens_engine.pricing.service import TariffService
from aetherlens_engine.pricing.store.recompute import request_recompute
from aetherlens_engine.pricing.store.tariffs import active_tariff_name, save_tariff, tariff_versions
from aetherlens_engine.storage.rollups import RollupMaintainer
from aetherlens_engine.tariffs.model import TariffError
from aetherlens_engine.tariffs.source import EPOCH, native_definition

D = Decimal
UTC_ZONE = ZoneInfo("UTC")
START = datetime(2024, 3, 1, tzinfo=UTC)
# Energy every hour of March and April 2024; the clock reads May 1st.
HOURS = 61 * 24
NOW = START + timedelta(hours=HOURS)
CHANGE = datetime(2024, 4, 10, 12, tzinfo=UTC)


def flat(name: str, price: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "currency": "EUR",
        "timezone": "UTC",
        "energy": {"price": price},
        **extra,
    }


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    async with db_pool.acquire() as conn:
        await apply_migrations(conn)
    return db_pool


async def add_device(pool: asyncpg.Pool, name: str, kind: str, unit: str = "kWh") -> int:
    device_id: int = await pool.fetchval(
        "INSERT INTO devices (source, source_id, name, kind, unit) "
        "VALUES ('test', $1, $1, $2, $3) RETURNING id",
        name,
        kind,
        unit,
    )
    return device_id


async def add_energy(pool: asyncpg.Pool, device_id: int, kwh: float, hours: int = HOURS) -> None:
    await pool.executemany(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, $3, 1)",
        [(device_id, START + timedelta(hours=h), kwh) for h in range(hours)],
    )


async def hourly(pool: asyncpg.Pool) -> list[tuple[Any, ...]]:
    rows = await pool.fetch(
        "SELECT device_id, hour, tariff_id, energy_kwh, cost, period FROM cost_hourly ORDER BY 1, 2"
    )
    return [tuple(row) for row in rows]


async def daily(pool: asyncpg.Pool) -> list[tuple[Any, ...]]:
    rows = await pool.fetch("SELECT device_id, day, energy_kwh, cost FROM cost_daily ORDER BY 1, 2")
    return [tuple(row) for row in rows]


class Service:
    """A started service on the pool, its clock at NOW, and every status it went through."""

    def __init__(self, pool: asyncpg.Pool, **kwargs: Any) -> None:
        self.statuses: list[RecomputeStatus] = []
        self.service = TariffService(
            pool, UTC_ZONE, clock=lambda: NOW, listener=self.statuses.append, **kwargs
        )

    async def __aenter__(self) -> TariffService:
        await self.service.start()
        return self.service

    async def __aexit__(self, *exc: object) -> None:
        await self.service.stop()


async def test_activation_prices_every_hour_and_a_new_version_from_its_start(
    pool: asyncpg.Pool,
) -> None:
    mains = await add_device(pool, "mains", "grid")
    heater = await add_device(pool, "heater", "appliance")
    await add_energy(pool, mains, 2.0)
    await add_energy(pool, heater, 0.5)
    wrapper = Service(pool)
    async with wrapper as service:
        first = await service.save(native_definition(flat("home", "0.10")), None, activate=True)
        status = await service.wait_settled()
        assert status.state is RecomputeState.DONE
        assert (status.hours_total, status.hours_done, status.progress) == (HOURS, HOURS, 1.0)
        assert status.generation == 1
        assert status.tariff == "home"
        # The first version of a name is in force since the epoch; the status starts at the
        # first hour with energy.
        assert first[0].valid_from == EPOCH
        assert status.start == START
        rows = await hourly(pool)
        assert len(rows) == 2 * HOURS
        assert {row[4] for row in rows if row[0] == mains} == {D("0.2")}

        second, active = await service.save(
            native_definition(flat("home", "0.30")), CHANGE, activate=False
        )
        assert active
        status = await service.wait_settled()
        assert status.state is RecomputeState.DONE
        assert status.start == CHANGE
        assert status.generation == 2
        assert status.hours_total == (NOW - CHANGE) // timedelta(hours=1)
        rows = await hourly(pool)
        before = [row for row in rows if row[1] < CHANGE]
        after = [row for row in rows if row[1] >= CHANGE]
        assert {(row[2], row[4]) for row in before if row[0] == mains} == {(first[0].id, D("0.2"))}
        assert {(row[2], row[4]) for row in after if row[0] == mains} == {(second.id, D("0.6"))}
        assert {row[4] for row in after if row[0] == heater} == {D("0.15")}
        days = {(row[0], row[1]): row[3] for row in await daily(pool)}
        assert days[mains, date(2024, 4, 9)] == D("4.8")  # 24 h x 2 kWh x 0.10
        assert days[mains, date(2024, 4, 10)] == D("12") * D("0.2") + D("12") * D("0.6")
        assert days[heater, date(2024, 4, 11)] == D("3.6")

        # Activating again recomputes everything to the same rows.
        await service.activate("home")
        assert (await service.wait_settled()).generation == 3
        assert await hourly(pool) == rows
    # The first recompute's statuses, up to the one that ended it.
    assert wrapper.statuses[0] == RecomputeStatus()  # at start: nothing has run yet
    first_run = wrapper.statuses[1 : [s.generation for s in wrapper.statuses].index(1) + 1]
    assert {s.state for s in first_run[:-1]} == {RecomputeState.RUNNING}
    progress = [s.progress for s in first_run]
    assert progress[0] == 0.0
    assert progress == sorted(progress)
    assert progress[-1] == 1.0
    # Two billing cycles (March, April): the recompute committed them one at a time.
    assert 0.0 < progress[-3] < 1.0


async def test_chunks_follow_billing_cycles(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        stored = await save_tariff(conn, flat("home", "0.1", cycle_day=15), START)
    end = datetime(2024, 5, 20, tzinfo=UTC)
    assert billing_chunks([stored], START, end) == [
        (START, datetime(2024, 3, 15, tzinfo=UTC)),
        (datetime(2024, 3, 15, tzinfo=UTC), datetime(2024, 4, 15, tzinfo=UTC)),
        (datetime(2024, 4, 15, tzinfo=UTC), datetime(2024, 5, 15, tzinfo=UTC)),
        (datetime(2024, 5, 15, tzinfo=UTC), end),
    ]


async def test_another_tariff_replaces_all_costs_and_hours_before_it_lose_theirs(
    pool: asyncpg.Pool,
) -> None:
    mains = await add_device(pool, "mains", "meter")
    await add_energy(pool, mains, 1.0)
    async with Service(pool) as service:
        await service.save(native_definition(flat("old", "0.10")), None, activate=True)
        await service.wait_settled()
        await service.save(native_definition(flat("new", "0.20")), CHANGE, activate=True)
        status = await service.wait_settled()
    assert status.state is RecomputeState.DONE
    assert status.start == START  # the whole history is recomputed
    rows = await hourly(pool)
    assert rows
    assert min(row[1] for row in rows) == CHANGE
    assert {row[4] for row in rows} == {D("0.2")}
    assert min(row[1] for row in await daily(pool)) == CHANGE.date()


async def test_a_failing_recompute_reports_failed_and_resumes_at_the_next_start(
    pool: asyncpg.Pool,
) -> None:
    mains = await add_device(pool, "mains", "grid")
    await add_energy(pool, mains, 1.0)
    dynamic = flat("spot", "0", energy={"price": "0.05", "dynamic": True})
    async with Service(pool) as service:
        await service.save(native_definition(dynamic), None, activate=True)
        status = await service.wait_settled()
        assert status.state is RecomputeState.FAILED
        assert status.error is not None
        assert "price series" in status.error
        assert status.generation == 0
        assert status.finished_at == NOW
    assert await hourly(pool) == []
    # Prices recorded by a price device let the pending recompute finish at the next start.
    price = await add_device(pool, "spot price", "price", "EUR/kWh")
    await pool.executemany(
        "INSERT INTO readings (time, device_id, value) VALUES ($1, $2, $3)",
        [(START + timedelta(hours=h), price, 0.1) for h in range(HOURS + 1)],
    )
    async with Service(pool) as service:
        status = await service.wait_settled()
    assert status.state is RecomputeState.DONE
    assert status.generation == 1
    rows = await hourly(pool)
    assert len(rows) == HOURS
    assert {row[4] for row in rows} == {D("0.15")}  # 1 kWh x (0.10 recorded + 0.05 adder)


async def test_a_pending_recompute_resumes_where_it_stopped(pool: asyncpg.Pool) -> None:
    mains = await add_device(pool, "mains", "grid")
    await add_energy(pool, mains, 1.0)
    async with pool.acquire() as conn:
        await save_tariff(conn, flat("home", "0.10"), START)
        await conn.execute(
            "INSERT INTO engine_settings (key, value) VALUES ('active_tariff', '\"home\"')"
        )
        # As a crash would leave it: March is done, April is still to do.
        await request_recompute(conn, datetime(2024, 4, 1, tzinfo=UTC))
    async with Service(pool) as service:
        status = await service.wait_settled()
    assert status.state is RecomputeState.DONE
    assert status.hours_total == 30 * 24
    rows = await hourly(pool)
    assert [row[1] for row in rows] == [
        datetime(2024, 4, 1, tzinfo=UTC) + timedelta(hours=h) for h in range(30 * 24)
    ]
    assert await pool.fetchval("SELECT count(*) FROM tariff_recompute") == 0


async def test_rolled_up_hours_are_priced(pool: asyncpg.Pool) -> None:
    meter = await add_device(pool, "meter", "meter")
    first = datetime(2024, 4, 30, 20, tzinfo=UTC)
    await pool.executemany(
        "INSERT INTO readings (time, device_id, value) VALUES ($1, $2, $3)",
        [(first + timedelta(minutes=15 * i), meter, 100.0 + i) for i in range(13)],
    )
    rollups = RollupMaintainer(pool, UTC_ZONE)
    async with Service(pool) as service:
        await service.save(
            native_definition(flat("home", "0.10")), datetime(2024, 4, 1, tzinfo=UTC), activate=True
        )
        await service.wait_settled()
        assert await hourly(pool) == []  # nothing was rolled up yet
        await rollups.recompute(first, first + timedelta(hours=3))
        span = rollups.take_rolled_up()
        assert span is not None
        assert rollups.take_rolled_up() is None
        # Rates for the hours to now (20:00 to midnight); costs where the meter has energy.
        assert await service.price_rolled_up(span) == 4
    rows = await hourly(pool)
    assert [(row[1], row[3], row[4]) for row in rows] == [
        (first + timedelta(hours=h), 4.0, D("0.4")) for h in range(3)
    ]
    assert [row[3] for row in await daily(pool)] == [D("1.2")]


async def test_tariff_file_is_saved_once_and_activated(pool: asyncpg.Pool, tmp_path: Path) -> None:
    mains = await add_device(pool, "mains", "grid")
    await add_energy(pool, mains, 1.0, hours=24)
    path = tmp_path / "tariff.yaml"
    path.write_text(
        "name: file tariff\ncurrency: EUR\ntimezone: Europe/Berlin\nenergy:\n  price: 0.25\n"
    )
    for _ in range(2):
        async with Service(pool, tariff_files=[path]) as service:
            status = await service.wait_settled()
    assert status.generation == 1  # the second start changed nothing
    async with pool.acquire() as conn:
        assert await active_tariff_name(conn) == "file tariff"
        versions = await tariff_versions(conn, "file tariff")
    assert [(v.version, v.valid_from) for v in versions] == [(1, EPOCH)]
    assert {row[4] for row in await hourly(pool)} == {D("0.25")}

    path.write_text(path.read_text().replace("0.25", "0.5"))
    async with Service(pool, tariff_files=[path]) as service:
        status = await service.wait_settled()
    async with pool.acquire() as conn:
        versions = await tariff_versions(conn, "file tariff")
    assert [(v.version, v.valid_from) for v in versions] == [(1, EPOCH), (2, NOW)]
    assert status.generation == 2
    assert status.start == NOW


async def test_urdb_tariff_file_in_its_zone_does_not_replace_the_active_tariff(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    async with Service(pool) as service:
        await service.save(native_definition(flat("home", "0.1")), START, activate=True)
        await service.wait_settled()
    rate = {
        "name": "Residential",
        "utility": "Example Power",
        "energyratestructure": [[{"rate": 0.12}]],
        "energyweekdayschedule": [[0] * 24] * 12,
        "energyweekendschedule": [[0] * 24] * 12,
        "coincidentratestructure": [[{"rate": 1}]],
    }
    path = tmp_path / "urdb.json"
    path.write_text(json.dumps(rate))
    async with Service(pool, tariff_files=[path], tariff_timezone="America/Denver") as service:
        await service.wait_settled()
    async with pool.acquire() as conn:
        assert await active_tariff_name(conn) == "home"
        (imported,) = await tariff_versions(conn, "Example Power - Residential")
    assert imported.definition["timezone"] == "America/Denver"


async def test_an_invalid_tariff_file_names_the_file_and_field(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(flat("bad", "0.1", timezone="Mars/Olympus")))
    service = TariffService(pool, UTC_ZONE, tariff_files=[path])
    with pytest.raises(TariffError, match=r"tariff_file .*bad\.json: timezone: "):
        await service.start()
    await service.stop()


async def test_hours_without_a_dynamic_price_are_priced_once_it_is_recorded(
    pool: asyncpg.Pool,
) -> None:
    meter = await add_device(pool, "meter", "meter")
    first = datetime(2024, 4, 30, 20, tzinfo=UTC)
    await pool.executemany(
        "INSERT INTO readings (time, device_id, value) VALUES ($1, $2, $3)",
        [(first + timedelta(minutes=15 * i), meter, 100.0 + i) for i in range(13)],
    )
    rollups = RollupMaintainer(pool, UTC_ZONE)
    dynamic = flat("spot", "0", energy={"price": "0.05", "dynamic": True})
    async with Service(pool) as service:
        await service.save(native_definition(dynamic), None, activate=True)
        await service.wait_settled()
        await rollups.recompute(first, first + timedelta(hours=3))
        assert await service.price_rolled_up(rollups.take_rolled_up()) == 0
        assert await hourly(pool) == []
        price = await add_device(pool, "spot price", "price", "EUR/kWh")
        await pool.executemany(
            "INSERT INTO readings (time, device_id, value) VALUES ($1, $2, $3)",
            [(first + timedelta(hours=h), price, 0.2) for h in range(5)],
        )
        # No new hours rolled up: the unpriced ones are tried again.
        assert await service.price_rolled_up(None) == 3
        assert await service.price_rolled_up(None) == 0
    assert {row[4] for row in await hourly(pool)} == {D("1")}  # 4 kWh x (0.20 + 0.05)


async def test_carbon_from_the_recorded_carbon_series(pool: asyncpg.Pool) -> None:
    mains = await add_device(pool, "mains", "grid")
    await add_energy(pool, mains, 2.0, hours=24)
    carbon = await add_device(pool, "grid carbon", "carbon", "kg/kWh")
    await pool.executemany(
        "INSERT INTO readings (time, device_id, value) VALUES ($1, $2, $3)",
        [(START + timedelta(hours=h), carbon, 0.1 if h < 12 else 0.3) for h in range(25)],
    )
    async with Service(pool) as service:
        tariff = flat("green", "0.1", carbon={"series": True})
        await service.save(native_definition(tariff), None, activate=True)
        status = await service.wait_settled()
    assert status.state is RecomputeState.DONE
    rows = await pool.fetch("SELECT hour, carbon_kg FROM cost_hourly ORDER BY hour")
    assert [row["carbon_kg"] for row in rows] == [0.2] * 12 + [0.6] * 12
    assert await pool.fetchval("SELECT carbon_kg FROM cost_daily") == pytest.approx(9.6)
