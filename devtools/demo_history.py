"""The simulated home's past: hourly long-term statistics that follow devtools/demo/home.yaml.

The profiles below are the template sensors' formulas in Python (same local wall clock, same
watts), so the imported history and the live meters describe one household.

The history ends where HA's own statistics of the live meters begin, by construction. HA's
5-minute compile of a `total_increasing` sensor continues `sum` from the sensor's last
*5-minute* row; an import writes hourly rows only, so the first live compile finds none, takes the
meter's first state as its zero point and starts `sum` at 0. The imported sums therefore count
up to 0 at the history's last hour (the energy still to come before the live meters start, as
negative numbers), and every hour's change - what the Energy dashboard adds up - is the energy
of that hour, across the seam too. `state` is the meter reading from the history's start.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Europe/Berlin")
HOUR = timedelta(hours=1)


def fridge(t: datetime) -> float:
    """Return the fridge's watts: the compressor runs 8 minutes in 20."""
    return 96.0 if t.minute % 20 < 8 else 4.0  # noqa: PLR2004


def heat_pump(t: datetime) -> float:
    """Return the heat pump's watts: morning and evening heating, a low night setback."""
    h = t.hour + t.minute / 60
    if 5.5 <= h < 9:  # noqa: PLR2004
        return 1800.0
    if 16.5 <= h < 22:  # noqa: PLR2004
        return 1400.0
    return 600.0 if 9 <= h < 16.5 else 250.0  # noqa: PLR2004


def ev_charger(t: datetime) -> float:
    """Return the EV charger's watts: weekday nights, Saturday afternoon."""
    if t.weekday() < 5 and 1 <= t.hour < 4:  # noqa: PLR2004
        return 7400.0
    return 7400.0 if t.weekday() == 5 and 13 <= t.hour < 15 else 0.0  # noqa: PLR2004


def washing_machine(t: datetime) -> float:
    """Return the washing machine's watts: Wednesday and Saturday evenings."""
    h = t.hour + t.minute / 60
    if t.weekday() in (2, 5) and 18.5 <= h < 20:  # noqa: PLR2004
        return 2100.0 if t.minute < 20 else 180.0  # noqa: PLR2004
    return 0.0


APPLIANCES: dict[str, Callable[[datetime], float]] = {
    "fridge": fridge,
    "heat_pump": heat_pump,
    "ev_charger": ev_charger,
    "washing_machine": washing_machine,
}


def grid(t: datetime) -> float:
    """Return the grid's watts: the appliances plus a wandering base load."""
    return sum(profile(t) for profile in APPLIANCES.values()) + 140 + (t.minute * 37) % 60


PROFILES: dict[str, Callable[[datetime], float]] = {**APPLIANCES, "grid": grid}


def hourly_kwh(profile: Callable[[datetime], float], hour: datetime) -> float:
    """Energy of PROFILE in the hour from HOUR (UTC), from its watts minute by minute."""
    return sum(profile((hour + timedelta(minutes=m)).astimezone(ZONE)) for m in range(60)) / 60_000


def demo_statistics(
    start: datetime, end: datetime
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Yield import_statistics (metadata, rows) per energy sensor, hourly in [start, end)."""
    first = start.replace(minute=0, second=0, microsecond=0)
    last = end.replace(minute=0, second=0, microsecond=0)  # the current hour is HA's own
    for name, profile in PROFILES.items():
        metadata = {
            "has_sum": True,
            "mean_type": 0,
            "name": None,
            "source": "recorder",
            "statistic_id": f"sensor.demo_{name}_energy",
            "unit_class": "energy",
            "unit_of_measurement": "kWh",
        }
        readings: list[tuple[datetime, float]] = []
        total = 0.0
        hour = first
        while hour < last:
            total += hourly_kwh(profile, hour)
            readings.append((hour, total))
            hour += HOUR
        rows = [
            {"start": start.isoformat(), "state": round(state, 4), "sum": round(state - total, 4)}
            for start, state in readings
        ]
        yield metadata, rows
