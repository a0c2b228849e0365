"""Budget notifications: a persistent notification and notify entities, once per threshold.

Off by default (the options). The summary says which of its thresholds each budget's spending has
reached in its current period; the highest one told in that period is kept in HA's storage, so a
restart or a reload tells nothing again. A threshold reached again after the spending fell (the
budget's amount raised, the period's costs recomputed) is told again. Each budget has one
persistent notification, which the next threshold replaces; it is dismissed when the budget's
period rolls over, or the budget is gone, also once the options are turned off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

from homeassistant.components import persistent_notification
from homeassistant.components.notify.const import (
    ATTR_MESSAGE,
    ATTR_TITLE,
    SERVICE_SEND_MESSAGE,
)
from homeassistant.components.notify.const import (
    DOMAIN as NOTIFY_DOMAIN,
)
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.storage import Store
from homeassistant.helpers.translation import async_get_translations

from .api import Budget
from .const import CONF_NOTIFY_ENTITIES, CONF_NOTIFY_PERSISTENT, DOMAIN, LOGGER
from .coordinator import AetherLensConfigEntry, AetherLensDataUpdateCoordinator
from .money import minor_unit, rounded

STORAGE_VERSION: Final = 1
# Keys of the translations' `common` category: the title, and the message of each period.
TITLE_KEY: Final = "budget_notification_title"
MESSAGE_KEYS: Final = {
    "day": "budget_notification_day",
    "month": "budget_notification_month",
    "billing_cycle": "budget_notification_billing_cycle",
}


@dataclass(frozen=True, slots=True)
class Told:
    """The highest threshold told of a budget, and the period (its first day) it was told in."""

    period: date
    threshold: int


def notification_id(entry: AetherLensConfigEntry, budget_id: int | str) -> str:
    """Return the id of the persistent notification of budget BUDGET_ID."""
    return f"{DOMAIN}_{entry.entry_id}_budget_{budget_id}"


def _store(hass: HomeAssistant, entry: AetherLensConfigEntry) -> Store[dict[str, Any]]:
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry.entry_id}.budget_notifications")


class BudgetNotifier:
    """Tells the thresholds the budgets reach, after each update of the coordinator."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: AetherLensConfigEntry,
        coordinator: AetherLensDataUpdateCoordinator,
    ) -> None:
        """Follow COORDINATOR's summaries, with ENTRY's options."""
        self._hass = hass
        self._entry = entry
        self._coordinator = coordinator
        self._store = _store(hass, entry)
        # By budget id (as text, as stored).
        self._told: dict[str, Told] = {}

    async def async_load(self) -> None:
        """Read what was told before this setup."""
        data = await self._store.async_load() or {}
        self._told = {
            key: Told(date.fromisoformat(item["period"]), int(item["threshold"]))
            for key, item in data.get("budgets", {}).items()
        }

    @callback
    def async_check(self) -> None:
        """Tell each budget that reached a higher threshold (a coordinator listener).

        While both notifications are off nothing is told, but what was told before still goes
        when its period rolls over or its budget is gone. Nothing happens after a failed update.
        """
        options = self._entry.options
        persistent = bool(options.get(CONF_NOTIFY_PERSISTENT, False))
        targets = list(options.get(CONF_NOTIFY_ENTITIES, ()))
        if not self._coordinator.last_update_success:
            return
        summary = self._coordinator.data
        told: dict[str, Told] = {}
        tell: list[Budget] = []
        for budget in summary.budgets:
            key = str(budget.id)
            before = self._told.get(key)
            start, reached = summary.period_start(budget.period), budget.threshold_reached
            if start is None or reached is None:  # nothing known of this period: as it was
                if before is not None:
                    told[key] = before
                continue
            if before is not None and before.period != start:
                persistent_notification.async_dismiss(self._hass, notification_id(self._entry, key))
                before = None
            if not (persistent or targets):
                if before is not None:
                    told[key] = before
                continue
            if reached and (before is None or reached > before.threshold):
                tell.append(budget)
            if reached or before is not None:
                told[key] = Told(start, reached)
        for key in self._told.keys() - told.keys() - {str(b.id) for b in summary.budgets}:
            persistent_notification.async_dismiss(self._hass, notification_id(self._entry, key))
        if told == self._told:
            return
        self._told = told
        # Tracked by the entry: an unload waits for it, so a reload cannot tell it twice.
        self._entry.async_create_task(
            self._hass,
            self._async_tell(tell, persistent=persistent, targets=targets),
            "aetherlens budget notifications",
        )

    async def _async_tell(
        self, budgets: list[Budget], *, persistent: bool, targets: list[str]
    ) -> None:
        """Store what is told, then tell BUDGETS."""
        await self._store.async_save(_as_stored(self._told))
        if not budgets:
            return
        strings = await async_get_translations(
            self._hass, self._hass.config.language, "common", {DOMAIN}
        )
        for budget in budgets:
            title, message = _texts(strings, budget)
            if persistent:
                persistent_notification.async_create(
                    self._hass, message, title, notification_id(self._entry, budget.id)
                )
            if targets:
                await self._async_send(targets, title, message)

    async def _async_send(self, targets: list[str], title: str, message: str) -> None:
        """Send one message to the notify entities TARGETS; a failure is logged, not raised."""
        try:
            await self._hass.services.async_call(
                NOTIFY_DOMAIN,
                SERVICE_SEND_MESSAGE,
                {ATTR_ENTITY_ID: targets, ATTR_TITLE: title, ATTR_MESSAGE: message},
                blocking=True,
            )
        except HomeAssistantError as err:
            LOGGER.warning("Cannot send the budget notification to %s: %s", targets, err)


def _as_stored(told: Mapping[str, Told]) -> dict[str, Any]:
    return {
        "budgets": {
            key: {"period": item.period.isoformat(), "threshold": item.threshold}
            for key, item in told.items()
        }
    }


def _texts(strings: Mapping[str, str], budget: Budget) -> tuple[str, str]:
    """Return the title and message telling BUDGET's threshold reached."""
    decimals = minor_unit(budget.currency)
    prefix = f"component.{DOMAIN}.common."
    placeholders = {
        "name": budget.name,
        "threshold": str(budget.threshold_reached),
        "spent": f"{rounded(budget.spent or Decimal(0), decimals):f}",
        "amount": f"{rounded(budget.amount, decimals):f}",
        "currency": budget.currency,
    }
    title = strings[prefix + TITLE_KEY].format(**placeholders)
    message = strings[prefix + MESSAGE_KEYS[budget.period]].format(**placeholders)
    return title, message


async def async_remove_notifications(hass: HomeAssistant, entry: AetherLensConfigEntry) -> None:
    """Dismiss the removed ENTRY's persistent notifications and forget what it told."""
    store = _store(hass, entry)
    data = await store.async_load() or {}
    for key in data.get("budgets", {}):
        persistent_notification.async_dismiss(hass, notification_id(entry, key))
    await store.async_remove()
