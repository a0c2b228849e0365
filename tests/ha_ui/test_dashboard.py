"""The example dashboard of docs/using.md, loaded in storage mode as a user pastes it, renders.

The YAML is read from docs/using.md (the block under "## Example dashboard"), its `ENGINE`
placeholder replaced by the demo engine's statistic prefix, and saved as a new dashboard through
HA's lovelace API; the page must show every card's title and no card error.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from devtools.develop import Stack
from tests.ha_ui.conftest import REPO, browser_page, cost_statistics, deep_text, screenshot
from tests.hass import run


def example_dashboard() -> str:
    """Return the example dashboard YAML of docs/using.md."""
    page = (REPO / "docs" / "using.md").read_text()
    match = re.search(
        r"^## Example dashboard$.*?^```yaml\n(.*?)^```", page, re.DOTALL | re.MULTILINE
    )
    assert match, "docs/using.md has no example dashboard"
    return match[1]


async def _engine_prefix(stack: Stack) -> str:
    """Return the ENGINE of `aetherlens:cost_ENGINE_<device>`."""
    statistic_id = next(iter((await cost_statistics(stack)).values()))
    return statistic_id.removeprefix("aetherlens:cost_").rsplit("_", 1)[0]


def _titles(config: dict[str, Any]) -> list[str]:
    cards = [card for view in config["views"] for card in view["cards"]]
    return [card["title"] for card in cards if "title" in card]


async def _scenario(stack: Stack) -> None:
    config = yaml.safe_load(example_dashboard().replace("ENGINE", await _engine_prefix(stack)))
    await stack.hass.commands(
        [
            {
                "type": "lovelace/dashboards/create",
                "url_path": "aetherlens-costs",
                "title": "Energy costs",
                "mode": "storage",
                "require_admin": False,
                "show_in_sidebar": True,
            },
            {"type": "lovelace/config/save", "url_path": "aetherlens-costs", "config": config},
        ]
    )
    async with browser_page(stack) as page:
        await page.goto(f"{stack.hass.url}/aetherlens-costs/0")
        await page.locator("hui-statistics-graph-card ha-chart-base").first.wait_for()
        await page.locator("hui-history-graph-card ha-chart-base").first.wait_for()
        await page.wait_for_timeout(2000)  # the charts draw their series
        text = await deep_text(page)
        for title in _titles(config):
            assert title in text, (title, text)
        assert "Configuration error" not in text, text
        assert "Entity not available" not in text, text
        assert re.search(r"€\d+\.\d{2}", text), text
        await screenshot(page, "dashboard")


def test_example_dashboard(stack: Stack) -> None:
    """Every card of the example dashboard renders with the demo home's entities."""
    run(_scenario(stack))
