"""The config entry's flows through HA's UI: add, options, reconfigure, diagnostics download.

The stack's entry already points at its engine, and a second entry for the same engine aborts
as already configured (the engine's instance id is the unique id): "Add integration" is checked
for its form, a wrong token and a wrong URL shown at their fields, then the abort; the success
of a form after an error is checked on the entry's reconfigure form, moved to another address of
the same engine. What the flows stored is read back over HA's REST API (the entry's diagnostics,
the URL in clear, the token redacted); what they showed, in the dialog as a user reads it. The
entry gets its URL and options back at the end, for the package's other tests.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import aiohttp
from playwright.async_api import Locator, Page

from devtools.develop import Stack
from tests.ha_ui.conftest import browser_page, deep_text, screenshot
from tests.hass import run

# Nothing listens there: the engine's client fails to connect at once.
NOWHERE = "127.0.0.1:1"
REDACTED = "**REDACTED**"  # homeassistant.components.diagnostics.REDACTED
RELOAD_WITHIN_S = 30
# The flow's error keys as translations/en.json words them.
ERROR_TEXTS = {
    "invalid_auth": "Invalid authentication",
    "cannot_connect": "Failed to connect",
}
# The errors of ha-form, each with the field it stands above (HA shows it there).
FIELD_ERRORS = """(form) => {
  const errors = {};
  for (const alert of form.shadowRoot.querySelectorAll('ha-alert')) {
    const field = alert.nextElementSibling;
    const name = field && field.schema ? field.schema.name : 'base';
    errors[name] = alert.textContent.replace(/\\s+/g, ' ').trim();
  }
  return errors;
}"""


async def _entry_id(stack: Stack) -> str:
    entries = await stack.hass.command({"type": "config_entries/get", "domain": "aetherlens"})
    assert len(entries) == 1, entries
    return str(entries[0]["entry_id"])


async def _rest(stack: Stack, method: str, path: str, body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {stack.hass.token}"}
    async with (
        aiohttp.ClientSession(headers=headers) as session,
        session.request(method, f"{stack.hass.url}{path}", json=body) as resp,
    ):
        text = await resp.text()
        assert resp.status == 200, (path, text)
        return json.loads(text)


async def _entry_diagnostics(stack: Stack, entry_id: str) -> dict[str, Any]:
    """Return the entry's data and options as its diagnostics hold them (REST API).

    A flow that changed the entry reloads it in the background, and an entry being reloaded
    has no diagnostics (HA answers 500): they are read once it is loaded again.
    """
    headers = {"Authorization": f"Bearer {stack.hass.token}"}
    url = f"{stack.hass.url}/api/diagnostics/config_entry/{entry_id}"
    async with aiohttp.ClientSession(headers=headers) as session:
        for _ in range(RELOAD_WITHIN_S * 10):
            entries = await stack.hass.command(
                {"type": "config_entries/get", "domain": "aetherlens"}
            )
            if entries[0]["state"] == "loaded":
                async with session.get(url) as resp:
                    if resp.status == 200:
                        diagnostics = await resp.json()
                        entry: dict[str, Any] = diagnostics["data"]["entry"]
                        return entry
            await asyncio.sleep(0.1)
    raise AssertionError(f"no diagnostics of the entry, {RELOAD_WITHIN_S} s after a flow")


async def _restore(stack: Stack, entry_id: str, url: str, options: dict[str, Any]) -> None:
    """Give the entry its URL and options back through the flows' REST API."""
    flow = await _rest(
        stack,
        "POST",
        "/api/config/config_entries/flow",
        {"handler": "aetherlens", "entry_id": entry_id},
    )
    result = await _rest(
        stack, "POST", f"/api/config/config_entries/flow/{flow['flow_id']}", {"url": url}
    )
    assert result["type"] == "abort", result
    flow = await _rest(
        stack, "POST", "/api/config/config_entries/options/flow", {"handler": entry_id}
    )
    shown = {key: value for key, value in options.items() if key != "hidden_budgets"}
    result = await _rest(
        stack, "POST", f"/api/config/config_entries/options/flow/{flow['flow_id']}", shown
    )
    assert result["type"] == "create_entry", result


async def _field_errors(dialog: Locator) -> dict[str, str]:
    errors: dict[str, str] = await dialog.locator("ha-form").first.evaluate(FIELD_ERRORS)
    return errors


async def _submit(page: Page, dialog: Locator, fields: dict[str, str]) -> dict[str, str]:
    """Type FIELDS into the flow's form, submit it; return the errors shown at the fields."""
    for name, value in fields.items():
        await dialog.locator(f"input[name={name}]").fill(value)
    async with page.expect_response(
        lambda resp: "/flow/" in resp.url and resp.request.method == "POST"
    ) as answer:
        await dialog.get_by_role("button", name="Submit").click()
    step = await (await answer.value).json()
    if step["type"] != "form":
        await dialog.locator("step-flow-abort").wait_for()
        return {}
    shown = {
        key: ERROR_TEXTS.get(value, value) for key, value in (step.get("errors") or {}).items()
    }
    # The dialog renders the step it got: wait until it shows (exactly) its errors.
    for _ in range(50):
        if (errors := await _field_errors(dialog)) == shown:
            break
        await page.wait_for_timeout(100)
    return errors


async def _add_integration(page: Page, stack: Stack) -> None:
    """Settings -> Devices & services -> Add integration -> AetherLens: errors, then abort."""
    await page.goto(f"{stack.hass.url}/config/integrations/dashboard")
    await page.get_by_role("button", name="Add integration").click()
    brands = page.locator("dialog-add-integration")
    await brands.locator("input").first.fill("AetherLens")
    await brands.get_by_text("AetherLens", exact=True).click()
    dialog = page.locator("dialog-data-entry-flow")
    await dialog.locator("input[name=api_token]").wait_for()
    text = await deep_text(page, "dialog-data-entry-flow")
    assert "Connect to the AetherLens engine" in text, text
    assert "URL*" in text, text
    assert "API token*" in text, text
    assert await _field_errors(dialog) == {}

    errors = await _submit(page, dialog, {"url": stack.engine.url, "api_token": "not-the-token"})
    assert errors == {"api_token": "Invalid authentication"}, errors
    await screenshot(page, "flow-invalid-auth")
    errors = await _submit(page, dialog, {"url": NOWHERE, "api_token": stack.engine_token})
    assert errors == {"url": "Failed to connect"}, errors
    await screenshot(page, "flow-cannot-connect")

    # The form gives the token field back empty (a password is never sent back): typed again.
    right = {"url": stack.engine.url, "api_token": stack.engine_token}
    assert await _submit(page, dialog, right) == {}
    text = await deep_text(page, "dialog-data-entry-flow")
    assert "This engine is already configured" in text, text
    await dialog.get_by_role("button", name="Close").last.click()


async def _entry_menu(page: Page, stack: Stack, item: str) -> Locator:
    """Open the entry's ⋮ menu on the integration's page; return its ITEM."""
    await page.goto(f"{stack.hass.url}/config/integrations/integration/aetherlens")
    row = page.locator("ha-config-entry-row").first
    await row.get_by_role("button", name="Menu", exact=True).first.click()
    items = row.locator("ha-dropdown").first.locator("ha-dropdown-item")
    return items.filter(has_text=item)


async def _options(page: Page, stack: Stack) -> None:
    """The entry's options (the cog): what gets entities, the statement threshold, notifications.

    No update interval (the integration's) and no decimals (each sensor's display precision);
    device sensors turned off.
    """
    await page.goto(f"{stack.hass.url}/config/integrations/integration/aetherlens")
    await page.locator("ha-config-entry-row").first.get_by_role("button", name="Configure").click()
    dialog = page.locator("dialog-data-entry-flow")
    toggle = dialog.locator("ha-selector-boolean").filter(has_text="Sensors per metered device")
    await toggle.wait_for()
    text = await deep_text(page, "dialog-data-entry-flow")
    assert "AetherLens options" in text, text
    assert "Update interval" not in text, text
    assert "Decimals" not in text, text
    numbers = dialog.locator("ha-selector-number")
    assert await numbers.count() == 1  # the statement threshold, in the engine's currency
    assert "Statement residual threshold" in text, text
    # Budget notifications: off until the user turns them on or picks a notify entity.
    notify = dialog.locator("ha-selector-boolean").filter(
        has_text="Budget notifications in Home Assistant"
    )
    assert not await notify.get_by_role("switch").is_checked()
    assert await dialog.locator("ha-selector-entity").count() == 1, text
    assert "Budget notifications to" in text, text
    switch = toggle.get_by_role("switch")
    assert await switch.is_checked()
    await screenshot(page, "flow-options")
    await toggle.locator("ha-switch").click()  # its inner parts take the pointer, not the input
    assert not await switch.is_checked()
    await dialog.get_by_role("button", name="Submit").click()
    await dialog.get_by_text("Options successfully saved.").wait_for()
    await dialog.get_by_role("button", name="Finish").click()


async def _device_sensor_states(stack: Stack) -> dict[str, dict[str, Any]]:
    """Return the states of the metered devices' sensors (their unique ids hold `_device_`)."""
    entities, states = await stack.hass.commands(
        [{"type": "config/entity_registry/list"}, {"type": "get_states"}]
    )
    ids = {
        e["entity_id"]
        for e in entities
        if e["platform"] == "aetherlens" and "_device_" in (e["unique_id"] or "")
    }
    assert ids, "the stack's engine meters no device"
    return {state["entity_id"]: state for state in states if state["entity_id"] in ids}


async def _device_sensors_shown(stack: Stack, *, shown: bool) -> None:
    """Wait until the metered devices' sensors are live (SHOWN) or left unavailable by the
    reload (their registry entries stay: the user can still see and delete them)."""
    for _ in range(RELOAD_WITHIN_S * 2):
        states = await _device_sensor_states(stack)
        live = [s for s in states.values() if not s["attributes"].get("restored")]
        if (len(live) == len(states)) if shown else not live:
            if not shown:
                assert {s["state"] for s in states.values()} == {"unavailable"}, states
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"device sensors not {'shown' if shown else 'gone'}: {states}")


async def _reconfigure(page: Page, stack: Stack, new_url: str) -> None:
    """⋮ -> Reconfigure: the URL shown, a wrong one at its field, then another of the engine's."""
    await (await _entry_menu(page, stack, "Reconfigure")).click()
    dialog = page.locator("dialog-data-entry-flow")
    url = dialog.locator("input[name=url]")
    await url.wait_for()
    assert await url.input_value() == stack.engine.url
    text = await deep_text(page, "dialog-data-entry-flow")
    assert "Move to the engine's new address" in text, text

    errors = await _submit(page, dialog, {"url": NOWHERE})
    assert errors == {"url": "Failed to connect"}, errors
    await screenshot(page, "flow-reconfigure-error")
    assert await _submit(page, dialog, {"url": new_url}) == {}
    text = await deep_text(page, "dialog-data-entry-flow")
    # en.json says "Re-configuration", HA 2026.10's dialog "Reconfiguration": either is right.
    assert re.search(r"Re-?configuration was successful", text), text
    await dialog.get_by_role("button", name="Close").last.click()


async def _download_diagnostics(page: Page, stack: Stack) -> dict[str, Any]:
    item = await _entry_menu(page, stack, "Download diagnostics")
    async with page.expect_download() as download_info:
        await item.click()
    download = await download_info.value
    assert re.fullmatch(r"config_entry-aetherlens-\w+\.json", download.suggested_filename)
    text = await asyncio.to_thread(Path(await download.path()).read_text)
    assert stack.engine_token not in text
    diagnostics: dict[str, Any] = json.loads(text)
    return diagnostics


def _without_generation(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key != "statistics_generation"}


async def _scenario(stack: Stack) -> None:
    entry_id = await _entry_id(stack)
    before = await _entry_diagnostics(stack, entry_id)
    assert before["data"]["url"] == stack.engine.url, before
    assert before["data"]["api_token"] == REDACTED, before
    port = stack.engine.url.rsplit(":", 1)[1]
    moved = f"http://localhost:{port}"
    try:
        async with browser_page(stack) as page:
            await _add_integration(page, stack)
            assert await _entry_id(stack) == entry_id  # no second entry

            await _options(page, stack)
            options = (await _entry_diagnostics(stack, entry_id))["options"]
            assert options["device_sensors"] is False, options
            assert options["notify_persistent"] is False, options
            known = {
                "device_sensors",
                "hidden_budgets",
                "statement_threshold",
                "notify_persistent",
                "notify_entities",
            }
            assert set(options) <= known, options
            await _device_sensors_shown(stack, shown=False)

            await _reconfigure(page, stack, f"localhost:{port}")
            after = await _entry_diagnostics(stack, entry_id)
            # The statistics importer's generation may move meanwhile: the flow leaves it alone.
            assert _without_generation(after["data"]) == {
                **_without_generation(before["data"]),
                "url": moved,
            }, after

            diagnostics = await _download_diagnostics(page, stack)
            assert diagnostics["data"]["entry"]["data"] == after["data"], diagnostics
            assert diagnostics["data"]["entry"]["options"] == options, diagnostics
    finally:
        await _restore(stack, entry_id, stack.engine.url, before["options"])
    restored = await _entry_diagnostics(stack, entry_id)
    assert restored["data"]["url"] == stack.engine.url, restored
    assert restored["options"]["device_sensors"] is True, restored
    await _device_sensors_shown(stack, shown=True)


def test_config_options_reconfigure_and_diagnostics(stack: Stack) -> None:
    """Add integration (errors at their fields), options, reconfigure, diagnostics download."""
    run(_scenario(stack))
