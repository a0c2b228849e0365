"""The simulated home's past: hourly long-term statistics that follow devtools/demo/home.yaml.

The profiles below are the template sensors' formulas in Python (same local wall clock, same
watts, m³/h and L/min), so the imported history and the live meters describe one household: the
electricity meters of both grid connections (the house's and the heat pump's own), the
appliances, and the gas and water meters, whose history is what HA's Energy dashboard shows as
m³ and L.

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
from dataclasses import dataclass
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


def gas_flow(t: datetime) -> float:
    """Return the gas boiler's m³/h: hot water morning and evening, heating between, a pilot."""
    h = t.hour + t.minute / 60
    if 6 <= h < 8 or 18 <= h < 21:  # noqa: PLR2004
        return 0.9
    return 0.3 if 8 <= h < 18 else 0.05  # noqa: PLR2004


def water_flow(t: datetime) -> float:
    """Return the household's L/min: showers at 07:00 and 19:00, dishes at 20:00, a drip."""
    h = t.hour + t.minute / 60
    if 7 <= h < 7.25 or 19 <= h < 19.2:  # noqa: PLR2004
        return 9.0
    return 6.0 if 20 <= h < 20.1 else 0.05  # noqa: PLR2004


def house(t: datetime) -> float:
    """Return the house meter's watts: the appliances but the heat pump, and a base load.

    The heat pump has a grid connection of its own (its own meter, on its own tariff).
    """
    appliances = fridge(t) + ev_charger(t) + washing_machine(t)
    return appliances + 140 + (t.minute * 37) % 60


@dataclass(frozen=True, slots=True)
class DemoMeter:
    """One counter of the demo home: its statistic, what it counts and its rate's profile.

    `per_minute` turns the profile's rate at a minute into what the meter counts in it (HA's
    `integration` sensors integrate the template sensors' minute-by-minute states).
    """

    statistic_id: str
    profile: Callable[[datetime], float]
    unit: str
    unit_class: str
    per_minute: float

    def hourly(self, hour: datetime) -> float:
        """Return what the meter counts in the hour from HOUR (UTC)."""
        minutes = (hour + timedelta(minutes=m) for m in range(60))
        return sum(self.profile(t.astimezone(ZONE)) for t in minutes) * self.per_minute


def _electricity(statistic_id: str, watts: Callable[[datetime], float]) -> DemoMeter:
    return DemoMeter(statistic_id, watts, "kWh", "energy", 1 / 60_000)


METERS: tuple[DemoMeter, ...] = (
    _electricity("sensor.demo_fridge_energy", fridge),
    _electricity("sensor.demo_heat_pump_energy", heat_pump),
    _electricity("sensor.demo_ev_charger_energy", ev_charger),
    _electricity("sensor.demo_washing_machine_energy", washing_machine),
    _electricity("sensor.demo_grid_energy", house),
    _electricity("sensor.demo_heat_pump_meter", heat_pump),
    DemoMeter("sensor.demo_gas_meter", gas_flow, "m³", "volume", 1 / 60),
    DemoMeter("sensor.demo_water_meter", water_flow, "L", "volume", 1.0),
)


def demo_statistics(
    start: datetime, end: datetime
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Yield import_statistics (metadata, rows) per demo meter, hourly in [start, end)."""
    first = start.replace(minute=0, second=0, microsecond=0)
    last = end.replace(minute=0, second=0, microsecond=0)  # the current hour is HA's own
    for meter in METERS:
        metadata = {
            "has_sum": True,
            "mean_type": 0,
            "name": None,
            "source": "recorder",
            "statistic_id": meter.statistic_id,
            "unit_class": meter.unit_class,
            "unit_of_measurement": meter.unit,
        }
        readings: list[tuple[datetime, float]] = []
        total = 0.0
        hour = first
        while hour < last:
            total += meter.hourly(hour)
            readings.append((hour, total))
            hour += HOUR
        rows = [
            {"start": start.isoformat(), "state": round(state, 4), "sum": round(state - total, 4)}
            for start, state in readings
        ]
        yield metadata, rows
