"""Each commodity's household usage and cost per hour, imported from the real engine.

The household of `tests/engine/test_api_ledger` on a real database (London, 10 November 2026,
12:30): a grid meter, a gas meter counting m³ under a tariff per kWh (calorific values per
period), a water meter under daily tiers with sewage; every commodity priced by the engine's
tariff service. At setup the statistics `aetherlens:<commodity>_cost_<engine>` must sum to the
engine's `/costs` of the commodity over the same hours to the cent, and the usage statistics
count kWh, and m³ of gas and water, as the engine does; `get_costs` of a commodity answers the
engine's figures, broken down by commodity.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import aiohttp
import asyncpg
import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.statistics import (
    list_statistic_ids,
    statistics_during_period,
)
from homeassistant.const import CONF_API_TOKEN, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from aetherlens_engine import __version__
from aetherlens_engine.api import EngineState, create_app
from aetherlens_engine.pricing.service import TariffService
from custom_components.aetherlens.const import DOMAIN
from custom_components.aetherlens.services import SERVICE_GET_COSTS
from tests.engine.test_api_ledger import LONDON, NOW, _household
from tests.engine.test_api_support import migrate
from tests.http import serve_app

from .conftest import TOKEN, setup_entry

INSTANCE_ID = "ledger-engine-0123456789abcdef"
UNTIL = datetime(2026, 11, 10, 12, tzinfo=UTC)  # the last complete hour's end at NOW
BACKFILL_START = UNTIL - timedelta(days=90)
CENT = Decimal("0.01")
UNITS = {"electricity": "kWh", "gas": "m³", "water": "m³"}


@pytest.fixture(autouse=True)
def _custom_integrations(
    recorder_db_url: str, enable_custom_integrations: None, socket_enabled: None
) -> None:
    """Prepare the recorder's database before Home Assistant starts, as the recorder needs."""


@pytest.fixture
async def engine_url(db_pool: asyncpg.Pool) -> AsyncIterator[str]:
    """Serve the engine on the ledger household, every commodity priced by its tariff."""
    await migrate(db_pool)
    await _household(db_pool)
    service = TariffService(db_pool, LONDON, clock=lambda: NOW)
    await service.start()
    for name in ("flat", "British Gas", "City water"):
        await service.activate(name)
        await service.wait_settled()
    await service.stop()
    state = EngineState(
        __version__,
        INSTANCE_ID,
        db_pool,
        token=TOKEN,
        timezone=LONDON,
        currency="GBP",
        clock=lambda: NOW,
    )
    async with serve_app(create_app(state)) as url:
        yield url


async def _engine_costs(url: str, commodity: str) -> dict[str, Decimal | float]:
    """Return the engine's household total of COMMODITY's hours in the backfill."""
    query = {
        "start": BACKFILL_START.isoformat(),
        "end": UNTIL.isoformat(),
        "resolution": "hour",
        "commodity": commodity,
    }
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with (
        aiohttp.ClientSession(headers=headers) as session,
        session.get(f"{url}/api/v1/costs", params=query) as resp,
    ):
        assert resp.status == 200, await resp.text()
        total = (await resp.json())["total"]
    return {"cost": Decimal(total["cost"]), "usage": total["energy_kwh"]}


async def _sums(hass: HomeAssistant, statistic_id: str) -> list[tuple[datetime, float]]:
    await async_wait_recording_done(hass)
    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        BACKFILL_START,
        None,
        {statistic_id},
        "hour",
        None,
        {"sum"},
    )
    return [
        (datetime.fromtimestamp(row["start"], UTC), row["sum"] or 0.0)
        for row in rows.get(statistic_id, [])
    ]


def _cents(amount: float | Decimal) -> Decimal:
    return Decimal(str(amount)).quantize(CENT, ROUND_HALF_UP)


@pytest.mark.usefixtures("recorder_mock")
async def test_each_commodity_usage_and_cost_equal_the_engines(
    hass: HomeAssistant, engine_url: str, freezer: FrozenDateTimeFactory
) -> None:
    """Electricity, gas and water: hourly usage and cost sums equal `/costs` of each."""
    freezer.move_to(NOW)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="AetherLens",
        unique_id=INSTANCE_ID,
        data={CONF_URL: engine_url, CONF_API_TOKEN: TOKEN},
    )
    await setup_entry(hass, entry)
    await hass.async_block_till_done(wait_background_tasks=True)

    engine = "ledger_engine_0123456789abcdef"
    for commodity, unit in UNITS.items():
        expected = await _engine_costs(engine_url, commodity)
        assert expected["cost"] > 0, commodity
        cost = await _sums(hass, f"{DOMAIN}:{commodity}_cost_{engine}")
        usage = await _sums(hass, f"{DOMAIN}:{commodity}_usage_{engine}")
        assert cost[-1][0] == usage[-1][0] == UNTIL - timedelta(hours=1), commodity
        assert _cents(cost[-1][1]) == _cents(expected["cost"]), commodity
        assert usage[-1][1] == pytest.approx(expected["usage"]), commodity
        ids = await get_instance(hass).async_add_executor_job(
            list_statistic_ids,
            hass,
            {f"{DOMAIN}:{commodity}_usage_{engine}", f"{DOMAIN}:{commodity}_cost_{engine}"},
        )
        assert sorted((i["name"], i["statistics_unit_of_measurement"]) for i in ids) == [
            (f"AetherLens {commodity} cost", "GBP"),
            (f"AetherLens {commodity} usage", unit),
        ]


@pytest.mark.usefixtures("recorder_mock")
async def test_get_costs_by_commodity_equals_the_engines(
    hass: HomeAssistant, engine_url: str, freezer: FrozenDateTimeFactory
) -> None:
    """get_costs of gas is the engine's; its breakdown has every commodity, summed exactly."""
    freezer.move_to(NOW)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="AetherLens",
        unique_id=INSTANCE_ID,
        data={CONF_URL: engine_url, CONF_API_TOKEN: TOKEN},
    )
    await setup_entry(hass, entry)
    response = await hass.services.async_call(
        DOMAIN,
        SERVICE_GET_COSTS,
        {
            "start": BACKFILL_START.isoformat(),
            "end": UNTIL.isoformat(),
            "resolution": "hour",
            "commodity": "gas",
        },
        blocking=True,
        return_response=True,
    )
    assert response is not None
    expected = {commodity: await _engine_costs(engine_url, commodity) for commodity in UNITS}
    assert (response["commodity"], response["unit"], response["components"]) == ("gas", "m³", None)
    total = response["total"]
    assert isinstance(total, dict)
    assert Decimal(str(total["cost"])) == expected["gas"]["cost"]
    breakdown = response["commodities"]
    assert isinstance(breakdown, dict)
    for commodity, unit in UNITS.items():
        part = breakdown[commodity]
        assert isinstance(part, dict)
        assert (Decimal(str(part["cost"])), part["unit"]) == (expected[commodity]["cost"], unit)
    assert Decimal(str(response["commodities_cost"])) == sum(
        (Decimal(expected[c]["cost"]) for c in UNITS), Decimal(0)
    )
