"""Statements recorded through the API (JSON and CSV) and matched with the engine's bills.

The statements are what a utility would bill for the recorded usage under the stored tariff
plus what the stored tariff lacks (a hidden rider, another tier limit): each residual is worked
out here from those differences. Real database, real engine API, every answer checked against
the OpenAPI document.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from aetherlens_engine.api import EngineState
from aetherlens_engine.pricing.store.tariffs import save_tariff, set_active_tariff
from tests.engine.checked_api import checked
from tests.engine.test_api_support import add_device, client, engine_state, migrate

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = timedelta(hours=1)
NOW = datetime(2024, 8, 5, tzinfo=BERLIN).astimezone(UTC)
# 250 kWh at 0.30, the rest at 0.40, a standing charge of 0.25 a day.
HOME: dict[str, Any] = {
    "name": "home",
    "currency": "EUR",
    "timezone": "Europe/Berlin",
    "energy": {"periods": [{"name": "all", "tiers": [{"up_to": 250, "price": "0.30"},
                                                     {"price": "0.40"}]}]},
    "fixed": [{"name": "standing charge", "amount": "0.25", "per": "day"}],
}  # fmt: skip
# May 2024: 744 kWh, 250 at 0.30 = 75, 494 at 0.40 = 197.60, 31 days x 0.25 = 7.75: 280.35. The
# utility also bills a rider of 0.015 a kWh the stored tariff lacks: 744 x 0.015 = 11.16.
MAY = {
    "start": "2024-05-01",
    "end": "2024-06-01",
    "total": "291.51",
    "lines": [
        {"kind": "energy", "name": "energy", "period": "all", "tier": 1, "kwh": "250",
         "amount": "75.00"},
        {"kind": "energy", "name": "energy", "period": "all", "tier": 2, "kwh": "494",
         "amount": "197.60"},
        {"kind": "standing", "name": "Standing  charge", "amount": "7.75"},
        {"kind": "rider", "name": "network rider", "amount": "11.16"},
    ],
}  # fmt: skip
# June: 720 kWh; the utility's tier limit is 300: 90 + 168 + 7.50 = 265.50, the engine's
# 75 + 188 + 7.50 = 270.50.
JUNE_CSV = """start,end,kind,name,amount,period,tier,kwh
2024-06-01,2024-07-01,energy,energy,90.00,all,1,300
2024-06-01,2024-07-01,energy,energy,168.00,all,2,420
2024-06-01,2024-07-01,standing,standing charge,7.50,,,
2024-06-01,2024-07-01,total,,265.50,,,
2024-07-01,2024-08-01,total,,280.00,,,
"""


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    """1 kWh every hour on the grid meter from 1 May to 21 July (local), 'home' active."""
    await migrate(db_pool)
    grid = await add_device(db_pool, "grid", "grid", "kWh")
    hour = datetime(2024, 5, 1, tzinfo=BERLIN).astimezone(UTC)
    end = datetime(2024, 7, 21, tzinfo=BERLIN).astimezone(UTC)
    rows = []
    while hour < end:
        rows.append((grid, hour, 1.0))
        hour += HOUR
    await db_pool.executemany(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, $3, 1)",
        rows,
    )
    async with db_pool.acquire() as conn:
        await save_tariff(conn, HOME, datetime(2024, 1, 1, tzinfo=UTC))
        await set_active_tariff(conn, "home")
    return db_pool


def _state(pool: asyncpg.Pool) -> EngineState:
    return engine_state(pool, timezone=BERLIN, currency="EUR", clock=lambda: NOW)


def _residuals(match: dict[str, Any]) -> list[tuple[str, str, str | None, str]]:
    return [(m["kind"], m["name"], m["engine"], m["residual"]) for m in match["lines"]]


async def test_a_hidden_rider_is_the_residual(pool: asyncpg.Pool) -> None:
    async with client(_state(pool)) as session:
        status, body = await checked(session, "post", "/api/v1/statements", json=MAY)
    assert status == 201, body
    assert (body["tariff"], body["currency"], body["source"]) == ("home", "EUR", "api")
    assert (body["total"], body["engine_total"], body["residual"]) == ("291.51", "280.35", "11.16")
    assert _residuals(body) == [
        ("energy", "energy", "75", "0"),
        ("energy", "energy", "197.6", "0"),
        ("standing", "Standing  charge", "7.75", "0"),
        ("rider", "network rider", None, "11.16"),
    ]
    assert body["findings"] == [
        {"cause": "missing_rider", "detail": "network rider: the tariff has no such surcharge"}
    ]
    assert (body["over_threshold"], body["error"]) == (True, None)


async def test_a_rider_billed_by_the_day_is_the_fixed_charge_of_its_name(
    pool: asyncpg.Pool,
) -> None:
    """May's network rider of 11.16 is 31 days x 0.36 (as a calibration per day adds it)."""
    daily = {**HOME, "name": "home with rider"}
    daily["fixed"] = [*HOME["fixed"], {"name": "Network rider", "amount": "0.36", "per": "day"}]
    async with pool.acquire() as conn:
        await save_tariff(conn, daily, datetime(2024, 1, 1, tzinfo=UTC))
        await set_active_tariff(conn, "home with rider")
    async with client(_state(pool)) as session:
        status, body = await checked(session, "post", "/api/v1/statements", json=MAY)
    assert status == 201, body
    assert (body["engine_total"], body["residual"]) == ("291.51", "0")
    assert _residuals(body)[2:] == [
        ("standing", "Standing  charge", "7.75", "0"),
        ("rider", "network rider", "11.16", "0"),
    ]
    assert (body["findings"], body["over_threshold"]) == ([], False)


async def test_csv_statements_a_tier_limit_and_missing_data(pool: asyncpg.Pool) -> None:
    async with client(_state(pool)) as session:
        payload = {"csv": JUNE_CSV}
        status, body = await checked(session, "post", "/api/v1/statements/import", json=payload)
        assert status == 201, body
        june, july = body["statements"]
        assert (june["source"], june["engine_total"], june["residual"]) == ("csv", "270.5", "-5")
        assert [(f["cause"]) for f in june["findings"]] == ["tier_limit"]
        assert june["findings"][0]["detail"].startswith("all: the statement splits 720 kWh as")
        # July: recorded until the 21st, 20 of 31 days: 480 kWh, 75 + 92 + 7.75.
        assert (july["engine_total"], july["residual"]) == ("174.75", "105.25")
        assert july["findings"] == [
            {
                "cause": "missing_data",
                "detail": "264 of the cycle's 744 hours have no household energy recorded",
            }
        ]
        status, listed = await checked(
            session, "get", "/api/v1/statements", params={"threshold": "25"}
        )
    assert status == 200, listed
    assert listed["threshold"] == "25"  # June: lines off by 15 and -20, total by -5
    assert [(s["start"], s["over_threshold"]) for s in listed["statements"]] == [
        ("2024-06-01", False),
        ("2024-07-01", True),
    ]


async def test_a_version_starting_inside_the_cycle(pool: asyncpg.Pool) -> None:
    """Recording May again replaces it; a version from 20 May is named as a cause."""
    async with pool.acquire() as conn:
        cheaper = {**HOME, "fixed": []}
        await save_tariff(conn, cheaper, datetime(2024, 5, 20, tzinfo=BERLIN).astimezone(UTC))
    async with client(_state(pool)) as session:
        await checked(session, "post", "/api/v1/statements", json=MAY)
        status, body = await checked(session, "post", "/api/v1/statements", json=MAY)
        assert status == 201, body
        status, listed = await checked(session, "get", "/api/v1/statements")
    assert status == 200
    [may] = listed["statements"]
    assert (may["id"], may["residual"]) == (body["id"], "11.16")
    assert [f["cause"] for f in may["findings"]] == ["missing_rider", "tariff_version"]
    assert may["findings"][1]["detail"] == (
        "a version of the tariff starts on 2024-05-19T22:00:00+00:00"
    )


async def test_bad_statements_name_the_field_and_keep_nothing(pool: asyncpg.Pool) -> None:
    bad_csv = JUNE_CSV.replace(
        "2024-06-01,2024-07-01,standing,standing charge,7.50",
        "2024-06-01,2024-07-01,standing,standing charge,lots",
    )
    fee = JUNE_CSV.replace(",total,,280.00,,,\n", ",fee,,1,,,\n")
    one = "/api/v1/statements"
    many = "/api/v1/statements/import"
    cases: list[tuple[str, Any, int, str]] = [
        (one, {**MAY, "end": "2024-04-01"}, 400, "end: must be later than 'start'"),
        (one, {**MAY, "start": "May"}, 400, "start: 'May' is not a date"),
        (one, {**MAY, "lines": [{"kind": "fee", "name": "x", "amount": "1"}]},
         400, "lines[0].kind"),
        (one, {**MAY, "tariff": "nowhere"}, 404, "no tariff named 'nowhere'"),
        (many, {"csv": bad_csv}, 400, "csv: line 4: amount: 'lots' is not a number"),
        (many, {"csv": "start,end\n"}, 400,
         "csv: line 1: the header has no column kind, name, amount"),
        (many, {"csv": fee}, 400, "csv: line 6: kind: 'fee' is not one of total, energy"),
        (many, {"csv": "\u00b9\u00be\r\u0016O"}, 400, "csv: line 1: the header has no column"),
        (many, {"csv": JUNE_CSV + "2024-06-01," + "x" * 140_000 + "\n"}, 400,
         "csv: line 7: field larger than field limit"),
    ]  # fmt: skip
    async with client(_state(pool)) as session:
        for path, payload, expected, message in cases:
            status, body = await checked(session, "post", path, json=payload)
            assert status == expected, (payload, body)
            assert message in body["error"]["message"], (payload, body)
        status, listed = await checked(session, "get", "/api/v1/statements")
    assert (status, listed["statements"]) == (200, [])


async def _double_june_10_to_19(pool: asyncpg.Pool) -> None:
    """2 kWh in the hours of 10 to 19 June: June has 960 kWh, 240 more than its 720 hours."""
    start = datetime(2024, 6, 10, tzinfo=BERLIN).astimezone(UTC)
    end = datetime(2024, 6, 20, tzinfo=BERLIN).astimezone(UTC)
    await pool.execute(
        "UPDATE energy_hourly SET energy_kwh = 2 WHERE hour >= $1 AND hour < $2", start, end
    )


def _statement(start: str, end: str, total: str, *lines: dict[str, str]) -> dict[str, Any]:
    return {"start": start, "end": end, "total": total, "lines": list(lines)}


async def test_calibration_proposes_the_hidden_rider(pool: asyncpg.Pool) -> None:
    """0.015 a kWh: May 744 kWh, 11.16; June 960 kWh, 14.40 on the engine's 366.50 (75 + 710 x
    0.40 + 7.50). July (missing data) is not fitted. A rate per day cannot explain both.
    """
    await _double_june_10_to_19(pool)
    rider = {"kind": "rider", "name": "network rider", "amount": "14.40"}
    june = _statement("2024-06-01", "2024-07-01", "380.90", rider)
    july = _statement("2024-07-01", "2024-08-01", "280.00")
    async with client(_state(pool)) as session:
        for statement in (MAY, june, july):
            status, body = await checked(session, "post", "/api/v1/statements", json=statement)
            assert status == 201, body
        status, body = await checked(session, "get", "/api/v1/statements/calibration")
    assert status == 200, body
    assert (body["basis"], body["name"], body["amount"]) == ("per_kwh", "network rider", "0.015")
    assert (body["tariff"], body["based_on_version"], body["explains"]) == ("home", 1, True)
    assert body["definition"]["surcharges"] == [{"name": "network rider", "per_kwh": "0.01500"}]
    assert [
        (s["start"], s["residual"], s["residual_after"], s["fitted"]) for s in body["statements"]
    ] == [
        ("2024-05-01", "11.16", "0", True),
        ("2024-06-01", "14.4", "0", True),
        ("2024-07-01", "105.25", "98.05", False),  # 480 kWh x 0.015 = 7.20 of it
    ]
    async with pool.acquire() as conn:
        versions = await conn.fetchval("SELECT count(*) FROM tariffs WHERE name = 'home'")
    assert versions == 1  # proposed, never applied


async def test_calibration_proposes_a_daily_fee(pool: asyncpg.Pool) -> None:
    """0.35 a day: May 31 days, 10.85; June 30 days, 10.50. A rate per kWh cannot explain both."""
    await _double_june_10_to_19(pool)
    async with client(_state(pool)) as session:
        for statement in (
            _statement("2024-05-01", "2024-06-01", "291.20"),
            _statement("2024-06-01", "2024-07-01", "377.00"),
        ):
            status, body = await checked(session, "post", "/api/v1/statements", json=statement)
            assert status == 201, body
        status, body = await checked(
            session, "get", "/api/v1/statements/calibration", params={"tariff": "home"}
        )
    assert status == 200, body
    assert (body["basis"], body["name"], body["amount"]) == ("per_day", "calibrated daily charge",
                                                              "0.35")  # fmt: skip
    assert body["definition"]["fixed"][-1] == {
        "name": "calibrated daily charge",
        "amount": "0.3500",
        "per": "day",
    }
    assert [s["residual_after"] for s in body["statements"]] == ["0", "0"]


async def test_calibration_needs_a_recorded_cycle(pool: asyncpg.Pool) -> None:
    async with client(_state(pool)) as session:
        status, body = await checked(session, "get", "/api/v1/statements/calibration")
        assert (status, body["error"]["code"]) == (409, "cannot_calibrate")
        july = _statement("2024-07-01", "2024-08-01", "280.00")
        await checked(session, "post", "/api/v1/statements", json=july)
        status, body = await checked(session, "get", "/api/v1/statements/calibration")
    assert (status, body["error"]["code"]) == (409, "cannot_calibrate")
    assert "no statement of it has a fully recorded cycle" in body["error"]["message"]


async def test_a_meter_read_cycle_of_its_own_length(pool: asyncpg.Pool) -> None:
    """5 May to 3 June: 29 days, 696 kWh: 75 + 446 x 0.40 + 29 x 0.25 = 260.65."""
    statement = _statement("2024-05-05", "2024-06-03", "260.65")
    async with client(_state(pool)) as session:
        status, body = await checked(session, "post", "/api/v1/statements", json=statement)
    assert status == 201, body
    assert (body["engine_total"], body["residual"], body["findings"]) == ("260.65", "0", [])
    assert [(m["kind"], m["engine"], m["residual"]) for m in body["lines"]] == [
        ("energy", "75", "-75"),
        ("energy", "178.4", "-178.4"),
        ("standing", "7.25", "-7.25"),
    ]


async def test_a_deleted_statement_is_no_longer_matched(pool: asyncpg.Pool) -> None:
    route = "/api/v1/statements/{statement_id}"
    async with client(_state(pool)) as session:
        status, body = await checked(session, "post", "/api/v1/statements", json=MAY)
        assert status == 201, body
        path = f"/api/v1/statements/{body['id']}"
        assert await checked(session, "delete", route, path=path) == (204, None)
        status, listed = await checked(session, "get", "/api/v1/statements")
        assert (status, listed["statements"]) == (200, [])
        status, again = await checked(session, "delete", route, path=path)
        assert (status, again["error"]["code"]) == (404, "unknown_statement")
        assert again["error"]["message"] == f"there is no statement {body['id']}"
        status, bad = await checked(session, "delete", route, path="/api/v1/statements/may")
        assert (status, bad["error"]["message"]) == (
            400,
            "statement_id: 'may' is not a statement id (a positive integer)",
        )
