"""Rate limiting per client address: a token bucket each, answered with 429 and Retry-After."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler, Middleware

from .errors import ApiError


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class TokenBucketLimiter:
    """Buckets of BURST tokens per key, refilled at RATE tokens per second."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Allow BURST requests at once and RATE per second after; remember MAX_KEYS keys."""
        self._rate = rate
        self._burst = float(burst)
        self._max_keys = max_keys
        self._clock = clock
        # Least recently seen first: evicting a key only refills its bucket early.
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def acquire(self, key: str) -> float:
        """Take a token for KEY; return 0 if granted, else the seconds until one is available."""
        now = self._clock()
        bucket = self._buckets.pop(key, None)
        if bucket is None:
            bucket = _Bucket(self._burst, now)
        else:
            bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
            bucket.updated = now
        self._buckets[key] = bucket
        while len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self._rate


def ratelimit_middleware(limiter: TokenBucketLimiter) -> Middleware:
    """Return the middleware answering 429 once a client's bucket is empty.

    The key is the peer address: headers such as X-Forwarded-For are not trusted, since any
    client can set them.
    """

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        wait = limiter.acquire(request.remote or "unknown")
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            raise ApiError(
                429,
                "rate_limited",
                f"too many requests from this client; retry in {retry_after} s",
                headers={hdrs.RETRY_AFTER: str(retry_after)},
            )
        return await handler(request)

    return middleware
