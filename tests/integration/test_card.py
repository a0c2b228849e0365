"""The bill card: its module served and loaded by HA's frontend, and the `aetherlens/bill` command.

The command's figures are checked against the fixture engine here and against the real engine's
bill on a real database (`test_bill_of_the_real_engine`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from homeassistant.components import onboarding
from homeassistant.components.onboarding.const import STEPS
from homeassistant.const import CONF_API_TOKEN, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from aetherlens_engine import __version__
from aetherlens_engine.api import EngineState, create_app
from aetherlens_engine.pricing.store.tariffs import save_tariff, set_active_tariff
from custom_components.aetherlens.card import CARD_FILE, FRONTEND_DIR, module_url
from custom_components.aetherlens.const import DOMAIN
from tests.engine.test_api_support import add_device, migrate
from tests.http import serve_app

from .conftest import TOKEN, FixtureEngine, load_fixture, setup_entry

BILL_LINES = load_fixture("bill")["cycles"][0]


async def test_module_served_and_loaded_by_the_frontend(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, hass_storage: dict[str, Any]
) -> None:
    """HA's own page loads the card's module (no resource to add); the URL serves the file."""
    # An onboarded instance: HA's page, not the onboarding one.
    hass_storage[onboarding.STORAGE_KEY] = {
        "version": onboarding.STORAGE_VERSION,
        "key": onboarding.STORAGE_KEY,
        "data": {"done": list(STEPS)},
    }
    assert await async_setup_component(hass, DOMAIN, {})
    client = await hass_client()
    url = await hass.async_add_executor_job(module_url)

    index = await client.get("/")
    assert index.status == 200
    assert f'"{url}"' in await index.text()  # among the page's extra modules

    module = await client.get(url)
    assert module.status == 200
    assert module.content_type == "text/javascript"
    source = (FRONTEND_DIR / CARD_FILE).read_bytes()
    assert await module.read() == source


def test_module_url_changes_with_the_file(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Browsers cache the module for long: a changed file gets a new URL."""
    (tmp_path / CARD_FILE).write_text("one")
    monkeypatch.setattr("custom_components.aetherlens.card.FRONTEND_DIR", tmp_path)
    first = module_url()
    (tmp_path / CARD_FILE).write_text("two")
    assert module_url() != first


async def test_bill_of_the_current_cycle(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    engine: FixtureEngine,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """The engine's current cycle up to the summary's hour (as its cost so far), projection."""
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "aetherlens/bill"})
    answer = await client.receive_json()
    assert answer["success"], answer
    result = answer["result"]
    # The summary's time is 10:30 UTC: the complete hours before 10:00; start: the engine's.
    assert engine.bill_requests == [{"end": "2026-03-29T10:00:00+00:00"}]
    assert result == {
        "title": "AetherLens",
        "tariff": "day-night",
        "currency": "EUR",
        "until": "2026-03-29T10:00:00+00:00",
        **{key: value for key, value in BILL_LINES.items() if key != "devices"},
        "projected_total": "71.5",
    }


async def _bill_error(hass: HomeAssistant, ws: WebSocketGenerator, **message: str) -> Any:
    client = await ws(hass)
    await client.send_json_auto_id({"type": "aetherlens/bill", **message})
    answer = await client.receive_json()
    assert not answer["success"], answer
    return answer["error"]


@pytest.mark.parametrize(
    ("failure", "code"),
    [(409, "failure"), (503, "engine_unreachable"), (500, "engine_error")],
)
async def test_engine_refusal_is_the_commands_error(  # noqa: PLR0917 - pytest's fixtures
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    engine: FixtureEngine,
    hass_ws_client: WebSocketGenerator,
    failure: int,
    code: str,
) -> None:
    """What the engine refuses (no tariff, nothing recorded) or cannot answer is shown as such."""
    engine.bill_failure = failure
    assert (await _bill_error(hass, hass_ws_client))["code"] == code


async def test_without_an_active_tariff(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    engine: FixtureEngine,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """The engine's own message reaches the card."""
    engine.bill = None
    error = await _bill_error(hass, hass_ws_client)
    assert error == {"code": "no_active_tariff", "message": "no tariff is active"}


async def test_which_entry(
    hass: HomeAssistant,
    engine_url: str,
    closed_url: str,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """Without an entry the card names what to do; with several it must name one."""
    assert await async_setup_component(hass, DOMAIN, {})
    error = await _bill_error(hass, hass_ws_client)
    assert error == {"code": "not_found", "message": "no AetherLens entry is loaded"}

    first = MockConfigEntry(
        domain=DOMAIN, unique_id="one", data={CONF_URL: engine_url, CONF_API_TOKEN: TOKEN}
    )
    second = MockConfigEntry(
        domain=DOMAIN, unique_id="two", data={CONF_URL: engine_url, CONF_API_TOKEN: TOKEN}
    )
    await setup_entry(hass, first)
    await setup_entry(hass, second)
    error = await _bill_error(hass, hass_ws_client)
    assert "several AetherLens engines" in error["message"]

    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "aetherlens/bill", "config_entry_id": first.entry_id})
    assert (await client.receive_json())["success"]

    await hass.config_entries.async_unload(second.entry_id)
    error = await _bill_error(hass, hass_ws_client, config_entry_id=second.entry_id)
    assert error["message"] == f"the AetherLens entry {second.title} is not loaded"
    error = await _bill_error(hass, hass_ws_client, config_entry_id="nope")
    assert error["message"] == "there is no AetherLens entry nope"
    unreachable = MockConfigEntry(
        domain=DOMAIN, unique_id="three", data={CONF_URL: closed_url, CONF_API_TOKEN: TOKEN}
    )
    unreachable.add_to_hass(hass)
    await hass.config_entries.async_setup(unreachable.entry_id)
    error = await _bill_error(hass, hass_ws_client, config_entry_id=unreachable.entry_id)
    assert error["code"] == "not_found"


HOUR = timedelta(hours=1)
# 05:30 on 16 June: the cycle (1 June) so far is 15 days and the hours 00:00-04:00 of the 16th.
NOW = datetime(2024, 6, 16, 5, 30, tzinfo=UTC)
TIME_OF_USE: dict[str, Any] = {
    "name": "day-night",
    "currency": "EUR",
    "timezone": "UTC",
    "energy": {
        "periods": [
            {"name": "off", "end": "08:00", "price": "0.20"},
            {"name": "day", "start": "08:00", "end": "20:00", "price": "0.30"},
            {"name": "off", "start": "20:00", "price": "0.20"},
        ]
    },
    "surcharges": [{"name": "levy", "per_kwh": "0.015"}],
    "fixed": [{"name": "meter", "amount": "8"}],
    "taxes": [{"name": "VAT", "percent": 19}],
}


@pytest.fixture
async def billing_engine_url(db_pool: asyncpg.Pool) -> AsyncIterator[str]:
    """The real engine API on a database whose grid meter used 1 kWh every hour since 1 June."""
    await migrate(db_pool)
    grid = await add_device(db_pool, "grid", "grid", "kWh")
    first = datetime(2024, 6, 1, tzinfo=UTC)
    await db_pool.executemany(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, 1, 60)",
        [(grid, first + n * HOUR) for n in range(int((NOW - first) / HOUR) + 1)],
    )
    async with db_pool.acquire() as conn:
        await save_tariff(conn, TIME_OF_USE, datetime(2024, 1, 1, tzinfo=UTC))
        await set_active_tariff(conn, TIME_OF_USE["name"])
    state = EngineState(
        __version__,
        "bill-card-engine",
        db_pool,
        token=TOKEN,
        timezone=ZoneInfo("UTC"),
        clock=lambda: NOW,
    )
    async with serve_app(create_app(state)) as url:
        yield url


async def test_bill_of_the_real_engine(
    hass: HomeAssistant, billing_engine_url: str, hass_ws_client: WebSocketGenerator
) -> None:
    """The card's lines are the real engine's bill of the cycle so far, to the cent.

    Hours before 05:00: 15 days x 12 day hours = 180 kWh x 0.30 = 54.00, 15 x 12 + 5 off hours
    = 185 kWh x 0.20 = 37.00; levy 365 kWh x 0.015 = 5.475 -> 5.48; meter 8.00; VAT 19 % of
    104.475 = 19.85025 -> 19.85; total 124.32525 -> 124.33. Also the summary's cost so far.
    """
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="AetherLens",
        unique_id="bill-card-engine",
        data={CONF_URL: billing_engine_url, CONF_API_TOKEN: TOKEN},
    )
    await setup_entry(hass, entry)
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "aetherlens/bill"})
    answer = await client.receive_json()
    assert answer["success"], answer
    bill = answer["result"]
    assert (bill["start"], bill["end"], bill["until"]) == (
        "2024-06-01",
        "2024-07-01",
        "2024-06-16T05:00:00+00:00",
    )
    assert sorted((e["period"], e["kwh"], e["cost"]) for e in bill["energy"]) == [
        ("day", "180.000", "54.00"),
        ("off", "185.000", "37.00"),
    ]
    assert bill["surcharges"] == [
        {"name": "levy", "kwh": "365.000", "per_kwh": "0.015", "amount": "5.48"}
    ]
    assert bill["fixed"] == [{"name": "meter", "amount": "8.00"}]
    assert bill["taxes"] == [{"name": "VAT", "base": "104.48", "percent": "19", "amount": "19.85"}]
    assert (bill["demand"], bill["minimum"], bill["export_credit"]) == ([], "0.00", "0.00")
    assert (bill["rounding"], bill["total"]) == ("0.00", "124.33")
    summary = entry.runtime_data.coordinator.data.billing_cycle
    assert summary.cost_so_far is not None
    assert f"{summary.cost_so_far:.2f}" == bill["total"]
    assert bill["projected_total"] == str(summary.projected_total)
