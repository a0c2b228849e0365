"""A real Home Assistant per test module (devtools.homeassistant), with meters and Energy set up.

Plugin-style fixtures: `hass_setup` (module; override it in a module for other meters) and
`home_assistant` (module; one `hass` process shared by the module's tests, stopped after them).
The meters are input_numbers the tests set through HA's REST API, behind template sensors
that look like real ones (units, device and state classes, unique ids).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from typing import Any

import pytest
import pytest_socket

from devtools.homeassistant import HassSetup, HomeAssistant

METERS_YAML = """\
input_number:
  grid_energy: {min: 0, max: 1000000, step: 0.001, mode: box}
  solar_wh: {min: 0, max: 100000000, step: 1, mode: box}
  price: {min: -10, max: 10, step: 0.0001, mode: box}
  heater_kw: {min: -1, max: 100, step: 0.001, mode: box}
  carbon: {min: 0, max: 2000, step: 1, mode: box}

template:
  - sensor:
      - name: Grid import
        unique_id: grid_import
        unit_of_measurement: kWh
        device_class: energy
        state_class: total_increasing
        state: "{{ states('input_number.grid_energy') }}"
      - name: Solar energy
        unique_id: solar_energy
        unit_of_measurement: Wh
        device_class: energy
        state_class: total_increasing
        state: "{{ states('input_number.solar_wh') }}"
      - name: Energy price
        unique_id: energy_price
        unit_of_measurement: EUR/kWh
        state: "{{ states('input_number.price') }}"
      - name: Heater power
        unique_id: heater_power
        unit_of_measurement: kW
        device_class: power
        state_class: measurement
        # A negative setting makes the meter unavailable.
        availability: "{{ states('input_number.heater_kw') | float(0) >= 0 }}"
        state: "{{ states('input_number.heater_kw') }}"
      - name: Grid carbon
        unique_id: grid_carbon
        unit_of_measurement: gCO2eq/kWh
        state_class: measurement
        state: "{{ states('input_number.carbon') }}"
"""

ENERGY_PREFS: dict[str, Any] = {
    "energy_sources": [
        {
            "type": "grid",
            "stat_energy_from": "sensor.grid_import",
            "stat_energy_to": None,
            "stat_cost": None,
            "entity_energy_price": "sensor.energy_price",
            "number_energy_price": None,
            "stat_compensation": None,
            "entity_energy_price_export": None,
            "number_energy_price_export": None,
            "cost_adjustment_day": 0,
        },
        {"type": "solar", "stat_energy_from": "sensor.solar_energy"},
    ],
    "device_consumption": [],
}


def run[T](coroutine: Coroutine[Any, Any, T]) -> T:
    """Run COROUTINE in a loop of its own (module fixtures run outside the tests' loops)."""
    with asyncio.Runner(loop_factory=asyncio.new_event_loop) as runner:
        return runner.run(coroutine)


@pytest.fixture(scope="module")
def hass_setup() -> HassSetup:
    """Return the configuration of the module's Home Assistant: the meters and Energy prefs."""
    return HassSetup(packages={"meters": METERS_YAML}, energy_prefs=ENERGY_PREFS)


@pytest.fixture(scope="module")
def home_assistant(
    hass_setup: HassSetup, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HomeAssistant]:
    """Start, onboard and return a real Home Assistant for the module; stop it afterwards."""
    # Set up before the first test's `socket_enabled`: HA's test plugin blocks sockets until then.
    pytest_socket.enable_socket()
    instance = run(HomeAssistant.create(tmp_path_factory.mktemp("hass"), hass_setup))
    try:
        yield instance
    finally:
        pytest_socket.enable_socket()
        run(instance.stop())
