"""The integration's repair issues: one function raises each, one clears it.

None of them is fixable from a repair flow: each says what to check, and goes by itself once
the engine answers (or is understood, or no longer reports the problem) again. From the engine's
health come the readings waiting in its dead-letter file, a collector whose Home Assistant
token is refused and a plugin it cannot run (its package not installed, or not loading); from
its statements each one whose residual is above the entry's threshold.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

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

from .api import CollectorIssue, EngineHealth, StatementCheck, Summary
from .const import DOMAIN, SUPPORTED_API_VERSION, UNREACHABLE_REPAIR_AFTER

# The engine's collector issue that means its Home Assistant token was refused.
REFUSED_AUTH = "invalid_auth"


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


def dead_letters_issue_id(entry: ConfigEntry) -> str:
    """Return the id of the issue raised while ENTRY's engine has dead-lettered readings."""
    return f"dead_letters_{entry.entry_id}"


def token_refused_issue_id(entry: ConfigEntry, collector: str) -> str:
    """Return the id of the issue raised while Home Assistant refuses COLLECTOR's token."""
    return f"{_token_refused_prefix(entry)}{collector}"


@callback
def async_check_engine_health(
    hass: HomeAssistant, entry: ConfigEntry, health: EngineHealth
) -> None:
    """Raise the issues ENTRY's engine HEALTH calls for; remove those it no longer does."""
    _check_dead_letters(hass, entry, health)
    refused = [issue for issue in health.collector_issues if issue.key == REFUSED_AUTH]
    for issue in refused:
        _token_refused(hass, entry, issue)
    current = {token_refused_issue_id(entry, issue.collector) for issue in refused}
    for issue_id in _token_refused_issues(hass, entry) - current:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
    for problem in health.plugin_problems:
        ir.async_create_issue(
            hass,
            DOMAIN,
            plugin_failed_issue_id(entry, problem.name),
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="plugin_failed",
            translation_placeholders={
                "title": entry.title,
                "plugin": problem.name,
                "error": problem.error,
            },
        )
    failing = {plugin_failed_issue_id(entry, problem.name) for problem in health.plugin_problems}
    for issue_id in _issues_with_prefix(hass, _plugin_failed_prefix(entry)) - failing:
        ir.async_delete_issue(hass, DOMAIN, issue_id)


@callback
def async_engine_health_gone(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Note that ENTRY went: the issues its engine's health raised go with it."""
    ir.async_delete_issue(hass, DOMAIN, dead_letters_issue_id(entry))
    for issue_id in _token_refused_issues(hass, entry):
        ir.async_delete_issue(hass, DOMAIN, issue_id)
    for issue_id in _issues_with_prefix(hass, _plugin_failed_prefix(entry)):
        ir.async_delete_issue(hass, DOMAIN, issue_id)


def plugin_failed_issue_id(entry: ConfigEntry, plugin: str) -> str:
    """Return the id of the issue raised while ENTRY's engine cannot run PLUGIN."""
    return f"{_plugin_failed_prefix(entry)}{plugin}"


def _plugin_failed_prefix(entry: ConfigEntry) -> str:
    return f"plugin_failed_{entry.entry_id}_"


def _issues_with_prefix(hass: HomeAssistant, prefix: str) -> set[str]:
    """Return the ids of the integration's issues now raised that start with PREFIX."""
    return {
        issue_id
        for domain, issue_id in ir.async_get(hass).issues
        if domain == DOMAIN and issue_id.startswith(prefix)
    }


def _check_dead_letters(hass: HomeAssistant, entry: ConfigEntry, health: EngineHealth) -> None:
    """Raise the issue while the dead-letter file holds readings; the user empties or removes it."""
    if not health.dead_lettered:
        ir.async_delete_issue(hass, DOMAIN, dead_letters_issue_id(entry))
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        dead_letters_issue_id(entry),
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="dead_letters",
        translation_placeholders={
            "title": entry.title,
            "count": str(health.dead_lettered),
            "path": health.dead_letter_file or "spool/dead-letter.jsonl",
        },
    )


def _token_refused(hass: HomeAssistant, entry: ConfigEntry, issue: CollectorIssue) -> None:
    ir.async_create_issue(
        hass,
        DOMAIN,
        token_refused_issue_id(entry, issue.collector),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key="collector_token_refused",
        translation_placeholders={
            "title": entry.title,
            "collector": issue.collector,
            "url": issue.url,
            "error": issue.message,
        },
    )


def _token_refused_prefix(entry: ConfigEntry) -> str:
    return f"collector_token_refused_{entry.entry_id}_"


def _token_refused_issues(hass: HomeAssistant, entry: ConfigEntry) -> set[str]:
    """Return the ids of ENTRY's token-refused issues now raised."""
    return _issues_with_prefix(hass, _token_refused_prefix(entry))


def _statement_prefix(entry: ConfigEntry) -> str:
    return f"statement_residual_{entry.entry_id}_"


def _statement_issues(hass: HomeAssistant, entry: ConfigEntry) -> set[str]:
    return _issues_with_prefix(hass, _statement_prefix(entry))


@callback
def async_check_statements(
    hass: HomeAssistant,
    entry: ConfigEntry,
    statements: tuple[StatementCheck, ...],
    threshold: Decimal,
) -> None:
    """Raise an issue per statement over THRESHOLD; remove those of statements now within."""
    raised = set()
    for statement in statements:
        if not statement.over_threshold:
            continue
        issue_id = f"{_statement_prefix(entry)}{statement.id}"
        raised.add(issue_id)
        causes = [*statement.causes, *([statement.error] if statement.error else [])]
        residual = "?" if statement.residual is None else format(statement.residual, "f")
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="statement_residual",
            translation_placeholders={
                "title": entry.title,
                "start": statement.start.isoformat(),
                "end": statement.end.isoformat(),
                "residual": residual,
                "currency": statement.currency,
                "threshold": format(threshold, "f"),
                "causes": "; ".join(causes) or "none found (an amount the tariff does not have)",
            },
        )
    for issue_id in _statement_issues(hass, entry) - raised:
        ir.async_delete_issue(hass, DOMAIN, issue_id)


@callback
def async_statements_gone(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Note that ENTRY went: its statements' issues go with it."""
    for issue_id in _statement_issues(hass, entry):
        ir.async_delete_issue(hass, DOMAIN, issue_id)
