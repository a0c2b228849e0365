"""Bills of the recorded usage in a range: what they need, read once, under one set of rules.

`GET /api/v1/bill`, `POST /api/v1/compare` and `POST /api/v1/rank` bill the household's import
and export in the UTC hours starting in [start, end) (`store.usage`); compare and rank bill
gas or water tariffs with that commodity's household meters, in each tariff's unit
(`tariffs.metered`). The rules, the same for every tariff billed:

- a range without household energy (of the commodity) cannot be billed;
- every tariff billed prices the commodity of the usage;
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

from aetherlens_engine.models import Commodity
from aetherlens_engine.tariffs.bill import Bill, bill
from aetherlens_engine.tariffs.compare import Comparison, compare, credited_export, one_currency
from aetherlens_engine.tariffs.metered import MeterHours, billed_household
from aetherlens_engine.tariffs.model import BillInputError, Tariff
from aetherlens_engine.tariffs.ranking import Candidate, Ranking, rank, same_currency
from aetherlens_engine.tariffs.series import Interval, Series
from aetherlens_engine.tariffs.usage import Usage, no_price_device

from .store.usage import carbon_series, commodity_hours, price_series, recorded_usage

# Hours with the commodity's household energy: a bill over a partly recorded range says what
# it covers.
_RECORDED_HOURS = (
    "SELECT count(DISTINCT hour) FROM energy_hourly WHERE hour >= $1 AND hour < $2 "
    "AND device_id IN (SELECT id FROM commodity_meters WHERE commodity = $3)"
)


async def recorded_hours(
    conn: asyncpg.Connection,
    start: datetime,
    end: datetime,
    commodity: Commodity = Commodity.ELECTRICITY,
) -> int:
    """Return the UTC hours in [start, end) with COMMODITY's household energy recorded."""
    hours: int = await conn.fetchval(_RECORDED_HOURS, start, end, str(commodity))
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
    """The household's usage in a range and the price and carbon series its tariffs need.

    Gas and water: `meters` are the commodity's household meters, billed in each tariff's unit
    (`load`); `usage` is empty.
    """

    start: datetime
    end: datetime
    usage: Usage
    prices: Series | None
    carbon: Series | None
    commodity: Commodity = Commodity.ELECTRICITY
    meters: MeterHours | None = None

    def load(self, tariff: Tariff) -> Sequence[Interval]:
        """Return the import TARIFF bills, in its unit."""
        return self.usage.load if self.meters is None else billed_household(tariff, self.meters)

    def billable(self, tariff: Tariff) -> Tariff:
        """Return TARIFF as these inputs bill it; raise `BillInputError` where they cannot."""
        if tariff.commodity != self.commodity:
            raise BillInputError(
                f"tariff {tariff.name!r} prices {tariff.commodity}: it cannot bill the "
                f"household's {self.commodity}"
            )
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
    """Read what bills of TARIFFS (one currency) over [start, end) need, each series once.

    The usage is that of the first tariff's commodity.
    """
    commodity = tariffs[0].commodity
    if commodity is not Commodity.ELECTRICITY:
        meters = await commodity_hours(conn, commodity, start, end)
        if not meters:
            raise BillInputError(
                f"no household {commodity} is recorded between {start.isoformat()} and "
                f"{end.isoformat()}"
            )
        return RecordedInputs(start, end, Usage(), None, None, commodity, meters)
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
        inputs.load(billed),
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
        inputs.load,
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
        inputs.load,
        export=inputs.usage.export,
        prices=inputs.prices,
        carbon=inputs.carbon,
    )
