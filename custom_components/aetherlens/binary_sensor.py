"""Binary sensors: whether each budget is exceeded."""

from __future__ import annotations

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
from .entity import AetherLensEntity
from .sensor import budget_of

PARALLEL_UPDATES = 0

OVER_BUDGET = BinarySensorEntityDescription(
    key="over_budget",
    translation_key="over_budget",
    device_class=BinarySensorDeviceClass.PROBLEM,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AetherLensConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add an "over budget" sensor for every budget the engine reports, as it reports them."""
    coordinator = entry.runtime_data.coordinator
    added: set[int] = set()

    @callback
    def add_new() -> None:
        new = [budget for budget in coordinator.data.budgets if budget.id not in added]
        added.update(budget.id for budget in new)
        async_add_entities(OverBudgetSensor(coordinator, budget) for budget in new)

    add_new()
    entry.async_on_unload(coordinator.async_add_listener(add_new))


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
        return super().available and budget_of(self.coordinator.data, self._budget_id) is not None

    @property
    @override
    def is_on(self) -> bool | None:
        """Return whether the budget is exceeded."""
        budget = budget_of(self.coordinator.data, self._budget_id)
        return None if budget is None else budget.exceeded
