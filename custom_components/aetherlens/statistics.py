"""Long-term statistics: each metered device's hourly energy, imported from the engine's rollups.

External statistics `aetherlens:energy_<instance>_<device>` (as opower and tibber import theirs),
backfilled on the first import and continued from the last imported hour afterwards. Only
complete hours are imported: the engine's current hour is still growing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import (
    async_add_external_statistics,
    get_last_statistics,
)
from homeassistant.const import UnitOfEnergy
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
from homeassistant.util import slugify
from homeassistant.util.unit_conversion import EnergyConverter

from .api import AetherLensError, MeteredDevice
from .const import DOMAIN, LOGGER
from .coordinator import AetherLensConfigEntry

# How far back the first import reaches; within the engine's limit for hourly series (93 days).
BACKFILL = timedelta(days=90)


def energy_statistic_id(entry: AetherLensConfigEntry, device_id: int) -> str:
    """Return the statistic id of a device's hourly energy."""
    return f"{DOMAIN}:energy_{slugify(str(entry.unique_id))}_{device_id}"


class EnergyStatisticsImporter:
    """Imports the complete hours once per hour, after a coordinator update."""

    def __init__(self, hass: HomeAssistant, entry: AetherLensConfigEntry) -> None:
        """Import for ENTRY's engine."""
        self._hass = hass
        self._entry = entry
        self._imported_until: datetime | None = None
        # Up to where each device was asked; a device without readings has no statistics to
        # resume from, and would otherwise be asked for its whole backfill every hour.
        self._asked_until: dict[int, datetime] = {}
        self._running = False

    @callback
    def async_schedule(self) -> None:
        """Start an import if an hour completed since the last one (and none is running)."""
        if "recorder" not in self._hass.config.components or self._running:
            return
        if self._imported_until == _hour_start(dt_util.utcnow()):
            return
        self._running = True
        self._entry.async_create_background_task(
            self._hass, self._async_import(), name=f"AetherLens {self._entry.title} statistics"
        )

    async def _async_import(self) -> None:
        until = _hour_start(dt_util.utcnow())
        try:
            for device in self._entry.runtime_data.coordinator.data.devices:
                await self._async_import_device(device, until)
        except AetherLensError as err:
            # Retried after the next update; the sensors report the outage itself.
            LOGGER.warning("Could not import the engine's hourly energy: %s", err)
        else:
            self._imported_until = until
        finally:
            self._running = False

    async def _async_import_device(self, device: MeteredDevice, until: datetime) -> None:
        statistic_id = energy_statistic_id(self._entry, device.id)
        last = await get_instance(self._hass).async_add_executor_job(
            get_last_statistics, self._hass, 1, statistic_id, True, {"sum"}
        )
        if last.get(statistic_id):
            row = last[statistic_id][0]
            start = dt_util.utc_from_timestamp(row["start"]) + timedelta(hours=1)
            total = row.get("sum") or 0.0
        else:
            start, total = self._asked_until.get(device.id, until - BACKFILL), 0.0
        if start >= until:
            return
        statistics: list[StatisticData] = []
        for point in await self._entry.runtime_data.client.hourly_energy(device.id, start, until):
            total += point.energy_kwh
            statistics.append(StatisticData(start=point.start, state=point.energy_kwh, sum=total))
        if statistics:
            metadata = StatisticMetaData(
                mean_type=StatisticMeanType.NONE,
                has_sum=True,
                name=f"{device.name} energy",
                source=DOMAIN,
                statistic_id=statistic_id,
                unit_class=EnergyConverter.UNIT_CLASS,
                unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
            )
            async_add_external_statistics(self._hass, metadata, statistics)
        self._asked_until[device.id] = until


def _hour_start(instant: datetime) -> datetime:
    return instant.replace(minute=0, second=0, microsecond=0)
