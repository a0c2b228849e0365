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
from aetherlens_engine.pricing.store.costs import write_costs
from aetherlens_engine.pricing.store.tariffs import save_tariff, set_active_tariff
from aetherlens_engine.tariffs.versions import StoredTariff
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


def _parts(
    usage: list[tuple[int, datetime, float]], bucket: Callable[[datetime], datetime], mains: int
) -> _Sums:
    """Sum USAGE by BUCKET and device, MAINS minus the others as the rest of the house (None).

    Exact: kWh and carbon summed as decimals, written as floats.
    """
    sums: _Sums = defaultdict(lambda: [D(0), D(0), D(0)])
    for device, hour, kwh in usage:
        exact = D(repr(kwh))
        figures = (exact, exact * PRICE[_period(hour)], exact * D("0.5"))
        start = bucket(hour)
        # The mains count in the rest; a part in its own row and out of the rest.
        changes = [(None, 1)] if device == mains else [(device, 1), (None, -1)]
        for group, sign in changes:
            for n, figure in enumerate(figures):
                sums[start, group][n] += sign * figure
    return {key: [float(kwh), cost, float(kg)] for key, (kwh, cost, kg) in sums.items()}


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
        # The rest of the house (device None) after the devices.
        for group in sorted(sums, key=lambda g: tuple((v is None, v) for v in g)):
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

    # By device: the appliances, then the rest of the house (the grid meter minus them).
    hourly = _parts(usage, lambda hour: hour, grid)
    span = {"start": FIRST.isoformat(), "end": (HOURS[-1] + HOUR).isoformat()}
    got = await rows(**span, resolution="hour", group="device")
    assert got == listed(hourly, ("device_id",))
    assert len(got) == 18 + 18 + 9
    assert {row["device_id"] for row in got} == {fridge, lamp, None}

    got = await rows(**span, resolution="hour", group="period")
    assert got == listed(
        _expected(usage, lambda d, h: (h, _period(h)) if d == grid else None), ("period",)
    )
    got = await rows(**whole, resolution="month", group="device")
    assert got == listed(_parts(usage, _local_month, grid), ("device_id",))

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


async def _costs(pool: asyncpg.Pool, **params: Any) -> dict[str, Any]:
    async with client(_state(pool, HOURS[-1])) as session:
        status, body = await checked(session, "get", "/api/v1/costs", params=params)
    assert status == 200, body
    result: dict[str, Any] = body
    return result


async def test_costs_by_device_add_up_to_the_household(pool: asyncpg.Pool) -> None:
    """The rows by device and their total are the household's: the grid meter counted once.

    A kitchen sub-meter contains the dishwasher (HA's `included_in_stat`): the dishwasher is not
    a part of its own beside the kitchen; what no sub-meter measures is the rest of the house.
    """
    grid = await add_device(pool, "grid", "grid", "kWh")
    fridge = await add_device(pool, "fridge")
    kitchen = await add_device(pool, "kitchen")
    dishwasher = await add_device(pool, "dishwasher")
    await pool.execute("UPDATE devices SET included_in = $1 WHERE id = $2", kitchen, dishwasher)
    usage = [(grid, hour, 2.5) for hour in HOURS]
    usage += [(fridge, hour, 0.2) for hour in HOURS]
    usage += [(kitchen, hour, 1.25) for hour in HOURS]
    usage += [(dishwasher, hour, 1.0) for hour in HOURS[::3]]
    await _energy(pool, usage)
    version = await _activate(pool, TOU)
    async with pool.acquire() as conn:
        await write_costs(conn, version, FIRST, HOURS[-1] + HOUR, day_zone=BERLIN)
    span = {"start": FIRST.isoformat(), "end": (HOURS[-1] + HOUR).isoformat()}
    household = _expected(usage, lambda d, h: ("all",) if d == grid else None)[("all",)]
    everything = _expected(usage, lambda d, h: ("all",))[("all",)]

    whole = {"start": "2024-05-31T00:00:00+02:00", "end": "2024-06-02T00:00:00+02:00"}
    for resolution in ("hour", "day", "month"):
        within = span if resolution == "hour" else whole  # days and months starting in it
        body = await _costs(pool, **within, resolution=resolution, group="device")
        rows = body["rows"]
        assert {row["device_id"] for row in rows} == {fridge, kitchen, None}, resolution
        assert body["total"] == {
            "energy_kwh": household[0],
            "cost": _text(household[1]),
            "carbon_kg": household[2],
        }, resolution
        assert sum(D(row["cost"]) for row in rows) == household[1]
        assert sum(D(repr(row["energy_kwh"])) for row in rows) == D("45")  # 18 h x 2.5 kWh
        rest = [row for row in rows if row["device_id"] is None]
        assert sum(D(repr(row["energy_kwh"])) for row in rest) == D("18.9")  # 18 x (2.5-0.2-1.25)
        assert (await _costs(pool, **within, resolution=resolution))["total"] == body["total"]
    assert D(body["total"]["cost"]) < everything[1]  # what summing every device would give

    # Every device's own rows (history per device) overlap; the total stays the household's.
    meters = await _costs(pool, **span, resolution="hour", group="meter")
    assert {row["device_id"] for row in meters["rows"]} == {grid, fridge, kitchen, dishwasher}
    assert meters["total"]["energy_kwh"] == 45.0
    assert sum(D(repr(row["energy_kwh"])) for row in meters["rows"]) == D(
        "77.1"
    )  # 45 + 3.6 + 22.5 + 6

    alone = await _costs(pool, **whole, group="device", device_id=str(dishwasher))
    assert {row["device_id"] for row in alone["rows"]} == {dishwasher}
    assert alone["total"]["energy_kwh"] == 6.0


async def test_costs_without_mains_count_the_appliances_not_inside_another(
    pool: asyncpg.Pool,
) -> None:
    fridge = await add_device(pool, "fridge")
    kitchen = await add_device(pool, "kitchen")
    kettle = await add_device(pool, "kettle")
    await pool.execute("UPDATE devices SET included_in = $1 WHERE id = $2", kitchen, kettle)
    usage = [(fridge, HOURS[0], 0.5), (kitchen, HOURS[0], 2.0), (kettle, HOURS[0], 1.5)]
    await _energy(pool, usage)
    version = await _activate(pool, FLAT)
    async with pool.acquire() as conn:
        await write_costs(conn, version, FIRST, HOURS[-1] + HOUR, day_zone=BERLIN)
    span = {"start": FIRST.isoformat(), "end": (HOURS[-1] + HOUR).isoformat()}
    body = await _costs(pool, **span, resolution="hour", group="device")
    assert [(row["device_id"], row["energy_kwh"]) for row in body["rows"]] == [
        (fridge, 0.5),
        (kitchen, 2.0),
    ]  # no rest of the house without a mains meter
    assert body["total"] == {"energy_kwh": 2.5, "cost": "0.25", "carbon_kg": None}
    assert (await _costs(pool, **span, resolution="hour"))["total"] == body["total"]


async def test_costs_bad_parameters(pool: asyncpg.Pool) -> None:
    await add_device(pool, "grid", "grid", "kWh")
    day = {"start": "2024-06-01T00:00:00Z", "end": "2024-06-02T00:00:00Z"}
    cases = [
        ({"end": day["end"]}, 400, "start: missing"),
        ({**day, "start": "June"}, 400, "start: 'June' is not an ISO 8601 date-time"),
        ({**day, "end": "2024-06-02T00:00"}, 400, "end: '2024-06-02T00:00' has no UTC offset"),
        ({**day, "resolution": "week"}, 400, "resolution: 'week' is not one of hour, day, month"),
        ({**day, "group": "room"}, 400, "group: 'room' is not one of device, meter, period, total"),
        ({**day, "device_id": "x"}, 400, "device_id: expected `int`, got `str`"),
        ({**day, "device_id": "0"}, 400, "device_id: expected `int` >= 1"),
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
        "day_of_cycle": 16,  # 16 June, of a cycle from 1 June
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
        assert body["recorded"] == {"hours": 744, "of_hours": 744}
        # One local day of June (24 kWh) under the stored 'cheap' tariff: 1.92 against
        # 2.40 + the June cycle's fixed 3.
        day = {"start": "2024-06-03T00:00:00+02:00", "end": "2024-06-04T00:00:00+02:00"}
        status, body = await checked(
            session, "post", "/api/v1/compare", json={"tariff": "cheap", **day}
        )
        assert status == 200, body
        assert (body["current"]["total"], body["alternative"]["total"]) == ("5.40", "1.92")
        assert body["difference"] == "-3.48"
        # Recording began on 1 May: of 30 April and 1 May, half the hours are recorded.
        partly = {"start": "2024-04-30T00:00:00+02:00", "end": "2024-05-02T00:00:00+02:00"}
        status, body = await checked(
            session, "post", "/api/v1/compare", json={"tariff": "cheap", **partly}
        )
        assert status == 200, body
        assert body["recorded"] == {"hours": 24, "of_hours": 48}


async def test_compare_errors(pool: asyncpg.Pool) -> None:
    await _flat_household(pool, datetime(2024, 5, 2, tzinfo=UTC))
    cases: list[tuple[Any, int, str]] = [
        ({"definition": FLAT}, 409, "no tariff is active"),
        ({"tariff": "nowhere"}, 404, "there is no tariff named 'nowhere'"),
        ({"definition": {**FLAT, "timezone": "Mars/Base"}}, 422, "definition: timezone: unknown"),
        ([1], 400, "the body must be a JSON object"),
        ({"tariff": "flat", "definition": FLAT}, 400, "give either tariff"),
        ({}, 400, "give either tariff"),
        ({"tariff": 3}, 400, "tariff: expected `str`, got `int`"),
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


async def test_rank_stored_and_inline_tariffs(pool: asyncpg.Pool) -> None:
    """May (744 kWh), every stored tariff: cheap 59.52 < flat (active) 77.40 < day-night 186."""
    await _flat_household(pool, NOW)
    await _activate(pool, FLAT, CHEAP, DAY_NIGHT)
    inline = {**FLAT, "name": "inline", "energy": {"price": "0.12"}, "fixed": []}
    async with client(_state(pool, NOW)) as session:
        status, body = await checked(session, "post", "/api/v1/rank", json={})
        assert status == 200, body
        assert (body["start"], body["end"]) == (
            "2024-04-30T22:00:00+00:00",
            "2024-05-31T22:00:00+00:00",
        )
        assert (body["currency"], body["cycle_day"]) == ("EUR", 1)
        assert body["recorded"] == {"hours": 744, "of_hours": 744}
        summary = [(b["rank"], b["source"], b["total"], b["difference"]) for b in body["bills"]]
        # Every stored tariff: May has 372 day hours (12 a day) at 0.30 and 372 at 0.20.
        assert summary == [
            (1, "cheap", "59.52", "-17.88"),
            (2, "flat", "77.40", "0.00"),
            (3, "day-night", "186.00", "108.60"),
        ]
        assert [b["reference"] for b in body["bills"]] == [False, True, False]
        compared = await checked(session, "post", "/api/v1/compare", json={"tariff": "day-night"})
        assert compared[1]["alternative"]["cycles"] == body["bills"][2]["cycles"]

        day = {"start": "2024-06-03T00:00:00+02:00", "end": "2024-06-04T00:00:00+02:00"}
        payload = {"tariffs": ["cheap", "flat", "cheap"], "definitions": [inline], **day}
        status, body = await checked(session, "post", "/api/v1/rank", json=payload)
        assert status == 200, body
        summary = [(b["rank"], b["source"], b["tariff"], b["total"]) for b in body["bills"]]
        # 24 kWh: cheap 1.92, inline 2.88, flat 2.40 + the June cycle's fixed 3.
        assert summary == [
            (1, "cheap", "cheap", "1.92"),
            (2, "definitions[0]", "inline", "2.88"),
            (3, "flat", "flat", "5.40"),
        ]


async def test_rank_errors(pool: asyncpg.Pool) -> None:
    await _flat_household(pool, datetime(2024, 5, 2, tzinfo=UTC))
    euro_day = {"start": "2024-05-01T00:00:00Z", "end": "2024-05-02T00:00:00Z"}
    dollars = {**FLAT, "name": "dollars", "currency": "USD"}
    cases: list[tuple[Any, int, str]] = [
        ({}, 409, "no tariff is active"),
        ({"definitions": [{**FLAT, "timezone": "Mars/Base"}]}, 422,
         "definitions[0]: timezone: unknown"),
        ({"tariffs": ["nowhere"]}, 404, "there is no tariff named 'nowhere'"),
        ({"tariffs": "flat"}, 400, "tariffs: expected `array`, got `str`"),
        ({"tariffs": ["flat"] * 51}, 400, "at most 50 tariffs"),
        ({"end": "2024-05-01T00:00:00Z"}, 400, "start: give both start and end"),
        ({"definitions": [dollars], **euro_day}, 409,
         "definitions[0]: tariff 'dollars' is in USD, tariff 'flat' in EUR"),
        ({"tariffs": ["flat"], "start": "2024-06-10T00:00:00Z", "end": "2024-06-11T00:00:00Z"},
         409, "no household energy is recorded"),
    ]  # fmt: skip
    async with client(_state(pool, NOW)) as session:
        for payload, expected, message in cases:
            status, body = await checked(session, "post", "/api/v1/rank", json=payload)
            assert status == expected, (payload, body)
            assert message in body["error"]["message"], (payload, body)
            if payload == {"tariffs": ["nowhere"]}:
                await _activate(pool, FLAT)  # the rest with an active tariff
