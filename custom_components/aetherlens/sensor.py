"""Sensors: the household's, each metered device's and each cloud account's costs and energy."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, override
from zoneinfo import ZoneInfo

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import UnitOfEnergy, UnitOfMass, UnitOfPower
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import slugify

from .api import (
    Budget,
    CloudAccount,
    DemandPeak,
    Ledger,
    LedgerConnection,
    LedgerPart,
    MeteredDevice,
    Summary,
)
from .const import CONF_DEVICE_SENSORS
from .coordinator import (
    AetherLensConfigEntry,
    AetherLensDataUpdateCoordinator,
    cloud_identifier,
)
from .entity import (
    MANUFACTURER,
    AetherLensEntity,
    container_of,
    hidden_budget_ids,
    register_metered_device,
)
from .money import minor_unit, rounded

PARALLEL_UPDATES = 0

type Value = Decimal | float | str | datetime | None


def _local_midnight(day: date, summary: Summary) -> datetime:
    return datetime.combine(day, time(), tzinfo=ZoneInfo(summary.timezone))


def day_start(summary: Summary) -> datetime:
    """Return when the engine's current local day began."""
    return _local_midnight(summary.today, summary)


def month_start(summary: Summary) -> datetime:
    """Return when the engine's current local month began."""
    return _local_midnight(summary.month_start, summary)


def cycle_start(summary: Summary) -> datetime | None:
    """Return when the active tariff's billing cycle began; None without a tariff."""
    start = summary.billing_cycle.start
    return None if start is None else _local_midnight(start, summary)


@dataclass(frozen=True, kw_only=True)
class AetherLensSensorDescription[T](SensorEntityDescription):
    """Describe a sensor reading a value from T (the summary, a device or a cloud account)."""

    value_fn: Callable[[T], Value]
    # Monetary totals restart at the beginning of their period.
    last_reset_fn: Callable[[Summary], datetime | None] | None = None
    # Per kWh prices are in the currency per kWh; monetary values in the currency.
    unit_fn: Callable[[Summary], str] | None = None
    # Amounts are rounded to the currency's minor unit plus this many decimals, and shown so
    # (None: not an amount).
    money_decimals: int | None = None
    # Attributes explaining the value (e.g. a bill's components, a budget's amount).
    attributes_fn: Callable[[T], Mapping[str, Any] | None] | None = None


_KWH_DECIMALS = 3  # a Wh


def _amounts(amounts: Mapping[str, Decimal] | None) -> dict[str, str] | None:
    """Return amounts as exact decimal strings (attributes keep every digit)."""
    if amounts is None:
        return None
    return {name: format(amount.normalize(), "f") for name, amount in amounts.items()}


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
        money_decimals=0,
        unit_fn=_currency,
        last_reset_fn=day_start,
        value_fn=lambda summary: summary.household.cost_today,
    ),
    AetherLensSensorDescription[Summary](
        key="cost_month",
        translation_key="cost_month",
        device_class=SensorDeviceClass.MONETARY,
        state_class=SensorStateClass.TOTAL,
        money_decimals=0,
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
        key="cost_cycle",
        translation_key="cost_cycle",
        device_class=SensorDeviceClass.MONETARY,
        state_class=SensorStateClass.TOTAL,
        money_decimals=0,
        unit_fn=_currency,
        last_reset_fn=cycle_start,
        value_fn=lambda summary: summary.billing_cycle.cost_so_far,
        attributes_fn=lambda summary: _amounts(summary.billing_cycle.components),
    ),
    AetherLensSensorDescription[Summary](
        # A projection, not a running total: no state class, no statistics of it.
        key="projected_cycle_bill",
        translation_key="projected_cycle_bill",
        device_class=SensorDeviceClass.MONETARY,
        money_decimals=0,
        unit_fn=_currency,
        value_fn=lambda summary: summary.billing_cycle.projected_total,
    ),
    AetherLensSensorDescription[Summary](
        # A price per kWh is not an amount of money: no monetary device class.
        key="current_price",
        translation_key="current_price",
        state_class=SensorStateClass.MEASUREMENT,
        money_decimals=2,
        unit_fn=_price_unit,
        value_fn=lambda summary: summary.price.current,
    ),
    AetherLensSensorDescription[Summary](
        key="next_price_change",
        translation_key="next_price_change",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda summary: summary.price.next_change,
    ),
    AetherLensSensorDescription[Summary](
        key="carbon_today",
        translation_key="carbon_today",
        device_class=SensorDeviceClass.WEIGHT,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfMass.KILOGRAMS,
        suggested_display_precision=2,
        value_fn=lambda summary: summary.household.carbon_today_kg,
    ),
)


def _part(summary: Summary, commodity: str) -> LedgerPart | None:
    """Return COMMODITY's part of the ledger when it is priced (None without, or unpriced)."""
    part = None if summary.ledger is None else summary.ledger.parts.get(commodity)
    return part if part is not None and part.tariff is not None else None


def _part_value(commodity: str, get: Callable[[LedgerPart], Value]) -> Callable[[Summary], Value]:
    def value(summary: Summary) -> Value:
        part = _part(summary, commodity)
        return None if part is None else get(part)

    return value


def _part_cycle_start(commodity: str) -> Callable[[Summary], datetime | None]:
    def start(summary: Summary) -> datetime | None:
        part = _part(summary, commodity)
        day = None if part is None else part.cycle_start
        return None if day is None else _local_midnight(day, summary)

    return start


def _part_price_unit(commodity: str) -> Callable[[Summary], str]:
    def unit(summary: Summary) -> str:
        part = _part(summary, commodity)
        return f"{summary.currency}/{part.unit if part is not None else ''}"

    return unit


def _usage(amount: Decimal | None) -> float | None:
    return None if amount is None else float(amount)


def _commodity_sensors(commodity: str) -> tuple[AetherLensSensorDescription[Summary], ...]:
    """Describe a commodity's costs from the ledger: cost entities of HA's Energy dashboard."""
    return (
        AetherLensSensorDescription[Summary](
            key=f"{commodity}_cost_today",
            translation_key=f"{commodity}_cost_today",
            device_class=SensorDeviceClass.MONETARY,
            state_class=SensorStateClass.TOTAL,
            money_decimals=0,
            unit_fn=_currency,
            last_reset_fn=day_start,
            value_fn=_part_value(commodity, lambda part: part.today),
        ),
        AetherLensSensorDescription[Summary](
            key=f"{commodity}_cost_month",
            translation_key=f"{commodity}_cost_month",
            device_class=SensorDeviceClass.MONETARY,
            state_class=SensorStateClass.TOTAL,
            money_decimals=0,
            unit_fn=_currency,
            last_reset_fn=month_start,
            value_fn=_part_value(commodity, lambda part: part.month),
        ),
        AetherLensSensorDescription[Summary](
            key=f"{commodity}_cost_cycle",
            translation_key=f"{commodity}_cost_cycle",
            device_class=SensorDeviceClass.MONETARY,
            state_class=SensorStateClass.TOTAL,
            money_decimals=0,
            unit_fn=_currency,
            last_reset_fn=_part_cycle_start(commodity),
            value_fn=_part_value(commodity, lambda part: part.cycle_so_far),
        ),
        AetherLensSensorDescription[Summary](
            # A price per unit is not an amount of money: no monetary device class.
            key=f"{commodity}_price_now",
            translation_key=f"{commodity}_price_now",
            state_class=SensorStateClass.MEASUREMENT,
            money_decimals=2,
            unit_fn=_part_price_unit(commodity),
            value_fn=_part_value(commodity, lambda part: part.price_now),
        ),
        AetherLensSensorDescription[Summary](
            key=f"{commodity}_projected_bill",
            translation_key=f"{commodity}_projected_bill",
            device_class=SensorDeviceClass.MONETARY,
            money_decimals=0,
            unit_fn=_currency,
            value_fn=_part_value(commodity, lambda part: part.projected),
        ),
    )


def usage_sensors(commodity: str, unit: str) -> tuple[AetherLensSensorDescription[Summary], ...]:
    """Describe a commodity's usage today and this month, in its tariff's UNIT (kWh or m³)."""
    volume = SensorDeviceClass.GAS if commodity == "gas" else SensorDeviceClass.WATER
    device_class = SensorDeviceClass.ENERGY if unit == UnitOfEnergy.KILO_WATT_HOUR else volume
    return tuple(
        AetherLensSensorDescription[Summary](
            key=f"{commodity}_usage_{period}",
            translation_key=f"{commodity}_usage_{period}",
            device_class=device_class,
            state_class=SensorStateClass.TOTAL_INCREASING,
            native_unit_of_measurement=unit,
            suggested_display_precision=3,
            value_fn=_part_value(commodity, get),
        )
        for period, get in (
            ("today", lambda part: _usage(part.usage_today)),
            ("month", lambda part: _usage(part.usage_month)),
        )
    )


def _ledger_total(get: Callable[[Ledger], Decimal]) -> Callable[[Summary], Value]:
    return lambda summary: None if summary.ledger is None else get(summary.ledger)


# Electricity + gas + water + cloud: the ledger's totals (each the exact sum of its parts).
TOTAL_SPEND_SENSORS: tuple[AetherLensSensorDescription[Summary], ...] = (
    AetherLensSensorDescription[Summary](
        key="total_spend_today",
        translation_key="total_spend_today",
        device_class=SensorDeviceClass.MONETARY,
        state_class=SensorStateClass.TOTAL,
        money_decimals=0,
        unit_fn=_currency,
        last_reset_fn=day_start,
        value_fn=_ledger_total(lambda ledger: ledger.today),
    ),
    AetherLensSensorDescription[Summary](
        key="total_spend_month",
        translation_key="total_spend_month",
        device_class=SensorDeviceClass.MONETARY,
        state_class=SensorStateClass.TOTAL,
        money_decimals=0,
        unit_fn=_currency,
        last_reset_fn=month_start,
        value_fn=_ledger_total(lambda ledger: ledger.month),
    ),
    AetherLensSensorDescription[Summary](
        # Each part's own cycle: no one period restarts it, so no state class.
        key="total_spend_cycle",
        translation_key="total_spend_cycle",
        device_class=SensorDeviceClass.MONETARY,
        money_decimals=0,
        unit_fn=_currency,
        value_fn=_ledger_total(lambda ledger: ledger.cycle_so_far),
    ),
)
METERED_COMMODITIES = ("gas", "water")
COMMODITY_SENSORS = {commodity: _commodity_sensors(commodity) for commodity in METERED_COMMODITIES}

PRICE_PERIOD_SENSOR = AetherLensSensorDescription[Summary](
    key="price_period",
    translation_key="price_period",
    device_class=SensorDeviceClass.ENUM,
    value_fn=lambda summary: summary.price.period,
)

DEVICE_SENSORS: tuple[AetherLensSensorDescription[MeteredDevice], ...] = (
    AetherLensSensorDescription[MeteredDevice](
        key="cost_today",
        translation_key="cost_today",
        device_class=SensorDeviceClass.MONETARY,
        state_class=SensorStateClass.TOTAL,
        money_decimals=0,
        unit_fn=_currency,
        last_reset_fn=day_start,
        value_fn=lambda device: device.cost_today,
    ),
    AetherLensSensorDescription[MeteredDevice](
        key="cost_month",
        translation_key="cost_month",
        device_class=SensorDeviceClass.MONETARY,
        state_class=SensorStateClass.TOTAL,
        money_decimals=0,
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
        money_decimals=0,
        last_reset_fn=day_start,
        value_fn=lambda account: account.today,
    ),
    AetherLensSensorDescription[CloudAccount](
        key="cloud_month_to_date",
        translation_key="cloud_month_to_date",
        device_class=SensorDeviceClass.MONETARY,
        state_class=SensorStateClass.TOTAL,
        money_decimals=0,
        last_reset_fn=month_start,
        value_fn=lambda account: account.month_to_date,
        attributes_fn=lambda account: {
            "yesterday": None if account.yesterday is None else float(account.yesterday),
            "top_services": {item.name: float(item.amount) for item in account.top_services},
        },
    ),
    AetherLensSensorDescription[CloudAccount](
        key="cloud_forecast",
        translation_key="cloud_forecast",
        device_class=SensorDeviceClass.MONETARY,
        money_decimals=0,
        value_fn=lambda account: account.forecast,
    ),
)


BUDGET_SENSOR = AetherLensSensorDescription[Budget](
    key="budget_spent",
    translation_key="budget_spent",
    device_class=SensorDeviceClass.MONETARY,
    state_class=SensorStateClass.TOTAL,
    money_decimals=0,
    value_fn=lambda budget: budget.spent,
    attributes_fn=lambda budget: {
        "amount": str(budget.amount),
        "period": budget.period,
        "scope": budget.scope,
        "thresholds": list(budget.thresholds),
        "threshold_reached": budget.threshold_reached,
    },
)


def _optional_text(value: Decimal | datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, datetime) else str(value)


# Per demand line of the active tariff (flat, each TOU period): its peak this cycle so far and
# the kW left before its next tier.
# A grid connection priced by a tariff of its own (a heat pump's meter): its own cycle's bill.
CONNECTION_SENSORS: tuple[AetherLensSensorDescription[LedgerConnection], ...] = (
    AetherLensSensorDescription[LedgerConnection](
        # Its own cycle's start is its attribute: no one period of the household restarts it.
        key="connection_cost_cycle",
        translation_key="connection_cost_cycle",
        device_class=SensorDeviceClass.MONETARY,
        money_decimals=0,
        unit_fn=_currency,
        value_fn=lambda part: part.cycle_so_far,
        attributes_fn=lambda part: {
            "connection": part.connection,
            "tariff": part.tariff,
            "cycle_start": None if part.cycle_start is None else part.cycle_start.isoformat(),
        },
    ),
    AetherLensSensorDescription[LedgerConnection](
        key="connection_projected_bill",
        translation_key="connection_projected_bill",
        device_class=SensorDeviceClass.MONETARY,
        money_decimals=0,
        unit_fn=_currency,
        value_fn=lambda part: part.projected,
    ),
)

DEMAND_SENSORS: tuple[AetherLensSensorDescription[DemandPeak], ...] = (
    AetherLensSensorDescription[DemandPeak](
        key="demand_peak",
        translation_key="demand_peak",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.KILO_WATT,
        suggested_display_precision=2,
        value_fn=lambda peak: peak.peak_kw,
        attributes_fn=lambda peak: {
            "window_start": _optional_text(peak.window_start),
            "tier": peak.tier,
            "price_per_kw": str(peak.price_per_kw),
            "projected_kw": _optional_text(peak.projected_kw),
            "on_course": peak.on_course,
        },
    ),
    AetherLensSensorDescription[DemandPeak](
        key="demand_margin",
        translation_key="demand_margin",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.KILO_WATT,
        suggested_display_precision=2,
        value_fn=lambda peak: peak.margin_kw,
        attributes_fn=lambda peak: {"next_tier_kw": _optional_text(peak.next_tier_kw)},
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AetherLensConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the household's sensors now, and devices' and accounts' as the engine reports them."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(
        [
            *(HouseholdSensor(coordinator, description) for description in HOUSEHOLD_SENSORS),
            PricePeriodSensor(coordinator, PRICE_PERIOD_SENSOR),
        ]
    )
    added: set[tuple[str, int, str | None]] = set()
    hidden_budgets = hidden_budget_ids(entry)

    @callback
    def add_new() -> None:
        summary = coordinator.data
        entities: list[SensorEntity] = []
        if entry.options.get(CONF_DEVICE_SENSORS, True):
            # Containers first: a device links to the HA device it is measured inside.
            for device in sorted(summary.devices, key=lambda d: _depth(summary, d)):
                if ("device", device.id, None) not in added:
                    added.add(("device", device.id, None))
                    entities.extend(_device_sensors(coordinator, device))
        for account in summary.cloud_accounts:
            # An account has a currency once its costs were first fetched.
            if account.currency and ("cloud", account.device_id, account.currency) not in added:
                added.add(("cloud", account.device_id, account.currency))
                entities.extend(_cloud_sensors(coordinator, account))
        entities.extend(_ledger_sensors(coordinator, summary, added))
        entities.extend(_demand_sensors(coordinator, summary, added))
        for budget in summary.budgets:
            if budget.id in hidden_budgets:
                continue
            if ("budget", budget.id, None) not in added:
                added.add(("budget", budget.id, None))
                entities.append(BudgetSensor(coordinator, budget))
        async_add_entities(entities)

    add_new()
    entry.async_on_unload(coordinator.async_add_listener(add_new))


def _ledger_sensors(
    coordinator: AetherLensDataUpdateCoordinator,
    summary: Summary,
    added: set[tuple[str, int, str | None]],
) -> list[SensorEntity]:
    """Return the ledger's sensors not added yet: totals, and each priced gas or water part's."""
    if summary.ledger is None:
        return []
    entities: list[SensorEntity] = []
    if ("ledger", 0, None) not in added:
        added.add(("ledger", 0, None))
        entities.extend(HouseholdSensor(coordinator, d) for d in TOTAL_SPEND_SENSORS)
    for commodity in METERED_COMMODITIES:
        part = _part(summary, commodity)
        if part is None or part.unit is None or ("ledger", 0, commodity) in added:
            continue
        added.add(("ledger", 0, commodity))
        descriptions = (*COMMODITY_SENSORS[commodity], *usage_sensors(commodity, part.unit))
        entities.extend(HouseholdSensor(coordinator, d) for d in descriptions)
    for connection, own in summary.ledger.connections.items():
        if ("connection", 0, connection) not in added:
            added.add(("connection", 0, connection))
            entities.extend(
                ConnectionSensor(coordinator, d, connection, own.tariff or connection)
                for d in CONNECTION_SENSORS
            )
    return entities


def _demand_sensors(
    coordinator: AetherLensDataUpdateCoordinator,
    summary: Summary,
    added: set[tuple[str, int, str | None]],
) -> list[SensorEntity]:
    """Return the sensors of the demand lines not added yet."""
    if summary.demand is None:
        return []
    entities: list[SensorEntity] = []
    for name in summary.demand.peaks:
        if ("demand", 0, name) not in added:
            added.add(("demand", 0, name))
            entities.extend(DemandSensor(coordinator, d, name) for d in DEMAND_SENSORS)
    return entities


def _device_sensors(
    coordinator: AetherLensDataUpdateCoordinator, device: MeteredDevice
) -> Iterable[SensorEntity]:
    info = register_metered_device(coordinator, device)
    return (
        DeviceSensor(coordinator, description, device.id, info) for description in DEVICE_SENSORS
    )


def _depth(summary: Summary, device: MeteredDevice) -> int:
    """Return how many containers DEVICE is inside (a loop counts as none)."""
    by_id = {other.id: other for other in summary.devices}
    depth, seen = 0, {device.id}
    while (container := container_of(summary, device)) is not None and container not in seen:
        if (found := by_id.get(container)) is None:
            break
        depth, device = depth + 1, found
        seen.add(container)
    return depth


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

    def _exact_value(self) -> Value:
        source = self._source()
        return None if source is None else self.entity_description.value_fn(source)

    @property
    @override
    def native_value(self) -> Value:
        """Return the value, rounded to what its unit means: a currency's minor unit, a Wh.

        An amount keeps its exact value in the `exact` attribute.
        """
        value = self._exact_value()
        extra = self.entity_description.money_decimals
        if isinstance(value, Decimal) and extra is not None:
            return rounded(value, self._money_decimals(extra))
        if isinstance(value, float) and self.device_class == SensorDeviceClass.ENERGY:
            return round(value, _KWH_DECIMALS)
        return value

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return an amount's exact value, and what explains the value."""
        attributes: dict[str, Any] = {}
        # Home Assistant asks only while the sensor is available, so while its source exists.
        source = self._source()
        if source is None:
            return None
        value = self.entity_description.value_fn(source)
        if isinstance(value, Decimal) and self.entity_description.money_decimals is not None:
            attributes["exact"] = format(value.normalize(), "f")
        if (attributes_fn := self.entity_description.attributes_fn) is not None:
            attributes |= attributes_fn(source) or {}
        return attributes or None

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

    @property
    @override
    def suggested_display_precision(self) -> int | None:
        """Return the decimals to show: an amount's, its currency's minor unit (and extra)."""
        if (extra := self.entity_description.money_decimals) is None:
            return self.entity_description.suggested_display_precision
        return self._money_decimals(extra)

    def _money_decimals(self, extra: int) -> int:
        unit = self.native_unit_of_measurement or ""
        return minor_unit(unit.partition("/")[0]) + extra


class HouseholdSensor(_AetherLensSensor[Summary]):
    """A sensor of the whole household, on the engine's device."""

    @override
    def _source(self) -> Summary:
        return self.coordinator.data


class PricePeriodSensor(HouseholdSensor):
    """The tariff's time-of-use period now, one of the tariff's period names."""

    def __init__(
        self,
        coordinator: AetherLensDataUpdateCoordinator,
        description: AetherLensSensorDescription[Summary],
    ) -> None:
        """Follow the summary's price period."""
        super().__init__(coordinator, description)
        # Engines that do not list the tariff's periods: those seen since setup.
        self._seen: set[str] = set()

    @property
    @override
    def options(self) -> list[str]:
        """Return the tariff's period names (always including the current one)."""
        price = self.coordinator.data.price
        if price.period is not None:
            self._seen.add(price.period)
        names = set(price.periods) if price.periods is not None else set(self._seen)
        if price.period is not None:
            names.add(price.period)
        return sorted(names)


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
        return self.coordinator.devices_by_id.get(self._device_id)


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

    @override
    def _source(self) -> Budget | None:
        return self.coordinator.budget(self._budget_id)

    @property
    @override
    def native_unit_of_measurement(self) -> str | None:
        """Return the budget's currency."""
        return self._attr_native_unit_of_measurement

    @property
    @override
    def last_reset(self) -> datetime | None:
        """Return when the budget's period began (None for a cycle without a tariff).

        The period is the current one: a budget changed in the page restarts with its new one.
        """
        budget, summary = self._source(), self.coordinator.data
        start = None if budget is None else summary.period_start(budget.period)
        return None if start is None else _local_midnight(start, summary)


class ConnectionSensor(_AetherLensSensor[LedgerConnection]):
    """A figure of a grid connection priced by a tariff of its own, named by that tariff."""

    def __init__(
        self,
        coordinator: AetherLensDataUpdateCoordinator,
        description: AetherLensSensorDescription[LedgerConnection],
        connection: str,
        tariff: str,
    ) -> None:
        """Follow the grid CONNECTION (its id), priced by TARIFF when it was added."""
        super().__init__(coordinator, description, key=f"{description.key}_{slugify(connection)}")
        self._connection = connection
        self._attr_translation_placeholders = {"tariff": tariff}

    @override
    def _source(self) -> LedgerConnection | None:
        ledger = self.coordinator.data.ledger
        return None if ledger is None else ledger.connections.get(self._connection)


class DemandSensor(_AetherLensSensor[DemandPeak]):
    """A figure of one demand line (named as on the bill) of the current billing cycle."""

    def __init__(
        self,
        coordinator: AetherLensDataUpdateCoordinator,
        description: AetherLensSensorDescription[DemandPeak],
        name: str,
    ) -> None:
        """Follow the demand line NAME."""
        super().__init__(coordinator, description, key=f"{description.key}_{slugify(name)}")
        self._line = name
        self._attr_translation_placeholders = {"period": name}

    @override
    def _source(self) -> DemandPeak | None:
        demand = self.coordinator.data.demand
        return None if demand is None else demand.peaks.get(self._line)
