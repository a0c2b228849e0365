"""Gas and water: each commodity's billing cycle so far and projected, kept per hour.

A gas or water budget per billing cycle shows its cycle's spend in the summary, which Home
Assistant polls every minute; billing the cycle from its meters' hours costs what its hours cost
(and reads them all). As `pricing.cycle` does for electricity, `MeteredCycles` bills each
commodity's cycle once per UTC hour and keeps the projection while, at each call (one query for
both commodities):

- the commodity's active tariff version in force is the same, and so is its local day;
- the revision of the recorded inputs (timescale/0008) is unchanged;
- the commodity meters' quantities of the hour before are unchanged (a write to that hour made
  before it ended and committed after is the one the revision cannot see);
- the database's clock has reached the hour.

The figures are those of the ledger's gas and water parts (`pricing.ledger`): the cycle's
complete hours and the last 14 local days, in the tariff's unit, through `project`. A commodity
whose tariff cannot bill its meters (a meter counting kWh under a tariff per m³) has none, and is
billed again at the next call.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from aetherlens_engine.models import Commodity
from aetherlens_engine.tariffs import BillInputError, Tariff
from aetherlens_engine.tariffs.projection import Projection, current_cycle, history_window, project
from aetherlens_engine.tariffs.usage import Usage, floor_hour
from aetherlens_engine.tariffs.versions import StoredTariff

from .store.tariffs import ACTIVE_KEYS, COLUMNS, stored_from_row
from .store.usage import commodity_load

LOGGER = logging.getLogger(__name__)
METERED = (Commodity.GAS, Commodity.WATER)

# $1 the instant, $2 the start of its hour, $3 the commodities, $4 their active-tariff settings:
# a row per commodity whose active tariff has a version in force at $1.
_INPUTS_SQL = f"""
SELECT c.commodity, r.revision, clock_timestamp() >= $2 AS settled,
       ARRAY(
           SELECT e.energy_kwh FROM energy_hourly AS e
           WHERE e.hour = $2 - interval '1 hour'
             AND e.device_id = ANY (ARRAY(
                 SELECT m.id FROM commodity_meters AS m WHERE m.commodity = c.commodity
             ))
           ORDER BY e.device_id
       ) AS last_hour,
       t.*
FROM unnest($3::text[], $4::text[]) AS c (commodity, setting)
CROSS JOIN pricing_revision AS r
JOIN LATERAL (
    SELECT {COLUMNS} FROM tariffs
    WHERE name = (SELECT value #>> '{{}}' FROM engine_settings WHERE key = c.setting)
      AND valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1)
) AS t ON true
ORDER BY c.commodity
"""

type _Key = tuple[int, int, datetime, date, tuple[float, ...]]
# tariff version, revision, UTC hour, local day, the meters' quantities of the hour before


@dataclass(frozen=True, slots=True)
class _Kept:
    key: _Key
    projection: Projection


class MeteredCycles:
    """Each metered commodity's current billing cycle under its active tariff, kept per hour."""

    def __init__(self) -> None:
        """Start with nothing kept."""
        self._kept: dict[Commodity, _Kept] = {}
        self._built: dict[int, Tariff] = {}  # a stored version's definition never changes
        self._computing = asyncio.Lock()
        self._reported: set[int] = set()  # versions that could not bill: logged once each

    async def projections(
        self, conn: asyncpg.Connection, now: datetime, currency: str
    ) -> dict[Commodity, Projection]:
        """Return the cycle at NOW of each commodity whose active tariff bills it in CURRENCY."""
        hour = floor_hour(now)
        rows = await conn.fetch(
            _INPUTS_SQL, now, hour, [str(c) for c in METERED], [ACTIVE_KEYS[c] for c in METERED]
        )
        found: dict[Commodity, Projection] = {}
        for row in rows:
            stored = stored_from_row(row)
            tariff = self._tariff(stored)
            if tariff.currency != currency:
                continue
            commodity = Commodity(row["commodity"])
            key = (stored.id, row["revision"], hour, now.astimezone(tariff.zone).date(),
                   tuple(row["last_hour"]))  # fmt: skip
            keep = row["settled"]
            projection = await self._projection(conn, commodity, tariff, now, key=key, keep=keep)
            if projection is not None:
                found[commodity] = projection
        return found

    def _tariff(self, stored: StoredTariff) -> Tariff:
        if (tariff := self._built.get(stored.id)) is None:
            tariff = self._built[stored.id] = stored.tariff()
        return tariff

    def _holding(self, commodity: Commodity, key: _Key) -> Projection | None:
        kept = self._kept.get(commodity)
        return kept.projection if kept is not None and kept.key == key else None

    async def _projection(
        self,
        conn: asyncpg.Connection,
        commodity: Commodity,
        tariff: Tariff,
        now: datetime,
        *,
        key: _Key,
        keep: bool,  # the database's clock has reached the hour
    ) -> Projection | None:
        """Return the kept projection for KEY, or bill the cycle (None where it cannot be)."""
        if (kept := self._holding(commodity, key)) is not None:
            return kept
        async with self._computing:  # callers that miss together wait for one computation
            if (kept := self._holding(commodity, key)) is not None:
                return kept
            try:
                projection = await metered_projection(conn, tariff, now)
            except BillInputError as err:
                if key[0] not in self._reported:
                    self._reported.add(key[0])
                    LOGGER.warning("Cannot bill %s under %r: %s", commodity, tariff.name, err)
                return None
            if keep:
                self._kept[commodity] = _Kept(key, projection)
            return projection


async def metered_projection(conn: asyncpg.Connection, tariff: Tariff, now: datetime) -> Projection:
    """Project TARIFF's cycle at NOW from its commodity's household meters.

    Raises `BillInputError` where the tariff cannot bill them.
    """
    hour = floor_hour(now)
    first = floor_hour(current_cycle(tariff, now).start_utc)
    low, high = history_window(tariff, now)
    load = await commodity_load(conn, tariff, min(first, low), hour)
    recorded = Usage([i for i in load if first <= i.start])
    history = Usage([i for i in load if low <= i.start < high])
    return project(tariff, now, recorded, history)
