"""The engine stopped while HA runs: unavailable, then a repair and the reason, then recovery.

The engine process of the stack is stopped (SIGTERM, as a crash of the add-on or a restart
would leave HA) and started again on the same data directory and port. Refreshes are asked for
with HA's own `homeassistant.update_entity` instead of waiting for the minute's poll. The repair
is waited for in real time: five minutes after the engine's last answer (docs/troubleshooting.md),
of which the checks of the stopped engine's device page take the first part. Then Settings →
Repairs shows the issue with what to check, the entry its reason; the engine started again, the
entry loads by itself (HA's setup retry) and the issue goes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import pytest

from devtools.develop import Stack
from devtools.homeassistant import HassError
from tests.ha_ui.conftest import browser_page, deep_text, screenshot
from tests.hass import run

REFRESH_WITHIN_S = 60
# Five minutes after the last answer (a poll a minute: at most one before the stop), and slack.
REPAIR_WITHIN_S = 5 * 60 + 30
# HA's setup retries after the reload: 5, 10, 20, 40, 80 s apart.
RECOVERY_WITHIN_S = 180
ISSUE_TITLE = "The AetherLens engine is unreachable"
REASON = "Cannot read the AetherLens engine"


async def _engine_device_id(stack: Stack) -> tuple[str, str]:
    devices, entities = await stack.hass.commands(
        [{"type": "config/device_registry/list"}, {"type": "config/entity_registry/list"}]
    )
    ours = [d for d in devices if any(i[0] == "aetherlens" for i in d["identifiers"])]
    engine = next(d for d in ours if d["via_device_id"] is None)
    entity = next(
        e["entity_id"]
        for e in entities
        if e["device_id"] == engine["id"] and e["entity_id"].startswith("sensor.")
    )
    return engine["id"], entity


async def _entry(stack: Stack) -> dict[str, Any]:
    entries = await stack.hass.command({"type": "config_entries/get", "domain": "aetherlens"})
    assert len(entries) == 1, entries
    entry: dict[str, Any] = entries[0]
    return entry


async def _issue(stack: Stack, entry_id: str) -> dict[str, Any] | None:
    issues = (await stack.hass.command({"type": "repairs/list_issues"}))["issues"]
    wanted = f"engine_unreachable_{entry_id}"
    return next((issue for issue in issues if issue["issue_id"] == wanted), None)


async def _wait_for_state(stack: Stack, entity_id: str, *, available: bool) -> None:
    for _ in range(REFRESH_WITHIN_S):
        await stack.hass.call_service("homeassistant", "update_entity", {"entity_id": entity_id})
        states = await stack.hass.command({"type": "get_states"})
        state = next(s["state"] for s in states if s["entity_id"] == entity_id)
        if (state != "unavailable") == available:
            return
        await asyncio.sleep(1)
    raise AssertionError(f"{entity_id} is still {state!r}")


async def _wait_for_repair(stack: Stack, entity_id: str, entry_id: str) -> dict[str, Any]:
    """Ask for a refresh every few seconds until the issue is raised; return it."""
    deadline = time.monotonic() + REPAIR_WITHIN_S
    while time.monotonic() < deadline:
        if (issue := await _issue(stack, entry_id)) is not None:
            return issue
        # Refused while the entry is reloaded into setup retry: its entity is not loaded then.
        with contextlib.suppress(HassError):
            await stack.hass.call_service(
                "homeassistant", "update_entity", {"entity_id": entity_id}
            )
        await asyncio.sleep(5)
    raise AssertionError(f"no repair issue within {REPAIR_WITHIN_S} s")


async def _wait_for_loaded(stack: Stack) -> None:
    deadline = time.monotonic() + RECOVERY_WITHIN_S
    while (state := (await _entry(stack))["state"]) != "loaded":
        assert time.monotonic() < deadline, f"the entry is still {state!r}"
        await asyncio.sleep(2)


async def _scenario(stack: Stack) -> None:
    device_id, entity_id = await _engine_device_id(stack)
    entry_id = (await _entry(stack))["entry_id"]
    await stack.engine.stop()
    try:
        await _wait_for_state(stack, entity_id, available=False)
        async with browser_page(stack) as page:
            await page.goto(f"{stack.hass.url}/config/devices/device/{device_id}")
            await page.get_by_text("Sensors", exact=True).wait_for()
            assert "Unavailable" in await deep_text(page)
            await screenshot(page, "engine-stopped")

        issue = await _wait_for_repair(stack, entity_id, entry_id)
        assert issue["severity"] == "error"
        entry = await _entry(stack)
        assert entry["state"] == "setup_retry", entry
        async with browser_page(stack) as page:
            await page.goto(f"{stack.hass.url}/config/repairs")
            await page.get_by_text(ISSUE_TITLE).click()
            await page.get_by_text("Check that:").wait_for()
            text = await deep_text(page)
            assert "is running" in text, text
            assert stack.engine.url in text, text  # where HA looks for it
            await screenshot(page, "engine-unreachable-repair")

            await page.goto(f"{stack.hass.url}/config/integrations/integration/aetherlens")
            await page.get_by_text(REASON).first.wait_for()
            await screenshot(page, "engine-unreachable-entry")
    finally:
        await stack.engine.start()
    await _wait_for_loaded(stack)
    await _wait_for_state(stack, entity_id, available=True)
    assert await _issue(stack, entry_id) is None
    async with browser_page(stack) as page:
        await page.goto(f"{stack.hass.url}/config/devices/device/{device_id}")
        await page.get_by_text("Sensors", exact=True).wait_for()
        text = await deep_text(page)
        assert "Unavailable" not in text, text
        await page.goto(f"{stack.hass.url}/config/repairs")
        await page.get_by_text("Repairs", exact=True).first.wait_for()
        assert ISSUE_TITLE not in await deep_text(page)


# The real waits, and the stack's start when this test runs first.
@pytest.mark.timeout(REPAIR_WITHIN_S + RECOVERY_WITHIN_S + 300)
def test_engine_outage_repair_and_recovery(stack: Stack) -> None:
    """Stopped engine: unavailable, then a repair and the entry's reason; started: all back."""
    run(_scenario(stack))
