"""Binary sensors: whether a peak period is on, and whether each budget is exceeded."""

from __future__ import annotations

import re
from typing import override

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import Budget
from .coordinator import AetherLensConfigEntry, AetherLensDataUpdateCoordinator
from .entity import AetherLensEntity, hidden_budget_ids

PARALLEL_UPDATES = 0

OVER_BUDGET = BinarySensorEntityDescription(
    key="over_budget",
    translation_key="over_budget",
    device_class=BinarySensorDeviceClass.PROBLEM,
)
PEAK_PERIOD = BinarySensorEntityDescription(key="peak_period", translation_key="peak_period")

# Tariffs name their periods freely; these names (case, spaces, dashes and underscores aside)
# are peak periods, as in "peak", "On-Peak", "super_peak" (but not "off-peak" or "mid-peak").
PEAK_NAMES = frozenset({"peak", "onpeak", "superpeak", "criticalpeak"})


def is_peak(period: str | None) -> bool | None:
    """Tell whether PERIOD names a peak period; None when there is no period now."""
    if period is None:
        return None
    return re.sub(r"[\s_-]", "", period.lower()) in PEAK_NAMES


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AetherLensConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add an "over budget" sensor for every budget the engine reports, as it reports them."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities([PeakPeriodSensor(coordinator, PEAK_PERIOD)])
    # Budgets hidden in the options count as added: they never get an entity.
    added = hidden_budget_ids(entry)

    @callback
    def add_new() -> None:
        new = [budget for budget in coordinator.data.budgets if budget.id not in added]
        added.update(budget.id for budget in new)
        async_add_entities(OverBudgetSensor(coordinator, budget) for budget in new)

    add_new()
    entry.async_on_unload(coordinator.async_add_listener(add_new))


class PeakPeriodSensor(AetherLensEntity, BinarySensorEntity):
    """On while the tariff's current time-of-use period is a peak period."""

    @property
    @override
    def is_on(self) -> bool | None:
        """Return whether the current period is a peak one."""
        return is_peak(self.coordinator.data.price.period)


class OverBudgetSensor(AetherLensEntity, BinarySensorEntity):
    """On while a budget's period has spent more than the budget."""

    def __init__(self, coordinator: AetherLensDataUpdateCoordinator, budget: Budget) -> None:
        """Follow BUDGET."""
        super().__init__(coordinator, OVER_BUDGET, key=f"budget_{budget.id}_over")
        self._budget_id = budget.id
        self._attr_translation_placeholders = {"name": budget.name}

    @property
    @override
    def available(self) -> bool:
        """Tell whether the engine answers and still has this budget."""
        return super().available and self.coordinator.budget(self._budget_id) is not None

    @property
    @override
    def is_on(self) -> bool | None:
        """Return whether the budget is exceeded."""
        budget = self.coordinator.budget(self._budget_id)
        return None if budget is None else budget.exceeded
