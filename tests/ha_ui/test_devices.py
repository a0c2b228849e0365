"""Settings -> Devices & services -> AetherLens as a user reads it.

Names and states are taken as HA's frontend shows them (its own `formatEntityState`, the name
without the device's), read from the registries rather than written down here, so that they
follow the integration's naming; what must hold for a reader is checked on top: money in euros
to the cent, energy in kWh, the time-of-use period translated, nothing unavailable, and each
entity's icon the one icons.json gives it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.async_api import Page

from devtools.develop import Stack
from tests.ha_ui.conftest import REPO, browser_page, deep_text, screenshot
from tests.hass import run

METERED = "Demo heat pump"  # a device of the demo home
# The integration's icons by platform and translation key (default, and per state).
ICONS: dict[str, dict[str, dict[str, Any]]] = json.loads(
    (REPO / "custom_components" / "aetherlens" / "icons.json").read_text()
)["entity"]

# The icon each entity's row shows (`ha-state-icon` draws it), and the entity's state.
SHOWN_ICONS = """() => {
  const states = document.querySelector('home-assistant').hass.states;
  const found = {};
  const walk = (node) => {
    if (node.tagName === 'HA-STATE-ICON' && node.stateObj) {
      const icon = node.shadowRoot?.querySelector('ha-icon');
      const id = node.stateObj.entity_id;
      found[id] = [icon ? icon.icon : null, states[id].state];
    }
    if (node.shadowRoot) walk(node.shadowRoot);
    for (const child of node.children) walk(child);
  };
  walk(document.body);
  return found;
}"""


async def _our_devices(stack: Stack) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    devices, entities = await stack.hass.commands(
        [{"type": "config/device_registry/list"}, {"type": "config/entity_registry/list"}]
    )
    ours = [d for d in devices if any(i[0] == "aetherlens" for i in d["identifiers"])]
    shown = [e for e in entities if e["platform"] == "aetherlens" and not e["disabled_by"]]
    return ours, shown


async def _rows(page: Page, entity_ids: list[str]) -> dict[str, tuple[str, str]]:
    """Return (name, state) of each entity as the frontend formats them."""
    rows: dict[str, list[str]] = await page.evaluate(
        """(ids) => {
          const hass = document.querySelector('home-assistant').hass;
          return Object.fromEntries(ids.map((id) => {
            const state = hass.states[id];
            const device = hass.devices[hass.entities[id].device_id];
            let name = state.attributes.friendly_name;
            const prefix = device ? device.name + ' ' : null;
            if (prefix && name.startsWith(prefix)) name = name.slice(prefix.length);
            // A time is shown relative to now ("In 10 hours"): its name alone is checked.
            const relative = state.attributes.device_class === 'timestamp';
            return [id, [name, relative ? '' : hass.formatEntityState(state)]];
          }));
        }""",
        entity_ids,
    )
    return {entity_id: (name, state) for entity_id, (name, state) in rows.items()}


async def _device_page(
    page: Page, stack: Stack, device: dict[str, Any], entities: list[str]
) -> str:
    await page.goto(f"{stack.hass.url}/config/devices/device/{device['id']}")
    await page.get_by_text("Sensors", exact=True).wait_for()
    text = await deep_text(page)
    rows = await _rows(page, entities)
    for entity_id, (name, state) in rows.items():
        assert f"{name} {state}".strip() in text, (entity_id, name, state, text)
        assert state.lower() not in ("unavailable", "unknown"), entity_id
    return text


async def _check_icons(page: Page, entries: list[dict[str, Any]]) -> None:
    """Every entity with an icon in icons.json shows it (its state's where it has one)."""
    shown: dict[str, list[str | None]] = await page.evaluate(SHOWN_ICONS)
    checked = 0
    for entry in entries:
        domain = entry["entity_id"].split(".")[0]
        rule = ICONS.get(domain, {}).get(entry.get("translation_key") or "")
        if rule is None:
            continue
        icon, state = shown[entry["entity_id"]]
        assert icon == rule.get("state", {}).get(state, rule["default"]), (entry, icon, state)
        checked += 1
    assert checked, entries


async def _scenario(stack: Stack) -> None:
    devices, entities = await _our_devices(stack)
    engine = next(d for d in devices if d["via_device_id"] is None)  # the others hang off it
    metered = next(d for d in devices if d["name"] == METERED)
    async with browser_page(stack) as page:
        await page.goto(f"{stack.hass.url}/config/integrations/dashboard")
        await page.get_by_text("AetherLens", exact=True).first.wait_for()
        await screenshot(page, "integrations")

        await page.goto(f"{stack.hass.url}/config/integrations/integration/aetherlens")
        await page.get_by_text(f"{len(devices)} devices").first.wait_for()
        await page.get_by_text(f"{len(entities)} entities").first.wait_for()
        text = await deep_text(page)
        for device in devices:
            assert device["name"] in text, device["name"]
        await screenshot(page, "integration")

        engine_entities = [e["entity_id"] for e in entities if e["device_id"] == engine["id"]]
        text = await _device_page(page, stack, engine, engine_entities)
        await _check_icons(page, [e for e in entities if e["device_id"] == engine["id"]])
        await screenshot(page, "engine-device")
        # Money to the cent in euros, energy in kWh, the period translated ("Day", not "day").
        assert re.search(r"Cost today €\d+\.\d{2}\b", text), text
        assert re.search(r"Energy today \d+(\.\d+)? kWh", text), text
        assert re.search(r"Time-of-use period [A-Z][a-z]", text), text

        metered_entities = [e["entity_id"] for e in entities if e["device_id"] == metered["id"]]
        assert metered_entities
        text = await _device_page(page, stack, metered, metered_entities)
        await _check_icons(page, [e for e in entities if e["device_id"] == metered["id"]])
        assert re.search(r"Cost this month €\d+\.\d{2}\b", text), text
        await screenshot(page, "metered-device")


def test_devices_and_services(stack: Stack) -> None:
    """The integration card, its page, the engine device and a metered device with states."""
    run(_scenario(stack))
