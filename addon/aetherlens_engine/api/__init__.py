"""The engine's HTTP API (aiohttp).

Middlewares, outermost first: metrics (count and time every answer), errors (everything becomes
JSON), rate limit (per client address), authentication (bearer token).
"""

from __future__ import annotations

from aiohttp import web

from . import devices, health, readings, summary
from .auth import auth_middleware
from .errors import error_middleware
from .limits import ApiLimits
from .metrics import ApiMetrics
from .openapi import SPEC_KEY, build_spec, get_openapi
from .ratelimit import TokenBucketLimiter, ratelimit_middleware
from .state import STATE_KEY, EngineState, IngestFigures, ReadingSink


def create_app(state: EngineState) -> web.Application:
    """Return the API application serving STATE."""
    limits = state.limits
    metrics = ApiMetrics(state)
    limiter = TokenBucketLimiter(
        limits.requests_per_second, limits.request_burst, max_keys=limits.max_tracked_clients
    )
    app = web.Application(
        client_max_size=limits.max_body_bytes,
        middlewares=[
            metrics.middleware(),
            error_middleware(limits.max_body_bytes),
            ratelimit_middleware(limiter),
            auth_middleware(state.token),
        ],
    )
    app[STATE_KEY] = state
    app[SPEC_KEY] = build_spec(state.version, limits.max_batch_readings)
    get = app.router.add_get
    get("/api/v1/health", health.get_health, allow_head=False)
    get("/api/v1/openapi.json", get_openapi, allow_head=False)
    get("/api/v1/summary", summary.get_summary, allow_head=False)
    get("/api/v1/devices", devices.get_devices, allow_head=False)
    get("/api/v1/devices/{device_id}/energy", devices.get_device_energy, allow_head=False)
    app.router.add_post("/api/v1/readings", readings.post_readings)
    get("/metrics", metrics.get_metrics, allow_head=False)
    return app


__all__ = ["ApiLimits", "EngineState", "IngestFigures", "ReadingSink", "create_app"]
