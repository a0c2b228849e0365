"""The coordinator: the engine's summary, ledger and health, read at each update."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import override

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api import (
    AetherLensAuthenticationError,
    AetherLensClient,
    AetherLensConnectionError,
    AetherLensError,
    AetherLensRequestError,
    Budget,
    MeteredDevice,
    Summary,
)
from .const import (
    CONF_STATEMENT_THRESHOLD,
    DEFAULT_STATEMENT_THRESHOLD,
    DOMAIN,
    EVENT_BUDGET_EXCEEDED,
    EVENT_BUDGET_THRESHOLD,
    EVENT_DEMAND_PEAK_WARNING,
    LOGGER,
    SCAN_INTERVAL,
    STATEMENTS_INTERVAL,
)
from .repairs import (
    async_check_engine_api,
    async_check_engine_health,
    async_check_statements,
    async_engine_api_understood,
    async_engine_health_gone,
    async_engine_reachable,
    async_engine_unreachable,
    async_statements_gone,
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
    """Reads the engine's summary and its health (what the engine needs the user for).

    After each read it removes the devices the engine no longer reports, announces budgets
    that went over and demand windows on course for a new peak, and raises (or clears) the
    repair issues the health calls for, and those of statements off the engine's bill
    (checked hourly). An engine unreachable for long gets a repair issue, and the entry is
    reloaded into setup retry: Home Assistant shows the reason on the entry and retries it by
    itself.
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
        # The last time the engine answered (setting up counts as the first).
        self._last_contact: datetime = dt_util.utcnow()
        # Whether each budget was exceeded, and the threshold it had reached, at the previous
        # update (none before the first).
        self._budgets_exceeded: dict[int, bool | None] = {}
        self._thresholds_reached: dict[int, int | None] = {}
        # The newer-API issue is about this entry's engine: it goes when the entry does. The
        # unreachable one outlives the reload into setup retry (see _engine_unreachable).
        entry.async_on_unload(lambda: async_engine_api_understood(hass, entry))
        entry.async_on_unload(lambda: async_engine_health_gone(hass, entry))
        entry.async_on_unload(lambda: async_statements_gone(hass, entry))
        # When the statements were last matched (None: not yet).
        self._statements_checked: datetime | None = None
        # The demand lines announced on course in the current window (line, window start).
        self._demand_warned: set[tuple[str, datetime]] = set()

    def budget(self, budget_id: int) -> Budget | None:
        """Return the budget BUDGET_ID of the current summary, None once it is gone."""
        return next((budget for budget in self.data.budgets if budget.id == budget_id), None)

    @override
    async def _async_update_data(self) -> Summary:
        """Fetch the summary, the ledger and the health."""
        try:
            summary = await self.client.summary()
            summary = replace(
                summary, ledger=await self.client.ledger(), demand=await self.client.demand()
            )
            health = await self.client.health()
            await self._check_statements()
        except AetherLensAuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="authentication_error"
            ) from err
        except AetherLensConnectionError as err:
            self._engine_unreachable(str(err))
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
        self._last_contact = dt_util.utcnow()
        async_engine_reachable(self.hass, self.config_entry)
        self.devices_by_id = {device.id: device for device in summary.devices}
        async_check_engine_api(self.hass, self.config_entry, summary)
        async_check_engine_health(self.hass, self.config_entry, health)
        self._remove_stale_devices(summary)
        self._fire_budget_events(summary)
        self._fire_demand_warnings(summary)
        return summary

    async def _check_statements(self) -> None:
        """Match the statements every STATEMENTS_INTERVAL; raise or clear their issues.

        An engine that refuses the request (one from before statements) is left alone.
        """
        now = dt_util.utcnow()
        checked = self._statements_checked
        if checked is not None and now - checked < STATEMENTS_INTERVAL:
            return
        options = self.config_entry.options
        threshold = Decimal(str(options.get(CONF_STATEMENT_THRESHOLD, DEFAULT_STATEMENT_THRESHOLD)))
        try:
            statements = await self.client.statements(threshold)
        except AetherLensRequestError:
            return
        self._statements_checked = now
        async_check_statements(self.hass, self.config_entry, statements, threshold)

    async def async_statements_changed(self) -> None:
        """Match the statements at an update now, not at the next hourly check."""
        self._statements_checked = None
        await self.async_request_refresh()

    def _fire_budget_events(self, summary: Summary) -> None:
        """Announce each budget that went over its amount, or reached a higher threshold.

        A budget first seen (at setup, or just made in the page) announces nothing: only a
        change between two updates does.
        """
        was_exceeded, was_reached = self._budgets_exceeded, self._thresholds_reached
        self._budgets_exceeded = {budget.id: budget.exceeded for budget in summary.budgets}
        self._thresholds_reached = {
            budget.id: budget.threshold_reached for budget in summary.budgets
        }
        for budget in summary.budgets:
            data = {
                "config_entry_id": self.config_entry.entry_id,
                "budget_id": budget.id,
                "name": budget.name,
                "period": budget.period,
                "amount": str(budget.amount),
                "spent": str(budget.spent),
                "currency": budget.currency,
            }
            reached, before = budget.threshold_reached, was_reached.get(budget.id)
            if reached and before is not None and reached > before:
                self.hass.bus.async_fire(EVENT_BUDGET_THRESHOLD, {**data, "threshold": reached})
            if budget.exceeded and was_exceeded.get(budget.id) is False:
                self.hass.bus.async_fire(EVENT_BUDGET_EXCEEDED, data)

    def _fire_demand_warnings(self, summary: Summary) -> None:
        """Announce, once per window, each demand line the window is on course to beat."""
        demand = summary.demand
        if demand is None or demand.window_start is None:
            self._demand_warned = set()
            return
        start = demand.window_start
        warned = {key for key in self._demand_warned if key[1] == start}
        for peak in demand.peaks.values():
            if not peak.on_course or (peak.name, start) in warned:
                continue
            warned.add((peak.name, start))
            self.hass.bus.async_fire(
                EVENT_DEMAND_PEAK_WARNING,
                {
                    "config_entry_id": self.config_entry.entry_id,
                    "tariff": demand.tariff,
                    "period": peak.name,
                    "window_start": start.isoformat(),
                    "window_end": None
                    if demand.window_end is None
                    else demand.window_end.isoformat(),
                    "projected_kw": str(peak.projected_kw),
                    "peak_kw": str(peak.peak_kw),
                    "margin_kw": None if peak.margin_kw is None else str(peak.margin_kw),
                    "price_per_kw": str(peak.price_per_kw),
                },
            )
        self._demand_warned = warned

    def _engine_unreachable(self, error: str) -> None:
        """Count the failure; once the repair issue is raised, reload a loaded entry.

        The reload puts the entry into setup retry, where Home Assistant shows the reason on the
        entry (Settings > Devices & services) and sets it up again by itself once the engine
        answers; the issue goes then.
        """
        raised = async_engine_unreachable(
            self.hass, self.config_entry, last_contact=self._last_contact, error=error
        )
        if raised and self.config_entry.state is ConfigEntryState.LOADED:
            self.hass.config_entries.async_schedule_reload(self.config_entry.entry_id)

    def _remove_stale_devices(self, summary: Summary) -> None:
        registry = dr.async_get(self.hass)
        current = current_identifiers(self.config_entry, summary)
        for device in dr.async_entries_for_config_entry(registry, self.config_entry.entry_id):
            if not device.identifiers & current:
                # A device belongs to this entry alone (HA 2026): removing it is removing it.
                registry.async_remove_device(device.id)
