"""The engine's HTTP API (aiohttp).

Middlewares, outermost first: metrics (count and time every answer), errors (everything becomes
JSON), host (the Host header is one of the engine's names, against DNS rebinding), rate limit
(per client address), authentication (bearer token or ingress proxy), text (no U+0000 or lone
surrogate in the path or query).
The ingress page (aetherlens_engine.web) and Swagger UI at `/api/docs` are served by the same
app, outside the OpenAPI spec.
"""

from __future__ import annotations

import msgspec
from aiohttp import web

from aetherlens_engine.web import IngressPolicy, add_page_routes

from . import (
    bill,
    budgets,
    costs,
    demand,
    device_figures,
    devices,
    health,
    ledger,
    live,
    meterdata,
    plugins,
    price,
    readings,
    settings,
    statements,
    summary,
    tariffs,
)
from .auth import auth_middleware
from .docs import add_docs_routes
from .errors import error_middleware
from .hosts import host_middleware
from .limits import ApiLimits
from .metrics import ApiMetrics
from .openapi import SPEC_KEY, build_spec, get_openapi
from .ratelimit import TokenBucketLimiter, ratelimit_middleware
from .state import STATE_KEY, EngineState, ReadingSink
from .text import text_middleware


def _add_device_routes(router: web.UrlDispatcher) -> None:
    """Add the routes of the devices: list, figures, change, energy."""
    router.add_get("/api/v1/devices", devices.get_devices, allow_head=False)
    router.add_get("/api/v1/devices/figures", device_figures.get_device_figures, allow_head=False)
    # Digits only: `figures` beside it is a route of its own (PATCH there is a 405).
    router.add_patch(r"/api/v1/devices/{device_id:\d+}", devices.patch_device)
    router.add_get(
        "/api/v1/devices/{device_id}/energy", devices.get_device_energy, allow_head=False
    )


def _add_budget_routes(router: web.UrlDispatcher) -> None:
    """Add the routes of the budgets: list, create, replace, delete."""
    router.add_get("/api/v1/budgets", budgets.get_budgets, allow_head=False)
    router.add_post("/api/v1/budgets", budgets.post_budget)
    router.add_put("/api/v1/budgets/{budget_id}", budgets.put_budget)
    router.add_delete("/api/v1/budgets/{budget_id}", budgets.delete_budget)


def _add_settings_routes(router: web.UrlDispatcher) -> None:
    """Add the routes of the settings the page changes: read, replace."""
    router.add_get("/api/v1/settings", settings.get_settings, allow_head=False)
    router.add_put("/api/v1/settings", settings.put_settings)


def create_app(state: EngineState, ingress: IngressPolicy | None = None) -> web.Application:
    """Return the API application serving STATE and the page.

    INGRESS is off unless given (the add-on's entry point enables it).
    """
    if ingress is None:
        ingress = IngressPolicy()
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
            host_middleware(state.allowed_hosts),
            ratelimit_middleware(limiter),
            auth_middleware(state.token, ingress),
            text_middleware(),
        ],
    )
    app[STATE_KEY] = state
    app[SPEC_KEY] = msgspec.json.encode(build_spec(state.version, limits.max_batch_readings))
    get = app.router.add_get
    get("/api/v1/health", health.get_health, allow_head=False)
    get("/api/v1/openapi.json", get_openapi, allow_head=False)
    get("/api/v1/summary", summary.get_summary, allow_head=False)
    _add_device_routes(app.router)
    app.router.add_post("/api/v1/readings", readings.post_readings)
    get("/api/v1/price", price.get_price, allow_head=False)
    get("/api/v1/ledger", ledger.get_ledger, allow_head=False)
    get("/api/v1/costs", costs.get_costs, allow_head=False)
    get("/api/v1/projection", costs.get_projection, allow_head=False)
    get("/api/v1/bill", bill.get_bill, allow_head=False)
    get("/api/v1/demand", demand.get_demand, allow_head=False)
    app.router.add_post("/api/v1/compare", costs.post_compare)
    app.router.add_post("/api/v1/rank", costs.post_rank)
    get("/api/v1/statements", statements.get_statements, allow_head=False)
    app.router.add_post("/api/v1/statements", statements.post_statement)
    get("/api/v1/statements/calibration", statements.get_calibration, allow_head=False)
    app.router.add_post("/api/v1/statements/import", statements.post_import)
    app.router.add_delete("/api/v1/statements/{statement_id}", statements.delete_statement_route)
    app.router.add_post("/api/v1/meter-data", meterdata.post_meter_data)
    get("/api/v1/meter-data/summaries", meterdata.get_summaries, allow_head=False)
    get("/api/v1/tariffs", tariffs.get_tariffs, allow_head=False)
    app.router.add_post("/api/v1/tariffs", tariffs.post_tariff)
    app.router.add_post("/api/v1/tariffs/validate", tariffs.post_validate)
    get("/api/v1/tariffs/{name}", tariffs.get_tariff, allow_head=False)
    app.router.add_delete("/api/v1/tariffs/{name}", tariffs.delete_tariff)
    app.router.add_post("/api/v1/tariffs/{name}/activate", tariffs.post_activate)
    get("/api/v1/tariffs/{name}/calendar", tariffs.get_calendar, allow_head=False)
    app.router.add_delete(
        "/api/v1/connections/{connection}/tariff", tariffs.delete_connection_tariff
    )
    get("/api/v1/recompute", tariffs.get_recompute, allow_head=False)
    _add_budget_routes(app.router)
    get("/api/v1/plugins", plugins.get_plugins, allow_head=False)
    app.router.add_put("/api/v1/plugins/{name}", plugins.put_plugin)
    _add_settings_routes(app.router)
    get("/api/v1/events", live.get_events, allow_head=False)
    app.on_shutdown.append(live.end_streams)
    get("/metrics", metrics.get_metrics, allow_head=False)
    add_docs_routes(app)
    add_page_routes(app, ingress)
    return app


__all__ = ["ApiLimits", "EngineState", "ReadingSink", "create_app"]
