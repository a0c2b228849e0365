# ruff: noqa: F811 - the fixtures of tests/hass.py are imported until conftest lists that module
"""Gas, water and two grid connections from a real `hass` process into a real database.

The module's Home Assistant has the Energy preferences of a household's ledger: a house grid
connection (import and export) and a heat pump's own connection, a gas meter counting ft³, a
second one counting MJ, a water meter counting litres and a shower (a water device, gallons)
inside it. Every test compares the readings stored with the states HA recorded.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from aetherlens_engine.ingest import IngestPipeline
from aetherlens_engine.ingest.units import conversion_factor
from aetherlens_engine.models import Quality
from devtools.homeassistant import HassSetup, HomeAssistant
from tests.engine.test_collector_ha import (
    collecting,
    connected,
    device_id,
    history,
    pipeline,  # noqa: F401 - a fixture
    rows,
    set_meter,
    settings,
    stored,
)
from tests.hass import home_assistant  # noqa: F401 - a fixture

pytestmark = pytest.mark.parametrize("database", ["timescaledb"], indirect=True)

# (input_number, entity, unit, device class): the meters behind the template sensors.
METERS = (
    ("house_in", "house_import", "kWh", "energy"),
    ("house_out", "house_export", "kWh", "energy"),
    ("hp_in", "heat_pump_import", "Wh", "energy"),
    ("gas_ft3", "gas_meter", "ft³", "gas"),
    ("gas_mj", "gas_energy", "MJ", "energy"),
    ("water_l", "water_meter", "L", "water"),
    ("shower_gal", "shower_water", "gal", "water"),
)
# Not in the Energy preferences: recorded only when `include` names it.
BOILER = ("boiler_m3", "boiler_gas", "m³", "gas")


def _meters_yaml() -> str:
    numbers = "".join(
        f"  {number}: {{min: -1, max: 100000000, step: 0.001, mode: box}}\n"
        for number, *_ in (*METERS, BOILER)
    )
    # A negative setting makes the meter unavailable (a gap).
    sensors = "".join(
        f"      - name: {entity.replace('_', ' ').capitalize()}\n"
        f"        unique_id: {entity}\n"
        f"        unit_of_measurement: {unit}\n"
        f"        device_class: {device_class}\n"
        "        state_class: total_increasing\n"
        f"        availability: \"{{{{ states('input_number.{number}') | float(0) >= 0 }}}}\"\n"
        f"        state: \"{{{{ states('input_number.{number}') }}}}\"\n"
        for number, entity, unit, device_class in (*METERS, BOILER)
    )
    return f"input_number:\n{numbers}\ntemplate:\n  - sensor:\n{sensors}"


def _grid(name: str, into: str, out: str | None) -> dict[str, Any]:
    return {
        "type": "grid",
        "name": name,
        "stat_energy_from": into,
        "stat_energy_to": out,
        "stat_cost": None,
        "entity_energy_price": None,
        "number_energy_price": None,
        "stat_compensation": None,
        "entity_energy_price_export": None,
        "number_energy_price_export": None,
        "cost_adjustment_day": 0,
    }


def _metered(kind: str, entity: str) -> dict[str, Any]:
    return {
        "type": kind,
        "stat_energy_from": entity,
        "stat_cost": None,
        "entity_energy_price": None,
        "number_energy_price": None,
    }


LEDGER_PREFS: dict[str, Any] = {
    "energy_sources": [
        _grid("House", "sensor.house_import", "sensor.house_export"),
        _grid("Heat pump", "sensor.heat_pump_import", None),
        _metered("gas", "sensor.gas_meter"),
        _metered("gas", "sensor.gas_energy"),
        _metered("water", "sensor.water_meter"),
    ],
    "device_consumption": [],
    "device_consumption_water": [
        {"stat_consumption": "sensor.shower_water", "included_in_stat": "sensor.water_meter"}
    ],
}

# (entity, commodity, kind, canonical unit, flow, connection's first meter)
DEVICES = [
    ("sensor.gas_energy", "gas", "meter", "kWh", None, None),
    ("sensor.gas_meter", "gas", "meter", "m³", None, None),
    ("sensor.heat_pump_import", "electricity", "grid", "kWh", "import", "heat_pump_import"),
    ("sensor.house_export", "electricity", "grid", "kWh", "export", "house_import"),
    ("sensor.house_import", "electricity", "grid", "kWh", "import", "house_import"),
    ("sensor.shower_water", "water", "appliance", "m³", None, None),
    ("sensor.water_meter", "water", "meter", "m³", None, None),
]


@pytest.fixture(scope="module")
def hass_setup() -> HassSetup:
    """Return this module's Home Assistant: the ledger's meters and Energy preferences."""
    return HassSetup(packages={"meters": _meters_yaml()}, energy_prefs=LEDGER_PREFS)


async def _keep_units(hass: HomeAssistant) -> dict[str, str]:
    """Show every meter in its own unit; return the units HA's states then have, by entity.

    HA converts a gas meter's ft³ (and a water meter's gallons) into the unit system's units
    unless the user chose the unit to show: these choose the meters' own.
    """
    for _, entity, unit, _ in METERS:
        await hass.command(
            {
                "type": "config/entity_registry/update",
                "entity_id": f"sensor.{entity}",
                "options_domain": "sensor",
                "options": {"unit_of_measurement": unit},
            }
        )
    states = await hass.command({"type": "get_states"})
    meters = {f"sensor.{entity}" for _, entity, _, _ in METERS}
    return {
        state["entity_id"]: state["attributes"].get("unit_of_measurement")
        for state in states
        if state["entity_id"] in meters
    }


async def _set_all(hass: HomeAssistant, scale: float) -> dict[str, float]:
    """Set every meter to SCALE times its position; return the canonical values expected."""
    expected = {}
    for position, (number, entity, unit, _) in enumerate(METERS, start=1):
        value = round(scale * position, 3)
        await set_meter(hass, number, value)
        canonical = "m³" if unit in ("ft³", "L", "gal") else "kWh"
        factor = conversion_factor(canonical, unit)
        assert factor is not None
        expected[f"sensor.{entity}"] = value * factor
    return expected


async def test_gas_water_and_grid_connections_are_recorded_as_home_assistant_has_them(
    home_assistant: HomeAssistant, db_pool: asyncpg.Pool, pipeline: IngestPipeline
) -> None:
    """Each meter is a device of its commodity; its readings are HA's states, converted."""
    hass = home_assistant
    units = await _keep_units(hass)
    assert units == {f"sensor.{entity}": unit for _, entity, unit, _ in METERS}
    async with collecting(settings(hass, include=()), db_pool, pipeline) as collector:
        await connected(collector)
        since = collector.status.connected_since
        assert since is not None
        for scale in (100.5, 230.25):
            for entity, value in (await _set_all(hass, scale)).items():
                await stored(db_pool, entity, value)
        assert collector.status.rejected == 0

    found = await db_pool.fetch(
        "SELECT d.attributes->>'entity_id' AS entity, d.commodity, d.kind, d.unit, d.flow,"
        " c.attributes->>'unique_id' AS connection"
        " FROM devices AS d LEFT JOIN devices AS c ON c.source_id = d.connection ORDER BY 1"
    )
    assert [tuple(row) for row in found] == DEVICES
    names = await db_pool.fetch(
        "SELECT attributes->>'connection_name' FROM devices WHERE connection IS NOT NULL"
        " ORDER BY attributes->>'entity_id'"
    )
    assert [row[0] for row in names] == ["Heat pump", "House", "House"]

    # Every recorded reading is a state of HA's history, in the device's canonical unit.
    for number, entity, unit, _ in METERS:
        states = await history(hass, f"sensor.{entity}", since)
        canonical = "m³" if unit in ("ft³", "L", "gal") else "kWh"
        factor = conversion_factor(canonical, unit)
        assert factor is not None
        readings = await rows(db_pool, await device_id(db_pool, f"sensor.{entity}"))
        assert [(r["time"], r["value"]) for r in readings] == [
            (time, pytest.approx(value * factor, rel=1e-12)) for time, value in states
        ], number


async def test_volume_meters_reset_and_gap_as_energy_meters_do(
    home_assistant: HomeAssistant, db_pool: asyncpg.Pool, pipeline: IngestPipeline
) -> None:
    """A water meter's reset, glitch and unavailable state are flagged as a kWh meter's are."""
    hass = home_assistant
    await _keep_units(hass)
    async with collecting(settings(hass, include=()), db_pool, pipeline) as collector:
        await connected(collector)
        for litres in (5000, 5200, 5190):  # a dip below the level: a glitch
            await set_meter(hass, "water_l", litres)
            await stored(db_pool, "sensor.water_meter", litres / 1000)
        await set_meter(hass, "water_l", -1)  # unavailable
        await set_meter(hass, "water_l", 5300)  # after the gap
        await stored(db_pool, "sensor.water_meter", 5.3)
        await set_meter(hass, "water_l", 40)  # a new meter: counting from zero again
        await stored(db_pool, "sensor.water_meter", 0.04)
        gaps = collector.status.gaps

    water = [
        (r["value"], r["quality"])
        for r in await rows(db_pool, await device_id(db_pool, "sensor.water_meter"))
    ]
    assert water[-5:] == [
        (pytest.approx(m3), flags)
        for m3, flags in (
            (5.0, 0),
            (5.2, 0),
            (5.19, Quality.GLITCH),
            (5.3, Quality.AFTER_GAP),
            (0.04, Quality.COUNTER_RESET),
        )
    ]
    assert gaps >= 1


async def test_each_commodity_has_its_household_and_export_is_not_use(
    home_assistant: HomeAssistant, db_pool: asyncpg.Pool, pipeline: IngestPipeline
) -> None:
    """Both grid imports make the electricity household; gas and water have their own."""
    hass = home_assistant
    await _keep_units(hass)
    async with collecting(settings(hass, include=()), db_pool, pipeline) as collector:
        await connected(collector)
        await set_meter(hass, "shower_gal", 12)
        await stored(db_pool, "sensor.shower_water", 12 * 0.003785411784)

    def named(query: str) -> str:
        return (
            "SELECT v.commodity, d.attributes->>'entity_id' AS entity"
            f" FROM ({query}) AS v JOIN devices AS d USING (id) ORDER BY 1, 2"
        )

    meters = await db_pool.fetch(named("SELECT id, commodity FROM commodity_meters"))
    assert [tuple(row) for row in meters] == [
        ("electricity", "sensor.heat_pump_import"),
        ("electricity", "sensor.house_import"),
        ("gas", "sensor.gas_energy"),
        ("gas", "sensor.gas_meter"),
        ("water", "sensor.water_meter"),
    ]
    parts = await db_pool.fetch(named("SELECT id, commodity FROM commodity_parts"))
    assert [tuple(row) for row in parts] == [("water", "sensor.shower_water")]
    electricity = await db_pool.fetch(
        named("SELECT id, 'electricity' AS commodity FROM household_meters")
    )
    assert [row["entity"] for row in electricity] == [
        "sensor.heat_pump_import",
        "sensor.house_import",
    ]
    assert await db_pool.fetchval("SELECT count(*) FROM household_parts") == 0


async def test_include_and_exclude_globs_take_gas_and_water_by_device_class(
    home_assistant: HomeAssistant, db_pool: asyncpg.Pool, pipeline: IngestPipeline
) -> None:
    """A gas meter outside Energy's preferences comes by `include`; `exclude` drops a meter."""
    hass = home_assistant
    await _keep_units(hass)
    chosen = settings(hass, include=("sensor.boiler_*",), exclude=("sensor.shower_*",))
    async with collecting(chosen, db_pool, pipeline) as collector:
        await connected(collector)
        await set_meter(hass, "boiler_m3", 17.25)
        await stored(db_pool, "sensor.boiler_gas", 17.25)
        assert collector.status.rejected == 0
    found = await db_pool.fetch(
        "SELECT attributes->>'entity_id' AS entity, commodity, kind, unit FROM devices"
        " WHERE attributes->>'entity_id' IN ('sensor.boiler_gas', 'sensor.shower_water')"
    )
    assert [tuple(row) for row in found] == [("sensor.boiler_gas", "gas", "appliance", "m³")]
