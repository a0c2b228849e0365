"""`GET /metrics`: Prometheus text from a registry of the app's own (never the global one)."""

from __future__ import annotations

import time
from collections.abc import Iterator

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler, Middleware
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from aetherlens_engine.collector.metrics import CollectorMetrics
from aetherlens_engine.plugins.metrics import PluginCollector

from .state import EngineState

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class _IngestCollector(Collector):
    """The ingest pipeline's figures, read from its `stats` at each scrape."""

    def __init__(self, state: EngineState) -> None:
        self._state = state

    def collect(self) -> Iterator[Metric]:
        if self._state.sink is None:
            return
        figures = self._state.sink.stats
        for name, value, help_text in (
            ("accepted", figures.accepted, "Readings validated and committed or spooled"),
            ("committed", figures.committed, "Readings written to PostgreSQL"),
            ("spooled", figures.spooled, "Readings spooled to disk while the database was away"),
        ):
            yield CounterMetricFamily(f"aetherlens_ingest_{name}", help_text, value=value)
        rejected = CounterMetricFamily(
            "aetherlens_ingest_rejected", "Readings refused, by reason", labels=["reason"]
        )
        for reason, count in sorted(figures.rejected.items()):
            rejected.add_metric([reason], count)
        yield rejected
        for name, value, help_text in (
            ("buffered", figures.buffered, "Readings held in memory"),
            ("spool_pending", figures.spool_pending, "Readings in the spool, not committed yet"),
            (
                "dead_lettered",
                figures.dead_lettered,
                "Readings the database refused for their data, in the dead-letter file now",
            ),
            (
                "database_available",
                int(figures.database_available),
                "1 if the last write to the database succeeded",
            ),
            (
                "spool_unwritable",
                int(figures.spool_error is not None),
                "1 if the last write to the spool failed",
            ),
            (
                "replay_failing",
                int(figures.replay_error is not None),
                "1 if the last replay of the spool failed",
            ),
        ):
            yield GaugeMetricFamily(f"aetherlens_ingest_{name}", help_text, value=value)
        if figures.last_flush is not None:
            yield GaugeMetricFamily(
                "aetherlens_ingest_last_flush_timestamp_seconds",
                "When a batch was last committed or spooled",
                value=figures.last_flush.timestamp(),
            )


class ApiMetrics:
    """The API's metrics: requests and their latency by route, engine info, ingest figures."""

    def __init__(self, state: EngineState) -> None:
        """Create the registry and its metrics for one app serving STATE."""
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "aetherlens_http_requests",
            "HTTP requests answered, by method, route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "aetherlens_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route",
            ["method", "route"],
            registry=self.registry,
        )
        Gauge(
            "aetherlens_engine_info",
            "The engine's version and instance id (always 1)",
            ["version", "instance_id"],
            registry=self.registry,
        ).labels(state.version, state.instance_id).set(1)
        self.registry.register(_IngestCollector(state))
        self.registry.register(PluginCollector(lambda: state.plugins))
        self.registry.register(CollectorMetrics(lambda: state.collectors))

    def middleware(self) -> Middleware:
        """Return the middleware counting and timing every answered request."""

        @web.middleware
        async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
            started = time.perf_counter()
            response = await handler(request)
            resource = request.match_info.route.resource
            # Route templates, not paths, keep the label set bounded.
            route = resource.canonical if resource is not None else "unmatched"
            method = request.method if request.method in _METHODS else "other"
            self.requests.labels(method, route, str(response.status)).inc()
            self.latency.labels(method, route).observe(time.perf_counter() - started)
            return response

        return middleware

    async def get_metrics(self, request: web.Request) -> web.Response:
        """Answer the registry in Prometheus' text format."""
        return web.Response(
            body=generate_latest(self.registry), headers={hdrs.CONTENT_TYPE: CONTENT_TYPE_LATEST}
        )
