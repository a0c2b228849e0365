"""`GET /metrics`: Prometheus text, from a registry per app."""

from __future__ import annotations

import asyncpg
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from aetherlens_engine import __version__
from tests.engine.test_api_support import DirectSink, add_device, client, engine_state, migrate


def _families(text: str) -> dict[str, list[Sample]]:
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


async def test_metrics_expose_requests_ingest_and_info(db_pool: asyncpg.Pool) -> None:
    await migrate(db_pool)
    plug = await add_device(db_pool, "plug")
    state = engine_state(db_pool, sink=DirectSink(db_pool))
    batch = [
        {"device_id": plug, "time": "2026-03-29T00:00:00Z", "value": 1.0},
        {"device_id": plug + 1, "time": "2026-03-29T00:00:00Z", "value": 1.0},
    ]
    async with client(state) as session:
        for _ in range(2):
            async with session.get("/api/v1/summary") as resp:
                assert resp.status == 200
        async with session.get("/api/v1/devices/abc/energy") as resp:
            assert resp.status == 400
        async with session.post("/api/v1/readings", json=batch) as resp:
            assert resp.status == 207
        async with session.get("/metrics") as resp:
            assert resp.status == 200
            assert resp.content_type == "text/plain"
            families = _families(await resp.text())

    requests = {
        (s.labels["method"], s.labels["route"], s.labels["status"]): s.value
        for s in families["aetherlens_http_requests"]
        if s.name == "aetherlens_http_requests_total"
    }
    assert requests[("GET", "/api/v1/summary", "200")] == 2
    assert requests[("GET", "/api/v1/devices/{device_id}/energy", "400")] == 1
    assert requests[("POST", "/api/v1/readings", "207")] == 1
    counts = {
        s.labels["route"]: s.value
        for s in families["aetherlens_http_request_duration_seconds"]
        if s.name == "aetherlens_http_request_duration_seconds_count"
    }
    assert counts["/api/v1/summary"] == 2
    (accepted,) = families["aetherlens_ingest_accepted"]
    assert (accepted.name, accepted.value) == ("aetherlens_ingest_accepted_total", 1)
    (committed,) = families["aetherlens_ingest_committed"]
    assert committed.value == 1
    (rejected,) = families["aetherlens_ingest_rejected"]
    assert (rejected.labels, rejected.value) == ({"reason": "unknown_device"}, 1)
    (buffered,) = families["aetherlens_ingest_buffered"]
    assert buffered.value == 0
    (available,) = families["aetherlens_ingest_database_available"]
    assert available.value == 1
    (flushed,) = families["aetherlens_ingest_last_flush_timestamp_seconds"]
    assert flushed.value > 0
    (info,) = families["aetherlens_engine_info"]
    assert info.labels == {"version": __version__, "instance_id": "test-instance"}


async def test_each_app_has_its_own_registry() -> None:
    async with client(engine_state()) as first:
        async with first.get("/api/v1/health") as resp:
            assert resp.status == 200
        async with client(engine_state()) as second, second.get("/metrics") as resp:
            families = _families(await resp.text())
    assert families["aetherlens_http_requests"] == []
    assert "aetherlens_ingest_accepted" not in families  # no sink, no ingest figures
