"""Developer tools -> Actions: our actions run from HA's UI, their responses and errors shown.

The action is written in the page's YAML mode as a user would type it; the response card must
show the engine's figures (read over the API for comparison), a reversed range the translated
validation error.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import yaml
from playwright.async_api import Page

from devtools.develop import Stack
from tests.ha_ui.conftest import browser_page, call_action, deep_text, screenshot
from tests.hass import run

DEMO_TARIFF = "Demo TOU"  # devtools/demo/tariff.yaml
DEMO_ZONE = ZoneInfo("Europe/Berlin")  # the demo home's (devtools.develop.DEMO_TIMEZONE)


async def _perform(page: Page, yaml_text: str) -> str:
    """Type YAML_TEXT into the action editor, perform it; return the page's text after."""
    editor = page.locator("ha-code-editor .cm-content").first
    await editor.click()
    await page.keyboard.press("Control+A")
    await page.keyboard.press("Delete")
    await page.keyboard.insert_text(yaml_text)
    await page.get_by_role("button", name="Perform action").click()
    await page.wait_for_timeout(2500)
    return await deep_text(page)


async def _scenario(stack: Stack) -> None:
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=2)
    expected = await call_action(
        stack,
        "aetherlens",
        "get_costs",
        {"start": start.isoformat(), "end": end.isoformat(), "resolution": "hour"},
    )
    async with browser_page(stack) as page:
        await page.goto(f"{stack.hass.url}/developer-tools/action")
        await page.get_by_text("YAML mode", exact=True).click()

        text = await _perform(
            page,
            "action: aetherlens.get_costs\n"
            f"data:\n  start: '{start.isoformat()}'\n  end: '{end.isoformat()}'\n"
            "  resolution: hour\n",
        )
        # The engine's exact amount, as the response card shows it.
        assert f"'{expected['total']['cost']}'" in text, text
        await screenshot(page, "action-get-costs")

        # By device, the rows are the household's parts and the rest of the house: they add up
        # to the household's total (the meters of both grid connections, the house's and the
        # heat pump's, which hold them all, counted once).
        # Whole local days of the demo home (a day counts where it starts).
        today = datetime.now(DEMO_ZONE).date()
        first, last = (
            datetime.combine(day, time(), tzinfo=DEMO_ZONE).isoformat()
            for day in (today - timedelta(days=2), today)
        )
        span = {"start": first, "end": last}
        household = await call_action(stack, "aetherlens", "get_costs", span)
        by_device = await call_action(
            stack, "aetherlens", "get_costs", {**span, "resolution": "day", "group": "device"}
        )
        rows = by_device["rows"]
        assert sum(Decimal(row["cost"]) for row in rows) == Decimal(by_device["total"]["cost"])
        assert Decimal(by_device["total"]["cost"]) == Decimal(household["total"]["cost"])
        text = await _perform(
            page,
            "action: aetherlens.get_costs\n"
            f"data:\n  start: '{first}'\n  end: '{last}'\n"
            "  resolution: day\n  group: device\n",
        )
        assert f"'{by_device['total']['cost']}'" in text, text
        # The response editor draws only the lines in view (the rows are followed by the bill's
        # cycles): the whole response is its document, which a user scrolls through.
        response = await page.locator("ha-code-editor").last.evaluate("(editor) => editor.value")
        shown = yaml.safe_load(response)
        assert shown["total"] == by_device["total"], response
        assert shown["rows"] == rows, response
        assert "Rest of the house" in {row["device"] for row in rows}, rows
        await screenshot(page, "action-get-costs-by-device")

        text = await _perform(
            page, f"action: aetherlens.compare_tariff\ndata:\n  tariff: {DEMO_TARIFF}\n"
        )
        assert "difference" in text, text
        assert "alternative" in text, text
        await screenshot(page, "action-compare-tariff")

        text = await _perform(
            page,
            "action: aetherlens.get_costs\n"
            f"data:\n  start: '{end.isoformat()}'\n  end: '{start.isoformat()}'\n",
        )
        assert "The range must end after it starts" in text, text
        await screenshot(page, "action-bad-range")


def test_actions_from_developer_tools(stack: Stack) -> None:
    """get_costs and compare_tariff answer in the UI; a reversed range is a translated error."""
    run(_scenario(stack))
