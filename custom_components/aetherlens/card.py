"""The bill card: its module served to every frontend, and the current cycle's bill it shows.

HA's own cards show states and statistics; a bill's lines (energy by period and tier,
surcharges, demand, standing charges, credits, taxes) are neither. The card's module is served
from the integration's `frontend/` directory and added to the frontend's extra modules, so no
resource needs adding. It reads the lines with the `aetherlens/bill` websocket command: the
engine's bill of the current cycle up to the start of the summary's hour, the span the summary's
cost so far covers, with the summary's projected total.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import probatio
from homeassistant.components.frontend import add_extra_js_url
from homeassistant.components.http.server import StaticPathConfig
from homeassistant.components.websocket_api import async_register_command
from homeassistant.components.websocket_api.connection import ActiveConnection
from homeassistant.components.websocket_api.const import ERR_NOT_FOUND
from homeassistant.components.websocket_api.decorators import async_response, websocket_command
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .api import (
    AetherLensConnectionError,
    AetherLensError,
    AetherLensRequestError,
    Bill,
    as_json,
)
from .const import DOMAIN
from .coordinator import AetherLensConfigEntry

URL_BASE: Final = "/aetherlens_static"
CARD_FILE: Final = "aetherlens-bill-card.js"
FRONTEND_DIR: Final = Path(__file__).parent / "frontend"


def module_url() -> str:
    """Return the card module's URL; its query changes with the file, so caches renew."""
    digest = hashlib.sha256((FRONTEND_DIR / CARD_FILE).read_bytes()).hexdigest()[:12]
    return f"{URL_BASE}/{CARD_FILE}?v={digest}"


async def async_setup_card(hass: HomeAssistant) -> None:
    """Serve the card's module, load it in every frontend and register its command."""
    await hass.http.async_register_static_paths(
        [StaticPathConfig(URL_BASE, str(FRONTEND_DIR), cache_headers=True)]
    )
    add_extra_js_url(hass, await hass.async_add_executor_job(module_url))
    async_register_command(hass, websocket_bill)


class _NoEntryError(Exception):
    """No loaded entry answers the command; the message says what to choose."""


def _entry(hass: HomeAssistant, entry_id: str | None) -> AetherLensConfigEntry:
    if entry_id is not None:
        entry = hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry.domain != DOMAIN:
            raise _NoEntryError(f"there is no AetherLens entry {entry_id}")
        if entry.state is not ConfigEntryState.LOADED:
            raise _NoEntryError(f"the AetherLens entry {entry.title} is not loaded")
        return entry
    loaded = hass.config_entries.async_loaded_entries(DOMAIN)
    if len(loaded) != 1:
        raise _NoEntryError(
            "no AetherLens entry is loaded"
            if not loaded
            else "several AetherLens engines are set up: choose one in the card's options"
        )
    return loaded[0]


def bill_response(entry: AetherLensConfigEntry, bill: Bill, until: datetime) -> dict[str, Any]:
    """Return what the card shows: the current cycle's lines up to UNTIL, total, projection."""
    cycle = bill.cycles[-1]
    projected = entry.runtime_data.coordinator.data.billing_cycle.projected_total
    return {
        "title": entry.title,
        "tariff": bill.tariff,
        "currency": bill.currency,
        "until": until.isoformat(),
        **as_json(cycle),
        "projected_total": None if projected is None else str(projected),
    }


@websocket_command(
    {
        probatio.Required("type"): "aetherlens/bill",
        probatio.Optional("config_entry_id"): str,
    }
)
@async_response
async def websocket_bill(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Answer the current billing cycle's bill so far (the entry's, or the one loaded)."""
    try:
        entry = _entry(hass, msg.get("config_entry_id"))
    except _NoEntryError as err:
        connection.send_error(msg["id"], ERR_NOT_FOUND, str(err))
        return
    summary = entry.runtime_data.coordinator.data
    # The summary's cost so far bills the complete UTC hours before its time: so does the card.
    end = dt_util.as_utc(summary.time).replace(minute=0, second=0, microsecond=0)
    try:
        bill = await entry.runtime_data.client.bill(end=end)
    except AetherLensRequestError as err:
        connection.send_error(msg["id"], err.code, str(err))
        return
    except AetherLensConnectionError as err:
        connection.send_error(msg["id"], "engine_unreachable", str(err))
        return
    except AetherLensError as err:
        connection.send_error(msg["id"], "engine_error", str(err))
        return
    if not bill.cycles:
        connection.send_error(msg["id"], "cannot_bill", "the engine billed no cycle")
        return
    connection.send_result(msg["id"], bill_response(entry, bill, end))
