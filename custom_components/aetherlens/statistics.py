"""Long-term statistics imported from the engine as external statistics (as opower and tibber do).

- `aetherlens:energy_<instance>_<device>`: each metered device's energy per hour (kWh);
- `aetherlens:cost_<instance>_<device>`: its cost per hour, in the engine's currency;
- `aetherlens:cloud_<instance>_<account>_<currency>`: each cloud account's cost per local day;
- `aetherlens:<commodity>_usage_<instance>` and `aetherlens:<commodity>_cost_<instance>`: the
  household's usage (kWh; gas and water in their meters' unit) and cost per hour of each
  commodity of the ledger (electricity, gas, water) the engine prices, for the Energy
  dashboard's grid, gas and water sources.

Hourly series are backfilled on the first import and continued from the last imported hour
afterwards. Only complete hours are imported, from SETTLED_AFTER past their end on: the engine
folds an hour's last readings into it within its rollup interval. An hour's cost is imported once
the engine has priced the hour, for the energy imported (a cost row gives the energy it prices):
an hour it has not priced yet, at setup or after the hour, stops the device's costs before it,
and the next updates (a minute apart) import it once priced. When the engine recomputes its costs
(a tariff change: the summary's `recompute.generation` grows), the hourly costs are imported
again over the recomputed range. A commodity's series hold the hours the engine has priced
(`/api/v1/costs` of the commodity), continued from their last hour. The engine reports a cloud
account's previous day only, so its daily series starts at the first import.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
from homeassistant.util.unit_conversion import EnergyConverter, VolumeConverter

from .api import AetherLensError, CloudAccount, CostRow, LedgerPart, MeteredDevice, Summary
from .const import DOMAIN, LOGGER
from .coordinator import AetherLensConfigEntry
from .entity import device_name

# How far back the first import reaches; within the engine's limit for hourly series (93 days).
BACKFILL = timedelta(days=90)
# How long after its end an hour counts as complete: the engine's rollups (every minute by
# default, readings settling for 30 s) have folded its last readings in by then.
SETTLED_AFTER = timedelta(minutes=2)
# The kinds of device the engine prices (aetherlens_engine.pricing.store.costs.PRICED_KINDS): others
# never get a cost row, so their energy waits for none.
PRICED_KINDS = frozenset({"grid", "meter", "appliance"})
# Energy a cost row may differ by from the hour's and still be its pricing (float round-trips).
SAME_ENERGY_KWH = 1e-9
# The ledger's metered commodities, each with a household usage and cost series.
COMMODITIES = ("electricity", "gas", "water")
# The unit classes of what a commodity's household counts (kWh, or a volume).
UNIT_CLASSES = {
    UnitOfEnergy.KILO_WATT_HOUR: EnergyConverter.UNIT_CLASS,
    **dict.fromkeys(VolumeConverter.VALID_UNITS, VolumeConverter.UNIT_CLASS),
}
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


def commodity_statistic_id(entry: AetherLensConfigEntry, commodity: str, measure: str) -> str:
    """Return the statistic id of the household's hourly MEASURE (usage, cost) of COMMODITY."""
    return f"{DOMAIN}:{commodity}_{measure}_{slugify(str(entry.unique_id))}"


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
        if self._imported_until == _complete_until(dt_util.utcnow()) and not self._recomputed():
            return
        self._running = True
        self._entry.async_create_background_task(
            self._hass, self._async_import(), name=f"{self._entry.title} statistics"
        )

    def _recomputed(self) -> bool:
        """Tell whether the engine finished a recompute whose costs are not imported yet."""
        recompute = self._entry.runtime_data.coordinator.data.recompute
        imported = self._entry.data.get(CONF_IMPORTED_GENERATION)
        return recompute is not None and imported is not None and recompute.generation > imported

    async def _async_import(self) -> None:
        until = _complete_until(dt_util.utcnow())
        summary = self._entry.runtime_data.coordinator.data
        reimport = self._recomputed()
        try:
            energy = {
                device.id: await self._async_import_energy(device, until)
                for device in summary.devices
            }
            priced = await self._async_import_costs(summary, until, energy, reimport=reimport)
            for commodity in _priced_commodities(summary):
                await self._async_import_commodity(summary, commodity, until, reimport=reimport)
            for account in summary.cloud_accounts:
                await self._async_import_cloud(summary, account)
        except AetherLensError as err:
            # Retried after the next update; the sensors report the outage itself.
            LOGGER.warning("Could not import the engine's history into statistics: %s", err)
        else:
            if priced:  # else the next update imports the hours the engine prices meanwhile
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
        """Return where STATISTIC_ID continues, else where its backfill starts.

        It continues after its last hour, or after the hours asked for since (none used).
        """
        last = await get_instance(self._hass).async_add_executor_job(
            get_last_statistics, self._hass, 1, statistic_id, True, {"sum"}
        )
        asked = self._asked_until.get(statistic_id)
        if last.get(statistic_id):
            row = last[statistic_id][0]
            start = dt_util.utc_from_timestamp(row["start"]) + timedelta(hours=1)
            # Hours asked for since without a row (nothing used) are not asked for again.
            return _Resume(max(start, asked or start), row.get("sum") or 0.0)
        return _Resume(asked or until - BACKFILL, 0.0)

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

    async def _async_cost_resume(self, device: MeteredDevice, until: datetime) -> _Resume:
        """Return where DEVICE's costs continue; hours beyond the engine's range left out."""
        return await self._async_backfill_resume(cost_statistic_id(self._entry, device.id), until)

    async def _async_backfill_resume(self, statistic_id: str, until: datetime) -> _Resume:
        """Return where STATISTIC_ID continues, hours beyond the engine's range left out."""
        resume = await self._async_resume(statistic_id, until)
        return _Resume(max(resume.start, until - BACKFILL), resume.total)

    async def _async_import_energy(
        self, device: MeteredDevice, until: datetime
    ) -> dict[datetime, float]:
        """Import DEVICE's hourly energy; return it by hour from where its costs continue.

        The costs wait for the engine to price each hour, so they may continue earlier.
        """
        statistic_id = energy_statistic_id(self._entry, device.id)
        resume = await self._async_resume(statistic_id, until)
        start = resume.start
        if device.kind in PRICED_KINDS:
            start = min(start, (await self._async_cost_resume(device, until)).start)
        if start >= until:
            return {}
        points = await self._entry.runtime_data.client.hourly_energy(device.id, start, until)
        total = resume.total
        statistics: list[StatisticData] = []
        for point in points:
            if point.start < resume.start:
                continue
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
        return {point.start: point.energy_kwh for point in points}

    async def _async_import_costs(
        self,
        summary: Summary,
        until: datetime,
        energy: dict[int, dict[datetime, float]],
        *,
        reimport: bool,
    ) -> bool:
        """Import every device's hourly costs with one request over the earliest missing range.

        A device's costs stop before the first hour of its ENERGY the engine has not priced
        yet. On REIMPORT (a finished recompute) the recomputed range replaces what was
        imported, sums continuing from the hour before it. Return whether every hour before
        UNTIL was priced.
        """
        resumes: dict[int, _Resume] = {}
        if reimport:
            start = _recomputed_from(summary, until)
            for device in summary.devices:
                statistic_id = cost_statistic_id(self._entry, device.id)
                resumes[device.id] = _Resume(
                    start, await self._async_sum_before(statistic_id, start)
                )
        else:
            for device in summary.devices:
                resumes[device.id] = await self._async_cost_resume(device, until)
        wanted = [resume.start for resume in resumes.values() if resume.start < until]
        if not wanted:
            return True
        # Every device's own costs (a grid meter's too: the Energy dashboard's grid cost),
        # not the household's parts, which leave out the mains and what sub-meters contain.
        report = await self._entry.runtime_data.client.costs(
            min(wanted), until, resolution="hour", group="meter"
        )
        rows: dict[int, list[CostRow]] = {}
        for row in report.rows:
            if row.device_id is not None:
                rows.setdefault(row.device_id, []).append(row)
        last_priced = max((row.start for row in report.rows), default=None)
        priced = True
        for device in summary.devices:
            resume = resumes[device.id]
            statistic_id = cost_statistic_id(self._entry, device.id)
            device_rows = rows.get(device.id, [])
            pending = None
            # Without an active tariff nothing is being priced; a recompute priced its range.
            if device.kind in PRICED_KINDS and summary.tariff is not None and not reimport:
                pending = _first_unpriced(energy[device.id], device_rows, resume, last_priced)
            self._add(
                statistic_id,
                f"{device_name(device.name)} cost",
                report.currency,
                None,
                _sums(
                    (
                        (row.start, row.cost)
                        for row in device_rows
                        if pending is None or row.start < pending
                    ),
                    resume,
                ),
            )
            self._asked_until[statistic_id] = until if pending is None else pending
            priced = priced and pending is None
        return priced

    async def _async_import_commodity(
        self, summary: Summary, commodity: str, until: datetime, *, reimport: bool
    ) -> None:
        """Import the household's usage and cost of COMMODITY per hour the engine priced.

        Both series continue from their last hour (an hour not priced yet is imported once
        it is); on REIMPORT (a finished recompute) from where the recompute began.
        """
        ids = {
            measure: commodity_statistic_id(self._entry, commodity, measure)
            for measure in ("usage", "cost")
        }
        if reimport:
            start = _recomputed_from(summary, until)
            resumes = {
                measure: _Resume(start, await self._async_sum_before(statistic_id, start))
                for measure, statistic_id in ids.items()
            }
        else:
            resumes = {
                measure: await self._async_backfill_resume(statistic_id, until)
                for measure, statistic_id in ids.items()
            }
        start = min(resume.start for resume in resumes.values())
        if start >= until:
            return
        report = await self._entry.runtime_data.client.costs(
            start,
            until,
            resolution="hour",
            group="total",
            # Engines before the ledger know electricity only, and no such parameter.
            commodity=None if commodity == "electricity" else commodity,
        )
        title = f"{self._entry.title} {commodity}"
        if (unit_class := UNIT_CLASSES.get(str(report.unit))) is not None:
            usage = ((row.start, row.energy_kwh) for row in report.rows)
            self._add(
                ids["usage"],
                f"{title} usage",
                str(report.unit),
                unit_class,
                _sums(usage, resumes["usage"]),
            )
        costs = ((row.start, row.cost) for row in report.rows)
        self._add(
            ids["cost"], f"{title} cost", report.currency, None, _sums(costs, resumes["cost"])
        )

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


def _priced_commodities(summary: Summary) -> list[str]:
    """Return the commodities the engine prices: each with an active tariff."""
    parts = summary.ledger.parts if summary.ledger is not None else {}
    return [
        commodity
        for commodity in COMMODITIES
        if (summary.tariff if commodity == "electricity" else _tariff(parts, commodity))
    ]


def _tariff(parts: Mapping[str, LedgerPart], commodity: str) -> str | None:
    part = parts.get(commodity)
    return part.tariff if part is not None else None


def _recomputed_from(summary: Summary, until: datetime) -> datetime:
    """Return the first hour a finished recompute changed, within the backfill before UNTIL."""
    recompute = summary.recompute
    earliest = until - BACKFILL
    if recompute is not None and recompute.start is not None:
        return max(earliest, _hour_start(recompute.start))
    return earliest


def _first_unpriced(
    energy: dict[datetime, float],
    rows: list[CostRow],
    resume: _Resume,
    last_priced: datetime | None,
) -> datetime | None:
    """Return the first hour from RESUME's start whose ENERGY the engine has not priced yet.

    The engine prices hours in time order, all devices of an hour at once: hours with energy
    after LAST_PRICED, the latest hour with a cost row, have no cost yet; LAST_PRICED itself
    must price the energy imported (energy that grew between the two requests is priced at a
    later update). Earlier hours without a row stay without one (before the tariff's first
    version, say).
    """
    priced: dict[datetime, float] = {}
    for row in rows:
        priced[row.start] = priced.get(row.start, 0.0) + row.energy_kwh
    for hour in sorted(energy):
        kwh = energy[hour]
        if hour < resume.start or kwh == 0:
            continue
        if last_priced is None or hour > last_priced:
            return hour
        if hour == last_priced and abs(priced.get(hour, 0.0) - kwh) > SAME_ENERGY_KWH:
            return hour
    return None


def _sums(
    amounts: Iterable[tuple[datetime, Decimal | float]], resume: _Resume
) -> list[StatisticData]:
    """Return the statistics of AMOUNTS from RESUME's start on, summing from its total."""
    total = resume.total
    statistics: list[StatisticData] = []
    for start, amount in amounts:
        if start < resume.start:
            continue
        total += float(amount)
        statistics.append(StatisticData(start=start, state=float(amount), sum=total))
    return statistics


def _complete_until(now: datetime) -> datetime:
    """Return the end of the last hour that is complete at NOW (see SETTLED_AFTER)."""
    return _hour_start(now - SETTLED_AFTER)


def _hour_start(instant: datetime) -> datetime:
    return instant.replace(minute=0, second=0, microsecond=0)
