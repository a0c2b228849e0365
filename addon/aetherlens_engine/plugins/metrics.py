"""Plugin statuses as Prometheus metrics, read from the API state's `plugins` at each scrape."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

STATUSES = ("starting", "healthy", "degraded", "failing", "stopped")


class PluginCollector(Collector):
    """Yields per-instance status, restarts, polls, billable requests and their cost."""

    def __init__(self, plugins: Callable[[], Mapping[str, Mapping[str, Any]]]) -> None:
        """Read the statuses through PLUGINS at each scrape."""
        self._plugins = plugins

    def collect(self) -> Iterator[Metric]:
        """Return the metrics of every plugin instance."""
        plugins = self._plugins()
        status = GaugeMetricFamily(
            "aetherlens_plugin_status",
            "1 for the plugin instance's current status",
            labels=["instance", "plugin", "status"],
        )
        success = GaugeMetricFamily(
            "aetherlens_plugin_last_success_timestamp_seconds",
            "When the plugin instance last polled successfully",
            labels=["instance", "plugin"],
        )
        counters = {
            key: CounterMetricFamily(
                f"aetherlens_plugin_{key}", help_text, labels=["instance", "plugin"]
            )
            for key, help_text in (
                ("restarts", "Worker processes restarted after a crash, hang or memory overrun"),
                ("polls", "Successful polls"),
                ("requests", "Billable API requests made by the plugin"),
                ("refused", "Records the engine refused (malformed or of an undeclared kind)"),
            )
        }
        cost = CounterMetricFamily(
            "aetherlens_plugin_request_cost",
            "What the plugin's billable requests cost",
            labels=["instance", "plugin", "currency"],
        )
        for instance, figures in sorted(plugins.items()):
            labels = [instance, str(figures["plugin"])]
            for name in STATUSES:
                status.add_metric([*labels, name], 1 if figures["status"] == name else 0)
            if figures.get("last_success"):
                success.add_metric(
                    labels, datetime.fromisoformat(figures["last_success"]).timestamp()
                )
            for key, family in counters.items():
                family.add_metric(labels, int(figures[key]))
            cost.add_metric(
                [*labels, str(figures["request_currency"])], float(figures["request_cost"])
            )
        yield status
        yield success
        yield from counters.values()
        yield cost
