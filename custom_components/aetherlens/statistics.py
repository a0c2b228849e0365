"""Long-term statistics imported from the engine as external statistics (as opower and tibber do).

- `aetherlens:energy_<instance>_<device>`: each metered device's energy per hour (kWh);
- `aetherlens:cost_<instance>_<device>`: its cost per hour, in the engine's currency;
- `aetherlens:cloud_<instance>_<account>_<currency>`: each cloud account's cost per local day.

Hourly series are backfilled on the first import and continued from the last imported hour
afterwards; only complete hours are imported (the engine's current hour is still growing). When
the engine recomputes its costs (a tariff change: the summary's `recompute.generation` grows),
the hourly costs are imported again over the recomputed range. The engine reports a cloud
account's previous day only, so its daily series starts at the first import.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import (
    async_add_external_statistics,
    get_last_statistics,
    statistics_during_period,
)
from homeassistant.const import UnitOfEnergy
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
from homeassistant.util import slugify
from homeassistant.util.unit_conversion import EnergyConverter

from .api import AetherLensError, CloudAccount, CostRow, MeteredDevice, Summary
from .const import DOMAIN, LOGGER
from .coordinator import AetherLensConfigEntry
from .entity import device_name

# How far back the first import reaches; within the engine's limit for hourly series (93 days).
BACKFILL = timedelta(days=90)
# The recompute generation whose costs are imported; kept in the entry across restarts so
# that a recompute while Home Assistant was down is imported too.
CONF_IMPORTED_GENERATION = "statistics_generation"


def energy_statistic_id(entry: AetherLensConfigEntry, device_id: int) -> str:
    """Return the statistic id of a device's hourly energy."""
    return f"{DOMAIN}:energy_{slugify(str(entry.unique_id))}_{device_id}"


def cost_statistic_id(entry: AetherLensConfigEntry, device_id: int) -> str:
    """Return the statistic id of a device's hourly cost."""
    return f"{DOMAIN}:cost_{slugify(str(entry.unique_id))}_{device_id}"


def cloud_statistic_id(entry: AetherLensConfigEntry, device_id: int, currency: str) -> str:
    """Return the statistic id of a cloud account's daily cost in CURRENCY."""
    return f"{DOMAIN}:cloud_{slugify(str(entry.unique_id))}_{device_id}_{currency.lower()}"


@dataclass(frozen=True, slots=True)
class _Resume:
    """Where a series continues: its next hour and the sum before it."""

    start: datetime
    total: float


class StatisticsImporter:
    """Imports the complete hours once per hour, after a coordinator update."""

    def __init__(self, hass: HomeAssistant, entry: AetherLensConfigEntry) -> None:
        """Import for ENTRY's engine."""
        self._hass = hass
        self._entry = entry
        self._imported_until: datetime | None = None
        # Up to where each series was asked; a device without readings has no statistics to
        # resume from, and would otherwise be asked for its whole backfill every hour.
        self._asked_until: dict[str, datetime] = {}
        self._running = False

    @callback
    def async_schedule(self) -> None:
        """Start an import if an hour completed or costs were recomputed since the last one."""
        if "recorder" not in self._hass.config.components or self._running:
            return
        if self._imported_until == _hour_start(dt_util.utcnow()) and not self._recomputed():
            return
        self._running = True
        self._entry.async_create_background_task(
            self._hass, self._async_import(), name=f"AetherLens {self._entry.title} statistics"
        )

    def _recomputed(self) -> bool:
        """Tell whether the engine finished a recompute whose costs are not imported yet."""
        recompute = self._entry.runtime_data.coordinator.data.recompute
        imported = self._entry.data.get(CONF_IMPORTED_GENERATION)
        return recompute is not None and imported is not None and recompute.generation > imported

    async def _async_import(self) -> None:
        until = _hour_start(dt_util.utcnow())
        summary = self._entry.runtime_data.coordinator.data
        try:
            for device in summary.devices:
                await self._async_import_energy(device, until)
            await self._async_import_costs(summary, until, reimport=self._recomputed())
            for account in summary.cloud_accounts:
                await self._async_import_cloud(summary, account)
        except AetherLensError as err:
            # Retried after the next update; the sensors report the outage itself.
            LOGGER.warning("Could not import the engine's history into statistics: %s", err)
        else:
            self._imported_until = until
            if summary.recompute is not None:
                self._hass.config_entries.async_update_entry(
                    self._entry,
                    data={
                        **self._entry.data,
                        CONF_IMPORTED_GENERATION: summary.recompute.generation,
                    },
                )
        finally:
            self._running = False

    async def _async_resume(self, statistic_id: str, until: datetime) -> _Resume:
        """Return where STATISTIC_ID continues: after its last hour, else at the backfill."""
        last = await get_instance(self._hass).async_add_executor_job(
            get_last_statistics, self._hass, 1, statistic_id, True, {"sum"}
        )
        if last.get(statistic_id):
            row = last[statistic_id][0]
            start = dt_util.utc_from_timestamp(row["start"]) + timedelta(hours=1)
            return _Resume(start, row.get("sum") or 0.0)
        return _Resume(self._asked_until.get(statistic_id, until - BACKFILL), 0.0)

    async def _async_sum_before(self, statistic_id: str, start: datetime) -> float:
        """Return STATISTIC_ID's sum at the last hour before START (0 without one)."""
        rows = await get_instance(self._hass).async_add_executor_job(
            statistics_during_period,
            self._hass,
            start - BACKFILL,
            start,
            {statistic_id},
            "hour",
            None,
            {"sum"},
        )
        series = rows.get(statistic_id)
        return (series[-1].get("sum") or 0.0) if series else 0.0

    async def _async_import_energy(self, device: MeteredDevice, until: datetime) -> None:
        statistic_id = energy_statistic_id(self._entry, device.id)
        resume = await self._async_resume(statistic_id, until)
        if resume.start >= until:
            return
        points = await self._entry.runtime_data.client.hourly_energy(device.id, resume.start, until)
        total = resume.total
        statistics: list[StatisticData] = []
        for point in points:
            total += point.energy_kwh
            statistics.append(StatisticData(start=point.start, state=point.energy_kwh, sum=total))
        self._add(
            statistic_id,
            f"{device_name(device.name)} energy",
            UnitOfEnergy.KILO_WATT_HOUR,
            EnergyConverter.UNIT_CLASS,
            statistics,
        )
        self._asked_until[statistic_id] = until

    async def _async_import_costs(
        self, summary: Summary, until: datetime, *, reimport: bool
    ) -> None:
        """Import every device's hourly costs with one request over the earliest missing range.

        On REIMPORT the recomputed range replaces what was imported, sums continuing from the
        hour before it.
        """
        earliest = until - BACKFILL
        resumes: dict[int, _Resume] = {}
        if reimport:
            recompute = summary.recompute
            start = earliest
            if recompute is not None and recompute.start is not None:
                start = max(earliest, _hour_start(recompute.start))
            for device in summary.devices:
                statistic_id = cost_statistic_id(self._entry, device.id)
                resumes[device.id] = _Resume(
                    start, await self._async_sum_before(statistic_id, start)
                )
        else:
            for device in summary.devices:
                resume = await self._async_resume(cost_statistic_id(self._entry, device.id), until)
                # Hours beyond the engine's range for hourly costs are left out.
                resumes[device.id] = _Resume(max(resume.start, earliest), resume.total)
        wanted = [resume.start for resume in resumes.values() if resume.start < until]
        if not wanted:
            return
        # Every device's own costs (a grid meter's too: the Energy dashboard's grid cost),
        # not the household's parts, which leave out the mains and what sub-meters contain.
        report = await self._entry.runtime_data.client.costs(
            min(wanted), until, resolution="hour", group="meter"
        )
        rows: dict[int, list[CostRow]] = {}
        for row in report.rows:
            if row.device_id is not None:
                rows.setdefault(row.device_id, []).append(row)
        for device in summary.devices:
            resume = resumes[device.id]
            statistic_id = cost_statistic_id(self._entry, device.id)
            self._add(
                statistic_id,
                f"{device_name(device.name)} cost",
                report.currency,
                None,
                _sums(
                    ((row.start, row.cost) for row in rows.get(device.id, ())),
                    resume,
                ),
            )
            self._asked_until[statistic_id] = until

    async def _async_import_cloud(self, summary: Summary, account: CloudAccount) -> None:
        """Import the account's previous local day once it is reported."""
        if account.currency is None or account.yesterday is None:
            return
        zone = ZoneInfo(summary.timezone)
        midnight = datetime.combine(summary.today - timedelta(days=1), time(), tzinfo=zone)
        # Statistics start on whole UTC hours; local midnight is not one in a few zones.
        start = _hour_start(midnight.astimezone(UTC))
        statistic_id = cloud_statistic_id(self._entry, account.device_id, account.currency)
        resume = await self._async_resume(statistic_id, start)
        if resume.start > start:
            return
        self._add(
            statistic_id,
            f"{account.name} cost",
            account.currency,
            None,
            _sums([(start, account.yesterday)], resume),
        )

    def _add(
        self,
        statistic_id: str,
        name: str,
        unit: str,
        unit_class: str | None,
        statistics: list[StatisticData],
    ) -> None:
        if not statistics:
            return
        metadata = StatisticMetaData(
            mean_type=StatisticMeanType.NONE,
            has_sum=True,
            name=name,
            source=DOMAIN,
            statistic_id=statistic_id,
            unit_class=unit_class,
            unit_of_measurement=unit,
        )
        async_add_external_statistics(self._hass, metadata, statistics)


def _sums(amounts: Iterable[tuple[datetime, Decimal]], resume: _Resume) -> list[StatisticData]:
    """Return the statistics of AMOUNTS from RESUME's start on, summing from its total."""
    total = resume.total
    statistics: list[StatisticData] = []
    for start, amount in amounts:
        if start < resume.start:
            continue
        total += float(amount)
        statistics.append(StatisticData(start=start, state=float(amount), sum=total))
    return statistics


def _hour_start(instant: datetime) -> datetime:
    return instant.replace(minute=0, second=0, microsecond=0)
