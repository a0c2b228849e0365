"""The integration's repair issues: one function raises each, one clears it.

None of them is fixable from a repair flow: each says what to check, and goes by itself once
the engine answers (or is understood) again.
"""

from __future__ import annotations

from datetime import datetime

from homeassistant.config_entries import (
    SIGNAL_CONFIG_ENTRY_CHANGED,
    ConfigEntry,
    ConfigEntryChange,
)
from homeassistant.const import CONF_URL
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.util import dt as dt_util

from .api import Summary
from .const import DOMAIN, SUPPORTED_API_VERSION, UNREACHABLE_REPAIR_AFTER


@callback
def async_setup_repairs(hass: HomeAssistant) -> None:
    """Clear the unreachable-engine issue of an entry the user disables.

    A disabled entry in setup retry is unloaded without its integration being called; the
    entry's own hooks cannot see it.
    """

    @callback
    def entry_changed(_: ConfigEntryChange, entry: ConfigEntry) -> None:
        if entry.domain == DOMAIN and entry.disabled_by is not None:
            async_engine_reachable(hass, entry)

    async_dispatcher_connect(hass, SIGNAL_CONFIG_ENTRY_CHANGED, entry_changed)


def engine_unreachable_issue_id(entry: ConfigEntry) -> str:
    """Return the id of the issue raised while ENTRY's engine stays unreachable."""
    return f"engine_unreachable_{entry.entry_id}"


def engine_api_newer_issue_id(entry: ConfigEntry) -> str:
    """Return the id of the issue raised while ENTRY's engine speaks a newer API."""
    return f"engine_api_newer_{entry.entry_id}"


@callback
def async_engine_unreachable(
    hass: HomeAssistant, entry: ConfigEntry, *, last_contact: datetime, error: str
) -> bool:
    """Raise the repair issue once ENTRY's engine has not answered for UNREACHABLE_REPAIR_AFTER.

    LAST_CONTACT is its last answer; return whether the issue is raised. A raised issue stays
    through the entry's setup retries (they start their own count) until the engine answers.
    """
    if dt_util.utcnow() - last_contact < UNREACHABLE_REPAIR_AFTER:
        return False
    ir.async_create_issue(
        hass,
        DOMAIN,
        engine_unreachable_issue_id(entry),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key="engine_unreachable",
        translation_placeholders={
            "title": entry.title,
            "url": entry.data[CONF_URL],
            "since": last_contact.isoformat(timespec="minutes"),
            "error": error,
        },
    )
    return True


@callback
def async_engine_reachable(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Note that ENTRY's engine answered (or the entry went): its issue goes."""
    ir.async_delete_issue(hass, DOMAIN, engine_unreachable_issue_id(entry))


@callback
def async_check_engine_api(hass: HomeAssistant, entry: ConfigEntry, summary: Summary) -> None:
    """Raise the repair issue while SUMMARY's engine speaks a newer API than this integration.

    What it still understands keeps working; an update of the integration is the fix.
    """
    if summary.api_version <= SUPPORTED_API_VERSION:
        async_engine_api_understood(hass, entry)
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        engine_api_newer_issue_id(entry),
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="engine_api_newer",
        translation_placeholders={
            "title": entry.title,
            "engine_version": summary.version,
            "api_version": str(summary.api_version),
            "supported": str(SUPPORTED_API_VERSION),
        },
    )


@callback
def async_engine_api_understood(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Note that ENTRY's engine API is understood (or the entry went): its issue goes."""
    ir.async_delete_issue(hass, DOMAIN, engine_api_newer_issue_id(entry))
