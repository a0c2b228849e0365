# ruff: noqa: F811 - the fixtures of tests/hass.py are imported until conftest lists that module
"""Issue 20's acceptance end to end: a real `hass`, the collector, the rollups, the bill API.

Home Assistant (Europe/Berlin) has a gas meter (m³), a water meter (litres) and two grid
connections, a house and a heat pump. The test gives it four days of hourly readings, 23 to
27 October 2026, across the end of summer time on the 25th, through its own API
(`recorder/import_statistics`: a running `hass` stamps the states it is given with the wall
clock, and the statistics are what it keeps of the past). The engine's collector, its clock
pinned to the range's end, backfills them; its rollups make the hours; gas and water tariffs
saved through the engine's API bill them, and the bills equal the hand computation written out
below to the cent: gas over the cycle change of the 25th (cycle day 25, the 25-hour day its
first) with two calorific values, water over its cycle change of the 24th with a tier crossed
in the DST cycle and sewage on a share of the volume. The integration, linked into that
`hass` and configured through its config flow against the engine, gives the gas and water cost
entities that HA's own `energy/validate` is asked about.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
import pytest
import pytest_socket

from aetherlens_engine.collector import HomeAssistantCollector
from aetherlens_engine.ingest import IngestPipeline
from aetherlens_engine.pricing.service import TariffService
from aetherlens_engine.storage import RollupMaintainer
from devtools.develop import configure_integration, link_integration
from devtools.homeassistant import HassSetup, HomeAssistant
from tests.engine.checked_api import checked
from tests.engine.test_api_support import AUTH, TOKEN, client, engine_state, serve
from tests.engine.test_collector_ha import (
    connected,
    device_id,
    hourly_statistics,
    import_statistics,
    pipeline,  # noqa: F401 - a fixture
    rows,
    settings,
    stored,
)
from tests.engine.test_collector_ledger import _grid, _metered
from tests.hass import run

pytestmark = pytest.mark.parametrize("database", ["timescaledb"], indirect=True)

D = Decimal
HOUR = timedelta(hours=1)
BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 10, 23, tzinfo=BERLIN).astimezone(UTC)  # 22 October, 22:00 UTC (CEST)
END = datetime(2026, 10, 27, tzinfo=BERLIN).astimezone(UTC)  # 26 October, 23:00 UTC (CET)
NOW = END  # the engine's clock
# HA's recorder compiles statistics every 5 minutes: the energy validator waits for the first.
STATISTICS_WITHIN_S = 330

# (input_number, entity, unit, device class, HA's first counter value, its rise an hour,
#  the factor to the engine's unit)
METERS = (
    ("house_in", "house_import", "kWh", "energy", 5000.0, 0.75, 1.0),
    ("hp_in", "heat_pump_import", "kWh", "energy", 800.0, 1.5, 1.0),
    ("gas_m3", "gas_meter", "m³", "gas", 4321.0, 0.125, 1.0),
    ("water_l", "water_meter", "L", "water", 1234.5, 12.5, 0.001),
)

PREFS: dict[str, Any] = {
    "energy_sources": [
        _grid("House", "sensor.house_import", None),
        _grid("Heat pump", "sensor.heat_pump_import", None),
        _metered("gas", "sensor.gas_meter"),
        _metered("water", "sensor.water_meter"),
    ],
    "device_consumption": [],
    "device_consumption_water": [],
}

GAS: dict[str, Any] = {
    "name": "Stadtwerke Gas",
    "commodity": "gas",
    "currency": "EUR",
    "timezone": "Europe/Berlin",
    "cycle_day": 25,
    "conversion": [  # m³ x Zustandszahl x Brennwert (MJ/m³) / 3.6, per period
        {"from": "2026-10-01", "calorific_value": "39.4", "volume_correction": "0.9512"},
        {"from": "2026-10-26", "calorific_value": "40.1", "volume_correction": "0.9512"},
    ],
    "energy": {"price": "0.1120"},
    "fixed": [{"name": "Grundpreis", "amount": "0.35", "per": "day"}],
    "taxes": [{"name": "USt", "percent": "19"}],
}

WATER: dict[str, Any] = {
    "name": "Stadtwerke Wasser",
    "commodity": "water",
    "currency": "EUR",
    "timezone": "Europe/Berlin",
    "cycle_day": 24,
    "energy": {
        "periods": [
            {"name": "all", "tiers": [{"up_to": "0.6", "price": "2.05"}, {"price": "2.60"}]}
        ],
    },
    "sewage": {"price": "2.35", "share": "0.9"},
    "fixed": [{"name": "Zählergebühr", "amount": "6.20"}],
    "taxes": [{"name": "USt", "percent": "7"}],
}


def _meters_yaml() -> str:
    numbers = "".join(
        f"  {number}: {{min: 0, max: 100000000, step: 0.001, mode: box}}\n" for number, *_ in METERS
    )
    sensors = "".join(
        f"      - name: {entity.replace('_', ' ').capitalize()}\n"
        f"        unique_id: {entity}\n"
        f"        unit_of_measurement: {unit}\n"
        f"        device_class: {device_class}\n"
        "        state_class: total_increasing\n"
        f"        state: \"{{{{ states('input_number.{number}') }}}}\"\n"
        for number, entity, unit, device_class, *_ in METERS
    )
    return f"input_number:\n{numbers}\ntemplate:\n  - sensor:\n{sensors}"


@pytest.fixture(scope="module")
def hass_setup() -> HassSetup:
    """Return this module's Home Assistant: in Berlin, with the ledger's four meters."""
    return HassSetup(
        packages={"meters": _meters_yaml()}, energy_prefs=PREFS, time_zone="Europe/Berlin"
    )


@pytest.fixture(scope="module")
def home_assistant(
    hass_setup: HassSetup, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HomeAssistant]:
    """Return tests.hass's Home Assistant, with the AetherLens integration to configure."""
    directory = tmp_path_factory.mktemp("hass")
    link_integration(directory)
    pytest_socket.enable_socket()  # before the first test's `socket_enabled`, as tests.hass
    instance = run(HomeAssistant.create(directory, hass_setup))
    try:
        yield instance
    finally:
        pytest_socket.enable_socket()
        run(instance.stop())


def _hours() -> list[datetime]:
    """The statistics' hours: the one before START (its end is the first reading) to END."""
    count = int((END - START) / HOUR) + 1
    return [START - HOUR + n * HOUR for n in range(count)]


async def _import_statistics(hass: HomeAssistant) -> None:
    """Give HA each meter's hourly statistics over the range; set its state to the last one."""
    for number, entity, unit, _, first, rise, _ in METERS:
        stats = [
            {"start": hour.isoformat(), "state": first + n * rise, "sum": n * rise}
            for n, hour in enumerate(_hours())
        ]
        await import_statistics(hass, f"sensor.{entity}", unit, stats)
        await hass.call_service(
            "input_number",
            "set_value",
            {"entity_id": f"input_number.{number}", "value": stats[-1]["state"]},
        )


async def _statistics(hass: HomeAssistant, entity_id: str) -> list[tuple[datetime, float]]:
    """Return HA's hourly counter statistics of ENTITY_ID in the range as (end, state)."""
    held = await hourly_statistics(hass, entity_id, START - HOUR, END)
    return [(start + HOUR, state) for start, state in held]


@pytest.fixture
async def tariffs(db_pool: asyncpg.Pool) -> AsyncIterator[TariffService]:
    service = TariffService(db_pool, BERLIN, clock=lambda: NOW)
    await service.start()
    yield service
    await service.stop()


async def _collected(
    hass: HomeAssistant, db_pool: asyncpg.Pool, pipeline: IngestPipeline
) -> list[int]:
    """Collect the range from HA, roll it up; return the meters' devices (as METERS)."""
    await _import_statistics(hass)
    instance = settings(hass, include=(), backfill_limit=timedelta(days=10))
    collector = HomeAssistantCollector(instance, db_pool, pipeline, {}, clock=lambda: NOW)
    collector.start()
    try:
        await connected(collector)
        assert collector.status.rejected == 0
    finally:
        await collector.stop()
    await stored(db_pool, "sensor.water_meter", (1234.5 + 97 * 12.5) / 1000)
    devices = [await device_id(db_pool, f"sensor.{meter[1]}") for meter in METERS]
    rollups = RollupMaintainer(db_pool, BERLIN)  # the default max_gap, shorter than an hour
    await rollups.recompute(START - HOUR, END + HOUR, devices)
    return devices


async def _save_tariffs(session: aiohttp.ClientSession, tariffs: TariffService) -> None:
    """Save and activate the gas and water tariffs through the engine's API."""
    for definition in (GAS, WATER):
        body = {"name": definition["name"], "definition": definition, "activate": True}
        status, saved = await checked(session, "post", "/api/v1/tariffs", json=body)
        assert (status, saved["active"]) == (201, True)
        await tariffs.wait_settled()


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(D("0.01"), ROUND_HALF_UP)


def _gas_kwh(hours: int, calorific_value: str) -> Decimal:
    """Hours of 0.125 m³ in kWh: m³ x volume correction x calorific value (MJ/m³) / 3.6."""
    return hours * D("0.125") * D("0.9512") * D(calorific_value) / D("3.6")


def _gas_by_hand() -> list[Decimal]:
    """Both gas cycles the range touches, each with its whole standing charge, VAT on all."""
    # 25 September - 25 October (30 days): 48 hours of the range (23 and 24 October), at 39.4.
    first = (_gas_kwh(48, "39.4") * D("0.1120") + 30 * D("0.35")) * D("1.19")
    # 25 October - 25 November (31 days): the 25th's 25 hours at 39.4, the 26th's 24 at 40.1.
    kwh = _gas_kwh(25, "39.4") + _gas_kwh(24, "40.1")
    second = (kwh * D("0.1120") + 31 * D("0.35")) * D("1.19")
    return [first, second]


def _water_by_hand() -> list[Decimal]:
    """Both water cycles: 12.5 L an hour, tiers per cycle, sewage on 90 % of the volume."""

    def cycle(m3: Decimal) -> Decimal:
        tiers = min(m3, D("0.6")) * D("2.05") + max(m3 - D("0.6"), D(0)) * D("2.60")
        sewage = D("0.9") * m3 * D("2.35")
        return (tiers + sewage + D("6.20")) * D("1.07")

    # 24 September - 24 October: the 23rd's 24 hours; 24 October on: 24 + 25 + 24 hours.
    return [cycle(24 * D("0.0125")), cycle(73 * D("0.0125"))]


async def test_gas_and_water_bills_of_what_home_assistant_recorded_equal_the_hand_computation(
    home_assistant: HomeAssistant,
    db_pool: asyncpg.Pool,
    pipeline: IngestPipeline,
    tariffs: TariffService,
) -> None:
    hass = home_assistant
    devices = await _collected(hass, db_pool, pipeline)

    # The readings in the range are HA's statistics, in the engine's units (litres in m³).
    for (_, entity, _, _, first, rise, factor), device in zip(METERS, devices, strict=True):
        readings = await rows(db_pool, device)
        recorded = [(r["time"], r["value"]) for r in readings if r["time"] <= NOW]
        expected = await _statistics(hass, f"sensor.{entity}")
        assert len(expected) == 98, entity  # 97 hours of the range, and the hour before
        assert expected[-1] == (END, first + 97 * rise)
        assert recorded == [(t, pytest.approx(v * factor, rel=1e-12)) for t, v in expected]

    state = engine_state(
        db_pool, timezone=BERLIN, currency="EUR", clock=lambda: NOW, tariff_service=tariffs
    )
    async with client(state) as session:
        await _save_tariffs(session, tariffs)
        bills = {}
        for commodity in ("gas", "water"):
            query = {"commodity": commodity, "start": START.isoformat(), "end": END.isoformat()}
            status, bills[commodity] = await checked(session, "get", "/api/v1/bill", params=query)
            assert status == 200, bills[commodity]
        status, ledger = await checked(session, "get", "/api/v1/ledger")
        assert status == 200

    gas_by_hand, water_by_hand = _gas_by_hand(), _water_by_hand()
    answers = (
        (
            "gas",
            [("2026-09-25", "2026-10-25", 30), ("2026-10-25", "2026-11-25", 31)],
            [_gas_kwh(48, "39.4"), _gas_kwh(25, "39.4") + _gas_kwh(24, "40.1")],
            gas_by_hand,
        ),
        (
            "water",
            [("2026-09-24", "2026-10-24", 30), ("2026-10-24", "2026-11-24", 31)],
            [24 * D("0.0125"), 73 * D("0.0125")],
            water_by_hand,
        ),
    )
    for commodity, cycles, usage, by_hand in answers:
        answer = bills[commodity]["cycles"]
        assert [(c["start"], c["end"], c["days"]) for c in answer] == cycles, commodity
        assert [D(c["import_kwh"]) for c in answer] == [
            u.quantize(D("0.001"), ROUND_HALF_UP) for u in usage
        ], commodity
        assert [D(c["total"]) for c in answer] == [_cents(c) for c in by_hand], commodity
        assert D(bills[commodity]["total"]) == _cents(sum(by_hand, D(0))), commodity

    # The ledger now (the end of the range): each cycle so far is the bill's current cycle.
    parts = {part["commodity"]: part for part in ledger["parts"]}
    assert (parts["gas"]["cycle_start"], parts["water"]["cycle_start"]) == (
        "2026-10-25",
        "2026-10-24",
    )
    assert _cents(D(parts["gas"]["cycle_so_far"])) == _cents(gas_by_hand[1])
    assert _cents(D(parts["water"]["cycle_so_far"])) == _cents(water_by_hand[1])


async def _ledger_entities(hass: HomeAssistant, keys: list[str]) -> dict[str, str]:
    """Wait until the integration has an entity for each key; return their ids by key."""
    deadline = time.monotonic() + 60
    while True:
        entries = await hass.command({"type": "config/entity_registry/list"})
        found = {
            key: entry["entity_id"]
            for entry in entries
            if entry["platform"] == "aetherlens"
            for key in keys
            if entry["unique_id"].endswith(f"_{key}")
        }
        if len(found) == len(keys):
            return found
        assert time.monotonic() < deadline, f"the integration's entities: {sorted(found)}"
        await asyncio.sleep(0.5)


@pytest.mark.timeout(STATISTICS_WITHIN_S + 120)
async def test_home_assistant_energy_validator_accepts_the_gas_and_water_cost_entities(
    home_assistant: HomeAssistant,
    db_pool: asyncpg.Pool,
    pipeline: IngestPipeline,
    tariffs: TariffService,
) -> None:
    """HA's own energy/validate, in the real `hass`, on the integration's gas and water sensors.

    The integration is configured through HA's config flow against this engine; the validator
    is asked until HA's recorder has compiled the entities' first statistics (HA says
    `statistics_not_defined` until then), and then has no issue for either source.
    """
    hass = home_assistant
    await _collected(hass, db_pool, pipeline)
    state = engine_state(
        db_pool, timezone=BERLIN, currency="EUR", clock=lambda: NOW, tariff_service=tariffs
    )
    async with serve(state) as url:
        async with aiohttp.ClientSession(url, headers=AUTH) as session:
            await _save_tariffs(session, tariffs)
        await configure_integration(hass, url, TOKEN)
        keys = [f"{c}_{what}" for c in ("gas", "water") for what in ("usage_today", "cost_today")]
        entities = await _ledger_entities(hass, keys)
        sources = [
            {
                "type": commodity,
                "stat_energy_from": entities[f"{commodity}_usage_today"],
                "stat_cost": entities[f"{commodity}_cost_today"],
                "entity_energy_price": None,
                "number_energy_price": None,
            }
            for commodity in ("gas", "water")
        ]
        await hass.save_energy_prefs({**PREFS, "energy_sources": sources})
        try:
            deadline = time.monotonic() + STATISTICS_WITHIN_S
            while True:
                validation = await hass.command({"type": "energy/validate"})
                issues = [issue for source in validation["energy_sources"] for issue in source]
                waiting = all(issue["type"] == "statistics_not_defined" for issue in issues)
                if not issues or not waiting or time.monotonic() > deadline:
                    break
                await asyncio.sleep(5)
        finally:
            await hass.save_energy_prefs(PREFS)
    assert validation["energy_sources"] == [[], []]
