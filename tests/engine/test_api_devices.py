"""`GET /api/v1/devices` and `GET /api/v1/devices/{id}/energy` over real HTTP."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
import pytest

from aetherlens_engine.api import ApiLimits
from tests.engine.test_api_support import add_device, client, engine_state, migrate

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    await migrate(db_pool)
    return db_pool


async def _get(session: aiohttp.ClientSession, path: str, **query: str) -> tuple[int, Any]:
    async with session.get(path, params=query) as resp:
        return resp.status, await resp.json()


async def test_device_list(pool: asyncpg.Pool) -> None:
    plug = await add_device(pool, "plug")
    await pool.execute(
        'UPDATE devices SET attributes = \'{"room": "kitchen"}\' WHERE id = $1', plug
    )
    azure = await add_device(pool, "azure", "cloud_account", None)
    async with client(engine_state(pool)) as session:
        status, body = await _get(session, "/api/v1/devices")
    assert status == 200
    first, second = body["devices"]
    assert {k: first[k] for k in ("id", "name", "kind", "unit", "attributes")} == {
        "id": plug,
        "name": "plug",
        "kind": "appliance",
        "unit": "W",
        "attributes": {"room": "kitchen"},
    }
    assert datetime.fromisoformat(first["created_at"]).tzinfo is not None
    assert (second["id"], second["kind"], second["unit"]) == (azure, "cloud_account", None)


async def _energy_rows(pool: asyncpg.Pool, device: int) -> None:
    for hour, kwh in ((22, 1.0), (23, 0.5)):
        await pool.execute(
            "INSERT INTO energy_hourly (device_id, hour, energy_kwh, avg_power_w, max_power_w,"
            " samples, quality) VALUES ($1, $2, $3, $4, $5, 60, 1)",
            device,
            datetime(2026, 3, 28, hour, tzinfo=UTC),
            kwh,
            kwh * 1000,
            kwh * 1500,
        )
    for day, kwh in ((1, 2.0), (28, 3.0), (29, 4.0), (31, 5.0)):
        await pool.execute(
            "INSERT INTO energy_daily (device_id, day, energy_kwh, max_power_w, samples)"
            " VALUES ($1, $2, $3, 900, 1440)",
            device,
            date(2026, 3, day),
            kwh,
        )


async def test_hourly_energy(pool: asyncpg.Pool) -> None:
    plug = await add_device(pool, "plug")
    await _energy_rows(pool, plug)
    async with client(engine_state(pool, timezone=BERLIN)) as session:
        status, body = await _get(
            session,
            f"/api/v1/devices/{plug}/energy",
            **{"from": "2026-03-28T23:00:00+01:00", "to": "2026-03-29T00:00:00Z"},
        )
    assert status == 200
    assert body == {
        "device_id": plug,
        "resolution": "hour",
        "from": "2026-03-28T22:00:00+00:00",
        "to": "2026-03-29T00:00:00+00:00",
        "timezone": "Europe/Berlin",
        "total_kwh": 1.5,
        "points": [
            {
                "start": "2026-03-28T22:00:00+00:00",
                "end": "2026-03-28T23:00:00+00:00",
                "energy_kwh": 1.0,
                "avg_power_w": 1000.0,
                "max_power_w": 1500.0,
                "samples": 60,
                "quality": 1,
            },
            {
                "start": "2026-03-28T23:00:00+00:00",
                "end": "2026-03-29T00:00:00+00:00",
                "energy_kwh": 0.5,
                "avg_power_w": 500.0,
                "max_power_w": 750.0,
                "samples": 60,
                "quality": 1,
            },
        ],
    }


async def test_daily_energy_uses_local_days(pool: asyncpg.Pool) -> None:
    """Days are local: 29 March 2026 in Berlin has 23 hours."""
    plug = await add_device(pool, "plug")
    await _energy_rows(pool, plug)
    async with client(engine_state(pool, timezone=BERLIN)) as session:
        status, body = await _get(
            session,
            f"/api/v1/devices/{plug}/energy",
            resolution="day",
            **{"from": "2026-03-01T00:00:00+01:00", "to": "2026-03-31T00:00:00+02:00"},
        )
        assert status == 200
        points = {point["start"]: point for point in body["points"]}
        assert list(points) == [
            "2026-02-28T23:00:00+00:00",
            "2026-03-27T23:00:00+00:00",
            "2026-03-28T23:00:00+00:00",
        ]
        assert points["2026-03-28T23:00:00+00:00"]["end"] == "2026-03-29T22:00:00+00:00"
        assert points["2026-03-28T23:00:00+00:00"]["avg_power_w"] is None
        assert body["total_kwh"] == 9.0
        # A day counts when it starts in the range: 1 March began a second before `from`.
        status, body = await _get(
            session,
            f"/api/v1/devices/{plug}/energy",
            resolution="day",
            **{"from": "2026-03-01T00:00:01+01:00", "to": "2026-03-29T00:00:01+01:00"},
        )
    assert [point["energy_kwh"] for point in body["points"]] == [3.0, 4.0]


async def test_unknown_device_404(pool: asyncpg.Pool) -> None:
    query = {"from": "2026-03-01T00:00:00Z", "to": "2026-03-02T00:00:00Z"}
    async with client(engine_state(pool)) as session:
        for device in ("4242", "99999999999", "0", "0" * 30 + "7"):
            status, body = await _get(session, f"/api/v1/devices/{device}/energy", **query)
            assert status == 404, device
            assert body["error"]["code"] == "unknown_device"


@pytest.mark.parametrize(
    ("path", "query", "name"),
    [
        ("abc", {"from": "2026-03-01T00:00:00Z", "to": "2026-03-02T00:00:00Z"}, "device_id"),
        ("-1", {"from": "2026-03-01T00:00:00Z", "to": "2026-03-02T00:00:00Z"}, "device_id"),
        ("1", {"to": "2026-03-02T00:00:00Z"}, "from"),
        ("1", {"from": "2026-03-01T00:00:00Z"}, "to"),
        ("1", {"from": "yesterday", "to": "2026-03-02T00:00:00Z"}, "from"),
        ("1", {"from": "2026-03-01T00:00:00", "to": "2026-03-02T00:00:00Z"}, "from"),
        ("1", {"from": "2026-03-01T00:00:00Z", "to": "2026-03-01T00:00:00Z"}, "to"),
        ("1", {"from": "2026-03-01T00:00:00Z", "to": "2026-07-01T00:00:00Z"}, "to"),
        (
            "1",
            {"from": "2026-03-01T00:00:00Z", "to": "2026-03-02T00:00:00Z", "resolution": "week"},
            "resolution",
        ),
    ],
)
async def test_bad_parameters_400(
    pool: asyncpg.Pool, path: str, query: dict[str, str], name: str
) -> None:
    await add_device(pool, "plug")
    async with client(engine_state(pool)) as session:
        status, body = await _get(session, f"/api/v1/devices/{path}/energy", **query)
    assert status == 400
    assert body["error"]["code"] == "invalid_parameter"
    assert body["error"]["message"].startswith(f"{name}: ")


@pytest.mark.parametrize(
    ("to", "message"),
    [
        ("2026-03-01T00:00:00Z", "to: must be later than 'from'"),
        ("2026-07-01T00:00:00Z", "to: the range is longer than 93 days, the most for hours"),
    ],
)
async def test_range_refusals_name_this_routes_parameters(
    pool: asyncpg.Pool, to: str, message: str
) -> None:
    """The range check the cost and bill routes share, in this route's words (`from`, `to`)."""
    plug = await add_device(pool, "plug")
    async with client(engine_state(pool)) as session:
        status, body = await _get(
            session, f"/api/v1/devices/{plug}/energy", **{"from": "2026-03-01T00:00:00Z", "to": to}
        )
    assert (status, body["error"]["message"]) == (400, message)


async def test_unencoded_plus_gets_a_hint(pool: asyncpg.Pool) -> None:
    plug = await add_device(pool, "plug")
    async with (
        client(engine_state(pool)) as session,
        session.get(
            f"/api/v1/devices/{plug}/energy?from=2026-03-01T00:00:00+01:00&to=2026-03-02T00:00:00Z"
        ) as resp,
    ):
        assert resp.status == 400
        assert "%2B" in (await resp.json())["error"]["message"]


async def test_range_limits_depend_on_resolution(pool: asyncpg.Pool) -> None:
    plug = await add_device(pool, "plug")
    limits = ApiLimits(max_hour_range=timedelta(days=2), max_day_range=timedelta(days=40))
    query = {"from": "2026-03-01T00:00:00Z", "to": "2026-03-31T00:00:00Z"}
    async with client(engine_state(pool, limits=limits)) as session:
        status, body = await _get(session, f"/api/v1/devices/{plug}/energy", **query)
        assert status == 400
        assert "2 days" in body["error"]["message"]
        status, _ = await _get(session, f"/api/v1/devices/{plug}/energy", resolution="day", **query)
        assert status == 200
