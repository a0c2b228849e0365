"""What Home Assistant recorded while the collector was away: history first, statistics before it.

The history (`history/history_during_period`, every state row) is exact but kept only for
HA's `purge_keep_days`; before its first state the long-term statistics fill in
(`recorder/statistics_during_period`): 5-minute rows, and hourly ones before those. A counter's
statistic is its state at the end of the period; a power sensor's is the period's mean, placed at
the period's middle. Samples come out per entity in time order; the meters skip those at or
before what they already handled, so overlapping sources never count a state twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .websocket import HassConnection

STATISTICS_PERIODS = ("hour", "5minute")  # coarse first: each finer one replaces it where it exists


@dataclass(frozen=True, slots=True)
class Sample:
    """A state of an entity that began at `time`."""

    time: datetime
    state: object


def state_time(compressed: Mapping[str, Any]) -> datetime | None:
    """Return when a compressed state (`lc`, else `lu`, in epoch seconds) began."""
    stamp = compressed.get("lc", compressed.get("lu"))
    if not isinstance(stamp, int | float):
        return None
    return datetime.fromtimestamp(stamp, UTC)


async def history(
    conn: HassConnection, entity_ids: Iterable[str], start: datetime, end: datetime
) -> dict[str, list[Sample]]:
    """Return the state changes of ENTITY_IDS in [START, END) by entity, oldest first."""
    ids = sorted(entity_ids)
    if not ids:
        return {}
    result = await conn.command(
        {
            "type": "history/history_during_period",
            "start_time": start.isoformat(),
            "end_time": end.isoformat(),
            "entity_ids": ids,
            "include_start_time_state": False,
            "significant_changes_only": False,
            "minimal_response": False,  # also a state set again with its value (a restart)
            "no_attributes": True,
        }
    )
    samples: dict[str, list[Sample]] = {}
    for entity_id, states in (result or {}).items():
        found = [
            Sample(time, state["s"])
            for state in states
            if (time := state_time(state)) is not None and "s" in state
        ]
        samples[entity_id] = sorted(found, key=lambda sample: sample.time)
    return samples


async def statistics(
    conn: HassConnection,
    counters: Iterable[str],
    means: Iterable[str],
    start: datetime,
    end: datetime,
) -> dict[str, list[Sample]]:
    """Return statistics samples of COUNTERS (state) and MEANS (mean) in [START, END)."""
    counters, means = set(counters), set(means)
    ids = sorted(counters | means)
    if not ids or start >= end:
        return {}
    merged: dict[str, list[Sample]] = {}
    for period in STATISTICS_PERIODS:
        result = await conn.command(
            {
                "type": "recorder/statistics_during_period",
                "start_time": start.isoformat(),
                "end_time": end.isoformat(),
                "statistic_ids": ids,
                "period": period,
                "types": ["state", "mean"],
            }
        )
        for entity_id, rows in (result or {}).items():
            found = _statistic_samples(rows, "state" if entity_id in counters else "mean")
            if not found:
                continue
            # A finer period replaces the coarser one from its first sample on.
            first = found[0].time
            kept = [s for s in merged.get(entity_id, []) if s.time < first]
            merged[entity_id] = kept + found
    return merged


def _statistic_samples(rows: Iterable[Mapping[str, Any]], field: str) -> list[Sample]:
    samples = []
    for row in rows:
        value = row.get(field)
        start, end = _epoch(row.get("start")), _epoch(row.get("end"))
        if value is None or start is None or end is None:
            continue
        time = end if field == "state" else start + (end - start) / 2
        samples.append(Sample(time, value))
    return sorted(samples, key=lambda sample: sample.time)


def _epoch(value: object) -> datetime | None:
    """Statistics times are epoch milliseconds (or ISO text in older HA versions)."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, UTC)
    if isinstance(value, str):
        return datetime.fromisoformat(value).astimezone(UTC)
    return None


def merge(
    stats: Mapping[str, list[Sample]], states: Mapping[str, list[Sample]]
) -> dict[str, list[Sample]]:
    """Return, per entity, statistics samples before the first history state, then the history."""
    merged: dict[str, list[Sample]] = {}
    for entity_id in set(stats) | set(states):
        exact = states.get(entity_id, [])
        first = exact[0].time if exact else datetime.max.replace(tzinfo=UTC)
        merged[entity_id] = [s for s in stats.get(entity_id, []) if s.time < first] + exact
    return merged


def window_start(since: datetime | None, now: datetime, limit: timedelta) -> datetime:
    """Return where a backfill from SINCE starts: never before NOW - LIMIT."""
    earliest = now - limit
    return earliest if since is None or since < earliest else since
