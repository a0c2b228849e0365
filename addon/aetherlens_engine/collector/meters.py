"""One recorded entity: its states in time order become readings of its engine device.

- A state that is `unavailable`, `unknown`, not a number or not finite is a gap: no reading
  (the readings table holds values only). The first valid reading after it is flagged AFTER_GAP,
  so that the rollups neither integrate power across the gap nor spread a counter's delta over it.
- Counters (energy, and the volume of gas and water meters) follow Home Assistant's rules: for
  `total_increasing` (or no state class) a value below 90 % of the counter's level is a reset
  (COUNTER_RESET), a smaller dip a glitch (GLITCH, left out of energy by the rollups); for
  `total` a new `last_reset` marks a reset.
- Power is recorded as it is (W): the rollups integrate it into energy. Home Assistant sends no
  state while a value stays the same, so while the connection is live `tick` repeats the held
  value at the current time (a heartbeat), keeping consecutive readings closer than the rollups'
  `max_gap`; without it a steady power would count as silence.
- A state at or before the last one handled is skipped: live events, the history and the
  statistics may overlap, and each state counts once. A new state that is not later than a
  heartbeat (delivered late, or the clocks differ) is recorded just after the heartbeat, so the
  readings keep the order in which the values held.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aetherlens_engine.models import NO_FLAGS, Quality, RawReading

from .measures import COUNTERS, Measure, Unit

RESET_RATIO = 0.9  # Home Assistant's: below 90 % of the previous value is a new cycle
_AFTER = timedelta(microseconds=1)  # the readings table keeps one reading per device and time


def parse_state(state: object) -> float | None:
    """Return STATE as a finite number, or None for a gap."""
    if not isinstance(state, str | int | float) or isinstance(state, bool):
        return None
    try:
        value = float(state)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@dataclass(slots=True)
class Meter:
    """What the collector knows of one entity between two states."""

    entity_id: str
    device_id: int
    unit: Unit
    state_class: str | None = None
    last_time: datetime | None = None  # of the last state handled, gap or not
    written: datetime | None = None  # of the last reading made (a heartbeat's may be later)
    level: float | None = None  # counters: the highest value since the last reset
    last_reset: object = None
    held: float | None = None  # power: the value in force (canonical W); None in a gap
    gaps: int = 0
    in_gap: bool = False

    def resume(self, time: datetime, value: float) -> None:
        """Continue after the stored reading of VALUE (canonical unit) at TIME."""
        self.last_time = self.written = time
        self.level = value
        if self.unit.measure is Measure.POWER:
            self.held = value

    def feed(
        self,
        time: datetime,
        state: object,
        attributes: Mapping[str, Any] | None = None,
        quality: Quality = NO_FLAGS,
    ) -> list[RawReading]:
        """Handle the state STATE that began at TIME; return the readings it makes."""
        if self.last_time is not None and time <= self.last_time:
            return []
        self.last_time = time
        raw = parse_state(state)
        if raw is None:
            if not self.in_gap:
                self.gaps += 1
            self.in_gap = True
            self.held = None
            return []
        if self.in_gap:
            quality |= Quality.AFTER_GAP
            self.in_gap = False
        value = raw * self.unit.factor  # canonical, to compare with earlier values
        if self.unit.measure in COUNTERS:
            quality |= self._counter_flags(value, attributes)
        elif self.unit.measure is Measure.POWER:
            self.held = value
        if self.written is not None and time <= self.written:
            time = self.written + _AFTER
        self.written = time
        return [RawReading(self.device_id, time, raw, self.unit.raw, quality)]

    def tick(self, now: datetime) -> list[RawReading]:
        """Return a heartbeat of the power in force, at NOW (the state is known unchanged)."""
        if self.held is None or (self.written is not None and now <= self.written):
            return []
        self.written = now
        return [RawReading(self.device_id, now, self.held, self.unit.canonical, NO_FLAGS)]

    def _counter_flags(self, value: float, attributes: Mapping[str, Any] | None) -> Quality:
        level, flags = self.level, NO_FLAGS
        if self.state_class == "total":
            last_reset = (attributes or {}).get("last_reset", self.last_reset)
            if level is not None and last_reset != self.last_reset:
                flags = Quality.COUNTER_RESET
            self.last_reset = last_reset
            self.level = value
            return flags
        if level is not None and value < RESET_RATIO * level:
            flags = Quality.COUNTER_RESET
        elif level is not None and value < level:
            return Quality.GLITCH  # the level stays: the counter resumes from it
        self.level = value
        return flags
