"""The engine's HTTP API (aiohttp)."""

from __future__ import annotations

from aiohttp import web

from . import health
from .state import STATE_KEY, EngineState


def create_app(state: EngineState) -> web.Application:
    """Return the API application serving STATE."""
    app = web.Application()
    app[STATE_KEY] = state
    app.router.add_get("/api/v1/health", health.get_health)
    return app


__all__ = ["EngineState", "create_app"]
