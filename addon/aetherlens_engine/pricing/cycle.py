"""The current billing cycle's bill so far, its projection and the price now, kept per hour.

Billing the cycle costs what its hours cost (a 30-day cycle of a tiered TOU tariff with demand:
about 15 ms of Python for the bill, the projection and the price), while its figures change only
when an hour ends or a recorded hour changes. `CyclePricing` computes them once per UTC hour and
keeps them while, at each call (one query, `pricing.inputs`):

- the active tariff's version in force is the same, and so is the local day;
- the revision of the recorded inputs is unchanged (timescale/0008: bumped by every write to an
  hour of energy_hourly that had ended when written, and by changes of the devices);
- the household meters' kWh of the hour before are unchanged: a write to that hour made before
  it ended and committed after is the one the revision cannot see;
- the database's clock has reached the hour: before, hours the engine counts complete are still
  current to the database, and their writes bump nothing.

So a cached figure is the one billing from scratch gives, unless a transaction wrote an hour
while it was current and committed more than an hour after it ended. The import price is kept
until its next change; the carbon intensity and the export price are looked up on every call. A
tariff with dynamic prices is billed on every call: its prices are readings, which the revision
does not follow. Callers that miss the cache together wait for one computation.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import asyncpg

from aetherlens_engine.tariffs.model import BillInputError, Tariff
from aetherlens_engine.tariffs.projection import Projection, current_cycle, project
from aetherlens_engine.tariffs.quote import Quote, moved_to, quote
from aetherlens_engine.tariffs.series import Series
from aetherlens_engine.tariffs.usage import Usage, floor_hour
from aetherlens_engine.tariffs.versions import StoredTariff

from .inputs import CycleInputs, load_inputs
from .projection import project_stored, recorded_for
from .store.usage import carbon_series, price_series, recorded_usage

# Dynamic prices are known ahead (day-ahead markets): read this far for the next step.
PRICES_AHEAD = timedelta(days=2)
CARBON_AROUND = timedelta(days=1)

type _Key = tuple[int, int, datetime, date]  # tariff version, revision, UTC hour, local day


@dataclass(frozen=True, slots=True)
class ActiveQuote:
    """The active tariff version in force now and its quote."""

    stored: StoredTariff
    currency: str
    quote: Quote


@dataclass(frozen=True, slots=True)
class CycleFigures:
    """The active tariff's quote now and its cycle's projection (None where it cannot bill)."""

    active: ActiveQuote
    tariff: Tariff
    projection: Projection | None


@dataclass(slots=True)
class _Kept:
    """The figures of one hour, and what they were computed from."""

    key: _Key
    last_hour: tuple[float, ...]
    recorded: Usage
    projection: Projection
    quote: Quote
    quoted_at: datetime

    def quote_holds(self, now: datetime) -> bool:
        change = self.quote.next_change
        return self.quoted_at <= now and (change is None or now < change)


class CyclePricing:
    """The active tariff's figures for the current billing cycle, kept per hour (see above)."""

    def __init__(self) -> None:
        """Start with nothing kept."""
        self._kept: _Kept | None = None
        # A stored version's definition never changes: it is built once.
        self._built: tuple[int, Tariff] | None = None
        self._computing = asyncio.Lock()

    async def figures(self, conn: asyncpg.Connection, now: datetime) -> CycleFigures | None:
        """Return the quote and projection at NOW; None without an active tariff."""
        if (at := await self._at(conn, now)) is None:
            return None
        projection: Projection | None
        try:
            projection = await _projection(conn, at, now)
        except BillInputError:
            projection = None
        return CycleFigures(await self._quote(conn, at, now), at.tariff, projection)

    async def quote(self, conn: asyncpg.Connection, now: datetime) -> ActiveQuote | None:
        """Return the active tariff's quote at NOW; None without an active tariff."""
        if (at := await self._at(conn, now)) is None:
            return None
        return await self._quote(conn, at, now)

    async def projection(self, conn: asyncpg.Connection, now: datetime) -> Projection | None:
        """Return the projection of the cycle at NOW; None without an active tariff.

        Raises `BillInputError` where the cycle cannot be billed (dynamic prices unrecorded).
        """
        if (at := await self._at(conn, now)) is None:
            return None
        return await _projection(conn, at, now)

    async def _at(self, conn: asyncpg.Connection, now: datetime) -> _At | None:
        """Read what NOW's figures depend on; keep them where they can be kept (see above)."""
        inputs = await load_inputs(conn, now, floor_hour(now))
        if inputs.stored is None:
            return None
        tariff = self._tariff(inputs.stored)
        kept = None
        if _cacheable(tariff, inputs):
            kept = await self._kept_at(conn, inputs.stored, inputs, tariff, now)
        return _At(inputs.stored, tariff, kept)

    async def _quote(self, conn: asyncpg.Connection, at: _At, now: datetime) -> ActiveQuote:
        if at.kept is None:
            return await _fresh_quote(conn, at.stored, at.tariff, now)
        return await self._active(conn, at.stored, at.tariff, at.kept, now)

    def _tariff(self, stored: StoredTariff) -> Tariff:
        if self._built is None or self._built[0] != stored.id:
            self._built = (stored.id, stored.tariff())
        return self._built[1]

    def _holds(self, inputs: CycleInputs, key: _Key) -> _Kept | None:
        kept = self._kept
        if kept is not None and kept.key == key and kept.last_hour == inputs.last_hour:
            return kept
        return None

    async def _kept_at(
        self,
        conn: asyncpg.Connection,
        stored: StoredTariff,
        inputs: CycleInputs,
        tariff: Tariff,
        now: datetime,
    ) -> _Kept:
        """Return the figures of NOW's hour, computing them when what is kept no longer holds."""
        key = (
            stored.id,
            inputs.revision,
            floor_hour(now),
            now.astimezone(tariff.zone).date(),
        )
        if (kept := self._holds(inputs, key)) is not None:
            return kept
        async with self._computing:
            if (kept := self._holds(inputs, key)) is not None:
                return kept
            recorded, history = await recorded_for(conn, tariff, now)
            kept = _Kept(
                key=key,
                last_hour=inputs.last_hour,
                recorded=recorded,
                projection=project(tariff, now, recorded, history),
                quote=quote(tariff, now, recorded.load),
                quoted_at=now,
            )
            self._kept = kept
            return kept

    async def _active(
        self,
        conn: asyncpg.Connection,
        stored: StoredTariff,
        tariff: Tariff,
        kept: _Kept,
        now: datetime,
    ) -> ActiveQuote:
        if not kept.quote_holds(now):
            kept.quote = quote(tariff, now, kept.recorded.load)
            kept.quoted_at = now
        carbon = await _carbon(conn, tariff, now)
        return ActiveQuote(
            stored, tariff.currency, moved_to(kept.quote, tariff, now, carbon=carbon)
        )


@dataclass(frozen=True, slots=True)
class _At:
    """The active tariff version at an instant, and its kept figures (None: computed afresh)."""

    stored: StoredTariff
    tariff: Tariff
    kept: _Kept | None


async def _projection(conn: asyncpg.Connection, at: _At, now: datetime) -> Projection:
    if at.kept is None:
        return await project_stored(conn, at.tariff, now)
    return at.kept.projection


def _cacheable(tariff: Tariff, inputs: CycleInputs) -> bool:
    return inputs.settled and not tariff.needs_prices


async def _carbon(conn: asyncpg.Connection, tariff: Tariff, now: datetime) -> Series | None:
    if tariff.carbon is None or not tariff.carbon.series:
        return None
    return await carbon_series(conn, now - CARBON_AROUND, now + CARBON_AROUND)


async def _fresh_quote(
    conn: asyncpg.Connection, stored: StoredTariff, tariff: Tariff, now: datetime
) -> ActiveQuote:
    """Quote the tariff at NOW from the recorded data, reading all of it."""
    first = floor_hour(current_cycle(tariff, now).start_utc)
    recorded = await recorded_usage(conn, first, floor_hour(now))
    prices = None
    if tariff.needs_prices:
        prices = await price_series(conn, tariff.currency, first, now + PRICES_AHEAD)
    carbon = await _carbon(conn, tariff, now)
    found = quote(tariff, now, recorded.load, prices=prices, carbon=carbon)
    return ActiveQuote(stored, tariff.currency, found)
