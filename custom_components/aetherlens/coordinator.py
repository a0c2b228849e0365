"""The coordinator: one request to the engine's summary per update."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api import (
    AetherLensAuthenticationError,
    AetherLensClient,
    AetherLensConnectionError,
    AetherLensError,
    Budget,
    MeteredDevice,
    Summary,
)
from .const import (
    DOMAIN,
    EVENT_BUDGET_EXCEEDED,
    LOGGER,
    SCAN_INTERVAL,
    SUPPORTED_API_VERSION,
    UNREACHABLE_REPAIR_AFTER,
)


@dataclass(kw_only=True, slots=True)
class AetherLensData:
    """What a loaded entry holds."""

    client: AetherLensClient
    coordinator: AetherLensDataUpdateCoordinator
    engine_device_id: str


type AetherLensConfigEntry = ConfigEntry[AetherLensData]


def engine_identifier(entry: AetherLensConfigEntry) -> tuple[str, str]:
    """Return the device registry identifier of the engine itself."""
    return (DOMAIN, str(entry.unique_id))


def metered_identifier(entry: AetherLensConfigEntry, device_id: int) -> tuple[str, str]:
    """Return the device registry identifier of an engine device that meters energy."""
    return (DOMAIN, f"{entry.unique_id}_device_{device_id}")


def cloud_identifier(entry: AetherLensConfigEntry, device_id: int) -> tuple[str, str]:
    """Return the device registry identifier of a cloud account."""
    return (DOMAIN, f"{entry.unique_id}_cloud_{device_id}")


def current_identifiers(entry: AetherLensConfigEntry, summary: Summary) -> set[tuple[str, str]]:
    """Return the identifiers of every device SUMMARY reports, the engine's included."""
    return {
        engine_identifier(entry),
        *(metered_identifier(entry, device.id) for device in summary.devices),
        *(cloud_identifier(entry, account.device_id) for account in summary.cloud_accounts),
    }


class AetherLensDataUpdateCoordinator(DataUpdateCoordinator[Summary]):
    """Reads the engine's summary, one request per update.

    After each read it removes the devices the engine no longer reports and announces budgets
    that went over; an engine unreachable for long gets a repair issue.
    """

    config_entry: AetherLensConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: AetherLensConfigEntry, client: AetherLensClient
    ) -> None:
        """Poll CLIENT every SCAN_INTERVAL."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=entry.title,  # says AetherLens already: logs read "Error fetching AetherLens data"
            update_interval=SCAN_INTERVAL,
        )
        self.client = client
        # The current summary's devices by id: each device's sensors look theirs up per update.
        self.devices_by_id: dict[int, MeteredDevice] = {}
        self._unreachable_since: datetime | None = None
        # Whether each budget was exceeded at the previous update (none before the first).
        self._budgets_exceeded: dict[int, bool | None] = {}
        # The issues are about this entry's engine: they go when the entry does.
        entry.async_on_unload(
            lambda: ir.async_delete_issue(hass, DOMAIN, self.unreachable_issue_id)
        )
        entry.async_on_unload(lambda: ir.async_delete_issue(hass, DOMAIN, self.newer_issue_id))

    @property
    def unreachable_issue_id(self) -> str:
        """Return the id of the repair issue raised while the engine stays unreachable."""
        return f"engine_unreachable_{self.config_entry.entry_id}"

    @property
    def newer_issue_id(self) -> str:
        """Return the id of the repair issue raised while the engine's API is too new."""
        return f"engine_api_newer_{self.config_entry.entry_id}"

    def budget(self, budget_id: int) -> Budget | None:
        """Return the budget BUDGET_ID of the current summary, None once it is gone."""
        return next((budget for budget in self.data.budgets if budget.id == budget_id), None)

    @override
    async def _async_update_data(self) -> Summary:
        """Fetch the summary."""
        try:
            summary = await self.client.summary()
        except AetherLensAuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="authentication_error"
            ) from err
        except AetherLensConnectionError as err:
            self._track_unreachable(str(err))
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="communication_error",
                translation_placeholders={"error": str(err)},
            ) from err
        except AetherLensError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="unknown_error",
                translation_placeholders={"error": str(err)},
            ) from err
        if self._unreachable_since is not None:
            self._unreachable_since = None
            ir.async_delete_issue(self.hass, DOMAIN, self.unreachable_issue_id)
        self.devices_by_id = {device.id: device for device in summary.devices}
        self._check_api_version(summary)
        self._remove_stale_devices(summary)
        self._fire_budget_events(summary)
        return summary

    def _check_api_version(self, summary: Summary) -> None:
        """Raise a repair issue while the engine speaks a newer API than this integration.

        What it still understands keeps working; an update of the integration is the fix.
        """
        if summary.api_version <= SUPPORTED_API_VERSION:
            ir.async_delete_issue(self.hass, DOMAIN, self.newer_issue_id)
            return
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self.newer_issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="engine_api_newer",
            translation_placeholders={
                "title": self.config_entry.title,
                "engine_version": summary.version,
                "api_version": str(summary.api_version),
                "supported": str(SUPPORTED_API_VERSION),
            },
        )

    def _fire_budget_events(self, summary: Summary) -> None:
        """Announce each budget that went over its amount since the previous update."""
        was_exceeded = self._budgets_exceeded
        self._budgets_exceeded = {budget.id: budget.exceeded for budget in summary.budgets}
        for budget in summary.budgets:
            if budget.exceeded and was_exceeded.get(budget.id) is False:
                self.hass.bus.async_fire(
                    EVENT_BUDGET_EXCEEDED,
                    {
                        "config_entry_id": self.config_entry.entry_id,
                        "budget_id": budget.id,
                        "name": budget.name,
                        "period": budget.period,
                        "amount": str(budget.amount),
                        "spent": str(budget.spent),
                        "currency": budget.currency,
                    },
                )

    def _track_unreachable(self, error: str) -> None:
        now = dt_util.utcnow()
        if self._unreachable_since is None:
            self._unreachable_since = now
        elif now - self._unreachable_since >= UNREACHABLE_REPAIR_AFTER:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                self.unreachable_issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key="engine_unreachable",
                translation_placeholders={
                    "title": self.config_entry.title,
                    "since": self._unreachable_since.isoformat(timespec="minutes"),
                    "error": error,
                },
            )

    def _remove_stale_devices(self, summary: Summary) -> None:
        registry = dr.async_get(self.hass)
        current = current_identifiers(self.config_entry, summary)
        for device in dr.async_entries_for_config_entry(registry, self.config_entry.entry_id):
            if not device.identifiers & current:
                registry.async_update_device(
                    device.id, remove_config_entry_id=self.config_entry.entry_id
                )
