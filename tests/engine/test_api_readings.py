"""`POST /api/v1/readings` over real HTTP into a real database (through DirectSink)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from aetherlens_engine.api.params import RFC3339_PATTERN
from tests.engine.test_api_support import (
    DirectSink,
    FullSink,
    add_device,
    client,
    engine_state,
    migrate,
)
from tests.engine.test_ingest_support import running


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    await migrate(db_pool)
    return db_pool


async def _post(session: aiohttp.ClientSession, batch: object) -> tuple[int, dict[str, object]]:
    async with session.post("/api/v1/readings", json=batch) as resp:
        return resp.status, await resp.json()


async def test_batch_is_stored_and_duplicates_reported(pool: asyncpg.Pool, tmp_path: Path) -> None:
    """Of two readings of a device at one instant the first is stored; the second is listed."""
    plug = await add_device(pool, "plug", unit="W")
    batch = [
        {"device_id": plug, "time": "2026-03-29T01:30:00+02:00", "value": 12.5},
        {"device_id": plug, "time": "2026-03-29T00:00:00Z", "value": 7, "unit": "W"},
        {"device_id": plug, "time": "2026-03-29T00:00:00Z", "value": 8, "unit": None},
        {"device_id": plug, "time": "2026-03-29T01:00:00+01:00", "value": 9},  # the same instant
    ]
    async with (
        running(pool, tmp_path) as pipeline,
        client(engine_state(pool, sink=pipeline)) as session,
    ):
        status, body = await _post(session, batch)
    assert status == 200
    assert body == {"accepted": 2, "duplicates": [2, 3], "rejected": []}
    rows = await pool.fetch(
        "SELECT time, value FROM readings WHERE device_id = $1 ORDER BY time", plug
    )
    assert [(row["time"], row["value"]) for row in rows] == [
        (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), 12.5),
        (datetime(2026, 3, 29, 0, 0, tzinfo=UTC), 7.0),
    ]


async def test_partly_rejected_batch_207_with_indexes(pool: asyncpg.Pool) -> None:
    plug = await add_device(pool, "plug", unit="W")
    batch = [
        {"device_id": plug, "time": "2026-03-29T00:00:00Z", "value": 1.0},
        {"device_id": plug, "time": "2026-03-29T00:01:00Z", "value": "1.0"},  # wrong type
        {"device_id": 999_999, "time": "2026-03-29T00:02:00Z", "value": 1.0},  # unknown device
        {"device_id": plug, "time": "2026-03-29T00:03:00Z", "value": 2.0, "unit": "kWh"},
        {"device_id": plug, "time": "2026-03-29T00:04:00", "value": 1.0},  # no offset
        {"device_id": plug, "time": "2026-03-29T00:05:00Z", "value": 5.0},
        "not an object",
        {"device_id": True, "time": "2026-03-29T00:06:00Z", "value": 1.0},
        {"device_id": plug, "time": "2026-03-29T00:07:00Z", "value": 1.0, "quality": 1},
        {"device_id": plug, "value": 1.0},
        {"device_id": 2**40, "time": "2026-03-29T00:08:00Z", "value": 1.0},
        {"device_id": plug, "time": "2026-03-29T00:09:00Z", "value": "INFINITE"},
        {"device_id": plug, "time": "0001-01-01T00:00:00+01:00", "value": 1.0},
    ]
    # 1e400 is valid JSON, but no finite float.
    text = json.dumps(batch).replace('"INFINITE"', "1e400")
    sink = DirectSink(pool)
    async with (
        client(engine_state(pool, sink=sink)) as session,
        session.post("/api/v1/readings", data=text) as resp,
    ):
        status, body = resp.status, await resp.json()
    assert status == 207
    assert body["accepted"] == 2
    rejected = body["rejected"]
    assert isinstance(rejected, list)
    reasons = {item["index"]: item["reason"] for item in rejected}
    assert sorted(reasons) == [1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12]
    assert [item["index"] for item in rejected] == sorted(reasons)
    # Each refusal of the model names the field, as msgspec words it.
    assert reasons[1] == "malformed: value: expected `float`, got `str`"
    assert reasons[2] == "unknown_device"  # from the sink
    assert reasons[3] == "unit_mismatch"  # from the sink
    assert reasons[4].startswith("naive_time: time: '2026-03-29T00:04:00' has no UTC offset")
    assert reasons[6] == "malformed: expected `object`, got `str`"
    assert reasons[7] == "malformed: device_id: expected `int`, got `bool`"
    assert reasons[8] == "malformed: quality: unknown field"
    assert reasons[9] == "malformed: time: missing; required"
    assert reasons[10] == f"unknown_device: device_id: there is no device {2**40}"
    assert reasons[11] == "not_finite: value: must be finite"
    assert reasons[12].startswith("out_of_range: time: ")
    assert await pool.fetchval("SELECT count(*) FROM readings") == 2
    assert sink.stats.accepted == 2
    assert sink.stats.rejected == {"unknown_device": 1, "unit_mismatch": 1}


async def test_nothing_accepted_422_with_details(pool: asyncpg.Pool) -> None:
    async with client(engine_state(pool, sink=DirectSink(pool))) as session:
        status, body = await _post(
            session, [{"device_id": 424242, "time": "2026-03-29T00:00:00Z", "value": 1.0}]
        )
    assert status == 422
    error = body["error"]
    assert isinstance(error, dict)
    assert error["code"] == "readings_rejected"
    assert error["details"] == [{"index": 0, "reason": "unknown_device"}]


async def test_empty_batch_accepts_nothing(pool: asyncpg.Pool) -> None:
    async with client(engine_state(pool, sink=DirectSink(pool))) as session:
        assert await _post(session, []) == (
            200,
            {"accepted": 0, "duplicates": [], "rejected": []},
        )


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"", "invalid_json"),
        (b"[{", "invalid_json"),
        (b'[{"device_id": 1, "time": "2026-03-29T00:00:00Z", "value": NaN}]', "invalid_json"),
        (b"\xff\xfe[", "invalid_json"),
        (b"[" * 100_000 + b"]" * 100_000, "invalid_json"),
        (b"1" * 5000, "invalid_json"),
        (b'{"device_id": 1, "time": "2026-03-29T00:00:00Z", "value": 1}', "invalid_body"),
        (b'"readings"', "invalid_body"),
    ],
)
async def test_malformed_body_400(pool: asyncpg.Pool, body: bytes, code: str) -> None:
    async with (
        client(engine_state(pool, sink=DirectSink(pool))) as session,
        session.post(
            "/api/v1/readings", data=body, headers={"Content-Type": "application/json"}
        ) as resp,
    ):
        assert resp.status == 400
        error = (await resp.json())["error"]
    assert error["code"] == code
    assert await pool.fetchval("SELECT count(*) FROM readings") == 0


async def test_backpressure_503_with_retry_after(pool: asyncpg.Pool) -> None:
    plug = await add_device(pool, "plug")
    batch = [{"device_id": plug, "time": "2026-03-29T00:00:00Z", "value": 1.0}]
    async with (
        client(engine_state(pool, sink=FullSink())) as session,
        session.post("/api/v1/readings", json=batch) as resp,
    ):
        assert resp.status == 503
        assert resp.headers["Retry-After"] == "5"
        error = (await resp.json())["error"]
    assert error["code"] == "ingest_unavailable"
    assert "buffer is full" in error["message"]


async def test_without_sink_503() -> None:
    batch = [{"device_id": 1, "time": "2026-03-29T00:00:00Z", "value": 1.0}]
    async with (
        client(engine_state()) as session,
        session.post("/api/v1/readings", json=batch) as resp,
    ):
        assert resp.status == 503
        assert (await resp.json())["error"]["code"] == "ingest_unavailable"


@pytest.mark.parametrize(
    ("time", "reason"),
    [
        ("2026-03-29T00:00:00\u0001Z", "malformed"),  # any character before the offset
        ("2026-03-29T00:00:00xZ", "malformed"),
        ("2026-03-29T00:00:00.1234567Z", "malformed"),  # digits beyond microseconds
        ("2026-03-29 00:00:00Z", "malformed"),
        ("2026-03-29", "malformed"),
        ("20260329T000000Z", "malformed"),
        ("2026-03-29T00:00Z", "malformed"),
        ("0001-01-01T00:00:00Z", "out_of_range"),
        ("1000-01-01T00:00:00Z", "out_of_range"),
        ("1969-12-31T23:59:59Z", "out_of_range"),
        ("9999-12-31T23:59:59Z", "out_of_range"),
    ],
)
async def test_times_are_strict_rfc_3339(pool: asyncpg.Pool, time: str, reason: str) -> None:
    plug = await add_device(pool, "plug")
    async with client(engine_state(pool, sink=DirectSink(pool))) as session:
        status, body = await _post(session, [{"device_id": plug, "time": time, "value": 1.0}])
    assert status == 422
    (detail,) = body["error"]["details"]  # type: ignore[index]
    assert detail["index"] == 0
    assert detail["reason"].startswith(f"{reason}: time: ")
    # The document's pattern refuses exactly the malformed ones.
    assert (re.fullmatch(RFC3339_PATTERN, time) is None) == (reason == "malformed")


@pytest.mark.parametrize(
    "time",
    ["2026-03-29T00:00:00Z", "2026-03-29t00:00:00.5+02:00", "2026-03-29T00:00:00.123456-09:30"],
)
async def test_times_the_document_allows_are_taken(pool: asyncpg.Pool, time: str) -> None:
    assert re.fullmatch(RFC3339_PATTERN, time)
    plug = await add_device(pool, "plug")
    async with client(engine_state(pool, sink=DirectSink(pool))) as session:
        status, body = await _post(session, [{"device_id": plug, "time": time, "value": 1.0}])
    assert (status, body["accepted"]) == (200, 1)


async def test_huge_values_are_refused_not_500(pool: asyncpg.Pool) -> None:
    plug = await add_device(pool, "plug")
    reading = '{"device_id": %d, "time": "2026-03-29T00:00:00Z", "value": %s}'
    text = "[" + ", ".join(reading % (plug, v) for v in ("9" * 400, "-1e13", "1e12")) + "]"
    async with (
        client(engine_state(pool, sink=DirectSink(pool))) as session,
        session.post("/api/v1/readings", data=text) as resp,
    ):
        status, body = resp.status, await resp.json()
    assert status == 207
    assert [(r["index"], r["reason"].split(":")[0]) for r in body["rejected"]] == [
        (0, "out_of_range"),
        (1, "out_of_range"),
    ]
    assert body["accepted"] == 1


async def test_old_readings_need_backfill(pool: asyncpg.Pool, tmp_path: Path) -> None:
    """Older than the raw retention keeps: refused, unless the batch says it is a backfill."""
    plug = await add_device(pool, "plug")
    old = (datetime.now(UTC) - timedelta(days=100)).replace(microsecond=0)
    batch = [{"device_id": plug, "time": old.isoformat(), "value": 1.0}]
    async with (
        running(
            pool, tmp_path, max_age=timedelta(days=90), max_backfill_age=timedelta(days=1826)
        ) as pipeline,
        client(engine_state(pool, sink=pipeline)) as session,
    ):
        refused = await _post(session, batch)
        async with session.post("/api/v1/readings?backfill=true", json=batch) as resp:
            taken = resp.status, await resp.json()
        async with session.post("/api/v1/readings?backfill=yes", json=batch) as resp:
            wrong = resp.status
    assert refused[0] == 422
    assert refused[1]["error"]["details"] == [{"index": 0, "reason": "too_old"}]  # type: ignore[index]
    assert taken == (200, {"accepted": 1, "duplicates": [], "rejected": []})
    assert wrong == 400
    row = await pool.fetchrow("SELECT time, quality FROM readings WHERE device_id = $1", plug)
    assert (row["time"], row["quality"]) == (old, 8)  # flagged BACKFILLED
