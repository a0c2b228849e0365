"""`POST /api/v1/meter-data`: a Green Button file imported, deduplicated, priced; bad ones refused.

Real PostgreSQL (with and without TimescaleDB) and the real rollups: the imported readings become
the hours GET /api/v1/bill prices.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from aetherlens_engine.meterdata.intervals import MeterData, interval, meter
from aetherlens_engine.meterdata.store import store_meter_data
from aetherlens_engine.models import Flow
from aetherlens_engine.pricing.store.tariffs import save_tariff, set_active_tariff
from aetherlens_engine.storage.rollups import RollupMaintainer
from tests.engine.checked_api import checked
from tests.engine.meterdata import DAY, POINT, household
from tests.engine.test_api_support import add_device, client, engine_state, migrate
from tests.postgres import ScratchDatabase

NOW = datetime(2024, 6, 16, tzinfo=UTC)
HOUR = timedelta(hours=1)
# Night 0.20 and day 0.30 USD/kWh, and the customer charge of the file's usage summary.
TOU: dict[str, Any] = {
    "name": "elm-tou",
    "currency": "USD",
    "timezone": "UTC",
    "energy": {
        "periods": [
            {"name": "night", "end": "08:00", "price": "0.20"},
            {"name": "day", "start": "08:00", "end": "20:00", "price": "0.30"},
            {"name": "night", "start": "20:00", "price": "0.20"},
        ]
    },
    "fixed": [{"name": "customer charge", "amount": "8"}],
}


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    await migrate(db_pool)
    return db_pool


async def _import(pool: asyncpg.Pool, content: bytes, now: datetime = NOW) -> tuple[int, Any]:
    state = engine_state(pool, currency="USD", clock=lambda: now)
    async with client(state) as session:
        return await checked(
            session,
            "post",
            "/api/v1/meter-data",
            json={"format": "greenbutton", "content": content.decode()},
        )


async def _roll_up(pool: asyncpg.Pool) -> None:
    rollups = RollupMaintainer(pool, ZoneInfo("UTC"), settle=timedelta(0))
    while await rollups.process_queue():
        pass


async def _hours(pool: asyncpg.Pool, device_id: int) -> dict[datetime, float]:
    rows = await pool.fetch(
        "SELECT hour, energy_kwh FROM energy_hourly WHERE device_id = $1 AND energy_kwh > 0"
        " ORDER BY hour",
        device_id,
    )
    return {row["hour"]: row["energy_kwh"] for row in rows}


async def test_import_then_bill_matches_the_usage_summary(pool: asyncpg.Pool) -> None:
    """The day's 25 kWh: 18 x 0.30 + 7 x 0.20 = 6.80, + 8 customer charge = 14.80, the bill of
    the file's usage summary (billLastPeriod 1480000 hundred-thousandths of USD).
    """
    status, body = await _import(pool, household())
    assert status == 200
    [imported] = body["meters"]
    assert imported["source_id"] == POINT
    assert (imported["flow"], imported["start"], imported["end"]) == (
        "import",
        DAY.isoformat(),
        (DAY + timedelta(days=1)).isoformat(),
    )
    assert (imported["intervals"], imported["stored"], imported["duplicates"]) == (24, 24, 0)
    assert (body["summaries"], body["summaries_known"]) == (1, 0)
    device = await pool.fetchrow(
        "SELECT source, kind, unit, commodity, flow, connection FROM devices WHERE id = $1",
        imported["device_id"],
    )
    assert dict(device) == {
        "source": "greenbutton",
        "kind": "meter",
        "unit": "kWh",
        "commodity": "electricity",
        "flow": "import",
        "connection": POINT,
    }
    await _roll_up(pool)
    hours = await _hours(pool, imported["device_id"])
    assert list(hours.values()) == [0.5] * 8 + [1.5] * 12 + [0.75] * 4
    assert list(hours) == [DAY + h * HOUR for h in range(24)]

    async with pool.acquire() as conn:
        await save_tariff(conn, TOU, datetime(2024, 1, 1, tzinfo=UTC))
        await set_active_tariff(conn, "elm-tou")
    summary = await pool.fetchrow("SELECT * FROM usage_summaries")
    assert (summary["period_start"], summary["period_end"], summary["currency"]) == (
        DAY,
        DAY + timedelta(days=1),
        "USD",
    )
    assert (summary["bill"], summary["additional_cost"], summary["consumption_kwh"]) == (
        Decimal("14.80000"),
        Decimal("8.00000"),
        Decimal(25),
    )
    state = engine_state(pool, currency="USD", clock=lambda: NOW)
    async with client(state) as session:
        status, bill = await checked(
            session,
            "get",
            "/api/v1/bill",
            params={
                "start": summary["period_start"].isoformat(),
                "end": summary["period_end"].isoformat(),
            },
        )
    assert status == 200
    [cycle] = bill["cycles"]
    assert {(e["period"], e["kwh"], e["cost"]) for e in cycle["energy"]} == {
        ("day", "18.000", "5.40"),
        ("night", "7.000", "1.40"),
    }
    assert Decimal(bill["total"]) == summary["bill"] == Decimal("14.80")


async def test_the_usage_summaries_as_imported(pool: asyncpg.Pool) -> None:
    """GET /meter-data/summaries: the file's billed day, amounts exact, kept for bill matching."""
    status, body = await _import(pool, household())
    assert status == 200
    state = engine_state(pool)
    async with client(state) as session:
        status, listed = await checked(session, "get", "/api/v1/meter-data/summaries")
    assert status == 200
    [summary] = listed["summaries"]
    imported_at = summary.pop("imported_at")
    assert datetime.fromisoformat(imported_at).tzinfo is not None
    assert summary == {
        "id": summary["id"],
        "device_id": body["meters"][0]["device_id"],
        "meter": POINT,
        "source": "greenbutton",
        "start": DAY.isoformat(),
        "end": (DAY + timedelta(days=1)).isoformat(),
        "currency": "USD",
        "bill": "14.8",
        "bill_to_date": "14.8",
        "additional_cost": "8",
        "consumption_kwh": "25",
        "lines": [{"note": "Customer charge", "amount": "8"}],
    }


async def test_a_second_import_stores_nothing(pool: asyncpg.Pool) -> None:
    """Idempotent: the same file again (before or after the rollups) only finds duplicates."""
    await _import(pool, household())
    readings = await pool.fetchval("SELECT count(*) FROM readings")
    for _ in range(2):
        status, body = await _import(pool, household())
        assert status == 200
        [again] = body["meters"]
        assert (again["stored"], again["duplicates"], again["covered"]) == (0, 24, 0)
        assert (body["summaries"], body["summaries_known"]) == (0, 1)
        assert await pool.fetchval("SELECT count(*) FROM readings") == readings
        await _roll_up(pool)
    assert await pool.fetchval("SELECT count(*) FROM devices") == 1
    assert await pool.fetchval("SELECT count(*) FROM usage_summaries") == 1


async def test_hours_the_collector_recorded_are_kept(pool: asyncpg.Pool) -> None:
    """The collector's grid meter has 06:00-09:00: those 3 hours of the file are covered."""
    grid = await add_device(pool, "grid", "grid", "kWh")
    await pool.executemany(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, 2, 1)",
        [(grid, DAY + h * HOUR) for h in (6, 7, 8)],
    )
    status, body = await _import(pool, household())
    assert status == 200
    [imported] = body["meters"]
    assert (imported["stored"], imported["duplicates"], imported["covered"]) == (21, 0, 3)
    await _roll_up(pool)
    hours = await _hours(pool, imported["device_id"])
    assert set(hours) == {DAY + h * HOUR for h in range(24)} - {DAY + h * HOUR for h in (6, 7, 8)}
    household_kwh = await pool.fetchval(
        "SELECT sum(energy_kwh) FROM energy_hourly"
        " WHERE device_id = ANY (ARRAY(SELECT id FROM household_meters))"
    )
    assert household_kwh == pytest.approx(25 - 0.5 - 0.5 - 1.5 + 6)


async def test_intervals_shorter_and_longer_than_an_hour(pool: asyncpg.Pool) -> None:
    """15-minute intervals and one of 90 minutes land in their hours, exactly, after rollups."""
    quarter = timedelta(minutes=15)
    items = [
        interval(DAY, DAY + quarter, Decimal("0.25"), "row 1"),
        interval(DAY + quarter, DAY + 2 * quarter, Decimal("0.25"), "row 2"),
        interval(DAY + 2 * quarter, DAY + 2 * HOUR, Decimal("0.9"), "row 3"),
    ]
    data = MeterData("csv", (meter("m1", "m1", Flow.IMPORT, "m1", items),))
    async with pool.acquire() as conn:
        imported = await store_meter_data(conn, data, NOW)
    [result] = imported.meters
    assert (result.stored, result.pieces) == (4, 4)
    await _roll_up(pool)
    hours = await _hours(pool, result.device_id)
    assert hours == {DAY: pytest.approx(0.8), DAY + HOUR: pytest.approx(0.6)}
    flags = await pool.fetch(
        "SELECT DISTINCT quality FROM readings WHERE time >= $1 ORDER BY 1", DAY + HOUR
    )
    assert [row["quality"] for row in flags] == [8 | 1, 8 | 2 | 1]


@pytest.mark.parametrize(
    ("content", "now", "message"),
    [
        (household("<uom>72</uom>\n      </ReadingType>", "</ReadingType>"), NOW, "uom is missing"),
        (household(), DAY + 12 * HOUR, "ends at 2024-06-10T13:00:00+00:00, in the future"),
    ],
)
async def test_a_bad_file_stores_nothing(
    pool: asyncpg.Pool, content: bytes, now: datetime, message: str
) -> None:
    status, body = await _import(pool, content, now)
    assert status == 422
    assert body["error"]["code"] == "invalid_meter_data"
    assert message in body["error"]["message"]
    assert body["error"]["message"].startswith(("ReadingType (line", "IntervalReading (line"))
    for table in ("devices", "readings", "usage_summaries"):
        assert await pool.fetchval(f"SELECT count(*) FROM {table}") == 0


async def test_a_body_without_the_file(pool: asyncpg.Pool) -> None:
    state = engine_state(pool)
    async with client(state) as session:
        status, body = await checked(
            session, "post", "/api/v1/meter-data", json={"format": "greenbutton", "content": ""}
        )
    assert status == 400
    assert body["error"]["message"].startswith("content")


def _day_csv() -> str:
    """The Green Button file's day as a utility's date + 24 hourly columns export."""
    values = ["0.5"] * 8 + ["1.5"] * 12 + ["0.75"] * 4
    header = ",".join(["date", *(f"{h:02}:00" for h in range(24))])
    return f"{header}\n2024-06-10,{','.join(values)}\n"


async def test_a_csv_export_is_priced_as_the_same_day(pool: asyncpg.Pool) -> None:
    """The same 25 kWh from a CSV (days of UTC here) bill the same 14.80."""
    state = engine_state(pool, currency="USD", clock=lambda: NOW)
    upload = {"format": "csv", "content": _day_csv(), "meter": "elm", "timezone": "UTC"}
    async with client(state) as session:
        status, body = await checked(session, "post", "/api/v1/meter-data", json=upload)
        assert status == 200
        [imported] = body["meters"]
        assert (body["source"], imported["source_id"], imported["stored"]) == ("csv", "elm", 24)
        await _roll_up(pool)
        async with pool.acquire() as conn:
            await save_tariff(conn, TOU, datetime(2024, 1, 1, tzinfo=UTC))
            await set_active_tariff(conn, "elm-tou")
        span = {"start": DAY.isoformat(), "end": (DAY + timedelta(days=1)).isoformat()}
        status, bill = await checked(session, "get", "/api/v1/bill", params=span)
        assert (status, bill["total"]) == (200, "14.80")
        status, body = await checked(
            session, "post", "/api/v1/meter-data", json={**upload, "timezone": "Mars/Olympus"}
        )
        assert (status, body["error"]["message"]) == (
            400,
            "timezone: unknown time zone 'Mars/Olympus'",
        )


async def _command(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "aetherlens_engine",
        "import-meter-data",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_command_imports_files(
    pool: asyncpg.Pool, database: ScratchDatabase, tmp_path: Path
) -> None:
    """`aetherlens-engine import-meter-data`: the file stored, then found stored; a bad one not."""
    path = tmp_path / "my-data.xml"
    path.write_bytes(household())
    status, out, _ = await _command(str(path), "--database-url", database.dsn)
    assert status == 0
    assert out.splitlines()[1].split()[1:5] == ["import", "24", "0", "0"]
    assert out.splitlines()[-2:] == [
        "usage summaries: 1 stored, 0 known",
        "statements made of them: 0",  # no tariff is active
    ]
    status, out, _ = await _command(str(path), "--database-url", database.dsn)
    assert (status, out.splitlines()[1].split()[1:5]) == (0, ["import", "0", "24", "0"])

    export = tmp_path / "export.csv"
    export.write_text(_day_csv().replace("0.75", "-1", 1))
    status, out, err = await _command(str(export), "--database-url", database.dsn, "--meter", "elm")
    assert (status, out) == (2, "")
    assert (
        err
        == f"aetherlens: {export}: line 2, column 22 (20:00): '-1' is not a number of kWh >= 0\n"
    )
    assert await pool.fetchval("SELECT count(*) FROM devices WHERE source = 'csv'") == 0


async def test_a_billed_usage_summary_is_a_statement_matched_like_any_other(
    pool: asyncpg.Pool,
) -> None:
    """With elm-tou active the file's billed day (14.80) becomes a statement of it; the engine
    bills the imported hours of that day 14.80: no residual. Importing the file again makes none.
    """
    async with pool.acquire() as conn:
        await save_tariff(conn, TOU, datetime(2024, 1, 1, tzinfo=UTC))
        await set_active_tariff(conn, "elm-tou")
    status, body = await _import(pool, household())
    assert status == 200
    [statement_id] = body["statements"]
    await _roll_up(pool)
    state = engine_state(pool, currency="USD", clock=lambda: NOW)
    async with client(state) as session:
        status, listed = await checked(session, "get", "/api/v1/statements")
    assert status == 200
    [match] = listed["statements"]
    assert (match["id"], match["source"], match["tariff"]) == (
        statement_id,
        "greenbutton",
        "elm-tou",
    )
    assert (match["start"], match["end"], match["total"]) == ("2024-06-10", "2024-06-11", "14.8")
    assert (match["engine_total"], match["residual"], match["over_threshold"]) == (
        "14.8",
        "0",
        False,
    )
    # Its energy (the bill less the additional cost) and the customer charge, line by line.
    assert [(m["kind"], m["name"], m["statement"], m["engine"]) for m in match["lines"]] == [
        ("energy", "energy", "6.8", "6.8"),
        ("standing", "Customer charge", "8", "8"),
    ]
    status, again = await _import(pool, household())
    assert (status, again["summaries_known"], again["statements"]) == (200, 1, [])


async def test_a_usage_summary_keeps_a_recorded_statement_and_needs_a_tariff(
    pool: asyncpg.Pool,
) -> None:
    """Without an active tariff no statement is made; a cycle already recorded keeps its own."""
    status, body = await _import(pool, household())
    assert (status, body["summaries"], body["statements"]) == (200, 1, [])
    await pool.execute("DELETE FROM usage_summaries")
    async with pool.acquire() as conn:
        await save_tariff(conn, TOU, datetime(2024, 1, 1, tzinfo=UTC))
        await set_active_tariff(conn, "elm-tou")
    state = engine_state(pool, currency="USD", clock=lambda: NOW)
    recorded = {"start": "2024-06-10", "end": "2024-06-11", "total": "15.00"}
    async with client(state) as session:
        status, _ = await checked(session, "post", "/api/v1/statements", json=recorded)
    assert status == 201
    status, body = await _import(pool, household())
    assert (status, body["summaries"], body["statements"]) == (200, 1, [])
    rows = await pool.fetch("SELECT source, total FROM statements")
    assert [(row["source"], row["total"]) for row in rows] == [("api", Decimal("15.00"))]
