"""End-to-end tests through Home Assistant's own UI in headless Chromium.

One stack for the package, as `scripts/develop` runs it (devtools.develop.start_stack): the real
engine with its PostgreSQL + TimescaleDB, a real `hass` with HA's frontend, the demo home with a
week of history and the integration configured. Each test drives Debian's Chromium through
Playwright's async API in an event loop of its own (`tests.hass.run`), logged in as a user
does, at the login page. Screenshots are taken in every run; `--screenshots` saves them as
docs/screenshots/ha-*.png (committed, linked from the docs pages).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal

import aiohttp
import pytest
import pytest_socket
from playwright.async_api import Page, async_playwright

from devtools.develop import DEMO_PASSWORD, DEMO_TIMEZONE, Options, Stack, start_stack, stop_stack
from devtools.homeassistant import free_port
from tests.hass import run

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright downloads no browser here
TIMEOUT_MS = 30_000
VIEWPORT = {"width": 1366, "height": 900}
# docs/using.md promises the statistics within a minute of adding the integration.
IMPORT_WITHIN_S = 60

# Every text in the page, shadow roots included (HA's UI is web components all the way down).
DEEP_TEXT = """(root) => {
  const parts = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) { parts.push(node.textContent); return; }
    if (node.tagName === 'SCRIPT' || node.tagName === 'STYLE') return;
    if (node.shadowRoot) walk(node.shadowRoot);
    for (const child of node.childNodes) walk(child);
  };
  walk(root ?? document.body);
  return parts.join(' ').replace(/\\s+/g, ' ');
}"""


@pytest.fixture(autouse=True)
def _allow_sockets(socket_enabled: None) -> None:
    """Home Assistant's test plugin blocks sockets in every test; these need them."""


@pytest.fixture(scope="package")
def stack() -> Iterator[Stack]:
    """Start the dev stack with the demo home for the package's tests; stop it after them."""
    pytest_socket.enable_socket()  # before the first test's `socket_enabled`; ports need it
    root = Path(tempfile.mkdtemp(prefix="aetherlens-ha-ui-"))
    root.chmod(0o711)  # PostgreSQL's server user reaches its data directory
    options = Options(
        state_dir=root / "state",
        demo=True,
        check=False,
        history_days=7,
        ha_port=free_port(),
        engine_port=free_port(),
        check_timeout=240.0,
    )
    running = run(start_stack(options))
    try:
        yield running
    finally:
        pytest_socket.enable_socket()
        run(stop_stack(running))
        shutil.rmtree(root, ignore_errors=True)


@asynccontextmanager
async def browser_page(
    stack: Stack, *, color_scheme: Literal["light", "dark"] = "light"
) -> AsyncIterator[Page]:
    """Open Chromium, log in through HA's login page; yield the page on the overview."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            context = await browser.new_context(
                viewport=VIEWPORT,  # type: ignore[arg-type]
                timezone_id=DEMO_TIMEZONE,
                color_scheme=color_scheme,
            )
            page = await context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            await page.goto(f"{stack.hass.url}/")
            await page.get_by_role("textbox", name="Username").fill("aetherlens")
            await page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
            await page.keyboard.press("Enter")
            await page.wait_for_url("**/home/**")
            yield page
            assert errors == [], errors
        finally:
            await browser.close()


async def deep_text(page: Page, selector: str | None = None) -> str:
    """Return the text a user sees in SELECTOR's element (default: the whole page)."""
    if selector is None:
        return str(await page.evaluate(DEEP_TEXT))
    return str(await page.locator(selector).first.evaluate(DEEP_TEXT))


def pytest_configure(config: pytest.Config) -> None:
    """Read `--screenshots` (see the root conftest)."""
    global _save_screenshots  # noqa: PLW0603 - one switch for the whole run
    _save_screenshots = bool(config.getoption("screenshots"))


_save_screenshots = False


async def screenshot(page: Page, name: str) -> None:
    """Take the page's screenshot; with `--screenshots`, save it as docs/screenshots/ha-NAME.png.

    A plain test run leaves the committed screenshots as they are.
    """
    if not _save_screenshots:
        await page.screenshot()
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SHOTS / f"ha-{name}.png")


async def call_action(
    stack: Stack, domain: str, service: str, data: dict[str, Any]
) -> dict[str, Any]:
    """Call an action with a response over HA's REST API; return the response."""
    headers = {"Authorization": f"Bearer {stack.hass.token}"}
    async with (
        aiohttp.ClientSession(headers=headers) as session,
        session.post(
            f"{stack.hass.url}/api/services/{domain}/{service}?return_response", json=data
        ) as resp,
    ):
        body = await resp.text()
        assert resp.status == 200, body
        response: dict[str, Any] = json.loads(body)["service_response"]
        return response


async def cost_statistics(stack: Stack, wanted: str | None = None) -> dict[str, str]:
    """Return the `aetherlens:cost_*` statistics by name, waiting a minute after setup at most.

    With WANTED, wait until the statistic of that name is among them (they appear one by one).
    """
    for _ in range(IMPORT_WITHIN_S):
        ids = await stack.hass.command(
            {"type": "recorder/list_statistic_ids", "statistic_type": "sum"}
        )
        found = {
            str(i["name"]): str(i["statistic_id"])
            for i in ids
            if i["statistic_id"].startswith("aetherlens:cost_")
        }
        if (wanted in found) if wanted is not None else found:
            return found
        await asyncio.sleep(1)
    raise AssertionError(f"no aetherlens:cost_* statistic {wanted or ''} a minute in: {ids}")
