"""`GET /api/v1/costs`, `GET /api/v1/projection`, `POST /api/v1/compare` on real rollups.

Costs are written by the real cost writer from inserted energy; the expected figures are
computed here from the inserted kWh and the tariff's prices, independently of the engine.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from aetherlens_engine.api import EngineState
from aetherlens_engine.tariffs.costs import write_costs
from aetherlens_engine.tariffs.store import StoredTariff, save_tariff, set_active_tariff
from tests.engine.checked_api import checked
from tests.engine.test_api_support import add_device, client, engine_state, migrate
from tests.tariff_samples import DAY_NIGHT

D = Decimal
HOUR = timedelta(hours=1)
BERLIN = ZoneInfo("Europe/Berlin")
# 18 hours from 18:00 local on 31 May to 12:00 local on 1 June (CEST): across a day and a month.
FIRST = datetime(2024, 5, 31, 16, tzinfo=UTC)
HOURS = [FIRST + n * HOUR for n in range(18)]
TOU: dict[str, Any] = {
    **DAY_NIGHT,
    "carbon": {"intensity": "0.5"},
}
FLAT: dict[str, Any] = {
    "name": "flat",
    "currency": "EUR",
    "timezone": "Europe/Berlin",
    "energy": {"price": "0.10"},
    "fixed": [{"name": "meter", "amount": "3"}],
}
CHEAP: dict[str, Any] = {**FLAT, "name": "cheap", "energy": {"price": "0.08"}, "fixed": []}


def _period(hour: datetime) -> str:
    return "day" if 8 <= hour.astimezone(BERLIN).hour < 20 else "off"


PRICE = {"day": D("0.30"), "off": D("0.20")}


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    await migrate(db_pool)
    return db_pool


def _state(pool: asyncpg.Pool, now: datetime) -> EngineState:
    return engine_state(pool, timezone=BERLIN, currency="EUR", clock=lambda: now)


async def _energy(pool: asyncpg.Pool, rows: list[tuple[int, datetime, float]]) -> None:
    await pool.executemany(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, $3, 1)",
        rows,
    )


async def _activate(pool: asyncpg.Pool, *definitions: dict[str, Any]) -> StoredTariff:
    """Save the tariffs and activate the first; return its stored version."""
    async with pool.acquire() as conn:
        stored = [
            await save_tariff(conn, definition, datetime(2024, 1, 1, tzinfo=UTC))
            for definition in definitions
        ]
        await set_active_tariff(conn, definitions[0]["name"])
    return stored[0]


def _text(amount: Decimal) -> str:
    return format(amount.normalize(), "f")


type _Key = tuple[Any, ...]  # (start, then device id or period)
type _Sums = dict[_Key, list[Any]]


def _expected(
    usage: list[tuple[int, datetime, float]], key: Callable[[int, datetime], _Key | None]
) -> _Sums:
    """Sum kWh, cost and carbon of USAGE by KEY (None: left out)."""
    sums: _Sums = defaultdict(lambda: [0.0, D(0), 0.0])
    for device, hour, kwh in usage:
        group = key(device, hour)
        if group is None:
            continue
        sums[group][0] += kwh
        sums[group][1] += D(repr(kwh)) * PRICE[_period(hour)]
        sums[group][2] += kwh * 0.5
    return sums


def _local_day(hour: datetime) -> datetime:
    day = hour.astimezone(BERLIN).date()
    return datetime(day.year, day.month, day.day, tzinfo=BERLIN).astimezone(UTC)


def _local_month(hour: datetime) -> datetime:
    day = hour.astimezone(BERLIN).date()
    return datetime(day.year, day.month, 1, tzinfo=BERLIN).astimezone(UTC)


async def test_costs_by_device_period_and_total(pool: asyncpg.Pool) -> None:
    grid = await add_device(pool, "grid", "grid", "kWh")
    fridge = await add_device(pool, "fridge")
    lamp = await add_device(pool, "lamp")
    usage = [(grid, hour, (1.0, 1.5, 2.0)[n % 3]) for n, hour in enumerate(HOURS)]
    usage += [(fridge, hour, 0.25) for hour in HOURS]
    usage += [(lamp, hour, 0.5) for hour in HOURS[::2]]
    await _energy(pool, usage)
    version = await _activate(pool, TOU)
    async with pool.acquire() as conn:
        await write_costs(conn, version, FIRST, HOURS[-1] + HOUR, day_zone=BERLIN)
    whole = {"start": "2024-05-31T00:00:00+02:00", "end": "2024-06-02T00:00:00+02:00"}
    household = {grid}  # the grid meter is the household; appliances are part of it

    async def rows(**params: Any) -> list[dict[str, Any]]:
        async with client(_state(pool, HOURS[-1])) as session:
            status, body = await checked(session, "get", "/api/v1/costs", params=params)
        assert status == 200, body
        assert (body["currency"], body["resolution"]) == ("EUR", params.get("resolution", "day"))
        result: list[dict[str, Any]] = body["rows"]
        return result

    def listed(sums: _Sums, names: tuple[str, ...]) -> list[dict[str, Any]]:
        out = []
        for group in sorted(sums):
            kwh, cost, carbon = sums[group]
            start, *rest = group
            out.append(
                {
                    "start": start.isoformat(),
                    **dict(zip(names, rest, strict=True)),
                    "energy_kwh": kwh,
                    "cost": _text(cost),
                    "carbon_kg": carbon,
                }
            )
        return out

    hourly = _expected(usage, lambda device, hour: (hour, device))
    span = {"start": FIRST.isoformat(), "end": (HOURS[-1] + HOUR).isoformat()}
    got = await rows(**span, resolution="hour", group="device")
    assert got == listed(hourly, ("device_id",))
    assert len(got) == 18 + 18 + 9

    got = await rows(**span, resolution="hour", group="period")
    assert got == listed(
        _expected(usage, lambda d, h: (h, _period(h)) if d == grid else None), ("period",)
    )
    got = await rows(**whole, resolution="month", group="device")
    assert got == listed(_expected(usage, lambda d, h: (_local_month(h), d)), ("device_id",))

    daily = _expected(usage, lambda d, h: (_local_day(h),) if d in household else None)
    got = await rows(**whole, resolution="day", group="total")
    assert got == listed(daily, ())
    assert [row["start"] for row in got] == [
        "2024-05-30T22:00:00+00:00",
        "2024-05-31T22:00:00+00:00",
    ]

    by_period = _expected(
        usage, lambda d, h: (_local_month(h), _period(h)) if d in household else None
    )
    got = await rows(**whole, resolution="month", group="period")
    assert got == listed(by_period, ("period",))
    assert {(row["start"][:10], row["period"]) for row in got} == {
        ("2024-04-30", "day"), ("2024-04-30", "off"), ("2024-05-31", "day"), ("2024-05-31", "off")
    }  # fmt: skip

    fridge_days = _expected(usage, lambda d, h: (_local_day(h), d) if d == fridge else None)
    got = await rows(**whole, resolution="day", group="device", device_id=str(fridge))
    assert got == listed(fridge_days, ("device_id",))

    monthly = _expected(usage, lambda d, h: (_local_month(h),) if d in household else None)
    got = await rows(**whole, resolution="month")
    assert got == listed(monthly, ())
    # The hours of a period summed by day from cost_hourly equal cost_daily's days.
    day_periods = await rows(**whole, resolution="day", group="period")
    assert sum(D(r["cost"]) for r in day_periods) == sum(D(r["cost"]) for r in got)


async def test_costs_bad_parameters(pool: asyncpg.Pool) -> None:
    await add_device(pool, "grid", "grid", "kWh")
    day = {"start": "2024-06-01T00:00:00Z", "end": "2024-06-02T00:00:00Z"}
    cases = [
        ({"end": day["end"]}, 400, "start: missing"),
        ({**day, "start": "June"}, 400, "start: 'June' is not an ISO 8601 date-time"),
        ({**day, "end": "2024-06-02T00:00"}, 400, "end: '2024-06-02T00:00' has no UTC offset"),
        ({**day, "resolution": "week"}, 400, "resolution: 'week' is not one of hour, day, month"),
        ({**day, "group": "room"}, 400, "group: 'room' is not one of device, period, total"),
        ({**day, "device_id": "x"}, 400, "device_id: 'x' is not a device id"),
        ({**day, "device_id": "0"}, 400, "device_id: '0' is not a device id"),
        ({"start": day["end"], "end": day["start"]}, 400, "end: must be later than 'start'"),
        ({**day, "end": "2024-12-01T00:00:00Z", "resolution": "hour"}, 400, "longer than 93 days"),
        ({**day, "device_id": "777"}, 404, "there is no device 777"),
    ]  # fmt: skip
    async with client(_state(pool, datetime(2024, 6, 2, tzinfo=UTC))) as session:
        for params, status, message in cases:
            got, body = await checked(session, "get", "/api/v1/costs", params=params)
            assert got == status, (params, body)
            assert message in body["error"]["message"], (params, body)


async def _flat_household(pool: asyncpg.Pool, now: datetime) -> None:
    """1 kWh every hour on the grid meter from 1 May local until NOW."""
    grid = await add_device(pool, "grid", "grid", "kWh")
    hour = datetime(2024, 5, 1, tzinfo=BERLIN).astimezone(UTC)
    rows = []
    while hour < now:
        rows.append((grid, hour, 1.0))
        hour += HOUR
    await _energy(pool, rows)


NOW = datetime(2024, 6, 16, tzinfo=BERLIN).astimezone(UTC)  # half of June has passed


async def test_projection(pool: asyncpg.Pool) -> None:
    """15 of 30 days at 24 kWh: 360 x 0.10 + 3 = 39 so far, 720 x 0.10 + 3 = 75 projected."""
    await _flat_household(pool, NOW)
    async with client(_state(pool, NOW)) as session:
        status, body = await checked(session, "get", "/api/v1/projection")
        assert (status, body["error"]["code"]) == (409, "no_active_tariff")
        assert "no tariff is active" in body["error"]["message"]
        await _activate(pool, FLAT)
        status, body = await checked(session, "get", "/api/v1/projection")
    assert status == 200
    assert body == {
        "currency": "EUR",
        "tariff": "flat",
        "cycle": {"start": "2024-06-01", "end": "2024-07-01"},
        "cost_so_far": "39",
        "projected_total": "75",
        "energy_so_far_kwh": 360.0,
        "projected_energy_kwh": 720.0,
        "days_elapsed": 15,
        "days_total": 30,
        "method": "usage so far + mean daily profile of the last 14 days",
    }


async def test_compare_with_defaults_stored_and_inline_tariffs(pool: asyncpg.Pool) -> None:
    """The last full cycle is May: 744 kWh. Flat: 74.40 + 3 = 77.40; 0.12 flat: 89.28."""
    await _flat_household(pool, NOW)
    await _activate(pool, FLAT, CHEAP)
    inline = {**FLAT, "name": "inline", "energy": {"price": "0.12"}, "fixed": []}
    async with client(_state(pool, NOW)) as session:
        status, body = await checked(
            session, "post", "/api/v1/compare", json={"definition": inline}
        )
        assert status == 200, body
        assert (body["start"], body["end"]) == (
            "2024-04-30T22:00:00+00:00",
            "2024-05-31T22:00:00+00:00",
        )
        assert (body["current"]["total"], body["alternative"]["total"]) == ("77.40", "89.28")
        assert (body["currency"], body["difference"]) == ("EUR", "11.88")
        assert body["current"]["cycles"][0]["import_kwh"] == "744.000"
        # One local day of June (24 kWh) under the stored 'cheap' tariff: 1.92 against
        # 2.40 + the June cycle's fixed 3.
        day = {"start": "2024-06-03T00:00:00+02:00", "end": "2024-06-04T00:00:00+02:00"}
        status, body = await checked(
            session, "post", "/api/v1/compare", json={"tariff": "cheap", **day}
        )
        assert status == 200, body
        assert (body["current"]["total"], body["alternative"]["total"]) == ("5.40", "1.92")
        assert body["difference"] == "-3.48"


async def test_compare_errors(pool: asyncpg.Pool) -> None:
    await _flat_household(pool, datetime(2024, 5, 2, tzinfo=UTC))
    cases: list[tuple[Any, int, str]] = [
        ({"definition": FLAT}, 409, "no tariff is active"),
        ({"tariff": "nowhere"}, 404, "there is no tariff named 'nowhere'"),
        ({"definition": {**FLAT, "timezone": "Mars/Base"}}, 422, "definition: timezone: unknown"),
        ([1], 400, "the body must be a JSON object"),
        ({"tariff": "flat", "definition": FLAT}, 400, "give either tariff"),
        ({}, 400, "give either tariff"),
        ({"tariff": 3}, 400, "tariff: must be the name of a stored tariff"),
        ({"tariff": "flat", "colour": "red"}, 400, "colour: unknown field"),
        ({"tariff": "flat", "start": "2024-05-01T00:00:00Z"}, 400, "give both start and end"),
        ({"tariff": "flat", "start": "May", "end": "June"}, 400, "start: 'May' is not an ISO"),
        ({"tariff": "flat", "start": "2024-05-01T00:00:00Z", "end": "2025-12-01T00:00:00Z"},
         400, "longer than 400 days"),
    ]  # fmt: skip
    async with client(_state(pool, NOW)) as session:
        status, body = await checked(session, "post", "/api/v1/compare", data=b"{not json")
        assert (status, body["error"]["code"]) == (400, "invalid_json")
        for payload, expected, message in cases:
            status, body = await checked(session, "post", "/api/v1/compare", json=payload)
            assert status == expected, (payload, body)
            assert message in body["error"]["message"], (payload, body)
            if payload == {"tariff": "nowhere"}:
                await _activate(pool, FLAT)  # the rest with an active tariff
        no_usage = {
            "tariff": "flat",
            "start": "2024-06-10T00:00:00Z",
            "end": "2024-06-11T00:00:00Z",
        }
        status, body = await checked(session, "post", "/api/v1/compare", json=no_usage)
        assert (status, body["error"]["code"]) == (409, "cannot_bill")
        assert "no household energy is recorded" in body["error"]["message"]
