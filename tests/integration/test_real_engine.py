"""The integration against the real engine API on a real, migrated database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_API_TOKEN, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from aetherlens_engine import __version__
from aetherlens_engine.api import EngineState, create_app
from aetherlens_engine.pricing.store.costs import write_costs, write_daily
from aetherlens_engine.pricing.store.tariffs import save_tariff, set_active_tariff
from custom_components.aetherlens.const import (
    CONF_NOTIFY_PERSISTENT,
    CONF_STATEMENT_THRESHOLD,
    DOMAIN,
    EVENT_BUDGET_EXCEEDED,
    EVENT_BUDGET_THRESHOLD,
)
from custom_components.aetherlens.notifications import notification_id
from custom_components.aetherlens.services import (
    SERVICE_COMPARE_TARIFF,
    SERVICE_GET_COSTS,
    SERVICE_RECORD_STATEMENT,
)
from tests.engine.test_api_support import add_device, migrate
from tests.http import serve_app
from tests.tariff_samples import DAY_NIGHT

from .conftest import TOKEN, Notifications, next_update, setup_entry, state_of

INSTANCE_ID = "real-engine-0123456789abcdef"
# 12:30 in Berlin on the day clocks go forward: the local day began at 23:00 UTC the day before.
NOW = datetime(2026, 3, 29, 10, 30, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
async def real_engine_url(db_pool: asyncpg.Pool) -> AsyncIterator[str]:
    """Serve the engine's API on a migrated database holding a grid meter, a fridge and costs."""
    await migrate(db_pool)
    grid = await add_device(db_pool, "grid", "grid", "kWh")
    fridge = await add_device(db_pool, "fridge")
    tariff = await db_pool.fetchval(
        "INSERT INTO tariffs (name, version, definition, valid_from)"
        " VALUES ('flat', 1, '{}', '2026-01-01Z') RETURNING id"
    )
    for device, hour, kwh in (
        (grid, datetime(2026, 3, 29, 5, tzinfo=UTC), 2.0),
        (grid, datetime(2026, 3, 28, 23, tzinfo=UTC), 1.0),
        (fridge, datetime(2026, 3, 29, 5, tzinfo=UTC), 0.5),  # inside the grid's 2
    ):
        await db_pool.execute(
            "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples)"
            " VALUES ($1, $2, $3, 60)",
            device,
            hour,
            kwh,
        )
    # Each hour's rate, as the pricing writes it: costs are each device's kWh at its hour's rate.
    for hour, price in (
        (datetime(2026, 3, 29, 5, tzinfo=UTC), "0.25"),
        (datetime(2026, 3, 28, 23, tzinfo=UTC), "0.3"),
    ):
        await db_pool.execute(
            "INSERT INTO cost_rates (hour, tariff_id, currency, price) VALUES ($1, $2, 'EUR', $3)",
            hour,
            tariff,
            Decimal(price),
        )
    # And the days' sums from them, as the pricing writes them after the rates (the summary's).
    async with db_pool.acquire() as conn:
        await write_daily(
            conn,
            datetime(2026, 3, 28, 23, tzinfo=UTC),
            datetime(2026, 3, 29, 6, tzinfo=UTC),
            BERLIN,
        )
    state = EngineState(
        __version__, INSTANCE_ID, db_pool, token=TOKEN, timezone=BERLIN, clock=lambda: NOW
    )
    async with serve_app(create_app(state)) as url:
        yield url


async def test_setup_through_the_flow_against_the_real_engine(
    hass: HomeAssistant, real_engine_url: str
) -> None:
    """The user flow checks URL and token on the real engine; the entry then shows its figures."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: real_engine_url, CONF_API_TOKEN: "not-the-token"}
    )
    assert result["errors"] == {CONF_API_TOKEN: "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: real_engine_url, CONF_API_TOKEN: TOKEN}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.unique_id == INSTANCE_ID
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    states = {
        entity_id: state_of(hass, entity_id).state
        for entity_id in (
            "sensor.aetherlens_cost_today",
            "sensor.aetherlens_energy_today",
            "sensor.aetherlens_current_price",
            "sensor.grid_cost_today",
            "sensor.grid_energy_today",
            "sensor.fridge_cost_today",
            "sensor.fridge_energy_today",
        )
    }
    # The grid meter is the household; the fridge is a sub-meter of it.
    assert states == {
        "sensor.aetherlens_cost_today": "0.80",
        "sensor.aetherlens_energy_today": "3.0",
        "sensor.aetherlens_current_price": "unknown",
        "sensor.grid_cost_today": "0.80",
        "sensor.grid_energy_today": "3.0",
        "sensor.fridge_cost_today": "0.13",  # to the cent; 0.125 in its attributes
        "sensor.fridge_energy_today": "0.5",
    }
    last_reset = state_of(hass, "sensor.aetherlens_cost_today").attributes["last_reset"]
    assert last_reset == "2026-03-29T00:00:00+01:00"


async def test_get_costs_from_the_real_engine(hass: HomeAssistant, real_engine_url: str) -> None:
    """The action reads the real engine's hourly costs by device and names them; the rows and
    their total add up to the household (the grid meter counted once, not beside the fridge).

    No tariff is active (the rates were written by hand): the engine bills nothing.
    """
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="AetherLens",
        unique_id=INSTANCE_ID,
        data={CONF_URL: real_engine_url, CONF_API_TOKEN: TOKEN},
    )
    await setup_entry(hass, entry)
    response = await hass.services.async_call(
        DOMAIN,
        SERVICE_GET_COSTS,
        {
            "start": "2026-03-28T23:00:00+00:00",
            "end": "2026-03-29T10:00:00+00:00",
            "resolution": "hour",
            "group": "device",
        },
        blocking=True,
        return_response=True,
    )
    assert response is not None
    answer: dict[str, Any] = dict(response)
    rows = [(row["start"], row["device"], row["cost"]) for row in answer["rows"]]
    assert rows == [
        ("2026-03-28T23:00:00+00:00", "Rest of the house", "0.3"),
        ("2026-03-29T05:00:00+00:00", "fridge", "0.125"),
        ("2026-03-29T05:00:00+00:00", "Rest of the house", "0.375"),
    ]
    assert answer["total"] == {"cost": "0.8", "energy_kwh": 3.0, "carbon_kg": None}  # the grid's
    assert answer["components"] is None


TIME_OF_USE: dict[str, Any] = {
    **DAY_NIGHT,
}
CHEAP: dict[str, Any] = {**TIME_OF_USE, "name": "cheap", "energy": {"price": "0.08"}}
# 1 kWh in each of the 11 hours from local midnight to 11:00 (clocks went forward at 02:00):
# 7 "off" hours and 4 "day" hours.
USAGE_HOURS = [datetime(2026, 3, 28, 23, tzinfo=UTC) + n * timedelta(hours=1) for n in range(11)]


@pytest.fixture
async def priced_engine_url(db_pool: asyncpg.Pool) -> AsyncIterator[str]:
    """Serve the engine with an active time-of-use tariff that priced the grid meter's day."""
    await migrate(db_pool)
    grid = await add_device(db_pool, "grid", "grid", "kWh")
    await db_pool.executemany(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, 1, 60)",
        [(grid, hour) for hour in USAGE_HOURS],
    )
    async with db_pool.acquire() as conn:
        stored = await save_tariff(conn, TIME_OF_USE, datetime(2026, 1, 1, tzinfo=UTC))
        await save_tariff(conn, CHEAP, datetime(2026, 1, 1, tzinfo=UTC))
        await set_active_tariff(conn, TIME_OF_USE["name"])
        await write_costs(
            conn, stored, USAGE_HOURS[0], USAGE_HOURS[-1] + timedelta(hours=1), day_zone=BERLIN
        )
    state = EngineState(
        __version__, INSTANCE_ID, db_pool, token=TOKEN, timezone=BERLIN, clock=lambda: NOW
    )
    async with serve_app(create_app(state)) as url:
        yield url


async def test_tariff_figures_and_comparison_from_the_real_engine(
    hass: HomeAssistant, priced_engine_url: str
) -> None:
    """The real engine's price, period names, next change and cycle; a comparison of tariffs."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="AetherLens",
        unique_id=INSTANCE_ID,
        data={CONF_URL: priced_engine_url, CONF_API_TOKEN: TOKEN},
    )
    await setup_entry(hass, entry)
    period = state_of(hass, "sensor.aetherlens_time_of_use_period")
    assert (period.state, period.attributes["options"]) == ("day", ["day", "off"])
    assert state_of(hass, "binary_sensor.aetherlens_peak_period_active").state == "off"
    assert state_of(hass, "sensor.aetherlens_current_price").state == "0.3000"
    # 20:00 in Berlin, summer time.
    assert state_of(hass, "sensor.aetherlens_next_price_change").state == (
        "2026-03-29T18:00:00+00:00"
    )
    assert state_of(hass, "sensor.aetherlens_cost_today").state == "2.60"
    assert state_of(hass, "sensor.aetherlens_cost_this_billing_cycle").state == "2.60"
    cycle = state_of(hass, "sensor.aetherlens_cost_this_billing_cycle")
    assert cycle.attributes["last_reset"] == "2026-03-01T00:00:00+01:00"

    response = await hass.services.async_call(
        DOMAIN,
        SERVICE_COMPARE_TARIFF,
        {"tariff": "cheap", "start": USAGE_HOURS[0].isoformat(), "end": NOW.isoformat()},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    answer: dict[str, Any] = dict(response)
    assert (answer["current"]["tariff"], answer["current"]["total"]) == ("day-night", "2.60")
    assert (answer["alternative"]["tariff"], answer["alternative"]["total"]) == ("cheap", "0.88")
    assert answer["difference"] == "-1.72"

    # The same day's bill components: 7 "off" kWh x 0.20 and 4 "day" kWh x 0.30, one cycle.
    response = await hass.services.async_call(
        DOMAIN,
        SERVICE_GET_COSTS,
        {"start": USAGE_HOURS[0].isoformat(), "end": NOW.isoformat()},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    costs: dict[str, Any] = dict(response)
    assert costs["total"]["cost"] == "2.6"
    [cycle] = costs["components"]
    assert (cycle["start"], cycle["end"], cycle["total"]) == ("2026-03-01", "2026-04-01", "2.60")
    assert sorted((e["period"], e["kwh"], e["cost"]) for e in cycle["energy"]) == [
        ("day", "4.000", "1.20"),
        ("off", "7.000", "1.40"),
    ]
    assert (cycle["fixed"], cycle["demand"], cycle["taxes"]) == ([], [], [])


async def test_ranking_of_several_tariffs_from_the_real_engine(
    hass: HomeAssistant, priced_engine_url: str, db_pool: asyncpg.Pool
) -> None:
    """Several tariffs: the real engine's ranking, the active tariff's bill among them.

    11 kWh: cheap 11 x 0.08 = 0.88, day-night (active) 2.60, dear 11 x 0.50 = 5.50.
    """
    async with db_pool.acquire() as conn:
        dear = {**CHEAP, "name": "dear", "energy": {"price": "0.50"}}
        await save_tariff(conn, dear, datetime(2026, 1, 1, tzinfo=UTC))
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="AetherLens",
        unique_id=INSTANCE_ID,
        data={CONF_URL: priced_engine_url, CONF_API_TOKEN: TOKEN},
    )
    await setup_entry(hass, entry)
    response = await hass.services.async_call(
        DOMAIN,
        SERVICE_COMPARE_TARIFF,
        {"tariff": ["dear", "cheap"], "start": USAGE_HOURS[0].isoformat(), "end": NOW.isoformat()},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    answer: dict[str, Any] = dict(response)
    assert (answer["currency"], answer["start"]) == ("EUR", USAGE_HOURS[0].isoformat())
    ranked = [
        (b["rank"], b["source"], b["reference"], b["bill"]["total"], b["difference"])
        for b in answer["bills"]
    ]
    assert ranked == [
        (1, "cheap", False, "0.88", "-1.72"),
        (2, "day-night", True, "2.60", "0.00"),
        (3, "dear", False, "5.50", "2.90"),
    ]
    [cycle] = answer["bills"][0]["bill"]["cycles"]
    assert cycle["energy"] == [{"period": "energy", "tier": 1, "kwh": "11.000", "cost": "0.88"}]


# Today the household has cost 0.80: 80 % of its amount.
TODAY_BUDGET = {"name": "Today", "scope": "household", "period": "day", "amount": "1",
                "thresholds": [50, 100]}  # fmt: skip


async def _post_budget(session: aiohttp.ClientSession, budget: dict[str, Any]) -> int:
    """Make BUDGET in the engine; return its id."""
    async with session.post("/api/v1/budgets", json=budget) as resp:
        assert resp.status == 201
        return int((await resp.json())["id"])


async def test_budgets_changed_through_the_api_are_followed(
    hass: HomeAssistant, real_engine_url: str, freezer: FrozenDateTimeFactory
) -> None:
    """A budget made in the real engine gets its entities at the next update; a change to it
    (its amount, thresholds) shows and fires its events; once deleted its entities are gone.
    """
    thresholds = async_capture_events(hass, EVENT_BUDGET_THRESHOLD)
    exceeded = async_capture_events(hass, EVENT_BUDGET_EXCEEDED)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="AetherLens",
        unique_id=INSTANCE_ID,
        data={CONF_URL: real_engine_url, CONF_API_TOKEN: TOKEN},
    )
    await setup_entry(hass, entry)
    spent, over = "sensor.aetherlens_budget_today", "binary_sensor.aetherlens_over_budget_today"
    assert hass.states.get(spent) is None
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession(real_engine_url, headers=headers) as session:
        budget = dict(TODAY_BUDGET)
        budget_id = await _post_budget(session, budget)
        await next_update(hass, freezer)
        state = state_of(hass, spent)
        assert (state.state, state.attributes["amount"]) == ("0.80", "1")
        assert state.attributes["threshold_reached"] == 50
        assert state_of(hass, over).state == "off"

        budget |= {"amount": "0.75", "thresholds": [50, 90, 100]}
        async with session.put(f"/api/v1/budgets/{budget_id}", json=budget) as resp:
            assert resp.status == 200
        await next_update(hass, freezer)
        state = state_of(hass, spent)
        assert (state.attributes["amount"], state.attributes["thresholds"]) == (
            "0.75",
            [50, 90, 100],
        )
        assert state_of(hass, over).state == "on"
        assert [event.data["threshold"] for event in thresholds] == [100]
        assert [event.data["spent"] for event in exceeded] == ["0.8"]

        async with session.delete(f"/api/v1/budgets/{budget_id}") as resp:
            assert resp.status == 204
        await next_update(hass, freezer)
    assert state_of(hass, spent).state == "unavailable"
    assert state_of(hass, over).state == "unavailable"


async def test_budget_notifications_follow_the_real_engine(
    hass: HomeAssistant, real_engine_url: str, freezer: FrozenDateTimeFactory
) -> None:
    """A budget made in the real engine is told at its threshold, once; its amount lowered in the
    engine tells the next; deleted, its notification goes."""
    notifications = Notifications(hass)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="AetherLens",
        unique_id=INSTANCE_ID,
        data={CONF_URL: real_engine_url, CONF_API_TOKEN: TOKEN},
        options={CONF_NOTIFY_PERSISTENT: True},
    )
    await setup_entry(hass, entry)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession(real_engine_url, headers=headers) as session:
        budget = dict(TODAY_BUDGET)
        budget_id = await _post_budget(session, budget)
        key = notification_id(entry, budget_id)
        await next_update(hass, freezer)
        await next_update(hass, freezer)
        assert notifications.current == {
            key: {
                "title": "Budget Today: 50 % reached",
                "message": "Today has spent 0.80 EUR today: 50 % of its 1.00 EUR.",
            }
        }
        lowered = budget | {"amount": "0.75"}
        async with session.put(f"/api/v1/budgets/{budget_id}", json=lowered) as resp:
            assert resp.status == 200
        await next_update(hass, freezer)
        assert notifications.current[key]["title"] == "Budget Today: 100 % reached"
        async with session.delete(f"/api/v1/budgets/{budget_id}") as resp:
            assert resp.status == 204
        await next_update(hass, freezer)
    assert notifications.changes == [("added", key), ("updated", key), ("removed", key)]


async def test_statement_off_the_bill_raises_an_issue_until_within_threshold(
    hass: HomeAssistant, priced_engine_url: str
) -> None:
    """March recorded for 11 hours (2.60 under day-night): a 50.00 statement is 47.40 off."""
    async with (
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as session,
        session.post(
            f"{priced_engine_url}/api/v1/statements",
            json={"start": "2026-03-01", "end": "2026-04-01", "total": "50.00"},
        ) as resp,
    ):
        assert resp.status == 201, await resp.text()
        statement_id = (await resp.json())["id"]
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="AetherLens",
        unique_id=INSTANCE_ID,
        data={CONF_URL: priced_engine_url, CONF_API_TOKEN: TOKEN},
    )
    await setup_entry(hass, entry)
    issues = ir.async_get(hass)
    issue_id = f"statement_residual_{entry.entry_id}_{statement_id}"
    issue = issues.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert (issue.translation_key, issue.severity) == (
        "statement_residual",
        ir.IssueSeverity.WARNING,
    )
    assert issue.translation_placeholders == {
        "title": "AetherLens",
        "start": "2026-03-01",
        "end": "2026-04-01",
        "residual": "47.4",
        "currency": "EUR",
        "threshold": "1.0",
        # 31 days less the hour skipped on 29 March: 743 hours, 11 of them recorded.
        "causes": "732 of the cycle's 743 hours have no household energy recorded",
    }
    hass.config_entries.async_update_entry(entry, options={CONF_STATEMENT_THRESHOLD: 50.0})
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert issues.async_get_issue(DOMAIN, issue_id) is None


async def test_record_statement_action_matches_it_and_raises_its_issue(
    hass: HomeAssistant, priced_engine_url: str
) -> None:
    """The action records March (50.00, 2.60 billed by the engine) in the real engine, answers
    its match and raises its repair issue at once; a bad line is refused with the engine's reason.
    """
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="AetherLens",
        unique_id=INSTANCE_ID,
        data={CONF_URL: priced_engine_url, CONF_API_TOKEN: TOKEN},
    )
    await setup_entry(hass, entry)
    statement = {
        "start": "2026-03-01",
        "end": "2026-04-01",
        "total": 50.0,
        "lines": [{"kind": "standing", "name": "standing charge", "amount": 0}],
    }
    response = await hass.services.async_call(
        DOMAIN, SERVICE_RECORD_STATEMENT, statement, blocking=True, return_response=True
    )
    assert response is not None
    assert (response["start"], response["end"], response["currency"]) == (
        "2026-03-01",
        "2026-04-01",
        "EUR",
    )
    assert (response["residual"], response["over_threshold"], response["error"]) == (
        "47.4",
        True,
        None,
    )
    assert response["causes"] == ["732 of the cycle's 743 hours have no household energy recorded"]
    issue_id = f"statement_residual_{entry.entry_id}_{response['id']}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None

    bad = {**statement, "lines": [{"kind": "bogus", "name": "x", "amount": "1"}]}
    with pytest.raises(ServiceValidationError, match=r"lines\[0\]\.kind"):
        await hass.services.async_call(DOMAIN, SERVICE_RECORD_STATEMENT, bad, blocking=True)
