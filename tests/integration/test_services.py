"""The actions: `refresh`, `get_costs` and `compare_tariff`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import probatio as vol
import pytest
from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aetherlens.const import DOMAIN
from custom_components.aetherlens.services import (
    SERVICE_COMPARE_TARIFF,
    SERVICE_GET_COSTS,
    SERVICE_REFRESH,
)

from .conftest import ENGINE_INSTANCE_ID, FixtureEngine, load_fixture, setup_entry, state_of

# 28 and 29 March in Berlin (the 29th has 23 hours).
RANGE = {"start": "2026-03-28T00:00:00+01:00", "end": "2026-03-30T00:00:00+02:00"}


async def _call(hass: HomeAssistant, service: str, data: dict[str, Any]) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )
    assert response is not None
    return dict(response)


async def test_refresh_reads_the_engine_now(
    hass: HomeAssistant, init_integration: MockConfigEntry, engine: FixtureEngine
) -> None:
    """The action reads the summary at once; without an entry id it takes the only one."""
    engine.summary["household"]["cost_today"] = "3.5"
    await hass.services.async_call(DOMAIN, SERVICE_REFRESH, {}, blocking=True)
    assert state_of(hass, "sensor.aetherlens_cost_today").state == "3.50"

    engine.summary["household"]["cost_today"] = "4"
    await hass.services.async_call(
        DOMAIN, SERVICE_REFRESH, {ATTR_CONFIG_ENTRY_ID: init_integration.entry_id}, blocking=True
    )
    assert state_of(hass, "sensor.aetherlens_cost_today").state == "4.00"
    assert engine.summary_requests == 3


async def test_refresh_failure_is_reported(
    hass: HomeAssistant, init_integration: MockConfigEntry, engine: FixtureEngine
) -> None:
    """A failed refresh raises a translated error saying why."""
    engine.failure = 503
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(DOMAIN, SERVICE_REFRESH, {}, blocking=True)
    assert raised.value.translation_key == "refresh_failed"
    assert "cannot reach its database" in str(raised.value)


@pytest.mark.usefixtures("init_integration")
async def test_refresh_unknown_entry(hass: HomeAssistant) -> None:
    """An entry id that is not an AetherLens entry is a validation error."""
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN, SERVICE_REFRESH, {ATTR_CONFIG_ENTRY_ID: "nope"}, blocking=True
        )


@pytest.mark.usefixtures("init_integration")
async def test_get_costs_in_total(hass: HomeAssistant, engine: FixtureEngine) -> None:
    """The household's costs per day over the range, exact amounts, with their total."""
    response = await _call(hass, SERVICE_GET_COSTS, RANGE)
    assert engine.cost_requests == [
        {
            "start": "2026-03-27T23:00:00+00:00",
            "end": "2026-03-29T22:00:00+00:00",
            "resolution": "day",
            "group": "total",
        }
    ]
    assert response == {
        "currency": "EUR",
        "commodity": "electricity",
        "unit": "kWh",
        "resolution": "day",
        "start": "2026-03-27T23:00:00+00:00",
        "end": "2026-03-29T22:00:00+00:00",
        "total": {"cost": "2.874", "energy_kwh": 11.0, "carbon_kg": 1.75},
        "rows": [
            {
                "start": "2026-03-27T23:00:00+00:00",
                "energy_kwh": 7.0,
                "cost": "1.874",
                "carbon_kg": 1.75,
            },
            {
                "start": "2026-03-28T23:00:00+00:00",
                "energy_kwh": 4.0,
                "cost": "1",
                "carbon_kg": None,
            },
        ],
        # An engine without the ledger: electricity only, its total not asked for again.
        "commodities": {"electricity": {"cost": "2.874", "usage": 11.0, "unit": "kWh"}},
        "commodities_cost": "2.874",
        "components": [
            {
                "start": "2024-06-01",
                "end": "2024-07-01",
                "days": 30,
                "import_kwh": "48.000",
                "export_kwh": "0.000",
                "energy": [
                    {"period": "off", "tier": 1, "kwh": "24.000", "cost": "4.80"},
                    {"period": "day", "tier": 1, "kwh": "24.000", "cost": "7.20"},
                ],
                "surcharges": [],
                "demand": [],
                "fixed": [{"name": "meter", "amount": "8.00"}],
                "export_credit": "0.00",
                "carried_credit": "0.00",
                "unused_credit": "0.00",
                "minimum": "0.00",
                "taxes": [{"name": "VAT", "base": "20.00", "percent": "19", "amount": "3.80"}],
                "carbon_kg": None,
                "rounding": "0.00",
                "total": "23.80",
            }
        ],
    }
    # The bill covers the same range as the costs.
    assert engine.bill_requests == [
        {"start": "2026-03-27T23:00:00+00:00", "end": "2026-03-29T22:00:00+00:00"}
    ]


def _gas_rows(engine: FixtureEngine) -> None:
    """The ledger, and a gas meter's m³ of two days; no water is priced."""
    engine.ledger = load_fixture("ledger")
    engine.commodity_rows["gas"] = [
        {
            "start": start,
            "device_id": 9,
            "period": None,
            "energy_kwh": m3,
            "cost": cost,
            "carbon_kg": None,
        }
        for start, m3, cost in (
            ("2026-03-27T23:00:00+00:00", 2.5, "3.1254"),
            ("2026-03-28T23:00:00+00:00", 1.25, "1.5627"),
        )
    ]


async def test_get_costs_of_gas_broken_down_by_commodity(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, engine: FixtureEngine
) -> None:
    """Gas's rows and total in m³, no electricity bill; every commodity's cost summed exactly."""
    _gas_rows(engine)
    await setup_entry(hass, mock_config_entry)
    response = await _call(hass, SERVICE_GET_COSTS, {**RANGE, "commodity": "gas"})
    assert [request.get("commodity") for request in engine.cost_requests] == [
        "gas",
        "electricity",
        "water",
    ]
    assert (response["commodity"], response["unit"]) == ("gas", "m³")
    assert response["total"] == {"cost": "4.6881", "energy_kwh": 3.75, "carbon_kg": None}
    assert [row["cost"] for row in response["rows"]] == ["3.1254", "1.5627"]
    assert response["components"] is None
    assert engine.bill_requests == []
    assert response["commodities"] == {
        "electricity": {"cost": "2.874", "usage": 11.0, "unit": "kWh"},
        "gas": {"cost": "4.6881", "usage": 3.75, "unit": "m³"},
        "water": {"cost": "0", "usage": 0, "unit": "m³"},
    }
    assert Decimal(response["commodities_cost"]) == Decimal("2.874") + Decimal("4.6881")


@pytest.mark.usefixtures("init_integration")
async def test_get_costs_components_keep_demand_and_every_cycle(
    hass: HomeAssistant, engine: FixtureEngine
) -> None:
    """Every cycle of the bill is a component; a demand line keeps name, kW and cost."""
    assert engine.bill is not None
    cycle = engine.bill["cycles"][0]
    peak = {"name": "peak", "kw": "4.200", "window_start": "2024-06-03T17:00:00+00:00"}
    second = {**cycle, "start": "2024-07-01", "end": "2024-08-01", "total": "30.12"}
    second["demand"] = [{**peak, "cost": "21.00"}]
    engine.bill["cycles"].append(second)
    response = await _call(hass, SERVICE_GET_COSTS, RANGE)
    assert [(c["start"], c["total"]) for c in response["components"]] == [
        ("2024-06-01", "23.80"),
        ("2024-07-01", "30.12"),
    ]
    assert response["components"][1]["demand"] == [{"name": "peak", "kw": "4.200", "cost": "21.00"}]


@pytest.mark.usefixtures("init_integration")
async def test_get_costs_without_an_active_tariff(
    hass: HomeAssistant, engine: FixtureEngine
) -> None:
    """The engine cannot bill without a tariff: costs as usual, no components."""
    engine.bill = None
    response = await _call(hass, SERVICE_GET_COSTS, RANGE)
    assert response["components"] is None
    assert response["total"]["cost"] == "2.874"
    assert len(engine.bill_requests) == 1


async def test_get_costs_by_device_and_period(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    engine: FixtureEngine,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Rows name their device, the grid meter beyond them is the rest of the house, the total
    the household's (the grid meter counted once); a Home Assistant device narrows them to it.
    """
    response = await _call(hass, SERVICE_GET_COSTS, {**RANGE, "group": "device"})
    assert [(row["device_id"], row["device"], row["cost"]) for row in response["rows"]] == [
        (2, "Fridge", "0.125"),
        (None, "Rest of the house", "1.749"),
        (2, "Fridge", "0.234"),
        (None, "Rest of the house", "0.766"),
    ]
    assert response["total"]["cost"] == "2.874"  # the grid meter's, as group total
    assert sum(Decimal(row["cost"]) for row in response["rows"]) == Decimal("2.874")
    fridge = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"{ENGINE_INSTANCE_ID}_device_2"), init_integration.entry_id
    )
    assert fridge is not None
    response = await _call(
        hass,
        SERVICE_GET_COSTS,
        {**RANGE, "group": "period", "resolution": "hour", "device_id": fridge.id},
    )
    # The device's costs, then the household's for the breakdown by commodity.
    assert [request.get("device_id") for request in engine.cost_requests[-2:]] == ["2", None]
    assert response["commodities"]["electricity"]["cost"] == "2.874"
    assert [(row["period"], row["cost"]) for row in response["rows"]] == [
        ("off", "0.125"),
        ("peak", "0.234"),
    ]
    assert response["total"] == {"cost": "0.359", "energy_kwh": 1.25, "carbon_kg": 0.125}


@pytest.mark.usefixtures("init_integration")
async def test_get_costs_without_rows(hass: HomeAssistant) -> None:
    """A range without costs answers no rows and zero, without carbon."""
    response = await _call(
        hass,
        SERVICE_GET_COSTS,
        {"start": "2026-01-01T00:00:00+00:00", "end": "2026-01-02T00:00:00+00:00"},
    )
    assert (response["rows"], response["total"]) == (
        [],
        {"cost": "0", "energy_kwh": 0, "carbon_kg": None},
    )


@pytest.mark.usefixtures("init_integration")
async def test_get_costs_naive_times_are_local(hass: HomeAssistant, engine: FixtureEngine) -> None:
    """Times without an offset are in Home Assistant's time zone."""
    await hass.config.async_set_time_zone("Europe/Berlin")
    await _call(hass, SERVICE_GET_COSTS, {"start": "2026-03-28 00:00", "end": "2026-03-29 00:00"})
    request = engine.cost_requests[-1]
    assert (request["start"], request["end"]) == (
        "2026-03-27T23:00:00+00:00",
        "2026-03-28T23:00:00+00:00",
    )


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"start": RANGE["end"], "end": RANGE["start"]}, "invalid_range"),
        ({**RANGE, "device_id": "not-a-device"}, "not_a_metered_device"),
    ],
)
async def test_get_costs_invalid_calls(
    hass: HomeAssistant, engine: FixtureEngine, data: dict[str, str], key: str
) -> None:
    """A range ending before it starts, or a device the engine does not meter, is refused."""
    with pytest.raises(ServiceValidationError) as raised:
        await _call(hass, SERVICE_GET_COSTS, data)
    assert raised.value.translation_key == key
    assert engine.cost_requests == []


async def test_get_costs_on_the_azure_account_is_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    """A cloud account is an AetherLens device, but not a metered one."""
    azure = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"{ENGINE_INSTANCE_ID}_cloud_7"), init_integration.entry_id
    )
    assert azure is not None
    with pytest.raises(ServiceValidationError, match="not a device the AetherLens engine"):
        await _call(hass, SERVICE_GET_COSTS, {**RANGE, "device_id": azure.id})


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("status", "error", "key"),
    [
        (400, ServiceValidationError, "engine_refused"),
        (401, HomeAssistantError, "authentication_error"),
        (500, HomeAssistantError, "communication_error"),
    ],
)
async def test_get_costs_engine_failures(
    hass: HomeAssistant,
    engine: FixtureEngine,
    status: int,
    error: type[HomeAssistantError],
    key: str,
) -> None:
    """The engine's refusals are the caller's errors; its failures are ours."""
    engine.costs_failure = status
    with pytest.raises(error) as raised:
        await _call(hass, SERVICE_GET_COSTS, RANGE)
    assert raised.value.translation_key == key
    assert engine.bill_requests == []


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("status", "key"), [(401, "authentication_error"), (500, "communication_error")]
)
async def test_get_costs_bill_failures(
    hass: HomeAssistant, engine: FixtureEngine, status: int, key: str
) -> None:
    """The engine failing on the bill fails the action: its answer would be incomplete."""
    engine.bill_failure = status
    with pytest.raises(HomeAssistantError) as raised:
        await _call(hass, SERVICE_GET_COSTS, RANGE)
    assert not isinstance(raised.value, ServiceValidationError)
    assert raised.value.translation_key == key


@pytest.mark.usefixtures("init_integration")
async def test_compare_tariff(hass: HomeAssistant, engine: FixtureEngine) -> None:
    """Both bills and the difference; without a range the engine takes the last full cycle."""
    response = await _call(hass, SERVICE_COMPARE_TARIFF, {"tariff": "night-saver"})
    assert engine.compare_requests == [{"tariff": "night-saver"}]
    expected = load_fixture("compare")
    # The cycles as the engine wrote them, without the per-device lines (a bill has none).
    for side in ("current", "alternative"):
        for cycle in expected[side]["cycles"]:
            del cycle["devices"]
    assert response == {
        "currency": "EUR",
        "start": "2026-01-31T23:00:00+00:00",
        "end": "2026-02-28T23:00:00+00:00",
        "current": {
            "tariff": "dual",
            "currency": "EUR",
            "total": "78.57",
            "cycles": expected["current"]["cycles"],
        },
        "alternative": {
            "tariff": "night-saver",
            "currency": "EUR",
            "total": "76.04",
            "cycles": expected["alternative"]["cycles"],
        },
        "difference": "-2.53",
    }

    response = await _call(hass, SERVICE_COMPARE_TARIFF, {"tariff": "night-saver", **RANGE})
    assert engine.compare_requests[-1] == {
        "tariff": "night-saver",
        "start": "2026-03-27T23:00:00+00:00",
        "end": "2026-03-29T22:00:00+00:00",
    }
    assert response["start"] == "2026-03-27T23:00:00+00:00"


@pytest.mark.usefixtures("init_integration")
async def test_compare_unknown_tariff(hass: HomeAssistant) -> None:
    """A tariff the engine does not have is refused with the engine's reason."""
    with pytest.raises(ServiceValidationError, match="no tariff named 'flat'") as raised:
        await _call(hass, SERVICE_COMPARE_TARIFF, {"tariff": "flat"})
    assert raised.value.translation_key == "engine_refused"


@pytest.mark.usefixtures("init_integration")
async def test_compare_needs_both_ends(hass: HomeAssistant, engine: FixtureEngine) -> None:
    """A start without an end is invalid before the engine is asked."""
    with pytest.raises(vol.Invalid):
        await _call(hass, SERVICE_COMPARE_TARIFF, {"tariff": "dual", "start": RANGE["start"]})
    assert engine.compare_requests == []


@pytest.mark.usefixtures("init_integration")
async def test_compare_needs_a_tariff(hass: HomeAssistant, engine: FixtureEngine) -> None:
    """An empty list of tariffs is invalid before the engine is asked; one is a comparison."""
    with pytest.raises(vol.Invalid):
        await _call(hass, SERVICE_COMPARE_TARIFF, {"tariff": []})
    await _call(hass, SERVICE_COMPARE_TARIFF, {"tariff": ["night-saver"]})
    assert engine.compare_requests == [{"tariff": "night-saver"}]
