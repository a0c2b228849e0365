"""Rate limiting per client, body and batch size limits."""

from __future__ import annotations

import aiohttp
import pytest

from aetherlens_engine.api import ApiLimits
from aetherlens_engine.api.ratelimit import TokenBucketLimiter
from tests.engine.test_api_support import AUTH, client, engine_state, serve


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_grants_burst_then_refills_at_rate() -> None:
    clock = FakeClock()
    limiter = TokenBucketLimiter(2.0, 3, clock=clock)
    assert [limiter.acquire("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire("a") == pytest.approx(0.5)
    assert limiter.acquire("b") == 0.0  # another client has its own bucket
    clock.now += 0.5
    assert limiter.acquire("a") == 0.0
    assert limiter.acquire("a") > 0
    clock.now += 60  # refills no further than the burst
    assert [limiter.acquire("a") for _ in range(4)][-1] > 0


def test_bucket_forgets_least_recently_seen_client() -> None:
    clock = FakeClock()
    limiter = TokenBucketLimiter(1.0, 1, max_keys=2, clock=clock)
    assert limiter.acquire("a") == 0.0
    assert limiter.acquire("b") == 0.0
    assert limiter.acquire("a") > 0  # a is now the most recently seen
    assert limiter.acquire("c") == 0.0  # evicts b
    assert limiter.acquire("b") == 0.0  # b starts over with a full bucket


def test_limits_refuse_non_positive_values() -> None:
    with pytest.raises(ValueError, match="request_burst"):
        ApiLimits(request_burst=0)
    with pytest.raises(ValueError, match="max_hour_range"):
        ApiLimits(max_hour_range=ApiLimits().max_hour_range * 0)


async def test_429_with_retry_after_once_bucket_is_empty() -> None:
    limits = ApiLimits(requests_per_second=0.01, request_burst=3)
    state = engine_state(limits=limits)
    async with serve(state) as url:
        async with aiohttp.ClientSession(url, headers=AUTH) as session:
            for _ in range(3):
                async with session.get("/api/v1/health") as resp:
                    assert resp.status == 200
            async with session.get("/api/v1/health") as resp:
                assert resp.status == 429
                assert int(resp.headers["Retry-After"]) == 100
                body = await resp.json()
                assert body["error"]["code"] == "rate_limited"
            # Wrong tokens are limited too, before they are checked.
            async with session.get(
                "/api/v1/summary", headers={"Authorization": "Bearer x"}
            ) as resp:
                assert resp.status == 429
        # Another client address has its own bucket.
        connector = aiohttp.TCPConnector(local_addr=("127.0.0.2", 0))
        async with (
            aiohttp.ClientSession(url, connector=connector) as other,
            other.get("/api/v1/health") as resp,
        ):
            assert resp.status == 200


async def test_oversized_body_413_json() -> None:
    limits = ApiLimits(max_body_bytes=1000)
    async with client(engine_state(limits=limits)) as session:
        body = b"[" + b" " * 2000 + b"]"
        async with session.post(
            "/api/v1/readings", data=body, headers={"Content-Type": "application/json"}
        ) as resp:
            assert resp.status == 413
            error = (await resp.json())["error"]
    assert error["code"] == "payload_too_large"
    assert "1000 bytes" in error["message"]


async def test_oversized_batch_413_json() -> None:
    limits = ApiLimits(max_batch_readings=2)
    batch = [{"device_id": 1, "time": "2026-01-01T00:00:00Z", "value": 1}] * 3
    async with (
        client(engine_state(limits=limits)) as session,
        session.post("/api/v1/readings", json=batch) as resp,
    ):
        assert resp.status == 413
        error = (await resp.json())["error"]
    assert error["code"] == "batch_too_large"
    assert "at most 2" in error["message"]
