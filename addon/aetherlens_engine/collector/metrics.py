"""Collector statuses as Prometheus metrics, read from the API state's `collectors` per scrape."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from .status import ConnectionState

_COUNTERS = (
    ("readings", "Readings from Home Assistant accepted by the ingest pipeline"),
    ("rejected", "Readings from Home Assistant refused by the ingest pipeline"),
    ("backfilled", "Readings backfilled from Home Assistant's history and statistics"),
    ("gaps", "Unavailable, unknown or non-numeric states seen"),
    ("reconnects", "Reconnections to Home Assistant"),
)


class CollectorMetrics(Collector):
    """Yields per-instance connection state, counters, rate and last message time."""

    def __init__(self, collectors: Callable[[], Mapping[str, Mapping[str, Any]]]) -> None:
        """Read the statuses through COLLECTORS at each scrape."""
        self._collectors = collectors

    def collect(self) -> Iterator[Metric]:
        """Return the metrics of every collector."""
        state = GaugeMetricFamily(
            "aetherlens_collector_state",
            "1 for the collector's current connection state",
            labels=["instance", "state"],
        )
        last_message = GaugeMetricFamily(
            "aetherlens_collector_last_message_timestamp_seconds",
            "When the collector last heard from Home Assistant",
            labels=["instance"],
        )
        rate = GaugeMetricFamily(
            "aetherlens_collector_readings_per_second",
            "Readings accepted per second over the last minute",
            labels=["instance"],
        )
        entities = GaugeMetricFamily(
            "aetherlens_collector_entities", "Entities recorded", labels=["instance"]
        )
        counters = {
            key: CounterMetricFamily(f"aetherlens_collector_{key}", text, labels=["instance"])
            for key, text in _COUNTERS
        }
        for instance, figures in sorted(self._collectors().items()):
            if figures.get("source") != "homeassistant":
                continue
            for name in ConnectionState:
                state.add_metric([instance, str(name)], 1 if figures["state"] == name else 0)
            if figures.get("last_message"):
                last_message.add_metric(
                    [instance], datetime.fromisoformat(figures["last_message"]).timestamp()
                )
            rate.add_metric([instance], float(figures["readings_per_second"]))
            entities.add_metric([instance], int(figures["entities"]))
            for key, family in counters.items():
                family.add_metric([instance], int(figures[key]))
        yield state
        yield last_message
        yield rate
        yield entities
        yield from counters.values()
