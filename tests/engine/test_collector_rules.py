"""The collector's rules without a Home Assistant: units, Energy preferences, meters, options."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aetherlens_engine.collector.backfill import Sample, merge, window_start
from aetherlens_engine.collector.entities import (
    GridConnection,
    Role,
    commodity_of,
    containers,
    energy_roles,
    flow_of,
    grid_connections,
    kind_of,
    select,
)
from aetherlens_engine.collector.measures import Measure, classify
from aetherlens_engine.collector.meters import Meter
from aetherlens_engine.config import load_config
from aetherlens_engine.errors import ConfigError
from aetherlens_engine.models import Commodity, DeviceKind, Flow, Quality

T0 = datetime(2026, 11, 27, 12, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("unit", "measure", "raw", "canonical", "factor"),
    [
        ("W", Measure.POWER, "W", "W", 1.0),
        ("kW", Measure.POWER, "kW", "W", 1000.0),
        ("Wh", Measure.ENERGY, "Wh", "kWh", 0.001),
        ("MWh", Measure.ENERGY, "MWh", "kWh", 1000.0),
        ("EUR/MWh", Measure.PRICE, "EUR/MWh", "EUR/kWh", 0.001),
        ("€/kWh", Measure.PRICE, "CHF/kWh", "CHF/kWh", 1.0),
        ("gCO2eq/kWh", Measure.CARBON, "gCO2eq/kWh", "kg/kWh", 0.001),
        ("MJ", Measure.ENERGY, "MJ", "kWh", 1 / 3.6),
        ("thm", Measure.ENERGY, "thm", "kWh", 29.300111),
        ("m³", Measure.VOLUME, "m³", "m³", 1.0),
        ("L", Measure.VOLUME, "L", "m³", 0.001),
        ("gal", Measure.VOLUME, "gal", "m³", 0.003785411784),
        ("ft³", Measure.VOLUME, "ft³", "m³", 0.028316846592),
        ("CCF", Measure.VOLUME, "CCF", "m³", 2.8316846592),
    ],
)
def test_units_are_classified_and_normalised(
    unit: str, measure: Measure, raw: str, canonical: str, factor: float
) -> None:
    found = classify(unit, "CHF")
    assert found is not None
    assert (found.measure, found.raw, found.canonical) == (measure, raw, canonical)
    assert found.factor == pytest.approx(factor)


@pytest.mark.parametrize("unit", [None, "°C", "%", "EUR", "m³/h", "EUR/m³", 5])
def test_other_units_are_not_recorded(unit: object) -> None:
    assert classify(unit, "EUR") is None


def test_energy_preferences_name_roles_in_both_grid_formats() -> None:
    prefs = {
        "energy_sources": [
            {
                "type": "grid",
                "stat_energy_from": "sensor.import",
                "stat_energy_to": "sensor.export",
                "entity_energy_price": "sensor.price",
                "entity_energy_price_export": "sensor.feed_in",
                "power_config": {"stat_rate_from": "sensor.p_in", "stat_rate_to": "sensor.p_out"},
            },
            {
                "type": "grid",
                "flow_from": [
                    {"stat_energy_from": "sensor.old_import", "entity_energy_price": "sensor.t"}
                ],
                "flow_to": [{"stat_energy_to": "sensor.old_export"}],
            },
            {"type": "solar", "stat_energy_from": "sensor.pv", "stat_rate": "sensor.pv_power"},
            {"type": "battery", "stat_energy_from": "sensor.out", "stat_energy_to": "sensor.in"},
            {"type": "gas", "stat_energy_from": "sensor.gas", "stat_rate": "sensor.gas_flow"},
            {"type": "water", "stat_energy_from": "sensor.water", "entity_energy_price": "s.wp"},
            {"type": "grid", "stat_energy_from": "external:import"},
        ],
        "device_consumption": [{"stat_consumption": "sensor.fridge", "stat_rate": "sensor.fp"}],
        "device_consumption_water": [
            {"stat_consumption": "sensor.shower", "stat_rate": "sensor.shower_flow"}
        ],
    }
    assert energy_roles(prefs) == {
        "sensor.import": Role.GRID_IMPORT,
        "sensor.export": Role.GRID_EXPORT,
        "sensor.price": Role.GRID_PRICE,
        "sensor.feed_in": Role.EXPORT_PRICE,
        "sensor.p_in": Role.GRID_POWER,
        "sensor.p_out": Role.GRID_POWER,
        "sensor.old_import": Role.GRID_IMPORT,
        "sensor.t": Role.GRID_PRICE,
        "sensor.old_export": Role.GRID_EXPORT,
        "sensor.pv": Role.SOLAR,
        "sensor.pv_power": Role.SOLAR_POWER,
        "sensor.out": Role.BATTERY_OUT,
        "sensor.in": Role.BATTERY_IN,
        "sensor.gas": Role.GAS,
        "sensor.water": Role.WATER,
        "sensor.fridge": Role.DEVICE,
        "sensor.fp": Role.DEVICE_POWER,
        "sensor.shower": Role.WATER_DEVICE,
    }


def test_every_grid_connection_groups_its_own_meters() -> None:
    prefs = {
        "energy_sources": [
            {
                "type": "grid",
                "name": "House",
                "stat_energy_from": "sensor.import",
                "stat_energy_to": "sensor.export",
                "entity_energy_price": "sensor.price",
            },
            {"type": "grid", "stat_energy_from": None, "stat_energy_to": "sensor.pv_export"},
            {"type": "grid", "stat_energy_from": "sensor.heat_pump", "stat_rate": "sensor.hp_w"},
            {"type": "gas", "stat_energy_from": "sensor.gas"},
        ],
    }
    house = GridConnection("sensor.import", "House")
    export_only = GridConnection("sensor.pv_export", None)
    heat_pump = GridConnection("sensor.heat_pump", None)
    assert grid_connections(prefs) == {
        "sensor.import": house,
        "sensor.export": house,
        "sensor.price": house,
        "sensor.pv_export": export_only,
        "sensor.heat_pump": heat_pump,
        "sensor.hp_w": heat_pump,
    }
    assert [flow_of(role) for role in (Role.GRID_IMPORT, Role.GRID_EXPORT, Role.GAS)] == [
        Flow.IMPORT,
        Flow.EXPORT,
        None,
    ]


def test_water_devices_are_inside_their_containers() -> None:
    prefs = {
        "device_consumption": [{"stat_consumption": "sensor.a", "included_in_stat": "sensor.b"}],
        "device_consumption_water": [
            {"stat_consumption": "sensor.shower", "included_in_stat": "sensor.bathroom"},
            {"stat_consumption": "sensor.bathroom"},
        ],
    }
    assert containers(prefs) == {"sensor.a": "sensor.b", "sensor.shower": "sensor.bathroom"}


@pytest.mark.parametrize(
    ("role", "unit", "device_class", "commodity", "kind"),
    [
        (Role.GAS, "m³", "gas", Commodity.GAS, DeviceKind.METER),
        (Role.GAS, "kWh", "energy", Commodity.GAS, DeviceKind.METER),  # a meter counting energy
        (Role.WATER, "L", "water", Commodity.WATER, DeviceKind.METER),
        (Role.WATER_DEVICE, "gal", "water", Commodity.WATER, DeviceKind.APPLIANCE),
        (Role.INCLUDED, "ft³", "gas", Commodity.GAS, DeviceKind.APPLIANCE),
        (Role.INCLUDED, "CCF", "water", Commodity.WATER, DeviceKind.APPLIANCE),
        (Role.INCLUDED, "kWh", "energy", Commodity.ELECTRICITY, DeviceKind.APPLIANCE),
        (Role.GRID_IMPORT, "kWh", "energy", Commodity.ELECTRICITY, DeviceKind.GRID),
        (Role.INCLUDED, "m³", None, None, DeviceKind.APPLIANCE),  # a volume of what?
        (Role.DEVICE, "L", "water", None, DeviceKind.APPLIANCE),  # not an electric device
    ],
)
def test_commodity_and_kind_follow_the_role_then_the_device_class(
    role: Role, unit: str, device_class: str | None, commodity: Commodity | None, kind: DeviceKind
) -> None:
    found = classify(unit, "EUR")
    assert found is not None
    assert commodity_of(role, found, device_class) == commodity
    assert kind_of(role, found) == kind


def test_include_and_exclude_take_ids_and_globs() -> None:
    entities = ["sensor.import", "sensor.plug_1_power", "sensor.plug_2_power", "sensor.t"]
    selected = select(
        entities,
        {"sensor.import": Role.GRID_IMPORT, "sensor.t": Role.GRID_PRICE},
        include=["sensor.plug_*_power"],
        exclude=["sensor.plug_2_power", "sensor.t"],
    )
    assert selected == {"sensor.import": Role.GRID_IMPORT, "sensor.plug_1_power": Role.INCLUDED}


def counter(state_class: str | None = "total_increasing") -> Meter:
    unit = classify("kWh", "EUR")
    assert unit is not None
    return Meter("sensor.e", 1, unit, state_class=state_class)


def test_counter_resets_and_glitches_follow_home_assistant() -> None:
    meter = counter()
    values = [10, 10.5, 4, 3.8, 4.2, 4.1]
    flags = [meter.feed(at(i), str(v))[0].quality for i, v in enumerate(values)]
    assert flags == [0, 0, Quality.COUNTER_RESET, Quality.GLITCH, 0, Quality.GLITCH]


def test_volume_counters_reset_and_glitch_as_energy_counters() -> None:
    unit = classify("L", "EUR")
    assert unit is not None
    meter = Meter("sensor.water", 1, unit, state_class="total_increasing")
    readings = [meter.feed(at(i), v)[0] for i, v in enumerate(["1200", "1250", "1249", "30"])]
    assert [r.quality for r in readings] == [0, 0, Quality.GLITCH, Quality.COUNTER_RESET]
    assert [(r.value, r.unit) for r in readings[:2]] == [(1200.0, "L"), (1250.0, "L")]


def test_total_counters_reset_with_last_reset() -> None:
    meter = counter("total")
    first = meter.feed(at(0), "5", {"last_reset": "2026-11-01T00:00:00+00:00"})
    dip = meter.feed(at(1), "2", {"last_reset": "2026-11-01T00:00:00+00:00"})
    new_cycle = meter.feed(at(2), "1", {"last_reset": "2026-11-27T00:00:00+00:00"})
    assert [r[0].quality for r in (first, dip, new_cycle)] == [0, 0, Quality.COUNTER_RESET]


@pytest.mark.parametrize("state", ["unavailable", "unknown", "on", "nan", "inf", "", None])
def test_states_without_a_number_are_gaps(state: object) -> None:
    meter = counter()
    assert meter.feed(at(0), state) == []
    assert meter.gaps == 1


def test_states_are_handled_once_in_time_order() -> None:
    meter = counter()
    assert len(meter.feed(at(5), "1")) == 1
    assert meter.feed(at(5), "1") == []
    assert meter.feed(at(4), "2") == []


def power_meter() -> Meter:
    unit = classify("kW", "EUR")
    assert unit is not None
    return Meter("sensor.p", 1, unit)


def test_power_is_recorded_as_it_is_on_its_one_device() -> None:
    """No energy of its own: the rollups integrate the W device's readings."""
    meter = power_meter()
    readings = [*meter.feed(at(0), "1"), *meter.feed(at(60), "3")]
    assert [(r.device_id, r.time, r.value, r.unit, r.quality) for r in readings] == [
        (1, at(0), 1.0, "kW", 0),
        (1, at(60), 3.0, "kW", 0),
    ]


def test_steady_power_is_repeated_at_each_tick() -> None:
    meter = power_meter()
    meter.feed(at(0), "2")
    (beat,) = meter.tick(at(60))
    assert (beat.device_id, beat.time, beat.value, beat.unit, beat.quality) == (
        1,
        at(60),
        2000.0,
        "W",
        0,
    )
    assert meter.tick(at(60)) == []
    assert [r.time for r in meter.tick(at(120))] == [at(120)]


def test_no_heartbeat_in_a_gap_and_the_next_value_is_flagged() -> None:
    meter = power_meter()
    meter.feed(at(0), "2")
    assert meter.feed(at(10), "unavailable") == []
    assert meter.tick(at(60)) == []
    assert meter.feed(at(70), "nan") == []
    (after,) = meter.feed(at(80), "3", quality=Quality.BACKFILLED)
    assert after.quality == Quality.AFTER_GAP | Quality.BACKFILLED
    assert meter.gaps == 1
    (next_one,) = meter.feed(at(90), "4")
    assert next_one.quality == 0
    assert [r.value for r in meter.tick(at(120))] == [4000.0]


def test_counters_flag_the_first_value_after_a_gap_too() -> None:
    meter = counter()
    meter.feed(at(0), "10")
    meter.feed(at(1), "unknown")
    (after,) = meter.feed(at(2), "11")
    assert after.quality == Quality.AFTER_GAP
    assert meter.tick(at(60)) == []  # counters need no heartbeat


def test_a_state_older_than_a_heartbeat_is_recorded_just_after_it() -> None:
    """A late event (or another clock) keeps the readings in the order the values held."""
    meter = power_meter()
    meter.feed(at(0), "2")
    meter.tick(at(60))
    (late,) = meter.feed(at(59), "5")
    assert (late.time, late.value) == (at(60) + timedelta(microseconds=1), 5.0)
    assert meter.feed(at(59), "5") == []  # still handled once


def test_a_resumed_power_meter_repeats_the_stored_value() -> None:
    meter = power_meter()
    meter.resume(at(0), 1500.0)
    assert meter.feed(at(0), "9") == []
    assert [(r.time, r.value) for r in meter.tick(at(60))] == [(at(60), 1500.0)]


def test_the_engine_knows_no_supervisor() -> None:
    """The add-on's entry point names its own Home Assistant; the engine's options never do."""
    assert load_config(environ={"SUPERVISOR_TOKEN": "t"}).homeassistant == ()
    own = {"homeassistant": [{"name": "homeassistant"}]}  # as the add-on's options name it
    with pytest.raises(ConfigError, match=r"homeassistant.*url"):
        load_config(environ={"SUPERVISOR_TOKEN": "t"}, overrides=own)
    house = {"name": "house", "url": "ws://ha.local:8123/api/websocket"}
    with pytest.raises(ConfigError, match="token"):
        load_config(environ={"SUPERVISOR_TOKEN": "t"}, overrides={"homeassistant": [house]})


def test_standalone_instances_need_url_and_token() -> None:
    config = load_config(
        environ={},
        overrides={
            "homeassistant": [
                {
                    "name": "house",
                    "url": "ws://ha.local:8123/api/websocket",
                    "token": "abc",
                    "include": ["sensor.*_power"],
                }
            ]
        },
    )
    (instance,) = config.homeassistant
    assert instance.include == ("sensor.*_power",)
    assert instance.heartbeat == timedelta(minutes=1)
    with pytest.raises(ConfigError, match="max_integration_gap_minutes"):
        load_config(
            environ={},
            overrides={
                "homeassistant": [
                    {
                        "name": "h",
                        "url": "ws://ha.local/api/websocket",
                        "token": "x",
                        "max_integration_gap_minutes": 5,
                    },
                ]
            },
        )
    with pytest.raises(ConfigError, match="token"):
        load_config(
            environ={},
            overrides={"homeassistant": [{"name": "h", "url": "ws://ha.local/api/websocket"}]},
        )
    with pytest.raises(ConfigError, match="WebSocket URL"):
        load_config(
            environ={},
            overrides={"homeassistant": [{"name": "h", "url": "http://ha", "token": "x"}]},
        )


def test_heartbeat_stays_well_below_the_rollups_max_gap() -> None:
    """Steady power is repeated often enough that the rollups never see it as a gap."""
    house = {"name": "house", "url": "ws://ha.local:8123/api/websocket", "token": "t"}
    own = {"homeassistant": [house]}
    default = load_config(environ={}, overrides=own)
    assert default.homeassistant[0].heartbeat * 4 <= default.rollup.max_gap
    short = load_config(environ={}, overrides={**own, "rollup": {"max_gap_minutes": 2}})
    assert short.homeassistant[0].heartbeat == timedelta(seconds=30)


def test_statistics_fill_only_before_the_first_history_state() -> None:
    stats = {"sensor.e": [Sample(at(0), 1.0), Sample(at(300), 2.0), Sample(at(600), 3.0)]}
    states = {"sensor.e": [Sample(at(450), "2.5"), Sample(at(700), "3.5")]}
    assert merge(stats, states) == {
        "sensor.e": [
            Sample(at(0), 1.0),
            Sample(at(300), 2.0),
            Sample(at(450), "2.5"),
            Sample(at(700), "3.5"),
        ]
    }
    assert merge(stats, {}) == stats


def test_backfill_never_reaches_past_its_limit() -> None:
    now, limit = at(10 * 86400), timedelta(days=1)
    assert window_start(None, now, limit) == now - limit
    assert window_start(at(0), now, limit) == now - limit
    assert window_start(now - timedelta(hours=2), now, limit) == now - timedelta(hours=2)
