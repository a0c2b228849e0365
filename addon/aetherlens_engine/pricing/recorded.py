"""Bills of the recorded usage in a range: what they need, read once, under one set of rules.

`GET /api/v1/bill`, `POST /api/v1/compare` and `POST /api/v1/rank` bill the household's import
and export in the UTC hours starting in [start, end) (`tariffs.usage`). The rules, the same for
every tariff billed:

- a range without household energy cannot be billed;
- a tariff with dynamic (import or export) prices cannot be billed unless a price device records
  its `<currency>/kWh` in the range;
- carbon is no money: a tariff taking its carbon intensity from a series that is not recorded
  is billed without carbon;
- a tariff without an export section ignores the export (`tariffs.compare.credited_export`).

Each rule that fails raises `BillInputError` with a message for the household.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import asyncpg

from aetherlens_engine.tariffs.bill import Bill, bill
from aetherlens_engine.tariffs.compare import Comparison, compare, credited_export, one_currency
from aetherlens_engine.tariffs.model import BillInputError, Tariff
from aetherlens_engine.tariffs.ranking import Candidate, Ranking, rank, same_currency
from aetherlens_engine.tariffs.series import Series
from aetherlens_engine.tariffs.usage import (
    Usage,
    carbon_series,
    no_price_device,
    price_series,
    recorded_usage,
)

# Hours with household energy: a bill over a partly recorded range says what it covers.
_RECORDED_HOURS = (
    "SELECT count(DISTINCT hour) FROM energy_hourly "
    "WHERE hour >= $1 AND hour < $2 AND device_id IN (SELECT id FROM household_meters)"
)


async def recorded_hours(conn: asyncpg.Connection, start: datetime, end: datetime) -> int:
    """Return the UTC hours in [start, end) with household energy recorded."""
    hours: int = await conn.fetchval(_RECORDED_HOURS, start, end)
    return hours


def whole_hours(start: datetime, end: datetime) -> int:
    """Return the UTC hours starting in [START, END)."""
    first = start.replace(minute=0, second=0, microsecond=0)
    if first < start:
        first += timedelta(hours=1)
    return max(0, -(-(end - first) // timedelta(hours=1)))


def _carbon_from_series(tariff: Tariff) -> bool:
    return tariff.carbon is not None and tariff.carbon.series


@dataclass(frozen=True, slots=True)
class RecordedInputs:
    """The household's usage in a range and the price and carbon series its tariffs need."""

    start: datetime
    end: datetime
    usage: Usage
    prices: Series | None
    carbon: Series | None

    def billable(self, tariff: Tariff) -> Tariff:
        """Return TARIFF as these inputs bill it; raise `BillInputError` where they cannot."""
        if tariff.needs_prices and self.prices is None:
            raise no_price_device(
                tariff, f"between {self.start.isoformat()} and {self.end.isoformat()}"
            )
        if _carbon_from_series(tariff) and self.carbon is None:
            return replace(tariff, carbon=None)
        return tariff


async def load_recorded(
    conn: asyncpg.Connection, tariffs: Sequence[Tariff], start: datetime, end: datetime
) -> RecordedInputs:
    """Read what bills of TARIFFS (one currency) over [start, end) need, each series once."""
    usage = await recorded_usage(conn, start, end)
    if not usage.load and not usage.export:
        raise BillInputError(
            f"no household energy is recorded between {start.isoformat()} and {end.isoformat()}"
        )
    prices = carbon = None
    if any(tariff.needs_prices for tariff in tariffs):
        prices = await price_series(conn, tariffs[0].currency, start, end)
    if any(map(_carbon_from_series, tariffs)):
        carbon = await carbon_series(conn, start, end)
    return RecordedInputs(start, end, usage, prices, carbon)


async def bill_recorded(
    conn: asyncpg.Connection, tariff: Tariff, start: datetime, end: datetime
) -> Bill:
    """Bill the household's recorded usage in [start, end) on TARIFF's own cycles."""
    inputs = await load_recorded(conn, (tariff,), start, end)
    billed = inputs.billable(tariff)
    return bill(
        billed,
        inputs.usage.load,
        export=credited_export(billed, inputs.usage.export),
        prices=inputs.prices,
        carbon=inputs.carbon,
    )


async def compare_recorded(
    conn: asyncpg.Connection,
    current: Tariff,
    alternative: Tariff,
    start: datetime,
    end: datetime,
) -> Comparison:
    """Bill the household's recorded usage in [start, end) under both tariffs (`compare`)."""
    one_currency(current, alternative)
    inputs = await load_recorded(conn, (current, alternative), start, end)
    return compare(
        inputs.billable(current),
        inputs.billable(alternative),
        inputs.usage.load,
        export=inputs.usage.export,
        prices=inputs.prices,
        carbon=inputs.carbon,
    )


async def rank_recorded(
    conn: asyncpg.Connection, candidates: Sequence[Candidate], start: datetime, end: datetime
) -> Ranking:
    """Rank the household's recorded usage in [start, end) under CANDIDATES (`rank`).

    The first is the reference; a refusal names the candidate's source.
    """
    same_currency(candidates)
    inputs = await load_recorded(conn, [c.tariff for c in candidates], start, end)
    billable = []
    for candidate in candidates:
        try:
            billable.append(replace(candidate, tariff=inputs.billable(candidate.tariff)))
        except BillInputError as err:
            raise BillInputError(f"{candidate.source}: {err}") from err
    return rank(
        billable,
        inputs.usage.load,
        export=inputs.usage.export,
        prices=inputs.prices,
        carbon=inputs.carbon,
    )
