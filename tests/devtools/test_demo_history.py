"""The demo history meets HA's own statistics of the live demo meters: no hour below zero.

The first test checks the imported rows alone. The second runs a real `hass` with the demo home
(devtools/demo/home.yaml and its Energy preferences), imports two days of history as
`scripts/develop` does and waits for HA's first live 5-minute compile (HA runs it at :x0 + 10 s,
so up to 5 min 10 s of the test's wall time). Then the live meters' statistics must continue the
history: the change across the seam and today's change (what the Energy dashboard sums; HA's
hourly row takes the last 5-minute row's sum) are what was imported for those hours (kWh, and
m³ and L for the gas and water meters) plus what the live meters counted, never negative.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from devtools.demo_history import HOUR, METERS, ZONE, DemoMeter, demo_statistics
from devtools.develop import DEMO, DEMO_PREFS, DEMO_TIMEZONE, import_demo_history
from devtools.homeassistant import HassSetup, HomeAssistant, running_home_assistant
from tests.hass import run

BY_ID: dict[str, DemoMeter] = {meter.statistic_id: meter for meter in METERS}
GRID = "sensor.demo_grid_energy"
COMPILE_WITHIN_S = 5 * 60 + 60  # one 5-minute period, HA's 10 s delay and a loaded machine
# The rows and the meters are rounded to 4 decimals (0.1 Wh, 0.1 L of gas), the water meter's
# states to 3 (mL): this allows ten such steps.
ROUNDING = {"sensor.demo_water_meter": 1e-2}
ROUNDING_DEFAULT = 1e-3


def test_imported_sums_end_at_zero_and_count_each_hour() -> None:
    """The last row's sum is HA's zero point; each row's sum grows by the hour's energy."""
    start = datetime(2026, 3, 27, 22, 30, tzinfo=UTC)  # across the spring clock change
    end = datetime(2026, 3, 30, 7, 45, tzinfo=UTC)
    for metadata, rows in demo_statistics(start, end):
        meter = BY_ID[metadata["statistic_id"]]
        assert rows[0]["start"] == "2026-03-27T22:00:00+00:00"
        assert rows[-1]["start"] == "2026-03-30T06:00:00+00:00"  # the current hour is HA's
        assert rows[-1]["sum"] == 0
        previous = rows[0]["sum"] - meter.hourly(datetime.fromisoformat(rows[0]["start"]))
        for row in rows:
            counted = meter.hourly(datetime.fromisoformat(row["start"]))
            assert row["sum"] - previous == pytest.approx(counted, abs=2e-4), row
            assert row["state"] - row["sum"] == pytest.approx(rows[-1]["state"], abs=2e-4)
            previous = row["sum"]


def test_gas_water_and_heat_pump_meter_count_their_units() -> None:
    """Gas in m³, water in L, as the flows' templates count them; the heat pump's own meter."""
    start = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)  # 06:00 in Berlin
    hourly = {
        metadata["statistic_id"]: (metadata["unit_of_measurement"], rows)
        for metadata, rows in demo_statistics(start, start + 3 * HOUR)
    }
    gas_unit, gas = hourly["sensor.demo_gas_meter"]
    water_unit, water = hourly["sensor.demo_water_meter"]
    assert (gas_unit, water_unit) == ("m³", "L")
    assert gas[0]["state"] == pytest.approx(0.9)  # 06:00-07:00 at 0.9 m³/h
    assert water[1]["state"] - water[0]["state"] == pytest.approx(15 * 9 + 45 * 0.05)  # a shower
    # The heat pump's meter counts the heat pump; the house's meter does not.
    assert hourly["sensor.demo_heat_pump_meter"][1] == hourly["sensor.demo_heat_pump_energy"][1]
    appliances = ("fridge", "ev_charger", "washing_machine")
    assert hourly["sensor.demo_grid_energy"][1][0]["state"] == pytest.approx(
        sum(BY_ID[f"sensor.demo_{name}_energy"].hourly(start) for name in appliances)
        + sum(140 + (m * 37) % 60 for m in range(60)) / 60_000,
        abs=1e-4,
    )


async def _statistics(hass: HomeAssistant, since: datetime, period: str) -> dict[str, Any]:
    result: dict[str, Any] = await hass.command(
        {
            "type": "recorder/statistics_during_period",
            "start_time": since.isoformat(),
            "statistic_ids": sorted(BY_ID),
            "period": period,
            "types": ["state", "sum", "change"],
        }
    )
    return result


async def _first_live_compile(hass: HomeAssistant, since: datetime) -> dict[str, Any]:
    """Wait until HA has compiled the grid meter's first 5-minute row; return all such rows."""
    deadline = time.monotonic() + COMPILE_WITHIN_S
    while time.monotonic() < deadline:
        rows = await _statistics(hass, since, "5minute")
        if rows.get(GRID):
            return rows
        await asyncio.sleep(5)
    raise AssertionError(f"HA compiled no 5-minute statistics within {COMPILE_WITHIN_S} s")


async def _first_reading(hass: HomeAssistant, entity_id: str, since: datetime) -> float:
    """Return the live meter's first numeric state (HA's zero point of its first compile)."""
    history = await hass.command(
        {
            "type": "history/history_during_period",
            "start_time": since.isoformat(),
            "entity_ids": [entity_id],
            "minimal_response": True,
            "no_attributes": True,
        }
    )
    for state in history[entity_id]:
        try:
            return float(state["s"])
        except ValueError:
            continue  # unknown until the source sensor's first change
    raise AssertionError(f"{entity_id} never had a numeric state")


async def _change(hass: HomeAssistant, entity_id: str, period: dict[str, Any]) -> float:
    result = await hass.command(
        {
            "type": "recorder/statistic_during_period",
            "statistic_id": entity_id,
            "types": ["change"],
            **period,
        }
    )
    change: float = result["change"]
    return change


async def _live_meters_continue_the_history(config_dir: Path) -> None:
    setup = HassSetup(
        packages={"aetherlens_demo": (DEMO / "home.yaml").read_text()},
        energy_prefs=DEMO_PREFS,
        time_zone=DEMO_TIMEZONE,
        recorder_commit_interval=1.0,
    )
    async with running_home_assistant(config_dir, setup) as hass:
        started = datetime.now(UTC)
        since = started - timedelta(days=2)
        await import_demo_history(hass, since)
        seam = started.replace(minute=0, second=0, microsecond=0)  # the first hour not imported
        waited = time.monotonic()
        live = await _first_live_compile(hass, started - timedelta(minutes=10))
        sys.stderr.write(f"first live 5-minute compile {time.monotonic() - waited:.0f} s in\n")

        hours = await _statistics(hass, since, "hour")
        for entity_id in BY_ID:
            assert [r for r in hours[entity_id] if r["change"] < 0] == [], entity_id
        midnight = datetime.now(ZONE).replace(hour=0, minute=0, second=0, microsecond=0)
        checked = [entity_id for entity_id in BY_ID if live.get(entity_id)]
        assert GRID in checked
        for entity_id in checked:
            counted = live[entity_id][-1]["state"] - await _first_reading(hass, entity_id, since)
            rounding = ROUNDING.get(entity_id, ROUNDING_DEFAULT)
            assert live[entity_id][-1]["sum"] == pytest.approx(counted, abs=rounding)
            # The seam: the last imported hour and the live rows after it.
            before = seam - HOUR
            across = await _change(
                hass,
                entity_id,
                {"fixed_period": {"start_time": before.isoformat()}},
            )
            imported = BY_ID[entity_id].hourly(before)
            assert across == pytest.approx(imported + counted, abs=rounding), entity_id
            # Today, as the Energy dashboard's day adds it up.
            today = await _change(hass, entity_id, {"calendar": {"period": "day"}})
            hour, imported = midnight.astimezone(UTC), 0.0
            while hour < seam:
                imported += BY_ID[entity_id].hourly(hour)
                hour += HOUR
            assert today == pytest.approx(imported + counted, abs=rounding), entity_id
        assert await _change(hass, GRID, {"calendar": {"period": "day"}}) > 0
        # The Energy dashboard's gas and water figures: m³ and L counted today, from the history.
        for meter in ("sensor.demo_gas_meter", "sensor.demo_water_meter"):
            assert await _change(hass, meter, {"calendar": {"period": "day"}}) > 0, meter


@pytest.mark.timeout(COMPILE_WITHIN_S + 300)
@pytest.mark.usefixtures("socket_enabled")
def test_live_meters_continue_the_demo_history(tmp_path: Path) -> None:
    """After HA's first live compile, no hour is negative and today adds up, grid included."""
    run(_live_meters_continue_the_history(tmp_path / "homeassistant"))
