"""Sensors: the household's, each metered device's and each cloud account's costs and energy."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import override
from zoneinfo import ZoneInfo

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import UnitOfEnergy
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import Budget, CloudAccount, MeteredDevice, Summary
from .const import CONF_DEVICE_SENSORS
from .coordinator import (
    AetherLensConfigEntry,
    AetherLensDataUpdateCoordinator,
    cloud_identifier,
    metered_identifier,
)
from .entity import MANUFACTURER, AetherLensEntity

PARALLEL_UPDATES = 0

type Value = Decimal | float | str | None


def _local_midnight(day: date, summary: Summary) -> datetime:
    return datetime.combine(day, time(), tzinfo=ZoneInfo(summary.timezone))


def day_start(summary: Summary) -> datetime:
    """Return when the engine's current local day began."""
    return _local_midnight(summary.today, summary)


def month_start(summary: Summary) -> datetime:
    """Return when the engine's current local month began."""
    return _local_midnight(summary.month_start, summary)


@dataclass(frozen=True, kw_only=True)
class AetherLensSensorDescription[T](SensorEntityDescription):
    """Describe a sensor reading a value from T (the summary, a device or a cloud account)."""

    value_fn: Callable[[T], Value]
    exists_fn: Callable[[T], bool] = lambda _: True
    # Monetary totals restart at the beginning of their period.
    last_reset_fn: Callable[[Summary], datetime] | None = None
    # Per kWh prices are in the currency per kWh; monetary values in the currency.
    unit_fn: Callable[[Summary], str] | None = None


def _currency(summary: Summary) -> str:
    return summary.currency


def _price_unit(summary: Summary) -> str:
    return f"{summary.currency}/{UnitOfEnergy.KILO_WATT_HOUR}"


HOUSEHOLD_SENSORS: tuple[AetherLensSensorDescription[Summary], ...] = (
    AetherLensSensorDescription[Summary](
        key="cost_today",
        translation_key="cost_today",
        device_class=SensorDeviceClass.MONETARY,
        state_class=SensorStateClass.TOTAL,
        suggested_display_precision=2,
        unit_fn=_currency,
        last_reset_fn=day_start,
        value_fn=lambda summary: summary.household.cost_today,
    ),
    AetherLensSensorDescription[Summary](
        key="cost_month",
        translation_key="cost_month",
        device_class=SensorDeviceClass.MONETARY,
        state_class=SensorStateClass.TOTAL,
        suggested_display_precision=2,
        unit_fn=_currency,
        last_reset_fn=month_start,
        value_fn=lambda summary: summary.household.cost_month,
    ),
    AetherLensSensorDescription[Summary](
        key="energy_today",
        translation_key="energy_today",
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=lambda summary: summary.household.energy_today_kwh,
    ),
    AetherLensSensorDescription[Summary](
        key="energy_month",
        translation_key="energy_month",
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=lambda summary: summary.household.energy_month_kwh,
    ),
    AetherLensSensorDescription[Summary](
        key="current_price",
        translation_key="current_price",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=4,
        unit_fn=_price_unit,
        value_fn=lambda summary: summary.price,
    ),
    AetherLensSensorDescription[Summary](
        key="price_period",
        translation_key="price_period",
        value_fn=lambda summary: summary.price_period,
    ),
)

DEVICE_SENSORS: tuple[AetherLensSensorDescription[MeteredDevice], ...] = (
    AetherLensSensorDescription[MeteredDevice](
        key="cost_today",
        translation_key="cost_today",
        device_class=SensorDeviceClass.MONETARY,
        state_class=SensorStateClass.TOTAL,
        suggested_display_precision=2,
        unit_fn=_currency,
        last_reset_fn=day_start,
        value_fn=lambda device: device.cost_today,
    ),
    AetherLensSensorDescription[MeteredDevice](
        key="cost_month",
        translation_key="cost_month",
        device_class=SensorDeviceClass.MONETARY,
        state_class=SensorStateClass.TOTAL,
        suggested_display_precision=2,
        unit_fn=_currency,
        last_reset_fn=month_start,
        value_fn=lambda device: device.cost_month,
    ),
    AetherLensSensorDescription[MeteredDevice](
        key="energy_today",
        translation_key="energy_today",
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=lambda device: device.energy_today_kwh,
    ),
)

CLOUD_SENSORS: tuple[AetherLensSensorDescription[CloudAccount], ...] = (
    AetherLensSensorDescription[CloudAccount](
        key="cloud_cost_today",
        translation_key="cloud_cost_today",
        device_class=SensorDeviceClass.MONETARY,
        state_class=SensorStateClass.TOTAL,
        suggested_display_precision=2,
        last_reset_fn=day_start,
        value_fn=lambda account: account.today,
    ),
    AetherLensSensorDescription[CloudAccount](
        key="cloud_month_to_date",
        translation_key="cloud_month_to_date",
        device_class=SensorDeviceClass.MONETARY,
        state_class=SensorStateClass.TOTAL,
        suggested_display_precision=2,
        last_reset_fn=month_start,
        value_fn=lambda account: account.month_to_date,
    ),
    AetherLensSensorDescription[CloudAccount](
        key="cloud_forecast",
        translation_key="cloud_forecast",
        device_class=SensorDeviceClass.MONETARY,
        suggested_display_precision=2,
        value_fn=lambda account: account.forecast,
    ),
)


BUDGET_SENSOR = AetherLensSensorDescription[Budget](
    key="budget_spent",
    translation_key="budget_spent",
    device_class=SensorDeviceClass.MONETARY,
    state_class=SensorStateClass.TOTAL,
    suggested_display_precision=2,
    value_fn=lambda budget: budget.spent,
)

# Where a budget's period restarts; billing cycles are not defined by the engine yet.
BUDGET_PERIOD_START: dict[str, Callable[[Summary], datetime]] = {
    "day": day_start,
    "month": month_start,
}


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AetherLensConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the household's sensors now, and devices' and accounts' as the engine reports them."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(
        HouseholdSensor(coordinator, description)
        for description in HOUSEHOLD_SENSORS
        if description.exists_fn(coordinator.data)
    )
    added: set[tuple[str, int, str | None]] = set()

    @callback
    def add_new() -> None:
        summary = coordinator.data
        entities: list[SensorEntity] = []
        if entry.options.get(CONF_DEVICE_SENSORS, True):
            for device in summary.devices:
                if ("device", device.id, None) not in added:
                    added.add(("device", device.id, None))
                    entities.extend(_device_sensors(coordinator, device))
        for account in summary.cloud_accounts:
            # An account has a currency once its costs were first fetched.
            if account.currency and ("cloud", account.device_id, account.currency) not in added:
                added.add(("cloud", account.device_id, account.currency))
                entities.extend(_cloud_sensors(coordinator, account))
        for budget in summary.budgets:
            if ("budget", budget.id, None) not in added:
                added.add(("budget", budget.id, None))
                entities.append(BudgetSensor(coordinator, budget))
        async_add_entities(entities)

    add_new()
    entry.async_on_unload(coordinator.async_add_listener(add_new))


def _device_sensors(
    coordinator: AetherLensDataUpdateCoordinator, device: MeteredDevice
) -> Iterable[SensorEntity]:
    entry = coordinator.config_entry
    info = DeviceInfo(
        identifiers={metered_identifier(entry, device.id)},
        manufacturer=MANUFACTURER,
        model=device.kind.capitalize(),
        name=device.name,
        via_device_id=entry.runtime_data.engine_device_id,
    )
    return (
        DeviceSensor(coordinator, description, device.id, info)
        for description in DEVICE_SENSORS
        if description.exists_fn(device)
    )


def _cloud_sensors(
    coordinator: AetherLensDataUpdateCoordinator, account: CloudAccount
) -> Iterable[SensorEntity]:
    entry = coordinator.config_entry
    info = DeviceInfo(
        identifiers={cloud_identifier(entry, account.device_id)},
        manufacturer=MANUFACTURER,
        model="Cloud account",
        name=account.name,
        via_device_id=entry.runtime_data.engine_device_id,
    )
    return (
        CloudSensor(coordinator, description, account.device_id, str(account.currency), info)
        for description in CLOUD_SENSORS
        if description.exists_fn(account)
    )


class _AetherLensSensor[T](AetherLensEntity, SensorEntity):
    """A sensor whose value comes from T in the current summary."""

    entity_description: AetherLensSensorDescription[T]

    @abstractmethod
    def _source(self) -> T | None:
        """Return what this sensor reads in the current summary, None once it is gone."""

    @property
    @override
    def available(self) -> bool:
        """Tell whether the engine answers and still reports this sensor's source."""
        return super().available and self._source() is not None

    @property
    @override
    def native_value(self) -> Value:
        """Return the value from the summary."""
        source = self._source()
        return None if source is None else self.entity_description.value_fn(source)

    @property
    @override
    def native_unit_of_measurement(self) -> str | None:
        """Return the unit, in the engine's currency for money."""
        if (unit_fn := self.entity_description.unit_fn) is not None:
            return unit_fn(self.coordinator.data)
        return self.entity_description.native_unit_of_measurement

    @property
    @override
    def last_reset(self) -> datetime | None:
        """Return when the period of a monetary total began."""
        if (last_reset_fn := self.entity_description.last_reset_fn) is None:
            return None
        return last_reset_fn(self.coordinator.data)


class HouseholdSensor(_AetherLensSensor[Summary]):
    """A sensor of the whole household, on the engine's device."""

    @override
    def _source(self) -> Summary:
        return self.coordinator.data


class DeviceSensor(_AetherLensSensor[MeteredDevice]):
    """A sensor of one metered device."""

    def __init__(
        self,
        coordinator: AetherLensDataUpdateCoordinator,
        description: AetherLensSensorDescription[MeteredDevice],
        device_id: int,
        device_info: DeviceInfo,
    ) -> None:
        """Follow the engine device DEVICE_ID."""
        super().__init__(
            coordinator,
            description,
            key=f"device_{device_id}_{description.key}",
            device_info=device_info,
        )
        self._device_id = device_id

    @override
    def _source(self) -> MeteredDevice | None:
        return next(
            (device for device in self.coordinator.data.devices if device.id == self._device_id),
            None,
        )


class CloudSensor(_AetherLensSensor[CloudAccount]):
    """A sensor of one cloud account in one currency."""

    def __init__(
        self,
        coordinator: AetherLensDataUpdateCoordinator,
        description: AetherLensSensorDescription[CloudAccount],
        device_id: int,
        currency: str,
        device_info: DeviceInfo,
    ) -> None:
        """Follow the account DEVICE_ID's costs in CURRENCY."""
        super().__init__(
            coordinator,
            description,
            key=f"cloud_{device_id}_{currency.lower()}_{description.key}",
            device_info=device_info,
        )
        self._device_id = device_id
        self._currency = currency
        self._attr_native_unit_of_measurement = currency

    @override
    def _source(self) -> CloudAccount | None:
        return next(
            (
                account
                for account in self.coordinator.data.cloud_accounts
                if account.device_id == self._device_id and account.currency == self._currency
            ),
            None,
        )

    @property
    @override
    def native_unit_of_measurement(self) -> str:
        """Return the account's currency."""
        return self._currency


class BudgetSensor(_AetherLensSensor[Budget]):
    """What a budget's period has spent so far, with the budget as an attribute."""

    def __init__(self, coordinator: AetherLensDataUpdateCoordinator, budget: Budget) -> None:
        """Follow BUDGET."""
        super().__init__(coordinator, BUDGET_SENSOR, key=f"budget_{budget.id}_spent")
        self._budget_id = budget.id
        self._attr_translation_placeholders = {"name": budget.name}
        self._attr_native_unit_of_measurement = budget.currency
        self._period_start = BUDGET_PERIOD_START.get(budget.period)

    @override
    def _source(self) -> Budget | None:
        return budget_of(self.coordinator.data, self._budget_id)

    @property
    @override
    def native_unit_of_measurement(self) -> str | None:
        """Return the budget's currency."""
        return self._attr_native_unit_of_measurement

    @property
    @override
    def last_reset(self) -> datetime | None:
        """Return when the budget's period began (None for billing cycles)."""
        return None if self._period_start is None else self._period_start(self.coordinator.data)

    @property
    @override
    def extra_state_attributes(self) -> dict[str, str] | None:
        """Return the budget's amount and period."""
        budget = self._source()
        # Home Assistant asks only while the sensor is available, so while the budget exists.
        return (
            None
            if budget is None
            else {"amount": str(budget.amount), "period": budget.period, "scope": budget.scope}
        )


def budget_of(summary: Summary, budget_id: int) -> Budget | None:
    """Return the budget BUDGET_ID of SUMMARY, None once it is gone."""
    return next((budget for budget in summary.budgets if budget.id == budget_id), None)
