"""The Energy dashboard with AetherLens's cost statistics as the grid's cost, as docs/using.md says.

The demo home has two grid connections (the house's meter and the heat pump's own). Configured
through HA's Energy configuration UI (each connection's "Use an entity tracking the total costs"
and the `aetherlens:cost_*` statistic of its meter), the dashboard's grid cost for the demo week
and for today must equal the engine's `get_costs` total for the same hours, to the cent; the gas
and water sources' costs, from `aetherlens:gas_cost_*` and `aetherlens:water_cost_*`, the week's
gas and water in `get_costs`'s breakdown by commodity.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from playwright.async_api import Page

from devtools.develop import DEMO_DEVICES, DEMO_TIMEZONE, Stack
from tests.ha_ui.conftest import (
    IMPORT_WITHIN_S,
    browser_page,
    call_action,
    cost_statistics,
    deep_text,
    screenshot,
)
from tests.hass import run

ZONE = ZoneInfo(DEMO_TIMEZONE)
# Each grid connection's cost statistic, by its name: the meter's device name + "cost".
GRID_COST_NAMES = ("Demo grid cost", "Demo heat pump meter cost")
CENT = Decimal("0.01")
PERIOD = re.compile(r"([A-Z][a-z]{2}) (\d{1,2})\s*[\u2013-]\s*(?:[A-Z][a-z]{2} )?\d{1,2}")
# True once the element with the focus, through the shadow roots, is a text field.
FOCUS_IN_INPUT = """() => {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active?.tagName === 'INPUT' || active?.tagName === 'TEXTAREA';
}"""
MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


async def _grid_cost_statistics(stack: Stack) -> list[str]:
    """Return the grid connections' cost statistics (there within a minute of setup)."""
    for name in GRID_COST_NAMES:
        found = await cost_statistics(stack, name)
    return [found[name] for name in GRID_COST_NAMES]


async def _last_imported_hour(stack: Stack, statistic_id: str) -> datetime:
    """Return the end of the statistic's last hour (what the dashboard can show)."""
    now = datetime.now(UTC)
    rows = await stack.hass.command(
        {
            "type": "recorder/statistics_during_period",
            "start_time": (now - timedelta(days=2)).isoformat(),
            "statistic_ids": [statistic_id],
            "period": "hour",
            "types": ["sum"],
        }
    )
    last = rows[statistic_id][-1]["start"] / 1000  # milliseconds
    return datetime.fromtimestamp(last, UTC) + timedelta(hours=1)


async def _configure_grid_cost(
    page: Page, stack: Stack, connection: int, statistic_id: str
) -> None:
    """Settings -> Dashboards -> Energy: a grid connection's cost from its AetherLens statistic."""
    await page.goto(f"{stack.hass.url}/config/energy")
    await page.get_by_role("button", name="Edit grid connection").nth(connection).click()
    await page.get_by_text("Use an entity tracking the total costs").click()
    await page.get_by_text("Select a statistic").last.click()
    # The picker's search field takes the focus once open; typed before, keys are shortcuts
    # (the quick bar opens and takes the clicks): wait until a text field has the focus.
    await page.wait_for_function(FOCUS_IN_INPUT)
    await page.keyboard.type(statistic_id)
    await page.get_by_text(GRID_COST_NAMES[connection], exact=True).click()
    if connection == 0:
        await screenshot(page, "energy-config")
    await page.get_by_role("button", name="Save").click()
    await page.get_by_role("heading", name="Configure grid connection").wait_for(state="hidden")


def _week_start(label: str, today: date) -> datetime:
    """Return the local midnight starting the range of a period label such as 'Nov 29-Dec 5'."""
    match = PERIOD.match(label)
    assert match, label
    month, day = MONTHS[match[1]], int(match[2])
    year = today.year - 1 if month > today.month else today.year
    return datetime(year, month, day, tzinfo=ZONE)


async def _period_label(page: Page) -> str:
    """Wait for the period selector to show a range ('Nov 29-Dec 5'); return it."""
    for _ in range(30):
        match = PERIOD.search(await deep_text(page))
        if match:
            return match[0]
        await asyncio.sleep(0.5)
    raise AssertionError("the Energy dashboard shows no week: " + await deep_text(page))


def _money(text: str) -> Decimal:
    return Decimal(text.replace("€", "").replace(",", ""))


async def _grid_cost_shown(page: Page) -> Decimal:
    """Return the grid's cost in the sources table, once the range's statistics are drawn."""
    table = "hui-energy-sources-table-card"
    await page.locator(table).get_by_text("Grid total").wait_for()
    await page.wait_for_timeout(2000)  # the statistics of the new range arrive after the label
    text = await deep_text(page, table)
    match = re.search(r"Grid total [\d.,]+ kWh (€[\d.,]+)", text)
    assert match, text
    return _money(match[1])


async def _today_on_dashboard(page: Page, stack: Stack) -> tuple[datetime, Decimal]:
    """Open the Energy dashboard (it opens on today); return today's start and grid cost."""
    await page.goto(f"{stack.hass.url}/energy")
    today = datetime.now(ZONE).date()
    await page.get_by_text(f"{today:%b} {today.day}", exact=True).wait_for()
    return datetime.combine(today, time(), tzinfo=ZONE), await _grid_cost_shown(page)


async def _week_on_dashboard(page: Page, stack: Stack) -> tuple[datetime, Decimal, str, str]:
    """Open the Energy dashboard's "This week".

    Return its start, the grid cost, the sources table's and the Electricity tab's text.
    """
    await page.goto(f"{stack.hass.url}/energy")
    today = datetime.now(ZONE).date()
    await page.get_by_text(f"{today:%b} {today.day}", exact=True).click()
    await page.get_by_text("This week", exact=True).click()
    start = _week_start(await _period_label(page), today)
    shown = await _grid_cost_shown(page)
    table = await deep_text(page, "hui-energy-sources-table-card")
    await screenshot(page, "energy-dashboard")
    # With gas and water sources the dashboard opens on a summary; devices are on Electricity.
    await page.get_by_role("tab", name="Electricity").click()
    await page.get_by_text("Individual devices", exact=False).first.wait_for()
    return start, shown, table, await deep_text(page)


async def _engine_cost(stack: Stack, start: datetime, until: datetime) -> Decimal:
    """Return get_costs's household total for the hours in [START, UNTIL), to the cent."""
    costs = await call_action(
        stack,
        "aetherlens",
        "get_costs",
        # Hours: a day resolution counts the whole of every day starting in the range.
        {"start": start.isoformat(), "end": until.isoformat(), "resolution": "hour"},
    )
    return Decimal(costs["total"]["cost"]).quantize(CENT, ROUND_HALF_UP)


async def _commodity_cost_statistic(stack: Stack, commodity: str) -> str:
    """Return the commodity's cost statistic, waiting a minute after setup at most."""
    for _ in range(IMPORT_WITHIN_S):
        ids = await stack.hass.command(
            {"type": "recorder/list_statistic_ids", "statistic_type": "sum"}
        )
        for found in ids:
            if found["statistic_id"].startswith(f"aetherlens:{commodity}_cost_"):
                return str(found["statistic_id"])
        await asyncio.sleep(1)
    raise AssertionError(f"no aetherlens:{commodity}_cost_* statistic a minute in")


async def _configure_commodity_cost(page: Page, stack: Stack, commodity: str) -> None:
    """Settings -> Dashboards -> Energy -> Gas (Water): its cost from AetherLens's statistic."""
    await page.goto(f"{stack.hass.url}/config/energy")
    await page.get_by_role("tab", name=commodity.title()).click()
    await page.get_by_role("button", name="Edit").first.click()
    await page.get_by_text("Use an entity tracking the total costs").click()
    await page.get_by_text("Select a statistic").last.click()
    await page.wait_for_function(FOCUS_IN_INPUT)
    await page.keyboard.type(f"aetherlens:{commodity}_cost_")
    await page.get_by_text(f"AetherLens {commodity} cost", exact=True).click()
    await page.get_by_role("button", name="Save").click()
    heading = f"Configure {commodity} consumption"
    await page.get_by_role("heading", name=heading).wait_for(state="hidden")


async def _engine_commodities(stack: Stack, start: datetime, until: datetime) -> dict[str, Decimal]:
    """Return get_costs's cost of each commodity for the hours in [START, UNTIL), to the cent."""
    costs = await call_action(
        stack,
        "aetherlens",
        "get_costs",
        {"start": start.isoformat(), "end": until.isoformat(), "resolution": "hour"},
    )
    return {
        commodity: Decimal(part["cost"]).quantize(CENT, ROUND_HALF_UP)
        for commodity, part in costs["commodities"].items()
    }


async def _scenario(stack: Stack) -> None:
    statistic_ids = await _grid_cost_statistics(stack)
    for commodity in ("gas", "water"):
        await _commodity_cost_statistic(stack, commodity)
    async with browser_page(stack) as page:
        for connection, statistic_id in enumerate(statistic_ids):
            await _configure_grid_cost(page, stack, connection, statistic_id)
        for commodity in ("gas", "water"):
            await _configure_commodity_cost(page, stack, commodity)
        prefs = await stack.hass.command({"type": "energy/get_prefs"})
        grids = [s for s in prefs["energy_sources"] if s["type"] == "grid"]
        assert [grid["stat_cost"] for grid in grids] == statistic_ids
        assert [grid["entity_energy_price"] for grid in grids] == [None, None]
        assert [grid["number_energy_price"] for grid in grids] == [None, None]

        statistic_id = statistic_ids[0]  # the house's: every meter's hours are imported at once
        until = await _last_imported_hour(stack, statistic_id)
        day, today = await _today_on_dashboard(page, stack)
        start, shown, table, page_text = await _week_on_dashboard(page, stack)
        # An hour that completed meanwhile is imported at the next poll: read again if so.
        if await _last_imported_hour(stack, statistic_id) != until:
            until = await _last_imported_hour(stack, statistic_id)
            day, today = await _today_on_dashboard(page, stack)
            start, shown, table, page_text = await _week_on_dashboard(page, stack)

    assert shown > 0
    assert shown == await _engine_cost(stack, start, until), (start, until, shown)
    # Today: what the hours since local midnight cost.
    if until > day:
        assert today > 0
        assert today == await _engine_cost(stack, day, until), (day, until, today)
    else:  # the day's first hour is not over: nothing is imported for it yet
        assert today == 0
    # Gas and water: their cost from the commodities' statistics, the engine's to the cent.
    ledger = await _engine_commodities(stack, start, until)
    for commodity, unit in (("gas", "m³"), ("water", "L")):
        match = re.search(rf"{commodity.title()} total [\d.,]+ {unit} (€[\d.,]+)", table)
        assert match, table
        assert _money(match[1]) == ledger[commodity], (commodity, table, ledger)
    # Per-device consumption: every demo appliance is on the dashboard.
    for device in DEMO_DEVICES:
        assert f"Demo {device.replace('_', ' ')}".lower() in page_text.lower(), device


def test_energy_dashboard_week_cost_equals_get_costs(stack: Stack) -> None:
    """Grid cost from our statistic: the dashboard's week and today equal get_costs to the cent."""
    run(_scenario(stack))


async def _entry_created_at(stack: Stack) -> float:
    entries = await stack.hass.command({"type": "config_entries/get", "domain": "aetherlens"})
    return float(entries[0]["created_at"])


def _first_cost_row_written_at(stack: Stack) -> float:
    """Return when the recorder wrote the first `aetherlens:cost_*` row (read-only)."""
    database = stack.hass.config_dir / "home-assistant_v2.db"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        (first,) = db.execute(
            "SELECT min(s.created_ts) FROM statistics AS s"
            " JOIN statistics_meta AS m ON m.id = s.metadata_id"
            " WHERE m.statistic_id LIKE 'aetherlens:cost_%'"
        ).fetchone()
    assert first is not None, "no aetherlens:cost_* statistic"
    return float(first)


def test_cost_statistics_within_a_minute_of_setup(stack: Stack) -> None:
    """The stack added the integration through HA's config flow: its cost statistics were in
    HA's database within a minute (the entry's creation to the recorder's first cost row)."""
    run(cost_statistics(stack))
    delay = _first_cost_row_written_at(stack) - run(_entry_created_at(stack))
    print(f"first aetherlens:cost_* statistic {delay:.1f} s after the entry was created")  # noqa: T201
    assert 0 <= delay <= IMPORT_WITHIN_S, delay
